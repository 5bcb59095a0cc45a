import { createHmac } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { listFlags } from '../../../src/main/core/sync/rejections'
import { startPortal } from '../../../src/portal'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { testClock } from '../../helpers/clock'
import { backends } from '../portal/backends'
import { openWorkstation, type Portal, type TestWorkstation } from './harness'

/**
 * An online payment end to end (issue 7, item 1; docs/payments.md): a family starts it on the
 * portal, the simulated provider's page confirms it, the provider's signed notification records
 * it on the portal, and a real workstation (its own SQLite file) has it after its next pull.
 * A notification for a wrong amount records nothing and reaches the counter as a flag "à traiter".
 * PostgreSQL when DATABASE_URL is set, PGlite otherwise (like the rest of the sync suite).
 */

const SECRET = 'secret-de-test-partage-avec-le-prestataire-simule'
const backend = backends.at(-1)!

let portal: Portal
let cleanupDb: () => Promise<void>
let ws: TestWorkstation

beforeAll(async () => {
  const handle = await backend.open()
  cleanupDb = handle.cleanup
  portal = await startPortal({
    dataDir: handle.dataDir,
    ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
    now: testClock(),
    port: 0,
    host: '127.0.0.1',
    log: false,
    snapshotDebounceMs: 200,
    payments: 'simulated',
    paymentsSecret: SECRET,
  })
  await portal.seedDemo({ families: 10, seed: 31 })
  ws = await openWorkstation(portal, { name: 'Guichet A' })
})

afterAll(async () => {
  await ws?.cleanup()
  await portal?.close()
  await cleanupDb?.()
})

async function familyApi<T = Record<string, unknown>>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${portal.url}/api/v1${path}`, {
    method,
    headers: {
      [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as T }
}

async function familySession(code: string): Promise<string> {
  const temp = await setFamilyPassword(portal.db, code)
  const login = await familyApi<{ token: string }>('POST', '/family/login', null, { code, password: temp.password })
  expect(login.status).toBe(200)
  const changed = await familyApi('POST', '/family/password', login.body.token, { currentPassword: temp.password, newPassword: 'Famille-paie-2027' })
  expect(changed.status).toBe(200)
  return login.body.token
}

function families(): Array<{ id: string; code: string }> {
  return ws.core.sqlite.prepare('SELECT id, code FROM families ORDER BY code').all() as Array<{ id: string; code: string }>
}

const paymentsAtCounter = (familyId: string) =>
  ws.core.sqlite.prepare('SELECT amount_cents AS amount, method, transaction_id AS transactionId FROM payments WHERE family_id = ?').all(familyId)

describe('an online payment reaches the workstations', () => {
  it('a family pays on the simulated provider’s page; the workstation has the payment after its next pull', async () => {
    const family = families()[0]!
    const token = await familySession(family.code)
    expect(paymentsAtCounter(family.id)).toEqual([])

    const started = await familyApi<{ order: { id: string }; redirectUrl: string }>('POST', '/family/payment-orders', token, { amountCents: 3200 })
    expect(started.status).toBe(201)
    const html = await (await fetch(started.body.redirectUrl)).text()
    const pay = /<form method="post" action="([^"]+)"><button class="pay"/.exec(html)![1]!.replace(/&amp;/g, '&')
    const result = await fetch(`${portal.url}${pay}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    expect(await result.text()).toContain('Le portail a bien reçu l’avis de paiement.')
    const order = await familyApi<{ order: { status: string; transactionId: string } }>('GET', `/family/payment-orders/${started.body.order.id}`, token)
    expect(order.body.order.status).toBe('paid')

    // Not yet at the counter: it arrives with the next pull.
    expect(paymentsAtCounter(family.id)).toEqual([])
    expect(await ws.sync()).toMatchObject({ lastError: null })
    expect(paymentsAtCounter(family.id)).toEqual([{ amount: 3200, method: 'en_ligne', transactionId: order.body.order.transactionId }])
  })

  it('a notification for another amount records nothing; the counter gets a flag “à traiter” for the family', async () => {
    const family = families()[1]!
    const token = await familySession(family.code)
    const started = await familyApi<{ order: { id: string; reference: string } }>('POST', '/family/payment-orders', token, { amountCents: 5000 })
    const raw = JSON.stringify({
      orderId: started.body.order.id,
      reference: started.body.order.reference,
      transactionId: 'SIM-MONTANT-FAUX',
      amountCents: 500,
      status: 'paid',
      at: new Date().toISOString(),
    })
    const res = await fetch(`${portal.url}/api/v1/payments/simulated/notification`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', SECRET).update(raw).digest('hex') },
      body: raw,
    })
    expect(res.status).toBe(200)
    await ws.sync()
    expect(paymentsAtCounter(family.id)).toEqual([])
    const flags = listFlags(ws.core.sqlite).filter((f) => f.code === 'PAYMENT_AMOUNT_MISMATCH')
    expect(flags).toHaveLength(1)
    expect(flags[0]).toMatchObject({ familyId: family.id, status: 'open', kind: 'rule' })
    expect(flags[0]!.reason).toMatch(/5,00 €.*50,00 €/)
  })
})
