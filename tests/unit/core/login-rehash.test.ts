import { randomBytes, scryptSync } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import { SCRYPT_PARAMS, verifyPassword } from '../../../src/common/passwords'
import { AGENTS, addAgents, fakeClock, makeCore } from '../../helpers/core'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** A hash in the previous version's format (N = 2^14, r = 8, p = 1). */
function oldHash(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 })
  return ['scrypt', 16384, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$')
}

describe('agent login at the counter with an old hash', () => {
  it('logs in and stores the hash again with the current scrypt parameters', async () => {
    const clock = fakeClock()
    const core = await makeCore({ now: clock.now })
    cleanups.push(core.cleanup)
    addAgents(core.sqlite)
    const hashOf = () => core.sqlite.prepare('SELECT password_hash FROM agents WHERE login = ?').pluck().get(AGENTS.accueil.login) as string
    core.sqlite.prepare('UPDATE agents SET password_hash = ? WHERE login = ?').run(oldHash(AGENTS.accueil.password), AGENTS.accueil.login)
    expect(hashOf()).toMatch(/^scrypt\$16384\$8\$1\$/)

    const session = core.openSession()
    const login = await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
    expect(login).toMatchObject({ ok: true })
    expect(hashOf().startsWith(`scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`)).toBe(true)
    expect(await verifyPassword(AGENTS.accueil.password, hashOf())).toBe(true)
  })
})
