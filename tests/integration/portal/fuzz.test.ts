import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PushResponseSchema, type EnrolResponse, type PushCommand } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { backends } from './backends'
import { adminToken, command, digest, enrol, kids, siteIds, startTestPortal, type ApiResponse, type Kid, type RequestOptions, type TestPortal } from './helpers'

/**
 * The portal's trust boundary under fire (issue 7, "Input hygiene everywhere"): fast-check
 * generates push batches and family requests, valid and hostile mixed (NUL, lone surrogates,
 * control characters, huge numbers, wrong types, days that do not exist, unknown commands,
 * bad keys, deep nesting, broken JSON, valid bookings and contact changes), and sends them to
 * the real portal over HTTP. Whatever comes:
 * - no answer is a 5xx;
 * - a batch with a well-formed envelope (seq = last + 1, …) always gets one result per command
 *   and moves lastAppliedSeq to its last seq: bad data in a command is that command's rejection,
 *   it never blocks the queue; a retry of the batch answers the same and changes nothing;
 * - a refused request (4xx), or a batch whose commands were all rejected, leaves the shared
 *   tables as they were (every write to them goes through the change log: its last seq, the
 *   applied commands and the workstations' last applied seqs are compared).
 *
 * Generated requests (push batches and family requests): at least FUZZ_TOTAL (10,000) per
 * backend, carrying some 10,000 generated commands more. The seed is fixed
 * (FUZZ_SEED overrides it) so that CI is reproducible; fast-check prints the failing input.
 */

const FUZZ_TOTAL = 10_000
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201)
/** Push batches (MIN_BATCH … MAX_BATCH commands each, about 3.5 on average) and family requests per backend. */
const PUSH_RUNS = 3_000
const FAMILY_RUNS = 7_000
const MIN_BATCH = 1
const MAX_BATCH = 6

// --- hostile material --------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '\u0000',
  '\ud800',
  '\udfff',
  '\ud83d',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\r',
  '\n',
  '\t',
  '\u2028',
  '\u202e',
  '\ufeff',
  '\uffff',
  '😀',
  "'",
  '"',
  '\\',
  '%00',
  '${x}',
  "'; DROP TABLE families; --",
)
const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'B', 'é', '1', ' ', '-', '.', '@') },
  { weight: 2, arbitrary: nasty },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
)
const text = fc.oneof(
  { weight: 8, arbitrary: fc.array(char, { maxLength: 12 }).map((a) => a.join('')) },
  { weight: 1, arbitrary: fc.constantFrom(64, 200, 501, 5_000).map((n) => 'x'.repeat(n)) },
)
const huge = fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -1, 0, -0, 1.5, 10_000_001, 2 ** 31, -(2 ** 63))
const badDay = fc.constantFrom('2027-02-31', '0000-00-00', '2023-02-29', '1899-12-31', '2101-01-01', '2027-13-01', '2027-1-1', '9999-99-99', '2027-02-28T00:00')
const goodDay = fc
  .integer({ min: 0, max: 200 })
  .map((n) => new Date(Date.UTC(2026, 11, 1) + n * 86_400_000).toISOString().slice(0, 10))
const deep = fc.integer({ min: 20, max: 200 }).map((n) => {
  let v: unknown = 'x'
  for (let i = 0; i < n; i++) v = [v]
  return v
})
const scalar = fc.oneof(text, huge, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), badDay, goodDay, fc.uuid())
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(text, tie('v'), { maxKeys: 3 }),
  ),
})).v
const anything = fc.oneof({ weight: 9, arbitrary: value }, { weight: 1, arbitrary: deep })

/** A valid payload, or one with a field replaced, dropped, or a hostile key added. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(valid, fc.integer({ min: 0, max: 5 }), fc.nat(), anything, text, fc.oneof(text, badDay))
    .map(([p, mode, i, v, key, s]) => {
      const keys = Object.keys(p)
      const k = keys[i % keys.length] as string
      const out = { ...p }
      if (mode === 1) out[k] = v
      else if (mode === 2) out[k] = s
      else if (mode === 3) delete out[k]
      else if (mode === 4) out[key] = v
      else if (mode === 5) out.date = s
      return out
    })
}

interface Spec {
  name: string
  payload: unknown
  /** An ISO instant no clock gives (it passes the envelope's syntax): that command's rejection. */
  at?: string
}

type Light = { maxSeq: number; applied: number; lastApplied: number }

