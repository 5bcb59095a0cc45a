import { sql, type SQL } from 'drizzle-orm'
import { CommandRejection, lockPlanOf, TOWN_LOCK_KEY, type CommandTx, type Query, type Touched, type WorkstationSeries } from '@shared/commands'
import { columnsOf, entities, entityOrder, isEntityName, normalizeRow, type EntityName, type Row, type Value } from '@shared/sync/entities'
import type { Change } from '@shared/sync/protocol'
import { commitWith, dollarQuoted, fastQuery, fastRows, one, rows, type PortalDb } from './client'

/**
 * Writes to the shared tables, always with their change-log row.
 *
 * The change log (`changes`, seq from a sequence) is what workstations pull. Writers run side by
 * side (READ COMMITTED); what their rules contend on is serialised by advisory locks on keys
 * (`lockKeys` in src/shared/commands: a day's places, a child, a family…), taken in one sorted
 * batch before the transaction reads anything. A transaction appends its change-log rows LAST,
 * in one statement that first takes `pg_advisory_xact_lock(CHANGE_LOG_LOCK)`, held until it
 * commits: the only remaining serialisation is that final append. So seq order is commit order,
 * and every snapshot of the database sees a prefix of the log (a pull with cursor N never skips
 * a row that commits later with a seq ≤ N; the proof is in docs/sync-protocol.md). Only this
 * file writes to shared tables or to `changes`, through `EntityStore.transaction`.
 */
export const CHANGE_LOG_LOCK = 4242

/** The advisory-lock namespace of the keys (two-int form: never the same lock as the one-bigint CHANGE_LOG_LOCK). */
export const KEY_LOCK_SPACE = 4243

/**
 * Thrown when a row this transaction read was changed by another one before it wrote it back
 * (compare-and-set): SQLSTATE 40001 like a serialization failure, so the push runs the chunk again.
 */
export class ConcurrentWrite extends Error {
  readonly code = '40001'
  constructor(entity: string, id: string) {
    super(`${entity} ${id} changed concurrently`)
    this.name = 'ConcurrentWrite'
  }
}

/** A key's lock id in KEY_LOCK_SPACE (FNV-1a, 32 bits, signed; 0 is the town key). */
export function keyLockId(key: string): number {
  if (key === TOWN_LOCK_KEY) return 0
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h | 0 || 1
}

/**
 * What a transaction locks before it reads: the town key (shared when it names its keys,
 * exclusive when it does not) and its keys.
 */
export interface LockRequest {
  /** null: the town key exclusively (a write whose contention is not declared). */
  keys: readonly string[] | null
}

export interface ChangeOrigin {
  /** The command (workstation push or family/admin action) the change comes from. */
  commandId: string | null
  workstationId: string | null
}

const ident = (name: string): SQL => sql`${sql.identifier(name)}`
const list = (items: SQL[]): SQL => sql.join(items, sql`, `)

/** The PostgreSQL type of a shared column (for a parameter compared with it). */
function sqlTypeOf(entity: EntityName, column: string): string {
  const kind = (entities[entity] as Record<string, string>)[column]
  return kind === 'int' ? 'bigint' : kind === 'bool' ? 'boolean' : 'text'
}

function checkEntity(entity: string): asserts entity is EntityName {
  if (!isEntityName(entity)) throw new Error(`Unknown entity ${entity}`)
}

function whereOf(entity: EntityName, where: Record<string, Value>): SQL {
  const kinds = entities[entity] as Record<string, string>
  const keys = Object.keys(where).sort()
  const parts = keys.map((k) => {
    if (!(k in kinds)) throw new Error(`Unknown column ${entity}.${k}`)
    const v = where[k] ?? null
    return v === null ? sql`${ident(k)} IS NULL` : sql`${ident(k)} = ${v}`
  })
  return parts.length === 0 ? sql`TRUE` : sql.join(parts, sql` AND `)
}

/**
 * Statement texts of the hot paths (one per table and shape), written once: names come from
 * `entities` (checked), values are always parameters.
 */
const statements = new Map<string, string>()

function statement(key: string, build: () => string): string {
  let text = statements.get(key)
  if (text === undefined) {
    text = build()
    statements.set(key, text)
  }
  return text
}

const quoted = (name: string): string => `"${name}"`

function selectFrom(entity: EntityName, what = columnsOf(entity).map(quoted).join(', ')): string {
  return `SELECT ${what} FROM ${quoted(entity)}`
}

/** `WHERE a = $1 AND b IS NULL …` (keys sorted) and its parameters. */
function whereText(entity: EntityName, where: Record<string, Value>): { shape: string; text: string; params: Value[] } {
  const kinds = entities[entity] as Record<string, string>
  const keys = Object.keys(where).sort()
  const params: Value[] = []
  const parts = keys.map((k) => {
    if (!(k in kinds)) throw new Error(`Unknown column ${entity}.${k}`)
    const v = where[k] ?? null
    if (v === null) return `${quoted(k)} IS NULL`
    params.push(v)
    return `${quoted(k)} = $${params.length}`
  })
  const text = parts.length === 0 ? 'TRUE' : parts.join(' AND ')
  return { shape: text, text, params }
}

/**
 * One statement that writes rows of one entity and their change-log rows. The rows travel as one
 * JSON parameter expanded by `jsonb_populate_recordset` (one parameter instead of rows × columns:
 * fast on both drivers); the logged row is `to_jsonb` of the row as stored.
 */
