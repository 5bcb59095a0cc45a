import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import type { z } from 'zod'
import { DomainError, type AgentView, type ContractError, type EndpointDef, type Result } from '@shared/contract'
import type { Db } from './db/client'
import type { CoreServices, Session } from './types'
import type { Settings } from './services/settings'
import { findAgentById, toAgentView } from './services/agents'
import { appendJournal } from './services/journal'
import { appendOutbox } from './services/outbox'
import { SqliteEntityStore } from './sync/store'
import { CommandRejection, isCommandName } from '@shared/commands'
import { describeFault, displayPath, findUnsafeText } from '@shared/validation/text'
import type { Exclusive } from './exclusive'

/** What a handler gets: the database, the caller, the clock. */
export interface HandlerContext {
  readonly sqlite: Database.Database
  readonly db: Db
  readonly session: Session
  /** The logged-in agent (null on public endpoints before login). */
  readonly agent: AgentView | null
  readonly settings: Settings
  readonly now: Date
  /** The command's id (UUIDv7), also the outbox row's id. */
  readonly commandId: string
  /** The shared tables, for commands that run the shared rules (src/shared/commands). */
  readonly store: SqliteEntityStore
  /** Names the record the call concerns, for the journal. */
  record(entity: string, id: string): void
  /**
   * Queues a command for the portal (outbox row in this transaction). `commandId`: from
   * `newCommandId()` (default: the first command takes `commandId`, the next ones new ids).
   */
  emit(name: string, payload: unknown, commandId?: string): void
  /** The id of the next command this call queues: `commandId` first, then new UUIDv7s. */
  newCommandId(): string
  /** The core's services (sync engine…), for handlers that orchestrate I/O (`io` endpoints). */
  readonly services: CoreServices
  /**
   * `io` commands: runs `fn` in a write transaction of its own (serialised with every other
   * write), so that slow work (a password hash, a PDF) happens before or after it, never while
   * the workstation's writes wait. `emit` works inside it when the endpoint is `sync`.
   */
  write<T>(fn: () => T | Promise<T>): Promise<T>
}

/**
 * A refusal that must still commit what the handler wrote (e.g. failed-login bookkeeping).
 * Throwing a DomainError instead rolls everything back.
 */
export class Refusal {
  constructor(readonly error: DomainError) {}
}

export type ContractShape = Record<string, Record<string, EndpointDef>>

export type HandlersFor<C extends ContractShape> = {
  [N in keyof C]: {
    [M in keyof C[N]]: C[N][M] extends EndpointDef<infer I, infer O>
      ? (ctx: HandlerContext, input: z.output<I>) => z.input<O> | Refusal | Promise<z.input<O> | Refusal>
      : never
  }
}

export interface RouterOptions<C extends ContractShape> {
  contract: C
  handlers: HandlersFor<C>
  sqlite: Database.Database
  db: Db
  settings: () => Settings
  now: () => Date
  /** Serialises every write transaction of the workstation (commands, journaled reads, sync). */
  exclusive: Exclusive
  services?: () => CoreServices
  store?: SqliteEntityStore
  log?: (line: string) => void
}

/**
 * Seconds of grace beyond the idle delay before the core itself expires a session: the
 * renderer locks the screen at the idle delay and pings at most every 30 s while in use.
 */
export const IDLE_GRACE_SECONDS = 30

function fail(code: ContractError['code'], message: string, details?: ContractError['details']): Result<never> {
  return { ok: false, error: details ? { code, message, details } : { code, message } }
}

function fromZod(error: z.ZodError): Result<never> {
  return fail('INVALID_INPUT', 'Invalid input', {
    issues: error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
  })
}

/**
 * The contract router: validates the input, checks the session and the agent's role,
 * runs the handler (commands in one transaction with their journal and outbox rows;
 * journaled reads likewise), validates the output. Never throws.
 */
