import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { CommandRejection } from '@shared/commands'
import { levelGroup, TOWN_OPTION_OVERRIDE_ROLES, waitingOrder } from '@shared/commands/bookings'
import { CELL_CODES, DomainError, monthDays, type BulkResult, type CellState, type contract, type GridCell, type GridMark, type GridRowWire, type MonthGridWire, type WaitingList } from '@shared/contract'
import { SchoolCalendar, type CalendarPeriod, type CalendarUnit, type DayStatus, type UnitCalendar } from '@shared/domain/calendar'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { explainBooking, explainCancel, parseCancelRule, parseRule, type CancelRule, type DeadlineRule } from '@shared/domain/deadlines'
import { DEFAULT_TOWN_OPTIONS } from '@shared/domain/documentDefaults'
import { capacityFor, frenchDay, type CapacityRow } from '@shared/domain/reservations'
import { addDays, daysBetween, daysInMonth, previousSchoolYear } from '@shared/domain/schoolYear'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import { bookingsSiteHandlers } from './bookings-site'
import { bookingsTownHandlers } from './bookings-town'

type H = HandlersFor<typeof contract>['bookings']

/**
 * Bookings under the town's rules at the counter (issue 10): a family's month grid, bulk
 * booking, the waiting list. The grid reads everything it needs in a few indexed queries and
 * evaluates the same pure rules as the shared commands (calendar, site and level, deadlines,
 * capacity), so what a cell says is what a booking would meet. Bulk booking runs the shared
 * command reservations.book once per day (one outbox row each: the portal judges every day).
 */

interface UnitRow {
  id: string
  label: string
  levels: string
  calendar: UnitCalendar
  booking_rule: string
  cancel_rule: string
  default_capacity: number
  sort: number
}
interface Unit extends UnitRow {
  booking: DeadlineRule
  cancel: CancelRule
}

const statements = new WeakMap<Database.Database, Map<string, Database.Statement>>()
/** A prepared statement, prepared once per database (the grid runs a dozen per call). */
function prep(sqlite: Database.Database, sql: string): Database.Statement {
  let cache = statements.get(sqlite)
  if (!cache) statements.set(sqlite, (cache = new Map()))
  let stmt = cache.get(sql)
  if (!stmt) cache.set(sql, (stmt = sqlite.prepare(sql)))
  return stmt
}

function notFound(what: string): DomainError {
  return new DomainError('NOT_FOUND', what)
}
function invalid(path: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, { issues: [{ path, message }] })
}

/** The last calendar and services built, by the rows they were built from (rebuilt when a row changes). */
const calendars = new Map<string, SchoolCalendar>()
let unitsCache: { key: string; units: Map<string, Unit> } | null = null

const CALENDAR_ROWS_SQL = `SELECT id, school_year, kind, label, first_day, last_day, unit_id, site_id FROM calendar_periods
  WHERE school_year = ? OR (school_year = ? AND kind = 'public_holiday') ORDER BY id`
const UNIT_ROWS_SQL = 'SELECT id, label, levels, calendar, booking_rule, cancel_rule, default_capacity, sort FROM units WHERE active = 1 ORDER BY sort, label'

/** The calendar rows of a school year, with the previous year's public holidays (deadlines in late August). */
function calendarRows(sqlite: Database.Database, schoolYear: string): CalendarPeriod[] {
  return prep(sqlite, CALENDAR_ROWS_SQL).all(schoolYear, previousSchoolYear(schoolYear)) as CalendarPeriod[]
}

/** Building a calendar expands every period day by day: keep it while its rows are the same. */
function calendarFrom(rows: CalendarPeriod[]): SchoolCalendar {
  const key = JSON.stringify(rows)
  let calendar = calendars.get(key)
  if (!calendar) {
    if (calendars.size >= 8) calendars.clear()
    calendars.set(key, (calendar = new SchoolCalendar(rows)))
  }
  return calendar
}

