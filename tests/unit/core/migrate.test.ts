import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../../../src/main/core/db/client'
import { DatabaseFromFutureError } from '../../../src/main/core/db/migrate'
import { MIGRATIONS, tempDir } from '../../helpers/core'

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
