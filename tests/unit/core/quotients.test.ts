import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { QuotientList } from '@shared/contract/quotients'
import { AGENTS, addAgents, addFamily, count, fakeClock, makeCore } from '../../helpers/core'

/**
 * The quotient familial at the counter (issue 8, item 5), on a real SQLite file: entered from
 * its source with its reference month, or computed from income and parts (the shared formula);
 * valid from the first day of next month by default; the history is kept and the QF in force on
 * any day can be looked up; each record is a fact queued for the portal.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let agents: ReturnType<typeof addAgents>
let familyId: string
const clock = fakeClock('2026-11-27T09:00:00Z')

beforeEach(async () => {
  core = await makeCore({ now: clock.now })
  agents = addAgents(core.sqlite)
  session = core.openSession()
  const login = await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  expect(login.ok).toBe(true)
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', level: 'CP' },
      { role: 'enfant', firstNames: 'Tom', lastName: 'Lefèvre', level: 'CE2' },
    ],
  })
})
afterEach(() => core.cleanup())

async function ok<T>(p: Promise<{ ok: boolean; data?: unknown; error?: unknown }>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.data as T
}

const outbox = () =>
  core.sqlite.prepare('SELECT command_id AS commandId, name, payload FROM outbox ORDER BY seq').all() as Array<{ commandId: string; name: string; payload: string }>

describe('quotients.record at the counter', () => {
  it('records a CAF quotient with its reference month, valid from the first day of next month, queued as a fact', async () => {
    const list = await ok<QuotientList>(core.call(session, 'quotients', 'record', { familyId, source: 'caf', value: 812, referenceMonth: '2026-10' }))
    expect(list.today).toBe('2026-11-27')
    expect(list.items).toHaveLength(1)
    expect(list.items[0]).toMatchObject({ value: 812, source: 'caf', referenceMonth: '2026-10', validFrom: '2026-12-01', partsX2: null, agentName: AGENTS.accueil.displayName })
    // Not retroactive: nothing in force today yet.
    expect(list.inForce).toBeNull()
    const row = core.sqlite.prepare('SELECT * FROM quotients').get() as Record<string, unknown>
    expect(row).toMatchObject({ family_id: familyId, value: 812, source: 'caf', valid_from: '2026-12-01', agent_id: agents.accueil.id })
    const [queued] = outbox()
    expect(queued!.name).toBe('quotients.record')
    expect(JSON.parse(queued!.payload)).toEqual({
      id: row.id,
      familyId,
      validFrom: '2026-12-01',
      documentId: null,
      source: 'caf',
      value: 812,
      referenceMonth: '2026-10',
    })
    // The portal raises the flags; none is written here.
    expect(count(core.sqlite, 'flags')).toBe(0)
  })

  it('computes the QF from income and parts with the shared formula and stores the inputs and parts × 2', async () => {
    // 36 000 € a year, 200 € of monthly benefits, 2 children → 3 parts: (3 000 + 200) / 3 = 1 066,67 → 1 066 (rounded down).
    const list = await ok<QuotientList>(
      core.call(session, 'quotients', 'record', { familyId, source: 'calcul', annualIncomeCents: 3_600_000, monthlyBenefitsCents: 20_000, partsX2: 6 }),
    )
    expect(list.items[0]).toMatchObject({ value: 1066, source: 'calcul', annualIncomeCents: 3_600_000, monthlyBenefitsCents: 20_000, partsX2: 6, referenceMonth: null })
    expect(JSON.parse(outbox()[0]!.payload)).toMatchObject({ source: 'calcul', value: 1066, partsX2: 6 })
  })

  it('refuses a certificate without its reference month, at the field, and saves nothing', async () => {
    const r = await core.call(session, 'quotients', 'record', { familyId, source: 'msa', value: 700, referenceMonth: null })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('INVALID_INPUT')
    expect(r.error.details?.issues?.map((i) => i.path)).toEqual(['referenceMonth'])
    const bad = await core.call(session, 'quotients', 'record', { familyId, source: 'calcul', annualIncomeCents: -1, monthlyBenefitsCents: 0, partsX2: 1 })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.details?.issues?.map((i) => i.path).sort()).toEqual(['annualIncomeCents', 'partsX2'])
    expect(count(core.sqlite, 'quotients')).toBe(0)
    expect(outbox()).toEqual([])
  })

  it('keeps the history and looks up the QF in force on any day (a correction on the same day wins)', async () => {
    await ok(core.call(session, 'quotients', 'record', { familyId, source: 'avis_imposition', value: 950, referenceMonth: '2025-12', validFrom: '2026-09-01' }))
    await ok(core.call(session, 'quotients', 'record', { familyId, source: 'caf', value: 720, referenceMonth: '2026-11', validFrom: '2027-01-01' }))
    clock.advance(60)
    const corrected = await ok<QuotientList>(core.call(session, 'quotients', 'record', { familyId, source: 'caf', value: 702, referenceMonth: '2026-11', validFrom: '2027-01-01' }))
    expect(corrected.items.map((q) => q.value)).toEqual([702, 720, 950])
    expect(corrected.inForce?.value).toBe(950)
    const on = async (day: string) => (await ok<{ quotient: { value: number } | null }>(core.call(session, 'quotients', 'inForce', { familyId, day }))).quotient?.value ?? null
    expect(await on('2026-08-31')).toBeNull()
    expect(await on('2026-09-01')).toBe(950)
    expect(await on('2026-12-31')).toBe(950)
    expect(await on('2027-01-01')).toBe(702)
    const unknown = await core.call(session, 'quotients', 'inForce', { familyId: '01900000-0000-7000-8000-000000000000', day: '2027-01-01' })
    expect(unknown.ok ? null : unknown.error.code).toBe('NOT_FOUND')
  })
})
