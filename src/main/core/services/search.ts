import type Database from 'better-sqlite3'
import type { FamilySummary } from '@shared/contract'
import { foldForSearch } from '@shared/domain/searchText'
import { buildSearchDoc, phoneDigits, SEARCH_FAMILIES_SQL, SEARCH_MEMBERS_SQL, type FamilyRow, type MemberRow } from '@shared/domain/searchIndex'

export { phoneDigits } from '@shared/domain/searchIndex'

/**
 * The family search index (FTS5 table `family_search`, see resources/migrations).
 * One row per family: `family` (its name; weighted ×20), `names` (guardians, children,
 * contacts; ×5) and `other` (code famille, phones as digits, e-mails, city), plus the JSON summary
 * the result list shows, so that a search is one indexed query.
 */

/** Rewrites the index rows of the given families (inside the caller's transaction). */
export function reindexFamilies(sqlite: Database.Database, ids: readonly string[]): void {
  writeFamilyRows(sqlite, ids, true)
}

/**
 * Adds the index rows of families that have none yet (bulk import: no delete, which would
 * scan the whole index since family_id is UNINDEXED). Inside the caller's transaction.
 */
export function indexNewFamilies(sqlite: Database.Database, ids: readonly string[]): void {
  writeFamilyRows(sqlite, ids, false)
}

function writeFamilyRows(sqlite: Database.Database, ids: readonly string[], replace: boolean): void {
  const familyIds = [...new Set(ids)]
  const del = sqlite.prepare('DELETE FROM family_search WHERE family_id = ?')
  const getFamily = sqlite.prepare(`${SEARCH_FAMILIES_SQL} WHERE id = ?`)
  const getMembers = sqlite.prepare(`${SEARCH_MEMBERS_SQL} WHERE m.family_id = ?`)
  const ins = sqlite.prepare('INSERT INTO family_search (family_id, summary, family, names, other) VALUES (?, ?, ?, ?, ?)')
  // family_id is UNINDEXED: each delete scans the index, so many families go in one scan.
  const batched = replace && familyIds.length > 8
  if (batched) {
    sqlite.prepare('DELETE FROM family_search WHERE family_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(familyIds))
  }
  for (const id of familyIds) {
    if (replace && !batched) del.run(id)
    const family = getFamily.get(id) as FamilyRow | undefined
    if (!family) continue
    const row = buildSearchDoc(family, getMembers.all(id) as MemberRow[])
    ins.run(family.id, JSON.stringify(row.summary), row.family, row.names, row.other)
  }
}

/** Rebuilds the whole index in one pass (demo town, bootstrap). */
export function reindexAllFamilies(sqlite: Database.Database): number {
  const membersByFamily = new Map<string, MemberRow[]>()
  for (const m of sqlite.prepare(SEARCH_MEMBERS_SQL).iterate() as IterableIterator<MemberRow>) {
    const list = membersByFamily.get(m.familyId)
    if (list) list.push(m)
    else membersByFamily.set(m.familyId, [m])
  }
  const ins = sqlite.prepare('INSERT INTO family_search (family_id, summary, family, names, other) VALUES (?, ?, ?, ?, ?)')
  const families = sqlite.prepare(SEARCH_FAMILIES_SQL).all() as FamilyRow[]
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM family_search').run()
    for (const f of families) {
      const row = buildSearchDoc(f, membersByFamily.get(f.id) ?? [])
      ins.run(f.id, JSON.stringify(row.summary), row.family, row.names, row.other)
    }
  })()
  return families.length
}

/**
 * Turns what the agent typed into an FTS5 query: every word must match the start of an
 * indexed word, accents and case ignored. A query made of digits (a phone number typed
 * with spaces or dots) is searched as one number. Returns null when there is nothing to search.
 */
export function toMatchQuery(q: string): string | null {
  const trimmed = q.trim()
  if (/^[+\d][\d\s.\-/]*$/.test(trimmed) && /\d/.test(trimmed)) {
    const digits = phoneDigits(trimmed)
    return digits.length > 0 ? `"${digits}"*` : null
  }
  const words = foldForSearch(trimmed).split(' ').filter(Boolean).slice(0, 8)
  if (words.length === 0) return null
  return words.map((w) => `"${w}"*`).join(' ')
}

export const SEARCH_SQL = 'SELECT summary FROM family_search WHERE family_search MATCH ? ORDER BY rank LIMIT ?'

const searchStatements = new WeakMap<Database.Database, Database.Statement>()

export function searchFamilies(sqlite: Database.Database, q: string, limit = 20): FamilySummary[] {
  const match = toMatchQuery(q)
  if (!match) return []
  let stmt = searchStatements.get(sqlite)
  if (!stmt) {
    stmt = sqlite.prepare(SEARCH_SQL).pluck()
    searchStatements.set(sqlite, stmt)
  }
  return (stmt.all(match, limit) as string[]).map((s) => JSON.parse(s) as FamilySummary)
}
