import { z } from 'zod'
import { computeQf, partsLabel } from '../domain/quotient'
import { CalendarDay } from '../validation/text'
import { lockKeys, type CommandDef, type RaisedFlag, type ReadHint } from './base'

/**
 * The quotient familial (issue 8, item 5): `quotients.record`, a fact. The agent either enters
 * the QF from its source (CAF or MSA certificate, tax notice, or manual) with the reference
 * month, or computes it from the household's income and parts (src/shared/domain/quotient.ts:
 * QF = (annual taxable income ÷ 12 + monthly benefits) ÷ parts, rounded down to the euro).
 * It applies from `validFrom` (by default the first day of the next month: never
 * retroactively); the history is kept (one row per QF, never changed).
 *
 * The portal records it whatever it holds and flags (never refuses):
 * - QF_IMPLAUSIBLE: a value above QF_PLAUSIBLE_MAX euros (a typing error, cents typed as euros);
 * - QF_MISMATCH: a computed QF whose value is not what its income and parts give;
 * - UNKNOWN_FAMILY (missing): a family the portal does not have (the QF is kept in the flag).
 */

/** Above this QF (euros), the value is flagged for a responsable: CAF quotients rarely pass 3 000 €. */
export const QF_PLAUSIBLE_MAX = 10_000

/** A QF in whole euros (a QF above QF_PLAUSIBLE_MAX is accepted and flagged). */
export const QfEuros = z.number({ error: 'montant en euros attendu' }).int('euros entiers attendus').min(0, 'le quotient ne peut pas être négatif').max(1_000_000, 'montant trop grand')
/** Money in cents (income, benefits), up to 1 billion euros (computeQf's bound). */
export const MoneyCents = z.number({ error: 'montant attendu' }).int('montant en centimes attendu').min(0, 'montant négatif').max(100_000_000_000, 'montant trop grand')
/** A month "YYYY-MM" (1900 … 2099). */
export const Month = z.string().regex(/^(19|20)\d{2}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM')
/** Parts × 2 (2.5 parts → 5): from 1 part (a lone adult in a tax notice) to 32 parts. */
export const PartsX2 = z.number().int('nombre de parts invalide').min(2, 'au moins 1 part').max(64, 'au plus 32 parts')

export const enteredSources = ['caf', 'msa', 'avis_imposition', 'manuel'] as const

const common = {
  id: z.uuid(),
  familyId: z.uuid(),
  /** The first day it applies (the counter fills it: the first day of next month by default). */
  validFrom: CalendarDay,
  /** The document it came from (a documents row), if recorded. */
  documentId: z.uuid().nullable(),
}

export const EnteredQuotient = z.strictObject({
  ...common,
  source: z.enum(enteredSources),
  value: QfEuros,
  referenceMonth: Month.nullable(),
})
export const ComputedQuotient = z.strictObject({
  ...common,
  source: z.literal('calcul'),
  value: QfEuros,
  referenceMonth: Month.nullable(),
  annualIncomeCents: MoneyCents,
  monthlyBenefitsCents: MoneyCents,
  partsX2: PartsX2,
})

/** A certificate or a tax notice has a reference month; only a manual entry may go without. */
function needsMonth(p: { source: string; referenceMonth: string | null }, ctx: z.RefinementCtx): void {
  if (p.source !== 'manuel' && p.source !== 'calcul' && p.referenceMonth === null) {
    ctx.addIssue({ code: 'custom', path: ['referenceMonth'], message: 'mois de référence obligatoire pour une attestation ou un avis d’imposition' })
  }
}

export const QuotientPayload = z.discriminatedUnion('source', [EnteredQuotient, ComputedQuotient]).superRefine(needsMonth)
export type QuotientPayload = z.infer<typeof QuotientPayload>

const euros = (n: number): string => `${new Intl.NumberFormat('fr-FR').format(n)} €`

/** The QF a computed payload's inputs give (null when they are out of computeQf's bounds). */
export function expectedQf(p: Pick<z.infer<typeof ComputedQuotient>, 'annualIncomeCents' | 'monthlyBenefitsCents' | 'partsX2'>): number | null {
  try {
    return computeQf({ annualIncomeCents: p.annualIncomeCents, monthlyBenefitsCents: p.monthlyBenefitsCents, partsX2: p.partsX2 })
  } catch {
    return null
  }
}

/** The rules a QF breaks (the same check on the counter, as a warning, and on the portal, as flags). */
export function quotientIssues(p: QuotientPayload): Array<Pick<RaisedFlag, 'code' | 'reason'>> {
  const issues: Array<Pick<RaisedFlag, 'code' | 'reason'>> = []
  if (p.value > QF_PLAUSIBLE_MAX) {
    issues.push({ code: 'QF_IMPLAUSIBLE', reason: `Quotient familial de ${euros(p.value)}, au-delà de ${euros(QF_PLAUSIBLE_MAX)} : valeur peu vraisemblable, à vérifier.` })
  }
  if (p.source === 'calcul') {
    const expected = expectedQf(p)
    if (expected !== p.value) {
      issues.push({
        code: 'QF_MISMATCH',
        reason: `Quotient familial calculé enregistré à ${euros(p.value)}, alors que les revenus et les ${partsLabel(p.partsX2)} parts donnent ${expected === null ? 'une valeur incalculable' : euros(expected)} : à vérifier.`,
      })
    }
  }
  return issues
}

const record: CommandDef<QuotientPayload> = {
  kind: 'fact',
  // Recorded at the counter (a family's own page does not set its QF).
  channels: ['guichet'],
  payload: QuotientPayload,
  touches: (p) => [{ entity: 'quotients', id: p.id }],
  reads: (): ReadHint[] => [],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const family = await tx.get('families', p.familyId)
    if (!family) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_FAMILY',
          reason: `Quotient familial (${euros(p.value)}) reçu pour un dossier famille absent du portail : il est conservé ici, à reporter à la main.`,
          familyId: null,
          data: p,
        },
      ]
    }
    const computed = p.source === 'calcul' ? p : null
    await tx.put('quotients', {
      id: p.id,
      family_id: p.familyId,
      value: p.value,
      source: p.source,
      reference_month: p.referenceMonth,
      valid_from: p.validFrom,
      annual_income_cents: computed?.annualIncomeCents ?? null,
      monthly_benefits_cents: computed?.monthlyBenefitsCents ?? null,
      parts_x2: computed?.partsX2 ?? null,
      document_id: p.documentId,
      agent_id: ctx.agentId,
      created_at: ctx.at,
    })
    return quotientIssues(p).map((i) => ({ kind: 'rule' as const, ...i, familyId: p.familyId, data: { quotientId: p.id, value: p.value } }))
  },
}

export const quotientCommands = {
  'quotients.record': record,
} as const
