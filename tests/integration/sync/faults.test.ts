import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReservationView } from '@shared/contract'
import { listReservations } from '../../../src/main/core/services/reservations'
import { applyPullPage } from '../../../src/main/core/sync/pull'
import { currentSeq } from '../../../src/portal/db/store'
import {
  countRows,
  expectOk,
  openWorkstation,
  sharedTables,
  startTestPortal,
  type Portal,
  type TestWorkstation,
} from './harness'
import { BOOK_DAYS, enrolledChildren } from '../../helpers/bookings'

/**
 * The transport's faults against the real portal: lost request, lost response after the
 * portal committed, 500, timeout; and read-your-writes while a pull is in flight.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation
let dayIndex = 0

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const started = Date.now()
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A new day for each booking of this file, so that bookings never collide. */
function nextDay(): string {
  // School days whose canteen booking is open at the test instant (issue 10: no weekend, Wednesday or holiday).
  const day = BOOK_DAYS[dayIndex]!
  dayIndex += 1
  return day
}

async function book(ws: TestWorkstation, child = 0): Promise<{ id: string; date: string }> {
  // A child enrolled at the canteen of its school (the demo town's inscriptions), booked there.
  const c = enrolledChildren(ws.core.sqlite)[child]!
  const date = nextDay()
  const out = expectOk(
    await ws.call<{ reservations: ReservationView[] }>('reservations', 'book', {
      familyId: c.familyId,
      childId: c.childId,
      unitId: 'cantine',
      siteId: c.siteId,
      date,
    }),
  )
  const r = out.reservations.find((x) => x.date === date && x.unitId === 'cantine')
  expect(r).toBeDefined()
  return { id: r!.id, date }
}