function insertWithChanges(entity: EntityName, batch: readonly Row[], origin: ChangeOrigin, onConflict: 'update' | 'nothing'): SQL {
  const cols = columnsOf(entity)
  const colList = list(cols.map(ident))
  const conflict =
    onConflict === 'update'
      ? sql`ON CONFLICT (id) DO UPDATE SET ${list(cols.filter((c) => c !== 'id').map((c) => sql`${ident(c)} = excluded.${ident(c)}`))}`
      : sql`ON CONFLICT (id) DO NOTHING`
  return sql`WITH w AS (
      INSERT INTO ${ident(entity)} (${colList})
      SELECT ${colList} FROM jsonb_populate_recordset(NULL::${ident(entity)}, ${JSON.stringify(batch)}::jsonb)
      ${conflict} RETURNING *
    )
    INSERT INTO changes (entity, entity_id, op, row, command_id, workstation_id)
    SELECT ${entity}, w.id, 'put', to_jsonb(w), ${origin.commandId}, ${origin.workstationId} FROM w`
}

interface CachedQuery {
  entity: EntityName
  /** The where, with values normalised like rows (so a JS comparison says what SQL would). */
  where: Row
  result: Row[] | number
}

function normalizeWhere(entity: EntityName, where: Record<string, Value>): Row {
  const full = normalizeRow(entity, where)
  const out: Row = {}
  for (const k of Object.keys(where)) out[k] = full[k] ?? null
  return out
}

/** Whether `row` satisfies `where` as `whereOf` would in SQL (equality, or IS NULL for null). */
function matches(where: Row, row: Row): boolean {
  for (const [k, v] of Object.entries(where)) {
    if (v === null ? row[k] !== null : row[k] !== v) return false
  }
  return true
}

/** Takes the change-log append lock for the rest of the transaction (bulk inserts: their seqs come with their rows). */
async function lockChangeLog(tx: PortalDb): Promise<void> {
  await fastRows(tx, sql`SELECT pg_advisory_xact_lock(${sql.raw(String(CHANGE_LOG_LOCK))})`)
}

/**
 * How long a transaction waits for its keys before it gives up and runs again (the push retries:
 * see push.ts). Short on purpose: a statement waiting for a lock when its instance freezes would
 * otherwise get the lock during the freeze and keep it, idle, until the database ends the session
 * (idle_in_transaction_session_timeout): the holds of a frozen instance would chain up. With it,
 * every lock a frozen instance can hold dates from its freeze (+ this wait) and is released
 * within idle_in_transaction_session_timeout.
 */
export const KEY_LOCK_WAIT = '500ms'

/**
 * Takes the town key (shared or exclusive) and the keys, sorted, in one statement, for the rest
 * of the transaction. Everyone takes the town key first and the others in the same order, so
 * two transactions never wait for each other in a cycle. It waits at most KEY_LOCK_WAIT for keys
 * (SQLSTATE 55P03 then, and the transaction, rolled back, releases what it got); for the town
 * key alone, exclusively, the role's lock_timeout.
 */
async function takeLocks(tx: PortalDb, request: LockRequest): Promise<void> {
  const ids = [...new Set((request.keys ?? []).map(keyLockId).filter((id) => id !== 0))].sort((a, b) => a - b)
  const exclusive = request.keys === null
  await fastQuery(
    tx,
    statement(
      'take locks',
      () =>
        // The lock_timeout is set first: every lock call reads a column of `w`.
        `WITH w AS MATERIALIZED (SELECT set_config('lock_timeout', coalesce($3, current_setting('lock_timeout')), true) AS wait) ` +
        `SELECT CASE WHEN w.wait IS NULL THEN NULL WHEN k IS NULL AND $2::boolean THEN pg_advisory_xact_lock(${KEY_LOCK_SPACE}, 0) ` +
        `WHEN k IS NULL THEN pg_advisory_xact_lock_shared(${KEY_LOCK_SPACE}, 0) ` +
        `ELSE pg_advisory_xact_lock(${KEY_LOCK_SPACE}, k) END ` +
        `FROM w, (SELECT NULL::int AS k UNION ALL SELECT k FROM unnest($1::int[]) AS u(k)) AS l`,
    ),
    // The town key alone, exclusively (admin writes, payment notifications: not retried), waits
    // as long as any statement: it queues behind every push in progress.
    [ids, exclusive, exclusive ? null : KEY_LOCK_WAIT],
  )
}

/** The highest change seq visible to this transaction (0 for an empty log). */
export async function currentSeq(db: PortalDb): Promise<number> {
  const row = await one<{ seq: string | number | null }>(db, sql`SELECT max(seq) AS seq FROM changes`)
  return Number(row?.seq ?? 0)
}

/**
 * The shared tables inside one transaction that holds the change-log lock (taken at the first
 * read or write). Implements the shared commands' CommandTx (reads and upserts), and the
 * admin/demo writes. Use it through `EntityStore.transaction(db, origin, async (store, tx) => …)`.
 *
 * Each write's change-log row is kept in memory and all of them are appended in one statement,
 * in write order, as the transaction's last statement (under the append lock, see above).
 *
 * Locks: `lock({ keys })` before the first read takes the town key shared and the keys the
 * transaction's commands declare; a transaction that reads without calling it takes the town
 * key exclusively (the writes that declare nothing run one at a time, as before). Reads are
 * cached for the transaction, write-through (a put updates the cached row, and the cached counts
 * and finds it affects when the row before is known; otherwise they are dropped): what a rule
 * contends on is locked, so its reads stay true until the commit; a row read then written back
 * is written compare-and-set (ConcurrentWrite when someone else changed it meanwhile).
 *
 * `isolated(fn)` runs one command: its puts are buffered and written when it succeeds, dropped
 * when it throws. A read of a table with buffered puts writes them first, inside a savepoint
 * opened then, so a later rejection still undoes them (ROLLBACK TO SAVEPOINT). Commands that
 * read everything before they write (all of today's) need no savepoint at all.
 */
export class EntityStore implements CommandTx {
  private constructor(
    private readonly tx: PortalDb,
    private origin: ChangeOrigin,
  ) {}

