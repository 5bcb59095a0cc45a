/**
 * Code famille: the family's public identifier (portal login, printed on invoices and letters).
 *
 * Format: 6 digits then 1 check letter, e.g. "104217K". The digits are a running number
 * (100001 … 999999, handed out from per-workstation ranges); the letter is a weighted sum of
 * the digits modulo 23, read in an alphabet of 23 unambiguous capital letters (no I, O, Z).
 *
 * Why it catches every single-digit typo and every adjacent transposition: 23 is prime and the
 * weights 7, 6, 5, 4, 3, 2 are distinct and non-zero modulo 23. A typo in position i changes the
 * sum by w[i]·(d' − d) with 0 < |d' − d| ≤ 9; swapping positions i and i+1 changes it by
 * (w[i] − w[i+1])·(d[i+1] − d[i]). Both are products of non-zero residues modulo a prime, so
 * never 0 modulo 23: the letter always changes.
 */

export const CODE_FAMILLE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXY'
export const CODE_FAMILLE_WEIGHTS: readonly number[] = [7, 6, 5, 4, 3, 2]
export const FIRST_CODE_FAMILLE_NUMBER = 100001
export const LAST_CODE_FAMILLE_NUMBER = 999999

const CODE_RE = /^(\d{6})([A-Z])$/

/** The check letter of a 6-digit running number (given as a string of 6 digits). */
export function codeFamilleCheckLetter(digits: string): string {
  if (!/^\d{6}$/.test(digits)) throw new RangeError(`code famille: 6 chiffres attendus, reçu « ${digits} »`)
  let sum = 0
  for (let i = 0; i < 6; i++) sum += (digits.charCodeAt(i) - 48) * (CODE_FAMILLE_WEIGHTS[i] as number)
  return CODE_FAMILLE_ALPHABET[sum % 23] as string
}

/** The code famille of running number `seq` (100001 … 999999), e.g. codeFamille(104217). */
export function codeFamille(seq: number): string {
  if (!Number.isInteger(seq) || seq < FIRST_CODE_FAMILLE_NUMBER || seq > LAST_CODE_FAMILLE_NUMBER) {
    throw new RangeError(
      `code famille: numéro hors plage (${FIRST_CODE_FAMILLE_NUMBER}–${LAST_CODE_FAMILLE_NUMBER}) : ${seq}`,
    )
  }
  const digits = String(seq)
  return digits + codeFamilleCheckLetter(digits)
}

/** True if `code` is a well-formed code famille (canonical form: upper case, no spaces). */
export function isValidCodeFamille(code: string): boolean {
  const m = CODE_RE.exec(code)
  if (!m) return false
  const digits = m[1] as string
  const n = Number(digits)
  if (n < FIRST_CODE_FAMILLE_NUMBER) return false
  return codeFamilleCheckLetter(digits) === m[2]
}

/** The running number of a valid code famille, or null. */
export function codeFamilleNumber(code: string): number | null {
  return isValidCodeFamille(code) ? Number(code.slice(0, 6)) : null
}

/** What a person typed (spaces, dashes, lower case) → canonical form; validity is not checked. */
export function normalizeCodeFamille(input: string): string {
  return input.replace(/[\s.-]/g, '').toUpperCase()
}
