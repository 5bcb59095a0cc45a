import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import type { CalendarView, Services } from '@shared/contract/bookings'
import { unitSiteId } from '@shared/commands/bookings'
import { defaultCalendarRows, publicHolidayRows } from '../../../src/common/calendar/zone-c-2026-2027'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { AGENTS, addAgents, count, makeCore } from '../../helpers/core'

/**
 * The services and the school calendar as town data (issue 10, items 1 and 2), on a real SQLite
 * file: every agent reads them, a responsable changes them (FORBIDDEN at the contract
 * otherwise), each change one shared fact queued for the portal; hostile input is refused at
 * the contract or at the field, with nothing written. The school year loads from the
 * ministry's CSV (fr-en-calendrier-scolaire) in one transaction.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let accueil: ReturnType<TestCore['openSession']>
let responsable: ReturnType<TestCore['openSession']>
let amandiers: string
let tilleuls: string

// A Monday of the 2026-2027 school year, 09:00 in Paris.
const NOW = new Date('2026-11-16T08:00:00Z')

beforeEach(async () => {
  core = await makeCore({ now: () => NOW })
  addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  amandiers = uuidv7()
  tilleuls = uuidv7()
  const school = core.sqlite.prepare(`INSERT INTO schools (id, name, kind, address) VALUES (?, ?, ?, ?)`)
  school.run(amandiers, 'Groupe scolaire Les Amandiers', 'primaire', '1 rue des Amandiers')
  school.run(tilleuls, 'École maternelle Les Tilleuls', 'maternelle', '3 allée des Tilleuls')
  accueil = core.openSession()
  responsable = core.openSession()
  expect((await core.call(accueil, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })).ok).toBe(true)
  expect((await core.call(responsable, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })).ok).toBe(true)
})
afterEach(() => core.cleanup())

type Call = Awaited<ReturnType<TestCore['call']>>
async function ok<T>(p: Promise<Call>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.data as T
}
async function refused(p: Promise<Call>) {
  const r = await p
  if (r.ok) throw new Error('accepted')
  return r.error
}
const outbox = () =>
  (core.sqlite.prepare('SELECT name, payload FROM outbox ORDER BY seq').all() as Array<{ name: string; payload: string }>).map((r) => ({
    name: r.name,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
  }))
/** Everything a refused call must leave untouched. */
const snapshot = () => ({
  units: core.sqlite.prepare('SELECT * FROM units ORDER BY id').all(),
  unitSites: count(core.sqlite, 'unit_sites'),
  periods: core.sqlite.prepare('SELECT * FROM calendar_periods ORDER BY id').all(),
  outbox: count(core.sqlite, 'outbox'),
  history: count(core.sqlite, 'field_history'),
})

const cantine = {
  id: 'cantine',
  label: 'Restauration scolaire',
  levels: 'tous',
  calendar: 'school_days',
  defaultCapacity: 150,
  bookingRule: { kind: 'days_before', n: 2, working: true, at: '10:00' },
  cancelRule: { kind: 'weekday_prev_week', weekday: 4, at: '23:59' },
  sort: 2,
  active: true,
}

