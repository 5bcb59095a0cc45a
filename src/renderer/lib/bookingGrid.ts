import type { CalendarPeriodView, GridCell, MonthGrid } from '@shared/contract'
import { addDays, formatDay, weekdayOf } from './format'

/**
 * The month grid of a family (issue 10, item 4): pure helpers for the components under
 * components/bookings/ — month arithmetic, what a cell shows, what toggling it does, the keyboard
 * moves, and the bulk booking form (checks, presets, the result grouped). No Vue, no I/O.
 */

/** '2026-11-16' → '2026-11'. */
export function monthOf(day: string): string {
  return day.slice(0, 7)
}

/** '2026-11' shifted by n months ('2026-12', '2027-01'…). */
export function shiftMonth(month: string, n: number): string {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7)) - 1 + n
  const year = y + Math.floor(m / 12)
  const mm = ((m % 12) + 12) % 12
  return `${String(year).padStart(4, '0')}-${String(mm + 1).padStart(2, '0')}`
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a calendar day. */
export function isoWeekday(day: string): number {
  const w = weekdayOf(day) ?? 1
  return w === 0 ? 7 : w
}

export const WEEKDAY_INITIALS = ['L', 'M', 'M', 'J', 'V', 'S', 'D'] as const

/** 'dd/mm' of a calendar day. */
export function shortDay(day: string): string {
  return formatDay(day).slice(0, 5)
}

/** What toggling a cell does for this agent. */
export type CellAction =
  | 'book' // bookable: book at once
  | 'cancel' // booked, cancellation open: confirm inline
  | 'withdraw' // on the waiting list: leave it (always possible)
  | 'waitlist' // full: offer the waiting list
  | 'overrideBook' // past the deadline (or a past day): a reason, then book with an override
  | 'overrideCancel' // booked, cancellation closed: a reason, then cancel with an override
  | 'none' // nothing to do: the explanation only

export function cellAction(cell: GridCell, canOverride: boolean, today: string): CellAction {
  switch (cell.state) {
    case 'bookable':
      return 'book'
    case 'booked':
      if (cell.canCancel) return 'cancel'
      // A past day is never cancelled (an absence is recorded instead); a closed cancellation
      // (deadline or "never") may be overridden by an allowed role.
      if (canOverride && cell.attendance === null && cell.date >= today) return 'overrideCancel'
      return 'none'
    case 'waiting':
      return 'withdraw'
    case 'full':
      return 'waitlist'
    case 'deadline':
    case 'past':
      return canOverride && cell.attendance === null ? 'overrideBook' : 'none'
    case 'closed':
      return 'none'
  }
}

/** The short text drawn in a cell (its meaning is in the cell's accessible name and the legend). */
export function cellGlyph(cell: GridCell): string {
  if (cell.attendance === 'present') return 'P'
  if (cell.attendance === 'absent_justifie') return 'AJ'
  if (cell.attendance === 'absent_injustifie') return 'AI'
  switch (cell.state) {
    case 'booked':
      return '✓'
    case 'waiting':
      return cell.waitRank ? `A${cell.waitRank}` : 'A'
    case 'full':
      return 'C'
    case 'deadline':
      return '⊘'
    case 'bookable':
      return '+'
    default:
      return ''
  }
}

/** A position in the grid: a row (across the children, in order) and a day (index in the month). */
export interface GridPos {
  row: number
  day: number
}

export type Move = { pos: GridPos } | { month: -1 | 1 } | null

/** The keyboard moves of the grid (WAI-ARIA grid pattern); PageUp/PageDown change month. */
export function moveFor(key: string, pos: GridPos, rows: number, days: number, ctrl = false): Move {
  const clamp = (p: GridPos): GridPos => ({ row: Math.max(0, Math.min(rows - 1, p.row)), day: Math.max(0, Math.min(days - 1, p.day)) })
  switch (key) {
    case 'ArrowLeft':
      return { pos: clamp({ ...pos, day: pos.day - 1 }) }
    case 'ArrowRight':
      return { pos: clamp({ ...pos, day: pos.day + 1 }) }
    case 'ArrowUp':
      return { pos: clamp({ ...pos, row: pos.row - 1 }) }
    case 'ArrowDown':
      return { pos: clamp({ ...pos, row: pos.row + 1 }) }
    case 'Home':
      return { pos: ctrl ? clamp({ row: 0, day: 0 }) : clamp({ ...pos, day: 0 }) }
    case 'End':
      return { pos: ctrl ? clamp({ row: rows - 1, day: days - 1 }) : clamp({ ...pos, day: days - 1 }) }
    case 'PageUp':
      return { month: -1 }
    case 'PageDown':
      return { month: 1 }
    default:
      return null
  }
}

/** The rows of a grid flattened across the children (the order of the keyboard moves). */
export interface FlatRow {
  childIndex: number
  childId: string
  childName: string
  unitId: string
  unitLabel: string
  siteId: string | null
  siteName: string | null
  cells: GridCell[]
}

