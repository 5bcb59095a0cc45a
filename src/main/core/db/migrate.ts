import { existsSync, mkdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import type Database from 'better-sqlite3'
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3'
import { readMigrationFiles, type MigrationMeta } from 'drizzle-orm/migrator'

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
 *  3. applies every pending migration in one transaction (all or nothing), with foreign keys
 *     off while it runs and checked before the commit (see applyMigrations).
 */
export async function migrateDatabase(
  sqlite: Database.Database,
  _db: BetterSQLite3Database<Record<string, unknown>>,
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
  if (plan.pending > 0) applyMigrations(sqlite, readMigrationFiles({ migrationsFolder: opts.migrationsFolder }))
  return { ...plan, backupFile }
}

/** Raised when migrated data breaks a foreign key: nothing was committed. */
export class MigrationForeignKeyError extends Error {
  constructor(readonly violations: Array<{ table: string; rowid: number; parent: string }>) {
    super(
      `Migration refused: ${violations.length} row(s) would break a foreign key ` +
        violations
          .slice(0, 5)
          .map((v) => `${v.table}#${v.rowid} → ${v.parent}`)
          .join(', '),
    )
    this.name = 'MigrationForeignKeyError'
  }
}

/**
 * Runs the pending migrations in one transaction, recorded in `__drizzle_migrations` exactly as
 * drizzle's migrator records them. Unlike drizzle's migrator, it turns foreign keys off first:
 * SQLite changes a table (a new CHECK, a new ON DELETE) by copying it into a new one and
 * dropping the old, and the generated `PRAGMA foreign_keys=OFF` is ignored inside a
 * transaction, so with foreign keys on, `DROP TABLE families` would first delete every family
 * and cascade to their members. `PRAGMA foreign_key_check` runs before the commit instead.
 */
function applyMigrations(sqlite: Database.Database, migrations: MigrationMeta[]): void {
  const foreignKeys = sqlite.pragma('foreign_keys', { simple: true }) as number
  sqlite.pragma('foreign_keys = OFF')
  try {
    sqlite.exec(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)`,
    )
    sqlite.transaction(() => {
      const last = appliedMigrations(sqlite).at(-1)?.createdAt ?? -1
      const record = sqlite.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (hash, created_at) VALUES (?, ?)`)
      for (const migration of migrations) {
        if (migration.folderMillis <= last) continue
        for (const statement of migration.sql) if (statement.trim()) sqlite.exec(statement)
        record.run(migration.hash, migration.folderMillis)
      }
      const violations = sqlite.pragma('foreign_key_check') as Array<{ table: string; rowid: number; parent: string }>
      if (violations.length > 0) throw new MigrationForeignKeyError(violations)
    })()
  } finally {
    sqlite.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`)
  }
}
