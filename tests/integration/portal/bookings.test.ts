import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema, PushResponseSchema, type EnrolResponse, type PushCommand, type PushResult } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import { FamilyMeSchema, ReservationResponseSchema } from '../../../src/portal/http/schemas'
import { TEST_INSTANT } from '../../helpers/clock'
import { backends } from './backends'
import { adminToken, digest, enrol, setCapacity, startTestPortal, type TestPortal } from './helpers'

/**
 * Bookings under the town's rules on the portal (issue 10, items 7 and 8): every impossible
 * booking of the issue is refused with its reason both when a counter pushes it and when the
 * family books on the portal; deadlines, overrides (agent role, never a family), enrolment,
 * capacity and the waiting list; a family's booking flows down to the counters.
 *
 * Time is fixed: the portal's clock stands at TEST_INSTANT (Monday 16/11/2026 9:00 in Paris) and
 * every pushed command carries its own instant (`at`), a few minutes earlier. There, for the
 * canteen (2 working days before, 10:00): Tuesday 17/11 closed on Friday 13/11 10:00, Monday 7/12
 * is open; the week's cancellation closes the Thursday before.
 */

const NOW = new Date(TEST_INSTANT)
/** The instant of the pushed commands: 5 minutes before the portal's clock. */
const AT = new Date(NOW.getTime() - 5 * 60_000).toISOString()
const SCHOOL_YEAR = '2026-2027'
const OPEN_DAY = '2026-12-07'

interface Kid {
  familyId: string
  childId: string
  code: string
  siteId: string
  level: string
}

