import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type contract } from '@shared/contract'
import type { CalendarPeriodView, CalendarView, Services, ServiceView } from '@shared/contract/bookings'
import { unitSiteId } from '@shared/commands/bookings'
import type { CalendarPeriod } from '@shared/domain/calendar'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { describeCancelRule, describeRule, parseCancelRule, parseRule, type CancelRule, type DeadlineRule } from '@shared/domain/deadlines'
import { isSchoolYear, schoolYearBounds } from '@shared/domain/schoolYear'
import { calendarRowId, parseOfficialCalendarCsv, publicHolidayRows } from '../../../common/calendar/zone-c-2026-2027'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'

type H = HandlersFor<typeof contract>['bookings']

/**
 * The services (their sites, capacities and deadline rules) and the school calendar as town
 * data (issue 10, items 1 and 2): every agent reads them; a responsable changes them (the
 * contract refuses the others), each change a shared fact (town.saveUnit, town.saveUnitSite,
 * town.saveCalendarPeriod, town.deleteCalendarPeriod) run here and queued for the portal.
 * Loading a school year from the ministry's CSV is one transaction of one fact per row.
 */

interface UnitStored {
  id: string
  label: string
  levels: ServiceView['levels']
  default_capacity: number
  calendar: ServiceView['calendar']
  booking_rule: string
  cancel_rule: string
  sort: number
  active: number
}
interface UnitSiteStored {
  id: string
  unit_id: string
  site_id: string
  site_name: string
  serves: ServiceView['sites'][number]['serves']
  capacity: number
  active: number
}
interface PeriodStored {
  id: string
  school_year: string
  kind: CalendarPeriodView['kind']
  label: string
  first_day: string
  last_day: string
  unit_id: string | null
  site_id: string | null
}

