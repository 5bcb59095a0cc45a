import { describe, expect, it } from 'vitest'
import {
  addDays,
  formatCount,
  formatDateTime,
  formatDayWithWeekday,
  formatMoment,
  formatTime,
  nextSchoolDay,
  weekdayOf,
} from '../../../src/renderer/lib/format'

describe('formatDayWithWeekday', () => {
  it('prefixes the abbreviated French weekday', () => {
    expect(formatDayWithWeekday('2027-03-11')).toBe('jeu. 11/03/2027')
    expect(formatDayWithWeekday('2027-03-12')).toBe('ven. 12/03/2027')
    expect(formatDayWithWeekday('2026-11-30')).toBe('lun. 30/11/2026')
  })
  it('leaves odd input alone', () => {
    expect(formatDayWithWeekday('')).toBe('')
    expect(formatDayWithWeekday('demain')).toBe('demain')
  })
})

describe('calendar days', () => {
  it('weekdayOf: 0 = Sunday', () => {
    expect(weekdayOf('2027-03-14')).toBe(0)
    expect(weekdayOf('2027-03-17')).toBe(3)
    expect(weekdayOf('nope')).toBeNull()
  })
  it('addDays crosses months, years and the clock change', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
    expect(addDays('2027-03-27', 2)).toBe('2027-03-29')
    expect(addDays('2027-03-01', -1)).toBe('2027-02-28')
  })
  it.each([
    ['2027-03-08', '2027-03-09'], // Monday → Tuesday
    ['2027-03-09', '2027-03-11'], // Tuesday → Thursday (no school on Wednesday)
    ['2027-03-10', '2027-03-11'], // Wednesday → Thursday
    ['2027-03-11', '2027-03-12'], // Thursday → Friday
    ['2027-03-12', '2027-03-15'], // Friday → Monday
    ['2027-03-13', '2027-03-15'], // Saturday → Monday
    ['2027-03-14', '2027-03-15'], // Sunday → Monday
  ])('the next school day after %s is %s', (today, next) => {
    expect(nextSchoolDay(today)).toBe(next)
  })
})

describe('instants in Paris time', () => {
  it('formats the wall-clock time in Paris, winter and summer', () => {
    expect(formatTime('2027-01-15T13:32:00Z')).toBe('14:32')
    expect(formatTime('2027-07-15T12:32:00Z')).toBe('14:32')
    expect(formatTime(null)).toBe('')
    expect(formatTime('pas une date')).toBe('')
  })
  it('date and time', () => {
    expect(formatDateTime('2027-03-12T08:05:00Z')).toBe('12/03/2027 09:05')
    // 23:30 UTC on 31 December is already New Year in Paris.
    expect(formatDateTime('2026-12-31T23:30:00Z')).toBe('01/01/2027 00:30')
  })
  it('formatMoment: the time alone today, the date otherwise', () => {
    const now = new Date('2027-03-12T16:00:00Z')
    expect(formatMoment('2027-03-12T13:32:00Z', now)).toBe('14:32')
    expect(formatMoment('2027-03-11T13:32:00Z', now)).toBe('11/03/2027 14:32')
    // Just after midnight in Paris, 23:30 UTC the day before is "today".
    expect(formatMoment('2027-03-11T23:30:00Z', new Date('2027-03-12T06:00:00Z'))).toBe('00:30')
  })
})

describe('formatCount', () => {
  it('groups digits the French way', () => {
    expect(formatCount(110000).replace(/\s/g, ' ')).toBe('110 000')
    expect(formatCount(999)).toBe('999')
  })
})
