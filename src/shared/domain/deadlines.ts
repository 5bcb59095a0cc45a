/**
 * Booking and cancellation deadlines (pure: an explicit `now`, no Node, no DOM; Intl only).
 *
 * Every wall time is Europe/Paris and every day "YYYY-MM-DD". A rule gives the deadline of a
 * service day; booking is open while `now` is strictly before it AND the service day is not
 * before today in Paris (a past day is closed whatever the rule).
 *
 * - days_before: the n-th day before the service day, counting only working days (Monday to
 *   Friday, not a public holiday) when `working`, else calendar days; n = 0 is the day itself.
 * - weekday_prev_week: that ISO weekday (1 = Monday) of the ISO week before the service day's week.
 * - day_prev_month: day `day` (clamped to the month's last day) of the month before.
 * - none: no deadline; open until the day is past (today still open).
 *
 * Computed deadlines are cached per `publicHolidays` array (by identity): treat those arrays as
 * immutable (SchoolCalendar.publicHolidays() returns the same one each time).
 */
import { z } from 'zod'
import { parisDay, TIME_ZONE } from './dates'
import { addDays, daysInMonth } from './schoolYear'

export type DeadlineRule =
  | { kind: 'days_before'; n: number; working: boolean; at: string }
  | { kind: 'weekday_prev_week'; weekday: number; at: string }
  | { kind: 'day_prev_month'; day: number; at: string }
  | { kind: 'none' }
export type CancelRule = { kind: 'same' } | { kind: 'never' } | DeadlineRule

// ---- schemas ---------------------------------------------------------------------------

const HHMM_RE = /^(?:[01]\d|2[0-3]):[0-5]\d$/
const At = z.string().regex(HHMM_RE, 'heure attendue au format HH:MM (00:00 à 23:59)')
const int = (min: number, max: number, what: string) =>
  z
    .number()
    .int(`${what} : nombre entier attendu`)
    .min(min, `${what} : au moins ${min}`)
    .max(max, `${what} : au plus ${max}`)

/** A strict object whose unknown keys are refused in French. */
const strict = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? `champ inconnu : ${iss.keys.join(', ')}` : undefined),
  })
const UNKNOWN_KIND = { error: 'type de règle inconnu' }

const DaysBefore = strict({ kind: z.literal('days_before'), n: int(0, 60, 'nombre de jours'), working: z.boolean(), at: At })
const WeekdayPrevWeek = strict({ kind: z.literal('weekday_prev_week'), weekday: int(1, 7, 'jour de la semaine'), at: At })
const DayPrevMonth = strict({ kind: z.literal('day_prev_month'), day: int(1, 31, 'jour du mois'), at: At })
const NoDeadline = strict({ kind: z.literal('none') })

export const DeadlineRuleSchema: z.ZodType<DeadlineRule> = z.discriminatedUnion('kind', [DaysBefore, WeekdayPrevWeek, DayPrevMonth, NoDeadline], UNKNOWN_KIND)
export const CancelRuleSchema: z.ZodType<CancelRule> = z.discriminatedUnion('kind', [
  strict({ kind: z.literal('same') }),
  strict({ kind: z.literal('never') }),
  DaysBefore,
  WeekdayPrevWeek,
  DayPrevMonth,
  NoDeadline,
], UNKNOWN_KIND)

function parseJson<T>(json: string, schema: z.ZodType<T>, what: string): T {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    throw new Error(`${what} illisible (JSON invalide)`)
  }
  const r = schema.safeParse(value)
  if (!r.success) {
    const issue = r.error.issues[0]
    const path = issue && issue.path.length ? ` (${issue.path.join('.')})` : ''
    throw new Error(`${what} invalide${path} : ${issue?.message ?? 'forme inconnue'}`)
  }
  return r.data
}

/** A DeadlineRule from its stored JSON; throws a French Error on bad JSON or a bad shape. */
export function parseRule(json: string): DeadlineRule {
  return parseJson(json, DeadlineRuleSchema, 'Règle de réservation')
}

