import type Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { entities, entityEnums, type ColumnKind, type EntityName } from '@shared/sync/entities'
import { rows, type PortalDb } from '../../../src/portal/db/client'

/**
 * The shape of a table as a database really has it after its migrations, in terms both
 * dialects share, so that the workstation's SQLite and the portal's PostgreSQL can be
 * compared line by line.
 *
 * Normalisation (each rule is a real difference between the dialects, not between schemas):
 * - types: SQLite `text` / PostgreSQL `text` → text; `integer` / `integer`, `bigint` → int;
 *   PostgreSQL `boolean` → bool. SQLite has no boolean type (drizzle stores 0/1 in `integer`),
 *   so a SQLite `integer` column is read as bool when the entity catalogue says bool; the
 *   catalogue check then holds PostgreSQL to the same kind.
 * - defaults: `false`/`0` and `true`/`1` of a bool column → false/true; `'x'::text` → 'x';
 *   SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now') and PostgreSQL's
 *   to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') → now() as ISO text.
 * - CHECK `col IN ('a', 'b')` (SQLite) and `col = ANY (ARRAY['a'::text, 'b'::text])`
 *   (PostgreSQL) → `col IN {a, b}` (a sorted set); other CHECKs compare as lower-case text
 *   without quotes, casts, spaces or outer parentheses.
 * - unique: unique constraints and unique indexes alike, by their columns (names differ).
 * - foreign keys: by columns, with the referenced table, columns, ON DELETE and ON UPDATE.
 */
export interface ColumnShape {
  type: string
  notNull: boolean
  default: string | null
}

export interface TableShape {
  columns: Record<string, ColumnShape>
  primaryKey: string[]
  foreignKeys: string[]
  unique: string[]
  checks: string[]
}

export type SchemaShape = Record<string, TableShape>

export const NOW_ISO_TEXT = 'now() as ISO-8601 text'

function stripParens(s: string): string {
  let t = s.trim()
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim()
  return t
}

function balanced(s: string): boolean {
  let depth = 0
  let quoted = false
  for (const ch of s) {
    if (ch === "'") quoted = !quoted
    if (quoted) continue
    if (ch === '(') depth++
    if (ch === ')' && --depth < 0) return false
  }
  return depth === 0
}

function literals(list: string): string[] {
  return [...list.matchAll(/'((?:[^']|'')*)'/g)].map((m) => m[1]!.replace(/''/g, "'"))
}

