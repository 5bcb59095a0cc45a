import type Database from 'better-sqlite3'
import type { FamilySummary } from '@shared/contract'
import { foldForSearch, searchTerms } from '@shared/domain/searchText'

/**
 * The family search index (FTS5 table `family_search`, see resources/migrations).
 * One row per family: `family` (its name; weighted ×20), `names` (guardians, children,
 * contacts; ×5) and `other` (code famille, phones as digits, e-mails, city), plus the JSON summary
 * the result list shows, so that a search is one indexed query.
 */

interface MemberRow {
  familyId: string
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  firstNames: string
  lastName: string
  birthName: string | null
  phoneMobile: string | null
  phoneHome: string | null
  phoneWork: string | null
  email: string | null
  level: string | null
}

interface FamilyRow {
  id: string
  code: string
  name: string
  city: string
}

const MEMBERS_SQL = `
  SELECT m.family_id AS familyId, m.role, p.first_names AS firstNames, p.last_name AS lastName,
         p.birth_name AS birthName, p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome,
         p.phone_work AS phoneWork, p.email,
         (SELECT s.level FROM schoolings s WHERE s.person_id = p.id ORDER BY s.school_year DESC LIMIT 1) AS level
  FROM family_members m JOIN persons p ON p.id = m.person_id`

const ROLE_ORDER: Record<MemberRow['role'], number> = { RL1: 0, RL2: 1, enfant: 2, contact: 3 }

/** Phone numbers as digit strings: "06 12 34 56 78" → "0612345678" (+33 → 0). */
export function phoneDigits(phone: string): string {
  let digits = phone.replace(/\D/g, '')
  if (digits.startsWith('33') && digits.length === 11) digits = `0${digits.slice(2)}`
  if (digits.startsWith('0033')) digits = `0${digits.slice(4)}`
  return digits
}

interface IndexRow {
  summary: FamilySummary
  family: string
  names: string
  other: string
}

function buildRow(family: FamilyRow, members: MemberRow[]): IndexRow {
  members.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role])
  const names: string[] = []
  const other: string[] = [family.code, family.city]
  const guardians: string[] = []
  const children: string[] = []
  for (const m of members) {
    names.push(m.firstNames, m.lastName)
    if (m.birthName) names.push(m.birthName)
    for (const phone of [m.phoneMobile, m.phoneHome, m.phoneWork]) if (phone) other.push(phoneDigits(phone))
    if (m.email) other.push(m.email)
    if (m.role === 'RL1' || m.role === 'RL2') guardians.push(`${m.firstNames} ${m.lastName}`)
    else if (m.role === 'enfant') children.push(m.level ? `${m.firstNames} (${m.level})` : m.firstNames)
  }
  return {
    summary: { id: family.id, code: family.code, name: family.name, guardians, children, city: family.city },
    family: searchTerms(family.name),
    names: searchTerms(names.join(' ')),
    other: other.join(' '),
  }
}

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
  const getFamily = sqlite.prepare('SELECT id, code, name, city FROM families WHERE id = ?')
  const getMembers = sqlite.prepare(`${MEMBERS_SQL} WHERE m.family_id = ?`)
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
    const row = buildRow(family, getMembers.all(id) as MemberRow[])
    ins.run(family.id, JSON.stringify(row.summary), row.family, row.names, row.other)
  }
}

/** Rebuilds the whole index in one pass (demo town, bootstrap). */
export function reindexAllFamilies(sqlite: Database.Database): number {
  const membersByFamily = new Map<string, MemberRow[]>()
  for (const m of sqlite.prepare(MEMBERS_SQL).iterate() as IterableIterator<MemberRow>) {
    const list = membersByFamily.get(m.familyId)
    if (list) list.push(m)
    else membersByFamily.set(m.familyId, [m])
  }
  const ins = sqlite.prepare('INSERT INTO family_search (family_id, summary, family, names, other) VALUES (?, ?, ?, ?, ?)')
  const families = sqlite.prepare('SELECT id, code, name, city FROM families').all() as FamilyRow[]
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM family_search').run()
    for (const f of families) {
      const row = buildRow(f, membersByFamily.get(f.id) ?? [])
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