export function calendarOf(sqlite: Database.Database, schoolYear: string): SchoolCalendar {
  return calendarFrom(calendarRows(sqlite, schoolYear))
}

function unitsFrom(rows: UnitRow[]): Map<string, Unit> {
  const key = JSON.stringify(rows)
  if (unitsCache?.key !== key) {
    unitsCache = { key, units: new Map(rows.map((u) => [u.id, { ...u, booking: parseRule(u.booking_rule), cancel: parseCancelRule(u.cancel_rule) }])) }
  }
  return unitsCache.units
}

function units(sqlite: Database.Database): Map<string, Unit> {
  return unitsFrom(prep(sqlite, UNIT_ROWS_SQL).all() as UnitRow[])
}

/** The calendar's answer for each day of a month, per service and site (kept with the calendar it came from). */
const monthStatuses = new WeakMap<SchoolCalendar, Map<string, DayStatus[]>>()
function statusesOf(calendar: SchoolCalendar, unit: CalendarUnit, siteId: string, days: ReadonlyArray<{ date: string }>): DayStatus[] {
  let byKey = monthStatuses.get(calendar)
  if (!byKey) monthStatuses.set(calendar, (byKey = new Map()))
  const key = `${unit.id}|${unit.calendar}|${unit.label}|${siteId}|${days[0]?.date ?? ''}`
  let list = byKey.get(key)
  if (!list) byKey.set(key, (list = days.map(({ date }) => calendar.dayStatus(unit, siteId, date))))
  return list
}

/**
 * A day's deadline for a service, and the sentences for before and after it: they depend on
 * the rule, the day and the public holidays only, so they are kept with the calendar (now only
 * picks one). The same sentences as explainBooking / explainCancel, which make them.
 */
interface Verdict {
  at: number | null
  openText: string
  closedText: string
  pastText: string
}
const verdicts = new WeakMap<SchoolCalendar, Map<string, Verdict>>()
function verdictFor(calendar: SchoolCalendar, key: string, make: (now: Date) => { open: boolean; deadline: Date | null; reason: string }): Verdict {
  let byKey = verdicts.get(calendar)
  if (!byKey) verdicts.set(calendar, (byKey = new Map()))
  let v = byKey.get(key)
  if (!v) {
    const before = make(new Date(0)) // long before any deadline: open (or never, for a cancellation)
    const at = before.deadline?.getTime() ?? null
    const after = at === null ? before : make(new Date(at))
    const day = key.slice(-10)
    const past = make(new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)) + 2)))
    v = { at: before.open ? at : Number.NEGATIVE_INFINITY, openText: before.reason, closedText: after.reason, pastText: past.reason }
    if (byKey.size > 20_000) byKey.clear()
    byKey.set(key, v)
  }
  return v
}
function bookingVerdict(calendar: SchoolCalendar, unit: Unit, date: string): Verdict {
  return verdictFor(calendar, `b|${unit.booking_rule}|${date}`, (now) => explainBooking(unit.booking, date, now, calendar.publicHolidays()))
}
function cancelVerdict(calendar: SchoolCalendar, unit: Unit, date: string): Verdict {
  return verdictFor(calendar, `c|${unit.cancel_rule}|${unit.booking_rule}|${date}`, (now) => explainCancel(unit.cancel, unit.booking, date, now, calendar.publicHolidays()))
}
/** Open now? (a past day never is), with its sentence. */
function verdictNow(v: Verdict, nowMs: number, past: boolean): { open: boolean; reason: string } {
  if (past) return { open: false, reason: v.pastText }
  const open = v.at === null || nowMs < v.at
  return { open, reason: open ? v.openText : v.closedText }
}

/** Whether the logged-in agent may override deadlines (the same town option the shared command reads). */
function canOverride(ctx: HandlerContext, row: { value: string } | undefined): boolean {
  if (!ctx.agent) return false
  const roles = (row?.value ?? DEFAULT_TOWN_OPTIONS[TOWN_OPTION_OVERRIDE_ROLES] ?? 'responsable').split(',').map((r) => r.trim())
  return roles.includes(ctx.agent.role)
}

