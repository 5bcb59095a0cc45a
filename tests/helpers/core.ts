import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { createCore, type Core, type CoreOptions } from '../../src/main/core'
import { createAgent } from '../../src/main/core/services/agents'
import { reindexFamilies } from '../../src/main/core/services/search'
import { ensureDefaultUnits } from '../../src/main/core/demo/units'
import { enrolForBooking } from './bookings'
import { testClock } from './clock'

export const MIGRATIONS = resolve(__dirname, '../../resources/migrations')

export function tempDir(prefix = 'guichet-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** A controllable clock for idle-lock and throttling tests. */
export function fakeClock(start = '2026-11-27T09:00:00Z') {
  let t = new Date(start).getTime()
  return {
    now: () => new Date(t),
    advance: (seconds: number) => {
      t += seconds * 1000
    },
  }
}

export async function makeCore(opts: Partial<CoreOptions> = {}): Promise<Core & { dir: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir()
  const core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {}, ...opts })
  return Object.assign(core, {
    dir,
    cleanup: () => {
      core.close()
      cleanup()
    },
  })
}

export const AGENTS = {
  accueil: { login: 'c.martin', password: 'motdepasse-accueil', displayName: 'Camille Martin', role: 'accueil' },
  regie: { login: 'r.lemaire', password: 'motdepasse-regie', displayName: 'Régis Lemaire', role: 'regisseur' },
  responsable: { login: 'h.dubois', password: 'motdepasse-resp', displayName: 'Hélène Dubois', role: 'responsable' },
} as const

export function addAgents(sqlite: Database.Database) {
  return {
    accueil: createAgent(sqlite, AGENTS.accueil),
    regie: createAgent(sqlite, AGENTS.regie),
    responsable: createAgent(sqlite, AGENTS.responsable),
  }
}

interface PersonInput {
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  firstNames: string
  lastName: string
  birthName?: string
  birthDate?: string
  phoneMobile?: string
  email?: string
  level?: string
  relation?: string
  mayPickUp?: boolean
}

/** Inserts one family with its members through plain SQL, then indexes it. */
export function addFamily(
  sqlite: Database.Database,
  f: { code: string; name: string; city?: string; members: PersonInput[] },
  opts: { index?: boolean } = {},
): string {
  const familyId = uuidv7()
  sqlite.transaction(() => {
    sqlite
      .prepare(`INSERT INTO families (id, code, name, address_line1, postcode, city) VALUES (?, ?, ?, ?, ?, ?)`)
      .run(familyId, f.code, f.name, '12 rue Victor-Hugo', '78420', f.city ?? 'Carrières-sur-Seine')
    let school = sqlite.prepare(`SELECT id FROM schools LIMIT 1`).get() as { id: string } | undefined
    if (!school) {
      school = { id: uuidv7() }
      sqlite
        .prepare(`INSERT INTO schools (id, name, kind, address) VALUES (?, ?, 'primaire', ?)`)
        .run(school.id, 'Groupe scolaire Les Amandiers', '1 rue des Amandiers')
    }
    for (const m of f.members) {
      const personId = uuidv7()
      sqlite
        .prepare(
          `INSERT INTO persons (id, last_name, birth_name, first_names, birth_date, phone_mobile, email) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(personId, m.lastName, m.birthName ?? null, m.firstNames, m.birthDate ?? null, m.phoneMobile ?? null, m.email ?? null)
      sqlite
        .prepare(
          `INSERT INTO family_members (id, family_id, person_id, role, relation, legal_guardian, may_pick_up) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(uuidv7(), familyId, personId, m.role, m.relation ?? null, m.role.startsWith('RL') ? 1 : 0, m.mayPickUp ? 1 : 0)
      if (m.level) {
        sqlite
          .prepare(`INSERT INTO schoolings (id, person_id, school_id, level, class_name, school_year) VALUES (?, ?, ?, ?, ?, ?)`)
          .run(uuidv7(), personId, school.id, m.level, `${m.level}-A`, '2026-2027')
      }
    }
    if (opts.index !== false) reindexFamilies(sqlite, [familyId])
  })()
  return familyId
}

export function count(sqlite: Database.Database, table: string, where = '1 = 1'): number {
  return (sqlite.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n
}

export type TestCore = Awaited<ReturnType<typeof makeCore>>

/**
 * A core at TEST_INSTANT with the test agents, the default units, the shipped calendar, and the
 * Lefèvre family (one guardian, one child in CP, enrolled at the canteen of her school), `agent` logged in.
 */
export async function bookingCore(agent: keyof typeof AGENTS) {
  const core = await makeCore({ now: testClock() })
  addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  const session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS[agent].login, password: AGENTS[agent].password })
  const familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre', phoneMobile: '06 12 34 56 78' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', level: 'CP' },
    ],
  })
  const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE role = 'enfant'`).pluck().get() as string
  const siteId = core.sqlite.prepare('SELECT id FROM schools').pluck().get() as string
  enrolForBooking(core.sqlite, { familyId, childId, siteId, unitId: 'cantine' })
  return { core, session, familyId, childId, siteId }
}
