import type Database from 'better-sqlite3'
import { DEFAULT_UNITS, unitRow } from '../../../common/demo/units'

export { DEFAULT_UNITS }

/** Inserts the town's default units that are missing (see src/common/demo/units.ts). */
export function ensureDefaultUnits(sqlite: Database.Database): number {
  const insert = sqlite.prepare(
    `INSERT INTO units (id, label, levels, default_capacity, calendar, booking_rule, cancel_rule, sort, active, updated_at)
     VALUES (@id, @label, @levels, @default_capacity, @calendar, @booking_rule, @cancel_rule, @sort, 1, @updated_at) ON CONFLICT(id) DO NOTHING`,
  )
  let added = 0
  for (const u of DEFAULT_UNITS) {
    const { active: _active, ...row } = unitRow(u, null)
    added += insert.run(row).changes
  }
  return added
}
