import { describe, expect, it } from 'vitest'
import type { Level, ReservationView } from '@shared/contract'
import { defaultSiteFor, sortReservations, unitsForChild, type BookingUnit } from '../../../src/renderer/lib/reservations'
import type { Child } from '../../../src/renderer/lib/people'

const ID = '00000000-0000-4000-8000-000000000000'
function resa(date: string, childName = 'Léa', unitLabel = 'Restauration scolaire'): ReservationView {
  return {
    id: `${date}-${childName}-${unitLabel}`,
    familyId: ID,
    childId: ID,
    childName,
    unitId: 'cantine',
    unitLabel,
    siteId: ID,
    siteName: 'École Jules Ferry',
    date,
    state: 'reserve',
    channel: 'guichet',
    pending: false,
    attendance: null,
    overrideReason: null,
    refusal: null,
  }
}

function child(level: Level, schoolName = 'École élémentaire Jules Ferry'): Child {
  const authorisations = { legalGuardian: false, emergencyContact: false, mayPickUp: false, forbiddenPickUp: false }
  return {
    personId: ID,
    memberId: ID,
    firstNames: 'Léa',
    lastName: 'Martin',
    birthDate: null,
    sex: 'F',
    schooling: { schoolName, level, className: null, schoolYear: '2026-2027' },
    schoolings: [],
    inscriptions: [],
    pai: false,
    otherFamilies: [],
    relation: null,
    authorisations,
    person: {
      civility: null,
      lastName: 'Martin',
      birthName: null,
      firstNames: 'Léa',
      sex: 'F',
      birthDate: null,
      birthCommune: null,
      birthCountry: null,
      address: null,
      phones: { mobile: null, home: null, work: null },
      email: null,
      profession: null,
      employer: null,
      pai: false,
    },
  }
}

describe('sortReservations', () => {
  it('puts upcoming days first (soonest first), then past days (latest first)', () => {
    const list = [resa('2027-03-01'), resa('2027-03-20'), resa('2027-03-12'), resa('2027-02-10'), resa('2027-03-15')]
    expect(sortReservations(list, '2027-03-12').map((r) => r.date)).toEqual([
      '2027-03-12',
      '2027-03-15',
      '2027-03-20',
      '2027-03-01',
      '2027-02-10',
    ])
  })
  it('orders a same day by child then service, and does not change its input', () => {
    const list = [resa('2027-03-15', 'Tom', 'Garderie du soir'), resa('2027-03-15', 'Léa', 'Restauration scolaire'), resa('2027-03-15', 'Léa', 'Garderie du matin')]
    const copy = [...list]
    expect(sortReservations(list, '2027-03-01').map((r) => `${r.childName}/${r.unitLabel}`)).toEqual([
      'Léa/Garderie du matin',
      'Léa/Restauration scolaire',
      'Tom/Garderie du soir',
    ])
    expect(list).toEqual(copy)
  })
})

describe('unitsForChild', () => {
  const units: BookingUnit[] = [
    { id: 'cantine', label: 'Restauration scolaire', levels: 'tous' },
    { id: 'etude', label: 'Étude surveillée', levels: 'elementaire' },
    { id: 'sieste', label: 'Sieste', levels: 'maternelle' },
  ]
  it('keeps the services of the child’s school stage', () => {
    expect(unitsForChild(units, child('CP')).map((u) => u.id)).toEqual(['cantine', 'etude'])
    expect(unitsForChild(units, child('MS')).map((u) => u.id)).toEqual(['cantine', 'sieste'])
  })
  it('offers everything when the level is unknown', () => {
    expect(unitsForChild(units, null)).toHaveLength(3)
    expect(unitsForChild(units, { ...child('CP'), schooling: null })).toHaveLength(3)
  })
})

describe('defaultSiteFor', () => {
  const sites = [
    { id: 'a', name: 'École maternelle Les Tilleuls', kind: 'maternelle' },
    { id: 'b', name: 'École élémentaire Jules Ferry', kind: 'elementaire' },
  ]
  it('is the child’s school when a site has its name (accents and case aside)', () => {
    expect(defaultSiteFor(sites, child('CE1'))?.id).toBe('b')
    expect(defaultSiteFor(sites, child('CE1', 'ECOLE ELEMENTAIRE JULES FERRY'))?.id).toBe('b')
  })
  it('is null otherwise', () => {
    expect(defaultSiteFor(sites, child('CE1', 'Collège Victor Hugo'))).toBeNull()
    expect(defaultSiteFor(sites, null)).toBeNull()
  })
})
