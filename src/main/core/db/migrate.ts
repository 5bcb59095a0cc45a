import { existsSync, mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import type Database from 'better-sqlite3'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import { readMigrationFiles } from 'drizzle-orm/migrator'

export const MIGRATIONS_TABLE = '__drizzle_migrations'

/** Raised when the database was written by a newer version of the app: we refuse to touch it. */
export class DatabaseFromFutureError extends Error {
  constructor(
    readonly applied: number,
    readonly known: number,
  ) {
    super(
      `Cette base de données a été écrite par une version plus récente de Guichet Famille ` +
        `(schéma ${applied}, cette version connaît ${known}). Elle n'a pas été modifiée : ` +
        `installez la dernière version de l'application.`,
    )
    this.name = 'DatabaseFromFutureError'
  }
}

export interface MigrationPlan {
  /** Migrations recorded in the database. */
  applied: number
  /** Migrations shipped with this version. */
  known: number
  pending: number
}

function appliedMigrations(sqlite: Database.Database): Array<{ hash: string; createdAt: number }> {
  const table = sqlite
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(MIGRATIONS_TABLE)
  if (!table) return []
  return (
    sqlite.prepare(`SELECT hash, created_at AS createdAt FROM ${MIGRATIONS_TABLE} ORDER BY created_at`).all() as Array<{
      hash: string
      createdAt: number | string
    }>
  ).map((r) => ({ hash: r.hash, createdAt: Number(r.createdAt) }))
}

/** Compares the database with the shipped migrations; throws if the database is from the future. */
export function planMigrations(sqlite: Database.Database, migrationsFolder: string): MigrationPlan {
  const known = readMigrationFiles({ migrationsFolder })
  const applied = appliedMigrations(sqlite)
  const newestKnown = known.reduce((max, m) => Math.max(max, m.folderMillis), 0)
  const fromFuture = applied.length > known.length || applied.some((m) => m.createdAt > newestKnown)
  if (fromFuture) throw new DatabaseFromFutureError(applied.length, known.length)
  const last = applied.at(-1)?.createdAt ?? -1
  const pending = known.filter((m) => m.folderMillis > last).length
  return { applied: applied.length, known: known.length, pending }
}

function hasUserTables(sqlite: Database.Database): boolean {
  return (
    sqlite.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).get() as {
      n: number
    }
  ).n > 0
}

export interface MigrateResult extends MigrationPlan {
  backupFile: string | null
}

/**
 * Brings the database to this version's schema:
 *  1. refuses a database written by a newer version (nothing is changed);
 *  2. takes an online backup (SQLite backup API) before any migration runs on existing data;
 *  3. applies every pending migration in one transaction (all or nothing).
 */
export async function migrateDatabase(
  sqlite: Database.Database,
  db: BetterSQLite3Database<Record<string, unknown>>,
  opts: { migrationsFolder: string; backupDir: string; now?: () => Date },
): Promise<MigrateResult> {
  const plan = planMigrations(sqlite, opts.migrationsFolder)
  let backupFile: string | null = null
  if (plan.pending > 0 && hasUserTables(sqlite)) {
    mkdirSync(opts.backupDir, { recursive: true })
    const stamp = (opts.now?.() ?? new Date()).toISOString().replace(/[:.]/g, '-')
    const name = `${basename(sqlite.name, '.sqlite')}-avant-migration-${plan.applied}-${stamp}.sqlite`
    backupFile = join(opts.backupDir, name)
    if (existsSync(backupFile)) throw new Error(`Backup file already exists: ${backupFile}`)
    await sqlite.backup(backupFile)
  }
  if (plan.pending > 0) migrate(db, { migrationsFolder: opts.migrationsFolder, migrationsTable: MIGRATIONS_TABLE })
  return { ...plan, backupFile }
}
