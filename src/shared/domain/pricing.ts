/**
 * Pricing: pure functions, every amount in integer cents (DOMAIN.md "Pricing and invoices").
 *
 * - A grid by brackets (`tranches`): brackets `[min, max | null, cents]` by QF in euros and a
 *   price without QF. A QF falls in the bracket with the greatest `min` not above it (`max` is
 *   informative); a QF below every min gets the lowest bracket; no QF → the price without QF.
 * - An effort rate (`taux_effort`): QF × rate %, rounded half up to the cent, then clamped to
 *   [min, max]; no QF → max. Exact integer arithmetic (BigInt): the rate is held in percent ×
 *   10 000 (rate_e4: 0,36 % → 3600) and the QF in cents, so 0,36 % × 850 € = 3,06 € exactly.
 *   A QF with more than two decimals is first rounded half up to the cent.
 * - The QF in force on a service day counts from the first day of the month AFTER it was recorded
 *   (never retroactive): qfForService.
 * - The rule applied is written in plain French ("QF 850 → tranche 2 : 3,30 €"), without the
 *   quantity (invoicing.ts adds "× 12 repas").
 *
 * French formatting: amounts and numbers go through Intl 'fr-FR', exactly as the renderer's
 * formatCents (src/renderer/lib/money.ts): the thousands separator is the NARROW no-break space
 * U+202F ("1 500") and the space before "€" is the no-break space U+00A0 ("3,30 €"). Build an
 * expected text with formatEuro / formatNumber rather than typing the spaces.
 */
import type { Row } from '../sync/entities'
import { parisDay } from './dates'
import { qfInForce, computeQf, partsX2, type QuotientRow } from './quotient'
import { firstDayOfNextMonth } from './schoolYear'

export type Bracket = readonly [min: number, max: number | null, cents: number]
export interface BracketGrid {
  brackets: readonly Bracket[]
  /** The price when no QF is supplied, cents. */
  noQf: number
}
export interface EffortRule {
  /** Percent: 0.36 for 0,36 %. At most 4 decimals. */
  ratePercent: number
  /** Cents. */
  min: number
  max: number
}

export const tariffResidencies = ['tous', 'resident', 'non_resident'] as const
export type TariffResidency = (typeof tariffResidencies)[number]
export const tariffKinds = ['tranches', 'taux_effort'] as const
export type TariffKind = (typeof tariffKinds)[number]

const euroFormatter = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' })
const numberFormatter = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 })
const percentFormatter = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 4 })

/** 330 → "3,30 €" (U+00A0 before €, U+202F between thousands: Intl fr-FR). Exact: the digits come from integers. */
export function formatEuro(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`montant en centimes entier attendu, reçu ${String(cents)}`)
  // cents / 100 of a safe integer is the nearest double to the decimal: Intl prints it with 2 decimals exactly.
  return euroFormatter.format(cents / 100)
}

/** 850 → "850", 1500 → "1 500" (U+202F), 850.5 → "850,5". */
export function formatNumber(n: number): string {
  return numberFormatter.format(n)
}

/** 0.36 → "0,36 %" (U+00A0 before %, as Intl writes percentages in French). */
export function formatPercent(p: number): string {
  return `${percentFormatter.format(p)}\u00a0%`
}

const MAX_QF = 1_000_000_000
const MAX_PRICE = 100_000_000 // 1 million euros a day: beyond, a typing error

function assertQf(qf: number): void {
  if (!Number.isFinite(qf) || qf < 0 || qf > MAX_QF) throw new RangeError(`quotient familial : nombre positif attendu, reçu ${String(qf)}`)
}

function assertPrice(cents: number, name: string): void {
  if (!Number.isSafeInteger(cents) || cents < 0 || cents > MAX_PRICE) throw new RangeError(`${name} : montant en centimes entier positif attendu, reçu ${String(cents)}`)
}

/** Checks a bracket grid: at least one bracket, mins ascending (strictly), non-negative whole cents, max ≥ min when given. French error. */
export function validateBrackets(brackets: readonly Bracket[]): void {
  if (brackets.length === 0) throw new RangeError('grille par tranches : au moins une tranche attendue')
  let previous = -Infinity
  brackets.forEach(([min, max, cents], i) => {
    const n = i + 1
    if (!Number.isFinite(min) || min < 0) throw new RangeError(`tranche ${n} : minimum positif attendu, reçu ${String(min)}`)
    if (min <= previous) throw new RangeError(`tranche ${n} : les minimums doivent être croissants (${formatNumber(min)} après ${formatNumber(previous)})`)
    if (max !== null && (!Number.isFinite(max) || max < min)) throw new RangeError(`tranche ${n} : maximum supérieur ou égal au minimum attendu, reçu ${String(max)}`)
    assertPrice(cents, `tranche ${n}`)
    previous = min
  })
}

