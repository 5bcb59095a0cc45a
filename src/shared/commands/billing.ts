import { z } from 'zod'
import { billetageTotal, dayTotals } from '../domain/closing'
import type { Row, Value } from '../sync/entities'
import { CalendarDay, freeText, isSaneInstant, singleLine } from '../validation/text'
import { derivedId } from './ids'
import { checkSeriesNumber, lockKeys, SERIES, type CommandDef, type CommandTx, type RaisedFlag } from './base'

/**
 * Money at the counter (issue 12): payments and refunds with their receipts, cancellations of
 * receipts, and the cash desk's day (opened with a float, closed with the cash counted). All are
 * **facts**: they happened at the counter (money changed hands), so the portal records them
 * whatever it holds and flags what it finds wrong, for a responsable; a workstation never undoes
 * them. The counter checks every rule before it records anything (src/main/core/areas/billing.ts):
 * the flags are for what only the portal can see (an invoice settled online meanwhile, a number
 * outside the workstation's series, a closing whose totals differ from the receipts it has).
 *
 * Receipt numbers come from the workstation's own series, taken inside the payment's
 * transaction: "R-G01-26-000123" (payments), "V-G01-26-000001" (refunds), one series per year.
 */

const Id = z.uuid()
const Cents = z.number().int().positive().max(10_000_000)
const Instant = z.string().refine(isSaneInstant, 'instant ISO attendu')

/** A receipt number: R (payment) or V (refund), the workstation's series, the year, six digits. */
export const ReceiptNumber = z.string().regex(/^[RV]-[A-Z][A-Z0-9]{0,9}-\d{2}-\d{6}$/, 'numéro de reçu attendu (R-G01-26-000123)')

export const ChequePayload = z.strictObject({
  bank: singleLine({ min: 1, max: 60 }),
  number: z.string().regex(/^\d{1,12}$/, 'numéro de chèque attendu'),
  drawer: singleLine({ min: 1, max: 80 }),
})

export const PaymentRecordPayload = z
  .strictObject({
    id: Id,
    familyId: Id,
    kind: z.enum(['paiement', 'remboursement']),
    method: z.enum(['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances']),
    amountCents: Cents,
    receiptNumber: ReceiptNumber,
    cashDayId: Id,
    paidAt: Instant,
    tenderedCents: Cents.nullable(),
    changeCents: z.number().int().min(0).max(10_000_000).nullable(),
    cheque: ChequePayload.nullable(),
    terminalRef: singleLine({ min: 1, max: 40 }).nullable(),
    /** A refund's reason. */
    reason: freeText({ min: 1, max: 300 }).nullable(),
    allocations: z.array(z.strictObject({ id: Id, invoiceId: Id, amountCents: Cents })).max(50),
  })
  .superRefine((p, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (p.method === 'cheque' && p.cheque === null) issue('cheque', 'chèque sans numéro')
    if (p.method === 'carte' && p.terminalRef === null) issue('terminalRef', 'référence du terminal manquante')
    if (p.kind === 'remboursement' && p.allocations.length > 0) issue('allocations', 'un remboursement ne règle pas de facture')
    if (p.kind === 'remboursement' && p.reason === null) issue('reason', 'motif du remboursement manquant')
    if (p.receiptNumber.startsWith('V-') !== (p.kind === 'remboursement')) issue('receiptNumber', 'préfixe de reçu incohérent')
    const allocated = p.allocations.reduce((s, a) => s + a.amountCents, 0)
    if (allocated > p.amountCents) issue('allocations', 'allocations supérieures au montant')
    if (new Set(p.allocations.map((a) => a.invoiceId)).size !== p.allocations.length) issue('allocations', 'facture en double')
  })
export type PaymentRecordPayload = z.infer<typeof PaymentRecordPayload>

export const PaymentCancelPayload = z.strictObject({
  paymentId: Id,
  familyId: Id,
  reason: freeText({ min: 3, max: 300 }),
})
export type PaymentCancelPayload = z.infer<typeof PaymentCancelPayload>

