import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BulkResult } from '@shared/contract/bookings'
import type { RejectionView, ReservationView } from '@shared/contract'
import { parseInstant, startingAt } from '@shared/clock'
import { one, rows } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import { payloadForRetry } from '../../../src/main/core/sync/rejections'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { TEST_INSTANT } from '../../helpers/clock'
import { enrolledChildren } from '../../helpers/bookings'
import { countRows, expectOk, openWorkstation, startTestPortal, type Portal, type TestWorkstation } from './harness'

/**
 * Bookings under the town's rules across two real counters and the real portal (issue 10,
 * items 7 and 8): the portal re-checks every booking a counter pushes, at the instant the agent
 * made it. The portal's clock and the counters' stand at Monday 16/11/2026 9:00 in Paris
 * (tests/helpers/clock.ts), except the counter that works offline on Friday 13/11.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 60, seed: 7 })
  ;[a, b] = await Promise.all([openWorkstation(portal, { name: 'Guichet A' }), openWorkstation(portal, { name: 'Guichet B' })])
}, 120_000)

afterAll(async () => {
  for (const ws of [a, b]) await ws?.cleanup()
  await portal?.cleanup()
})

/** Children enrolled at the canteen of one school, from different families. */
function canteenPair(ws: TestWorkstation, skip: number = 0): Array<{ familyId: string; childId: string; siteId: string }> {
  const bySite = new Map<string, Array<{ familyId: string; childId: string; siteId: string }>>()
  for (const k of enrolledChildren(ws.core.sqlite, 'cantine')) {
    const list = bySite.get(k.siteId) ?? []
    if (!list.some((x) => x.familyId === k.familyId)) list.push(k)
    bySite.set(k.siteId, list)
  }
  const pair = [...bySite.values()].filter((l) => l.length >= 2)[skip]
  if (!pair) throw new Error('no school with two families at the canteen')
  return pair.slice(0, 2)
}

const portalBooked = async (slot: { unitId: string; siteId: string; date: string }, state = 'reserve'): Promise<string[]> =>
  (
    await rows<{ child_id: string }>(
      portal.db,
      sql`SELECT child_id FROM reservations WHERE unit_id = ${slot.unitId} AND site_id = ${slot.siteId} AND date = ${slot.date} AND state = ${state} ORDER BY created_at, id`,
    )
  ).map((r) => r.child_id)

describe('two counters offline take the last place of a day', () => {
  it('one booking applied, the other refused and shown on its counter, then on the waiting list when the family accepts', async () => {
    const [kidA, kidB] = canteenPair(a) as [{ familyId: string; childId: string; siteId: string }, { familyId: string; childId: string; siteId: string }]
    const slot = { unitId: 'cantine', siteId: kidA.siteId, date: '2026-12-10' }
    // One place left on that day: the capacity of the day is what is booked plus one.
    const taken = (await portalBooked(slot)).length
    await putRow(portal.db, 'capacities', { id: uuidv7(), unit_id: slot.unitId, site_id: slot.siteId, date: slot.date, capacity: taken + 1 })
    await a.drain()
    await b.drain()

    a.faults.offline = true
    b.faults.offline = true
    // Each counter sees the last place and books it (optimistically, offline).
    expectOk(await a.call('reservations', 'book', { familyId: kidA.familyId, childId: kidA.childId, ...slot }))
    expectOk(await b.call('reservations', 'book', { familyId: kidB.familyId, childId: kidB.childId, ...slot }))
    a.faults.offline = false
    b.faults.offline = false
    await a.drain()
    await b.drain()

    // Exactly one booking on the portal: A's, pushed first.
    expect(await portalBooked(slot)).toHaveLength(taken + 1)
    expect((await portalBooked(slot)).includes(kidA.childId)).toBe(true)
    expect((await portalBooked(slot)).includes(kidB.childId)).toBe(false)

    // B's refusal is listed at its counter with the portal's reason…
    const rejections = expectOk(await b.call<{ items: RejectionView[] }>('sync', 'rejections', {})).items
    const refusal = rejections.find((r) => r.name === 'reservations.book' && r.resolution === null)
    expect(refusal).toMatchObject({ code: 'FULL', familyId: kidB.familyId })
    expect(refusal!.reason).toMatch(/^Complet : Restauration scolaire .* le jeudi 10\/12|^Complet : .*10\/12/)
    expect(refusal!.reason).toMatch(/liste d’attente/)
    // …and on the family's file, the row says the portal refused it (not « enregistrée »).
    const listed = expectOk(await b.call<{ reservations: ReservationView[] }>('reservations', 'list', { familyId: kidB.familyId })).reservations
    const row = listed.find((r) => r.childId === kidB.childId && r.date === slot.date)
    expect(row).toMatchObject({ state: 'refuse', pending: false })
    expect(row!.refusal).toMatch(/^Complet : /)
    expect(countRows(b.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date = ? AND state = 'reserve'`, kidB.childId, slot.date)).toBe(0)

    // The family accepts the waiting list: « Mettre sur liste d’attente ».
    expectOk(await b.call('sync', 'retry', { seq: refusal!.seq, waitlist: true }))
    await b.drain()
    await a.drain()
    expect(await portalBooked(slot, 'attente')).toEqual([kidB.childId])
    expect(await portalBooked(slot)).toHaveLength(taken + 1)
    for (const ws of [a, b]) {
      expect(countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date = ? AND state = 'attente'`, kidB.childId, slot.date), ws.name).toBe(1)
    }
    const after = expectOk(await b.call<{ reservations: ReservationView[] }>('reservations', 'list', { familyId: kidB.familyId })).reservations
    const mine = after.filter((r) => r.childId === kidB.childId && r.date === slot.date)
    expect(mine.map((r) => r.state)).toEqual(['attente'])
    const resolved = expectOk(await b.call<{ items: RejectionView[] }>('sync', 'rejections', {})).items.find((r) => r.seq === refusal!.seq)
    expect(resolved?.resolution).toBe('retried')
  })

  it('the waiting-list retry is for a booking only (payloadForRetry)', () => {
    const booking = { id: uuidv7(), familyId: uuidv7(), childId: uuidv7(), unitId: 'cantine', siteId: uuidv7(), date: '2026-12-10' }
    const again = payloadForRetry('reservations.book', booking, { waitlist: true })
    expect(again).toMatchObject({ ...booking, id: expect.not.stringMatching(booking.id) as unknown, waitlist: true })
    expect(payloadForRetry('reservations.book', booking)).not.toHaveProperty('waitlist')
    expect(() => payloadForRetry('reservations.cancel', { id: booking.id }, { waitlist: true })).toThrow(/waiting list/)
  })
})

