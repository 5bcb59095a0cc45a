import { z } from 'zod'

/**
 * Input hygiene: what a string that crosses a trust boundary (the portal's HTTP API, the web
 * shell, the contract, a pushed command's payload) may contain.
 *
 * The floor, for every string and every object key of every input:
 * - no NUL (U+0000): PostgreSQL refuses it in text, C strings end there;
 * - no lone surrogate (U+D800–U+DFFF outside a valid pair): not Unicode, refused by UTF-8
 *   encoders and by PostgreSQL (an emoji, a valid pair, is fine);
 * - no control character (Unicode category Cc: U+0001–U+001F, U+007F, U+0080–U+009F), except:
 *   - newline (U+000A), which free text needs (notes, reasons);
 *   - tab (U+0009), printable whitespace that a note pasted from a mail or a spreadsheet carries;
 *   - carriage return (U+000D) only as part of CRLF, the line break browsers submit for a
 *     textarea and Windows clipboards carry. A lone CR is refused: it rewinds a terminal line
 *     (log spoofing) and no client of ours produces it.
 *   Object keys allow none of these three.
 * Then each field says more with the zod helpers below: single-line text (names, codes,
 * ids, phones…: no newline, no tab, no CR at all) or free text (notes, reasons: the floor).
 *
 * One pass over UTF-16 code units does it all (`String.prototype.isWellFormed` exists on
 * Node 20, but this scan finds the surrogates and the controls together and names the culprit).
 */

export type TextProblem = 'nul' | 'lone_surrogate' | 'control' | 'line_break' | 'too_deep'

export interface TextFault {
  problem: TextProblem
  /** The offending code point (absent for too_deep). */
  codePoint?: number
}

export interface TextIssue extends TextFault {
  /** Where: the keys and indexes down to the string (a bad key: the path of its object, then the key). */
  path: Array<string | number>
  /** The fault is in an object key, not in a value. */
  inKey: boolean
}

/** Nesting beyond this is refused: no input of ours nests more than a few levels. */
export const MAX_DEPTH = 32

/**
 * The first fault of `s`, or null. `multiline` (free text): newline, tab and CRLF are allowed;
 * otherwise (single line) they are faults too ('line_break').
 */
export function textFault(s: string, multiline: boolean): TextFault | null {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x20 && c < 0x7f) continue
    if (c === 0) return { problem: 'nul', codePoint: 0 }
    if (c < 0x20) {
      if (c === 0x0a || c === 0x09 || (c === 0x0d && s.charCodeAt(i + 1) === 0x0a)) {
        if (multiline) continue
        return { problem: 'line_break', codePoint: c }
      }
      return { problem: 'control', codePoint: c }
    }
    if (c <= 0x9f) return { problem: 'control', codePoint: c }
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      return { problem: 'lone_surrogate', codePoint: c }
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { problem: 'lone_surrogate', codePoint: c }
  }
  return null
}

export const isSingleLine = (s: string): boolean => textFault(s, false) === null
export const isCleanText = (s: string): boolean => textFault(s, true) === null

/**
 * Walks a parsed JSON value (or any plain value) and returns the first string or key that
 * breaks the floor, or null. `skip(path)`: subtrees checked elsewhere (a pushed command's
 * payload, checked by runCommand so that its refusal is that command's rejection).
 */
export function findUnsafeText(value: unknown, skip?: (path: ReadonlyArray<string | number>) => boolean): TextIssue | null {
  const walk = (v: unknown, path: Array<string | number>, depth: number): TextIssue | null => {
    if (typeof v === 'string') {
      const fault = textFault(v, true)
      return fault ? { ...fault, path, inKey: false } : null
    }
    if (v === null || typeof v !== 'object') return null
    if (depth >= MAX_DEPTH) return { problem: 'too_deep', path, inKey: false }
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const p = [...path, i]
        if (skip?.(p)) continue
        const found = walk(v[i], p, depth + 1)
        if (found) return found
      }
      return null
    }
    for (const key of Object.keys(v)) {
      const keyFault = textFault(key, false)
      if (keyFault) return { ...keyFault, path: [...path, key], inKey: true }
      const p = [...path, key]
      if (skip?.(p)) continue
      const found = walk((v as Record<string, unknown>)[key], p, depth + 1)
      if (found) return found
    }
    return null
  }
  return walk(value, [], 0)
}

/**
 * A `skip` for findUnsafeText from patterns like "commands.*.payload" ("*": any key or index).
 * A path is skipped when it matches a pattern exactly (its whole subtree with it).
 */
export function skipPaths(patterns: readonly string[]): (path: ReadonlyArray<string | number>) => boolean {
  const parsed = patterns.map((p) => p.split('.'))
  return (path) =>
    parsed.some((segments) => segments.length === path.length && segments.every((s, i) => s === '*' || s === String(path[i])))
}