  /**
   * Runs `fn` in one transaction with a store over it; the change-log rows of its writes are
   * appended before the commit. Throwing rolls everything back.
   */
  static async transaction<T>(
    db: PortalDb,
    origin: ChangeOrigin,
    fn: (store: EntityStore, tx: PortalDb) => Promise<T>,
  ): Promise<T> {
    return db.transaction(async (tx) => {
      const store = new EntityStore(tx, origin)
      try {
        const result = await fn(store, tx)
        if (store.scope) throw new Error('EntityStore: a command is still running at commit')
        await store.flushDeferred()
        await store.flushChanges()
        return result
      } finally {
        store.done = true
      }
    })
  }

  private locked = false
  private done = false
  /** Change-log rows not yet appended (in write order). */
  private pendingChanges: Array<{ entity: EntityName; entity_id: string; op: 'put' | 'delete'; row: Row | null; command_id: string | null; workstation_id: string | null }> = []

  /**
   * The locks, before the first read: a transaction that did not take its keys (`lock`) takes
   * the town key exclusively, so it runs alone among the writes whose contention is not declared.
   */
  private async ready(): Promise<void> {
    if (this.done) throw new Error('EntityStore used after its transaction ended')
    if (this.locked) return
    await this.lock({ keys: null })
  }

  /**
   * Takes the transaction's locks, once, before it reads anything (see LockRequest). The push
   * passes the keys its commands declare (src/shared/commands `lockPlanOf`).
   */
  async lock(request: LockRequest): Promise<void> {
    if (this.done) throw new Error('EntityStore used after its transaction ended')
    if (this.locked) throw new Error('EntityStore.lock: the locks are taken once, before the first read')
    await takeLocks(this.tx, request)
    this.locked = true
  }

  /**
   * Reads rows without taking the locks (the push reads the bookings its commands name to know
   * their keys: a booking's day, site and child never change). Not cached.
   */
  async peek(items: readonly Touched[]): Promise<Map<string, Row>> {
    const out = new Map<string, Row>()
    const byEntity = new Map<EntityName, string[]>()
    for (const t of items) {
      checkEntity(t.entity)
      byEntity.set(t.entity, [...(byEntity.get(t.entity) ?? []), t.id])
    }
    for (const [entity, ids] of byEntity) {
      const found = await fastQuery<Record<string, unknown>>(
        this.tx,
        statement(`peek ${entity}`, () => `${selectFrom(entity)} WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`),
        [JSON.stringify([...new Set(ids)])],
      )
      for (const r of found) out.set(EntityStore.key(entity, String(r.id)), normalizeRow(entity, r))
    }
    return out
  }

  /** The key of a row in `peek`'s answer. */
  static rowKey(entity: EntityName, id: string): string {
    return EntityStore.key(entity, id)
  }

  private logChange(entity: EntityName, id: string, op: 'put' | 'delete', row: Row | null): void {
    this.pendingChanges.push({
      entity,
      entity_id: id,
      op,
      row,
      command_id: this.origin.commandId,
      workstation_id: this.origin.workstationId,
    })
  }

  /**
   * Appends the pending change-log rows, in order, as the transaction's last statement: the
   * append lock is taken by the same statement, before any seq is drawn (the sort reads the
   * lock's row before it returns any), and held until the commit that follows. On PostgreSQL
   * the COMMIT travels in the same message (`commitWith`): once it is sent, the database
   * finishes the append and the commit without waiting for this process, so an instance that
   * freezes there never holds the append lock (which every writer needs) at all.
   */
  private async flushChanges(): Promise<void> {
    if (this.pendingChanges.length === 0) return
    const batch = JSON.stringify(this.pendingChanges)
    this.pendingChanges = []
    const append = (rows: string) =>
      `WITH appending AS MATERIALIZED (SELECT pg_advisory_xact_lock(${CHANGE_LOG_LOCK}) AS locked) ` +
      `INSERT INTO changes (entity, entity_id, op, row, command_id, workstation_id) ` +
      `SELECT c->>'entity', c->>'entity_id', c->>'op', CASE WHEN jsonb_typeof(c->'row') = 'object' THEN c->'row' END, ` +
      `c->>'command_id', c->>'workstation_id' ` +
      `FROM appending, jsonb_array_elements(${rows}::jsonb) WITH ORDINALITY AS x(c, n) ORDER BY n`
    // The append waits for its lock as long as any statement may (the keys' short wait is over).
    if (await commitWith(this.tx, `SET LOCAL lock_timeout TO DEFAULT; ${append(dollarQuoted(batch))}`)) return
    await fastQuery(this.tx, statement('append changes', () => append('$1')), [batch])
  }

  /** Changes appended by this store (so the caller knows a snapshot is out of date). */
  writes = 0

  private readonly rowCache = new Map<string, Row | null>()
  private readonly queryCache = new Map<string, CachedQuery>()
  private scope: {
    buffer: Map<string, { entity: EntityName; row: Row }>
    savepoint: boolean
    /** Cache keys and tables written inside the scope (dropped from the caches on rollback). */
    rowKeys: Set<string>
    tables: Set<EntityName>
    writes: number
  } | null = null
  private savepoints = 0

  /** The origin recorded on the next changes (one store serves several commands of a push). */
  setOrigin(origin: ChangeOrigin): void {
    this.origin = origin
  }

  private static key(entity: EntityName, id: string): string {
    return `${entity}\u0000${id}`
  }

  private static queryKey(kind: 'f' | 'c', entity: EntityName, where: Record<string, Value>): string {
    return `${kind}\u0000${entity}\u0000${JSON.stringify(Object.keys(where).sort().map((k) => [k, where[k] ?? null]))}`
  }

  private dropQueries(entity: EntityName): void {
    for (const [k, q] of this.queryCache) if (q.entity === entity) this.queryCache.delete(k)
  }

