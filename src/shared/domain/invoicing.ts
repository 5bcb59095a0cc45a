/**
 * A family's month of services → invoice lines (DOMAIN.md "Pricing and invoices"). Pure: the
 * portal's monthly run and the workstation's estimate of the current month both call billMonth.
 *
 * Rules, per reservation of the month (by date):
 * - `reserve` (attendance present, not recorded, or absent_injustifie) → billed at the day's price;
 * - `reserve` + absent_justifie with a certificate dated no later than the day + the town's delay
 *   (option billing.certificate_delay_days) → an `absence_justifiee` line at 0 €,
 *   "Absence justifiée (certificat du 12/11) : non facturée"; a certificate received late (or
 *   none) → billed, and the rule says why;
 * - `sans_reservation` + present → a `penalite` line at the penalty price;
 * - `annule`, `attente` (and sans_reservation not present) → nothing.
 * The price: the tariff of the service on the day for the family's residency (tariffFor), the QF
 * for the service day (qfForService: a QF counts from the month after it was recorded), the
 * dossier of the day's school year complete or validated, else the maximum tariff. No tariff →
 * a 0 € line "Aucun tarif en vigueur : non facturé" (never throws on town data).
 * Lines are grouped by child, service, kind, unit price, rule and CESU eligibility; quantity =
 * days; the rule shown adds the quantity: "QF 850 → tranche 2 : 3,30 € × 12 repas" (an absence:
 * "Absence justifiée (certificat du 12/11) : non facturée (2 repas)"; a late certificate:
 * "… × 1 repas — absence justifiée hors délai (certificat du 25/11, délai 8 jours) : facturée").
 * cesu: care of a child (unit.childcare) under 6 on every day of the line; leisure: unit.leisure.
 */
import { ageOn, schoolYearOf } from './dates'
import { formatEuro, priceDay, qfForService, tariffFor, type Tariff } from './pricing'
import type { QuotientRow } from './quotient'
import { addDays } from './schoolYear'

export type LineKind = 'service' | 'penalite' | 'absence_justifiee' | 'regularisation'

export interface BillingReservation {
  id: string
  child_id: string
  unit_id: string
  date: string
  state: string
  attendance: string | null
  absence_certificate_date: string | null
}

export interface BillingInput {
  /** 'YYYY-MM'. */
  month: string
  family: { id: string; resident: boolean }
  children: readonly { id: string; name: string; birthDate: string | null }[]
  units: readonly { id: string; label: string; childcare: boolean; leisure: boolean }[]
  tariffs: readonly Tariff[]
  quotients: readonly Pick<QuotientRow, 'value' | 'valid_from' | 'created_at'>[]
  dossiers: readonly { school_year: string; status: string }[]
  reservations: readonly BillingReservation[]
  /** Days after the absence within which a certificate justifies it (town option, default 8). */
  certificateDelayDays: number
  /** Informative (the estimate passes every booking of the month). */
  asOf?: string
}

