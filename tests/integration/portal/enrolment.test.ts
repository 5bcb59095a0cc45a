import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema } from '@shared/sync/protocol'
import { one } from '../../../src/portal/db/client'
import { buildServer } from '../../../src/portal/http/server'
import { createEnrolmentCode } from '../../../src/portal/services/workstations'
import { backends } from './backends'
import { adminToken, command, digest, enrol, startTestPortal, type TestPortal } from './helpers'

describe.each(backends)('portal enrolment and tokens ($name)', (backend) => {
  let t: TestPortal
  let admin: string

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 3 })
    admin = await adminToken(t)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('enrols workstations with disjoint code-famille ranges and their own receipt series', async () => {
    const a = await enrol(t, 'Guichet 1')
    const b = await enrol(t, 'Guichet 2')
    expect(a.codeFamilleRange).toEqual({ first: 200001, last: 210000 })
    expect(b.codeFamilleRange).toEqual({ first: 210001, last: 220000 })
    expect([a.receiptSeries, b.receiptSeries]).toEqual(['G01', 'G02'])
    expect(a.name).toBe('Guichet 1')
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(a.workstationId).not.toBe(b.workstationId)
    // Only the token's hash is stored.
    const stored = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM workstations WHERE token_hash = ${a.token}`)
    expect(stored?.n).toBe(0)
    // The token works.
    expect((await t.api('GET', '/sync/pull?cursor=0&limit=1', { token: a.token })).status).toBe(200)
  })

  it('takes the code as a person types it (lower case, spaces) and the name given by the workstation', async () => {
    const code = await t.portal.createEnrolmentCode('Annexe')
    const typed = ` ${code.toLowerCase().replace(/-/g, ' ')} `
    const res = await t.api<{ name: string }>('POST', '/workstations/enrol', { body: { code: typed, name: 'Annexe du centre' } })
    expect(res.status).toBe(200)
    expect(res.body.name).toBe('Annexe du centre')
  })

  it('refuses a replayed, an expired and an unknown code, and changes nothing', async () => {
    const code = await t.portal.createEnrolmentCode('Guichet 3')
    expect((await t.api('POST', '/workstations/enrol', { body: { code } })).status).toBe(200)
    const old = await createEnrolmentCode(t.db, 'Ancien', new Date(Date.now() - 25 * 3600 * 1000))
    const before = await digest(t.db)

    const replay = await t.api('POST', '/workstations/enrol', { body: { code } })
    expect(replay.status).toBe(401)
    expect(PortalErrorSchema.parse(replay.body).error.code).toBe('ENROLMENT_CODE_INVALID')
    expect(PortalErrorSchema.parse(replay.body).error.message).toMatch(/déjà servi/)

    const expired = await t.api('POST', '/workstations/enrol', { body: { code: old.code } })
    expect(expired.status).toBe(401)
    expect(PortalErrorSchema.parse(expired.body).error).toMatchObject({ code: 'ENROLMENT_CODE_INVALID', message: expect.stringMatching(/expiré/) })

    const unknown = await t.api('POST', '/workstations/enrol', { body: { code: 'ABCD-EFGH-JKMN' } })
    expect(unknown.status).toBe(401)
    expect(PortalErrorSchema.parse(unknown.body).error.code).toBe('ENROLMENT_CODE_INVALID')

    const invalid = await t.api('POST', '/workstations/enrol', { body: { code: 'ABCD-EFGH-JKMN', extra: 1 } })
    expect(invalid.status).toBe(400)
    expect(PortalErrorSchema.parse(invalid.body).error.code).toBe('INVALID_REQUEST')

    expect(await digest(t.db)).toEqual(before)
  })

  it('answers 401 to a missing, unknown or revoked token, and the revocation holds for push too', async () => {
    const ws = await enrol(t, 'À révoquer')
    expect((await t.api('GET', '/sync/pull?cursor=0', {})).status).toBe(401)
    expect((await t.api('GET', '/sync/pull?cursor=0', { token: 'x'.repeat(43) })).status).toBe(401)

    const revoked = await t.api<{ workstation: { revokedAt: string | null } }>('POST', `/admin/workstations/${ws.workstationId}/revoke`, { token: admin })
    expect(revoked.status).toBe(200)
    expect(revoked.body.workstation.revokedAt).not.toBeNull()

    const before = await digest(t.db)
    const pull = await t.api('GET', '/sync/pull?cursor=0', { token: ws.token })
    expect(pull.status).toBe(401)
    expect(PortalErrorSchema.parse(pull.body).error.code).toBe('UNAUTHORIZED')
    const push = await t.api('POST', '/sync/push', {
      token: ws.token,
      body: { schemaVersion: 1, commands: [command(1, 'reservations.cancel', { id: '01900000-0000-7000-8000-000000000000' })] },
    })
    expect(push.status).toBe(401)
    expect(await digest(t.db)).toEqual(before)

    expect((await t.api('POST', '/admin/workstations/01900000-0000-7000-8000-000000000000/revoke', { token: admin })).status).toBe(404)
    expect((await t.api('POST', '/admin/workstations/pas-un-uuid/revoke', { token: admin })).status).toBe(400)
  })

  it('lists workstations and creates enrolment codes through the admin API only', async () => {
    const created = await t.api<{ code: string; expiresAt: string }>('POST', '/admin/enrolment-codes', { token: admin, body: { name: 'Guichet 9' } })
    expect(created.status).toBe(201)
    expect(created.body.code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/)
    const hours = (Date.parse(created.body.expiresAt) - Date.now()) / 3600_000
    expect(hours).toBeGreaterThan(23.9)
    expect(hours).toBeLessThanOrEqual(24)

    const ws = await enrol(t, 'Poste')
    // A workstation token is not an admin token.
    expect((await t.api('POST', '/admin/enrolment-codes', { token: ws.token, body: { name: 'x' } })).status).toBe(401)
    expect((await t.api('GET', '/admin/workstations', {})).status).toBe(401)
    const list = await t.api<{ workstations: Array<{ id: string }> }>('GET', '/admin/workstations', { token: admin })
    expect(list.status).toBe(200)
    expect(list.body.workstations.map((w) => w.id)).toContain(ws.workstationId)
  })

  it('admin login: wrong password 401, a non-responsable 403', async () => {
    expect((await t.api('POST', '/admin/login', { body: { login: 'responsable', password: 'faux-mot-de-passe' } })).status).toBe(401)
    expect((await t.api('POST', '/admin/login', { body: { login: 'inconnu', password: 'x' } })).status).toBe(401)
    const accueil = await t.api('POST', '/admin/login', { body: { login: 'accueil', password: 'accueil2026' } })
    expect(accueil.status).toBe(403)
    expect(PortalErrorSchema.parse(accueil.body).error.code).toBe('FORBIDDEN')
    const out = await t.api('POST', '/admin/logout', { token: await adminToken(t) })
    expect(out.status).toBe(200)
  })

  it('checks the schema header: missing or invalid 400, too new 400, older than the minimum 426', async () => {
    const ws = await enrol(t, 'Versions')
    const missing = await t.api('GET', '/sync/pull?cursor=0', { token: ws.token, noSchemaHeader: true })
    expect(missing.status).toBe(400)
    expect((await t.api('GET', '/sync/pull?cursor=0', { token: ws.token, headers: { 'x-guichet-schema': 'abc' } })).status).toBe(400)
    expect((await t.api('GET', '/sync/pull?cursor=0', { token: ws.token, headers: { 'x-guichet-schema': '99' } })).status).toBe(400)

    // A portal that no longer serves schema 1.
    const { app } = buildServer({ db: t.db, snapshots: t.portal.snapshots, changed: () => undefined, now: () => new Date(), minSchemaVersion: 2 })
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/sync/pull?cursor=0',
        headers: { authorization: `Bearer ${ws.token}`, 'x-guichet-schema': '1' },
      })
      expect(res.statusCode).toBe(426)
      expect(PortalErrorSchema.parse(res.json()).error).toMatchObject({ code: 'UPGRADE_REQUIRED', minSchemaVersion: 2 })
      const health = await app.inject({ method: 'GET', url: '/api/v1/health' })
      expect(health.json()).toMatchObject({ status: 'ok', minSchemaVersion: 2 })
    } finally {
      await app.close()
    }
  })
})
