import { SchoolCalendar, type CalendarPeriod, type UnitCalendar } from '@shared/domain/calendar'
import { schoolYearOf } from '@shared/domain/dates'
import type { EntityName, Row } from '@shared/sync/entities'
import { shippedCalendarRows } from './calendar'
import { DemoIds } from './ids'
import { Rng } from './rng'
import { DEFAULT_UNITS } from './units'

/**
 * The demo town's billing data (issue 12; docs/billing.md), added to a generated town: for the
 * two months before the demo's today, the children's bookings of the services they are enrolled
 * in (inscriptions) with their attendance (mostly present, a few absences, some justified by a
 * certificate, in time or late, a few children present without a booking), quotients familiaux
 * for most families, the dossiers of the school year (some incomplete) and about 10 % of the
 * families under direct debit. Deterministic: same town, seed and day → the same rows.
 *
 * The family "for the counter" (`counterFamilyId`): the first family (in code order) whose child
 * eats at the canteen; never under direct debit, its dossier complete, never paid online: it has
 * an open invoice for each of the two months, payable at the counter (the e2e pays both with one
 * cheque).
 */

export interface DemoBillingResult {
  /** The two months billed, oldest first ("2026-10", "2026-11"). */
  months: [string, string]
  reservations: Row[]
  quotients: Row[]
  dossiers: Row[]
  /** Families under direct debit (their `families` rows were updated in place). */
  directDebit: Set<string>
  counterFamilyId: string | null
}

const DAY_MS = 86_400_000

export function addMonths(month: string, n: number): string {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7)) - 1 + n
  const yy = y + Math.floor(m / 12)
  return `${yy}-${String((((m % 12) + 12) % 12) + 1).padStart(2, '0')}`
}

function daysOf(month: string): string[] {
  const out: string[] = []
  const first = Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1, 1)
  for (let t = first; ; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10)
    if (!day.startsWith(month)) break
    out.push(day)
  }
  return out
}

const plusDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10)

/** An instant on a day, in the evening (Paris), as the attendance is recorded. */
const evening = (day: string, minute: number): string => new Date(Date.parse(`${day}T17:00:00Z`) + minute * 60_000).toISOString()

