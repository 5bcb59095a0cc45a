import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { parisDay } from '@shared/domain/dates'

const reference = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' })

describe('parisDay (kept for the last UTC hour asked)', () => {
  it.each([
    ['2026-11-16T22:59:59.999Z', '2026-11-16'], // winter: midnight in Paris is 23:00 UTC
    ['2026-11-16T23:00:00.000Z', '2026-11-17'],
    ['2027-06-30T21:59:59.999Z', '2027-06-30'], // summer: 22:00 UTC
    ['2027-06-30T22:00:00.000Z', '2027-07-01'],
    ['2027-03-28T00:59:59.999Z', '2027-03-28'], // the spring change's night
    ['2026-10-25T00:30:00.000Z', '2026-10-25'], // the autumn change's night
  ])('%s is %s in Paris, asked alone or right after the minute before', (at, day) => {
    const t = new Date(at)
    expect(parisDay(new Date(t.getTime() - 60_000))).toBe(reference.format(new Date(t.getTime() - 60_000)))
    expect(parisDay(t)).toBe(day)
  })

  it('agrees with Intl for any sequence of instants', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), { minLength: 1, maxLength: 20 }), (ts) => {
        for (const t of ts) expect(parisDay(new Date(t))).toBe(reference.format(new Date(t)))
      }),
    )
  })
})
