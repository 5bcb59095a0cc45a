import type { Level } from '@shared/contract'
import {
  codeFamille,
  FIRST_CODE_FAMILLE_NUMBER,
  LAST_CODE_FAMILLE_NUMBER,
} from '@shared/domain/codeFamille'
import { unitSiteId } from '@shared/commands/bookings'
import type { EntityName, Row } from '@shared/sync/entities'
import { toE164 } from '@shared/validation/phone'
import { DEMO_AGENTS } from '../agents'
import { logCaptureDir, recordSeeded } from '../log-capture'
import { DEFAULT_UNITS, unitRow } from './units'
import {
  CHILD_FEMALE,
  CHILD_MALE,
  CONTACT_RELATIONS,
  EMAIL_PROVIDERS,
  FORBIDDEN_RELATIONS,
  NEIGHBOUR_TOWNS,
  ORIGINS,
  PROFESSIONS,
  RESIDENCES,
  SENIOR_FEMALE,
  SENIOR_MALE,
  TOWN,
  TOWN_SCHOOLS,
  TOWN_STREETS,
  type Origin,
  type Street,
} from './data'
import { DemoIds } from './ids'
import { Rng, Weighted } from './rng'

/**
 * The demo town: a deterministic, realistic population of families for Carrières-sur-Seine
 * (78420), with guardians, children and their schooling, contacts, and the town's schools.
 * Same seed, school year and day → byte-identical rows (ids included).
 *
 * It lives in src/common (plain Node, shared by the workstation and the portal, which never
 * import each other) and writes to a sink, one row at a time, in an order where every row
 * comes after the rows it points to: the workstation's sink inserts into SQLite
 * (src/main/core/demo/generate.ts), the portal's into PostgreSQL (src/portal/services/demo.ts).
 */

/** Where the town's rows go: shared-table rows (entity catalogue columns, bools as booleans). */
export interface TownSink {
  put(entity: EntityName, row: Row): void
}

/** What the target database already holds, so that a second town adds to the first. */
export interface ExistingTown {
  /** The schools, in id order: reused instead of creating the town's. */
  schools: ReadonlyArray<{ id: string; kind: string }>
  /** The highest code famille number in use (0: none): codes continue after it. */
  highestCodeNumber: number
  /** Units already there: the default units missing from it are added. */
  unitIds: ReadonlySet<string>
}

export interface GenerateTownOptions {
  /** How many families to add (1 … 200 000). */
  families: number
  /** PRNG seed (non-negative integer); default 1. */
  seed?: number
  /** The school year the children's schooling is for, e.g. "2026-2027". */
  schoolYear: string
  /** The day the town is generated for (YYYY-MM-DD, Europe/Paris): ages and timestamps derive from it. */
  today: string
}

export interface GenerateTownResult {
  families: number
  persons: number
  schools: number
}

export const MAX_DEMO_FAMILIES = 200_000
export const DEFAULT_DEMO_SEED = 1

// ---------------------------------------------------------------------------------------------
// Calendar helpers (UTC day numbers, no time zone involved)

const DAY_MS = 86_400_000

function dayNumber(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS
}

function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate()
}

/** (y, m, d) with d clamped to the month's length (29 February in a common year → 28). */
function clampedDayNumber(y: number, m: number, d: number): number {
  return dayNumber(y, m, Math.min(d, daysInMonth(y, m)))
}

function formatDay(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10)
}

function parseDay(day: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) throw new RangeError(`Date invalide (AAAA-MM-JJ attendu) : « ${day} »`)
  const y = Number(m[1])
  const mo = Number(m[2])
  const d = Number(m[3])
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new RangeError(`Date invalide : « ${day} »`)
  return [y, mo, d]
}

/** First year of a school year "2026-2027" → 2026. */
export function schoolYearStart(schoolYear: string): number {
  const m = /^(\d{4})-(\d{4})$/.exec(schoolYear)
  if (!m || Number(m[2]) !== Number(m[1]) + 1) {
    throw new RangeError(`Année scolaire invalide (« 2026-2027 » attendu) : « ${schoolYear} »`)
  }
  return Number(m[1])
}

/** Hours Paris is ahead of UTC on that (civil) day: 2 in summer time, 1 otherwise. */
function parisOffsetHours(y: number, m: number, d: number): number {
  if (m < 3 || m > 10) return 1
  if (m > 3 && m < 10) return 2
  const lastSunday = (month: number): number => {
    const last = daysInMonth(y, month)
    return last - new Date(Date.UTC(y, month - 1, last)).getUTCDay()
  }
  return m === 3 ? (d >= lastSunday(3) ? 2 : 1) : d < lastSunday(10) ? 2 : 1
}

// ---------------------------------------------------------------------------------------------
// School levels

const LEVEL_BY_OFFSET: ReadonlyArray<Level | null> = [null, null, 'TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2']
const MATERNELLE_LEVELS: ReadonlySet<Level> = new Set<Level>(['TPS', 'PS', 'MS', 'GS'])

/**
 * The level a child born on `birthDate` is in during `schoolYear` (the usual cohort rule:
 * by year of birth; TPS for two-year-olds born January–August), or null (not in primary school).
 * For 2026-2027: born 2020 → CP, 2021 → GS, 2022 → MS, 2023 → PS, Jan–Aug 2024 → TPS.
 */
export function expectedLevel(birthDate: string, schoolYear: string): Level | null {
  const [by, bm] = parseDay(birthDate)
  const offset = schoolYearStart(schoolYear) - by
  const level = LEVEL_BY_OFFSET[offset] ?? null
  if (level === 'TPS' && bm > 8) return null
  return level
}

