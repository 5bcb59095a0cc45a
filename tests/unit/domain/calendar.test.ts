import { describe, expect, it } from 'vitest'
import { SchoolCalendar, type CalendarPeriod, type CalendarUnit } from '@shared/domain/calendar'
import { addDays } from '@shared/domain/schoolYear'
import {
  calendarRowId,
  defaultCalendarRows,
  easterSunday,
  officialTermFromCsv,
  parseCsv,
  parseOfficialCalendarCsv,
  PUBLIC_HOLIDAYS_2026_2027,
  publicHolidayRows,
  ZONE_C_2026_2027,
} from '../../../src/common/calendar/zone-c-2026-2027'

const cantine: CalendarUnit = { id: 'cantine', label: 'Restauration scolaire', calendar: 'school_days' }
const garderie: CalendarUnit = { id: 'garderie_matin', label: 'Garderie du matin', calendar: 'school_days' }
const mercredi: CalendarUnit = { id: 'alsh_mercredi', label: 'Accueil de loisirs du mercredi', calendar: 'wednesdays' }
const vacances: CalendarUnit = { id: 'alsh_vacances', label: 'Accueil de loisirs des vacances', calendar: 'holidays' }

const shipped = () => new SchoolCalendar(defaultCalendarRows())

describe('the impossible days of the issue, on the shipped calendar', () => {
  const cal = shipped()
  it.each([
    ['a Saturday lunch', cantine, '2026-11-14', 'WEEKEND', 'Week-end : pas de Restauration scolaire le samedi 14/11.'],
    ['a Sunday morning', garderie, '2026-11-15', 'WEEKEND', 'Week-end : pas de Garderie du matin le dimanche 15/11.'],
    [
      'the Wednesday leisure centre on a Friday',
      mercredi,
      '2026-11-13',
      'NOT_WEDNESDAY',
      'Le mercredi seulement : pas d’Accueil de loisirs du mercredi le vendredi 13/11.',
    ],
    ['Christmas Day 2026', cantine, '2026-12-25', 'PUBLIC_HOLIDAY', 'Noël (jour férié) : pas de Restauration scolaire le vendredi 25/12.'],
    [
      'Christmas Day for the holidays service too',
      vacances,
      '2026-12-25',
      'PUBLIC_HOLIDAY',
      'Noël (jour férié) : pas d’Accueil de loisirs des vacances le vendredi 25/12.',
    ],
    ['2099', cantine, '2099-03-12', 'NO_CALENDAR', 'Aucun calendrier scolaire n’est chargé pour le 12/03/2099.'],
    ['the summer before the loaded year', vacances, '2026-08-31', 'NO_CALENDAR', 'Aucun calendrier scolaire n’est chargé pour le 31/08/2026.'],
    [
      'the holidays service on a school Tuesday',
      vacances,
      '2026-11-10',
      'NOT_HOLIDAY',
      'Hors vacances scolaires : pas d’Accueil de loisirs des vacances le mardi 10/11.',
    ],
    [
      'a school-days service in the Toussaint holidays',
      cantine,
      '2026-10-20',
      'HOLIDAY',
      'Vacances de la Toussaint : pas de Restauration scolaire le mardi 20/10.',
    ],
    ['the canteen on a Wednesday (4-day week)', cantine, '2026-11-18', 'WEDNESDAY', 'Pas d’école le mercredi (semaine de quatre jours) : pas de Restauration scolaire le mercredi 18/11.'],
    ['Wednesday 11/11 for the Wednesday service', mercredi, '2026-11-11', 'PUBLIC_HOLIDAY', 'Armistice 1918 (jour férié) : pas d’Accueil de loisirs du mercredi le mercredi 11/11.'],
    ['Easter Monday', cantine, '2027-03-29', 'PUBLIC_HOLIDAY', 'Lundi de Pâques (jour férié) : pas de Restauration scolaire le lundi 29/03.'],
    ['the Friday of the Ascension bridge', cantine, '2027-05-07', 'HOLIDAY', 'Pont de l’Ascension : pas de Restauration scolaire le vendredi 07/05.'],
    ['Pentecost Monday', cantine, '2027-05-17', 'PUBLIC_HOLIDAY', 'Lundi de Pentecôte (jour férié) : pas de Restauration scolaire le lundi 17/05.'],
    ['a Wednesday in the winter holidays', mercredi, '2027-02-10', 'HOLIDAY', 'Vacances d’hiver : pas d’Accueil de loisirs du mercredi le mercredi 10/02.'],
    ['the summer', cantine, '2027-07-05', 'HOLIDAY', 'Vacances d’été : pas de Restauration scolaire le lundi 05/07.'],
    ['the holidays service on a holiday Saturday', vacances, '2026-10-24', 'WEEKEND', 'Week-end : pas d’Accueil de loisirs des vacances le samedi 24/10.'],
    ['the 14th of July', vacances, '2027-07-14', 'PUBLIC_HOLIDAY', 'Fête nationale (jour férié) : pas d’Accueil de loisirs des vacances le mercredi 14/07.'],
    ['not a day', cantine, '2027-02-30', 'INVALID_DAY', '« 2027-02-30 » n’est pas une date valide.'],
  ])('%s', (_name, unit, day, code, reason) => {
    expect(cal.dayStatus(unit, 'site-1', day)).toEqual({ open: false, code, reason })
  })

  it.each([
    ['the rentrée, Tuesday 01/09/2026', cantine, '2026-09-01'],
    ['the first Wednesday', mercredi, '2026-09-02'],
    ['the day after Toussaint, Monday 02/11', cantine, '2026-11-02'],
    ['the last day of class, Friday 02/07/2027', cantine, '2027-07-02'],
    ['the holidays service on a Toussaint Monday', vacances, '2026-10-19'],
    ['the holidays service on a Christmas-week Thursday', vacances, '2026-12-24'],
    ['the holidays service on 31/08/2027', vacances, '2027-08-31'],
    ['the holidays service on the Friday of the Ascension bridge', vacances, '2027-05-07'],
  ])('open: %s', (_name, unit, day) => {
    expect(cal.dayStatus(unit, 'site-1', day)).toEqual({ open: true })
  })

  it('counts the canteen days of November 2026 (Mon, Tue, Thu, Fri; 11/11 is a Wednesday)', () => {
    const days = cal.openDays(cantine, 'site-1', '2026-11-01', '2026-11-30')
    expect(days).toHaveLength(17)
    expect(days[0]).toBe('2026-11-02')
    expect(days.every((d) => ![0, 3, 6].includes(new Date(`${d}T00:00:00Z`).getUTCDay()))).toBe(true)
  })

  it('counts the days of each service over the school year', () => {
    const year = ['2026-09-01', '2027-08-31'] as const
    const school = cal.openDays(cantine, 's', ...year)
    const wednesdays = cal.openDays(mercredi, 's', ...year)
    const holidays = cal.openDays(vacances, 's', ...year)
    // counted independently (weekdays minus public holidays, split by holiday rows and the term)
    expect(school).toHaveLength(139)
    expect(wednesdays).toHaveLength(35)
    expect(holidays).toHaveLength(80)
    expect(new Set([...school, ...wednesdays, ...holidays]).size).toBe(school.length + wednesdays.length + holidays.length)
  })

  it('lists the public holidays, sorted, and knows the loaded school year', () => {
    expect(cal.publicHolidays()).toEqual(PUBLIC_HOLIDAYS_2026_2027.map((r) => r.first_day))
    expect(cal.schoolYearOf('2027-08-31')).toBe('2026-2027')
    expect(cal.schoolYearOf('2026-09-01')).toBe('2026-2027')
    expect(cal.schoolYearOf('2026-08-31')).toBeNull()
    expect(cal.schoolYearOf('2027-09-01')).toBeNull()
  })
})

