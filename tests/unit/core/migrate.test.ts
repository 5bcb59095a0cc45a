import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/main/core/db/client'
import { DatabaseFromFutureError } from '../../../src/main/core/db/migrate'
import { reindexAllFamilies } from '../../../src/main/core/services/search'
import { addAgents, addFamily, count, MIGRATIONS, tempDir } from '../../helpers/core'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

function dir() {
  const t = tempDir()
  cleanups.push(t.cleanup)
  return t.dir
}

/** A copy of the shipped migrations plus one more, as a newer app version would ship. */
function newerMigrations(extraSql: string): string {
  const folder = join(dir(), 'migrations')
  cpSync(MIGRATIONS, folder, { recursive: true })
  const journalPath = join(folder, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ idx: number; when: number; tag: string }> }
  const last = journal.entries.at(-1)!
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 1000, tag: '9999_next' })
  writeFileSync(journalPath, JSON.stringify(journal))
  writeFileSync(join(folder, '9999_next.sql'), extraSql)
  return folder
}

/** A copy of the shipped migrations cut after the first `n`, as an older app version shipped them. */
function olderMigrations(n: number): string {
  const folder = join(dir(), 'older-migrations')
  cpSync(MIGRATIONS, folder, { recursive: true })
  const journalPath = join(folder, 'meta/_journal.json')
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] }
  journal.entries = journal.entries.slice(0, n)
  writeFileSync(journalPath, JSON.stringify(journal))
  return folder
}

function shippedMigrations(): number {
  return (JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }).entries.length
}