const weekdayOf = (day: string): number => {
  const d = new Date(`${day}T12:00:00Z`).getUTCDay()
  return d === 0 ? 7 : d
}

// ---- the month grid ---------------------------------------------------------------------------

interface ChildRow {
  id: string
  first_names: string
  last_name: string
  level: string | null
  school_id: string | null
  school_name: string | null
}
interface InscriptionRow {
  child_id: string
  unit_id: string
  site_id: string
  site_name: string
  serves: string | null
  site_capacity: number | null
}
interface BookingRow {
  id: string
  child_id: string
  unit_id: string
  site_id: string
  date: string
  state: 'reserve' | 'attente' | 'sans_reservation'
  attendance: GridCell['attendance']
  created_at: string
}

/**
 * Every row a family's month grid reads, and nothing else (`npm run bench -- bookings` times
 * this alone against the whole grid). Null when the family does not exist.
 */
export function readMonth(sqlite: Database.Database, familyId: string, month: string) {
  if (!prep(sqlite, 'SELECT id FROM families WHERE id = ?').get(familyId)) return null
  const first = `${month}-01`
  const last = `${month}-${String(daysInMonth(Number(month.slice(0, 4)), Number(month.slice(5, 7)))).padStart(2, '0')}`
  const year = schoolYearOf(first) // a calendar month lies in one school year (September … August)
  const calendar = calendarRows(sqlite, year)
  const unitRows = prep(sqlite, UNIT_ROWS_SQL).all() as UnitRow[]
  const overrideRoles = prep(sqlite, 'SELECT value FROM town_options WHERE id = ?').get(TOWN_OPTION_OVERRIDE_ROLES) as { value: string } | undefined
  const children = prep(
    sqlite,
    `SELECT p.id, p.first_names, p.last_name, sc.level, sc.school_id, s.name AS school_name
       FROM family_members fm
       JOIN persons p ON p.id = fm.person_id
       LEFT JOIN schoolings sc ON sc.person_id = p.id AND sc.school_year = ?
       LEFT JOIN schools s ON s.id = sc.school_id
      WHERE fm.family_id = ? AND fm.role = 'enfant'
      GROUP BY p.id
      ORDER BY p.birth_date, p.first_names, p.id`,
  ).all(year, familyId) as ChildRow[]
  const childIds = JSON.stringify(children.map((c) => c.id))
  const inscriptions = prep(
    sqlite,
    `SELECT i.child_id, i.unit_id, i.site_id, s.name AS site_name, us.serves, us.capacity AS site_capacity
       FROM inscriptions i
       JOIN schools s ON s.id = i.site_id
       LEFT JOIN unit_sites us ON us.unit_id = i.unit_id AND us.site_id = i.site_id AND us.active = 1
      WHERE i.child_id IN (SELECT value FROM json_each(?)) AND i.school_year = ? AND i.status = 'active'
      ORDER BY i.created_at, i.id`,
  ).all(childIds, year) as InscriptionRow[]
  const bookings = prep(
    sqlite,
    `SELECT id, child_id, unit_id, site_id, date, state, attendance, created_at FROM reservations
      WHERE child_id IN (SELECT value FROM json_each(?)) AND date BETWEEN ? AND ? AND state != 'annule'`,
  ).all(childIds, first, last) as BookingRow[]
  // Both lists, so that the slot index (unit_id, site_id, date…) is searched, not scanned.
  const sites = JSON.stringify([...new Set(inscriptions.map((i) => i.site_id))])
  const unitIds = JSON.stringify([...new Set(inscriptions.map((i) => i.unit_id))])
  // The counters the triggers keep (migration 0009), not a count of every booking of the sites.
  const counts = prep(
    sqlite,
    `SELECT unit_id, site_id, date, booked AS n FROM slot_counts
      WHERE unit_id IN (SELECT value FROM json_each(?)) AND site_id IN (SELECT value FROM json_each(?)) AND date BETWEEN ? AND ?`,
  ).all(unitIds, sites, first, last) as Array<{ unit_id: string; site_id: string; date: string; n: number }>
  const capacities = prep(
    sqlite,
    `SELECT unit_id, site_id, date, capacity FROM capacities
      WHERE site_id IN (SELECT value FROM json_each(?)) AND (date IS NULL OR date BETWEEN ? AND ?)`,
  ).all(sites, first, last) as CapacityRow[]
  const waiting = bookings.some((b) => b.state === 'attente')
    ? (prep(
        sqlite,
        `SELECT id, child_id, unit_id, site_id, date, state, attendance, created_at FROM reservations
          WHERE unit_id IN (SELECT value FROM json_each(?)) AND site_id IN (SELECT value FROM json_each(?))
            AND date BETWEEN ? AND ? AND state = 'attente'`,
      ).all(unitIds, sites, first, last) as BookingRow[])
    : []
  // Saved here, not yet confirmed by the portal (found by the bookings' ids: index outbox_pending_payload_id_idx).
  const pending =
    bookings.length === 0
      ? []
      : (prep(
          sqlite,
          `SELECT json_extract(payload, '$.id') AS id FROM outbox
            WHERE status = 'pending' AND json_extract(payload, '$.id') IN (SELECT value FROM json_each(?))`,
        ).all(JSON.stringify(bookings.map((b) => b.id))) as Array<{ id: string }>)
  // Refused by the portal and not yet dealt with.
  const refusals = prep(
    sqlite,
    `SELECT json_extract(payload, '$.childId') AS child, json_extract(payload, '$.unitId') AS unit,
            json_extract(payload, '$.date') AS date, rejection_reason AS reason
       FROM outbox
      WHERE status = 'rejected' AND resolution IS NULL AND name = 'reservations.book'
        AND json_extract(payload, '$.familyId') = ? AND json_extract(payload, '$.date') BETWEEN ? AND ?
      ORDER BY seq`,
  ).all(familyId, first, last) as Array<{ child: string; unit: string; date: string; reason: string | null }>
  return { first, last, year, calendar, unitRows, overrideRoles, children, inscriptions, bookings, counts, capacities, waiting, pending, refusals }
}

