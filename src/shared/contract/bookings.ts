import { z } from 'zod'
import { UnitPayload } from '../commands/bookings'
import { CancelRuleSchema, DeadlineRuleSchema } from '../domain/deadlines'
import { entityEnums } from '../sync/entities'
import { CalendarDay, singleLine } from '../validation/text'
import { allAgents, command, query } from './define'

/**
 * Bookings under the town's rules (issue 10): a child's month grid, bulk booking, the waiting
 * list, attendance (pointage), a site's day list, and the town data behind them (services with
 * their sites, capacities and deadline rules; the school calendar). Self-contained: the
 * contract gathers it as `bookings`.
 *
 * Single bookings and cancellations stay `reservations.book` / `reservations.cancel` (with an
 * optional override and waiting-list choice). Every rule lives in the shared commands
 * (src/shared/commands/bookings.ts), which the portal runs again at push time.
 */

const Id = z.uuid()
const Day = CalendarDay
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM')
const SchoolYear = z.string().regex(/^\d{4}-\d{4}$/, 'année scolaire attendue au format AAAA-AAAA')
const ServiceId = singleLine({ min: 1, max: 40 })
/** A deadline override: who may do it is a town option (bookings.override_roles). */
export const OverrideSchema = z.strictObject({ reason: singleLine({ min: 3, max: 300 }) })

export const attendanceValues = entityEnums.reservations.attendance
export type Attendance = (typeof attendanceValues)[number]

/**
 * The state of one cell of the month grid (a child, a service, a day):
 * - `bookable`: free, before the deadline;
 * - `booked`: booked (see `attendance` once the day is pointed);
 * - `waiting`: on the waiting list (`waitRank`: 1 = first);
 * - `full`: no place left, before the deadline (the waiting list is offered);
 * - `deadline`: past the booking deadline (an allowed role may override, with a reason);
 * - `closed`: the service does not run that day for this child (weekend, holiday, not enrolled…);
 * - `past`: a day gone by, not booked (attendance may still show: présent sans réservation).
 */
export const cellStates = ['bookable', 'booked', 'waiting', 'full', 'deadline', 'closed', 'past'] as const
export type CellState = (typeof cellStates)[number]

export const GridCellSchema = z.object({
  date: Day,
  state: z.enum(cellStates),
  reservationId: Id.nullable(),
  /** Pointage, when known. */
  attendance: z.enum(attendanceValues).nullable(),
  /** Saved here, not yet confirmed by the portal. */
  pending: z.boolean(),
  waitRank: z.number().int().positive().nullable(),
  /** Places left that day at the site (null: the service does not run). */
  remaining: z.number().int().nullable(),
  /** Plain French: why the cell is what it is ("Inscriptions closes le mardi 10/11 à 23:59"). */
  explanation: z.string(),
  /** A booked or waiting cell: whether cancelling is open now, and why not. */
  canCancel: z.boolean(),
  cancelExplanation: z.string().nullable(),
  /** The portal refused the last booking of this cell: its reason (the cell shows the truth beside it). */
  refusal: z.string().nullable(),
})
export type GridCell = z.infer<typeof GridCellSchema>

export const GridRowSchema = z.object({
  unitId: z.string(),
  unitLabel: z.string(),
  /** The site the child is enrolled at for this service (null: not enrolled this month). */
  siteId: Id.nullable(),
  siteName: z.string().nullable(),
  cells: z.array(GridCellSchema),
})

/** A family's month as the screens use it: `expandMonthGrid` of what the core sends. */
export interface MonthGrid {
  familyId: string
  month: string
  /** Every day of the month, in order (the cells of each row follow it). */
  days: Array<{ date: string; weekday: number }>
  children: Array<{ childId: string; name: string; level: string | null; schoolName: string | null; rows: Array<z.infer<typeof GridRowSchema>> }>
  /** The agent may override deadlines (town option bookings.override_roles). */
  canOverride: boolean
}

/**
 * The month grid on the wire: compact, because a family's month is a few hundred cells and the
 * contract checks every answer. Per row: one letter per day for the state (`CELL_CODES`), the
 * explanation and the places left per day, and the few cells that hold a booking or a refusal.
 */