export function flatRows(grid: MonthGrid): FlatRow[] {
  return grid.children.flatMap((c, childIndex) =>
    c.rows.map((r) => ({
      childIndex,
      childId: c.childId,
      childName: c.name,
      unitId: r.unitId,
      unitLabel: r.unitLabel,
      siteId: r.siteId,
      siteName: r.siteName,
      cells: r.cells,
    })),
  )
}

/** The first cell to focus in a month: today when shown, else the first open day, else the first. */
export function initialPos(grid: MonthGrid, today: string, row = 0): GridPos {
  const rows = flatRows(grid)
  const r = Math.max(0, Math.min(rows.length - 1, row))
  const todayIndex = grid.days.findIndex((d) => d.date === today)
  if (todayIndex >= 0) return { row: r, day: todayIndex }
  const cells = rows[r]?.cells ?? []
  const open = cells.findIndex((c) => c.state !== 'closed')
  return { row: r, day: Math.max(0, open) }
}

// --- Bulk booking ---------------------------------------------------------------------------

/** The weekdays offered for a service's calendar: a Wednesday service only runs on Wednesdays. */
export function weekdaysFor(calendar: string | null | undefined): number[] {
  if (calendar === 'wednesdays') return [3]
  if (calendar === 'school_days') return [1, 2, 4, 5]
  return [1, 2, 3, 4, 5]
}

export interface BulkDraft {
  weekdays: number[]
  from: string
  to: string
}

/** The school year in force for a day: its span in the calendar (null when none is loaded). */
export function schoolYearSpan(periods: readonly CalendarPeriodView[], day: string): { label: string; first: string; last: string } | null {
  const years = periods.filter((p) => p.kind === 'school_year')
  // The year whose span (1 September … 31 August) holds the day.
  for (const y of years) {
    const start = `${y.schoolYear.slice(0, 4)}-09-01`
    const end = `${y.schoolYear.slice(5, 9)}-08-31`
    if (day >= start && day <= end) return { label: y.schoolYear, first: y.firstDay, last: y.lastDay }
  }
  return null
}

export type BulkProblem =
  | { key: 'noWeekday' }
  | { key: 'missingDates' }
  | { key: 'toBeforeFrom' }
  | { key: 'outsideYear'; year: string; first: string; last: string }
  | { key: 'noYear'; day: string }

/** What is wrong with the form before anything is sent (null: send it). */
export function bulkProblem(draft: BulkDraft, periods: readonly CalendarPeriodView[] | null): BulkProblem | null {
  if (draft.weekdays.length === 0) return { key: 'noWeekday' }
  if (!draft.from || !draft.to) return { key: 'missingDates' }
  if (draft.to < draft.from) return { key: 'toBeforeFrom' }
  if (periods && periods.some((p) => p.kind === 'school_year')) {
    const year = schoolYearSpan(periods, draft.from)
    if (!year) return { key: 'noYear', day: draft.from }
    // A school year's span for booking: from its rentrée to the end of its summer (holiday services).
    const end = `${year.label.slice(5, 9)}-08-31`
    if (draft.to > end || draft.from < `${year.label.slice(0, 4)}-09-01`) {
      return { key: 'outsideYear', year: year.label, first: year.first, last: year.last }
    }
  }
  return null
}

/** « jusqu’aux prochaines vacances »: the day before the next holiday that starts after `from`. */
export function untilNextHolidays(from: string, periods: readonly CalendarPeriodView[]): string | null {
  const next = periods
    .filter((p) => p.kind === 'holiday' && p.unitId === null && p.firstDay > from)
    .sort((a, b) => a.firstDay.localeCompare(b.firstDay))[0]
  return next ? addDays(next.firstDay, -1) : null
}

/** « jusqu’à la fin de l’année scolaire »: the last day of class of the school year of `from`. */
export function untilEndOfYear(from: string, periods: readonly CalendarPeriodView[]): string | null {
  return schoolYearSpan(periods, from)?.last ?? null
}

export interface DayRange {
  first: string
  last: string
  count: number
  reason: string
}

/**
 * Closed days grouped: consecutive skipped days (in the order given, a day at most a week after
 * the previous one, weekends in between) with the same reason make one range.
 */
export function groupSkipped(days: ReadonlyArray<{ date: string; reason: string }>): DayRange[] {
  const out: DayRange[] = []
  for (const d of [...days].sort((a, b) => a.date.localeCompare(b.date))) {
    const last = out[out.length - 1]
    if (last && last.reason === d.reason && d.date <= addDays(last.last, 7)) {
      last.last = d.date
      last.count++
    } else {
      out.push({ first: d.date, last: d.date, count: 1, reason: d.reason })
    }
  }
  return out
}

const WEEKDAY_NAMES = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'] as const

/** '2026-11-19' → 'jeudi 19/11/2026' (spoken in full: the grid's cell names and explanations). */
export function longDay(day: string): string {
  return `${WEEKDAY_NAMES[isoWeekday(day) - 1]} ${formatDay(day)}`
}