export const CashDayOpenPayload = z.strictObject({
  id: Id,
  day: CalendarDay,
  floatCents: z.number().int().min(0).max(1_000_000),
})
export type CashDayOpenPayload = z.infer<typeof CashDayOpenPayload>

const MethodTotals = z.record(z.string().regex(/^[a-z_]{1,20}$/), z.number().int().min(-100_000_000).max(100_000_000))

export const CashDayClosePayload = z.strictObject({
  cashDayId: Id,
  billetage: z.record(z.string().regex(/^\d{1,5}$/), z.number().int().min(0).max(100_000)),
  countedCents: z.number().int().min(0).max(100_000_000),
  expectedCashCents: z.number().int().min(-100_000_000).max(100_000_000),
  totals: MethodTotals,
  receiptsCount: z.number().int().min(0).max(1_000_000),
  note: freeText({ min: 0, max: 500 }).nullable(),
  closedAt: Instant,
})
export type CashDayClosePayload = z.infer<typeof CashDayClosePayload>

const text = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v))
const num = (v: Value | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0))

/** « 12,50 € » (cents). */
export function eurosText(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')} €`
}

export const METHOD_LABELS: Record<string, string> = {
  especes: 'espèces',
  cheque: 'chèque',
  carte: 'carte bancaire',
  cesu: 'CESU',
  cheques_vacances: 'chèques vacances',
  prelevement: 'prélèvement',
  en_ligne: 'paiement en ligne',
}

/**
 * What an invoice has received: its allocations from payments not cancelled, and its avoirs.
 * `excludePayment`: leave one payment out (the one being recorded).
 */
export async function invoiceSettled(tx: CommandTx, invoice: Row, excludePayment?: string): Promise<{ paidCents: number; creditedCents: number; remainingCents: number }> {
  let paidCents = 0
  for (const a of await tx.find('payment_allocations', { invoice_id: String(invoice.id) })) {
    if (a.payment_id === excludePayment) continue
    const payment = await tx.get('payments', String(a.payment_id))
    if (payment && !payment.cancelled_at) paidCents += num(a.amount_cents)
  }
  const creditedCents = await tx.sum('invoices', 'total_cents', { where: { corrects_invoice_id: String(invoice.id), kind: 'avoir' } })
  return { paidCents, creditedCents, remainingCents: Math.max(0, num(invoice.total_cents) - paidCents - creditedCents) }
}

/**
 * A payment or a refund taken at the counter (or its receipt), with the invoices it settles.
 * The portal writes what it can and flags:
 * - UNKNOWN_FAMILY (missing): a family it does not have (the payment is kept in the flag);
 * - NUMBER_OUTSIDE_SERIES / DUPLICATE_NUMBER: a receipt number outside the workstation's series;
 * - UNKNOWN_INVOICE (missing): an invoice it does not have (that part becomes the family's credit);
 * - INVOICE_ALREADY_SETTLED: an invoice settled meanwhile (online): the allocation is reduced to
 *   what remains, the excess becomes the family's credit, to refund or to keep;
 * - INVOICE_OF_ANOTHER_FAMILY, DIRECT_DEBIT_INVOICE, METHOD_NOT_ELIGIBLE (CESU, chèques vacances);
 * - CASH_DAY_UNKNOWN / CASH_DAY_CLOSED: a payment in a day the portal does not have or has closed.
 */
