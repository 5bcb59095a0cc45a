import { randomBytes, randomUUID } from 'node:crypto'
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
  /** postgres://… : use this PostgreSQL server instead of PGlite (requests: may go through PgBouncer in transaction mode). */
  databaseUrl?: string
  /**
   * postgres://… straight to PostgreSQL, for the migrations (a session-level advisory lock, which
   * PgBouncer's transaction mode cannot keep) and the start-up checks. Default: databaseUrl.
   */
  directDatabaseUrl?: string
  /** Connections in this process's pool (default PORTAL_POOL_SIZE, else 10; see docs/sync-protocol.md "Running several instances"). */
  poolSize?: number
  /** The portal role's timeouts, set at start (default PORTAL_DB_SETTINGS: see ROLE_SETTINGS); false: leave the role alone. */
  roleSettings?: Partial<RoleSettings> | false
  migrationsFolder?: string
}

/**
 * The portal role's settings, set at start with ALTER ROLE CURRENT_USER (a role may set its own
 * defaults; PostgreSQL applies them to every new session, also behind PgBouncer). They cut a
 * stalled instance's transaction within seconds, so it never stalls the others:
 * - idle_in_transaction_session_timeout: a transaction whose client stopped talking (a frozen or
 *   dead process, a lost network) is ended and its locks released;
 * - lock_timeout: a statement waits at most this long for a lock (the push is run again);
 * - statement_timeout: no statement runs away;
 * - TCP keepalives: a peer gone without closing its socket is noticed.
 */
export interface RoleSettings {
  lock_timeout: string
  statement_timeout: string
  idle_in_transaction_session_timeout: string
  tcp_keepalives_idle: number
  tcp_keepalives_interval: number
  tcp_keepalives_count: number
}

export const ROLE_SETTINGS: RoleSettings = {
  lock_timeout: '3s',
  statement_timeout: '30s',
  idle_in_transaction_session_timeout: '1500ms',
  tcp_keepalives_idle: 10,
  tcp_keepalives_interval: 5,
  tcp_keepalives_count: 3,
}

