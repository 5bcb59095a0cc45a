import { describe, expect, it } from 'vitest'
import { billMonth, type BillingInput, type BillingReservation } from '../../../src/shared/domain/invoicing'
import type { Tariff } from '../../../src/shared/domain/pricing'

/** billMonth: a family's month of bookings and attendance → invoice lines (DOMAIN.md "Pricing and invoices"). */

const cantineTariff: Tariff = {
  id: 'tc',
  unitId: 'cantine',
  label: 'Cantine',
  validFrom: '2026-09-01',
  validTo: null,
  residency: 'tous',
  kind: 'tranches',
  brackets: [
    [0, 622, 100],
    [623, 1000, 330],
    [1001, 1500, 340],
    [1501, null, 350],
  ],
  noQfCents: 350,
  ratePercent: null,
  minCents: null,
  maxCents: null,
  penaltyCents: 549,
  incompleteCents: 350,
}
const garderieTariff: Tariff = { ...cantineTariff, id: 'tg', unitId: 'garderie_soir', kind: 'taux_effort', brackets: null, noQfCents: null, ratePercent: 0.24, minCents: 80, maxCents: 300, penaltyCents: 450, incompleteCents: 300 }
const alshTariff: Tariff = { ...garderieTariff, id: 'ta', unitId: 'alsh_mercredi', ratePercent: 1, minCents: 300, maxCents: 1500, penaltyCents: 2000, incompleteCents: 1500 }

let n = 0
const resa = (child_id: string, unit_id: string, date: string, state = 'reserve', attendance: string | null = 'present', absence_certificate_date: string | null = null): BillingReservation => ({
  id: `r${String(++n).padStart(4, '0')}`,
  child_id,
  unit_id,
  date,
  state,
  attendance,
  absence_certificate_date,
})

function input(reservations: BillingReservation[], extra: Partial<BillingInput> = {}): BillingInput {
  return {
    month: '2026-11',
    family: { id: 'fam', resident: true },
    children: [
      { id: 'lea', name: 'Léa Martin', birthDate: '2017-05-10' },
      { id: 'tom', name: 'Tom Martin', birthDate: '2020-11-18' }, // 6 years old on 18/11/2026
    ],
    units: [
      { id: 'cantine', label: 'Restauration scolaire', childcare: false, leisure: false },
      { id: 'garderie_soir', label: 'Garderie du soir', childcare: true, leisure: false },
      { id: 'alsh_mercredi', label: 'Accueil de loisirs du mercredi', childcare: true, leisure: true },
    ],
    tariffs: [cantineTariff, garderieTariff, alshTariff],
    quotients: [{ value: 850, valid_from: '2026-09-01', created_at: '2026-08-20T08:00:00.000Z' }],
    dossiers: [{ school_year: '2026-2027', status: 'complet' }],
    reservations,
    certificateDelayDays: 8,
    ...extra,
  }
}

