import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FILE_TOKEN_WARNING, FileTokenStore, TOKEN_FILE } from '../../../src/main/core/sync/token'

describe('FileTokenStore (outside Electron)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'guichet-token-'))
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes <dataDir>/portal-token with mode 0600 and warns once', () => {
    const lines: string[] = []
    const store = new FileTokenStore(dir, (l) => lines.push(l))
    expect(store.get()).toBeNull()
    expect(lines).toEqual([])
    store.set('a'.repeat(40))
    store.set('b'.repeat(40))
    expect(store.get()).toBe('b'.repeat(40))
    expect(lines).toEqual([FILE_TOKEN_WARNING])
    const file = join(dir, TOKEN_FILE)
    expect(readFileSync(file, 'utf8')).toBe('b'.repeat(40))
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)

    const next: string[] = []
    expect(new FileTokenStore(dir, (l) => next.push(l)).get()).toBe('b'.repeat(40))
    expect(next).toEqual([FILE_TOKEN_WARNING])
  })

  it('clear() removes the file', () => {
    const store = new FileTokenStore(dir, () => {})
    store.set('c'.repeat(40))
    store.clear()
    expect(store.get()).toBeNull()
    expect(existsSync(join(dir, TOKEN_FILE))).toBe(false)
  })
})
