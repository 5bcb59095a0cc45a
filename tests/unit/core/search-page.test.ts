import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SearchOutput } from '../../../src/shared/contract'
import { ensureSearchIndex, reindexFamilies } from '../../../src/main/core/services/search'
import { AGENTS, addAgents, addFamily, makeCore } from '../../helpers/core'

/**
 * The family search on a real SQLite file (issue 8): the true total, the page, why each family
 * matched, the phonetic and typo second pass ranked after the exact matches, and the safety badges.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
const ids: Record<string, string> = {}

beforeEach(async () => {
  core = await makeCore()
  addAgents(core.sqlite)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  let n = 0
  const code = () => `${200000 + ++n}K`
  for (let i = 0; i < 37; i++) {
    addFamily(core.sqlite, { code: code(), name: 'Bernard', members: [{ role: 'RL1', firstNames: `Paul${i}`, lastName: 'Bernard' }] })
  }
  for (let i = 0; i < 25; i++) {
    addFamily(core.sqlite, { code: code(), name: 'Martin', members: [{ role: 'RL1', firstNames: 'Luc', lastName: 'Martin' }] })
  }
  ids.marton = addFamily(core.sqlite, { code: code(), name: 'Marton', members: [{ role: 'RL1', firstNames: 'Ana', lastName: 'Marton' }] })
  ids.dupont = addFamily(core.sqlite, {
    code: '300001A',
    name: 'Dupont',
    members: [
      { role: 'RL1', firstNames: 'Claire', lastName: 'Dupont', birthName: 'Lefèvre-Martin', relation: 'Mère', phoneMobile: '06 11 22 33 44' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Dupont', birthDate: '2019-05-03' },
      { role: 'contact', firstNames: 'Jean-Baptiste', lastName: 'Fabre', relation: 'Nounou' },
    ],
  })
  ids.lefevre = addFamily(core.sqlite, { code: code(), name: 'Lefèvre', members: [{ role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre' }] })
  ids.lefebvre = addFamily(core.sqlite, { code: code(), name: 'Lefebvre', members: [{ role: 'RL1', firstNames: 'Paul', lastName: 'Lefebvre' }] })
  ids.legoff = addFamily(core.sqlite, { code: code(), name: 'Le Goff', members: [{ role: 'RL1', firstNames: 'Yann', lastName: 'Le Goff' }] })
  ids.muller = addFamily(core.sqlite, { code: code(), name: 'Müller', members: [{ role: 'RL1', firstNames: 'Hans', lastName: 'Müller' }] })
  ids.bertrand = addFamily(core.sqlite, { code: code(), name: 'Bertrand', members: [{ role: 'RL1', firstNames: 'Inès', lastName: 'Bertrand' }] })
})
afterEach(() => core.cleanup())

async function search(q: string, limit?: number): Promise<SearchOutput> {
  const r = await core.call(session, 'families', 'search', limit ? { q, limit } : { q })
  if (!r.ok) throw new Error(r.error.code)
  return r.data as SearchOutput
}

describe('search: the true total', () => {
  it('37 families match, the page shows 20: total 37', async () => {
    const r = await search('bernard')
    expect(r.total).toBe(37)
    expect(r.results).toHaveLength(20)
    expect(r.results.every((f) => f.name === 'Bernard' && !f.approx)).toBe(true)
    expect((await search('bernard', 50)).results).toHaveLength(37)
    expect((await search('paul3')).total).toBe(8) // Paul3, Paul30…Paul36, and no approximate Paul
  })

  it('nothing found: total 0', async () => {
    expect(await search('zzzzzz')).toEqual({ results: [], total: 0 })
    expect(await search('  ')).toEqual({ results: [], total: 0 })
  })
})

describe('search: why each family matched', () => {
  const why = async (q: string, id: string) => (await search(q)).results.find((f) => f.id === id)?.why
  it.each([
    ['fabre', 'dupont', 'via le contact Jean-Baptiste Fabre (nounou)'],
    ['jean baptiste', 'dupont', 'via le contact Jean-Baptiste Fabre (nounou)'],
    ['lefevre martin', 'dupont', 'via la mère, née Lefèvre-Martin'],
    ['lea', 'dupont', 'via l’enfant Léa Dupont'],
    ['dupont', 'dupont', 'nom de famille'],
    ['300001', 'dupont', 'code famille'],
    ['06 11 22', 'dupont', 'téléphone de la mère'],
    ['claire', 'dupont', 'via la mère, Claire Dupont'],
  ])('"%s" → %s: « %s »', async (q, key, text) => {
    expect(await why(q, ids[key]!)).toContain(text)
  })
})

describe('search: the phonetic and typo second pass', () => {
  it('"lefebvre" finds Lefebvre first (exact), then the Lefèvre (phonetic)', async () => {
    const r = await search('lefebvre')
    expect(r.results.map((f) => f.id)).toEqual([ids.lefebvre, ids.lefevre, ids.dupont])
    expect(r.total).toBe(3)
    expect(r.results[0]).toMatchObject({ approx: false, why: ['nom de famille'] })
    expect(r.results[1]).toMatchObject({ approx: true, why: ['nom proche (phonétique) : Lefèvre'] })
    expect(r.results[2]).toMatchObject({ approx: true, why: ['nom proche (phonétique) : la mère, née Lefèvre-Martin'] })
  })

  it('"lefevre" finds the Lefèvre (exact), then Lefebvre', async () => {
    const r = await search('lefevre')
    expect(r.results.map((f) => [f.id, f.approx])).toEqual([
      [ids.lefevre, false],
      [ids.dupont, false],
      [ids.lefebvre, true],
    ])
  })

  it('"legoff" finds Le Goff; "muler" finds Müller; "bertrnad" (a typo) finds Bertrand', async () => {
    // A name of several words is indexed written in one too: an exact match.
    expect((await search('legoff')).results.map((f) => [f.id, f.approx, f.why])).toEqual([[ids.legoff, false, ['nom de famille']]])
    expect((await search('garcai')).results).toEqual([]) // nobody near
    expect((await search('bertrnad')).total).toBe(1)
    expect((await search('muler')).results.map((f) => f.id)).toEqual([ids.muller])
    const typo = await search('bertrnad')
    expect(typo.results.map((f) => f.id)).toEqual([ids.bertrand])
    expect(typo.results[0]?.why).toEqual(['nom proche (faute de frappe) : Bertrand'])
  })

  it('with a first name too: "muler hans"', async () => {
    expect((await search('muler hans')).results.map((f) => f.id)).toEqual([ids.muller])
    expect((await search('muler paul')).results).toEqual([])
  })

  it('"martin" does not bring the Martons, nor "marton" the Martins', async () => {
    const martin = await search('martin', 50)
    expect(martin.total).toBe(26) // 25 Martin families and the mother née Lefèvre-Martin
    expect(martin.results.some((f) => f.id === ids.marton)).toBe(false)
    const marton = await search('marton')
    expect(marton.results.map((f) => f.id)).toEqual([ids.marton])
    expect(marton.total).toBe(1)
  })

  it('a phone or code is never searched approximately', async () => {
    expect(await search('0699')).toEqual({ results: [], total: 0 })
  })
})

describe('search: safety badges and merged files', () => {
  it('a person forbidden to pick up, a child with a PAI and a custody ruling are in the summary', async () => {
    const plain = (await search('dupont')).results[0]
    expect(plain?.alerts).toEqual({ forbiddenPickUp: [], pai: [], custody: false })
    core.sqlite.prepare(`UPDATE family_members SET forbidden_pick_up = 1 WHERE family_id = ? AND role = 'contact'`).run(ids.dupont)
    core.sqlite.prepare(`UPDATE persons SET pai = 1 WHERE first_names = 'Léa'`).run()
    core.sqlite.prepare(`UPDATE families SET separated_parents = 1 WHERE id = ?`).run(ids.dupont)
    reindexFamilies(core.sqlite, [ids.dupont!])
    expect((await search('dupont')).results[0]?.alerts).toEqual({ forbiddenPickUp: ['Jean-Baptiste Fabre'], pai: ['Léa'], custody: true })
  })

  it('a family merged into another is no longer found', async () => {
    core.sqlite.prepare(`UPDATE families SET merged_into = ?, merged_at = '2026-11-16T08:00:00.000Z' WHERE id = ?`).run(ids.lefevre, ids.lefebvre)
    reindexFamilies(core.sqlite, [ids.lefebvre!])
    expect((await search('lefebvre')).results.map((f) => f.id)).not.toContain(ids.lefebvre)
    expect((await search('lefebvre')).results.map((f) => f.id)).toContain(ids.lefevre)
  })

  it('an index of another document version is rebuilt at start', () => {
    core.sqlite.prepare('DELETE FROM family_search').run()
    expect(ensureSearchIndex(core.sqlite)).toBe(0) // same version: nothing done
    core.sqlite.prepare(`DELETE FROM settings WHERE key = 'search.doc_version'`).run()
    expect(ensureSearchIndex(core.sqlite)).toBeGreaterThan(60)
    expect(core.sqlite.prepare('SELECT count(*) FROM family_search').pluck().get()).toBe(core.sqlite.prepare('SELECT count(*) FROM families').pluck().get())
  })
})
