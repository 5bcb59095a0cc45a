import type Database from 'better-sqlite3'
import type { FamilySearchResult, FamilySummary, SearchOutput } from '@shared/contract'
import { matchReasons, type ReasonMember } from '@shared/domain/matchReasons'
import { phoneticKey, typoBudget, withinTypos } from '@shared/domain/phonetic'
import { foldForSearch } from '@shared/domain/searchText'
import {
  buildSearchDoc,
  phoneDigits,
  phoneticToken,
  SEARCH_DOC_VERSION,
  SEARCH_FAMILIES_SQL,
  SEARCH_MEMBERS_SQL,
  type FamilyRow,
  type MemberRow,
} from '@shared/domain/searchIndex'
import { getSetting, setSetting } from './settings'

export { phoneDigits } from '@shared/domain/searchIndex'

/**
 * The family search index (FTS5 table `family_search`, see resources/migrations 0001 and 0006).
 * One row per family: `family` (its name; weighted ×20), `names` (guardians, children,
 * contacts; ×5), `other` (code famille, phones as digits, e-mails, city) and `phonetic` (the
 * names' French phonetic keys, for the second pass only), plus the JSON summary the result list
 * shows, so that a search is one indexed query. A family merged into another is not indexed.
 */

const INSERT_SQL = 'INSERT INTO family_search (family_id, summary, family, names, other, phonetic) VALUES (?, ?, ?, ?, ?, ?)'
const DOC_VERSION_KEY = 'search.doc_version'

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
  const ins = sqlite.prepare(INSERT_SQL)
  // family_id is UNINDEXED: each delete scans the index, so many families go in one scan.
  const batched = replace && familyIds.length > 8
  if (batched) {
    sqlite.prepare('DELETE FROM family_search WHERE family_id IN (SELECT value FROM json_each(?))').run(JSON.stringify(familyIds))
  }
  for (const id of familyIds) {
    if (replace && !batched) del.run(id)
    const family = getFamily.get(id) as FamilyRow | undefined
    if (!family || family.mergedInto) continue
    const row = buildSearchDoc(family, getMembers.all(id) as MemberRow[])
    ins.run(family.id, JSON.stringify(row.summary), row.family, row.names, row.other, row.phonetic)
  }
}

/** Rebuilds the whole index in one pass (demo town, bootstrap, a new document version). */
export function reindexAllFamilies(sqlite: Database.Database): number {
  const membersByFamily = new Map<string, MemberRow[]>()
  for (const m of sqlite.prepare(SEARCH_MEMBERS_SQL).iterate() as IterableIterator<MemberRow>) {
    const list = membersByFamily.get(m.familyId)
    if (list) list.push(m)
    else membersByFamily.set(m.familyId, [m])
  }
  const ins = sqlite.prepare(INSERT_SQL)
  const families = sqlite.prepare(SEARCH_FAMILIES_SQL).all() as FamilyRow[]
  sqlite.transaction(() => {
    sqlite.prepare('DELETE FROM family_search').run()
    for (const f of families) {
      if (f.mergedInto) continue
      const row = buildSearchDoc(f, membersByFamily.get(f.id) ?? [])
      ins.run(f.id, JSON.stringify(row.summary), row.family, row.names, row.other, row.phonetic)
    }
    setSetting(sqlite, DOC_VERSION_KEY, String(SEARCH_DOC_VERSION))
  })()
  // The rows just deleted stay in the index's segments until they are merged: merge them now,
  // or an index rebuilt over an old one reads four times its size (20,000 families: 32 MB instead of 10).
  sqlite.prepare(`INSERT INTO family_search(family_search) VALUES('optimize')`).run()
  return families.length
}

/**
 * At start: rebuilds the index when its documents are of another version (the migration that
 * gave it its phonetic column left it empty). A new database only records the version.
 * Returns the number of families indexed (0 when nothing was to do).
 */
export function ensureSearchIndex(sqlite: Database.Database): number {
  if (getSetting(sqlite, DOC_VERSION_KEY) === String(SEARCH_DOC_VERSION)) return 0
  const any = sqlite.prepare('SELECT 1 FROM families LIMIT 1').get()
  if (!any) {
    setSetting(sqlite, DOC_VERSION_KEY, String(SEARCH_DOC_VERSION))
    return 0
  }
  return reindexAllFamilies(sqlite)
}

const NUMBER_QUERY = /^[+\d][\d\s.\-/]*$/

function isNumberQuery(q: string): boolean {
  return NUMBER_QUERY.test(q) && /\d/.test(q)
}

