import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DuplicateCandidate, DuplicateDraft } from '../../../src/shared/contract'
import { reindexFamilies } from '../../../src/main/core/services/search'
import { AGENTS, addAgents, addFamily, makeCore } from '../../helpers/core'

/** families.findDuplicates on a real SQLite file (issue 8, "duplicates before creation"). */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
const ids: Record<string, string> = {}

beforeEach(async () => {
  core = await makeCore()
  addAgents(core.sqlite)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  ids.lefevre = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre', relation: 'Mère', phoneMobile: '06 12 34 56 78', email: 'Marie.Lefevre@orange.fr' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', birthDate: '2019-05-03' },
    ],
  })
  ids.lefebvre = addFamily(core.sqlite, { code: '100002A', name: 'Lefebvre', members: [{ role: 'RL1', firstNames: 'Paul', lastName: 'Lefebvre' }] })
  ids.martinLea = addFamily(core.sqlite, {
    code: '100003B',
    name: 'Martin',
    members: [
      { role: 'RL1', firstNames: 'Luc', lastName: 'Martin' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Martin', birthDate: '2019-05-03' },
    ],
  })
  for (let i = 0; i < 7; i++) addFamily(core.sqlite, { code: `10001${i}C`, name: 'Martin', members: [{ role: 'RL1', firstNames: `Jean${i}`, lastName: 'Martin' }] })
  ids.legoff = addFamily(core.sqlite, { code: '100020D', name: 'Le Goff', members: [{ role: 'RL1', firstNames: 'Yann', lastName: 'Le Goff' }] })
  core.sqlite.prepare(`UPDATE persons SET sex = 'F' WHERE first_names IN ('Léa', 'Marie')`).run()
})
afterEach(() => core.cleanup())

async function dupes(draft: Partial<DuplicateDraft>): Promise<DuplicateCandidate[]> {
  const r = await core.call(session, 'families', 'findDuplicates', { guardians: [], children: [], ...draft })
  if (!r.ok) throw new Error(r.error.code)
  return (r.data as { candidates: DuplicateCandidate[] }).candidates
}

describe('families.findDuplicates', () => {
  it('the same child (accent-free, close name, same birth date) comes first', async () => {
    const c = await dupes({ children: [{ lastName: 'lefebvre', firstNames: 'lea', birthDate: '2019-05-03' }] })
    expect(c[0]?.family.id).toBe(ids.lefevre)
    expect(c[0]?.reasons[0]).toBe('même enfant : Léa Lefèvre née le 03/05/2019')
    // Léa Martin, born the same day, is another child.
    expect(c.some((x) => x.family.id === ids.martinLea)).toBe(false)
  })

  it('a child of the same name but another birth date is not the same child', async () => {
    const c = await dupes({ children: [{ lastName: 'Lefèvre', firstNames: 'Léa', birthDate: '2018-01-01' }] })
    expect(c.some((x) => x.reasons.some((r) => r.startsWith('même enfant')))).toBe(false)
  })

  it('the same phone (typed another way) or e-mail (another case)', async () => {
    const byPhone = await dupes({ guardians: [{ phone: '+33 6 12 34 56 78' }] })
    expect(byPhone.map((x) => [x.family.id, x.reasons])).toEqual([[ids.lefevre, ['même téléphone']]])
    const byMail = await dupes({ guardians: [{ email: 'marie.lefevre@ORANGE.fr' }] })
    expect(byMail.map((x) => [x.family.id, x.reasons])).toEqual([[ids.lefevre, ['même e-mail']]])
  })

  it('close guardian names: the same name first, then the close one, with the reason', async () => {
    const c = await dupes({ guardians: [{ lastName: 'Lefebvre' }] })
    expect(c.map((x) => x.family.id)).toEqual([ids.lefebvre, ids.lefevre])
    expect(c[0]?.reasons).toEqual(['même nom : Lefebvre'])
    expect(c[1]?.reasons).toEqual(['nom proche : Lefebvre / Lefèvre'])
    expect((await dupes({ guardians: [{ lastName: 'legoff' }] })).map((x) => x.family.id)).toEqual([ids.legoff])
    expect((await dupes({ guardians: [{ lastName: 'Le Gof', firstNames: 'yann' }] }))[0]?.reasons).toEqual(['même responsable : Yann Le Goff'])
  })

  it('strongest first, at most 5', async () => {
    const c = await dupes({
      guardians: [{ lastName: 'Martin', firstNames: 'Luc' }],
      children: [{ lastName: 'Martin', firstNames: 'Léa', birthDate: '2019-05-03' }],
    })
    expect(c).toHaveLength(5)
    expect(c[0]?.family.id).toBe(ids.martinLea)
    expect(c[0]?.reasons).toEqual(['même enfant : Léa Martin née le 03/05/2019', 'même responsable : Luc Martin'])
    expect(c.slice(1).every((x) => x.reasons.join() === 'même nom : Martin')).toBe(true)
    for (let i = 1; i < c.length; i++) expect(c[i - 1]!.score).toBeGreaterThanOrEqual(c[i]!.score)
  })

  it('a draft still empty or partial finds nothing and fails nothing; the edited family and merged files are left out', async () => {
    expect(await dupes({})).toEqual([])
    expect(await dupes({ guardians: [{ lastName: 'L' }], children: [{ firstNames: '', birthDate: '2019-0' }] })).toEqual([])
    expect(await dupes({ guardians: [{ lastName: 'Lefebvre' }], excludeFamilyId: ids.lefebvre })).toHaveLength(1)
    core.sqlite.prepare(`UPDATE families SET merged_into = ? WHERE id = ?`).run(ids.lefebvre, ids.lefevre)
    reindexFamilies(core.sqlite, [ids.lefevre!])
    expect((await dupes({ guardians: [{ lastName: 'Lefebvre' }] })).map((x) => x.family.id)).toEqual([ids.lefebvre])
  })

  it('refuses unknown fields', async () => {
    const r = await core.call(session, 'families', 'findDuplicates', { guardians: [], children: [], sql: 1 })
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })
})
