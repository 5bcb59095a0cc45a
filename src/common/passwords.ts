import { randomBytes, scrypt, scryptSync, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { recordSeeded } from './log-capture'

/**
 * src/common: plain-Node code shared by the workstation (src/main) and the portal (src/portal),
 * which never import each other. Here: agents' and families' password hashing.
 *
 * scrypt password hashes, self-describing: `scrypt$N$r$p$salt$hash` (base64), so that a hash
 * made with older parameters still verifies and is re-hashed at the next successful login
 * (`needsRehash`).
 *
 * Parameters: N = 2^15, r = 8, p = 3, one of OWASP's equivalent-cost settings for scrypt
 * (N=2^17/p=1, 2^16/p=2, 2^15/p=3, 2^14/p=5, 2^13/p=10). Each hash needs 128·N·r = 32 MiB, so
 * the few logins a portal runs at once (see the login gate in src/portal/services/auth.ts) stay
 * around 100 MiB, where N = 2^17 would take 128 MiB each; on a 2-core machine it costs about as
 * much time as 2^14/p=5 (~0.25 s) and twice that memory, which is what makes scrypt costly on
 * GPUs. The hash runs on libuv's thread pool (`crypto.scrypt`), never on the event loop.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const
const KEY_LENGTH = 32

/** Hashes stored by an older version (N = 2^14, r = 8, p = 1) still verify; they are re-hashed. */
const LIMITS = { maxN: 2 ** 20, maxR: 32, maxP: 16 }

function scryptAsync(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)))
  })
}

const maxmem = (n: number, r: number): number => 2 * 128 * n * r + 1024 * 1024

function format(salt: Buffer, hash: Buffer): string {
  const { N, r, p } = SCRYPT_PARAMS
  return ['scrypt', N, r, p, salt.toString('base64'), hash.toString('base64')].join('$')
}

interface Parsed {
  n: number
  r: number
  p: number
  salt: Buffer
  expected: Buffer
}

function parse(stored: string): Parsed | null {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  const sane =
    Number.isInteger(n) && n > 1 && n <= LIMITS.maxN && (n & (n - 1)) === 0 &&
    Number.isInteger(r) && r >= 1 && r <= LIMITS.maxR &&
    Number.isInteger(p) && p >= 1 && p <= LIMITS.maxP &&
    expected.length > 0 && expected.length <= 64
  return sane ? { n, r, p, salt, expected } : null
}

/** Hashes a password on the thread pool (the event loop stays free). */
export async function hashPassword(password: string): Promise<string> {
  recordSeeded('password', [password]) // test runs with a log capture only (src/common/log-capture.ts)
  const salt = randomBytes(16)
  const { N, r, p } = SCRYPT_PARAMS
  return format(salt, await scryptAsync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: maxmem(N, r) }))
}

/** True when `password` matches `stored` (any scrypt parameters within sane limits). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored)
  if (!parsed) return false
  const { n, r, p, salt, expected } = parsed
  const actual = await scryptAsync(password.normalize('NFC'), salt, expected.length, { N: n, r, p, maxmem: maxmem(n, r) })
  return timingSafeEqual(actual, expected)
}

/**
 * Synchronous hashing, for setup code that is not serving anybody (the workstation's demo and
 * test agents, created before the core serves its first call). Never in a request path.
 */
export function hashPasswordSync(password: string): string {
  recordSeeded('password', [password]) // test runs with a log capture only (src/common/log-capture.ts)
  const salt = randomBytes(16)
  const { N, r, p } = SCRYPT_PARAMS
  return format(salt, scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r, p, maxmem: maxmem(N, r) }))
}

/** A valid hash made with other parameters than today's: re-hash it once the password is known. */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored)
  if (!parsed) return false
  return parsed.n !== SCRYPT_PARAMS.N || parsed.r !== SCRYPT_PARAMS.r || parsed.p !== SCRYPT_PARAMS.p || parsed.expected.length !== KEY_LENGTH
}

let dummy: Promise<string> | null = null

/**
 * A hash nobody's password matches, verified against for unknown logins so that timing reveals
 * nothing. Made on first need (not when the module loads), once per process.
 */
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(12).toString('base64')).catch((error: unknown) => {
    dummy = null
    throw error
  })
  return dummy
}
