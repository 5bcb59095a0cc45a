import type { CalendarPeriodView } from '@shared/contract/bookings'
import { periodKinds, type PeriodKind } from '@shared/domain/calendar'
import { daysBetween, isSchoolYear, nextSchoolYear, schoolYearBounds } from '@shared/domain/schoolYear'

/** The periods of a year by kind, in the order of the screen (term, holidays, public holidays, closures), each by first day. */
export function periodsByKind(periods: readonly CalendarPeriodView[]): Array<{ kind: PeriodKind; periods: CalendarPeriodView[] }> {
  return periodKinds.map((kind) => ({
    kind,
    periods: periods.filter((p) => p.kind === kind).sort((a, b) => (a.firstDay === b.firstDay ? a.label.localeCompare(b.label, 'fr') : a.firstDay < b.firstDay ? -1 : 1)),
  }))
}

/** How many days a period holds, both ends included (0 when the days are not in order). */
export function periodDays(p: Pick<CalendarPeriodView, 'firstDay' | 'lastDay'>): number {
  return Math.max(0, daysBetween(p.firstDay, p.lastDay) + 1)
}

/** The school year to offer for « Charger l’année suivante »: the one after the newest loaded (or after the shown one). */
export function yearToLoad(years: readonly string[], shown: string): string {
  const newest = [...years, shown].filter(isSchoolYear).sort().at(-1) ?? shown
  return nextSchoolYear(newest)
}

/** The span a period of `schoolYear` must lie in: 1 September … 31 August. */
export function yearSpan(schoolYear: string): { start: string; end: string } | null {
  return isSchoolYear(schoolYear) ? schoolYearBounds(schoolYear) : null
}

/** What the page checks before sending a period (the core checks again): French messages by field. */
export function periodIssues(p: { schoolYear: string; kind: PeriodKind; label: string; firstDay: string; lastDay: string }): Record<string, string> {
  const out: Record<string, string> = {}
  const span = yearSpan(p.schoolYear)
  if (p.label.trim().length < 2) out.label = 'libellé de 2 caractères au moins'
  if (!p.firstDay) out.firstDay = 'date attendue'
  if (!p.lastDay) out.lastDay = 'date attendue'
  if (span && p.firstDay && (p.firstDay < span.start || p.firstDay > span.end)) out.firstDay = `hors de l’année scolaire ${p.schoolYear}`
  if (span && p.lastDay && (p.lastDay < span.start || p.lastDay > span.end)) out.lastDay = `hors de l’année scolaire ${p.schoolYear}`
  if (!out.firstDay && !out.lastDay && p.lastDay < p.firstDay) out.lastDay = 'le dernier jour précède le premier'
  if (!out.lastDay && p.kind === 'public_holiday' && p.firstDay !== p.lastDay) out.lastDay = 'un jour férié tient en un seul jour'
  return out
}

/** Counts of an imported year, for the success message. */
export function loadedCounts(periods: readonly CalendarPeriodView[]): { holidays: number; publicHolidays: number; term: CalendarPeriodView | null } {
  return {
    holidays: periods.filter((p) => p.kind === 'holiday').length,
    publicHolidays: periods.filter((p) => p.kind === 'public_holiday').length,
    term: periods.find((p) => p.kind === 'school_year') ?? null,
  }
}