  /**
   * Keeps the cached finds and counts of a table exact after one row changed from `old` to `next`
   * (both known): counts move by ±1; a find keeps its rows when the row stays in or out of it,
   * and is dropped (read again if needed) when the row enters or leaves it.
   */
  private adjustQueries(entity: EntityName, old: Row | null, next: Row | null): void {
    for (const [k, q] of this.queryCache) {
      if (q.entity !== entity) continue
      const was = old !== null && matches(q.where, old)
      const is = next !== null && matches(q.where, next)
      if (!was && !is) continue
      if (typeof q.result === 'number') q.result += (is ? 1 : 0) - (was ? 1 : 0)
      else if (was && is && next) q.result = q.result.map((r) => (r.id === next.id ? next : r))
      else this.queryCache.delete(k)
    }
  }

  /**
   * Reads into the cache, in one query, every row of every shared table whose id is among `ids`
   * (a push passes the ids its commands mention: the rows they will read or write are then
   * mostly in memory). Absent (table, id) pairs are cached as absent, which is just as true.
   */
  async prefetchIds(ids: readonly string[]): Promise<void> {
    await this.ready()
    await this.flushDeferred()
    const unique = [...new Set(ids)]
    if (unique.length === 0) return
    const text = statement('prefetch all', () =>
      entityOrder
        .map((e) => `SELECT '${e}' AS e, row_to_json(t)::text AS j FROM ${quoted(e)} t WHERE id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))`)
        .join(' UNION ALL '),
    )
    const found = await fastQuery<{ e: string; j: string }>(this.tx, text, [JSON.stringify(unique)])
    for (const entity of entityOrder) {
      for (const id of unique) {
        const key = EntityStore.key(entity, id)
        if (!this.rowCache.has(key)) this.rowCache.set(key, null)
      }
    }
    for (const { e, j } of found) {
      if (!isEntityName(e)) continue
      const row = normalizeRow(e, JSON.parse(j) as Record<string, unknown>)
      this.rowCache.set(EntityStore.key(e, String(row.id)), row)
    }
  }

  /**
   * Reads into the cache, with one query per (kind, table, columns) shape, the finds and counts
   * that the commands of a push declare they will make (`readsOf` in src/shared/commands): a
   * chunk of bookings then costs a few queries instead of a few per booking. Call it right
   * after `prefetchIds`, before any command of the chunk runs.
   */
  async prefetchQueries(queries: ReadonlyArray<{ kind: 'find' | 'count'; entity: EntityName; where: Record<string, Value> }>): Promise<void> {
    await this.ready()
    await this.flushDeferred()
    const groups = new Map<string, { kind: 'find' | 'count'; entity: EntityName; keys: string[]; wheres: Map<string, Record<string, Value>> }>()
    for (const q of queries) {
      checkEntity(q.entity)
      const keys = Object.keys(q.where).sort()
      if (keys.length === 0 || keys.some((k) => q.where[k] === null || q.where[k] === undefined)) continue
      const cacheKey = EntityStore.queryKey(q.kind === 'find' ? 'f' : 'c', q.entity, q.where)
      if (this.queryCache.has(cacheKey)) continue
      const shape = `${q.kind} ${q.entity} ${keys.join(',')}`
      let g = groups.get(shape)
      if (!g) groups.set(shape, (g = { kind: q.kind, entity: q.entity, keys, wheres: new Map() }))
      g.wheres.set(cacheKey, q.where)
    }
    for (const [shape, g] of groups) {
      const kinds = entities[g.entity] as Record<string, string>
      for (const k of g.keys) if (!(k in kinds)) throw new Error(`Unknown column ${g.entity}.${k}`)
      const sqlType = (k: string) => (kinds[k] === 'int' ? 'bigint' : kinds[k] === 'bool' ? 'boolean' : 'text')
      const tuple = g.keys.map((k) => `t.${quoted(k)}`).join(', ')
      const recordset = `SELECT ${g.keys.map((k) => `q.${quoted(k)}`).join(', ')} FROM jsonb_to_recordset($1::jsonb) AS q(${g.keys
        .map((k) => `${quoted(k)} ${sqlType(k)}`)
        .join(', ')})`
      const text = statement(`prefetch ${shape}`, () =>
        g.kind === 'count'
          ? `SELECT ${tuple}, count(*)::int AS n__ FROM ${quoted(g.entity)} t WHERE (${tuple}) IN (${recordset}) GROUP BY ${tuple}`
          : `SELECT t.* FROM ${quoted(g.entity)} t WHERE (${tuple}) IN (${recordset}) ORDER BY t.id COLLATE "C"`,
      )
      const wheres = [...g.wheres.entries()].map(([key, where]) => ({ key, where: normalizeWhere(g.entity, where) }))
      const found = await fastQuery<Record<string, unknown>>(this.tx, text, [JSON.stringify(wheres.map((w) => w.where))])
      if (g.kind === 'count') {
        const counts = found.map((r) => ({ where: normalizeWhere(g.entity, r as Record<string, Value>), n: Number(r.n__) }))
        for (const w of wheres) {
          const hit = counts.find((c) => matches(w.where, c.where))
          this.queryCache.set(w.key, { entity: g.entity, where: w.where, result: hit ? hit.n : 0 })
        }
      } else {
        const rowsFound = found.map((r) => normalizeRow(g.entity, r))
        for (const w of wheres) {
          this.queryCache.set(w.key, { entity: g.entity, where: w.where, result: rowsFound.filter((r) => matches(w.where, r)) })
        }
      }
    }
  }

  async get(entity: EntityName, id: string): Promise<Row | null> {
    checkEntity(entity)
    await this.ready()
    const key = EntityStore.key(entity, id)
    const buffered = this.scope?.buffer.get(key)
    if (buffered) return { ...buffered.row }
    if (this.rowCache.has(key)) {
      const cached = this.rowCache.get(key) ?? null
      return cached ? { ...cached } : null
    }
    await this.flushDeferred()
    const [found] = await fastQuery<Record<string, unknown>>(
      this.tx,
      statement(`get ${entity}`, () => `${selectFrom(entity)} WHERE id = $1`),
      [id],
    )
    const row = found ? normalizeRow(entity, found) : null
    this.rowCache.set(key, row)
    return row ? { ...row } : null
  }

