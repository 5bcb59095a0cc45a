import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { codeFamilleNumber } from '@shared/domain/codeFamille'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { columnsOf, entityOrder, type EntityName, type Row } from '@shared/sync/entities'
import { openDatabase } from '../../main/core/db/client'
import { DEFAULT_DEMO_SEED, generateTown } from '../../main/core/demo/generate'
import { DEMO_AGENTS } from '../../main/core/handlers'
import { initialsOf } from '../../main/core/services/agents'
import { hashPassword } from '../../main/core/services/passwords'
import { rows, type PortalDb } from '../db/client'
import { EntityStore } from '../db/store'
import { WORKSTATION_MIGRATIONS_FOLDER } from '../paths'
import { FIRST_WORKSTATION_CODE } from './workstations'

/**
 * The demo town on the portal: the workstation's own deterministic generator writes it into a
 * throwaway SQLite database, and its rows are copied into PostgreSQL (multi-row INSERTs of 500,
 * each row with its change-log row, so pulls from any cursor stay correct), with the demo
 * agents and the units. Runs again on a portal that already has a town: schools and units are
 * reused, codes famille continue below the workstations' ranges.
 */

export interface SeedDemoOptions {
  families: number
  seed?: number
  /** Reference day for ages (YYYY-MM-DD, default: today in Paris). */
  today?: string
  schoolYear?: string
  workstationMigrationsFolder?: string
}

export interface SeedDemoResult {
  families: number
  persons: number
  /** Rows written to shared tables (each with its change-log row). */
  rows: number
  agents: number
  seconds: number
  generateSeconds: number
  copySeconds: number
}

const COPY_PAGE = 5000

export async function seedDemo(db: PortalDb, opts: SeedDemoOptions): Promise<SeedDemoResult> {
  const started = performance.now()
  const today = opts.today ?? parisDay(new Date())
  const schoolYear = opts.schoolYear ?? schoolYearOf(today)
  const dir = mkdtempSync(join(tmpdir(), 'portal-demo-'))
  let opened: Awaited<ReturnType<typeof openDatabase>> | null = null
  try {
    // What the portal already has: schools (reused by the generator) and the highest demo code.
    const schools = await rows<Record<string, unknown>>(db, sql`SELECT id, name, kind, address FROM schools ORDER BY id`)
    const codes = await rows<{ code: string }>(db, sql`SELECT code FROM families`)
    let highest = 0
    for (const { code } of codes) {
      const n = codeFamilleNumber(code)
      if (n !== null && n < FIRST_WORKSTATION_CODE && n > highest) highest = n
    }
    if (highest + opts.families >= FIRST_WORKSTATION_CODE) {
      throw new RangeError(
        `Trop de familles de démonstration : les codes famille ${highest + 1}… dépasseraient ${FIRST_WORKSTATION_CODE - 1} (plages des postes).`,
      )
    }

    opened = await openDatabase({ file: join(dir, 'demo.sqlite'), migrationsFolder: opts.workstationMigrationsFolder ?? WORKSTATION_MIGRATIONS_FOLDER })
    const sqlite = opened.sqlite
    const placeholderId = '00000000-0000-7000-8000-000000000000'
    sqlite.transaction(() => {
      const insertSchool = sqlite.prepare('INSERT INTO schools (id, name, kind, address) VALUES (?, ?, ?, ?)')
      for (const s of schools) insertSchool.run(s.id, s.name, s.kind, s.address)
      if (highest > 0) {
        sqlite
          .prepare(`INSERT INTO families (id, code, name, address_line1, postcode, city) VALUES (?, ?, '-', '-', '-', '-')`)
          .run(placeholderId, codes.find((c) => codeFamilleNumber(c.code) === highest)?.code)
      }
    })()
    const generated = generateTown(sqlite, { families: opts.families, seed: opts.seed ?? DEFAULT_DEMO_SEED, schoolYear, today })
    if (highest > 0) sqlite.prepare('DELETE FROM families WHERE id = ?').run(placeholderId)
    const generateSeconds = (performance.now() - started) / 1000

    const copyStarted = performance.now()
    const agentRows = DEMO_AGENTS.map((a): Row => {
      const at = new Date().toISOString()
      return {
        id: uuidv7(),
        login: a.login,
        display_name: a.displayName,
        initials: initialsOf(a.displayName),
        role: a.role,
        password_hash: hashPassword(a.password),
        active: true,
        created_at: at,
        updated_at: at,
      }
    })
    let written = 0
    let agents = 0
    await EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store, tx) => {
      for (const entity of entityOrder) {
        if (entity === 'agents') {
          const existing = new Set((await rows<{ login: string }>(tx, sql`SELECT login FROM agents`)).map((r) => r.login))
          agents = await store.insertMany(
            'agents',
            agentRows.filter((a) => !existing.has(String(a.login))),
          )
          written += agents
          continue
        }
        written += await copyEntity(sqlite, entity, async (page) => store.insertMany(entity, page, { onConflict: 'nothing' }))
      }
    })
    // Fresh statistics for the planner (an embedded PGlite has no autovacuum to gather them).
    await db.execute(sql`ANALYZE`)
    return {
      families: generated.families,
      persons: generated.persons,
      rows: written,
      agents,
      seconds: (performance.now() - started) / 1000,
      generateSeconds,
      copySeconds: (performance.now() - copyStarted) / 1000,
    }
  } finally {
    opened?.sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

async function copyEntity(sqlite: Database.Database, entity: EntityName, write: (page: Row[]) => Promise<number>): Promise<number> {
  const select = sqlite.prepare(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity}`)
  let page: Row[] = []
  let written = 0
  for (const row of select.iterate() as IterableIterator<Row>) {
    page.push(row)
    if (page.length >= COPY_PAGE) {
      written += await write(page)
      page = []
    }
  }
  if (page.length > 0) written += await write(page)
  return written
}
