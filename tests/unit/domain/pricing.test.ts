import { describe, expect, it } from 'vitest'
import {
  bracketPrice,
  effortRatePrice,
  effortRateRaw,
  formatEuro,
  parseTariff,
  priceDay,
  qfForService,
  quotientFamilial,
  tariffFor,
  tariffRow,
  type Bracket,
  type Tariff,
} from '../../../src/shared/domain/pricing'
import { DEFAULT_TARIFFS, DEFAULT_TARIFF_LIST } from '../../../src/shared/domain/tariffDefaults'

/**
 * The pricing table (issue 12, "a pricing table of at least 30 cases"): every case is one
 * input and its expected price (or rule, or error), hostile ones included: a QF exactly on a
 * bound, decimals, 0, null, huge, rounding half up, a rate that drifts in floating point.
 * French texts: Intl fr-FR spaces, "\u00a0" before € and %, "\u202f" between thousands.
 */

// DOMAIN.md: 0–622 € → 1,00 €; 623–1000 → 3,30 €; 1001–1500 → 3,40 €; above 1500 or no QF → 3,50 €.
const GRID = { brackets: [[0, 622, 100], [623, 1000, 330], [1001, 1500, 340], [1501, null, 350]] as Bracket[], noQf: 350 }
// DOMAIN.md: 0,36 % × QF, min 2,60 €, max 4,50 €.
const EFFORT = { ratePercent: 0.36, min: 260, max: 450 }

const base: Tariff = {
  id: 't1',
  unitId: 'cantine',
  label: 'Cantine',
  validFrom: '2026-09-01',
  validTo: null,
  residency: 'tous',
  kind: 'tranches',
  brackets: GRID.brackets,
  noQfCents: 350,
  ratePercent: null,
  minCents: null,
  maxCents: null,
  penaltyCents: 549,
  incompleteCents: 350,
}
const effortTariff: Tariff = { ...base, id: 't2', unitId: 'garderie_soir', kind: 'taux_effort', brackets: null, noQfCents: null, ratePercent: 0.36, minCents: 260, maxCents: 450 }
const nonResident: Tariff = { ...base, id: 't3', residency: 'non_resident', brackets: [[0, null, 420]], noQfCents: 420, penaltyCents: 630, incompleteCents: 420 }

const day = (tariff: Tariff, qf: number | null, dossierComplete = true, present_without_booking = false) => priceDay({ tariff, qf, dossierComplete, present_without_booking })
const q = (value: number, valid_from: string, created_at: string) => ({ value, valid_from, created_at })
const THROWS = Symbol('throws')

type Case = readonly [name: string, actual: () => unknown, expected: unknown]

