/**
 * The school calendar (pure): which services run on which days, and a plain French reason when
 * one does not. Built from calendar_periods rows (school year, holidays, public holidays, town
 * closures); every lookup after the constructor is a few Map/Set reads.
 *
 * - school_days services (garderie, restauration, étude…): Monday, Tuesday, Thursday, Friday
 *   inside the term [school_year.first_day, school_year.last_day], outside holidays.
 * - wednesdays services: Wednesdays inside the term, outside holidays.
 * - holidays services: Monday to Friday inside a holiday period of a loaded school year.
 * All: never on a public holiday, never on a closure that applies (its unit_id null or the unit,
 * its site_id null or the site).
 */
import { schoolYearOf as civilSchoolYearOf } from './dates'
import { dayMonth, frenchWeekday, isoWeekday, weekdayDayMonth } from './deadlines'
import { addDays, daysBetween } from './schoolYear'
import { isCalendarDay } from '../validation/text'

export const unitCalendars = ['school_days', 'wednesdays', 'holidays'] as const
export type UnitCalendar = (typeof unitCalendars)[number]
export const periodKinds = ['school_year', 'holiday', 'public_holiday', 'closure'] as const
export type PeriodKind = (typeof periodKinds)[number]

export interface CalendarPeriod {
  id: string
  school_year: string
  kind: PeriodKind
  label: string
  first_day: string
  last_day: string
  unit_id: string | null
  site_id: string | null
}

export type DayStatus = { open: true } | { open: false; code: string; reason: string }

export interface CalendarUnit {
  id: string
  label: string
  calendar: UnitCalendar
}

export const dayStatusCodes = [
  'INVALID_DAY',
  'NO_CALENDAR',
  'PUBLIC_HOLIDAY',
  'CLOSURE',
  'HOLIDAY',
  'WEEKEND',
  'WEDNESDAY',
  'NOT_WEDNESDAY',
  'NOT_HOLIDAY',
  'OUTSIDE_TERM',
] as const
export type DayStatusCode = (typeof dayStatusCodes)[number]

const OPEN: DayStatus = Object.freeze({ open: true })

/** Longest period expanded day by day (a year and a bit): a longer row is a data error. */
const MAX_SPAN = 400

/** "pas de Restauration scolaire" / "pas d’Accueil de loisirs…" (elision before a vowel or h). */
function pasDe(label: string): string {
  return /^[aeiouyhàâäéèêëîïôöùûü]/i.test(label) ? `pas d’${label}` : `pas de ${label}`
}

export class SchoolCalendar {
  /** school year → its term (school_year row). */
  private readonly terms = new Map<string, { first: string; last: string }>()
  private readonly publicHolidayLabels = new Map<string, string>()
  private readonly holidayLabels = new Map<string, string>()
  private readonly closuresByDay = new Map<string, CalendarPeriod[]>()
  private readonly holidayList: string[]
  /** Per-day facts computed once (valid day, loaded school year, ISO weekday). */
  private readonly dayInfo = new Map<string, { year: string | null; weekday: number } | null>()

  constructor(periods: readonly CalendarPeriod[]) {
    const eachDay = (p: CalendarPeriod, f: (day: string) => void) => {
      if (!isCalendarDay(p.first_day) || !isCalendarDay(p.last_day)) return
      const span = daysBetween(p.first_day, p.last_day)
      if (span < 0 || span > MAX_SPAN) return
      for (let i = 0; i <= span; i++) f(addDays(p.first_day, i))
    }
    for (const p of periods) {
      switch (p.kind) {
        case 'school_year':
          if (isCalendarDay(p.first_day) && isCalendarDay(p.last_day)) this.terms.set(p.school_year, { first: p.first_day, last: p.last_day })
          break
        case 'public_holiday':
          eachDay(p, (d) => this.publicHolidayLabels.set(d, p.label))
          break
        case 'holiday':
          eachDay(p, (d) => this.holidayLabels.set(d, p.label))
          break
        case 'closure':
          eachDay(p, (d) => {
            const list = this.closuresByDay.get(d)
            if (list) list.push(p)
            else this.closuresByDay.set(d, [p])
          })
          break
      }
    }
    this.holidayList = [...this.publicHolidayLabels.keys()].sort()
  }