describe('billMonth', () => {
  it('bills booked days, present or not recorded, at the QF bracket price, grouped with the quantity in the rule', () => {
    const { lines, totalCents } = billMonth(input([resa('lea', 'cantine', '2026-11-03'), resa('lea', 'cantine', '2026-11-02', 'reserve', null), resa('lea', 'cantine', '2026-11-05')]))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      childId: 'lea',
      childName: 'Léa Martin',
      unitId: 'cantine',
      unitLabel: 'Restauration scolaire',
      kind: 'service',
      quantity: 3,
      unitPriceCents: 330,
      amountCents: 990,
      rule: 'QF 850 → tranche 2 : 3,30\u00a0€ × 3 repas',
      dates: ['2026-11-02', '2026-11-03', '2026-11-05'],
      cesu: false,
      leisure: false,
    })
    expect(totalCents).toBe(990)
  })

  it('bills an absence without justification', () => {
    const { lines } = billMonth(input([resa('lea', 'cantine', '2026-11-02', 'reserve', 'absent_injustifie')]))
    expect(lines).toMatchObject([{ kind: 'service', amountCents: 330 }])
  })

  it('does not bill an absence justified in time (certificate within the delay, bound included), and shows it at 0 €', () => {
    const { lines, totalCents } = billMonth(
      input([resa('lea', 'cantine', '2026-11-02'), resa('lea', 'cantine', '2026-11-03', 'reserve', 'absent_justifie', '2026-11-11'), resa('lea', 'cantine', '2026-11-04', 'reserve', 'absent_justifie', '2026-11-11')]),
    )
    expect(totalCents).toBe(330)
    const absence = lines.find((l) => l.kind === 'absence_justifiee')
    expect(absence).toMatchObject({ quantity: 2, unitPriceCents: 0, amountCents: 0, dates: ['2026-11-03', '2026-11-04'] })
    expect(absence?.rule).toBe('Absence justifiée (certificat du 11/11) : non facturée (2 repas)')
  })

  it('bills an absence whose certificate came late (one day past the delay), or without certificate, and says why', () => {
    const { lines, totalCents } = billMonth(input([resa('lea', 'cantine', '2026-11-02', 'reserve', 'absent_justifie', '2026-11-11'), resa('lea', 'cantine', '2026-11-03', 'reserve', 'absent_justifie', null)]))
    expect(totalCents).toBe(660)
    expect(lines.map((l) => l.rule)).toEqual([
      'QF 850 → tranche 2 : 3,30\u00a0€ × 1 repas — absence justifiée hors délai (certificat du 11/11, délai 8 jours) : facturée',
      'QF 850 → tranche 2 : 3,30\u00a0€ × 1 repas — absence sans certificat : facturée',
    ])
    expect(lines.every((l) => l.kind === 'service')).toBe(true)
  })

  it('bills a child present without a booking at the penalty price', () => {
    const { lines } = billMonth(input([resa('lea', 'cantine', '2026-11-02', 'sans_reservation', 'present'), resa('lea', 'cantine', '2026-11-03', 'sans_reservation', null)]))
    expect(lines).toMatchObject([{ kind: 'penalite', quantity: 1, unitPriceCents: 549, amountCents: 549, rule: 'Présent sans réservation : tarif majoré 5,49\u00a0€ × 1 repas' }])
  })

  it('bills nothing for cancelled or waiting bookings, nor for days outside the month', () => {
    const { lines, totalCents } = billMonth(input([resa('lea', 'cantine', '2026-11-02', 'annule'), resa('lea', 'cantine', '2026-11-03', 'attente', null), resa('lea', 'cantine', '2026-10-30'), resa('lea', 'cantine', '2026-12-01')]))
    expect(lines).toEqual([])
    expect(totalCents).toBe(0)
  })

  it('applies a QF change from the month after it was recorded, never retroactively', () => {
    const quotients = [
      { value: 850, valid_from: '2026-09-01', created_at: '2026-08-20T08:00:00.000Z' },
      { value: 500, valid_from: '2026-11-01', created_at: '2026-11-12T08:00:00.000Z' }, // back-dated: still not November
    ]
    const nov = billMonth(input([resa('lea', 'cantine', '2026-11-20')], { quotients }))
    expect(nov.lines[0]).toMatchObject({ unitPriceCents: 330 })
    const dec = billMonth(input([resa('lea', 'cantine', '2026-12-01')], { quotients, month: '2026-12' }))
    expect(dec.lines[0]).toMatchObject({ unitPriceCents: 100, rule: 'QF 500 → tranche 1 : 1,00\u00a0€ × 1 repas' })
  })

  it('charges the maximum tariff while the dossier of the school year is incomplete', () => {
    const { lines } = billMonth(input([resa('lea', 'cantine', '2026-11-02')], { dossiers: [{ school_year: '2026-2027', status: 'incomplet' }] }))
    expect(lines[0]).toMatchObject({ unitPriceCents: 350, rule: 'Dossier incomplet : tarif maximal 3,50\u00a0€ × 1 repas' })
    const validated = billMonth(input([resa('lea', 'cantine', '2026-11-02')], { dossiers: [{ school_year: '2026-2027', status: 'valide' }] }))
    expect(validated.lines[0]?.unitPriceCents).toBe(330)
  })

  it('prices a non-resident family with the non-resident grid', () => {
    const nonResident: Tariff = { ...cantineTariff, id: 'nr', residency: 'non_resident', brackets: [[0, null, 420]], noQfCents: 420 }
    const { lines } = billMonth(input([resa('lea', 'cantine', '2026-11-02')], { family: { id: 'fam', resident: false }, tariffs: [cantineTariff, nonResident] }))
    expect(lines[0]).toMatchObject({ unitPriceCents: 420, rule: 'Non-résident : QF 850 → tranche 1 : 4,20\u00a0€ × 1 repas' })
  })

  it('flags CESU only on care of a child under 6 on every day of the line (Tom turns 6 on 18/11); leisure on leisure centres', () => {
    const { lines } = billMonth(
      input([
        resa('tom', 'garderie_soir', '2026-11-16'),
        resa('tom', 'garderie_soir', '2026-11-17'),
        resa('tom', 'garderie_soir', '2026-11-18'),
        resa('tom', 'garderie_soir', '2026-11-19'),
        resa('tom', 'cantine', '2026-11-16'),
        resa('lea', 'garderie_soir', '2026-11-16'),
        resa('tom', 'alsh_mercredi', '2026-11-25'),
      ]),
    )
    const tom = lines.filter((l) => l.childId === 'tom')
    expect(tom.find((l) => l.unitId === 'garderie_soir' && l.cesu)).toMatchObject({ dates: ['2026-11-16', '2026-11-17'], quantity: 2, unitPriceCents: 204, amountCents: 408 })
    expect(tom.find((l) => l.unitId === 'garderie_soir' && !l.cesu)).toMatchObject({ dates: ['2026-11-18', '2026-11-19'], quantity: 2 })
    expect(tom.find((l) => l.unitId === 'cantine')?.cesu).toBe(false) // not childcare
    expect(lines.find((l) => l.childId === 'lea')?.cesu).toBe(false) // 9 years old
    expect(tom.find((l) => l.unitId === 'alsh_mercredi')).toMatchObject({ leisure: true, cesu: false, rule: "Taux d'effort 1\u00a0% × QF 850\u00a0€ = 8,50\u00a0€ × 1 jour" })
    expect(lines.find((l) => l.unitId === 'garderie_soir' && l.quantity === 2)?.rule).toMatch(/× 2 jours$/)
  })

  it('never throws on missing town data: no tariff → a 0 € line saying so', () => {
    const { lines, totalCents } = billMonth(input([resa('lea', 'cantine', '2026-11-02'), resa('lea', 'cantine', '2026-11-03')], { tariffs: [] }))
    expect(lines).toMatchObject([{ quantity: 2, amountCents: 0, rule: 'Aucun tarif en vigueur : non facturé × 2 repas' }])
    expect(totalCents).toBe(0)
  })

  it('orders lines by child, then service, then kind, numbered by tens; the total is the sum of the lines', () => {
    const { lines, totalCents } = billMonth(
      input([resa('tom', 'cantine', '2026-11-02'), resa('lea', 'garderie_soir', '2026-11-02'), resa('lea', 'cantine', '2026-11-09', 'sans_reservation', 'present'), resa('lea', 'cantine', '2026-11-02')]),
    )
    expect(lines.map((l) => [l.childId, l.unitId, l.kind, l.sort])).toEqual([
      ['lea', 'cantine', 'service', 10],
      ['lea', 'cantine', 'penalite', 20],
      ['lea', 'garderie_soir', 'service', 30],
      ['tom', 'cantine', 'service', 40],
    ])
    expect(totalCents).toBe(lines.reduce((s, l) => s + l.amountCents, 0))
    expect(totalCents).toBe(330 + 549 + 204 + 330)
  })

  it('refuses a malformed month', () => {
    expect(() => billMonth(input([], { month: '2026-13' }))).toThrow(RangeError)
  })
})