describe('services', () => {
  it('every agent reads the services in order, with their rules in plain French and the sites', async () => {
    const data = await ok<Services>(core.call(accueil, 'bookings', 'services', {}))
    expect(data.services.map((s) => s.id)).toEqual(['garderie_matin', 'cantine', 'etude', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances'])
    expect(data.services[1]).toMatchObject({
      label: 'Restauration scolaire',
      calendar: 'school_days',
      bookingRule: cantine.bookingRule,
      bookingRuleText: '2 jours ouvrés avant, à 10:00',
      cancelRule: cantine.cancelRule,
      cancelRuleText: 'Le jeudi de la semaine précédente, à 23:59',
      sites: [],
      active: true,
    })
    expect(data.services[5]!.cancelRuleText).toBe('Pas d’annulation une fois réservé')
    expect(data.sites.map((s) => s.name)).toEqual(['École maternelle Les Tilleuls', 'Groupe scolaire Les Amandiers'])
  })

  it('a responsable changes a rule: one fact town.saveUnit, one history row per changed field', async () => {
    const rule = { kind: 'day_prev_month', day: 20, at: '12:00' }
    const data = await ok<Services>(core.call(responsable, 'bookings', 'saveService', { ...cantine, bookingRule: rule, defaultCapacity: 160 }))
    const saved = data.services.find((s) => s.id === 'cantine')!
    expect(saved).toMatchObject({ bookingRule: rule, bookingRuleText: 'Le 20 du mois précédent, à 12:00', defaultCapacity: 160 })
    expect(core.sqlite.prepare(`SELECT booking_rule FROM units WHERE id = 'cantine'`).pluck().get()).toBe(JSON.stringify(rule))
    expect(outbox()).toEqual([{ name: 'town.saveUnit', payload: { ...cantine, bookingRule: rule, defaultCapacity: 160 } }])
    expect(core.sqlite.prepare(`SELECT field FROM field_history WHERE entity = 'units' ORDER BY field`).pluck().all()).toEqual(['booking_rule', 'default_capacity'])
  })

  it('creates a new service with a slug id, and refuses an id that is not one', async () => {
    const atelier = { ...cantine, id: 'atelier_theatre', label: 'Atelier théâtre', sort: 7, cancelRule: { kind: 'never' } }
    const data = await ok<Services>(core.call(responsable, 'bookings', 'saveService', atelier))
    expect(data.services.at(-1)).toMatchObject({ id: 'atelier_theatre', cancelRuleText: 'Pas d’annulation une fois réservé' })
    const before = snapshot()
    const error = await refused(core.call(responsable, 'bookings', 'saveService', { ...atelier, id: 'Atelier Théâtre' }))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.details?.issues?.[0]?.path).toBe('id')
    expect(snapshot()).toEqual(before)
  })

  it.each([
    ['a bad HH:MM', { bookingRule: { kind: 'days_before', n: 2, working: true, at: '24:00' } }, 'bookingRule.at'],
    ['a wall time without its colon', { cancelRule: { kind: 'weekday_prev_week', weekday: 4, at: '2359' } }, 'cancelRule.at'],
    ['n = -1', { bookingRule: { kind: 'days_before', n: -1, working: true, at: '10:00' } }, 'bookingRule.n'],
    ['a weekday 8', { bookingRule: { kind: 'weekday_prev_week', weekday: 8, at: '10:00' } }, 'bookingRule.weekday'],
    ['an unknown rule kind', { bookingRule: { kind: 'whenever' } }, 'bookingRule'],
    ['a rule with a smuggled field', { bookingRule: { kind: 'none', n: 3 } }, 'bookingRule'],
    ['same as booking for the booking rule', { bookingRule: { kind: 'same' } }, 'bookingRule'],
    ['a NUL in the label', { label: 'Restauration\u0000scolaire' }, 'label'],
    ['an unknown calendar kind', { calendar: 'weekends' }, 'calendar'],
    ['a negative capacity', { defaultCapacity: -5 }, 'defaultCapacity'],
  ])('refuses %s at the contract, and writes nothing', async (_name, over, path) => {
    const before = snapshot()
    const error = await refused(core.call(responsable, 'bookings', 'saveService', { ...cantine, ...over }))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.details?.issues?.map((i) => i.path).join(' ')).toContain(path)
    expect(snapshot()).toEqual(before)
  })

  it('a responsable opens a service at a site (id derived from the pair), then changes it in place', async () => {
    const input = { unitId: 'cantine', siteId: amandiers, serves: 'own_school', capacity: 120, active: true }
    const data = await ok<Services>(core.call(responsable, 'bookings', 'saveServiceSite', input))
    const id = unitSiteId('cantine', amandiers)
    expect(data.services.find((s) => s.id === 'cantine')!.sites).toEqual([
      { id, siteId: amandiers, siteName: 'Groupe scolaire Les Amandiers', serves: 'own_school', capacity: 120, active: true },
    ])
    await ok(core.call(responsable, 'bookings', 'saveServiceSite', { ...input, serves: 'elementaire', capacity: 90 }))
    expect(core.sqlite.prepare('SELECT id, serves, capacity FROM unit_sites').all()).toEqual([{ id, serves: 'elementaire', capacity: 90 }])
    expect(outbox()).toEqual([
      { name: 'town.saveUnitSite', payload: { id, ...input } },
      { name: 'town.saveUnitSite', payload: { id, ...input, serves: 'elementaire', capacity: 90 } },
    ])
  })

  it('refuses a site row for an unknown service or school at the field, and writes nothing', async () => {
    const before = snapshot()
    const base = { unitId: 'cantine', siteId: amandiers, serves: 'tous', capacity: 10, active: true }
    expect((await refused(core.call(responsable, 'bookings', 'saveServiceSite', { ...base, unitId: 'piscine' }))).details?.issues?.[0]?.path).toBe('unitId')
    expect((await refused(core.call(responsable, 'bookings', 'saveServiceSite', { ...base, siteId: uuidv7() }))).details?.issues?.[0]?.path).toBe('siteId')
    expect((await refused(core.call(responsable, 'bookings', 'saveServiceSite', { ...base, serves: 'college' }))).code).toBe('INVALID_INPUT')
    expect(snapshot()).toEqual(before)
  })
})

