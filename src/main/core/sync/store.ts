import type Database from 'better-sqlite3'
import { CommandRejection, SERIES, type CommandTx, type Query, type WorkstationSeries } from '@shared/commands'
import { columnsOf, entities, normalizeRow, type EntityName, type Row, type Value } from '@shared/sync/entities'
import type { Change } from '@shared/sync/protocol'
import { reindexFamilies } from '../services/search'
import { getSetting, setSetting } from '../services/settings'
import { SYNC_KEYS } from './state'

/**
 * The workstation's side of the shared tables: the SQLite driver of CommandTx (used when
 * a command runs at the counter) and the applier of the portal's changes (pull, bootstrap,
 * rejection truth). Both keep the family search index in step.
 */

function toSqlite(entity: EntityName, row: Row): Value[] {
  const kinds = entities[entity] as Record<string, string>
  return columnsOf(entity).map((c) => {
    // A flag the row does not carry is false (as normalizeRow and both schemas' defaults say).
    if (kinds[c] === 'bool' && row[c] === undefined) return 0
    const v = row[c] ?? null
    if (kinds[c] === 'bool' && v !== null) return v ? 1 : 0
    return v
  })
}

const WHERE_COLUMN = /^[a-z_]+$/
const OPS = { gte: '>=', gt: '>', lte: '<=', lt: '<' } as const

export class SqliteEntityStore {
  private readonly statements = new Map<string, Database.Statement>()
  /** Families whose search row must be rebuilt before the transaction commits. */
  private readonly dirtyFamilies = new Set<string>()