describe('closures', () => {
  const closure = (unit_id: string | null, site_id: string | null, day = '2026-11-20'): CalendarPeriod => ({
    id: `c-${unit_id}-${site_id}`,
    school_year: '2026-2027',
    kind: 'closure',
    label: unit_id ? 'Grève du personnel de restauration' : 'Travaux',
    first_day: day,
    last_day: day,
    unit_id,
    site_id,
  })

  it('a unit-only closure closes that service at every site, and only that one', () => {
    const cal = new SchoolCalendar([...defaultCalendarRows(), closure('cantine', null)])
    expect(cal.dayStatus(cantine, 'site-1', '2026-11-20')).toEqual({
      open: false,
      code: 'CLOSURE',
      reason: 'Fermeture (Grève du personnel de restauration) : pas de Restauration scolaire le vendredi 20/11.',
    })
    expect(cal.dayStatus(cantine, 'site-2', '2026-11-20').open).toBe(false)
    expect(cal.dayStatus(garderie, 'site-1', '2026-11-20')).toEqual({ open: true })
    expect(cal.dayStatus(cantine, 'site-1', '2026-11-19')).toEqual({ open: true })
  })

  it('a site-only closure closes every service at that site, and only there', () => {
    const cal = new SchoolCalendar([...defaultCalendarRows(), closure(null, 'site-2')])
    expect(cal.dayStatus(cantine, 'site-2', '2026-11-20')).toMatchObject({ open: false, code: 'CLOSURE' })
    expect(cal.dayStatus(garderie, 'site-2', '2026-11-20')).toMatchObject({ open: false, code: 'CLOSURE' })
    expect(cal.dayStatus(cantine, 'site-1', '2026-11-20')).toEqual({ open: true })
  })

  it('a closure of one service at one site', () => {
    const cal = new SchoolCalendar([...defaultCalendarRows(), closure('cantine', 'site-2')])
    expect(cal.dayStatus(cantine, 'site-2', '2026-11-20').open).toBe(false)
    expect(cal.dayStatus(cantine, 'site-1', '2026-11-20').open).toBe(true)
    expect(cal.dayStatus(garderie, 'site-2', '2026-11-20').open).toBe(true)
  })

  it('a closure over several days, of the holidays service', () => {
    const c: CalendarPeriod = { ...closure('alsh_vacances', null), first_day: '2026-12-28', last_day: '2026-12-31' }
    const cal = new SchoolCalendar([...defaultCalendarRows(), c])
    expect(cal.openDays(vacances, 's', '2026-12-19', '2027-01-03')).toEqual(['2026-12-21', '2026-12-22', '2026-12-23', '2026-12-24'])
  })

  it('a public holiday wins over a closure, a closure over the holidays', () => {
    const cal = new SchoolCalendar([...defaultCalendarRows(), closure(null, null, '2026-12-25'), closure(null, null, '2026-10-20')])
    expect(cal.dayStatus(cantine, 's', '2026-12-25')).toMatchObject({ code: 'PUBLIC_HOLIDAY' })
    expect(cal.dayStatus(cantine, 's', '2026-10-20')).toMatchObject({ code: 'CLOSURE' })
  })
})

