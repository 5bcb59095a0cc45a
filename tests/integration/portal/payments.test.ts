import { createHmac } from 'node:crypto'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema, PushResponseSchema, type EnrolResponse } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { FamilyMeSchema } from '../../../src/portal/http/schemas'
import { paymentsFromEnv } from '../../../src/portal/payments'
import type { Backend } from './backends'
import { backends } from './backends'
import { adminToken, command, startTestPortal, digest, enrol, kids, maxSeq, type Kid, type TestPortal } from './helpers'

/**
 * Online payments through the payment provider (issue 7, item 1; docs/payments.md), over real
 * HTTP against the real portal: a family starts a payment, the simulated provider's page
 * confirms it, its signed notification records the payment once, as a fact that every
 * workstation pulls. Nobody else can say money was paid: no family route, no workstation push.
 */

const SECRET = 'secret-de-test-partage-avec-le-prestataire-simule'

const startPaymentsPortal = (backend: Backend, payments: 'simulated' | undefined): Promise<TestPortal> =>
  startTestPortal(backend, { families: 8, seed: 11, ...(payments ? { portal: { payments, paymentsSecret: SECRET } } : {}) })

const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex')

const unescapeHtml = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

interface Order {
  id: string
  reference: string
  amountCents: number
  status: string
  transactionId: string | null
  paymentId: string | null
}