const recordPayment: CommandDef<PaymentRecordPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: PaymentRecordPayload,
  touches: (p) => [{ entity: 'payments', id: p.id }, ...p.allocations.map((a) => ({ entity: 'payment_allocations' as const, id: a.id }))],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const what = `${p.kind === 'remboursement' ? 'Remboursement' : 'Paiement'} ${p.receiptNumber} (${eurosText(p.amountCents)}, ${METHOD_LABELS[p.method] ?? p.method})`
    const family = await tx.get('families', p.familyId)
    if (!family) {
      return [{ kind: 'missing', code: 'UNKNOWN_FAMILY', reason: `${what} reçu pour un dossier famille absent du portail : il est conservé ici, à rattacher à la main.`, familyId: null, data: p }]
    }
    const flags: RaisedFlag[] = []
    const day = await tx.get('cash_days', p.cashDayId)
    if (!day) {
      flags.push({ kind: 'rule', code: 'CASH_DAY_UNKNOWN', reason: `${what} pris dans une journée de caisse inconnue du portail : à vérifier.`, familyId: p.familyId, data: { cashDayId: p.cashDayId } })
    } else if (day.status === 'cloturee') {
      flags.push({ kind: 'rule', code: 'CASH_DAY_CLOSED', reason: `${what} enregistré dans une journée de caisse déjà clôturée : à vérifier.`, familyId: p.familyId, data: { cashDayId: p.cashDayId } })
    }
    await tx.put('payments', {
      id: p.id,
      family_id: p.familyId,
      amount_cents: p.amountCents,
      method: p.method,
      transaction_id: null,
      paid_at: p.paidAt,
      created_at: ctx.at,
      kind: p.kind,
      receipt_number: p.receiptNumber,
      cash_day_id: p.cashDayId,
      workstation_id: ctx.workstationId,
      agent_id: ctx.agentId,
      tendered_cents: p.tenderedCents,
      change_cents: p.changeCents,
      cheque_bank: p.cheque?.bank ?? null,
      cheque_number: p.cheque?.number ?? null,
      cheque_drawer: p.cheque?.drawer ?? null,
      terminal_ref: p.terminalRef,
      payment_order_id: null,
      cancelled_at: null,
      cancelled_by: null,
      cancel_reason: null,
    })
    const numberFlag = await checkSeriesNumber(tx, ctx, { series: SERIES.receipt, value: p.receiptNumber, unique: { entity: 'payments', column: 'receipt_number' }, familyId: p.familyId })
    if (numberFlag) flags.push(numberFlag)
    for (const a of p.allocations) {
      const invoice = await tx.get('invoices', a.invoiceId)
      if (!invoice) {
        flags.push({
          kind: 'missing',
          code: 'UNKNOWN_INVOICE',
          reason: `${what} : ${eurosText(a.amountCents)} affectés à une facture absente du portail ; ce montant reste au crédit de la famille, à affecter à la main.`,
          familyId: p.familyId,
          data: { paymentId: p.id, allocation: a },
        })
        continue
      }
      const number = String(invoice.number)
      if (invoice.family_id !== p.familyId) {
        flags.push({ kind: 'rule', code: 'INVOICE_OF_ANOTHER_FAMILY', reason: `${what} affecté à la facture ${number} d’une autre famille : à vérifier.`, familyId: p.familyId, data: { paymentId: p.id, allocation: a } })
      }
      if (invoice.direct_debit === true) {
        flags.push({ kind: 'rule', code: 'DIRECT_DEBIT_INVOICE', reason: `${what} affecté à la facture ${number}, réglée par prélèvement : à vérifier (risque de double paiement).`, familyId: p.familyId, data: { paymentId: p.id, allocation: a } })
      }
      if (p.method === 'cesu' || p.method === 'cheques_vacances') {
        const column = p.method === 'cesu' ? 'cesu' : 'leisure'
        const eligible = await tx.sum('invoice_lines', 'amount_cents', { where: { invoice_id: a.invoiceId, [column]: true } })
        if (a.amountCents > eligible) {
          flags.push({
            kind: 'rule',
            code: 'METHOD_NOT_ELIGIBLE',
            reason: `${what} : ${eurosText(a.amountCents)} affectés à la facture ${number}, dont les lignes payables ${p.method === 'cesu' ? 'en CESU' : 'en chèques vacances'} ne font que ${eurosText(eligible)} : à vérifier.`,
            familyId: p.familyId,
            data: { paymentId: p.id, allocation: a, eligibleCents: eligible },
          })
        }
      }
      const { remainingCents } = await invoiceSettled(tx, invoice, p.id)
      let amount = a.amountCents
      if (remainingCents < amount) {
        amount = remainingCents
        flags.push({
          kind: 'rule',
          code: 'INVOICE_ALREADY_SETTLED',
          reason: `${what} : la facture ${number} a été réglée entre-temps (il n’en restait que ${eurosText(remainingCents)}). Les ${eurosText(a.amountCents - amount)} en trop sont au crédit de la famille, à rembourser ou à garder.`,
          familyId: p.familyId,
          data: { paymentId: p.id, invoiceId: a.invoiceId, requestedCents: a.amountCents, allocatedCents: amount },
        })
      }
      // Written even when reduced to 0: the row then reaches every workstation, whose own copy
      // (the full amount the counter allocated) is replaced by the portal's (a fact is never
      // undone here, so only a change from the portal brings the workstation in line).
      await tx.put('payment_allocations', { id: a.id, payment_id: p.id, invoice_id: a.invoiceId, family_id: p.familyId, amount_cents: amount, created_at: ctx.at })
    }
    return flags
  },
}

