/**
 * Closing a cash-desk day (DOMAIN.md "Payments at the counter"). Pure.
 *
 * dayTotals: the totals by method of the day's receipts and the expected cash:
 * - a cancelled receipt counts for nothing in the amounts, but its number stays used:
 *   receiptsCount counts every receipt of the day, cancelled ones included;
 * - a refund (remboursement) subtracts from its method and from the total;
 * - expected cash = float + cash received − cash refunded (= float + totals.especes);
 * - chequeCount / chequeTotalCents: the cheques RECEIVED (payments, not refunds, not cancelled):
 *   what goes on the remittance slip.
 * billetageTotal: the cash counted by denomination (cents → count).
 */
import { DENOMINATIONS } from '../contract/billing'
import { entityEnums } from '../sync/entities'

export type Method = (typeof entityEnums.payments.method)[number]
export const METHODS: readonly Method[] = entityEnums.payments.method

export interface ClosingPayment {
  method: string
  kind: string
  amount_cents: number
  cancelled_at: string | null
}

export interface DayTotals {
  totals: Record<Method, number>
  totalCents: number
  expectedCashCents: number
  chequeCount: number
  chequeTotalCents: number
  receiptsCount: number
}

export function emptyTotals(): Record<Method, number> {
  return Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<Method, number>
}

export function dayTotals(payments: readonly ClosingPayment[], floatCents: number): DayTotals {
  if (!Number.isSafeInteger(floatCents) || floatCents < 0) throw new RangeError(`fond de caisse : centimes entiers positifs attendus, reçu ${String(floatCents)}`)
  const totals = emptyTotals()
  let totalCents = 0
  let chequeCount = 0
  let chequeTotalCents = 0
  for (const p of payments) {
    if (p.cancelled_at !== null && p.cancelled_at !== undefined) continue
    if (!Object.hasOwn(totals, p.method)) throw new RangeError(`mode de paiement inconnu : ${p.method}`)
    const signed = p.kind === 'remboursement' ? -p.amount_cents : p.amount_cents
    totals[p.method as Method] += signed
    totalCents += signed
    if (p.method === 'cheque' && p.kind !== 'remboursement') {
      chequeCount += 1
      chequeTotalCents += p.amount_cents
    }
  }
  return { totals, totalCents, expectedCashCents: floatCents + totals.especes, chequeCount, chequeTotalCents, receiptsCount: payments.length }
}

const DENOMINATION_KEYS = new Set<string>(DENOMINATIONS.map(String))

/** {"5000": 2, "200": 3} → 10 600 cents. A key that is not a euro denomination, or a count not a whole number ≥ 0 → French Error. */
export function billetageTotal(b: Readonly<Record<string, number>>): number {
  let total = 0
  for (const [key, count] of Object.entries(b)) {
    if (!DENOMINATION_KEYS.has(key)) throw new RangeError(`Coupure inconnue : ${key} (centimes d'une pièce ou d'un billet en euros attendus).`)
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`Nombre de ${key} centimes : entier positif attendu, reçu ${String(count)}.`)
    total += Number(key) * count
  }
  return total
}
