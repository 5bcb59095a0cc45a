/**
 * The payment-provider adapter: the seam where the simulated provider (demo, tests) and, later,
 * a real PayFiP or Paybox connector plug in (docs/payments.md).
 *
 * The portal never trusts a browser about money. It creates an order (its own amount and
 * reference), sends the family to the provider's page, and records a payment only when the
 * provider's notification, verified by the adapter, says the order was paid.
 */

/** What the portal asks the provider for. */
export interface OrderRequest {
  /** The portal's order id (UUIDv7). */
  orderId: string
  /** The reference the provider carries and sends back (PayFiP refdet, Paybox PBX_CMD). */
  reference: string
  amountCents: number
  /** Where the provider sends the family's browser back when it is done (null: no link). */
  returnUrl: string | null
}

export interface CreatedOrder {
  /** The provider's page, where the family's browser goes to pay. */
  redirectUrl: string
}

/** A notification whose authenticity the adapter checked. */
export interface VerifiedNotification {
  ok: true
  orderId: string
  reference: string
  /** The provider's transaction id: a payment is recorded once per id. */
  transactionId: string
  amountCents: number
  status: 'paid' | 'refused'
}

/** A notification the adapter refuses: nothing is recorded, nothing is stored. */
export interface RefusedNotification {
  ok: false
  /** signature: missing or wrong; malformed: signed but not a notification. */
  reason: 'signature' | 'malformed'
  /** French, for the log and the answer (no data from the body). */
  message: string
}

export type NotificationHeaders = Record<string, string | string[] | undefined>

export interface PaymentProvider {
  /** Stored with each order and notification: "simulated", later "payfip", "paybox". */
  readonly name: string
  createOrder(order: OrderRequest): Promise<CreatedOrder>
  /**
   * Checks a notification as it arrived (the raw body, byte for byte, and the headers) and says
   * what it means. Never throws for a bad notification: it refuses it.
   */
  verifyNotification(rawBody: string, headers: NotificationHeaders): Promise<VerifiedNotification | RefusedNotification>
}
