import type { z } from 'zod'
import type { EntityName, Row, Value } from '../sync/entities'
import type { Rejection } from '../domain/reservations'

/**
 * Commands that change the town's data. Each one runs twice with the same code: on the
 * workstation (optimistically, in the agent's transaction, SQLite) and on the portal
 * (authoritatively, when pushed, PostgreSQL). Only the CommandTx driver differs.
 *
 * Every command declares its kind (ARCHITECTURE.md "Intents and facts"):
 * - an **intent** asks for something the portal may refuse (a booking, a cancellation): a rule
 *   it breaks throws a CommandRejection; the portal keeps none of its writes, sends back its
 *   truth, and the workstation undoes the local effect and lists the rejection;
 * - a **fact** records something that already happened in the world (a contact change the
 *   family asked for, a payment taken, a flag resolved): it never throws for a rule. It writes
 *   what it can and returns the rules it breaks as flags, which the portal records (table
 *   `flags`) for a responsable on every side. A fact is never undone on a workstation.
 *   A fact about a record the portal does not have keeps its raw payload in the flag.
 * Structural garbage (an unknown command name, a payload that fails its schema) is a rejection
 * whatever the kind: there is nothing to record.
 */

export type CommandKind = 'intent' | 'fact'

export interface CommandContext {
  /** ISO instant of the command (when the agent or family did it). */
  at: string
  agentId: string | null
  workstationId: string | null
  channel: 'guichet' | 'portail'
  /**
   * The command's id (UUIDv7, the outbox row's): the rows a command derives (history, flags)
   * take ids derived from it, the same wherever the command runs.
   */
  commandId: string
}

export type Direction = 'asc' | 'desc'

/** Bounds on one column (days, instants, numbers): `between` is `gte` + `lte`. */
export interface Range {
  column: string
  gte?: Value
  gt?: Value
  lte?: Value
  lt?: Value
}

/** A find with optional bounds on one column, an order and a limit. */
export interface Query {
  where?: Record<string, Value>
  range?: Range
  /** Default: by id. Ties are broken by id, so the order is total. */
  orderBy?: { column: string; direction?: Direction }
  limit?: number
}

/** A workstation's own number ranges, handed out at enrolment (see src/portal/services/workstations.ts). */
export interface WorkstationSeries {
  workstationId: string
  codeFamille: { first: number; last: number }
  receiptSeries: string
}

/** Names of the number series `nextNumber` takes from. */
export const SERIES = {
  /** The workstation's code-famille range (enrolment): first … last. */
  codeFamille: 'code_famille',
  /** The running number of the workstation's receipts (prefix: its receipt series, "G01"). */
  receipt: 'receipt',
} as const

/** Reads and writes of a command, over the shared tables (see sync/entities.ts). */
export interface CommandTx {
  get(entity: EntityName, id: string): Promise<Row | null>
  find(entity: EntityName, where: Record<string, Value>): Promise<Row[]>
  count(entity: EntityName, where: Record<string, Value>): Promise<number>
  /** Inserts or replaces the whole row. */
  put(entity: EntityName, row: Row): Promise<void>
  /** Deletes the row if it is there (logged as a delete on the portal); false when it was not. */
  delete(entity: EntityName, id: string): Promise<boolean>
  /** Ordered and range finds: `where` equalities, bounds on one column, order, limit. */
  query(entity: EntityName, q: Query): Promise<Row[]>
  /** The sum of an int column over the rows a where (and range) selects; 0 when none. */
  sum(entity: EntityName, column: string, q: Pick<Query, 'where' | 'range'>): Promise<number>
  /**
   * Takes the next number of a series, inside the command's transaction (rolled back with it).
   * On a workstation the series are its own (SERIES: its code-famille range, its receipts);
   * on the portal, the portal's own series. Throws CommandRejection SERIES_EXHAUSTED past the end.
   */
  nextNumber(series: string): Promise<number>
  /** A workstation's ranges and receipt series (null: unknown workstation). */
  seriesOf(workstationId: string): Promise<WorkstationSeries | null>
}

/** A command refused by a rule: nothing it wrote is kept; the reason is shown to a person. */
export class CommandRejection extends Error implements Rejection {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason)
    this.name = 'CommandRejection'
  }
}

export const flagKinds = ['rule', 'conflict', 'missing'] as const
export type FlagKind = (typeof flagKinds)[number]
export const flagStatuses = ['open', 'resolved'] as const

/**
 * A rule a fact breaks. `rule`: it was recorded but breaks a rule (a number outside the
 * workstation's series, a duplicate); `conflict`: the counter and the portal changed the same
 * thing concurrently (the last commit won); `missing`: it names a record the portal does not
 * have (its payload is kept in `data`, nothing is lost).
 */
