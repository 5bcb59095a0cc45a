import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { CommandRejection, flagRows, runCommand, type CommandContext, type RaisedFlag } from '@shared/commands'
import { iso, one, rows, type PortalDb } from '../db/client'
import { EntityStore } from '../db/store'
import { invalid, notFound, rejected, unauthorized } from '../http/errors'
import { CODE_ALPHABET, randomString, sha256Hex } from '../secrets'
import type { FamilyPrincipal } from '../services/families'
import { invoiceRemaining } from '../services/invoicing'
import type { PortalPayments } from './index'
import type { NotificationHeaders, VerifiedNotification } from './provider'
import { euros } from './simulated'

/**
 * Online payments on the portal (docs/payments.md):
 * 1. a family starts a payment: the portal creates an order (its amount, its reference) and
 *    sends the family to the provider's page;
 * 2. the provider notifies the portal; the adapter checks the notification's authenticity;
 * 3. the portal checks it against its own order and records the payment once per provider
 *    transaction id, as the fact `payments.recordOnline` (channel portail) through the change
 *    log, so that every workstation pulls it. Order, notification and payment: one transaction.
 *
 * No route lets a family, or a workstation, say that money was paid.
 */

/** An order is for 1 € to 5 000 € (until the billing issue ties orders to invoices). */
export const MIN_ORDER_CENTS = 100
export const MAX_ORDER_CENTS = 500_000
/** Orders a family may have started and not finished within a day (a bound on the table). */
export const MAX_OPEN_ORDERS = 10

export type PaymentOrderStatus = 'created' | 'paid' | 'refused' | 'amount_mismatch'

export interface PaymentOrderView {
  id: string
  reference: string
  amountCents: number
  status: PaymentOrderStatus
  provider: string
  transactionId: string | null
  paymentId: string | null
  /** The invoice whose remaining amount it pays (null: an amount the family chose). */
  invoiceId: string | null
  createdAt: string
  paidAt: string | null
}

interface OrderRow {
  id: string
  family_id: string
  amount_cents: number
  reference: string
  status: PaymentOrderStatus
  provider: string
  transaction_id: string | null
  payment_id: string | null
  created: string
  paid: string | null
  invoice_id: string | null
}

const ORDER_COLUMNS = sql`id, family_id, amount_cents, reference, status, provider, transaction_id, payment_id, invoice_id,
  ${iso(sql`created_at`)} AS created, ${iso(sql`paid_at`)} AS paid`

function view(r: OrderRow): PaymentOrderView {
  return {
    id: r.id,
    reference: r.reference,
    amountCents: Number(r.amount_cents),
    status: r.status,
    provider: r.provider,
    transactionId: r.transaction_id,
    paymentId: r.payment_id,
    invoiceId: r.invoice_id ?? null,
    createdAt: r.created,
    paidAt: r.paid,
  }
}

export function paymentsOff(): never {
  throw notFound('Le paiement en ligne n’est pas activé sur ce portail : réglez au guichet du service Scolaire-Enfance-Jeunesse.')
}

/**
 * What a family may pay online for one of its invoices: its remaining amount. Refused (French):
 * not the family's (404), a credit note, under direct debit, already settled (409).
 */
export async function invoicePayableOnline(db: PortalDb, familyId: string, invoiceId: string): Promise<{ number: string; remainingCents: number }> {
  const invoice = await one<{ number: string; kind: string; direct_debit: boolean | null; family_id: string }>(
    db,
    sql`SELECT number, kind, direct_debit, family_id FROM invoices WHERE id = ${invoiceId}`,
  )
  if (!invoice || invoice.family_id !== familyId) throw notFound('Facture introuvable pour votre famille.')
  if (invoice.kind !== 'facture') throw rejected(`${invoice.number} est un avoir : il n’y a rien à payer.`)
  if (invoice.direct_debit === true) {
    throw rejected(`La facture ${invoice.number} est réglée par prélèvement automatique : elle ne se paie pas en ligne.`)
  }
  const remaining = (await invoiceRemaining(db, invoiceId)) ?? 0
  if (remaining <= 0) throw rejected(`La facture ${invoice.number} est déjà réglée : il ne reste rien à payer.`)
  if (remaining < MIN_ORDER_CENTS) {
    throw rejected(`Il reste ${euros(remaining)} sur la facture ${invoice.number} : en dessous de ${euros(MIN_ORDER_CENTS)}, réglez au guichet.`)
  }
  return { number: invoice.number, remainingCents: Math.min(remaining, MAX_ORDER_CENTS) }
}

/**
 * A family starts a payment: of an invoice's remaining amount (`{ invoiceId }`, the amount is the
 * portal's), or of an amount it chose (`{ amountCents }`, a credit). The order, and the
 * provider's page to go to.
 */
