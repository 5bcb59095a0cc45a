import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { expect } from 'vitest'
import { entityOrder } from '@shared/sync/entities'
import { EnrolResponseSchema, SCHEMA_HEADER, SYNC_SCHEMA_VERSION, type EnrolResponse, type PushCommand } from '@shared/sync/protocol'
import { startPortal, type RunningPortal, type StartPortalOptions } from '../../../src/portal'
import { one, rows, type PortalDb } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import type { Backend } from './backends'

/** The real portal on a free loopback port, with a small demo town (seeded through the change log). */
export interface TestPortal {
  portal: RunningPortal
  db: PortalDb
  api: Api
  cleanup(): Promise<void>
}

export async function startTestPortal(
  backend: Backend,
  opts: {
    families?: number
    seed?: number
    snapshotDebounceMs?: number
    now?: () => Date
    /** More options for startPortal (e.g. the simulated payment provider). */
    portal?: Pick<StartPortalOptions, 'payments' | 'paymentsSecret' | 'trustProxy' | 'log' | 'mailer'>
  } = {},
): Promise<TestPortal> {
  const handle = await backend.open()
  let portal: RunningPortal | null = null
  try {
    portal = await startPortal({
      dataDir: handle.dataDir,
      ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
      port: 0,
      host: '127.0.0.1',
      log: false,
      snapshotDebounceMs: opts.snapshotDebounceMs ?? 60_000,
      ...(opts.now ? { now: opts.now } : {}),
      ...opts.portal,
    })
    if (opts.families !== 0) await portal.seedDemo({ families: opts.families ?? 12, seed: opts.seed ?? 5, today: '2026-11-27' })
    const running = portal
    // The agent `command()` names: a real, active agent of this portal (the portal checks it).
    testAgentId = (await one<{ id: string }>(running.db, sql`SELECT id FROM agents WHERE login = 'accueil'`))?.id ?? null
    return {
      portal: running,
      db: running.db,
      api: api(running.url),
      cleanup: async () => {
        await running.close()
        await handle.cleanup()
      },
    }
  } catch (error) {
    await portal?.close().catch(() => undefined)
    await handle.cleanup()
    throw error
  }
}

export interface ApiResponse<T = unknown> {
  status: number
  body: T
  headers: Headers
}

export interface RequestOptions {
  token?: string
  body?: unknown
  /** Sent as is (malformed JSON, oversize bodies). */
  rawBody?: string
  headers?: Record<string, string>
  /** Leave out x-guichet-schema. */
  noSchemaHeader?: boolean
}

export type Api = <T = Record<string, unknown>>(method: string, path: string, opts?: RequestOptions) => Promise<ApiResponse<T>>

export function api(baseUrl: string): Api {
  return async <T,>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> => {
    const headers: Record<string, string> = {
      ...(opts.noSchemaHeader ? {} : { [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION) }),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined || opts.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    }
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers,
      ...(opts.rawBody !== undefined ? { body: opts.rawBody } : opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    })
    const text = await res.text()
    let body: unknown = text
    try {
      body = text === '' ? null : JSON.parse(text)
    } catch {
      // not JSON (a file): keep the text
    }
    return { status: res.status, body: body as T, headers: res.headers }
  }
}

export async function enrol(t: TestPortal, name = 'Guichet test'): Promise<EnrolResponse> {
  const code = await t.portal.createEnrolmentCode(name)
  const res = await t.api('POST', '/workstations/enrol', { body: { code } })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return EnrolResponseSchema.parse(res.body)
}

/** An admin session of the demo responsable. */
export async function adminToken(t: TestPortal): Promise<string> {
  const res = await t.api<{ token: string }>('POST', '/admin/login', { body: { login: 'responsable', password: 'responsable-2026' } })
  expect(res.status, JSON.stringify(res.body)).toBe(200)
  return res.body.token
}

export interface Kid {
  familyId: string
  childId: string
  code: string
}

/** Children of the demo town (one per family), with their family. */
export async function kids(db: PortalDb): Promise<Kid[]> {
  return rows<Kid>(
    db,
    sql`SELECT DISTINCT ON (f.id) f.id AS "familyId", m.person_id AS "childId", f.code
        FROM families f JOIN family_members m ON m.family_id = f.id AND m.role = 'enfant'
        ORDER BY f.id, m.person_id`,
  )
}

export async function siteIds(db: PortalDb): Promise<string[]> {
  return (await rows<{ id: string }>(db, sql`SELECT id FROM schools ORDER BY id`)).map((r) => r.id)
}

/** A guardian (RL1) of a family. */
export async function guardianOf(db: PortalDb, familyId: string): Promise<string> {
  const row = await one<{ id: string }>(db, sql`SELECT person_id AS id FROM family_members WHERE family_id = ${familyId} AND role = 'RL1'`)
  if (!row) throw new Error('no RL1')
  return row.id
}

let clock = Date.parse('2026-11-27T08:00:00Z')
/** The demo agent 'accueil' of the portal started last (null without a demo town). */
let testAgentId: string | null = null
/** A push command (fresh UUIDv7 id, increasing instants), done by the demo agent 'accueil' of the last portal started. */
export function command(seq: number, name: string, payload: unknown, id = uuidv7(), agentId = testAgentId): PushCommand {
  clock += 1000
  return { seq, id, name, payload, at: new Date(clock).toISOString(), agentId }
}

export function bookPayload(kid: Kid, siteId: string, date = '2026-12-07', unitId = 'cantine'): Record<string, string> {
  return { id: uuidv7(), familyId: kid.familyId, childId: kid.childId, unitId, siteId, date }
}

/** Sets a capacity through the change log (as an admin write would). */
export async function setCapacity(db: PortalDb, unitId: string, siteId: string, date: string | null, capacity: number): Promise<void> {
  await putRow(db, 'capacities', { id: uuidv7(), unit_id: unitId, site_id: siteId, date, capacity })
}

/** What must not move when a request is refused: the change log, the applied commands, every table's size. */
export async function digest(db: PortalDb): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const table of [...entityOrder, 'changes', 'applied_commands', 'workstations', 'enrolment_codes', 'family_accounts']) {
    const r = await one<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`)
    out[table] = r?.n ?? 0
  }
  const seq = await one<{ s: string | number | null }>(db, sql`SELECT max(seq) AS s FROM changes`)
  out.maxSeq = Number(seq?.s ?? 0)
  const applied = await one<{ s: string | number | null }>(db, sql`SELECT sum(last_applied_seq) AS s FROM workstations`)
  out.lastApplied = Number(applied?.s ?? 0)
  return out
}

export async function maxSeq(db: PortalDb): Promise<number> {
  return (await digest(db)).maxSeq ?? 0
}
