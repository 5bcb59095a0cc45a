import { describe, expect, it } from 'vitest'
import { formatCents, formatEuros, parseEurosToCents, parseWholeEuros } from '../../../src/renderer/lib/money'

/** Money as the counter types it (QF panel): French amounts read digit by digit into cents. */
describe('money at the counter', () => {
  it.each([
    ['36 000', 3_600_000],
    ['36000', 3_600_000],
    ['36\u202f000,5', 3_600_050],
    ['1 250,50', 125_050],
    ['1250.05', 125_005],
    ['200 €', 20_000],
    ['0', 0],
    ['0,1', 10],
  ])('reads « %s » as %i cents', (text, cents) => {
    expect(parseEurosToCents(text)).toBe(cents)
  })

  it.each(['', '-5', '12,345', 'douze', '1e3', '12,', ',5', '1.2.3'])('refuses « %s »', (text) => {
    expect(parseEurosToCents(text)).toBeNull()
  })

  it('reads whole euros for a QF and formats the French way', () => {
    expect(parseWholeEuros('812')).toBe(812)
    expect(parseWholeEuros('1 066')).toBe(1066)
    expect(parseWholeEuros('812,5')).toBeNull()
    expect(formatEuros(1066).replace(/\s/g, ' ')).toBe('1 066 €')
    expect(formatCents(3_600_050).replace(/\s/g, ' ')).toBe('36 000,50 €')
  })
})
