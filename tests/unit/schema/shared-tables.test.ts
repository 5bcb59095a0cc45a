import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entityOrder } from '@shared/sync/entities'
import { openDatabase } from '../../../src/main/core/db/client'
import { openPortalDb, type PortalDatabase } from '../../../src/portal/db/client'
import { MIGRATIONS, tempDir } from '../../helpers/core'
import { backends, type BackendHandle } from '../../integration/portal/backends'
import { diffCatalogue, diffShapes, normaliseCheck, pgShape, sqliteShape, type SchemaShape } from './shapes'

/**
 * One declaration per shared table, checked: the workstation's SQLite (resources/migrations)
 * and the portal's PostgreSQL (resources/portal-migrations, on PGlite, and on a PostgreSQL
 * server when DATABASE_URL is set) must hold the same shared tables, column for column, key
 * for key, constraint for constraint, and both must match the entity catalogue.
 */

const PORTAL_MIGRATIONS = resolve(__dirname, '../../../resources/portal-migrations')
const cleanups: Array<() => void | Promise<void>> = []
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function dir(): string {
  const t = tempDir('guichet-schema-')
  cleanups.push(t.cleanup)
  return t.dir
}

/** A copy of a migration folder with one more migration at its end. */
function withExtraMigration(folder: string, extraSql: string): string {
  const copy = join(dir(), 'migrations')
  cpSync(folder, copy, { recursive: true })
  const journalPath = join(copy, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ idx: number; when: number; tag: string }> }
  const last = journal.entries.at(-1)!
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag: '9999_edited' })
  writeFileSync(journalPath, JSON.stringify(journal))
  writeFileSync(join(copy, '9999_edited.sql'), extraSql)
  return copy
}

let sqliteFile: string
let sqlite: SchemaShape

beforeAll(async () => {
  sqliteFile = join(dir(), 'guichet.sqlite')
  const opened = await openDatabase({ file: sqliteFile, migrationsFolder: MIGRATIONS })
  sqlite = sqliteShape(opened.sqlite, entityOrder)
  opened.sqlite.close()
})

describe('CHECK normalisation', () => {
  it('reads the same enum from both dialects, and keeps different enums apart', () => {
    const fromSqlite = normaliseCheck(`CHECK("state" IN ('reserve', 'annule'))`)
    const fromPg = normaliseCheck(`CHECK ((state = ANY (ARRAY['annule'::text, 'reserve'::text])))`)
    expect(fromSqlite).toBe('state IN {annule, reserve}')
    expect(fromPg).toBe(fromSqlite)
    expect(normaliseCheck(`CHECK ((state = ANY (ARRAY['reserve'::text])))`)).not.toBe(fromSqlite)
    expect(normaliseCheck(`CHECK ((amount_cents > 0))`)).toBe(normaliseCheck(`CHECK("amount_cents" > 0)`))
  })
})

describe('the SQLite schema', () => {
  it('has every shared table, with its keys, cascades and enums (the readers see them)', () => {
    expect(Object.keys(sqlite).sort()).toEqual([...entityOrder].sort())
    expect(sqlite.family_members!.foreignKeys).toEqual([
      '(family_id) → families(id) ON DELETE cascade ON UPDATE no action',
      '(person_id) → persons(id) ON DELETE restrict ON UPDATE no action',
    ])
    expect(sqlite.family_members!.unique).toEqual(['(family_id, person_id)'])
    expect(sqlite.agents!.unique).toEqual(['(login)'])
    expect(sqlite.reservations!.checks).toEqual([
      'attendance IN {absent_injustifie, absent_justifie, present}',
      'channel IN {guichet, portail}',
      'state IN {annule, attente, reserve, sans_reservation}',
    ])
    expect(sqlite.families!.columns.paperless_invoices).toEqual({ type: 'bool', notNull: true, default: 'false' })
    expect(diffCatalogue(sqlite, 'SQLite')).toEqual([])
  })
})