/** Classes: at most this many per level and school, named "CP-A" … ; double-level classes "MS/GS", "CE2/CM1". */
const MAX_CLASSES_PER_LEVEL = 6
const CHILDREN_PER_CLASS = 25
const DOUBLE_LEVELS: ReadonlyArray<readonly [Level, Level]> = [
  ['MS', 'GS'],
  ['CE2', 'CM1'],
]

// ---------------------------------------------------------------------------------------------
// Names, phones, e-mails

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9-]+/g, '')
}

const e164 = (phone: string | null): string | null => (phone === null ? null : (toE164(phone) ?? phone))

/** A small stable hash of a string (FNV-1a), for demo traits decided without drawing. */
function stableHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

function pairs(rng: Rng, n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += ` ${String(rng.int(0, 99)).padStart(2, '0')}`
  return out
}

function mobilePhone(rng: Rng): string {
  if (rng.chance(0.7)) return `06${pairs(rng, 4)}`
  return `07 ${rng.int(3, 8)}${rng.int(0, 9)}${pairs(rng, 3)}`
}

function homePhone(rng: Rng): string {
  return rng.chance(0.75) ? `01 39${pairs(rng, 3)}` : `09${pairs(rng, 4)}`
}

function workPhone(rng: Rng): string {
  return `01 ${rng.int(30, 58)}${pairs(rng, 3)}`
}

// ---------------------------------------------------------------------------------------------
// Drafts: the whole town is drafted in memory first, then sorted by creation instant and
// inserted, so that codes famille and ids grow with the date each file was opened.

interface PersonDraft {
  /** Set when the row is inserted (a shared-custody child is inserted once, for its first family). */
  id: string | null
  createdMs: number
  civility: 'M.' | 'Mme' | null
  lastName: string
  birthName: string | null
  firstNames: string
  sex: 'F' | 'M'
  birthDate: string | null
  phoneMobile: string | null
  phoneHome: string | null
  phoneWork: string | null
  email: string | null
  profession: string | null
}

interface ChildDraft {
  person: PersonDraft
  level: Level
  sector: number
}

interface MemberDraft {
  person: PersonDraft
  relation: string | null
  legal: boolean
  emergency: boolean
  pickUp: boolean
  forbidden: boolean
}

interface Address {
  line1: string
  line2: string | null
  postcode: string
  city: string
  sector: number
}

interface FamilyDraft {
  order: number
  createdMs: number
  rl1: MemberDraft
  rl2: MemberDraft | null
  children: ChildDraft[]
  contacts: MemberDraft[]
  address: Address
  caisse: 'CAF' | 'MSA' | null
  allocataireNumber: string | null
  paperless: boolean
}

interface LevelWindow {
  level: Level
  from: number
  to: number
}

interface Birth {
  day: number
  window: LevelWindow
}

const guardian = (person: PersonDraft, relation: string, legal = true): MemberDraft => ({
  person,
  relation,
  legal,
  emergency: true,
  pickUp: true,
  forbidden: false,
})

// ---------------------------------------------------------------------------------------------

/**
 * Writes `opts.families` demo families (and the town's schools if there are none yet, and the
 * default units that are missing) to the sink. Codes famille continue after the highest
 * existing one, so it can run on a database that already holds families. Bad options throw
 * before the first row is written.
 */
export function generateTownRows(sink: TownSink, opts: GenerateTownOptions, existing: ExistingTown): GenerateTownResult {
  // Test runs with a log capture (src/common/log-capture.ts): the checker must know what was seeded.
  if (!logCaptureDir()) return generateInto(sink, opts, existing)
  const seeded: Record<'name' | 'email' | 'phone' | 'code' | 'password', string[]> = { name: [], email: [], phone: [], code: [], password: [] }
  const result = generateInto(
    {
      put(entity, row) {
        if (entity === 'persons') {
          seeded.name.push(String(row.last_name ?? ''), String(row.birth_name ?? ''), String(row.first_names ?? ''))
          seeded.email.push(String(row.email ?? ''))
          seeded.phone.push(String(row.phone_mobile ?? ''), String(row.phone_home ?? ''), String(row.phone_work ?? ''))
        } else if (entity === 'families') {
          seeded.code.push(String(row.code))
          seeded.name.push(String(row.name ?? ''))
        }
        sink.put(entity, row)
      },
    },
    opts,
    existing,
  )
  seeded.name.push(...DEMO_AGENTS.map((a) => a.displayName))
  seeded.password.push(...DEMO_AGENTS.map((a) => a.password))
  for (const kind of ['name', 'email', 'phone', 'code', 'password'] as const) recordSeeded(kind, seeded[kind])
  return result
}