export const CELL_CODES: Readonly<Record<CellState, string>> = {
  bookable: 'b',
  booked: 'B',
  waiting: 'w',
  full: 'f',
  deadline: 'd',
  closed: 'c',
  past: 'p',
}
const CODE_STATE: Readonly<Record<string, CellState>> = Object.fromEntries(Object.entries(CELL_CODES).map(([k, v]) => [v, k as CellState]))

export const GridMarkSchema = z.object({
  /** The day's index in `days`. */
  day: z.number().int().min(0).max(30),
  reservationId: Id.nullable(),
  attendance: z.enum(attendanceValues).nullable(),
  pending: z.boolean(),
  waitRank: z.number().int().positive().nullable(),
  canCancel: z.boolean(),
  cancelExplanation: z.string().nullable(),
  refusal: z.string().nullable(),
})
export type GridMark = z.infer<typeof GridMarkSchema>

export const GridRowWireSchema = z.object({
  unitId: z.string(),
  unitLabel: z.string(),
  siteId: Id.nullable(),
  siteName: z.string().nullable(),
  states: z.string().regex(/^[bBwfdcp]{28,31}$/),
  /** The row's distinct explanations, and per day the index of its own (one character: '0' + index). */
  notes: z.array(z.string()).max(31),
  noteOf: z.string().regex(/^[0-N]{28,31}$/),
  remaining: z.array(z.number().int().nullable()),
  marks: z.array(GridMarkSchema),
})
export type GridRowWire = z.infer<typeof GridRowWireSchema>

export const MonthGridWireSchema = z.object({
  familyId: Id,
  month: Month,
  children: z.array(
    z.object({
      childId: Id,
      name: z.string(),
      level: z.string().nullable(),
      schoolName: z.string().nullable(),
      rows: z.array(GridRowWireSchema),
    }),
  ),
  canOverride: z.boolean(),
})
export type MonthGridWire = z.infer<typeof MonthGridWireSchema>

/** Every day of a month 'YYYY-MM' with its ISO weekday (1 = Monday … 7 = Sunday). */
export function monthDays(month: string): Array<{ date: string; weekday: number }> {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7))
  const count = new Date(Date.UTC(y, m, 0)).getUTCDate()
  return Array.from({ length: count }, (_, i) => {
    const weekday = new Date(Date.UTC(y, m - 1, i + 1)).getUTCDay()
    return { date: `${month}-${String(i + 1).padStart(2, '0')}`, weekday: weekday === 0 ? 7 : weekday }
  })
}

/** One cell object per day of every row, as the screens use them. */
export function expandMonthGrid(wire: MonthGridWire): MonthGrid {
  const days = monthDays(wire.month)
  return {
    ...wire,
    days,
    children: wire.children.map((child) => ({
      ...child,
      rows: child.rows.map((row) => {
        const marks = new Map(row.marks.map((m) => [m.day, m]))
        return {
          unitId: row.unitId,
          unitLabel: row.unitLabel,
          siteId: row.siteId,
          siteName: row.siteName,
          cells: days.map(({ date }, i): GridCell => {
            const m = marks.get(i)
            return {
              date,
              state: CODE_STATE[row.states[i] ?? 'c'] ?? 'closed',
              reservationId: m?.reservationId ?? null,
              attendance: m?.attendance ?? null,
              pending: m?.pending ?? false,
              waitRank: m?.waitRank ?? null,
              remaining: row.remaining[i] ?? null,
              explanation: row.notes[(row.noteOf.charCodeAt(i) || 48) - 48] ?? '',
              canCancel: m?.canCancel ?? false,
              cancelExplanation: m?.cancelExplanation ?? null,
              refusal: m?.refusal ?? null,
            }
          }),
        }
      }),
    })),
  }
}

export const BulkInputSchema = z.strictObject({
  familyId: Id,
  childId: Id,
  unitId: ServiceId,
  siteId: Id,
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  weekdays: z.array(z.number().int().min(1).max(7)).min(1, 'choisissez au moins un jour de la semaine').max(7),
  from: Day,
  to: Day,
  /** Put full days on the waiting list instead of skipping them. */
  waitlist: z.boolean().optional(),
})
export type BulkInput = z.infer<typeof BulkInputSchema>