  async find(entity: EntityName, where: Record<string, Value>): Promise<Row[]> {
    checkEntity(entity)
    await this.ready()
    if (this.scope?.buffer.size) await this.flushDeferred()
    await this.flush(entity)
    const key = EntityStore.queryKey('f', entity, where)
    const cached = this.queryCache.get(key)
    if (cached && typeof cached.result !== 'number') return cached.result.map((r) => ({ ...r }))
    await this.flushDeferred()
    const w = whereText(entity, where)
    const found = await fastQuery<Record<string, unknown>>(
      this.tx,
      statement(`find ${entity} ${w.shape}`, () => `${selectFrom(entity)} WHERE ${w.text} ORDER BY id COLLATE "C"`),
      w.params,
    )
    const result = found.map((r) => normalizeRow(entity, r))
    this.queryCache.set(key, { entity, where: normalizeWhere(entity, where), result })
    return result.map((r) => ({ ...r }))
  }

  async count(entity: EntityName, where: Record<string, Value>): Promise<number> {
    checkEntity(entity)
    await this.ready()
    if (this.scope?.buffer.size) await this.flushDeferred()
    await this.flush(entity)
    const key = EntityStore.queryKey('c', entity, where)
    const cached = this.queryCache.get(key)
    if (cached && typeof cached.result === 'number') return cached.result
    await this.flushDeferred()
    const w = whereText(entity, where)
    const [row] = await fastQuery<{ n: number | string }>(
      this.tx,
      statement(`count ${entity} ${w.shape}`, () => `${selectFrom(entity, 'count(*)::int AS n')} WHERE ${w.text}`),
      w.params,
    )
    const n = Number(row?.n ?? 0)
    this.queryCache.set(key, { entity, where: normalizeWhere(entity, where), result: n })
    return n
  }

  /** Inserts or replaces the whole row, and logs it (buffered inside `isolated`). */
  async put(entity: EntityName, row: Row): Promise<void> {
    checkEntity(entity)
    await this.ready()
    const normalized = normalizeRow(entity, row)
    if (typeof normalized.id !== 'string' || normalized.id === '') throw new Error(`${entity}: a row needs an id`)
    if (this.scope) {
      const key = EntityStore.key(entity, normalized.id)
      this.scope.buffer.delete(key) // keep the order of writes
      this.scope.buffer.set(key, { entity, row: normalized })
      return
    }
    await this.write(entity, normalized)
  }

  /**
   * Writes a whole row. A row this transaction read is written compare-and-set: updated only if
   * it is still as read (inserted only if still absent); otherwise another transaction changed it
   * meanwhile, and ConcurrentWrite makes the caller run again (nothing is lost, nothing is
   * overwritten unseen). A row never read is upserted.
   */
  private async write(entity: EntityName, row: Row, defer = false): Promise<void> {
    const cols = columnsOf(entity)
    const key = EntityStore.key(entity, String(row.id))
    // The row before: known when it was read (or prefetched) in this transaction.
    const old = this.rowCache.has(key) ? (this.rowCache.get(key) ?? null) : undefined
    const values = cols.map((c) => row[c] ?? null)
    if (defer) {
      // Written later with the others (flushDeferred), compared then with what was read first.
      const earlier = this.deferred.get(key)
      this.deferred.set(key, { entity, row, old: earlier ? earlier.old : old })
    } else if (old === undefined) {
      await fastQuery(
        this.tx,
        statement(
          `put ${entity}`,
          () =>
            `INSERT INTO ${quoted(entity)} (${cols.map(quoted).join(', ')}) VALUES (${cols.map((_c, i) => `$${i + 1}`).join(', ')}) ` +
            `ON CONFLICT (id) DO UPDATE SET ${cols
              .filter((c) => c !== 'id')
              .map((c) => `${quoted(c)} = excluded.${quoted(c)}`)
              .join(', ')}`,
        ),
        values,
      )
    } else if (old === null) {
      const done = await fastQuery<{ id: string }>(
        this.tx,
        statement(
          `insert ${entity}`,
          () =>
            `INSERT INTO ${quoted(entity)} (${cols.map(quoted).join(', ')}) VALUES (${cols.map((_c, i) => `$${i + 1}`).join(', ')}) ` +
            `ON CONFLICT (id) DO NOTHING RETURNING id`,
        ),
        values,
      )
      if (done.length === 0) throw new ConcurrentWrite(entity, String(row.id))
    } else {
      const others = cols.filter((c) => c !== 'id')
      const done = await fastQuery<{ id: string }>(
        this.tx,
        statement(
          `update ${entity}`,
          () =>
            `UPDATE ${quoted(entity)} SET ${others.map((c, i) => `${quoted(c)} = $${i + 2}`).join(', ')} WHERE id = $1 ` +
            `AND (${others.map(quoted).join(', ')}) IS NOT DISTINCT FROM (${others.map((c, i) => `$${i + 2 + others.length}::${sqlTypeOf(entity, c)}`).join(', ')}) ` +
            `RETURNING id`,
        ),
        [row.id, ...others.map((c) => row[c] ?? null), ...others.map((c) => old[c] ?? null)],
      )
      if (done.length === 0) throw new ConcurrentWrite(entity, String(row.id))
    }
    this.logChange(entity, String(row.id), 'put', row)
    this.rowCache.set(key, row)
    if (old === undefined) this.dropQueries(entity)
    else this.adjustQueries(entity, old, row)
    this.writes++
    if (this.scope) {
      this.scope.rowKeys.add(key)
      this.scope.tables.add(entity)
      this.scope.writes++
    }
  }