/**
 * A receipt cancelled with a reason (a mistake): the payment stays, marked cancelled; its number
 * stays used. Unknown payment: kept in a `missing` flag. Already cancelled: nothing changes.
 * Its cash-desk day closed on the portal: cancelled all the same, flagged CANCELLED_AFTER_CLOSING.
 */
const cancelPayment: CommandDef<PaymentCancelPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: PaymentCancelPayload,
  touches: (p) => [{ entity: 'payments', id: p.paymentId }],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const payment = await tx.get('payments', p.paymentId)
    if (!payment) {
      return [{ kind: 'missing', code: 'UNKNOWN_PAYMENT', reason: 'Annulation reçue pour un reçu absent du portail : elle est conservée ici, à reporter à la main.', familyId: p.familyId, data: p }]
    }
    if (payment.cancelled_at) return []
    const flags: RaisedFlag[] = []
    const dayId = text(payment.cash_day_id)
    const day = dayId ? await tx.get('cash_days', dayId) : null
    if (day?.status === 'cloturee') {
      flags.push({
        kind: 'rule',
        code: 'CANCELLED_AFTER_CLOSING',
        reason: `Le reçu ${text(payment.receipt_number) ?? p.paymentId} a été annulé alors que sa journée de caisse était déjà clôturée : les totaux de la clôture ne sont plus justes, à vérifier.`,
        familyId: text(payment.family_id),
        data: p,
      })
    }
    await tx.put('payments', { ...payment, cancelled_at: ctx.at, cancelled_by: ctx.agentId, cancel_reason: p.reason })
    return flags
  },
}

/** Opens a workstation's cash-desk day with its float. A second opening of the same day is flagged, the first kept. */
const openCashDay: CommandDef<CashDayOpenPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: CashDayOpenPayload,
  touches: (p) => [{ entity: 'cash_days', id: p.id }],
  async execute(tx, p, ctx) {
    const workstationId = ctx.workstationId ?? 'inconnu'
    const [already] = await tx.find('cash_days', { workstation_id: workstationId, day: p.day })
    if (already) {
      return [
        {
          kind: 'rule',
          code: 'CASH_DAY_ALREADY_OPEN',
          reason: `La caisse de ce poste a été ouverte deux fois pour la journée du ${p.day} : la première ouverture est conservée, à vérifier.`,
          familyId: null,
          data: { ...p, kept: already.id },
        },
      ]
    }
    await tx.put('cash_days', {
      id: p.id,
      workstation_id: workstationId,
      day: p.day,
      status: 'ouverte',
      float_cents: p.floatCents,
      opened_at: ctx.at,
      opened_by: ctx.agentId,
      closed_at: null,
      closed_by: null,
      billetage: null,
      counted_cents: null,
      expected_cash_cents: null,
      totals: null,
      receipts_count: null,
      note: null,
      updated_at: ctx.at,
    })
    return []
  },
}

/**
 * Closes a cash-desk day with the cash counted (billetage) and the totals the counter printed.
 * The portal recomputes the totals from the payments it has for that day (dayTotals, the same
 * pure function) and flags CLOSING_MISMATCH when they differ (a payment it did not get, one
 * cancelled elsewhere); the day is closed all the same, with the counter's figures.
 */
