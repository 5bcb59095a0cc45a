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
