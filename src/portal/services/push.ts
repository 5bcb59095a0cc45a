import { sql } from 'drizzle-orm'
import { CommandRejection, flagRows, readsOf, runCommand, touchesOf } from '@shared/commands'
import type { Change, PushCommand, PushFlag, PushResponse, PushResult } from '@shared/sync/protocol'
import { fastRows, type PortalDb } from '../db/client'
import { EntityStore } from '../db/store'
import { unauthorized } from '../http/errors'

/**
 * Push: the portal re-runs each command of a workstation, in the workstation's order, exactly
 * once (ARCHITECTURE.md "Sync protocol", promises 2 and 5).
 *
 * The commands of a request are processed in order, in transactions of at most
 * COMMANDS_PER_TRANSACTION commands. Each transaction locks the workstation row (concurrent
 * pushes of one workstation queue there) and compares every command's seq with
 * `last_applied_seq`:
 *   seq ≤ last      → a replay: the stored result is answered, nothing changes;
 *   seq > last + 1  → a gap: processing stops (409 SEQUENCE_GAP if nothing was processed);
 *   seq = last + 1  → the shared command runs (EntityStore.isolated: all of its writes or none);
 *                     an intent's rejection is recorded with its code, reason and the current
 *                     rows of what it touches ("truth"), and never blocks the commands after it;
 *                     a fact is always applied, with the rules it broke written to `flags`
 *                     (ids derived from the command id) and answered as `flags`.
 * The results (applied_commands) and `last_applied_seq` commit in the same transaction as the
 * effects, so a command whose answer was lost is never applied twice.
 */

/** Commands per transaction: fewer round trips than one transaction per command, short locks all the same. */
export const COMMANDS_PER_TRANSACTION = 50

export interface PushOutcome {
  status: 200 | 409
  body: PushResponse | { error: { code: 'SEQUENCE_GAP'; message: string; expectedSeq: number } }
  /** Commands applied (not replayed, not rejected): the caller refreshes its snapshot when > 0. */
  applied: number
}