describe('database open and migrations', () => {
  it('creates the schema with WAL and foreign keys on', async () => {
    const file = join(dir(), 'guichet.sqlite')
    const { sqlite, migration } = await openDatabase({ file, migrationsFolder: MIGRATIONS })
    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(migration.pending).toBe(migration.known)
    expect(migration.backupFile).toBeNull()
    const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all()
    expect(tables).toEqual(expect.arrayContaining(['families', 'persons', 'journal', 'outbox', 'family_search']))
    expect(() =>
      sqlite.prepare(`INSERT INTO family_members (id, family_id, person_id, role) VALUES ('x', 'nope', 'nope', 'RL1')`).run(),
    ).toThrow(/FOREIGN KEY/)
    sqlite.close()
  })

  it('reopening an up-to-date database changes nothing and takes no backup', async () => {
    const d = dir()
    const file = join(d, 'guichet.sqlite')
    ;(await openDatabase({ file, migrationsFolder: MIGRATIONS })).sqlite.close()
    const again = await openDatabase({ file, migrationsFolder: MIGRATIONS })
    expect(again.migration.pending).toBe(0)
    expect(again.migration.backupFile).toBeNull()
    again.sqlite.close()
  })

  it('backs the database up before migrating it, and the backup holds the old data', async () => {
    const d = dir()
    const file = join(d, 'guichet.sqlite')
    const first = await openDatabase({ file, migrationsFolder: MIGRATIONS })
    first.sqlite.prepare(`INSERT INTO settings (key, value) VALUES ('town.name', 'Chatou')`).run()
    first.sqlite.close()

    const folder = newerMigrations('ALTER TABLE `families` ADD `notes` text;')
    const second = await openDatabase({ file, migrationsFolder: folder })
    expect(second.migration.pending).toBe(1)
    expect(second.migration.backupFile).not.toBeNull()
    expect(existsSync(second.migration.backupFile!)).toBe(true)
    const columns = second.sqlite.prepare(`SELECT name FROM pragma_table_info('families')`).pluck().all()
    expect(columns).toContain('notes')
    second.sqlite.close()

    const backup = new Database(second.migration.backupFile!, { readonly: true })
    expect(backup.prepare(`SELECT value FROM settings WHERE key = 'town.name'`).pluck().get()).toBe('Chatou')
    expect(backup.prepare(`SELECT name FROM pragma_table_info('families')`).pluck().all()).not.toContain('notes')
    backup.close()
  })

  it('a failing migration leaves the database exactly at its previous version', async () => {
    const d = dir()
    const file = join(d, 'guichet.sqlite')
    ;(await openDatabase({ file, migrationsFolder: MIGRATIONS })).sqlite.close()
    const folder = newerMigrations(
      'ALTER TABLE `families` ADD `notes` text;\n--> statement-breakpoint\nTHIS IS NOT SQL;',
    )
    await expect(openDatabase({ file, migrationsFolder: folder })).rejects.toThrow()
    const check = new Database(file, { readonly: true })
    expect(check.prepare(`SELECT name FROM pragma_table_info('families')`).pluck().all()).not.toContain('notes')
    expect(check.prepare(`SELECT count(*) FROM __drizzle_migrations`).pluck().get()).toBe(shippedMigrations())
    check.close()
  })

  it('recreating tables for their CHECK constraints (migration 0003) keeps every row, the search index and the foreign keys', async () => {
    const file = join(dir(), 'guichet.sqlite')
    // The database as version 0002 left it, with a family, its members, a schooling, a booking and an agent.
    const old = await openDatabase({ file, migrationsFolder: olderMigrations(3) })
    addAgents(old.sqlite)
    const familyId = addFamily(
      old.sqlite,
      {
        code: '12345B',
        name: 'Lefèvre',
        members: [
          { role: 'RL1', firstNames: 'Anne', lastName: 'Lefèvre' },
          { role: 'enfant', firstNames: 'Léo', lastName: 'Lefèvre', level: 'CP' },
        ],
      },
      // Today's search documents read columns version 0002 did not have: its index row is written as it was then.
      { index: false },
    )
    old.sqlite
      .prepare(`INSERT INTO family_search (family_id, summary, family, names, other) VALUES (?, '{}', 'lefevre', 'anne lefevre leo', '12345B')`)
      .run(familyId)
    old.sqlite.exec(`INSERT INTO units (id, label, levels, default_capacity) VALUES ('cantine', 'Cantine', 'tous', 100)`)
    const child = old.sqlite.prepare(`SELECT person_id FROM schoolings`).pluck().get() as string
    const site = old.sqlite.prepare(`SELECT id FROM schools`).pluck().get() as string
    old.sqlite
      .prepare(
        `INSERT INTO reservations (id, family_id, child_id, unit_id, site_id, date, state, channel, created_at, updated_at)
         VALUES ('r1', ?, ?, 'cantine', ?, '2027-01-04', 'reserve', 'guichet', 'x', 'x')`,
      )
      .run(familyId, child, site)
    const tables = ['agents', 'families', 'persons', 'family_members', 'schoolings', 'schools', 'units', 'reservations']
    // The columns version 0002 had (later versions add some: they are compared on the rows that were there).
    const columns = Object.fromEntries(
      tables.map((t) => [t, old.sqlite.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(t) as string[]]),
    )
    const dump = (db: Database.Database) =>
      Object.fromEntries(
        tables.map((t) => [t, db.prepare(`SELECT ${columns[t]!.map((c) => `"${c}"`).join(', ')} FROM ${t} ORDER BY id`).all()]),
      )
    const before = dump(old.sqlite)
    old.sqlite.close()

    const now = await openDatabase({ file, migrationsFolder: MIGRATIONS })
    expect(now.migration.applied).toBe(3)
    expect(now.migration.pending).toBe(shippedMigrations() - 3)
    expect(dump(now.sqlite)).toEqual(before)
    expect(now.sqlite.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(now.sqlite.pragma('foreign_key_check')).toEqual([])
    // The search index's shape changed since (migration 0006): the core rebuilds it at start from the rows, all kept.
    reindexAllFamilies(now.sqlite)
    expect(now.sqlite.prepare(`SELECT family_id FROM family_search WHERE family_search MATCH 'lefevre'`).pluck().all()).toEqual([
      familyId,
    ])
    // The enums are enforced now, and family_members still cascades from its family.
    expect(() => now.sqlite.prepare(`UPDATE family_members SET role = 'oncle'`).run()).toThrow(/CHECK constraint/)
    now.sqlite.prepare(`DELETE FROM reservations`).run()
    now.sqlite.prepare(`DELETE FROM families WHERE id = ?`).run(familyId)
    expect(count(now.sqlite, 'family_members')).toBe(0)
    now.sqlite.close()
  })

  it('refuses a database written by a newer version, with a clear French message, and leaves it untouched', async () => {
    const d = dir()
    const file = join(d, 'guichet.sqlite')
    const folder = newerMigrations('CREATE TABLE `future_things` (`id` text PRIMARY KEY);')
    ;(await openDatabase({ file, migrationsFolder: folder })).sqlite.close()
    const before = readFileSync(file)

    const attempt = openDatabase({ file, migrationsFolder: MIGRATIONS })
    await expect(attempt).rejects.toBeInstanceOf(DatabaseFromFutureError)
    await expect(openDatabase({ file, migrationsFolder: MIGRATIONS })).rejects.toThrow(/version plus récente/)
    expect(readFileSync(file).equals(before)).toBe(true)
  })
})
