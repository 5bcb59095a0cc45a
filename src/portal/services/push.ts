import { sql } from 'drizzle-orm'
import { CommandRejection, derivedId, flagRows, isCommandName, kindOf, readsOf, runCommand, touchesOf, type RaisedFlag } from '@shared/commands'
import type { Change, PortalError, PushCommand, PushFlag, PushResponse, PushResult } from '@shared/sync/protocol'
import { displayText, isSaneInstant } from '@shared/validation/text'
import { fastRows, type PortalDb } from '../db/client'
import { EntityStore, lockCommands, retryConflicts } from '../db/store'
import { unauthorized } from '../http/errors'
import { runPortalEffect } from './effects'

/**
 * Push: the portal re-runs each command of a workstation, in the workstation's order, exactly
 * once (ARCHITECTURE.md "Sync protocol", promises 2 and 5).
 *
 * The commands of a request are processed in order, in transactions of at most
 * COMMANDS_PER_TRANSACTION commands. Each transaction locks the workstation row (concurrent
 * pushes of one workstation queue there, and so does a revoke) and compares every command's
 * seq with `last_applied_seq`:
 *   seq ≤ last      → a replay: the stored result is answered, nothing changes; but a command id
 *                     other than the one sent under that seq is a workstation restored from a
 *                     backup: 409 SEQ_CONFLICT (the portal's last seq and command id), nothing done;
 *   seq > last + 1  → a gap: processing stops (409 SEQUENCE_GAP if nothing was processed);
 *   seq = last + 1  → the shared command runs (EntityStore.isolated: all of its writes or none);
 *                     an intent's rejection is recorded with its code, reason and the current
 *                     rows of what it touches ("truth"), and never blocks the commands after it;
 *                     a fact is always applied, with the rules it broke written to `flags`
 *                     (ids derived from the command id) and answered as `flags`.
 * Audit: every command is recorded with the portal's receive time beside the workstation's
 * `at` and `agentId`. An intent from an agent the portal does not know (or no agent), from an
 * inactive agent, or dated more than MAX_CLOCK_AHEAD_MS ahead of the portal's clock is
 * rejected (UNKNOWN_AGENT, AGENT_MISSING, AGENT_INACTIVE, CLOCK_AHEAD); a fact is recorded all
 * the same and flagged with those codes (it happened: an agent disabled while the counter was
 * offline still took that payment).
 * A storage error while one command runs (a constraint, a trigger, a value the database
 * refuses) becomes that command's rejection (STORAGE_ERROR): the chunk is run again with a
 * savepoint around each command, the failing one is rolled back to its savepoint and refused,
 * and the queue moves on. Transient errors (connection, serialization, resources) are not a
 * command's fault: the request fails and the workstation retries.
 * A revoke takes effect at the next chunk: the commands processed so far are answered (200),
 * the next request gets 401.
 * The results (applied_commands) and `last_applied_seq` commit in the same transaction as the
 * effects, so a command whose answer was lost is never applied twice.
 */

/** Commands per transaction: fewer round trips than one transaction per command, short locks all the same. */
export const COMMANDS_PER_TRANSACTION = 50

/** How far ahead of the portal's clock a command's `at` may be (the workstation's clock may drift a little). */
export const MAX_CLOCK_AHEAD_MS = 5 * 60_000

export interface PushOptions {
  /** The portal's clock when the request came in: recorded as received_at, and the reference of CLOCK_AHEAD. */
  now?: Date
  /** A command refused because of a storage error: log it (safeErrorInfo: never the SQL parameters). */
  onStorageError?: (info: { seq: number; commandId: string; error: unknown }) => void
  /** A chunk run again after a conflict with another transaction (see isRetryable). */
  onRetry?: (info: { attempt: number; error: unknown }) => void
}

export interface PushOutcome {
  status: 200 | 409
  body: PushResponse | PortalError
  /** Commands applied (not replayed, not rejected): the caller refreshes its snapshot when > 0. */
  applied: number
}

