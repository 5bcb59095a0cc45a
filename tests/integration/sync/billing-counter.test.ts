import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CashDayView, FamilyAccount, PaymentResult } from '@shared/contract/billing'
import { rows } from '../../../src/portal/db/client'
import type { SeedDemoResult } from '../../../src/portal/services/demo'
import { expectOk, openWorkstation, type Portal, type TestWorkstation } from './harness'
import { startPortal } from '../../../src/portal'
import { testClock } from '../../helpers/clock'
import { backends } from '../portal/backends'

/**
 * The counter over the portal's own invoices (issue 12): the demo town is invoiced by the
 * portal's monthly run, the invoices sync down, the workstation shows the counter family's two
 * open invoices exactly as the portal computed them, takes one cheque for both, and the portal
 * then has them settled by that payment, without a flag.
 */

let portal: Portal
let ws: TestWorkstation
let seeded: SeedDemoResult
const cleanups: Array<() => Promise<void> | void> = []

beforeAll(async () => {
  // PostgreSQL when DATABASE_URL is set, PGlite otherwise (like the rest of the sync suite).
  const handle = await backends.at(-1)!.open()
  cleanups.push(handle.cleanup)
  portal = await startPortal({
    dataDir: handle.dataDir,
    ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
    now: testClock(),
    port: 0,
    host: '127.0.0.1',
    log: false,
    snapshotDebounceMs: 200,
  })
  seeded = await portal.seedDemo({ families: 30, seed: 12, billing: true })
  ws = await openWorkstation(portal, { name: 'Guichet régie' })
  ws.session.agentId = ws.core.sqlite.prepare(`SELECT id FROM agents WHERE active = 1 AND role = 'regisseur' ORDER BY login LIMIT 1`).pluck().get() as string
}, 180_000)

afterAll(async () => {
  await ws?.cleanup()
  await portal?.close()
  for (const c of cleanups) await c()
})

describe('the counter over the portal’s invoices', () => {
  it('shows the counter family’s open invoices as the portal computed them, takes one cheque for both, and the portal has them settled', async () => {
    const family = seeded.billing?.counterFamily
    expect(family).toBeTruthy()
    const familyId = family!.id
    const onPortal = await rows<{ id: string; number: string; total_cents: number }>(
      portal.db,
      sql`SELECT id, number, total_cents FROM invoices WHERE family_id = ${familyId} AND kind = 'facture' ORDER BY month, number`,
    )
    const before = expectOk(await ws.call<FamilyAccount>('billing', 'account', { familyId }))
    const open = before.invoices.filter((i) => i.status === 'a_payer' || i.status === 'partiellement_payee')
    expect(open.length).toBeGreaterThanOrEqual(2)
    for (const i of before.invoices.filter((v) => v.kind === 'facture')) {
      expect(onPortal.find((p) => p.id === i.id)).toMatchObject({ number: i.number, total_cents: i.totalCents })
      // Each line says the rule it applied, in French, and the lines make the total.
      expect(i.lines.reduce((s, l) => s + l.amountCents, 0)).toBe(i.totalCents)
      for (const l of i.lines) expect(l.rule).toMatch(/€|non facturée|Aucun tarif/)
    }
    expect(before.payableCents).toBe(open.reduce((s, i) => s + i.remainingCents, 0))

    expectOk(await ws.call<CashDayView>('billing', 'openDay', { floatCents: 0 }))
    const paid = expectOk(
      await ws.call<PaymentResult>('billing', 'pay', {
        familyId,
        method: 'cheque',
        amountCents: before.payableCents,
        cheque: { bank: 'Caisse d’Épargne', number: '7654321', drawer: family!.name },
      }),
    )
    expect(paid.allocations.map((a) => a.invoiceId).sort()).toEqual(open.map((i) => i.id).sort())
    expect(paid.account).toMatchObject({ payableCents: 0, creditCents: 0 })
    await ws.drain()

    const settled = await rows<{ invoice_id: string; amount_cents: number }>(
      portal.db,
      sql`SELECT invoice_id, amount_cents FROM payment_allocations WHERE payment_id = ${paid.paymentId} ORDER BY invoice_id`,
    )
    expect(settled.map((s) => [s.invoice_id, Number(s.amount_cents)])).toEqual(paid.allocations.map((a) => [a.invoiceId, a.amountCents]).sort())
    expect(await rows(portal.db, sql`SELECT code FROM flags`)).toEqual([])
    const after = expectOk(await ws.call<FamilyAccount>('billing', 'account', { familyId }))
    expect(after.invoices.filter((i) => open.some((o) => o.id === i.id)).every((i) => i.status === 'payee')).toBe(true)
    expect(after.payments.find((p) => p.id === paid.paymentId)).toMatchObject({ pending: false, receiptNumber: paid.receiptNumber })
  }, 120_000)
})
