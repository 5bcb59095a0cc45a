import { describe, expect, it } from 'vitest'
import type { ContractError, PersonView } from '@shared/contract'
import { UpdatePersonPayload } from '@shared/commands/families'
import {
  emptyPersonForm,
  issuesOfPaths,
  issuesUnder,
  memberChanges,
  memberFormOf,
  personChanges,
  personFormOf,
} from '../../../src/renderer/lib/familyForms'

/** The family file's forms send only what the agent changed, and put each error at its field. */

const marie: PersonView = {
  civility: 'Mme',
  lastName: 'Lefèvre',
  birthName: 'Martin',
  firstNames: 'Marie',
  sex: null,
  birthDate: '1988-04-02',
  birthCommune: null,
  birthCountry: null,
  address: null,
  phones: { mobile: '06 12 34 56 78', home: null, work: null },
  email: 'marie.lefevre@example.fr',
  profession: null,
  employer: null,
  pai: false,
}

describe('person form', () => {
  it('sends nothing when nothing changed (the phone shown the French way is not sent again)', () => {
    expect(personChanges(personFormOf(marie), personFormOf(marie))).toEqual({})
  })

  it('sends only the changed fields, an emptied field as null, a trailing space as no change', () => {
    const form = personFormOf(marie)
    form.phoneMobile = '07 11 22 33 44'
    form.email = '  '
    form.lastName = 'Lefèvre '
    form.employer = 'Mairie'
    expect(personChanges(personFormOf(marie), form)).toEqual({ phoneMobile: '07 11 22 33 44', email: null, employer: 'Mairie' })
  })

  it('sends the whole address when one part of it changes, null when the family’s address is used again', () => {
    const form = personFormOf(marie)
    form.ownAddress = true
    form.address = { line1: '3 rue Haute', line2: '', postcode: '78420', city: 'Carrières-sur-Seine' }
    expect(personChanges(personFormOf(marie), form)).toEqual({ address: { line1: '3 rue Haute', line2: null, postcode: '78420', city: 'Carrières-sur-Seine' } })
    const back = personFormOf({ ...marie, address: { line1: '3 rue Haute', line2: null, postcode: '78420', city: 'Carrières-sur-Seine' } })
    const initial = structuredClone(back)
    back.ownAddress = false
    expect(personChanges(initial, back)).toEqual({ address: null })
  })

  it('a new person starts empty but for the family name', () => {
    expect(emptyPersonForm('Lefèvre')).toMatchObject({ lastName: 'Lefèvre', firstNames: '', ownAddress: false, pai: false })
  })
})

describe('member form', () => {
  it('sends the relation and only the authorisations that changed', () => {
    const initial = memberFormOf({ relation: 'nounou', authorisations: { legalGuardian: false, emergencyContact: true, mayPickUp: true, forbiddenPickUp: false } })
    expect(memberChanges(initial, { ...initial })).toEqual({})
    expect(memberChanges(initial, { ...initial, relation: ' ', mayPickUp: false, forbiddenPickUp: true })).toEqual({
      relation: null,
      authorisations: { mayPickUp: false, forbiddenPickUp: true },
    })
  })
})

describe('errors at the field', () => {
  it('keys the core’s issues by the path under the payload’s prefix', () => {
    const error: ContractError = {
      code: 'INVALID_INPUT',
      message: 'x',
      details: {
        issues: [
          { path: 'changes.phoneMobile', message: 'numéro de téléphone invalide' },
          { path: 'changes.address.postcode', message: 'code postal à 5 chiffres' },
          { path: 'familyId', message: 'autre' },
        ],
      },
    }
    expect(issuesUnder(error, 'changes')).toEqual({ phoneMobile: 'numéro de téléphone invalide', 'address.postcode': 'code postal à 5 chiffres' })
    expect(issuesUnder({ code: 'FORBIDDEN', message: 'x' }, 'changes')).toEqual({})
  })

  it('the form’s own check gives the same French message as the core for "0000000"', () => {
    const r = UpdatePersonPayload.safeParse({
      familyId: '00000000-0000-4000-8000-000000000000',
      personId: '00000000-0000-4000-8000-000000000001',
      changes: { phoneMobile: '0000000' },
    })
    expect(r.success).toBe(false)
    if (r.success) return
    expect(issuesOfPaths(r.error.issues, 'changes')).toEqual({ phoneMobile: expect.stringMatching(/numéro de téléphone invalide/) })
  })
})