/** The index (0-based) of the bracket a QF falls in: the greatest min ≤ qf; below every min → the lowest bracket. */
export function bracketIndex(brackets: readonly Bracket[], qf: number): number {
  assertQf(qf)
  if (brackets.length === 0) throw new RangeError('grille par tranches : au moins une tranche attendue')
  let best = -1
  let lowest = 0
  brackets.forEach(([min], i) => {
    if (min < (brackets[lowest] as Bracket)[0]) lowest = i
    if (min <= qf && (best === -1 || min > (brackets[best] as Bracket)[0])) best = i
  })
  return best === -1 ? lowest : best
}

/** The price (cents) of a bracket grid for a QF in euros (decimals allowed), or the price without QF when qf is null. */
export function bracketPrice(grid: { brackets: readonly Bracket[]; noQf: number }, qf: number | null): number {
  assertPrice(grid.noQf, 'tarif sans quotient')
  if (qf === null) return grid.noQf
  return (grid.brackets[bracketIndex(grid.brackets, qf)] as Bracket)[2]
}

/** 0.36 → 3600 (percent × 10 000), exactly; more than 4 decimals or out of [0, 100] → RangeError. */
export function rateE4(ratePercent: number): number {
  const e4 = Math.round(ratePercent * 10_000)
  if (!Number.isFinite(ratePercent) || ratePercent < 0 || ratePercent > 100 || Math.abs(e4 - ratePercent * 10_000) > 1e-6) {
    throw new RangeError(`taux d'effort : pourcentage de 0 à 100 avec au plus 4 décimales attendu, reçu ${String(ratePercent)}`)
  }
  return e4
}

/** QF × rate, in cents, rounded half up, NOT clamped (exact: BigInt over QF cents × rate_e4). */
export function effortRateRaw(ratePercent: number, qf: number): number {
  assertQf(qf)
  const qfCents = BigInt(Math.round(qf * 100))
  const e4 = BigInt(rateE4(ratePercent))
  // euros × percent / 100 = cents × e4 / 10^4 / 100 / 100 × 100 cents → cents = qfCents × e4 / 10^6
  const cents = (qfCents * e4 + 500_000n) / 1_000_000n
  return Number(cents)
}

/** The effort-rate price in cents: qf × rate %, rounded half up to the cent, clamped to [min, max]; no QF → max. */
export function effortRatePrice(rule: { ratePercent: number; min: number; max: number }, qf: number | null): number {
  assertPrice(rule.min, 'tarif minimum')
  assertPrice(rule.max, 'tarif maximum')
  if (rule.max < rule.min) throw new RangeError(`taux d'effort : maximum (${formatEuro(rule.max)}) inférieur au minimum (${formatEuro(rule.min)})`)
  if (qf === null) return rule.max
  const raw = effortRateRaw(rule.ratePercent, qf)
  return Math.min(rule.max, Math.max(rule.min, raw))
}

/**
 * The quotient familial from incomes in euros (at most 2 decimals): `{ parts, qf }` with the QF in
 * WHOLE euros rounded DOWN, as computeQf (src/shared/domain/quotient.ts) does, which it reuses:
 * QF = (annual income ÷ 12 + monthly benefits) ÷ parts. Parts: 2 for the parents, + ½ for each of
 * the first two children, + 1 for the third, + ½ beyond.
 */
export function quotientFamilial(args: { annualIncome: number; monthlyBenefits: number; parents: 1 | 2; children: number }): { parts: number; qf: number } {
  const cents = (euros: number, name: string): number => {
    const c = Math.round(euros * 100)
    if (!Number.isFinite(euros) || euros < 0 || Math.abs(c - euros * 100) > 1e-6 * Math.max(1, Math.abs(euros))) {
      throw new RangeError(`${name} : montant en euros positif avec au plus 2 décimales attendu, reçu ${String(euros)}`)
    }
    return c
  }
  const x2 = partsX2({ parents: args.parents, children: args.children })
  const qf = computeQf({ annualIncomeCents: cents(args.annualIncome, 'revenu annuel'), monthlyBenefitsCents: cents(args.monthlyBenefits, 'prestations mensuelles'), partsX2: x2 })
  return { parts: x2 / 2, qf }
}

