/**
 * School years and calendar-day arithmetic (pure: no time zone, days are "YYYY-MM-DD").
 *
 * A school year "2026-2027" runs from 1 September 2026 to 31 August 2027, both included
 * (the civil bounds the documents' "covers a school year" rule uses; the school calendar's
 * own term dates are another matter).
 */
import { isCalendarDay } from '../validation/text'
import { schoolYearOf } from './dates'

export { schoolYearOf }

const SCHOOL_YEAR_RE = /^(\d{4})-(\d{4})$/

/** True for "2026-2027" (two consecutive years), false for "2026-2028", "2026/2027"… */
export function isSchoolYear(label: string): boolean {
  const m = SCHOOL_YEAR_RE.exec(label)
  return !!m && Number(m[2]) === Number(m[1]) + 1 && Number(m[1]) >= 1900 && Number(m[2]) <= 2100
}

/** Throws a RangeError unless `label` is a school year like "2026-2027". */
export function assertSchoolYear(label: string, name = 'année scolaire'): void {
  if (!isSchoolYear(label)) throw new RangeError(`${name} : « ${label} » n'est pas une année scolaire AAAA-AAAA`)
}

/** The first and last days of a school year: "2026-2027" → 2026-09-01 … 2027-08-31. */
export function schoolYearBounds(label: string): { start: string; end: string } {
  assertSchoolYear(label)
  const first = Number(label.slice(0, 4))
  return { start: `${first}-09-01`, end: `${first + 1}-08-31` }
}

/** The school year after: "2026-2027" → "2027-2028". */
export function nextSchoolYear(label: string): string {
  assertSchoolYear(label)
  const first = Number(label.slice(0, 4)) + 1
  return `${first}-${first + 1}`
}

/** The school year before: "2026-2027" → "2025-2026". */
export function previousSchoolYear(label: string): string {
  assertSchoolYear(label)
  const first = Number(label.slice(0, 4)) - 1
  return `${first}-${first + 1}`
}

// ---- calendar-day arithmetic -------------------------------------------------------------

/** Throws a RangeError unless `day` is a real calendar day (2028-02-29 yes, 2027-02-29, 'abc' no). */
export function assertDay(day: string, name = 'date'): void {
  if (typeof day !== 'string' || !isCalendarDay(day)) throw new RangeError(`${name} : « ${String(day)} » n'est pas une date AAAA-MM-JJ valide`)
}

const pad2 = (n: number) => String(n).padStart(2, '0')
const formatDay = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`

/** Days in month `month` (1–12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate()
}

/**
 * The same day `months` calendar months later (or earlier when negative), clamped to the end
 * of the month: 2026-11-30 + 3 → 2027-02-28; 2028-02-29 + 12 → 2029-02-28; 2027-01-31 + 1 → 2027-02-28.
 */
export function addMonths(day: string, months: number): string {
  const y = Number(day.slice(0, 4))
  const m = Number(day.slice(5, 7))
  const d = Number(day.slice(8, 10))
  const total = y * 12 + (m - 1) + months
  const ny = Math.floor(total / 12)
  const nm = total - ny * 12 + 1
  return formatDay(ny, nm, Math.min(d, daysInMonth(ny, nm)))
}

const dayNumber = (day: string) => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))) / 86_400_000

/** `day` plus `days` days (negative: before). */
export function addDays(day: string, days: number): string {
  const date = new Date((dayNumber(day) + days) * 86_400_000)
  return formatDay(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())
}

/** Whole days from `from` to `to` (negative when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  return Math.round(dayNumber(to) - dayNumber(from))
}

/** The first day of the month after `day`: 2026-12-15 → 2027-01-01. */
export function firstDayOfNextMonth(day: string): string {
  return addMonths(`${day.slice(0, 7)}-01`, 1)
}
