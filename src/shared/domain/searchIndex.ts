import type { FamilySummary } from '../contract'
import { compactName, phoneticKeys } from './phonetic'
import { searchTerms } from './searchText'

/**
 * The family search documents: what the search index (SQLite FTS5 table `family_search` on the
 * workstation) holds for one family, built from the shared tables' rows. Pure, so that the
 * workstation (src/main/core/services/search.ts) and the portal (the bootstrap snapshot, which
 * carries the documents ready to index) build exactly the same ones.
 *
 * SEARCH_DOC_VERSION changes whenever the documents change shape or content: a workstation
 * indexes a snapshot's documents only when their version is its own, and builds them itself
 * otherwise.
 */
export const SEARCH_DOC_VERSION = 3

/** The members of families with what the documents need (SQLite, shared tables' columns). */
export const SEARCH_MEMBERS_SQL = `
  SELECT m.family_id AS familyId, m.role, p.id AS personId, p.first_names AS firstNames, p.last_name AS lastName,
         p.birth_name AS birthName, p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome,
         p.phone_work AS phoneWork, p.email, m.forbidden_pick_up AS forbiddenPickUp, p.pai,
         (SELECT s.level FROM schoolings s WHERE s.person_id = p.id ORDER BY s.school_year DESC LIMIT 1) AS level
  FROM family_members m JOIN persons p ON p.id = m.person_id`

/** The families' own columns the documents need. */
export const SEARCH_FAMILIES_SQL = 'SELECT id, code, name, city, separated_parents AS separatedParents, merged_into AS mergedInto FROM families'

export interface MemberRow {
  familyId: string
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  personId: string
  firstNames: string
  lastName: string
  birthName: string | null
  phoneMobile: string | null
  phoneHome: string | null
  phoneWork: string | null
  email: string | null
  /** family_members.forbidden_pick_up (SQLite 0/1, JSON true/false; null = no). */
  forbiddenPickUp: number | boolean | null
  /** persons.pai: the child has a PAI (health plan). */
  pai: number | boolean | null
  level: string | null
}

export interface FamilyRow {
  id: string
  code: string
  name: string
  city: string
  /** families.separated_parents: a custody ruling applies. */
  separatedParents: number | boolean | null
  /** families.merged_into: set once the file was merged into another (then it is not indexed). */
  mergedInto: string | null
}

const ROLE_ORDER: Record<MemberRow['role'], number> = { RL1: 0, RL2: 1, enfant: 2, contact: 3 }

/** Phone numbers as digit strings: "06 12 34 56 78" → "0612345678" (+33 → 0). */
export function phoneDigits(phone: string): string {
  let digits = phone.replace(/\D/g, '')
  if (digits.startsWith('33') && digits.length === 11) digits = `0${digits.slice(2)}`
  if (digits.startsWith('0033')) digits = `0${digits.slice(4)}`
  return digits
}

export interface SearchDoc {
  summary: FamilySummary
  family: string
  names: string
  other: string
  /** The phonetic keys of every name (src/shared/domain/phonetic.ts), for the second pass. */
  phonetic: string
}

/**
 * How a phonetic key is indexed: behind a "0", so that the keys stay out of the prefix indexes of
 * the words the agent types (a letter never follows a leading 0 in a name, phone or code): the
 * exact pass's prefix queries ("ma"*) read no phonetic key, and stay as fast as before.
 */
export function phoneticToken(key: string): string {
  return `0${key.toLowerCase()}`
}

/** The document of one family (its members in any order: they are sorted by role, then person). */
export function buildSearchDoc(family: FamilyRow, members: MemberRow[]): SearchDoc {
  members.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0))
  const names: string[] = []
  const other: string[] = [family.code, family.city]
  const guardians: string[] = []
  const children: string[] = []
  const forbidden: string[] = []
  const pai: string[] = []
  const keys = new Set<string>(phoneticKeys(family.name))
  for (const m of members) {
    names.push(m.firstNames, m.lastName)
    if (m.birthName) names.push(m.birthName)
    // A name of several words is also found written in one ("legoff" finds Le Goff).
    for (const name of [m.lastName, m.birthName]) if (name && /\s/.test(name.trim())) names.push(compactName(name))
    for (const name of [m.firstNames, m.lastName, m.birthName]) if (name) for (const k of phoneticKeys(name)) keys.add(k)
    if (m.forbiddenPickUp) forbidden.push(`${m.firstNames} ${m.lastName}`)
    if (m.pai && m.role === 'enfant') pai.push(m.firstNames)
    for (const phone of [m.phoneMobile, m.phoneHome, m.phoneWork]) if (phone) other.push(phoneDigits(phone))
    if (m.email) other.push(m.email)
    if (m.role === 'RL1' || m.role === 'RL2') guardians.push(`${m.firstNames} ${m.lastName}`)
    else if (m.role === 'enfant') children.push(m.level ? `${m.firstNames} (${m.level})` : m.firstNames)
  }
  return {
    summary: {
      id: family.id,
      code: family.code,
      name: family.name,
      guardians,
      children,
      city: family.city,
      alerts: { forbiddenPickUp: forbidden, pai, custody: Boolean(family.separatedParents) },
    },
    family: searchTerms(/\s/.test(family.name.trim()) ? `${family.name} ${compactName(family.name)}` : family.name),
    names: searchTerms(names.join(' ')),
    other: other.join(' '),
    phonetic: [...keys].map(phoneticToken).join(' '),
  }
}