function generateInto(sink: TownSink, opts: GenerateTownOptions, existing: ExistingTown): GenerateTownResult {
  const familyCount = opts.families
  if (!Number.isInteger(familyCount) || familyCount < 1 || familyCount > MAX_DEMO_FAMILIES) {
    throw new RangeError(`Nombre de familles invalide : ${familyCount} (entier de 1 à ${MAX_DEMO_FAMILIES} attendu)`)
  }
  const seed = opts.seed ?? DEFAULT_DEMO_SEED
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`Graine invalide : ${seed} (entier positif attendu)`)
  const yearStart = schoolYearStart(opts.schoolYear)
  const [ty, tm, td] = parseDay(opts.today)
  const todayNumber = dayNumber(ty, tm, td)

  {
    // Codes famille continue after the highest existing one.
    const highest = Math.max(FIRST_CODE_FAMILLE_NUMBER - 1, existing.highestCodeNumber)
    const firstNumber = highest + 1
    if (firstNumber + familyCount - 1 > LAST_CODE_FAMILLE_NUMBER) {
      throw new RangeError(
        `Plus assez de codes famille libres : ${familyCount} demandés, ${Math.max(0, LAST_CODE_FAMILLE_NUMBER - firstNumber + 1)} disponibles`,
      )
    }

    // Two independent streams: one for the data, one for the ids. The first code number is mixed
    // in so that a second run on the same database adds different people.
    const rng = new Rng(seed, firstNumber, 0)
    const ids = new DemoIds(new Rng(seed, firstNumber, 1))

    /** An instant on working day `day` (moved back to Friday if it falls on a weekend), 08:30–17:30 in Paris. */
    const officeInstantWith = (r: Rng, day: number): number => {
      const weekDay = new Date(day * DAY_MS).getUTCDay()
      const d = weekDay === 0 ? day - 2 : weekDay === 6 ? day - 1 : day
      const [y, m, dd] = formatDay(d).split('-').map(Number) as [number, number, number]
      const localMs = Math.floor((8.5 + r.float() * 9) * 3_600_000)
      return d * DAY_MS + localMs - parisOffsetHours(y, m, dd) * 3_600_000
    }
    const officeInstant = (day: number): number => officeInstantWith(rng, day)

    // --- Schools: create the town's if there are none, otherwise reuse them (in creation order).
    let schoolRows = existing.schools
    const pendingSchools: Row[] = []
    const schoolsAt = dayNumber(yearStart - 30, 9, 1) * DAY_MS + 8 * 3_600_000
    if (schoolRows.length === 0) {
      const at = schoolsAt
      schoolRows = TOWN_SCHOOLS.map((s) => {
        const id = ids.next(at)
        pendingSchools.push({ id, name: s.name, kind: s.kind, address: s.address })
        return { id, kind: s.kind }
      })
    }
    const pendingUnits: Row[] = DEFAULT_UNITS.filter((u) => !existing.unitIds.has(u.id)).map((u) => unitRow(u, null))
    const maternelles = schoolRows.filter((s) => s.kind === 'maternelle' || s.kind === 'primaire').map((s) => s.id)
    const elementaires = schoolRows.filter((s) => s.kind === 'elementaire' || s.kind === 'primaire').map((s) => s.id)
    if (maternelles.length === 0 || elementaires.length === 0) {
      throw new Error(
        'Les écoles existantes ne couvrent pas à la fois la maternelle et l’élémentaire : complétez-les ou videz la table des écoles.',
      )
    }
    // The leisure centres (accueils de loisirs) run at one maternelle and one élémentaire school,
    // each for its level group from every school.
    const alshSite = (group: 'maternelle' | 'elementaire'): string =>
      schoolRows.find((s) => s.kind === group)?.id ?? ((group === 'maternelle' ? maternelles[0] : elementaires[0]) as string)
    // --- Where each service runs (unit_sites), with the schools the generator creates: the
    // garderies and the canteen at every school, the étude at the élémentaire ones, for their own
    // pupils; the leisure centres at the two sites above. Ids derive from (unit, site): no draw.
    const pendingUnitSites: Row[] = []
    if (pendingSchools.length > 0) {
      const at = new Date(schoolsAt).toISOString()
      const alsh = { maternelle: alshSite('maternelle'), elementaire: alshSite('elementaire') }
      for (const u of DEFAULT_UNITS) {
        for (const s of schoolRows) {
          const serves =
            u.id === 'alsh_mercredi' || u.id === 'alsh_vacances'
              ? s.id === alsh.maternelle
                ? 'maternelle'
                : s.id === alsh.elementaire
                  ? 'elementaire'
                  : null
              : u.id === 'etude'
                ? s.kind === 'elementaire' || s.kind === 'primaire'
                  ? 'own_school'
                  : null
                : 'own_school'
          if (serves === null) continue
          pendingUnitSites.push({ id: unitSiteId(u.id, s.id), unit_id: u.id, site_id: s.id, serves, capacity: u.defaultCapacity, active: true, updated_at: at })
        }
      }
    }
    const SECTORS = 4
    const schoolFor = (sector: number, level: Level): string =>
      MATERNELLE_LEVELS.has(level)
        ? (maternelles[sector % maternelles.length] as string)
        : (elementaires[sector % elementaires.length] as string)

    // --- Levels a child can be in: born in the level's cohort and aged 2 to 11 today.
    const youngest = clampedDayNumber(ty - 2, tm, td) // 2 years old today
    const oldest = clampedDayNumber(ty - 12, tm, td) + 1 // not yet 12 today
    const levelWeights: Array<readonly [LevelWindow, number]> = []
    for (let offset = 2; offset <= 10; offset++) {
      const level = LEVEL_BY_OFFSET[offset] as Level
      const by = yearStart - offset
      const from = Math.max(dayNumber(by, 1, 1), oldest)
      const to = Math.min(level === 'TPS' ? dayNumber(by, 8, 31) : dayNumber(by, 12, 31), youngest)
      if (from > to) continue
      // About one two-year-old in seven goes to TPS.
      levelWeights.push([{ level, from, to }, ((to - from + 1) / 365) * (level === 'TPS' ? 0.15 : 1)])
    }
    if (levelWeights.length === 0) {
      throw new RangeError(`Aucun enfant de 2 à 11 ans le ${opts.today} ne peut être scolarisé en ${opts.schoolYear}`)
    }
    const pickWindow = new Weighted(levelWeights)

    // Every check that can refuse the options is behind us: the first rows go out.
    for (const row of pendingSchools) sink.put('schools', row)
    for (const row of pendingUnits) sink.put('units', row)
    for (const row of pendingUnitSites) sink.put('unit_sites', row)

    // --- Weighted lists
    const originPick = new Weighted(ORIGINS.map((o) => [o, o.weight] as const))
    const surnamePicks = new Map<Origin, Weighted<string>>(
      ORIGINS.map((o) => [o, new Weighted(o.surnames.map((s, rank) => [s, 1 / Math.sqrt(rank + 8)] as const))]),
    )
    const streetPick = new Weighted(TOWN_STREETS.map((s) => [s, s.weight] as const))
    const providerPick = new Weighted(EMAIL_PROVIDERS)
    const contactPick = new Weighted(CONTACT_RELATIONS.map((c) => [c, c[2]] as const))
    const forbiddenPick = new Weighted(FORBIDDEN_RELATIONS.map((c) => [c, c[2]] as const))
    const kidsCountPick = new Weighted<number>([
      [1, 38],
      [2, 42],
      [3, 15],
      [4, 5],
    ])
    const french = ORIGINS[0] as Origin

    const surname = (origin: Origin): string => (surnamePicks.get(origin) as Weighted<string>).pick(rng)
    const otherOrigin = (origin: Origin, sameShare: number): Origin => (rng.chance(sameShare) ? origin : originPick.pick(rng))
    const differentSurname = (origin: Origin, not: string): string => {
      for (let i = 0; i < 10; i++) {
        const s = surname(origin)
        if (s !== not) return s
      }
      return not === 'Martin' ? 'Bernard' : 'Martin'
    }
    const adultFirstName = (origin: Origin, sex: 'F' | 'M'): string => {
      const o = origin === french || rng.chance(0.75) ? origin : french
      return rng.pick(sex === 'F' ? o.adultFemale : o.adultMale)
    }
    const childFirstName = (origin: Origin, sex: 'F' | 'M', taken: Set<string>): string => {
      for (let i = 0; i < 20; i++) {
        const own = origin.childOwnShare > 0 && rng.chance(origin.childOwnShare)
        const list = sex === 'F' ? (own ? origin.childFemale : CHILD_FEMALE) : own ? origin.childMale : CHILD_MALE
        const name = rng.pick(list)
        if (!taken.has(name)) return name
      }
      return rng.pick(sex === 'F' ? CHILD_FEMALE : CHILD_MALE)
    }
    const email = (first: string, last: string): string => {
      const f = asciiSlug(first)
      const l = asciiSlug(last)
      const style = rng.int(0, 9)
      const local =
        style <= 4
          ? `${f}.${l}`
          : style === 5
            ? `${f}${l}`
            : style === 6
              ? `${f.charAt(0)}.${l}`
              : style === 7
                ? `${l}.${f}`
                : style === 8
                  ? `${f}.${l}${rng.int(1, 99)}`
                  : `${f}-${l}${rng.int(70, 99)}`
      return `${local}@${providerPick.pick(rng)}`
    }
    const profession = (sex: 'F' | 'M'): string => {
      const [m, f] = rng.pick(PROFESSIONS)
      return sex === 'F' ? f : m
    }

    const newAdult = (
      createdMs: number,
      origin: Origin,
      sex: 'F' | 'M',
      lastName: string,
      birthDay: number,
      extra: { firstNames?: string; birthName?: string | null } = {},
    ): PersonDraft => {
      const firstNames = extra.firstNames ?? adultFirstName(origin, sex)
      const emailName = extra.birthName && rng.chance(0.5) ? extra.birthName : lastName
      return {
        id: null,
        createdMs,
        civility: sex === 'F' ? 'Mme' : 'M.',
        lastName,
        birthName: extra.birthName ?? null,
        firstNames,
        sex,
        birthDate: formatDay(birthDay),
        phoneMobile: rng.chance(0.97) ? mobilePhone(rng) : null,
        phoneHome: rng.chance(0.3) ? homePhone(rng) : null,
        phoneWork: rng.chance(0.25) ? workPhone(rng) : null,
        email: rng.chance(0.88) ? email(firstNames, emailName) : null,
        profession: rng.chance(0.92) ? profession(sex) : null,
      }
    }

    /** Children's birth days: 1–4 siblings, at least ~10 months apart unless twins; eldest first. */
    const drawBirths = (): Birth[] => {
      const wanted = kidsCountPick.pick(rng)
      const births: Birth[] = []
      for (let k = 0; k < wanted; k++) {
        const previous = births[births.length - 1]
        if (previous && rng.chance(0.02)) {
          births.push(previous) // twins
          continue
        }
        for (let attempt = 0; attempt < 25; attempt++) {
          const window = pickWindow.pick(rng)
          const day = rng.int(window.from, window.to)
          if (births.every((b) => Math.abs(b.day - day) >= 300)) {
            births.push({ day, window })
            break
          }
        }
      }
      births.sort((a, b) => a.day - b.day)
      return births
    }

    /** When the family file was opened: at the eldest's first school registration, or later (moved in). */
    const fileOpened = (eldest: number): number => {
      let day = eldest + rng.int(880, 1150)
      if (day < todayNumber && rng.chance(0.3)) day = rng.int(day, todayNumber - 1)
      if (day >= todayNumber) day = rng.int(Math.max(eldest + 60, todayNumber - 200), todayNumber - 1)
      return officeInstant(day)
    }

    const newChildren = (familyMs: number, births: Birth[], lastName: string, origin: Origin, sector: number): ChildDraft[] => {
      const taken = new Set<string>()
      return births.map(({ day, window }) => {
        const sex: 'F' | 'M' = rng.chance(0.51) ? 'M' : 'F'
        const firstNames = childFirstName(origin, sex, taken)
        taken.add(firstNames)
        // A younger sibling born after the file was opened is added to it later.
        const addedDay = day + rng.int(60, 900)
        const createdMs =
          addedDay * DAY_MS > familyMs && addedDay < todayNumber ? officeInstant(addedDay) : familyMs
        return {
          person: {
            id: null,
            createdMs: Math.max(createdMs, familyMs),
            civility: null,
            lastName,
            birthName: null,
            firstNames,
            sex,
            birthDate: formatDay(day),
            phoneMobile: null,
            phoneHome: null,
            phoneWork: null,
            email: null,
            profession: null,
          },
          level: window.level,
          sector,
        }
      })
    }

    const newAddress = (): Address => {
      let street: Street | null = null
      let postcode: string = TOWN.postcode
      let city: string = TOWN.city
      let streetName: string
      if (rng.chance(0.02)) {
        const town = rng.pick(NEIGHBOUR_TOWNS)
        postcode = town.postcode
        city = town.city
        streetName = rng.pick(town.streets)
      } else {
        street = streetPick.pick(rng)
        streetName = street.name
      }
      const n = rng.int(1, street?.maxNumber ?? 80)
      const suffix = rng.chance(0.04) ? (rng.chance(0.75) ? ' bis' : ' ter') : ''
      let line2: string | null = null
      if (rng.chance(0.15)) {
        const letter = rng.pick(['A', 'B', 'C', 'D'])
        const variant = rng.int(0, 4)
        line2 =
          variant === 0
            ? `Bâtiment ${letter}`
            : variant === 1
              ? rng.pick(RESIDENCES)
              : variant === 2
                ? `${rng.pick(RESIDENCES)}, bâtiment ${letter}`
                : variant === 3
                  ? `Appartement ${rng.int(1, 48)}`
                  : `Escalier ${rng.int(1, 4)}, ${rng.int(1, 6)}e étage`
      }
      return { line1: `${n}${suffix} ${streetName}`, line2, postcode, city, sector: street ? street.sector : rng.int(0, SECTORS - 1) }
    }

    /** Grand-parent, neighbour, nanny…, and sometimes someone who must not pick the children up. */
    const newContacts = (
      createdMs: number,
      origin: Origin,
      birthSurnames: string[],
      parentBirth: number,
      childrenSurname: string,
      absentFather: boolean,
    ): MemberDraft[] => {
      const contacts: MemberDraft[] = []
      if (rng.chance(0.3)) {
        const [relation, sex, , kind] = contactPick.pick(rng)
        const lastName =
          kind === 'grandparent' || (kind === 'family' && rng.chance(0.6)) ? rng.pick(birthSurnames) : surname(otherOrigin(origin, 0.6))
        const firstNames =
          kind === 'grandparent' && origin === french ? rng.pick(sex === 'F' ? SENIOR_FEMALE : SENIOR_MALE) : adultFirstName(origin, sex)
        const birth =
          kind === 'grandparent'
            ? parentBirth - rng.int(22 * 365, 36 * 365)
            : kind === 'family'
              ? parentBirth + rng.int(-8 * 365, 8 * 365)
              : null
        contacts.push({
          person: {
            id: null,
            createdMs,
            civility: sex === 'F' ? 'Mme' : 'M.',
            lastName,
            birthName: null,
            firstNames,
            sex,
            birthDate: birth !== null && rng.chance(0.5) ? formatDay(birth) : null,
            phoneMobile: rng.chance(0.9) ? mobilePhone(rng) : null,
            phoneHome: rng.chance(kind === 'grandparent' ? 0.6 : 0.2) ? homePhone(rng) : null,
            phoneWork: null,
            email: rng.chance(0.2) ? email(firstNames, lastName) : null,
            profession: null,
          },
          relation,
          legal: false,
          emergency: rng.chance(0.9),
          pickUp: rng.chance(0.85),
          forbidden: false,
        })
      }
      if (rng.chance(absentFather ? 0.08 : 0.02)) {
        const [relation0, sex0] = forbiddenPick.pick(rng)
        const father = absentFather && rng.chance(0.6)
        const sex = father ? 'M' : sex0
        contacts.push({
          person: {
            id: null,
            createdMs,
            civility: sex === 'F' ? 'Mme' : 'M.',
            lastName: father ? childrenSurname : surname(otherOrigin(origin, 0.7)),
            birthName: null,
            firstNames: adultFirstName(origin, sex),
            sex,
            birthDate: null,
            phoneMobile: null,
            phoneHome: null,
            phoneWork: null,
            email: null,
            profession: null,
          },
          relation: father ? 'Père (décision du juge)' : relation0,
          legal: false,
          emergency: false,
          pickUp: false,
          forbidden: true,
        })
      }
      return contacts
    }

    const allocataire = (): Pick<FamilyDraft, 'caisse' | 'allocataireNumber' | 'paperless'> => {
      const r = rng.float()
      const caisse = r < 0.4 ? 'CAF' : r < 0.415 ? 'MSA' : null
      return {
        caisse,
        allocataireNumber: caisse ? String(rng.int(1_000_000, 9_999_999)) : null,
        paperless: rng.chance(0.45),
      }
    }

    // --- Draft the families
    const drafts: FamilyDraft[] = []
    // A few exact names the search tests and demos rely on, among the first thousand families:
    // "Lefèvre" families (the 12th, 109th, 206th…) and a "Jean-Baptiste" (the 4th, 154th…).
    const forcedLefevre = (i: number): boolean => i < 1000 && i % 97 === 11
    const forcedJeanBaptiste = (i: number): boolean => i < 1000 && i % 150 === 3
    const isForced = (i: number): boolean => forcedLefevre(i) || forcedJeanBaptiste(i)
    for (let i = 0; i < familyCount; i++) {
      const forceLefevre = forcedLefevre(i)
      const forceJeanBaptiste = forcedJeanBaptiste(i)
      const origin = forceLefevre || forceJeanBaptiste ? french : originPick.pick(rng)
      const births = drawBirths()
      const eldest = (births[0] as Birth).day
      const createdMs = fileOpened(eldest)
      const address = newAddress()
      const couple = forceJeanBaptiste || rng.chance(0.7)
      // Mother's age at the eldest child's birth: about 30.
      const motherBirth = eldest - Math.round(Math.min(44, Math.max(19, rng.normal(30.5, 4.5))) * 365.25) - rng.int(0, 180)

      if (couple) {
        const partnerOrigin = otherOrigin(origin, 0.75)
        const fatherBirth = motherBirth - rng.int(-3 * 365, 7 * 365)
        if (!forceJeanBaptiste && !forceLefevre && rng.chance(0.02)) {
          // Two mothers or two fathers.
          const sex: 'F' | 'M' = rng.chance(0.6) ? 'F' : 'M'
          const nameA = surname(origin)
          const nameB = differentSurname(partnerOrigin, nameA)
          const relation = sex === 'F' ? 'Mère' : 'Père'
          const kidsName = rng.chance(0.8) ? nameA : `${nameA} ${nameB}`
          drafts.push({
            order: drafts.length,
            createdMs,
            rl1: guardian(newAdult(createdMs, origin, sex, nameA, motherBirth), relation),
            rl2: guardian(newAdult(createdMs, partnerOrigin, sex, nameB, fatherBirth), relation),
            children: newChildren(createdMs, births, kidsName, origin, address.sector),
            contacts: newContacts(createdMs, origin, [nameA, nameB], motherBirth, kidsName, false),
            address,
            ...allocataire(),
          })
          continue
        }
        const fatherOrigin = rng.chance(0.5) ? origin : partnerOrigin
        const motherOrigin = fatherOrigin === origin ? partnerOrigin : origin
        const fatherName = forceLefevre ? 'Lefèvre' : surname(fatherOrigin)
        const motherBirthName = differentSurname(motherOrigin, fatherName)
        // Married mothers often use their husband's name (nom d'usage) and keep their birth name.
        const married = rng.chance(0.55)
        let motherUsual = motherBirthName
        let motherBirthField: string | null = null
        if (married) {
          const r = rng.float()
          if (r < 0.7) {
            motherUsual = fatherName
            motherBirthField = motherBirthName
          } else if (r < 0.8) {
            motherUsual = `${fatherName}-${motherBirthName}`
            motherBirthField = motherBirthName
          }
        }
        const r = rng.float()
        const kidsName = married
          ? r < 0.95
            ? fatherName
            : `${fatherName} ${motherBirthName}`
          : r < 0.75
            ? fatherName
            : r < 0.9
              ? `${fatherName} ${motherBirthName}`
              : motherBirthName
        const father = newAdult(createdMs, fatherOrigin, 'M', fatherName, fatherBirth, forceJeanBaptiste ? { firstNames: 'Jean-Baptiste' } : {})
        const mother = newAdult(createdMs, motherOrigin, 'F', motherUsual, motherBirth, { birthName: motherBirthField })
        const motherFirst = !forceLefevre && !forceJeanBaptiste && rng.chance(0.55)
        drafts.push({
          order: drafts.length,
          createdMs,
          rl1: motherFirst ? guardian(mother, 'Mère') : guardian(father, 'Père'),
          rl2: motherFirst ? guardian(father, 'Père') : guardian(mother, 'Mère'),
          children: newChildren(createdMs, births, kidsName, rng.chance(0.5) ? fatherOrigin : motherOrigin, address.sector),
          contacts: newContacts(createdMs, origin, [fatherName, motherBirthName], motherBirth, kidsName, false),
          address,
          ...allocataire(),
        })
        continue
      }

      // One guardian: mostly mothers. Some share custody with the other parent, who then has a
      // family file of his own where the same children are rattached (two family_members rows).
      const isMother = rng.chance(0.85)
      const sex: 'F' | 'M' = isMother ? 'F' : 'M'
      const ownName = forceLefevre ? 'Lefèvre' : surname(origin)
      const exOrigin = otherOrigin(origin, 0.7)
      const exName = differentSurname(exOrigin, ownName)
      const wasMarried = isMother && !forceLefevre && rng.chance(0.2)
      const guardianBirth = isMother ? motherBirth : motherBirth - rng.int(-3 * 365, 7 * 365)
      const single = newAdult(createdMs, origin, sex, wasMarried ? exName : ownName, guardianBirth, wasMarried ? { birthName: ownName } : {})
      const kidsOwnName = !isMother || (!wasMarried && rng.chance(0.45))
      const kidsName = kidsOwnName ? ownName : exName
      const sharedCustody = isMother && !kidsOwnName && i + 1 < familyCount && !isForced(i + 1) && rng.chance(0.15)
      const children = newChildren(createdMs, births, kidsName, rng.chance(0.6) ? origin : exOrigin, address.sector)
      drafts.push({
        order: drafts.length,
        createdMs,
        rl1: guardian(single, isMother ? 'Mère' : 'Père'),
        rl2: null,
        children,
        contacts: newContacts(createdMs, origin, [ownName, exName], guardianBirth, kidsName, isMother && !kidsOwnName && !sharedCustody),
        address,
        ...allocataire(),
      })

      if (sharedCustody) {
        i++
        const createdMs2 = Math.max(createdMs + 1, officeInstant(Math.min(todayNumber - 1, Math.floor(createdMs / DAY_MS) + rng.int(1, 90))))
        const fatherBirth = motherBirth - rng.int(-3 * 365, 7 * 365)
        const father = newAdult(createdMs2, exOrigin, 'M', exName, fatherBirth)
        let rl2: MemberDraft | null = null
        if (rng.chance(0.4)) {
          // His new partner: RL2 of his file, not the children's legal guardian.
          const partnerOrigin = otherOrigin(exOrigin, 0.7)
          const partnerName = differentSurname(partnerOrigin, exName)
          rl2 = guardian(newAdult(createdMs2, partnerOrigin, 'F', partnerName, fatherBirth + rng.int(-2 * 365, 8 * 365)), 'Belle-mère', false)
        }
        drafts.push({
          order: drafts.length,
          createdMs: createdMs2,
          rl1: guardian(father, 'Père'),
          rl2,
          children,
          contacts: newContacts(createdMs2, exOrigin, [exName], fatherBirth, kidsName, false),
          address: newAddress(),
          ...allocataire(),
        })
      }
    }

    // Names the approximate search relies on (issue 8: "legoff" finds Le Goff, "muler" Müller):
    // a few drafted families take them after the draw, so that no other family changes. Only the
    // family's own name changes (its members who bear it), never a forced Lefèvre or Jean-Baptiste.
    for (const [at, to] of [[30, 'Le Goff'], [330, 'Le Goff'], [60, 'Müller']] as const) {
      const d = drafts[at]
      if (!d) continue
      const from = d.rl1.person.lastName
      if (from === 'Lefèvre' || d.rl1.person.firstNames === 'Jean-Baptiste' || d.rl2?.person.firstNames === 'Jean-Baptiste') continue
      const people = [d.rl1, d.rl2, ...d.children, ...d.contacts].flatMap((m) => (m ? [m.person] : []))
      for (const p of people) {
        if (p.lastName === from) p.lastName = to
        if (p.birthName === from) p.birthName = to
      }
    }

    // --- Insert, oldest file first: codes famille and ids grow with time.
    drafts.sort((a, b) => a.createdMs - b.createdMs || a.order - b.order)

    let personCount = 0
    const schoolings: Array<{ id: string; personId: string; schoolId: string; level: Level; familyId: string; createdMs: number }> = []

    const savePerson = (p: PersonDraft): string => {
      if (p.id !== null) return p.id
      const id = ids.next(p.createdMs)
      p.id = id
      const at = new Date(p.createdMs).toISOString()
      sink.put('persons', {
        id,
        civility: p.civility,
        last_name: p.lastName,
        birth_name: p.birthName,
        first_names: p.firstNames,
        sex: p.sex,
        birth_date: p.birthDate,
        // Stored in E.164, as the counter stores what it is given.
        phone_mobile: e164(p.phoneMobile),
        phone_home: e164(p.phoneHome),
        phone_work: e164(p.phoneWork),
        email: p.email,
        profession: p.profession,
        // About one child in 25 has a PAI (a health plan): decided from the draft, not drawn, so
        // the rest of the town does not change.
        pai: p.birthDate !== null && p.birthDate >= '2008-01-01' && stableHash(`${p.firstNames}|${p.birthDate}`) % 25 === 0,
        created_at: at,
        updated_at: at,
      })
      personCount++
      return id
    }
    const saveMember = (ms: number, familyId: string, role: 'RL1' | 'RL2' | 'enfant' | 'contact', m: MemberDraft): void => {
      const personId = savePerson(m.person)
      sink.put('family_members', {
        id: ids.next(ms),
        family_id: familyId,
        person_id: personId,
        role,
        relation: m.relation,
        legal_guardian: m.legal,
        emergency_contact: m.emergency,
        may_pick_up: m.pickUp,
        forbidden_pick_up: m.forbidden,
      })
    }

    drafts.forEach((f, index) => {
      const familyId = ids.next(f.createdMs)
      let updatedMs = f.createdMs
      for (const c of f.children) updatedMs = Math.max(updatedMs, c.person.createdMs)
      sink.put('families', {
        id: familyId,
        code: codeFamille(firstNumber + index),
        name: f.rl1.person.lastName,
        address_line1: f.address.line1,
        address_line2: f.address.line2,
        postcode: f.address.postcode,
        city: f.address.city,
        caisse: f.caisse,
        allocataire_number: f.allocataireNumber,
        paperless_invoices: f.paperless,
        resident: f.address.city === TOWN.city,
        // A third of the one-guardian families are separated parents (custody ruling); consents
        // vary by family. Decided from the family's place, not drawn: the rest of the town does not change.
        separated_parents: !f.rl2 && f.children.length > 0 && index % 3 === 0,
        hosted: false,
        consent_qf_api: f.allocataireNumber !== null && index % 4 !== 0,
        consent_image: index % 2 === 0,
        consent_emergency_care: index % 10 !== 0,
        created_at: new Date(f.createdMs).toISOString(),
        updated_at: new Date(updatedMs).toISOString(),
        // No SEPA mandate (the portal's demo billing gives one to a tenth of the families).
        direct_debit: false,
      })
      saveMember(f.createdMs, familyId, 'RL1', f.rl1)
      if (f.rl2) saveMember(f.createdMs, familyId, 'RL2', f.rl2)
      for (const c of f.children) {
        const isNew = c.person.id === null
        const childMs = Math.max(f.createdMs, c.person.createdMs)
        saveMember(childMs, familyId, 'enfant', {
          person: c.person, relation: null, legal: false, emergency: false, pickUp: false, forbidden: false,
        })
        if (isNew) {
          schoolings.push({
            id: ids.next(c.person.createdMs),
            personId: c.person.id as string,
            schoolId: schoolFor(c.sector, c.level),
            level: c.level,
            familyId,
            createdMs: c.person.createdMs,
          })
        }
      }
      for (const c of f.contacts) saveMember(f.createdMs, familyId, 'contact', c)
    })

    // --- Classes: per school and level, up to 6 classes "CP-A" …; TPS sit with PS ("TPS/PS");
    // where a school has two or more classes of both MS and GS (or CE2 and CM1), the last ones
    // form a double-level class ("MS/GS", "CE2/CM1").
    const groups = new Map<string, typeof schoolings>()
    for (const s of schoolings) {
      const key = `${s.schoolId}|${s.level}`
      const list = groups.get(key)
      if (list) list.push(s)
      else groups.set(key, [s])
    }
    const classCount = (schoolId: string, level: Level): number => {
      const n = groups.get(`${schoolId}|${level}`)?.length ?? 0
      return Math.min(MAX_CLASSES_PER_LEVEL, Math.max(1, Math.round(n / CHILDREN_PER_CLASS)))
    }
    const classNames = new Map<string, string>()
    for (const [key, list] of groups) {
      const [schoolId, level] = key.split('|') as [string, Level]
      const k = classCount(schoolId, level)
      const pair = DOUBLE_LEVELS.find((p) => p.includes(level))
      const double = pair !== undefined && classCount(schoolId, pair[0]) >= 2 && classCount(schoolId, pair[1]) >= 2
      list.forEach((s, j) => {
        const slot = j % k
        let name: string
        if (level === 'TPS') name = 'TPS/PS'
        else if (double && pair && slot === k - 1) name = `${pair[0]}/${pair[1]}`
        else name = `${level}-${String.fromCharCode(65 + slot)}`
        classNames.set(s.id, name)
      })
    }
    for (const s of schoolings) {
      sink.put('schoolings', {
        id: s.id,
        person_id: s.personId,
        school_id: s.schoolId,
        level: s.level,
        class_name: classNames.get(s.id) ?? null,
        school_year: opts.schoolYear,
      })
    }

    // --- Inscriptions to the services for the school year (DOMAIN.md "Periscolaire services"):
    // most children eat at the canteen of their school, some come to the garderies, the étude
    // (élémentaire), the leisure centres. Drawn from streams of their own, after every other
    // row: the rest of the town is the same as without them.
    const irng = new Rng(seed, firstNumber, 2)
    const iids = new DemoIds(new Rng(seed, firstNumber, 3))
    // Families enrol in late spring and summer before the rentrée (or when they arrive).
    const windowStart = dayNumber(yearStart, 5, 15)
    const windowEnd = Math.min(dayNumber(yearStart, 8, 31), todayNumber - 1)
    for (const s of schoolings) {
      const group = MATERNELLE_LEVELS.has(s.level) ? 'maternelle' : 'elementaire'
      // Every child draws the same six numbers, whatever the outcome.
      const draws = [irng.float(), irng.float(), irng.float(), irng.float(), irng.float(), irng.float()]
      const wanted: Array<readonly [string, string]> = []
      if ((draws[0] as number) < 0.25) wanted.push(['garderie_matin', s.schoolId])
      if ((draws[1] as number) < 0.85) wanted.push(['cantine', s.schoolId])
      if (group === 'elementaire' && (draws[2] as number) < 0.25) wanted.push(['etude', s.schoolId])
      if ((draws[3] as number) < 0.35) wanted.push(['garderie_soir', s.schoolId])
      if ((draws[4] as number) < 0.2) wanted.push(['alsh_mercredi', alshSite(group)])
      if ((draws[5] as number) < 0.12) wanted.push(['alsh_vacances', alshSite(group)])
      if (wanted.length === 0) continue
      const from = Math.max(windowStart, Math.floor(s.createdMs / DAY_MS) + 1)
      const ms = from <= windowEnd ? Math.max(s.createdMs, officeInstantWith(irng, irng.int(from, windowEnd))) : s.createdMs
      const at = new Date(ms).toISOString()
      for (const [unitId, siteId] of wanted) {
        sink.put('inscriptions', {
          id: iids.next(ms),
          family_id: s.familyId,
          child_id: s.personId,
          unit_id: unitId,
          site_id: siteId,
          school_year: opts.schoolYear,
          status: 'active',
          created_at: at,
          updated_at: at,
        })
      }
    }

    return { families: drafts.length, persons: personCount, schools: schoolRows.length }
  }
}
