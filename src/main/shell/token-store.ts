import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { safeStorage } from 'electron'
import { writePrivateFile, type TokenStore } from '../core/sync/token'

export const ENCRYPTED_TOKEN_FILE = 'portal-token.enc'

/**
 * The portal token, encrypted with the OS keychain through Electron's safeStorage
 * (DPAPI on Windows, Keychain on macOS, libsecret/kwallet on Linux), in a file that only
 * its owner can read. Call after the app's `ready` event.
 */
export class SafeStorageTokenStore implements TokenStore {
  readonly file: string
  private cached: string | null | undefined

  constructor(dataDir: string) {
    this.file = join(dataDir, ENCRYPTED_TOKEN_FILE)
  }

  get(): string | null {
    if (this.cached !== undefined) return this.cached
    if (!existsSync(this.file)) return (this.cached = null)
    try {
      const token = safeStorage.decryptString(readFileSync(this.file))
      return (this.cached = token.length > 0 ? token : null)
    } catch {
      // Another user's or machine's keychain: the workstation must be enrolled again.
      return (this.cached = null)
    }
  }

  set(token: string): void {
    if (!safeStorage.isEncryptionAvailable()) {
      throw new Error('Le trousseau du système n’est pas disponible : le jeton du portail ne peut pas être protégé.')
    }
    writePrivateFile(this.file, safeStorage.encryptString(token))
    this.cached = token
  }

  clear(): void {
    rmSync(this.file, { force: true })
    this.cached = null
  }
}