const hex = (c: number): string => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`

/** A piece of untrusted text made safe to show and to store: faults as \uXXXX, at most `max` characters. */
export function displayText(s: string, max = 40): string {
  let out = ''
  let i = 0
  for (; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i)
    const pair = c >= 0xd800 && c <= 0xdbff && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff
    if (pair) {
      out += s.slice(i, i + 2)
      i++
    } else if (textFault(s[i] as string, false)) out += `\\u${c.toString(16).padStart(4, '0')}`
    else out += s[i]
  }
  return i < s.length ? `${out}…` : out
}

/** "commands.0.payload.note", with any unsafe key shown escaped. */
export function displayPath(path: ReadonlyArray<string | number>): string {
  return path.map((p) => (typeof p === 'number' ? String(p) : displayText(p))).join('.')
}

/** French, for a person: what is wrong with the text. */
export function describeFault(f: TextFault): string {
  switch (f.problem) {
    case 'nul':
      return 'caractère nul (U+0000) interdit'
    case 'lone_surrogate':
      return `caractère invalide (demi-paire de substitution ${hex(f.codePoint ?? 0)})`
    case 'control':
      return `caractère de contrôle interdit (${hex(f.codePoint ?? 0)})`
    case 'line_break':
      return `retour à la ligne ou tabulation interdits ici (${hex(f.codePoint ?? 0)})`
    case 'too_deep':
      return `structure trop imbriquée (au plus ${MAX_DEPTH} niveaux)`
  }
}

/** French: "« note » : caractère nul (U+0000) interdit" (the key itself when the fault is in a key). */
export function describeIssue(issue: TextIssue): string {
  const where = issue.path.length > 0 ? `« ${displayPath(issue.path)} »` : 'valeur'
  return `${issue.inKey ? `nom de champ ${where}` : where} : ${describeFault(issue)}`
}

// --- zod helpers ----------------------------------------------------------------------------

function checked(multiline: boolean) {
  return (value: string, ctx: z.RefinementCtx): void => {
    const fault = textFault(value, multiline)
    if (fault) ctx.addIssue({ code: 'custom', message: describeFault(fault) })
  }
}

/** For `.superRefine` on a string schema with its own messages: one line, clean. */
export const lineCheck = checked(false)
/** For `.superRefine` on a string schema with its own messages: free text, clean. */
export const textCheck = checked(true)

interface Bounds {
  min?: number
  max: number
  /** Default true. false: the value is kept exactly as sent (a password, a value compared as is). */
  trim?: boolean
}

function text({ min = 0, max, trim = true }: Bounds, multiline: boolean): z.ZodString {
  let s = trim ? z.string().trim() : z.string()
  if (min > 0) s = s.min(min)
  return s.max(max).superRefine(checked(multiline))
}

/** One line of text (a name, a code, an id, a phone number…), trimmed: no newline, tab, control, NUL or lone surrogate. */
export const singleLine = (bounds: Bounds): z.ZodString => text(bounds, false)

/** Free text (a note, a reason), trimmed: newlines, tabs and CRLF allowed; other controls, NUL and lone surrogates not. */
export const freeText = (bounds: Bounds): z.ZodString => text(bounds, true)

/** A secret as typed (a password: never trimmed, at least 1 character): one line, no control, NUL or lone surrogate. */
export const secret = ({ min = 1, max }: Omit<Bounds, 'trim'>): z.ZodString => text({ min, max, trim: false }, false)

// --- calendar days --------------------------------------------------------------------------

export const MIN_DAY = '1900-01-01'
export const MAX_DAY = '2100-12-31'

/** A real calendar day "YYYY-MM-DD" between MIN_DAY and MAX_DAY (2024-02-29 yes, 2023-02-29 and 2027-02-31 no). */
export function isCalendarDay(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  if (s < MIN_DAY || s > MAX_DAY) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  if (mo < 1 || mo > 12 || d < 1) return false
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

/**
 * An ISO instant (as z.iso.datetime() accepts it) on a real calendar day between MIN_DAY and
 * MAX_DAY: "0000-01-01T00:00:00Z" passes the ISO syntax but no database stores it.
 */
export function isSaneInstant(s: string): boolean {
  return isCalendarDay(s.slice(0, 10)) && Number.isFinite(Date.parse(s))
}

/** A calendar day "YYYY-MM-DD" (Europe/Paris), a real one, between 1900-01-01 and 2100-12-31. */
export const CalendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'date attendue au format AAAA-MM-JJ', abort: true })
  .refine(isCalendarDay, `date inexistante ou hors bornes (${MIN_DAY} à ${MAX_DAY})`)
