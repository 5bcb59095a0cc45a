import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema, type EnrolResponse } from '@shared/sync/protocol'
import { verifyPassword } from '../../../src/common/passwords'
import { one } from '../../../src/portal/db/client'
import { FamilyMeSchema } from '../../../src/portal/http/schemas'
import { PASSWORD_ALPHABET } from '../../../src/portal/secrets'
import { backends } from './backends'
import { enrolledKids, enrolOnPortal, siteServing } from '../../helpers/bookings'
import { testClock } from '../../helpers/clock'
import { adminToken, digest, enrol, guardianOf, maxSeq, setCapacity, startTestPortal, type Kid, type TestPortal } from './helpers'

describe.each(backends)('portal family side and administration ($name)', (backend) => {
  let t: TestPortal
  /** The portal's clock (starts at TEST_INSTANT, advances with real time). */
  const clock = testClock()
  let admin: string
  let ws: EnrolResponse
  /** Children enrolled at the canteen of their school (issue 10: the service, the site, the inscription, a school day). */
  let town: Array<Kid & { siteId: string }>

  /** The changes a workstation pulls after `cursor`. */
  const pulled = async (cursor: number) => PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body).changes

  async function familySession(kid: Kid, newPassword = 'Nouveau-mot2passe'): Promise<string> {
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    expect(temp.status).toBe(200)
    const login = await t.api<{ token: string; mustChangePassword: boolean }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    expect(login.body.mustChangePassword).toBe(true)
    const changed = await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword } })
    expect(changed.status).toBe(200)
    return login.body.token
  }

  beforeAll(async () => {
    // The family's own bookings are judged at the portal's instant: TEST_INSTANT, never today's date.
    t = await startTestPortal(backend, { families: 10, now: clock })
    admin = await adminToken(t)
    ws = await enrol(t)
    town = await enrolledKids(t.db)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('a temporary password: 10 characters without look-alikes, must be changed before anything else', async () => {
    const kid = town[0]!
    const res = await t.api<{ code: string; password: string; mustChangePassword: boolean; expiresAt: string }>('POST', `/admin/families/${kid.code.toLowerCase()}/password`, {
      token: admin,
    })
    expect(res.status).toBe(200)
    expect(res.body.code).toBe(kid.code)
    expect(res.body.password).toHaveLength(10)
    expect([...res.body.password].every((c) => PASSWORD_ALPHABET.includes(c))).toBe(true)
    expect(res.body.password).not.toMatch(/[0O1lI]/)
    const days = (Date.parse(res.body.expiresAt) - clock().getTime()) / 86_400_000
    expect(days).toBeGreaterThan(29.9)
    expect(days).toBeLessThanOrEqual(30)

    expect((await t.api('POST', '/family/login', { body: { code: kid.code, password: 'mauvais-mot' } })).status).toBe(401)
    const login = await t.api<{ token: string; mustChangePassword: boolean }>('POST', '/family/login', { body: { code: ` ${kid.code.toLowerCase()} `, password: res.body.password } })
    expect(login.status).toBe(200)
    expect(login.body.mustChangePassword).toBe(true)
    const token = login.body.token

    const blocked = await t.api('GET', '/family/me', { token })
    expect(blocked.status).toBe(403)
    expect(PortalErrorSchema.parse(blocked.body).error.code).toBe('FORBIDDEN')

    expect((await t.api('POST', '/family/password', { token, body: { currentPassword: 'faux', newPassword: 'Abcdefgh12345' } })).status).toBe(401)
    expect((await t.api('POST', '/family/password', { token, body: { currentPassword: res.body.password, newPassword: 'court1' } })).status).toBe(400)
    expect((await t.api('POST', '/family/password', { token, body: { currentPassword: res.body.password, newPassword: 'Mon-nouveau-secret-7' } })).status).toBe(200)

    const me = await t.api('GET', '/family/me', { token })
    expect(me.status).toBe(200)
    const page = FamilyMeSchema.parse(me.body)
    expect(page.family.code).toBe(kid.code)
    expect(page.children.map((c) => c.personId)).toContain(kid.childId)
    expect(page.members.some((m) => m.role === 'RL1')).toBe(true)
    expect(page.units.length).toBeGreaterThan(0)

    expect((await t.api('POST', '/family/login', { body: { code: kid.code, password: res.body.password } })).status).toBe(401)
    const again = await t.api<{ mustChangePassword: boolean }>('POST', '/family/login', { body: { code: kid.code, password: 'Mon-nouveau-secret-7' } })
    expect(again.body.mustChangePassword).toBe(false)

    // A new password at the counter ends every session opened with the old one.
    await t.api('POST', `/admin/families/${kid.code}/password`, { token: admin })
    expect((await t.api('GET', '/family/me', { token })).status).toBe(401)
  })

  it('refuses an expired temporary password, an unknown code, and slows down repeated failures', async () => {
    const kid = town[1]!
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    const yesterday = new Date(clock().getTime() - 86_400_000).toISOString()
    await t.db.execute(sql`UPDATE family_accounts SET expires_at = ${yesterday} WHERE family_id = ${kid.familyId}`)
    const expired = await t.api('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    expect(expired.status).toBe(401)
    expect(PortalErrorSchema.parse(expired.body).error.message).toMatch(/expiré/)
    expect((await t.api('POST', `/admin/families/999999Z/password`, { token: admin })).status).toBe(404)
    expect((await t.api('POST', '/family/login', { body: { code: '100001A', password: 'x' } })).status).toBe(401)

    const other = town[2]!
    const fresh = await t.api<{ password: string }>('POST', `/admin/families/${other.code}/password`, { token: admin })
    for (let i = 0; i < 4; i++) await t.api('POST', '/family/login', { body: { code: other.code, password: 'mauvais' } })
    const throttled = await t.api('POST', '/family/login', { body: { code: other.code, password: fresh.body.password } })
    expect(throttled.status).toBe(401)
    expect(PortalErrorSchema.parse(throttled.body).error.message).toMatch(/Trop d’essais/)
  })

  it('books, cancels and changes contacts; every change flows down to the workstations', async () => {
    const kid = town[3]!
    const token = await familySession(kid)
    const cursor = await maxSeq(t.db)

    const bookingId = uuidv7()
    const booked = await t.api<{ reservation: { id: string; state: string; channel: string } }>('POST', '/family/reservations', {
      token,
      body: { id: bookingId, childId: kid.childId, unitId: 'cantine', siteId: kid.siteId, date: '2026-12-17' },
    })
    expect(booked.status).toBe(201)
    expect(booked.body.reservation).toMatchObject({ id: bookingId, state: 'reserve', channel: 'portail' })

    const twice = await t.api('POST', '/family/reservations', {
      token,
      body: { id: uuidv7(), childId: kid.childId, unitId: 'cantine', siteId: kid.siteId, date: '2026-12-17' },
    })
    expect(twice.status).toBe(409)
    expect(PortalErrorSchema.parse(twice.body).error).toMatchObject({ code: 'REJECTED', message: expect.stringMatching(/déjà inscrit/) })

    const cancelled = await t.api<{ reservation: { state: string } }>('POST', `/family/reservations/${bookingId}/cancel`, { token })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.reservation.state).toBe('annule')
    const again = await t.api('POST', `/family/reservations/${bookingId}/cancel`, { token })
    expect(again.status).toBe(409)

    const guardian = await guardianOf(t.db, kid.familyId)
    const contacts = await t.api<{ person: { phoneMobile: string; email: string } }>('PUT', '/family/contacts', {
      token,
      body: { personId: guardian, phoneMobile: '07 70 70 70 70', phoneHome: null, phoneWork: null, email: 'famille@example.fr' },
    })
    expect(contacts.status).toBe(200)
    // Stored in E.164 whatever way it was typed (libphonenumber-js); the counter shows it the French way.
    expect(contacts.body.person).toMatchObject({ phoneMobile: '+33770707070', email: 'famille@example.fr' })

    // A family cannot say it paid: only the provider's signed notification records money
    // (tests/integration/portal/payments.test.ts).
    const asserted = await t.api('POST', '/family/payments', { token, body: { transactionId: 'CB-2026-0001', amountCents: 4550 } })
    expect(asserted.status).toBe(404)

    const all = await pulled(cursor)
    // The contact change is a fact: one history row per changed field (channel portail, no agent).
    const history = all.filter((c) => c.entity === 'field_history')
    expect(history.length).toBeGreaterThanOrEqual(2)
    expect(history.map((c) => c.row)).toContainEqual(
      expect.objectContaining({ entity: 'persons', entity_id: guardian, field: 'phone_mobile', new_value: '+33770707070', channel: 'portail', agent_id: null, workstation_id: null }),
    )
    const changes = all.filter((c) => c.entity !== 'field_history')
    expect(changes.map((c) => [c.entity, c.op])).toEqual([
      ['reservations', 'put'],
      ['reservations', 'put'],
      ['persons', 'put'],
    ])
    expect(changes[0]!.row).toMatchObject({ id: bookingId, channel: 'portail', state: 'reserve', agent_id: null, workstation_id: null })
    expect(changes[1]!.row).toMatchObject({ id: bookingId, state: 'annule' })
    expect(changes[2]!.row).toMatchObject({ id: guardian, phone_mobile: '+33770707070', email: 'famille@example.fr' })

    const page = FamilyMeSchema.parse((await t.api('GET', '/family/me', { token })).body)
    expect(page.reservations.map((r) => [r.id, r.state])).toEqual([[bookingId, 'annule']])
    expect(page.payments).toHaveLength(0)
  })

  it('keeps a family to its own records, and refuses a full day with the reason', async () => {
    const kid = town[4]!
    const stranger = town[5]!
    const token = await familySession(kid)
    const before = await digest(t.db)
    const cases: Array<[string, () => ReturnType<TestPortal['api']>, number]> = [
      ['another family’s child', () => t.api('POST', '/family/reservations', { token, body: { id: uuidv7(), childId: stranger.childId, unitId: 'cantine', siteId: stranger.siteId, date: '2026-12-18' } }), 409],
      ['another family’s person', async () => t.api('PUT', '/family/contacts', { token, body: { personId: await guardianOf(t.db, stranger.familyId), phoneMobile: null, phoneHome: null, phoneWork: null, email: null } }), 404],
      ['an unknown reservation', () => t.api('POST', `/family/reservations/${uuidv7()}/cancel`, { token }), 404],
      ['a bad phone number', () => t.api('PUT', '/family/contacts', { token, body: { personId: kid.childId, phoneMobile: 'appelez-moi', phoneHome: null, phoneWork: null, email: null } }), 400],
      ['a bad date', () => t.api('POST', '/family/reservations', { token, body: { id: uuidv7(), childId: kid.childId, unitId: 'cantine', siteId: kid.siteId, date: '18/12/2026' } }), 400],
      ['a negative amount', () => t.api('POST', '/family/payment-orders', { token, body: { amountCents: -5 } }), 400],
      ['a float amount', () => t.api('POST', '/family/payment-orders', { token, body: { amountCents: 10.5 } }), 400],
      ['a payment it asserts', () => t.api('POST', '/family/payments', { token, body: { transactionId: 'CB-9', amountCents: 1000 } }), 404],
      ['no session', () => t.api('GET', '/family/me', {}), 401],
      ['an admin token', () => t.api('GET', '/family/me', { token: admin }), 401],
      ['a workstation token', () => t.api('GET', '/family/me', { token: ws.token }), 401],
    ]
    for (const [why, run, status] of cases) {
      const res = await run()
      expect(res.status, why).toBe(status)
      expect(PortalErrorSchema.safeParse(res.body).success, why).toBe(true)
    }
    expect(await digest(t.db)).toEqual(before)

    // Someone else's reservation cannot be cancelled: 404, it stays booked.
    const strangerToken = await familySession(stranger)
    const theirs = uuidv7()
    expect((await t.api('POST', '/family/reservations', { token: strangerToken, body: { id: theirs, childId: stranger.childId, unitId: 'cantine', siteId: stranger.siteId, date: '2026-12-18' } })).status).toBe(201)
    expect((await t.api('POST', `/family/reservations/${theirs}/cancel`, { token })).status).toBe(404)

    // A Wednesday of term (16/12) at the leisure centre of the child's level group, where the child is enrolled.
    const centre = await siteServing(t.db, 'alsh_mercredi', kid.childId)
    await enrolOnPortal(t.db, kid, 'alsh_mercredi', centre)
    await setCapacity(t.db, 'alsh_mercredi', centre, '2026-12-16', 0)
    const full = await t.api('POST', '/family/reservations', { token, body: { id: uuidv7(), childId: kid.childId, unitId: 'alsh_mercredi', siteId: centre, date: '2026-12-16' } })
    expect(full.status).toBe(409)
    expect(PortalErrorSchema.parse(full.body).error.message).toMatch(/^Complet/)
  })

  it('manages agents: created, changed and disabled through the change log, with the workstation’s hash format', async () => {
    const cursor = await maxSeq(t.db)
    const created = await t.api<{ agent: { id: string; login: string; active: boolean; initials: string }; password: string }>('POST', '/admin/agents', {
      token: admin,
      body: { login: 'Nadia.Benali', displayName: 'Nadia Benali', role: 'accueil' },
    })
    expect(created.status).toBe(201)
    expect(created.body.agent).toMatchObject({ login: 'nadia.benali', active: true, initials: 'NB' })
    expect(created.body.password).toHaveLength(10)
    const id = created.body.agent.id

    expect((await t.api('POST', '/admin/agents', { token: admin, body: { login: 'nadia.benali', displayName: 'Autre', role: 'accueil' } })).status).toBe(409)
    expect((await t.api('POST', '/admin/agents', { token: admin, body: { login: 'x y', displayName: 'Autre', role: 'chef' } })).status).toBe(400)

    const renamed = await t.api('PATCH', `/admin/agents/${id}`, { token: admin, body: { displayName: 'Nadia Benali-Roux', password: 'un-long-secret' } })
    expect(renamed.status).toBe(200)
    const disabled = await t.api<{ agent: { active: boolean } }>('PATCH', `/admin/agents/${id}`, { token: admin, body: { active: false } })
    expect(disabled.body.agent.active).toBe(false)

    const changes = (await pulled(cursor)).filter((c) => c.entity === 'agents' && c.id === id)
    expect(changes.map((c) => c.row?.active)).toEqual([true, true, false])
    const last = changes.at(-1)!.row!
    expect(last).toMatchObject({ login: 'nadia.benali', display_name: 'Nadia Benali-Roux', initials: 'NBR', role: 'accueil' })
    expect(await verifyPassword('un-long-secret', String(last.password_hash))).toBe(true)
    expect(String(last.password_hash)).toMatch(/^scrypt\$32768\$8\$3\$/)

    const list = await t.api<{ agents: Array<Record<string, unknown>> }>('GET', '/admin/agents', { token: admin })
    expect(list.body.agents.map((a) => a.login)).toContain('nadia.benali')
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt/)

    const before = await digest(t.db)
    expect((await t.api('PATCH', `/admin/agents/${id}`, { token: admin, body: {} })).status).toBe(400)
    expect((await t.api('PATCH', `/admin/agents/${id}`, { token: admin, body: { active: 'non' } })).status).toBe(400)
    expect((await t.api('PATCH', `/admin/agents/${uuidv7()}`, { token: admin, body: { active: false } })).status).toBe(404)
    const me = await one<{ id: string }>(t.db, sql`SELECT id FROM agents WHERE login = 'responsable'`)
    const self = await t.api('PATCH', `/admin/agents/${me!.id}`, { token: admin, body: { active: false } })
    expect(self.status).toBe(409)
    expect(await digest(t.db)).toEqual(before)
  })

  it('a disabled responsable’s admin session ends at once', async () => {
    const boss = await t.api<{ agent: { id: string } }>('POST', '/admin/agents', {
      token: admin,
      body: { login: 'chef2', displayName: 'Second Responsable', role: 'responsable', password: 'secret-du-chef' },
    })
    const session = await t.api<{ token: string }>('POST', '/admin/login', { body: { login: 'chef2', password: 'secret-du-chef' } })
    expect((await t.api('GET', '/admin/agents', { token: session.body.token })).status).toBe(200)
    await t.api('PATCH', `/admin/agents/${boss.body.agent.id}`, { token: admin, body: { active: false } })
    expect((await t.api('GET', '/admin/agents', { token: session.body.token })).status).toBe(401)
    expect((await t.api('POST', '/admin/login', { body: { login: 'chef2', password: 'secret-du-chef' } })).status).toBe(403)
  })
})