describe.each(backends)('SQLite and the portal on $name', (backend) => {
  let handle: BackendHandle
  let portal: PortalDatabase
  let pg: SchemaShape

  async function openPortal(migrationsFolder?: string): Promise<{ db: PortalDatabase; h: BackendHandle }> {
    const h = await backend.open()
    const db = await openPortalDb({
      dataDir: h.dataDir,
      ...(h.databaseUrl ? { databaseUrl: h.databaseUrl } : {}),
      ...(migrationsFolder ? { migrationsFolder } : {}),
    })
    return { db, h }
  }

  beforeAll(async () => {
    ;({ db: portal, h: handle } = await openPortal())
    pg = await pgShape(portal.db, entityOrder)
  })
  afterAll(async () => {
    await portal?.close()
    await handle?.cleanup()
  })

  it('has exactly the same shared tables as SQLite, and both match the entity catalogue', () => {
    expect(Object.keys(pg).sort()).toEqual([...entityOrder].sort())
    expect(pg.schoolings!.foreignKeys).toContain('(person_id) → persons(id) ON DELETE cascade ON UPDATE no action')
    expect(pg.persons!.columns.created_at!.default).toBe(sqlite.persons!.columns.created_at!.default)
    expect(diffShapes(sqlite, pg)).toEqual([])
    expect(diffCatalogue(pg, backend.name)).toEqual([])
  })

  it('fails, naming the difference, when a copy of the SQLite database loses a cascade and a NOT NULL', () => {
    const file = join(dir(), 'edited.sqlite')
    cpSync(sqliteFile, file)
    const edited = new Database(file)
    edited.pragma('foreign_keys = OFF')
    edited.transaction(() => {
      const create = edited.prepare(`SELECT sql FROM sqlite_master WHERE name = 'family_members'`).pluck().get() as string
      const indexes = edited
        .prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'family_members' AND sql IS NOT NULL`)
        .pluck()
        .all() as string[]
      edited.exec(create.replace(/^CREATE TABLE [`"]?family_members[`"]?/, 'CREATE TABLE `edited`').replace(/ON DELETE cascade/i, 'ON DELETE no action').replace('`relation` text', '`relation` text NOT NULL'))
      edited.exec('INSERT INTO `edited` SELECT * FROM `family_members`; DROP TABLE `family_members`; ALTER TABLE `edited` RENAME TO `family_members`')
      for (const i of indexes) edited.exec(i)
    })()
    const shape = sqliteShape(edited, entityOrder)
    edited.close()
    expect(diffShapes(shape, pg)).toEqual([
      'family_members.relation: NOT NULL on SQLite, nullable on PostgreSQL',
      'family_members: foreign key (family_id) → families(id) ON DELETE no action ON UPDATE no action only on SQLite',
      'family_members: foreign key (family_id) → families(id) ON DELETE cascade ON UPDATE no action only on PostgreSQL',
    ])
  })

  it('fails, naming the difference, when a copy of the portal migrations adds a column, changes an enum and drops a cascade', async () => {
    const folder = withExtraMigration(
      PORTAL_MIGRATIONS,
      [
        'ALTER TABLE "families" ADD COLUMN "notes" text;',
        'ALTER TABLE "reservations" DROP CONSTRAINT "reservations_state_check";',
        `ALTER TABLE "reservations" ADD CONSTRAINT "reservations_state_check" CHECK ("state" IN ('reserve', 'annule', 'attente'));`,
        'ALTER TABLE "schoolings" DROP CONSTRAINT "schoolings_person_id_persons_id_fk";',
        'ALTER TABLE "schoolings" ADD CONSTRAINT "schoolings_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "persons"("id");',
        'ALTER TABLE "agents" ALTER COLUMN "active" SET DEFAULT false;',
      ].join('\n--> statement-breakpoint\n'),
    )
    const { db, h } = await openPortal(folder)
    try {
      const edited = await pgShape(db.db, entityOrder)
      expect(diffShapes(sqlite, edited)).toEqual([
        'agents.active: default true on SQLite, false on PostgreSQL',
        'families.notes: column only on PostgreSQL',
        'reservations: check state IN {annule, attente, reserve, sans_reservation} only on SQLite',
        'reservations: check state IN {annule, attente, reserve} only on PostgreSQL',
        'schoolings: foreign key (person_id) → persons(id) ON DELETE cascade ON UPDATE no action only on SQLite',
        'schoolings: foreign key (person_id) → persons(id) ON DELETE no action ON UPDATE no action only on PostgreSQL',
      ])
      expect(diffCatalogue(edited, 'PostgreSQL')).toEqual([
        'families.notes: on PostgreSQL, not in the entity catalogue',
        'reservations.state: CHECK state IN {annule, attente, reserve, sans_reservation} of the entity catalogue missing on PostgreSQL',
      ])
    } finally {
      await db.close()
      await h.cleanup()
    }
  })
})