  /** Writes the scope's buffered puts (of one table, or all), opening the scope's savepoint first if a command is still running. */
  private async flush(entity?: EntityName, final = false): Promise<void> {
    const scope = this.scope
    if (!scope || scope.buffer.size === 0) return
    // The buffered writes up to the table's last one, in write order: writing one table's rows
    // alone could insert a row before the row it points to (a family member before its family).
    const all = [...scope.buffer.entries()]
    let last = -1
    for (let i = all.length - 1; i >= 0 && last < 0; i--) if (entity === undefined || all[i]![1].entity === entity) last = i
    const pending = all.slice(0, last + 1)
    if (pending.length === 0) return
    if (!final && !scope.savepoint) {
      await fastRows(this.tx, sql.raw(`SAVEPOINT store_${this.savepoints}`))
      scope.savepoint = true
    }
    for (const [key, w] of pending) {
      scope.buffer.delete(key)
      await this.write(w.entity, w.row, final && this.deferWrites)
    }
  }

  /**
   * When true (a push's chunk), the rows of a command that succeeded are not written at once but
   * kept (`deferred`) and written together, a statement per table and kind, before the next read
   * that needs the database, before a savepoint, and at the end: a chunk of 50 bookings writes
   * its 50 rows in one statement instead of 50 round trips. The caches and the change log are
   * kept as if written. Off, every row is written when its command ends.
   */
  deferWrites = false
  private readonly deferred = new Map<string, { entity: EntityName; row: Row; old: Row | null | undefined }>()

  /**
   * Writes the deferred rows, in write order, one statement per run of one table and kind:
   * upserts (rows never read), inserts of rows read as absent, compare-and-set updates of rows
   * read (ConcurrentWrite when one of them changed since).
   */
  async flushDeferred(): Promise<void> {
    if (this.deferred.size === 0) return
    const all = [...this.deferred.values()]
    this.deferred.clear()
    const kindOf = (old: Row | null | undefined) => (old === undefined ? 'upsert' : old === null ? 'insert' : 'update')
    for (let i = 0; i < all.length; ) {
      const first = all[i]!
      let j = i + 1
      while (j < all.length && all[j]!.entity === first.entity && kindOf(all[j]!.old) === kindOf(first.old)) j++
      await this.writeBatch(first.entity, kindOf(first.old), all.slice(i, j))
      i = j
    }
  }

  private async writeBatch(entity: EntityName, kind: 'upsert' | 'insert' | 'update', batch: ReadonlyArray<{ row: Row; old: Row | null | undefined }>): Promise<void> {
    const cols = columnsOf(entity)
    const list = cols.map(quoted).join(', ')
    const others = cols.filter((c) => c !== 'id')
    const rowsOf = JSON.stringify(batch.map((b) => b.row))
    if (kind === 'upsert') {
      await fastQuery(
        this.tx,
        statement(
          `batch upsert ${entity}`,
          () =>
            `INSERT INTO ${quoted(entity)} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${quoted(entity)}, $1::jsonb) ` +
            `ON CONFLICT (id) DO UPDATE SET ${others.map((c) => `${quoted(c)} = excluded.${quoted(c)}`).join(', ')}`,
        ),
        [rowsOf],
      )
      return
    }
    const done =
      kind === 'insert'
        ? await fastQuery<{ id: string }>(
            this.tx,
            statement(
              `batch insert ${entity}`,
              () =>
                `INSERT INTO ${quoted(entity)} (${list}) SELECT ${list} FROM jsonb_populate_recordset(NULL::${quoted(entity)}, $1::jsonb) ` +
                `ON CONFLICT (id) DO NOTHING RETURNING id`,
            ),
            [rowsOf],
          )
        : await fastQuery<{ id: string }>(
            this.tx,
            statement(
              `batch update ${entity}`,
              () =>
                `UPDATE ${quoted(entity)} AS t SET ${others.map((c) => `${quoted(c)} = n.${quoted(c)}`).join(', ')} ` +
                `FROM jsonb_populate_recordset(NULL::${quoted(entity)}, $1::jsonb) AS n, jsonb_populate_recordset(NULL::${quoted(entity)}, $2::jsonb) AS o ` +
                `WHERE t.id = n.id AND o.id = n.id AND (${others.map((c) => `t.${quoted(c)}`).join(', ')}) IS NOT DISTINCT FROM (${others.map((c) => `o.${quoted(c)}`).join(', ')}) ` +
                `RETURNING t.id`,
            ),
            [rowsOf, JSON.stringify(batch.map((b) => b.old))],
          )
    if (done.length !== batch.length) {
      const written = new Set(done.map((d) => d.id))
      const missed = batch.find((b) => !written.has(String(b.row.id)))
      throw new ConcurrentWrite(entity, String(missed?.row.id ?? '?'))
    }
  }

  /**
   * Runs one command: its writes happen only if `fn` returns. If it throws (a rejection), nothing
   * it wrote is kept and the error is rethrown.
   */
  async isolated<T>(fn: () => Promise<T>): Promise<T> {
    if (this.scope) throw new Error('EntityStore.isolated cannot be nested')
    const scope = (this.scope = { buffer: new Map(), savepoint: false, rowKeys: new Set<string>(), tables: new Set<EntityName>(), writes: 0 })
    const changesBefore = this.pendingChanges.length
    const name = `store_${this.savepoints}`
    try {
      const result = await fn()
      await this.flush(undefined, true)
      if (scope.savepoint) await fastRows(this.tx, sql.raw(`RELEASE SAVEPOINT ${name}`))
      return result
    } catch (error) {
      if (scope.savepoint) {
        await fastRows(this.tx, sql.raw(`ROLLBACK TO SAVEPOINT ${name}`))
        await fastRows(this.tx, sql.raw(`RELEASE SAVEPOINT ${name}`))
      }
      this.pendingChanges.length = changesBefore
      for (const key of scope.rowKeys) this.rowCache.delete(key)
      for (const table of scope.tables) this.dropQueries(table)
      this.writes -= scope.writes
      throw error
    } finally {
      this.scope = null
      this.savepoints++
    }
  }

  /** Opens the running command's savepoint (once), so that what it writes directly to the database can be undone. */
  private async openSavepoint(): Promise<void> {
    const scope = this.scope
    if (!scope || scope.savepoint) return
    await fastRows(this.tx, sql.raw(`SAVEPOINT store_${this.savepoints}`))
    scope.savepoint = true
  }