describe('the term', () => {
  it('outside the term: before the rentrée and after the last day of class', () => {
    const cal = new SchoolCalendar([
      { id: 'y', school_year: '2027-2028', kind: 'school_year', label: 'Année 2027-2028', first_day: '2027-09-03', last_day: '2028-06-30', unit_id: null, site_id: null },
    ])
    expect(cal.dayStatus(cantine, 's', '2027-09-03')).toEqual({ open: true })
    expect(cal.dayStatus(cantine, 's', '2027-09-02')).toEqual({
      open: false,
      code: 'OUTSIDE_TERM',
      reason: 'Avant la rentrée du vendredi 03/09 : pas de Restauration scolaire le jeudi 02/09.',
    })
    expect(cal.dayStatus(mercredi, 's', '2027-09-01')).toMatchObject({ code: 'OUTSIDE_TERM' })
    expect(cal.dayStatus(mercredi, 's', '2027-09-08')).toEqual({ open: true })
    expect(cal.dayStatus(cantine, 's', '2028-07-03')).toEqual({
      open: false,
      code: 'OUTSIDE_TERM',
      reason: 'Après la fin des cours du vendredi 30/06 : pas de Restauration scolaire le lundi 03/07.',
    })
    // no holiday rows loaded: the holidays service has nothing to open
    expect(cal.dayStatus(vacances, 's', '2028-07-03')).toMatchObject({ code: 'NOT_HOLIDAY' })
  })
})