export function generateDemoBilling(tables: Map<EntityName, Row[]>, opts: { seed: number; today: string }): DemoBillingResult {
  const rng = new Rng(opts.seed, 12, 4)
  const ids = new DemoIds(new Rng(opts.seed, 12, 5))
  const todayMonth = opts.today.slice(0, 7)
  const months: [string, string] = [addMonths(todayMonth, -2), addMonths(todayMonth, -1)]
  const periods = (tables.get('calendar_periods') ?? shippedCalendarRows()) as unknown as CalendarPeriod[]
  const calendar = new SchoolCalendar(periods)
  const units = new Map<string, { id: string; label: string; calendar: UnitCalendar }>(DEFAULT_UNITS.map((u) => [u.id, { id: u.id, label: u.label, calendar: u.calendar as UnitCalendar }]))
  const families = tables.get('families') ?? []
  const inscriptions = (tables.get('inscriptions') ?? []).filter((i) => i.status === 'active')
  const days = [...daysOf(months[0]), ...daysOf(months[1])].filter((d) => d < opts.today)

  // The counter family: the first family whose child eats at the canteen.
  const canteenFamilies = new Set(inscriptions.filter((i) => i.unit_id === 'cantine').map((i) => String(i.family_id)))
  const counter = families.find((f) => canteenFamilies.has(String(f.id)))
  const counterFamilyId = counter ? String(counter.id) : null

  // Families: direct debit (≈ 10 %), a QF (≈ 70 %), a dossier complete (≈ 85 %) for each school year billed.
  const directDebit = new Set<string>()
  const quotients: Row[] = []
  const dossiers: Row[] = []
  const years = [...new Set(days.map(schoolYearOf))]
  for (const f of families) {
    const id = String(f.id)
    const isCounter = id === counterFamilyId
    const dd = rng.chance(0.1)
    const qf = rng.chance(0.7)
    const qfValue = rng.int(280, 2400)
    const complete = rng.chance(0.85)
    if (dd && !isCounter) {
      directDebit.add(id)
      f.direct_debit = true
    }
    for (const year of years) {
      const start = Number(year.slice(0, 4))
      const at = `${start}-08-${String(rng.int(10, 28)).padStart(2, '0')}T08:30:00.000Z`
      if (qf) {
        quotients.push({
          id: ids.next(Date.parse(at)),
          family_id: id,
          value: qfValue,
          source: 'caf',
          reference_month: `${start}-07`,
          valid_from: `${start}-09-01`,
          annual_income_cents: null,
          monthly_benefits_cents: null,
          parts_x2: null,
          document_id: null,
          agent_id: null,
          created_at: at,
        })
      }
      dossiers.push({
        id: ids.next(Date.parse(at)),
        family_id: id,
        school_year: year,
        status: complete || isCounter ? 'valide' : 'incomplet',
        validated_by: null,
        validated_at: complete || isCounter ? at : null,
        created_at: at,
        updated_at: at,
      })
    }
  }

  // Bookings with attendance, per inscription: the weekdays the child comes (most every day).
  const reservations: Row[] = []
  for (const ins of inscriptions) {
    const unit = units.get(String(ins.unit_id))
    if (!unit) continue
    const site = String(ins.site_id)
    const weekdays = rng.chance(0.7) ? [1, 2, 3, 4, 5] : [1, 2, 3, 4, 5].filter(() => rng.chance(0.6))
    for (const day of days) {
      if (schoolYearOf(day) !== ins.school_year) continue
      if (!calendar.dayStatus(unit, site, day).open) continue
      const weekday = new Date(`${day}T12:00:00Z`).getUTCDay()
      const booked = weekdays.includes(weekday)
      const draw = rng.float()
      const certificateDelay = rng.int(1, 14)
      const minute = rng.int(0, 90)
      if (!booked) {
        // Present without a booking, now and then (the penalty price).
        if (unit.id === 'cantine' && draw < 0.01) {
          const at = evening(day, minute)
          reservations.push(row(ids.next(Date.parse(at)), ins, day, 'sans_reservation', 'present', null, at, at))
        }
        continue
      }
      const createdAt = `${plusDays(day, -rng.int(7, 40))}T09:00:00.000Z`
      let attendance = 'present'
      let certificate: string | null = null
      let updatedAt = evening(day, minute)
      if (draw < 0.03) attendance = 'absent_injustifie'
      else if (draw < 0.06) {
        attendance = 'absent_justifie'
        certificate = plusDays(day, certificateDelay)
        // Recorded when the certificate came (it may come after the month's invoice: a credit note).
        updatedAt = `${certificate}T10:00:00.000Z`
      }
      if (certificate !== null && certificate >= opts.today) {
        // Not there yet: an absence without certificate so far.
        attendance = 'absent_injustifie'
        certificate = null
        updatedAt = evening(day, minute)
      }
      reservations.push(row(ids.next(Date.parse(createdAt)), ins, day, 'reserve', attendance, certificate, createdAt, updatedAt))
    }
  }
  return { months, reservations, quotients, dossiers, directDebit, counterFamilyId }
}

function row(id: string, ins: Row, day: string, state: string, attendance: string, certificate: string | null, createdAt: string, updatedAt: string): Row {
  return {
    id,
    family_id: ins.family_id ?? null,
    child_id: ins.child_id ?? null,
    unit_id: ins.unit_id ?? null,
    site_id: ins.site_id ?? null,
    date: day,
    state,
    channel: 'guichet',
    agent_id: null,
    workstation_id: null,
    created_at: createdAt,
    updated_at: updatedAt,
    attendance,
    absence_certificate_date: certificate,
    attendance_by: null,
    attendance_at: updatedAt,
    override_reason: null,
    cancel_override_reason: null,
    cancelled_at: null,
  }
}
