import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { validate as uuidValidate, version as uuidVersion } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeFamille, isValidCodeFamille } from '../../../src/shared/domain/codeFamille'
import { ageOn } from '../../../src/shared/domain/dates'
import { generateTown, expectedLevel, type GenerateTownOptions } from '../../../src/main/core/demo/generate'
import { DemoIds } from '../../../src/common/demo/ids'
import { Rng } from '../../../src/common/demo/rng'
import { searchFamilies } from '../../../src/main/core/services/search'
import { generateTownRows, type ExistingTown } from '../../../src/common/demo/generate'
import { normalizeRow, type EntityName, type Row } from '../../../src/shared/sync/entities'
import { unitSiteId } from '../../../src/shared/commands/bookings'
import { defaultCalendarRows } from '../../../src/common/calendar/zone-c-2026-2027'
import { bookableSlot } from '../../helpers/bookings'
import { testClock } from '../../helpers/clock'
import { makeCore } from '../../helpers/core'

const MIGRATIONS = resolve(__dirname, '../../../resources/migrations')
const TODAY = '2026-11-27'
const YEAR = '2026-2027'
const base: GenerateTownOptions = { families: 300, seed: 1, schoolYear: YEAR, today: TODAY }

let dir: string
const opened: Database.Database[] = []

/** A fresh workstation database file with every migration applied, in order. */
function openFresh(name: string): Database.Database {
  const sqlite = new Database(join(dir, `${name}.sqlite`))
  opened.push(sqlite)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  const files = readdirSync(MIGRATIONS)
    .filter((f) => f.endsWith('.sql'))
    .sort()
  expect(files.length).toBeGreaterThan(0)
  for (const file of files) {
    for (const statement of readFileSync(join(MIGRATIONS, file), 'utf8').split('--> statement-breakpoint')) {
      if (statement.trim()) sqlite.exec(statement)
    }
  }
  return sqlite
}

const TABLES = ['schools', 'families', 'persons', 'family_members', 'schoolings', 'unit_sites', 'inscriptions', 'calendar_periods'] as const

function dump(sqlite: Database.Database): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const t of TABLES) out[t] = sqlite.prepare(`SELECT * FROM ${t} ORDER BY id`).all()
  out.family_search = sqlite.prepare('SELECT family_id, summary, names, other FROM family_search ORDER BY family_id').all()
  return out
}

function all<T>(sqlite: Database.Database, sql: string, ...params: unknown[]): T[] {
  return sqlite.prepare(sql).all(...params) as T[]
}

function one<T>(sqlite: Database.Database, sql: string, ...params: unknown[]): T {
  return sqlite.prepare(sql).get(...params) as T
}

/** UUIDv7 timestamp (first 48 bits) as an ISO instant. */
function uuidInstant(id: string): string {
  return new Date(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toISOString()
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'guichet-demo-'))
})

