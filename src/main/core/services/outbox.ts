import type Database from 'better-sqlite3'
import { PAYLOAD_SCHEMA_VERSION } from '@shared/contract'

export interface OutboxEntry {
  commandId: string
  name: string
  payload: unknown
  agentId: string | null
  at: Date
}

/** Appends a command to the outbox. Must run inside the command's own transaction. */
export function appendOutbox(sqlite: Database.Database, e: OutboxEntry): number {
  const info = sqlite
    .prepare(
      `INSERT INTO outbox (command_id, name, payload, schema_version, agent_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(e.commandId, e.name, JSON.stringify(e.payload), PAYLOAD_SCHEMA_VERSION, e.agentId, e.at.toISOString())
  return Number(info.lastInsertRowid)
}

export function countPendingOutbox(sqlite: Database.Database): number {
  return (sqlite.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`).get() as { n: number }).n
}
