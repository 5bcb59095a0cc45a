import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { capacityFor, type CapacityRow } from '@shared/domain/reservations'
import { listRejections } from '../../../src/main/core/sync/rejections'
import {
  children,
  countRows,
  expectOk,
  openWorkstation,
  sharedTables,
  startTestPortal,
  type Portal,
  type TestWorkstation,
} from './harness'

/**
 * Two workstations offline take the last place of a day: the portal applies the first
 * push and rejects the second with its French reason; the loser's optimistic booking is
 * undone by the portal's truth, the rejection is listed for an agent, and all converge.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation
let filler: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 30, seed: 11 })
  ;[a, b, filler] = await Promise.all([
    openWorkstation(portal, { name: 'Guichet A' }),
    openWorkstation(portal, { name: 'Guichet B' }),
    openWorkstation(portal, { name: 'Guichet remplissage' }),
  ])
})

afterAll(async () => {
  for (const ws of [a, b, filler]) await ws?.cleanup()
  await portal?.cleanup()
})

/** The slot (unit, site, day) with the smallest capacity, and that capacity. */
function smallestSlot(ws: TestWorkstation, date: string): { unitId: string; siteId: string; capacity: number } {
  const db = ws.core.sqlite
  const units = db.prepare('SELECT id, default_capacity AS d FROM units').all() as Array<{ id: string; d: number }>
  const siteIds = db.prepare('SELECT id FROM schools ORDER BY id').pluck().all() as string[]
  const caps = db.prepare('SELECT unit_id, site_id, date, capacity FROM capacities').all() as CapacityRow[]
  let best: { unitId: string; siteId: string; capacity: number } | null = null
  for (const u of units) {
    for (const s of siteIds) {
      const capacity = capacityFor(caps, u.d, u.id, s, date)
      if (capacity > 0 && (!best || capacity < best.capacity)) best = { unitId: u.id, siteId: s, capacity }
    }
  }
  return best!
}

describe('the last place of a day, taken by two workstations offline', () => {
  it('one applied, one rejected with its reason, both converge', async () => {
    const date = '2027-05-19'
    const slot = smallestSlot(a, date)
    const kids = children(a.core.sqlite)
    expect(kids.length).toBeGreaterThan(slot.capacity) // the town is big enough to fill the slot
    // Fill the slot up to one place left, from a third workstation.
    for (const k of kids.slice(0, slot.capacity - 1)) {
      expectOk(await filler.call('reservations', 'book', { ...k, unitId: slot.unitId, siteId: slot.siteId, date }))
    }
    await filler.drain()
    await a.sync()
    await b.sync()

    // Both go offline and each books the last place for a different child.
    a.faults.offline = true
    b.faults.offline = true
    const kidA = kids[slot.capacity]!
    const kidB = kids[slot.capacity - 1]!
    expectOk(await a.call('reservations', 'book', { ...kidA, unitId: slot.unitId, siteId: slot.siteId, date }))
    expectOk(await b.call('reservations', 'book', { ...kidB, unitId: slot.unitId, siteId: slot.siteId, date }))
    const booked = (ws: TestWorkstation) =>
      countRows(
        ws.core.sqlite,
        `SELECT count(*) AS n FROM reservations WHERE unit_id = ? AND site_id = ? AND date = ? AND state = 'reserve'`,
        slot.unitId,
        slot.siteId,
        date,
      )
    expect(booked(a)).toBe(slot.capacity)
    expect(booked(b)).toBe(slot.capacity)
    const offline = await b.sync()
    expect(offline).toMatchObject({ state: 'offline', pending: 1 })

    // A comes back first: applied.
    a.faults.offline = false
    const sa = await a.sync()
    expect(sa).toMatchObject({ pending: 0, rejected: 0 })

    // B comes back: rejected, with the portal's French reason; its local booking disappears.
    b.faults.offline = false
    const sb = await b.sync()
    expect(sb).toMatchObject({ pending: 0, rejected: 1, lastError: null })
    const rejected = b.core.sqlite.prepare(`SELECT status, rejection_code AS code, rejection_reason AS reason FROM outbox WHERE status = 'rejected'`).all() as Array<{
      code: string
      reason: string
    }>
    expect(rejected).toHaveLength(1)
    expect(rejected[0]!.code).toBe('FULL')
    expect(rejected[0]!.reason).toMatch(/^Complet : /)
    const items = listRejections(b.core.sqlite)
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject({ code: 'FULL', name: 'reservations.book', resolution: null, familyId: kidB.familyId })
    expect(items[0]!.reason).toMatch(/toutes réservées/)
    expect(countRows(b.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE child_id = ? AND date = ?`, kidB.childId, date)).toBe(0)
    expect(booked(b)).toBe(slot.capacity) // A's booking came down with the pull

    // The rejection does not block the queue: B keeps working and syncing.
    expectOk(await b.call('reservations', 'book', { ...kidB, unitId: slot.unitId, siteId: slot.siteId, date: '2027-05-20' }))
    expect((await b.sync()).pending).toBe(0)

    // Everybody converges on the portal's data.
    await a.sync()
    await filler.sync()
    const reference = sharedTables(filler.core.sqlite)
    expect(sharedTables(a.core.sqlite)).toEqual(reference)
    expect(sharedTables(b.core.sqlite)).toEqual(reference)

    // The agent resolves it: discarded with a reason (journaled), no longer counted.
    const responsableOk = await b.call('sync', 'discard', { seq: items[0]!.seq, reason: 'Famille prévenue, autre jour réservé' })
    expectOk(responsableOk)
    expect(b.engine.status().rejected).toBe(0)
  })
})
