import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_BODY_BYTES, PortalErrorSchema, PushResponseSchema, type EnrolResponse, type PushCommand, type PushResponse } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { backends } from './backends'
import { enrolledKids, enrolOnPortal, kidsAtOneSchool } from '../../helpers/bookings'
import { adminToken, bookPayload, command, digest, enrol, guardianOf, setCapacity, startTestPortal, type Kid, type TestPortal } from './helpers'

describe.each(backends)('portal push ($name)', (backend) => {
  let t: TestPortal
  let a: EnrolResponse
  let b: EnrolResponse
  /** Children enrolled at the canteen of their school (issue 10: a booking needs the inscription, the site serving the child, a school day). */
  let town: Array<Kid & { siteId: string }>

  const push = (ws: EnrolResponse, commands: PushCommand[], schemaVersion = 1) =>
    t.api<PushResponse>('POST', '/sync/push', { token: ws.token, body: { schemaVersion, commands } })

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 12 })
    a = await enrol(t, 'Guichet A')
    b = await enrol(t, 'Guichet B')
    town = await enrolledKids(t.db)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  let seqA = 0
  const nextA = () => ++seqA

  it('applies commands in order, once, with their change-log rows', async () => {
    const kid = town[0]!
    const booking = bookPayload(kid, kid.siteId)
    const guardian = await guardianOf(t.db, kid.familyId)
    const commands = [
      command(nextA(), 'reservations.book', booking),
      command(nextA(), 'families.updateContacts', {
        familyId: kid.familyId,
        personId: guardian,
        phoneMobile: '06 11 22 33 44',
        phoneHome: null,
        phoneWork: null,
        email: 'nouvelle.adresse@example.fr',
      }),
      command(nextA(), 'flags.resolve', { flagId: uuidv7(), note: 'Réglé au guichet.' }),
    ]
    const res = await push(a, commands)
    expect(res.status).toBe(200)
    const body = PushResponseSchema.parse(res.body)
    expect(body.lastAppliedSeq).toBe(3)
    expect(body.results.map((r) => [r.seq, r.id, r.status])).toEqual(commands.map((c) => [c.seq, c.id, 'applied']))

    const reservation = await one<Record<string, unknown>>(t.db, sql`SELECT * FROM reservations WHERE id = ${booking.id}`)
    expect(reservation).toMatchObject({ state: 'reserve', channel: 'guichet', workstation_id: a.workstationId, created_at: commands[0]!.at })
    const logged = await rows<{ command_id: string; workstation_id: string; entity: string }>(
      t.db,
      sql`SELECT command_id, workstation_id, entity FROM changes WHERE command_id IN (${sql.join(
        commands.map((c) => sql`${c.id}`),
        sql`, `,
      )}) ORDER BY seq`,
    )
    // The contact change (a fact) also writes one history row per field it changed.
    expect(logged.filter((c) => c.entity !== 'field_history').map((c) => [c.command_id, c.entity])).toEqual([
      [commands[0]!.id, 'reservations'],
      [commands[1]!.id, 'persons'],
      [commands[2]!.id, 'flags'],
    ])
    expect(logged.filter((c) => c.entity === 'field_history').every((c) => c.command_id === commands[1]!.id)).toBe(true)
    expect(logged.filter((c) => c.entity === 'field_history').length).toBeGreaterThanOrEqual(2) // mobile and e-mail at least
    expect(logged.every((c) => c.workstation_id === a.workstationId)).toBe(true)

    // The same commands again (a lost answer, a retry): the same answers, nothing changes.
    const before = await digest(t.db)
    const again = await push(a, commands)
    expect(again.status).toBe(200)
    expect(again.body).toEqual(body)
    expect(await digest(t.db)).toEqual(before)
  })

  it('refuses a gap: 409 SEQUENCE_GAP with the expected seq when it comes first, the results so far otherwise', async () => {
    const before = await digest(t.db)
    const gap = await push(a, [command(seqA + 2, 'reservations.cancel', { id: uuidv7() })])
    expect(gap.status).toBe(409)
    expect(PortalErrorSchema.parse(gap.body).error).toMatchObject({ code: 'SEQUENCE_GAP', expectedSeq: seqA + 1 })
    expect(await digest(t.db)).toEqual(before)

    const kid = town[1]!
    const first = command(nextA(), 'reservations.book', bookPayload(kid, kid.siteId))
    const skipped = command(seqA + 2, 'reservations.book', bookPayload(kid, kid.siteId, '2026-12-08'))
    const partial = await push(a, [first, skipped])
    expect(partial.status).toBe(200)
    expect(PushResponseSchema.parse(partial.body)).toEqual({ results: [{ seq: first.seq, id: first.id, status: 'applied' }], lastAppliedSeq: first.seq })
  })

  it('records a rejection with its code, French reason and the portal’s truth, and goes on with the next command', async () => {
    // A school day (Thursday 10/12: Wednesday has no garderie), two children of one school enrolled at its garderie du soir.
    const day = '2026-12-10'
    const [k1, k2] = await kidsAtOneSchool(t.db, 2)
    for (const k of [k1!, k2!]) await enrolOnPortal(t.db, k, 'garderie_soir')
    const site = k1!.siteId
    await setCapacity(t.db, 'garderie_soir', site, day, 1)
    const first = command(nextA(), 'reservations.book', bookPayload(k1!, site, day, 'garderie_soir'))
    const fullBooking = bookPayload(k2!, site, day, 'garderie_soir')
    const full = command(nextA(), 'reservations.book', fullBooking)
    const unknown = command(nextA(), 'reservations.teleport', { id: uuidv7() })
    const badTypes = command(nextA(), 'flags.resolve', { flagId: uuidv7(), note: 42 })
    const cancelMissing = command(nextA(), 'reservations.cancel', { id: uuidv7() })
    const after = command(nextA(), 'reservations.book', bookPayload(k2!, site, '2026-12-11', 'garderie_soir'))
    const res = await push(a, [first, full, unknown, badTypes, cancelMissing, after])
    expect(res.status).toBe(200)
    const results = PushResponseSchema.parse(res.body).results
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected', 'rejected', 'rejected', 'rejected', 'applied'])
    expect(results[1]).toMatchObject({
      code: 'FULL',
      reason: expect.stringMatching(/^Complet : Garderie du soir .* le 10\/12\/2026 \(1 place, toutes réservées\)/),
      truth: [{ entity: 'reservations', id: fullBooking.id, op: 'delete', row: null }],
    })
    expect(results[2]).toMatchObject({ code: 'UNKNOWN_COMMAND', truth: [] })
    expect(results[3]).toMatchObject({ code: 'INVALID_PAYLOAD', reason: expect.stringContaining('note') })
    expect(results[4]).toMatchObject({ code: 'UNKNOWN_RESERVATION', truth: [{ op: 'delete', row: null }] })
    expect(await one(t.db, sql`SELECT id FROM reservations WHERE id = ${fullBooking.id}`)).toBeUndefined()

    // A replay answers the stored rejection.
    const replay = await push(a, [full])
    expect(PushResponseSchema.parse(replay.body).results[0]).toEqual(results[1])
  })

  it('refuses a pushed online payment (NOT_ALLOWED_HERE): only the payment provider’s notification records one', async () => {
    const kid = town[8]!
    const payment = { id: uuidv7(), familyId: kid.familyId, transactionId: 'TX-PUSH-1', amountCents: 1234 }
    const before = await digest(t.db)
    const pushed = command(nextA(), 'payments.recordOnline', payment)
    const after = command(nextA(), 'reservations.cancel', { id: uuidv7() })
    const res = await push(a, [pushed, after])
    expect(res.status).toBe(200)
    const results = PushResponseSchema.parse(res.body).results
    expect(results[0]).toMatchObject({ seq: pushed.seq, status: 'rejected', code: 'NOT_ALLOWED_HERE', truth: [{ entity: 'payments', id: payment.id, op: 'delete', row: null }] })
    expect(results[0]!.flags ?? []).toEqual([])
    // The queue goes on; nothing was written but the two answers.
    expect(results[1]).toMatchObject({ seq: after.seq, status: 'rejected', code: 'UNKNOWN_RESERVATION' })
    const d = await digest(t.db)
    expect(d).toEqual({ ...before, applied_commands: before.applied_commands! + 2, lastApplied: before.lastApplied! + 2 })
    expect(await one(t.db, sql`SELECT id FROM payments WHERE id = ${payment.id} OR transaction_id = 'TX-PUSH-1'`)).toBeUndefined()
    // A replay gets the same answer.
    expect(PushResponseSchema.parse((await push(a, [pushed])).body).results[0]).toEqual(results[0])
  })

  it('always records a fact: a broken rule, a concurrent change or a missing record is flagged, never rejected', async () => {
    const kid = town[6]!
    const guardian = await guardianOf(t.db, kid.familyId)
    const [person] = await rows<Record<string, string | null>>(t.db, sql`SELECT phone_mobile, phone_home, phone_work, email FROM persons WHERE id = ${guardian}`)
    const held = { phoneMobile: person!.phone_mobile, phoneHome: person!.phone_home, phoneWork: person!.phone_work, email: person!.email }
    const strangerGuardian = await guardianOf(t.db, town[7]!.familyId)
    const orphan = { flagId: uuidv7(), note: 'Rattaché à la main.' }
    const before = await digest(t.db)
    const commands = [
      // A contact change made at a counter that read other values than the portal holds: concurrent.
      command(nextA(), 'families.updateContacts', {
        familyId: kid.familyId,
        personId: guardian,
        ...held,
        phoneMobile: '06 99 88 77 66',
        before: { ...held, phoneMobile: '01 00 00 00 00' },
      }),
      // A contact change for a person of another family: recorded, flagged.
      command(nextA(), 'families.updateContacts', { familyId: kid.familyId, personId: strangerGuardian, phoneMobile: '06 12 12 12 12', phoneHome: null, phoneWork: null, email: null }),
      // The resolution of a flag the portal does not have: kept, raw, in its own flag.
      command(nextA(), 'flags.resolve', orphan),
      command(nextA(), 'families.updateContacts', { familyId: kid.familyId, personId: uuidv7(), phoneMobile: null, phoneHome: null, phoneWork: null, email: null }),
      // Structural garbage stays a rejection, even for a fact.
      command(nextA(), 'flags.resolve', { ...orphan, note: '' }),
    ]
    const res = await push(a, commands)
    const body = PushResponseSchema.parse(res.body)
    expect(body.results.map((r) => [r.status, r.code ?? null, (r.flags ?? []).map((f) => `${f.kind}:${f.code}`)])).toEqual([
      ['applied', null, ['conflict:CONCURRENT_CHANGE']],
      ['applied', null, ['rule:NOT_A_MEMBER_OF_FAMILY']],
      ['applied', null, ['missing:UNKNOWN_FLAG']],
      ['applied', null, ['missing:UNKNOWN_PERSON']],
      ['rejected', 'INVALID_PAYLOAD', []],
    ])
    expect(body.results[0]!.truth).toBeUndefined()
    expect(body.results[0]!.flags![0]!.reason).toMatch(/modifiées en même temps au guichet et sur le portail/)

    // The concurrent change: the counter's value is recorded (it commits last), with its history.
    const [after] = await rows<{ phone_mobile: string }>(t.db, sql`SELECT phone_mobile FROM persons WHERE id = ${guardian}`)
    expect(after!.phone_mobile).toBe('+33699887766') // stored in E.164
    const history = await rows<{ field: string; old_value: string | null; new_value: string; channel: string; workstation_id: string }>(
      t.db,
      sql`SELECT field, old_value, new_value, channel, workstation_id FROM field_history WHERE command_id = ${commands[0]!.id}`,
    )
    expect(history).toEqual([{ field: 'phone_mobile', old_value: held.phoneMobile, new_value: '+33699887766', channel: 'guichet', workstation_id: a.workstationId }])
    // The orphan resolution is kept, raw, in its flag.
    const d = await digest(t.db)
    expect(d.flags).toBe(before.flags! + 4)
    const [kept] = await rows<{ data: string; family_id: string | null; workstation_id: string; status: string }>(
      t.db,
      sql`SELECT data, family_id, workstation_id, status FROM flags WHERE command_id = ${commands[2]!.id}`,
    )
    expect(JSON.parse(kept!.data)).toEqual(orphan)
    expect(kept).toMatchObject({ family_id: null, workstation_id: a.workstationId, status: 'open' })
    // The flags go through the change log (every workstation pulls them).
    const logged = await rows<{ entity: string }>(t.db, sql`SELECT entity FROM changes WHERE command_id = ${commands[2]!.id}`)
    expect(logged).toEqual([{ entity: 'flags' }])

    // A responsable sees them on the portal too (open first).
    const listed = await t.api<{ flags: Array<{ id: string; code: string; status: string; commandId: string }> }>('GET', '/admin/flags', { token: await adminToken(t) })
    expect(listed.status).toBe(200)
    expect(listed.body.flags.filter((f) => commands.some((c) => c.id === f.commandId)).map((f) => f.code).sort()).toEqual(
      ['CONCURRENT_CHANGE', 'NOT_A_MEMBER_OF_FAMILY', 'UNKNOWN_FLAG', 'UNKNOWN_PERSON'],
    )
    expect((await t.api('GET', '/admin/flags')).status).toBe(401)

    // A replay answers the same results, flags included, and changes nothing.
    const snapshot = await digest(t.db)
    const again = await push(a, commands)
    expect(again.body).toEqual(body)
    expect(await digest(t.db)).toEqual(snapshot)

    // A resolution is a fact too: recorded; flagged when its author is not a responsable.
    const flagId = body.results[2]!.flags![0]!.id
    const resolve = command(nextA(), 'flags.resolve', { flagId, note: 'Rattaché à la main.' })
    const resolved = PushResponseSchema.parse((await push(a, [resolve])).body).results[0]!
    expect(resolved).toMatchObject({ status: 'applied', flags: [{ kind: 'rule', code: 'NOT_A_RESPONSABLE' }] })
    const [settled] = await rows<{ status: string; resolution_note: string }>(t.db, sql`SELECT status, resolution_note FROM flags WHERE id = ${flagId}`)
    expect(settled).toEqual({ status: 'resolved', resolution_note: 'Rattaché à la main.' })
  })

  it('keeps the rules exact inside one batch (counts read once for the batch, then kept up to date)', async () => {
    const day = '2026-12-17'
    const kid = town[5]!
    const once = bookPayload(kid, kid.siteId, day)
    const twice = bookPayload(kid, kid.siteId, day)
    const again = bookPayload(kid, kid.siteId, day)
    const batch = [command(nextA(), 'reservations.book', once), command(nextA(), 'reservations.book', twice)]
    batch.push(command(nextA(), 'reservations.cancel', { id: once.id }))
    batch.push(command(nextA(), 'reservations.book', again))
    const res = await push(a, batch)
    const results = PushResponseSchema.parse(res.body).results
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected', 'applied', 'applied'])
    expect(results[1]).toMatchObject({ code: 'ALREADY_BOOKED' })
  })

  it('sends back the truth of a record that exists (rejected cancel of a cancelled booking)', async () => {
    const booking = bookPayload(town[4]!, town[4]!.siteId, '2026-12-11')
    const out = PushResponseSchema.parse(
      (
        await push(a, [
          command(nextA(), 'reservations.book', booking),
          command(nextA(), 'reservations.cancel', { id: booking.id }),
          command(nextA(), 'reservations.cancel', { id: booking.id }),
        ])
      ).body,
    ).results
    expect(out.map((r) => r.status)).toEqual(['applied', 'applied', 'rejected'])
    expect(out[2]).toMatchObject({
      code: 'ALREADY_CANCELLED',
      reason: 'Cette réservation du 11/12/2026 est déjà annulée.',
      truth: [{ entity: 'reservations', id: booking.id, op: 'put', row: { id: booking.id, state: 'annule' } }],
    })
    expect(out[2]!.truth![0]!.seq).toBeGreaterThan(0)
  })

  it('keeps each workstation’s sequence apart, and never runs a command id twice, whoever sends it', async () => {
    const booking = bookPayload(town[5]!, town[5]!.siteId, '2026-12-14')
    const original = command(nextA(), 'reservations.book', booking)
    expect(PushResponseSchema.parse((await push(a, [original])).body).results[0]!.status).toBe('applied')
    const before = await digest(t.db)
    // B starts at 1, and sends A's command id: refused, B's queue goes on.
    const stolen = { ...original, seq: 1 }
    const res = await push(b, [stolen])
    expect(res.status).toBe(200)
    const body = PushResponseSchema.parse(res.body)
    expect(body.lastAppliedSeq).toBe(1)
    expect(body.results[0]).toMatchObject({ seq: 1, status: 'rejected', code: 'DUPLICATE_COMMAND_ID' })
    const after = await digest(t.db)
    expect(after.reservations).toBe(before.reservations)
    expect(after.maxSeq).toBe(before.maxSeq)
    const lastA = await one<{ last: string | number }>(t.db, sql`SELECT last_applied_seq AS last FROM workstations WHERE id = ${a.workstationId}`)
    expect(Number(lastA?.last)).toBe(seqA)
  })

  it('records a family created with a code another family holds as a flag with the whole fact, writing nothing (never a storage error)', async () => {
    const [holder] = await rows<{ code: string }>(t.db, sql`SELECT code FROM families ORDER BY code LIMIT 1`)
    const person = { civility: null, lastName: 'Kerbrat', birthName: null, firstNames: 'Anne', sex: null, birthDate: '1990-01-15', birthCommune: null, birthCountry: null, address: null, phoneMobile: null, phoneHome: null, phoneWork: null, email: null, profession: null, employer: null, pai: false }
    const payload = {
      familyId: uuidv7(),
      code: holder!.code,
      family: {
        name: 'Kerbrat',
        address: { line1: '3 allée des Tilleuls', line2: null, postcode: '78420', city: 'Carrières-sur-Seine' },
        caisse: null,
        allocataireNumber: null,
        resident: true,
        separatedParents: false,
        hosted: false,
        paperlessInvoices: false,
        consentQfApi: false,
        consentImage: false,
        consentEmergencyCare: false,
        payerPersonId: null,
      },
      members: [{ memberId: uuidv7(), personId: uuidv7(), role: 'RL1', relation: null, authorisations: { legalGuardian: true, emergencyContact: false, mayPickUp: true, forbiddenPickUp: false }, person }],
      schoolings: [],
      inscriptions: [{ id: uuidv7(), childId: uuidv7(), unitId: 'cantine', siteId: uuidv7(), schoolYear: '2026-2027', status: 'active' }],
    }
    const before = await digest(t.db)
    const res = await push(a, [command(nextA(), 'families.create', payload)])
    const body = PushResponseSchema.parse(res.body)
    expect(body.results.map((r) => [r.status, r.code ?? null, (r.flags ?? []).map((f) => `${f.kind}:${f.code}`)])).toEqual([['applied', null, ['rule:DUPLICATE_NUMBER']]])
    const [flag] = await rows<{ data: string }>(t.db, sql`SELECT data FROM flags WHERE family_id = ${payload.familyId}`)
    expect(JSON.parse(flag!.data)).toMatchObject({ familyId: payload.familyId, code: holder!.code })
    expect(await rows(t.db, sql`SELECT id FROM families WHERE id = ${payload.familyId}`)).toEqual([])
    expect(await rows(t.db, sql`SELECT id FROM persons WHERE id = ${payload.members[0]!.personId}`)).toEqual([])
    expect((await digest(t.db)).families).toEqual(before.families)
  })

  it('serialises concurrent pushes of one workstation: each command applied once', async () => {
    const commands = [6, 7, 8].map((i) => command(nextA(), 'reservations.book', bookPayload(town[i]!, town[i]!.siteId, '2026-12-15')))
    const [r1, r2, r3] = await Promise.all([push(a, commands), push(a, commands), push(a, commands)])
    for (const r of [r1, r2, r3]) {
      expect(r.status).toBe(200)
      expect(PushResponseSchema.parse(r.body).results.map((x) => x.status)).toEqual(['applied', 'applied', 'applied'])
    }
    for (const c of commands) {
      const n = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM changes WHERE command_id = ${c.id}`)
      expect(n?.n).toBe(1)
    }
  })

  it('two workstations taking the last place at once: one applied, one rejected FULL', async () => {
    // A school day (Thursday 17/12), two élémentaire children of one school enrolled at its étude.
    const day = '2026-12-17'
    const [e1, e2] = await kidsAtOneSchool(t.db, 2, 'elementaire')
    for (const k of [e1!, e2!]) await enrolOnPortal(t.db, k, 'etude')
    const site = e1!.siteId
    await setCapacity(t.db, 'etude', site, day, 1)
    // B's last seq (a new command under a used seq would be a SEQ_CONFLICT).
    const lastB = Number((await one<{ last: number }>(t.db, sql`SELECT last_applied_seq::int AS last FROM workstations WHERE id = ${b.workstationId}`))?.last)
    const [ra, rb] = await Promise.all([
      push(a, [command(nextA(), 'reservations.book', bookPayload(e1!, site, day, 'etude'))]),
      push(b, [command(lastB + 1, 'reservations.book', bookPayload(e2!, site, day, 'etude'))]),
    ])
    const statuses = [ra, rb].map((r) => PushResponseSchema.parse(r.body).results[0]!)
    expect(statuses.map((s) => s.status).sort()).toEqual(['applied', 'rejected'])
    expect(statuses.find((s) => s.status === 'rejected')?.code).toBe('FULL')
    const n = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM reservations WHERE unit_id = 'etude' AND date = ${day} AND state = 'reserve'`)
    expect(n?.n).toBe(1)
  })

  it('answers bad requests with a typed 4xx and changes nothing', async () => {
    const before = await digest(t.db)
    const ok = command(seqA + 1, 'reservations.cancel', { id: uuidv7() })
    const cases: Array<{ why: string; status: number; code: string; res: () => ReturnType<typeof push> }> = [
      { why: 'malformed JSON', status: 400, code: 'INVALID_REQUEST', res: () => t.api('POST', '/sync/push', { token: a.token, rawBody: '{"schemaVersion": 1, "commands": [' }) },
      { why: 'no body', status: 400, code: 'INVALID_REQUEST', res: () => t.api('POST', '/sync/push', { token: a.token }) },
      { why: 'wrong types', status: 400, code: 'INVALID_REQUEST', res: () => t.api('POST', '/sync/push', { token: a.token, body: { schemaVersion: 1, commands: [{ ...ok, seq: 'un' }] } }) },
      { why: 'no commands', status: 400, code: 'INVALID_REQUEST', res: () => push(a, []) },
      { why: 'unknown field', status: 400, code: 'INVALID_REQUEST', res: () => t.api('POST', '/sync/push', { token: a.token, body: { schemaVersion: 1, commands: [ok], extra: true } }) },
      { why: 'bad command id', status: 400, code: 'INVALID_REQUEST', res: () => push(a, [{ ...ok, id: 'pas-un-uuid' }]) },
      { why: 'too many commands', status: 400, code: 'INVALID_REQUEST', res: () => push(a, Array.from({ length: 201 }, (_, i) => ({ ...ok, seq: seqA + 1 + i, id: uuidv7() }))) },
      { why: 'body schema not a version', status: 400, code: 'INVALID_REQUEST', res: () => push(a, [ok], 0) },
      { why: 'body schema too new', status: 400, code: 'INVALID_REQUEST', res: () => push(a, [ok], 99) },
      { why: 'not JSON', status: 415, code: 'INVALID_REQUEST', res: () => t.api('POST', '/sync/push', { token: a.token, rawBody: 'a=1', headers: { 'content-type': 'text/plain' } }) },
      {
        why: 'oversize body',
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
        res: () => t.api('POST', '/sync/push', { token: a.token, body: { schemaVersion: 1, commands: [{ ...ok, payload: { junk: 'x'.repeat(MAX_BODY_BYTES) } }] } }),
      },
      { why: 'unknown route', status: 404, code: 'NOT_FOUND', res: () => t.api('POST', '/sync/pousser', { token: a.token, body: {} }) },
    ]
    for (const c of cases) {
      const res = await c.res()
      expect(res.status, c.why).toBe(c.status)
      const error = PortalErrorSchema.parse(res.body).error
      expect(error.code, c.why).toBe(c.code)
      expect(error.message.length, c.why).toBeGreaterThan(5)
    }
    expect(await digest(t.db)).toEqual(before)
  })
})
