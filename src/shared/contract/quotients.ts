import { z } from 'zod'
import { MoneyCents, Month, PartsX2, QfEuros, enteredSources } from '../commands/quotients'
import { quotientSources } from '../domain/quotient'
import { CalendarDay } from '../validation/text'
import { allAgents, command, query } from './define'

/**
 * The quotient familial of a family (issue 8, item 5): its history, the QF in force today and
 * on any day, and `record` (shared command quotients.record, a fact). Self-contained: the
 * contract gathers it as `quotients`.
 */

export const QuotientViewSchema = z.object({
  id: z.uuid(),
  value: z.number().int(),
  source: z.enum(quotientSources),
  referenceMonth: z.string().nullable(),
  validFrom: z.string(),
  annualIncomeCents: z.number().int().nullable(),
  monthlyBenefitsCents: z.number().int().nullable(),
  partsX2: z.number().int().nullable(),
  documentId: z.string().nullable(),
  /** Who recorded it (display name), null when unknown here. */
  agentName: z.string().nullable(),
  createdAt: z.string(),
})
export type QuotientView = z.infer<typeof QuotientViewSchema>

export const QuotientListSchema = z.object({
  /** Latest valid_from first (then the latest recorded). */
  items: z.array(QuotientViewSchema),
  /** The QF in force today (null: none yet, the family pays the maximum tariff). */
  inForce: QuotientViewSchema.nullable(),
  today: z.string(),
})
export type QuotientList = z.infer<typeof QuotientListSchema>

const familyId = z.uuid()
const common = {
  familyId,
  /** Default: the first day of next month (a QF never applies retroactively unless the agent says so). */
  validFrom: CalendarDay.optional(),
  documentId: z.uuid().nullable().optional(),
}

/** What the counter sends: a QF entered from its source, or the inputs of a computed one (the core computes the value). */
export const RecordQuotientInputSchema = z
  .discriminatedUnion('source', [
    z.strictObject({ ...common, source: z.enum(enteredSources), value: QfEuros, referenceMonth: Month.nullable() }),
    z.strictObject({
      ...common,
      source: z.literal('calcul'),
      referenceMonth: Month.nullable().optional(),
      annualIncomeCents: MoneyCents,
      monthlyBenefitsCents: MoneyCents,
      partsX2: PartsX2,
    }),
  ])
  .superRefine((p, ctx) => {
    if (p.source !== 'manuel' && p.source !== 'calcul' && p.referenceMonth === null) {
      ctx.addIssue({ code: 'custom', path: ['referenceMonth'], message: 'mois de référence obligatoire pour une attestation ou un avis d’imposition' })
    }
  })
export type RecordQuotientInput = z.infer<typeof RecordQuotientInputSchema>

export const quotientsEndpoints = {
  /** The family's QF history and the QF in force today. */
  list: query({ input: z.strictObject({ familyId }), output: QuotientListSchema, access: allAgents }),
  /** The QF in force on a day (null: none). */
  inForce: query({
    input: z.strictObject({ familyId, day: CalendarDay }),
    output: z.object({ day: z.string(), quotient: QuotientViewSchema.nullable() }),
    access: allAgents,
  }),
  /** Records a QF (fact quotients.record, synced); answers the new history. */
  record: command({ input: RecordQuotientInputSchema, output: QuotientListSchema, access: allAgents, sync: true }),
}
