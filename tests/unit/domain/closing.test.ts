import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { billetageTotal, dayTotals, METHODS, type ClosingPayment } from '../../../src/shared/domain/closing'
import { DENOMINATIONS } from '../../../src/shared/contract/billing'

/**
 * Closing a cash-desk day: the totals equal the sum of the day's receipts, by method and
 * overall; cancelled receipts count for nothing (but their number stays used); refunds
 * subtract; expected cash = float + cash in − cash out. A property test over random days.
 */

const payment = fc.record({
  method: fc.constantFrom(...METHODS),
  kind: fc.constantFrom('paiement', 'paiement', 'paiement', 'remboursement'),
  amount_cents: fc.integer({ min: 1, max: 5_000_000 }),
  cancelled_at: fc.option(fc.constant('2026-11-02T10:00:00.000Z'), { freq: 5 }),
})

describe('dayTotals', () => {
  it('PROPERTY: totals equal the sum of the receipts, by method and overall; expected cash = float + cash in − cash out', () => {
    fc.assert(
      fc.property(fc.array(payment, { maxLength: 80 }), fc.integer({ min: 0, max: 1_000_000 }), (payments, float) => {
        const t = dayTotals(payments, float)
        const live = payments.filter((p) => p.cancelled_at === null)
        const signed = (p: ClosingPayment) => (p.kind === 'remboursement' ? -p.amount_cents : p.amount_cents)
        for (const m of METHODS) expect(t.totals[m]).toBe(live.filter((p) => p.method === m).reduce((s, p) => s + signed(p), 0))
        expect(t.totalCents).toBe(live.reduce((s, p) => s + signed(p), 0))
        expect(t.totalCents).toBe(Object.values(t.totals).reduce((s, v) => s + v, 0))
        const cashIn = live.filter((p) => p.method === 'especes' && p.kind === 'paiement').reduce((s, p) => s + p.amount_cents, 0)
        const cashOut = live.filter((p) => p.method === 'especes' && p.kind === 'remboursement').reduce((s, p) => s + p.amount_cents, 0)
        expect(t.expectedCashCents).toBe(float + cashIn - cashOut)
        const cheques = live.filter((p) => p.method === 'cheque' && p.kind === 'paiement')
        expect(t.chequeCount).toBe(cheques.length)
        expect(t.chequeTotalCents).toBe(cheques.reduce((s, p) => s + p.amount_cents, 0))
        expect(t.receiptsCount).toBe(payments.length)
      }),
      { numRuns: 500 },
    )
  })

  it('an example day: a cancelled cheque counts for nothing but keeps its number used, a cash refund subtracts', () => {
    const t = dayTotals(
      [
        { method: 'especes', kind: 'paiement', amount_cents: 3300, cancelled_at: null },
        { method: 'cheque', kind: 'paiement', amount_cents: 12_000, cancelled_at: null },
        { method: 'cheque', kind: 'paiement', amount_cents: 5000, cancelled_at: '2026-11-02T11:00:00.000Z' },
        { method: 'especes', kind: 'remboursement', amount_cents: 800, cancelled_at: null },
        { method: 'cesu', kind: 'paiement', amount_cents: 2000, cancelled_at: null },
      ],
      10_000,
    )
    expect(t).toMatchObject({ totalCents: 3300 + 12_000 - 800 + 2000, expectedCashCents: 10_000 + 3300 - 800, chequeCount: 1, chequeTotalCents: 12_000, receiptsCount: 5 })
    expect(t.totals).toMatchObject({ especes: 2500, cheque: 12_000, cesu: 2000, carte: 0 })
  })

  it('refuses a negative float or an unknown method', () => {
    expect(() => dayTotals([], -1)).toThrow(RangeError)
    expect(() => dayTotals([{ method: 'bitcoin', kind: 'paiement', amount_cents: 1, cancelled_at: null }], 0)).toThrow(/inconnu/)
  })
})

describe('billetageTotal', () => {
  it('PROPERTY: the sum of count × denomination', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...DENOMINATIONS.map(String)), fc.integer({ min: 0, max: 10_000 })), (b) => {
        expect(billetageTotal(b)).toBe(Object.entries(b).reduce((s, [k, c]) => s + Number(k) * c, 0))
      }),
    )
  })

  it('an example: 2 × 50 €, 3 × 2 €, 7 × 1 c', () => expect(billetageTotal({ '5000': 2, '200': 3, '1': 7 })).toBe(10_607))

  it('refuses an unknown denomination or a count that is not a whole number ≥ 0, in French', () => {
    expect(() => billetageTotal({ '300': 1 })).toThrow('Coupure inconnue : 300')
    expect(() => billetageTotal({ '5000': -1 })).toThrow(RangeError)
    expect(() => billetageTotal({ '5000': 1.5 })).toThrow(RangeError)
  })
})