export const SkippedDaySchema = z.object({ date: Day, code: z.string(), reason: z.string() })
export const BulkResultSchema = z.object({
  booked: z.array(Day),
  waitlisted: z.array(Day),
  alreadyBooked: z.array(Day),
  /** Days the service does not run (weekends, holidays, closures): skipped. */
  closed: z.array(SkippedDaySchema),
  /** Days it could have run but could not be booked, with the reason (deadline, full…). */
  refused: z.array(SkippedDaySchema),
})
export type BulkResult = z.infer<typeof BulkResultSchema>

export const WaitingEntrySchema = z.object({
  reservationId: Id,
  rank: z.number().int().positive(),
  familyId: Id,
  familyName: z.string(),
  childName: z.string(),
  since: z.string(),
  pending: z.boolean(),
})
export const WaitingListSchema = z.object({
  unitId: z.string(),
  siteId: Id,
  date: Day,
  capacity: z.number().int(),
  booked: z.number().int(),
  entries: z.array(WaitingEntrySchema),
})
export type WaitingList = z.infer<typeof WaitingListSchema>

export const SiteDayEntrySchema = z.object({
  reservationId: Id,
  familyId: Id,
  familyCode: z.string(),
  childId: Id,
  childName: z.string(),
  level: z.string().nullable(),
  state: z.enum(entityEnums.reservations.state),
  attendance: z.enum(attendanceValues).nullable(),
  absenceCertificateDate: Day.nullable(),
  /** Health plan (PAI): shown on the site list. */
  pai: z.boolean(),
  pending: z.boolean(),
})
export const SiteDaySchema = z.object({
  unitId: z.string(),
  unitLabel: z.string(),
  siteId: Id,
  siteName: z.string(),
  date: Day,
  capacity: z.number().int(),
  /** Booked children (and présents sans réservation), by name. */
  expected: z.array(SiteDayEntrySchema),
  waiting: z.array(SiteDayEntrySchema),
  /** The service does not run that day: why (the list is then empty). */
  closedReason: z.string().nullable(),
})
export type SiteDay = z.infer<typeof SiteDaySchema>
const SiteDayInput = z.strictObject({ unitId: ServiceId, siteId: Id, date: Day })

export const AttendInputSchema = z.strictObject({
  /** The booking pointed; absent: a child present without a booking (then the child and family). */
  reservationId: Id.optional(),
  familyId: Id.optional(),
  childId: Id.optional(),
  unitId: ServiceId,
  siteId: Id,
  date: Day,
  attendance: z.enum(attendanceValues),
  /** The medical certificate's date, for absent_justifie. */
  certificateDate: Day.nullable().optional(),
})
export type AttendInput = z.infer<typeof AttendInputSchema>

export const ServiceSiteViewSchema = z.object({
  id: Id,
  siteId: Id,
  siteName: z.string(),
  serves: z.enum(entityEnums.unit_sites.serves),
  capacity: z.number().int(),
  active: z.boolean(),
})
export const ServiceViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  levels: z.enum(entityEnums.units.levels),
  calendar: z.enum(entityEnums.units.calendar),
  defaultCapacity: z.number().int(),
  bookingRule: DeadlineRuleSchema,
  cancelRule: CancelRuleSchema,
  /** The rules in plain French ("2 jours ouvrés avant, à 10:00"). */
  bookingRuleText: z.string(),
  cancelRuleText: z.string(),
  sort: z.number().int(),
  active: z.boolean(),
  sites: z.array(ServiceSiteViewSchema),
})
export type ServiceView = z.infer<typeof ServiceViewSchema>
export const ServicesSchema = z.object({
  services: z.array(ServiceViewSchema),
  sites: z.array(z.object({ id: Id, name: z.string(), kind: z.string() })),
})
export type Services = z.infer<typeof ServicesSchema>