const periodInput = (over: Record<string, unknown> = {}) => ({
  schoolYear: '2026-2027',
  kind: 'closure',
  label: 'Fermeture du centre (désinfection)',
  firstDay: '2027-02-22',
  lastDay: '2027-02-23',
  unitId: null,
  siteId: null,
  ...over,
})

describe('the school calendar', () => {
  it('defaults to the current school year; lists the loaded years newest first and the periods by first day', async () => {
    const insert = core.sqlite.prepare(
      `INSERT INTO calendar_periods (id, school_year, kind, label, first_day, last_day, unit_id, site_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, '2026-01-01T00:00:00Z')`,
    )
    for (const r of defaultCalendarRows()) insert.run(r.id, r.school_year, r.kind, r.label, r.first_day, r.last_day)
    insert.run(uuidv7(), '2025-2026', 'school_year', 'Année scolaire 2025-2026', '2025-09-01', '2026-07-03')
    const cal = await ok<CalendarView>(core.call(accueil, 'bookings', 'calendar', {}))
    expect(cal.schoolYear).toBe('2026-2027')
    expect(cal.years).toEqual(['2026-2027', '2025-2026'])
    expect(cal.periods).toHaveLength(defaultCalendarRows().length)
    expect(cal.periods.map((p) => p.firstDay)).toEqual([...cal.periods.map((p) => p.firstDay)].sort())
    // Toussaint: the holiday (from 17/10) before the public holiday of 01/11.
    expect(cal.periods.slice(0, 3).map((p) => p.label)).toEqual(['Année scolaire 2026-2027', 'Vacances de la Toussaint', 'Toussaint'])
    const old = await ok<CalendarView>(core.call(accueil, 'bookings', 'calendar', { schoolYear: '2025-2026' }))
    expect(old.periods.map((p) => p.kind)).toEqual(['school_year'])
    expect((await refused(core.call(accueil, 'bookings', 'calendar', { schoolYear: '2026-2028' }))).code).toBe('INVALID_INPUT')
  })

  it('adds, edits and deletes a closure (one shared fact each), for one service at one site', async () => {
    const created = await ok<CalendarView>(core.call(responsable, 'bookings', 'savePeriod', periodInput({ unitId: 'cantine', siteId: amandiers })))
    expect(created.periods).toHaveLength(1)
    const [p] = created.periods
    expect(p).toMatchObject({ kind: 'closure', unitId: 'cantine', siteId: amandiers, firstDay: '2027-02-22', lastDay: '2027-02-23' })
    expect(p!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    const edited = await ok<CalendarView>(core.call(responsable, 'bookings', 'savePeriod', periodInput({ id: p!.id, lastDay: '2027-02-26', unitId: 'cantine', siteId: amandiers })))
    expect(edited.periods).toMatchObject([{ id: p!.id, lastDay: '2027-02-26' }])
    const deleted = await ok<CalendarView>(core.call(responsable, 'bookings', 'deletePeriod', { id: p!.id }))
    expect(deleted.periods).toEqual([])
    expect(outbox().map((o) => o.name)).toEqual(['town.saveCalendarPeriod', 'town.saveCalendarPeriod', 'town.deleteCalendarPeriod'])
    expect(outbox()[0]!.payload).toEqual({ id: p!.id, ...periodInput({ unitId: 'cantine', siteId: amandiers }) })
    expect((await refused(core.call(responsable, 'bookings', 'deletePeriod', { id: p!.id }))).code).toBe('NOT_FOUND')
  })

  it.each([
    ['a day after the school year', { lastDay: '2027-09-02' }, 'lastDay', /02\/09\/2027 est hors de l’année scolaire 2026-2027 \(du 01\/09\/2026 au 31\/08\/2027\)/],
    ['a day before the school year', { firstDay: '2026-08-31' }, 'firstDay', /hors de l’année scolaire/],
    ['2099', { firstDay: '2099-03-12', lastDay: '2099-03-12' }, 'firstDay', /hors de l’année scolaire/],
    ['a public holiday outside its school year', { kind: 'public_holiday', label: 'Noël', firstDay: '2027-12-25', lastDay: '2027-12-25' }, 'firstDay', /hors de l’année scolaire/],
    ['a public holiday of two days', { kind: 'public_holiday', label: 'Noël', firstDay: '2026-12-25', lastDay: '2026-12-26' }, 'lastDay', /un seul jour/],
    ['an end before the start', { firstDay: '2027-02-23', lastDay: '2027-02-22' }, 'lastDay', /précède/],
    ['a holiday for one service only', { kind: 'holiday', unitId: 'cantine' }, 'unitId', /Seule une fermeture/],
    ['a closure of an unknown service', { unitId: 'piscine' }, 'unitId', /Service inconnu/],
    ['a closure of an unknown site', { siteId: '0190f0f0-0000-7000-8000-000000000000' }, 'siteId', /Lieu inconnu/],
    ['a school year that is not one', { schoolYear: '2026-2028' }, 'schoolYear', /n’est pas une année scolaire/],
  ])('refuses %s at the field, and writes nothing', async (_name, over, path, message) => {
    const before = snapshot()
    const error = await refused(core.call(responsable, 'bookings', 'savePeriod', periodInput(over)))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.details?.issues).toEqual([{ path, message: expect.stringMatching(message) }])
    expect(snapshot()).toEqual(before)
  })

  it('refuses a second school_year row for the same year', async () => {
    await ok(core.call(responsable, 'bookings', 'savePeriod', periodInput({ kind: 'school_year', label: 'Année scolaire 2026-2027', firstDay: '2026-09-01', lastDay: '2027-07-02' })))
    const before = snapshot()
    const error = await refused(core.call(responsable, 'bookings', 'savePeriod', periodInput({ kind: 'school_year', label: 'Autre', firstDay: '2026-09-02', lastDay: '2027-07-02' })))
    expect(error.details?.issues?.[0]).toMatchObject({ path: 'kind', message: expect.stringMatching(/déjà ses dates/) })
    expect(snapshot()).toEqual(before)
  })

  it('hostile period input is refused at the contract (NUL, a bad id, an unknown kind, a bad day)', async () => {
    const before = snapshot()
    for (const over of [{ label: 'Fermeture\u0000' }, { id: 'not-a-uuid' }, { kind: 'strike' }, { firstDay: '2027-02-30' }, { extra: 1 }]) {
      expect((await refused(core.call(responsable, 'bookings', 'savePeriod', periodInput(over)))).code, JSON.stringify(over)).toBe('INVALID_INPUT')
    }
    expect(snapshot()).toEqual(before)
  })
})

