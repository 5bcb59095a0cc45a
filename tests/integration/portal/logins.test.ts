import { randomBytes, scryptSync } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema } from '@shared/sync/protocol'
import { SCRYPT_PARAMS, verifyPassword } from '../../../src/common/passwords'
import { startPortal, type RunningPortal } from '../../../src/portal'
import { one, rows } from '../../../src/portal/db/client'
import { currentSeq } from '../../../src/portal/db/store'
import { LOGIN_IN_FLIGHT, loginGate, THROTTLE_POLICY } from '../../../src/portal/services/auth'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { backends, type BackendHandle } from './backends'
import { api, enrol, type Api, type ApiResponse } from './helpers'

/**
 * Logins under attack, over real HTTP: the 60-codes storm (the portal keeps answering, the login
 * gate bounds the work in flight), throttling that slows a stranger without locking the owner
 * out, the admin login and the current-password check throttled too, and old hashes re-hashed.
 * The portal trusts X-Forwarded-For here (trustProxy), so that each request names its address.
 */

const CURRENT = `scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`

/** A hash in the format of the previous version (N = 2^14, r = 8, p = 1). */
function oldHash(password: string): string {
  const salt = randomBytes(16)
  const hash = scryptSync(password.normalize('NFC'), salt, 32, { N: 16384, r: 8, p: 1 })
  return ['scrypt', 16384, 8, 1, salt.toString('base64'), hash.toString('base64')].join('$')
}

