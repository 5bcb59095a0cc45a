import { describe, expect, it } from 'vitest'
import { capacityFor, checkCapacity, frenchDay } from '@shared/domain/reservations'

describe('capacity rules', () => {
  const rows = [
    { unit_id: 'cantine', site_id: 's1', date: null, capacity: 120 },
    { unit_id: 'cantine', site_id: 's1', date: '2027-03-12', capacity: 1 },
    { unit_id: 'etude', site_id: 's1', date: null, capacity: 20 },
  ]
  it.each([
    ['the day’s own capacity wins', 'cantine', 's1', '2027-03-12', 1],
    ['else the site’s capacity', 'cantine', 's1', '2027-03-13', 120],
    ['else the unit’s default', 'cantine', 's2', '2027-03-12', 150],
    ['per unit', 'etude', 's1', '2027-03-12', 20],
  ])('%s', (_name, unit, site, date, expected) => {
    expect(capacityFor(rows, 150, unit, site, date)).toBe(expected)
  })

  it('refuses the booking beyond the last place, in plain French', () => {
    expect(checkCapacity({ capacity: 2, booked: 1, unitLabel: 'Cantine', siteName: 'École A', date: '2027-03-12' })).toBeNull()
    const full = checkCapacity({ capacity: 2, booked: 2, unitLabel: 'Restauration scolaire', siteName: 'École Jules-Ferry', date: '2027-03-12' })
    expect(full?.code).toBe('FULL')
    expect(full?.reason).toContain('Complet : Restauration scolaire à École Jules-Ferry le 12/03/2027 (2 places')
  })

  it('writes days the French way', () => {
    expect(frenchDay('2027-03-02')).toBe('02/03/2027')
  })
})
