import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  electronPackageVersion,
  locateElectronBinary,
  probeElectronBinary,
  webFallbackMessage,
} from '../../../scripts/electron-binary.mjs'
import { electronNativeBindingPath } from '../../../src/main/shell/native.mjs'

const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project folder whose node_modules/electron is in the given state. */
function project(opts: { pathTxt?: string; binary?: string; noPackage?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'guichet-electron-bin-'))
  made.push(root)
  const pkg = join(root, 'node_modules', 'electron')
  mkdirSync(join(pkg, 'dist'), { recursive: true })
  if (!opts.noPackage) writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'electron', version: '41.7.1' }))
  if (opts.pathTxt !== undefined) writeFileSync(join(pkg, 'path.txt'), opts.pathTxt)
  if (opts.binary !== undefined) {
    const file = join(pkg, 'dist', 'electron')
    writeFileSync(file, opts.binary)
    chmodSync(file, 0o755)
  }
  return root
}

const noOverride = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' }

describe.skipIf(process.platform === 'win32')('Electron binary detection', () => {
  it('reports the binary as absent when path.txt is missing (electron installed without its download)', () => {
    expect(probeElectronBinary(project(), { env: noOverride })).toEqual({ ok: false, reason: 'binaire absent' })
  })

  it('reports the binary as absent when path.txt names a missing file or a path outside dist', () => {
    expect(locateElectronBinary(project({ pathTxt: 'electron' }), noOverride)).toEqual({ ok: false, reason: 'binaire absent' })
    expect(locateElectronBinary(project({ pathTxt: '../../../../bin/sh', binary: '' }), noOverride)).toEqual({
      ok: false,
      reason: 'binaire absent',
    })
  })

  it('reports a missing electron package', () => {
    expect(locateElectronBinary(project({ noPackage: true }), noOverride).ok).toBe(false)
  })

  it('accepts a binary that answers --version', () => {
    const root = project({ pathTxt: 'electron', binary: '#!/bin/sh\n[ "$1" = "--version" ] && echo v41.7.1\n' })
    const probe = probeElectronBinary(root, { env: noOverride })
    expect(probe).toEqual({ ok: true, path: join(root, 'node_modules', 'electron', 'dist', 'electron'), version: '41.7.1' })
    expect(electronPackageVersion(root)).toBe('41.7.1')
  })

  it('refuses a binary that fails, prints garbage or hangs past the timeout', () => {
    const failing = project({ pathTxt: 'electron', binary: '#!/bin/sh\necho "cannot open display" >&2\nexit 1\n' })
    expect(probeElectronBinary(failing, { env: noOverride })).toEqual({ ok: false, reason: 'binaire présent mais inutilisable' })
    const garbage = project({ pathTxt: 'electron', binary: '#!/bin/sh\necho hello\n' })
    expect(probeElectronBinary(garbage, { env: noOverride }).ok).toBe(false)
    const hanging = project({ pathTxt: 'electron', binary: '#!/bin/sh\nexec sleep 30\n' })
    const started = Date.now()
    expect(probeElectronBinary(hanging, { env: noOverride, timeoutMs: 300 }).ok).toBe(false)
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('honours ELECTRON_OVERRIDE_DIST_PATH like node_modules/electron/index.js', () => {
    const elsewhere = project({ binary: '#!/bin/sh\necho v41.7.1\n' })
    const root = project()
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(elsewhere, 'node_modules', 'electron', 'dist') }
    expect(probeElectronBinary(root, { env })).toMatchObject({ ok: true, version: '41.7.1' })
  })

  it('words the web-shell fallback as one French line', () => {
    expect(webFallbackMessage('binaire absent')).toBe(
      'Electron ne peut pas démarrer sur cette machine (binaire absent) : démarrage du shell web à la place (npm run start:web).',
    )
  })
})

describe('electronNativeBindingPath', () => {
  it('puts the Electron-ABI build under .electron-native/<version>/', () => {
    expect(electronNativeBindingPath('/app', '41.7.1')).toBe(join('/app', '.electron-native', '41.7.1', 'better_sqlite3.node'))
    expect(electronNativeBindingPath('/app', 'v41.7.1')).toBe(join('/app', '.electron-native', '41.7.1', 'better_sqlite3.node'))
  })
})