export async function startPaymentOrder(
  db: PortalDb,
  payments: PortalPayments | undefined,
  family: FamilyPrincipal,
  what: number | { invoiceId: string },
  now = new Date(),
): Promise<{ order: PaymentOrderView; redirectUrl: string }> {
  if (!payments) paymentsOff()
  let amountCents: number
  let invoiceId: string | null = null
  if (typeof what === 'number') {
    amountCents = what
    if (!Number.isInteger(amountCents) || amountCents < MIN_ORDER_CENTS || amountCents > MAX_ORDER_CENTS) {
      throw invalid(`Montant invalide : de ${euros(MIN_ORDER_CENTS)} à ${euros(MAX_ORDER_CENTS)}.`)
    }
  } else {
    invoiceId = what.invoiceId
    amountCents = (await invoicePayableOnline(db, family.familyId, invoiceId)).remainingCents
  }
  const dayAgo = new Date(now.getTime() - 24 * 3600 * 1000).toISOString()
  const open = await one<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM payment_orders
        WHERE family_id = ${family.familyId} AND status = 'created' AND created_at > ${dayAgo}::timestamptz`,
  )
  if ((open?.n ?? 0) >= MAX_OPEN_ORDERS) {
    throw rejected('Trop de paiements commencés et non terminés aujourd’hui : terminez-en un, ou réessayez demain.')
  }
  const id = uuidv7({ msecs: now.getTime() })
  // 14 letters and digits: fits PayFiP's refdet and Paybox's PBX_CMD.
  const reference = `GF${randomString(12, CODE_ALPHABET)}`
  const [row] = await rows<OrderRow>(
    db,
    sql`INSERT INTO payment_orders (id, family_id, amount_cents, reference, provider, status, invoice_id, created_at, updated_at)
        VALUES (${id}, ${family.familyId}, ${amountCents}, ${reference}, ${payments.provider.name}, 'created', ${invoiceId}, ${now.toISOString()}, ${now.toISOString()})
        RETURNING ${ORDER_COLUMNS}`,
  )
  const { redirectUrl } = await payments.provider.createOrder({ orderId: id, reference, amountCents, returnUrl: payments.returnUrl })
  return { order: view(row as OrderRow), redirectUrl }
}

/** One of the family's orders (404 for anyone else's). */
export async function familyPaymentOrder(db: PortalDb, family: FamilyPrincipal, id: string): Promise<PaymentOrderView> {
  const row = await one<OrderRow>(db, sql`SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE id = ${id} AND family_id = ${family.familyId}`)
  if (!row) throw notFound('Paiement introuvable pour votre famille.')
  return view(row)
}

/** What the portal did with a notification whose signature held. */
export type NotificationOutcome = 'recorded' | 'refused' | 'amount_mismatch' | 'unknown_order' | 'already_paid'

export interface NotificationAnswer {
  status: 200 | 404
  body: { outcome: NotificationOutcome; replay: boolean }
  /** Shared tables were written (a snapshot rebuild is due). */
  changed: boolean
}

function answer(outcome: NotificationOutcome, replay: boolean, changed: boolean): NotificationAnswer {
  return { status: outcome === 'unknown_order' ? 404 : 200, body: { outcome, replay }, changed }
}

/**
 * The provider's notification, as it arrived. The adapter checks its authenticity (forged:
 * 401, nothing stored); then, in one transaction that holds the change-log lock:
 * - a transaction id already seen: the same answer, nothing changes (a replay);
 * - an unknown order (or a reference that is not the order's): refused, 404; when it says
 *   "paid", money may have moved: a flag for a person;
 * - "refused": the order is refused;
 * - "paid" for another amount than the order's: nothing is recorded as paid, the order says
 *   amount_mismatch, and a flag for a person (money may have moved);
 * - "paid" for an order already paid (another transaction): nothing recorded, a flag;
 * - "paid" for the order's amount: the payment is recorded (the fact payments.recordOnline,
 *   channel portail) and the order is paid.
 */
export async function receiveNotification(
  db: PortalDb,
  payments: PortalPayments,
  rawBody: string,
  headers: NotificationHeaders,
  now = new Date(),
): Promise<NotificationAnswer> {
  const verdict = await payments.provider.verifyNotification(rawBody, headers)
  if (!verdict.ok) {
    if (verdict.reason === 'signature') throw unauthorized(verdict.message)
    throw invalid(verdict.message)
  }
  const n = verdict
  const provider = payments.provider.name
  const commandId = uuidv7({ msecs: now.getTime() })
  const ctx: CommandContext = { at: now.toISOString(), agentId: null, workstationId: null, channel: 'portail', commandId }

  return EntityStore.transaction(db, { commandId, workstationId: null }, async (store, tx) => {
    // The town key, exclusively: one notification at a time, so a replay racing its original
    // waits here, then finds it (and nothing else writes meanwhile: the family's invoices too).
    await store.lock({ keys: null })
    const seen = await one<{ outcome: NotificationOutcome }>(
      tx,
      sql`SELECT outcome FROM payment_notifications WHERE provider = ${provider} AND transaction_id = ${n.transactionId}`,
    )
    if (seen) return answer(seen.outcome, true, false)

    const order = await one<OrderRow>(tx, sql`SELECT ${ORDER_COLUMNS} FROM payment_orders WHERE id = ${n.orderId} FOR UPDATE`)
    const flags: RaisedFlag[] = []
    let outcome: NotificationOutcome
    if (!order || order.reference !== n.reference || order.provider !== provider) {
      outcome = 'unknown_order'
      if (n.status === 'paid') {
        flags.push({
          kind: 'missing',
          code: 'UNKNOWN_PAYMENT_ORDER',
          reason: `Avis de paiement en ligne ${n.transactionId} (${euros(n.amountCents)}, référence ${n.reference}) pour une commande que le portail ne connaît pas : rien n’est enregistré. De l’argent a pu être débité : à vérifier avec la banque.`,
          familyId: null,
          data: { provider, orderId: n.orderId, reference: n.reference, transactionId: n.transactionId, amountCents: n.amountCents },
        })
      }
    } else if (n.status === 'refused') {
      outcome = 'refused'
      if (order.status === 'created') {
        await tx.execute(sql`UPDATE payment_orders SET status = 'refused', updated_at = ${ctx.at} WHERE id = ${order.id}`)
      }
    } else if (order.status === 'paid' || order.status === 'amount_mismatch') {
      outcome = 'already_paid'
      flags.push({
        kind: 'rule',
        code: 'ORDER_ALREADY_PAID',
        reason: `Second avis de paiement en ligne (${n.transactionId}, ${euros(n.amountCents)}) pour la commande ${order.reference}, déjà réglée par ${order.transaction_id ?? '?'} : rien de plus n’est enregistré. De l’argent a pu être débité deux fois : à vérifier avec la banque.`,
        familyId: order.family_id,
        data: { provider, orderId: order.id, reference: order.reference, transactionId: n.transactionId, amountCents: n.amountCents, paidBy: order.transaction_id },
      })
    } else if (n.amountCents !== Number(order.amount_cents)) {
      outcome = 'amount_mismatch'
      await tx.execute(
        sql`UPDATE payment_orders SET status = 'amount_mismatch', transaction_id = ${n.transactionId}, updated_at = ${ctx.at} WHERE id = ${order.id}`,
      )
      flags.push({
        kind: 'rule',
        code: 'PAYMENT_AMOUNT_MISMATCH',
        reason: `Paiement en ligne ${n.transactionId} : la banque annonce ${euros(n.amountCents)} pour la commande ${order.reference} de ${euros(Number(order.amount_cents))}. Rien n’est enregistré comme payé ; de l’argent a pu être débité : à vérifier avec la banque.`,
        familyId: order.family_id,
        data: { provider, orderId: order.id, reference: order.reference, transactionId: n.transactionId, expectedCents: Number(order.amount_cents), notifiedCents: n.amountCents },
      })
    } else {
      outcome = 'recorded'
      const paymentId = uuidv7({ msecs: now.getTime() })
      try {
        await runCommand(
          store,
          'payments.recordOnline',
          {
            id: paymentId,
            familyId: order.family_id,
            transactionId: n.transactionId,
            amountCents: n.amountCents,
            paymentOrderId: order.id,
            ...(order.invoice_id ? { invoiceId: order.invoice_id } : {}),
          },
          ctx,
          { recordFlags: true },
        )
      } catch (error) {
        // The provider's data always fits the command's schema (checked by the adapter): a
        // rejection here is a bug, and the whole notification is rolled back (the provider retries).
        if (error instanceof CommandRejection) throw new Error(`payments.recordOnline rejected: ${error.code}`, { cause: error })
        throw error
      }
      // The fact writes no row when the transaction id is already a payment (it flags it instead).
      const recorded = (await store.get('payments', paymentId)) !== null
      await tx.execute(
        sql`UPDATE payment_orders SET status = 'paid', transaction_id = ${n.transactionId}, payment_id = ${recorded ? paymentId : null},
              paid_at = ${ctx.at}, updated_at = ${ctx.at}
            WHERE id = ${order.id}`,
      )
    }
    for (const row of flagRows('payments.recordOnline', null, ctx, flags)) await store.put('flags', row)
    await tx.execute(
      sql`INSERT INTO payment_notifications (id, provider, transaction_id, order_id, status, amount_cents, outcome, body_sha256, received_at)
          VALUES (${uuidv7({ msecs: now.getTime() })}, ${provider}, ${n.transactionId}, ${n.orderId}, ${n.status}, ${n.amountCents}, ${outcome},
                  ${sha256Hex(rawBody)}, ${ctx.at})`,
    )
    return answer(outcome, false, store.writes > 0 || flags.length > 0)
  })
}

export type { VerifiedNotification }
