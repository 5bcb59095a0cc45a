import { afterEach, describe, expect, it } from 'vitest'
import { ClockConfigError, clockFromEnv, parseInstant, startingAt, systemClock } from '@shared/clock'
import { parisDay } from '@shared/domain/dates'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { enrolForBooking } from '../../helpers/bookings'
import { addAgents, addFamily, AGENTS, makeCore, tempDir } from '../../helpers/core'
import { TEST_DAY, TEST_INSTANT } from '../../helpers/clock'

/** One injectable clock for the core and the portal, fixed in tests through GUICHET_CLOCK / PORTAL_CLOCK. */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('parseInstant', () => {
  it('reads ISO 8601 instants with a zone', () => {
    expect(parseInstant('2026-11-16T09:00:00+01:00').toISOString()).toBe('2026-11-16T08:00:00.000Z')
    expect(parseInstant('2026-11-16T08:00:00Z').toISOString()).toBe('2026-11-16T08:00:00.000Z')
    expect(parseInstant('2026-11-16T08:00Z').toISOString()).toBe('2026-11-16T08:00:00.000Z')
    expect(parseInstant('2027-03-01T23:30:15.250-05:00').toISOString()).toBe('2027-03-02T04:30:15.250Z')
    expect(parseInstant('2028-02-29T12:00:00Z').toISOString()).toBe('2028-02-29T12:00:00.000Z')
  })

  it.each([
    '',
    'demain',
    '2026-11-16', // a day, not an instant
    '2026-11-16T09:00:00', // local time: which zone?
    '2026-11-16 09:00:00Z',
    '2026-02-30T09:00:00Z',
    '2027-02-29T09:00:00Z',
    '2026-13-01T09:00:00Z',
    '2026-11-16T24:00:00Z',
    '2026-11-16T09:60:00Z',
    '2026-11-16T09:00:00+25:00',
    '1763280000000',
  ])('refuses « %s » with a clear error', (value) => {
    expect(() => parseInstant(value, 'GUICHET_CLOCK')).toThrow(ClockConfigError)
    expect(() => parseInstant(value, 'GUICHET_CLOCK')).toThrow(/GUICHET_CLOCK : .* n’est pas un instant ISO 8601 valide/)
  })
})

describe('clocks', () => {
  it('a fixed clock starts at its instant and advances with (monotonic) real time', () => {
    let ms = 1000
    const clock = startingAt(new Date('2026-11-16T08:00:00Z'), { elapsed: () => ms })
    expect(clock().toISOString()).toBe('2026-11-16T08:00:00.000Z')
    ms += 90_000
    expect(clock().toISOString()).toBe('2026-11-16T08:01:30.000Z')
  })

  it('from the environment: unset or empty is the system clock; a value fixes it; a bad value throws', () => {
    expect(clockFromEnv({}, 'GUICHET_CLOCK')).toEqual({ clock: systemClock, fixedAt: null })
    expect(clockFromEnv({ GUICHET_CLOCK: ' ' }, 'GUICHET_CLOCK').fixedAt).toBeNull()
    const fixed = clockFromEnv({ GUICHET_CLOCK: TEST_INSTANT }, 'GUICHET_CLOCK')
    expect(fixed.fixedAt?.toISOString()).toBe('2026-11-16T08:00:00.000Z')
    expect(Math.abs(fixed.clock().getTime() - Date.parse(TEST_INSTANT))).toBeLessThan(5_000)
    expect(() => clockFromEnv({ PORTAL_CLOCK: '16/11/2026' }, 'PORTAL_CLOCK')).toThrow(/PORTAL_CLOCK/)
  })
})

describe('the core takes its time from it (the portal: tests/integration/sync/clock.test.ts)', () => {
  it('GUICHET_CLOCK sets the core’s time: the journal, the outbox and the rows it writes', async () => {
    const core = await makeCore({ env: { GUICHET_CLOCK: TEST_INSTANT } })
    cleanups.push(() => core.cleanup())
    expect(parisDay(core.now())).toBe(TEST_DAY)
    addAgents(core.sqlite)
    ensureDefaultUnits(core.sqlite)
    const familyId = addFamily(core.sqlite, {
      code: 'F0001',
      name: 'Morel',
      members: [
        { role: 'RL1', firstNames: 'Anne', lastName: 'Morel' },
        { role: 'enfant', firstNames: 'Lou', lastName: 'Morel', birthDate: '2019-05-04', level: 'CP' },
      ],
    })
    const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ? AND role = 'enfant'`).pluck().get(familyId) as string
    const siteId = core.sqlite.prepare(`SELECT id FROM schools LIMIT 1`).pluck().get() as string
    enrolForBooking(core.sqlite, { familyId, childId, siteId })
    const session = core.openSession()
    expect((await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })).ok).toBe(true)
    const booked = await core.call(session, 'reservations', 'book', { familyId, childId, unitId: 'cantine', siteId, date: '2026-11-19' })
    expect(booked.ok).toBe(true)
    const day = (sql: string) => (core.sqlite.prepare(sql).pluck().get() as string).slice(0, 10)
    expect(day(`SELECT created_at FROM reservations`)).toBe(TEST_DAY)
    expect(day(`SELECT created_at FROM outbox`)).toBe(TEST_DAY)
    expect(day(`SELECT max(at) FROM journal`)).toBe(TEST_DAY)
    expect(core.sqlite.prepare(`SELECT count(*) FROM journal WHERE substr(at, 1, 10) <> ?`).pluck().get(TEST_DAY)).toBe(0)
  })

  it('a bad GUICHET_CLOCK stops the core at startup, before it opens anything', async () => {
    const { dir, cleanup } = tempDir()
    cleanups.push(cleanup)
    await expect(makeCore({ dataDir: dir, env: { GUICHET_CLOCK: '2026-11-16' } })).rejects.toThrow(/GUICHET_CLOCK : « 2026-11-16 »/)
  })
})
