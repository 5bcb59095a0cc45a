import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import type { PushResult } from '@shared/sync/protocol'
import { enrolForBooking } from '../../helpers/bookings'
import { testClock } from '../../helpers/clock'
import { AGENTS, addAgents, addFamily, count, makeCore } from '../../helpers/core'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { applyPushResults } from '../../../src/main/core/sync/push'
import { countUnresolvedRejections, listFlags } from '../../../src/main/core/sync/rejections'
import { SqliteEntityStore } from '../../../src/main/core/sync/store'
import { runCommand } from '@shared/commands'

/**
 * Facts at the counter: a contact change writes its field history and carries the values the
 * counter held; the portal's answers never undo a fact (flagged or even rejected); a responsable
 * resolves a flag with a note, journaled and queued for the portal.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let agents: ReturnType<typeof addAgents>
let familyId: string
let personId: string

beforeEach(async () => {
  // At TEST_INSTANT: a booking's deadline is judged at the core's instant, never today's date.
  core = await makeCore({ now: testClock() })
  agents = addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre', phoneMobile: '06 12 34 56 78', email: 'marie@example.fr' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', level: 'CP' },
    ],
  })
  personId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE role = 'RL1'`).pluck().get() as string
})
afterEach(() => core.cleanup())

const outboxRows = () =>
  core.sqlite.prepare('SELECT seq, command_id AS commandId, name, payload, status FROM outbox ORDER BY seq').all() as Array<{
    seq: number
    commandId: string
    name: string
    payload: string
    status: string
  }>

describe('a contact change at the counter (a fact)', () => {
  it('writes one history row per changed field, and queues the values the counter held', async () => {
    const r = await core.call(session, 'families', 'updateContacts', {
      familyId,
      personId,
      phoneMobile: '07 11 22 33 44',
      phoneHome: null,
      phoneWork: null,
      email: 'marie@example.fr',
    })
    expect(r.ok).toBe(true)
    const [queued] = outboxRows()
    expect(JSON.parse(queued!.payload)).toEqual({
      familyId,
      personId,
      phoneMobile: '+33711223344',
      phoneHome: null,
      phoneWork: null,
      email: 'marie@example.fr',
      before: { phoneMobile: '06 12 34 56 78', phoneHome: null, phoneWork: null, email: 'marie@example.fr' },
    })
    const history = core.sqlite.prepare('SELECT * FROM field_history').all()
    expect(history).toEqual([
      {
        id: expect.any(String),
        entity: 'persons',
        entity_id: personId,
        field: 'phone_mobile',
        old_value: '06 12 34 56 78',
        new_value: '+33711223344',
        agent_id: agents.accueil.id,
        workstation_id: core.settings().workstationId,
        channel: 'guichet',
        at: expect.any(String),
        command_id: queued!.commandId,
      },
    ])
    // The flags are the portal's to raise: none here.
    expect(count(core.sqlite, 'flags')).toBe(0)
  })

  it('changes only the fields the agent edited, from the values the screen showed', async () => {
    // The screen opened before a pull brought a new mobile number; the agent only changed the e-mail.
    const shown = { phoneMobile: '06 00 00 00 00', phoneHome: null, phoneWork: null, email: 'marie@example.fr' }
    const r = await core.call(session, 'families', 'updateContacts', { familyId, personId, ...shown, email: 'marie.l@example.fr', before: shown })
    expect(r.ok).toBe(true)
    expect(core.sqlite.prepare('SELECT phone_mobile AS mobile, email FROM persons WHERE id = ?').get(personId)).toEqual({
      mobile: '06 12 34 56 78',
      email: 'marie.l@example.fr',
    })
    expect(core.sqlite.prepare('SELECT field FROM field_history').pluck().all()).toEqual(['email'])
    expect(JSON.parse(outboxRows()[0]!.payload).before).toEqual(shown)
  })

  it('is never undone: a flagged answer marks it flagged, even a rejection applies no truth over it', async () => {
    await core.call(session, 'families', 'updateContacts', { familyId, personId, phoneMobile: '07 11 22 33 44', phoneHome: null, phoneWork: null, email: null })
    await core.call(session, 'families', 'updateContacts', { familyId, personId, phoneMobile: '07 55 55 55 55', phoneHome: null, phoneWork: null, email: null })
    const [first, second] = outboxRows()
    const truth = [{ seq: 1, entity: 'persons' as const, id: personId, op: 'put' as const, row: { id: personId, first_names: 'Marie', last_name: 'Lefèvre', phone_mobile: '00 00 00 00 00', created_at: 'x', updated_at: 'x' } }]
    const results: PushResult[] = [
      { seq: first!.seq, id: first!.commandId, status: 'applied', flags: [{ id: uuidv7(), kind: 'conflict', code: 'CONCURRENT_CHANGE', reason: 'Modifiées en même temps.' }] },
      { seq: second!.seq, id: second!.commandId, status: 'rejected', code: 'INVALID_PAYLOAD', reason: 'Données invalides.', truth },
    ]
    const sent = new Map(outboxRows().map((r) => [r.seq, { ...r, createdAt: '', agentId: null, status: 'pending' as const }]))
    const counts = applyPushResults(core, results, sent, 0, new Date().toISOString(), () => {})
    expect(counts).toEqual({ applied: 1, rejected: 1, flagged: 1 })
    expect(core.sqlite.prepare('SELECT status, rejection_code AS code FROM outbox ORDER BY seq').all()).toEqual([
      { status: 'flagged', code: 'CONCURRENT_CHANGE' },
      { status: 'rejected', code: 'INVALID_PAYLOAD' },
    ])
    expect(core.sqlite.prepare('SELECT phone_mobile FROM persons WHERE id = ?').pluck().get(personId)).toBe('+33755555555')
  })

  it('an intent is undone by the truth of its rejection', async () => {
    const siteId = core.sqlite.prepare('SELECT id FROM schools').pluck().get() as string
    const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE role = 'enfant'`).pluck().get() as string
    enrolForBooking(core.sqlite, { familyId, childId, siteId })
    expect((await core.call(session, 'reservations', 'book', { familyId, childId, unitId: 'cantine', siteId, date: '2027-03-12' })).ok).toBe(true)
    const [row] = outboxRows()
    const id = (JSON.parse(row!.payload) as { id: string }).id
    const sent = new Map([[row!.seq, { ...row!, createdAt: '', agentId: null, status: 'pending' as const }]])
    applyPushResults(
      core,
      [{ seq: row!.seq, id: row!.commandId, status: 'rejected', code: 'FULL', reason: 'Complet.', truth: [{ seq: 1, entity: 'reservations', id, op: 'delete', row: null }] }],
      sent,
      0,
      new Date().toISOString(),
      () => {},
    )
    expect(count(core.sqlite, 'reservations')).toBe(0)
  })
})

describe('resolving a flag (responsable)', () => {
  function pullFlag(): string {
    const id = uuidv7()
    core.store.applyChange({
      entity: 'flags',
      id,
      op: 'put',
      row: {
        id,
        command_id: uuidv7(),
        command_name: 'families.updateContacts',
        workstation_id: null,
        agent_id: agents.accueil.id,
        family_id: familyId,
        kind: 'conflict',
        code: 'CONCURRENT_CHANGE',
        reason: 'Coordonnées de Marie Lefèvre modifiées en même temps au guichet et sur le portail.',
        data: JSON.stringify({ personId, conflicts: [] }),
        at: '2027-03-12T09:00:00.000Z',
        status: 'open',
        resolved_by: null,
        resolved_at: null,
        resolution_note: null,
      },
    })
    return id
  }

  it('lists the flag "à traiter", refuses an accueil agent, and records the responsable’s note (journaled, queued)', async () => {
    const flagId = pullFlag()
    expect(countUnresolvedRejections(core.sqlite)).toBe(1)
    const [listed] = listFlags(core.sqlite)
    expect(listed).toMatchObject({ id: flagId, kind: 'conflict', status: 'open', familyName: 'Lefèvre', description: 'Coordonnées de Marie Lefèvre', agentName: AGENTS.accueil.displayName })

    expect(await core.call(session, 'sync', 'resolveFlag', { flagId, note: 'Vu avec la famille.' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    const responsable = core.openSession()
    await core.call(responsable, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })
    const r = await core.call(responsable, 'sync', 'resolveFlag', { flagId, note: 'Vu avec la famille.' })
    expect(r).toMatchObject({ ok: true, data: { items: [{ id: flagId, status: 'resolved', resolutionNote: 'Vu avec la famille.', resolvedByName: AGENTS.responsable.displayName, pending: true }] } })
    expect(countUnresolvedRejections(core.sqlite)).toBe(0)
    const [queued] = outboxRows()
    expect(queued).toMatchObject({ name: 'flags.resolve', status: 'pending' })
    expect(JSON.parse(queued!.payload)).toEqual({ flagId, note: 'Vu avec la famille.' })
    expect(count(core.sqlite, 'journal', `action = 'sync.resolveFlag' AND entity = 'flag' AND outcome = 'ok'`)).toBe(1)
    expect(await core.call(responsable, 'sync', 'resolveFlag', { flagId, note: 'Encore.' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})

describe('phones compare by number, not by how they are written', () => {
  it('a number the agent saw formatted ("06 12 34 56 78") while the database holds it in E.164 is not a concurrent change', async () => {
    core.sqlite.prepare('UPDATE persons SET phone_mobile = ? WHERE id = ?').run('+33612345678', personId)
    const store = new SqliteEntityStore(core.sqlite)
    const ctx = { at: '2026-11-16T08:00:00.000Z', agentId: agents.accueil.id, workstationId: null, channel: 'guichet' as const, commandId: uuidv7() }
    const before = { phoneMobile: '06 12 34 56 78', phoneHome: null, phoneWork: null, email: 'marie@example.fr' }
    core.sqlite.exec('BEGIN')
    const out = await runCommand(
      store.commandTx(),
      'families.updateContacts',
      { familyId, personId, ...before, phoneMobile: '07 11 22 33 44', before },
      ctx,
    )
    core.sqlite.exec('COMMIT')
    expect(out.flags).toEqual([])
    expect(core.sqlite.prepare('SELECT field FROM field_history WHERE entity_id = ?').pluck().all(personId)).toEqual(['phone_mobile'])
    expect(core.sqlite.prepare('SELECT phone_mobile FROM persons WHERE id = ?').pluck().get(personId)).toBe('+33711223344')
    // Unchanged (shown formatted, held in E.164): no change at all.
    core.sqlite.exec('BEGIN')
    const again = await runCommand(
      store.commandTx(),
      'families.updateContacts',
      { familyId, personId, phoneMobile: '07 11 22 33 44', phoneHome: null, phoneWork: null, email: 'marie@example.fr', before: { ...before, phoneMobile: '07 11 22 33 44' } },
      { ...ctx, commandId: uuidv7() },
    )
    core.sqlite.exec('COMMIT')
    expect(again.flags).toEqual([])
    expect(core.sqlite.prepare('SELECT count(*) FROM field_history WHERE entity_id = ?').pluck().get(personId)).toBe(1)
  })
})
