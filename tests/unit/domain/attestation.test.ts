import { describe, expect, it } from 'vitest'
import { childcareAttestation, childcareEligible } from '../../../src/shared/domain/attestation'

/** The yearly « attestation de frais de garde »: children under 6 on 1 January, childcare amounts paid, pro rata. */
describe('childcareAttestation', () => {
  const children = [
    { id: 'a', name: 'Alice', birthDate: '2020-01-01' }, // 6 on 1/1/2026 but born in 2020: counted (income 2026 → born from 1/1/2020)
    { id: 'b', name: 'Bruno', birthDate: '2019-12-31' }, // born in 2019: not counted for 2026
    { id: 'c', name: 'Chloé', birthDate: '2026-03-10' }, // born during the year: counted
    { id: 'd', name: 'Dan', birthDate: null },
  ]

  it('counts children born on or after 1 January of year − 6', () => {
    expect(childcareEligible('2020-01-01', 2026)).toBe(true)
    expect(childcareEligible('2019-12-31', 2026)).toBe(false)
    expect(childcareEligible('2027-01-01', 2026)).toBe(false)
    expect(childcareAttestation({ year: 2026, children, invoices: [] }).children.map((c) => c.childId)).toEqual(['a', 'c'])
  })

  it('sums the childcare lines of the year’s invoices, pro rata of what each invoice had paid (rounded down)', () => {
    const r = childcareAttestation({
      year: 2026,
      children,
      invoices: [
        // Fully paid: Alice's childcare 30 €, her canteen (not childcare) 20 €, Bruno's childcare ignored.
        { month: '2026-10', totalCents: 6000, paidCents: 6000, lines: [{ childId: 'a', cesu: true, amountCents: 3000 }, { childId: 'a', cesu: false, amountCents: 2000 }, { childId: 'b', cesu: true, amountCents: 1000 }] },
        // A third paid: 10 € of childcare → 3,33 €.
        { month: '2026-11', totalCents: 3000, paidCents: 1000, lines: [{ childId: 'a', cesu: false, childcare: true, amountCents: 1000 }, { childId: 'c', cesu: true, amountCents: 2000 }] },
        // Another year, and an unpaid invoice: nothing.
        { month: '2025-12', totalCents: 1000, paidCents: 1000, lines: [{ childId: 'a', cesu: true, amountCents: 1000 }] },
        { month: '2026-12', totalCents: 1000, paidCents: 0, lines: [{ childId: 'a', cesu: true, amountCents: 1000 }] },
      ],
    })
    expect(r.children).toEqual([
      { childId: 'a', name: 'Alice', birthDate: '2020-01-01', paidCents: 3000 + 333 },
      { childId: 'c', name: 'Chloé', birthDate: '2026-03-10', paidCents: 666 },
    ])
    expect(r.totalCents).toBe(3333 + 666)
  })
})
