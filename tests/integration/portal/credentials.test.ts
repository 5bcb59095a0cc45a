import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PortalErrorSchema, type EnrolResponse } from '@shared/sync/protocol'
import { simulatedMails, type MailMessage } from '../../../src/portal'
import { one, rows } from '../../../src/portal/db/client'
import { THROTTLE_POLICY } from '../../../src/portal/services/auth'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { SimulatedMailer } from '../../../src/portal/services/mailer'
import { MAX_LIVE_RESETS, RESET_TOKEN_MS } from '../../../src/portal/services/password-reset'
import { backends } from './backends'
import { enrol, guardianOf, kids, startTestPortal, type Kid, type TestPortal } from './helpers'

/**
 * The portal side of issue 9 (docs/credentials.md, « Côté portail »), over real HTTP: the family
 * login with printed credentials, the expired first password, and the e-mail reset
 * (« Mot de passe oublié ») with the simulated mailer. The portal trusts X-Forwarded-For here,
 * so that each request names its address.
 */

describe.each(backends)('portal credentials ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse
  let town: Kid[]
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
    ws = await enrol(t)
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
