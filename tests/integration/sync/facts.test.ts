import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FlagView, RejectionView } from '@shared/contract'
import { SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { rows } from '../../../src/portal/db/client'
import { toE164 } from '@shared/validation/phone'
import { setFamilyPassword } from '../../../src/portal/services/families'
import { listFlags, listRejections } from '../../../src/main/core/sync/rejections'
import {
  countRows,
  expectOk,
  openWorkstation,
  sharedTables,
  startTestPortal,
  type Portal,
  type TestWorkstation,
} from './harness'
import { enrolledChildren } from '../../helpers/bookings'

/**
 * Intents and facts end to end (ARCHITECTURE.md "Intents and facts"), on the real portal
 * (PGlite, or PostgreSQL when DATABASE_URL is set; `npm test` runs both):
 * - a fact: a contact change made at the counter while the family changed the same field on
 *   its portal page: both stay in the history, the counter's change (committed last on the
 *   portal) wins, the conflict is flagged on both sides, nothing is undone at the counter,
 *   and a responsable resolves it with a note that reaches the portal and every workstation;
 * - an intent: a booking the portal refuses is undone at the counter and listed.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 20, seed: 23 })
  ;[a, b] = await Promise.all([openWorkstation(portal, { name: 'Guichet A' }), openWorkstation(portal, { name: 'Guichet B' })])
})

afterAll(async () => {
  for (const ws of [a, b]) await ws?.cleanup()
  await portal?.cleanup()
})

async function familyApi<T = Record<string, unknown>>(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${portal.url}/api/v1${path}`, {
    method,
    headers: {
      [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  return { status: res.status, body: (await res.json()) as T }
}

/** A family session on the portal (temporary password, then its own). */
async function familySession(code: string): Promise<string> {
  const temp = await setFamilyPassword(portal.db, code)
  const login = await familyApi<{ token: string }>('POST', '/family/login', null, { code, password: temp.password })
  expect(login.status).toBe(200)
  const changed = await familyApi('POST', '/family/password', login.body.token, { currentPassword: temp.password, newPassword: 'Famille-secret-2027' })
  expect(changed.status).toBe(200)
  return login.body.token
}

function agentId(ws: TestWorkstation, login: string): string {
  return (ws.core.sqlite.prepare('SELECT id FROM agents WHERE login = ?').get(login) as { id: string }).id
}

function asAgent(ws: TestWorkstation, login: string): void {
  ws.session.agentId = agentId(ws, login)
  ws.session.lastActivity = Date.now()
}

interface History {
  field: string
  old_value: string | null
  new_value: string | null
  channel: string
  agent_id: string | null
  workstation_id: string | null
  command_id: string
}

const HISTORY = `SELECT field, old_value, new_value, channel, agent_id, workstation_id, command_id FROM field_history
                 WHERE entity = 'persons' AND entity_id = ? ORDER BY at, id`

describe('a fact: a contact change at the counter while the family changed the same field on the portal', () => {
  it('keeps both in the history, flags the conflict on both sides, undoes nothing, and a responsable resolves it', async () => {
    const guardian = a.core.sqlite
      .prepare(
        `SELECT m.family_id AS familyId, m.person_id AS personId, f.code, p.phone_mobile AS mobile, p.phone_home AS home,
                p.phone_work AS work, p.email
         FROM family_members m JOIN families f ON f.id = m.family_id JOIN persons p ON p.id = m.person_id
         WHERE m.role = 'RL1' ORDER BY f.code LIMIT 1`,
      )
      .get() as { familyId: string; personId: string; code: string; mobile: string | null; home: string | null; work: string | null; email: string | null }
    const original = guardian.mobile
    const token = await familySession(guardian.code)

    // The counter is offline; the agent changes the mobile number (saved at once, queued).
    a.faults.offline = true
    asAgent(a, 'accueil')
    const counterValue = '06 11 11 11 11'
    expectOk(
      await a.call('families', 'updateContacts', {
        familyId: guardian.familyId,
        personId: guardian.personId,
        phoneMobile: counterValue,
        phoneHome: guardian.home,
        phoneWork: guardian.work,
        email: guardian.email,
      }),
    )
    expect(await a.sync()).toMatchObject({ state: 'offline', pending: 1 })
    const commandId = (a.core.sqlite.prepare(`SELECT command_id AS id FROM outbox WHERE name = 'families.updateContacts'`).get() as { id: string }).id

    // Meanwhile the family changes the same field (and its e-mail) on its portal page.
    const familyValue = '07 22 22 22 22'
    const portalChange = await familyApi('PUT', '/family/contacts', token, {
      personId: guardian.personId,
      phoneMobile: familyValue,
      phoneHome: guardian.home,
      phoneWork: guardian.work,
      email: 'famille.portail@example.fr',
    })
    expect(portalChange.status).toBe(200)

    // The counter comes back: the fact is recorded (not rejected) and flagged, nothing is undone.
    a.faults.offline = false
    const status = await a.sync()
    expect(status).toMatchObject({ pending: 0, lastError: null, rejected: 1 }) // 1 open flag "à traiter"
    const outbox = a.core.sqlite.prepare(`SELECT status, rejection_code AS code FROM outbox WHERE command_id = ?`).get(commandId)
    expect(outbox).toEqual({ status: 'flagged', code: 'CONCURRENT_CHANGE' })
    expect(listRejections(a.core.sqlite)).toEqual([])
    const person = () =>
      a.core.sqlite.prepare('SELECT phone_mobile AS mobile, email FROM persons WHERE id = ?').get(guardian.personId) as { mobile: string; email: string }
    // The counter's value stays (it committed last on the portal); the family's other change came down.
    expect(person()).toEqual({ mobile: toE164(counterValue), email: 'famille.portail@example.fr' })

    // The portal: the counter's value won, both changes are in the history, one open conflict flag.
    const [onPortal] = await rows<{ phone_mobile: string; email: string }>(portal.db, sql`SELECT phone_mobile, email FROM persons WHERE id = ${guardian.personId}`)
    expect(onPortal).toEqual({ phone_mobile: toE164(counterValue), email: 'famille.portail@example.fr' })
    const portalHistory = await rows<History>(
      portal.db,
      sql`SELECT field, old_value, new_value, channel, agent_id, workstation_id, command_id FROM field_history
          WHERE entity = 'persons' AND entity_id = ${guardian.personId} ORDER BY at, id`,
    )
    // (Each side dates a change with its own clock: the order that matters is the portal's commit order.)
    const mobileHistory = portalHistory.filter((h) => h.field === 'phone_mobile').sort((x, y) => y.channel.localeCompare(x.channel))
    expect(mobileHistory).toEqual([
      { field: 'phone_mobile', old_value: original, new_value: toE164(familyValue), channel: 'portail', agent_id: null, workstation_id: null, command_id: expect.any(String) },
      {
        field: 'phone_mobile',
        old_value: toE164(familyValue),
        new_value: toE164(counterValue),
        channel: 'guichet',
        agent_id: agentId(a, 'accueil'),
        workstation_id: a.core.settings().workstationId,
        command_id: commandId,
      },
    ])
    expect(portalHistory.filter((h) => h.field === 'email')).toHaveLength(1) // only the family changed it: no conflict
    const portalFlags = await rows<{ id: string; kind: string; code: string; status: string; command_id: string; family_id: string }>(
      portal.db,
      sql`SELECT id, kind, code, status, command_id, family_id FROM flags`,
    )
    expect(portalFlags).toEqual([{ id: expect.any(String), kind: 'conflict', code: 'CONCURRENT_CHANGE', status: 'open', command_id: commandId, family_id: guardian.familyId }])

    // The counter holds the same history (pulled: the portal's rows replace its own) and lists the conflict.
    expect(a.core.sqlite.prepare(HISTORY).all(guardian.personId)).toEqual(portalHistory)
    const flagsA = listFlags(a.core.sqlite)
    expect(flagsA).toHaveLength(1)
    expect(flagsA[0]).toMatchObject<Partial<FlagView>>({
      id: portalFlags[0]!.id,
      kind: 'conflict',
      code: 'CONCURRENT_CHANGE',
      status: 'open',
      familyId: guardian.familyId,
      agentName: 'Camille Martin',
      pending: false,
    })
    expect(flagsA[0]!.reason).toMatch(/modifiées en même temps au guichet et sur le portail/)
    expect(flagsA[0]!.reason).toContain(familyValue)
    expect(flagsA[0]!.reason).toContain(counterValue)
    expectOk(await a.call('sync', 'flags', {}))

    // Another workstation sees it too.
    await b.sync()
    expect(listFlags(b.core.sqlite).map((f) => [f.id, f.status])).toEqual([[portalFlags[0]!.id, 'open']])
    expect(b.engine.status().rejected).toBe(1)

    // Only a responsable resolves it (an accueil agent is refused, journaled).
    const flagId = portalFlags[0]!.id
    const refused = await a.call('sync', 'resolveFlag', { flagId, note: 'Vu avec la famille' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    asAgent(a, 'responsable')
    expect(await a.call('sync', 'resolveFlag', { flagId, note: 'x' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const resolved = expectOk(await a.call<{ items: FlagView[] }>('sync', 'resolveFlag', { flagId, note: 'Numéro du guichet confirmé par téléphone avec la famille.' }))
    expect(resolved.items[0]).toMatchObject({ status: 'resolved', resolutionNote: 'Numéro du guichet confirmé par téléphone avec la famille.', pending: true })
    expect(
      countRows(a.core.sqlite, `SELECT count(*) AS n FROM journal WHERE action = 'sync.resolveFlag' AND entity = 'flag' AND entity_id = ? AND outcome = 'ok'`, flagId),
    ).toBe(1)
    // Resolving a flag that is no longer open: not found.
    expect(await a.call('sync', 'resolveFlag', { flagId, note: 'encore' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })

    await a.sync()
    const [settled] = await rows<{ status: string; resolved_by: string; resolution_note: string }>(
      portal.db,
      sql`SELECT status, resolved_by, resolution_note FROM flags WHERE id = ${flagId}`,
    )
    expect(settled).toEqual({ status: 'resolved', resolved_by: agentId(a, 'responsable'), resolution_note: 'Numéro du guichet confirmé par téléphone avec la famille.' })
    // The resolution is itself a fact, recorded without a flag (its author is a responsable).
    expect(a.core.sqlite.prepare(`SELECT status FROM outbox WHERE name = 'flags.resolve'`).get()).toEqual({ status: 'applied' })
    expect(a.engine.status().rejected).toBe(0)
    await b.sync()
    expect(listFlags(b.core.sqlite)[0]).toMatchObject({ status: 'resolved', resolvedByName: 'Hélène Dubois-Lefort' })
    expect(b.engine.status().rejected).toBe(0)

    // Everybody holds the portal's data.
    expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(b.core.sqlite))
  })
})

describe('an intent: a booking the portal refuses', () => {
  it('is undone at the counter and listed, and is not a flag', async () => {
    asAgent(a, 'accueil')
    // A child enrolled at the canteen of its school, a school day open at the test instant (issue 10).
    const { siteId, ...kid } = enrolledChildren(a.core.sqlite)[3]!
    const date = '2027-06-03'
    const code = (a.core.sqlite.prepare('SELECT code FROM families WHERE id = ?').get(kid.familyId) as { code: string }).code
    const token = await familySession(code)

    a.faults.offline = true
    expectOk(await a.call('reservations', 'book', { ...kid, unitId: 'cantine', siteId, date }))
    const mine = (a.core.sqlite.prepare(`SELECT id FROM reservations WHERE child_id = ? AND date = ?`).get(kid.childId, date) as { id: string }).id
    // The family books the same child, service and day on its portal page first.
    const booked = await familyApi<{ reservation: { id: string } }>('POST', '/family/reservations', token, {
      id: '0193a1f0-0000-7000-8000-000000000001',
      childId: kid.childId,
      unitId: 'cantine',
      siteId,
      date,
    })
    expect(booked.status).toBe(201)

    const toHandle = a.engine.status().rejected
    a.faults.offline = false
    expect(await a.sync()).toMatchObject({ pending: 0, rejected: toHandle + 1, lastError: null })
    const items = listRejections(a.core.sqlite)
    expect(items).toHaveLength(1)
    expect(items[0]).toMatchObject<Partial<RejectionView>>({ name: 'reservations.book', code: 'ALREADY_BOOKED', familyId: kid.familyId, resolution: null })
    expect(items[0]!.reason).toMatch(/déjà inscrit/)
    // Undone: the counter's booking is gone; the family's came down instead.
    expect(a.core.sqlite.prepare('SELECT id FROM reservations WHERE id = ?').get(mine)).toBeUndefined()
    expect(a.core.sqlite.prepare(`SELECT id, channel FROM reservations WHERE child_id = ? AND date = ?`).all(kid.childId, date)).toEqual([
      { id: '0193a1f0-0000-7000-8000-000000000001', channel: 'portail' },
    ])
    expect(a.core.sqlite.prepare(`SELECT status FROM outbox WHERE json_extract(payload, '$.id') = ?`).get(mine)).toEqual({ status: 'rejected' })
    // An intent never raises a flag.
    expect(listFlags(a.core.sqlite).filter((f) => f.status === 'open')).toEqual([])
  })
})