export function monthGrid(ctx: HandlerContext, familyId: string, month: string): MonthGridWire {
  const read = readMonth(ctx.sqlite, familyId, month)
  if (!read) throw notFound(`No family ${familyId}`)
  const { children, inscriptions, bookings, capacities: capacityRows, refusals: refused } = read
  const days = monthDays(month)
  const now = ctx.now
  const nowMs = now.getTime()
  const today = parisDay(now)
  const calendar = calendarFrom(read.calendar)
  const allUnits = unitsFrom(read.unitRows)
  const booked = new Map<string, number>()
  for (const r of read.counts) booked.set(`${r.unit_id}|${r.site_id}|${r.date}`, r.n)
  const waitingBySlot = new Map<string, BookingRow[]>()
  for (const r of read.waiting) {
    const key = `${r.unit_id}|${r.site_id}|${r.date}`
    waitingBySlot.set(key, [...(waitingBySlot.get(key) ?? []), r])
  }
  const pending = new Set(read.pending.map((r) => r.id))
  const refusals = new Map<string, string>()
  for (const r of refused) refusals.set(`${r.child}|${r.unit}|${r.date}`, r.reason ?? 'refusée')
  // By child and service, then by day: most rows of a month have no booking at all.
  const bookingOf = new Map<string, Map<string, BookingRow>>()
  for (const b of bookings) {
    const k = `${b.child_id}|${b.unit_id}`
    let byDay = bookingOf.get(k)
    if (!byDay) bookingOf.set(k, (byDay = new Map()))
    byDay.set(b.date, b)
  }

  return {
    familyId,
    month,
    canOverride: canOverride(ctx, read.overrideRoles),
    children: children.map((child) => {
      const group = levelGroup(child.level)
      const seen = new Set<string>()
      const rows = inscriptions
        .filter((i) => i.child_id === child.id && allUnits.has(i.unit_id) && !seen.has(i.unit_id) && seen.add(i.unit_id))
        .sort((a, b) => allUnits.get(a.unit_id)!.sort - allUnits.get(b.unit_id)!.sort || a.unit_id.localeCompare(b.unit_id))
        .map((ins): GridRowWire => {
          const unit = allUnits.get(ins.unit_id)!
          const calendarUnit = { id: unit.id, label: unit.label, calendar: unit.calendar }
          // Why this child cannot be booked here at all (the same checks as the shared command).
          let never: string | null = null
          if (ins.serves === null) never = `${unit.label} n’a pas lieu à ${ins.site_name}.`
          else if (unit.levels !== 'tous' && group !== unit.levels) never = `${unit.label} n’est pas ouvert(e) au niveau de ${child.first_names}.`
          else if (ins.serves === 'own_school' && child.school_id !== ins.site_id) never = `${unit.label} à ${ins.site_name} n’accueille que les élèves de cette école.`
          else if (ins.serves !== 'tous' && ins.serves !== 'own_school' && group !== ins.serves) never = `${unit.label} à ${ins.site_name} n’accueille pas le niveau de ${child.first_names}.`
          let states = ''
          let noteOf = ''
          const notes: string[] = []
          const noteIndex = new Map<string, number>()
          const remaining: Array<number | null> = []
          const marks: GridMark[] = []
          const siteCapacity = ins.site_capacity ?? unit.default_capacity
          const rowBookings = bookingOf.get(`${child.id}|${unit.id}`)
          const statuses = never === null ? statusesOf(calendar, calendarUnit, ins.site_id, days) : null
          const slotPrefix = `${unit.id}|${ins.site_id}|`
          const refusalPrefix = `${child.id}|${unit.id}|`
          for (let i = 0; i < days.length; i++) {
            const date = days[i]!.date
            const b = rowBookings?.get(date)
            const refusal = refusals.size === 0 ? null : (refusals.get(refusalPrefix + date) ?? null)
            let code: CellState
            let explanation: string
            let left: number | null = null
            if (b) {
              const cancel =
                b.state === 'sans_reservation'
                  ? { open: false, reason: 'Présence sans réservation (pointage).' }
                  : b.state === 'attente'
                    ? date < today
                      ? { open: false, reason: 'Jour passé.' }
                      : { open: true, reason: 'Retrait de la liste d’attente possible.' }
                    : verdictNow(cancelVerdict(calendar, unit, date), nowMs, date < today)
              const waitRank = b.state === 'attente' ? waitingOrder(waitingBySlot.get(slotPrefix + date) ?? []).findIndex((w) => w.id === b.id) + 1 || null : null
              code = b.state === 'attente' ? 'waiting' : 'booked'
              explanation =
                b.state === 'attente'
                  ? `Sur liste d’attente${waitRank ? ` (rang ${waitRank})` : ''}.`
                  : b.state === 'sans_reservation'
                    ? 'Présent(e) sans réservation.'
                    : 'Réservé.'
              marks.push({ day: i, reservationId: b.id, attendance: b.attendance, pending: pending.has(b.id), waitRank, canCancel: cancel.open, cancelExplanation: cancel.reason, refusal })
            } else {
              if (refusal !== null) marks.push({ day: i, reservationId: null, attendance: null, pending: false, waitRank: null, canCancel: false, cancelExplanation: null, refusal })
              const status = statuses?.[i] ?? null
              if (never !== null) {
                code = 'closed'
                explanation = never
              } else if (status && !status.open) {
                code = 'closed'
                explanation = status.reason
              } else {
                const capacity = capacityRows.length === 0 ? siteCapacity : capacityFor(capacityRows, siteCapacity, unit.id, ins.site_id, date)
                left = capacity - (booked.size === 0 ? 0 : (booked.get(slotPrefix + date) ?? 0))
                if (date < today) {
                  code = 'past'
                  explanation = bookingVerdict(calendar, unit, date).pastText
                } else {
                  const verdict = verdictNow(bookingVerdict(calendar, unit, date), nowMs, false)
                  if (!verdict.open) {
                    code = 'deadline'
                    explanation = verdict.reason
                  } else if (left <= 0) {
                    code = 'full'
                    explanation = `Complet (${capacity} place${capacity > 1 ? 's' : ''}) : liste d’attente possible. ${verdict.reason}`
                  } else {
                    code = 'bookable'
                    explanation = verdict.reason
                  }
                }
              }
            }
            states += CELL_CODES[code]
            let n = noteIndex.get(explanation)
            if (n === undefined) {
              n = notes.push(explanation) - 1
              noteIndex.set(explanation, n)
            }
            noteOf += String.fromCharCode(48 + n)
            remaining.push(left)
          }
          return { unitId: unit.id, unitLabel: unit.label, siteId: ins.site_id, siteName: ins.site_name, states, notes, noteOf, remaining, marks }
        })
      return {
        childId: child.id,
        name: `${child.first_names} ${child.last_name}`.trim(),
        level: child.level,
        schoolName: child.school_name,
        rows,
      }
    }),
  }
}

