import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listRejections } from '../../../src/main/core/sync/rejections'
import { putRow } from '../../../src/portal/db/store'
import { enrolledChildren, openDays } from '../../helpers/bookings'
import {
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

/**
 * A slot the town can fill (issue 10: a child is booked only at the canteen of its own school,
 * where it is enrolled): the canteen of the school with the most enrolled children, limited by
 * the town to `capacity` places that day (a capacity row written on the portal, pulled by all).
 */
async function smallSlot(ws: TestWorkstation, date: string, capacity: number) {
  const bySite = new Map<string, ReturnType<typeof enrolledChildren>>()
  for (const k of enrolledChildren(ws.core.sqlite, 'cantine')) bySite.set(k.siteId, [...(bySite.get(k.siteId) ?? []), k])
  const [siteId, kids] = [...bySite.entries()].sort((x, y) => y[1].length - x[1].length)[0]!
  await putRow(portal.db, 'capacities', { id: uuidv7(), unit_id: 'cantine', site_id: siteId, date, capacity })
  return { unitId: 'cantine', siteId, capacity, kids: kids.map(({ familyId, childId }) => ({ familyId, childId })) }
}

describe('the last place of a day, taken by two workstations offline', () => {
  it('one applied, one rejected with its reason, both converge', async () => {
    // Two school days of May (a Thursday, then a Friday) open at the test instant.
    const [date, nextDay] = openDays('2027-05-19', 2) as [string, string]
    const slot = await smallSlot(a, date, 3)
    const kids = slot.kids
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
    expectOk(await b.call('reservations', 'book', { ...kidB, unitId: slot.unitId, siteId: slot.siteId, date: nextDay }))
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
