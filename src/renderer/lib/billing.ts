import { DENOMINATIONS, type InvoiceStatus, type InvoiceView, type PaymentMethod } from '@shared/contract/billing'

/**
 * Pure helpers of the billing screens (issue 12): which invoices a payment settles by default,
 * the badge of an invoice's status, the billetage's total. No DOM here except downloadText.
 * Unit-tested in tests/unit/renderer/billing.test.ts.
 */

/** An invoice the counter can take money for: a facture with something left, not under direct debit. */
export function payableHere(invoice: InvoiceView): boolean {
  return invoice.kind === 'facture' && !invoice.directDebit && invoice.remainingCents > 0
}

/** The invoices payable here, oldest first (month, then number): the default order a payment settles them. */
export function payableOldestFirst(invoices: readonly InvoiceView[]): InvoiceView[] {
  return invoices
    .filter(payableHere)
    .slice()
    .sort((a, b) => (a.month === b.month ? a.number.localeCompare(b.number) : a.month.localeCompare(b.month)))
}

/** The picked ids in the order to settle them (oldest first, whatever order they were ticked in). */
export function pickedInOrder(invoices: readonly InvoiceView[], picked: ReadonlySet<string>): string[] {
  return payableOldestFirst(invoices)
    .filter((i) => picked.has(i.id))
    .map((i) => i.id)
}

/** What the picked invoices still owe, in cents. */
export function pickedRemaining(invoices: readonly InvoiceView[], picked: ReadonlySet<string>): number {
  return invoices.filter((i) => picked.has(i.id)).reduce((sum, i) => sum + i.remainingCents, 0)
}

export type BadgeTone = 'ok' | 'warning' | 'danger' | 'neutral'

/** The badge's colour of an invoice status. */
export function statusTone(status: InvoiceStatus): BadgeTone {
  switch (status) {
    case 'payee':
      return 'ok'
    case 'partiellement_payee':
      return 'warning'
    case 'a_payer':
      return 'danger'
    default:
      return 'neutral'
  }
}

/** A typed count of notes or coins: a whole number ≥ 0 (empty = 0), else null. */
export function readCount(text: string | number): number | null {
  const s = String(text).trim()
  if (s === '') return 0
  return /^\d{1,6}$/.test(s) ? Number(s) : null
}

/** The billetage's counts as the core takes them (denomination in cents as a string → count), zeros left out. */
export function billetageCounts(typed: Readonly<Record<string, string | number>>): { counts: Record<string, number>; invalid: string[] } {
  const counts: Record<string, number> = {}
  const invalid: string[] = []
  for (const d of DENOMINATIONS) {
    const n = readCount(typed[String(d)] ?? '')
    if (n === null) invalid.push(String(d))
    else if (n > 0) counts[String(d)] = n
  }
  return { counts, invalid }
}

/** The cash counted, in cents (invalid counts count as 0: the form shows them in error). */
export function billetageSum(typed: Readonly<Record<string, string | number>>): number {
  let total = 0
  for (const d of DENOMINATIONS) total += d * (readCount(typed[String(d)] ?? '') ?? 0)
  return total
}

/** Notes (≥ 5 €) or coins. */
export function isNote(denominationCents: number): boolean {
  return denominationCents >= 500
}

/** The methods in the order the cash desk lists them. */
export const METHOD_ORDER: readonly PaymentMethod[] = ['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances', 'prelevement', 'en_ligne']

/** The years an attestation is offered for: last year first (the tax return), then this year, then two before. */
export function attestationYears(today: string): number[] {
  const y = Number(today.slice(0, 4))
  return [y - 1, y, y - 2, y - 3]
}
