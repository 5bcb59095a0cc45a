import { formatPhone as formatStoredPhone } from '@shared/validation/phone'
/** Display helpers: French conventions, calendar days in Europe/Paris. Pure functions. */

export const TIME_ZONE = 'Europe/Paris'

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/

function parseDay(day: string): { y: number; m: number; d: number } | null {
  const match = DAY_RE.exec(day)
  if (!match) return null
  const y = Number(match[1])
  const m = Number(match[2])
  const d = Number(match[3])
  if (m < 1 || m > 12 || d < 1 || d > 31) return null
  return { y, m, d }
}

const dayFormatter = new Intl.DateTimeFormat('fr-FR', {
  timeZone: TIME_ZONE,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
})

/** '2018-03-12' → '12/03/2018'. Unparseable input is returned as is. */
export function formatDay(day: string | null | undefined): string {
  if (!day) return ''
  const p = parseDay(day)
  if (!p) return day
  // Noon UTC is the same calendar day in Europe/Paris whatever the season.
  return dayFormatter.format(new Date(Date.UTC(p.y, p.m - 1, p.d, 12)))
}

/** Today's calendar day in Europe/Paris as YYYY-MM-DD. */
export function todayInParis(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return `${get('year')}-${get('month')}-${get('day')}`
}

export interface Age {
  years: number
  /** Whole months, for children under two (where "18 mois" says more than "1 an"). */
  months: number
}

/** Age on `today` (YYYY-MM-DD) of someone born on `birth`; null if unknown or in the future. */
export function ageOn(birth: string | null | undefined, today: string): Age | null {
  if (!birth) return null
  const b = parseDay(birth)
  const t = parseDay(today)
  if (!b || !t) return null
  let months = (t.y - b.y) * 12 + (t.m - b.m)
  if (t.d < b.d) months -= 1
  if (months < 0) return null
  return { years: Math.floor(months / 12), months }
}

/**
 * A phone number as a person reads it (libphonenumber-js, src/shared/validation/phone.ts): French
 * numbers the French way ('+33612345678' → '06 12 34 56 78'), others internationally.
 */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return ''
  return formatStoredPhone(phone.trim())
}

/** Compare two names ignoring case, accents and spacing (is the birth name really different?). */
export function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (s: string | null | undefined) =>
    (s ?? '')
      .normalize('NFD')
      .replace(/\p{Diacritic}/gu, '')
      .replace(/[\s'’-]+/g, ' ')
      .trim()
      .toLocaleLowerCase('fr-FR')
  return norm(a) === norm(b)
}

const weekdayFormatter = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, weekday: 'short' })

/** '2027-03-12' → 'ven. 12/03/2027' (abbreviated French weekday, then the day). */
export function formatDayWithWeekday(day: string | null | undefined): string {
  if (!day) return ''
  const p = parseDay(day)
  if (!p) return day
  const date = new Date(Date.UTC(p.y, p.m - 1, p.d, 12))
  return `${weekdayFormatter.format(date)} ${dayFormatter.format(date)}`
}

/** Day of the week of a calendar day: 0 = Sunday … 6 = Saturday; null if unparseable. */
export function weekdayOf(day: string): number | null {
  const p = parseDay(day)
  return p ? new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay() : null
}

/** The calendar day `n` days after `day` (YYYY-MM-DD). */
export function addDays(day: string, n: number): string {
  const p = parseDay(day)
  if (!p) return day
  const d = new Date(Date.UTC(p.y, p.m - 1, p.d + n))
  return d.toISOString().slice(0, 10)
}

/** Days with school (the usual four-day week): Monday, Tuesday, Thursday, Friday. */
export const SCHOOL_WEEKDAYS: readonly number[] = [1, 2, 4, 5]

/** The first school day strictly after `today` (school holidays are not known here). */
export function nextSchoolDay(today: string): string {
  let day = addDays(today, 1)
  for (let i = 0; i < 7; i++) {
    const w = weekdayOf(day)
    if (w !== null && SCHOOL_WEEKDAYS.includes(w)) return day
    day = addDays(day, 1)
  }
  return day
}

const timeFormatter = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit' })

const longDayFormatter = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric' })

/** An ISO instant as a Date, or null when absent or invalid. */
export function parseInstant(iso: string | null | undefined): Date | null {
  if (!iso) return null
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? null : d
}

/** An instant as Paris wall-clock time: '2027-03-12T13:32:00Z' → '14:32'. */
export function formatTime(iso: string | null | undefined): string {
  const d = parseInstant(iso)
  return d ? timeFormatter.format(d) : ''
}

/** An instant as its Paris day, in words: '2026-12-01T13:05:00Z' → '1 décembre 2026'. */
export function formatLongDate(iso: string | null | undefined): string {
  const d = parseInstant(iso)
  return d ? longDayFormatter.format(d) : ''
}

/** An instant as Paris date and time: '12/03/2027 14:32'. */
export function formatDateTime(iso: string | null | undefined): string {
  const d = parseInstant(iso)
  return d ? `${dayFormatter.format(d)} ${timeFormatter.format(d)}` : ''
}

/** A recent instant, short: the time alone when it is today in Paris, else date and time. */
export function formatMoment(iso: string | null | undefined, now: Date = new Date()): string {
  const d = parseInstant(iso)
  if (!d) return ''
  return todayInParis(d) === todayInParis(now) ? timeFormatter.format(d) : formatDateTime(iso)
}

const numberFormatter = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 })

/** 110000 → '110 000' (French digit grouping). */
export function formatCount(n: number): string {
  return numberFormatter.format(n)
}

const monthFormatter = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, month: 'long', year: 'numeric' })

/** '2026-11' (or a day of it) → 'novembre 2026'. Unparseable input is returned as is. */
export function formatMonth(month: string | null | undefined): string {
  if (!month) return ''
  const m = /^(\d{4})-(\d{2})/.exec(month)
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) return month
  return monthFormatter.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 15, 12)))
}
