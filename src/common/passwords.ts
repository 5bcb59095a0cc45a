import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

/**
 * src/common: plain-Node code shared by the workstation (src/main) and the portal (src/portal),
 * which never import each other. Here: agents' and families' password hashing.
 *
 * scrypt password hashes, self-describing: `scrypt$N$r$p$salt$hash` (base64).
 * N = 2^14, r = 8, p = 1 (OWASP's minimum for scrypt is N = 2^17 with p = 1 or an
 * equivalent cost; 2^14·8 keeps a login under ~50 ms on the counter's 2-core machines).
 */
const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 32

export function hashPassword(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, KEY_LENGTH, { N, r: R, p: P })
  return ['scrypt', N, R, P, salt.toString('base64'), hash.toString('base64')].join('$')
}

export function verifyPassword(password: string, stored: string): boolean {
  const parts = stored.split('$')
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number]
  const salt = Buffer.from(parts[4]!, 'base64')
  const expected = Buffer.from(parts[5]!, 'base64')
  if (!Number.isInteger(n) || !Number.isInteger(r) || !Number.isInteger(p) || expected.length === 0) return false
  const actual = scryptSync(password.normalize('NFC'), salt, expected.length, { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 })
  return timingSafeEqual(actual, expected)
}

/** A hash nobody's password matches: verified against for unknown logins, so timing reveals nothing. */
export const DUMMY_HASH = hashPassword(randomBytes(12).toString('base64'))
