import { phoneticKey, withinTypos } from './phonetic'
import { phoneDigits } from './searchIndex'
import { foldForSearch, searchTerms } from './searchText'

/**
 * Why a family matched a search, in plain French for the result list: "via le contact
 * Jean-Baptiste Fabre (nounou)", "via la mère, née Lefèvre-Martin", "code famille",
 * "téléphone de la mère", "nom proche (phonétique) : Lefèvre". Pure: the core computes it for
 * the page it returns only, from the family's members as they are now.
 */

export interface ReasonMember {
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  relation: string | null
  firstNames: string
  lastName: string
  birthName: string | null
  sex: string | null
  phones: string[]
  email: string | null
}

export interface ReasonFamily {
  code: string
  name: string
  city: string
}

/** "la mère" / "de la mère": how a member is named in a reason. */
interface Label {
  the: string
  of: string
}

const KNOWN: Record<string, Label> = {
  mère: { the: 'la mère', of: 'de la mère' },
  père: { the: 'le père', of: 'du père' },
  'belle-mère': { the: 'la belle-mère', of: 'de la belle-mère' },
  'beau-père': { the: 'le beau-père', of: 'du beau-père' },
  'grand-mère': { the: 'la grand-mère', of: 'de la grand-mère' },
  'grand-père': { the: 'le grand-père', of: 'du grand-père' },
  tuteur: { the: 'le tuteur', of: 'du tuteur' },
  tutrice: { the: 'la tutrice', of: 'de la tutrice' },
}

function fullName(m: ReasonMember): string {
  return `${m.firstNames} ${m.lastName}`
}

/** A guardian by their relation ("la mère"), or "la responsable Marie Dupont". */
function guardianLabel(m: ReasonMember): Label {
  const known = m.relation ? KNOWN[m.relation.trim().toLowerCase()] : undefined
  if (known) return known
  return m.sex === 'F'
    ? { the: `la responsable ${fullName(m)}`, of: `de la responsable ${fullName(m)}` }
    : { the: `le responsable ${fullName(m)}`, of: `du responsable ${fullName(m)}` }
}

function memberLabel(m: ReasonMember): Label {
  if (m.role === 'RL1' || m.role === 'RL2') return guardianLabel(m)
  if (m.role === 'enfant') return { the: `l’enfant ${fullName(m)}`, of: `de l’enfant ${fullName(m)}` }
  const relation = m.relation ? ` (${m.relation.trim().toLowerCase()})` : ''
  return { the: `le contact ${fullName(m)}${relation}`, of: `du contact ${fullName(m)}${relation}` }
}

/** "via la mère, Marie Lefèvre" for a guardian known by relation; "via le contact … (nounou)" otherwise. */
function viaName(m: ReasonMember): string {
  const label = memberLabel(m)
  const named = (m.role === 'RL1' || m.role === 'RL2') && KNOWN[m.relation?.trim().toLowerCase() ?? '']
  return named ? `via ${label.the}, ${fullName(m)}` : `via ${label.the}`
}

/** Names repeat from one search to the next: their folded words are kept (a bounded memo). */
const memo = new Map<string, string[]>()
const MEMO_MAX = 20_000

function words(text: string): string[] {
  let w = memo.get(text)
  if (!w) {
    w = searchTerms(text).split(' ').filter(Boolean)
    if (memo.size >= MEMO_MAX) memo.clear()
    memo.set(text, w)
  }
  return w
}

const startsAny = (list: string[], w: string) => list.some((x) => x.startsWith(w))

type Closeness = 'phonetic' | 'typo' | null

function closeTo(list: string[], w: string): Closeness {
  const key = w.length >= 3 ? phoneticKey(w) : ''
  if (key && list.some((x) => phoneticKey(x) === key)) return 'phonetic'
  if (list.some((x) => withinTypos(x, w))) return 'typo'
  return null
}

/** The reasons (at most 3, most telling first) why `family` matched the query `q`. */
export function matchReasons(q: string, family: ReasonFamily, members: readonly ReasonMember[]): string[] {
  const out: string[] = []
  const add = (r: string) => {
    if (!out.includes(r)) out.push(r)
  }
  const trimmed = q.trim()
  // A number: code famille or phone.
  if (/^[+\d][\d\s.\-/]*$/.test(trimmed) && /\d/.test(trimmed)) {
    const digits = phoneDigits(trimmed)
    if (digits && foldForSearch(family.code).replace(/ /g, '').startsWith(digits)) add('code famille')
    for (const m of members) if (m.phones.some((p) => phoneDigits(p).startsWith(digits))) add(`téléphone ${memberLabel(m).of}`)
    return out.slice(0, 3)
  }
  const familyWords = [...words(family.name), compact(family.name)]
  const codeWords = words(family.code)
  const cityWords = words(family.city)
  for (const w of foldForSearch(trimmed).split(' ').filter(Boolean).slice(0, 8)) {
    if (startsAny(codeWords, w) && /\d/.test(w)) {
      add('code famille')
      continue
    }
    if (startsAny(familyWords, w)) {
      add('nom de famille')
      continue
    }
    const birth = members.find((m) => m.birthName && startsAny([...words(m.birthName), compact(m.birthName)], w))
    if (birth && !members.some((m) => startsAny(personWords(m), w))) {
      const label = memberLabel(birth)
      add(`via ${label.the}, ${birth.sex === 'M' ? 'né' : 'née'} ${birth.birthName}`)
      continue
    }
    const byName = members.find((m) => startsAny(personWords(m), w))
    if (byName) {
      add(viaName(byName))
      continue
    }
    if (birth) {
      add(`via ${memberLabel(birth).the}, ${birth.sex === 'M' ? 'né' : 'née'} ${birth.birthName}`)
      continue
    }
    const byEmail = members.find((m) => m.email && startsAny(words(m.email), w))
    if (byEmail) {
      add(`e-mail ${memberLabel(byEmail).of}`)
      continue
    }
    if (startsAny(cityWords, w)) {
      add(`ville : ${family.city}`)
      continue
    }
    // Second pass: a close name.
    const famClose = closeTo([...familyWords, compact(family.name)], w)
    if (famClose) {
      add(`nom proche (${famClose === 'phonetic' ? 'phonétique' : 'faute de frappe'}) : ${family.name}`)
      continue
    }
    const how = (c: Closeness) => (c === 'phonetic' ? 'phonétique' : 'faute de frappe')
    let told = false
    for (const m of members) {
      const names = [m.firstNames, m.lastName]
      const close = closeTo([...names.flatMap(words), ...names.map(compact)], w)
      if (close) {
        add(`nom proche (${how(close)}) : ${viaName(m).replace(/^via /, '')}`)
        told = true
        break
      }
    }
    if (told) continue
    for (const m of members) {
      const close = m.birthName ? closeTo([...words(m.birthName), compact(m.birthName)], w) : null
      if (close && m.birthName) {
        add(`nom proche (${how(close)}) : ${memberLabel(m).the}, ${m.sex === 'M' ? 'né' : 'née'} ${m.birthName}`)
        break
      }
    }
  }
  return out.slice(0, 3)
}

/** A member's first and last names' words, and the last name written in one ("legoff"). */
function personWords(m: ReasonMember): string[] {
  return [...words(`${m.firstNames} ${m.lastName}`), compact(m.lastName)]
}

const compactMemo = new Map<string, string>()

function compact(name: string): string {
  let c = compactMemo.get(name)
  if (c === undefined) {
    c = foldForSearch(name).replace(/ /g, '')
    if (compactMemo.size >= MEMO_MAX) compactMemo.clear()
    compactMemo.set(name, c)
  }
  return c
}
