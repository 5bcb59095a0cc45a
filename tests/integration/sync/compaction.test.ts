import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReservationView } from '@shared/contract'
import { rows } from '../../../src/portal/db/client'
import { compactChangeLog } from '../../../src/portal/services/compaction'
import { BOOK_DAYS, enrolledChildren } from '../../helpers/bookings'
import { countRows, expectOk, openWorkstation, sharedTables, startTestPortal, type Portal, type TestWorkstation } from './harness'

/**
 * Issue 11, change-log retention end to end: the real workstation core against the real portal
 * (PGlite, or PostgreSQL when DATABASE_URL is set). A workstation stays away longer than the
 * retention with changes in its outbox; the portal compacts its log past its cursor. When it
 * comes back its round pushes first, its pull is answered CURSOR_TOO_OLD, it bootstraps again
 * (an agent typing meanwhile loses nothing: it goes at the next push) and ends identical to the
 * portal, every outbox command applied once.
 */

const DAY = 24 * 60 * 60 * 1000

let dayIndex = 0
function nextDay(): string {
  const day = BOOK_DAYS[dayIndex]!
  dayIndex += 1
  return day
}

async function book(ws: TestWorkstation, child: number): Promise<string> {
  const all = enrolledChildren(ws.core.sqlite)
  const c = all[child % all.length]!
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
  return out.reservations.find((x) => x.date === date && x.unitId === 'cantine')!.id
}

const state = (ws: TestWorkstation, id: string) =>
  (ws.core.sqlite.prepare(`SELECT state FROM reservations WHERE id = ?`).get(id) as { state: string } | undefined)?.state ?? null

async function maxSeq(portal: Portal): Promise<number> {
  return Number((await rows<{ s: string | null }>(portal.db, sql`SELECT max(seq) AS s FROM changes`))[0]?.s ?? 0)
}

/** The portal's newest snapshot, once it holds every change so far; the only one kept (so it bounds the horizon). */
async function freshSnapshot(portal: Portal): Promise<number> {
  const top = await maxSeq(portal)
  const deadline = Date.now() + 60_000
  let seq: number
  for (;;) {
    seq = (await portal.snapshots.current()).seq
    if (seq >= top) break
    if (Date.now() > deadline) throw new Error(`no snapshot at ${top} (newest ${seq})`)
    await new Promise((r) => setTimeout(r, 100))
  }
  // The portal built it and stored it complete in the database; the older ones are gone (as
  // the cleanup would do once this one is old enough), so it alone bounds the horizon.
  const stored = await rows<{ complete: boolean }>(portal.db, sql`SELECT complete FROM snapshots WHERE seq = ${seq}`)
  expect(stored).toEqual([{ complete: true }])
  await portal.db.execute(sql`DELETE FROM snapshots WHERE seq <> ${seq}`)
  return seq
}

