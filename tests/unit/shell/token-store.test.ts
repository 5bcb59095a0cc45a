import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

// safeStorage double: "encrypts" by reversing and prefixing, so the file never holds the token in clear.
const safeStorage = vi.hoisted(() => ({
  available: true,
  isEncryptionAvailable: vi.fn(() => safeStorage.available),
  encryptString: vi.fn((plain: string) => Buffer.from(`enc:${[...plain].reverse().join('')}`, 'utf8')),
  decryptString: vi.fn((data: Buffer) => {
    const text = data.toString('utf8')
    if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
    return [...text.slice(4)].reverse().join('')
  }),
}))
vi.mock('electron', () => ({ safeStorage }))

import { ENCRYPTED_TOKEN_FILE, SafeStorageTokenStore } from '../../../src/main/shell/token-store'

const TOKEN = 'tok_0123456789abcdef0123456789abcdef'

describe('SafeStorageTokenStore (Electron safeStorage)', () => {
  let dir: string
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'guichet-token-'))
    safeStorage.available = true
    vi.clearAllMocks()
  })
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('encrypts the token with safeStorage into a file only its owner can read', () => {
    const store = new SafeStorageTokenStore(dir)
    expect(store.get()).toBeNull()
    store.set(TOKEN)
    expect(safeStorage.encryptString).toHaveBeenCalledWith(TOKEN)
    const file = join(dir, ENCRYPTED_TOKEN_FILE)
    expect(readFileSync(file, 'utf8')).not.toContain(TOKEN)
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600)
    // A new instance (next start) decrypts it.
    const again = new SafeStorageTokenStore(dir)
    expect(again.get()).toBe(TOKEN)
    expect(safeStorage.decryptString).toHaveBeenCalledTimes(1)
  })

  it('refuses to store the token in clear when the keychain is unavailable', () => {
    safeStorage.available = false
    const store = new SafeStorageTokenStore(dir)
    expect(() => store.set(TOKEN)).toThrow(/trousseau/)
    expect(existsSync(join(dir, ENCRYPTED_TOKEN_FILE))).toBe(false)
    expect(safeStorage.encryptString).not.toHaveBeenCalled()
  })

  it('treats a file it cannot decrypt (other user or machine) as no token', () => {
    writeFileSync(join(dir, ENCRYPTED_TOKEN_FILE), 'garbage')
    expect(new SafeStorageTokenStore(dir).get()).toBeNull()
  })

  it('clear() removes the file', () => {
    const store = new SafeStorageTokenStore(dir)
    store.set(TOKEN)
    store.clear()
    expect(store.get()).toBeNull()
    expect(existsSync(join(dir, ENCRYPTED_TOKEN_FILE))).toBe(false)
    expect(new SafeStorageTokenStore(dir).get()).toBeNull()
  })
})