// ---- bulk booking -----------------------------------------------------------------------------

/** The longest period one bulk booking covers (a school year and its summer). */
const BULK_MAX_DAYS = 366

export async function bulkBook(ctx: HandlerContext, input: Parameters<H['bulk']>[1]): Promise<BulkResult> {
  const { sqlite } = ctx
  if (input.to < input.from) throw invalid('to', 'la fin de la période précède son début')
  if (daysBetween(input.from, input.to) >= BULK_MAX_DAYS) throw invalid('to', 'une période d’un an au plus')
  const unit = units(sqlite).get(input.unitId)
  if (!unit) throw invalid('unitId', 'service inconnu ou fermé')
  const child = prep(sqlite, `SELECT 1 FROM family_members WHERE family_id = ? AND person_id = ? AND role = 'enfant'`)
    .get(input.familyId, input.childId)
  if (!child) throw invalid('childId', 'cet enfant n’est pas rattaché à ce dossier famille')
  const years = new Set([schoolYearOf(input.from), schoolYearOf(input.to)])
  for (const y of years) {
    const loaded = prep(sqlite, `SELECT 1 FROM calendar_periods WHERE school_year = ? AND kind = 'school_year'`).get(y)
    if (!loaded) throw invalid(y === schoolYearOf(input.from) ? 'from' : 'to', `aucun calendrier scolaire n’est chargé pour ${y} : la période est hors de l’année scolaire`)
  }
  const calendars = new Map([...years].map((y) => [y, calendarOf(sqlite, y)]))
  const weekdays = new Set(input.weekdays)
  const result: BulkResult = { booked: [], waitlisted: [], alreadyBooked: [], closed: [], refused: [] }
  const span = daysBetween(input.from, input.to)
  for (let i = 0; i <= span; i++) {
    const date = addDays(input.from, i)
    if (!weekdays.has(weekdayOf(date))) continue
    const status = calendars.get(schoolYearOf(date))!.dayStatus({ id: unit.id, label: unit.label, calendar: unit.calendar }, input.siteId, date)
    if (!status.open) {
      result.closed.push({ date, code: status.code, reason: status.reason })
      continue
    }
    const payload = {
      id: uuidv7({ msecs: ctx.now.getTime() }),
      familyId: input.familyId,
      childId: input.childId,
      unitId: input.unitId,
      siteId: input.siteId,
      date,
      ...(input.waitlist ? { waitlist: true } : {}),
    }
    try {
      // The shared command checks everything before it writes: a refusal leaves nothing behind.
      await runShared(ctx, 'reservations.book', payload)
      const state = prep(ctx.sqlite, 'SELECT state FROM reservations WHERE id = ?').pluck().get(payload.id)
      if (state === 'attente') result.waitlisted.push(date)
      else result.booked.push(date)
    } catch (error) {
      if (!(error instanceof CommandRejection)) throw error
      if (error.code === 'ALREADY_BOOKED') result.alreadyBooked.push(date)
      // The day is the result's own: « Restauration scolaire le 16/11/2026 : » is said once, by the screen.
      else result.refused.push({ date, code: error.code, reason: error.reason.replace(`${unit.label} le ${frenchDay(date)} : `, '') })
    }
  }
  ctx.record('family', input.familyId)
  return result
}

