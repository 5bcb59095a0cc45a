import { describe, expect, it } from 'vitest'
import { computeQf, defaultValidFrom, partsLabel, partsX2, qfInForce, type QuotientRow } from '../../../src/shared/domain/quotient'

describe('parts', () => {
  // DOMAIN.md: 2 for the parents (one or two), +½ for each of the first two children, +1 for the third, +½ for each further child.
  it.each([
    [0, 4, '2'],
    [1, 5, '2,5'],
    [2, 6, '3'],
    [3, 8, '4'],
    [4, 9, '4,5'],
    [5, 10, '5'],
    [6, 11, '5,5'],
  ])('%i child(ren): parts × 2 = %i (%s parts), one parent or two', (children, x2, label) => {
    expect(partsX2({ parents: 1, children })).toBe(x2)
    expect(partsX2({ parents: 2, children })).toBe(x2)
    expect(partsLabel(x2)).toBe(label)
  })

  it.each([
    [{ parents: 2 as const, children: -1 }],
    [{ parents: 2 as const, children: 1.5 }],
    [{ parents: 3 as unknown as 1, children: 1 }],
  ])('refuses %o', (args) => {
    expect(() => partsX2(args)).toThrow(RangeError)
  })
})

describe('computeQf', () => {
  it.each([
    // [annual income €, monthly benefits €, parts × 2, QF]
    ['two parents, two children', 3_600_000, 20_000, 6, 1_066], // (36000/12 + 200) / 3 = 1066.67 → 1066
    ['one child', 3_000_000, 0, 5, 1_000], // 2500 / 2.5 = 1000 exactly
    ['three children', 4_800_000, 40_000, 8, 1_100], // (4000 + 400) / 4 = 1100
    ['no income, benefits only', 0, 90_000, 6, 300],
    ['nothing', 0, 0, 4, 0],
    ['rounds down one cent below a euro', 2_999_988, 0, 5, 999], // 2499.99 / 2.5 = 999.996 → 999
    ['cents matter', 1_234_567, 1_234, 9, 231], // (12345.67/12 + 12.34) / 4.5 = 231.36… → 231
  ])('%s', (_name, income, benefits, x2, qf) => {
    expect(computeQf({ annualIncomeCents: income, monthlyBenefitsCents: benefits, partsX2: x2 })).toBe(qf)
    // and the same from exact BigInt arithmetic: no float rounding anywhere
    expect(Number(((BigInt(income) + 12n * BigInt(benefits)) * 2n) / (1200n * BigInt(x2)))).toBe(qf)
  })

  it('worked examples, by hand', () => {
    // (36 000 € ÷ 12 + 200 €) ÷ 3 = 3 200 ÷ 3 = 1 066,67 → 1 066 (rounded down)
    expect(computeQf({ annualIncomeCents: 3_600_000, monthlyBenefitsCents: 20_000, partsX2: 6 })).toBe(1066)
    // (48 000 ÷ 12 + 400) ÷ 4 = 4 400 ÷ 4 = 1 100
    expect(computeQf({ annualIncomeCents: 4_800_000, monthlyBenefitsCents: 40_000, partsX2: 8 })).toBe(1100)
    // 2 499,99 ÷ 2,5 = 999,996 → 999, never 1 000
    expect(computeQf({ annualIncomeCents: 2_999_988, monthlyBenefitsCents: 0, partsX2: 5 })).toBe(999)
    // (12 345,67 ÷ 12 + 12,34) ÷ 4,5 = (1 028,805… + 12,34) ÷ 4,5 = 231,36… → 231
    expect(computeQf({ annualIncomeCents: 1_234_567, monthlyBenefitsCents: 1_234, partsX2: 9 })).toBe(231)
    // 5 children: 60 000 ÷ 12 ÷ 5 = 1 000
    expect(computeQf({ annualIncomeCents: 6_000_000, monthlyBenefitsCents: 0, partsX2: partsX2({ parents: 1, children: 5 }) })).toBe(1000)
  })

  it.each([
    [{ annualIncomeCents: -1, monthlyBenefitsCents: 0, partsX2: 4 }],
    [{ annualIncomeCents: 100.5, monthlyBenefitsCents: 0, partsX2: 4 }],
    [{ annualIncomeCents: 100, monthlyBenefitsCents: 0, partsX2: 0 }],
    [{ annualIncomeCents: 100, monthlyBenefitsCents: 0, partsX2: 2.5 }],
    [{ annualIncomeCents: Number.MAX_SAFE_INTEGER, monthlyBenefitsCents: 0, partsX2: 4 }],
  ])('refuses %o', (args) => {
    expect(() => computeQf(args)).toThrow(RangeError)
  })
})

describe('the QF in force', () => {
  const row = (id: string, valid_from: string, created_at: string, value: number): QuotientRow => ({
    id,
    family_id: 'fam-a',
    value,
    source: 'caf',
    reference_month: null,
    valid_from,
    annual_income_cents: null,
    monthly_benefits_cents: null,
    parts_x2: null,
    document_id: null,
    agent_id: 'agent-1',
    created_at,
  })
  const rows = [
    row('q3', '2027-01-01', '2026-12-10T09:00:00.000Z', 700),
    row('q1', '2026-10-01', '2026-09-15T09:00:00.000Z', 900),
    row('q2', '2026-10-01', '2026-09-20T09:00:00.000Z', 850), // a correction of q1, same start
  ]

  it.each([
    ['2026-09-30', null],
    ['2026-10-01', 'q2'],
    ['2026-12-31', 'q2'],
    ['2027-01-01', 'q3'],
    ['2028-06-15', 'q3'],
  ])('on %s: %s', (day, id) => {
    expect(qfInForce(rows, day)?.id ?? null).toBe(id)
  })

  it('does not depend on the rows’ order', () => {
    expect(qfInForce([...rows].reverse(), '2026-11-11')?.id).toBe('q2')
    expect(qfInForce([], '2026-11-11')).toBeNull()
  })

  it.each([
    ['2026-12-01', '2027-01-01'],
    ['2026-12-31', '2027-01-01'],
    ['2027-01-31', '2027-02-01'],
    ['2028-02-29', '2028-03-01'],
  ])('entered on %s takes effect on %s', (entry, from) => {
    expect(defaultValidFrom(entry)).toBe(from)
  })

  it('refuses an impossible day', () => {
    expect(() => defaultValidFrom('2027-02-29')).toThrow(RangeError)
    expect(() => qfInForce(rows, 'abc')).toThrow(RangeError)
  })
})
