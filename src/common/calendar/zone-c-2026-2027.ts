/**
 * The shipped school calendar: zone C 2026-2027 (académie de Versailles; the town is
 * Carrières-sur-Seine, Yvelines) and the French public holidays from 2026-09-01 to 2027-08-31,
 * as calendar_periods rows; plus a parser for the ministry's open-data export, with which a
 * responsable loads the next school year. Pure (no Node, no DOM).
 *
 * Sources for the 2026-2027 dates:
 * - the calendar of the arrêté fixing the 2026-2027 school calendar, as presented to the
 *   Conseil supérieur de l'éducation (September 2025) and summarised by SGEN-CFDT:
 *   https://champagne-ardenne.sgen-cfdt.fr/actu/calendrier-scolaire-2026-2027-un-projet-sans-consensus
 *   (rentrée des élèves mardi 1er septembre 2026; automne: samedi 17 octobre → reprise lundi
 *   2 novembre; fin d'année: samedi 19 décembre → reprise lundi 4 janvier 2027; zone C hiver:
 *   samedi 6 février → reprise lundi 22 février 2027; zone C printemps: samedi 3 avril → reprise
 *   lundi 19 avril 2027; pont de l'Ascension: jeudi 6 → dimanche 9 mai 2027; fin des cours:
 *   samedi 3 juillet 2027 après les cours);
 * - the official reference: https://www.education.gouv.fr/calendrier-scolaire-100148 and the
 *   open data https://data.education.gouv.fr/explore/dataset/fr-en-calendrier-scolaire/
 *   (load its CSV export with parseOfficialCalendarCsv to check or replace these rows).
 * These are the dates of the arrêté's published project; the final text could not be read from
 * here: a responsable compares them with the official page before the rentrée.
 *
 * Conventions (calendar_periods): a `holiday` row holds the days WITHOUT class, from the
 * departure Saturday to the Sunday before the reprise; summer runs from the day after the last
 * class to 31 August and belongs to the school year that ends. The `school_year` row runs from
 * the rentrée des élèves to the last day of class of the primary schools (Friday 2 July 2027:
 * no class on Saturday).
 *
 * Public holidays (Code du travail L3133-1): fixed ones, and the Easter-based ones computed once
 * (Easter Sunday 2027-03-28: Lundi de Pâques 03-29, Ascension 05-06, Lundi de Pentecôte 05-17);
 * publicHolidayRows() computes them for any school year, and tests check the data against it.
 */
import type { CalendarPeriod } from '../../shared/domain/calendar'
import { derivedId } from '../../shared/commands/ids'
import { parisDay } from '../../shared/domain/dates'
import { addDays, daysBetween, schoolYearBounds } from '../../shared/domain/schoolYear'
import { isCalendarDay } from '../../shared/validation/text'

export type CalendarRow = Omit<CalendarPeriod, 'id'>

export const ZONE_C_2026_2027_SOURCE = 'https://champagne-ardenne.sgen-cfdt.fr/actu/calendrier-scolaire-2026-2027-un-projet-sans-consensus'

/** Zone C 2026-2027: the term and the holidays (days without class). */
export const ZONE_C_2026_2027: readonly CalendarRow[] = Object.freeze([
  row('2026-2027', 'school_year', 'Année scolaire 2026-2027', '2026-09-01', '2027-07-02'),
  row('2026-2027', 'holiday', 'Vacances de la Toussaint', '2026-10-17', '2026-11-01'),
  row('2026-2027', 'holiday', 'Vacances de Noël', '2026-12-19', '2027-01-03'),
  row('2026-2027', 'holiday', 'Vacances d’hiver', '2027-02-06', '2027-02-21'),
  row('2026-2027', 'holiday', 'Vacances de printemps', '2027-04-03', '2027-04-18'),
  row('2026-2027', 'holiday', 'Pont de l’Ascension', '2027-05-06', '2027-05-09'),
  row('2026-2027', 'holiday', 'Vacances d’été', '2027-07-03', '2027-08-31'),
])

/** French public holidays from 2026-09-01 to 2027-08-31. */
export const PUBLIC_HOLIDAYS_2026_2027: readonly CalendarRow[] = Object.freeze([
  row('2026-2027', 'public_holiday', 'Toussaint', '2026-11-01', '2026-11-01'),
  row('2026-2027', 'public_holiday', 'Armistice 1918', '2026-11-11', '2026-11-11'),
  row('2026-2027', 'public_holiday', 'Noël', '2026-12-25', '2026-12-25'),
  row('2026-2027', 'public_holiday', 'Jour de l’an', '2027-01-01', '2027-01-01'),
  row('2026-2027', 'public_holiday', 'Lundi de Pâques', '2027-03-29', '2027-03-29'),
  row('2026-2027', 'public_holiday', 'Fête du Travail', '2027-05-01', '2027-05-01'),
  row('2026-2027', 'public_holiday', 'Ascension', '2027-05-06', '2027-05-06'),
  row('2026-2027', 'public_holiday', 'Victoire 1945', '2027-05-08', '2027-05-08'),
  row('2026-2027', 'public_holiday', 'Lundi de Pentecôte', '2027-05-17', '2027-05-17'),
  row('2026-2027', 'public_holiday', 'Fête nationale', '2027-07-14', '2027-07-14'),
  row('2026-2027', 'public_holiday', 'Assomption', '2027-08-15', '2027-08-15'),
])