export function createRouter<C extends ContractShape>(opts: RouterOptions<C>) {
  const { sqlite, contract, handlers, exclusive } = opts
  const store = opts.store ?? new SqliteEntityStore(sqlite)
  const log = opts.log ?? (() => {})

  function journal(
    now: Date,
    action: string,
    record: { entity: string; id: string } | null,
    outcome: 'ok' | 'refused',
    detail: string | null,
    agentId: string | null,
  ): void {
    appendJournal(sqlite, {
      at: now,
      agentId,
      workstationId: opts.settings().workstationId,
      action,
      entity: record?.entity ?? null,
      entityId: record?.id ?? null,
      outcome,
      detail,
    })
  }

  function call(session: Session, ns: string, method: string, rawInput: unknown): Result<unknown> | Promise<Result<unknown>> {
    const def =
      Object.hasOwn(contract, ns) && Object.hasOwn(contract[ns]!, method) ? contract[ns]![method]! : undefined
    const handler = def
      ? (handlers[ns as keyof C] as Record<string, (ctx: HandlerContext, input: unknown) => unknown>)[method]
      : undefined
    if (!def || !handler) return fail('UNKNOWN_ENDPOINT', `Unknown endpoint ${ns}.${method}`)
    const action = `${ns}.${method}`
    const now = opts.now()
    const settings = opts.settings()

    // Input hygiene before any schema: no string or key holds a NUL, a lone surrogate or a control
    // character (newline, tab and CRLF aside, for free text; single-line fields refuse them).
    const unsafe = findUnsafeText(rawInput)
    if (unsafe) {
      return fail('INVALID_INPUT', 'Invalid input', {
        issues: [{ path: displayPath(unsafe.path), message: describeFault(unsafe) }],
      })
    }
    const parsed = def.input.safeParse(rawInput === undefined ? {} : rawInput)
    if (!parsed.success) return fromZod(parsed.error)

    // Who is calling: a session idle for too long, or whose agent was disabled, is closed.
    let agent: AgentView | null = null
    let closed: 'SESSION_LOCKED' | 'NOT_AUTHENTICATED' | null = null
    if (session.agentId) {
      const idleMs = now.getTime() - session.lastActivity
      const row = findAgentById(sqlite, session.agentId)
      if (idleMs > (settings.idleLockSeconds + IDLE_GRACE_SECONDS) * 1000) {
        journal(now, 'session.expired', null, 'ok', null, session.agentId)
        closed = 'SESSION_LOCKED'
      } else if (!row || !row.active) {
        closed = 'NOT_AUTHENTICATED'
      } else {
        agent = toAgentView(row)
      }
      if (closed) session.agentId = null
    }
    if (def.access !== 'public') {
      if (!agent) {
        return closed === 'SESSION_LOCKED'
          ? fail('SESSION_LOCKED', 'Session locked after inactivity')
          : fail('NOT_AUTHENTICATED', 'No agent logged in')
      }
      if (Array.isArray(def.access) && !def.access.includes(agent.role)) {
        journal(now, action, null, 'refused', 'FORBIDDEN', agent.id)
        return fail('FORBIDDEN', `Role ${agent.role} may not call ${action}`)
      }
      session.lastActivity = now.getTime()
    }

    let record: { entity: string; id: string } | null = null
    const emitted: Array<{ name: string; payload: unknown }> = []
    let issued = 0
    const ctx: HandlerContext = {
      sqlite,
      db: opts.db,
      store,
      session,
      agent,
      settings,
      now,
      commandId: uuidv7({ msecs: now.getTime() }),
      record(entity, id) {
        record = { entity, id }
      },
      newCommandId() {
        issued += 1
        return issued === 1 ? ctx.commandId : uuidv7({ msecs: now.getTime() })
      },
      emit(name, payload, commandId) {
        if (def.kind !== 'command' || !def.sync) throw new Error(`${action} may not queue commands for the portal`)
        appendOutbox(sqlite, {
          commandId: commandId ?? ctx.newCommandId(),
          name,
          payload,
          agentId: agent?.id ?? session.agentId,
          at: now,
        })
        emitted.push({ name, payload })
      },
      services: opts.services?.() ?? { sync: null, credentials: null, twoddoc: null },
      write(fn) {
        if (!def.io) throw new Error(`${action}: write() is for io commands (the others already run in a transaction)`)
        return exclusive(async () => {
          sqlite.exec('BEGIN IMMEDIATE')
          try {
            const out = await fn()
            store.flushSearchIndex()
            sqlite.exec('COMMIT')
            return out
          } catch (error) {
            if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
            store.discardPending()
            throw error
          }
        })
      },
    }

    const checkOutput = (out: unknown): unknown => {
      const checked = def.output.safeParse(out)
      if (!checked.success) throw new Error(`Output of ${action} breaks the contract: ${checked.error.message}`)
      return checked.data
    }

    const failed = (error: unknown): Result<never> => {
      const domain =
        error instanceof CommandRejection
          ? new DomainError('RULE_REJECTED', error.reason, { rule: error.code, reason: error.reason })
          : error
      if (domain instanceof DomainError) {
        if (def.kind === 'command') journal(now, action, record, 'refused', domain.code, agent?.id ?? null)
        return { ok: false, error: toContractError(domain) }
      }
      log(`[core] ${action} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      return fail('INTERNAL', 'Internal error')
    }

    if (def.kind === 'query' && !def.journalRead) {
      try {
        const out = handler(ctx, parsed.data)
        if (out instanceof Promise) throw new Error(`Query ${action} must be synchronous`)
        if (out instanceof Refusal) throw out.error
        return { ok: true, data: checkOutput(out) }
      } catch (error) {
        return failed(error)
      }
    }

    // Commands that do their own network I/O: outside any transaction, journaled afterwards.
    if (def.io) {
      return (async (): Promise<Result<unknown>> => {
        try {
          const out = await handler(ctx, parsed.data)
          if (out instanceof Refusal) throw out.error
          const data = checkOutput(out)
          await exclusive(() => journal(now, action, record, 'ok', null, agent?.id ?? session.agentId))
          return { ok: true, data }
        } catch (error) {
          return exclusive(() => failed(error))
        }
      })()
    }

    // Commands and journaled reads: one transaction with the journal row (and the outbox rows).
    return exclusive(async (): Promise<Result<unknown>> => {
      sqlite.exec('BEGIN IMMEDIATE')
      try {
        const out = await handler(ctx, parsed.data)
        const agentId = agent?.id ?? session.agentId
        if (out instanceof Refusal) {
          store.flushSearchIndex()
          journal(now, action, record, 'refused', out.error.code, agentId)
          sqlite.exec('COMMIT')
          return { ok: false, error: toContractError(out.error) }
        }
        store.flushSearchIndex()
        const data = checkOutput(out)
        journal(now, action, record, 'ok', null, agentId)
        // An endpoint named after a shared command queues it when the handler did not; an endpoint
        // that runs shared commands itself (a bulk booking that booked nothing) queues nothing.
        if (def.kind === 'command' && def.sync && emitted.length === 0 && isCommandName(action)) ctx.emit(action, parsed.data)
        sqlite.exec('COMMIT')
        return { ok: true, data }
      } catch (error) {
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
        store.discardPending()
        return failed(error)
      }
    })
  }

  return { call }
}

export function toContractError(error: DomainError): ContractError {
  return error.details ? { code: error.code, message: error.message, details: error.details } : { code: error.code, message: error.message }
}
