import { z } from 'zod'
import { paymentOrderStatuses } from '../db/schema'
import { MAX_ORDER_CENTS, MIN_ORDER_CENTS } from '../payments/service'
import { Reference } from '../payments/simulated'

/** The payment routes' inputs and outputs (docs/payments.md). */

export const PaymentOrderRequestSchema = z.union([
  z.strictObject({
    /** The invoice to pay: the order is for its remaining amount (the portal's figure). */
    invoiceId: z.uuid(),
  }),
  z.strictObject({
    /** An amount the family chooses (a credit), in cents (1 € to 5 000 €). */
    amountCents: z.number().int().min(MIN_ORDER_CENTS).max(MAX_ORDER_CENTS),
  }),
])

export const PaymentOrderSchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  amountCents: z.number().int(),
  status: z.enum(paymentOrderStatuses),
  provider: z.string(),
  /** The provider's transaction id, once it notified. */
  transactionId: z.string().nullable(),
  /** The payment recorded for it (status paid). */
  paymentId: z.string().nullable(),
  /** The invoice it pays (null: an amount the family chose). */
  invoiceId: z.string().nullable(),
  createdAt: z.string(),
  paidAt: z.string().nullable(),
})

export const PaymentOrderResponseSchema = z.object({ order: PaymentOrderSchema })

export const StartPaymentResponseSchema = z.object({
  order: PaymentOrderSchema,
  /** The provider's page: send the family's browser there. */
  redirectUrl: z.string(),
})

const Amount = z.string().regex(/^[1-9]\d{0,8}$/, 'montant en centimes attendu').transform(Number)

/** The simulated provider's page: the parameters the portal signed. */
export const SimulatedPageQuery = z.strictObject({
  order: z.uuid(),
  reference: Reference,
  amount: Amount,
  return: z.url({ protocol: /^https?$/ }).max(500).optional(),
  sig: z.string().regex(/^[0-9a-f]{64}$/, 'signature invalide'),
})

export const SimulatedDecisionQuery = SimulatedPageQuery.extend({ decision: z.enum(['payer', 'refuser']) })

export const NotificationAnswerSchema = z.object({
  outcome: z.enum(['recorded', 'refused', 'amount_mismatch', 'unknown_order', 'already_paid']),
  /** true: this transaction id was already notified; nothing changed. */
  replay: z.boolean(),
})
