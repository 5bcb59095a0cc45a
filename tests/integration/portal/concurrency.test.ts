import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { lockKeys } from '@shared/commands'
import { PushResponseSchema, SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { one, openPortalDb } from '../../../src/portal/db/client'
import { CHANGE_LOG_LOCK, ConcurrentWrite, EntityStore, KEY_LOCK_SPACE, putRow } from '../../../src/portal/db/store'
import { backends, type Backend } from './backends'
import { enrolOnPortal, kidsAtOneSchool, type SchoolKid } from '../../helpers/bookings'
import { bookPayload, command, enrol, setCapacity, startTestPortal, type TestPortal } from './helpers'

/**
 * Writes without a global lock (issue 11): on a real PostgreSQL, writers run side by side and
 * only what they contend on (a day's places, a child) is serialised; a hanging transaction is
 * cut by the role's timeouts; a row read then written back is never overwritten unseen.
 * PGlite runs one transaction at a time: these properties need several sessions.
 */

const postgres = backends.find((b) => b.name === 'postgres')
if (!postgres) console.log('Écritures concurrentes : DATABASE_URL non défini, suite sautée (elle demande un vrai PostgreSQL).')

const DAY = '2026-12-07'
const OTHER_DAY = '2026-12-08'

async function push(t: TestPortal, token: string, commands: unknown[]): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now()
  const res = await fetch(`${t.portal.url}/api/v1/sync/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION) },
    body: JSON.stringify({ schemaVersion: SYNC_SCHEMA_VERSION, commands }),
  })
  return { status: res.status, body: await res.json(), ms: performance.now() - started }
}

function resultsOf(body: unknown) {
  return PushResponseSchema.parse(body).results
}

describe.skipIf(!postgres)('concurrent writes on PostgreSQL', () => {
  let t: TestPortal
  let children: SchoolKid[]
  let site: string

  beforeAll(async () => {
    t = await startTestPortal(postgres as Backend, { families: 200 })
    // Children of one school, each enrolled at its canteen.
    children = await kidsAtOneSchool(t.db, 22)
    for (const k of children) await enrolOnPortal(t.db, k, 'cantine')
    site = children[0]!.siteId
  }, 120_000)
  afterAll(async () => t?.cleanup())

  it('a booking in progress on one day holds up nobody booking another day, and only its own day and child wait for it', async () => {
    const ws = await enrol(t, 'Guichet A')
    const [k1, k2] = children
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let held_: 'open' | 'committed' | 'failed' = 'open'
    // A write to the shared tables that has not committed yet (a push in progress elsewhere).
    const held = EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: [lockKeys.slot('cantine', site, DAY), lockKeys.child(k1!.childId)] })
      const p = bookPayload(k1!, site, DAY)
      await store.put('reservations', {
        id: p.id!, family_id: k1!.familyId, child_id: k1!.childId, unit_id: 'cantine', site_id: site, date: DAY, state: 'reserve',
        channel: 'guichet', agent_id: null, workstation_id: null, created_at: '2026-11-27T08:00:00.000Z', updated_at: '2026-11-27T08:00:00.000Z',
        attendance: null, absence_certificate_date: null, attendance_by: null, attendance_at: null, override_reason: null, cancel_override_reason: null, cancelled_at: null,
      })
      await gate
    }).then(
      () => {
        held_ = 'committed'
      },
      (error: unknown) => {
        held_ = 'failed'
        return error
      },
    )

    // Another child, another day: done while the first write is still open.
    const other = await push(t, ws.token, [command(1, 'reservations.book', bookPayload(k2!, site, OTHER_DAY))])
    expect(other.status).toBe(200)
    expect(resultsOf(other.body)[0]?.status).toBe('applied')
    // …while the first one is still open (with one global write lock, it would have waited for its end).
    expect(held_).toBe('open')

    // The same child on the same day waits for it, then sees its booking.
    const same = push(t, ws.token, [command(2, 'reservations.book', bookPayload(k1!, site, DAY))])
    let sameDone = false
    void same.then(() => (sameDone = true))
    await new Promise((r) => setTimeout(r, 400))
    expect(sameDone).toBe(false)
    release()
    expect(await held).toBeUndefined()
    expect(held_).toBe('committed')
    const answer = await same
    expect(answer.status).toBe(200)
    expect(resultsOf(answer.body)[0]).toMatchObject({ status: 'rejected', code: 'ALREADY_BOOKED' })
  })

  it('counters booking the last places of a day at the same moment: exactly as many bookings as places', async () => {
    await setCapacity(t.db, 'cantine', site, '2026-12-10', 3)
    const stations = await Promise.all(children.slice(4, 16).map((_k, i) => enrol(t, `Guichet course ${i}`)))
    const answers = await Promise.all(
      stations.map((ws, i) => push(t, ws.token, [command(1, 'reservations.book', bookPayload(children[4 + i]!, site, '2026-12-10'))])),
    )
    const results = answers.map((a) => resultsOf(a.body)[0])
    expect(results.filter((r) => r?.status === 'applied')).toHaveLength(3)
    expect(results.filter((r) => r?.code === 'FULL')).toHaveLength(9)
    const counted = await one<{ n: number }>(
      t.db,
      sql`SELECT count(*)::int AS n FROM reservations WHERE unit_id = 'cantine' AND site_id = ${site} AND date = '2026-12-10' AND state = 'reserve'`,
    )
    expect(counted?.n).toBe(3)
  })

  it('a place freed on a full day goes to one of two counters wanting it at the same moment (a promotion from the waiting list, a new booking)', async () => {
    const day = '2026-12-14'
    await setCapacity(t.db, 'cantine', site, day, 2)
    const [a, b, c, d] = children.slice(16, 20) as [SchoolKid, SchoolKid, SchoolKid, SchoolKid]
    const ws = await enrol(t, 'Guichet liste')
    const first = bookPayload(a, site, day)
    const waiting = bookPayload(c, site, day)
    const setup = await push(t, ws.token, [
      command(1, 'reservations.book', first),
      command(2, 'reservations.book', bookPayload(b, site, day)),
      command(3, 'reservations.book', { ...waiting, waitlist: true }),
      command(4, 'reservations.cancel', { id: first.id }),
    ])
    expect(resultsOf(setup.body).map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied'])
    // One place is free: the waiting child is promoted on one counter while another books it.
    const [w1, w2] = await Promise.all([enrol(t, 'Guichet promotion'), enrol(t, 'Guichet nouvelle')])
    const [promoted, booked] = await Promise.all([
      push(t, w1.token, [command(1, 'reservations.promote', { id: waiting.id })]),
      push(t, w2.token, [command(1, 'reservations.book', bookPayload(d, site, day))]),
    ])
    const outcomes = [resultsOf(promoted.body)[0], resultsOf(booked.body)[0]]
    expect(outcomes.filter((r) => r?.status === 'applied')).toHaveLength(1)
    expect(outcomes.filter((r) => r?.code === 'FULL')).toHaveLength(1)
    const counted = await one<{ n: number }>(
      t.db,
      sql`SELECT count(*)::int AS n FROM reservations WHERE unit_id = 'cantine' AND site_id = ${site} AND date = ${day} AND state = 'reserve'`,
    )
    expect(counted?.n).toBe(2)
  })

  it('a write that declares no keys (an admin change) waits for the pushes in progress, and is not refused after the keys’ short wait', async () => {
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    // A push in progress: the town key shared, for a second (longer than KEY_LOCK_WAIT).
    const held = EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: [lockKeys.child(children[21]!.childId)] })
      await gate
    })
    const timer = setTimeout(release, 1_000)
    await putRow(t.db, 'town_options', { id: `test.admin.${uuidv7()}`, value: 'x', updated_at: '2026-11-27T08:00:00.000Z' })
    clearTimeout(timer)
    release()
    await held
  })

  it('a transaction left hanging by a frozen instance is cut within seconds: the others write on', async () => {
    const ws = await enrol(t, 'Guichet B')
    const frozen = new pg.Client({ connectionString: postgres ? (await ownUrl(t)) : '' })
    frozen.on('error', () => undefined)
    await frozen.connect()
    // What a frozen instance could hold: the change-log append lock and the town key, exclusively.
    await frozen.query('BEGIN')
    await frozen.query(`SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK}), pg_advisory_xact_lock(${KEY_LOCK_SPACE}, 0)`)
    const answer = await push(t, ws.token, [command(1, 'reservations.book', bookPayload(children[20]!, site, '2026-12-11'))])
    expect(answer.status).toBe(200)
    expect(resultsOf(answer.body)[0]?.status).toBe('applied')
    expect(answer.ms).toBeLessThan(10_000)
    // The hanging session was ended by the database (idle_in_transaction_session_timeout).
    await expect(frozen.query('SELECT 1')).rejects.toThrow()
    await frozen.end().catch(() => undefined)
  })

  it('a transaction the database ends (idle too long) fails alone: the portal process keeps serving', async () => {
    const ended = EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: [] })
      await store.get('units', 'cantine')
      // Idle in its transaction past idle_in_transaction_session_timeout, as a frozen instance would be.
      await new Promise((resolve) => setTimeout(resolve, 2_500))
      await store.get('units', 'garderie_matin')
    })
    await expect(ended).rejects.toThrow()
    const ws = await enrol(t, 'Guichet après la coupure')
    const answer = await push(t, ws.token, [command(1, 'reservations.book', bookPayload(children[21]!, site, '2026-12-15'))])
    expect(resultsOf(answer.body)[0]?.status).toBe('applied')
  })

  it('a row read then written back is never overwritten unseen: the later writer must run again', async () => {
    const id = uuidv7()
    await EntityStore.transaction(t.db, { commandId: null, workstationId: null }, (store) =>
      store.put('town_options', { id: `test.${id}`, value: 'a', updated_at: '2026-11-27T08:00:00.000Z' }),
    )
    let readDone!: () => void
    const read = new Promise<void>((r) => (readDone = r))
    let written!: () => void
    const otherWrote = new Promise<void>((r) => (written = r))
    const first = EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: [] })
      const row = await store.get('town_options', `test.${id}`)
      readDone()
      await otherWrote
      await store.put('town_options', { ...row!, value: 'b' })
    })
    await read
    await EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: [] })
      const row = await store.get('town_options', `test.${id}`)
      await store.put('town_options', { ...row!, value: 'c' })
    })
    written()
    await expect(first).rejects.toBeInstanceOf(ConcurrentWrite)
    const kept = await one<{ value: string }>(t.db, sql`SELECT value FROM town_options WHERE id = ${`test.${id}`}`)
    expect(kept?.value).toBe('c')
  })

  it('refuses to start on a change-log sequence that caches values (pollers would skip changes)', async () => {
    const url = await ownUrl(t)
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await c.query('ALTER SEQUENCE changes_seq_seq CACHE 50')
      await expect(openPortalDb({ dataDir: t.portal.dataDir, databaseUrl: url })).rejects.toThrow(/CACHE 1/)
    } finally {
      await c.query('ALTER SEQUENCE changes_seq_seq CACHE 1')
      await c.end()
    }
  })
})

/** The test portal's database URL (the backend made one database for it). */
async function ownUrl(t: TestPortal): Promise<string> {
  const db = await one<{ name: string }>(t.db, sql`SELECT current_database() AS name`)
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${db!.name}`
  return url.toString()
}
