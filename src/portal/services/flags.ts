import { sql } from 'drizzle-orm'
import { rows, type PortalDb } from '../db/client'
import type { FlagSchema } from '../http/schemas'
import type { z } from 'zod'

/**
 * The flagged facts, as the portal holds them (shared table `flags`, written by the shared
 * commands: src/shared/commands). Open ones first, newest first.
 */
export async function listFlags(db: PortalDb): Promise<Array<z.infer<typeof FlagSchema>>> {
  return rows<z.infer<typeof FlagSchema>>(
    db,
    sql`SELECT id, command_id AS "commandId", command_name AS "commandName", workstation_id AS "workstationId",
               agent_id AS "agentId", family_id AS "familyId", kind, code, reason, data, at, status,
               resolved_by AS "resolvedBy", resolved_at AS "resolvedAt", resolution_note AS "resolutionNote"
        FROM flags ORDER BY (status = 'resolved'), at DESC, id DESC LIMIT 500`,
  )
}
