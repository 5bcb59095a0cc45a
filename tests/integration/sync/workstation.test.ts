import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../../src/main/core'
import { getSetting } from '../../../src/main/core/services/settings'
import { MemoryTokenStore } from '../../../src/main/core/sync/token'
import { startWorkstation, type StartPortal } from '../../../src/main/core/sync/workstation'
import { startPortal } from '../../../src/portal'
import { testClock } from '../../helpers/clock'
import { MIGRATIONS } from '../../helpers/core'
import { countRows, startTestPortal, tempDir } from './harness'

/**
 * The wiring both shells share (startWorkstation): the embedded demo portal seeded and the
 * workstation enrolled on the first start, the same enrolment kept on the next start (on a
 * new port), GUICHET_PORTAL=off, and a real portal with an enrolment code from the environment.
 */

const cleanups: Array<() => void> = []
afterAll(() => cleanups.forEach((c) => c()))

const realPortal: StartPortal = (opts) => startPortal({ ...opts, log: false, now: testClock() })

async function open(dir: string): Promise<Core> {
  return createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {}, now: testClock() })
}

describe('startWorkstation', () => {
  it('embedded demo portal: seeded and enrolled on the first start, same enrolment on the next one', async () => {
    const { dir, cleanup } = tempDir('guichet-wiring-')
    cleanups.push(cleanup)
    const tokens = new MemoryTokenStore()
    const env = { GUICHET_DEMO_FAMILIES: '15' }
    const lines: string[] = []

    let core = await open(dir)
    let ws = await startWorkstation({ core, dataDir: dir, env, tokenStore: tokens, log: (l) => lines.push(l), startPortal: realPortal })
    expect(ws.portal).not.toBeNull()
    expect(existsSync(join(dir, 'portal'))).toBe(true)
    const first = await ws.engine.syncNow()
    expect(first).toMatchObject({ enrolled: true, state: 'idle', pending: 0, portalUrl: ws.portalUrl })
    expect(countRows(core.sqlite, 'SELECT count(*) AS n FROM families')).toBe(15)
    expect(countRows(core.sqlite, `SELECT count(*) AS n FROM agents WHERE login = 'accueil'`)).toBe(1)
    expect(core.settings().demo).toBe(true)
    const workstationId = core.settings().workstationId
    const firstUrl = ws.portalUrl
    await ws.stop()
    core.close()

    core = await open(dir)
    ws = await startWorkstation({ core, dataDir: dir, env, tokenStore: tokens, log: (l) => lines.push(l), startPortal: realPortal })
    try {
      expect(ws.portalUrl).not.toBe(firstUrl) // a new free port
      expect(getSetting(core.sqlite, 'portal.url')).toBe(ws.portalUrl)
      const second = await ws.engine.syncNow()
      expect(second).toMatchObject({ enrolled: true, state: 'idle', lastError: null })
      expect(core.settings().workstationId).toBe(workstationId) // not enrolled again
      expect(countRows(core.sqlite, 'SELECT count(*) AS n FROM families')).toBe(15) // not seeded again
      expect(lines.filter((l) => l.includes('poste inscrit'))).toHaveLength(1)
    } finally {
      await ws.stop()
      core.close()
    }
  })

  it('GUICHET_PORTAL=off: no portal, the engine runs not enrolled', async () => {
    const { dir, cleanup } = tempDir('guichet-wiring-')
    cleanups.push(cleanup)
    const core = await open(dir)
    const ws = await startWorkstation({ core, dataDir: dir, env: { GUICHET_PORTAL: 'off' }, tokenStore: new MemoryTokenStore(), log: () => {} })
    try {
      expect(ws.portal).toBeNull()
      expect(ws.engine.status()).toMatchObject({ enrolled: false, state: 'not_enrolled', nextAttemptAt: null })
      const session = core.openSession()
      expect((await core.call(session, 'sync', 'status', {})).ok).toBe(true)
    } finally {
      await ws.stop()
      core.close()
    }
  })

  it('GUICHET_PORTAL_URL with GUICHET_ENROL_CODE: enrols on that portal once', async () => {
    const portal = await startTestPortal({ families: 5 })
    const { dir, cleanup } = tempDir('guichet-wiring-')
    cleanups.push(cleanup)
    try {
      const tokens = new MemoryTokenStore()
      const env = { GUICHET_PORTAL_URL: `${portal.url}/api/v1/`, GUICHET_ENROL_CODE: await portal.createEnrolmentCode('Guichet env') }
      let core = await open(dir)
      let ws = await startWorkstation({ core, dataDir: dir, env, tokenStore: tokens, log: () => {} })
      expect(ws.portal).toBeNull()
      expect(ws.portalUrl).toBe(portal.url)
      expect(await ws.engine.syncNow()).toMatchObject({ enrolled: true, state: 'idle', portalUrl: portal.url })
      expect(countRows(core.sqlite, 'SELECT count(*) AS n FROM families')).toBe(5)
      await ws.stop()
      core.close()
      // Next start: the (now used) code is not sent again.
      core = await open(dir)
      ws = await startWorkstation({ core, dataDir: dir, env, tokenStore: tokens, log: () => {} })
      expect(await ws.engine.syncNow()).toMatchObject({ enrolled: true, state: 'idle', lastError: null })
      await ws.stop()
      core.close()
    } finally {
      await portal.cleanup()
    }
  })
})
