import type Database from 'better-sqlite3'
import type { DuplicateCandidate, DuplicateDraft, FamilySummary } from '@shared/contract'
import { compactName, nameCloseness, phoneticKey, typoBudget, withinTypos } from '@shared/domain/phonetic'
import { phoneDigits, phoneticToken } from '@shared/domain/searchIndex'
import { foldForSearch } from '@shared/domain/searchText'
import { isCalendarDay } from '@shared/validation/text'
import { nameTerms, prepared } from './search'

/**
 * Likely existing families while the agent types a new one (issue 8, "duplicates before
 * creation"): the same child (first names, name and birth date), the same phone or e-mail, a
 * guardian of the same or a close name (accents, hyphens, spaces and case ignored; French
 * phonetic key; typos). Candidates come from the search index (a few indexed queries), then are
 * scored on the families' members as they are now. A family merged into another is not offered.
 */

export const MAX_CANDIDATES = 5
const PER_QUERY = 60

const SCORE = {
  sameChild: 100,
  sameChildNoDate: 40,
  samePhone: 60,
  sameEmail: 60,
  sameGuardian: 45,
  guardianName: 20,
  closeGuardianName: 12,
} as const

interface Member {
  familyId: string
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  firstNames: string
  lastName: string
  birthName: string | null
  birthDate: string | null
  sex: string | null
  phones: string[]
  email: string | null
}

function frenchDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`
}

/** FTS alternatives for a name as typed: its phonetic key (whole name) and, mistyped, the indexed words close to it. */
function nameAlternatives(sqlite: Database.Database, name: string): string[] {
  const c = compactName(name)
  if (c.length < 2) return []
  const out: string[] = []
  const key = phoneticKey(c)
  if (key) out.push(`phonetic : "${phoneticToken(key)}"`)
  for (const w of foldForSearch(name).split(' ').filter((x) => x.length >= 2)) out.push(`{family names} : "${w}"`)
  const budget = typoBudget(c.length)
  if (budget > 0) {
    const close = nameTerms(sqlite, prepared(sqlite), c.length - budget, c.length + budget)
      .filter((t) => t !== c && withinTypos(t, c))
      .slice(0, 12)
    for (const t of close) out.push(`{family names} : "${t}"`)
  }
  return out
}

function firstNamesQuery(firstNames: string): string | null {
  const words = foldForSearch(firstNames).split(' ').filter(Boolean).slice(0, 4)
  return words.length === 0 ? null : `{names} : (${words.map((w) => `"${w}"`).join(' ')})`
}

/** The candidate families' summaries (by id), from a few indexed queries. */
function candidates(sqlite: Database.Database, draft: DuplicateDraft): Map<string, FamilySummary> {
  const queries: string[] = []
  const and = (...parts: Array<string | null>) => {
    const ok = parts.filter((p): p is string => Boolean(p))
    return ok.length > 0 ? ok.map((p) => `(${p})`).join(' AND ') : null
  }
  const or = (alts: string[]) => (alts.length > 0 ? alts.join(' OR ') : null)
  for (const child of draft.children) {
    const first = child.firstNames ? firstNamesQuery(child.firstNames) : null
    if (!first) continue
    const last = child.lastName ? or(nameAlternatives(sqlite, child.lastName)) : null
    const q = and(first, last)
    if (q) queries.push(q)
  }
  for (const g of draft.guardians) {
    const digits = g.phone ? phoneDigits(g.phone) : ''
    if (digits.length >= 9) queries.push(`other : "${digits}"`)
    const email = g.email ? foldForSearch(g.email) : ''
    if (email.includes(' ') && g.email?.includes('@')) queries.push(`other : "${email}"`)
    for (const name of [g.lastName, g.birthName]) {
      if (!name) continue
      const last = or(nameAlternatives(sqlite, name))
      if (!last) continue
      const first = g.firstNames ? firstNamesQuery(g.firstNames) : null
      if (first) queries.push(and(first, last)!)
      queries.push(last)
    }
  }
  const stmt = sqlite.prepare('SELECT family_id AS id, summary FROM family_search WHERE family_search MATCH ? ORDER BY rank LIMIT ?')
  const found = new Map<string, FamilySummary>()
  for (const q of queries) {
    for (const r of stmt.all(q, PER_QUERY) as Array<{ id: string; summary: string }>) {
      if (!found.has(r.id)) found.set(r.id, JSON.parse(r.summary) as FamilySummary)
    }
  }
  if (draft.excludeFamilyId) found.delete(draft.excludeFamilyId)
  return found
}

function readMembers(sqlite: Database.Database, ids: string[]): Map<string, Member[]> {
  const rows = sqlite
    .prepare(
      `SELECT m.family_id AS familyId, m.role, p.first_names AS firstNames, p.last_name AS lastName, p.birth_name AS birthName,
              p.birth_date AS birthDate, p.sex, p.phone_mobile AS pm, p.phone_home AS ph, p.phone_work AS pw, p.email
       FROM family_members m JOIN persons p ON p.id = m.person_id
       WHERE m.family_id IN (SELECT value FROM json_each(?))`,
    )
    .all(JSON.stringify(ids)) as Array<Omit<Member, 'phones'> & { pm: string | null; ph: string | null; pw: string | null }>
  const out = new Map<string, Member[]>()
  for (const r of rows) {
    const m: Member = { ...r, phones: [r.pm, r.ph, r.pw].filter((p): p is string => Boolean(p)).map(phoneDigits) }
    const list = out.get(r.familyId)
    if (list) list.push(m)
    else out.set(r.familyId, [m])
  }
  return out
}

const sameFirstNames = (a: string, b: string): boolean => {
  const c = nameCloseness(a, b)
  return c === 'same' || c === 'phonetic'
}

/** Up to 5 likely existing families for a family being typed, strongest first, with their reasons. */
export function findDuplicates(sqlite: Database.Database, draft: DuplicateDraft): DuplicateCandidate[] {
  const found = candidates(sqlite, draft)
  if (found.size === 0) return []
  const members = readMembers(sqlite, [...found.keys()])
  const scored: DuplicateCandidate[] = []
  for (const [id, family] of found) {
    const list = members.get(id) ?? []
    const reasons: Array<{ score: number; text: string }> = []
    const add = (score: number, text: string) => {
      if (!reasons.some((r) => r.text === text)) reasons.push({ score, text })
    }
    for (const child of draft.children) {
      if (!child.firstNames) continue
      const day = child.birthDate && isCalendarDay(child.birthDate) ? child.birthDate : null
      for (const m of list) {
        if (m.role !== 'enfant' || !sameFirstNames(m.firstNames, child.firstNames)) continue
        if (child.lastName && nameCloseness(m.lastName, child.lastName) === null) continue
        const who = `${m.firstNames} ${m.lastName}`
        if (day && m.birthDate === day) add(SCORE.sameChild, `même enfant : ${who} ${m.sex === 'M' ? 'né' : m.sex === 'F' ? 'née' : 'né(e)'} le ${frenchDay(day)}`)
        else if (!day && child.lastName) add(SCORE.sameChildNoDate, `même enfant : ${who}`)
      }
    }
    for (const g of draft.guardians) {
      const digits = g.phone ? phoneDigits(g.phone) : ''
      if (digits.length >= 9 && list.some((m) => m.phones.includes(digits))) add(SCORE.samePhone, 'même téléphone')
      const email = g.email?.trim().toLowerCase()
      if (email && email.includes('@') && list.some((m) => m.email?.trim().toLowerCase() === email)) add(SCORE.sameEmail, 'même e-mail')
      for (const typed of [g.lastName, g.birthName]) {
        if (!typed || compactName(typed).length < 2) continue
        let best: { score: number; text: string } | null = null
        for (const m of list) {
          if (m.role === 'enfant') continue
          for (const name of [m.lastName, m.birthName]) {
            if (!name) continue
            const closeness = nameCloseness(name, typed)
            if (!closeness) continue
            const sameFirst = g.firstNames ? sameFirstNames(m.firstNames, g.firstNames) : false
            const born = name === m.lastName ? '' : `, ${m.sex === 'M' ? 'né' : 'née'} ${name}`
            const r = sameFirst
              ? { score: SCORE.sameGuardian, text: `même responsable : ${m.firstNames} ${m.lastName}${born}` }
              : closeness === 'same'
                ? { score: SCORE.guardianName, text: `même nom : ${name}` }
                : { score: SCORE.closeGuardianName, text: `nom proche : ${typed.trim()} / ${name}` }
            if (!best || r.score > best.score) best = r
          }
        }
        if (best) add(best.score, best.text)
      }
    }
    if (reasons.length === 0) continue
    reasons.sort((a, b) => b.score - a.score)
    scored.push({ family, score: reasons.reduce((s, r) => s + r.score, 0), reasons: reasons.map((r) => r.text) })
  }
  scored.sort((a, b) => b.score - a.score || a.family.name.localeCompare(b.family.name, 'fr') || a.family.code.localeCompare(b.family.code))
  return scored.slice(0, MAX_CANDIDATES)
}
