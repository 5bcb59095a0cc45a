/**
 * The yearly « attestation de frais de garde » (childcare costs, for the tax return). Pure.
 *
 * Rule (crédit d'impôt pour frais de garde, art. 200 quater B CGI): the children under 6 on
 * 1 January of the year of the income, counted as the tax administration does: born on or after
 * 1 January of (year − 6) (income 2024 → born from 1 January 2018; born during the year too),
 * and the childcare amounts PAID for them. Here:
 * - the invoices of the year's months (month 'YYYY-…');
 * - per child, its childcare lines (line.childcare, else line.cesu) of those invoices;
 * - paid share: an invoice paid in part counts its childcare lines pro rata of what was paid
 *   (paidCents ÷ totalCents, capped at 1), rounded DOWN to the cent per invoice and child;
 * - the caller passes totals net of credit notes and paid = allocations of payments not cancelled.
 * Amounts in cents; children with nothing paid are listed with 0.
 */
export interface AttestationInput {
  year: number
  children: readonly { id: string; name: string; birthDate: string | null }[]
  invoices: readonly {
    month: string
    totalCents: number
    paidCents: number
    lines: readonly { childId: string; cesu: boolean; childcare?: boolean; amountCents: number }[]
  }[]
}

export interface ChildAttestation {
  childId: string
  name: string
  birthDate: string
  paidCents: number
}

/** Born on or after 1 January of (year − 6), up to the end of the year. */
export function childcareEligible(birthDate: string, year: number): boolean {
  return birthDate >= `${String(year - 6)}-01-01` && birthDate <= `${String(year)}-12-31`
}

export function childcareAttestation(input: AttestationInput): { year: number; children: ChildAttestation[]; totalCents: number } {
  if (!Number.isSafeInteger(input.year) || input.year < 2000 || input.year > 2200) throw new RangeError(`année attendue, reçu ${String(input.year)}`)
  const prefix = `${String(input.year)}-`
  const eligible = input.children.filter((c) => c.birthDate !== null && childcareEligible(c.birthDate, input.year))
  const paid = new Map<string, number>(eligible.map((c) => [c.id, 0]))
  for (const inv of input.invoices) {
    if (!inv.month.startsWith(prefix) || inv.totalCents <= 0 || inv.paidCents <= 0) continue
    const share = Math.min(inv.paidCents, inv.totalCents)
    const perChild = new Map<string, number>()
    for (const l of inv.lines) {
      if (!paid.has(l.childId) || !(l.childcare ?? l.cesu) || l.amountCents <= 0) continue
      perChild.set(l.childId, (perChild.get(l.childId) ?? 0) + l.amountCents)
    }
    for (const [childId, cents] of perChild) {
      const part = Number((BigInt(cents) * BigInt(share)) / BigInt(inv.totalCents))
      paid.set(childId, (paid.get(childId) ?? 0) + part)
    }
  }
  const children = eligible.map((c) => ({ childId: c.id, name: c.name, birthDate: c.birthDate as string, paidCents: paid.get(c.id) ?? 0 }))
  return { year: input.year, children, totalCents: children.reduce((s, c) => s + c.paidCents, 0) }
}
