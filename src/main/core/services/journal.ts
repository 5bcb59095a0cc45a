import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'

export interface JournalEntry {
  at: Date
  agentId: string | null
  workstationId: string
  action: string
  entity?: string | null
  entityId?: string | null
  outcome?: 'ok' | 'refused'
  /** Short technical detail (an error code…). Never personal data, passwords or document contents. */
  detail?: string | null
}

const statements = new WeakMap<Database.Database, Database.Statement>()

export function appendJournal(sqlite: Database.Database, e: JournalEntry): void {
  let stmt = statements.get(sqlite)
  if (!stmt) {
    stmt = sqlite.prepare(
      `INSERT INTO journal (id, at, agent_id, workstation_id, action, entity, entity_id, outcome, detail)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    statements.set(sqlite, stmt)
  }
  stmt.run(
    uuidv7({ msecs: e.at.getTime() }),
    e.at.toISOString(),
    e.agentId,
    e.workstationId,
    e.action,
    e.entity ?? null,
    e.entityId ?? null,
    e.outcome ?? 'ok',
    e.detail ?? null,
  )
}
