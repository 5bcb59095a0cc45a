import { afterEach, describe, expect, it } from 'vitest'
import { startPortal } from '../../../src/portal'
import { tempDir } from './harness'

/** The portal's clock: PORTAL_CLOCK fixes it (tests, e2e); a bad value is a startup error. */

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

describe('the portal takes its time from one clock', () => {
  it('PORTAL_CLOCK sets the portal’s time (enrolment codes, the demo town’s school year); a bad value stops it at startup', async () => {
    const { dir, cleanup } = tempDir('guichet-portal-clock-')
    cleanups.push(cleanup)
    await expect(startPortal({ dataDir: dir, port: 0, env: { PORTAL_CLOCK: 'lundi' } })).rejects.toThrow(/PORTAL_CLOCK : « lundi »/)
    const portal = await startPortal({ dataDir: dir, port: 0, env: { PORTAL_CLOCK: '2031-01-10T10:00:00+01:00' } })
    cleanups.unshift(() => portal.close())
    await portal.createEnrolmentCode('Guichet horloge')
    const rows = (await portal.db.execute('SELECT created_at, expires_at FROM enrolment_codes')) as unknown as
      | { rows: Array<{ created_at: string | Date; expires_at: string | Date }> }
      | Array<{ created_at: string | Date; expires_at: string | Date }>
    const row = (Array.isArray(rows) ? rows : rows.rows)[0]!
    expect(new Date(row.created_at).toISOString().slice(0, 16)).toBe('2031-01-10T09:00')
    expect(new Date(row.expires_at).toISOString().slice(0, 16)).toBe('2031-01-11T09:00')
    // The demo town is generated for the clock's day: its children are schooled in 2030-2031.
    await portal.seedDemo({ families: 3, seed: 1 })
    const years = (await portal.db.execute('SELECT DISTINCT school_year FROM schoolings')) as unknown as
      | { rows: Array<{ school_year: string }> }
      | Array<{ school_year: string }>
    expect((Array.isArray(years) ? years : years.rows).map((r) => r.school_year)).toEqual(['2030-2031'])
  })
})
