import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { codeFamilleNumber } from '@shared/domain/codeFamille'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { entityOrder, type EntityName, type Row } from '@shared/sync/entities'
import { DEMO_AGENTS, initialsOf } from '../../common/agents'
import { shippedCalendarRows } from '../../common/demo/calendar'
import { DEFAULT_DEMO_SEED, generateTownRows, type TownSink } from '../../common/demo/generate'
import { hashPassword } from '../../common/passwords'
import { rows, type PortalDb } from '../db/client'
import { EntityStore } from '../db/store'
import { FIRST_WORKSTATION_CODE } from './workstations'

/**
 * The demo town on the portal: the deterministic generator shared with the workstation
 * (src/common/demo/generate.ts) writes its rows to a sink that keeps them per table, and they
 * go into PostgreSQL in dependency order (multi-row INSERTs of 1,000, each row with its
 * change-log row, so pulls from any cursor stay correct), with the demo agents. Runs again on
 * a portal that already has a town: schools and units are reused, codes famille continue below
 * the workstations' ranges.
 */

export interface SeedDemoOptions {
  families: number
  seed?: number
  /** Reference day for ages (YYYY-MM-DD, default: today in Paris). */
  today?: string
  schoolYear?: string
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

/** Rows kept per table, in the order the generator wrote them. */
class TableSink implements TownSink {
  readonly tables = new Map<EntityName, Row[]>()

  put(entity: EntityName, row: Row): void {
    const list = this.tables.get(entity)
    if (list) list.push(row)
    else this.tables.set(entity, [row])
  }
}

export async function seedDemo(db: PortalDb, opts: SeedDemoOptions): Promise<SeedDemoResult> {
  const started = performance.now()
  const today = opts.today ?? parisDay(new Date())
  const schoolYear = opts.schoolYear ?? schoolYearOf(today)

  // What the portal already has: schools and units (reused by the generator) and the highest demo code.
  const schools = await rows<{ id: string; kind: string }>(db, sql`SELECT id, kind FROM schools ORDER BY id`)
  const units = await rows<{ id: string }>(db, sql`SELECT id FROM units`)
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

  const sink = new TableSink()
  const generated = generateTownRows(
    sink,
    { families: opts.families, seed: opts.seed ?? DEFAULT_DEMO_SEED, schoolYear, today },
    { schools, highestCodeNumber: highest, unitIds: new Set(units.map((u) => u.id)) },
  )
  const generateSeconds = (performance.now() - started) / 1000

  const copyStarted = performance.now()
  const at = new Date().toISOString()
  const agentHashes = await Promise.all(DEMO_AGENTS.map((a) => hashPassword(a.password)))
  const agentRows = DEMO_AGENTS.map(
    (a, i): Row => ({
      id: uuidv7(),
      login: a.login,
      display_name: a.displayName,
      initials: initialsOf(a.displayName),
      role: a.role,
      password_hash: agentHashes[i]!,
      active: true,
      created_at: at,
      updated_at: at,
    }),
  )
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
      if (entity === 'calendar_periods') {
        // Bookings need the school calendar (seedTownDefaults writes it at start; a portal emptied since gets it back).
        if ((await store.count('calendar_periods', {})) === 0) written += await store.insertMany('calendar_periods', shippedCalendarRows())
        continue
      }
      const list = sink.tables.get(entity)
      if (list) written += await store.insertMany(entity, list, { onConflict: 'nothing' })
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
}
