import { z } from 'zod'
import { entityEnums } from '../sync/entities'
import { CalendarDay, freeText, singleLine } from '../validation/text'
import { command, query, allAgents } from './define'
import type { Role } from './schemas'

/**
 * Invoices, payments and the cash desk at the counter (issue 12). Self-contained: the
 * contract gathers it as `billing`. The rules are pure functions in src/shared/domain
 * (pricing.ts, invoicing.ts, allocation.ts, closing.ts); the facts are the shared commands
 * payments.record, payments.cancel, cashdesk.open and cashdesk.close (src/shared/commands/billing.ts).
 * Money is integer cents everywhere.
 */

/** Who takes money at the counter (the régisseur, and a responsable). */
export const CASH_ROLES: readonly Role[] = ['regisseur', 'responsable']

export const paymentMethods = entityEnums.payments.method
export type PaymentMethod = (typeof paymentMethods)[number]
/** The methods an agent may take at the counter (not prélèvement nor en_ligne). */
export const counterMethods = ['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances'] as const
export type CounterMethod = (typeof counterMethods)[number]
/** How a refund of a credit is paid out. */
export const refundMethods = ['especes', 'cheque', 'carte'] as const
export type RefundMethod = (typeof refundMethods)[number]

/** Euro notes and coins, in cents (billetage), largest first. */
export const DENOMINATIONS = [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1] as const

export const receiptLayouts = ['a4', '80mm'] as const
export type ReceiptLayout = (typeof receiptLayouts)[number]

/** A strictly positive amount in whole cents, at most 100 000 € (a sub-cent or negative amount is refused). */
export const AmountCents = z
  .number({ error: 'montant attendu' })
  .int('montant au centime près attendu')
  .positive('le montant doit être supérieur à zéro')
  .max(10_000_000, 'montant trop grand (100 000 € au plus)')

const Id = z.uuid()

// ---------------------------------------------------------------------------------------------
// Views

export const invoiceStatuses = ['a_payer', 'partiellement_payee', 'payee', 'prelevement', 'avoir'] as const
export type InvoiceStatus = (typeof invoiceStatuses)[number]

export const InvoiceLineViewSchema = z.object({
  id: z.string(),
  childId: z.string().nullable(),
  childName: z.string().nullable(),
  unitId: z.string().nullable(),
  unitLabel: z.string().nullable(),
  kind: z.enum(entityEnums.invoice_lines.kind),
  quantity: z.number().int(),
  unitPriceCents: z.number().int(),
  amountCents: z.number().int(),
  /** Plain French: "QF 850 → tranche 2 : 3,30 € × 12 repas". */
  rule: z.string(),
  dates: z.array(z.string()),
  cesu: z.boolean(),
  leisure: z.boolean(),
})
export type InvoiceLineView = z.infer<typeof InvoiceLineViewSchema>

export const InvoiceViewSchema = z.object({
  id: z.string(),
  number: z.string(),
  kind: z.enum(entityEnums.invoices.kind),
  month: z.string(),
  issuedOn: z.string(),
  dueOn: z.string(),
  debitOn: z.string().nullable(),
  directDebit: z.boolean(),
  payerName: z.string(),
  totalCents: z.number().int(),
  /** Settled by payments not cancelled. */
  paidCents: z.number().int(),
  /** Credited by its avoirs. */
  creditedCents: z.number().int(),
  /** max(0, total − paid − credited); 0 for an avoir. */
  remainingCents: z.number().int(),
  status: z.enum(invoiceStatuses),
  /** An avoir: the number of the invoice it corrects. */
  correctsNumber: z.string().nullable(),
  reason: z.string().nullable(),
  lines: z.array(InvoiceLineViewSchema),
})
export type InvoiceView = z.infer<typeof InvoiceViewSchema>

export const AllocationViewSchema = z.object({ invoiceId: z.string(), invoiceNumber: z.string(), amountCents: z.number().int() })

export const PaymentViewSchema = z.object({
  id: z.string(),
  kind: z.enum(entityEnums.payments.kind),
  method: z.enum(paymentMethods),
  amountCents: z.number().int(),
  /** Null for an online payment (the provider's transaction is shown instead). */
  receiptNumber: z.string().nullable(),
  transactionId: z.string().nullable(),
  paidAt: z.string(),
  agentName: z.string().nullable(),
  workstationId: z.string().nullable(),
  cheque: z.object({ bank: z.string(), number: z.string(), drawer: z.string() }).nullable(),
  terminalRef: z.string().nullable(),
  tenderedCents: z.number().int().nullable(),
  changeCents: z.number().int().nullable(),
  allocations: z.array(AllocationViewSchema),
  /** The part of a payment no invoice took (the family's credit). */
  unallocatedCents: z.number().int(),
  cancelled: z.object({ at: z.string(), by: z.string().nullable(), reason: z.string() }).nullable(),
  /** Its cash-desk day is closed: it can no longer be cancelled here (refund instead). */
  dayClosed: z.boolean(),
  /** Still in the outbox (not yet on the portal). */
  pending: z.boolean(),
})
export type PaymentView = z.infer<typeof PaymentViewSchema>

