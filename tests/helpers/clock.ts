import { parseInstant, startingAt, type Clock } from '@shared/clock'

/**
 * The instant date-dependent tests run at: a Monday of the shipped school calendar
 * (2026-2027), 9:00 in Paris, so that they pass in any month of any year. The e2e runs use
 * the same instant (GUICHET_CLOCK / PORTAL_CLOCK, tests/e2e/fixtures.ts).
 */
export const TEST_INSTANT = '2026-11-16T09:00:00+01:00'
export const TEST_DAY = '2026-11-16'

/** A clock that starts at TEST_INSTANT and advances with real time (like GUICHET_CLOCK). */
export function testClock(): Clock {
  return startingAt(parseInstant(TEST_INSTANT))
}
