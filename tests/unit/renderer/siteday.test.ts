import { describe, expect, it } from 'vitest'
import type { Services, SiteDay } from '@shared/contract/bookings'
import {
  attendanceForKey,
  bookedCount,
  canOfferPlace,
  canPoint,
  keepChoice,
  longDay,
  pointageProgress,
  readRemembered,
  servicesAt,
  sitesRunningServices,
} from '../../../src/renderer/components/siteday/logic'

const A = '00000000-0000-4000-8000-00000000000a'
const B = '00000000-0000-4000-8000-00000000000b'
const C = '00000000-0000-4000-8000-00000000000c'

const site = (siteId: string, active = true) => ({ id: `${siteId}-row`, siteId, siteName: siteId, serves: 'own_school' as const, capacity: 10, active })
const service = (id: string, label: string, sort: number, sites: ReturnType<typeof site>[], active = true): Services['services'][number] => ({
  id,
  label,
  levels: 'tous',
  calendar: 'school_days',
  defaultCapacity: 10,
  bookingRule: { kind: 'none' },
  cancelRule: { kind: 'same' },
  bookingRuleText: '',
  cancelRuleText: '',
  sort,
  active,
  sites,
})
const SERVICES: Services = {
  services: [
    service('cantine', 'Restauration scolaire', 2, [site(A), site(B)]),
    service('garderie_matin', 'Garderie du matin', 1, [site(A), site(C, false)]),
    service('etude', 'Étude surveillée', 3, [site(C)], false),
  ],
  sites: [
    { id: A, name: 'École Jules-Ferry', kind: 'elementaire' },
    { id: B, name: 'École Anatole-France', kind: 'primaire' },
    { id: C, name: 'Centre de loisirs', kind: 'centre' },
  ],
}

const entry = (state: SiteDay['expected'][number]['state'], attendance: SiteDay['expected'][number]['attendance'] = null): SiteDay['expected'][number] => ({
  reservationId: A,
  familyId: A,
  familyCode: '100001K',
  childId: A,
  childName: 'Lefèvre Léa',
  level: 'CP',
  state,
  attendance,
  absenceCertificateDate: null,
  pai: false,
  pending: false,
})
const day = (over: Partial<SiteDay>): SiteDay => ({
  unitId: 'cantine',
  unitLabel: 'Restauration scolaire',
  siteId: A,
  siteName: 'École Jules-Ferry',
  date: '2026-11-19',
  capacity: 2,
  expected: [],
  waiting: [],
  closedReason: null,
  ...over,
})

describe('« Liste du jour » choices', () => {
  it('offers the sites where an active service runs, by name, and only the services running there in the town’s order', () => {
    expect(sitesRunningServices(SERVICES).map((s) => s.name)).toEqual(['École Anatole-France', 'École Jules-Ferry'])
    expect(servicesAt(SERVICES, A).map((s) => s.id)).toEqual(['garderie_matin', 'cantine'])
    expect(servicesAt(SERVICES, B).map((s) => s.id)).toEqual(['cantine'])
    // An inactive site row or an inactive service is not offered.
    expect(servicesAt(SERVICES, C)).toEqual([])
    expect(servicesAt(SERVICES, null)).toEqual([])
  })

  it('keeps a remembered choice only while it is offered', () => {
    const offered = [{ id: 'garderie_matin' }, { id: 'cantine' }]
    expect(keepChoice('cantine', offered)).toBe('cantine')
    expect(keepChoice('etude', offered)).toBe('garderie_matin')
    expect(keepChoice(null, [])).toBeNull()
    expect(readRemembered({ getItem: () => JSON.stringify({ siteId: A, unitId: 'cantine' }) })).toEqual({ siteId: A, unitId: 'cantine' })
    expect(readRemembered({ getItem: () => '{pas du json' })).toEqual({ siteId: null, unitId: null })
    expect(readRemembered({ getItem: () => JSON.stringify({ siteId: 3, unitId: ['x'] }) })).toEqual({ siteId: null, unitId: null })
    expect(readRemembered(null)).toEqual({ siteId: null, unitId: null })
  })
})

describe('pointage and the waiting list', () => {
  it('points today or a past day, never a day to come', () => {
    expect(canPoint('2026-11-19', '2026-11-19')).toBe(true)
    expect(canPoint('2026-11-18', '2026-11-19')).toBe(true)
    expect(canPoint('2026-11-20', '2026-11-19')).toBe(false)
  })

  it('maps the row keys P, J, I', () => {
    expect(attendanceForKey('p')).toBe('present')
    expect(attendanceForKey('J')).toBe('absent_justifie')
    expect(attendanceForKey('i')).toBe('absent_injustifie')
    expect(attendanceForKey('x')).toBeNull()
    expect(attendanceForKey('Enter')).toBeNull()
  })

  it('offers a place to the first family waiting only when a booked place is free, the day open and not past', () => {
    const waiting = [entry('attente')]
    // Two places, one booked and one présent sans réservation (which takes no booked place): one free.
    const oneFree = day({ expected: [entry('reserve'), entry('sans_reservation', 'present')], waiting })
    expect(bookedCount(oneFree)).toBe(1)
    expect(canOfferPlace(oneFree, '2026-11-16')).toBe(true)
    expect(canOfferPlace(oneFree, '2026-11-19')).toBe(true)
    expect(canOfferPlace(oneFree, '2026-11-20')).toBe(false)
    expect(canOfferPlace(day({ expected: [entry('reserve'), entry('reserve')], waiting }), '2026-11-16')).toBe(false)
    expect(canOfferPlace(day({ expected: [], waiting: [] }), '2026-11-16')).toBe(false)
    expect(canOfferPlace({ ...oneFree, closedReason: 'Fermeture' }, '2026-11-16')).toBe(false)
  })

  it('counts the pointage', () => {
    expect(pointageProgress(day({ expected: [entry('reserve', 'present'), entry('reserve', 'absent_justifie'), entry('reserve')] }))).toEqual({ pointed: 2, left: 1, present: 1 })
  })

  it('writes the day in full', () => {
    expect(longDay('2026-11-19')).toBe('jeudi 19 novembre 2026')
    expect(longDay('2026-12-01')).toBe('mardi 1er décembre 2026')
    expect(longDay('pas une date')).toBe('pas une date')
  })
})