const closeCashDay: CommandDef<CashDayClosePayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: CashDayClosePayload,
  touches: (p) => [{ entity: 'cash_days', id: p.cashDayId }],
  async execute(tx, p, ctx) {
    const day = await tx.get('cash_days', p.cashDayId)
    if (!day) {
      return [{ kind: 'missing', code: 'UNKNOWN_CASH_DAY', reason: 'Clôture reçue pour une journée de caisse absente du portail : elle est conservée ici, à vérifier.', familyId: null, data: p }]
    }
    if (day.status === 'cloturee') {
      return [{ kind: 'rule', code: 'CASH_DAY_ALREADY_CLOSED', reason: `La journée de caisse du ${String(day.day)} a été clôturée deux fois : la première clôture est conservée, à vérifier.`, familyId: null, data: p }]
    }
    const flags: RaisedFlag[] = []
    const payments = await tx.find('payments', { cash_day_id: p.cashDayId })
    const computed = dayTotals(
      payments.map((r) => ({ method: String(r.method) as never, kind: String(r.kind) as never, amount_cents: num(r.amount_cents), cancelled_at: text(r.cancelled_at) })),
      num(day.float_cents),
    )
    const differs: string[] = []
    const methods = new Set([...Object.keys(computed.totals), ...Object.keys(p.totals)])
    for (const m of methods) {
      const mine = (computed.totals as Record<string, number>)[m] ?? 0
      const theirs = p.totals[m] ?? 0
      if (mine !== theirs) differs.push(`${METHOD_LABELS[m] ?? m} : ${eurosText(theirs)} au guichet, ${eurosText(mine)} sur le portail`)
    }
    if (computed.expectedCashCents !== p.expectedCashCents) differs.push(`espèces attendues : ${eurosText(p.expectedCashCents)} au guichet, ${eurosText(computed.expectedCashCents)} sur le portail`)
    if (computed.receiptsCount !== p.receiptsCount) differs.push(`reçus : ${p.receiptsCount} au guichet, ${computed.receiptsCount} sur le portail`)
    if (differs.length > 0) {
      flags.push({
        kind: 'rule',
        code: 'CLOSING_MISMATCH',
        reason: `Clôture de caisse du ${String(day.day)} : les totaux ne correspondent pas aux reçus reçus par le portail (${differs.join(' ; ')}). À vérifier.`,
        familyId: null,
        data: { cashDayId: p.cashDayId, counter: { totals: p.totals, expectedCashCents: p.expectedCashCents, receiptsCount: p.receiptsCount }, portal: computed },
      })
    }
    let counted: number | null
    try {
      counted = billetageTotal(p.billetage)
    } catch {
      counted = null
    }
    if (counted !== p.countedCents) {
      flags.push({
        kind: 'rule',
        code: 'BILLETAGE_MISMATCH',
        reason: `Clôture de caisse du ${String(day.day)} : le billetage ne fait pas le montant compté (${eurosText(p.countedCents)}). À vérifier.`,
        familyId: null,
        data: { cashDayId: p.cashDayId, billetage: p.billetage, countedCents: p.countedCents },
      })
    }
    await tx.put('cash_days', {
      ...day,
      status: 'cloturee',
      closed_at: p.closedAt,
      closed_by: ctx.agentId,
      billetage: JSON.stringify(p.billetage),
      counted_cents: p.countedCents,
      expected_cash_cents: p.expectedCashCents,
      totals: JSON.stringify(p.totals),
      receipts_count: p.receiptsCount,
      note: p.note,
      updated_at: ctx.at,
    })
    return flags
  },
}

/** A derived id for an allocation (stable from its payment's id and its invoice). */
export const allocationId = (paymentId: string, invoiceId: string): string => derivedId(paymentId, `allocation:${invoiceId}`)

export const billingCommands = {
  'payments.record': recordPayment,
  'payments.cancel': cancelPayment,
  'cashdesk.open': openCashDay,
  'cashdesk.close': closeCashDay,
} as const