/** A CancelRule from its stored JSON; throws a French Error on bad JSON or a bad shape. */
export function parseCancelRule(json: string): CancelRule {
  return parseJson(json, CancelRuleSchema, 'Règle d’annulation')
}

// ---- Paris wall time -------------------------------------------------------------------

const partsFormatter = new Intl.DateTimeFormat('en-US', {
  timeZone: TIME_ZONE,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

interface WallParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

function wallParts(t: number): WallParts {
  const p: Record<string, number> = {}
  for (const part of partsFormatter.formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value)
  }
  return { year: p.year!, month: p.month!, day: p.day!, hour: p.hour! % 24, minute: p.minute!, second: p.second! }
}

/** Paris offset from UTC at instant t, in ms (+1 h in winter, +2 h in summer). */
function offsetAt(t: number): number {
  const w = wallParts(t)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - Math.floor(t / 1000) * 1000
}

const wallCache = new Map<string, number>()

/**
 * The instant of wall time `hhmm` on `day` in Europe/Paris. DST-safe: a wall time that does not
 * exist (the spring gap, 2027-03-28 02:30) is read with the offset before the change, i.e. it
 * lands one hour later (03:30 CEST); an ambiguous one (2026-10-25 02:30) is the first (+02:00).
 */
export function parisWallTime(day: string, hhmm: string): Date {
  const key = `${day} ${hhmm}`
  const cached = wallCache.get(key)
  if (cached !== undefined) return new Date(cached)
  const y = Number(day.slice(0, 4))
  const mo = Number(day.slice(5, 7))
  const d = Number(day.slice(8, 10))
  const h = Number(hhmm.slice(0, 2))
  const mi = Number(hhmm.slice(3, 5))
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || !HHMM_RE.test(hhmm)) throw new RangeError(`heure de Paris invalide : « ${day} ${hhmm} »`)
  const wall = Date.UTC(y, mo - 1, d, h, mi)
  const before = offsetAt(wall - 86_400_000)
  const after = offsetAt(wall + 86_400_000)
  const candidates = [wall - before, wall - after].filter((t) => offsetAt(t) === wall - t)
  // Both valid: the ambiguous hour, take the earlier instant. None valid: the gap, the offset before it.
  const result = candidates.length ? Math.min(...candidates) : wall - before
  if (wallCache.size > 20_000) wallCache.clear()
  wallCache.set(key, result)
  return new Date(result)
}

// ---- deadlines -------------------------------------------------------------------------

/** parisDay(now), remembered for the last instant asked (a grid asks hundreds of times with the same now). */
let lastNow = Number.NaN
let lastToday = ''
function todayInParis(now: Date): string {
  const t = now.getTime()
  if (t !== lastNow) {
    lastToday = parisDay(now)
    lastNow = t
  }
  return lastToday
}

const holidaySets = new WeakMap<readonly string[], ReadonlySet<string>>()
function holidaySet(publicHolidays: readonly string[]): ReadonlySet<string> {
  let set = holidaySets.get(publicHolidays)
  if (!set) {
    set = new Set(publicHolidays)
    holidaySets.set(publicHolidays, set)
  }
  return set
}

/** ISO weekday of a day: 1 = Monday … 7 = Sunday. */
export function isoWeekday(day: string): number {
  const wd = new Date(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))).getUTCDay()
  return wd === 0 ? 7 : wd
}

/** Monday to Friday and not a public holiday. */
export function isWorkingDay(day: string, publicHolidays: readonly string[]): boolean {
  return isoWeekday(day) <= 5 && !holidaySet(publicHolidays).has(day)
}