  /**
   * Deletes the row (if present) and logs the deletion. Inside a command, the buffered puts are
   * written first and the delete runs inside the command's savepoint (undone if it is rejected).
   */
  async delete(entity: EntityName, id: string): Promise<boolean> {
    checkEntity(entity)
    await this.ready()
    await this.flushDeferred()
    const key = EntityStore.key(entity, id)
    if (this.scope) {
      await this.flush()
      await this.openSavepoint()
      this.scope.rowKeys.add(key)
      this.scope.tables.add(entity)
    }
    const done = await fastRows<{ id: string }>(this.tx, sql`DELETE FROM ${ident(entity)} WHERE id = ${id} RETURNING id`)
    this.rowCache.set(key, null)
    this.dropQueries(entity)
    if (done.length === 0) return false
    this.logChange(entity, id, 'delete', null)
    this.writes++
    if (this.scope) this.scope.writes++
    return true
  }

  /** `WHERE …` of a query: equalities, then bounds on one column (text compared bytewise, as SQLite does). */
  private queryText(entity: EntityName, q: Pick<Query, 'where' | 'range'>): { text: string; params: Value[] } {
    const w = whereText(entity, q.where ?? {})
    const parts = [w.text]
    const params = [...w.params]
    const r = q.range
    if (r) {
      const kinds = entities[entity] as Record<string, string>
      if (!(r.column in kinds)) throw new Error(`Unknown column ${entity}.${r.column}`)
      const collate = kinds[r.column] === 'text' ? ' COLLATE "C"' : ''
      const ops: Array<[string, Value | undefined]> = [
        ['>=', r.gte],
        ['>', r.gt],
        ['<=', r.lte],
        ['<', r.lt],
      ]
      for (const [op, v] of ops) {
        if (v === undefined || v === null) continue
        params.push(v)
        parts.push(`${quoted(r.column)}${collate} ${op} $${params.length}`)
      }
    }
    return { text: parts.join(' AND '), params }
  }

