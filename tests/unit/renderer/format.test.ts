import { describe, expect, it } from 'vitest'
import { ageOn, formatDay, formatPhone, sameName, todayInParis } from '../../../src/renderer/lib/format'
import { birthNameToShow, bornKey } from '../../../src/renderer/lib/people'

describe('formatDay', () => {
  it('shows calendar days the French way', () => {
    expect(formatDay('2018-03-12')).toBe('12/03/2018')
    expect(formatDay('2024-12-31')).toBe('31/12/2024')
    expect(formatDay('2025-01-01')).toBe('01/01/2025')
  })
  it('leaves odd input alone', () => {
    expect(formatDay(null)).toBe('')
    expect(formatDay('12/03/2018')).toBe('12/03/2018')
  })
})

describe('todayInParis', () => {
  it('uses the Paris calendar day, not UTC', () => {
    // 23:30 UTC on 31 Dec is already 1 Jan in Paris (UTC+1 in winter).
    expect(todayInParis(new Date('2025-12-31T23:30:00Z'))).toBe('2026-01-01')
    // 22:30 UTC on 30 June is 00:30 on 1 July in Paris (UTC+2 in summer).
    expect(todayInParis(new Date('2025-06-30T22:30:00Z'))).toBe('2025-07-01')
    expect(todayInParis(new Date('2025-06-30T21:30:00Z'))).toBe('2025-06-30')
  })
})

describe('ageOn', () => {
  it.each([
    ['2018-03-12', '2026-03-11', 7, 95],
    ['2018-03-12', '2026-03-12', 8, 96],
    ['2024-09-01', '2026-01-15', 1, 16],
    ['2025-12-20', '2026-01-10', 0, 0],
    ['2016-02-29', '2025-02-28', 8, 107],
    ['2016-02-29', '2025-03-01', 9, 108],
  ])('born %s, on %s: %i years', (birth, today, years, months) => {
    expect(ageOn(birth, today)).toEqual({ years, months })
  })
  it('unknown or future birth dates give null', () => {
    expect(ageOn(null, '2026-01-01')).toBeNull()
    expect(ageOn('2027-01-01', '2026-01-01')).toBeNull()
  })
})

describe('formatPhone', () => {
  it.each([
    ['0612345678', '06 12 34 56 78'],
    ['06.12.34.56.78', '06 12 34 56 78'],
    ['+33612345678', '06 12 34 56 78'], // stored in E.164, shown the French way
    ['0033139000000', '01 39 00 00 00'],
    ['1-----', '1-----'], // not a number: shown as stored
    ['+44 20 7946 0958', '+44 20 7946 0958'],
  ])('%s → %s', (raw, shown) => {
    expect(formatPhone(raw)).toBe(shown)
  })
})

describe('names', () => {
  it('compares names loosely', () => {
    expect(sameName('Lefèvre', 'LEFEVRE')).toBe(true)
    expect(sameName('Le Goff', 'le-goff')).toBe(true)
    expect(sameName('Martin', 'Durand')).toBe(false)
  })
  it('shows a birth name only when it differs', () => {
    expect(birthNameToShow({ lastName: 'Dupont', birthName: 'Martin' })).toBe('Martin')
    expect(birthNameToShow({ lastName: 'Dupont', birthName: 'DUPONT' })).toBeNull()
    expect(birthNameToShow({ lastName: 'Dupont', birthName: null })).toBeNull()
  })
  it('née / né / né(e)', () => {
    expect(bornKey('Mme')).toBe('family.bornFemale')
    expect(bornKey('M.')).toBe('family.bornMale')
    expect(bornKey(null)).toBe('family.bornUnknown')
  })
})
