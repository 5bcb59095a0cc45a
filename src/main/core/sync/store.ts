import type Database from 'better-sqlite3'
import type { CommandTx } from '@shared/commands'
import { columnsOf, entities, normalizeRow, type EntityName, type Row, type Value } from '@shared/sync/entities'
import type { Change } from '@shared/sync/protocol'
import { reindexFamilies } from '../services/search'

/**
 * The workstation's side of the shared tables: the SQLite driver of CommandTx (used when
 * a command runs at the counter) and the applier of the portal's changes (pull, bootstrap,
 * rejection truth). Both keep the family search index in step.
 */

function toSqlite(entity: EntityName, row: Row): Value[] {
  const kinds = entities[entity] as Record<string, string>
  return columnsOf(entity).map((c) => {
    const v = row[c] ?? null
    if (kinds[c] === 'bool' && v !== null) return v ? 1 : 0
    return v
  })
}

const WHERE_COLUMN = /^[a-z_]+$/

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

  deleteSync(entity: EntityName, id: string): void {
    const before = this.getSync(entity, id)
    if (!before) return
    if (entity === 'families') this.stmt('DELETE FROM family_search WHERE family_id = ?').run(id)
    this.markDirty(entity, before)
    this.stmt(`DELETE FROM ${entity} WHERE id = ?`).run(id)
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
    }
  }
}