interface StoredResult {
  seq: number
  command_id: string | null
  /** The id sent under this seq (null only for rows recorded before it was kept). */
  sent_id: string | null
  status: 'applied' | 'rejected'
  code: string | null
  reason: string | null
  truth: Change[] | null
  /** Applied facts: the flags raised (read back from `flags` for a replay). */
  flags?: PushFlag[]
}

interface Recorded extends StoredResult {
  name: string
  at: string | null
  agent_id: string | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The ids a command mentions: uuid values at the top of its payload, and the records it writes. */
function mentionedIds(cmd: PushCommand): string[] {
  const ids = touchesOf(cmd.name, cmd.payload).map((t) => t.id)
  if (cmd.payload && typeof cmd.payload === 'object' && !Array.isArray(cmd.payload)) {
    for (const v of Object.values(cmd.payload as Record<string, unknown>)) if (typeof v === 'string' && UUID.test(v)) ids.push(v)
  }
  if (cmd.agentId) ids.push(cmd.agentId)
  return ids.slice(0, 21)
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

/** Whether a replay under a used seq carries the id that was sent under it. */
function sameCommand(stored: StoredResult, cmd: PushCommand): boolean {
  const sent = stored.sent_id ?? stored.command_id
  return sent === null || sent === cmd.id
}

/** What the portal knows of who did a command and when, against its own records and clock. */
async function auditIssues(store: EntityStore, cmd: PushCommand, now: Date): Promise<RaisedFlag[]> {
  const issues: RaisedFlag[] = []
  const data = { agentId: cmd.agentId, at: cmd.at, receivedAt: now.toISOString() }
  if (cmd.agentId === null) {
    issues.push({ kind: 'rule', code: 'AGENT_MISSING', reason: 'Aucun agent n’est indiqué pour cette modification : à vérifier.', familyId: null, data })
  } else {
    const agent = await store.get('agents', cmd.agentId)
    if (!agent) {
      issues.push({ kind: 'rule', code: 'UNKNOWN_AGENT', reason: 'L’agent indiqué pour cette modification est inconnu du portail : à vérifier.', familyId: null, data })
    } else if (agent.active !== true) {
      issues.push({
        kind: 'rule',
        code: 'AGENT_INACTIVE',
        reason: `L’agent ${String(agent.display_name ?? agent.login ?? '')} était désactivé sur le portail quand cette modification a été reçue : à vérifier.`,
        familyId: null,
        data,
      })
    }
  }
  const at = Date.parse(cmd.at)
  if (at > now.getTime() + MAX_CLOCK_AHEAD_MS) {
    issues.push({
      kind: 'rule',
      code: 'CLOCK_AHEAD',
      reason: `Modification datée du ${cmd.at}, en avance de plus de 5 minutes sur l’horloge du portail (${now.toISOString()}) : l’horloge du poste est à vérifier.`,
      familyId: null,
      data,
    })
  }
  return issues
}

/** The reason an intent is refused for an audit issue (the agent sees it). */
const auditRejection: Record<string, string> = {
  AGENT_MISSING: 'Modification refusée : aucun agent connecté ne l’a faite.',
  UNKNOWN_AGENT: 'Modification refusée : l’agent qui l’a faite est inconnu du portail.',
  AGENT_INACTIVE: 'Modification refusée : l’agent qui l’a faite est désactivé sur le portail.',
  CLOCK_AHEAD: 'Modification refusée : elle est datée de plus de 5 minutes dans le futur par rapport au portail. Vérifiez l’heure du poste.',
}

const STORAGE_REASON = 'Le portail n’a pas pu enregistrer cette modification (erreur de la base de données) : elle est refusée, les suivantes sont traitées.'
const INTERNAL_REASON = 'Le portail n’a pas pu traiter cette modification (erreur interne) : elle est refusée, les suivantes sont traitées.'

/** The SQLSTATE of a database error (also when drizzle wraps it), or null. */
function sqlState(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
  return null
}

/**
 * Errors that are nobody's command's fault, and may not happen again: the connection, a
 * serialization failure or deadlock, resources, an operator, the server itself. Retried by the
 * workstation (the request fails) rather than recorded against a command.
 */
function isTransient(error: unknown): boolean {
  const state = sqlState(error)
  if (state) return ['08', '40', '53', '57', '58', 'XX'].includes(state.slice(0, 2)) || state === '55P03'
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) // ECONNRESET, ETIMEDOUT, EPIPE…: the network
}

/** Thrown inside a chunk's transaction (rolling it back) when a command hit a storage error without a savepoint of its own. */
class RunWithSavepoints extends Error {
  constructor() {
    super('run the chunk again with one savepoint per command')
  }
}

type ChunkOutcome =
  | { kind: 'done'; results: PushResult[]; last: number; applied: number; recorded: number; gap: number | null }
  | { kind: 'revoked' }
  | { kind: 'conflict'; results: PushResult[]; applied: number; recorded: number; lastAppliedSeq: number; lastCommandId: string | null }

interface ChunkOptions {
  now: Date
  /** One savepoint around each new command, so that a storage error undoes it alone (the chunk's second run). */
  savepoints: boolean
  onStorageError?: PushOptions['onStorageError']
}

async function pushChunk(db: PortalDb, workstationId: string, chunk: readonly PushCommand[], opts: ChunkOptions): Promise<ChunkOutcome> {
  return EntityStore.transaction(db, { commandId: null, workstationId }, async (store, tx): Promise<ChunkOutcome> => {
    const [ws] = await fastRows<{ last: string | number | bigint; revoked: boolean }>(
      tx,
      sql`SELECT last_applied_seq AS last, revoked_at IS NOT NULL AS revoked FROM workstations WHERE id = ${workstationId} FOR UPDATE`,
    )
    if (!ws || ws.revoked) return { kind: 'revoked' }
    let last = Number(ws.last)

    // Results already stored (replays) and command ids already used, in two queries.
    const done = new Map<number, StoredResult>()
    const replays = chunk.filter((c) => c.seq <= last).map((c) => sql`${c.seq}`)
    if (replays.length > 0) {
      for (const r of await fastRows<StoredResult>(
        tx,
        sql`SELECT seq, command_id, sent_id, status, code, reason, truth FROM applied_commands
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

    // Without savepoints, the rows of the commands that succeed are written together (one
    // statement per table) before the results are recorded; with them, each as its command ends.
    store.deferWrites = !opts.savepoints

    // The locks of what the new commands contend on (their keys, sorted; the town key shared,
    // or exclusive when one of them declares nothing), before anything is read for them.
    await lockCommands(store, fresh)

    // The rows the new commands mention (ids in their payloads, records they write, their agent),
    // read in one query: most of what the shared rules read is then already in memory.
    if (fresh.length > 0) await store.prefetchIds(fresh.flatMap(mentionedIds))
    // And the finds and counts they declare, one query per shape for the whole chunk.
    if (fresh.length > 0) await store.prefetchQueries(fresh.flatMap((c) => readsOf(c.name, c.payload)))

    const results: PushResult[] = []
    const recorded: Recorded[] = []
    let applied = 0
    let gap: number | null = null
    let conflict = false
    for (const cmd of chunk) {
      if (cmd.seq <= last) {
        const stored = done.get(cmd.seq)
        if (!stored) throw new Error(`applied_commands is missing seq ${cmd.seq} of workstation ${workstationId}`)
        if (!sameCommand(stored, cmd)) {
          conflict = true
          break
        }
        results.push(resultOf(cmd, stored))
        continue
      }
      if (cmd.seq > last + 1) {
        gap = last + 1
        break
      }
      store.setOrigin({ commandId: cmd.id, workstationId })
      const rejection = async (code: string, reason: string): Promise<StoredResult> => ({
        seq: cmd.seq,
        command_id: cmd.id,
        sent_id: cmd.id,
        status: 'rejected',
        code,
        reason,
        truth: await store.truth(touchesOf(cmd.name, cmd.payload)),
      })
      let stored: StoredResult
      if (usedIds.has(cmd.id)) {
        // Another command already carries this id: refuse this one (never run a command twice).
        stored = { ...(await rejection('DUPLICATE_COMMAND_ID', 'Cette modification porte l’identifiant d’une autre modification déjà reçue : elle est ignorée.')), command_id: null }
      } else if (!isSaneInstant(cmd.at)) {
        // An instant no clock gives (and no database stores): structural garbage, whatever the
        // kind; this command alone is refused, the queue moves on.
        stored = await rejection('INVALID_AT', `Modification datée d’un instant impossible (${displayText(cmd.at, 40)}) : elle est refusée, les suivantes sont traitées. L’horloge du poste est à vérifier.`)
      } else {
        const issues = isCommandName(cmd.name) ? await auditIssues(store, cmd, opts.now) : []
        const intent = kindOf(cmd.name) === 'intent'
        if (intent && issues.length > 0) {
          const code = issues[0]!.code
          stored = await rejection(code, auditRejection[code] ?? issues[0]!.reason)
        } else {
          const ctx = { at: cmd.at, agentId: cmd.agentId, workstationId, channel: 'guichet' as const, commandId: cmd.id }
          if (opts.savepoints) await fastRows(tx, sql`SAVEPOINT push_command`)
          try {
            const flags = await store.isolated(async () => {
              const outcome = await runCommand(store, cmd.name, cmd.payload, ctx, { recordFlags: true })
              const rows = flagRows(cmd.name, cmd.payload, ctx, outcome.flags)
              // A fact is recorded whoever did it and whenever: what the portal doubts is flagged.
              const family = touchesOf(cmd.name, cmd.payload).find((t) => t.entity === 'families')?.id ?? null
              for (const row of flagRows(cmd.name, cmd.payload, ctx, issues.map((i) => ({ ...i, familyId: family })))) {
                const audit = { ...row, id: derivedId(cmd.id, `flag:audit:${String(row.code)}`) }
                await store.put('flags', audit)
                rows.push(audit)
              }
              // The portal's own writes (effects.ts), last: kept exactly when the command's are.
              await runPortalEffect(store, tx, cmd.name, cmd.payload, { ...ctx, now: opts.now })
              return rows
            })
            if (opts.savepoints) await fastRows(tx, sql`RELEASE SAVEPOINT push_command`)
            stored = {
              seq: cmd.seq,
              command_id: cmd.id,
              sent_id: cmd.id,
              status: 'applied',
              code: null,
              reason: null,
              truth: null,
              flags: flags.map((f) => ({ id: String(f.id), kind: f.kind as PushFlag['kind'], code: String(f.code), reason: String(f.reason) })).sort(byId),
            }
            applied++
          } catch (error) {
            if (error instanceof CommandRejection) {
              if (opts.savepoints) await fastRows(tx, sql`RELEASE SAVEPOINT push_command`)
              stored = await rejection(error.code, error.reason)
            } else {
              if (isTransient(error)) throw error
              // Without a savepoint of its own, the transaction may be unusable (PostgreSQL refuses
              // every statement after an error): run the chunk again, one savepoint per command.
              if (!opts.savepoints) throw new RunWithSavepoints()
              await fastRows(tx, sql`ROLLBACK TO SAVEPOINT push_command`)
              await fastRows(tx, sql`RELEASE SAVEPOINT push_command`)
              opts.onStorageError?.({ seq: cmd.seq, commandId: cmd.id, error })
              stored = sqlState(error) ? await rejection('STORAGE_ERROR', STORAGE_REASON) : await rejection('INTERNAL_ERROR', INTERNAL_REASON)
            }
          }
        }
        usedIds.add(cmd.id)
      }
      done.set(cmd.seq, stored)
      recorded.push({ ...stored, name: cmd.name.slice(0, 64), at: isSaneInstant(cmd.at) ? cmd.at : null, agent_id: cmd.agentId })
      results.push(resultOf(cmd, stored))
      last = cmd.seq
    }

    // The deferred rows: a storage error there is one command's, found by running the chunk
    // again with a savepoint around each command; a row changed meanwhile (ConcurrentWrite) runs it again.
    try {
      await store.flushDeferred()
    } catch (error) {
      if (isTransient(error) || opts.savepoints) throw error
      throw new RunWithSavepoints()
    }

    if (recorded.length > 0) {
      const receivedAt = opts.now.toISOString()
      const values = recorded.map(
        (r) =>
          sql`(${workstationId}, ${r.seq}, ${r.command_id}, ${r.sent_id}, ${r.name}, ${r.status}, ${r.code}, ${r.reason}, ${
            r.truth === null ? null : JSON.stringify(r.truth)
          }::jsonb, ${receivedAt}::timestamptz, ${r.at}::timestamptz, ${r.agent_id})`,
      )
      await fastRows(
        tx,
        sql`INSERT INTO applied_commands (workstation_id, seq, command_id, sent_id, name, status, code, reason, truth, received_at, at, agent_id)
            VALUES ${sql.join(values, sql`, `)}`,
      )
      await fastRows(tx, sql`UPDATE workstations SET last_applied_seq = ${last} WHERE id = ${workstationId}`)
    }
    if (conflict) {
      const [top] = await fastRows<{ id: string | null }>(
        tx,
        sql`SELECT coalesce(sent_id, command_id) AS id FROM applied_commands WHERE workstation_id = ${workstationId} AND seq = ${last}`,
      )
      return { kind: 'conflict', results, applied, recorded: recorded.length, lastAppliedSeq: last, lastCommandId: top?.id ?? null }
    }
    return { kind: 'done', results, last, applied, recorded: recorded.length, gap }
  })
}

/** Lets the event loop run (other requests, a revoke) between two chunks: PGlite's queries run on it. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export async function pushCommands(db: PortalDb, workstationId: string, commands: readonly PushCommand[], opts: PushOptions = {}): Promise<PushOutcome> {
  const now = opts.now ?? new Date()
  const results: PushResult[] = []
  let lastAppliedSeq = 0
  let applied = 0
  let recorded = 0
  for (let i = 0; i < commands.length; i += COMMANDS_PER_TRANSACTION) {
    if (i > 0) await yieldToEventLoop()
    const slice = commands.slice(i, i + COMMANDS_PER_TRANSACTION)
    const base = { now, ...(opts.onStorageError ? { onStorageError: opts.onStorageError } : {}) }
    // A conflict with another transaction (see retryConflicts) runs the chunk again: nothing of it was kept.
    const chunk = await retryConflicts(async () => {
      try {
        return await pushChunk(db, workstationId, slice, { ...base, savepoints: false })
      } catch (error) {
        if (!(error instanceof RunWithSavepoints)) throw error
        return pushChunk(db, workstationId, slice, { ...base, savepoints: true })
      }
    }, opts.onRetry)
    if (chunk.kind === 'revoked') {
      // Revoked before this chunk: what was processed is answered; the next request gets 401.
      if (results.length === 0) throw unauthorized('Ce poste a été révoqué : il doit être enrôlé à nouveau.')
      break
    }
    results.push(...chunk.results)
    recorded += chunk.recorded
    applied += chunk.applied
    if (chunk.kind === 'conflict') {
      if (recorded === 0) {
        return {
          status: 409,
          applied,
          body: {
            error: {
              code: 'SEQ_CONFLICT',
              message:
                `Le portail a déjà reçu d’autres modifications sous ces numéros (jusqu’à la n° ${chunk.lastAppliedSeq}) : ` +
                'ce poste a sans doute été restauré depuis une sauvegarde. Il doit être enrôlé à nouveau ; ses modifications non envoyées sont gardées.',
              lastAppliedSeq: chunk.lastAppliedSeq,
              lastCommandId: chunk.lastCommandId,
            },
          },
        }
      }
      // Something new was recorded before it (seqs out of order in one request): answer that first.
      lastAppliedSeq = chunk.lastAppliedSeq
      break
    }
    lastAppliedSeq = chunk.last
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
