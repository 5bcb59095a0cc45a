import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { sql, type SQL } from 'drizzle-orm'
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres'
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator'
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core'
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite'
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator'
import pg from 'pg'
import { defaultPortalDataDir, PORTAL_MIGRATIONS_FOLDER } from '../paths'

/**
 * The portal's database: PostgreSQL through drizzle, either a real server (DATABASE_URL,
 * node-postgres pool) or PGlite (embedded PostgreSQL in WASM) in the data folder. Everything
 * above this file uses one code path: `PortalDb` (drizzle's pg-core database), its
 * `execute(sql…)` and `transaction(…)`.
 */
export type PortalDb = PgDatabase<PgQueryResultHKT>

export interface OpenPortalDbOptions {
  /** Data folder (PGlite's files, snapshot cache). Default: PORTAL_DATA_DIR or ./.data/portal. */
  dataDir?: string
  /** postgres://… : use this PostgreSQL server instead of PGlite. */
  databaseUrl?: string
  migrationsFolder?: string
}

export interface PortalDatabase {
  db: PortalDb
  driver: 'pglite' | 'postgres'
  dataDir: string
  /** A random id stored in the database: caches in the data folder are keyed by it. */
  databaseId: string
  close(): Promise<void>
}

/** Session-level advisory lock held while migrating, so that two instances never migrate at once. */
const MIGRATION_LOCK = 4241

/** The rows of a query, on either driver (both answer `{ rows }`). */
export async function rows<T>(db: PortalDb, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] }
  return result.rows
}

interface RawClient {
  query(text: string, params: unknown[]): Promise<{ rows: unknown[] }>
}

const dialect = new PgDialect()

/**
 * The same as `rows`, for the hot paths (push, pull, the shared tables): the query built by drizzle
 * is sent straight to the connection drizzle holds for this database or transaction (PGlite,
 * its transaction, a pg Pool or PoolClient: all answer `query(text, params) → { rows }`),
 * skipping drizzle's per-query result handling, which costs as much as PGlite's own work on a
 * one-row query. Values come back as the driver parses them: use it for text, integer, boolean,
 * bigint (→ Number()) and json columns, not for timestamps.
 */
export async function fastRows<T>(db: PortalDb, query: SQL): Promise<T[]> {
  const client = rawClientOf(db)
  if (!client) return rows<T>(db, query)
  const { sql: text, params } = dialect.sqlToQuery(query)
  return (await client.query(text, params)).rows as T[]
}

function rawClientOf(db: PortalDb): RawClient | null {
  const client = (db as unknown as { session?: { client?: RawClient } }).session?.client
  return client && typeof client.query === 'function' ? client : null
}

/** `fastRows` for a statement text written once and reused ($1, $2… placeholders). */
export async function fastQuery<T>(db: PortalDb, text: string, params: unknown[]): Promise<T[]> {
  const client = rawClientOf(db)
  if (!client) {
    // Not the drizzle internals we expect: the same statement through drizzle's public API.
    const parts = text.split(/\$(\d+)/)
    const chunks = parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`))
    return rows<T>(db, sql.join(chunks, sql``))
  }
  return (await client.query(text, params)).rows as T[]
}

export async function one<T>(db: PortalDb, query: SQL): Promise<T | undefined> {
  return (await rows<T>(db, query))[0]
}

/** An instant column as ISO-8601 UTC text ("2026-11-27T09:30:00.000Z"), the same on both drivers. */
export function iso(column: SQL): SQL {
  return sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
}

// ---------------------------------------------------------------------------------------------
// PGlite: one process per data folder

const openFolders = new Set<string>()

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** PGlite's files must never be opened by two processes: a lock file with the owner's pid. */
function lockFolder(dataDir: string): () => void {
  const lockFile = join(dataDir, 'portal.lock')
  if (openFolders.has(dataDir)) throw new Error(`La base du portail dans ${dataDir} est déjà ouverte par ce processus.`)
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8').trim())
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new Error(
        `La base du portail dans ${dataDir} est utilisée par un autre processus (pid ${pid}) : ` +
          `arrêtez-le, ou passez par l’API d’administration du portail en cours d’exécution.`,
      )
    }
  }
  writeFileSync(lockFile, `${process.pid}\n`)
  openFolders.add(dataDir)
  return () => {
    openFolders.delete(dataDir)
    rmSync(lockFile, { force: true })
  }
}

async function ensureDatabaseId(db: PortalDb): Promise<string> {
  await db.execute(sql`INSERT INTO portal_meta (key, value) VALUES ('database_id', ${randomUUID()}) ON CONFLICT (key) DO NOTHING`)
  const row = await one<{ value: string }>(db, sql`SELECT value FROM portal_meta WHERE key = 'database_id'`)
  if (!row) throw new Error('portal_meta.database_id is missing')
  return row.value
}

/** Opens the portal database (PGlite in the data folder, or DATABASE_URL) and applies the migrations. */
export async function openPortalDb(opts: OpenPortalDbOptions = {}): Promise<PortalDatabase> {
  const dataDir = resolve(opts.dataDir ?? defaultPortalDataDir())
  const migrationsFolder = opts.migrationsFolder ?? PORTAL_MIGRATIONS_FOLDER
  mkdirSync(dataDir, { recursive: true })

  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 })
    // An idle client's error (server restart) must not crash the process: the next query reconnects.
    pool.on('error', () => undefined)
    try {
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
        try {
          await migrateNodePg(drizzleNodePg({ client }), { migrationsFolder })
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
        }
      } finally {
        client.release()
      }
      const db = drizzleNodePg({ client: pool }) as unknown as PortalDb
      const databaseId = await ensureDatabaseId(db)
      return { db, driver: 'postgres', dataDir, databaseId, close: () => pool.end() }
    } catch (error) {
      await pool.end().catch(() => undefined)
      throw error
    }
  }

  const unlock = lockFolder(dataDir)
  let client: PGlite | null = null
  try {
    client = await PGlite.create(join(dataDir, 'pgdata'))
    const drizzled = drizzlePglite({ client })
    await migratePglite(drizzled, { migrationsFolder })
    const db = drizzled as unknown as PortalDb
    const databaseId = await ensureDatabaseId(db)
    const opened = client
    return {
      db,
      driver: 'pglite',
      dataDir,
      databaseId,
      close: async () => {
        try {
          await opened.close()
        } finally {
          unlock()
        }
      },
    }
  } catch (error) {
    await client?.close().catch(() => undefined)
    unlock()
    throw error
  }
}