  /** Every public-holiday day loaded, sorted (the same array each call: pass it to the deadline functions, do not mutate it). */
  publicHolidays(): string[] {
    return this.holidayList
  }

  /** The loaded school year whose span (1 September … 31 August) holds `day`, if it has a school_year row. */
  schoolYearOf(day: string): string | null {
    if (!isCalendarDay(day)) return null
    const year = civilSchoolYearOf(day)
    return this.terms.has(year) ? year : null
  }

  /** The term (rentrée … last day of class) of a loaded school year. */
  term(schoolYear: string): { first: string; last: string } | null {
    return this.terms.get(schoolYear) ?? null
  }

  /** The public holiday's label on `day`, or null. */
  publicHolidayLabel(day: string): string | null {
    return this.publicHolidayLabels.get(day) ?? null
  }

  /** The school holiday's label on `day` ("Vacances de Noël"), or null. */
  holidayLabel(day: string): string | null {
    return this.holidayLabels.get(day) ?? null
  }

  /** The first closure applying to the unit at the site on `day`, or null. */
  closureOn(unitId: string, siteId: string, day: string): CalendarPeriod | null {
    const list = this.closuresByDay.get(day)
    if (!list) return null
    for (const c of list) {
      if ((c.unit_id === null || c.unit_id === unitId) && (c.site_id === null || c.site_id === siteId)) return c
    }
    return null
  }

  /** Why `unit` (by its calendar kind) is closed at `siteId` on `day`, or open. */
  dayStatus(unit: CalendarUnit, siteId: string, day: string): DayStatus {
    let info = this.dayInfo.get(day)
    if (info === undefined) {
      info = isCalendarDay(day) ? { year: this.schoolYearOf(day), weekday: isoWeekday(day) } : null
      if (this.dayInfo.size > 5000) this.dayInfo.clear()
      this.dayInfo.set(day, info)
    }
    if (info === null) return { open: false, code: 'INVALID_DAY', reason: `« ${day} » n’est pas une date valide.` }
    const { year, weekday } = info
    if (year === null) {
      return { open: false, code: 'NO_CALENDAR', reason: `Aucun calendrier scolaire n’est chargé pour le ${dayMonth(day)}/${day.slice(0, 4)}.` }
    }
    const no = (code: DayStatusCode, why: string): DayStatus => ({
      open: false,
      code,
      reason: `${why} : ${pasDe(unit.label)} le ${frenchWeekday(weekday)} ${dayMonth(day)}.`,
    })
    const publicHoliday = this.publicHolidayLabels.get(day)
    if (publicHoliday !== undefined) return no('PUBLIC_HOLIDAY', `${publicHoliday} (jour férié)`)
    const closure = this.closureOn(unit.id, siteId, day)
    if (closure) return no('CLOSURE', `Fermeture (${closure.label})`)
    const holiday = this.holidayLabels.get(day)
    if (unit.calendar !== 'holidays' && holiday !== undefined) return no('HOLIDAY', holiday)
    if (weekday >= 6) return no('WEEKEND', 'Week-end')
    switch (unit.calendar) {
      case 'holidays':
        return holiday === undefined ? no('NOT_HOLIDAY', 'Hors vacances scolaires') : OPEN
      case 'wednesdays':
        if (weekday !== 3) return no('NOT_WEDNESDAY', 'Le mercredi seulement')
        break
      case 'school_days':
        if (weekday === 3) return no('WEDNESDAY', 'Pas d’école le mercredi (semaine de quatre jours)')
        break
    }
    const term = this.terms.get(year)!
    if (day < term.first) return no('OUTSIDE_TERM', `Avant la rentrée du ${weekdayDayMonth(term.first)}`)
    if (day > term.last) return no('OUTSIDE_TERM', `Après la fin des cours du ${weekdayDayMonth(term.last)}`)
    return OPEN
  }

  /** The days from `from` to `to` (both included) on which `unit` runs at `siteId`. */
  openDays(unit: CalendarUnit, siteId: string, from: string, to: string): string[] {
    const out: string[] = []
    if (!isCalendarDay(from) || !isCalendarDay(to)) return out
    const span = daysBetween(from, to)
    for (let i = 0; i <= span; i++) {
      const day = addDays(from, i)
      if (this.dayStatus(unit, siteId, day).open) out.push(day)
    }
    return out
  }
}
