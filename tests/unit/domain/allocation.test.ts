import { describe, expect, it } from 'vitest'
import { allocatePayment, changeFor, eligibleRemaining, invoiceRemaining, type OpenInvoice } from '../../../src/shared/domain/allocation'

/** How a counter payment settles invoices (DOMAIN.md "Payments at the counter"). */

const inv = (id: string, month: string, remainingCents: number, extra: Partial<OpenInvoice> = {}): OpenInvoice => ({
  id,
  number: `F01-${month.slice(2, 4)}-${month.slice(5)}-000000${id.slice(-1)}`,
  month,
  remainingCents,
  directDebit: false,
  cesuRemainingCents: 0,
  leisureRemainingCents: 0,
  ...extra,
})

const sept = inv('i1', '2026-09', 2000)
const oct = inv('i2', '2026-10', 3000)
const nov = inv('i3', '2026-11', 4000)

describe('allocatePayment', () => {
  it('settles the oldest open invoices first (by month, then number), whatever the order given', () => {
    const r = allocatePayment({ amountCents: 4000, method: 'cheque', invoices: [nov, sept, oct] })
    expect(r).toEqual({
      allocations: [
        { invoiceId: 'i1', invoiceNumber: sept.number, amountCents: 2000 },
        { invoiceId: 'i2', invoiceNumber: oct.number, amountCents: 2000 },
      ],
      creditCents: 0,
      problems: [],
    })
    const sameMonth = allocatePayment({ amountCents: 100, method: 'especes', invoices: [inv('b2', '2026-10', 500), inv('a1', '2026-10', 500)] })
    expect(sameMonth.allocations.map((a) => a.invoiceId)).toEqual(['a1'])
  })

  it('pays a part of an invoice (partial payment), no credit', () => {
    const r = allocatePayment({ amountCents: 1234, method: 'especes', invoices: [oct, sept] })
    expect(r.allocations).toEqual([{ invoiceId: 'i1', invoiceNumber: sept.number, amountCents: 1234 }])
    expect(r.creditCents).toBe(0)
  })

  it('follows the invoices the agent picked, in the picked order, and only those', () => {
    const r = allocatePayment({ amountCents: 5000, method: 'carte', invoices: [sept, oct, nov], picked: ['i3', 'i2'] })
    expect(r.allocations.map((a) => [a.invoiceId, a.amountCents])).toEqual([
      ['i3', 4000],
      ['i2', 1000],
    ])
    expect(r.problems).toEqual([])
  })

  it('turns an overpayment into a credit', () => {
    const r = allocatePayment({ amountCents: 10_000, method: 'cheque', invoices: [sept, oct] })
    expect(r.allocations.reduce((s, a) => s + a.amountCents, 0)).toBe(5000)
    expect(r.creditCents).toBe(5000)
    expect(allocatePayment({ amountCents: 700, method: 'especes', invoices: [] })).toEqual({ allocations: [], creditCents: 700, problems: [] })
  })

  it('never settles a direct-debit invoice: skipped oldest-first, refused when picked', () => {
    const debited = inv('i0', '2026-08', 9000, { directDebit: true })
    expect(allocatePayment({ amountCents: 2000, method: 'especes', invoices: [debited, sept] }).allocations).toEqual([{ invoiceId: 'i1', invoiceNumber: sept.number, amountCents: 2000 }])
    const picked = allocatePayment({ amountCents: 2000, method: 'especes', invoices: [debited, sept], picked: ['i0'] })
    expect(picked.problems).toEqual([`La facture ${debited.number} est réglée par prélèvement : elle ne se paie pas au guichet.`])
    expect(picked.allocations).toEqual([])
  })

  it('CESU pays only the care of children under 6, and never becomes a credit', () => {
    const a = inv('i1', '2026-09', 2000, { cesuRemainingCents: 800 })
    const b = inv('i2', '2026-10', 3000, { cesuRemainingCents: 500 })
    expect(allocatePayment({ amountCents: 1300, method: 'cesu', invoices: [a, b] })).toEqual({
      allocations: [
        { invoiceId: 'i1', invoiceNumber: a.number, amountCents: 800 },
        { invoiceId: 'i2', invoiceNumber: b.number, amountCents: 500 },
      ],
      creditCents: 0,
      problems: [],
    })
    const over = allocatePayment({ amountCents: 1400, method: 'cesu', invoices: [a, b] })
    expect(over.creditCents).toBe(0)
    expect(over.problems).toEqual(["Le montant dépasse de 1,00\u00a0€ ce qui est payable en CESU (garde d'enfants de moins de 6 ans) : 13,00\u00a0€ au plus."])
    const none = allocatePayment({ amountCents: 500, method: 'cesu', invoices: [sept, oct] })
    expect(none.problems).toEqual(["Aucune ligne des factures choisies n'est payable en CESU (garde d'enfants de moins de 6 ans)."])
  })

  it('chèques vacances pay only leisure-centre lines', () => {
    const a = inv('i1', '2026-09', 2000, { leisureRemainingCents: 1500, cesuRemainingCents: 2000 })
    expect(allocatePayment({ amountCents: 1500, method: 'cheques_vacances', invoices: [a] }).allocations).toEqual([{ invoiceId: 'i1', invoiceNumber: a.number, amountCents: 1500 }])
    expect(allocatePayment({ amountCents: 1600, method: 'cheques_vacances', invoices: [a] }).problems[0]).toMatch(/chèques vacances/)
    expect(allocatePayment({ amountCents: 100, method: 'cheques_vacances', invoices: [sept] }).problems).toHaveLength(1)
  })

  it('refuses zero, negative and sub-cent amounts, and a picked invoice already settled or unknown', () => {
    for (const amountCents of [0, -100, 12.5]) expect(allocatePayment({ amountCents, method: 'especes', invoices: [sept] }).problems).toHaveLength(1)
    expect(allocatePayment({ amountCents: 100, method: 'especes', invoices: [inv('i9', '2026-09', 0)], picked: ['i9'] }).problems).toEqual([`La facture ${inv('i9', '2026-09', 0).number} est déjà soldée.`])
    expect(allocatePayment({ amountCents: 100, method: 'especes', invoices: [sept], picked: ['nope'] }).problems).toHaveLength(1)
  })
})

describe('remaining and change', () => {
  it('invoiceRemaining: total − allocations − credit notes, never below 0', () => {
    expect(invoiceRemaining({ totalCents: 5000, allocatedCents: 1200, creditedCents: 300 })).toBe(3500)
    expect(invoiceRemaining({ totalCents: 5000, allocatedCents: 5000, creditedCents: 300 })).toBe(0)
  })

  it('eligibleRemaining: eligible lines less what the method already paid, within what remains', () => {
    expect(eligibleRemaining({ eligibleCents: 1000, paidByMethodCents: 300, remainingCents: 5000 })).toBe(700)
    expect(eligibleRemaining({ eligibleCents: 1000, paidByMethodCents: 0, remainingCents: 400 })).toBe(400)
    expect(eligibleRemaining({ eligibleCents: 1000, paidByMethodCents: 1200, remainingCents: 400 })).toBe(0)
  })

  it('changeFor: tendered − amount; less than the amount is refused in French', () => {
    expect(changeFor(1234, 2000)).toBe(766)
    expect(changeFor(1234, 1234)).toBe(0)
    expect(() => changeFor(1234, 1000)).toThrow('La somme remise (10,00\u00a0€) est inférieure au montant (12,34\u00a0€).')
  })
})