export const EstimateSchema = z.object({
  month: z.string(),
  /** The day the estimate was computed for (bookings up to the end of the month count). */
  asOf: z.string(),
  lines: z.array(InvoiceLineViewSchema),
  totalCents: z.number().int(),
})
export type Estimate = z.infer<typeof EstimateSchema>

export const FamilyAccountSchema = z.object({
  familyId: z.string(),
  /** Invoices − avoirs − payments + refunds: positive = owed, negative = the family's credit. */
  balanceCents: z.number().int(),
  /** What is owed on open invoices not under direct debit (payable here). */
  payableCents: z.number().int(),
  /** The family's credit (overpayments, avoirs beyond an invoice's remaining), refundable. */
  creditCents: z.number().int(),
  directDebit: z.boolean(),
  /** Newest first; avoirs included. */
  invoices: z.array(InvoiceViewSchema),
  /** Newest first; refunds included. */
  payments: z.array(PaymentViewSchema),
  /** The current month from local data (bookings and attendance); null when nothing is booked. */
  estimate: EstimateSchema.nullable(),
  /** The agent may take a payment here now (role, cash-desk day open), or why not (French). */
  canPay: z.object({ ok: z.boolean(), reason: z.string().nullable() }),
})
export type FamilyAccount = z.infer<typeof FamilyAccountSchema>

export const MethodTotalsSchema = z.record(z.enum(paymentMethods), z.number().int())

export const CashDayViewSchema = z.object({
  /** Null while the day is not opened. */
  id: z.string().nullable(),
  day: z.string(),
  workstationId: z.string().nullable(),
  status: z.enum(['non_ouverte', 'ouverte', 'cloturee']),
  floatCents: z.number().int(),
  openedAt: z.string().nullable(),
  openedBy: z.string().nullable(),
  closedAt: z.string().nullable(),
  closedBy: z.string().nullable(),
  /** The day's receipts and refunds (cancelled ones included, marked). */
  payments: z.array(PaymentViewSchema.extend({ familyName: z.string(), familyCode: z.string() })),
  /** Net by method (payments − refunds, cancelled excluded). */
  totals: MethodTotalsSchema,
  totalCents: z.number().int(),
  /** float + cash taken − cash refunded. */
  expectedCashCents: z.number().int(),
  chequeCount: z.number().int(),
  chequeTotalCents: z.number().int(),
  receiptsCount: z.number().int(),
  /** Once closed: the count by denomination, the cash counted and the difference (counted − expected). */
  billetage: z.record(z.string(), z.number().int()).nullable(),
  countedCents: z.number().int().nullable(),
  differenceCents: z.number().int().nullable(),
  note: z.string().nullable(),
})
export type CashDayView = z.infer<typeof CashDayViewSchema>

export const RegieReportSchema = z.object({
  day: z.string(),
  rows: z.array(
    z.object({
      workstationId: z.string(),
      /** This workstation. */
      here: z.boolean(),
      status: z.enum(['ouverte', 'cloturee']),
      receiptsCount: z.number().int(),
      totals: MethodTotalsSchema,
      totalCents: z.number().int(),
      expectedCashCents: z.number().int().nullable(),
      countedCents: z.number().int().nullable(),
      differenceCents: z.number().int().nullable(),
    }),
  ),
  totals: MethodTotalsSchema,
  totalCents: z.number().int(),
})
export type RegieReport = z.infer<typeof RegieReportSchema>

export const PaymentResultSchema = z.object({
  paymentId: z.string(),
  receiptNumber: z.string(),
  allocations: z.array(AllocationViewSchema),
  /** The overpayment, now the family's credit. */
  creditCents: z.number().int(),
  /** Cash: the change to give back. */
  changeCents: z.number().int().nullable(),
  account: FamilyAccountSchema,
})
export type PaymentResult = z.infer<typeof PaymentResultSchema>

export const PaymentPreviewSchema = z.object({
  allocations: z.array(AllocationViewSchema),
  creditCents: z.number().int(),
  changeCents: z.number().int().nullable(),
  /** Why it cannot be taken as is (French); empty: it can. */
  problems: z.array(z.string()),
})
export type PaymentPreview = z.infer<typeof PaymentPreviewSchema>

export const PdfOutputSchema = z.object({ pdfBase64: z.string(), fileName: z.string() })

// ---------------------------------------------------------------------------------------------
// Inputs

export const ChequeSchema = z.strictObject({
  bank: singleLine({ min: 2, max: 60 }),
  number: z.string().trim().regex(/^\d{1,12}$/, 'numéro de chèque attendu (chiffres)'),
  drawer: singleLine({ min: 2, max: 80 }),
})