describe.each(backends)('bookings under the town’s rules on the portal ($name)', (backend) => {
  let t: TestPortal
  let admin: string
  let ws: EnrolResponse
  let seq = 0
  let agents: { accueil: string; responsable: string }
  const sessions = new Map<string, string>()

  async function push(name: string, payload: Record<string, unknown>, opts: { agentId?: string; at?: string } = {}): Promise<PushResult> {
    const cmd: PushCommand = { seq: ++seq, id: uuidv7(), name, payload, at: opts.at ?? AT, agentId: opts.agentId ?? agents.accueil }
    const res = await t.api('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands: [cmd] } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const [result] = PushResponseSchema.parse(res.body).results
    return result!
  }

  /** The family's session (its temporary password changed), one per family. */
  async function family(kid: Kid): Promise<string> {
    const known = sessions.get(kid.familyId)
    if (known) return known
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    expect(temp.status).toBe(200)
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    expect(login.status).toBe(200)
    const changed = await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Cantine-du-lundi-7' } })
    expect(changed.status).toBe(200)
    sessions.set(kid.familyId, login.body.token)
    return login.body.token
  }

  /** A family books on the portal (the body is the family's: no familyId). */
  async function familyBook(kid: Kid, body: Record<string, unknown>) {
    return t.api('POST', '/family/reservations', { token: await family(kid), body: { id: uuidv7(), childId: kid.childId, ...body } })
  }

  /** Children of the demo town enrolled at the canteen of their school, with their level. */
  async function canteenKids(): Promise<Kid[]> {
    return rows<Kid>(
      t.db,
      sql`SELECT i.family_id AS "familyId", i.child_id AS "childId", f.code, i.site_id AS "siteId", s.level
            FROM inscriptions i JOIN families f ON f.id = i.family_id
            JOIN schoolings s ON s.person_id = i.child_id AND s.school_year = i.school_year AND s.school_id = i.site_id
           WHERE i.unit_id = 'cantine' AND i.school_year = ${SCHOOL_YEAR} AND i.status = 'active'
           ORDER BY i.site_id, i.child_id`,
    )
  }

  let cm2: Kid
  let nursery: string
  let wednesdaySite: string
  let holidaySite: string

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 60, now: () => new Date(NOW) })
    admin = await adminToken(t)
    ws = await enrol(t, 'Guichet règles')
    const ids = await rows<{ login: string; id: string }>(t.db, sql`SELECT login, id FROM agents WHERE login IN ('accueil', 'responsable')`)
    agents = { accueil: ids.find((a) => a.login === 'accueil')!.id, responsable: ids.find((a) => a.login === 'responsable')!.id }
    const kids = await canteenKids()
    const found = kids.find((k) => k.level === 'CM2')
    if (!found) throw new Error('the demo town has no CM2 child at the canteen')
    cm2 = found
    nursery = (await one<{ id: string }>(t.db, sql`SELECT s.id FROM schools s JOIN unit_sites u ON u.site_id = s.id AND u.unit_id = 'cantine' WHERE s.kind = 'maternelle' ORDER BY s.id LIMIT 1`))!.id
    wednesdaySite = (await one<{ id: string }>(t.db, sql`SELECT site_id AS id FROM unit_sites WHERE unit_id = 'alsh_mercredi' AND serves = 'elementaire'`))!.id
    holidaySite = (await one<{ id: string }>(t.db, sql`SELECT site_id AS id FROM unit_sites WHERE unit_id = 'alsh_vacances' AND serves = 'elementaire'`))!.id
  }, 120_000)
  afterAll(async () => {
    await t?.cleanup()
  })

  // Every impossible booking of the issue, and the rules around it: the same refusal, with its
  // French reason, whether a counter pushes it or the family books it on the portal.
  const impossible: Array<{ why: string; code: string; reason: RegExp; slot: () => { unitId: string; siteId: string; date: string } }> = [
    { why: 'a day in the past', code: 'PAST_DAY', reason: /Jour passé : le 12\/11 ne peut plus être réservé/, slot: () => ({ unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-12' }) },
    { why: 'a Saturday lunch', code: 'WEEKEND', reason: /Week-end .*samedi 21\/11/, slot: () => ({ unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-21' }) },
    { why: 'the Wednesday leisure centre on a Friday', code: 'NOT_WEDNESDAY', reason: /Le mercredi seulement .*vendredi 20\/11/, slot: () => ({ unitId: 'alsh_mercredi', siteId: wednesdaySite, date: '2026-11-20' }) },
    { why: 'a CM2 child at a nursery school', code: 'SITE_DOES_NOT_SERVE', reason: /n’accueille que les élèves de cette école/, slot: () => ({ unitId: 'cantine', siteId: nursery, date: OPEN_DAY }) },
    { why: 'Christmas Day at the canteen', code: 'PUBLIC_HOLIDAY', reason: /Noël \(jour férié\).*25\/12/, slot: () => ({ unitId: 'cantine', siteId: cm2.siteId, date: '2026-12-25' }) },
    { why: 'Christmas Day at the holidays leisure centre', code: 'PUBLIC_HOLIDAY', reason: /Noël \(jour férié\).*25\/12/, slot: () => ({ unitId: 'alsh_vacances', siteId: holidaySite, date: '2026-12-25' }) },
    { why: '2099', code: 'NO_CALENDAR', reason: /Aucun calendrier scolaire n’est chargé pour le 12\/03\/2099/, slot: () => ({ unitId: 'cantine', siteId: cm2.siteId, date: '2099-03-12' }) },
    { why: 'a deadline passed', code: 'DEADLINE_PASSED', reason: /Inscriptions closes le vendredi 13\/11 à 10:00/, slot: () => ({ unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-17' }) },
    { why: 'a service the child is not enrolled in', code: 'NOT_ENROLLED', reason: /n’est pas inscrit\(e\) à .* pour 2026-2027/, slot: () => ({ unitId: notEnrolledUnit, siteId: cm2.siteId, date: OPEN_DAY }) },
  ]
  let notEnrolledUnit = 'garderie_matin'

  it('finds a service the CM2 child is not enrolled in', async () => {
    const enrolled = await rows<{ unit_id: string }>(t.db, sql`SELECT unit_id FROM inscriptions WHERE child_id = ${cm2.childId} AND status = 'active'`)
    const free = ['garderie_matin', 'garderie_soir', 'etude'].find((u) => !enrolled.some((e) => e.unit_id === u))
    if (!free) throw new Error('the CM2 child is enrolled everywhere')
    notEnrolledUnit = free
  })

  it.each(impossible)('refuses $why ($code) on a counter’s push and on the family portal', async ({ code, reason, slot }) => {
    await family(cm2)
    const before = await digest(t.db)
    const pushed = await push('reservations.book', { id: uuidv7(), familyId: cm2.familyId, childId: cm2.childId, ...slot() })
    expect(pushed.status).toBe('rejected')
    expect(pushed.code).toBe(code)
    expect(pushed.reason).toMatch(reason)

    const res = await familyBook(cm2, slot())
    expect(res.status, JSON.stringify(res.body)).toBe(409)
    const error = PortalErrorSchema.parse(res.body).error
    expect(error.code).toBe('REJECTED')
    expect(error.message).toMatch(reason)
    // Nothing booked, nothing in the change log (the push only advanced the counter's seq and recorded its result).
    const after = await digest(t.db)
    expect(after.reservations).toBe(before.reservations)
    expect(after.maxSeq).toBe(before.maxSeq)
  })

  it('refuses cancelling a booking from 11 days ago, on a push and on the family portal', async () => {
    const id = uuidv7()
    await putRow(t.db, 'reservations', {
      id,
      family_id: cm2.familyId,
      child_id: cm2.childId,
      unit_id: 'cantine',
      site_id: cm2.siteId,
      date: '2026-11-05',
      state: 'reserve',
      channel: 'guichet',
      agent_id: agents.accueil,
      workstation_id: null,
      created_at: '2026-10-20T08:00:00.000Z',
      updated_at: '2026-10-20T08:00:00.000Z',
      attendance: null,
      absence_certificate_date: null,
      attendance_by: null,
      attendance_at: null,
      override_reason: null,
      cancel_override_reason: null,
      cancelled_at: null,
    })
    const pushed = await push('reservations.cancel', { id })
    expect(pushed.status).toBe('rejected')
    expect(pushed.code).toBe('PAST_DAY')
    expect(pushed.reason).toMatch(/jeudi 5 novembre|05\/11|5\/11/)
    expect(pushed.reason).toMatch(/ce jour est passé, il ne s’annule plus/)
    const res = await t.api('POST', `/family/reservations/${id}/cancel`, { token: await family(cm2) })
    expect(res.status).toBe(409)
    expect(PortalErrorSchema.parse(res.body).error.message).toMatch(/ce jour est passé, il ne s’annule plus/)
    expect((await one<{ state: string }>(t.db, sql`SELECT state FROM reservations WHERE id = ${id}`))?.state).toBe('reserve')
  })

  it('a deadline override: refused from an agent d’accueil, applied and flagged LATE_OVERRIDE from a responsable', async () => {
    const slot = { familyId: cm2.familyId, childId: cm2.childId, unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-17' }
    const override = { reason: 'Reprise du travail de la mère mardi' }
    const byAccueil = await push('reservations.book', { id: uuidv7(), ...slot, override }, { agentId: agents.accueil })
    expect(byAccueil.status).toBe('rejected')
    expect(byAccueil.code).toBe('OVERRIDE_NOT_ALLOWED')
    expect(byAccueil.reason).toMatch(/réservé au rôle responsable/)

    const id = uuidv7()
    const byResponsable = await push('reservations.book', { id, ...slot, override }, { agentId: agents.responsable })
    expect(byResponsable.status, byResponsable.reason).toBe('applied')
    const row = await one<{ state: string; override_reason: string | null; agent_id: string }>(t.db, sql`SELECT state, override_reason, agent_id FROM reservations WHERE id = ${id}`)
    expect(row).toEqual({ state: 'reserve', override_reason: override.reason, agent_id: agents.responsable })
    const flags = await rows<{ code: string; kind: string; reason: string; family_id: string; agent_id: string; status: string }>(
      t.db,
      sql`SELECT code, kind, reason, family_id, agent_id, status FROM flags WHERE command_name = 'reservations.book' AND code = 'LATE_OVERRIDE'`,
    )
    expect(flags).toHaveLength(1)
    expect(flags[0]).toMatchObject({ kind: 'rule', family_id: cm2.familyId, agent_id: agents.responsable, status: 'open' })
    expect(flags[0]!.reason).toMatch(/Réservation hors délai .*Inscriptions closes le vendredi 13\/11 à 10:00.*Motif : Reprise du travail/)
  })

  it('judges a pushed booking’s deadline at the command’s instant, not at the portal’s', async () => {
    // Tuesday 17/11 closed on Friday 13/11 at 10:00; the portal hears of both on Monday 16/11.
    const [early, late] = (await canteenKids()).filter((k) => k.familyId !== cm2.familyId && k.siteId === cm2.siteId)
    if (!early || !late) throw new Error('two more children at the CM2 child’s canteen are needed')
    const slot = { unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-17' }
    const before = await push('reservations.book', { id: uuidv7(), familyId: early.familyId, childId: early.childId, ...slot }, { at: '2026-11-13T08:59:00.000Z' })
    expect(before.status, before.reason).toBe('applied')
    const after = await push('reservations.book', { id: uuidv7(), familyId: late.familyId, childId: late.childId, ...slot }, { at: '2026-11-13T09:00:00.000Z' })
    expect(after.status).toBe('rejected')
    expect(after.code).toBe('DEADLINE_PASSED')
    expect(after.reason).toMatch(/Inscriptions closes le vendredi 13\/11 à 10:00/)
  })

  it('an override sent by a family is a 400 with a French message, and nothing is written', async () => {
    await family(cm2)
    const before = await digest(t.db)
    const res = await familyBook(cm2, { unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-17', override: { reason: 'Nous avons oublié' } })
    expect(res.status).toBe(400)
    const error = PortalErrorSchema.parse(res.body).error
    expect(error.code).toBe('INVALID_REQUEST')
    expect(error.message).toMatch(/« override » : une famille ne peut pas passer outre un délai de réservation/)
    // Even a null or an empty override: the key itself is refused.
    for (const override of [null, {}, { reason: '' }]) {
      expect((await familyBook(cm2, { unitId: 'cantine', siteId: cm2.siteId, date: '2026-11-19', override })).status).toBe(400)
    }
    expect(await digest(t.db)).toEqual(before)
  })

  it('a full day: refused FULL (push and family); with the waiting list, attente in order; the family sees its rank', async () => {
    const kids = (await canteenKids()).filter((k) => k.familyId !== cm2.familyId)
    // Three children of one school, of three families.
    const bySite = new Map<string, Kid[]>()
    for (const k of kids) {
      const list = bySite.get(k.siteId) ?? []
      if (!list.some((x) => x.familyId === k.familyId)) list.push(k)
      bySite.set(k.siteId, list)
    }
    const trio = [...bySite.values()].find((l) => l.length >= 3)
    if (!trio) throw new Error('no school with three families at the canteen')
    const [a, b, c] = trio as [Kid, Kid, Kid]
    const day = '2026-12-10'
    await setCapacity(t.db, 'cantine', a.siteId, day, 1)
    const slot = { unitId: 'cantine', siteId: a.siteId, date: day }

    const first = await push('reservations.book', { id: uuidv7(), familyId: a.familyId, childId: a.childId, ...slot })
    expect(first.status, first.reason).toBe('applied')

    const full = await push('reservations.book', { id: uuidv7(), familyId: b.familyId, childId: b.childId, ...slot })
    expect(full.status).toBe('rejected')
    expect(full.code).toBe('FULL')
    expect(full.reason).toMatch(/Complet : .* le jeudi 10 décembre|Complet : .*10\/12/)
    expect(full.reason).toMatch(/liste d’attente/)
    const fullFamily = await familyBook(c, slot)
    expect(fullFamily.status).toBe(409)
    expect(PortalErrorSchema.parse(fullFamily.body).error.message).toMatch(/^Complet : .*liste d’attente/)

    // The family of b accepted the waiting list at the counter; c asks for it on the portal.
    const waitB = uuidv7()
    const queued = await push('reservations.book', { id: waitB, familyId: b.familyId, childId: b.childId, ...slot, waitlist: true })
    expect(queued.status, queued.reason).toBe('applied')
    const waitC = await familyBook(c, { ...slot, waitlist: true })
    expect(waitC.status, JSON.stringify(waitC.body)).toBe(201)
    const booked = ReservationResponseSchema.parse(waitC.body).reservation
    expect(booked).toMatchObject({ state: 'attente', waitingRank: 2, channel: 'portail', attendance: null })

    const states = await rows<{ child_id: string; state: string }>(t.db, sql`SELECT child_id, state FROM reservations WHERE unit_id = 'cantine' AND site_id = ${a.siteId} AND date = ${day} ORDER BY created_at, id`)
    expect(states.filter((s) => s.state === 'reserve').map((s) => s.child_id)).toEqual([a.childId])
    expect(states.filter((s) => s.state === 'attente').map((s) => s.child_id)).toEqual([b.childId, c.childId])

    // The family's page: the waiting row with its rank.
    const me = FamilyMeSchema.parse((await t.api('GET', '/family/me', { token: await family(c) })).body)
    expect(me.reservations.find((r) => r.id === booked.id)).toMatchObject({ state: 'attente', waitingRank: 2, attendance: null, absenceCertificateDate: null })
    // Asking twice is refused.
    const again = await familyBook(c, { ...slot, waitlist: true })
    expect(again.status).toBe(409)
    expect(PortalErrorSchema.parse(again.body).error.message).toMatch(/déjà sur la liste d’attente/)
  })

  it('a family’s booking flows down to the counters (pull), and its page shows the attendance once entered', async () => {
    const cursor = (await one<{ s: string | number | null }>(t.db, sql`SELECT max(seq) AS s FROM changes`))?.s ?? 0
    const res = await familyBook(cm2, { unitId: 'cantine', siteId: cm2.siteId, date: OPEN_DAY })
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    const booked = ReservationResponseSchema.parse(res.body).reservation
    expect(booked).toMatchObject({ state: 'reserve', channel: 'portail', waitingRank: null })
    const pulled = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${Number(cursor)}`, { token: ws.token })).body)
    const change = pulled.changes.find((c) => c.entity === 'reservations' && c.id === booked.id)
    expect(change?.row).toMatchObject({ state: 'reserve', channel: 'portail', date: OPEN_DAY, child_id: cm2.childId, agent_id: null })

    // The site agent enters an absence justified by a certificate (a counter's pointage, pushed).
    const attended = await push(
      'reservations.attend',
      { id: booked.id, familyId: cm2.familyId, childId: cm2.childId, unitId: 'cantine', siteId: cm2.siteId, date: OPEN_DAY, attendance: 'absent_justifie', certificateDate: OPEN_DAY },
      { at: new Date(Date.parse(AT) + 60_000).toISOString() },
    )
    expect(attended.status).toBe('applied')
    const me = FamilyMeSchema.parse((await t.api('GET', '/family/me', { token: await family(cm2) })).body)
    expect(me.reservations.find((r) => r.id === booked.id)).toMatchObject({ state: 'reserve', attendance: 'absent_justifie', absenceCertificateDate: OPEN_DAY })
  })

  it('the OpenAPI document lists the waiting list and the new fields, and no override for a family', async () => {
    const doc = (await t.api<Record<string, unknown>>('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>
    }
    const book = doc.paths['/api/v1/family/reservations']!.post!
    const props = book.requestBody!.content['application/json']!.schema.properties
    expect(props.waitlist).toEqual({ type: 'boolean' })
    expect(props.override).toEqual({ not: {} })
    const answer = JSON.stringify(book.responses['201']!.content!['application/json']!.schema)
    for (const word of ['waitingRank', 'attendance', 'absenceCertificateDate', 'attente', 'sans_reservation', 'absent_justifie']) expect(answer).toContain(word)
  })
})