describe('a booking made on the family portal', () => {
  it('is checked by the same rules and flows down to the counters', async () => {
    const [, kid] = canteenPair(a, 1) as [unknown, { familyId: string; childId: string; siteId: string }]
    const code = (await one<{ code: string }>(portal.db, sql`SELECT code FROM families WHERE id = ${kid.familyId}`))!.code
    const { password } = await setFamilyPassword(portal.db, code, new Date(TEST_INSTANT))
    const call = async (path: string, body: unknown, token?: string) => {
      const res = await fetch(`${portal.url}/api/v1${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const token = String((await call('/family/login', { code, password })).body.token)
    expect((await call('/family/password', { currentPassword: password, newPassword: 'Cantine-du-jeudi-4' }, token)).status).toBe(200)
    const slot = { childId: kid.childId, unitId: 'cantine', siteId: kid.siteId }
    // A Saturday is refused there as at the counter; a Thursday of December is booked.
    const saturday = await call('/family/reservations', { id: uuidv7(), ...slot, date: '2026-12-12' }, token)
    expect(saturday.status).toBe(409)
    expect(JSON.stringify(saturday.body)).toMatch(/Week-end : pas de Restauration scolaire le samedi 12\/12/)
    const id = uuidv7()
    expect((await call('/family/reservations', { id, ...slot, date: '2026-12-03' }, token)).status).toBe(201)

    for (const ws of [a, b]) {
      await ws.drain()
      const list = expectOk(await ws.call<{ reservations: ReservationView[] }>('reservations', 'list', { familyId: kid.familyId })).reservations
      expect(list.find((r) => r.id === id), ws.name).toMatchObject({ state: 'reserve', channel: 'portail', date: '2026-12-03', pending: false })
      expect(countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date = '2026-12-12'`, kid.childId)).toBe(0)
    }
  })
})