/** The Paris day on which the rule's deadline falls for `serviceDay` (null for none). */
export function deadlineDay(rule: DeadlineRule, serviceDay: string, publicHolidays: readonly string[]): string | null {
  switch (rule.kind) {
    case 'none':
      return null
    case 'days_before': {
      if (!rule.working) return addDays(serviceDay, -rule.n)
      const holidays = holidaySet(publicHolidays)
      let day = serviceDay
      let count = 0
      while (count < rule.n) {
        day = addDays(day, -1)
        if (isoWeekday(day) <= 5 && !holidays.has(day)) count++
      }
      return day
    }
    case 'weekday_prev_week': {
      const monday = addDays(serviceDay, 1 - isoWeekday(serviceDay))
      return addDays(monday, rule.weekday - 1 - 7)
    }
    case 'day_prev_month': {
      let y = Number(serviceDay.slice(0, 4))
      let m = Number(serviceDay.slice(5, 7)) - 1
      if (m === 0) {
        m = 12
        y -= 1
      }
      const d = Math.min(rule.day, daysInMonth(y, m))
      return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`
    }
  }
}

/** The deadline instant for booking `serviceDay` under `rule` (null: no deadline). */
export function bookingDeadline(rule: DeadlineRule, serviceDay: string, publicHolidays: readonly string[]): Date | null {
  if (rule.kind === 'none') return null
  const t = deadlineTime(rule, serviceDay, publicHolidays)
  return new Date(t)
}

/** Deadlines already computed, per public-holiday list (by identity), by rule and day. */
const deadlineCache = new WeakMap<readonly string[], Map<string, number>>()
function ruleKey(rule: Exclude<DeadlineRule, { kind: 'none' }>): string {
  switch (rule.kind) {
    case 'days_before':
      return `b${rule.n}${rule.working ? 'w' : 'c'}${rule.at}`
    case 'weekday_prev_week':
      return `w${rule.weekday}${rule.at}`
    case 'day_prev_month':
      return `m${rule.day}${rule.at}`
  }
}
function deadlineTime(rule: Exclude<DeadlineRule, { kind: 'none' }>, serviceDay: string, publicHolidays: readonly string[]): number {
  let cache = deadlineCache.get(publicHolidays)
  if (!cache) {
    cache = new Map()
    deadlineCache.set(publicHolidays, cache)
  }
  const key = `${ruleKey(rule)} ${serviceDay}`
  let t = cache.get(key)
  if (t === undefined) {
    t = parisWallTime(deadlineDay(rule, serviceDay, publicHolidays)!, rule.at).getTime()
    if (cache.size > 50_000) cache.clear()
    cache.set(key, t)
  }
  return t
}

/** True while `now` is before the deadline and the service day is not before today in Paris. */
export function bookingOpen(rule: DeadlineRule, serviceDay: string, now: Date, publicHolidays: readonly string[]): boolean {
  if (serviceDay < todayInParis(now)) return false
  return rule.kind === 'none' || now.getTime() < deadlineTime(rule, serviceDay, publicHolidays)
}

// ---- French wording --------------------------------------------------------------------

const WEEKDAYS = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'] as const

/** "mardi" for ISO weekday 2. */
export function frenchWeekday(isoDay: number): string {
  return WEEKDAYS[isoDay - 1] ?? '?'
}

/** "10/11" from "2026-11-10". */
export function dayMonth(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}`
}

/** "mardi 10/11" from "2026-11-10". */
export function weekdayDayMonth(day: string): string {
  return `${frenchWeekday(isoWeekday(day))} ${dayMonth(day)}`
}

const pad2 = (n: number) => String(n).padStart(2, '0')

/** "mardi 10/11 à 23:59": an instant as Paris wall time. */
const instantTexts = new Map<number, string>()
export function frenchInstant(at: Date): string {
  const t = at.getTime()
  const cached = instantTexts.get(t)
  if (cached !== undefined) return cached
  const w = wallParts(t)
  const day = `${String(w.year).padStart(4, '0')}-${pad2(w.month)}-${pad2(w.day)}`
  const text = `${weekdayDayMonth(day)} à ${pad2(w.hour)}:${pad2(w.minute)}`
  if (instantTexts.size > 20_000) instantTexts.clear()
  instantTexts.set(t, text)
  return text
}

export interface DeadlineExplanation {
  open: boolean
  deadline: Date | null
  reason: string
}

/** Open or not, the deadline, and a French sentence for the agent or the family. */
export function explainBooking(rule: DeadlineRule, serviceDay: string, now: Date, publicHolidays: readonly string[]): DeadlineExplanation {
  const deadline = bookingDeadline(rule, serviceDay, publicHolidays)
  if (serviceDay < todayInParis(now)) {
    return { open: false, deadline, reason: `Jour passé : le ${dayMonth(serviceDay)} ne peut plus être réservé.` }
  }
  if (deadline === null) return { open: true, deadline, reason: `Inscriptions ouvertes jusqu’au ${weekdayDayMonth(serviceDay)} (sans délai)` }
  const open = now.getTime() < deadline.getTime()
  return {
    open,
    deadline,
    reason: open ? `Inscriptions ouvertes jusqu’au ${frenchInstant(deadline)}` : `Inscriptions closes le ${frenchInstant(deadline)}`,
  }
}

const NEVER_REASON = 'Pas d’annulation une fois réservé : signalez plutôt une absence justifiée.'

/** The deadline rule a cancellation follows (null: never). */
function cancelDeadlineRule(cancel: CancelRule, booking: DeadlineRule): DeadlineRule | null {
  if (cancel.kind === 'same') return booking
  if (cancel.kind === 'never') return null
  return cancel
}

/** Open or not, the deadline, and a French sentence, for cancelling a booking of `serviceDay`. */
export function explainCancel(
  cancel: CancelRule,
  booking: DeadlineRule,
  serviceDay: string,
  now: Date,
  publicHolidays: readonly string[],
): DeadlineExplanation {
  const rule = cancelDeadlineRule(cancel, booking)
  if (rule === null) return { open: false, deadline: null, reason: NEVER_REASON }
  const deadline = bookingDeadline(rule, serviceDay, publicHolidays)
  if (serviceDay < todayInParis(now)) {
    return { open: false, deadline, reason: `Jour passé : le ${dayMonth(serviceDay)} ne peut plus être annulé.` }
  }
  if (deadline === null) return { open: true, deadline, reason: `Annulation possible jusqu’au ${weekdayDayMonth(serviceDay)} (sans délai)` }
  const open = now.getTime() < deadline.getTime()
  return {
    open,
    deadline,
    reason: open ? `Annulation possible jusqu’au ${frenchInstant(deadline)}` : `Annulation close le ${frenchInstant(deadline)}`,
  }
}

/** True while a booking of `serviceDay` may still be cancelled. */
export function cancelOpen(cancel: CancelRule, booking: DeadlineRule, serviceDay: string, now: Date, publicHolidays: readonly string[]): boolean {
  const rule = cancelDeadlineRule(cancel, booking)
  return rule !== null && bookingOpen(rule, serviceDay, now, publicHolidays)
}

/** "2 jours ouvrés avant, à 10:00" (the settings screen). */
export function describeRule(rule: DeadlineRule): string {
  switch (rule.kind) {
    case 'none':
      return 'Sans délai : jusqu’au jour même'
    case 'days_before':
      if (rule.n === 0) return `Le jour même, à ${rule.at}`
      return `${rule.n} jour${rule.n > 1 ? 's' : ''}${rule.working ? (rule.n > 1 ? ' ouvrés' : ' ouvré') : ''} avant, à ${rule.at}`
    case 'weekday_prev_week':
      return `Le ${frenchWeekday(rule.weekday)} de la semaine précédente, à ${rule.at}`
    case 'day_prev_month':
      return rule.day >= 29
        ? `Le ${rule.day} du mois précédent (ou son dernier jour), à ${rule.at}`
        : `Le ${rule.day === 1 ? '1er' : rule.day} du mois précédent, à ${rule.at}`
  }
}

/** "Comme l’inscription", "Pas d’annulation une fois réservé" or the rule's own description. */
export function describeCancelRule(rule: CancelRule): string {
  if (rule.kind === 'same') return 'Comme l’inscription'
  if (rule.kind === 'never') return 'Pas d’annulation une fois réservé'
  return describeRule(rule)
}