  constructor(readonly sqlite: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql)
    if (!s) {
      s = this.sqlite.prepare(sql)
      this.statements.set(sql, s)
    }
    return s
  }

  getSync(entity: EntityName, id: string): Row | null {
    const row = this.stmt(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity} WHERE id = ?`).get(id) as
      | Record<string, unknown>
      | undefined
    return row ? normalizeRow(entity, row) : null
  }

  private whereClause(entity: EntityName, where: Record<string, Value>): { sql: string; values: Value[] } {
    const kinds = entities[entity] as Record<string, string>
    const keys = Object.keys(where).sort()
    for (const k of keys) if (!WHERE_COLUMN.test(k) || !(k in kinds)) throw new Error(`Unknown column ${entity}.${k}`)
    const values = keys.map((k) => {
      const v = where[k] ?? null
      return kinds[k] === 'bool' && v !== null ? (v ? 1 : 0) : v
    })
    const sql = keys.map((k) => (where[k] === null ? `${k} IS NULL` : `${k} = ?`)).join(' AND ') || '1 = 1'
    return { sql, values: values.filter((v) => v !== null) }
  }

  findSync(entity: EntityName, where: Record<string, Value>): Row[] {
    const w = this.whereClause(entity, where)
    return (this.stmt(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity} WHERE ${w.sql}`).all(...w.values) as Array<
      Record<string, unknown>
    >).map((r) => normalizeRow(entity, r))
  }

  countSync(entity: EntityName, where: Record<string, Value>): number {
    const w = this.whereClause(entity, where)
    return (this.stmt(`SELECT count(*) AS n FROM ${entity} WHERE ${w.sql}`).get(...w.values) as { n: number }).n
  }

  putSync(entity: EntityName, row: Row): void {
    const cols = columnsOf(entity)
    const updates = cols.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`)
    this.stmt(
      `INSERT INTO ${entity} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
       ON CONFLICT(id) DO UPDATE SET ${updates.join(', ')}`,
    ).run(...toSqlite(entity, row))
    this.markDirty(entity, row)
  }

  deleteSync(entity: EntityName, id: string): boolean {
    const before = this.getSync(entity, id)
    if (!before) return false
    if (entity === 'families') this.stmt('DELETE FROM family_search WHERE family_id = ?').run(id)
    this.markDirty(entity, before)
    this.stmt(`DELETE FROM ${entity} WHERE id = ?`).run(id)
    return true
  }

  private checkColumn(entity: EntityName, column: string): string {
    const kinds = entities[entity] as Record<string, string>
    if (!WHERE_COLUMN.test(column) || !(column in kinds)) throw new Error(`Unknown column ${entity}.${column}`)
    return column
  }

  private toValue(entity: EntityName, column: string, v: Value): Value {
    const kinds = entities[entity] as Record<string, string>
    return kinds[column] === 'bool' && v !== null ? (v ? 1 : 0) : v
  }

  /** The where (equalities) and range (bounds on one column) of a query, as SQL and values. */
  private queryWhere(entity: EntityName, q: Pick<Query, 'where' | 'range'>): { sql: string; values: Value[] } {
    const w = this.whereClause(entity, q.where ?? {})
    const parts = [w.sql]
    const values = [...w.values]
    const r = q.range
    if (r) {
      const col = this.checkColumn(entity, r.column)
      const bounds: Array<[keyof typeof OPS, Value | undefined]> = [
        ['gte', r.gte],
        ['gt', r.gt],
        ['lte', r.lte],
        ['lt', r.lt],
      ]
      for (const [op, v] of bounds) {
        if (v === undefined || v === null) continue
        parts.push(`${col} ${OPS[op]} ?`)
        values.push(this.toValue(entity, col, v))
      }
    }
    return { sql: parts.join(' AND '), values }
  }

  querySync(entity: EntityName, q: Query): Row[] {
    const w = this.queryWhere(entity, q)
    const order = q.orderBy ? this.checkColumn(entity, q.orderBy.column) : 'id'
    const dir = q.orderBy?.direction === 'desc' ? 'DESC' : 'ASC'
    // SQLite sorts NULL first in ascending order, last in descending order (the portal says so explicitly).
    const orderSql = order === 'id' ? `id ${dir}` : `${order} ${dir}, id ${dir}`
    const limit = q.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(q.limit))}`
    return (this.stmt(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity} WHERE ${w.sql} ORDER BY ${orderSql}${limit}`).all(
      ...w.values,
    ) as Array<Record<string, unknown>>).map((r) => normalizeRow(entity, r))
  }

  sumSync(entity: EntityName, column: string, q: Pick<Query, 'where' | 'range'>): number {
    const col = this.checkColumn(entity, column)
    if ((entities[entity] as Record<string, string>)[col] !== 'int') throw new Error(`${entity}.${col} is not an int column`)
    const w = this.queryWhere(entity, q)
    return Number((this.stmt(`SELECT coalesce(sum(${col}), 0) AS n FROM ${entity} WHERE ${w.sql}`).get(...w.values) as { n: number }).n)
  }

  /** The workstation's own ranges (enrolment), for its own id; null for any other workstation or before enrolment. */
  seriesOfSync(workstationId: string): WorkstationSeries | null {
    if (getSetting(this.sqlite, SYNC_KEYS.workstationId) !== workstationId) return null
    const first = Number(getSetting(this.sqlite, SYNC_KEYS.codeFamilleFirst))
    const last = Number(getSetting(this.sqlite, SYNC_KEYS.codeFamilleLast))
    const receiptSeries = getSetting(this.sqlite, SYNC_KEYS.receiptSeries)
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first <= 0 || !receiptSeries) return null
    return { workstationId, codeFamille: { first, last }, receiptSeries }
  }

  /**
   * The next number of one of the workstation's own series, kept in its settings
   * (`series.<name>.next`) and written in the caller's transaction: a command that rolls back
   * gives its number back. The code-famille series runs through the range the portal handed out
   * at enrolment; other series start at 1.
   */
  nextNumberSync(series: string): number {
    if (!/^[a-z0-9_]{1,40}$/.test(series)) throw new Error(`Invalid series name ${series}`)
    const key = `series.${series}.next`
    let first = 1
    let last = Number.MAX_SAFE_INTEGER
    if (series === SERIES.codeFamille) {
      const own = this.seriesOfSync(getSetting(this.sqlite, SYNC_KEYS.workstationId) ?? '')
      if (!own) throw new CommandRejection('SERIES_EXHAUSTED', 'Ce poste n’a pas encore de plage de codes famille : il doit d’abord être inscrit sur le portail.')
      first = own.codeFamille.first
      last = own.codeFamille.last
    }
    const stored = Number(getSetting(this.sqlite, key))
    const next = Number.isSafeInteger(stored) && stored >= first ? stored : first
    if (next > last) throw new CommandRejection('SERIES_EXHAUSTED', 'La plage de numéros de ce poste est épuisée : demandez-en une nouvelle au responsable.')
    setSetting(this.sqlite, key, String(next + 1))
    return next
  }

  /** Applies one change from the portal (pull, bootstrap, rejection truth). */
  applyChange(change: Pick<Change, 'entity' | 'id' | 'op' | 'row'>): void {
    if (change.op === 'delete' || change.row === null) this.deleteSync(change.entity, change.id)
    else this.putSync(change.entity, normalizeRow(change.entity, { ...change.row, id: change.id }))
  }

  private markDirty(entity: EntityName, row: Row): void {
    switch (entity) {
      case 'families':
        this.dirtyFamilies.add(String(row.id))
        break
      case 'family_members':
        this.dirtyFamilies.add(String(row.family_id))
        break
      case 'persons':
      case 'schoolings': {
        const personId = String(entity === 'persons' ? row.id : row.person_id)
        const ids = this.stmt('SELECT family_id FROM family_members WHERE person_id = ?').pluck().all(personId) as string[]
        for (const id of ids) this.dirtyFamilies.add(id)
        break
      }
      default:
        break
    }
  }

  /** Rebuilds the search rows of the families touched so far (call inside the transaction). */
  flushSearchIndex(): number {
    const ids = [...this.dirtyFamilies]
    this.dirtyFamilies.clear()
    if (ids.length > 0) reindexFamilies(this.sqlite, ids)
    return ids.length
  }

  discardPending(): void {
    this.dirtyFamilies.clear()
  }

  /** The CommandTx driver: synchronous SQLite behind promises that are already settled. */
  commandTx(): CommandTx {
    return {
      get: async (entity, id) => this.getSync(entity, id),
      find: async (entity, where) => this.findSync(entity, where),
      count: async (entity, where) => this.countSync(entity, where),
      put: async (entity, row) => this.putSync(entity, row),
      delete: async (entity, id) => this.deleteSync(entity, id),
      query: async (entity, q) => this.querySync(entity, q),
      sum: async (entity, column, q) => this.sumSync(entity, column, q),
      nextNumber: async (series) => this.nextNumberSync(series),
      seriesOf: async (workstationId) => this.seriesOfSync(workstationId),
    }
  }
}
