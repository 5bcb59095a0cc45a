import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { reindexFamilies, toMatchQuery } from '../../../src/main/core/services/search'
import { AGENTS, addAgents, addFamily, count, makeCore } from '../../helpers/core'

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let ids: Record<string, string>

beforeEach(async () => {
  core = await makeCore()
  addAgents(core.sqlite)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  ids = {
    lefevre: addFamily(core.sqlite, {
      code: '100001K',
      name: 'Lefèvre',
      members: [
        { role: 'RL1', firstNames: 'Marie-Hélène', lastName: 'Lefèvre', birthName: 'Crépin', phoneMobile: '06 12 34 56 78', email: 'mh.lefevre@orange.fr' },
        { role: 'RL2', firstNames: 'Jean-Baptiste', lastName: 'Lefèvre', phoneMobile: '07 98 76 54 32' },
        { role: 'enfant', firstNames: 'Éloïse', lastName: 'Lefèvre', birthDate: '2019-04-02', level: 'CP' },
        { role: 'contact', firstNames: 'Odette', lastName: 'Crépin', relation: 'Grand-mère', mayPickUp: true },
      ],
    }),
    lefebvre: addFamily(core.sqlite, {
      code: '100002A',
      name: 'Lefebvre',
      members: [{ role: 'RL1', firstNames: 'Paul', lastName: 'Lefebvre' }, { role: 'enfant', firstNames: 'Zoé', lastName: 'Lefebvre', level: 'MS' }],
    }),
    almeida: addFamily(core.sqlite, {
      code: '100003B',
      name: "D'Almeida",
      city: 'Chatou',
      members: [{ role: 'RL1', firstNames: 'Inès', lastName: "D'Almeida", email: 'ines.dalmeida@free.fr' }, { role: 'enfant', firstNames: 'Noé', lastName: "D'Almeida", level: 'GS' }],
    }),
  }
})
afterEach(() => core.cleanup())

async function search(q: string): Promise<string[]> {
  const r = await core.call(session, 'families', 'search', { q })
  if (!r.ok) throw new Error(r.error.code)
  return (r.data as { results: Array<{ id: string }> }).results.map((x) => x.id)
}

describe('family search', () => {
  it.each([
    ['lefevre', 'lefevre'],
    ['LEFÈVRE', 'lefevre'],
    ['jean baptiste', 'lefevre'],
    ['jean-baptiste lef', 'lefevre'],
    ['jeanbaptiste', 'lefevre'],
    ['eloise', 'lefevre'],
    ['crepin', 'lefevre'],
    ['100001K', 'lefevre'],
    ['100001', 'lefevre'],
    ['06 12 34', 'lefevre'],
    ['06.12.34.56.78', 'lefevre'],
    ['+33 7 98 76 54 32', 'lefevre'],
    ['mh.lefevre@orange.fr', 'lefevre'],
    ['zoe', 'lefebvre'],
    ["d'almeida", 'almeida'],
    ['dalmeida', 'almeida'],
    ['almeida ines', 'almeida'],
    ['ines.dalmeida@', 'almeida'],
  ])('"%s" finds the %s family', async (q, key) => {
    expect(await search(q)).toContain(ids[key])
  })

  it('matches every word ("lefevre noe" finds nobody; "lef" finds both Lefèvre and Lefebvre)', async () => {
    expect(await search('lefevre noe')).toEqual([])
    // "lefevre zoe": no exact match, but the phonetic pass finds Zoé Lefebvre (tests/unit/core/search-page.test.ts).
    expect(await search('lefevre zoe')).toEqual([ids.lefebvre])
    expect((await search('lef')).sort()).toEqual([ids.lefevre, ids.lefebvre].sort())
  })

  it('returns nothing for an empty or punctuation-only query, without error', async () => {
    expect(await search('')).toEqual([])
    expect(await search('  - ')).toEqual([])
    expect(await search('"*)(NEAR')).toEqual([])
  })

  it('builds safe FTS queries whatever is typed', () => {
    expect(toMatchQuery('Jean-Baptiste')).toBe('"jean"* "baptiste"*')
    expect(toMatchQuery('a"b OR c')).toBe('"a"* "b"* "or"* "c"*')
    expect(toMatchQuery('06 12')).toBe('"0612"*')
    expect(toMatchQuery('   ')).toBeNull()
  })

  it('summaries show guardians, children with level, city', async () => {
    const r = await core.call(session, 'families', 'search', { q: 'almeida' })
    expect(r).toMatchObject({
      ok: true,
      data: { results: [{ code: '100003B', name: "D'Almeida", guardians: ["Inès D'Almeida"], children: ['Noé (GS)'], city: 'Chatou' }] },
    })
  })

  it('follows changes once the family is reindexed', async () => {
    core.sqlite.prepare(`UPDATE persons SET first_names = 'Anaïs' WHERE first_names = 'Zoé'`).run()
    reindexFamilies(core.sqlite, [ids.lefebvre!])
    expect(await search('anais')).toEqual([ids.lefebvre])
    expect(await search('zoe')).toEqual([])
  })

  it('rejects oversize queries and unknown fields', async () => {
    expect(await core.call(session, 'families', 'search', { q: 'x'.repeat(101) })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await core.call(session, 'families', 'search', { q: 'x', sql: 'drop' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await core.call(session, 'families', 'search', { q: 'x', limit: 10_000 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  })
})

describe('family file', () => {
  it('returns guardians, children with school, contacts', async () => {
    const r = await core.call(session, 'families', 'get', { id: ids.lefevre })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.data).toMatchObject({
      code: '100001K',
      name: 'Lefèvre',
      address: { postcode: '78420', city: 'Carrières-sur-Seine' },
      guardians: [
        { role: 'RL1', firstNames: 'Marie-Hélène', birthName: 'Crépin', phones: { mobile: '06 12 34 56 78' } },
        { role: 'RL2', firstNames: 'Jean-Baptiste' },
      ],
      children: [{ firstNames: 'Éloïse', birthDate: '2019-04-02', schooling: { level: 'CP', schoolName: 'Groupe scolaire Les Amandiers', schoolYear: '2026-2027' } }],
      contacts: [{ firstNames: 'Odette', relation: 'Grand-mère', mayPickUp: true, forbiddenPickUp: false }],
    })
  })

  it('journals every read of a family file (who, which family, which workstation)', async () => {
    await core.call(session, 'families', 'get', { id: ids.lefevre })
    const rows = core.sqlite.prepare(`SELECT * FROM journal WHERE action = 'families.get'`).all() as Array<Record<string, unknown>>
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ entity: 'family', entity_id: ids.lefevre, outcome: 'ok', workstation_id: core.settings().workstationId })
    expect(rows[0]!.agent_id).toBe(session.agentId)
  })

  it('answers NOT_FOUND for an unknown family and INVALID_INPUT for a malformed id', async () => {
    expect(await core.call(session, 'families', 'get', { id: '0190f3a0-0000-7000-8000-000000000000' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await core.call(session, 'families', 'get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(count(core.sqlite, 'journal', `action = 'families.get'`)).toBe(0)
  })
})
