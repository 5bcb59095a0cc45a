import type Database from 'better-sqlite3'
import { kindOf, touchesOf } from '@shared/commands'
import { MAX_PUSH_COMMANDS, type PushCommand, type PushResult } from '@shared/sync/protocol'
import type { Core } from '../index'
import { SYNC_KEYS, readInt } from './state'
import { SyncTransportError, type Transport } from './transport'

/**
 * Push (promises 1, 2, 5, 8): the outbox goes to the portal in seq order, in batches, each
 * command with its seq and id. Every answer is recorded in one transaction:
 * - applied: the row is acknowledged;
 * - applied with flags (a fact that broke a rule): the row is marked `flagged` with the flags'
 *   codes and reasons; nothing is undone (the flags themselves come down by pull);
 * - rejected: the row keeps its code and reason, and for an intent the portal's truth for the
 *   records it touched undoes the local optimistic effect. A fact is never undone, even when
 *   rejected for structural reasons (an unknown name, a payload the portal cannot read): it
 *   stays here, listed for an agent.
 * The queue moves on either way. Retries re-send the same seq and id; the portal answers
 * replays from its record.
 */

interface OutboxRow {
  seq: number
  commandId: string
  name: string
  payload: string
  createdAt: string
  agentId: string | null
  status: 'pending' | 'applied' | 'rejected' | 'flagged'
}

const SELECT = `SELECT seq, command_id AS commandId, name, payload, created_at AS createdAt, agent_id AS agentId, status FROM outbox`

export interface PushOutcome {
  sent: number
  /** Acknowledged as recorded, flagged or not. */
  applied: number
  rejected: number
  /** Facts recorded with flags (also counted in `applied`). */
  flagged: number
}

function selectBatch(sqlite: Database.Database, resendFrom: number | null, limit: number): OutboxRow[] {
  if (resendFrom !== null) {
    return sqlite.prepare(`${SELECT} WHERE seq >= ? ORDER BY seq LIMIT ?`).all(resendFrom, limit) as OutboxRow[]
  }
  return sqlite.prepare(`${SELECT} WHERE status = 'pending' ORDER BY seq LIMIT ?`).all(limit) as OutboxRow[]
}

function toWire(row: OutboxRow, offset: number): PushCommand {
  return {
    seq: row.seq - offset,
    id: row.commandId,
    name: row.name,
    payload: JSON.parse(row.payload) as unknown,
    at: row.createdAt,
    agentId: row.agentId,
  }
}

/** The records that commands still waiting to be acknowledged write (their local effect must stay). */
export function recordsOfPending(sqlite: Database.Database): Set<string> {
  const keys = new Set<string>()
  const rows = sqlite.prepare(`SELECT name, payload FROM outbox WHERE status = 'pending'`).all() as Array<{ name: string; payload: string }>
  for (const r of rows) {
    let payload: unknown
    try {
      payload = JSON.parse(r.payload)
    } catch {
      continue
    }
    for (const t of touchesOf(r.name, payload)) keys.add(`${t.entity}/${t.id}`)
  }
  return keys
}