  /** Ordered and range finds (not cached: read from the database, after the running command's buffered writes). */
  async query(entity: EntityName, q: Query): Promise<Row[]> {
    checkEntity(entity)
    await this.ready()
    await this.flushDeferred()
    await this.flush(entity)
    const kinds = entities[entity] as Record<string, string>
    const w = this.queryText(entity, q)
    const column = q.orderBy?.column ?? 'id'
    if (!(column in kinds)) throw new Error(`Unknown column ${entity}.${column}`)
    const desc = q.orderBy?.direction === 'desc'
    // Like SQLite: text bytewise, NULL first going up and last going down, ties by id.
    const by = (c: string) => `${quoted(c)}${kinds[c] === 'text' ? ' COLLATE "C"' : ''} ${desc ? 'DESC NULLS LAST' : 'ASC NULLS FIRST'}`
    const order = column === 'id' ? by('id') : `${by(column)}, ${by('id')}`
    const limit = q.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(q.limit))}`
    const found = await fastQuery<Record<string, unknown>>(this.tx, `${selectFrom(entity)} WHERE ${w.text} ORDER BY ${order}${limit}`, w.params)
    return found.map((r) => normalizeRow(entity, r))
  }

  async sum(entity: EntityName, column: string, q: Pick<Query, 'where' | 'range'>): Promise<number> {
    checkEntity(entity)
    if ((entities[entity] as Record<string, string>)[column] !== 'int') throw new Error(`${entity}.${column} is not an int column`)
    await this.ready()
    await this.flushDeferred()
    await this.flush(entity)
    const w = this.queryText(entity, q)
    const [row] = await fastQuery<{ n: string | number | null }>(
      this.tx,
      `SELECT coalesce(sum(${quoted(column)}), 0)::bigint AS n FROM ${quoted(entity)} WHERE ${w.text}`,
      w.params,
    )
    return Number(row?.n ?? 0)
  }

  /**
   * The next number of one of the portal's own series (table `counters`, key `series:<name>`,
   * from 1), in this transaction: a command that is rejected gives its number back.
   */
  async nextNumber(series: string): Promise<number> {
    if (!/^[a-z0-9_]{1,40}$/.test(series)) throw new Error(`Invalid series name ${series}`)
    await this.ready()
    await this.flushDeferred()
    await this.openSavepoint()
    const [row] = await fastRows<{ value: string | number }>(
      this.tx,
      sql`INSERT INTO counters (name, value) VALUES (${`series:${series}`}, 1)
          ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value`,
    )
    const n = Number(row?.value)
    if (!Number.isSafeInteger(n)) throw new CommandRejection('SERIES_EXHAUSTED', 'La série de numéros du portail est épuisée.')
    return n
  }

  /** A workstation's code-famille range and receipt series, as handed out at enrolment. */
  async seriesOf(workstationId: string): Promise<WorkstationSeries | null> {
    await this.ready()
    const [w] = await fastRows<{ first: number; last: number; series: string }>(
      this.tx,
      sql`SELECT code_range_first AS first, code_range_last AS last, receipt_series AS series FROM workstations WHERE id = ${workstationId}`,
    )
    return w ? { workstationId, codeFamille: { first: Number(w.first), last: Number(w.last) }, receiptSeries: w.series } : null
  }

  /**
   * Bulk insert (demo seeding, imports): one statement per `batchSize` rows (default 1000), each row with
   * its change-log row. Existing ids are left alone (`nothing`) or replaced (`update`).
   * Returns how many rows were written.
   */
  async insertMany(entity: EntityName, all: readonly Row[], opts: { onConflict?: 'update' | 'nothing'; batchSize?: number } = {}): Promise<number> {
    checkEntity(entity)
    if (this.scope) throw new Error('EntityStore.insertMany is not available inside a command')
    await this.ready()
    await this.flushDeferred()
    await this.flushChanges() // keep the log in write order
    // Bulk rows draw their seqs as they are inserted: the append lock from here to the commit
    // (seeding and imports hold up the other writers' commits while they run).
    await lockChangeLog(this.tx)
    const size = opts.batchSize ?? 1000
    let written = 0
    for (let i = 0; i < all.length; i += size) {
      const batch = all.slice(i, i + size).map((r) => normalizeRow(entity, r))
      const result = (await this.tx.execute(insertWithChanges(entity, batch, this.origin, opts.onConflict ?? 'nothing'))) as unknown as {
        rowCount?: number | null
        affectedRows?: number
      }
      written += Number(result.rowCount ?? result.affectedRows ?? 0)
    }
    for (const key of [...this.rowCache.keys()]) if (key.startsWith(`${entity}\u0000`)) this.rowCache.delete(key)
    this.dropQueries(entity)
    this.writes += written
    return written
  }

  /**
   * The current rows of records, as changes (row null when absent): a rejection's "truth".
   * Their seq is the log's last seq as this transaction sees it: the truth "as of" that change.
   */
  async truth(touched: readonly Touched[]): Promise<Change[]> {
    if (touched.length === 0) return []
    await this.flush()
    const [last] = await fastRows<{ seq: string | number | bigint | null }>(this.tx, sql`SELECT max(seq) AS seq FROM changes`)
    const seq = Number(last?.seq ?? 0)
    const out: Change[] = []
    for (const t of touched) {
      const row = await this.get(t.entity, t.id)
      out.push({ seq, entity: t.entity, id: t.id, op: row ? 'put' : 'delete', row })
    }
    return out
  }
}

/**
 * Takes the locks of the commands a transaction is about to run (src/shared/commands
 * `lockPlanOf`): their keys, and the town key shared; exclusive when one of them declares no
 * keys. The bookings their keys come from are read first (`peek`: their day, site and child
 * never change).
 */
export async function lockCommands(store: EntityStore, commands: ReadonlyArray<{ name: string; payload: unknown }>): Promise<void> {
  const plans = commands.map((c) => lockPlanOf(c.name, c.payload))
  if (plans.some((p) => p === null)) return store.lock({ keys: null })
  const needed = plans.flatMap((p) => p?.rows ?? [])
  const peeked = needed.length > 0 ? await store.peek(needed) : new Map<string, Row>()
  const row = (entity: EntityName, id: string): Row | null => peeked.get(EntityStore.rowKey(entity, id)) ?? null
  return store.lock({ keys: plans.flatMap((p) => p?.keys(row) ?? []) })
}

/** The SQLSTATE of a database error (also when drizzle wraps it), or null. */
function sqlStateOf(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code
  }
  return null
}

/** Runs after a conflict (40001 ConcurrentWrite, 40P01 deadlock) before it is the caller's error. */
export const CONFLICT_ATTEMPTS = 5

/**
 * How long a writer keeps trying for its keys (55P03: each try waits KEY_LOCK_WAIT): longer than
 * a frozen instance can hold them (idle_in_transaction_session_timeout, 2 s).
 */
export const LOCK_RETRY_MS = 10_000

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Runs `fn` (one transaction) again after a conflict with another transaction that a new run
 * resolves: a row changed between its read and its write (ConcurrentWrite), a deadlock, keys
 * not obtained within KEY_LOCK_WAIT (their holder may be a frozen instance, whose transaction
 * the database ends within idle_in_transaction_session_timeout). Nothing of a failed run was
 * kept (its transaction rolled back). Other errors are thrown at once.
 */
export async function retryConflicts<T>(fn: () => Promise<T>, onRetry?: (info: { attempt: number; error: unknown }) => void): Promise<T> {
  const started = Date.now()
  for (let attempt = 1, conflicts = 0; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      const state = sqlStateOf(error)
      if (state === '55P03') {
        if (Date.now() - started > LOCK_RETRY_MS) throw error
      } else if (state === '40001' || state === '40P01') {
        if (++conflicts >= CONFLICT_ATTEMPTS) throw error
      } else {
        throw error
      }
      onRetry?.({ attempt, error })
      await pause(Math.random() * Math.min(100, 5 * attempt))
    }
  }
}

const NO_ORIGIN: ChangeOrigin = { commandId: null, workstationId: null }

/** Upserts one row of a shared table with its change-log row, in its own transaction (admin and demo writes). */
export async function putRow(db: PortalDb, entity: EntityName, row: Row, origin: ChangeOrigin = NO_ORIGIN): Promise<void> {
  await EntityStore.transaction(db, origin, (store) => store.put(entity, row))
}

/** Deletes one row of a shared table with its change-log row, in its own transaction. False if it was not there. */
export async function deleteRow(db: PortalDb, entity: EntityName, id: string, origin: ChangeOrigin = NO_ORIGIN): Promise<boolean> {
  return EntityStore.transaction(db, origin, (store) => store.delete(entity, id))
}

/** Reads of the shared tables outside a write transaction (family pages, admin lists). */
export async function readRows(db: PortalDb, entity: EntityName, where: Record<string, Value>): Promise<Row[]> {
  checkEntity(entity)
  const found = await rows<Record<string, unknown>>(
    db,
    sql`SELECT ${list(columnsOf(entity).map(ident))} FROM ${ident(entity)} WHERE ${whereOf(entity, where)} ORDER BY id COLLATE "C"`,
  )
  return found.map((r) => normalizeRow(entity, r))
}

export async function readRowsByIds(db: PortalDb, entity: EntityName, ids: readonly string[]): Promise<Row[]> {
  checkEntity(entity)
  if (ids.length === 0) return []
  const found = await rows<Record<string, unknown>>(
    db,
    sql`SELECT ${list(columnsOf(entity).map(ident))} FROM ${ident(entity)} WHERE id IN (${list(ids.map((id) => sql`${id}`))}) ORDER BY id`,
  )
  return found.map((r) => normalizeRow(entity, r))
}