/** A tariff grid of one service for a period (town data; the shared table `tariffs`). */
export interface Tariff {
  id: string
  unitId: string
  label: string
  validFrom: string
  /** Last day it applies (null: open-ended). */
  validTo: string | null
  residency: TariffResidency
  kind: TariffKind
  /** `tranches`: the brackets (QF in euros, cents). */
  brackets: Bracket[] | null
  /** `tranches`: the price without QF. */
  noQfCents: number | null
  /** `taux_effort`: percent (0.36 for 0,36 %). */
  ratePercent: number | null
  /** `taux_effort`: the clamp, cents. */
  minCents: number | null
  maxCents: number | null
  /** A child present without a booking. */
  penaltyCents: number
  /** While the family's dossier is incomplete. */
  incompleteCents: number
  /** Default true. */
  active?: boolean
  updatedAt?: string | null
}

const DAY = /^\d{4}-\d{2}-\d{2}$/

/** Checks a tariff's coherence; throws a French RangeError. */
export function validateTariff(t: Tariff): void {
  if (!DAY.test(t.validFrom)) throw new RangeError(`début de validité AAAA-MM-JJ attendu, reçu ${t.validFrom}`)
  if (t.validTo !== null && (!DAY.test(t.validTo) || t.validTo < t.validFrom)) throw new RangeError(`fin de validité postérieure au début attendue, reçue ${t.validTo}`)
  if (!(tariffResidencies as readonly string[]).includes(t.residency)) throw new RangeError(`résidence inconnue : ${String(t.residency)}`)
  assertPrice(t.penaltyCents, 'tarif majoré')
  assertPrice(t.incompleteCents, 'tarif dossier incomplet')
  if (t.kind === 'tranches') {
    if (t.brackets === null) throw new RangeError('grille par tranches sans tranches')
    validateBrackets(t.brackets)
    if (t.noQfCents === null) throw new RangeError('grille par tranches : tarif sans quotient attendu')
    assertPrice(t.noQfCents, 'tarif sans quotient')
  } else if (t.kind === 'taux_effort') {
    if (t.ratePercent === null || t.minCents === null || t.maxCents === null) throw new RangeError("taux d'effort : taux, minimum et maximum attendus")
    rateE4(t.ratePercent)
    effortRatePrice({ ratePercent: t.ratePercent, min: t.minCents, max: t.maxCents }, null)
  } else {
    throw new RangeError(`type de tarif inconnu : ${String(t.kind)}`)
  }
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const int = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))

/** A `tariffs` row → Tariff (rate_e4 → ratePercent = rate_e4 / 10 000; brackets JSON). Throws on an incoherent row. */
export function parseTariff(row: Row): Tariff {
  const bracketsText = str(row.brackets)
  let brackets: Bracket[] | null = null
  if (bracketsText !== null && bracketsText !== '') {
    const parsed: unknown = JSON.parse(bracketsText)
    if (!Array.isArray(parsed)) throw new RangeError('tranches : liste JSON attendue')
    brackets = parsed.map((b: unknown): Bracket => {
      if (!Array.isArray(b) || b.length !== 3) throw new RangeError('tranche : [min, max, centimes] attendu')
      const [min, max, cents] = b as unknown[]
      return [Number(min), max === null ? null : Number(max), Number(cents)]
    })
  }
  const e4 = int(row.rate_e4)
  const t: Tariff = {
    id: String(row.id),
    unitId: String(row.unit_id),
    label: str(row.label) ?? '',
    validFrom: String(row.valid_from),
    validTo: str(row.valid_to),
    residency: String(row.residency) as TariffResidency,
    kind: String(row.kind) as TariffKind,
    brackets,
    noQfCents: int(row.no_qf_cents),
    ratePercent: e4 === null ? null : e4 / 10_000,
    minCents: int(row.min_cents),
    maxCents: int(row.max_cents),
    penaltyCents: int(row.penalty_cents) ?? 0,
    incompleteCents: int(row.incomplete_cents) ?? 0,
    active: row.active === null || row.active === undefined ? true : row.active === true || row.active === 1 || row.active === '1',
    updatedAt: str(row.updated_at),
  }
  validateTariff(t)
  return t
}

/** Tariff → its `tariffs` row (ratePercent → rate_e4 exactly; brackets as JSON). */
export function tariffRow(t: Tariff): Row {
  return {
    id: t.id,
    unit_id: t.unitId,
    label: t.label,
    valid_from: t.validFrom,
    valid_to: t.validTo,
    residency: t.residency,
    kind: t.kind,
    brackets: t.brackets === null ? null : JSON.stringify(t.brackets),
    no_qf_cents: t.noQfCents,
    rate_e4: t.ratePercent === null ? null : rateE4(t.ratePercent),
    min_cents: t.minCents,
    max_cents: t.maxCents,
    penalty_cents: t.penaltyCents,
    incomplete_cents: t.incompleteCents,
    active: t.active ?? true,
    updated_at: t.updatedAt ?? null,
  }
}