// ---- loading a school year from the ministry's CSV --------------------------------------------

const HEADER = 'Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire'
/** The shape of the fr-en-calendrier-scolaire export: instants at midnight Paris, one line per académie, teachers' lines too. */
const CSV_2027_2028 = [
  HEADER,
  'Vacances de la Toussaint;-;2027-10-22T22:00:00+00:00;2027-11-07T23:00:00+00:00;Versailles;Zone C;2027-2028',
  'Vacances de la Toussaint;-;2027-10-22T22:00:00+00:00;2027-11-07T23:00:00+00:00;Créteil;Zone C;2027-2028',
  'Vacances de Noël;-;2027-12-17T23:00:00+00:00;2028-01-02T23:00:00+00:00;Versailles;Zone C;2027-2028',
  "Vacances d'Hiver;-;2028-02-11T23:00:00+00:00;2028-02-27T23:00:00+00:00;Versailles;Zone C;2027-2028",
  "Vacances d'Hiver;-;2028-02-18T23:00:00+00:00;2028-03-05T23:00:00+00:00;Lyon;Zone A;2027-2028",
  'Vacances de Printemps;-;2028-04-07T22:00:00+00:00;2028-04-23T22:00:00+00:00;Versailles;Zone C;2027-2028',
  "Pont de l'Ascension;-;2028-05-24T22:00:00+00:00;2028-05-28T22:00:00+00:00;Versailles;Zone C;2027-2028",
  "Vacances d'Été;Élèves;2028-07-07T22:00:00+00:00;2028-08-31T22:00:00+00:00;Versailles;Zone C;2027-2028",
  "Vacances d'Été;Enseignants;2028-07-08T22:00:00+00:00;2028-08-30T22:00:00+00:00;Versailles;Zone C;2027-2028",
].join('\n')
const importInput = (over: Record<string, unknown> = {}) => ({
  schoolYear: '2027-2028',
  zone: 'C',
  firstDay: '2027-09-01',
  lastDay: '2028-07-07',
  csv: CSV_2027_2028,
  ...over,
})