export const PayInputSchema = z.strictObject({
  familyId: Id,
  method: z.enum(counterMethods),
  amountCents: AmountCents,
  /** The invoices the agent picked, in the order to settle; absent or empty: oldest open first. */
  invoiceIds: z.array(Id).max(50).optional(),
  /** Cash: what the family hands over (≥ amount); the change is the difference. */
  tenderedCents: AmountCents.optional(),
  /** Required for a cheque. */
  cheque: ChequeSchema.optional(),
  /** Card: the terminal ticket's reference (required for a card). */
  terminalRef: singleLine({ min: 1, max: 40 }).optional(),
})
export type PayInput = z.infer<typeof PayInputSchema>

export const RefundInputSchema = z.strictObject({
  familyId: Id,
  method: z.enum(refundMethods),
  amountCents: AmountCents,
  reason: freeText({ min: 3, max: 300 }),
  cheque: ChequeSchema.optional(),
  terminalRef: singleLine({ min: 1, max: 40 }).optional(),
})
export type RefundInput = z.infer<typeof RefundInputSchema>

export const billingEndpoints = {
  /** A family's invoices with their lines, payments, balance, credit and the current month's estimate. */
  account: query({ input: z.strictObject({ familyId: Id }), output: FamilyAccountSchema, access: allAgents, journalRead: true }),
  /** How a payment would apply (allocations, credit, change) and what blocks it, before it is taken. */
  preview: query({ input: PayInputSchema, output: PaymentPreviewSchema, access: CASH_ROLES }),
  /** Takes a payment (fact payments.record, numbered from this workstation's receipt series). */
  pay: command({ input: PayInputSchema, output: PaymentResultSchema, access: CASH_ROLES, sync: true }),
  /** Refunds (part of) the family's credit (fact payments.record, kind remboursement, series V). */
  refund: command({ input: RefundInputSchema, output: PaymentResultSchema, access: CASH_ROLES, sync: true }),
  /** Cancels a receipt with a reason (fact payments.cancel): the number stays used. Refused once its day is closed. */
  cancelPayment: command({
    input: z.strictObject({ paymentId: Id, reason: freeText({ min: 3, max: 300 }) }),
    output: FamilyAccountSchema,
    access: CASH_ROLES,
    sync: true,
  }),
  /** The receipt (or refund) as a PDF, A4 or 80 mm. */
  receiptPdf: query({ input: z.strictObject({ paymentId: Id, layout: z.enum(receiptLayouts) }), output: PdfOutputSchema, access: allAgents, journalRead: true }),
  /** An invoice or avoir as a PDF (A4). */
  invoicePdf: query({ input: z.strictObject({ invoiceId: Id }), output: PdfOutputSchema, access: allAgents, journalRead: true }),
  /** The yearly « attestation de frais de garde » (children under 6, for the tax return). */
  attestationPdf: query({
    input: z.strictObject({ familyId: Id, year: z.number().int().min(2000).max(2100) }),
    output: PdfOutputSchema.extend({ totalCents: z.number().int() }),
    access: allAgents,
    journalRead: true,
  }),
  /** This workstation's cash-desk day (default: today). */
  cashDay: query({ input: z.strictObject({ day: CalendarDay.optional() }), output: CashDayViewSchema, access: allAgents }),
  /** Opens today's cash desk with a float (fact cashdesk.open). */
  openDay: command({ input: z.strictObject({ floatCents: z.number().int().min(0).max(1_000_000) }), output: CashDayViewSchema, access: CASH_ROLES, sync: true }),
  /** Closes the day with the cash counted by denomination (fact cashdesk.close). Final. */
  closeDay: command({
    input: z.strictObject({
      cashDayId: Id,
      /** Denomination in cents (a DENOMINATIONS value, as a string key) → count. */
      billetage: z.record(z.string().regex(/^\d{1,5}$/), z.number().int().min(0).max(100_000)),
      note: freeText({ min: 0, max: 500 }).optional(),
    }),
    output: CashDayViewSchema,
    access: CASH_ROLES,
    sync: true,
  }),
  /** Closing report (totals, billetage, receipts) as a PDF. */
  closingPdf: query({ input: z.strictObject({ cashDayId: Id }), output: PdfOutputSchema, access: allAgents, journalRead: true }),
  /** The cheque remittance slip (bordereau de remise de chèques) of a day, as a PDF. */
  remittancePdf: query({ input: z.strictObject({ cashDayId: Id }), output: PdfOutputSchema, access: allAgents, journalRead: true }),
  /** The day's receipts as CSV for the accountant (semicolon, BOM, French decimals). */
  exportCsv: query({ input: z.strictObject({ cashDayId: Id }), output: z.object({ csv: z.string(), fileName: z.string() }), access: allAgents }),
  /** Every workstation's day, as far as this one knows (synced cash days and payments). */
  regieReport: query({ input: z.strictObject({ day: CalendarDay }), output: RegieReportSchema, access: allAgents }),
}
