import { randomInt } from 'node:crypto'
import { recordSeeded } from './log-capture'

/**
 * src/common: the families' temporary passwords (DOMAIN.md "Portal credentials"), made on the
 * workstation at the counter (issue 9) and by the portal's command line.
 *
 * 10 characters drawn uniformly with the CSPRNG (crypto.randomInt) from 55 letters and digits
 * without look-alikes: no 0/O/o, no 1/l/I/L. 55^10 ≈ 2^57.8 possibilities; with scrypt and the
 * portal's login throttling, far beyond guessing within the 30 days the password lives.
 */
export const PASSWORD_ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789'
export const TEMPORARY_PASSWORD_LENGTH = 10

/** `length` characters of `alphabet`, each drawn uniformly with the CSPRNG. */
export function randomString(length: number, alphabet: string): string {
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)]
  return out
}

/** A temporary password: 10 characters without look-alikes. */
export function newTemporaryPassword(): string {
  const password = randomString(TEMPORARY_PASSWORD_LENGTH, PASSWORD_ALPHABET)
  recordSeeded('password', [password]) // test runs with a log capture only (src/common/log-capture.ts)
  return password
}
