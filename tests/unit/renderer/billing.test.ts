import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DENOMINATIONS, invoiceStatuses, paymentMethods, type InvoiceView } from '../../../src/shared/contract/billing'
import { centsToInput, readAmount } from '../../../src/renderer/lib/money'
import { formatMonth } from '../../../src/renderer/lib/format'
import {
  attestationYears,
  billetageCounts,
  billetageSum,
  payableOldestFirst,
  pickedInOrder,
  pickedRemaining,
  readCount,
  statusTone,
} from '../../../src/renderer/lib/billing'
import { billingFr } from '../../../src/renderer/i18n/billing'
import { fr } from '../../../src/renderer/i18n/fr'

/** The billing screens' pure helpers (issue 12): amounts typed the French way, invoices picked, the billetage. */
describe('an amount typed at the counter', () => {
  it.each([
    ['45,60', 4560],
    ['45.6', 4560],
    ['45,6', 4560],
    ['1 234,5', 123_450],
    ['1\u202f234,50 €', 123_450],
    ['0,01', 1],
    ['12', 1200],
    ['12,340', 1234],
    ['100000', 10_000_000],
  ])('reads « %s » as %i cents', (text, cents) => {
    expect(readAmount(text)).toEqual({ ok: true, cents })
  })

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['0,001', 'subCent'],
    ['45,605', 'subCent'],
    ['0', 'zero'],
    ['0,00', 'zero'],
    ['-5', 'negative'],
    ['−12,50', 'negative'],
    ['douze', 'format'],
    ['1e3', 'format'],
    ['12,', 'format'],
    [',5', 'format'],
    ['1.2.3', 'format'],
    ['100000,01', 'tooBig'],
  ])('refuses « %s » (%s)', (text, problem) => {
    expect(readAmount(text)).toEqual({ ok: false, problem })
  })

  it('writes cents back as the agent types them', () => {
    expect(centsToInput(4560)).toBe('45,60')
    expect(centsToInput(5)).toBe('0,05')
    expect(centsToInput(123_400)).toBe('1234,00')
    for (const cents of [1, 99, 100, 4560, 123_456]) expect(readAmount(centsToInput(cents))).toEqual({ ok: true, cents })
  })

  it('names a month in French', () => {
    expect(formatMonth('2026-11')).toBe('novembre 2026')
    expect(formatMonth('2027-01-31')).toBe('janvier 2027')
    expect(formatMonth('2026-13')).toBe('2026-13')
    expect(formatMonth(null)).toBe('')
  })
})

function invoice(over: Partial<InvoiceView>): InvoiceView {
  return {
    id: 'x',
    number: 'F01-26-10-0000001',
    kind: 'facture',
    month: '2026-10',
    issuedOn: '2026-11-01',
    dueOn: '2026-11-15',
    debitOn: null,
    directDebit: false,
    payerName: 'Famille',
    totalCents: 1000,
    paidCents: 0,
    creditedCents: 0,
    remainingCents: 1000,
    status: 'a_payer',
    correctsNumber: null,
    reason: null,
    lines: [],
    ...over,
  }
}

describe('the invoices a payment settles', () => {
  const nov = invoice({ id: 'nov', number: 'F01-26-11-0000004', month: '2026-11', remainingCents: 2500 })
  const sep = invoice({ id: 'sep', number: 'F01-26-09-0000009', month: '2026-09', remainingCents: 700, status: 'partiellement_payee' })
  const octB = invoice({ id: 'octB', number: 'F01-26-10-0000002', month: '2026-10', remainingCents: 300 })
  const octA = invoice({ id: 'octA', number: 'F01-26-10-0000001', month: '2026-10', remainingCents: 400 })
  const paid = invoice({ id: 'paid', month: '2026-08', remainingCents: 0, status: 'payee' })
  const debit = invoice({ id: 'debit', month: '2026-08', directDebit: true, status: 'prelevement' })
  const avoir = invoice({ id: 'avoir', kind: 'avoir', month: '2026-07', status: 'avoir' })
  const all = [nov, debit, sep, octB, paid, avoir, octA]

  it('lists the open invoices payable here, oldest first (month, then number)', () => {
    expect(payableOldestFirst(all).map((i) => i.id)).toEqual(['sep', 'octA', 'octB', 'nov'])
  })

  it('sends the ticked ones oldest first whatever the order they were ticked in, never a direct-debit one', () => {
    expect(pickedInOrder(all, new Set(['nov', 'sep', 'debit']))).toEqual(['sep', 'nov'])
    expect(pickedRemaining(all, new Set(['nov', 'sep']))).toBe(3200)
  })

  it('colours every status', () => {
    for (const s of invoiceStatuses) expect(['ok', 'warning', 'danger', 'neutral']).toContain(statusTone(s))
    expect(statusTone('payee')).toBe('ok')
    expect(statusTone('a_payer')).toBe('danger')
  })
})

describe('the billetage', () => {
  it('adds every note and coin counted', () => {
    const typed = { '5000': '2', '2000': '3', '1': '7', '50': '' }
    expect(billetageSum(typed)).toBe(2 * 5000 + 3 * 2000 + 7)
    expect(billetageCounts(typed)).toEqual({ counts: { '5000': 2, '2000': 3, '1': 7 }, invalid: [] })
  })

  it('refuses a count that is not a whole number', () => {
    expect(readCount('2,5')).toBeNull()
    expect(readCount('-1')).toBeNull()
    expect(readCount(' 3 ')).toBe(3)
    expect(billetageCounts({ '1000': 'x', '500': '2' }).invalid).toEqual(['1000'])
    expect(billetageSum({ '1000': 'x', '500': '2' })).toBe(1000)
  })

  it('offers last year first for the attestation', () => {
    expect(attestationYears('2026-11-16')).toEqual([2025, 2026, 2024, 2023])
  })
})

describe('the French texts of the billing screens', () => {
  it('has a text for every method, status, amount problem and denomination kind', () => {
    for (const m of paymentMethods) expect(billingFr.methods[m]).toBeTruthy()
    for (const s of invoiceStatuses) expect(billingFr.status[s]).toBeTruthy()
    expect(DENOMINATIONS.length).toBe(15)
    expect(fr.billing).toBe(billingFr)
  })

  it('has every key the billing screens use', () => {
    const root = resolve(__dirname, '../../../src/renderer')
    const files = [
      ...readdirSync(join(root, 'components/billing'))
        .filter((f) => f.endsWith('.vue') || f.endsWith('.ts'))
        .map((f) => join(root, 'components/billing', f)),
      join(root, 'views/CashDeskView.vue'),
    ]
    const missing: string[] = []
    for (const file of files) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/'billing\.([\w.]+)'/g)) {
        const value = m[1]!.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), billingFr)
        if (typeof value !== 'string') missing.push(`${file.slice(root.length)}: billing.${m[1]}`)
      }
      // Keys built from a prefix (`billing.methods.${m}`): the prefix must be a group of texts.
      for (const m of text.matchAll(/`billing\.([\w.]+)\.\$\{/g)) {
        const group = m[1]!.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), billingFr)
        if (!group || typeof group !== 'object') missing.push(`${file.slice(root.length)}: billing.${m[1]}.*`)
      }
    }
    expect(missing).toEqual([])
  })
})
