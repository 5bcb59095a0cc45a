/**
 * Quotient familial (QF), pure rules (DOMAIN.md, "Pricing and invoices"):
 *
 *   QF = (annual taxable income ÷ 12 + monthly benefits) ÷ parts
 *
 * Parts: 2 for the parents (one parent or two: the town's formula gives a single parent no
 * extra part), + ½ for each of the first two children, + 1 for the third, + ½ for each
 * further child. Parts are counted in halves (parts_x2) so that no float is ever stored.
 *
 * Money in integer cents in, QF in whole euros out, rounded DOWN (the CAF truncates its
 * quotient to the euro). The computation is exact integer arithmetic:
 *   QF = floor( 2 × (income + 12 × benefits) / (12 × 100 × parts_x2) ).
 *
 * A QF entered today takes effect on the first day of next month, never retroactively
 * (defaultValidFrom); the QF in force on a day is the latest one whose valid_from is on or
 * before it (qfInForce).
 */
import { firstDayOfNextMonth, assertDay } from './schoolYear'

export const quotientSources = ['caf', 'msa', 'avis_imposition', 'manuel', 'calcul'] as const
export type QuotientSource = (typeof quotientSources)[number]

/** A quotients row, as it travels (src/shared/sync/entities.ts). */
export interface QuotientRow {
  id: string
  family_id: string
  /** Whole euros. */
  value: number
  source: QuotientSource
  /** 'YYYY-MM' of the CAF/MSA certificate or the tax notice's income, else null. */
  reference_month: string | null
  /** The first day it applies. */
  valid_from: string
  annual_income_cents: number | null
  monthly_benefits_cents: number | null
  /** Parts × 2 (integer), for a computed QF. */
  parts_x2: number | null
  document_id: string | null
  agent_id: string
  created_at: string
}

/** The parts of a household, times 2: 1 child → 5 (2.5 parts), 2 → 6, 3 → 8, 4 → 9, 5 → 10. */
export function partsX2(args: { parents: 1 | 2; children: number }): number {
  const { parents, children } = args
  if (parents !== 1 && parents !== 2) throw new RangeError(`parents : 1 ou 2 attendu, reçu ${String(parents)}`)
  if (!Number.isSafeInteger(children) || children < 0 || children > 30) throw new RangeError(`enfants : entier de 0 à 30 attendu, reçu ${String(children)}`)
  const firstTwo = Math.min(children, 2) // ½ each
  const third = children >= 3 ? 2 : 0 // 1
  const further = Math.max(0, children - 3) // ½ each
  return 4 + firstTwo + third + further
}

/** "2,5" from 5: parts for display, French decimal comma. */
export function partsLabel(x2: number): string {
  return x2 % 2 === 0 ? String(x2 / 2) : `${(x2 - 1) / 2},5`
}

const MAX_CENTS = 100_000_000_000 // 1 billion euros: beyond, a typing error

function assertCents(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > MAX_CENTS) throw new RangeError(`${name} : montant en centimes entier positif attendu, reçu ${String(n)}`)
}

/** The QF in whole euros (rounded down) from annual taxable income and monthly benefits (cents) and parts × 2. */
export function computeQf(args: { annualIncomeCents: number; monthlyBenefitsCents: number; partsX2: number }): number {
  assertCents(args.annualIncomeCents, 'revenu annuel')
  assertCents(args.monthlyBenefitsCents, 'prestations mensuelles')
  if (!Number.isSafeInteger(args.partsX2) || args.partsX2 < 2) throw new RangeError(`parts × 2 : entier ≥ 2 attendu, reçu ${String(args.partsX2)}`)
  const numerator = 2 * (args.annualIncomeCents + 12 * args.monthlyBenefitsCents)
  const denominator = 1200 * args.partsX2
  return Math.floor(numerator / denominator)
}

/** When a QF entered on `entryDay` takes effect by default: the first day of the next month. */
export function defaultValidFrom(entryDay: string): string {
  assertDay(entryDay, "jour de saisie")
  return firstDayOfNextMonth(entryDay)
}

/**
 * The QF row in force on `day`: the latest valid_from on or before `day`; of two rows with
 * the same valid_from, the one created last (a correction). Null when none applies yet (the
 * family pays the maximum tariff).
 */
export function qfInForce<R extends Pick<QuotientRow, 'valid_from' | 'created_at'>>(rows: readonly R[], day: string): R | null {
  assertDay(day, 'jour')
  let best: R | null = null
  for (const r of rows) {
    if (r.valid_from > day) continue
    if (best === null || r.valid_from > best.valid_from || (r.valid_from === best.valid_from && r.created_at > best.created_at)) best = r
  }
  return best
}