const table: Case[] = [
  // bracketPrice: the bracket with the greatest min not above the QF
  ['bracket: QF 0 → first bracket', () => bracketPrice(GRID, 0), 100],
  ['bracket: QF 622, exactly on the first max', () => bracketPrice(GRID, 622), 100],
  ['bracket: QF 622,99 (decimals) stays in the first bracket', () => bracketPrice(GRID, 622.99), 100],
  ['bracket: QF 623, exactly on a min', () => bracketPrice(GRID, 623), 330],
  ['bracket: QF 850', () => bracketPrice(GRID, 850), 330],
  ['bracket: QF 1000, exactly on a max', () => bracketPrice(GRID, 1000), 330],
  ['bracket: QF 1000,50, between a max and the next min: the greatest min below wins', () => bracketPrice(GRID, 1000.5), 330],
  ['bracket: QF 1001, exactly on a min', () => bracketPrice(GRID, 1001), 340],
  ['bracket: QF 1501, open-ended last bracket', () => bracketPrice(GRID, 1501), 350],
  ['bracket: huge QF (1 000 000 000)', () => bracketPrice(GRID, 1_000_000_000), 350],
  ['bracket: no QF → price without QF', () => bracketPrice(GRID, null), 350],
  ['bracket: QF below every min → the lowest bracket', () => bracketPrice({ brackets: [[100, 500, 200], [501, null, 300]], noQf: 300 }, 50), 200],
  ['bracket: brackets given out of order are still read by min', () => bracketPrice({ brackets: [[623, null, 330], [0, 622, 100]], noQf: 350 }, 700), 330],
  ['bracket: negative QF refused', () => bracketPrice(GRID, -1), THROWS],
  ['bracket: NaN QF refused', () => bracketPrice(GRID, Number.NaN), THROWS],
  // effortRatePrice: QF × rate %, rounded half up to the cent, then clamped
  ['effort: 0,36 % × 850 € = 3,06 €', () => effortRateRaw(0.36, 850), 306],
  ['effort: 0,29 % × 50 € = 14,5 c → 15 c (half up; 50 × 0.29 = 14.4999… in floats would give 14)', () => effortRateRaw(0.29, 50), 15],
  ['effort: 1,15 % × 50 € = 57,5 c → 58 c (57.4999… in floats)', () => effortRateRaw(1.15, 50), 58],
  ['effort: 0,36 % × 12,50 € = 4,5 c → 5 c (half up)', () => effortRateRaw(0.36, 12.5), 5],
  ['effort: 0,5 % × 1 € = 0,5 c → 1 c (half up)', () => effortRateRaw(0.5, 1), 1],
  ['effort: 0,5 % × 0,99 € = 0,495 c → 0 c (below half: down)', () => effortRateRaw(0.5, 0.99), 0],
  ['effort: QF 850 inside [2,60 €; 4,50 €]', () => effortRatePrice(EFFORT, 850), 306],
  ['effort: QF 0 → the minimum', () => effortRatePrice(EFFORT, 0), 260],
  ['effort: QF 700 → 2,52 € raised to the minimum 2,60 €', () => effortRatePrice(EFFORT, 700), 260],
  ['effort: QF 722,22 → 2,599992 € rounds to 2,60 € exactly', () => effortRateRaw(0.36, 722.22), 260],
  ['effort: QF 1250 → exactly the maximum', () => effortRatePrice(EFFORT, 1250), 450],
  ['effort: QF 1251 → 4,5036 € lowered to the maximum', () => effortRatePrice(EFFORT, 1251), 450],
  ['effort: no QF → the maximum', () => effortRatePrice(EFFORT, null), 450],
  ['effort: huge QF (1e9 €) stays exact and clamps', () => effortRatePrice(EFFORT, 1e9), 450],
  ['effort: huge QF unclamped, no overflow (1e9 € × 0,36 % = 3 600 000 €)', () => effortRateRaw(0.36, 1e9), 360_000_000],
  ['effort: a rate with 5 decimals refused', () => effortRatePrice({ ratePercent: 0.12345, min: 0, max: 100 }, 100), THROWS],
  ['effort: max below min refused', () => effortRatePrice({ ratePercent: 1, min: 500, max: 400 }, 100), THROWS],
  ['effort: sub-cent minimum refused', () => effortRatePrice({ ratePercent: 1, min: 0.5, max: 400 }, 100), THROWS],
  // quotientFamilial: (income ÷ 12 + benefits) ÷ parts, rounded down to the euro
  ['QF: 36 000 € a year, 2 parents, 2 children (3 parts) → 1000', () => quotientFamilial({ annualIncome: 36000, monthlyBenefits: 0, parents: 2, children: 2 }), { parts: 3, qf: 1000 }],
  ['QF: 30 000 € + 150 €/month, 1 parent, 1 child (2,5 parts) → 1060', () => quotientFamilial({ annualIncome: 30000, monthlyBenefits: 150, parents: 1, children: 1 }), { parts: 2.5, qf: 1060 }],
  ['QF: no income → 0', () => quotientFamilial({ annualIncome: 0, monthlyBenefits: 0, parents: 2, children: 0 }), { parts: 2, qf: 0 }],
  ['QF: cents, 3 children (4 parts): 545,86… rounded down to 545', () => quotientFamilial({ annualIncome: 25000.55, monthlyBenefits: 100.1, parents: 2, children: 3 }), { parts: 4, qf: 545 }],
  ['QF: income with 3 decimals refused', () => quotientFamilial({ annualIncome: 1000.001, monthlyBenefits: 0, parents: 2, children: 0 }), THROWS],
  ['QF: negative benefits refused', () => quotientFamilial({ annualIncome: 1000, monthlyBenefits: -1, parents: 2, children: 0 }), THROWS],
  // priceDay: price and the rule in plain French
  ['day: QF 850 → tranche 2', () => day(base, 850), { cents: 330, rule: 'QF 850 → tranche 2 : 3,30\u00a0€', kind: 'service' }],
  ['day: QF 1500 written with a narrow no-break space', () => day(base, 1500).rule, 'QF 1\u202f500 → tranche 3 : 3,40\u00a0€'],
  ['day: QF 850,5 (decimals) written with a comma', () => day(base, 850.5).rule, 'QF 850,5 → tranche 2 : 3,30\u00a0€'],
  ['day: no QF', () => day(base, null), { cents: 350, rule: 'Sans quotient familial : 3,50\u00a0€', kind: 'service' }],
  ['day: incomplete dossier → the maximum tariff, whatever the QF', () => day(base, 100, false), { cents: 350, rule: 'Dossier incomplet : tarif maximal 3,50\u00a0€', kind: 'service' }],
  ['day: present without booking → penalty', () => day(base, 850, true, true), { cents: 549, rule: 'Présent sans réservation : tarif majoré 5,49\u00a0€', kind: 'penalite' }],
  ['day: penalty even with an incomplete dossier', () => day(base, 850, false, true).cents, 549],
  ['day: non-resident grid says so', () => day(nonResident, 850), { cents: 420, rule: 'Non-résident : QF 850 → tranche 1 : 4,20\u00a0€', kind: 'service' }],
  ['day: effort rate', () => day(effortTariff, 850), { cents: 306, rule: 'Taux d’effort 0,36\u00a0% × QF 850\u00a0€ = 3,06\u00a0€'.replace('’', "'"), kind: 'service' }],
  ['day: effort rate raised to the minimum', () => day(effortTariff, 700).rule, "Taux d'effort 0,36\u00a0% × QF 700\u00a0€ = 2,52\u00a0€, porté au minimum 2,60\u00a0€"],
  ['day: effort rate lowered to the maximum', () => day(effortTariff, 2000).rule, "Taux d'effort 0,36\u00a0% × QF 2\u202f000\u00a0€ = 7,20\u00a0€, ramené au maximum 4,50\u00a0€"],
  ['day: effort rate without QF', () => day(effortTariff, null), { cents: 450, rule: 'Sans quotient familial : tarif maximal 4,50\u00a0€', kind: 'service' }],
  // qfForService: the QF in force on the day, counting from the month after it was recorded
  ['QF for a day: a QF recorded on 15/10 with valid_from 01/10 does not price October', () => qfForService([q(850, '2026-10-01', '2026-10-15T09:00:00.000Z')], '2026-10-20'), null],
  ['QF for a day: … it prices November', () => qfForService([q(850, '2026-10-01', '2026-10-15T09:00:00.000Z')], '2026-11-02'), 850],
  ['QF for a day: a new QF recorded in November keeps the old one for the rest of November', () => qfForService([q(500, '2026-09-01', '2026-08-20T09:00:00.000Z'), q(900, '2026-11-10', '2026-11-10T09:00:00.000Z')], '2026-11-30'), 500],
  ['QF for a day: … and takes over on 1 December', () => qfForService([q(500, '2026-09-01', '2026-08-20T09:00:00.000Z'), q(900, '2026-11-10', '2026-11-10T09:00:00.000Z')], '2026-12-01'), 900],
  ['QF for a day: recorded at 00:30 on 1 November in Paris (23:30 UTC on 31/10) counts from December', () => qfForService([q(700, '2026-11-01', '2026-10-31T23:30:00.000Z')], '2026-11-15'), null],
  ['QF for a day: a QF valid later than the month after its recording waits for its valid_from', () => qfForService([q(700, '2027-01-01', '2026-10-10T09:00:00.000Z')], '2026-12-15'), null],
  ['QF for a day: none recorded', () => qfForService([], '2026-11-15'), null],
  // tariffFor
  ['tariff: a non-resident gets the non-resident grid', () => tariffFor([base, nonResident], 'cantine', '2026-11-02', false)?.id, 't3'],
  ['tariff: a resident gets the grid for all', () => tariffFor([base, nonResident], 'cantine', '2026-11-02', true)?.id, 't1'],
  ['tariff: before its validity, none', () => tariffFor([base], 'cantine', '2026-08-31', true), null],
  ['tariff: after its last day, none; the next grid applies', () => tariffFor([{ ...base, validTo: '2026-12-31' }, { ...base, id: 'next', validFrom: '2027-01-01' }], 'cantine', '2027-01-04', true)?.id, 'next'],
  ['tariff: an inactive grid is ignored', () => tariffFor([{ ...base, active: false }], 'cantine', '2026-11-02', true), null],
  ['money: 150 000 cents in French', () => formatEuro(150_000), '1\u202f500,00\u00a0€'],
]