describe('a workstation whose cursor fell below the compaction horizon', () => {
  let portal: Portal & { cleanup: () => Promise<void> }
  beforeAll(async () => {
    portal = await startTestPortal({ families: 12, seed: 4 })
  }, 120_000)
  afterAll(async () => {
    await portal?.cleanup()
  })

  it('pushes its outbox, bootstraps again, loses nothing typed meanwhile, and ends identical to the portal', async () => {
    const lines: string[] = []
    const a = await openWorkstation(portal, { name: 'Guichet A', engine: { log: (l) => lines.push(l) } })
    const b = await openWorkstation(portal, { name: 'Guichet B' })
    try {
      await book(a, 0)
      await a.drain()
      const oldCursor = a.engine.cursor()

      // A goes away (no network) while its agents keep working: commands wait in its outbox.
      a.faults.offline = true
      const offline = [await book(a, 1), await book(a, 2), await book(a, 3)]
      const cancelled = offline[0]!
      expectOk(await a.call('reservations', 'cancel', { id: cancelled }))
      await a.sync()
      expect(a.engine.status().pending).toBe(4)

      // Meanwhile B books and cancels: records changed several times, compacted below the horizon.
      for (let i = 4; i < 10; i++) {
        const id = await book(b, i)
        if (i % 2 === 0) expectOk(await b.call('reservations', 'cancel', { id }))
      }
      await b.drain()
      await b.drain()
      const snapshot = await freshSnapshot(portal)
      expect(snapshot).toBeGreaterThan(oldCursor)

      // 40 days later: A is silent past the retention, B is not held either (it has everything).
      const later = new Date(Date.now() + 40 * DAY)
      const logBefore = countRowsPortal(await rows<{ n: string }>(portal.db, sql`SELECT count(*) AS n FROM changes`))
      const r = await compactChangeLog(portal.db, { now: later, holder: 'test' })
      expect(r.horizon).toBe(snapshot)
      expect(r.deleted).toBeGreaterThan(0)
      expect(countRowsPortal(await rows<{ n: string }>(portal.db, sql`SELECT count(*) AS n FROM changes`))).toBe(logBefore - r.deleted)

      // A comes back. Its pull meets CURSOR_TOO_OLD; an agent books right then; the first
      // snapshot request fails: the status says why the town is loaded again.
      a.faults.offline = false
      let typed = ''
      a.faults.inject(/\/sync\/pull/, {
        beforeAnswer: async () => {
          typed = await book(a, 11)
        },
      })
      a.faults.inject(/\/sync\/snapshot$/, 'status-500')
      const during = await a.sync()
      expect(lines.some((l) => l.includes('resté longtemps sans se synchroniser'))).toBe(true)
      expect(during.cursorTooOldAt).toBeTruthy()
      expect(during.portalRestoredAt ?? null).toBeNull()
      expect(during.state).toBe('error')
      // Pushed first (the outbox before the pull, the booking typed meanwhile before the bootstrap).
      expect(countRows(a.core.sqlite, `SELECT count(*) AS n FROM outbox WHERE status = 'pending'`)).toBe(0)
      expect(state(a, typed)).toBe('reserve')

      const after = await a.sync()
      expect(after).toMatchObject({ state: 'idle', lastError: null, cursorTooOldAt: null })
      expect(a.engine.cursor()).toBeGreaterThanOrEqual(snapshot)
      const pulls = a.faults.calls.filter((c) => c.path.endsWith('/sync/snapshot/file'))
      expect(pulls.length).toBeGreaterThan(0)

      // Every outbox command of A applied once by the portal.
      const sent = a.core.sqlite.prepare(`SELECT command_id AS id FROM outbox ORDER BY seq`).pluck().all() as string[]
      const applied = await rows<{ id: string; n: string; status: string }>(
        portal.db,
        sql`SELECT command_id AS id, count(*) AS n, min(status) AS status FROM applied_commands
            WHERE command_id IN (${sql.join(sent.map((id) => sql`${id}`), sql`, `)}) GROUP BY command_id`,
      )
      expect(applied).toHaveLength(sent.length)
      for (const c of applied) expect({ n: Number(c.n), status: c.status }).toEqual({ n: 1, status: 'applied' })
      for (const id of offline.slice(1)) expect(state(a, id)).toBe('reserve')
      expect(state(a, cancelled)).not.toBe('reserve')

      // A, B and a fresh workstation (bootstrapped from the portal) hold the same town.
      await b.drain()
      await a.drain()
      const c = await openWorkstation(portal, { name: 'Guichet C' })
      try {
        expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(c.core.sqlite))
        expect(sharedTables(b.core.sqlite)).toEqual(sharedTables(c.core.sqlite))
      } finally {
        await c.cleanup()
      }
    } finally {
      await a.cleanup()
      await b.cleanup()
    }
  }, 240_000)
})

function countRowsPortal(found: Array<{ n: string | number }>): number {
  return Number(found[0]?.n ?? 0)
}