function queryWords(q: string): string[] {
  return foldForSearch(q).split(' ').filter(Boolean).slice(0, 8)
}

/**
 * Turns what the agent typed into FTS5 terms: every word must match the start of an
 * indexed word, accents and case ignored. A query made of digits (a phone number typed
 * with spaces or dots) is searched as one number. Returns null when there is nothing to search.
 */
export function toMatchQuery(q: string): string | null {
  const trimmed = q.trim()
  if (isNumberQuery(trimmed)) {
    const digits = phoneDigits(trimmed)
    return digits.length > 0 ? `"${digits}"*` : null
  }
  const words = queryWords(trimmed)
  if (words.length === 0) return null
  return words.map((w) => `"${w}"*`).join(' ')
}

/** The exact pass: toMatchQuery's terms, in the columns the agent sees (never the phonetic keys). */
export function exactMatchQuery(q: string): string | null {
  const terms = toMatchQuery(q)
  return terms === null ? null : `{family names other} : (${terms})`
}

/** The first pass's raw statement (the bench times it): `exactMatchQuery(q)`, limit. */
export const SEARCH_SQL = 'SELECT family_id AS id, summary FROM family_search WHERE family_search MATCH ? ORDER BY rank LIMIT ?'
const COUNT_SQL = 'SELECT count(*) FROM family_search WHERE family_search MATCH ?'
/** Words the agent may have mistyped are compared with the indexed name words of about their length. */
const TERMS_SQL = `SELECT DISTINCT term FROM family_search_terms WHERE col IN ('family', 'names')`
/** At most this many second-pass candidates are read to rank them (the count is exact). */
const APPROX_READ = 50
/** At most this many close words stand for one mistyped word. */
const MAX_TYPO_TERMS = 12