export interface LineDraft {
  childId: string
  childName: string
  unitId: string
  unitLabel: string
  kind: LineKind
  quantity: number
  unitPriceCents: number
  amountCents: number
  /** With the quantity: "QF 850 → tranche 2 : 3,30 € × 12 repas". */
  rule: string
  dates: string[]
  cesu: boolean
  leisure: boolean
  sort: number
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/

/** "12/11" from "2026-11-12". */
export function shortDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}`
}

/** The unit of a quantity: meals at the canteen, sessions of study, days otherwise; plural-aware. */
export function quantityWord(unit: { id: string; label: string }, n: number): string {
  const s = n > 1 ? 's' : ''
  const text = `${unit.id} ${unit.label}`.toLowerCase()
  if (text.includes('cantine') || text.includes('restauration') || text.includes('repas')) return `repas`
  if (text.includes('etude') || text.includes('étude')) return `séance${s}`
  return `jour${s}`
}

const KIND_ORDER: Record<LineKind, number> = { service: 0, penalite: 1, absence_justifiee: 2, regularisation: 3 }

export function billMonth(input: BillingInput): { lines: LineDraft[]; totalCents: number } {
  if (!MONTH.test(input.month)) throw new RangeError(`mois AAAA-MM attendu, reçu ${input.month}`)
  const delay = Number.isSafeInteger(input.certificateDelayDays) && input.certificateDelayDays >= 0 ? input.certificateDelayDays : 8
  const childIndex = new Map(input.children.map((c, i) => [c.id, i]))
  const unitIndex = new Map(input.units.map((u, i) => [u.id, i]))
  const completeYears = new Set(input.dossiers.filter((d) => d.status === 'complet' || d.status === 'valide').map((d) => d.school_year))

  interface Group {
    line: Omit<LineDraft, 'rule' | 'quantity' | 'amountCents' | 'sort'>
    base: string
    note: string | null
  }
  const groups = new Map<string, Group>()

  const reservations = input.reservations.filter((r) => r.date.startsWith(input.month + '-')).sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id < b.id ? -1 : 1))
  for (const r of reservations) {
    let presentWithoutBooking = false
    if (r.state === 'sans_reservation') {
      if (r.attendance !== 'present') continue
      presentWithoutBooking = true
    } else if (r.state !== 'reserve') continue

    const child = input.children[childIndex.get(r.child_id) ?? -1]
    const unit = input.units[unitIndex.get(r.unit_id) ?? -1] ?? { id: r.unit_id, label: r.unit_id, childcare: false, leisure: false }
    const under6 = child?.birthDate ? ageOn(child.birthDate, r.date) < 6 : false
    const cesu = unit.childcare && under6

    let kind: LineKind
    let cents: number
    let base: string
    let note: string | null = null
    const tariff = tariffFor(input.tariffs, r.unit_id, r.date, input.family.resident)
    const justified = !presentWithoutBooking && r.attendance === 'absent_justifie'
    const inTime = justified && r.absence_certificate_date !== null && r.absence_certificate_date <= addDays(r.date, delay)
    if (inTime) {
      kind = 'absence_justifiee'
      cents = 0
      base = `Absence justifiée (certificat du ${shortDay(r.absence_certificate_date as string)}) : non facturée`
    } else if (tariff === null) {
      kind = presentWithoutBooking ? 'penalite' : 'service'
      cents = 0
      base = 'Aucun tarif en vigueur : non facturé'
    } else {
      let priced
      try {
        priced = priceDay({ tariff, qf: qfForService(input.quotients, r.date), dossierComplete: completeYears.has(schoolYearOf(r.date)), present_without_booking: presentWithoutBooking })
      } catch {
        priced = null
      }
      if (priced === null) {
        kind = 'service'
        cents = 0
        base = 'Tarif illisible : non facturé'
      } else {
        kind = priced.kind
        cents = priced.cents
        base = priced.rule
      }
      if (justified) {
        note =
          r.absence_certificate_date === null
            ? 'absence sans certificat : facturée'
            : `absence justifiée hors délai (certificat du ${shortDay(r.absence_certificate_date)}, délai ${delay} jours) : facturée`
      }
    }
    const key = JSON.stringify([r.child_id, r.unit_id, kind, cents, base, note, cesu])
    let g = groups.get(key)
    if (!g) {
      g = {
        line: { childId: r.child_id, childName: child?.name ?? '', unitId: unit.id, unitLabel: unit.label, kind, unitPriceCents: cents, dates: [], cesu, leisure: unit.leisure },
        base,
        note,
      }
      groups.set(key, g)
    }
    if (!g.line.dates.includes(r.date)) g.line.dates.push(r.date)
  }

  const lines: LineDraft[] = [...groups.values()].map((g) => {
    const quantity = g.line.dates.length
    const unit = input.units[unitIndex.get(g.line.unitId) ?? -1] ?? { id: g.line.unitId, label: g.line.unitLabel }
    const rule = g.line.kind === 'absence_justifiee' ? `${g.base} (${quantity} ${quantityWord(unit, quantity)})` : `${g.base} × ${quantity} ${quantityWord(unit, quantity)}${g.note ? ` — ${g.note}` : ''}`
    return { ...g.line, dates: [...g.line.dates].sort(), quantity, amountCents: quantity * g.line.unitPriceCents, rule, sort: 0 }
  })
  lines.sort(
    (a, b) =>
      (childIndex.get(a.childId) ?? 1e9) - (childIndex.get(b.childId) ?? 1e9) ||
      (a.childId < b.childId ? -1 : a.childId > b.childId ? 1 : 0) ||
      (unitIndex.get(a.unitId) ?? 1e9) - (unitIndex.get(b.unitId) ?? 1e9) ||
      (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0) ||
      KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
      ((a.dates[0] ?? '') < (b.dates[0] ?? '') ? -1 : (a.dates[0] ?? '') > (b.dates[0] ?? '') ? 1 : 0) ||
      a.unitPriceCents - b.unitPriceCents,
  )
  lines.forEach((l, i) => (l.sort = (i + 1) * 10))
  return { lines, totalCents: lines.reduce((s, l) => s + l.amountCents, 0) }
}

/** "3,30 € × 12 = 39,60 €": a line's arithmetic for display. */
export function lineArithmetic(line: Pick<LineDraft, 'quantity' | 'unitPriceCents' | 'amountCents'>): string {
  return `${formatEuro(line.unitPriceCents)} × ${line.quantity} = ${formatEuro(line.amountCents)}`
}