function reservationCount(ws: TestWorkstation, id: string): number {
  return countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE id = ? AND state = 'reserve'`, id)
}

function outboxStatus(ws: TestWorkstation): Array<{ status: string; code: string | null }> {
  return ws.core.sqlite.prepare(`SELECT status, rejection_code AS code FROM outbox ORDER BY seq`).all() as Array<{
    status: string
    code: string | null
  }>
}

beforeAll(async () => {
  portal = await startTestPortal({ families: 20 })
  a = await openWorkstation(portal, { name: 'Guichet A' })
  b = await openWorkstation(portal, { name: 'Guichet B' })
})

afterAll(async () => {
  await a?.cleanup()
  await b?.cleanup()
  await portal?.cleanup()
})

describe('sync against the real portal, with faults', () => {
  it('enrols, bootstraps the town from the portal, and sees the other workstation’s bookings', async () => {
    expect(a.engine.status()).toMatchObject({ enrolled: true, state: 'idle', online: true, pending: 0, rejected: 0, bootstrap: null })
    expect(countRows(a.core.sqlite, 'SELECT count(*) AS n FROM families')).toBeGreaterThan(0)
    expect(countRows(a.core.sqlite, 'SELECT count(*) AS n FROM family_search')).toBe(countRows(a.core.sqlite, 'SELECT count(*) AS n FROM families'))
    expect(a.core.settings().workstationId).not.toBe(b.core.settings().workstationId)

    const r = await book(a)
    expect(a.engine.status().pending).toBe(1)
    await a.drain()
    await b.sync()
    expect(reservationCount(b, r.id)).toBe(1)
    const row = b.core.sqlite.prepare('SELECT workstation_id AS ws FROM reservations WHERE id = ?').get(r.id) as { ws: string }
    expect(row.ws).toBe(a.core.settings().workstationId)
  })

  it('request lost: the command stays pending, is sent again, applied once', async () => {
    a.faults.inject(/\/sync\/push/, 'drop-request')
    const r = await book(a)
    const failed = await a.sync()
    expect(failed).toMatchObject({ state: 'offline', online: false, pending: 1 })
    expect(failed.lastError).toMatch(/injoignable/)
    expect(reservationCount(a, r.id)).toBe(1) // still visible locally
    const ok = await a.sync()
    expect(ok).toMatchObject({ state: 'idle', online: true, pending: 0, lastError: null })
    expect(outboxStatus(a).every((o) => o.status === 'applied')).toBe(true)
    await b.sync()
    expect(reservationCount(b, r.id)).toBe(1)
  })

  it('response lost after the portal committed: the retry is answered from the record, no duplicate', async () => {
    const before = countRows(b.core.sqlite, 'SELECT count(*) AS n FROM reservations')
    a.faults.inject(/\/sync\/push/, 'drop-response')
    const r1 = await book(a)
    const r2 = await book(a)
    expect((await a.sync()).pending).toBe(2)
    // The portal has applied both already: B sees them before A knows.
    await b.sync()
    expect(reservationCount(b, r1.id)).toBe(1)
    expect(reservationCount(b, r2.id)).toBe(1)
    // A sends the same seqs and ids again: answered "applied" from the portal's record.
    expect((await a.sync()).pending).toBe(0)
    const statuses = outboxStatus(a)
    expect(statuses.filter((o) => o.status !== 'applied')).toEqual([])
    await b.sync()
    expect(countRows(b.core.sqlite, 'SELECT count(*) AS n FROM reservations')).toBe(before + 2)
    expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(b.core.sqlite))
  })

  it('portal answers 500: error state with a retry planned, nothing lost, then recovers', async () => {
    a.faults.inject(/\/sync\/push/, 'status-500')
    const r = await book(a)
    const failed = await a.sync()
    expect(failed).toMatchObject({ state: 'error', online: true, pending: 1 })
    expect(failed.lastError).toMatch(/erreur/)
    expect(reservationCount(a, r.id)).toBe(1)
    expect((await a.sync()).pending).toBe(0)
    await b.sync()
    expect(reservationCount(b, r.id)).toBe(1)
  })

  it('timeout: a portal that does not answer puts the workstation offline, then it recovers', async () => {
    a.faults.inject(/\/sync\/pull/, 'hang')
    const r = await book(a)
    const started = Date.now()
    const failed = await a.sync() // the push goes through; the pull hangs until the timeout
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(failed).toMatchObject({ state: 'offline', online: false, pending: 0 })
    expect(failed.lastError).toMatch(/ne répond pas/)
    const ok = await a.sync()
    expect(ok).toMatchObject({ state: 'idle', lastError: null })
    expect(reservationCount(a, r.id)).toBe(1)
  })

  it('read your writes: a booking made while a pull is in flight stays visible; the page waits for the push', async () => {
    // B changes something, so that A's next pull brings a page.
    const fromB = await book(b)
    await b.drain()
    let local: { id: string; date: string } | null = null
    a.faults.inject(/\/sync\/pull/, {
      beforeAnswer: async () => {
        local = await book(a) // the agent books while the page is on its way
      },
    })
    const cursorBefore = a.engine.cursor()
    await a.sync()
    expect(local).not.toBeNull()
    // The page was not applied over the pending booking; the engine pushed it, then pulled.
    expect(reservationCount(a, local!.id)).toBe(1)
    expect(reservationCount(a, fromB.id)).toBe(1)
    expect(a.engine.status().pending).toBe(0)
    expect(a.engine.cursor()).toBeGreaterThan(cursorBefore)

    // Directly: a page never lands while a command is pending.
    a.faults.offline = true
    const pending = await book(a)
    const deleteIt = { changes: [{ seq: a.engine.cursor() + 1, entity: 'reservations' as const, id: pending.id, op: 'delete' as const, row: null }], cursor: a.engine.cursor() + 1, hasMore: false }
    const refused = await a.core.exclusive(() => applyPullPage(a.core, deleteIt))
    expect(refused.applied).toBe(false)
    expect(reservationCount(a, pending.id)).toBe(1)
    expect(listReservations(a.core.sqlite, enrolledChildren(a.core.sqlite)[0]!.familyId).some((x) => x.id === pending.id)).toBe(true)
    a.faults.offline = false
    await a.drain()
    await b.drain()
    await a.sync()
    expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(b.core.sqlite))
  })

  it('a portal whose pull answer goes back is refused: the round fails, the cursor and the data stay, the next answer goes on', async () => {
    await a.drain()
    const fromB = await book(b)
    await b.drain()
    const held = a.engine.cursor()
    expect(held).toBeGreaterThan(0)
    // A portal restored from an older backup: its cursor is below ours.
    a.faults.inject(/\/sync\/pull/, { rewrite: () => ({ changes: [], cursor: held - 1, hasMore: false }) })
    const refused = await a.sync()
    expect(refused).toMatchObject({ state: 'error', pending: 0 })
    expect(a.engine.cursor()).toBe(held)
    expect(reservationCount(a, fromB.id)).toBe(0)
    // The portal's true answer: applied as usual.
    const ok = await a.sync()
    expect(ok).toMatchObject({ state: 'idle', lastError: null })
    expect(reservationCount(a, fromB.id)).toBe(1)
    expect(a.engine.cursor()).toBeGreaterThan(held)
  })

  it('SEQUENCE_GAP: the portal expects an earlier seq; the engine re-sends from there', async () => {
    a.faults.offline = true
    const skipped = await book(a)
    const next = await book(a)
    // Our outbox believes the first one was acknowledged (a restored backup, say): the portal never saw it.
    a.core.sqlite.prepare(`UPDATE outbox SET status = 'applied' WHERE seq = (SELECT min(seq) FROM outbox WHERE status = 'pending')`).run()
    a.faults.offline = false
    const status = await a.sync()
    expect(status).toMatchObject({ pending: 0, lastError: null })
    const pushes = a.faults.calls.filter((c) => c.path.endsWith('/sync/push')).slice(-2)
    expect(pushes.map((p) => p.outcome)).toEqual(['ok', 'ok']) // the 409, then the re-send from the expected seq
    await b.sync()
    expect(reservationCount(b, skipped.id)).toBe(1)
    expect(reservationCount(b, next.id)).toBe(1)
  })

  it('scheduler: syncs at start, retries with backoff while offline, syncs when the network comes back', async () => {
    a.faults.offline = true
    const r = await book(a)
    const offlineCalls = () => a.faults.calls.filter((c) => c.outcome === 'offline').length
    const before = offlineCalls()
    a.engine.start()
    await waitFor(() => a.engine.status().state === 'offline' && a.engine.status().nextAttemptAt !== null)
    expect(a.engine.status()).toMatchObject({ online: false, pending: 1 })
    await waitFor(() => offlineCalls() >= before + 3) // backoff 50–200 ms in this suite
    a.faults.offline = false
    a.engine.notifyOnline()
    await waitFor(() => a.engine.status().pending === 0 && a.engine.status().state === 'idle')
    const s = a.engine.status()
    expect(s.lastSyncAt).not.toBeNull()
    // Back to the normal interval (1 h in this suite).
    expect(new Date(s.nextAttemptAt!).getTime() - a.core.now().getTime()).toBeGreaterThan(3_000_000)
    await a.engine.stop()
    expect(a.engine.status().nextAttemptAt).toBeNull()
    await b.sync()
    expect(reservationCount(b, r.id)).toBe(1)
  })

  it('never lets the cursor go back; once drained, each workstation holds exactly the portal’s last change', async () => {
    for (const ws of [a, b]) for (let i = 1; i < ws.cursors.length; i++) expect(ws.cursors[i]!).toBeGreaterThanOrEqual(ws.cursors[i - 1]!)
    await a.drain()
    await b.drain()
    await a.sync()
    const last = await currentSeq(portal.db)
    expect(last).toBeGreaterThan(0)
    for (const ws of [a, b]) {
      expect(ws.engine.cursor()).toBe(last)
      expect(ws.core.sqlite.prepare(`SELECT value FROM settings WHERE key = 'sync.cursor'`).pluck().get()).toBe(String(last))
    }
  })
})
