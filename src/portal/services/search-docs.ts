import type Database from 'better-sqlite3'
import {
  buildSearchDoc,
  SEARCH_DOC_VERSION,
  SEARCH_FAMILIES_SQL,
  type FamilyRow,
  type MemberRow,
} from '@shared/domain/searchIndex'

/**
 * The family search documents in a bootstrap snapshot (table `search_docs`, one row per family,
 * with `meta.searchDocVersion`). They are built from the snapshot's own tables with the pure
 * builder the workstation uses (src/shared/domain/searchIndex.ts), so a new workstation only
 * copies them into its full-text index instead of building 20 000 documents itself: that work
 * is done once here, in the snapshot build, for every workstation that bootstraps from it.
 * A workstation of another document version ignores them and builds its own.
 *
 * Built in pages with a yield between them, so that the portal keeps answering meanwhile.
 */

const PAGE = 2_500

export function createSearchDocsTable(out: Database.Database): void {
  out.exec(
    `CREATE TABLE IF NOT EXISTS search_docs (
       family_id TEXT PRIMARY KEY, summary TEXT NOT NULL, family TEXT NOT NULL, names TEXT NOT NULL, other TEXT NOT NULL,
       phonetic TEXT NOT NULL)`,
  )
}

/** The document version of a snapshot file's search_docs (null: none). */
export function searchDocsVersion(out: Database.Database): number | null {
  const hasMeta = out.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).get()
  if (!hasMeta) return null
  const v = out.prepare(`SELECT value FROM meta WHERE key = 'searchDocVersion'`).pluck().get() as string | undefined
  return v === undefined ? null : Number(v)
}

const yieldNow = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Writes the documents of `familyIds` ('all': every family, replacing the table) into the
 * snapshot file; a family no longer in the file loses its document. Records the version in meta.
 */
export async function writeSearchDocs(out: Database.Database, familyIds: Iterable<string> | 'all'): Promise<number> {
  // All of them: the table is made again (a file of an older version has other columns).
  if (familyIds === 'all') out.exec('DROP TABLE IF EXISTS search_docs')
  createSearchDocsTable(out)
  const ids =
    familyIds === 'all' ? (out.prepare('SELECT id FROM families ORDER BY rowid').pluck().all() as string[]) : [...new Set(familyIds)]
  // The snapshot's tables have no index but their primary keys: one scan of the members and one
  // of the schoolings per page (no per-member subquery, which would scan the schoolings each time).
  const families = out.prepare(`${SEARCH_FAMILIES_SQL} WHERE id IN (SELECT value FROM json_each(?))`)
  const members = out.prepare(
    `SELECT m.family_id AS familyId, m.role, p.id AS personId, p.first_names AS firstNames, p.last_name AS lastName,
            p.birth_name AS birthName, p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome, p.phone_work AS phoneWork, p.email,
            m.forbidden_pick_up AS forbiddenPickUp, p.pai
     FROM family_members m JOIN persons p ON p.id = m.person_id
     WHERE m.family_id IN (SELECT value FROM json_each(?))`,
  )
  const schoolings = out.prepare(
    'SELECT person_id AS personId, level, school_year AS year FROM schoolings WHERE person_id IN (SELECT value FROM json_each(?))',
  )
  const remove = out.prepare('DELETE FROM search_docs WHERE family_id IN (SELECT value FROM json_each(?))')
  const put = out.prepare(
    'INSERT OR REPLACE INTO search_docs (family_id, summary, family, names, other, phonetic) VALUES (?, ?, ?, ?, ?, ?)',
  )
  const writePage = out.transaction((page: string[]) => {
    const list = JSON.stringify(page)
    remove.run(list)
    const rows = members.all(list) as Array<Omit<MemberRow, 'level'>>
    // Each person's level in their latest school year (as SEARCH_MEMBERS_SQL reads it).
    const latest = new Map<string, { level: string; year: string }>()
    for (const s of schoolings.all(JSON.stringify(rows.map((r) => r.personId))) as Array<{ personId: string; level: string; year: string }>) {
      const known = latest.get(s.personId)
      if (!known || s.year > known.year) latest.set(s.personId, s)
    }
    const byFamily = new Map<string, MemberRow[]>()
    for (const r of rows) {
      const m: MemberRow = { ...r, level: latest.get(r.personId)?.level ?? null }
      const known = byFamily.get(m.familyId)
      if (known) known.push(m)
      else byFamily.set(m.familyId, [m])
    }
    for (const family of families.all(list) as FamilyRow[]) {
      if (family.mergedInto) continue // merged into another file: not searched
      const doc = buildSearchDoc(family, byFamily.get(family.id) ?? [])
      put.run(family.id, JSON.stringify(doc.summary), doc.family, doc.names, doc.other, doc.phonetic)
    }
  })
  for (let i = 0; i < ids.length; i += PAGE) {
    writePage(ids.slice(i, i + PAGE))
    if (i + PAGE < ids.length) await yieldNow()
  }
  out.prepare(`INSERT OR REPLACE INTO meta (key, value) VALUES ('searchDocVersion', ?)`).run(String(SEARCH_DOC_VERSION))
  return ids.length
}

/**
 * The families whose document a change may alter, read from the snapshot file BEFORE the change
 * is applied (a member leaving a family), plus the persons whose families are read after it.
 */
export function familiesTouchedBy(
  out: Database.Database,
  change: { entity: string; entity_id: string; row: Record<string, unknown> | null },
  families: Set<string>,
  persons: Set<string>,
): void {
  const str = (v: unknown) => (typeof v === 'string' ? v : null)
  switch (change.entity) {
    case 'families':
      families.add(change.entity_id)
      break
    case 'family_members': {
      const before = out.prepare('SELECT family_id FROM family_members WHERE id = ?').pluck().get(change.entity_id) as string | undefined
      if (before) families.add(before)
      const after = str(change.row?.family_id)
      if (after) families.add(after)
      break
    }
    case 'persons':
      persons.add(change.entity_id)
      break
    case 'schoolings': {
      const before = out.prepare('SELECT person_id FROM schoolings WHERE id = ?').pluck().get(change.entity_id) as string | undefined
      if (before) persons.add(before)
      const after = str(change.row?.person_id)
      if (after) persons.add(after)
      break
    }
    default:
      break
  }
}

/** The families the given persons belong to (after the changes). */
export function familiesOfPersons(out: Database.Database, persons: Set<string>): string[] {
  if (persons.size === 0) return []
  return out
    .prepare('SELECT DISTINCT family_id FROM family_members WHERE person_id IN (SELECT value FROM json_each(?))')
    .pluck()
    .all(JSON.stringify([...persons])) as string[]
}