afterAll(() => {
  for (const sqlite of opened) if (sqlite.open) sqlite.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('deterministic UUIDv7', () => {
  it('builds valid version-7 ids carrying the given timestamp, increasing within one millisecond', () => {
    const ids = new DemoIds(new Rng(42))
    const ms = Date.parse('2025-03-04T10:11:12.345Z')
    const made = Array.from({ length: 50 }, () => ids.next(ms))
    for (const id of made) {
      expect(uuidValidate(id)).toBe(true)
      expect(uuidVersion(id)).toBe(7)
      expect(id[19]).toMatch(/[89ab]/)
      expect(uuidInstant(id)).toBe('2025-03-04T10:11:12.345Z')
    }
    expect([...made].sort()).toEqual(made)
    expect(new Set(made).size).toBe(made.length)
  })

  it('gives the same ids for the same seed and different ids for another seed', () => {
    const a = new DemoIds(new Rng(7))
    const b = new DemoIds(new Rng(7))
    const c = new DemoIds(new Rng(8))
    const ms = [1_700_000_000_000, 1_700_000_000_000, 1_700_000_000_001]
    const ia = ms.map((t) => a.next(t))
    expect(ms.map((t) => b.next(t))).toEqual(ia)
    expect(ms.map((t) => c.next(t))).not.toEqual(ia)
  })
})

describe('generateTownRows: the generator both sides use, writing to a sink', () => {
  const empty: ExistingTown = { schools: [], highestCodeNumber: 0, unitIds: new Set() }
  const collect = () => {
    const put: Array<[EntityName, Row]> = []
    return { put, sink: { put: (entity: EntityName, row: Row) => void put.push([entity, row]) } }
  }

  it('writes exactly the rows the workstation stores, each after the rows it points to, the same for the same seed', () => {
    const { put, sink } = collect()
    const result = generateTownRows(sink, base, empty)
    const again = collect()
    expect(generateTownRows(again.sink, base, empty)).toEqual(result)
    expect(JSON.stringify(again.put)).toBe(JSON.stringify(put))

    const sqlite = openFresh('sink-compare')
    expect(generateTown(sqlite, base)).toEqual(result)
    for (const entity of ['schools', 'units', 'unit_sites', 'families', 'persons', 'family_members', 'schoolings', 'inscriptions'] as const) {
      const stored = all<Record<string, unknown>>(sqlite, `SELECT * FROM ${entity} ORDER BY rowid`).map((r) => normalizeRow(entity, r))
      expect(put.filter(([e]) => e === entity).map(([, r]) => normalizeRow(entity, r)), entity).toEqual(stored)
    }

    const seen = new Set<unknown>()
    for (const [entity, row] of put) {
      if (entity === 'family_members') expect(seen.has(row.family_id) && seen.has(row.person_id)).toBe(true)
      if (entity === 'schoolings') expect(seen.has(row.person_id) && seen.has(row.school_id)).toBe(true)
      if (entity === 'unit_sites') expect(seen.has(row.unit_id) && seen.has(row.site_id)).toBe(true)
      if (entity === 'inscriptions') expect([row.family_id, row.child_id, row.unit_id, row.site_id].every((x) => seen.has(x))).toBe(true)
      seen.add(row.id)
    }
  })

  it('reuses the schools and units it is given, continues the codes, and writes nothing on bad options', () => {
    const first = collect()
    generateTownRows(first.sink, { ...base, families: 10 }, empty)
    const schools = first.put.filter(([e]) => e === 'schools').map(([, r]) => ({ id: String(r.id), kind: String(r.kind) }))
    const units = new Set(first.put.filter(([e]) => e === 'units').map(([, r]) => String(r.id)))
    const second = collect()
    generateTownRows(second.sink, { ...base, families: 5 }, { schools, highestCodeNumber: 100010, unitIds: units })
    expect(second.put.filter(([e]) => e === 'schools' || e === 'units')).toEqual([])
    expect(second.put.filter(([e]) => e === 'families').map(([, r]) => r.code)).toEqual(
      [100011, 100012, 100013, 100014, 100015].map((n) => codeFamille(n)),
    )

    const bad = collect()
    expect(() => generateTownRows(bad.sink, { ...base, today: '2040-01-01' }, empty)).toThrow(/Aucun enfant/)
    expect(() => generateTownRows(bad.sink, { ...base, families: 0 }, empty)).toThrow(/Nombre de familles/)
    expect(bad.put).toEqual([])
  })
})

describe('generateTown', () => {
  let town: Database.Database
  let result: ReturnType<typeof generateTown>

  beforeAll(() => {
    town = openFresh('town')
    result = generateTown(town, base)
  })

  it('is deterministic: same seed → identical rows; another seed → other rows', () => {
    const again = openFresh('again')
    expect(generateTown(again, base)).toEqual(result)
    expect(dump(again)).toEqual(dump(town))

    const other = openFresh('other')
    generateTown(other, { ...base, seed: 2 })
    const a = dump(town)
    const b = dump(other)
    expect(b.schools).not.toEqual(a.schools) // same names, other ids
    expect(b.persons).not.toEqual(a.persons)
    const namesA = (a.persons as Array<{ first_names: string; last_name: string }>).map((p) => `${p.first_names} ${p.last_name}`)
    const namesB = (b.persons as Array<{ first_names: string; last_name: string }>).map((p) => `${p.first_names} ${p.last_name}`)
    expect(namesB).not.toEqual(namesA)
  })

  it('runs the services at the schools (unit_sites) and enrols the children for the school year (issue 10)', () => {
    const sites = all<{ id: string; unit: string; site: string; serves: string; capacity: number; kind: string; d: number }>(
      town,
      `SELECT us.id, us.unit_id AS unit, us.site_id AS site, us.serves, us.capacity, s.kind, u.default_capacity AS d
         FROM unit_sites us JOIN schools s ON s.id = us.site_id JOIN units u ON u.id = us.unit_id`,
    )
    const at = (unit: string) => sites.filter((x) => x.unit === unit)
    for (const unit of ['garderie_matin', 'cantine', 'garderie_soir']) {
      expect(at(unit).map((x) => [x.serves, x.capacity === x.d])).toEqual(Array(7).fill(['own_school', true]))
    }
    expect(at('etude').map((x) => `${x.kind}:${x.serves}`).sort()).toEqual(['elementaire:own_school', 'elementaire:own_school', 'elementaire:own_school', 'primaire:own_school'])
    for (const unit of ['alsh_mercredi', 'alsh_vacances']) {
      expect(at(unit).map((x) => `${x.kind}:${x.serves}`).sort()).toEqual(['elementaire:elementaire', 'maternelle:maternelle'])
    }
    for (const x of sites) expect(x.id).toBe(unitSiteId(x.unit, x.site))

    // Every inscription can be booked: its service runs at its site and serves the child (own school or level group).
    const ins = all<{ id: string; unit: string; level: string; serves: string | null; own: number; created: string; updated: string; year: string; status: string }>(
      town,
      `SELECT i.id, i.unit_id AS unit, s.level, us.serves, us.site_id = s.school_id AS own, i.created_at AS created, i.updated_at AS updated,
              i.school_year AS year, i.status
         FROM inscriptions i JOIN schoolings s ON s.person_id = i.child_id AND s.school_year = i.school_year
         LEFT JOIN unit_sites us ON us.unit_id = i.unit_id AND us.site_id = i.site_id`,
    )
    expect(ins.length).toBe(one<{ n: number }>(town, 'SELECT count(*) AS n FROM inscriptions').n)
    const maternelle = new Set(['TPS', 'PS', 'MS', 'GS'])
    for (const i of ins) {
      expect(i.serves, i.unit).not.toBeNull()
      if (i.serves === 'own_school') expect(i.own).toBe(1)
      else expect(i.serves).toBe(maternelle.has(i.level) ? 'maternelle' : 'elementaire')
      if (i.unit === 'etude') expect(maternelle.has(i.level)).toBe(false)
      expect([i.year, i.status]).toEqual([YEAR, 'active'])
      expect(uuidVersion(i.id)).toBe(7)
      expect(uuidInstant(i.id)).toBe(i.created)
      expect(i.created).toBe(i.updated)
      expect(i.created < `${TODAY}T00:00:00Z`).toBe(true)
    }
    // Realistic shares: most children eat at the canteen; some come to each other service; one inscription per service at most.
    const kids = one<{ n: number }>(town, 'SELECT count(*) AS n FROM schoolings').n
    const share = (unit: string) => ins.filter((i) => i.unit === unit).length / kids
    expect(share('cantine')).toBeGreaterThan(0.75)
    expect(share('cantine')).toBeLessThan(0.95)
    for (const unit of ['garderie_matin', 'garderie_soir', 'etude', 'alsh_mercredi', 'alsh_vacances']) {
      expect(share(unit), unit).toBeGreaterThan(0.03)
      expect(share(unit), unit).toBeLessThan(0.5)
    }
    expect(one<{ n: number }>(town, 'SELECT count(*) AS n FROM (SELECT 1 FROM inscriptions GROUP BY child_id, unit_id HAVING count(*) > 1)').n).toBe(0)
    // The shipped calendar comes with the demo town.
    expect(one<{ n: number }>(town, 'SELECT count(*) AS n FROM calendar_periods').n).toBe(defaultCalendarRows().length)
  })

  it('a demo child can be booked at the counter under the town’s rules (its canteen, a school day, before the deadline)', async () => {
    const core = await makeCore({ demo: { families: 30, seed: 1 }, now: testClock() })
    try {
      const session = core.openSession()
      expect((await core.call(session, 'session', 'login', { login: 'accueil', password: 'accueil2026' })).ok).toBe(true)
      const slot = bookableSlot(core.sqlite)
      const booked = await core.call(session, 'reservations', 'book', slot)
      expect(booked, JSON.stringify(booked)).toMatchObject({ ok: true })
    } finally {
      core.cleanup()
    }
  })

  it('returns the counts it inserted, with the 7 town schools', () => {
    const count = (t: string) => one<{ n: number }>(town, `SELECT count(*) AS n FROM ${t}`).n
    expect(result).toEqual({ families: 300, persons: count('persons'), schools: 7 })
    expect(count('families')).toBe(300)
    expect(count('schools')).toBe(7)
    expect(count('family_search')).toBe(300)
    // 1–2 guardians and 1–4 children per family, a few contacts: about 3.5 to 5 persons a family.
    expect(result.persons).toBeGreaterThan(300 * 3)
    expect(result.persons).toBeLessThan(300 * 5.5)
    const kinds = all<{ kind: string; n: number }>(town, 'SELECT kind, count(*) AS n FROM schools GROUP BY kind')
    expect(Object.fromEntries(kinds.map((k) => [k.kind, k.n]))).toEqual({ maternelle: 3, elementaire: 3, primaire: 1 })
  })

  it('keeps the database consistent: foreign keys and integrity', () => {
    expect(all(town, 'PRAGMA foreign_key_check')).toEqual([])
    expect(one<{ integrity_check: string }>(town, 'PRAGMA integrity_check').integrity_check).toBe('ok')
  })

  it('gives every family one RL1, at most one RL2, at least one child, and its RL1 usual name', () => {
    const rows = all<{ id: string; name: string; rl1: number; rl2: number; kids: number; rl1Name: string }>(
      town,
      `SELECT f.id, f.name,
         (SELECT count(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'RL1') AS rl1,
         (SELECT count(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'RL2') AS rl2,
         (SELECT count(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'enfant') AS kids,
         (SELECT p.last_name FROM family_members m JOIN persons p ON p.id = m.person_id
            WHERE m.family_id = f.id AND m.role = 'RL1') AS rl1Name
       FROM families f`,
    )
    expect(rows).toHaveLength(300)
    for (const f of rows) {
      expect(f.rl1).toBe(1)
      expect(f.rl2).toBeLessThanOrEqual(1)
      expect(f.kids).toBeGreaterThanOrEqual(1)
      expect(f.kids).toBeLessThanOrEqual(4)
      expect(f.name).toBe(f.rl1Name)
    }
    const twoGuardians = rows.filter((f) => f.rl2 === 1).length / rows.length
    expect(twoGuardians).toBeGreaterThan(0.6)
    expect(twoGuardians).toBeLessThan(0.8)
    // Guardians are legal guardians (except a step-parent in a shared-custody father's file).
    const guardians = all<{ legal: number; civility: string; sex: string }>(
      town,
      `SELECT m.legal_guardian AS legal, p.civility, p.sex FROM family_members m JOIN persons p ON p.id = m.person_id
       WHERE m.role IN ('RL1', 'RL2') AND m.relation IN ('Mère', 'Père')`,
    )
    for (const g of guardians) {
      expect(g.legal).toBe(1)
      expect(g.civility).toBe(g.sex === 'F' ? 'Mme' : 'M.')
    }
  })

  it('schools every child at the level of its age, in a school that teaches that level', () => {
    const kids = all<{
      id: string
      birth: string
      level: string | null
      className: string | null
      year: string | null
      kind: string | null
      n: number
    }>(
      town,
      `SELECT p.id, p.birth_date AS birth, s.level, s.class_name AS className, s.school_year AS year, sc.kind,
         (SELECT count(*) FROM schoolings x WHERE x.person_id = p.id) AS n
       FROM persons p
       LEFT JOIN schoolings s ON s.person_id = p.id
       LEFT JOIN schools sc ON sc.id = s.school_id
       WHERE p.id IN (SELECT person_id FROM family_members WHERE role = 'enfant')`,
    )
    expect(kids.length).toBeGreaterThan(300)
    // Independent statement of the rule for 2026-2027.
    const byBirthYear: Record<number, string> = { 2024: 'TPS', 2023: 'PS', 2022: 'MS', 2021: 'GS', 2020: 'CP', 2019: 'CE1', 2018: 'CE2', 2017: 'CM1', 2016: 'CM2' }
    const levelsSeen = new Set<string>()
    for (const k of kids) {
      expect(k.n).toBe(1)
      expect(k.year).toBe(YEAR)
      const age = ageOn(k.birth, TODAY)
      expect(age).toBeGreaterThanOrEqual(2)
      expect(age).toBeLessThanOrEqual(11)
      expect(k.level).toBe(byBirthYear[Number(k.birth.slice(0, 4))])
      if (k.level === 'TPS') expect(Number(k.birth.slice(5, 7))).toBeLessThanOrEqual(8)
      expect(k.level).toBe(expectedLevel(k.birth, YEAR))
      const maternelle = ['TPS', 'PS', 'MS', 'GS'].includes(k.level as string)
      expect(k.kind).toMatch(maternelle ? /^(maternelle|primaire)$/ : /^(elementaire|primaire)$/)
      expect(k.className).toMatch(/^((TPS|PS|MS|GS|CP|CE1|CE2|CM1|CM2)-[A-F]|TPS\/PS|MS\/GS|CE2\/CM1)$/)
      expect((k.className as string).split(/[-/]/)).toContain(k.level)
      levelsSeen.add(k.level as string)
    }
    expect([...levelsSeen].sort()).toEqual(['CE1', 'CE2', 'CM1', 'CM2', 'CP', 'GS', 'MS', 'PS', 'TPS'])
    // Siblings share their school sector: all maternelle children of a family are in one school.
    const split = all(
      town,
      `SELECT m.family_id FROM family_members m JOIN schoolings s ON s.person_id = m.person_id
       JOIN schools sc ON sc.id = s.school_id
       WHERE m.role = 'enfant' AND sc.kind = 'maternelle'
       GROUP BY m.family_id HAVING count(DISTINCT s.school_id) > 1`,
    )
    expect(split).toEqual([])
  })

  it('hands out unique, valid, consecutive codes famille starting at 100001', () => {
    const codes = all<{ code: string }>(town, 'SELECT code FROM families ORDER BY code').map((r) => r.code)
    expect(new Set(codes).size).toBe(300)
    for (const code of codes) expect(isValidCodeFamille(code)).toBe(true)
    expect(codes[0]).toBe(codeFamille(100001))
    expect(codes[299]).toBe(codeFamille(100300))
    // Codes grow with the date the file was opened.
    const byCode = all<{ created: string }>(town, 'SELECT created_at AS created FROM families ORDER BY code').map((r) => r.created)
    expect([...byCode].sort()).toEqual(byCode)
  })

  it('uses UUIDv7 ids whose timestamps are the rows’ creation instants', () => {
    for (const t of ['families', 'persons']) {
      for (const r of all<{ id: string; created: string; updated: string }>(
        town,
        `SELECT id, created_at AS created, updated_at AS updated FROM ${t}`,
      )) {
        expect(uuidValidate(r.id)).toBe(true)
        expect(uuidVersion(r.id)).toBe(7)
        expect(uuidInstant(r.id)).toBe(r.created)
        expect(r.created <= r.updated).toBe(true)
        expect(r.created < `${TODAY}T00:00:00Z`).toBe(true)
      }
    }
    for (const t of ['schools', 'family_members', 'schoolings']) {
      for (const r of all<{ id: string }>(town, `SELECT id FROM ${t}`)) expect(uuidVersion(r.id)).toBe(7)
    }
  })

  it('writes French names with accents, hyphens, apostrophes and particles', () => {
    const last = all<{ v: string }>(town, 'SELECT DISTINCT last_name AS v FROM persons').map((r) => r.v)
    const first = all<{ v: string }>(town, 'SELECT DISTINCT first_names AS v FROM persons').map((r) => r.v)
    expect(last.some((n) => /[àâäçéèêëîïôöùûüÿ]/i.test(n))).toBe(true)
    expect(last.some((n) => /\w-\w/.test(n))).toBe(true)
    expect(last.some((n) => /'/.test(n))).toBe(true)
    expect(last.some((n) => /^(Le|Da|Dos|De|de|Ben|El) /.test(n))).toBe(true)
    expect(first.some((n) => /[éèëïÉ]/.test(n))).toBe(true)
    expect(first.some((n) => /\w-\w/.test(n))).toBe(true)
    expect(one<{ n: number }>(town, `SELECT count(*) AS n FROM families WHERE name = 'Lefèvre'`).n).toBeGreaterThanOrEqual(3)
    expect(one<{ n: number }>(town, `SELECT count(*) AS n FROM persons WHERE first_names = 'Jean-Baptiste'`).n).toBeGreaterThanOrEqual(1)
    // Some mothers use a usual name and keep their birth name.
    expect(one<{ n: number }>(town, 'SELECT count(*) AS n FROM persons WHERE birth_name IS NOT NULL AND birth_name <> last_name').n).toBeGreaterThan(10)
  })

  it('finds the families through the search index (accents and hyphens folded)', () => {
    const lefevre = searchFamilies(town, 'lefevre', 50)
    expect(lefevre.length).toBeGreaterThanOrEqual(3)
    expect(lefevre.some((f) => f.name === 'Lefèvre')).toBe(true)
    const jb = searchFamilies(town, 'jean baptiste', 50)
    expect(jb.length).toBeGreaterThanOrEqual(1)
    expect(jb.some((f) => f.guardians.some((g) => g.startsWith('Jean-Baptiste')) || f.children.some((c) => c.startsWith('Jean-Baptiste')))).toBe(true)
  })

  it('writes realistic addresses, phones, e-mails and allocataire numbers', () => {
    const families = all<{ line1: string; postcode: string; city: string; caisse: string | null; num: string | null }>(
      town,
      'SELECT address_line1 AS line1, postcode, city, caisse, allocataire_number AS num FROM families',
    )
    const towns: Record<string, string> = { '78420': 'Carrières-sur-Seine', '78400': 'Chatou', '78800': 'Houilles', '78360': 'Montesson' }
    for (const f of families) {
      expect(towns[f.postcode]).toBe(f.city)
      expect(f.line1).toMatch(/^\d{1,3}( bis| ter)? \S/)
      if (f.caisse) expect(f.num).toMatch(/^\d{7}$/)
      else expect(f.num).toBeNull()
    }
    const local = families.filter((f) => f.postcode === '78420').length / families.length
    expect(local).toBeGreaterThan(0.93)
    const caf = families.filter((f) => f.caisse === 'CAF').length / families.length
    expect(caf).toBeGreaterThan(0.3)
    expect(caf).toBeLessThan(0.5)

    const people = all<{ mobile: string | null; home: string | null; work: string | null; email: string | null }>(
      town,
      'SELECT phone_mobile AS mobile, phone_home AS home, phone_work AS work, email FROM persons',
    )
    for (const p of people) {
      // Stored in E.164 (+33 and nine digits), as the counter stores them.
      if (p.mobile) expect(p.mobile).toMatch(/^\+33[67]\d{8}$/)
      if (p.home) expect(p.home).toMatch(/^\+33[19]\d{8}$/)
      if (p.work) expect(p.work).toMatch(/^\+331\d{8}$/)
      if (p.email) expect(p.email).toMatch(/^[a-z0-9][a-z0-9.-]*@(orange\.fr|free\.fr|gmail\.com|laposte\.net|sfr\.fr|outlook\.fr|hotmail\.fr|yahoo\.fr)$/)
    }
    expect(people.filter((p) => p.email).length).toBeGreaterThan(300)
    expect(people.some((p) => p.home?.startsWith('+33139'))).toBe(true)
  })

  it('adds contacts (some allowed to pick up, some forbidden) and shared-custody children', () => {
    const big = openFresh('big')
    generateTown(big, { ...base, families: 2000 })
    const withContact = one<{ n: number }>(
      big,
      `SELECT count(DISTINCT family_id) AS n FROM family_members WHERE role = 'contact' AND forbidden_pick_up = 0`,
    ).n
    expect(withContact / 2000).toBeGreaterThan(0.22)
    expect(withContact / 2000).toBeLessThan(0.38)
    const forbidden = one<{ n: number }>(
      big,
      `SELECT count(DISTINCT family_id) AS n FROM family_members WHERE forbidden_pick_up = 1`,
    ).n
    expect(forbidden / 2000).toBeGreaterThan(0.01)
    expect(forbidden / 2000).toBeLessThan(0.06)
    // A forbidden person is never allowed to pick up nor an emergency contact.
    expect(one<{ n: number }>(big, `SELECT count(*) AS n FROM family_members WHERE forbidden_pick_up = 1 AND (may_pick_up = 1 OR emergency_contact = 1)`).n).toBe(0)
    expect(one<{ n: number }>(big, `SELECT count(*) AS n FROM family_members WHERE role = 'contact' AND relation IS NULL`).n).toBe(0)

    const shared = all<{ person_id: string }>(
      big,
      `SELECT person_id FROM family_members WHERE role = 'enfant' GROUP BY person_id HAVING count(*) = 2`,
    )
    const kids = one<{ n: number }>(big, `SELECT count(DISTINCT person_id) AS n FROM family_members WHERE role = 'enfant'`).n
    expect(shared.length / kids).toBeGreaterThan(0.005)
    expect(shared.length / kids).toBeLessThan(0.05)
    expect(one<{ n: number }>(big, `SELECT max(c) AS n FROM (SELECT count(*) AS c FROM family_members WHERE role = 'enfant' GROUP BY person_id)`).n).toBe(2)
    // Each shared child has exactly one schooling.
    for (const s of shared.slice(0, 20)) {
      expect(one<{ n: number }>(big, 'SELECT count(*) AS n FROM schoolings WHERE person_id = ?', s.person_id).n).toBe(1)
    }
    expect(all(big, 'PRAGMA foreign_key_check')).toEqual([])
  })

  it('adds to a non-empty database: codes continue, schools are reused, people differ', () => {
    const db = openFresh('twice')
    generateTown(db, { ...base, families: 40 })
    const firstPeople = all<{ n: string }>(db, `SELECT first_names || ' ' || last_name AS n FROM persons ORDER BY id`).map((r) => r.n)
    const second = generateTown(db, { ...base, families: 25 })
    expect(second.families).toBe(25)
    expect(second.schools).toBe(7)
    expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM schools').n).toBe(7)
    expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM families').n).toBe(65)
    expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM family_search').n).toBe(65)
    const codes = all<{ code: string }>(db, 'SELECT code FROM families ORDER BY code').map((r) => r.code)
    expect(codes).toEqual(Array.from({ length: 65 }, (_, i) => codeFamille(100001 + i)))
    const allPeople = all<{ n: string }>(db, `SELECT first_names || ' ' || last_name AS n FROM persons ORDER BY id`).map((r) => r.n)
    expect(allPeople.length).toBe(firstPeople.length + second.persons)
    expect(all(db, 'PRAGMA foreign_key_check')).toEqual([])
  })

  it('works before the rentrée too (today in spring, children for next school year)', () => {
    const db = openFresh('spring')
    generateTown(db, { families: 200, seed: 5, schoolYear: '2026-2027', today: '2026-04-15' })
    for (const k of all<{ birth: string; level: string }>(
      db,
      'SELECT p.birth_date AS birth, s.level FROM schoolings s JOIN persons p ON p.id = s.person_id',
    )) {
      expect(ageOn(k.birth, '2026-04-15')).toBeGreaterThanOrEqual(2)
      expect(ageOn(k.birth, '2026-04-15')).toBeLessThanOrEqual(11)
      expect(k.level).toBe(expectedLevel(k.birth, '2026-2027'))
    }
  })

  it('refuses bad options with a clear message and writes nothing', () => {
    const db = openFresh('bad')
    expect(() => generateTown(db, { ...base, families: 0 })).toThrow(/Nombre de familles invalide/)
    expect(() => generateTown(db, { ...base, families: 2.5 })).toThrow(RangeError)
    expect(() => generateTown(db, { ...base, families: 200_001 })).toThrow(RangeError)
    expect(() => generateTown(db, { ...base, seed: -1 })).toThrow(/Graine/)
    expect(() => generateTown(db, { ...base, schoolYear: '2026-2028' })).toThrow(/Année scolaire/)
    expect(() => generateTown(db, { ...base, today: '2026-02-30' })).toThrow(/Date invalide/)
    expect(() => generateTown(db, { ...base, today: '2040-01-01' })).toThrow(/Aucun enfant/)
    expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM schools').n).toBe(0)
    expect(one<{ n: number }>(db, 'SELECT count(*) AS n FROM families').n).toBe(0)
  })

  it('states the level rule: by year of birth, TPS for two-year-olds born January–August', () => {
    expect(expectedLevel('2020-12-31', '2026-2027')).toBe('CP')
    expect(expectedLevel('2021-01-01', '2026-2027')).toBe('GS')
    expect(expectedLevel('2022-06-15', '2026-2027')).toBe('MS')
    expect(expectedLevel('2023-03-01', '2026-2027')).toBe('PS')
    expect(expectedLevel('2024-08-31', '2026-2027')).toBe('TPS')
    expect(expectedLevel('2024-09-01', '2026-2027')).toBeNull()
    expect(expectedLevel('2016-05-05', '2026-2027')).toBe('CM2')
    expect(expectedLevel('2015-12-31', '2026-2027')).toBeNull()
  })
})