interface StoredResult {
  seq: number
  command_id: string | null
  status: 'applied' | 'rejected'
  code: string | null
  reason: string | null
  truth: Change[] | null
  /** Applied facts: the flags raised (read back from `flags` for a replay). */
  flags?: PushFlag[]
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The ids a command mentions: uuid values at the top of its payload, and the records it writes. */
function mentionedIds(cmd: PushCommand): string[] {
  const ids = touchesOf(cmd.name, cmd.payload).map((t) => t.id)
  if (cmd.payload && typeof cmd.payload === 'object' && !Array.isArray(cmd.payload)) {
    for (const v of Object.values(cmd.payload as Record<string, unknown>)) if (typeof v === 'string' && UUID.test(v)) ids.push(v)
  }
  return ids.slice(0, 20)
}

function resultOf(cmd: PushCommand, stored: StoredResult): PushResult {
  const result: PushResult = { seq: cmd.seq, id: stored.command_id ?? cmd.id, status: stored.status }
  if (stored.status === 'rejected') {
    result.code = stored.code ?? 'REJECTED'
    result.reason = stored.reason ?? ''
    result.truth = stored.truth ?? []
  }
  if (stored.status === 'applied' && stored.flags && stored.flags.length > 0) result.flags = stored.flags
  return result
}

const byId = (a: PushFlag, b: PushFlag): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

interface ChunkOutcome {
  results: PushResult[]
  last: number
  applied: number
  gap: number | null
}

async function pushChunk(db: PortalDb, workstationId: string, chunk: readonly PushCommand[]): Promise<ChunkOutcome> {
  return EntityStore.transaction(db, { commandId: null, workstationId }, async (store, tx) => {
    const [ws] = await fastRows<{ last: string | number | bigint; revoked: boolean }>(
      tx,
      sql`SELECT last_applied_seq AS last, revoked_at IS NOT NULL AS revoked FROM workstations WHERE id = ${workstationId} FOR UPDATE`,
    )
    if (!ws || ws.revoked) throw unauthorized('Ce poste a été révoqué : il doit être enrôlé à nouveau.')
    let last = Number(ws.last)

    // Results already stored (replays) and command ids already used, in two queries.
    const done = new Map<number, StoredResult>()
    const replays = chunk.filter((c) => c.seq <= last).map((c) => sql`${c.seq}`)
    if (replays.length > 0) {
      for (const r of await fastRows<StoredResult>(
        tx,
        sql`SELECT seq, command_id, status, code, reason, truth FROM applied_commands
            WHERE workstation_id = ${workstationId} AND seq IN (${sql.join(replays, sql`, `)})`,
      )) {
        done.set(Number(r.seq), r)
      }
      // The flags of replayed facts, as first answered (the rows stay; only their status may change).
      const applied = [...done.values()].filter((r) => r.status === 'applied' && r.command_id !== null).map((r) => sql`${r.command_id}`)
      if (applied.length > 0) {
        const flags = await fastRows<PushFlag & { command_id: string }>(
          tx,
          sql`SELECT id, kind, code, reason, command_id FROM flags WHERE command_id IN (${sql.join(applied, sql`, `)})`,
        )
        for (const r of done.values()) {
          const mine = flags.filter((f) => f.command_id === r.command_id).map(({ id, kind, code, reason }) => ({ id, kind, code, reason }))
          r.flags = mine.sort(byId)
        }
      }
    }
    const fresh = chunk.filter((c) => c.seq > last)
    const usedIds = new Set<string>()
    if (fresh.length > 0) {
      for (const r of await fastRows<{ command_id: string }>(
        tx,
        sql`SELECT command_id FROM applied_commands WHERE command_id IN (${sql.join(
          fresh.map((c) => sql`${c.id}`),
          sql`, `,
        )})`,
      )) {
        usedIds.add(r.command_id)
      }
    }

    // The rows the new commands mention (ids in their payloads, records they write), read in one
    // query: most of what the shared rules read is then already in memory.
    if (fresh.length > 0) await store.prefetchIds(fresh.flatMap(mentionedIds))
    // And the finds and counts they declare, one query per shape for the whole chunk.
    if (fresh.length > 0) await store.prefetchQueries(fresh.flatMap((c) => readsOf(c.name, c.payload)))

    const results: PushResult[] = []
    const recorded: Array<StoredResult & { name: string }> = []
    let applied = 0
    let gap: number | null = null
    for (const cmd of chunk) {
      if (cmd.seq <= last) {
        const stored = done.get(cmd.seq)
        if (!stored) throw new Error(`applied_commands is missing seq ${cmd.seq} of workstation ${workstationId}`)
        results.push(resultOf(cmd, stored))
        continue
      }
      if (cmd.seq > last + 1) {
        gap = last + 1
        break
      }
      store.setOrigin({ commandId: cmd.id, workstationId })
      let stored: StoredResult
      if (usedIds.has(cmd.id)) {
        // Another command already carries this id: refuse this one (never run a command twice).
        stored = {
          seq: cmd.seq,
          command_id: null,
          status: 'rejected',
          code: 'DUPLICATE_COMMAND_ID',
          reason: 'Cette modification porte l’identifiant d’une autre modification déjà reçue : elle est ignorée.',
          truth: await store.truth(touchesOf(cmd.name, cmd.payload)),
        }
      } else {
        try {
          const ctx = { at: cmd.at, agentId: cmd.agentId, workstationId, channel: 'guichet' as const, commandId: cmd.id }
          const outcome = await store.isolated(() => runCommand(store, cmd.name, cmd.payload, ctx, { recordFlags: true }))
          const flags = flagRows(cmd.name, cmd.payload, ctx, outcome.flags).map((f) => ({
            id: String(f.id),
            kind: f.kind as PushFlag['kind'],
            code: String(f.code),
            reason: String(f.reason),
          }))
          stored = { seq: cmd.seq, command_id: cmd.id, status: 'applied', code: null, reason: null, truth: null, flags: flags.sort(byId) }
          applied++
        } catch (error) {
          if (!(error instanceof CommandRejection)) throw error
          stored = {
            seq: cmd.seq,
            command_id: cmd.id,
            status: 'rejected',
            code: error.code,
            reason: error.reason,
            truth: await store.truth(touchesOf(cmd.name, cmd.payload)),
          }
        }
        usedIds.add(cmd.id)
      }
      done.set(cmd.seq, stored)
      recorded.push({ ...stored, name: cmd.name.slice(0, 64) })
      results.push(resultOf(cmd, stored))
      last = cmd.seq
    }

    if (recorded.length > 0) {
      const values = recorded.map(
        (r) =>
          sql`(${workstationId}, ${r.seq}, ${r.command_id}, ${r.name}, ${r.status}, ${r.code}, ${r.reason}, ${r.truth === null ? null : JSON.stringify(r.truth)}::jsonb)`,
      )
      await fastRows(
        tx,
        sql`INSERT INTO applied_commands (workstation_id, seq, command_id, name, status, code, reason, truth)
            VALUES ${sql.join(values, sql`, `)}`,
      )
      await fastRows(tx, sql`UPDATE workstations SET last_applied_seq = ${last} WHERE id = ${workstationId}`)
    }
    return { results, last, applied, gap }
  })
}

export async function pushCommands(db: PortalDb, workstationId: string, commands: readonly PushCommand[]): Promise<PushOutcome> {
  const results: PushResult[] = []
  let lastAppliedSeq = 0
  let applied = 0
  for (let i = 0; i < commands.length; i += COMMANDS_PER_TRANSACTION) {
    const chunk = await pushChunk(db, workstationId, commands.slice(i, i + COMMANDS_PER_TRANSACTION))
    results.push(...chunk.results)
    lastAppliedSeq = chunk.last
    applied += chunk.applied
    if (chunk.gap !== null) {
      if (results.length === 0) {
        const got = commands[i]?.seq ?? 0
        return {
          status: 409,
          applied,
          body: {
            error: {
              code: 'SEQUENCE_GAP',
              message: `Modification n° ${got} reçue alors que le portail attend la n° ${chunk.gap} : renvoyez à partir de celle-ci.`,
              expectedSeq: chunk.gap,
            },
          },
        }
      }
      break
    }
  }
  return { status: 200, applied, body: { results, lastAppliedSeq } }
}