describe('the pricing table', () => {
  it('has at least 30 cases', () => expect(table.length).toBeGreaterThanOrEqual(30))
  it.each(table)('%s', (_name, actual, expected) => {
    if (expected === THROWS) expect(actual).toThrow(RangeError)
    else expect(actual()).toEqual(expected)
  })
})

describe('tariff rows', () => {
  it('parseTariff and tariffRow round-trip, the rate exactly (0,36 % ↔ rate_e4 3600)', () => {
    const row = tariffRow(effortTariff)
    expect(row.rate_e4).toBe(3600)
    expect(parseTariff(row)).toEqual({ ...effortTariff, active: true, updatedAt: null })
    expect(parseTariff(tariffRow(base)).brackets).toEqual(GRID.brackets)
  })

  it('refuses an incoherent row: mins not ascending, negative cents, max below min', () => {
    expect(() => parseTariff({ ...tariffRow(base), brackets: '[[623,null,330],[0,622,100]]' })).toThrow(/croissants/)
    expect(() => parseTariff({ ...tariffRow(base), brackets: '[[0,null,-1]]' })).toThrow(RangeError)
    expect(() => parseTariff({ ...tariffRow(effortTariff), min_cents: 500, max_cents: 400 })).toThrow(RangeError)
  })

  it('the shipped tariffs are coherent, one grid for all per demo service, cantine with its DOMAIN.md figures', () => {
    const parsed = DEFAULT_TARIFFS.map(parseTariff)
    expect(parsed).toEqual(DEFAULT_TARIFF_LIST)
    const units = ['garderie_matin', 'cantine', 'etude', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances']
    for (const u of units) expect(tariffFor(parsed, u, '2026-11-02', true), u).not.toBeNull()
    const cantine = tariffFor(parsed, 'cantine', '2026-11-02', true) as Tariff
    expect([0, 622, 623, 1000, 1001, 1500, 1501].map((qf) => day(cantine, qf).cents)).toEqual([100, 100, 330, 330, 340, 340, 350])
    expect(day(cantine, null).cents).toBe(350)
    expect(day(cantine, 850, true, true).cents).toBe(549)
    expect(day(tariffFor(parsed, 'cantine', '2026-11-02', false) as Tariff, 850).cents).toBe(420)
  })
})