export interface RaisedFlag {
  kind: FlagKind
  code: string
  /** French, for a responsable. */
  reason: string
  familyId: string | null
  /** What a responsable needs to settle it (the raw fact, the conflicting values…), JSON. */
  data?: unknown
}

export interface Touched {
  entity: EntityName
  id: string
}

/** A find or a count a command will make (a hint: the portal reads them for a whole batch at once). */
export interface ReadHint {
  kind: 'find' | 'count'
  entity: EntityName
  where: Record<string, Value>
}

export interface LockPlan<P> {
  rows?(payload: P): Touched[]
  keys(payload: P, row: (entity: EntityName, id: string) => Row | null): string[]
}

/** The portal's lock keys (strings hashed into advisory locks; a collision only makes two commands wait for each other). */
export const lockKeys = {
  /** A service's day at one site: its places and its waiting list. */
  slot: (unitId: string, siteId: string, date: string) => `slot:${unitId}|${siteId}|${date}`,
  /** A child's bookings (one per service and day). */
  child: (childId: string) => `child:${childId}`,
  /** A family's file: its documents, dossiers, quotients, credentials. */
  family: (familyId: string) => `family:${familyId}`,
  /** A person's own row (contacts). */
  person: (personId: string) => `person:${personId}`,
  flag: (flagId: string) => `flag:${flagId}`,
}

export interface CommandDef<P> {
  kind: CommandKind
  /**
   * Who may send it (default: both). A workstation's push runs with channel "guichet", a
   * family's request and the payment provider's notification with "portail": a command that
   * does not list the caller's channel is rejected (NOT_ALLOWED_HERE) before it runs.
   */
  channels?: ReadonlyArray<CommandContext['channel']>
  payload: z.ZodType<P>
  /** The records the command writes: after a rejection the portal sends back their current rows. */
  touches(payload: P): Touched[]
  /** The finds and counts it will make, exactly as it makes them (optional; a performance hint). */
  reads?(payload: P): ReadHint[]
  /**
   * What it contends on with other commands running at the same time on the portal (which
   * locks these keys, in order, before it reads: docs/sync-protocol.md "Concurrent writes").
   * Every rule that reads something another command may change at the same time (a day's
   * places, a child's bookings, a row it reads then writes back) must be covered by a key both
   * take. Absent: the command runs alone among the other commands without keys (the `town`
   * key, taken exclusively), as every write did before. `rows` are read first when the keys
   * come from columns of a record that never change (a booking's day, site and child).
   */
  locks?: LockPlan<P>
  /** Intents throw CommandRejection; facts return the rules they break (never throw for a rule). */
  execute(tx: CommandTx, payload: P, ctx: CommandContext): Promise<RaisedFlag[] | void>
}

/**
 * Checks a number a fact carries against the workstation's own series (on the portal: the
 * ranges it handed out at enrolment) and its uniqueness in `unique.entity.column`: a flag
 * when it breaks either, null when it is fine.
 */
export async function checkSeriesNumber(
  tx: CommandTx,
  ctx: CommandContext,
  check: {
    series: (typeof SERIES)[keyof typeof SERIES]
    /** The number as the fact carries it: a code-famille running number, or a receipt number "R-G01-26-000042" (refunds "V-…"). */
    value: number | string
    unique: { entity: EntityName; column: string }
    familyId: string | null
  },
): Promise<RaisedFlag | null> {
  const own = ctx.workstationId ? await tx.seriesOf(ctx.workstationId) : null
  const label = check.series === SERIES.codeFamille ? 'code famille' : 'reçu'
  let inside = false
  if (own && check.series === SERIES.codeFamille && typeof check.value === 'number') {
    inside = check.value >= own.codeFamille.first && check.value <= own.codeFamille.last
  } else if (own && check.series === SERIES.receipt && typeof check.value === 'string') {
    inside = new RegExp(`^[RV]-${own.receiptSeries}-\\d{2}-\\d{6}$`).test(check.value)
  }
  if (!inside) {
    return {
      kind: 'rule',
      code: 'NUMBER_OUTSIDE_SERIES',
      reason: `Numéro de ${label} ${String(check.value)} hors de la série attribuée à ce poste : à vérifier.`,
      familyId: check.familyId,
      data: { series: check.series, value: check.value },
    }
  }
  const used = await tx.count(check.unique.entity, { [check.unique.column]: check.value })
  if (used > 1) {
    return {
      kind: 'rule',
      code: 'DUPLICATE_NUMBER',
      reason: `Numéro de ${label} ${String(check.value)} utilisé deux fois : à vérifier.`,
      familyId: check.familyId,
      data: { series: check.series, value: check.value },
    }
  }
  return null
}
