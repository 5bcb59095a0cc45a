import { createHash, randomBytes } from 'node:crypto'
import { newTemporaryPassword, randomString } from '../common/credentials'

export { PASSWORD_ALPHABET, randomString } from '../common/credentials'

/** Upper case letters and digits without look-alikes (no 0/O, 1/I/L): enrolment codes. */
export const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789'

export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex')
}

/** A bearer token: 32 random bytes, base64url. Only its sha-256 is stored. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** A one-time enrolment code, e.g. "K7QM-2XRD-HP9T" (12 characters, ~59 bits). */
export function newEnrolmentCode(): string {
  const raw = randomString(12, CODE_ALPHABET)
  return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`
}

/** What a person typed → the canonical code that is hashed (no spaces or dashes, upper case). */
export function normalizeEnrolmentCode(input: string): string {
  return input.replace(/[\s-]/g, '').toUpperCase()
}

/** A temporary password: 10 characters without look-alikes (DOMAIN.md "Portal credentials"). */
export function newPassword(): string {
  return newTemporaryPassword()
}