export interface Statements {
  mark: Database.Statement
  page: Database.Statement
  count: Database.Statement
  terms: Database.Statement
  exists: Database.Statement
  members: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()

export function prepared(sqlite: Database.Database): Statements {
  let s = statements.get(sqlite)
  if (!s) {
    s = {
      mark: sqlite.prepare('SELECT max(rowid) FROM family_search').pluck(),
      page: sqlite.prepare(SEARCH_SQL),
      count: sqlite.prepare(COUNT_SQL).pluck(),
      terms: sqlite.prepare(TERMS_SQL).pluck(),
      exists: sqlite.prepare('SELECT 1 FROM family_search WHERE family_search MATCH ? LIMIT 1').pluck(),
      members: sqlite.prepare(
        `SELECT m.family_id AS familyId, m.role, m.relation, p.first_names AS firstNames, p.last_name AS lastName,
                p.birth_name AS birthName, p.sex, p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome,
                p.phone_work AS phoneWork, p.email
         FROM family_members m JOIN persons p ON p.id = m.person_id
         WHERE m.family_id IN (SELECT value FROM json_each(?))`,
      ),
    }
    statements.set(sqlite, s)
  }
  return s
}

/**
 * The indexed name words (columns family and names, no digits) by length, read once and kept
 * while the index's highest rowid stays the same (every write of a family's row gives it a new
 * rowid; a word left over from a deleted row only adds an alternative that matches nothing).
 */
const termCache = new WeakMap<Database.Database, { mark: number; byLength: Map<number, string[]> }>()

export function nameTerms(sqlite: Database.Database, st: Statements, minLength: number, maxLength: number): string[] {
  const mark = (st.mark.get() as number | null) ?? 0
  let cache = termCache.get(sqlite)
  if (!cache || cache.mark !== mark) {
    const byLength = new Map<number, string[]>()
    for (const term of st.terms.all() as string[]) {
      if (/\d/.test(term)) continue
      const list = byLength.get(term.length)
      if (list) list.push(term)
      else byLength.set(term.length, [term])
    }
    cache = { mark, byLength }
    termCache.set(sqlite, cache)
  }
  const out: string[] = []
  for (let n = minLength; n <= maxLength; n++) out.push(...(cache.byLength.get(n) ?? []))
  return out
}

/**
 * The second pass's query: each word matches as in the exact pass, or by its phonetic key, or
 * (a word that starts no indexed name) by the indexed names within its typo budget. Null when
 * it would find nothing more than the exact pass.
 */
export function approxMatchQuery(sqlite: Database.Database, q: string): string | null {
  const trimmed = q.trim()
  if (isNumberQuery(trimmed)) return null
  const words = queryWords(trimmed)
  if (words.length === 0) return null
  const st = prepared(sqlite)
  let widened = false
  const groups = words.map((w) => {
    const alternatives = [`{family names other} : "${w}"*`]
    if (/\d/.test(w)) return `(${alternatives[0]})` // a code or number: exact only
    const key = w.length >= 3 ? phoneticKey(w) : ''
    if (key) {
      alternatives.push(`phonetic : "${phoneticToken(key)}"`)
      widened = true
    }
    const budget = typoBudget(w.length)
    if (budget > 0 && !st.exists.get(`{family names} : "${w}"*`)) {
      const close = nameTerms(sqlite, st, w.length - budget, w.length + budget)
        .filter((t) => withinTypos(t, w))
        .slice(0, MAX_TYPO_TERMS)
      for (const t of close) alternatives.push(`{family names} : "${t}"`)
      if (close.length > 0) widened = true
    }
    return `(${alternatives.join(' OR ')})`
  })
  return widened ? groups.join(' AND ') : null
}

function readMembers(sqlite: Database.Database, ids: string[]): Map<string, ReasonMember[]> {
  const byFamily = new Map<string, ReasonMember[]>()
  if (ids.length === 0) return byFamily
  const rows = prepared(sqlite).members.all(JSON.stringify(ids)) as Array<{
    familyId: string
    role: ReasonMember['role']
    relation: string | null
    firstNames: string
    lastName: string
    birthName: string | null
    sex: string | null
    phoneMobile: string | null
    phoneHome: string | null
    phoneWork: string | null
    email: string | null
  }>
  for (const r of rows) {
    const m: ReasonMember = {
      role: r.role,
      relation: r.relation,
      firstNames: r.firstNames,
      lastName: r.lastName,
      birthName: r.birthName,
      sex: r.sex,
      phones: [r.phoneMobile, r.phoneHome, r.phoneWork].filter((p): p is string => Boolean(p)),
      email: r.email,
    }
    const list = byFamily.get(r.familyId)
    if (list) list.push(m)
    else byFamily.set(r.familyId, [m])
  }
  return byFamily
}

/**
 * Searches the families: the true number that match (`total`), the first `limit` of them, and
 * why each matched. When the exact pass does not fill the page, a second pass by phonetic key
 * and typo tolerance completes it, ranked after the exact matches (phonetic before typo), and
 * the total counts both.
 */
export function searchPage(sqlite: Database.Database, q: string, limit = 20): SearchOutput {
  const exact = exactMatchQuery(q)
  if (!exact) return { results: [], total: 0 }
  const st = prepared(sqlite)
  const rows = st.page.all(exact, limit) as Array<{ id: string; summary: string }>
  let total = rows.length < limit ? rows.length : (st.count.get(exact) as number)
  const found: Array<{ summary: FamilySummary; approx: boolean }> = rows.map((r) => ({ summary: JSON.parse(r.summary) as FamilySummary, approx: false }))
  if (total < limit) {
    const approx = approxMatchQuery(sqlite, q)
    if (approx) {
      const seen = new Set(rows.map((r) => r.id))
      const extra = (st.page.all(approx, APPROX_READ + seen.size) as Array<{ id: string; summary: string }>).filter((r) => !seen.has(r.id))
      total = seen.size + (extra.length < APPROX_READ ? extra.length : (st.count.get(approx) as number) - seen.size)
      for (const r of extra) found.push({ summary: JSON.parse(r.summary) as FamilySummary, approx: true })
    }
  }
  // Reasons for the families that may be shown (the approximate ones are ranked by them).
  const members = readMembers(sqlite, found.slice(0, Math.max(limit, found.length)).map((f) => f.summary.id))
  const results: FamilySearchResult[] = found.map((f) => ({
    ...f.summary,
    why: matchReasons(q, f.summary, members.get(f.summary.id) ?? []),
    approx: f.approx,
  }))
  const weight = (r: FamilySearchResult): number => {
    if (!r.approx) return 0
    const phonetic = r.why.some((w) => w.startsWith('nom proche (phonétique)'))
    const ownName = r.why.some((w) => w.startsWith('nom proche') && w.endsWith(` : ${r.name}`))
    return (phonetic ? 1 : 3) + (ownName ? 0 : 1)
  }
  // Stable sort: the exact matches keep their rank, then the phonetic matches (the family's own
  // name first), then the typos.
  results.sort((a, b) => weight(a) - weight(b))
  return { results: results.slice(0, limit), total }
}

/** The first `limit` results only (see searchPage). */
export function searchFamilies(sqlite: Database.Database, q: string, limit = 20): FamilySearchResult[] {
  return searchPage(sqlite, q, limit).results
}