// ---- the waiting list -------------------------------------------------------------------------

export function waitingList(sqlite: Database.Database, unitId: string, siteId: string, date: string): WaitingList {
  const unit = prep(sqlite, 'SELECT default_capacity FROM units WHERE id = ?').get(unitId) as { default_capacity: number } | undefined
  if (!unit) throw notFound(`No unit ${unitId}`)
  const site = prep(sqlite, 'SELECT capacity FROM unit_sites WHERE unit_id = ? AND site_id = ?').get(unitId, siteId) as { capacity: number } | undefined
  const capacities = prep(sqlite, 'SELECT unit_id, site_id, date, capacity FROM capacities WHERE unit_id = ? AND site_id = ?').all(unitId, siteId) as CapacityRow[]
  const capacity = capacityFor(capacities, site?.capacity ?? unit.default_capacity, unitId, siteId, date)
  const booked = prep(sqlite, `SELECT COUNT(*) FROM reservations WHERE unit_id = ? AND site_id = ? AND date = ? AND state = 'reserve'`).pluck().get(unitId, siteId, date) as number
  const rows = prep(
      sqlite,
      `SELECT r.id, r.family_id, f.name AS family_name, p.first_names AS child_name, r.created_at, r.state,
              EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'pending' AND json_extract(o.payload, '$.id') = r.id) AS pending
         FROM reservations r JOIN families f ON f.id = r.family_id JOIN persons p ON p.id = r.child_id
        WHERE r.unit_id = ? AND r.site_id = ? AND r.date = ? AND r.state = 'attente'`,
    )
    .all(unitId, siteId, date) as Array<{ id: string; family_id: string; family_name: string; child_name: string; created_at: string; state: string; pending: number }>
  const ordered = waitingOrder(rows)
  return {
    unitId,
    siteId,
    date,
    capacity,
    booked,
    entries: ordered.map((r, i) => ({
      reservationId: r.id,
      rank: i + 1,
      familyId: r.family_id,
      familyName: r.family_name,
      childName: r.child_name,
      since: r.created_at,
      pending: Boolean(r.pending),
    })),
  }
}

export const bookingsHandlers: H = {
  grid: (ctx, input) => monthGrid(ctx, input.familyId, input.month),
  bulk: (ctx, input) => bulkBook(ctx, input),
  waitingList: (ctx, input) => waitingList(ctx.sqlite, input.unitId, input.siteId, input.date),
  promote: async (ctx, input) => {
    const row = prep(ctx.sqlite, 'SELECT unit_id, site_id, date FROM reservations WHERE id = ?').get(input.reservationId) as
      | { unit_id: string; site_id: string; date: string }
      | undefined
    if (!row) throw notFound(`No reservation ${input.reservationId}`)
    ctx.record('reservation', input.reservationId)
    await runShared(ctx, 'reservations.promote', { id: input.reservationId })
    return waitingList(ctx.sqlite, row.unit_id, row.site_id, row.date)
  },
  ...bookingsSiteHandlers,
  ...bookingsTownHandlers,
}