describe('loading the next school year from the ministry’s CSV', () => {
  it('writes the term, the zone’s holidays and the public holidays, one fact per row, in one call', async () => {
    const cal = await ok<CalendarView>(core.call(responsable, 'bookings', 'importYear', importInput()))
    const byKind = (k: string) => cal.periods.filter((p) => p.kind === k)
    expect(byKind('school_year')).toMatchObject([{ label: 'Année scolaire 2027-2028', firstDay: '2027-09-01', lastDay: '2028-07-07' }])
    expect(byKind('holiday').map((p) => [p.label, p.firstDay, p.lastDay])).toEqual([
      ['Vacances de la Toussaint', '2027-10-23', '2027-11-07'],
      ['Vacances de Noël', '2027-12-18', '2028-01-02'],
      ['Vacances d’hiver', '2028-02-12', '2028-02-27'],
      ['Vacances de printemps', '2028-04-08', '2028-04-23'],
      ['Pont de l’Ascension', '2028-05-25', '2028-05-28'],
      ['Vacances d’été', '2028-07-08', '2028-08-31'],
    ])
    expect(byKind('public_holiday').map((p) => p.firstDay)).toEqual(publicHolidayRows('2027-2028').map((r) => r.first_day))
    expect(byKind('public_holiday').find((p) => p.label === 'Lundi de Pâques')!.firstDay).toBe('2028-04-17')
    expect(cal.years).toEqual(['2027-2028'])
    const queued = outbox()
    expect(queued).toHaveLength(cal.periods.length)
    expect(new Set(queued.map((q) => q.name))).toEqual(new Set(['town.saveCalendarPeriod']))
    expect(queued.map((q) => q.payload.id).sort()).toEqual(cal.periods.map((p) => p.id).sort())
  })

  it('loading the same file again changes nothing; a corrected file replaces the rows but keeps the closures', async () => {
    await ok(core.call(responsable, 'bookings', 'importYear', importInput()))
    const closure = await ok<CalendarView>(core.call(responsable, 'bookings', 'savePeriod', periodInput({ schoolYear: '2027-2028', firstDay: '2028-03-06', lastDay: '2028-03-06' })))
    const closureId = closure.periods.find((p) => p.kind === 'closure')!.id
    const before = core.sqlite.prepare('SELECT * FROM calendar_periods ORDER BY id').all()
    const history = count(core.sqlite, 'field_history')
    await ok(core.call(responsable, 'bookings', 'importYear', importInput()))
    expect(core.sqlite.prepare('SELECT * FROM calendar_periods ORDER BY id').all()).toEqual(before)
    expect(count(core.sqlite, 'field_history')).toBe(history)
    // The ministry moves the winter holidays by a week, and the town a later rentrée.
    const corrected = CSV_2027_2028.replace('2028-02-11T23:00:00+00:00;2028-02-27T23:00:00+00:00;Versailles', '2028-02-18T23:00:00+00:00;2028-03-05T23:00:00+00:00;Versailles')
    const outboxBefore = count(core.sqlite, 'outbox')
    const cal = await ok<CalendarView>(core.call(responsable, 'bookings', 'importYear', importInput({ csv: corrected, firstDay: '2027-09-02' })))
    expect(cal.periods.filter((p) => p.label === 'Vacances d’hiver').map((p) => [p.firstDay, p.lastDay])).toEqual([['2028-02-19', '2028-03-05']])
    expect(cal.periods.filter((p) => p.kind === 'school_year').map((p) => p.firstDay)).toEqual(['2027-09-02'])
    expect(cal.periods.find((p) => p.id === closureId)).toMatchObject({ kind: 'closure', firstDay: '2028-03-06' })
    const deletions = outbox().slice(outboxBefore).filter((q) => q.name === 'town.deleteCalendarPeriod')
    expect(deletions).toHaveLength(2) // the old winter holidays and the old term
  })

  it('reads a spreadsheet’s save: BOM, CRLF and quoted cells', async () => {
    const quoted = CSV_2027_2028.split('\n')
      .map((l) => l.split(';').map((c) => `"${c}"`).join(';'))
      .join('\r\n')
    const cal = await ok<CalendarView>(core.call(responsable, 'bookings', 'importYear', importInput({ csv: `\uFEFF${quoted}\r\n` })))
    expect(cal.periods.filter((p) => p.kind === 'holiday')).toHaveLength(6)
  })

  it.each([
    ['a file that is not the export', { csv: 'date;vacances_zone_a;vacances_zone_b;vacances_zone_c;nom_vacances\n2027-10-23;False;False;True;Vacances de la Toussaint' }, 'csv', /colonnes? .*introuvables?.*fr-en-calendrier-scolaire/],
    ['another zone’s year missing from the file', { zone: 'B' }, 'csv', /Aucune vacance de la zone B pour 2027-2028/],
    ['a year the file does not hold', { schoolYear: '2028-2029', firstDay: '2028-09-01', lastDay: '2029-07-06' }, 'csv', /Aucune vacance de la zone C pour 2028-2029/],
    ['a rentrée outside the school year', { firstDay: '2027-08-31' }, 'firstDay', /hors de l’année scolaire 2027-2028/],
    ['a last day of class in the summer holidays', { lastDay: '2028-07-10' }, 'lastDay', /pendant les « Vacances d’été »/],
    ['a last day before the rentrée', { lastDay: '2027-08-31', firstDay: '2027-09-01' }, 'lastDay', /hors de l’année scolaire/],
  ])('refuses %s with a French message at the field, and writes nothing', async (_name, over, path, message) => {
    const before = snapshot()
    const error = await refused(core.call(responsable, 'bookings', 'importYear', importInput(over)))
    expect(error.code).toBe('INVALID_INPUT')
    expect(error.details?.issues).toEqual([{ path, message: expect.stringMatching(message) }])
    expect(snapshot()).toEqual(before)
  })

  it('another zone: the same file read for zone A keeps only zone A’s lines', async () => {
    const cal = await ok<CalendarView>(core.call(responsable, 'bookings', 'importYear', importInput({ zone: 'A' })))
    expect(cal.periods.filter((p) => p.kind === 'holiday').map((p) => [p.firstDay, p.lastDay])).toEqual([['2028-02-19', '2028-03-05']])
  })
})

describe('only a responsable changes them', () => {
  it('refuses every write of another agent with FORBIDDEN, and writes nothing; reading stays open', async () => {
    const before = snapshot()
    for (const [method, input] of [
      ['saveService', cantine],
      ['saveServiceSite', { unitId: 'cantine', siteId: amandiers, serves: 'tous', capacity: 10, active: true }],
      ['savePeriod', periodInput()],
      ['deletePeriod', { id: uuidv7() }],
      ['importYear', importInput()],
    ] as const) {
      const r = await core.call(accueil, 'bookings', method, input)
      expect(r.ok ? 'ok' : r.error.code, method).toBe('FORBIDDEN')
    }
    expect(snapshot()).toEqual(before)
    expect((await core.call(accueil, 'bookings', 'services', {})).ok).toBe(true)
    expect((await core.call(accueil, 'bookings', 'calendar', {})).ok).toBe(true)
    expect(tilleuls).toBeTruthy()
  })
})