/**
 * The tariff of a service on a day: active, valid on the day (validFrom ≤ day ≤ validTo), of the
 * family's residency or for all; a residency-specific grid wins over 'tous', then the latest
 * validFrom. Null when none applies.
 */
export function tariffFor(tariffs: readonly Tariff[], unitId: string, day: string, resident: boolean): Tariff | null {
  const own: TariffResidency = resident ? 'resident' : 'non_resident'
  let best: Tariff | null = null
  const score = (t: Tariff): number => (t.residency === own ? 1 : 0)
  for (const t of tariffs) {
    if (t.active === false || t.unitId !== unitId) continue
    if (t.validFrom > day || (t.validTo !== null && t.validTo < day)) continue
    if (t.residency !== 'tous' && t.residency !== own) continue
    if (best === null || score(t) > score(best) || (score(t) === score(best) && t.validFrom > best.validFrom)) best = t
  }
  return best
}

/**
 * The QF (euros) that prices a service day: the QF in force on the day (qfInForce), where a QF
 * counts only from the first day of the month AFTER it was recorded (its created_at, day in
 * Paris) even when its valid_from is earlier: a change is never retroactive. Null: none.
 */
export function qfForService(quotients: readonly Pick<QuotientRow, 'value' | 'valid_from' | 'created_at'>[], day: string): number | null {
  const effective = quotients.map((q) => {
    const recorded = new Date(q.created_at)
    const from = Number.isNaN(recorded.getTime()) ? q.valid_from : firstDayOfNextMonth(parisDay(recorded))
    return { value: q.value, valid_from: from > q.valid_from ? from : q.valid_from, created_at: q.created_at }
  })
  return qfInForce(effective, day)?.value ?? null
}

export interface PricedDay {
  cents: number
  /** Plain French, without the quantity: "QF 850 → tranche 2 : 3,30 €". */
  rule: string
  kind: 'service' | 'penalite'
}

/**
 * The price of one day of a service and the rule applied, in plain French:
 * - present without booking → the penalty price ("Présent sans réservation : tarif majoré 5,49 €");
 * - dossier incomplete → the maximum tariff ("Dossier incomplet : tarif maximal 3,50 €");
 * - brackets: "QF 850 → tranche 2 : 3,30 €", no QF: "Sans quotient familial : 3,50 €";
 * - effort rate: "Taux d'effort 0,36 % × QF 850 € = 3,06 €" (clamped: "…, porté au minimum 0,80 €" /
 *   "…, ramené au maximum 2,50 €"), no QF: "Sans quotient familial : tarif maximal 2,50 €";
 * - a non-resident grid prefixes "Non-résident : ".
 */
export function priceDay(args: { tariff: Tariff; qf: number | null; dossierComplete: boolean; present_without_booking: boolean }): PricedDay {
  const { tariff: t, qf } = args
  const prefix = t.residency === 'non_resident' ? 'Non-résident : ' : ''
  const out = (cents: number, rule: string, kind: PricedDay['kind'] = 'service'): PricedDay => ({ cents, rule: prefix + rule, kind })
  if (args.present_without_booking) return out(t.penaltyCents, `Présent sans réservation : tarif majoré ${formatEuro(t.penaltyCents)}`, 'penalite')
  if (!args.dossierComplete) return out(t.incompleteCents, `Dossier incomplet : tarif maximal ${formatEuro(t.incompleteCents)}`)
  if (t.kind === 'tranches') {
    const grid = { brackets: t.brackets ?? [], noQf: t.noQfCents ?? 0 }
    if (qf === null) return out(grid.noQf, `Sans quotient familial : ${formatEuro(grid.noQf)}`)
    const i = bracketIndex(grid.brackets, qf)
    const cents = (grid.brackets[i] as Bracket)[2]
    return out(cents, `QF ${formatNumber(qf)} → tranche ${i + 1} : ${formatEuro(cents)}`)
  }
  const rule = { ratePercent: t.ratePercent ?? 0, min: t.minCents ?? 0, max: t.maxCents ?? 0 }
  if (qf === null) return out(rule.max, `Sans quotient familial : tarif maximal ${formatEuro(rule.max)}`)
  const raw = effortRateRaw(rule.ratePercent, qf)
  const cents = effortRatePrice(rule, qf)
  let text = `Taux d'effort ${formatPercent(rule.ratePercent)} × QF ${formatEuro(Math.round(qf * 100)).replace(/,00(?=\u00a0€)/, '')} = ${formatEuro(raw)}`
  if (raw < rule.min) text += `, porté au minimum ${formatEuro(cents)}`
  else if (raw > rule.max) text += `, ramené au maximum ${formatEuro(cents)}`
  return out(cents, text)
}
