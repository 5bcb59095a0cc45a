import { DrizzleQueryError } from 'drizzle-orm/errors'

/**
 * src/common: what may be logged about an error or a message, for every logger of the portal
 * and of the workstation's core (plain Node, shared by both sides).
 *
 * Two layers, because neither is enough alone:
 * - by error class (`errorInfo`): drizzle's DrizzleQueryError ("Failed query: <sql>
 *   params: <values>") is replaced by its cause; a database error (pg's / PGlite's
 *   DatabaseError, recognised by the caller through `classify`) keeps its code, severity and
 *   schema names only, never `detail` ("Key (code)=(104217K) already exists"), `where`, `hint`;
 * - structurally (`scrubText`): whatever text is left is scrubbed of what looks like data:
 *   drizzle's `params: …`, `Key (…)=(…)`, quoted values ("…", '…', « … »), e-mail addresses,
 *   phone numbers, codes famille and long digit runs. Applied to every string of every log line
 *   (`scrubDeep`), so a message that embeds a value the class rules did not foresee is caught.
 * Free text that looks like nothing (a name in a sentence) cannot be recognised: the log
 * capture check (scripts/check-log-capture.ts) greps the logs of the test suites for every
 * seeded name, e-mail, phone, code famille and password.
 */

export const MASK = '[masqué]'

/** drizzle's "params: v1,v2,…" runs to the end of the message. */
const PARAMS_RE = /\bparams:[\s\S]*$/
/** PostgreSQL's detail of a key violation: "Key (code)=(104217K)" → "Key (code)=([masqué])". */
const KEY_VALUE_RE = /\(([^()]*)\)=\((?:[^()]|\([^()]*\))*\)/g
const DOUBLE_QUOTED_RE = /"(?:[^"\\\n]|\\.){0,500}"/g
/** A single-quoted value, not an apostrophe inside a word (d'abord). */
const SINGLE_QUOTED_RE = /(?<![\p{L}\p{N}])'[^'\n]{0,500}'(?![\p{L}\p{N}])/gu
const GUILLEMETS_RE = /«[^»\n]{0,500}»/g
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*/gu
/** French numbers: 0X XX XX XX XX, +33 X XX …, 0033 …, separators space, dot, dash or none. */
const PHONE_RE = /(?<![\p{L}\p{N}+])(?:\+33[\s.-]?|0033[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\p{L}\p{N}])/gu
/** A code famille (6 digits and a letter, src/shared/domain/codeFamille.ts), as typed too (lower case, one space). */
const CODE_FAMILLE_RE = /(?<![\p{L}\p{N}])\d{6}[\s.-]?[A-Za-z](?![\p{L}\p{N}])/gu
/** Any other long number (allocataire number, IBAN part…), not a group of a UUID or a date, nor a size ("1159168 octets"). */
const LONG_DIGITS_RE = /(?<![\p{L}\p{N}-])\d{7,}(?![\p{L}\p{N}-])(?!\s?(?:octets|bytes|ms|lignes|rows)\b)/gu

/** Scrubs a message of what looks like data (see above). Idempotent. */
export function scrubText(text: string): string {
  return text
    .replace(PARAMS_RE, `params: ${MASK}`)
    .replace(KEY_VALUE_RE, (_m, key: string) => `(${key})=(${MASK})`)
    .replace(DOUBLE_QUOTED_RE, `"${MASK}"`)
    .replace(SINGLE_QUOTED_RE, `'${MASK}'`)
    .replace(GUILLEMETS_RE, `« ${MASK} »`)
    .replace(EMAIL_RE, '[e-mail]')
    .replace(PHONE_RE, '[téléphone]')
    .replace(CODE_FAMILLE_RE, '[code famille]')
    .replace(LONG_DIGITS_RE, '[nombre]')
}

/** Every string in a log object (nested objects and arrays too, a few levels deep) scrubbed; other values kept. */
export function scrubDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return scrubText(value) as T
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((v: unknown) => scrubDeep(v, depth + 1)) as T
  if (value instanceof Error) return errorInfo(value) as T
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1)
  return out as T
}

export interface ErrorInfo {
  name: string
  /** A database error's SQLSTATE (23505…), a Node or driver error code (ECONNREFUSED…). */
  code?: string
  severity?: string
  /** Schema names of a database error (never its values). */
  constraint?: string
  table?: string
  column?: string
  message: string
}

/** Recognises a database driver's error class and says which fields of it are schema, not data. */
export type ClassifyError = (error: Error) => { database: true } | null

const stringField = (error: object, field: string): string | undefined => {
  const v = (error as Record<string, unknown>)[field]
  return typeof v === 'string' && v.length <= 200 ? v : undefined
}

/**
 * What may be logged about an error: its class name, code and a scrubbed, bounded message.
 * DrizzleQueryError → its cause; a database error (`classify`) → code, severity, constraint,
 * table and column only, message scrubbed; `detail`, `where`, `hint`, `query`, `params` never.
 */
export function errorInfo(error: unknown, classify?: ClassifyError): ErrorInfo {
  if (!(error instanceof Error)) return { name: 'Error', message: scrubText(String(error)).slice(0, 300) }
  let base: Error = error
  // drizzle wraps driver errors ("Failed query: <sql>\nparams: <values>"), possibly twice (a transaction).
  for (let i = 0; i < 3 && base instanceof DrizzleQueryError; i++) {
    const cause: unknown = base.cause
    if (!(cause instanceof Error)) return { name: 'DrizzleQueryError', message: 'requête SQL en échec (paramètres masqués)' }
    base = cause
  }
  const code = stringField(base, 'code')
  const info: ErrorInfo = {
    name: base.name === 'Error' && base.constructor.name !== 'Error' ? base.constructor.name : base.name,
    ...(code !== undefined ? { code } : {}),
    message: scrubText(base.message).slice(0, 300),
  }
  if (classify?.(base)) {
    for (const field of ['severity', 'constraint', 'table', 'column'] as const) {
      const v = stringField(base, field)
      if (v !== undefined) info[field] = v
    }
  }
  return info
}

/** The message of an error for a log line: class-based, then scrubbed (see errorInfo). */
export function safeErrorMessage(error: unknown): string {
  const info = errorInfo(error)
  return info.code ? `${info.message} (${info.code})` : info.message
}
