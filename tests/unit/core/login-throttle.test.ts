import { afterEach, describe, expect, it } from 'vitest'
import { AGENTS, addAgents, count, fakeClock, makeCore } from '../../helpers/core'

// The login throttle on a real SQLite file (makeCore opens one in a temporary folder): the wait
// it announces is the wait it applies, and the right password is accepted as soon as it is over.

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

async function setup() {
  const clock = fakeClock()
  const core = await makeCore({ now: clock.now })
  cleanups.push(core.cleanup)
  addAgents(core.sqlite)
  const session = core.openSession()
  const attempt = (password: string, login: string = AGENTS.accueil.login) => core.call(session, 'session', 'login', { login, password })
  const blockedUntil = () =>
    core.sqlite.prepare('SELECT blocked_until FROM login_throttle WHERE login = ?').pluck().get(AGENTS.accueil.login) as number | undefined
  return { core, clock, session, attempt, blockedUntil }
}

async function failTimes(attempt: (p: string) => Promise<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await attempt(`faux-${i}`)
}

describe('login throttle', () => {
  it('accepts the right password exactly when the announced wait is over, even after refused attempts during the wait', async () => {
    const { attempt, clock, core } = await setup()
    await failTimes(attempt, 3) // waits of 0, 0, then 2 s
    const throttled = await attempt(AGENTS.accueil.password)
    expect(throttled).toMatchObject({ ok: false, error: { code: 'LOGIN_THROTTLED' } })
    const wait = (throttled as { error: { details: { retryAfterSeconds: number } } }).error.details.retryAfterSeconds
    expect(wait).toBeGreaterThan(0)
    // Attempts during the wait (right or wrong) do not lengthen it.
    await attempt('faux-pendant')
    clock.advance(wait - 1)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: false, error: { code: 'LOGIN_THROTTLED', details: { retryAfterSeconds: 1 } } })
    clock.advance(1)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: true, data: { login: AGENTS.accueil.login } })
    expect(count(core.sqlite, 'login_throttle')).toBe(0)
  })

  it('counts the wait in whole seconds rounded up, so a countdown that reaches 0 is never early', async () => {
    const { attempt, clock } = await setup()
    await failTimes(attempt, 3) // 2 s
    clock.advance(0.3)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ error: { code: 'LOGIN_THROTTLED', details: { retryAfterSeconds: 2 } } })
    clock.advance(1.7)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: true })
  })

  it('does not refuse the right password for longer than the failures imposed when the clock is set back', async () => {
    const { attempt, clock, blockedUntil } = await setup()
    await failTimes(attempt, 3) // a 2 s wait
    expect(blockedUntil()).toBeDefined()
    // The workstation's clock goes back one hour (a wrong time corrected by hand, a BIOS clock).
    clock.advance(-3600)
    const throttled = await attempt(AGENTS.accueil.password)
    // At most the 2 s the failures imposed, not an hour.
    expect(throttled).toMatchObject({ ok: false, error: { code: 'LOGIN_THROTTLED', details: { retryAfterSeconds: 2 } } })
    clock.advance(2)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: true })
  })

  it('never throttles after only the free failures, even when the clock is set back', async () => {
    const { attempt, clock } = await setup()
    await failTimes(attempt, 2)
    clock.advance(-120)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ ok: true })
  })

  it('throttles per login: another agent at the same counter is not made to wait', async () => {
    const { attempt } = await setup()
    await failTimes(attempt, 5)
    expect(await attempt(AGENTS.accueil.password)).toMatchObject({ error: { code: 'LOGIN_THROTTLED' } })
    expect(await attempt(AGENTS.regie.password, AGENTS.regie.login)).toMatchObject({ ok: true })
  })
})
