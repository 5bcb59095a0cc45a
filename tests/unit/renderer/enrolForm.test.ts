import { describe, expect, it } from 'vitest'
import { CreateFamilyInputSchema } from '@shared/contract'
import {
  buildInput,
  checkDraft,
  duplicateDraftOf,
  emptyDraft,
  fieldId,
  fieldOfPath,
  isDirty,
  newChild,
  newContact,
  placeAll,
  type EnrolDraft,
} from '../../../src/renderer/lib/enrolForm'

/**
 * The « Nouvelle famille » form's pure part: the families.create payload built from what was
 * typed (defaults, empty → null, ids made once), and every issue path put back at its field.
 */

const YEAR = '2026-2027'
const TODAY = '2026-11-16'
const SCHOOL = '0190a000-0000-7000-8000-000000000001'
const OTHER_SITE = '0190a000-0000-7000-8000-000000000002'

function typed(): EnrolDraft {
  const d = emptyDraft()
  d.rl1 = { ...d.rl1, civility: 'Mme', lastName: ' Lefèvre ', firstNames: 'Marie', birthDate: '1988-04-02', phoneMobile: '06 12 34 56 78', email: 'marie@example.fr' }
  d.family.address = { line1: '12 rue Victor-Hugo', line2: '', postcode: '78420', city: 'Carrières-sur-Seine' }
  d.family.caisse = 'CAF'
  d.family.allocataireNumber = '123 4567'
  const lea = newChild()
  Object.assign(lea, { firstNames: 'Léa', birthDate: '2019-05-03', sex: 'F', schoolId: SCHOOL, level: 'CP', className: 'CP-A', units: ['cantine', 'matin'] })
  const tom = newChild()
  Object.assign(tom, { firstNames: 'Tom', lastName: 'Moreau', birthDate: '2021-09-20', units: ['mercredi'], siteId: OTHER_SITE })
  d.children.push(lea, tom)
  const nanny = newContact()
  Object.assign(nanny, { relation: 'nounou', lastName: 'Fabre', firstNames: 'Jean-Baptiste', phoneMobile: '07 11 22 33 44', mayPickUp: true, forbiddenPickUp: true })
  d.contacts.push(nanny)
  return d
}

describe('the families.create payload of the form', () => {
  it('fills the defaults, sends empty fields as null, and passes the contract', () => {
    const d = typed()
    const { input, memberBlocks } = buildInput(d, YEAR)
    expect(CreateFamilyInputSchema.safeParse(input).success).toBe(true)
    // The family's name is the RL1's last name; a child's last name the family's unless typed.
    expect(input.family.name).toBe('Lefèvre')
    expect(input.members.map((m) => `${m.role}:${m.person?.firstNames} ${m.person?.lastName}`)).toEqual([
      'RL1:Marie Lefèvre',
      'enfant:Léa Lefèvre',
      'enfant:Tom Moreau',
      'contact:Jean-Baptiste Fabre',
    ])
    expect(memberBlocks).toEqual(['rl1', d.children[0]!.personId, d.children[1]!.personId, d.contacts[0]!.personId])
    expect(input.members[0]).toMatchObject({ relation: 'mère', authorisations: { legalGuardian: true }, person: { sex: 'F', birthName: null, address: null } })
    expect(input.family).toMatchObject({ allocataireNumber: '1234567', payerPersonId: d.rl1.personId, address: { line2: null } })
    // A person forbidden to pick up is never also allowed to.
    expect(input.members[3]!.authorisations).toEqual({ legalGuardian: false, emergencyContact: false, mayPickUp: false, forbiddenPickUp: true })
    // A school without a place for the services: the services are at the child's school.
    expect(input.schoolings).toEqual([{ id: d.children[0]!.schoolingId, personId: d.children[0]!.personId, schoolId: SCHOOL, level: 'CP', className: 'CP-A', schoolYear: YEAR }])
    expect(input.inscriptions.map((i) => `${i.unitId}@${i.siteId === SCHOOL ? 'school' : 'other'}`)).toEqual(['cantine@school', 'matin@school', 'mercredi@other'])
    // Sent again after an error: the same ids (nothing half-saved, nothing twice).
    expect(buildInput(d, YEAR).input).toEqual(input)
  })

  it('makes the payer the RL2 only while there is one', () => {
    const d = typed()
    d.family.payer = 'rl2'
    expect(buildInput(d, YEAR).input.family.payerPersonId).toBe(d.rl1.personId)
    d.hasRl2 = true
    Object.assign(d.rl2, { civility: 'M.', lastName: 'Moreau', firstNames: 'Julien' })
    const { input } = buildInput(d, YEAR)
    expect(input.family.payerPersonId).toBe(d.rl2.personId)
    expect(input.members[1]).toMatchObject({ role: 'RL2', relation: 'père', person: { sex: 'M' } })
  })

  it('knows when something was typed (Escape then asks)', () => {
    const d = emptyDraft()
    expect(isDirty(d)).toBe(false)
    d.family.consentImage = true
    expect(isDirty(d)).toBe(true)
    const e = emptyDraft()
    e.children.push(newChild())
    expect(isDirty(e)).toBe(true)
  })

  it('gives the duplicates panel the guardians and the children as typed', () => {
    const draft = duplicateDraftOf(typed())
    expect(draft.guardians).toEqual([{ lastName: ' Lefèvre ', firstNames: 'Marie', birthName: '', phone: '06 12 34 56 78', email: 'marie@example.fr' }])
    expect(draft.children).toEqual([
      { lastName: 'Lefèvre', firstNames: 'Léa', birthDate: '2019-05-03' },
      { lastName: 'Moreau', firstNames: 'Tom', birthDate: '2021-09-20' },
    ])
  })
})

