import { randomBytes } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema, PushResponseSchema, type EnrolResponse, type PushCommand, type PushResponse } from '@shared/sync/protocol'
import { hashPassword } from '../../../src/common/passwords'
import { simulatedMails, type MailMessage } from '../../../src/portal'
import { one, rows } from '../../../src/portal/db/client'
import { THROTTLE_POLICY } from '../../../src/portal/services/auth'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { SimulatedMailer } from '../../../src/portal/services/mailer'
import { MAX_LIVE_RESETS, RESET_TOKEN_MS } from '../../../src/portal/services/password-reset'
import { backends } from './backends'
import { command, enrol, guardianOf, kids, startTestPortal, type Kid, type TestPortal } from './helpers'

/**
 * The portal side of issue 9 (docs/credentials.md, « Côté portail »), over real HTTP: the family
 * login with printed credentials, the expired first password, and the e-mail reset
 * (« Mot de passe oublié ») with the simulated mailer. The portal trusts X-Forwarded-For here,
 * so that each request names its address.
 */

describe.each(backends)('portal credentials ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse
  let other: EnrolResponse
  let town: Kid[]
  const seqs = new Map<string, number>()
  /** Every hash a counter pushed. */
  const hashes: string[] = []
  /** The portal's clock runs this far ahead of the real one. */
  let offsetMs = 0
  const logLines: string[] = []
  const mailer = new SimulatedMailer({ log: (line) => logLines.push(line) })
  let address = 0
  /** A fresh client address per test (the address throttle is not under test everywhere). */
  let ip = '192.0.2.1'

  const from = (where = ip) => ({ 'x-forwarded-for': where })
  const login = (code: string, password: string, where = ip) =>
    t.api<{ token: string; mustChangePassword: boolean }>('POST', '/family/login', { body: { code, password }, headers: from(where) })
  const requestReset = (codeFamille: string, email: string, where = ip) =>
    t.api<{ message: string }>('POST', '/family/password-reset', { body: { codeFamille, email }, headers: from(where) })
  const confirmReset = (token: string, newPassword: string) =>
    t.api('POST', '/family/password-reset/confirm', { body: { token, newPassword }, headers: from() })
  const message = (res: { body: unknown }) => PortalErrorSchema.parse(res.body).error.message
  const push = (from: EnrolResponse, commands: PushCommand[]) =>
    t.api<PushResponse>('POST', '/sync/push', { token: from.token, body: { schemaVersion: 1, commands } })
  /**
   * What a counter does (issue 9): a password made and hashed on the workstation; only the hash
   * travels, in a `credentials.issue` fact. Returns the clear password (the printed slip).
   */
  async function issue(
    familyId: string,
    opts: { from?: EnrolResponse; previousIssueId?: string | null; at?: string; id?: string } = {},
  ): Promise<{ password: string; issueId: string; pushed: PushResponse }> {
    const from = opts.from ?? ws
    const password = `Pr${randomBytes(6).toString('base64url')}`
    const issueId = opts.id ?? uuidv7()
    const seq = (seqs.get(from.workstationId) ?? 0) + 1
    seqs.set(from.workstationId, seq)
    const passwordHash = await hashPassword(password)
    hashes.push(passwordHash)
    const cmd = command(seq, 'credentials.issue', {
      id: issueId,
      familyId,
      kind: 'first',
      passwordHash,
      identityChecked: true,
      previousIssueId: opts.previousIssueId ?? null,
    })
    if (opts.at) cmd.at = opts.at
    const res = await push(from, [cmd])
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const pushed = PushResponseSchema.parse(res.body)
    expect(pushed.results[0]?.status, JSON.stringify(pushed)).toBe('applied')
    return { password, issueId, pushed }
  }
  const portalNow = () => new Date(Date.now() + offsetMs)
  const tokenOf = (mail: MailMessage) => /#jeton=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1] ?? ''

  async function setEmail(kid: Kid, email: string): Promise<void> {
    const guardian = await guardianOf(t.db, kid.familyId)
    await t.db.execute(sql`UPDATE persons SET email = ${email} WHERE id = ${guardian}`)
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, {
      families: 24,
      now: () => new Date(Date.now() + offsetMs),
      portal: { trustProxy: true, mailer, log: (line) => logLines.push(line) },
    })
    ws = await enrol(t, 'Guichet A')
    other = await enrol(t, 'Guichet B')
    town = await kids(t.db)
    expect(town.length).toBeGreaterThanOrEqual(20)
    expect(ws.workstationId).toBeTruthy()
  }, 120_000)
  afterAll(async () => {
    await t?.cleanup()
  })
  beforeEach(() => {
    ip = `192.0.2.${++address}`
    mailer.clear()
  })

  describe('credentials handed out at a counter (credentials.issue)', () => {
    it('the printed password logs in, must be changed before anything else, and the old one then fails', async () => {
      const kid = town[10]!
      const { password, issueId } = await issue(kid.familyId)
      const account = await one<{ must_change: boolean; expires_at: string; hash: string }>(
        t.db,
        sql`SELECT must_change, expires_at::text AS expires_at, password_hash AS hash FROM family_accounts WHERE family_id = ${kid.familyId}`,
      )
      const row = await one<{ expires_at: string }>(t.db, sql`SELECT expires_at FROM credential_issues WHERE id = ${issueId}`)
      expect(account?.must_change).toBe(true)
      expect(Date.parse(account!.expires_at)).toBe(Date.parse(row!.expires_at)) // the issue's own expiry
      expect(account?.hash.startsWith('scrypt$')).toBe(true)

      const first = await login(kid.code, password)
      expect(first.status, JSON.stringify(first.body)).toBe(200)
      expect(first.body.mustChangePassword).toBe(true)
      expect((await t.api('GET', '/family/me', { token: first.body.token })).status).toBe(403)
      const changed = await t.api('POST', '/family/password', { token: first.body.token, body: { currentPassword: password, newPassword: 'Ma-propre-phrase-10' }, headers: from() })
      expect(changed.status).toBe(200)
      expect((await t.api('GET', '/family/me', { token: first.body.token })).status).toBe(200)
      expect((await login(kid.code, password)).status).toBe(401)
      expect((await login(kid.code, 'Ma-propre-phrase-10')).body.mustChangePassword).toBe(false)
    })

    it('a new issue replaces the previous password and closes the sessions opened with it', async () => {
      const kid = town[11]!
      const one1 = await issue(kid.familyId)
      const session = (await login(kid.code, one1.password)).body.token
      expect((await t.api('POST', '/family/logout', { token: session })).status).toBe(200) // the session works
      const live = (await login(kid.code, one1.password)).body.token
      const two = await issue(kid.familyId, { previousIssueId: one1.issueId })
      expect(two.pushed.results[0]?.flags ?? []).toEqual([]) // the counter knew the previous issue: no conflict
      expect((await t.api('GET', '/family/me', { token: live })).status).toBe(401)
      expect((await login(kid.code, one1.password)).status).toBe(401)
      expect((await login(kid.code, two.password)).status).toBe(200)
    })

    it('an issue that expired (31 days before the portal’s clock) is refused with the expiry message', async () => {
      const kid = town[12]!
      const at = new Date(portalNow().getTime() - 31 * 86_400_000).toISOString()
      const { password } = await issue(kid.familyId, { at })
      const res = await login(kid.code, password)
      expect(res.status).toBe(401)
      expect(message(res)).toMatch(/a expiré/)
      expect(message(res)).toMatch(/« Mot de passe oublié »/)
    })

    it('the town’s delay applies: credentials.expiry_days = 1, the portal’s clock two days later', async () => {
      const kid = town[13]!
      await t.db.execute(sql`UPDATE town_options SET value = '1' WHERE id = 'credentials.expiry_days'`)
      try {
        const { password } = await issue(kid.familyId, { at: portalNow().toISOString() })
        expect((await login(kid.code, password)).status).toBe(200)
        offsetMs += 2 * 86_400_000
        const res = await login(kid.code, password)
        expect(res.status).toBe(401)
        expect(message(res)).toMatch(/a expiré/)
      } finally {
        await t.db.execute(sql`UPDATE town_options SET value = '30' WHERE id = 'credentials.expiry_days'`)
      }
    })

    it('a family the portal does not have: a missing flag without the hash, and no account', async () => {
      const ghost = uuidv7()
      const { pushed } = await issue(ghost)
      expect(pushed.results[0]?.flags?.map((f) => [f.kind, f.code])).toEqual([['missing', 'UNKNOWN_FAMILY']])
      expect(await rows(t.db, sql`SELECT 1 FROM family_accounts WHERE family_id = ${ghost}`)).toEqual([])
      const flag = await one<{ data: string }>(t.db, sql`SELECT data FROM flags WHERE command_name = 'credentials.issue' AND kind = 'missing'`)
      expect(flag?.data).toContain(ghost)
      expect(flag?.data).not.toContain('scrypt$')
    })

    it('a hash the payload refuses changes nothing (the effect runs only with its command)', async () => {
      const kid = town[14]!
      const { password } = await issue(kid.familyId)
      const seq = (seqs.get(ws.workstationId) ?? 0) + 1
      seqs.set(ws.workstationId, seq)
      const bad = command(seq, 'credentials.issue', {
        id: uuidv7(),
        familyId: kid.familyId,
        kind: 'first',
        passwordHash: 'pas-une-empreinte',
        identityChecked: true,
        previousIssueId: null,
      })
      const res = PushResponseSchema.parse((await push(ws, [bad])).body)
      expect(res.results[0]?.status).toBe('rejected')
      expect((await login(kid.code, password)).status).toBe(200)
    })

    it('the hash is written exactly when the command’s rows are: a storage error in the effect refuses the whole command', async () => {
      const kid = town[17]!
      const { password } = await issue(kid.familyId)
      // A real fault of the database (no mock): family_accounts refuses every write for a moment.
      await t.db.execute(
        sql.raw(`CREATE FUNCTION test_refuse_accounts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refus de test' USING ERRCODE = '23514'; END $$`),
      )
      await t.db.execute(sql.raw('CREATE TRIGGER test_refuse_accounts BEFORE INSERT OR UPDATE ON family_accounts FOR EACH ROW EXECUTE FUNCTION test_refuse_accounts()'))
      try {
        const seq = (seqs.get(ws.workstationId) ?? 0) + 1
        seqs.set(ws.workstationId, seq)
        const id = uuidv7()
        const cmd = command(seq, 'credentials.issue', {
          id,
          familyId: kid.familyId,
          kind: 'reset',
          passwordHash: await hashPassword('Autre-mot-de-passe-17'),
          identityChecked: true,
          previousIssueId: null,
        })
        const res = PushResponseSchema.parse((await push(ws, [cmd])).body)
        expect(res.results[0]).toMatchObject({ status: 'rejected', code: 'STORAGE_ERROR' })
        expect(await rows(t.db, sql`SELECT 1 FROM credential_issues WHERE id = ${id}`)).toEqual([])
        expect(await rows(t.db, sql`SELECT 1 FROM changes WHERE command_id = ${cmd.id}`)).toEqual([])
      } finally {
        await t.db.execute(sql.raw('DROP TRIGGER test_refuse_accounts ON family_accounts'))
        await t.db.execute(sql.raw('DROP FUNCTION test_refuse_accounts()'))
      }
      expect((await login(kid.code, password)).status).toBe(200)
    })

    it('two counters issuing offline for one family: the issue applied last wins, and a CREDENTIALS_SUPERSEDED flag tells the other', async () => {
      const kid = town[15]!
      // Both counters knew no issue (offline): A's reaches the portal first, then B's.
      const a = await issue(kid.familyId, { from: ws })
      const b = await issue(kid.familyId, { from: other })
      expect(b.pushed.results[0]?.flags?.map((f) => f.code)).toEqual(['CREDENTIALS_SUPERSEDED'])
      expect((await login(kid.code, a.password)).status).toBe(401)
      expect((await login(kid.code, b.password)).status).toBe(200)
      const flag = await one<{ data: string; family_id: string }>(t.db, sql`SELECT data, family_id FROM flags WHERE code = 'CREDENTIALS_SUPERSEDED' AND family_id = ${kid.familyId}`)
      expect(flag?.data).toContain(ws.workstationId) // names the counter whose slip no longer works
      const superseded = await one<{ superseded_by: string }>(t.db, sql`SELECT superseded_by FROM credential_issues WHERE id = ${a.issueId}`)
      expect(superseded?.superseded_by).toBe(b.issueId)
    })

    it('60 bad logins at once on a printed code stay throttled; the family gets in from elsewhere', async () => {
      const kid = town[16]!
      const { password } = await issue(kid.familyId)
      const storm = '203.0.113.250'
      const answers = await Promise.all(Array.from({ length: 60 }, (_v, i) => login(kid.code, `mauvais-${i}`, storm)))
      expect(answers.map((a) => a.status).filter((s) => s !== 401 && s !== 429)).toEqual([])
      const throttled = answers.filter((a) => a.status === 401 && /Trop d’essais/.test(message(a))).length
      const busy = answers.filter((a) => a.status === 429).length
      // Most never reached a password check.
      expect(throttled + busy).toBeGreaterThan(60 - THROTTLE_POLICY.pair.free - 5)
      // Even the right password, from that address, waits.
      expect(message(await login(kid.code, password, storm))).toMatch(/Trop d’essais/)
      // The family, from home, at most the small per-account delay.
      offsetMs += (THROTTLE_POLICY.acct.maxSeconds + 1) * 1000
      expect((await login(kid.code, password, '192.0.2.250')).status).toBe(200)
    }, 60_000)

    it('no family hash ever leaves the portal: not in flags, not in any change a counter pulls', async () => {
      expect(hashes.length).toBeGreaterThanOrEqual(8)
      const flags = await rows<Record<string, unknown>>(t.db, sql`SELECT * FROM flags`)
      expect(flags.length).toBeGreaterThan(0)
      expect(JSON.stringify(flags)).not.toContain('scrypt$')
      const issues = await rows<Record<string, unknown>>(t.db, sql`SELECT * FROM credential_issues`)
      expect(issues.length).toBeGreaterThanOrEqual(8)
      expect(JSON.stringify(issues)).not.toContain('scrypt$')
      let cursor = 0
      let pulled = 0
      for (;;) {
        const page = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}&limit=1000`, { token: ws.token })).body)
        pulled += page.changes.length
        // Agents' hashes travel by design (offline login at the counter); a family's never.
        expect(JSON.stringify(page.changes.filter((c) => c.entity !== 'agents'))).not.toContain('scrypt$')
        const text = JSON.stringify(page.changes)
        for (const h of hashes) expect(text).not.toContain(h.split('$').at(-1))
        cursor = page.cursor
        if (!page.hasMore) break
      }
      expect(pulled).toBeGreaterThan(0)
    })
  })

  describe('the expired first password', () => {
    it('is refused with the French message that names the counter and « Mot de passe oublié »', async () => {
      const kid = town[0]!
      const { password } = await setFamilyPassword(t.db, kid.code, new Date(Date.now() + offsetMs))
      await t.db.execute(sql`UPDATE family_accounts SET expires_at = now() - interval '1 day' WHERE family_id = ${kid.familyId}`)
      const res = await login(kid.code, password)
      expect(res.status).toBe(401)
      expect(message(res)).toMatch(/a expiré/)
      expect(message(res)).toMatch(/guichet/)
      expect(message(res)).toMatch(/« Mot de passe oublié »/)
      expect(message(res)).toMatch(/e-mail/)
      // A wrong password on that account still gets the usual answer (nothing learnt about expiry).
      expect(message(await login(kid.code, 'pas-le-bon-1', `198.51.100.${address}`))).toBe('Code famille ou mot de passe incorrect.')
    })

    it('counts as a failure: the throttle applies to it as to any refused login', async () => {
      const kid = town[1]!
      const { password } = await setFamilyPassword(t.db, kid.code, new Date(Date.now() + offsetMs))
      await t.db.execute(sql`UPDATE family_accounts SET expires_at = now() - interval '1 day' WHERE family_id = ${kid.familyId}`)
      const answers: string[] = []
      for (let i = 0; i < THROTTLE_POLICY.pair.free + 2; i++) answers.push(message(await login(kid.code, password)))
      expect(answers[0]).toMatch(/a expiré/)
      expect(answers.at(-1)).toMatch(/Trop d’essais infructueux/)
      const counted = await one<{ failures: number }>(t.db, sql`SELECT failures FROM login_throttle WHERE key = ${`acct:family:${kid.code}`}`)
      expect(counted?.failures).toBeGreaterThanOrEqual(THROTTLE_POLICY.pair.free + 1)
    })
  })

  describe('« Mot de passe oublié » (e-mail reset, simulated mailer)', () => {
    it('answers the same 202 whatever happens, and mails only a guardian of that family', async () => {
      const kid = town[2]!
      const other = town[3]!
      await setEmail(kid, 'parent.reset@example.fr')
      await setEmail(other, 'autre.parent@example.fr')
      const answers = [
        await requestReset(kid.code, 'inconnu@example.fr'), // wrong e-mail
        await requestReset('999999Z', 'parent.reset@example.fr'), // unknown code
        await requestReset(other.code, 'parent.reset@example.fr'), // another family's guardian
        await requestReset(kid.code, 'autre.parent@example.fr'), // that guardian, the wrong family
      ]
      for (const a of answers) {
        expect(a.status).toBe(202)
        expect(a.body).toEqual(answers[0]!.body)
      }
      expect(simulatedMails(mailer)).toEqual([])
      expect(await rows(t.db, sql`SELECT 1 FROM family_password_resets WHERE family_id IN (${kid.familyId}, ${other.familyId})`)).toEqual([])

      const right = await requestReset(` ${kid.code.toLowerCase()} `, 'Parent.Reset@Example.FR')
      expect(right.status).toBe(202)
      expect(right.body).toEqual(answers[0]!.body)
      const mails = simulatedMails(mailer)
      expect(mails).toHaveLength(1)
      expect(mails[0]!.to).toBe('parent.reset@example.fr')
      expect(mails[0]!.text).toContain(kid.code)
      const token = tokenOf(mails[0]!)
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes, base64url
      // Only the token's sha-256 is stored.
      const stored = await rows<{ token_hash: string }>(t.db, sql`SELECT token_hash FROM family_password_resets WHERE family_id = ${kid.familyId}`)
      expect(stored).toHaveLength(1)
      expect(stored[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/)
      expect(JSON.stringify(await rows(t.db, sql`SELECT * FROM family_password_resets`))).not.toContain(token)
      // The log says a mail left, without the token, the address or the code.
      const mailLines = logLines.filter((l) => l.includes('simulé envoyé'))
      expect(mailLines.length).toBeGreaterThanOrEqual(1)
      for (const line of logLines) {
        expect(line).not.toContain(token)
        expect(line.toLowerCase()).not.toContain('parent.reset')
        expect(line).not.toContain(kid.code)
      }
    })

    it('the link sets a password the family chose, once; the sessions close; a second use and an unknown token get 400', async () => {
      const kid = town[4]!
      await setEmail(kid, 'parent4@example.fr')
      const { password: printed } = await setFamilyPassword(t.db, kid.code, new Date(Date.now() + offsetMs))
      const session = (await login(kid.code, printed)).body.token
      expect((await t.api('GET', '/family/me', { token: session })).status).toBe(403) // must change first: the session works

      await requestReset(kid.code, 'parent4@example.fr')
      const token = tokenOf(simulatedMails(mailer)[0]!)
      // The rules of a password change apply (and the link is not spent by a refusal).
      expect((await confirmReset(token, 'court1')).status).toBe(400)
      const same = await confirmReset(token, printed.length >= 10 && /\d/.test(printed) && /\p{L}/u.test(printed) ? printed : 'pas-de-chiffre')
      expect(same.status).toBe(400)
      const ok = await confirmReset(token, 'Mon-secret-oublie-4')
      expect(ok.status, JSON.stringify(ok.body)).toBe(200)
      expect((await t.api('GET', '/family/me', { token: session })).status).toBe(401) // every session closed

      const again = await confirmReset(token, 'Encore-un-autre-44')
      expect(again.status).toBe(400)
      expect(message(again)).toMatch(/n’est plus valable/)
      expect((await confirmReset('A'.repeat(43), 'Encore-un-autre-44')).status).toBe(400)

      expect((await login(kid.code, printed)).status).toBe(401)
      const fresh = await login(kid.code, 'Mon-secret-oublie-4')
      expect(fresh.status).toBe(200)
      expect(fresh.body.mustChangePassword).toBe(false)
      expect((await t.api('GET', '/family/me', { token: fresh.body.token })).status).toBe(200)
      const account = await one<{ must_change: boolean; expires_at: string | null }>(
        t.db,
        sql`SELECT must_change, expires_at FROM family_accounts WHERE family_id = ${kid.familyId}`,
      )
      expect(account).toEqual({ must_change: false, expires_at: null })
    })

    it('a link is refused after an hour', async () => {
      const kid = town[5]!
      await setEmail(kid, 'parent5@example.fr')
      await requestReset(kid.code, 'parent5@example.fr')
      const token = tokenOf(simulatedMails(mailer)[0]!)
      offsetMs += RESET_TOKEN_MS + 60_000
      const late = await confirmReset(token, 'Trop-tard-pour-moi-5')
      expect(late.status).toBe(400)
      expect(message(late)).toMatch(/n’est plus valable/)
      expect((await one<{ used_at: string | null }>(t.db, sql`SELECT used_at FROM family_password_resets WHERE family_id = ${kid.familyId}`))?.used_at).toBeNull()
    })

    it('requests are throttled per address and account like logins (silently: the same 202), and live links are capped', async () => {
      const kid = town[6]!
      await setEmail(kid, 'parent6@example.fr')
      // One address trying e-mails on one code: after a few, its requests are ignored.
      for (let i = 0; i < THROTTLE_POLICY.pair.free + 1; i++) expect((await requestReset(kid.code, `essai${i}@example.fr`)).status).toBe(202)
      expect((await requestReset(kid.code, 'parent6@example.fr')).status).toBe(202)
      expect(simulatedMails(mailer)).toEqual([])
      // From another address, the guardian gets the link.
      expect((await requestReset(kid.code, 'parent6@example.fr', '203.0.113.66')).status).toBe(202)
      expect(simulatedMails(mailer)).toHaveLength(1)
      // A stranger flooding that family's mailbox from many addresses: a few live links at most.
      for (let i = 0; i < 8; i++) await requestReset(kid.code, 'parent6@example.fr', `203.0.113.${100 + i}`)
      expect(simulatedMails(mailer).length).toBeLessThanOrEqual(MAX_LIVE_RESETS)
      // One address across many codes is slowed down too (the logins' address counter).
      const storm = '198.18.5.5'
      for (const k of town.slice(8, 8 + THROTTLE_POLICY.addr.free + 1)) await requestReset(k.code, 'personne@example.fr', storm)
      const blocked = await login(town[7]!.code, 'pas-le-bon-7', storm)
      expect(message(blocked)).toMatch(/Trop d’essais infructueux/)
    })
  })
})
