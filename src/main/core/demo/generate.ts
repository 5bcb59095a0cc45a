import type Database from 'better-sqlite3'
import { codeFamilleNumber } from '@shared/domain/codeFamille'
import { columnsOf, type EntityName, type Row } from '@shared/sync/entities'
import {
  generateTownRows,
  type ExistingTown,
  type GenerateTownOptions,
  type GenerateTownResult,
  type TownSink,
} from '../../../common/demo/generate'
import { reindexAllFamilies } from '../services/search'
import { ensureShippedCalendar } from './town-defaults'

export {
  DEFAULT_DEMO_SEED,
  expectedLevel,
  MAX_DEMO_FAMILIES,
  schoolYearStart,
  type GenerateTownOptions,
  type GenerateTownResult,
} from '../../../common/demo/generate'

/**
 * The demo town in the workstation's SQLite: the generator (src/common/demo/generate.ts)
 * writes through a sink that inserts each row as it comes.
 */
export function sqliteTownSink(sqlite: Database.Database): TownSink {
  const statements = new Map<EntityName, { columns: string[]; run: (values: unknown[]) => void }>()
  return {
    put(entity: EntityName, row: Row): void {
      let statement = statements.get(entity)
      if (!statement) {
        const columns = columnsOf(entity)
        const prepared = sqlite.prepare(`INSERT INTO ${entity} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`)
        statement = { columns, run: (values) => prepared.run(...values) }
        statements.set(entity, statement)
      }
      statement.run(statement.columns.map((c) => toSqlite(row[c])))
    },
  }
}

function toSqlite(value: Row[string] | undefined): string | number | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'boolean') return value ? 1 : 0
  return value
}

/** What the database already holds: its schools, its highest code famille, its units. */
export function existingTown(sqlite: Database.Database): ExistingTown {
  let highestCodeNumber = 0
  for (const code of sqlite.prepare('SELECT code FROM families').pluck().iterate() as IterableIterator<string>) {
    const n = codeFamilleNumber(code)
    if (n !== null && n > highestCodeNumber) highestCodeNumber = n
  }
  return {
    schools: sqlite.prepare('SELECT id, kind FROM schools ORDER BY id').all() as Array<{ id: string; kind: string }>,
    highestCodeNumber,
    unitIds: new Set(sqlite.prepare('SELECT id FROM units').pluck().all() as string[]),
  }
}

/**
 * Adds `opts.families` demo families (and the town's schools with the services they run if
 * there are none yet, the children's inscriptions, and the shipped calendar if there is none) in one
 * transaction, then rebuilds the family search index. Codes famille continue after the highest
 * existing one, so it can run on a database that already holds families.
 */
export function generateTown(sqlite: Database.Database, opts: GenerateTownOptions): GenerateTownResult {
  const result = sqlite.transaction(() => {
    const town = generateTownRows(sqliteTownSink(sqlite), opts, existingTown(sqlite))
    // Bookings need the school calendar: the demo town comes with the shipped one.
    ensureShippedCalendar(sqlite)
    return town
  })()
  reindexAllFamilies(sqlite)
  return result
}