/** "2026-11-01" → "01/11/2026". */
const fr = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`

function invalid(path: string, message: string): never {
  throw new DomainError('INVALID_INPUT', message, { issues: [{ path, message }] })
}

/** A stored rule, or (should the stored JSON be unreadable) no deadline, said plainly. */
function readRule<T extends DeadlineRule | CancelRule>(json: string, parse: (s: string) => T, fallback: T, describe: (r: T) => string): { rule: T; text: string } {
  try {
    const rule = parse(json)
    return { rule, text: describe(rule) }
  } catch (error) {
    return { rule: fallback, text: `${error instanceof Error ? error.message : 'Règle illisible'} : à ressaisir` }
  }
}

/** Sites in French alphabetical order (« École … » among the E, not after the Z). */
const byName = new Intl.Collator('fr', { sensitivity: 'base' })

export function servicesData(sqlite: Database.Database): Services {
  const units = sqlite
    .prepare('SELECT id, label, levels, default_capacity, calendar, booking_rule, cancel_rule, sort, active FROM units ORDER BY sort, label, id')
    .all() as UnitStored[]
  const rows = sqlite
    .prepare(
      `SELECT us.id, us.unit_id, us.site_id, s.name AS site_name, us.serves, us.capacity, us.active
         FROM unit_sites us JOIN schools s ON s.id = us.site_id
        ORDER BY us.site_id`,
    )
    .all() as UnitSiteStored[]
  rows.sort((a, b) => byName.compare(a.site_name, b.site_name))
  const byUnit = new Map<string, UnitSiteStored[]>()
  for (const r of rows) byUnit.set(r.unit_id, [...(byUnit.get(r.unit_id) ?? []), r])
  const sites = (sqlite.prepare('SELECT id, name, kind FROM schools ORDER BY id').all() as Services['sites']).sort((a, b) => byName.compare(a.name, b.name))
  return {
    services: units.map((u) => {
      const booking = readRule<DeadlineRule>(u.booking_rule, parseRule, { kind: 'none' }, describeRule)
      const cancel = readRule<CancelRule>(u.cancel_rule, parseCancelRule, { kind: 'same' }, describeCancelRule)
      return {
        id: u.id,
        label: u.label,
        levels: u.levels,
        calendar: u.calendar,
        defaultCapacity: u.default_capacity,
        bookingRule: booking.rule,
        cancelRule: cancel.rule,
        bookingRuleText: booking.text,
        cancelRuleText: cancel.text,
        sort: u.sort,
        active: u.active === 1,
        sites: (byUnit.get(u.id) ?? []).map((s) => ({
          id: s.id,
          siteId: s.site_id,
          siteName: s.site_name,
          serves: s.serves,
          capacity: s.capacity,
          active: s.active === 1,
        })),
      }
    }),
    sites,
  }
}

const periodView = (p: PeriodStored): CalendarPeriodView => ({
  id: p.id,
  schoolYear: p.school_year,
  kind: p.kind,
  label: p.label,
  firstDay: p.first_day,
  lastDay: p.last_day,
  unitId: p.unit_id,
  siteId: p.site_id,
})

const KIND_ORDER = "CASE kind WHEN 'school_year' THEN 0 WHEN 'holiday' THEN 1 WHEN 'public_holiday' THEN 2 ELSE 3 END"

export function calendarData(sqlite: Database.Database, schoolYear: string): CalendarView {
  const years = sqlite.prepare('SELECT DISTINCT school_year FROM calendar_periods ORDER BY school_year DESC').pluck().all() as string[]
  const periods = sqlite
    .prepare(`SELECT * FROM calendar_periods WHERE school_year = ? ORDER BY first_day, ${KIND_ORDER}, label, id`)
    .all(schoolYear) as PeriodStored[]
  return { schoolYear, years, periods: periods.map(periodView) }
}

/** The school year in force at the counter's clock ("2026-2027" from September 2026 to August 2027). */
const currentSchoolYear = (ctx: HandlerContext) => schoolYearOf(parisDay(ctx.now))

function checkSchoolYear(schoolYear: string): { start: string; end: string } {
  if (!isSchoolYear(schoolYear)) invalid('schoolYear', `« ${schoolYear} » n’est pas une année scolaire : deux années qui se suivent, comme 2026-2027.`)
  return schoolYearBounds(schoolYear)
}

/** Both days inside the school year's span (1 September … 31 August), the first not after the last. */
function checkSpan(schoolYear: string, firstDay: string, lastDay: string): void {
  const { start, end } = checkSchoolYear(schoolYear)
  const outside = (day: string) => `Le ${fr(day)} est hors de l’année scolaire ${schoolYear} (du ${fr(start)} au ${fr(end)}).`
  if (firstDay < start || firstDay > end) invalid('firstDay', outside(firstDay))
  if (lastDay < start || lastDay > end) invalid('lastDay', outside(lastDay))
  if (lastDay < firstDay) invalid('lastDay', `Le dernier jour (${fr(lastDay)}) précède le premier (${fr(firstDay)}).`)
}

const exists = (sqlite: Database.Database, table: 'units' | 'schools' | 'calendar_periods', id: string) =>
  sqlite.prepare(`SELECT 1 FROM ${table} WHERE id = ?`).get(id) !== undefined

const periodPayload = (p: CalendarPeriod) => ({
  id: p.id,
  schoolYear: p.school_year,
  kind: p.kind,
  label: p.label,
  firstDay: p.first_day,
  lastDay: p.last_day,
  unitId: p.unit_id,
  siteId: p.site_id,
})

export const bookingsTownHandlers: Pick<H, 'services' | 'saveService' | 'saveServiceSite' | 'calendar' | 'savePeriod' | 'deletePeriod' | 'importYear'> = {
  services: (ctx) => servicesData(ctx.sqlite),

  saveService: async (ctx, input) => {
    if (!exists(ctx.sqlite, 'units', input.id) && !/^[a-z][a-z0-9_]*$/.test(input.id)) {
      invalid('id', 'Identifiant d’un nouveau service : lettres minuscules sans accent, chiffres et « _ » (ex. garderie_matin).')
    }
    ctx.record('unit', input.id)
    await runShared(ctx, 'town.saveUnit', input)
    return servicesData(ctx.sqlite)
  },

  saveServiceSite: async (ctx, input) => {
    if (!exists(ctx.sqlite, 'units', input.unitId)) invalid('unitId', 'Service inconnu : rechargez la liste des services.')
    if (!exists(ctx.sqlite, 'schools', input.siteId)) invalid('siteId', 'Lieu inconnu : choisissez une école de la liste.')
    const id =
      (ctx.sqlite.prepare('SELECT id FROM unit_sites WHERE unit_id = ? AND site_id = ?').pluck().get(input.unitId, input.siteId) as string | undefined) ??
      unitSiteId(input.unitId, input.siteId)
    ctx.record('unit_site', id)
    await runShared(ctx, 'town.saveUnitSite', { id, ...input })
    return servicesData(ctx.sqlite)
  },

  calendar: (ctx, input) => {
    const schoolYear = input.schoolYear ?? currentSchoolYear(ctx)
    checkSchoolYear(schoolYear)
    return calendarData(ctx.sqlite, schoolYear)
  },

  savePeriod: async (ctx, input) => {
    checkSpan(input.schoolYear, input.firstDay, input.lastDay)
    if (input.kind === 'public_holiday' && input.firstDay !== input.lastDay) {
      invalid('lastDay', 'Un jour férié tient en un seul jour : le dernier jour est le premier.')
    }
    if (input.kind !== 'closure' && (input.unitId !== null || input.siteId !== null)) {
      invalid(input.unitId !== null ? 'unitId' : 'siteId', 'Seule une fermeture peut viser un service ou un lieu : les autres périodes valent pour tous.')
    }
    if (input.unitId !== null && !exists(ctx.sqlite, 'units', input.unitId)) invalid('unitId', 'Service inconnu : choisissez-en un dans la liste.')
    if (input.siteId !== null && !exists(ctx.sqlite, 'schools', input.siteId)) invalid('siteId', 'Lieu inconnu : choisissez une école de la liste.')
    const id = input.id ?? uuidv7({ msecs: ctx.now.getTime() })
    if (input.kind === 'school_year') {
      const other = ctx.sqlite
        .prepare(`SELECT id FROM calendar_periods WHERE school_year = ? AND kind = 'school_year' AND id <> ?`)
        .pluck()
        .get(input.schoolYear, id)
      if (other) invalid('kind', `L’année scolaire ${input.schoolYear} a déjà ses dates de rentrée et de fin des cours : modifiez cette ligne plutôt que d’en ajouter une.`)
    }
    if (input.id !== undefined) {
      const before = ctx.sqlite.prepare('SELECT school_year FROM calendar_periods WHERE id = ?').pluck().get(input.id) as string | undefined
      if (before !== undefined && before !== input.schoolYear) invalid('schoolYear', `Cette période appartient à l’année ${before} : créez-en une nouvelle pour ${input.schoolYear}.`)
    }
    ctx.record('calendar_period', id)
    await runShared(ctx, 'town.saveCalendarPeriod', { ...input, id })
    return calendarData(ctx.sqlite, input.schoolYear)
  },

  deletePeriod: async (ctx, input) => {
    const year = ctx.sqlite.prepare('SELECT school_year FROM calendar_periods WHERE id = ?').pluck().get(input.id) as string | undefined
    if (year === undefined) throw new DomainError('NOT_FOUND', 'Cette période n’existe plus : rechargez le calendrier.')
    ctx.record('calendar_period', input.id)
    await runShared(ctx, 'town.deleteCalendarPeriod', { id: input.id })
    return calendarData(ctx.sqlite, year)
  },

  importYear: async (ctx, input) => {
    checkSpan(input.schoolYear, input.firstDay, input.lastDay)
    if (input.lastDay === input.firstDay) invalid('lastDay', 'La fin des cours doit suivre la rentrée.')
    let holidays: CalendarPeriod[]
    try {
      holidays = parseOfficialCalendarCsv(input.csv, input.zone, input.schoolYear)
    } catch (error) {
      invalid('csv', error instanceof Error ? error.message : 'Fichier du calendrier scolaire illisible.')
    }
    for (const h of holidays) {
      if (input.firstDay >= h.first_day && input.firstDay <= h.last_day) invalid('firstDay', `La rentrée (${fr(input.firstDay)}) tombe pendant les « ${h.label} » de ce fichier.`)
      if (input.lastDay >= h.first_day && input.lastDay <= h.last_day) invalid('lastDay', `La fin des cours (${fr(input.lastDay)}) tombe pendant les « ${h.label} » de ce fichier.`)
    }
    const term: CalendarPeriod = {
      id: calendarRowId({ school_year: input.schoolYear, kind: 'school_year', first_day: input.firstDay, unit_id: null, site_id: null }),
      school_year: input.schoolYear,
      kind: 'school_year',
      label: `Année scolaire ${input.schoolYear}`,
      first_day: input.firstDay,
      last_day: input.lastDay,
      unit_id: null,
      site_id: null,
    }
    const rows = [term, ...holidays, ...publicHolidayRows(input.schoolYear)]
    const keep = new Set(rows.map((r) => r.id))
    // The year's term, holidays and public holidays are replaced; its closures stay.
    const stale = ctx.sqlite
      .prepare(`SELECT id FROM calendar_periods WHERE school_year = ? AND kind IN ('school_year', 'holiday', 'public_holiday') ORDER BY first_day, id`)
      .pluck()
      .all(input.schoolYear) as string[]
    ctx.record('school_year', input.schoolYear)
    for (const id of stale) if (!keep.has(id)) await runShared(ctx, 'town.deleteCalendarPeriod', { id })
    for (const r of rows) await runShared(ctx, 'town.saveCalendarPeriod', periodPayload(r))
    return calendarData(ctx.sqlite, input.schoolYear)
  },
}
