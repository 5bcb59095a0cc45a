import type Database from 'better-sqlite3'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES, DEFAULT_TOWN_OPTIONS, DEFAULTS_UPDATED_AT } from '@shared/domain/documentDefaults'
import { columnsOf, normalizeRow, type EntityName, type Row } from '@shared/sync/entities'
import { shippedCalendarRows } from '../../../common/demo/calendar'

/**
 * The shipped school calendar (src/common/demo/calendar.ts) when the workstation has none: its
 * demo town, or a counter without a portal. A calendar the town already has is left alone.
 * Returns how many rows were added.
 */
export function ensureShippedCalendar(sqlite: Database.Database): number {
  if ((sqlite.prepare('SELECT count(*) FROM calendar_periods').pluck().get() as number) > 0) return 0
  const cols = columnsOf('calendar_periods')
  const stmt = sqlite.prepare(`INSERT INTO calendar_periods (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT(id) DO NOTHING`)
  let added = 0
  for (const row of shippedCalendarRows()) {
    const values = normalizeRow('calendar_periods', row)
    added += stmt.run(...cols.map((c) => values[c] ?? null)).changes
  }
  return added
}

/**
 * The default town data (document requirements, types, town options and the school calendar) on a workstation that
 * has no portal (the demo town): the rows the portal would send, with the same ids, inserted
 * when missing (a pull or a bootstrap from a portal later replaces them with the town's own).
 * Returns how many rows were added.
 */
export function ensureTownDefaults(sqlite: Database.Database): number {
  const insert = (entity: EntityName, row: Row): number => {
    const cols = columnsOf(entity)
    const values = normalizeRow(entity, row)
    const stmt = sqlite.prepare(`INSERT INTO ${entity} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT(id) DO NOTHING`)
    return stmt.run(...cols.map((c) => (typeof values[c] === 'boolean' ? (values[c] ? 1 : 0) : values[c]))).changes
  }
  return sqlite.transaction(() => {
    let added = 0
    for (const r of DEFAULT_DOCUMENT_REQUIREMENTS) added += insert('document_requirements', r as unknown as Row)
    for (const t of DEFAULT_DOCUMENT_TYPES) added += insert('document_types', t as unknown as Row)
    for (const [id, value] of Object.entries(DEFAULT_TOWN_OPTIONS)) added += insert('town_options', { id, value, updated_at: DEFAULTS_UPDATED_AT })
    added += ensureShippedCalendar(sqlite)
    return added
  })()
}
