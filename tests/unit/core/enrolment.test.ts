import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import type { CreateFamilyInput, FamilyFile, InputOf, MethodOf, Namespace, OutputOf, Result } from '@shared/contract'
import { codeFamille, isValidCodeFamille } from '@shared/domain/codeFamille'
import { setSetting } from '../../../src/main/core/services/settings'
import { SYNC_KEYS } from '../../../src/main/core/sync/state'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { AGENTS, addAgents, count, makeCore, type TestCore } from '../../helpers/core'

/**
 * Enrolment at the counter on a real SQLite file: the whole file created at once (code famille
 * from this workstation's range, offline), bad input refused at its field with nothing saved,
 * edits with their history, a shared-custody child in a second family, merging two files.
 */

const NOW = new Date('2026-11-16T08:00:00Z')
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let schoolId: string

function enrolRange(first: number, last: number): void {
  const workstationId = core.sqlite.prepare(`SELECT value FROM settings WHERE key = 'workstation.id'`).pluck().get() as string | undefined
  const id = workstationId ?? uuidv7()
  setSetting(core.sqlite, SYNC_KEYS.workstationId, id)
  setSetting(core.sqlite, SYNC_KEYS.codeFamilleFirst, String(first))
  setSetting(core.sqlite, SYNC_KEYS.codeFamilleLast, String(last))
  setSetting(core.sqlite, SYNC_KEYS.receiptSeries, 'G07')
}

const person = (over: Partial<NonNullable<CreateFamilyInput['members'][number]['person']>> = {}) => ({
  civility: null,
  lastName: 'Lefèvre',
  birthName: null,
  firstNames: 'Marie',
  sex: null,
  birthDate: null,
  birthCommune: null,
  birthCountry: null,
  address: null,
  phoneMobile: null,
  phoneHome: null,
  phoneWork: null,
  email: null,
  profession: null,
  employer: null,
  pai: false,
  ...over,
})

const auth = (over: Partial<CreateFamilyInput['members'][number]['authorisations']> = {}) => ({
  legalGuardian: false,
  emergencyContact: false,
  mayPickUp: false,
  forbiddenPickUp: false,
  ...over,
})

function newFamily(): CreateFamilyInput & { ids: Record<'mother' | 'lea' | 'tom' | 'nanny' | 'ex', string> } {
  const ids: Record<'mother' | 'lea' | 'tom' | 'nanny' | 'ex', string> = { mother: uuidv7(), lea: uuidv7(), tom: uuidv7(), nanny: uuidv7(), ex: uuidv7() }
  return {
    ids,
    familyId: uuidv7(),
    family: {
      name: 'Lefèvre',
      address: { line1: '12 rue Victor-Hugo', line2: null, postcode: '78420', city: 'Carrières-sur-Seine' },
      caisse: 'CAF',
      allocataireNumber: '1234567',
      resident: true,
      separatedParents: true,
      hosted: false,
      paperlessInvoices: true,
      consentQfApi: true,
      consentImage: false,
      consentEmergencyCare: true,
      payerPersonId: ids.mother,
    },
    members: [
      {
        memberId: uuidv7(),
        personId: ids.mother,
        role: 'RL1',
        relation: 'mère',
        authorisations: auth({ legalGuardian: true, mayPickUp: true }),
        person: person({ civility: 'Mme', birthDate: '1988-04-02', phoneMobile: '06 12 34 56 78', email: 'marie.lefevre@example.fr', birthName: 'Martin' }),
      },
      {
        memberId: uuidv7(),
        personId: ids.lea,
        role: 'enfant',
        relation: null,
        authorisations: auth(),
        person: person({ firstNames: 'Léa', birthDate: '2019-05-03', sex: 'F', pai: true }),
      },
      { memberId: uuidv7(), personId: ids.tom, role: 'enfant', relation: null, authorisations: auth(), person: person({ firstNames: 'Tom', birthDate: '2021-09-20', sex: 'M' }) },
      {
        memberId: uuidv7(),
        personId: ids.nanny,
        role: 'contact',
        relation: 'nounou',
        authorisations: auth({ emergencyContact: true, mayPickUp: true }),
        person: person({ lastName: 'Fabre', firstNames: 'Jean-Baptiste', phoneMobile: '07 11 22 33 44' }),
      },
      {
        memberId: uuidv7(),
        personId: ids.ex,
        role: 'contact',
        relation: 'ancien compagnon',
        authorisations: auth({ forbiddenPickUp: true }),
        person: person({ lastName: 'Durand', firstNames: 'Paul' }),
      },
    ],
    schoolings: [
      { id: uuidv7(), personId: ids.lea, schoolId, level: 'CP', className: 'CP-A', schoolYear: '2026-2027' },
      { id: uuidv7(), personId: ids.tom, schoolId, level: 'MS', className: null, schoolYear: '2026-2027' },
    ],
    inscriptions: [{ id: uuidv7(), childId: ids.lea, unitId: 'cantine', siteId: schoolId, schoolYear: '2026-2027', status: 'active' }],
  }
}

