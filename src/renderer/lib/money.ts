/** Money as the counter types and reads it: French format, integer cents. Pure functions. */

const euroFormatter = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' })
const wholeEuroFormatter = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR', maximumFractionDigits: 0 })

/** 123456 (cents) → "1 234,56 €". */
export function formatCents(cents: number): string {
  return euroFormatter.format(cents / 100)
}

/** 1066 (euros) → "1 066 €". */
export function formatEuros(euros: number): string {
  return wholeEuroFormatter.format(euros)
}

/**
 * "36 000", "36000,50", "1 250.5", "12 €" → cents; null when it is not an amount (negative,
 * more than 2 decimals, letters). Empty → null. No float arithmetic: the digits are read.
 */
export function parseEurosToCents(text: string): number | null {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '').replace(',', '.')
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(s)
  if (!m) return null
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(cents) ? cents : null
}

/** "812" → 812 (whole euros); null otherwise. */
export function parseWholeEuros(text: string): number | null {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '')
  return /^\d{1,7}$/.test(s) ? Number(s) : null
}

/** Why a typed amount is refused (the French text is in i18n `billing.amount.*`). */
export type AmountProblem = 'empty' | 'format' | 'subCent' | 'zero' | 'negative' | 'tooBig'

/** The largest amount taken at the counter, in cents (100 000 €, as the contract's AmountCents). */
export const MAX_AMOUNT_CENTS = 10_000_000

/**
 * An amount of money as the agent types it at the counter, the French way: « 45,60 », « 45.6 »,
 * « 1 234,5 », « 12 € » → integer cents (the digits are read, never a float). Refused with the
 * reason: empty, not an amount, a fraction of a cent (« 0,001 »), zero, negative, above 100 000 €.
 */
export function readAmount(text: string): { ok: true; cents: number } | { ok: false; problem: AmountProblem } {
  const s = text.replace(/[\s\u00a0\u202f]/g, '').replace(/€$/, '')
  if (s === '') return { ok: false, problem: 'empty' }
  const m = /^([-−]?)(\d{1,12})(?:[.,](\d+))?$/.exec(s)
  if (!m) return { ok: false, problem: 'format' }
  const decimals = m[3] ?? ''
  // « 12,340 » is 12,34 €; « 0,001 » is not a whole number of cents.
  if (decimals.length > 2 && /[1-9]/.test(decimals.slice(2))) return { ok: false, problem: 'subCent' }
  const cents = Number(m[2]) * 100 + Number(decimals.slice(0, 2).padEnd(2, '0'))
  if (m[1] !== '' && cents > 0) return { ok: false, problem: 'negative' }
  if (cents === 0) return { ok: false, problem: 'zero' }
  if (!Number.isSafeInteger(cents) || cents > MAX_AMOUNT_CENTS) return { ok: false, problem: 'tooBig' }
  return { ok: true, cents }
}

/** Cents as the agent would type them back: 4560 → « 45,60 » (no currency sign, no grouping). */
export function centsToInput(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`
}