/** GET /health on a new connection (no keep-alive): milliseconds until the whole answer. */
function healthOnce(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/v1/health`, { agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }))
    })
    req.on('error', reject)
    req.end()
  })
}

const waitOf = (res: ApiResponse): number | null => {
  const m = /réessayez dans (\d+) s/.exec(PortalErrorSchema.parse(res.body).error.message)
  return m ? Number(m[1]) : null
}

describe.each(backends)('logins under attack ($name)', (backend) => {
  let handle: BackendHandle
  let portal: RunningPortal
  let call: Api
  let codes: string[]
  /** The portal's clock runs this far ahead of the real one (to let delays pass without sleeping). */
  let offsetMs = 0

  const from = (address: string) => ({ 'x-forwarded-for': address })
  const familyLogin = (code: string, password: string, address: string) =>
    call<{ token: string }>('POST', '/family/login', { body: { code, password }, headers: from(address) })

  beforeAll(async () => {
    handle = await backend.open()
    portal = await startPortal({
      dataDir: handle.dataDir,
      ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
      port: 0,
      host: '127.0.0.1',
      log: false,
      snapshotDebounceMs: 60_000,
      trustProxy: true,
      now: () => new Date(Date.now() + offsetMs),
    })
    await portal.seedDemo({ families: 64, seed: 7, today: '2026-11-27' })
    call = api(portal.url)
    codes = (await rows<{ code: string }>(portal.db, sql`SELECT code FROM families ORDER BY code`)).map((r) => r.code)
    expect(codes.length).toBeGreaterThanOrEqual(64)
  }, 180_000)
  afterAll(async () => {
    await portal?.close()
    await handle?.cleanup()
  })

  describe('60 bad logins at once, on 60 codes, from one address', () => {
    let answers: ApiResponse[] = []
    const samples: Array<{ status: number; ms: number }> = []
    let stats: ReturnType<typeof loginGate.stats>

    beforeAll(async () => {
      loginGate.resetStats()
      let storming = true
      const sampler = (async () => {
        while (storming) {
          samples.push(await healthOnce(portal.url))
          await new Promise((r) => setTimeout(r, 50))
        }
      })()
      answers = await Promise.all(codes.slice(0, 60).map((code) => familyLogin(code, 'pas-le-bon-mot', '203.0.113.7')))
      storming = false
      await sampler
      stats = loginGate.stats()
    }, 120_000)

    it('/health answers all along, within a generous limit (new connection per sample)', () => {
      expect(samples.length).toBeGreaterThanOrEqual(1)
      expect(samples.filter((s) => s.status !== 200)).toEqual([])
      expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(2000)
    })

    it('the login gate ran them, never more than its bound at once', () => {
      expect(stats.maxInFlight).toBeGreaterThanOrEqual(1)
      expect(stats.maxInFlight).toBeLessThanOrEqual(LOGIN_IN_FLIGHT)
      expect(stats.inFlight).toBe(0)
      expect(stats.queued).toBe(0)
    })

    it('every attempt is refused (401 wrong or throttled, 429 too many at once) and the address is throttled across accounts', () => {
      expect(answers.map((a) => a.status).filter((s) => s !== 401 && s !== 429)).toEqual([])
      const throttled = answers.filter((a) => a.status === 401 && waitOf(a) !== null).length
      const busy = answers.filter((a) => a.status === 429).length
      for (const a of answers.filter((x) => x.status === 429)) expect(PortalErrorSchema.parse(a.body).error.message).toMatch(/réessayez/)
      // Most attempts never reached a password check.
      expect(throttled + busy).toBeGreaterThan(60 - THROTTLE_POLICY.addr.free - 5)
    })
  })

  it('a stranger failing on an account from many addresses keeps the owner, at another address, out a few seconds at most', async () => {
    const code = codes[61]!
    const { password } = await setFamilyPassword(portal.db, code)
    // A distributed guesser: one failure from each of 12 addresses, a minute apart.
    for (let i = 1; i <= 12; i++) {
      offsetMs += 60_000
      const res = await familyLogin(code, `devine-${i}`, `198.51.100.${i}`)
      expect(res.status).toBe(401)
    }
    // The owner, from home: at most the small per-account delay, then in.
    const first = await familyLogin(code, password, '192.0.2.44')
    if (first.status !== 200) {
      expect(first.status).toBe(401)
      const wait = waitOf(first) ?? Number.POSITIVE_INFINITY
      expect(wait).toBeLessThanOrEqual(THROTTLE_POLICY.acct.maxSeconds)
      offsetMs += (wait + 1) * 1000
      expect((await familyLogin(code, password, '192.0.2.44')).status).toBe(200)
    }
    // One address hammering that account is slowed far more than the owner ever is.
    const hammer = '198.51.100.200'
    for (let i = 0; i < THROTTLE_POLICY.pair.free + 5; i++) {
      offsetMs += 40_000
      await familyLogin(code, `encore-${i}`, hammer)
    }
    const blocked = await familyLogin(code, password, hammer)
    expect(blocked.status).toBe(401)
    expect(waitOf(blocked)).toBeGreaterThan(THROTTLE_POLICY.acct.maxSeconds)
    offsetMs += (THROTTLE_POLICY.acct.maxSeconds + 1) * 1000
    expect((await familyLogin(code, password, '192.0.2.44')).status).toBe(200)
  }, 120_000)

  it('the admin login is throttled per address and account, and the responsable gets in from elsewhere', async () => {
    const bad = { login: 'responsable', password: 'pas-le-bon' }
    const good = { login: 'responsable', password: 'responsable-2026' }
    for (let i = 0; i < THROTTLE_POLICY.pair.free + 1; i++) {
      expect((await call('POST', '/admin/login', { body: bad, headers: from('198.18.0.1') })).status).toBe(401)
    }
    const throttled = await call('POST', '/admin/login', { body: good, headers: from('198.18.0.1') })
    expect(throttled.status).toBe(401)
    expect(waitOf(throttled)).toBeGreaterThan(0)
    expect((await call('POST', '/admin/login', { body: good, headers: from('198.18.0.2') })).status).toBe(200)
  }, 60_000)

  it('the current-password check of POST /family/password is throttled', async () => {
    const code = codes[62]!
    const { password } = await setFamilyPassword(portal.db, code)
    const token = (await familyLogin(code, password, '192.0.2.50')).body.token
    const change = (currentPassword: string) =>
      call('POST', '/family/password', { token, body: { currentPassword, newPassword: 'Un-secret-tout-neuf-9' }, headers: from('192.0.2.66') })
    for (let i = 0; i < THROTTLE_POLICY.pair.free + 1; i++) expect((await change(`essai-${i}`)).status).toBe(401)
    const throttled = await change(password)
    expect(throttled.status).toBe(401)
    expect(waitOf(throttled)).toBeGreaterThan(0)
    // Nothing changed: the temporary password still opens the account.
    offsetMs += 3600_000
    expect((await familyLogin(code, password, '192.0.2.50')).status).toBe(200)
  }, 60_000)

  it('a hash with older scrypt parameters is re-hashed at the next successful login (family, admin through the change log)', async () => {
    const code = codes[63]!
    const { password } = await setFamilyPassword(portal.db, code)
    await portal.db.execute(
      sql`UPDATE family_accounts SET password_hash = ${oldHash(password)} WHERE family_id = (SELECT id FROM families WHERE code = ${code})`,
    )
    expect((await familyLogin(code, password, '192.0.2.70')).status).toBe(200)
    const family = await one<{ hash: string }>(
      portal.db,
      sql`SELECT password_hash AS hash FROM family_accounts WHERE family_id = (SELECT id FROM families WHERE code = ${code})`,
    )
    expect(family!.hash.startsWith(CURRENT)).toBe(true)
    expect(await verifyPassword(password, family!.hash)).toBe(true)

    const ws = await enrol({ portal, db: portal.db, api: call, cleanup: async () => undefined })
    const cursor = await currentSeq(portal.db)
    await portal.db.execute(sql`UPDATE agents SET password_hash = ${oldHash('responsable-2026')} WHERE login = 'responsable'`)
    const login = await call('POST', '/admin/login', { body: { login: 'responsable', password: 'responsable-2026' }, headers: from('192.0.2.71') })
    expect(login.status).toBe(200)
    const agent = await one<{ hash: string }>(portal.db, sql`SELECT password_hash AS hash FROM agents WHERE login = 'responsable'`)
    expect(agent!.hash.startsWith(CURRENT)).toBe(true)
    // The counters get the new hash at their next pull.
    const pull = PullResponseSchema.parse((await call('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body)
    const pushed = pull.changes.filter((c) => c.entity === 'agents' && c.row?.login === 'responsable')
    expect(pushed.map((c) => c.row?.password_hash)).toEqual([agent!.hash])
  }, 60_000)
})