describe('bulk booking across the Christmas holidays, pushed and re-checked by the portal', () => {
  it('books the school days, reports the holidays closed; a closure the portal learnt meanwhile is refused there', async () => {
    const [kid] = canteenPair(a, 1) as [{ familyId: string; childId: string; siteId: string }]
    const base = { familyId: kid.familyId, childId: kid.childId, unitId: 'cantine', siteId: kid.siteId }
    a.faults.offline = true
    // Every Monday, Tuesday, Thursday and Friday from 14/12/2026 to 8/1/2027.
    const result = expectOk(await a.call<BulkResult>('bookings', 'bulk', { ...base, weekdays: [1, 2, 4, 5], from: '2026-12-14', to: '2027-01-08' }))
    expect(result.booked).toEqual(['2026-12-14', '2026-12-15', '2026-12-17', '2026-12-18', '2027-01-04', '2027-01-05', '2027-01-07', '2027-01-08'])
    expect(result.refused).toEqual([])
    const closed = Object.fromEntries(result.closed.map((c) => [c.date, c.code]))
    expect(closed).toEqual({
      '2026-12-21': 'HOLIDAY',
      '2026-12-22': 'HOLIDAY',
      '2026-12-24': 'HOLIDAY',
      '2026-12-25': 'PUBLIC_HOLIDAY',
      '2026-12-28': 'HOLIDAY',
      '2026-12-29': 'HOLIDAY',
      '2026-12-31': 'HOLIDAY',
      '2027-01-01': 'PUBLIC_HOLIDAY',
    })
    expect(result.closed.find((c) => c.date === '2026-12-21')!.reason).toMatch(/Vacances de Noël/)
    expect(result.closed.find((c) => c.date === '2026-12-25')!.reason).toMatch(/Noël \(jour férié\)/)

    // Meanwhile the town closes the canteen of that school on Friday 8/1 (on the portal).
    await putRow(portal.db, 'calendar_periods', {
      id: uuidv7(),
      school_year: '2026-2027',
      kind: 'closure',
      label: 'Travaux en cuisine',
      first_day: '2027-01-08',
      last_day: '2027-01-08',
      unit_id: 'cantine',
      site_id: kid.siteId,
      updated_at: new Date().toISOString(),
    })
    a.faults.offline = false
    await a.drain()

    const onPortal = await rows<{ date: string }>(
      portal.db,
      sql`SELECT date FROM reservations WHERE child_id = ${kid.childId} AND unit_id = 'cantine' AND date BETWEEN '2026-12-14' AND '2027-01-08' AND state = 'reserve' ORDER BY date`,
    )
    expect(onPortal.map((r) => r.date)).toEqual(['2026-12-14', '2026-12-15', '2026-12-17', '2026-12-18', '2027-01-04', '2027-01-05', '2027-01-07'])
    const closure = expectOk(await a.call<{ items: RejectionView[] }>('sync', 'rejections', {})).items.find((r) => r.resolution === null && r.code === 'CLOSURE')
    expect(closure?.reason).toMatch(/Fermeture \(Travaux en cuisine\).*vendredi 08\/01|Fermeture \(Travaux en cuisine\)/)
    // Nothing in the holidays, on either side.
    const inHolidays = await one<{ n: number }>(
      portal.db,
      sql`SELECT count(*)::int AS n FROM reservations WHERE child_id = ${kid.childId} AND date BETWEEN '2026-12-19' AND '2027-01-03'`,
    )
    expect(inHolidays?.n).toBe(0)
    for (const ws of [a, b]) {
      await ws.drain()
      expect(countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date BETWEEN '2026-12-19' AND '2027-01-03'`, kid.childId), ws.name).toBe(0)
      expect(countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date = '2027-01-08' AND state = 'reserve'`, kid.childId), ws.name).toBe(0)
    }
  })
})

describe('the deadline is judged at the instant the agent booked, not when the portal hears of it', () => {
  let offline: TestWorkstation | undefined
  afterAll(async () => {
    await offline?.cleanup()
  })

  it('a booking made offline before its deadline and pushed after it is accepted; after the deadline the counter refuses it at once', async () => {
    // A counter whose clock stands at Friday 13/11 9:30: the canteen of Tuesday 17/11 closes at 10:00 that day.
    const clock = startingAt(parseInstant('2026-11-13T09:30:00+01:00'))
    let shift = 0
    offline = await openWorkstation(portal, { name: 'Guichet vendredi', now: () => new Date(clock().getTime() + shift) })
    const [kid, other] = canteenPair(offline) as [{ familyId: string; childId: string; siteId: string }, { familyId: string; childId: string; siteId: string }]
    const slot = { unitId: 'cantine', siteId: kid.siteId, date: '2026-11-17' }
    offline.faults.offline = true
    const booked = expectOk(await offline.call<{ reservations: ReservationView[] }>('reservations', 'book', { familyId: kid.familyId, childId: kid.childId, ...slot }))
    expect(booked.reservations.find((r) => r.childId === kid.childId && r.date === slot.date)).toMatchObject({ state: 'reserve', pending: true })

    // An hour later (10:30, past the deadline) the same counter refuses, with the reason.
    shift = 3600_000
    const late = await offline.call('reservations', 'book', { familyId: other.familyId, childId: other.childId, ...slot })
    expect(late.ok).toBe(false)
    if (!late.ok) {
      expect(late.error.code).toBe('RULE_REJECTED')
      expect(late.error.details?.rule).toBe('DEADLINE_PASSED')
      expect(late.error.details?.reason).toMatch(/Inscriptions closes le vendredi 13\/11 à 10:00/)
    }

    // Back online on Monday 16/11 (the portal's clock): the 9:30 booking is accepted.
    offline.faults.offline = false
    await offline.drain()
    expect(await portalBooked(slot)).toContain(kid.childId)
    expect(await portalBooked(slot)).not.toContain(other.childId)
    const row = await one<{ created_at: string; channel: string }>(portal.db, sql`SELECT created_at, channel FROM reservations WHERE child_id = ${kid.childId} AND date = ${slot.date} AND unit_id = 'cantine'`)
    expect(Date.parse(row!.created_at)).toBeLessThan(Date.parse('2026-11-13T10:00:00+01:00'))
    expect(expectOk(await offline.call<{ items: RejectionView[] }>('sync', 'rejections', {})).items.filter((r) => r.resolution === null)).toEqual([])
  })
})