describe.each(backends)('portal fuzz: hostile input never 5xx, never blocks a queue, never changes state when refused ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse
  let town: Kid[]
  let family: string
  let last = 0
  /** Reservations the fuzz booked (cancels aim at them too). */
  const booked: string[] = []
  /** The state after the last request (nothing else writes meanwhile): the next one's "before". */
  let state: Light | null = null
  const counts = { pushRequests: 0, commands: 0, familyRequests: 0, rejected: 0, applied: 0, refused4xx: 0 }

  /** What refused input must not move (one query): the change log, the applied commands, the queues. */
  const light = async (): Promise<Light> => {
    const r = await one<{ s: string | number | null; a: number; l: string | number | null }>(
      t.db,
      sql`SELECT (SELECT max(seq) FROM changes) AS s, (SELECT count(*)::int FROM applied_commands) AS a,
                 (SELECT sum(last_applied_seq) FROM workstations) AS l`,
    )
    return { maxSeq: Number(r?.s ?? 0), applied: Number(r?.a ?? 0), lastApplied: Number(r?.l ?? 0) }
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 6 })
    const admin = await adminToken(t)
    ws = await enrol(t)
    town = await kids(t.db)
    const kid = town[0]!
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    const changed = await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Nouveau-mot2passe' } })
    expect(changed.status).toBe(200)
    family = login.body.token
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  async function arbitraries() {
    const sites = await siteIds(t.db)
    const units = (await rows<{ id: string }>(t.db, sql`SELECT id FROM units ORDER BY id`)).map((r) => r.id)
    const guardians = await rows<{ familyId: string; personId: string }>(
      t.db,
      sql`SELECT family_id AS "familyId", person_id AS "personId" FROM family_members WHERE role IN ('RL1', 'RL2') ORDER BY id`,
    )
    const kid = fc.constantFrom(...town)
    // Issue 10: a booking is applied only for a service the child is enrolled in, at the site that
    // serves it, on an open day before its deadline: most generated bookings follow an inscription.
    const enrolled = await rows<{ familyId: string; childId: string; unitId: string; siteId: string }>(
      t.db,
      sql`SELECT family_id AS "familyId", child_id AS "childId", unit_id AS "unitId", site_id AS "siteId" FROM inscriptions WHERE status = 'active' ORDER BY id`,
    )
    const book = fc.oneof(
      {
        weight: 3,
        arbitrary: fc
          .record({ slot: fc.constantFrom(...enrolled), day: goodDay })
          .map(({ slot, day }): Record<string, unknown> => ({ id: uuidv7(), ...slot, date: day })),
      },
      {
        weight: 1,
        arbitrary: fc
          .record({ kid, site: fc.constantFrom(...sites), unit: fc.constantFrom(...units), day: goodDay })
          .map(({ kid, site, unit, day }): Record<string, unknown> => ({ id: uuidv7(), familyId: kid.familyId, childId: kid.childId, unitId: unit, siteId: site, date: day })),
      },
    )
    const ownBook = fc
      .record({ site: fc.constantFrom(...sites), unit: fc.constantFrom(...units), day: goodDay })
      .map(({ site, unit, day }): Record<string, unknown> => ({ id: uuidv7(), childId: town[0]!.childId, unitId: unit, siteId: site, date: day }))
    // Cancel a booking the fuzz made (the family's own or another's), or one that does not exist.
    const known = fc.nat().map((i) => booked[i % booked.length] ?? uuidv7())
    const cancel = fc.oneof(known, fc.uuid()).map((id): Record<string, unknown> => ({ id }))
    const phone = fc.oneof(fc.constantFrom('06 12 34 56 78', '+33 6 98 76 54 32', null), text)
    const contacts = fc
      .record({ g: fc.constantFrom(...guardians), m: phone, h: phone, w: phone, e: fc.oneof(fc.constantFrom('lea@example.fr', null), text) })
      .map(({ g, m, h, w, e }): Record<string, unknown> => ({ familyId: g.familyId, personId: g.personId, phoneMobile: m, phoneHome: h, phoneWork: w, email: e }))
    const ownGuardian = guardians.find((g) => g.familyId === town[0]!.familyId)!
    const ownContacts = fc
      .record({ m: phone, e: fc.oneof(fc.constantFrom('lea@example.fr', null), text) })
      .map(({ m, e }): Record<string, unknown> => ({ personId: ownGuardian.personId, phoneMobile: m, phoneHome: null, phoneWork: null, email: e }))
    const resolve = fc.record({ flagId: fc.uuid(), note: fc.oneof(fc.constant('Vu avec la famille.\nRéglé.'), text) })

    const oddInstant = fc.constantFrom('0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '1899-12-31T23:59:59Z', '2101-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z')
    const plainSpec: fc.Arbitrary<Spec> = fc.oneof(
      { weight: 4, arbitrary: book.map((payload) => ({ name: 'reservations.book', payload })) },
      { weight: 4, arbitrary: mutated(book).map((payload) => ({ name: 'reservations.book', payload })) },
      { weight: 2, arbitrary: mutated(cancel).map((payload) => ({ name: 'reservations.cancel', payload })) },
      { weight: 2, arbitrary: mutated(contacts).map((payload) => ({ name: 'families.updateContacts', payload })) },
      { weight: 1, arbitrary: mutated(resolve).map((payload) => ({ name: 'flags.resolve', payload })) },
      {
        weight: 1,
        arbitrary: fc.record({
          name: fc.constantFrom('reservations.delete', 'payments.recordOnline', '__proto__', 'constructor', 'toString', 'x', 'reservations.book '),
          payload: anything,
        }),
      },
      { weight: 1, arbitrary: fc.record({ name: fc.constantFrom('reservations.book', 'reservations.cancel', 'families.updateContacts', 'flags.resolve'), payload: anything }) },
    )
    const spec: fc.Arbitrary<Spec> = fc.oneof(
      { weight: 19, arbitrary: plainSpec },
      { weight: 1, arbitrary: fc.record({ s: plainSpec, at: oddInstant }).map(({ s, at }) => ({ ...s, at })) },
    )

    /** An envelope the portal must refuse as a whole (a 4xx): the queue does not move, nothing changes. */
    const brokenEnvelope = fc.constantFrom(
      'nul in name',
      'surrogate in name',
      'seq as text',
      'huge seq',
      'gap',
      'bad at',
      'bad agent',
      'extra key',
      'old schema',
      'no commands',
      'not json',
      'payload too deep',
    )
    const batch = fc.oneof(
      { weight: 9, arbitrary: fc.record({ kind: fc.constant('good' as const), specs: fc.array(spec, { minLength: MIN_BATCH, maxLength: MAX_BATCH, size: 'max' }), replay: fc.integer({ min: 0, max: 9 }).map((n) => n === 0) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('broken' as const), specs: fc.array(spec, { minLength: 1, maxLength: 4 }), how: brokenEnvelope }) },
    )

    const safePath = (s: string): string => {
      try {
        return encodeURIComponent(s)
      } catch {
        return '%ED%A0%80'
      }
    }
    const familyRequest: fc.Arbitrary<{ method: string; path: string; opts: RequestOptions }> = fc.oneof(
      { weight: 3, arbitrary: ownBook.map((body) => ({ method: 'POST', path: '/family/reservations', opts: { body } })) },
      { weight: 4, arbitrary: mutated(ownBook).map((body) => ({ method: 'POST', path: '/family/reservations', opts: { body } })) },
      { weight: 1, arbitrary: mutated(book).map((body) => ({ method: 'POST', path: '/family/reservations', opts: { body } })) },
      {
        weight: 2,
        arbitrary: fc.oneof(known, fc.uuid(), text).map((id) => ({ method: 'POST', path: `/family/reservations/${safePath(id)}/cancel`, opts: {} })),
      },
      { weight: 1, arbitrary: ownContacts.map((body) => ({ method: 'PUT', path: '/family/contacts', opts: { body } })) },
      { weight: 3, arbitrary: mutated(ownContacts).map((body) => ({ method: 'PUT', path: '/family/contacts', opts: { body } })) },
      { weight: 1, arbitrary: fc.tuple(text, text).map(([k, v]) => ({ method: 'GET', path: `/family/me?${safePath(k)}=${safePath(v)}`, opts: {} })) },
      { weight: 1, arbitrary: anything.map((body) => ({ method: 'POST', path: '/family/reservations', opts: { body: body ?? {} } })) },
      { weight: 1, arbitrary: text.map((rawBody) => ({ method: 'PUT', path: '/family/contacts', opts: { rawBody: rawBody || '{' } })) },
    )
    return { batch, familyRequest }
  }

  /** After a failed run (fast-check shrinks: more runs follow), the state is read afresh. */
  function guarded<A>(run: (a: A) => Promise<void>): (a: A) => Promise<void> {
    return async (a) => {
      try {
        await run(a)
      } catch (error) {
        state = null
        const row = await one<{ last: string | number }>(t.db, sql`SELECT last_applied_seq AS last FROM workstations WHERE id = ${ws.workstationId}`)
        last = Number(row?.last ?? last)
        throw error
      }
    }
  }

  const push = (body: unknown): Promise<ApiResponse> => t.api('POST', '/sync/push', { token: ws.token, body })

  function broken(how: string, cmds: PushCommand[]): unknown {
    const c = cmds.map((x) => ({ ...x })) as Array<Record<string, unknown>>
    const first = c[0]!
    switch (how) {
      case 'nul in name':
        first.name = 'reservations.book\u0000'
        break
      case 'surrogate in name':
        first.name = '\ud800'
        break
      case 'seq as text':
        first.seq = String(first.seq)
        break
      case 'huge seq':
        first.seq = 1e308
        break
      case 'gap':
        c.forEach((x) => (x.seq = Number(x.seq) + 1))
        break
      case 'bad at':
        first.at = '2027-02-31T00:00:00Z'
        break
      case 'bad agent':
        first.agentId = 'agent\u0000'
        break
      case 'extra key':
        first['x\u0000'] = 1
        break
      case 'old schema':
        return { schemaVersion: 0, commands: c }
      case 'no commands':
        return { schemaVersion: 1, commands: [] }
      case 'not json':
        return 'pas du JSON'
      case 'payload too deep': {
        // A payload nested too deep is that command's rejection, not a broken envelope: see below.
        break
      }
    }
    return { schemaVersion: 1, commands: c }
  }

  it(`${PUSH_RUNS} push batches: no 5xx, the queue always advances, refused input changes nothing`, async () => {
    const { batch } = await arbitraries()
    await fc.assert(
      fc.asyncProperty(batch, guarded(async (b) => {
        const before = (state ??= await light())
        const cmds = b.specs.map((s, i) => ({ ...command(last + 1 + i, s.name, s.payload), ...(s.at ? { at: s.at } : {}) }))
        counts.pushRequests++
        counts.commands += cmds.length
        if (b.kind === 'broken' && b.how !== 'payload too deep') {
          const res = await push(broken(b.how, cmds))
          expect(res.status, `${b.how}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400)
          expect(res.status, b.how).toBeLessThan(500)
          counts.refused4xx++
          expect((state = await light()), b.how).toEqual(before)
          return
        }
        if (b.kind === 'broken') cmds[0] = { ...cmds[0]!, payload: { deep: (await fc.sample(deep, 1))[0] } }
        const res = await push({ schemaVersion: 1, commands: cmds })
        expect(res.status, JSON.stringify(res.body).slice(0, 2000)).toBe(200)
        const body = PushResponseSchema.parse(res.body)
        // Every command got its result, in order, and the queue moved to the last one.
        expect(body.results.map((r) => r.seq)).toEqual(cmds.map((c) => c.seq))
        expect(body.lastAppliedSeq).toBe(last + cmds.length)
        const after = (state = await light())
        expect(after.applied).toBe(before.applied + cmds.length)
        expect(after.lastApplied).toBe(before.lastApplied + cmds.length)
        const applied = body.results.filter((r) => r.status === 'applied').length
        cmds.forEach((c, i) => {
          if (c.name === 'reservations.book' && body.results[i]?.status === 'applied') booked.push(String((c.payload as { id: unknown }).id))
        })
        counts.applied += applied
        counts.rejected += cmds.length - applied
        // Rejected commands keep none of their writes: a batch with no applied command changes no shared table.
        if (applied === 0) expect(after.maxSeq).toBe(before.maxSeq)
        last += cmds.length
        if (b.kind === 'good' && b.replay) {
          // The answer was lost: the retry answers the same and changes nothing.
          const again = await push({ schemaVersion: 1, commands: cmds })
          expect(again.status).toBe(200)
          expect(PushResponseSchema.parse(again.body)).toEqual(body)
          expect(await light()).toEqual(after)
        }
      })),
      { numRuns: PUSH_RUNS, seed: SEED },
    )
  }, 600_000)

  it(`${FAMILY_RUNS} family requests: no 5xx, refused input changes nothing`, async () => {
    const { familyRequest } = await arbitraries()
    await fc.assert(
      fc.asyncProperty(familyRequest, guarded(async (r) => {
        const before = (state ??= await light())
        counts.familyRequests++
        const res = await t.api(r.method, r.path, { ...r.opts, token: family })
        expect(res.status, `${r.method} ${r.path}: ${JSON.stringify(res.body).slice(0, 2000)}`).toBeLessThan(500)
        state = await light()
        if (res.status >= 400) {
          counts.refused4xx++
          expect(state).toEqual(before)
        }
      })),
      { numRuns: FAMILY_RUNS, seed: SEED + 1 },
    )
  }, 600_000)

  it(`reaches ${FUZZ_TOTAL} generated requests, and the portal is still whole`, async () => {
    const total = counts.pushRequests + counts.familyRequests
    console.info(`[fuzz ${backend.name}] ${JSON.stringify({ total, ...counts })}`)
    expect(total).toBeGreaterThanOrEqual(FUZZ_TOTAL)
    expect(counts.rejected).toBeGreaterThan(0)
    expect(counts.applied).toBeGreaterThan(0)
    // The workstation's queue is where the portal says it is, and the portal still answers.
    expect((await digest(t.db)).lastApplied).toBe(last)
    expect((await t.api('GET', '/health')).status).toBe(200)
  })
})