export const CalendarPeriodViewSchema = z.object({
  id: Id,
  schoolYear: SchoolYear,
  kind: z.enum(entityEnums.calendar_periods.kind),
  label: z.string(),
  firstDay: Day,
  lastDay: Day,
  unitId: z.string().nullable(),
  siteId: Id.nullable(),
})
export type CalendarPeriodView = z.infer<typeof CalendarPeriodViewSchema>
export const CalendarSchema = z.object({
  schoolYear: SchoolYear,
  /** The school years loaded, newest first. */
  years: z.array(SchoolYear),
  periods: z.array(CalendarPeriodViewSchema),
})
export type CalendarView = z.infer<typeof CalendarSchema>

const RESPONSABLE = ['responsable'] as const

export const bookingsEndpoints = {
  /** A family's month: every child, every service the child is enrolled in, every day. */
  grid: query({ input: z.strictObject({ familyId: Id, month: Month }), output: MonthGridWireSchema, access: allAgents }),
  /** Books a weekday pattern over a period: what it can, and the days it could not with why. */
  bulk: command({ input: BulkInputSchema, output: BulkResultSchema, access: allAgents, sync: true }),
  /** The waiting list of a service at a site on a day, in order. */
  waitingList: query({ input: SiteDayInput, output: WaitingListSchema, access: allAgents }),
  /** Offers a freed place to the first family waiting, which the agent confirms (shared command reservations.promote). */
  promote: command({ input: z.strictObject({ reservationId: Id }), output: WaitingListSchema, access: allAgents, sync: true }),
  /** Who is expected at a service, at a site, on a day (the site's day list). */
  siteDay: query({ input: SiteDayInput, output: SiteDaySchema, access: allAgents }),
  /** The same list as a PDF to print (journaled: a printed list of children leaves the building). */
  siteDayPdf: query({ input: SiteDayInput, output: z.object({ pdfBase64: z.string(), fileName: z.string() }), access: allAgents, journalRead: true }),
  /** Pointage: présent, absent justifié (certificate date), absent injustifié, présent sans réservation. */
  attend: command({ input: AttendInputSchema, output: SiteDaySchema, access: allAgents, sync: true }),
  /** The services with their sites and rules (every agent reads them). */
  services: query({ input: z.strictObject({}), output: ServicesSchema, access: allAgents }),
  saveService: command({
    // The shared fact's own payload (town.saveUnit): one schema for the screen and the portal.
    input: UnitPayload,
    output: ServicesSchema,
    access: RESPONSABLE,
    sync: true,
  }),
  saveServiceSite: command({
    input: z.strictObject({
      unitId: ServiceId,
      siteId: Id,
      serves: z.enum(entityEnums.unit_sites.serves),
      capacity: z.number().int().min(0).max(10_000),
      active: z.boolean(),
    }),
    output: ServicesSchema,
    access: RESPONSABLE,
    sync: true,
  }),
  /** The school calendar of a year (default: the current one). */
  calendar: query({ input: z.strictObject({ schoolYear: SchoolYear.optional() }), output: CalendarSchema, access: allAgents }),
  savePeriod: command({
    input: z.strictObject({
      id: Id.optional(),
      schoolYear: SchoolYear,
      kind: z.enum(entityEnums.calendar_periods.kind),
      label: singleLine({ min: 2, max: 120 }),
      firstDay: Day,
      lastDay: Day,
      unitId: ServiceId.nullable(),
      siteId: Id.nullable(),
    }),
    output: CalendarSchema,
    access: RESPONSABLE,
    sync: true,
  }),
  deletePeriod: command({ input: z.strictObject({ id: Id }), output: CalendarSchema, access: RESPONSABLE, sync: true }),
  /**
   * Loads a school year at once: the ministry's open-data CSV (fr-en-calendrier-scolaire) for
   * the town's zone, plus the public holidays and the school year's first and last days.
   */
  importYear: command({
    input: z.strictObject({
      schoolYear: SchoolYear,
      zone: z.enum(['A', 'B', 'C']),
      firstDay: Day,
      lastDay: Day,
      csv: z.string().min(1).max(2_000_000),
    }),
    output: CalendarSchema,
    access: RESPONSABLE,
    sync: true,
  }),
}
