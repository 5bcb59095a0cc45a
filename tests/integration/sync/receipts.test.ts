import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CashDayView, PaymentResult } from '@shared/contract/billing'
import { parseReceiptNumber } from '@shared/domain/numbering'
import { rows } from '../../../src/portal/db/client'
import { expectOk, openWorkstation, startTestPortal, type Portal, type TestWorkstation } from './harness'

/**
 * Receipts offline (issue 12, item 4): two workstations enrolled on a real portal (over HTTP;
 * PGlite, or PostgreSQL when DATABASE_URL is set) lose the network and both take payments,
 * refunds and a cancellation. Each numbers its receipts from its own series, inside the
 * payment's transaction: the two series never collide and neither has a gap. Back online, both
 * push: the portal records every payment, has every number exactly once, and raises no flag
 * (the numbers are inside the series it handed out at enrolment, the closings match).
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 12, seed: 41 })
  ;[a, b] = await Promise.all([openWorkstation(portal, { name: 'Guichet A' }), openWorkstation(portal, { name: 'Guichet B' })])
  for (const ws of [a, b]) {
    // A régisseur (or a responsable) who came from the portal takes the money.
    const agent = ws.core.sqlite.prepare(`SELECT id FROM agents WHERE active = 1 AND role IN ('regisseur', 'responsable') ORDER BY role, login LIMIT 1`).pluck().get() as string
    ws.session.agentId = agent
  }
}, 120_000)

afterAll(async () => {
  for (const ws of [a, b]) await ws?.cleanup()
  await portal?.cleanup()
})

const families = (ws: TestWorkstation) => ws.core.sqlite.prepare(`SELECT id FROM families WHERE merged_into IS NULL ORDER BY id`).pluck().all() as string[]

describe('receipt numbers of two offline workstations', () => {
  it('never collide, have no gap, and reach the portal once each, without a flag', async () => {
    const series = (ws: TestWorkstation) => ws.core.sqlite.prepare(`SELECT value FROM settings WHERE key = 'receipt.series'`).pluck().get() as string
    expect(series(a)).toMatch(/^G\d{2}$/)
    expect(series(b)).toMatch(/^G\d{2}$/)
    expect(series(a)).not.toBe(series(b))

    a.faults.offline = true
    b.faults.offline = true
    const taken = new Map<TestWorkstation, string[]>([
      [a, []],
      [b, []],
    ])
    const days = new Map<TestWorkstation, string>()
    for (const ws of [a, b]) days.set(ws, expectOk(await ws.call<CashDayView>('billing', 'openDay', { floatCents: 10_000 })).id!)
    // Interleaved, as two counters working at the same time; one bad input on each (no number used).
    const fams = families(a)
    for (let i = 0; i < 12; i++) {
      for (const ws of [a, b]) {
        const familyId = fams[(i * 3 + (ws === a ? 0 : 1)) % fams.length]!
        const method = (['especes', 'cheque', 'carte'] as const)[i % 3]
        const input = {
          familyId,
          method,
          amountCents: 1000 + i * 37,
          ...(method === 'cheque' ? { cheque: { bank: 'La Banque Postale', number: String(100 + i), drawer: 'Famille test' } } : {}),
          ...(method === 'carte' ? { terminalRef: `TPE-${i}` } : {}),
        }
        const paid = expectOk(await ws.call<PaymentResult>('billing', 'pay', input))
        taken.get(ws)!.push(paid.receiptNumber)
        if (i === 4) {
          const bad = await ws.call('billing', 'pay', { familyId, method: 'cheque', amountCents: 500 })
          expect(bad.ok).toBe(false)
        }
        if (i === 6) expectOk(await ws.call('billing', 'cancelPayment', { paymentId: paid.paymentId, reason: 'Erreur de famille' }))
        if (i === 8) {
          const refund = expectOk(await ws.call<PaymentResult>('billing', 'refund', { familyId, method: 'especes', amountCents: 300, reason: 'Trop-perçu rendu' }))
          taken.get(ws)!.push(refund.receiptNumber)
        }
      }
    }
    // Each series runs 1, 2, 3… without a gap (payments R, refunds V), within its workstation's series.
    for (const ws of [a, b]) {
      const parsed = taken.get(ws)!.map((n) => parseReceiptNumber(n)!)
      expect(parsed.every((p) => p.series === series(ws) && p.yy === '26')).toBe(true)
      expect(parsed.filter((p) => p.prefix === 'R').map((p) => p.n)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
      expect(parsed.filter((p) => p.prefix === 'V').map((p) => p.n)).toEqual([1])
    }
    const all = [...taken.get(a)!, ...taken.get(b)!]
    expect(new Set(all).size).toBe(all.length)
    // Nothing reached the portal while offline.
    expect(await rows(portal.db, sql`SELECT receipt_number FROM payments WHERE receipt_number IS NOT NULL`)).toEqual([])

    // Both close their day offline too.
    for (const ws of [a, b]) {
      const closed = expectOk(await ws.call<CashDayView>('billing', 'closeDay', { cashDayId: days.get(ws)!, billetage: { '10000': 1 } }))
      expect(closed.status).toBe('cloturee')
      expect(closed.receiptsCount).toBe(13)
    }

    a.faults.offline = false
    b.faults.offline = false
    await a.drain()
    await b.drain()
    await a.drain()

    const onPortal = await rows<{ receipt_number: string; n: number }>(
      portal.db,
      sql`SELECT receipt_number, count(*)::int AS n FROM payments WHERE receipt_number IS NOT NULL GROUP BY receipt_number ORDER BY receipt_number`,
    )
    expect(onPortal.map((r) => r.receipt_number)).toEqual([...all].sort())
    expect(onPortal.every((r) => Number(r.n) === 1)).toBe(true)
    const cancelled = await rows<{ n: number }>(portal.db, sql`SELECT count(*)::int AS n FROM payments WHERE cancelled_at IS NOT NULL`)
    expect(Number(cancelled[0]!.n)).toBe(2)
    const closedDays = await rows<{ status: string; receipts_count: number }>(portal.db, sql`SELECT status, receipts_count FROM cash_days ORDER BY workstation_id`)
    expect(closedDays.map((d) => [d.status, Number(d.receipts_count)])).toEqual([
      ['cloturee', 13],
      ['cloturee', 13],
    ])
    expect(await rows(portal.db, sql`SELECT code, reason FROM flags`)).toEqual([])
    // Every fact applied as is (none flagged, none rejected), on both workstations.
    for (const ws of [a, b]) {
      expect(ws.core.sqlite.prepare(`SELECT status, count(*) AS n FROM outbox GROUP BY status`).all()).toEqual([{ status: 'applied', n: 16 }])
    }
    // The payments came back down: each workstation sees the other's receipts too.
    for (const ws of [a, b]) {
      expect(ws.core.sqlite.prepare(`SELECT count(*) FROM payments WHERE receipt_number IS NOT NULL`).pluck().get()).toBe(all.length)
    }
  }, 120_000)
})