function call<N extends Namespace, M extends MethodOf<N>>(s: ReturnType<TestCore['openSession']>, ns: N, m: M, input: InputOf<N, M>) {
  return core.call(s, ns, m, input) as Promise<Result<OutputOf<N, M>>>
}

async function create(input: CreateFamilyInput & { ids?: unknown }) {
  const { ids: _ids, ...payload } = input
  return (await call(session, 'families', 'create', payload)) as Result<FamilyFile>
}

beforeEach(async () => {
  core = await makeCore({ now: () => NOW })
  addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  schoolId = uuidv7()
  core.sqlite.prepare(`INSERT INTO schools (id, name, kind, address) VALUES (?, 'Groupe scolaire Les Amandiers', 'primaire', '1 rue des Amandiers')`).run(schoolId)
  enrolRange(230001, 230002)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
})
afterEach(() => core.cleanup())

describe('creating a family at the counter', () => {
  it('creates the whole file offline with a code famille from this workstation’s range, queued as one fact', async () => {
    const input = newFamily()
    const r = await create(input)
    if (!r.ok) throw new Error(JSON.stringify(r.error))
    const file = r.data as FamilyFile
    expect(file.code).toMatch(/^230001[A-Z]$/)
    expect(isValidCodeFamille(file.code)).toBe(true)
    expect(file.guardians).toHaveLength(1)
    expect(file.children.map((c) => c.firstNames)).toEqual(['Léa', 'Tom'])
    expect(file.contacts.map((c) => c.relation).sort()).toEqual(['ancien compagnon', 'nounou'])
    expect(file.children[0]!.schoolings[0]).toMatchObject({ level: 'CP', className: 'CP-A', schoolYear: '2026-2027' })
    expect(file.children[0]!.inscriptions[0]).toMatchObject({ unitId: 'cantine', status: 'active' })
    expect(file.caisse).toBe('CAF')
    expect(file.payerName).toBe('Marie Lefèvre')
    // Phones are stored in E.164 and shown the French way.
    expect(core.sqlite.prepare('SELECT phone_mobile FROM persons WHERE id = ?').pluck().get(input.ids.mother)).toBe('+33612345678')
    expect(file.guardians[0]!.phones.mobile).toBe('06 12 34 56 78')
    // Safety first: the forbidden person, the PAI and the custody ruling are the file's alerts.
    expect(file.alerts.map((a) => a.kind)).toEqual(['forbidden_pick_up', 'pai', 'custody'])
    expect(file.alerts[0]!.text).toContain('Paul Durand')
    // One outbox row: the fact with its code.
    const outbox = core.sqlite.prepare(`SELECT name, payload FROM outbox`).all() as Array<{ name: string; payload: string }>
    expect(outbox.map((o) => o.name)).toEqual(['families.create'])
    expect(JSON.parse(outbox[0]!.payload).code).toBe(file.code)
    // History: the family, each person and each link.
    expect(count(core.sqlite, 'field_history', `field = '*'`)).toBe(1 + 5 + 5)
    // The next family takes the next number; past the range the agent is told why.
    const second = await create(newFamily())
    expect(second.ok && second.data.code.startsWith('230002')).toBe(true)
    const third = await create(newFamily())
    expect(third.ok).toBe(false)
    if (!third.ok) expect(third.error.details?.reason).toMatch(/plage de numéros de ce poste est épuisée/)
  })

  it('skips a number of its range that a family here already holds (ranges overlapping after a restored settings file)', async () => {
    core.sqlite
      .prepare(`INSERT INTO families (id, code, name, address_line1, postcode, city) VALUES (?, ?, 'Autre', '1 rue A', '78420', 'Carrières-sur-Seine')`)
      .run(uuidv7(), codeFamille(230001))
    const r = await create(newFamily())
    expect(r.ok && r.data.code).toBe(codeFamille(230002))
  })

  it.each([
    ['a birth date in the future', (f: ReturnType<typeof newFamily>) => (f.members[1]!.person!.birthDate = '2027-01-02'), 'members.1.person.birthDate', /dans le futur/],
    ['a child out of school age', (f: ReturnType<typeof newFamily>) => (f.members[2]!.person!.birthDate = '2005-03-01'), 'members.2.person.birthDate', /âge scolaire/],
    ['a guardian aged 10', (f: ReturnType<typeof newFamily>) => (f.members[0]!.person!.birthDate = '2016-03-01'), 'members.0.person.birthDate', /au moins 16 ans/],
    ['the phone "1-----"', (f: ReturnType<typeof newFamily>) => (f.members[0]!.person!.phoneMobile = '1-----'), 'members.0.person.phoneMobile', /téléphone invalide/],
    ['the phone "0000000"', (f: ReturnType<typeof newFamily>) => (f.members[3]!.person!.phoneMobile = '0000000'), 'members.3.person.phoneMobile', /téléphone invalide/],
    ['an invalid e-mail', (f: ReturnType<typeof newFamily>) => (f.members[0]!.person!.email = 'marie@'), 'members.0.person.email', /e-mail invalide/],
    ['a missing first name', (f: ReturnType<typeof newFamily>) => (f.members[1]!.person!.firstNames = '  '), 'members.1.person.firstNames', /./],
    ['31 February', (f: ReturnType<typeof newFamily>) => (f.members[1]!.person!.birthDate = '2019-02-31'), 'members.1.person.birthDate', /inexistante/],
    ['no legal guardian 1', (f: ReturnType<typeof newFamily>) => (f.members[0]!.role = 'RL2'), 'members', /responsable légal 1/],
    ['a postcode of 4 digits', (f: ReturnType<typeof newFamily>) => (f.family.address.postcode = '7842'), 'family.address.postcode', /5 chiffres/],
  ])('refuses %s at its field and saves nothing', async (_name, spoil, path, message) => {
    const input = newFamily()
    spoil(input)
    const r = await create(input)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('INVALID_INPUT')
    const issue = r.error.details?.issues?.find((i) => i.path === path)
    expect(issue, JSON.stringify(r.error.details?.issues)).toBeDefined()
    expect(issue!.message).toMatch(message)
    expect(count(core.sqlite, 'families')).toBe(0)
    expect(count(core.sqlite, 'persons')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
    // The code was not consumed: the next good family takes the first number.
    const ok = await create(newFamily())
    expect(ok.ok && ok.data.code.startsWith('230001')).toBe(true)
  })
})

describe('editing the file', () => {
  it('keeps every change with its old value, new value, who, when and channel', async () => {
    const input = newFamily()
    const created = await create(input)
    expect(created.ok).toBe(true)
    const r = (await call(session, 'families', 'updatePerson', {
      familyId: input.familyId,
      personId: input.ids.mother,
      changes: { phoneMobile: '0698765432', employer: 'Mairie de Carrières' },
    })) as Result<FamilyFile>
    if (!r.ok) throw new Error(JSON.stringify(r.error))
    expect(r.data.guardians[0]!.phones.mobile).toBe('06 98 76 54 32')
    const fam = (await call(session, 'families', 'update', { familyId: input.familyId, changes: { paperlessInvoices: false, caisse: 'autre' } })) as Result<FamilyFile>
    expect(fam.ok && fam.data.caisse).toBe('autre')
    const history = await call(session, 'families', 'history', { familyId: input.familyId })
    if (!history.ok) throw new Error(JSON.stringify(history.error))
    const phone = history.data.items.find((i) => i.what.startsWith('Téléphone portable'))
    expect(phone).toMatchObject({ oldValue: '06 12 34 56 78', newValue: '06 98 76 54 32', agentName: AGENTS.accueil.displayName, channel: 'guichet' })
    expect(phone!.what).toContain('Marie Lefèvre')
    expect(history.data.items.find((i) => i.what === 'Facture dématérialisée')).toMatchObject({ oldValue: 'true', newValue: 'false' })
    // Unchanged fields write nothing.
    const before = history.data.total
    await call(session, 'families', 'update', { familyId: input.familyId, changes: { caisse: 'autre' } })
    const again = await call(session, 'families', 'history', { familyId: input.familyId })
    expect(again.ok && again.data.total).toBe(before)
  })

  it('links a shared-custody child to a second family, each with its own payer', async () => {
    const first = newFamily()
    await create(first)
    const second = newFamily()
    second.family.name = 'Moreau'
    second.members = [second.members[0]!]
    second.members[0]!.person!.lastName = 'Moreau'
    second.members[0]!.person!.firstNames = 'Julien'
    second.schoolings = []
    second.inscriptions = []
    const made = await create(second)
    expect(made.ok).toBe(true)
    const linked = await call(session, 'families', 'addMember', {
      familyId: second.familyId,
      member: { memberId: uuidv7(), personId: first.ids.lea, role: 'enfant', relation: null, authorisations: auth(), person: null },
    })
    if (!linked.ok) throw new Error(JSON.stringify(linked.error))
    expect(linked.data.children.map((c) => c.firstNames)).toEqual(['Léa'])
    expect(linked.data.children[0]!.otherFamilies.map((f) => f.name)).toEqual(['Lefèvre'])
    expect(linked.data.payerName).toBe('Julien Moreau')
  })

  it('merges two files of the same family (a responsable only), keeping the source marked', async () => {
    const a = newFamily()
    const b = newFamily()
    await create(a)
    await create(b)
    const refused = await call(session, 'families', 'merge', { sourceId: b.familyId, targetId: a.familyId })
    expect(!refused.ok && refused.error.code).toBe('FORBIDDEN')
    const resp = core.openSession()
    await core.call(resp, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })
    const merged = await call(resp, 'families', 'merge', { sourceId: b.familyId, targetId: a.familyId })
    if (!merged.ok) throw new Error(JSON.stringify(merged.error))
    expect(merged.data.children).toHaveLength(4)
    const source = await call(resp, 'families', 'get', { id: b.familyId })
    expect(source.ok && source.data.mergedInto?.id).toBe(a.familyId)
    expect(source.ok && source.data.children).toHaveLength(0)
  })
})
