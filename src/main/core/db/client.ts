import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import * as schema from './schema'
import { migrateDatabase, type MigrateResult } from './migrate'

export type Db = BetterSQLite3Database<typeof schema>

export interface OpenDatabaseOptions {
  file: string
  migrationsFolder: string
  /** Path to a better_sqlite3.node built for another runtime (Electron's ABI). */
  nativeBinding?: string
  /** Where pre-migration backups go (default: <data dir>/sauvegardes). */
  backupDir?: string
  now?: () => Date
}

export interface OpenedDatabase {
  sqlite: Database.Database
  db: Db
  migration: MigrateResult
}

/** Opens (creating if needed) the workstation database with WAL, synchronous = FULL and foreign keys on, then migrates it. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<OpenedDatabase> {
  mkdirSync(dirname(opts.file), { recursive: true })
  const sqlite = new Database(opts.file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {})
  try {
    sqlite.pragma('journal_mode = WAL')
    // FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on a power cut, and a
    // command shown as saved (a printed receipt) must survive one. Cost: bench/durability.ts.
    sqlite.pragma('synchronous = FULL')
    sqlite.pragma('foreign_keys = ON')
    sqlite.pragma('busy_timeout = 5000')
    const db = drizzle(sqlite, { schema })
    const migration = await migrateDatabase(sqlite, db as unknown as BetterSQLite3Database<Record<string, unknown>>, {
      migrationsFolder: opts.migrationsFolder,
      backupDir: opts.backupDir ?? join(dirname(opts.file), 'sauvegardes'),
      now: opts.now,
    })
    return { sqlite, db, migration }
  } catch (error) {
    sqlite.close()
    throw error
  }
}