function row(school_year: string, kind: CalendarRow['kind'], label: string, first_day: string, last_day: string): CalendarRow {
  return Object.freeze({ school_year, kind, label, first_day, last_day, unit_id: null, site_id: null })
}

/**
 * The stable id of a calendar row: derived (UUIDv7-shaped, timestamp of 1 September of the
 * school year) from the school year, the kind and the first day, so the shipped rows, a
 * re-import of the same official file and every workstation agree on it.
 */
export function calendarRowId(r: Pick<CalendarRow, 'school_year' | 'kind' | 'first_day' | 'unit_id' | 'site_id'>): string {
  const start = Date.UTC(Number(r.school_year.slice(0, 4)), 8, 1)
  const hex = start.toString(16).padStart(12, '0')
  const base = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`
  return derivedId(base, `calendar:${r.school_year}:${r.kind}:${r.first_day}:${r.unit_id ?? ''}:${r.site_id ?? ''}`)
}

const withId = (r: CalendarRow): CalendarPeriod => ({ id: calendarRowId(r), ...r })

/** The shipped rows (term, holidays, public holidays) of a school year, with stable ids. */
export function defaultCalendarRows(schoolYear = '2026-2027'): CalendarPeriod[] {
  if (schoolYear !== '2026-2027') throw new RangeError(`Pas de calendrier livré pour ${schoolYear} : chargez le fichier officiel du ministère.`)
  return [...ZONE_C_2026_2027, ...PUBLIC_HOLIDAYS_2026_2027].map(withId)
}

// ---- public holidays --------------------------------------------------------------------

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): string {
  const a = year % 19
  const b = Math.floor(year / 100)
  const c = year % 100
  const d = Math.floor(b / 4)
  const e = b % 4
  const f = Math.floor((b + 8) / 25)
  const g = Math.floor((b - f + 1) / 3)
  const h = (19 * a + b - d - g + 15) % 30
  const i = Math.floor(c / 4)
  const k = c % 4
  const l = (32 + 2 * e + 2 * i - h - k) % 7
  const m = Math.floor((a + 11 * h + 22 * l) / 451)
  const month = Math.floor((h + l - 7 * m + 114) / 31)
  const day = ((h + l - 7 * m + 114) % 31) + 1
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** The French public holidays (metropolitan, outside Alsace-Moselle) of a school year, with stable ids. */
export function publicHolidayRows(schoolYear: string): CalendarPeriod[] {
  const { start, end } = schoolYearBounds(schoolYear)
  const out: CalendarRow[] = []
  for (const y of [Number(start.slice(0, 4)), Number(end.slice(0, 4))]) {
    const easter = easterSunday(y)
    const days: Array<[string, string]> = [
      [`${y}-01-01`, 'Jour de l’an'],
      [addDays(easter, 1), 'Lundi de Pâques'],
      [`${y}-05-01`, 'Fête du Travail'],
      [`${y}-05-08`, 'Victoire 1945'],
      [addDays(easter, 39), 'Ascension'],
      [addDays(easter, 50), 'Lundi de Pentecôte'],
      [`${y}-07-14`, 'Fête nationale'],
      [`${y}-08-15`, 'Assomption'],
      [`${y}-11-01`, 'Toussaint'],
      [`${y}-11-11`, 'Armistice 1918'],
      [`${y}-12-25`, 'Noël'],
    ]
    for (const [day, label] of days) if (day >= start && day <= end) out.push(row(schoolYear, 'public_holiday', label, day, day))
  }
  out.sort((a, b) => (a.first_day < b.first_day ? -1 : 1))
  return out.map(withId)
}

// ---- the ministry's open-data export ------------------------------------------------------

/**
 * The export of https://data.education.gouv.fr/explore/dataset/fr-en-calendrier-scolaire/
 * (CSV, ';'): with labels for headers "Description;Population;Date de début;Date de fin;
 * Académies;Zones;annee_scolaire", or with field names "description;population;start_date;
 * end_date;location;zones;annee_scolaire". Dates are instants ("2026-10-16T22:00:00+00:00",
 * i.e. midnight in Paris) or days; the start is the first day without class, the end is the
 * reprise (its day is a school day again).
 */
const COLUMNS = {
  description: ['description'],
  population: ['population'],
  start: ['date de debut', 'start_date', 'debut'],
  end: ['date de fin', 'end_date', 'fin'],
  location: ['academies', 'academie', 'location', 'localisation'],
  zones: ['zones', 'zone'],
  year: ['annee_scolaire', 'annee scolaire'],
} as const
type Column = keyof typeof COLUMNS
const REQUIRED: readonly Column[] = ['description', 'start', 'end', 'zones', 'year']
const COLUMN_LABELS: Record<Column, string> = {
  description: 'Description',
  population: 'Population',
  start: 'Date de début',
  end: 'Date de fin',
  location: 'Académies',
  zones: 'Zones',
  year: 'annee_scolaire',
}

const normalizeHeader = (h: string) =>
  h
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()

/** Splits CSV text with `sep` (quotes doubled inside quoted fields; CRLF, LF or CR line ends). */
export function parseCsv(text: string, sep = ';'): string[][] {
  const rows: string[][] = []
  let field = ''
  let fields: string[] = []
  let quoted = false
  let i = 0
  const endRow = () => {
    fields.push(field)
    if (fields.length > 1 || fields[0]!.trim() !== '') rows.push(fields)
    fields = []
    field = ''
  }
  while (i < text.length) {
    const ch = text[i]!
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else field += ch
      i++
      continue
    }
    if (ch === '"' && field.trim() === '') {
      quoted = true
      field = ''
    } else if (ch === sep) {
      fields.push(field)
      field = ''
    } else if (ch === '\r' || ch === '\n') {
      endRow()
      if (ch === '\r' && text[i + 1] === '\n') i++
    } else field += ch
    i++
  }
  if (quoted) throw new Error('Fichier CSV mal formé : un guillemet n’est pas refermé.')
  if (field !== '' || fields.length) endRow()
  return rows
}

/** The Paris day of a date cell: "2026-10-16T22:00:00+00:00" → 2026-10-17; "2026-10-17" as is; "17/10/2026" too. */
function cellDay(cell: string): string | null {
  const s = cell.trim()
  if (s === '') return null
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return isCalendarDay(s) ? s : null
  const fr = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s)
  if (fr) {
    const day = `${fr[3]}-${fr[2]}-${fr[1]}`
    return isCalendarDay(day) ? day : null
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(s)) {
    const t = Date.parse(s)
    return Number.isFinite(t) ? parisDay(new Date(t)) : null
  }
  return null
}

/** A French label: the export writes "Vacances d'Hiver", "Vacances d'Été"… */
function holidayLabel(description: string): string {
  const d = description.trim().replace(/'/g, '’')
  const lower = normalizeHeader(d)
  if (lower.includes('toussaint')) return 'Vacances de la Toussaint'
  if (lower.includes('noel')) return 'Vacances de Noël'
  if (lower.includes('hiver')) return 'Vacances d’hiver'
  if (lower.includes('printemps')) return 'Vacances de printemps'
  if (/(^|[^a-z])ete([^a-z]|$)/.test(lower)) return 'Vacances d’été'
  if (lower.includes('ascension')) return 'Pont de l’Ascension'
  return d
}

interface OfficialRecord {
  description: string
  population: string
  location: string
  zones: string
  year: string
  first: string | null
  /** The reprise day (first school day after), or null. */
  reprise: string | null
  line: number
}

function readOfficialCsv(text: string): OfficialRecord[] {
  if (typeof text !== 'string' || text.trim() === '') throw new Error('Fichier du calendrier scolaire vide.')
  const rows = parseCsv(text.replace(/^\uFEFF/, ''))
  const header = rows[0]!
  if (header.length < 2 && header[0]!.includes(',')) {
    throw new Error('Fichier du calendrier scolaire : séparateur « ; » attendu (l’export du ministère en CSV avec point-virgule).')
  }
  const index = new Map<Column, number>()
  header.forEach((h, i) => {
    const n = normalizeHeader(h)
    for (const [col, names] of Object.entries(COLUMNS) as Array<[Column, readonly string[]]>) {
      if (!index.has(col) && names.includes(n)) index.set(col, i)
    }
  })
  const missing = REQUIRED.filter((c) => !index.has(c))
  if (missing.length) {
    const found = header.map((h) => `« ${h.trim()} »`).join(', ')
    throw new Error(
      `Fichier du calendrier scolaire non reconnu : colonne${missing.length > 1 ? 's' : ''} ${missing.map((c) => `« ${COLUMN_LABELS[c]} »`).join(', ')} introuvable${missing.length > 1 ? 's' : ''} (en-tête lu : ${found}). Attendu : l’export CSV du jeu de données « fr-en-calendrier-scolaire ».`,
    )
  }
  const cell = (r: string[], c: Column) => {
    const i = index.get(c)
    return i === undefined ? '' : (r[i] ?? '').trim()
  }
  return rows.slice(1).map((r, k) => {
    const line = k + 2
    const startCell = cell(r, 'start')
    const endCell = cell(r, 'end')
    const first = cellDay(startCell)
    const reprise = cellDay(endCell)
    if (startCell !== '' && first === null) throw new Error(`Ligne ${line} : date de début illisible « ${startCell} ».`)
    if (endCell !== '' && reprise === null) throw new Error(`Ligne ${line} : date de fin illisible « ${endCell} ».`)
    return {
      description: cell(r, 'description'),
      population: cell(r, 'population'),
      location: cell(r, 'location'),
      zones: cell(r, 'zones'),
      year: cell(r, 'year'),
      first,
      reprise,
      line,
    }
  })
}

const zoneMatches = (cellValue: string, zone: string) => {
  const want = zone.trim().replace(/^zone\s+/i, '').toUpperCase()
  return cellValue
    .split(/[,|]/)
    .map((z) => z.trim().replace(/^zone\s+/i, '').toUpperCase())
    .includes(want)
}
/** Pupils' dates: "-", "Élèves" or empty; teachers' rows ("Enseignants") are skipped. */
const forPupils = (population: string) => !/enseignant/i.test(population)

/**
 * The holiday rows of `zone` ("C" or "Zone C") for `schoolYear` ("2026-2027") from the
 * ministry's CSV export, with the same stable ids as the shipped rows. The first day is the
 * Paris day of the start, the last the day before the reprise, clamped to the school year
 * (summer ends on 31 August). Throws a French Error when the file is not that export, or when it
 * holds no holidays for that zone and year.
 */
export function parseOfficialCalendarCsv(text: string, zone: string, schoolYear: string, options: { academy?: string } = {}): CalendarPeriod[] {
  const { start: yearStart, end: yearEnd } = schoolYearBounds(schoolYear)
  const records = readOfficialCsv(text)
  const academy = options.academy ? normalizeHeader(options.academy) : null
  const seen = new Map<string, CalendarPeriod>()
  for (const r of records) {
    if (r.year !== schoolYear || !zoneMatches(r.zones, zone) || !forPupils(r.population)) continue
    if (academy !== null && r.location !== '' && normalizeHeader(r.location) !== academy) continue
    if (r.first === null) throw new Error(`Ligne ${r.line} : « ${r.description} » sans date de début.`)
    const label = holidayLabel(r.description)
    let last = r.reprise === null ? yearEnd : addDays(r.reprise, -1)
    if (last > yearEnd) last = yearEnd
    const first = r.first < yearStart ? yearStart : r.first
    if (daysBetween(first, last) < 0) throw new Error(`Ligne ${r.line} : « ${r.description} » finit avant de commencer.`)
    const p = withId(row(schoolYear, 'holiday', label, first, last))
    const key = `${first}|${last}`
    if (!seen.has(key)) seen.set(key, p)
  }
  const out = [...seen.values()].sort((a, b) => (a.first_day < b.first_day ? -1 : 1))
  if (out.length === 0) throw new Error(`Aucune vacance de la zone ${zone.replace(/^zone\s+/i, '')} pour ${schoolYear} dans ce fichier.`)
  return out
}

/**
 * The school_year row derivable from the same export: the rentrée is the reprise after the
 * previous summer (a row of the previous school year), the last day of class the day before
 * the summer starts (Friday when it starts on Saturday: no class on Saturday at primary school).
 * Null when the file lacks either.
 */
export function officialTermFromCsv(text: string, zone: string, schoolYear: string): CalendarPeriod | null {
  const records = readOfficialCsv(text).filter((r) => zoneMatches(r.zones, zone) && forPupils(r.population))
  const previous = `${Number(schoolYear.slice(0, 4)) - 1}-${schoolYear.slice(0, 4)}`
  const isSummer = (r: OfficialRecord) => holidayLabel(r.description) === 'Vacances d’été'
  const rentree = records.find((r) => r.year === previous && isSummer(r) && r.reprise !== null)?.reprise ?? null
  const summer = records.find((r) => r.year === schoolYear && isSummer(r) && r.first !== null)?.first ?? null
  if (rentree === null || summer === null) return null
  let last = addDays(summer, -1)
  while (new Date(`${last}T00:00:00Z`).getUTCDay() % 6 === 0) last = addDays(last, -1)
  return withId(row(schoolYear, 'school_year', `Année scolaire ${schoolYear}`, rentree, last))
}
