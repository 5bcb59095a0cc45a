import { z } from 'zod'
import { API_PREFIX } from '@shared/sync/protocol'
import { freeText } from '@shared/validation/text'
import { createCreditNote, invoiceRunStatus, runInvoices, runningMonths, type InvoiceRunStatus } from '../services/invoicing'
import { notFound, safeErrorInfo } from './errors'
import { route, type Route } from './route'
import { IdParams } from './schemas'

/** The admin API of the monthly invoice run and of credit notes (docs/billing.md). */

const p = (path: string) => `${API_PREFIX}${path}`

const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'mois attendu au format AAAA-MM (par exemple 2026-11)')

export const InvoiceRunRequestSchema = z.strictObject({ month: Month })
export const InvoiceRunParams = z.strictObject({ month: Month })

export const InvoiceRunStatusSchema = z.object({
  month: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  /** Whether this portal process is running it now (a `running` status without it: an interrupted run, to resume). */
  inProgress: z.boolean(),
  cursor: z.string().nullable(),
  familiesDone: z.number().int(),
  invoicesCreated: z.number().int(),
  creditNotesCreated: z.number().int(),
  totalCents: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
})

export const CreditNoteRequestSchema = z.strictObject({
  /** Cents; default: all that the invoice still bills (its total less its credit notes). */
  amountCents: z.number().int().positive().max(100_000_000).optional(),
  reason: freeText({ min: 3, max: 300 }),
})

export const CreditNoteResponseSchema = z.object({ id: z.string(), number: z.string() })

const view = (s: InvoiceRunStatus) => ({ ...s, inProgress: runningMonths().includes(s.month) })

export function invoicingRoutes(): Route[] {
  return [
    route({
      method: 'POST',
      path: p('/admin/invoice-runs'),
      operationId: 'startInvoiceRun',
      summary: 'Lancer (ou reprendre) la facturation d’un mois',
      description:
        'Facture chaque famille pour le mois, par lots de familles (une transaction par lot : les postes continuent de se synchroniser). ' +
        'Idempotent : une famille déjà facturée pour ce mois ne l’est pas deux fois. Une facturation interrompue reprend après la dernière famille traitée. ' +
        'Les réservations des deux mois précédents modifiées après leur facture (absence justifiée tardivement) donnent un avoir. ' +
        'Répond tout de suite (202) ; suivre l’avancement avec GET /admin/invoice-runs/{month}. 409 si ce mois est déjà en cours.',
      tag: 'admin',
      auth: 'admin',
      body: InvoiceRunRequestSchema,
      responses: { 202: { description: 'Facturation lancée.', schema: InvoiceRunStatusSchema } },
      errors: [409],
      handler: async ({ ctx, body, reply, request }) => {
        const run = runInvoices(ctx.db, body.month, { now: ctx.now(), onProgress: () => ctx.changed() })
        run.then(
          () => ctx.changed(),
          (error: unknown) => request.log.error({ err: safeErrorInfo(error), month: body.month }, 'facturation en échec'),
        )
        // The run's row exists once its first statement ran.
        let status: InvoiceRunStatus | null = null
        for (let i = 0; i < 50 && !status; i++) {
          status = await invoiceRunStatus(ctx.db, body.month)
          if (!status) await new Promise((resolve) => setTimeout(resolve, 10))
        }
        reply.code(202)
        return status ? view(status) : { ...emptyStatus(body.month), inProgress: true }
      },
    }),
    route({
      method: 'GET',
      path: p('/admin/invoice-runs/:month'),
      operationId: 'invoiceRunStatus',
      summary: 'Où en est la facturation d’un mois',
      description: 'running (en cours, ou interrompue si inProgress est faux : la relancer la reprend), done, failed (error dit pourquoi ; la relancer la reprend).',
      tag: 'admin',
      auth: 'admin',
      params: InvoiceRunParams,
      responses: { 200: { description: 'L’état de la facturation.', schema: InvoiceRunStatusSchema } },
      errors: [404],
      handler: async ({ ctx, params }) => {
        const status = await invoiceRunStatus(ctx.db, params.month)
        if (!status) throw notFound(`Aucune facturation pour ${params.month}.`)
        return view(status)
      },
    }),
    route({
      method: 'POST',
      path: p('/admin/invoices/:id/credit-notes'),
      operationId: 'createCreditNote',
      summary: 'Établir un avoir sur une facture',
      description:
        'Une facture n’est jamais modifiée : un avoir (numéroté A01-26-11-…, par régie et par année) la corrige, de tout ou partie de ce qu’elle facture encore. ' +
        'Il réduit le reste à payer ; ce qui était déjà payé devient un avoir de la famille.',
      tag: 'admin',
      auth: 'admin',
      params: IdParams,
      body: CreditNoteRequestSchema,
      responses: { 201: { description: 'Avoir établi.', schema: CreditNoteResponseSchema } },
      errors: [404, 409],
      handler: async ({ ctx, auth, params, body, reply }) => {
        const note = await createCreditNote(
          ctx.db,
          params.id,
          { ...(body.amountCents !== undefined ? { amountCents: body.amountCents } : {}), reason: body.reason, agentId: auth.agentId },
          ctx.now(),
        )
        ctx.changed()
        reply.code(201)
        return note
      },
    }),
  ]
}

function emptyStatus(month: string): InvoiceRunStatus {
  return {
    month,
    status: 'running',
    cursor: null,
    familiesDone: 0,
    invoicesCreated: 0,
    creditNotesCreated: 0,
    totalCents: 0,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    error: null,
  }
}