describe('the shipped data', () => {
  it('Easter Sundays', () => {
    expect([2024, 2025, 2026, 2027, 2028, 2038].map(easterSunday)).toEqual(['2024-03-31', '2025-04-20', '2026-04-05', '2027-03-28', '2028-04-16', '2038-04-25'])
  })

  it('the written public holidays are the computed ones', () => {
    const computed = publicHolidayRows('2026-2027')
    expect(PUBLIC_HOLIDAYS_2026_2027.map((r) => [r.first_day, r.label])).toEqual(computed.map((r) => [r.first_day, r.label]))
    expect(computed.map((r) => r.first_day)).toContain('2027-05-17')
    expect(publicHolidayRows('2027-2028').map((r) => r.first_day)).toContain('2028-04-17')
  })

  it('holidays start on a Saturday and end on a Sunday (summer: 31 August; the bridge: Ascension Thursday)', () => {
    const weekday = (d: string) => new Date(`${d}T00:00:00Z`).getUTCDay()
    for (const r of ZONE_C_2026_2027.filter((r) => r.kind === 'holiday')) {
      if (r.label === 'Pont de l’Ascension') expect([r.first_day, r.last_day]).toEqual(['2027-05-06', '2027-05-09'])
      else expect(weekday(r.first_day)).toBe(6)
      if (r.label === 'Vacances d’été') expect(r.last_day).toBe('2027-08-31')
      else expect(weekday(r.last_day)).toBe(0)
    }
    const term = ZONE_C_2026_2027.find((r) => r.kind === 'school_year')!
    expect([term.first_day, term.last_day]).toEqual(['2026-09-01', '2027-07-02'])
    expect(addDays(term.last_day, 1)).toBe(ZONE_C_2026_2027.find((r) => r.label === 'Vacances d’été')!.first_day)
  })

  it('ids are stable, unique and UUIDv7-shaped', () => {
    const a = defaultCalendarRows()
    const b = defaultCalendarRows()
    expect(a.map((r) => r.id)).toEqual(b.map((r) => r.id))
    expect(new Set(a.map((r) => r.id)).size).toBe(a.length)
    for (const r of a) expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(() => defaultCalendarRows('2027-2028')).toThrow(/fichier officiel/)
  })
})

// ---- the ministry's CSV export ---------------------------------------------------------------

const HEADER = 'Description;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire'
const GOOD = [
  HEADER,
  'Vacances de la Toussaint;-;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Versailles;Zone C;2026-2027',
  'Vacances de la Toussaint;-;2026-10-16T22:00:00+00:00;2026-11-01T23:00:00+00:00;Paris;Zone C;2026-2027',
  'Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Versailles;Zone C;2026-2027',
  "Vacances d'Hiver;-;2027-02-05T23:00:00+00:00;2027-02-21T23:00:00+00:00;Versailles;Zone C;2026-2027",
  "Vacances d'Hiver;-;2027-02-12T23:00:00+00:00;2027-02-28T23:00:00+00:00;Lyon;Zone A;2026-2027",
  'Vacances de Printemps;-;2027-04-02T22:00:00+00:00;2027-04-18T22:00:00+00:00;Versailles;Zone C;2026-2027',
  "Pont de l'Ascension;-;2027-05-05T22:00:00+00:00;2027-05-09T22:00:00+00:00;Versailles;Zone C;2026-2027",
  "Vacances d'Été;Élèves;2027-07-02T22:00:00+00:00;2027-08-31T22:00:00+00:00;Versailles;Zone C;2026-2027",
  "Vacances d'Été;Enseignants;2027-07-04T22:00:00+00:00;2027-08-30T22:00:00+00:00;Versailles;Zone C;2026-2027",
  "Vacances d'Été;-;2026-07-03T22:00:00+00:00;2026-08-31T22:00:00+00:00;Versailles;Zone C;2025-2026",
  'Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;Versailles;Zone C;2025-2026',
].join('\n')

const strip = (rows: CalendarPeriod[]) => rows.map(({ id: _id, ...r }) => r)
const shippedHolidays = () => defaultCalendarRows().filter((r) => r.kind === 'holiday')

