import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type contract } from '@shared/contract'
import type { QuotientList, QuotientView } from '@shared/contract/quotients'
import { parisDay } from '@shared/domain/dates'
import { computeQf, defaultValidFrom, qfInForce, type QuotientSource } from '@shared/domain/quotient'
import type { QuotientPayload } from '@shared/commands/quotients'
import type { HandlersFor } from '../router'
import { runShared } from '../run-shared'

/** The quotient familial at the counter (issue 8, item 5): history, QF in force, record (fact quotients.record). */

interface Stored {
  id: string
  value: number
  source: QuotientSource
  reference_month: string | null
  valid_from: string
  annual_income_cents: number | null
  monthly_benefits_cents: number | null
  parts_x2: number | null
  document_id: string | null
  agent_name: string | null
  created_at: string
}

function stored(sqlite: Database.Database, familyId: string): Stored[] {
  return sqlite
    .prepare(
      `SELECT q.id, q.value, q.source, q.reference_month, q.valid_from, q.annual_income_cents, q.monthly_benefits_cents,
              q.parts_x2, q.document_id, a.display_name AS agent_name, q.created_at
         FROM quotients q LEFT JOIN agents a ON a.id = q.agent_id
        WHERE q.family_id = ?
        ORDER BY q.valid_from DESC, q.created_at DESC, q.id DESC`,
    )
    .all(familyId) as Stored[]
}

function view(r: Stored): QuotientView {
  return {
    id: r.id,
    value: r.value,
    source: r.source,
    referenceMonth: r.reference_month,
    validFrom: r.valid_from,
    annualIncomeCents: r.annual_income_cents,
    monthlyBenefitsCents: r.monthly_benefits_cents,
    partsX2: r.parts_x2,
    documentId: r.document_id,
    agentName: r.agent_name,
    createdAt: r.created_at,
  }
}

function requireFamily(sqlite: Database.Database, familyId: string): void {
  if (!sqlite.prepare('SELECT 1 FROM families WHERE id = ?').get(familyId)) throw new DomainError('NOT_FOUND', `Unknown family ${familyId}`)
}

/** The history (latest first) and the QF in force on `today`. */
export function listQuotients(sqlite: Database.Database, familyId: string, today: string): QuotientList {
  requireFamily(sqlite, familyId)
  const rows = stored(sqlite, familyId)
  const inForce = qfInForce(rows, today)
  return { items: rows.map(view), inForce: inForce ? view(inForce) : null, today }
}

export const quotientsHandlers: HandlersFor<typeof contract>['quotients'] = {
  list: (ctx, input) => listQuotients(ctx.sqlite, input.familyId, parisDay(ctx.now)),
  inForce: (ctx, input) => {
    requireFamily(ctx.sqlite, input.familyId)
    const row = qfInForce(stored(ctx.sqlite, input.familyId), input.day)
    return { day: input.day, quotient: row ? view(row) : null }
  },
  record: async (ctx, input) => {
    requireFamily(ctx.sqlite, input.familyId)
    const today = parisDay(ctx.now)
    const common = {
      id: uuidv7({ msecs: ctx.now.getTime() }),
      familyId: input.familyId,
      validFrom: input.validFrom ?? defaultValidFrom(today),
      documentId: input.documentId ?? null,
    }
    const payload: QuotientPayload =
      input.source === 'calcul'
        ? {
            ...common,
            source: 'calcul',
            // The rule is the shared pure function: the portal computes it again and flags a difference.
            value: computeQf(input),
            referenceMonth: input.referenceMonth ?? null,
            annualIncomeCents: input.annualIncomeCents,
            monthlyBenefitsCents: input.monthlyBenefitsCents,
            partsX2: input.partsX2,
          }
        : { ...common, source: input.source, value: input.value, referenceMonth: input.referenceMonth }
    ctx.record('family', input.familyId)
    await runShared(ctx, 'quotients.record', payload)
    return listQuotients(ctx.sqlite, input.familyId, today)
  },
}
