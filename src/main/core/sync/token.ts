import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Where the workstation keeps its portal token. The Electron shell encrypts it with
 * safeStorage (src/main/shell/token-store.ts); outside Electron (web shell, tests) it sits
 * in a file readable by its owner only.
 */
export interface TokenStore {
  get(): string | null
  set(token: string): void
  clear(): void
}

export const TOKEN_FILE = 'portal-token'

export const FILE_TOKEN_WARNING =
  'Jeton du portail stocké dans un fichier lisible par son seul propriétaire (pas de trousseau système hors Electron).'

/** Writes `data` to `file` (mode 0600) through a temporary file, so a crash never leaves half a token. */
export function writePrivateFile(file: string, data: string | Buffer): void {
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  writeFileSync(tmp, data, { mode: 0o600 })
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

export class FileTokenStore implements TokenStore {
  readonly file: string
  private warned = false
  private cached: string | null | undefined

  constructor(
    dataDir: string,
    private readonly warn: (line: string) => void = (line) => console.warn(line),
  ) {
    this.file = join(dataDir, TOKEN_FILE)
  }

  private warnOnce(): void {
    if (this.warned) return
    this.warned = true
    this.warn(FILE_TOKEN_WARNING)
  }

  get(): string | null {
    if (this.cached !== undefined) return this.cached
    if (!existsSync(this.file)) return (this.cached = null)
    this.warnOnce()
    const token = readFileSync(this.file, 'utf8').trim()
    return (this.cached = token.length > 0 ? token : null)
  }

  set(token: string): void {
    this.warnOnce()
    writePrivateFile(this.file, token)
    this.cached = token
  }

  clear(): void {
    rmSync(this.file, { force: true })
    this.cached = null
  }
}

/** A token kept in memory only (tests). */
export class MemoryTokenStore implements TokenStore {
  private token: string | null = null
  get(): string | null {
    return this.token
  }
  set(token: string): void {
    this.token = token
  }
  clear(): void {
    this.token = null
  }
}
