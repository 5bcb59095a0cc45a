import type Database from 'better-sqlite3'
import { DEFAULT_UNITS } from '../../../common/demo/units'

export { DEFAULT_UNITS }

/** Inserts the town's default units that are missing (see src/common/demo/units.ts). */
export function ensureDefaultUnits(sqlite: Database.Database): number {
  const insert = sqlite.prepare(
    'INSERT INTO units (id, label, levels, default_capacity) VALUES (?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
  )
  let added = 0
  for (const u of DEFAULT_UNITS) added += insert.run(u.id, u.label, u.levels, u.defaultCapacity).changes
  return added
}