/** Records the portal's answers (inside one transaction: the caller holds `exclusive`). */
export function applyPushResults(
  core: Pick<Core, 'sqlite' | 'store'>,
  results: readonly PushResult[],
  sent: ReadonlyMap<number, OutboxRow>,
  offset: number,
  at: string,
  log: (line: string) => void,
): { applied: number; rejected: number; flagged: number } {
  const { sqlite, store } = core
  let applied = 0
  let rejected = 0
  let flagged = 0
  const markFlagged = sqlite.prepare(
    `UPDATE outbox SET status = 'flagged', rejection_code = ?, rejection_reason = ?, sent_at = coalesce(sent_at, ?) WHERE seq = ?`,
  )
  const markApplied = sqlite.prepare(
    `UPDATE outbox SET status = 'applied', rejection_code = NULL, rejection_reason = NULL, sent_at = coalesce(sent_at, ?) WHERE seq = ?`,
  )
  const markRejected = sqlite.prepare(
    `UPDATE outbox SET status = 'rejected', rejection_code = ?, rejection_reason = ?, sent_at = coalesce(sent_at, ?) WHERE seq = ?`,
  )
  sqlite.transaction(() => {
    const truths: NonNullable<PushResult['truth']> = []
    for (const r of results) {
      const local = r.seq + offset
      const row = sent.get(local)
      if (!row) continue // an answer for a command we did not send in this batch: ignore it
      if (row.commandId !== r.id) {
        throw new SyncTransportError('portal', `push: the portal answered seq ${r.seq} for command ${r.id}, expected ${row.commandId}`)
      }
      if (r.status === 'applied' && r.flags && r.flags.length > 0) {
        // Recorded and flagged: kept as it is here, for a responsable (never undone).
        markFlagged.run(r.flags.map((f) => f.code).join(', '), r.flags.map((f) => f.reason).join('\n'), at, local)
        applied += 1
        flagged += 1
      } else if (r.status === 'applied') {
        markApplied.run(at, local)
        applied += 1
      } else {
        markRejected.run(r.code ?? 'REJECTED', r.reason ?? 'Refusé par le portail.', at, local)
        rejected += 1
        // Only an intent's local effect is undone: a fact happened, whatever the portal says.
        if (r.truth && kindOf(row.name) === 'intent') truths.push(...r.truth)
      }
    }
    if (truths.length > 0) {
      // The portal's truth undoes the rejected command's local effect, except on records that
      // a later command still waiting rewrites: that command's answer (or the next pull) settles them.
      const keep = recordsOfPending(sqlite)
      for (const change of truths) {
        if (keep.has(`${change.entity}/${change.id}`)) continue
        try {
          sqlite.transaction(() => store.applyChange(change))()
        } catch (error) {
          log(`[sync] vérité du portail non appliquée (${change.entity}) : ${error instanceof Error ? error.message : String(error)}`)
        }
      }
    }
    store.flushSearchIndex()
  })()
  return { applied, rejected, flagged }
}

/**
 * Pushes until the outbox has no pending row. Throws a SyncTransportError when the portal
 * cannot be reached or refuses (the rows stay pending, nothing is lost).
 */
export async function pushAll(
  core: Core,
  transport: Transport,
  opts: {
    now: () => Date
    log: (line: string) => void
    batchSize?: number
    /**
     * Send again from this local seq, acknowledged rows included (a portal restored from a
     * backup lost them: it answers the ones it kept from its record, applies the others, or
     * asks for an earlier seq).
     */
    resendFrom?: number
  },
): Promise<PushOutcome> {
  const batchSize = Math.min(opts.batchSize ?? MAX_PUSH_COMMANDS, MAX_PUSH_COMMANDS)
  const outcome: PushOutcome = { sent: 0, applied: 0, rejected: 0, flagged: 0 }
  let resendFrom: number | null = opts.resendFrom ?? null
  let lastGap: number | null = null
  for (;;) {
    const { rows, offset } = await core.exclusive(() => ({
      rows: selectBatch(core.sqlite, resendFrom, batchSize),
      offset: readInt(core.sqlite, SYNC_KEYS.seqOffset, 0),
    }))
    const batch = rows.filter((r) => r.seq > offset)
    if (batch.length === 0) {
      if (resendFrom !== null) {
        resendFrom = null
        continue
      }
      return outcome
    }
    let answer
    try {
      answer = await transport.push(batch.map((r) => toWire(r, offset)))
    } catch (error) {
      if (error instanceof SyncTransportError && error.kind === 'sequence_gap' && error.extra.expectedSeq !== undefined) {
        // Our view is behind (or the portal's is): re-send from the seq it expects.
        const from = error.extra.expectedSeq + offset
        if (from === lastGap || from < offset + 1) throw error
        opts.log(`[sync] le portail attend la séquence ${error.extra.expectedSeq} : renvoi à partir de celle-ci`)
        lastGap = from
        resendFrom = from
        continue
      }
      throw error
    }
    outcome.sent += batch.length
    const sent = new Map(batch.map((r) => [r.seq, r]))
    const at = opts.now().toISOString()
    const counts = await core.exclusive(() => applyPushResults(core, answer.results, sent, offset, at, opts.log))
    outcome.applied += counts.applied
    outcome.rejected += counts.rejected
    outcome.flagged += counts.flagged
    if (counts.applied + counts.rejected === 0) {
      throw new SyncTransportError('portal', 'push: the portal acknowledged none of the commands sent')
    }
    if (resendFrom !== null) {
      const last = batch[batch.length - 1]!.seq
      const pendingBefore = await core.exclusive(
        () => (core.sqlite.prepare(`SELECT min(seq) AS s FROM outbox WHERE status = 'pending'`).get() as { s: number | null }).s,
      )
      // Keep re-sending the already-acknowledged rows until we reach the pending ones.
      resendFrom = pendingBefore !== null && pendingBefore <= last + 1 ? null : last + 1
    }
  }
}
