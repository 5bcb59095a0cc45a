import { afterEach, describe, expect, it } from 'vitest'
import { throttleDelaySeconds } from '../../../src/main/core/services/agents'
import { verifyPassword } from '../../../src/common/passwords'
import { AGENTS, addAgents, count, fakeClock, makeCore } from '../../helpers/core'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function setup() {
  const clock = fakeClock()
  const core = await makeCore({ now: clock.now })
  cleanups.push(core.cleanup)
  const agents = addAgents(core.sqlite)
  return { core, agents, clock, session: core.openSession() }
}

describe('agents and sessions', () => {
  it('stores scrypt hashes, never the password', async () => {
    const { core } = await setup()
    const hash = core.sqlite.prepare(`SELECT password_hash FROM agents WHERE login = ?`).pluck().get(AGENTS.accueil.login) as string
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$/)
    expect(hash).not.toContain(AGENTS.accueil.password)
    expect(await verifyPassword(AGENTS.accueil.password, hash)).toBe(true)
    expect(await verifyPassword('autre chose', hash)).toBe(false)
  })

  it('logs in, reports the agent in the status, journals, and logs out', async () => {
    const { core, session, agents } = await setup()
    const login = await core.call(session, 'session', 'login', { login: ' C.Martin ', password: AGENTS.accueil.password })
    expect(login).toEqual({ ok: true, data: agents.accueil })
    const status = await core.call(session, 'session', 'status', {})
    expect(status).toMatchObject({ ok: true, data: { agent: { login: 'c.martin', role: 'accueil' }, pendingChanges: 0 } })
    expect(count(core.sqlite, 'journal', `action = 'session.login' AND outcome = 'ok' AND agent_id = '${agents.accueil.id}'`)).toBe(1)
    expect(await core.call(session, 'session', 'logout', {})).toEqual({ ok: true, data: {} })
    expect(await core.call(session, 'families', 'search', { q: 'x' })).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
  })

  it('refuses a wrong password with BAD_CREDENTIALS, the same for an unknown login', async () => {
    const { core, session } = await setup()
    const wrong = await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: 'faux' })
    const unknown = await core.call(session, 'session', 'login', { login: 'personne', password: 'faux' })
    expect(wrong).toMatchObject({ ok: false, error: { code: 'BAD_CREDENTIALS' } })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'BAD_CREDENTIALS' } })
    expect(session.agentId).toBeNull()
    expect(count(core.sqlite, 'journal', `action = 'session.login' AND outcome = 'refused'`)).toBe(2)
  })

  it('slows down repeated failures, then lets the right password through once the delay is over', async () => {
    const { core, session, clock } = await setup()
    const attempt = (password: string) => core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password })
    expect(await attempt('faux1')).toMatchObject({ error: { code: 'BAD_CREDENTIALS' } })
    expect(await attempt('faux2')).toMatchObject({ error: { code: 'BAD_CREDENTIALS' } })
    const third = await attempt('faux3')
    expect(third).toMatchObject({ error: { code: 'BAD_CREDENTIALS', details: { retryAfterSeconds: 2 } } })
    // Even the right password waits while the login is slowed down.
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({
      error: { code: 'LOGIN_THROTTLED', details: { retryAfterSeconds: 2 } },
    })
    clock.advance(2)
    expect(await attempt('faux4')).toMatchObject({ error: { code: 'BAD_CREDENTIALS', details: { retryAfterSeconds: 4 } } })
    clock.advance(4)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: true })
    expect(count(core.sqlite, 'login_throttle')).toBe(0)
  })

  it('grows the delay exponentially up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(throttleDelaySeconds)).toEqual([0, 0, 2, 4, 8, 16, 32, 60, 60])
  })

  it('refuses a disabled agent', async () => {
    const { core, session } = await setup()
    core.sqlite.prepare(`UPDATE agents SET active = 0 WHERE login = ?`).run(AGENTS.regie.login)
    expect(await core.call(session, 'session', 'login', { login: AGENTS.regie.login, password: AGENTS.regie.password })).toMatchObject({
      ok: false,
      error: { code: 'BAD_CREDENTIALS' },
    })
  })

  it('locks the session on request and after the idle delay', async () => {
    const { core, session, clock } = await setup()
    await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
    expect(await core.call(session, 'session', 'lock', {})).toMatchObject({ ok: true })
    expect(session.agentId).toBeNull()
    await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
    clock.advance(core.settings().idleLockSeconds + 60)
    expect(await core.call(session, 'session', 'ping', {})).toMatchObject({ ok: false, error: { code: 'SESSION_LOCKED' } })
  })

  it('shows demo logins only in demo mode', async () => {
    const { core, session } = await setup()
    expect(await core.call(session, 'session', 'demoAgents', {})).toEqual({ ok: true, data: { agents: [] } })
  })
})
