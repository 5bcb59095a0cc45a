/**
 * How a counter payment settles invoices (DOMAIN.md "Payments at the counter"). Pure.
 *
 * - Oldest open invoices first (by month, then number), unless the agent picks them (picked
 *   order; only the picked ones).
 * - Invoices under direct debit (prélèvement SEPA) are never paid at the counter: skipped in
 *   the oldest-first order, a problem when picked.
 * - CESU only pays the lines of care of children under 6 (cesuRemainingCents), chèques vacances
 *   only leisure-centre lines (leisureRemainingCents); a CESU / CV amount beyond what is
 *   eligible is a problem (it never becomes a credit: the town cannot refund it in cash).
 * - Any other overpayment becomes the family's credit (creditCents).
 * A non-empty `problems` (French sentences) means: refuse, record nothing.
 */
import { formatEuro } from './pricing'

export interface OpenInvoice {
  id: string
  number: string
  /** 'YYYY-MM'. */
  month: string
  remainingCents: number
  directDebit: boolean
  /** What CESU may still pay on it (≤ remaining). */
  cesuRemainingCents: number
  /** What chèques vacances may still pay on it (≤ remaining). */
  leisureRemainingCents: number
}

export interface Allocation {
  invoiceId: string
  invoiceNumber: string
  amountCents: number
}

export interface AllocationResult {
  allocations: Allocation[]
  creditCents: number
  problems: string[]
}

export const directDebitProblem = (number: string): string => `La facture ${number} est réglée par prélèvement : elle ne se paie pas au guichet.`

/** Oldest first: by month, then number. */
export function oldestFirst<T extends Pick<OpenInvoice, 'month' | 'number'>>(invoices: readonly T[]): T[] {
  return [...invoices].sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
}

export function allocatePayment(args: { amountCents: number; method: string; invoices: readonly OpenInvoice[]; picked?: readonly string[] }): AllocationResult {
  const problems: string[] = []
  const { amountCents, method } = args
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    return { allocations: [], creditCents: 0, problems: ['Le montant doit être un nombre positif de centimes (au moins 0,01 €).'] }
  }
  const restricted = method === 'cesu' ? 'cesu' : method === 'cheques_vacances' ? 'leisure' : null
  let order: OpenInvoice[]
  if (args.picked && args.picked.length > 0) {
    const byId = new Map(args.invoices.map((i) => [i.id, i]))
    order = []
    const seen = new Set<string>()
    for (const id of args.picked) {
      if (seen.has(id)) continue
      seen.add(id)
      const inv = byId.get(id)
      if (!inv) {
        problems.push(`Facture introuvable ou déjà soldée : ${id}.`)
        continue
      }
      if (inv.directDebit) {
        problems.push(directDebitProblem(inv.number))
        continue
      }
      if (inv.remainingCents <= 0) {
        problems.push(`La facture ${inv.number} est déjà soldée.`)
        continue
      }
      order.push(inv)
    }
  } else {
    order = oldestFirst(args.invoices.filter((i) => !i.directDebit && i.remainingCents > 0))
  }

  let left = amountCents
  let eligibleTotal = 0
  const allocations: Allocation[] = []
  for (const inv of order) {
    const cap = restricted === 'cesu' ? Math.min(inv.remainingCents, inv.cesuRemainingCents) : restricted === 'leisure' ? Math.min(inv.remainingCents, inv.leisureRemainingCents) : inv.remainingCents
    const eligible = Math.max(0, cap)
    eligibleTotal += eligible
    const take = Math.min(left, eligible)
    if (take > 0) {
      allocations.push({ invoiceId: inv.id, invoiceNumber: inv.number, amountCents: take })
      left -= take
    }
  }
  let creditCents = 0
  if (left > 0) {
    if (restricted !== null) {
      const what = restricted === 'cesu' ? "en CESU (garde d'enfants de moins de 6 ans)" : "en chèques vacances (accueils de loisirs)"
      problems.push(
        eligibleTotal === 0
          ? `Aucune ligne des factures choisies n'est payable ${what}.`
          : `Le montant dépasse de ${formatEuro(left)} ce qui est payable ${what} : ${formatEuro(eligibleTotal)} au plus.`,
      )
    } else {
      creditCents = left
    }
  }
  return { allocations, creditCents, problems }
}

/** What an invoice still owes: total less its allocations (payments not cancelled) and its credit notes; never below 0. */
export function invoiceRemaining(args: { totalCents: number; allocatedCents: number; creditedCents: number }): number {
  return Math.max(0, args.totalCents - args.allocatedCents - args.creditedCents)
}

/**
 * What a restricted method (CESU, chèques vacances) may still pay on an invoice: its eligible
 * lines less what that method already paid on it, never above what remains.
 */
export function eligibleRemaining(args: { eligibleCents: number; paidByMethodCents: number; remainingCents: number }): number {
  return Math.max(0, Math.min(args.remainingCents, args.eligibleCents - args.paidByMethodCents))
}

/** The change to give back on cash: tendered − amount. Throws a French Error when the family handed over less. */
export function changeFor(amountCents: number, tenderedCents: number): number {
  if (!Number.isSafeInteger(amountCents) || !Number.isSafeInteger(tenderedCents) || amountCents < 0 || tenderedCents < 0) {
    throw new RangeError('Montants en centimes entiers positifs attendus.')
  }
  if (tenderedCents < amountCents) throw new RangeError(`La somme remise (${formatEuro(tenderedCents)}) est inférieure au montant (${formatEuro(amountCents)}).`)
  return tenderedCents - amountCents
}
