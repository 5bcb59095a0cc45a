/**
 * Numbers of invoices and receipts (issue 12). Pure functions.
 *
 * - Invoices: `F{régie:02}-{yy}-{mm}-{n:07}` ("F01-26-11-0000001"), credit notes (avoirs) `A…`;
 *   one portal counter per régie and YEAR (`invoice_01_26`, `avoir_01_26`): the month is only
 *   informative, numbers run on through the year.
 * - Receipts: from the WORKSTATION's own series (so that numbering works offline), inside the
 *   payment's transaction: `R-{series}-{yy}-{n:06}` ("R-G01-26-000123"), refunds of a credit
 *   `V-…`; counters `receipt_26` / `refund_26` (yy = year of the Paris day of the payment).
 */

export type InvoiceKindLetter = 'F' | 'A'
export type ReceiptPrefix = 'R' | 'V'

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/
const DAY = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/
const SERIES = /^[A-Z][A-Z0-9]{0,9}$/

function assertRunning(n: number, width: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 1 || String(n).length > width) {
    throw new RangeError(`${what} : numéro d'ordre entier de 1 à ${'9'.repeat(width)} attendu, reçu ${String(n)}`)
  }
}

function regieCode(regie: number | string): string {
  const r = typeof regie === 'string' ? Number(regie.trim()) : regie
  if (!Number.isSafeInteger(r) || r < 1 || r > 99) throw new RangeError(`régie : entier de 1 à 99 attendu, reçu ${String(regie)}`)
  return String(r).padStart(2, '0')
}

function monthParts(month: string): { yy: string; mm: string } {
  const m = MONTH.exec(month)
  if (!m) throw new RangeError(`mois AAAA-MM attendu, reçu ${month}`)
  return { yy: (m[1] as string).slice(2), mm: m[2] as string }
}

function dayYy(day: string): string {
  const m = DAY.exec(day)
  if (!m) throw new RangeError(`jour AAAA-MM-JJ attendu, reçu ${day}`)
  return (m[1] as string).slice(2)
}

/** "F01-26-11-0000001": an invoice (F) or credit note (A) of régie 1, month 2026-11, 1st of the year. */
export function invoiceNumber(kind: InvoiceKindLetter, regie: number | string, month: string, n: number): string {
  if (kind !== 'F' && kind !== 'A') throw new RangeError(`type de pièce F ou A attendu, reçu ${String(kind)}`)
  const { yy, mm } = monthParts(month)
  assertRunning(n, 7, kind === 'F' ? 'facture' : 'avoir')
  return `${kind}${regieCode(regie)}-${yy}-${mm}-${String(n).padStart(7, '0')}`
}

/** The portal counter of invoice (or avoir) numbers: one per régie and year, "invoice_01_26" / "avoir_01_26". */
export function invoiceSeriesName(kind: InvoiceKindLetter, regie: number | string, month: string): string {
  const { yy } = monthParts(month)
  return `${kind === 'F' ? 'invoice' : 'avoir'}_${regieCode(regie)}_${yy}`
}

/** "R-G01-26-000123": a receipt (R) or a refund (V) of the workstation's series G01, in 2026. */
export function receiptNumber(prefix: ReceiptPrefix, series: string, day: string, n: number): string {
  if (prefix !== 'R' && prefix !== 'V') throw new RangeError(`préfixe R ou V attendu, reçu ${String(prefix)}`)
  if (!SERIES.test(series)) throw new RangeError(`série de reçus invalide : ${series}`)
  assertRunning(n, 6, prefix === 'R' ? 'reçu' : 'remboursement')
  return `${prefix}-${series}-${dayYy(day)}-${String(n).padStart(6, '0')}`
}

/** The workstation's counter for receipts (R) or refunds (V) of the day's year: "receipt_26" / "refund_26". */
export function receiptSeriesName(prefix: ReceiptPrefix, day: string): string {
  return `${prefix === 'R' ? 'receipt' : 'refund'}_${dayYy(day)}`
}

export interface ParsedReceiptNumber {
  prefix: ReceiptPrefix
  series: string
  /** Two digits: "26". */
  yy: string
  n: number
}

/** "R-G01-26-000123" → { prefix: 'R', series: 'G01', yy: '26', n: 123 }; null when it is not a receipt number. */
export function parseReceiptNumber(text: string): ParsedReceiptNumber | null {
  const m = /^([RV])-([A-Z][A-Z0-9]{0,9})-(\d{2})-(\d{6})$/.exec(text)
  if (!m) return null
  const n = Number(m[4])
  if (n < 1) return null
  return { prefix: m[1] as ReceiptPrefix, series: m[2] as string, yy: m[3] as string, n }
}