describe.each(backends)('online payments through the simulated provider ($name)', (backend) => {
  let t: TestPortal
  let admin: string
  let ws: EnrolResponse
  let town: Kid[]

  async function familySession(kid: Kid): Promise<string> {
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    expect(temp.status).toBe(200)
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    expect(login.status).toBe(200)
    const changed = await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Famille-paie-2026' } })
    expect(changed.status).toBe(200)
    return login.body.token
  }

  const startPayment = (token: string, amountCents: unknown) =>
    t.api<{ order: Order; redirectUrl: string }>('POST', '/family/payment-orders', { token, body: { amountCents } })

  /** POSTs a notification to the portal as the provider would (raw body, signature header). */
  const notify = (body: string, signature: string | null) =>
    t.api<{ outcome: string; replay: boolean }>('POST', '/payments/simulated/notification', {
      rawBody: body,
      headers: signature === null ? {} : { 'x-signature': signature },
    })

  /** The provider's page, then its "Payer" (or "Refuser") button, as a browser would. */
  async function payOnPage(redirectUrl: string, button: 'Payer' | 'Refuser'): Promise<{ html: string; body: string; signature: string }> {
    const page = await fetch(redirectUrl)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/^text\/html/)
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'")
    const html = await page.text()
    expect(html).toContain('lang="fr"')
    const forms = [...html.matchAll(/<form method="post" action="([^"]+)"><button[^>]*>([^<]+)<\/button><\/form>/g)]
    expect(forms.map((f) => f[2])).toEqual(['Payer', 'Refuser'])
    const action = unescapeHtml(forms.find((f) => f[2] === button)![1]!)
    // A form without fields: an empty url-encoded body, everything is in the address.
    const result = await fetch(`${t.portal.url}${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    expect(result.status).toBe(200)
    const resultHtml = await result.text()
    const body = unescapeHtml(/<pre id="notification">([^<]*)<\/pre>/.exec(resultHtml)![1]!)
    const signature = /<pre id="signature">([0-9a-f]{64})<\/pre>/.exec(resultHtml)![1]!
    return { html: resultHtml, body, signature }
  }

  const paymentsOf = (familyId: string) =>
    rows<{ id: string; amount_cents: number; method: string; transaction_id: string }>(
      t.db,
      sql`SELECT id, amount_cents, method, transaction_id FROM payments WHERE family_id = ${familyId} ORDER BY id`,
    )

  const notificationCount = async () => (await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM payment_notifications`))?.n ?? 0

  beforeAll(async () => {
    t = await startPaymentsPortal(backend, 'simulated')
    admin = await adminToken(t)
    ws = await enrol(t)
    town = await kids(t.db)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('a family starts a payment, the simulated provider confirms it, and the signed notification records it once (en_ligne, the provider’s transaction id)', async () => {
    const kid = town[0]!
    const token = await familySession(kid)
    const cursor = await maxSeq(t.db)

    const started = await startPayment(token, 4550)
    expect(started.status, JSON.stringify(started.body)).toBe(201)
    const order = started.body.order
    expect(order).toMatchObject({ amountCents: 4550, status: 'created', transactionId: null, paymentId: null })
    expect(order.reference).toMatch(/^GF[A-Z0-9]{12}$/)
    expect(started.body.redirectUrl.startsWith(`${t.portal.url}/api/v1/payments/simulated/pay?`)).toBe(true)
    // Starting a payment records nothing: no payment, no change for the workstations.
    expect(await paymentsOf(kid.familyId)).toEqual([])
    expect(await maxSeq(t.db)).toBe(cursor)

    const paid = await payOnPage(started.body.redirectUrl, 'Payer')
    expect(paid.html).toContain('Paiement accepté')
    expect(paid.html).toContain('45,50 €')
    expect(paid.html).toContain('Le portail a bien reçu l’avis de paiement.')
    const note = JSON.parse(paid.body) as { orderId: string; transactionId: string; amountCents: number; status: string }
    expect(note).toMatchObject({ orderId: order.id, amountCents: 4550, status: 'paid' })

    const recorded = await paymentsOf(kid.familyId)
    expect(recorded).toEqual([{ id: expect.any(String), amount_cents: 4550, method: 'en_ligne', transaction_id: note.transactionId }])
    const status = await t.api<{ order: Order }>('GET', `/family/payment-orders/${order.id}`, { token })
    expect(status.status).toBe(200)
    expect(status.body.order).toMatchObject({ status: 'paid', transactionId: note.transactionId, paymentId: recorded[0]!.id })
    const page = FamilyMeSchema.parse((await t.api('GET', '/family/me', { token })).body)
    expect(page.payments).toEqual([expect.objectContaining({ id: recorded[0]!.id, amountCents: 4550, method: 'en_ligne', transactionId: note.transactionId })])

    // A fact through the change log (channel portail, no workstation): every workstation pulls it.
    const pulled = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body).changes
    expect(pulled.map((c) => [c.entity, c.op])).toEqual([['payments', 'put']])
    expect(pulled[0]!.row).toMatchObject({ family_id: kid.familyId, amount_cents: 4550, method: 'en_ligne', transaction_id: note.transactionId })

    // The same notification again, byte for byte (a provider retrying): 200, nothing changes.
    const before = await digest(t.db)
    const notes = await notificationCount()
    for (let i = 0; i < 2; i++) {
      const replay = await notify(paid.body, paid.signature)
      expect(replay.status).toBe(200)
      expect(replay.body).toEqual({ outcome: 'recorded', replay: true })
    }
    // Several at once: still one payment.
    const burst = await Promise.all([1, 2, 3].map(() => notify(paid.body, paid.signature)))
    expect(burst.map((r) => r.status)).toEqual([200, 200, 200])
    expect(await digest(t.db)).toEqual(before)
    expect(await notificationCount()).toBe(notes)
    expect(await paymentsOf(kid.familyId)).toEqual(recorded)
  })

  it('a forged notification changes nothing: wrong or missing signature, another secret, a changed body (401)', async () => {
    const kid = town[1]!
    const token = await familySession(kid)
    const { body } = await startPayment(token, 1200)
    const genuine = JSON.stringify({ orderId: body.order.id, reference: body.order.reference, transactionId: 'SIM-FORGED-1', amountCents: 1200, status: 'paid', at: new Date().toISOString() })
    const before = await digest(t.db)
    const notes = await notificationCount()
    const cases: Array<[string, string, string | null]> = [
      ['no signature', genuine, null],
      ['not hex', genuine, 'pas-une-signature'],
      ['another secret', genuine, sign(genuine, 'un-autre-secret-que-celui-du-portail-0000')],
      ['a body changed after signing', genuine.replace('1200', '120000'), sign(genuine)],
      ['a signature one character off', genuine, sign(genuine).replace(/^./, (c) => (c === '0' ? '1' : '0'))],
      ['a short signature', genuine, sign(genuine).slice(0, 32)],
    ]
    for (const [why, raw, signature] of cases) {
      const res = await notify(raw, signature)
      expect(res.status, why).toBe(401)
      expect(PortalErrorSchema.parse(res.body).error.code, why).toBe('UNAUTHORIZED')
    }
    expect(await digest(t.db)).toEqual(before)
    expect(await notificationCount()).toBe(notes)
    const status = await t.api<{ order: Order }>('GET', `/family/payment-orders/${body.order.id}`, { token })
    expect(status.body.order.status).toBe('created')
  })

  it('a notification for another amount than the order’s records nothing as paid and raises a flag for a person', async () => {
    const kid = town[2]!
    const token = await familySession(kid)
    const { body } = await startPayment(token, 2000)
    const cursor = await maxSeq(t.db)
    const raw = JSON.stringify({ orderId: body.order.id, reference: body.order.reference, transactionId: 'SIM-MISMATCH-1', amountCents: 1, status: 'paid', at: new Date().toISOString() })
    const res = await notify(raw, sign(raw))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ outcome: 'amount_mismatch', replay: false })

    expect(await paymentsOf(kid.familyId)).toEqual([])
    const status = await t.api<{ order: Order }>('GET', `/family/payment-orders/${body.order.id}`, { token })
    expect(status.body.order).toMatchObject({ status: 'amount_mismatch', transactionId: 'SIM-MISMATCH-1', paymentId: null })
    const flags = await rows<{ kind: string; code: string; family_id: string; status: string; reason: string; data: string }>(
      t.db,
      sql`SELECT kind, code, family_id, status, reason, data FROM flags WHERE code = 'PAYMENT_AMOUNT_MISMATCH'`,
    )
    expect(flags).toHaveLength(1)
    expect(flags[0]).toMatchObject({ kind: 'rule', family_id: kid.familyId, status: 'open' })
    expect(flags[0]!.reason).toMatch(/0,01 €.*20,00 €.*de l’argent a pu être débité/)
    expect(JSON.parse(flags[0]!.data)).toMatchObject({ expectedCents: 2000, notifiedCents: 1, transactionId: 'SIM-MISMATCH-1' })
    // The flag reaches the workstations (À traiter) and the responsables' list.
    const pulled = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body).changes
    expect(pulled.map((c) => c.entity)).toEqual(['flags'])
    const listed = await t.api<{ flags: Array<{ code: string }> }>('GET', '/admin/flags', { token: admin })
    expect(listed.body.flags.map((f) => f.code)).toContain('PAYMENT_AMOUNT_MISMATCH')

    // The right amount afterwards, or the same notification again: still nothing recorded as paid.
    const before = await digest(t.db)
    expect((await notify(raw, sign(raw))).body).toEqual({ outcome: 'amount_mismatch', replay: true })
    expect(await digest(t.db)).toEqual(before)
  })

  it('an unknown order, or a reference that is not the order’s, is refused (404) and nothing is recorded', async () => {
    const kid = town[3]!
    const token = await familySession(kid)
    const { body } = await startPayment(token, 3000)
    const payments = (await digest(t.db)).payments
    const unknown = JSON.stringify({ orderId: uuidv7(), reference: 'GFINCONNUE0001', transactionId: 'SIM-UNKNOWN-1', amountCents: 3000, status: 'paid', at: new Date().toISOString() })
    const res = await notify(unknown, sign(unknown))
    expect(res.status).toBe(404)
    expect(PortalErrorSchema.parse(res.body).error.code).toBe('NOT_FOUND')
    const otherRef = JSON.stringify({ orderId: body.order.id, reference: 'GFAUTREREF0001', transactionId: 'SIM-UNKNOWN-2', amountCents: 3000, status: 'paid', at: new Date().toISOString() })
    expect((await notify(otherRef, sign(otherRef))).status).toBe(404)
    expect((await digest(t.db)).payments).toBe(payments)
    // Money may have moved for someone: a person looks at it.
    const flagged = await rows<{ code: string }>(t.db, sql`SELECT code FROM flags WHERE code = 'UNKNOWN_PAYMENT_ORDER'`)
    expect(flagged).toHaveLength(2)
    const status = await t.api<{ order: Order }>('GET', `/family/payment-orders/${body.order.id}`, { token })
    expect(status.body.order.status).toBe('created')
  })

  it('a payment refused on the provider’s page: the order is refused, nothing is recorded', async () => {
    const kid = town[4]!
    const token = await familySession(kid)
    const { body } = await startPayment(token, 990)
    const before = await digest(t.db)
    const refused = await payOnPage(body.redirectUrl, 'Refuser')
    expect(refused.html).toContain('Paiement refusé')
    expect(JSON.parse(refused.body)).toMatchObject({ status: 'refused', amountCents: 990 })
    expect(await digest(t.db)).toEqual(before)
    const status = await t.api<{ order: Order }>('GET', `/family/payment-orders/${body.order.id}`, { token })
    expect(status.body.order).toMatchObject({ status: 'refused', paymentId: null })
  })

  it('a page whose amount was changed in the address is not the portal’s: no notification is sent', async () => {
    const kid = town[5]!
    const token = await familySession(kid)
    const { body } = await startPayment(token, 5000)
    const notes = await notificationCount()
    const tampered = body.redirectUrl.replace('amount=5000', 'amount=1')
    expect((await fetch(tampered)).status).toBe(400)
    const post = await fetch(`${tampered}&decision=payer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    expect(post.status).toBe(400)
    expect(await post.text()).toContain('Lien de paiement invalide')
    expect(await notificationCount()).toBe(notes)
  })

  it('no route lets a family or a workstation record a payment; a family sees only its own orders', async () => {
    const kid = town[6]!
    const token = await familySession(kid)
    const before = await digest(t.db)
    // The old family route is gone.
    const asserted = await t.api('POST', '/family/payments', { token, body: { transactionId: 'CB-INVENTE-1', amountCents: 100_000 } })
    expect(asserted.status).toBe(404)
    // A workstation token cannot either: payments.recordOnline is not in the push catalogue.
    const pushed = await t.api('POST', '/sync/push', {
      token: ws.token,
      body: { schemaVersion: 1, commands: [command(1, 'payments.recordOnline', { id: uuidv7(), familyId: kid.familyId, transactionId: 'TX-GUICHET-1', amountCents: 100_000 })] },
    })
    expect(pushed.status).toBe(200)
    const result = PushResponseSchema.parse(pushed.body).results[0]!
    expect(result).toMatchObject({ status: 'rejected', code: 'NOT_ALLOWED_HERE' })
    const after = await digest(t.db)
    expect({ ...after, applied_commands: before.applied_commands, lastApplied: before.lastApplied }).toEqual(before)
    expect(await paymentsOf(kid.familyId)).toEqual([])

    // Another family's order: 404, as if it did not exist.
    const other = town[7]!
    const theirs = (await startPayment(await familySession(other), 1500)).body.order
    expect((await t.api('GET', `/family/payment-orders/${theirs.id}`, { token })).status).toBe(404)
    expect((await t.api('GET', `/family/payment-orders/${theirs.id}`, { token: ws.token })).status).toBe(401)
  })

  it('checks what a family asks for: an amount in whole cents within bounds, a password of its own', async () => {
    const kid = town[6]!
    const token = await familySession(kid)
    const before = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM payment_orders`)
    for (const amount of [0, -5, 99, 500_001, 10.5, '4550', null]) {
      const res = await startPayment(token, amount)
      expect(res.status, String(amount)).toBe(400)
      expect(PortalErrorSchema.parse(res.body).error.code).toBe('INVALID_REQUEST')
    }
    expect((await t.api('POST', '/family/payment-orders', { token, body: { amountCents: 1000, transactionId: 'X' } })).status).toBe(400)
    expect((await t.api('POST', '/family/payment-orders', { body: { amountCents: 1000 } })).status).toBe(401)
    // A temporary password must be changed first.
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    expect((await startPayment(login.body.token, 1000)).status).toBe(403)
    expect(await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM payment_orders`)).toEqual(before)
  })
})

describe.each(backends)('online payments off: without PORTAL_PAYMENTS=simulated ($name)', (backend) => {
  let t: TestPortal

  beforeAll(async () => {
    t = await startPaymentsPortal(backend, undefined)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('the simulated provider’s routes answer 404, and starting a payment says in French that it is off', async () => {
    const before = await digest(t.db)
    const raw = JSON.stringify({ orderId: uuidv7(), reference: 'GFABCDEFGHJKMN', transactionId: 'SIM-OFF-1', amountCents: 1000, status: 'paid', at: new Date().toISOString() })
    const page = `order=${uuidv7()}&reference=GFABCDEFGHJKMN&amount=1000&sig=${'a'.repeat(64)}`
    const answers = [
      await t.api('POST', '/payments/simulated/notification', { rawBody: raw, headers: { 'x-signature': sign(raw) } }),
      await t.api('GET', `/payments/simulated/pay?${page}`),
      await t.api('POST', `/payments/simulated/pay?${page}&decision=payer`, { rawBody: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ]
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404])

    const kid = (await kids(t.db))[0]!
    const admin = await adminToken(t)
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Famille-paie-2026' } })
    const start = await t.api('POST', '/family/payment-orders', { token: login.body.token, body: { amountCents: 1000 } })
    expect(start.status).toBe(404)
    expect(PortalErrorSchema.parse(start.body).error.message).toMatch(/paiement en ligne n’est pas activé/)
    expect({ ...(await digest(t.db)), family_accounts: before.family_accounts }).toEqual(before)
  })

  it('PORTAL_PAYMENTS: only "simulated" turns it on; anything else but "off" stops the start', () => {
    expect(paymentsFromEnv({})).toEqual({})
    expect(paymentsFromEnv({ PORTAL_PAYMENTS: 'off' })).toEqual({})
    expect(paymentsFromEnv({ PORTAL_PAYMENTS: 'simulated', PORTAL_PAYMENTS_SECRET: SECRET })).toEqual({ payments: 'simulated', paymentsSecret: SECRET })
    expect(() => paymentsFromEnv({ PORTAL_PAYMENTS: 'payfip' })).toThrow(/simulated/)
  })
})