describe('parseOfficialCalendarCsv', () => {
  it('reads the export into the same holiday rows (and ids) as the shipped ones', () => {
    const rows = parseOfficialCalendarCsv(GOOD, 'C', '2026-2027')
    expect(strip(rows)).toEqual(strip(shippedHolidays()))
    expect(rows.map((r) => r.id)).toEqual(shippedHolidays().map((r) => r.id))
  })

  it('accepts "Zone C", a BOM, CRLF and quoted cells', () => {
    const quoted = GOOD.split('\n')
      .map((l) => l.split(';').map((c) => `"${c.replace(/"/g, '""')}"`).join(';'))
      .join('\r\n')
    expect(strip(parseOfficialCalendarCsv(`\uFEFF${quoted}\r\n`, 'Zone C', '2026-2027'))).toEqual(strip(shippedHolidays()))
    expect(strip(parseOfficialCalendarCsv(`\uFEFF${GOOD.replace(/\n/g, '\r\n')}`, 'zone c', '2026-2027'))).toEqual(strip(shippedHolidays()))
  })

  it('accepts the field-name header and plain days', () => {
    const text = [
      'description;population;start_date;end_date;location;zones;annee_scolaire;extra',
      'Vacances de Noël;-;2026-12-19;2027-01-04;Versailles;Zone C;2026-2027;x',
    ].join('\n')
    expect(parseOfficialCalendarCsv(text, 'C', '2026-2027').map((r) => [r.label, r.first_day, r.last_day])).toEqual([['Vacances de Noël', '2026-12-19', '2027-01-03']])
  })

  it('keeps one académie when asked', () => {
    const text = [HEADER, 'Vacances de Noël;-;2026-12-18T23:00:00+00:00;2027-01-03T23:00:00+00:00;Toulouse;Zone C;2026-2027', GOOD.split('\n')[3]].join('\n')
    expect(parseOfficialCalendarCsv(text, 'C', '2026-2027')).toHaveLength(1)
    expect(parseOfficialCalendarCsv(text, 'C', '2026-2027', { academy: 'Versailles' })).toHaveLength(1)
    expect(() => parseOfficialCalendarCsv(text, 'C', '2026-2027', { academy: 'Créteil' })).toThrow(/Aucune vacance de la zone C pour 2026-2027/)
  })

  it('derives the term: rentrée after the previous summer, last class on the Friday', () => {
    const term = officialTermFromCsv(GOOD, 'C', '2026-2027')!
    const shippedTerm = defaultCalendarRows().find((r) => r.kind === 'school_year')!
    expect(term).toEqual(shippedTerm)
    expect(calendarRowId(term)).toBe(shippedTerm.id)
    expect(officialTermFromCsv(GOOD, 'C', '2027-2028')).toBeNull()
  })

  it.each([
    ['a bad header', 'Nom;Début;Fin\nNoël;2026-12-19;2027-01-04', /colonnes « Description », « Zones », « annee_scolaire » introuvables \(en-tête lu : « Nom », « Début », « Fin »\).*fr-en-calendrier-scolaire/],
    ['one missing column', 'Description;Date de début;Date de fin;Zones\nNoël;2026-12-19;2027-01-04;Zone C', /colonne « annee_scolaire » introuvable/],
    ['a comma-separated file', 'Description,Population,Date de début,Date de fin,Zones,annee_scolaire\n', /séparateur « ; »/],
    ['an empty file', '  \n', /vide/],
    ['an unclosed quote', `${HEADER}\n"Vacances de Noël;-;2026-12-19`, /guillemet/],
    ['an unreadable date', `${HEADER}\nVacances de Noël;-;19 décembre;2027-01-04;Versailles;Zone C;2026-2027`, /Ligne 2 : date de début illisible « 19 décembre »/],
    ['a holiday ending before it starts', `${HEADER}\nVacances de Noël;-;2027-01-04;2026-12-19;Versailles;Zone C;2026-2027`, /Ligne 2 : « Vacances de Noël » finit avant de commencer/],
    ['nothing for the zone', GOOD, /Aucune vacance de la zone B pour 2026-2027/],
  ])('refuses %s with a French error', (_name, text, message) => {
    const zone = _name === 'nothing for the zone' ? 'B' : 'C'
    expect(() => parseOfficialCalendarCsv(text, zone, '2026-2027')).toThrow(message)
  })

  it('splits CSV like a spreadsheet does', () => {
    expect(parseCsv('a;"b;c";"d ""e"""\r\n\r\nf;;\rg')).toEqual([['a', 'b;c', 'd "e"'], ['f', '', ''], ['g']])
  })
})

describe('speed (generous bound; the bench measures)', () => {
  it('a month grid of 3 children × 6 services × 22 days stays cheap', () => {
    const cal = shipped()
    const units = [cantine, garderie, mercredi, vacances, cantine, garderie]
    const days = Array.from({ length: 22 }, (_, i) => addDays('2026-11-02', i))
    const t = performance.now()
    let open = 0
    for (let child = 0; child < 3; child++) for (const u of units) for (const d of days) if (cal.dayStatus(u, 's', d).open) open++
    expect(open).toBeGreaterThan(0)
    expect(performance.now() - t).toBeLessThan(50)
  })
})
