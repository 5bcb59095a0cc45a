import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import pg from 'pg'
import { expect } from 'vitest'
import type { Result } from '@shared/contract'
import { columnsOf, entityOrder, normalizeRow, type EntityName, type Row } from '@shared/sync/entities'
import { createCore, type Core } from '../../../src/main/core'
import type { Session } from '../../../src/main/core/types'
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from '../../../src/main/core/sync/engine'
import { FileTokenStore } from '../../../src/main/core/sync/token'
import type { FetchLike } from '../../../src/main/core/sync/transport'
import { startPortal } from '../../../src/portal'
import type { Clock } from '@shared/clock'
import { testClock } from '../../helpers/clock'
import { MIGRATIONS } from '../../helpers/core'

/**
 * Test harness of the sync suite: the real portal on a loopback port (PGlite in a temp
 * folder, or PostgreSQL when DATABASE_URL is set), real SQLite workstations, and a fetch
 * that loses requests, loses responses, answers 500, hangs or cuts a download on demand.
 */

export type Portal = Awaited<ReturnType<typeof startPortal>>

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * With DATABASE_URL (PostgreSQL), every portal of the suite gets a database of its own,
 * created on that server and dropped afterwards (test files run in parallel).
 */
async function throwawayDatabase(serverUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `guichet_sync_${process.pid}_${randomBytes(4).toString('hex')}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl })
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await c.end()
      }
    },
  }
}

/** A fresh portal seeded with a small demo town (PGlite in a temp folder, or PostgreSQL when DATABASE_URL is set). */
export async function startTestPortal(opts: { families?: number; seed?: number } = {}): Promise<Portal & { cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir('guichet-portal-')
  const database = process.env.DATABASE_URL ? await throwawayDatabase(process.env.DATABASE_URL) : null
  const portal = await startPortal({
    dataDir: dir,
    // A fixed day of the shipped school calendar (the demo town, expiries): the same in any month.
    now: testClock(),
    port: 0,
    host: '127.0.0.1',
    log: false,
    snapshotDebounceMs: 200,
    ...(database ? { databaseUrl: database.url } : {}),
  })
  await portal.seedDemo({ families: opts.families ?? 30, seed: opts.seed ?? 7 })
  return Object.assign(portal, {
    cleanup: async () => {
      await portal.close()
      await database?.drop()
      cleanup()
    },
  })
}

export type Fault =
  /** The request never reaches the portal. */
  | 'drop-request'
  /** The portal processes the request (and commits); its answer is lost on the way back. */
  | 'drop-response'
  /** The portal answers 500 without processing the request. */
  | 'status-500'
  /** No answer: the request hangs until the transport's timeout aborts it. */
  | 'hang'
  /** The answer's body is cut after this many bytes (downloads). */
  | { cutAfterBytes: number }
  /** Runs `run` after the portal answered and before the workstation reads the answer. */
  | { beforeAnswer: () => Promise<void> }
  /** The portal's JSON answer, changed on the way (a portal gone wrong). */
  | { rewrite: (body: unknown) => unknown }

export interface FaultyFetch {
  fetch: FetchLike
  /** The next request whose URL matches `match` meets `fault`. */
  inject(match: RegExp, fault: Fault): void
  /** A partition: every request fails as if the network were down. */
  offline: boolean
  /** Requests seen (method, path, fault or status). */
  readonly calls: Array<{ method: string; path: string; outcome: string; range?: string }>
  pendingFaults(): number
}

export function faultyFetch(): FaultyFetch {
  const faults: Array<{ match: RegExp; fault: Fault }> = []
  const calls: FaultyFetch['calls'] = []
  const state = {
    offline: false,
    calls,
    inject(match: RegExp, fault: Fault) {
      faults.push({ match, fault })
    },
    pendingFaults: () => faults.length,
    fetch: (async (url: string, init: RequestInit) => {
      const path = new URL(url).pathname
      const method = init.method ?? 'GET'
      if (state.offline) {
        calls.push({ method, path, outcome: 'offline' })
        throw new TypeError('fetch failed (network down)')
      }
      const range = (init.headers as Record<string, string> | undefined)?.range
      const i = faults.findIndex((f) => f.match.test(url))
      const fault = i >= 0 ? faults.splice(i, 1)[0]!.fault : null
      const outcome = fault ? (typeof fault === 'string' ? fault : 'cutAfterBytes' in fault ? 'cut' : 'rewrite' in fault ? 'rewritten' : 'delayed') : 'ok'
      calls.push({ method, path, outcome, ...(range ? { range } : {}) })
      if (fault === 'drop-request') throw new TypeError('fetch failed (request lost)')
      if (fault === 'status-500') {
        return new Response(JSON.stringify({ error: { code: 'INTERNAL', message: 'Erreur interne du portail.' } }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        })
      }
      if (fault === 'hang') {
        return new Promise<Response>((_resolve, reject) => {
          const signal = init.signal
          if (!signal) return
          if (signal.aborted) reject(signal.reason as Error)
          signal.addEventListener('abort', () => reject(signal.reason as Error))
        })
      }
      const res = await fetch(url, init)
      if (fault === 'drop-response') {
        await res.arrayBuffer() // the portal answered: it has committed
        throw new TypeError('fetch failed (response lost)')
      }
      if (fault && typeof fault === 'object' && 'rewrite' in fault) {
        const body = fault.rewrite(await res.json())
        return new Response(JSON.stringify(body), { status: res.status, headers: { 'content-type': 'application/json' } })
      }
      if (fault && typeof fault === 'object' && 'beforeAnswer' in fault) {
        const body = await res.arrayBuffer()
        await fault.beforeAnswer()
        return new Response(body, { status: res.status, headers: res.headers })
      }
      if (fault && typeof fault === 'object') {
        const bytes = new Uint8Array(await res.arrayBuffer())
        const cut = bytes.slice(0, fault.cutAfterBytes)
        let sent = false
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (!sent) {
              sent = true
              controller.enqueue(cut)
            } else {
              controller.error(new TypeError('terminated (connection reset)'))
            }
          },
        })
        return new Response(body, { status: res.status, headers: res.headers })
      }
      return res
    }) as FetchLike,
  }
  return state
}

export interface TestWorkstation {
  name: string
  dir: string
  core: Core
  engine: SyncEngine
  faults: FaultyFetch
  session: Session
  /** Cursors seen after every sync (checked never to go back). */
  cursors: number[]
  sync(): Promise<ReturnType<SyncEngine['status']>>
  /** Syncs until nothing is pending and a round succeeded (or gives up after `rounds`). */
  drain(rounds?: number): Promise<void>
  call<T = unknown>(ns: string, method: string, input: unknown): Promise<Result<T>>
  /** Closes the core (as a shutdown would) and opens it again on the same files. */
  restart(): Promise<void>
  close(): Promise<void>
  cleanup(): Promise<void>
}

export interface WorkstationOptions {
  name?: string
  /** Reuse a data folder (a workstation restarted by another process). */
  dir?: string
  enrol?: boolean
  engine?: Partial<Omit<SyncEngineOptions, 'core' | 'tokenStore' | 'fetch'>>
  /** The workstation's clock (default: the test instant, like the portal's). */
  now?: Clock
}

async function openCore(dir: string, now: Clock = testClock()): Promise<Core> {
  return createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {}, now })
}

/** A workstation: its own SQLite file, enrolled on the portal and bootstrapped (unless enrol: false). */
export async function openWorkstation(portal: Portal, opts: WorkstationOptions = {}): Promise<TestWorkstation> {
  const owned = opts.dir ? null : tempDir('guichet-ws-')
  const dir = opts.dir ?? owned!.dir
  const faults = faultyFetch()
  const name = opts.name ?? 'Guichet test'
  const makeEngine = (core: Core) =>
    createSyncEngine({
      core,
      tokenStore: new FileTokenStore(dir, () => {}),
      fetch: faults.fetch,
      log: () => {},
      timeoutMs: 1500,
      intervalSeconds: 3600,
      backoff: { baseMs: 50, capMs: 200 },
      ...opts.engine,
    })
  let core = await openCore(dir, opts.now)
  let engine = makeEngine(core)
  core.attachSync(engine)
  const ws: TestWorkstation = {
    name,
    dir,
    faults,
    cursors: [],
    get core() {
      return core
    },
    get engine() {
      return engine
    },
    session: core.openSession(),
    async sync() {
      const status = await engine.syncNow()
      ws.cursors.push(engine.cursor())
      return status
    },
    async drain(rounds = 10) {
      for (let i = 0; i < rounds; i++) {
        const s = await ws.sync()
        if (s.pending === 0 && s.lastError === null) return
      }
      throw new Error(`${name}: still ${engine.status().pending} pending after ${rounds} rounds: ${engine.status().lastError}`)
    },
    async call<T>(ns: string, method: string, input: unknown) {
      ws.session.lastActivity = core.now().getTime()
      return (await core.call(ws.session, ns, method, input)) as Result<T>
    },
    async restart() {
      const agentId = ws.session.agentId
      await engine.stop()
      core.close()
      core = await openCore(dir, opts.now)
      engine = makeEngine(core)
      core.attachSync(engine)
      ws.session = core.openSession()
      ws.session.agentId = agentId
    },
    async close() {
      await engine.stop()
      core.close()
    },
    async cleanup() {
      await ws.close()
      owned?.cleanup()
    },
  }
  if (opts.enrol !== false) {
    const code = await portal.createEnrolmentCode(name)
    await engine.enrol(portal.url, code)
    await ws.drain()
    loginAsPortalAgent(ws)
  }
  return ws
}

/** Opens the session as an agent that came from the portal (no password needed in tests). */
export function loginAsPortalAgent(ws: TestWorkstation): string {
  const agent = ws.core.sqlite.prepare(`SELECT id FROM agents WHERE active = 1 ORDER BY login LIMIT 1`).get() as { id: string } | undefined
  if (!agent) throw new Error(`${ws.name}: no agent came from the portal`)
  ws.session.agentId = agent.id
  ws.session.lastActivity = ws.core.now().getTime()
  return agent.id
}

/** Every shared table, rows sorted by id, normalised (what must be equal everywhere). */
export function sharedTables(sqlite: Database.Database): Record<EntityName, Row[]> {
  const out = {} as Record<EntityName, Row[]>
  for (const entity of entityOrder) {
    const rows = sqlite.prepare(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity} ORDER BY id`).all() as Array<Record<string, unknown>>
    out[entity] = rows.map((r) => normalizeRow(entity, r))
  }
  return out
}

export function expectOk<T>(result: Result<T>): T {
  if (!result.ok) expect.fail(`expected ok, got ${result.error.code}: ${result.error.message} ${JSON.stringify(result.error.details ?? {})}`)
  return result.data
}

export function countRows(sqlite: Database.Database, sql: string, ...args: unknown[]): number {
  return (sqlite.prepare(sql).get(...args) as { n: number }).n
}

/** A child of the town with its family, and a site, to book with. */
export function children(sqlite: Database.Database): Array<{ familyId: string; childId: string }> {
  return sqlite
    .prepare(
      `SELECT min(family_id) AS familyId, person_id AS childId FROM family_members WHERE role = 'enfant' GROUP BY person_id ORDER BY person_id`,
    )
    .all() as Array<{ familyId: string; childId: string }>
}

export function sites(sqlite: Database.Database): string[] {
  return sqlite.prepare(`SELECT id FROM schools ORDER BY id`).pluck().all() as string[]
}
