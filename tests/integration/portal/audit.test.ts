import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { derivedId } from '@shared/commands'
import { PortalErrorSchema, PullResponseSchema, PushResponseSchema, type EnrolResponse, type PushCommand, type PushResponse } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import { backends } from './backends'
import { adminToken, bookPayload, digest, enrol, guardianOf, maxSeq, startTestPortal, type Kid, type TestPortal } from './helpers'
import { BOOK_DAYS, enrolledKids } from '../../helpers/bookings'
import { testClock } from '../../helpers/clock'

/**
 * The portal's trust boundary on push and pull (issue 7: audit truth, storage errors, revoke,
 * restored workstations and portals), over real HTTP on PGlite and PostgreSQL.
 */
describe.each(backends)('portal audit and sync faults ($name)', (backend) => {
  let t: TestPortal
  /** Children enrolled at the canteen of their school (issue 10: a booking needs the inscription, the site serving the child, a school day). */
  let town: Array<Kid & { siteId: string }>
  /** The portal's own clock (PORTAL_CLOCK-like: starts at TEST_INSTANT, advances with real time). */
  const clock = testClock()
  let accueil: string
  let disabled: string

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 12, now: clock })
    town = await enrolledKids(t.db)
    accueil = (await one<{ id: string }>(t.db, sql`SELECT id FROM agents WHERE login = 'accueil'`))!.id
    // An agent disabled on the portal (through the change log, as the admin API does).
    const regisseur = (await rows<Record<string, unknown>>(t.db, sql`SELECT * FROM agents WHERE login = 'regie'`))[0]!
    disabled = String(regisseur.id)
    await putRow(t.db, 'agents', { ...(regisseur as Record<string, string | number | boolean | null>), active: false })
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  const push = (ws: EnrolResponse, commands: PushCommand[]) => t.api<PushResponse>('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands } })
  /** A command dated `aheadMs` after the portal's clock (default: 1 s before it). */
  const cmd = (seq: number, name: string, payload: unknown, o: { agentId?: string | null; aheadMs?: number; id?: string } = {}): PushCommand => ({
    seq,
    id: o.id ?? uuidv7(),
    name,
    payload,
    at: new Date(clock().getTime() + (o.aheadMs ?? -1000)).toISOString(),
    agentId: o.agentId === undefined ? accueil : o.agentId,
  })
  const book = (i: number, date = '2026-12-07') => bookPayload(town[i % town.length]!, town[i % town.length]!.siteId, date)

  it('refuses an intent from an unknown, a disabled or no agent, or dated more than 5 minutes ahead; records who, when and when received', async () => {
    const ws = await enrol(t, 'Guichet audit intents')
    const payloads = [book(0), book(1), book(2), book(3), book(4)]
    const commands = [
      cmd(1, 'reservations.book', payloads[0], { aheadMs: 4 * 60_000 }), // a clock a little ahead: fine
      cmd(2, 'reservations.book', payloads[1], { agentId: uuidv7() }),
      cmd(3, 'reservations.book', payloads[2], { agentId: disabled }),
      cmd(4, 'reservations.book', payloads[3], { agentId: null }),
      cmd(5, 'reservations.book', payloads[4], { aheadMs: 6 * 60_000 }),
    ]
    const before = clock().getTime()
    const res = await push(ws, commands)
    const after = clock().getTime()
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const body = PushResponseSchema.parse(res.body)
    expect(body.results.map((r) => [r.seq, r.status, r.code ?? null])).toEqual([
      [1, 'applied', null],
      [2, 'rejected', 'UNKNOWN_AGENT'],
      [3, 'rejected', 'AGENT_INACTIVE'],
      [4, 'rejected', 'AGENT_MISSING'],
      [5, 'rejected', 'CLOCK_AHEAD'],
    ])
    for (const r of body.results.slice(1)) expect(r.reason).toMatch(/^Modification refusée : /)
    const kept = await rows<{ id: string }>(t.db, sql`SELECT id FROM reservations WHERE id IN (${sql.join(payloads.map((p) => sql`${p.id}`), sql`, `)})`)
    expect(kept.map((r) => r.id)).toEqual([payloads[0]!.id])

    // Recorded: the workstation's at and agent beside the portal's own receive time (its clock).
    const audit = await rows<{ seq: number; sent_id: string; at: string; agent_id: string | null; received: string }>(
      t.db,
      sql`SELECT seq::int AS seq, sent_id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, agent_id,
                 to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received
          FROM applied_commands WHERE workstation_id = ${ws.workstationId} ORDER BY seq`,
    )
    expect(audit.map((a) => [a.seq, a.sent_id, a.at, a.agent_id])).toEqual(commands.map((c) => [c.seq, c.id, c.at, c.agentId]))
    for (const a of audit) {
      expect(Date.parse(a.received)).toBeGreaterThanOrEqual(before - 1)
      expect(Date.parse(a.received)).toBeLessThanOrEqual(after + 1)
    }

    // A retry answers the same, and changes nothing.
    const state = await digest(t.db)
    const again = await push(ws, commands)
    expect(again.body).toEqual(body)
    expect(await digest(t.db)).toEqual(state)
  })

  it('records a fact all the same, flagged: unknown, disabled or no agent, clock ahead (flag ids derived from the command id)', async () => {
    const ws = await enrol(t, 'Guichet audit facts')
    const kid = town[5]!
    const guardian = await guardianOf(t.db, kid.familyId)
    const contacts = (n: number) => ({
      familyId: kid.familyId,
      personId: guardian,
      phoneMobile: `06 12 34 56 ${String(10 + n)}`,
      phoneHome: null,
      phoneWork: null,
      email: `famille.audit${n}@example.fr`,
    })
    const stranger = uuidv7()
    const commands = [
      cmd(1, 'families.updateContacts', contacts(1), { agentId: stranger }),
      cmd(2, 'families.updateContacts', contacts(2), { agentId: disabled, aheadMs: 3_600_000 }),
      cmd(3, 'families.updateContacts', contacts(3), { agentId: null }),
      cmd(4, 'families.updateContacts', contacts(4)),
    ]
    const res = await push(ws, commands)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const body = PushResponseSchema.parse(res.body)
    expect(body.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied'])
    const auditCodes = ['UNKNOWN_AGENT', 'AGENT_INACTIVE', 'AGENT_MISSING', 'CLOCK_AHEAD']
    const codes = body.results.map((r) => (r.flags ?? []).map((f) => f.code).filter((c) => auditCodes.includes(c)).sort())
    expect(codes).toEqual([['UNKNOWN_AGENT'], ['AGENT_INACTIVE', 'CLOCK_AHEAD'], ['AGENT_MISSING'], []])
    for (const [i, r] of body.results.entries()) {
      for (const f of (r.flags ?? []).filter((x) => auditCodes.includes(x.code))) {
        expect(f.id).toBe(derivedId(commands[i]!.id, `flag:audit:${f.code}`))
        expect(f.kind).toBe('rule')
        expect(f.reason).toMatch(/à vérifier\.$/)
      }
    }
    // The last contact change was applied (facts are never refused).
    const person = await one<{ email: string }>(t.db, sql`SELECT email FROM persons WHERE id = ${guardian}`)
    expect(person?.email).toBe('famille.audit4@example.fr')
    // The flags are rows of the shared table (they come down by pull) with who and when.
    const flags = await rows<{ id: string; command_id: string; agent_id: string | null; workstation_id: string; at: string; code: string; data: string }>(
      t.db,
      sql`SELECT id, command_id, agent_id, workstation_id, at, code, data FROM flags WHERE code IN ('UNKNOWN_AGENT', 'AGENT_INACTIVE', 'AGENT_MISSING', 'CLOCK_AHEAD')
          AND workstation_id = ${ws.workstationId} ORDER BY id`,
    )
    expect(flags).toHaveLength(4)
    const second = flags.find((f) => f.code === 'CLOCK_AHEAD')!
    expect(second).toMatchObject({ command_id: commands[1]!.id, agent_id: disabled, workstation_id: ws.workstationId, at: commands[1]!.at })
    expect(JSON.parse(second.data)).toMatchObject({ agentId: disabled, at: commands[1]!.at })
    expect(flags.find((f) => f.code === 'UNKNOWN_AGENT')!.agent_id).toBe(stranger)

    const state = await digest(t.db)
    const again = await push(ws, commands)
    expect(again.body).toEqual(body)
    expect(await digest(t.db)).toEqual(state)
  })

  it('a different command id under a used seq: 409 SEQ_CONFLICT with the portal’s last seq and command id, nothing processed', async () => {
    const ws = await enrol(t, 'Guichet restauré')
    const first = [cmd(1, 'reservations.book', book(6)), cmd(2, 'reservations.book', book(7)), cmd(3, 'reservations.book', book(8))]
    // Seq 4 reuses the id of seq 1: refused DUPLICATE_COMMAND_ID (stored without a command id).
    first.push(cmd(4, 'reservations.book', book(9), { id: first[0]!.id }))
    const ok = await push(ws, first)
    expect(ok.status).toBe(200)
    expect(PushResponseSchema.parse(ok.body).results.map((r) => r.code ?? r.status)).toEqual(['applied', 'applied', 'applied', 'DUPLICATE_COMMAND_ID'])

    const state = await digest(t.db)
    // The workstation restored from a backup: its seq 2 is another command; the next ones are new.
    const restored = [cmd(2, 'reservations.book', book(10)), cmd(3, 'reservations.book', book(11)), cmd(4, 'reservations.book', book(12)), cmd(5, 'reservations.book', book(13))]
    for (const attempt of [restored, [first[0]!, ...restored], [first[0]!, first[1]!, first[2]!, cmd(4, 'reservations.book', book(12)), cmd(5, 'reservations.book', book(13))]]) {
      const res = await push(ws, attempt)
      expect(res.status, JSON.stringify(res.body)).toBe(409)
      const error = PortalErrorSchema.parse(res.body).error
      expect(error).toMatchObject({ code: 'SEQ_CONFLICT', lastAppliedSeq: 4, lastCommandId: first[3]!.id })
      expect(error.message).toMatch(/restauré/)
      expect(await digest(t.db)).toEqual(state)
    }
    // The true replays (also the duplicate, under the id it was sent with) still answer as before.
    const replay = await push(ws, first)
    expect(replay.body).toEqual(ok.body)
  })

  it('a storage error while applying one command refuses that command (STORAGE_ERROR), the next ones are applied, a retry answers the same', async () => {
    const ws = await enrol(t, 'Guichet erreur de stockage')
    const payloads = [book(0, '2026-12-08'), book(1, '2026-12-08'), book(2, '2026-12-08'), book(3, '2026-12-08')]
    const poisoned = payloads[1]!.id
    // A real database error on one row: a trigger that raises for this id only, with personal data
    // in its message and detail as PostgreSQL's own errors have (the log capture of the test run
    // fails if the log line about it carries them).
    await t.db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION refuse_one_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE who text; BEGIN
          IF NEW.id = '${poisoned}' THEN
            SELECT f.code || ' ' || p.last_name || ' ' || p.first_names INTO who FROM families f, persons p WHERE f.id = NEW.family_id AND p.id = NEW.child_id;
            RAISE EXCEPTION 'refused by a test trigger for "%"', who USING DETAIL = format('Failing row contains (%s)', who);
          END IF;
          RETURN NEW;
        END $$`),
    )
    await t.db.execute(sql.raw(`CREATE TRIGGER refuse_one_reservation BEFORE INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION refuse_one_reservation()`))
    try {
      const commands = payloads.map((p, i) => cmd(i + 1, 'reservations.book', p))
      const res = await push(ws, commands)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      const body = PushResponseSchema.parse(res.body)
      expect(body.lastAppliedSeq).toBe(4)
      expect(body.results.map((r) => r.code ?? r.status)).toEqual(['applied', 'STORAGE_ERROR', 'applied', 'applied'])
      const refused = body.results[1]!
      expect(refused.reason).toMatch(/^Le portail n’a pas pu enregistrer cette modification/)
      expect(refused.reason).not.toMatch(/trigger|INSERT|reservations|\$1/i)
      expect(refused.truth).toEqual([expect.objectContaining({ entity: 'reservations', id: poisoned, op: 'delete', row: null })])
      const kept = await rows<{ id: string }>(t.db, sql`SELECT id FROM reservations WHERE id IN (${sql.join(payloads.map((p) => sql`${p.id}`), sql`, `)}) ORDER BY id`)
      expect(kept.map((r) => r.id)).toEqual([payloads[0]!.id, payloads[2]!.id, payloads[3]!.id].sort())
      const logged = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM changes WHERE command_id = ${commands[1]!.id}`)
      expect(logged?.n).toBe(0)

      const state = await digest(t.db)
      const again = await push(ws, commands)
      expect(again.body).toEqual(body)
      expect(await digest(t.db)).toEqual(state)
    } finally {
      await t.db.execute(sql.raw(`DROP TRIGGER refuse_one_reservation ON reservations`))
      await t.db.execute(sql.raw(`DROP FUNCTION refuse_one_reservation()`))
    }
  })

  it('an instant no clock gives (year 0000, 9999, 1899) refuses that command alone (INVALID_AT), intent or fact; the queue moves on, a retry answers the same', async () => {
    const ws = await enrol(t, 'Guichet horloge impossible')
    const guardian = await guardianOf(t.db, town[5]!.familyId)
    const contacts = { familyId: town[5]!.familyId, personId: guardian, phoneMobile: '06 12 34 56 78', phoneHome: null, phoneWork: null, email: null }
    const commands = [
      { ...cmd(1, 'reservations.book', book(4, '2026-12-10')), at: '0000-01-01T00:00:00Z' },
      { ...cmd(2, 'families.updateContacts', contacts), at: '9999-12-31T23:59:59Z' },
      { ...cmd(3, 'reservations.book', book(5, '2026-12-10')), at: '1899-12-31T23:00:00Z' },
      cmd(4, 'reservations.book', book(6, '2026-12-10')),
    ]
    const before = await maxSeq(t.db)
    const res = await push(ws, commands)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const body = PushResponseSchema.parse(res.body)
    expect(body.lastAppliedSeq).toBe(4)
    expect(body.results.map((r) => r.code ?? r.status)).toEqual(['INVALID_AT', 'INVALID_AT', 'INVALID_AT', 'applied'])
    expect(body.results[0]!.reason).toMatch(/instant impossible/)
    // Only the last command wrote anything (one booking: one change).
    expect(await maxSeq(t.db)).toBe(before + 1)
    const stored = await rows<{ seq: number; at: string | null; received_at: string | null }>(
      t.db,
      sql`SELECT seq, at, received_at FROM applied_commands WHERE workstation_id = ${ws.workstationId} ORDER BY seq`,
    )
    expect(stored.map((r) => [Number(r.seq), r.at === null, r.received_at !== null])).toEqual([
      [1, true, true],
      [2, true, true],
      [3, true, true],
      [4, false, true],
    ])
    const again = await push(ws, commands)
    expect(again.body).toEqual(body)
  })

  it('a revoke during a push of 200 commands takes effect at the next batch: the batches done are answered, the next request gets 401', async () => {
    const ws = await enrol(t, 'Guichet révoqué en cours d’envoi')
    const admin = await adminToken(t)
    // Every booking costs a few milliseconds more (a test trigger), so that the push lasts long enough to be revoked in the middle.
    await t.db.execute(
      sql.raw(`CREATE OR REPLACE FUNCTION slow_reservation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM count(*) FROM generate_series(1, 50000); RETURN NEW; END $$`),
    )
    await t.db.execute(sql.raw(`CREATE TRIGGER slow_reservation BEFORE INSERT ON reservations FOR EACH ROW EXECUTE FUNCTION slow_reservation()`))
    try {
      // School days no earlier test booked (January on): every booking is applied, each slowed by the trigger.
      const days = BOOK_DAYS.slice(8, 26)
      const commands = Array.from({ length: 200 }, (_, i) => cmd(i + 1, 'reservations.book', book(i, days[Math.floor(i / town.length) % days.length])))
      const pushed = push(ws, commands)
      // Revoke once the first batch of 50 has committed (no fixed delay: the machine may be slow).
      const deadline = Date.now() + 60_000
      for (;;) {
        const progress = await one<{ last: number }>(t.db, sql`SELECT last_applied_seq::int AS last FROM workstations WHERE id = ${ws.workstationId}`)
        if ((progress?.last ?? 0) >= 50) break
        if (Date.now() > deadline) throw new Error('the push never committed its first batch')
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      const revoked = await t.api<{ workstation: { revokedAt: string | null } }>('POST', `/admin/workstations/${ws.workstationId}/revoke`, { token: admin })
      expect(revoked.status).toBe(200)
      const res = await pushed
      expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200)
      const body = PushResponseSchema.parse(res.body)
      const done = body.results.length
      // Whole batches, at least the first, and not the whole push: the revoke did not wait for it.
      expect(done % 50).toBe(0)
      expect(done).toBeGreaterThanOrEqual(50)
      expect(done).toBeLessThan(200)
      expect(body.results.map((r) => r.seq)).toEqual(commands.slice(0, done).map((c) => c.seq))
      expect(body.lastAppliedSeq).toBe(done)
      const row = await one<{ last: number }>(t.db, sql`SELECT last_applied_seq::int AS last FROM workstations WHERE id = ${ws.workstationId}`)
      expect(row?.last).toBe(done)
      const after = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM applied_commands WHERE workstation_id = ${ws.workstationId}`)
      expect(after?.n).toBe(done)
      // The next request: 401.
      const next = await push(ws, commands.slice(done))
      expect(next.status).toBe(401)
      expect(PortalErrorSchema.parse(next.body).error.code).toBe('UNAUTHORIZED')
    } finally {
      await t.db.execute(sql.raw(`DROP TRIGGER slow_reservation ON reservations`))
      await t.db.execute(sql.raw(`DROP FUNCTION slow_reservation()`))
    }
  })

  it('a pull cursor beyond the portal’s last change: 409 CURSOR_AHEAD with the portal’s seq (a portal restored from a backup)', async () => {
    const ws = await enrol(t, 'Guichet en avance')
    const seq = await maxSeq(t.db)
    const at = await t.api('GET', `/sync/pull?cursor=${seq}`, { token: ws.token })
    expect(at.status).toBe(200)
    expect(PullResponseSchema.parse(at.body)).toEqual({ changes: [], cursor: seq, hasMore: false })
    for (const cursor of [seq + 1, seq + 5000]) {
      const res = await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })
      expect(res.status).toBe(409)
      const error = PortalErrorSchema.parse(res.body).error
      expect(error).toMatchObject({ code: 'CURSOR_AHEAD', portalSeq: seq })
      expect(error.message).toMatch(/restauré/)
    }
  })
})