export function normaliseCheck(expression: string): string {
  const e = stripParens(expression.replace(/^\s*CHECK\s*/i, ''))
  const inList = /^[`"]?(\w+)[`"]?\s+IN\s*\((.*)\)$/is.exec(e)
  if (inList) return `${inList[1]} IN {${literals(inList[2]!).sort().join(', ')}}`
  const anyArray = /^[`"]?(\w+)[`"]?\s*=\s*ANY\s*\(\s*\(?\s*ARRAY\s*\[(.*)\]\s*\)?(?:::\w+(?:\[\])?)?\s*\)$/is.exec(e)
  if (anyArray) return `${anyArray[1]} IN {${literals(anyArray[2]!).sort().join(', ')}}`
  return stripParens(
    e
      .replace(/::[a-z ]+(\[\])?/gi, '')
      .replace(/[`"]/g, '')
      .replace(/\s+/g, '')
      .toLowerCase(),
  )
}

export function normaliseDefault(raw: string | null | undefined, type: string): string | null {
  if (raw === null || raw === undefined) return null
  const d = stripParens(raw)
  if (/^strftime\('%Y-%m-%dT%H:%M:%fZ',\s*'now'\)$/i.test(d)) return NOW_ISO_TEXT
  if (/^to_char\(\(?now\(\) AT TIME ZONE 'UTC'(::text)?\)?, 'YYYY-MM-DD"T"HH24:MI:SS\.MS"Z"'(::text)?\)$/i.test(d)) return NOW_ISO_TEXT
  if (type === 'bool') {
    if (d === '0' || d.toLowerCase() === 'false') return 'false'
    if (d === '1' || d.toLowerCase() === 'true') return 'true'
  }
  const literal = /^'((?:[^']|'')*)'(::[a-z ]+)?$/i.exec(d)
  if (literal) return `'${literal[1]}'`
  return d
}

function kindOf(table: string, column: string): ColumnKind | undefined {
  return (entities as Record<string, Record<string, ColumnKind>>)[table]?.[column]
}

function foreignKey(from: string[], table: string, to: string[], onDelete: string, onUpdate: string): string {
  return `(${from.join(', ')}) → ${table}(${to.join(', ')}) ON DELETE ${onDelete.toLowerCase()} ON UPDATE ${onUpdate.toLowerCase()}`
}

/** Splits SQL text on top-level occurrences of CHECK (…) and returns each parenthesised expression. */
function checksIn(createTable: string): string[] {
  const out: string[] = []
  const re = /\bCHECK\s*\(/gi
  let m: RegExpExecArray | null
  while ((m = re.exec(createTable))) {
    let depth = 0
    let quoted = false
    const start = m.index + m[0].length - 1
    for (let i = start; i < createTable.length; i++) {
      const ch = createTable[i]
      if (ch === "'") quoted = !quoted
      if (quoted) continue
      if (ch === '(') depth++
      if (ch === ')' && --depth === 0) {
        out.push(createTable.slice(start, i + 1))
        re.lastIndex = i + 1
        break
      }
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// SQLite

export function sqliteShape(sqlite: Database.Database, tables: readonly string[]): SchemaShape {
  const shape: SchemaShape = {}
  for (const table of tables) {
    const info = sqlite.prepare(`SELECT * FROM pragma_table_info(?) ORDER BY cid`).all(table) as Array<{
      name: string
      type: string
      notnull: number
      dflt_value: string | null
      pk: number
    }>
    if (info.length === 0) continue
    const columns: Record<string, ColumnShape> = {}
    for (const c of info) {
      const declared = c.type.toLowerCase()
      let type = declared === 'integer' ? 'int' : declared
      if (type === 'int' && kindOf(table, c.name) === 'bool') type = 'bool'
      columns[c.name] = { type, notNull: c.notnull === 1 || c.pk > 0, default: normaliseDefault(c.dflt_value, type) }
    }
    const primaryKey = info
      .filter((c) => c.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((c) => c.name)

    const fkRows = sqlite.prepare(`SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq`).all(table) as Array<{
      id: number
      table: string
      from: string
      to: string
      on_update: string
      on_delete: string
    }>
    const byId = new Map<number, typeof fkRows>()
    for (const r of fkRows) byId.set(r.id, [...(byId.get(r.id) ?? []), r])
    const foreignKeys = [...byId.values()].map((rs) =>
      foreignKey(
        rs.map((r) => r.from),
        rs[0]!.table,
        rs.map((r) => r.to),
        rs[0]!.on_delete,
        rs[0]!.on_update,
      ),
    )

    const indexes = sqlite.prepare(`SELECT * FROM pragma_index_list(?)`).all(table) as Array<{
      name: string
      unique: number
      origin: string
      partial: number
    }>
    const unique = indexes
      .filter((i) => i.unique === 1 && i.origin !== 'pk')
      .map((i) => {
        const cols = (sqlite.prepare(`SELECT name FROM pragma_index_info(?) ORDER BY seqno`).pluck().all(i.name) as string[]).join(', ')
        return `(${cols})${i.partial ? ' partial' : ''}`
      })

    const createSql = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`).pluck().get(table) as string
    const checks = checksIn(createSql).map(normaliseCheck)
    shape[table] = { columns, primaryKey, foreignKeys: foreignKeys.sort(), unique: unique.sort(), checks: checks.sort() }
  }
  return shape
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL (PGlite or a server)

const pgTypes: Record<string, string> = { text: 'text', integer: 'int', bigint: 'int', boolean: 'bool' }
const pgActions: Record<string, string> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' }

export async function pgShape(db: PortalDb, tables: readonly string[]): Promise<SchemaShape> {
  const list = sql.join(
    tables.map((t) => sql`${t}`),
    sql`, `,
  )
  const columnRows = await rows<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>(
    db,
    sql`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name IN (${list}) ORDER BY table_name, ordinal_position`,
  )
  const constraintRows = await rows<{ table_name: string; contype: string; def: string; cols: string; ref_table: string | null; ref_cols: string | null; del: string; upd: string }>(
    db,
    sql`SELECT t.relname AS table_name, c.contype, pg_get_constraintdef(c.oid) AS def,
          (SELECT string_agg(a.attname, ',' ORDER BY k.o) FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
          r.relname AS ref_table,
          (SELECT string_agg(a.attname, ',' ORDER BY k.o) FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS ref_cols,
          c.confdeltype AS del, c.confupdtype AS upd
        FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        LEFT JOIN pg_class r ON r.oid = c.confrelid
        WHERE n.nspname = current_schema() AND t.relname IN (${list}) AND c.contype IN ('p', 'f', 'c')`,
  )
  const indexRows = await rows<{ table_name: string; cols: string; partial: boolean }>(
    db,
    sql`SELECT t.relname AS table_name, ix.indpred IS NOT NULL AS partial,
          (SELECT string_agg(a.attname, ',' ORDER BY k.o) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(n, o)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n) AS cols
        FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema() AND t.relname IN (${list}) AND ix.indisunique AND NOT ix.indisprimary`,
  )
  const shape: SchemaShape = {}
  for (const c of columnRows) {
    const table = (shape[c.table_name] ??= { columns: {}, primaryKey: [], foreignKeys: [], unique: [], checks: [] })
    const type = pgTypes[c.data_type] ?? c.data_type
    table.columns[c.column_name] = { type, notNull: c.is_nullable === 'NO', default: normaliseDefault(c.column_default, type) }
  }
  const split = (s: string | null) => (s ? s.split(',') : [])
  for (const c of constraintRows) {
    const table = shape[c.table_name]
    if (!table) continue
    if (c.contype === 'p') table.primaryKey = split(c.cols)
    else if (c.contype === 'f') table.foreignKeys.push(foreignKey(split(c.cols), c.ref_table ?? '?', split(c.ref_cols), pgActions[c.del] ?? c.del, pgActions[c.upd] ?? c.upd))
    else table.checks.push(normaliseCheck(c.def))
  }
  for (const i of indexRows) shape[i.table_name]?.unique.push(`(${split(i.cols).join(', ')})${i.partial ? ' partial' : ''}`)
  for (const t of Object.values(shape)) {
    t.foreignKeys.sort()
    t.unique.sort()
    t.checks.sort()
  }
  return shape
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Every difference between two shapes, one readable line each (empty: identical). */
export function diffShapes(a: SchemaShape, b: SchemaShape, names: [string, string] = ['SQLite', 'PostgreSQL']): string[] {
  const [an, bn] = names
  const out: string[] = []
  const onlyIn = <T>(xs: T[], ys: T[]) => xs.filter((x) => !ys.includes(x))
  for (const table of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const ta = a[table]
    const tb = b[table]
    if (!ta || !tb) {
      out.push(`${table}: table only on ${ta ? an : bn}`)
      continue
    }
    for (const col of [...new Set([...Object.keys(ta.columns), ...Object.keys(tb.columns)])]) {
      const ca = ta.columns[col]
      const cb = tb.columns[col]
      if (!ca || !cb) {
        out.push(`${table}.${col}: column only on ${ca ? an : bn}`)
        continue
      }
      if (ca.type !== cb.type) out.push(`${table}.${col}: type ${ca.type} on ${an}, ${cb.type} on ${bn}`)
      if (ca.notNull !== cb.notNull)
        out.push(`${table}.${col}: ${ca.notNull ? 'NOT NULL' : 'nullable'} on ${an}, ${cb.notNull ? 'NOT NULL' : 'nullable'} on ${bn}`)
      if (ca.default !== cb.default) out.push(`${table}.${col}: default ${ca.default ?? 'none'} on ${an}, ${cb.default ?? 'none'} on ${bn}`)
    }
    if (ta.primaryKey.join(',') !== tb.primaryKey.join(','))
      out.push(`${table}: primary key (${ta.primaryKey.join(', ')}) on ${an}, (${tb.primaryKey.join(', ')}) on ${bn}`)
    for (const [what, xa, xb] of [
      ['foreign key', ta.foreignKeys, tb.foreignKeys],
      ['unique', ta.unique, tb.unique],
      ['check', ta.checks, tb.checks],
    ] as const) {
      for (const x of onlyIn([...xa], [...xb])) out.push(`${table}: ${what} ${x} only on ${an}`)
      for (const x of onlyIn([...xb], [...xa])) out.push(`${table}: ${what} ${x} only on ${bn}`)
    }
  }
  return out
}

/** Differences between a database's shape and the entity catalogue: columns, kinds, enum CHECKs. */
export function diffCatalogue(shape: SchemaShape, name: string): string[] {
  const out: string[] = []
  for (const entity of Object.keys(entities) as EntityName[]) {
    const table = shape[entity]
    if (!table) {
      out.push(`${entity}: in the entity catalogue, missing on ${name}`)
      continue
    }
    const expected = entities[entity] as Record<string, ColumnKind>
    for (const col of Object.keys(table.columns)) if (!(col in expected)) out.push(`${entity}.${col}: on ${name}, not in the entity catalogue`)
    for (const [col, kind] of Object.entries(expected)) {
      const actual = table.columns[col]
      if (!actual) out.push(`${entity}.${col}: in the entity catalogue, missing on ${name}`)
      else if (actual.type !== kind) out.push(`${entity}.${col}: ${kind} in the entity catalogue, ${actual.type} on ${name}`)
    }
    const enums = (entityEnums as Record<string, Record<string, readonly string[]>>)[entity] ?? {}
    for (const [col, values] of Object.entries(enums)) {
      const check = `${col} IN {${[...values].sort().join(', ')}}`
      if (!table.checks.includes(check)) out.push(`${entity}.${col}: CHECK ${check} of the entity catalogue missing on ${name}`)
    }
  }
  return out
}
