import { spawn } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { webFallbackMessage } from '../../../scripts/electron-binary.mjs'

// scripts/start.mjs run for real, in a throwaway project folder where Electron, the web
// shell, the native build and electron-vite are small stand-in scripts.
const repo = resolve(__dirname, '../../..')
const made: string[] = []
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function write(file: string, text: string, mode?: number) {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  if (mode) chmodSync(file, mode)
}

const FAKE_WEB = `
console.log('WEB ' + process.argv.slice(2).join(' '))
if (process.argv.includes('--wait')) {
  process.on('SIGTERM', () => { console.log('WEB got SIGTERM'); process.exit(0) })
  setInterval(() => {}, 1000)
  console.log('WEB ready')
} else process.exit(7)
`

const OUTPUTS = ['out/main/index.js', 'out/main/web.js', 'out/main/host.js', 'out/main/host-utility.js', 'out/main/portal.js', 'out/preload/index.js', 'out/renderer/index.html']

function fakeProject(opts: { binary?: boolean; native?: 'present' | 'fails'; out?: 'fresh' | 'stale' | 'missing' } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'guichet-start-'))
  made.push(root)
  for (const file of ['scripts/start.mjs', 'scripts/electron-binary.mjs', 'scripts/build-if-needed.mjs', 'src/main/shell/native.mjs']) {
    mkdirSync(dirname(join(root, file)), { recursive: true })
    copyFileSync(join(repo, file), join(root, file))
  }
  write(join(root, 'scripts/start-web.mjs'), FAKE_WEB)
  write(join(root, 'node_modules/electron/package.json'), '{"name":"electron","version":"41.7.1"}')
  if (opts.binary) {
    write(join(root, 'node_modules/electron/path.txt'), 'electron')
    write(
      join(root, 'node_modules/electron/dist/electron'),
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v41.7.1; exit 0; fi\necho "ELECTRON $*"\nexit 3\n',
      0o755,
    )
  }
  write(join(root, 'scripts/electron-native.mjs'), 'process.exit(1)\n')
  if (opts.native === 'present') write(join(root, '.electron-native/41.7.1/better_sqlite3.node'), 'binary')
  write(join(root, 'src/main/index.ts'), '// app')
  write(
    join(root, 'node_modules/electron-vite/bin/electron-vite.js'),
    `const fs = require('node:fs')
const OUTPUTS = ${JSON.stringify(OUTPUTS)}
fs.writeFileSync('built.marker', process.argv.slice(2).join(' '))
for (const f of OUTPUTS) {
  fs.mkdirSync(require('node:path').dirname(f), { recursive: true }); fs.writeFileSync(f, '')
}
`,
  )
  if (opts.out !== 'missing') {
    for (const f of OUTPUTS) write(join(root, f), '')
    const past = new Date(Date.now() - 3600_000)
    const srcTime = opts.out === 'stale' ? new Date() : past
    const outTime = opts.out === 'stale' ? past : new Date()
    // Every source file (the copied native.mjs too: a copy takes the current time, which may
    // equal the outputs' own to the millisecond) gets the source time.
    for (const f of ['src/main/index.ts', 'src/main/shell/native.mjs']) utimesSync(join(root, f), srcTime, srcTime)
    for (const f of OUTPUTS) utimesSync(join(root, f), outTime, outTime)
  }
  return root
}

function runStart(root: string, args: string[] = [], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[] }>((done) => {
    const env = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: '' }
    const child = spawn(process.execPath, [join(root, 'scripts/start.mjs'), ...args], { cwd: root, env })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      onStdout?.(out, child)
    })
    child.stderr.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.on('close', (code, signal) => done({ code, signal, lines: out.split('\n').filter(Boolean) }))
  })
}

const sandboxArgs = process.platform === 'linux' && process.getuid?.() === 0 ? '--no-sandbox ' : ''

describe.skipIf(process.platform === 'win32')('scripts/start.mjs', () => {
  it('without an Electron binary: exactly one line, then the web shell with the arguments and its exit code', async () => {
    const root = fakeProject()
    const { code, lines } = await runStart(root, ['--port', '0'])
    expect(lines).toEqual([webFallbackMessage('binaire absent'), 'WEB --port 0'])
    expect(code).toBe(7)
  })

  it('forwards SIGTERM to the web shell and ends with its exit code', async () => {
    const root = fakeProject()
    const { code, lines } = await runStart(root, ['--wait'], (out, child) => {
      if (out.includes('WEB ready') && !out.includes('SIGTERM')) child.kill('SIGTERM')
    })
    expect(lines).toContain('WEB got SIGTERM')
    expect(code).toBe(0)
  })

  it('with a binary but no Electron-ABI better-sqlite3 that can be built: the same one-line fallback', async () => {
    const root = fakeProject({ binary: true, native: 'fails' })
    const { code, lines } = await runStart(root)
    expect(lines.at(-2)).toBe(
      webFallbackMessage('module natif better-sqlite3 pour Electron 41.7.1 impossible à construire'),
    )
    expect(lines.at(-1)).toBe('WEB ')
    expect(code).toBe(7)
  })

  it('with everything in place and out/ up to date: runs Electron on the project folder, without building', async () => {
    const root = fakeProject({ binary: true, native: 'present', out: 'fresh' })
    const { code, lines } = await runStart(root, ['--flag'])
    expect(lines).toEqual([`ELECTRON ${sandboxArgs}. --flag`])
    expect(code).toBe(3)
    expect(existsSync(join(root, 'built.marker'))).toBe(false)
  })

  it.each(['stale', 'missing'] as const)('builds with electron-vite first when out/ is %s', async (out) => {
    const root = fakeProject({ binary: true, native: 'present', out })
    const { code, lines } = await runStart(root)
    expect(existsSync(join(root, 'built.marker'))).toBe(true)
    expect(lines.at(-1)).toBe(`ELECTRON ${sandboxArgs}.`)
    expect(code).toBe(3)
  })
})