export interface PortalDatabase {
  db: PortalDb
  driver: 'pglite' | 'postgres'
  /** What the start-up did to the role's settings (null on PGlite), for the start line. */
  roleSettings: 'set' | 'unchanged' | 'not-allowed' | null
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

/**
 * Sends `text` and COMMIT in one message (simple query protocol) on a PostgreSQL transaction's
 * connection: the database runs both without waiting for this process (an instance frozen
 * right after sending holds none of the locks `text` takes). `text` has no parameters: inline
 * values with `dollarQuoted`. Returns false on PGlite (one process: nothing to gain), where the
 * caller runs `text` itself and lets the transaction commit as usual. The caller's transaction
 * wrapper then sends its own COMMIT, which PostgreSQL answers with a warning only.
 */
export async function commitWith(db: PortalDb, text: string): Promise<boolean> {
  const client = rawClientOf(db)
  if (!(client instanceof pg.Client)) return false
  await client.query(`${text}; COMMIT`)
  return true
}

/** A text as a dollar-quoted literal whose tag does not occur in it. */
export function dollarQuoted(value: string): string {
  let tag: string
  do tag = `$g${randomBytes(6).toString('hex')}$`
  while (value.includes(tag))
  return `${tag}${value}${tag}`
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

function poolSizeFromEnv(): number {
  const n = Number(process.env.PORTAL_POOL_SIZE)
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 10
}

/**
 * Pulls are correct only if the change log's seqs are handed out in commit order: each writer
 * takes its seqs under the append lock (db/store.ts). A sequence with a per-session cache (CACHE
 * 50) hands out numbers reserved earlier by a session, out of that order: pollers then skip
 * changes. Migration 0009 sets CACHE 1; this refuses to start if someone changed it back.
 */
export async function checkChangeLogSequence(client: { query(text: string): Promise<{ rows: unknown[] }> }): Promise<void> {
  const { rows: found } = await client.query("SELECT seqcache::int AS cache FROM pg_sequence WHERE seqrelid = 'changes_seq_seq'::regclass")
  const cache = Number((found[0] as { cache?: number } | undefined)?.cache)
  if (cache !== 1) {
    throw new Error(
      `La séquence du journal des changements (changes_seq_seq) a un cache de ${cache} : les postes manqueraient des changements. ` +
        'Remettez-la à 1 (ALTER SEQUENCE changes_seq_seq CACHE 1) avant de démarrer le portail.',
    )
  }
}

const SETTING_NAME = /^[a-z_]+$/
const SETTING_VALUE = /^[0-9]+(ms|s|min)?$/

/** Sets the role's defaults (see RoleSettings) when they differ; 'not-allowed' when the role may not (the town's DBA then sets them, docs/sync-protocol.md). */
async function applyRoleSettings(client: pg.Client, wanted: RoleSettings): Promise<'set' | 'unchanged' | 'not-allowed'> {
  const { rows: current } = await client.query<{ setconfig: string[] | null }>(
    'SELECT setconfig FROM pg_db_role_setting WHERE setrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND setdatabase = 0',
  )
  const have = new Map((current[0]?.setconfig ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]))
  const todo = Object.entries(wanted).filter(([k, v]) => have.get(k) !== String(v))
  if (todo.length === 0) return 'unchanged'
  try {
    for (const [k, v] of todo) {
      if (!SETTING_NAME.test(k) || !SETTING_VALUE.test(String(v))) throw new Error(`Réglage invalide : ${k}=${String(v)}`)
      await client.query(`ALTER ROLE CURRENT_USER SET ${k} = '${String(v)}'`)
    }
    return 'set'
  } catch (error) {
    if ((error as { code?: string }).code === '42501') return 'not-allowed'
    throw error
  }
}

/** Opens the portal database (PGlite in the data folder, or DATABASE_URL) and applies the migrations. */
export async function openPortalDb(opts: OpenPortalDbOptions = {}): Promise<PortalDatabase> {
  const dataDir = resolve(opts.dataDir ?? defaultPortalDataDir())
  const migrationsFolder = opts.migrationsFolder ?? PORTAL_MIGRATIONS_FOLDER
  mkdirSync(dataDir, { recursive: true })

  if (opts.databaseUrl) {
    const direct = opts.directDatabaseUrl ?? opts.databaseUrl
    let roleSettings: PortalDatabase['roleSettings'] = 'unchanged'
    // Migrations and checks: one direct session (the advisory lock is a session's).
    const admin = new pg.Client({ connectionString: direct })
    await admin.connect()
    try {
      await admin.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
      try {
        await migrateNodePg(drizzleNodePg({ client: admin }), { migrationsFolder })
      } finally {
        await admin.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
      }
      await checkChangeLogSequence(admin)
      if (opts.roleSettings !== false) roleSettings = await applyRoleSettings(admin, { ...ROLE_SETTINGS, ...(opts.roleSettings ?? {}) })
    } finally {
      await admin.end().catch(() => undefined)
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? poolSizeFromEnv(),
      // The client side of the keepalives: a database gone without closing the socket is noticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    })
    // A client's error (server restart; a session ended by the database, e.g. a transaction
    // idle past idle_in_transaction_session_timeout while this process was frozen) must not crash
    // the process: idle clients report on the pool, a client checked out reports on itself (its
    // query in progress fails on its own, the request answers 500, the workstation retries).
    pool.on('error', () => undefined)
    pool.on('connect', (client) => client.on('error', () => undefined))
    try {
      const db = drizzleNodePg({ client: pool }) as unknown as PortalDb
      const databaseId = await ensureDatabaseId(db)
      return { db, driver: 'postgres', dataDir, databaseId, roleSettings, close: () => pool.end() }
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
      roleSettings: null,
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