describe('errors at their field', () => {
  it('puts each path of an INVALID_INPUT answer at its field', () => {
    const d = typed()
    const built = buildInput(d, YEAR)
    const [lea, tom] = d.children
    const nanny = d.contacts[0]!
    const cases: Array<[string, string | null]> = [
      ['members.0.person.phoneMobile', fieldId('rl1', 'phoneMobile')],
      ['members.0.person.birthDate', fieldId('rl1', 'birthDate')],
      ['members.0.person.sex', fieldId('rl1', 'civility')],
      ['members.0.person.address.postcode', fieldId('rl1', 'address-postcode')],
      ['members.1.person.birthDate', fieldId(lea!.personId, 'birthDate')],
      ['members.2.person.firstNames', fieldId(tom!.personId, 'firstNames')],
      ['members.3.person.phoneMobile', fieldId(nanny.personId, 'phoneMobile')],
      ['members.3.relation', fieldId(nanny.personId, 'relation')],
      ['members', fieldId('rl1', 'lastName')],
      ['family.name', fieldId('family', 'name')],
      ['family.address.postcode', fieldId('family', 'address-postcode')],
      ['family.allocataireNumber', fieldId('family', 'allocataireNumber')],
      ['family.payerPersonId', fieldId('family', 'payer')],
      ['schoolings.0.level', fieldId(lea!.personId, 'level')],
      ['schoolings.0.personId', fieldId(lea!.personId, 'schoolId')],
      ['inscriptions.2.siteId', fieldId(tom!.personId, 'siteId')],
      ['inscriptions.1.unitId', fieldId(lea!.personId, 'unit-matin')],
      ['members.9.person.birthDate', null],
      ['familyId', null],
    ]
    for (const [path, id] of cases) expect(fieldOfPath(built, path), path).toBe(id)
  })

  it('refuses a birth date in the future and the phone "1-----" at their fields before sending, in French', () => {
    const d = typed()
    d.rl1.phoneMobile = '1-----'
    d.children[1]!.birthDate = '2027-01-02'
    const built = buildInput(d, YEAR)
    const placed = placeAll(built, checkDraft(d, built, TODAY))
    expect(placed.fields).toEqual({
      [fieldId('rl1', 'phoneMobile')]: 'numéro de téléphone invalide (exemple : 06 12 34 56 78)',
      [fieldId(d.children[1]!.personId, 'birthDate')]: 'date de naissance dans le futur',
    })
    expect(placed.other).toEqual([])
    // What was typed stays in the draft.
    expect(d.rl1.phoneMobile).toBe('1-----')
  })

  it('asks for the level of a chosen school, the place of the services, a child’s birth date, the RL1’s names', () => {
    const d = emptyDraft()
    const c = newChild()
    Object.assign(c, { firstNames: 'Léa', schoolId: SCHOOL })
    const far = newChild()
    Object.assign(far, { firstNames: 'Tom', birthDate: '2020-01-01', units: ['cantine'] })
    d.children.push(c, far)
    const built = buildInput(d, YEAR)
    const placed = placeAll(built, checkDraft(d, built, TODAY))
    expect(placed.fields[fieldId(c.personId, 'level')]).toBe('choisir le niveau dans cette école')
    expect(placed.fields[fieldId(c.personId, 'birthDate')]).toBe('date de naissance obligatoire pour un enfant')
    expect(placed.fields[fieldId(far.personId, 'siteId')]).toBe('choisir le lieu des activités (ou l’école)')
    expect(placed.fields[fieldId('rl1', 'lastName')]).toBeTruthy()
    expect(placed.fields[fieldId('rl1', 'firstNames')]).toBeTruthy()
    expect(placed.fields[fieldId('family', 'address-line1')]).toBeTruthy()
  })
})
