import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type contract, type Role } from '@shared/contract'
import {
  CASH_ROLES,
  DENOMINATIONS,
  type CashDayView,
  type Estimate,
  type FamilyAccount,
  type InvoiceLineView,
  type InvoiceStatus,
  type InvoiceView,
  type PaymentPreview,
  type PaymentResult,
  type PaymentView,
  type PayInput,
  type RefundInput,
  type RegieReport,
} from '@shared/contract/billing'
import { allocationId, eurosText, METHOD_LABELS, type PaymentRecordPayload } from '@shared/commands/billing'
import { DEFAULT_TOWN_OPTIONS } from '@shared/domain/documentDefaults'
import { parisDay } from '@shared/domain/dates'
import { frenchDay } from '@shared/domain/reservations'
import { billMonth } from '@shared/domain/invoicing'
import { parseTariff, type Tariff } from '@shared/domain/pricing'
import type { Row } from '@shared/sync/entities'
import { allocatePayment, type OpenInvoice } from '@shared/domain/allocation'
import { billetageTotal, dayTotals } from '@shared/domain/closing'
import { parseReceiptNumber, receiptNumber, receiptSeriesName } from '@shared/domain/numbering'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import { getSetting } from '../services/settings'
import { SYNC_KEYS } from '../sync/state'
import { receiptsCsv } from '../services/billing-csv'

/**
 * Invoices, payments and the cash desk at the counter (issue 12). Reads are plain SQL over the
 * synced tables (a family's account must come back in milliseconds on a 20 000-family town);
 * writes are the shared facts payments.record, payments.cancel, cashdesk.open and cashdesk.close
 * (src/shared/commands/billing.ts), run here in the agent's transaction then queued for the
 * portal. Every rule is checked BEFORE anything is written: bad input gets a French message and
 * leaves no payment, no outbox row and no receipt number used. The receipt number is taken from
 * this workstation's own series inside the payment's transaction (rolled back with it).
 */

type Handlers = HandlersFor<{ billing: typeof contract.billing }>['billing']
type Db = Database.Database

// ---------------------------------------------------------------------------------------------
// Prepared statements, per database (familyAccount is called in a loop by the bench).

const cache = new WeakMap<Db, Map<string, Database.Statement>>()
function stmt(sqlite: Db, sql: string): Database.Statement {
  let m = cache.get(sqlite)
  if (!m) cache.set(sqlite, (m = new Map()))
  let s = m.get(sql)
  if (!s) m.set(sql, (s = sqlite.prepare(sql)))
  return s
}
function all<T>(sqlite: Db, sql: string, ...args: unknown[]): T[] {
  return stmt(sqlite, sql).all(...args) as T[]
}
function one<T>(sqlite: Db, sql: string, ...args: unknown[]): T | undefined {
  return stmt(sqlite, sql).get(...args) as T | undefined
}

const rule = (code: string, reason: string): DomainError => new DomainError('RULE_REJECTED', reason, { rule: code, reason })
const invalid = (path: string, message: string): DomainError => new DomainError('INVALID_INPUT', message, { issues: [{ path, message }] })

// ---------------------------------------------------------------------------------------------
// Rows

interface FamilyRow {
  id: string
  code: string
  name: string
  resident: number
  direct_debit: number
  merged_into: string | null
  address_line1: string | null
  address_line2: string | null
  postcode: string | null
  city: string | null
  payer_person_id: string | null
}
interface InvoiceRow {
  id: string
  number: string
  kind: 'facture' | 'avoir'
  regie: number
  family_id: string
  payer_name: string
  payer_address: string
  month: string
  corrects_invoice_id: string | null
  total_cents: number
  direct_debit: number
  issued_on: string
  due_on: string
  debit_on: string | null
  reason: string | null
}
interface LineRow {
  id: string
  invoice_id: string
  child_id: string | null
  child_name: string | null
  unit_id: string | null
  unit_label: string | null
  kind: InvoiceLineView['kind']
  quantity: number
  unit_price_cents: number
  amount_cents: number
  rule: string
  dates: string
  cesu: number
  leisure: number
  sort: number
}
interface PaymentRow {
  id: string
  family_id: string
  kind: 'paiement' | 'remboursement'
  method: PaymentView['method']
  amount_cents: number
  receipt_number: string | null
  transaction_id: string | null
  paid_at: string
  cash_day_id: string | null
  workstation_id: string | null
  agent_id: string | null
  agent_name: string | null
  tendered_cents: number | null
  change_cents: number | null
  cheque_bank: string | null
  cheque_number: string | null
  cheque_drawer: string | null
  terminal_ref: string | null
  cancelled_at: string | null
  cancelled_by: string | null
  cancelled_by_name: string | null
  cancel_reason: string | null
  day_status: string | null
}
interface AllocationRow {
  payment_id: string
  invoice_id: string
  amount_cents: number
  number: string | null
}
interface CashDayRow {
  id: string
  workstation_id: string
  day: string
  status: 'ouverte' | 'cloturee'
  float_cents: number
  opened_at: string
  opened_by: string | null
  opened_by_name: string | null
  closed_at: string | null
  closed_by: string | null
  closed_by_name: string | null
  billetage: string | null
  counted_cents: number | null
  expected_cash_cents: number | null
  totals: string | null
  receipts_count: number | null
  note: string | null
}

const PAYMENT_SELECT = `SELECT p.id, p.family_id, p.kind, p.method, p.amount_cents, p.receipt_number, p.transaction_id, p.paid_at, p.cash_day_id,
       p.workstation_id, p.agent_id, a.display_name AS agent_name, p.tendered_cents, p.change_cents, p.cheque_bank, p.cheque_number,
       p.cheque_drawer, p.terminal_ref, p.cancelled_at, p.cancelled_by, c.display_name AS cancelled_by_name, p.cancel_reason, d.status AS day_status
  FROM payments p LEFT JOIN agents a ON a.id = p.agent_id LEFT JOIN agents c ON c.id = p.cancelled_by LEFT JOIN cash_days d ON d.id = p.cash_day_id`

const CASH_DAY_SELECT = `SELECT d.*, o.display_name AS opened_by_name, c.display_name AS closed_by_name
  FROM cash_days d LEFT JOIN agents o ON o.id = d.opened_by LEFT JOIN agents c ON c.id = d.closed_by`

function familyRow(sqlite: Db, familyId: string): FamilyRow {
  const f = one<FamilyRow>(
    sqlite,
    'SELECT id, code, name, resident, direct_debit, merged_into, address_line1, address_line2, postcode, city, payer_person_id FROM families WHERE id = ?',
    familyId,
  )
  if (!f) throw new DomainError('NOT_FOUND', `No family ${familyId}`)
  return f
}

function townOption(sqlite: Db, key: string): string | null {
  const row = one<{ value: string | null }>(sqlite, 'SELECT value FROM town_options WHERE id = ?', key)
  return row?.value ?? DEFAULT_TOWN_OPTIONS[key] ?? null
}

/** This workstation's receipt series (handed out at enrolment), or null before enrolment. */
export function receiptSeries(sqlite: Db): string | null {
  return getSetting(sqlite, SYNC_KEYS.receiptSeries) ?? null
}

function lineView(l: LineRow): InvoiceLineView {
  return {
    id: l.id,
    childId: l.child_id,
    childName: l.child_name,
    unitId: l.unit_id,
    unitLabel: l.unit_label,
    kind: l.kind,
    quantity: l.quantity,
    unitPriceCents: l.unit_price_cents,
    amountCents: l.amount_cents,
    rule: l.rule,
    dates: l.dates ? l.dates.split(',').filter((d) => d !== '') : [],
    cesu: l.cesu === 1,
    leisure: l.leisure === 1,
  }
}

function paymentView(p: PaymentRow, allocations: AllocationRow[], pending: ReadonlySet<string>): PaymentView {
  const allocated = allocations.reduce((s, a) => s + a.amount_cents, 0)
  return {
    id: p.id,
    kind: p.kind,
    method: p.method,
    amountCents: p.amount_cents,
    receiptNumber: p.receipt_number,
    transactionId: p.transaction_id,
    paidAt: p.paid_at,
    agentName: p.agent_name,
    workstationId: p.workstation_id,
    cheque: p.cheque_number ? { bank: p.cheque_bank ?? '', number: p.cheque_number, drawer: p.cheque_drawer ?? '' } : null,
    terminalRef: p.terminal_ref,
    tenderedCents: p.tendered_cents,
    changeCents: p.change_cents,
    // An allocation the portal reduced to nothing (the invoice was settled meanwhile) is not shown.
    allocations: allocations.filter((a) => a.amount_cents > 0).map((a) => ({ invoiceId: a.invoice_id, invoiceNumber: a.number ?? '?', amountCents: a.amount_cents })),
    unallocatedCents: p.kind === 'paiement' ? Math.max(0, p.amount_cents - allocated) : 0,
    cancelled: p.cancelled_at ? { at: p.cancelled_at, by: p.cancelled_by_name ?? p.cancelled_by, reason: p.cancel_reason ?? '' } : null,
    dayClosed: p.day_status === 'cloturee',
    pending: pending.has(p.id),
  }
}

/** The payments among `ids` still in the outbox (not yet on the portal): one index lookup each. */
function pendingPayments(sqlite: Db, ids: readonly string[]): Set<string> {
  const pending = new Set<string>()
  for (const id of ids) {
    if (one(sqlite, `SELECT 1 AS x FROM outbox WHERE status = 'pending' AND json_extract(payload, '$.id') = ?`, id)) pending.add(id)
  }
  return pending
}

// ---------------------------------------------------------------------------------------------
// The family's account

interface Ledger {
  family: FamilyRow
  invoices: InvoiceView[]
  payments: PaymentView[]
  /** Open factures payable here (not under direct debit), with what CESU and chèques vacances may still settle. */
  open: OpenInvoice[]
  balanceCents: number
  payableCents: number
  creditCents: number
}

function ledger(sqlite: Db, familyId: string): Ledger {
  const family = familyRow(sqlite, familyId)
  const invoiceRows = all<InvoiceRow>(
    sqlite,
    `SELECT id, number, kind, regie, family_id, payer_name, payer_address, month, corrects_invoice_id, total_cents, direct_debit, issued_on, due_on, debit_on, reason
       FROM invoices WHERE family_id = ? ORDER BY month DESC, number DESC`,
    familyId,
  )
  const lineRows = all<LineRow>(
    sqlite,
    `SELECT l.id, l.invoice_id, l.child_id, l.child_name, l.unit_id, u.label AS unit_label, l.kind, l.quantity, l.unit_price_cents, l.amount_cents,
            l.rule, l.dates, l.cesu, l.leisure, l.sort
       FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id LEFT JOIN units u ON u.id = l.unit_id
      WHERE i.family_id = ? ORDER BY l.sort, l.id`,
    familyId,
  )
  const paymentRows = all<PaymentRow>(sqlite, `${PAYMENT_SELECT} WHERE p.family_id = ? ORDER BY p.paid_at DESC, p.id DESC`, familyId)
  const allocationRows = all<AllocationRow>(
    sqlite,
    `SELECT pa.payment_id, pa.invoice_id, pa.amount_cents, i.number FROM payment_allocations pa LEFT JOIN invoices i ON i.id = pa.invoice_id
      WHERE pa.family_id = ? ORDER BY i.month, i.number`,
    familyId,
  )
  const pending = pendingPayments(
    sqlite,
    paymentRows.map((p) => p.id),
  )

  const linesOf = new Map<string, InvoiceLineView[]>()
  const eligible = new Map<string, { cesu: number; leisure: number }>()
  for (const l of lineRows) {
    const list = linesOf.get(l.invoice_id) ?? []
    list.push(lineView(l))
    linesOf.set(l.invoice_id, list)
    const e = eligible.get(l.invoice_id) ?? { cesu: 0, leisure: 0 }
    if (l.cesu === 1) e.cesu += l.amount_cents
    if (l.leisure === 1) e.leisure += l.amount_cents
    eligible.set(l.invoice_id, e)
  }
  const cancelled = new Set(paymentRows.filter((p) => p.cancelled_at).map((p) => p.id))
  const methodOf = new Map(paymentRows.map((p) => [p.id, p.method]))
  const allocationsOf = new Map<string, AllocationRow[]>()
  const paidOf = new Map<string, { total: number; cesu: number; leisure: number }>()
  for (const a of allocationRows) {
    const list = allocationsOf.get(a.payment_id) ?? []
    list.push(a)
    allocationsOf.set(a.payment_id, list)
    if (cancelled.has(a.payment_id)) continue
    const paid = paidOf.get(a.invoice_id) ?? { total: 0, cesu: 0, leisure: 0 }
    paid.total += a.amount_cents
    if (methodOf.get(a.payment_id) === 'cesu') paid.cesu += a.amount_cents
    if (methodOf.get(a.payment_id) === 'cheques_vacances') paid.leisure += a.amount_cents
    paidOf.set(a.invoice_id, paid)
  }
  const creditedOf = new Map<string, number>()
  for (const i of invoiceRows) {
    if (i.kind === 'avoir' && i.corrects_invoice_id) creditedOf.set(i.corrects_invoice_id, (creditedOf.get(i.corrects_invoice_id) ?? 0) + i.total_cents)
  }
  const numberOf = new Map(invoiceRows.map((i) => [i.id, i.number]))

  let balanceCents = 0
  let remainingTotal = 0
  let payableCents = 0
  const open: OpenInvoice[] = []
  const invoices: InvoiceView[] = invoiceRows.map((i) => {
    const paidCents = paidOf.get(i.id)?.total ?? 0
    const creditedCents = creditedOf.get(i.id) ?? 0
    const isAvoir = i.kind === 'avoir'
    const remainingCents = isAvoir ? 0 : Math.max(0, i.total_cents - paidCents - creditedCents)
    const directDebit = i.direct_debit === 1
    balanceCents += isAvoir ? -i.total_cents : i.total_cents
    remainingTotal += remainingCents
    let status: InvoiceStatus
    if (isAvoir) status = 'avoir'
    else if (remainingCents === 0) status = 'payee'
    else if (directDebit) status = 'prelevement'
    else if (paidCents + creditedCents > 0) status = 'partiellement_payee'
    else status = 'a_payer'
    if (!isAvoir && !directDebit) payableCents += remainingCents
    if (!isAvoir && remainingCents > 0) {
      const e = eligible.get(i.id) ?? { cesu: 0, leisure: 0 }
      const paid = paidOf.get(i.id) ?? { total: 0, cesu: 0, leisure: 0 }
      open.push({
        id: i.id,
        number: i.number,
        month: i.month,
        remainingCents,
        directDebit,
        cesuRemainingCents: Math.min(remainingCents, Math.max(0, e.cesu - paid.cesu)),
        leisureRemainingCents: Math.min(remainingCents, Math.max(0, e.leisure - paid.leisure)),
      })
    }
    return {
      id: i.id,
      number: i.number,
      kind: i.kind,
      month: i.month,
      issuedOn: i.issued_on,
      dueOn: i.due_on,
      debitOn: i.debit_on,
      directDebit,
      payerName: i.payer_name,
      totalCents: i.total_cents,
      paidCents,
      creditedCents,
      remainingCents,
      status,
      correctsNumber: i.corrects_invoice_id ? (numberOf.get(i.corrects_invoice_id) ?? null) : null,
      reason: i.reason,
      lines: linesOf.get(i.id) ?? [],
    }
  })
  for (const p of paymentRows) {
    if (p.cancelled_at) continue
    balanceCents += p.kind === 'remboursement' ? p.amount_cents : -p.amount_cents
  }
  const payments = paymentRows.map((p) => paymentView(p, allocationsOf.get(p.id) ?? [], pending))
  open.sort((a, b) => (a.month < b.month ? -1 : a.month > b.month ? 1 : a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
  // What is owed on open invoices less the balance: the money the family has in hand here.
  const creditCents = Math.max(0, remainingTotal - balanceCents)
  return { family, invoices, payments, open, balanceCents, payableCents, creditCents }
}

function cashDayOf(sqlite: Db, workstationId: string, day: string): CashDayRow | undefined {
  return one<CashDayRow>(sqlite, `${CASH_DAY_SELECT} WHERE d.workstation_id = ? AND d.day = ?`, workstationId, day)
}

/** Why this agent cannot take a payment here now (French), or null. */
function payBlocker(sqlite: Db, opts: { today: string; role: Role | null; workstationId: string | null }, family?: FamilyRow): string | null {
  if (!opts.role || !CASH_ROLES.includes(opts.role)) return 'Seul un régisseur ou un responsable encaisse au guichet.'
  if (family?.merged_into) return 'Ce dossier a été fusionné dans un autre : encaissez sur le dossier qui le remplace.'
  if (!receiptSeries(sqlite)) return 'Ce poste n’a pas encore de série de reçus : il doit d’abord être inscrit sur le portail.'
  const day = opts.workstationId ? cashDayOf(sqlite, opts.workstationId, opts.today) : undefined
  if (!day) return 'La caisse de ce poste n’est pas ouverte aujourd’hui : ouvrez-la d’abord (menu « Caisse »).'
  if (day.status === 'cloturee') return `La caisse du ${frenchDay(opts.today)} est clôturée : plus aucun paiement ne peut y être enregistré.`
  return null
}

function estimateOf(sqlite: Db, family: FamilyRow, today: string): Estimate | null {
  const month = today.slice(0, 7)
  const reservations = all<{ id: string; child_id: string; unit_id: string; date: string; state: string; attendance: string | null; absence_certificate_date: string | null }>(
    sqlite,
    `SELECT id, child_id, unit_id, date, state, attendance, absence_certificate_date FROM reservations WHERE family_id = ? AND date >= ? AND date <= ?`,
    family.id,
    `${month}-01`,
    `${month}-31`,
  )
  if (reservations.length === 0) return null
  const children = all<{ id: string; name: string; birthDate: string | null }>(
    sqlite,
    `SELECT p.id, trim(p.first_names || ' ' || p.last_name) AS name, p.birth_date AS birthDate
       FROM family_members m JOIN persons p ON p.id = m.person_id WHERE m.family_id = ? AND m.role = 'enfant'`,
    family.id,
  )
  const units = all<{ id: string; label: string; childcare: number; leisure: number }>(sqlite, 'SELECT id, label, childcare, leisure FROM units').map((u) => ({
    id: u.id,
    label: u.label,
    childcare: u.childcare === 1,
    leisure: u.leisure === 1,
  }))
  const tariffs: Tariff[] = []
  for (const r of all<Row>(sqlite, 'SELECT * FROM tariffs WHERE active = 1')) {
    try {
      tariffs.push(parseTariff(r))
    } catch {
      // An incoherent grid bills nothing in the estimate (the portal's run flags it).
    }
  }
  const quotients = all<Record<string, unknown>>(sqlite, 'SELECT * FROM quotients WHERE family_id = ?', family.id)
  const dossiers = all<{ school_year: string; status: string }>(sqlite, 'SELECT school_year, status FROM dossiers WHERE family_id = ?', family.id)
  const delay = Number(townOption(sqlite, 'billing.certificate_delay_days') ?? '8')
  let bill: ReturnType<typeof billMonth>
  try {
    bill = billMonth({
    month,
    family: { id: family.id, resident: family.resident === 1 },
    children,
    units,
    tariffs,
    quotients: quotients as never,
    dossiers,
    reservations: reservations as never,
    certificateDelayDays: Number.isFinite(delay) ? delay : 8,
    asOf: today,
  })
  } catch {
    return null
  }
  return {
    month,
    asOf: today,
    lines: bill.lines.map((l, i) => ({
      id: `estimate-${i}`,
      childId: l.childId,
      childName: l.childName,
      unitId: l.unitId,
      unitLabel: l.unitLabel,
      kind: l.kind,
      quantity: l.quantity,
      unitPriceCents: l.unitPriceCents,
      amountCents: l.amountCents,
      rule: l.rule,
      dates: l.dates,
      cesu: l.cesu,
      leisure: l.leisure,
    })),
    totalCents: bill.totalCents,
  }
}

/**
 * A family's account: its invoices (lines, rule, status, remaining), payments and refunds,
 * balance, credit, the current month's estimate, and whether the agent may take a payment here.
 * Usable without a request context (the bench calls it).
 */
export function familyAccount(sqlite: Db, familyId: string, opts: { today: string; role: Role | null; workstationId: string | null }): FamilyAccount {
  const l = ledger(sqlite, familyId)
  const blocker = payBlocker(sqlite, opts, l.family)
  return {
    familyId,
    balanceCents: l.balanceCents,
    payableCents: l.payableCents,
    creditCents: l.creditCents,
    directDebit: l.family.direct_debit === 1,
    invoices: l.invoices,
    payments: l.payments,
    estimate: estimateOf(sqlite, l.family, opts.today),
    canPay: { ok: blocker === null, reason: blocker },
  }
}

const today = (ctx: HandlerContext) => parisDay(ctx.now)
const accountOf = (ctx: HandlerContext, familyId: string) =>
  familyAccount(ctx.sqlite, familyId, { today: today(ctx), role: ctx.agent?.role ?? null, workstationId: ctx.settings.workstationId })

// ---------------------------------------------------------------------------------------------
// Taking a payment

interface Plan {
  problems: string[]
  allocations: Array<{ invoiceId: string; invoiceNumber: string; amountCents: number }>
  creditCents: number
  changeCents: number | null
  tenderedCents: number | null
  cashDay: CashDayRow | null
}

/** How a payment applies and every rule it breaks (French), without writing anything. */
function planPayment(ctx: HandlerContext, input: PayInput): Plan {
  const sqlite = ctx.sqlite
  const problems: string[] = []
  const l = ledger(sqlite, input.familyId)
  const blocker = payBlocker(sqlite, { today: today(ctx), role: ctx.agent?.role ?? null, workstationId: ctx.settings.workstationId }, l.family)
  if (blocker) problems.push(blocker)
  if (input.method === 'cheque' && !input.cheque) problems.push('Chèque : indiquez son numéro, sa banque et le nom du tireur.')
  if (input.method === 'carte' && !input.terminalRef) problems.push('Carte bancaire : indiquez la référence du ticket du terminal.')
  let changeCents: number | null = null
  let tenderedCents: number | null = null
  if (input.method === 'especes') {
    tenderedCents = input.tenderedCents ?? input.amountCents
    if (tenderedCents < input.amountCents) problems.push(`Espèces : la somme remise (${eurosText(tenderedCents)}) est inférieure au montant du paiement (${eurosText(input.amountCents)}).`)
    else changeCents = tenderedCents - input.amountCents
  }
  let picked: string[] | undefined
  if (input.invoiceIds && input.invoiceIds.length > 0) {
    picked = []
    for (const id of input.invoiceIds) {
      const inv = one<{ id: string; number: string; family_id: string; kind: string; direct_debit: number }>(
        sqlite,
        'SELECT id, number, family_id, kind, direct_debit FROM invoices WHERE id = ?',
        id,
      )
      if (!inv) problems.push('Une des factures choisies est inconnue sur ce poste.')
      else if (inv.family_id !== input.familyId) problems.push(`La facture ${inv.number} n’est pas une facture de cette famille.`)
      else if (inv.kind === 'avoir') problems.push(`${inv.number} est un avoir : il ne se paie pas.`)
      else if (inv.direct_debit === 1) problems.push(`La facture ${inv.number} est réglée par prélèvement : elle ne se paie pas au guichet.`)
      else if (!l.open.some((o) => o.id === id)) problems.push(`La facture ${inv.number} est déjà réglée.`)
      else picked.push(id)
    }
    if (new Set(input.invoiceIds).size !== input.invoiceIds.length) problems.push('Une facture est choisie deux fois.')
  }
  let allocations: Plan['allocations'] = []
  let creditCents = 0
  if (!(picked && picked.length === 0)) {
    const outcome = allocatePayment({ amountCents: input.amountCents, method: input.method, invoices: l.open, picked })
    allocations = outcome.allocations
    creditCents = outcome.creditCents
    for (const p of outcome.problems) if (!problems.includes(p)) problems.push(p)
  }
  const cashDay = ctx.settings.workstationId ? (cashDayOf(sqlite, ctx.settings.workstationId, today(ctx)) ?? null) : null
  return { problems, allocations, creditCents, changeCents, tenderedCents, cashDay }
}

function refuseIf(problems: string[]): void {
  if (problems.length === 0) return
  const reason = problems.join(' ')
  throw rule('PAYMENT_REFUSED', reason)
}

/** Takes the next receipt (R) or refund (V) number of this workstation, in the caller's transaction. */
function takeNumber(ctx: HandlerContext, prefix: 'R' | 'V', day: string): string {
  const series = receiptSeries(ctx.sqlite)
  if (!series) throw rule('NO_RECEIPT_SERIES', 'Ce poste n’a pas encore de série de reçus : il doit d’abord être inscrit sur le portail.')
  const n = ctx.store.nextNumberSync(receiptSeriesName(prefix, day))
  return receiptNumber(prefix, series, day, n)
}

async function recordPayment(ctx: HandlerContext, payload: PaymentRecordPayload, changeCents: number | null, creditCents: number): Promise<PaymentResult> {
  ctx.record('payment', payload.id)
  await runShared(ctx, 'payments.record', payload)
  const allocations = payload.allocations.map((a) => ({
    invoiceId: a.invoiceId,
    invoiceNumber: one<{ number: string }>(ctx.sqlite, 'SELECT number FROM invoices WHERE id = ?', a.invoiceId)?.number ?? '?',
    amountCents: a.amountCents,
  }))
  return { paymentId: payload.id, receiptNumber: payload.receiptNumber, allocations, creditCents, changeCents, account: accountOf(ctx, payload.familyId) }
}

function paymentRow(sqlite: Db, paymentId: string): PaymentRow {
  const p = one<PaymentRow>(sqlite, `${PAYMENT_SELECT} WHERE p.id = ?`, paymentId)
  if (!p) throw new DomainError('NOT_FOUND', `No payment ${paymentId}`)
  return p
}

// ---------------------------------------------------------------------------------------------
// The cash desk

function dayPayments(sqlite: Db, cashDayId: string) {
  const rows = all<PaymentRow & { family_name: string; family_code: string }>(
    sqlite,
    `SELECT q.*, f.name AS family_name, f.code AS family_code FROM (${PAYMENT_SELECT} WHERE p.cash_day_id = ?) q JOIN families f ON f.id = q.family_id
      ORDER BY q.paid_at, q.receipt_number`,
    cashDayId,
  )
  const allocations = all<AllocationRow>(
    sqlite,
    `SELECT pa.payment_id, pa.invoice_id, pa.amount_cents, i.number FROM payments p JOIN payment_allocations pa ON pa.payment_id = p.id
       LEFT JOIN invoices i ON i.id = pa.invoice_id WHERE p.cash_day_id = ? ORDER BY i.month, i.number`,
    cashDayId,
  )
  const by = new Map<string, AllocationRow[]>()
  for (const a of allocations) by.set(a.payment_id, [...(by.get(a.payment_id) ?? []), a])
  return { rows, by }
}

function totalsOf(rows: ReadonlyArray<Pick<PaymentRow, 'method' | 'kind' | 'amount_cents' | 'cancelled_at'>>, floatCents: number) {
  return dayTotals(
    rows.map((r) => ({ method: r.method, kind: r.kind, amount_cents: r.amount_cents, cancelled_at: r.cancelled_at })),
    floatCents,
  )
}

function cashDayView(sqlite: Db, workstationId: string | null, day: string, row?: CashDayRow): CashDayView {
  const d = row ?? (workstationId ? cashDayOf(sqlite, workstationId, day) : undefined)
  if (!d) {
    const t = totalsOf([], 0)
    return {
      id: null,
      day,
      workstationId,
      status: 'non_ouverte',
      floatCents: 0,
      openedAt: null,
      openedBy: null,
      closedAt: null,
      closedBy: null,
      payments: [],
      totals: t.totals,
      totalCents: t.totalCents,
      expectedCashCents: t.expectedCashCents,
      chequeCount: t.chequeCount,
      chequeTotalCents: t.chequeTotalCents,
      receiptsCount: t.receiptsCount,
      billetage: null,
      countedCents: null,
      differenceCents: null,
      note: null,
    }
  }
  const { rows, by } = dayPayments(sqlite, d.id)
  const pending = pendingPayments(
    sqlite,
    rows.map((r) => r.id),
  )
  const t = totalsOf(rows, d.float_cents)
  const closed = d.status === 'cloturee'
  return {
    id: d.id,
    day: d.day,
    workstationId: d.workstation_id,
    status: d.status,
    floatCents: d.float_cents,
    openedAt: d.opened_at,
    openedBy: d.opened_by_name ?? d.opened_by,
    closedAt: d.closed_at,
    closedBy: d.closed_by_name ?? d.closed_by,
    payments: rows.map((r) => ({ ...paymentView(r, by.get(r.id) ?? [], pending), familyName: r.family_name, familyCode: r.family_code })),
    totals: t.totals,
    totalCents: t.totalCents,
    expectedCashCents: t.expectedCashCents,
    chequeCount: t.chequeCount,
    chequeTotalCents: t.chequeTotalCents,
    receiptsCount: t.receiptsCount,
    billetage: closed && d.billetage ? (JSON.parse(d.billetage) as Record<string, number>) : null,
    countedCents: closed ? d.counted_cents : null,
    differenceCents: closed && d.counted_cents !== null ? d.counted_cents - (d.expected_cash_cents ?? t.expectedCashCents) : null,
    note: d.note,
  }
}

function cashDayById(sqlite: Db, cashDayId: string): CashDayRow {
  const d = one<CashDayRow>(sqlite, `${CASH_DAY_SELECT} WHERE d.id = ?`, cashDayId)
  if (!d) throw new DomainError('NOT_FOUND', `No cash day ${cashDayId}`)
  return d
}

function regieReport(sqlite: Db, day: string, here: string | null): RegieReport {
  const days = all<CashDayRow>(sqlite, `${CASH_DAY_SELECT} WHERE d.day = ? ORDER BY d.workstation_id`, day)
  const sum: Record<string, number> = {}
  let totalCents = 0
  const rows = days.map((d) => {
    const payments = all<PaymentRow>(sqlite, 'SELECT method, kind, amount_cents, cancelled_at FROM payments WHERE cash_day_id = ?', d.id)
    const t = totalsOf(payments, d.float_cents)
    for (const [m, v] of Object.entries(t.totals)) sum[m] = (sum[m] ?? 0) + v
    totalCents += t.totalCents
    const closed = d.status === 'cloturee'
    return {
      workstationId: d.workstation_id,
      here: d.workstation_id === here,
      status: d.status,
      receiptsCount: t.receiptsCount,
      totals: t.totals,
      totalCents: t.totalCents,
      expectedCashCents: t.expectedCashCents,
      countedCents: closed ? d.counted_cents : null,
      differenceCents: closed && d.counted_cents !== null ? d.counted_cents - (d.expected_cash_cents ?? t.expectedCashCents) : null,
    }
  })
  const totals = { ...totalsOf([], 0).totals, ...sum }
  return { day, rows, totals, totalCents }
}

// ---------------------------------------------------------------------------------------------
// Printouts and export (loaded on first use: pdf-lib and csv-stringify are not needed before)

const pdfOut = (bytes: Uint8Array, fileName: string) => ({ pdfBase64: Buffer.from(bytes).toString('base64'), fileName })

function townName(ctx: HandlerContext): string {
  return ctx.settings.townName
}

export const billingHandlers: Handlers = {
  account: (ctx, input) => {
    ctx.record('family', input.familyId)
    return accountOf(ctx, input.familyId)
  },
  preview: (ctx, input): PaymentPreview => {
    const plan = planPayment(ctx, input)
    return { allocations: plan.allocations, creditCents: plan.creditCents, changeCents: plan.changeCents, problems: plan.problems }
  },
  pay: async (ctx, input) => {
    const plan = planPayment(ctx, input)
    refuseIf(plan.problems)
    const day = today(ctx)
    const id = uuidv7({ msecs: ctx.now.getTime() })
    const payload: PaymentRecordPayload = {
      id,
      familyId: input.familyId,
      kind: 'paiement',
      method: input.method,
      amountCents: input.amountCents,
      receiptNumber: takeNumber(ctx, 'R', day),
      cashDayId: plan.cashDay!.id,
      paidAt: ctx.now.toISOString(),
      tenderedCents: input.method === 'especes' ? plan.tenderedCents : null,
      changeCents: input.method === 'especes' ? plan.changeCents : null,
      cheque: input.method === 'cheque' ? input.cheque! : null,
      terminalRef: input.method === 'carte' ? input.terminalRef! : null,
      reason: null,
      allocations: plan.allocations.map((a) => ({ id: allocationId(id, a.invoiceId), invoiceId: a.invoiceId, amountCents: a.amountCents })),
    }
    return recordPayment(ctx, payload, plan.changeCents, plan.creditCents)
  },
  refund: async (ctx, input: RefundInput) => {
    const problems: string[] = []
    const l = ledger(ctx.sqlite, input.familyId)
    const blocker = payBlocker(ctx.sqlite, { today: today(ctx), role: ctx.agent?.role ?? null, workstationId: ctx.settings.workstationId }, l.family)
    if (blocker) problems.push(blocker)
    if (l.creditCents === 0) problems.push('Cette famille n’a pas de crédit à rembourser.')
    else if (input.amountCents > l.creditCents) problems.push(`Le remboursement (${eurosText(input.amountCents)}) dépasse le crédit de la famille (${eurosText(l.creditCents)}).`)
    if (input.method === 'cheque' && !input.cheque) problems.push('Chèque : indiquez son numéro, sa banque et le nom du tireur.')
    if (input.method === 'carte' && !input.terminalRef) problems.push('Carte bancaire : indiquez la référence du ticket du terminal.')
    refuseIf(problems)
    const day = today(ctx)
    const cashDay = cashDayOf(ctx.sqlite, ctx.settings.workstationId, day)!
    const payload: PaymentRecordPayload = {
      id: uuidv7({ msecs: ctx.now.getTime() }),
      familyId: input.familyId,
      kind: 'remboursement',
      method: input.method,
      amountCents: input.amountCents,
      receiptNumber: takeNumber(ctx, 'V', day),
      cashDayId: cashDay.id,
      paidAt: ctx.now.toISOString(),
      tenderedCents: null,
      changeCents: null,
      cheque: input.method === 'cheque' ? input.cheque! : null,
      terminalRef: input.method === 'carte' ? input.terminalRef! : null,
      reason: input.reason,
      allocations: [],
    }
    return recordPayment(ctx, payload, null, l.creditCents - input.amountCents)
  },
  cancelPayment: async (ctx, input) => {
    const p = paymentRow(ctx.sqlite, input.paymentId)
    if (!p.receipt_number || !p.cash_day_id) throw rule('NOT_A_RECEIPT', 'Ce paiement n’a pas été pris au guichet : il ne s’annule pas ici.')
    if (p.cancelled_at) throw rule('ALREADY_CANCELLED', `Le reçu ${p.receipt_number} est déjà annulé.`)
    const day = cashDayById(ctx.sqlite, p.cash_day_id)
    if (day.workstation_id !== ctx.settings.workstationId) {
      throw rule('OTHER_WORKSTATION', `Le reçu ${p.receipt_number} a été pris sur un autre poste : il s’annule depuis ce poste-là (sa caisse).`)
    }
    if (day.status === 'cloturee') {
      throw rule('CASH_DAY_CLOSED', `La caisse du ${frenchDay(day.day)} est clôturée : le reçu ${p.receipt_number} ne peut plus être annulé. Faites un remboursement.`)
    }
    ctx.record('payment', p.id)
    await runShared(ctx, 'payments.cancel', { paymentId: p.id, familyId: p.family_id, reason: input.reason })
    return accountOf(ctx, p.family_id)
  },
  receiptPdf: async (ctx, input) => {
    const p = paymentRow(ctx.sqlite, input.paymentId)
    ctx.record('payment', p.id)
    if (!p.receipt_number) throw rule('NOT_A_RECEIPT', 'Ce paiement en ligne n’a pas de reçu du guichet.')
    const family = familyRow(ctx.sqlite, p.family_id)
    const allocations = all<AllocationRow>(
      ctx.sqlite,
      'SELECT pa.payment_id, pa.invoice_id, pa.amount_cents, i.number FROM payment_allocations pa LEFT JOIN invoices i ON i.id = pa.invoice_id WHERE pa.payment_id = ? ORDER BY i.month, i.number',
      p.id,
    )
    const payer = family.payer_person_id
      ? one<{ n: string }>(ctx.sqlite, `SELECT trim(first_names || ' ' || last_name) AS n FROM persons WHERE id = ?`, family.payer_person_id)?.n
      : undefined
    const view = paymentView(p, allocations, new Set())
    const { renderReceiptPdf } = await import('../services/billing-pdf')
    const bytes = await renderReceiptPdf(
      {
        townName: townName(ctx),
        regie: Number(townOption(ctx.sqlite, 'billing.regie') ?? '1'),
        familyName: family.name,
        familyCode: family.code,
        payerName: payer ?? family.name,
        payment: view,
        printedAt: ctx.now.toISOString(),
      },
      input.layout,
    )
    return pdfOut(bytes, `recu-${p.receipt_number}${input.layout === '80mm' ? '-80mm' : ''}.pdf`)
  },
  invoicePdf: async (ctx, input) => {
    const inv = one<{ family_id: string }>(ctx.sqlite, 'SELECT family_id FROM invoices WHERE id = ?', input.invoiceId)
    if (!inv) throw new DomainError('NOT_FOUND', `No invoice ${input.invoiceId}`)
    ctx.record('invoice', input.invoiceId)
    const l = ledger(ctx.sqlite, inv.family_id)
    const view = l.invoices.find((i) => i.id === input.invoiceId)!
    const address = one<{ payer_address: string }>(ctx.sqlite, 'SELECT payer_address FROM invoices WHERE id = ?', input.invoiceId)?.payer_address ?? ''
    const { renderInvoicePdf } = await import('../services/billing-pdf')
    const bytes = await renderInvoicePdf({ townName: townName(ctx), familyName: l.family.name, familyCode: l.family.code, payerAddress: address, invoice: view, printedAt: ctx.now.toISOString() })
    return pdfOut(bytes, `${view.kind === 'avoir' ? 'avoir' : 'facture'}-${view.number}.pdf`)
  },
  attestationPdf: async (ctx, input) => {
    ctx.record('family', input.familyId)
    const { attestationModel, renderAttestationPdf } = await import('../services/billing-pdf')
    const l = ledger(ctx.sqlite, input.familyId)
    const children = all<{ id: string; name: string; birthDate: string | null }>(
      ctx.sqlite,
      `SELECT p.id, trim(p.first_names || ' ' || p.last_name) AS name, p.birth_date AS birthDate
         FROM family_members m JOIN persons p ON p.id = m.person_id WHERE m.family_id = ? AND m.role = 'enfant'`,
      input.familyId,
    )
    const model = attestationModel({
      townName: townName(ctx),
      familyName: l.family.name,
      familyCode: l.family.code,
      address: [l.family.address_line1, l.family.address_line2, `${l.family.postcode ?? ''} ${l.family.city ?? ''}`.trim()].filter((s): s is string => !!s),
      year: input.year,
      children,
      invoices: l.invoices,
      printedAt: ctx.now.toISOString(),
    })
    const bytes = await renderAttestationPdf(model)
    return { ...pdfOut(bytes, `attestation-frais-de-garde-${l.family.code}-${input.year}.pdf`), totalCents: model.totalCents }
  },
  cashDay: (ctx, input) => cashDayView(ctx.sqlite, ctx.settings.workstationId, input.day ?? today(ctx)),
  openDay: async (ctx, input) => {
    const day = today(ctx)
    const existing = cashDayOf(ctx.sqlite, ctx.settings.workstationId, day)
    if (existing?.status === 'ouverte') throw rule('CASH_DAY_OPEN', `La caisse du ${frenchDay(day)} est déjà ouverte.`)
    if (existing) throw rule('CASH_DAY_CLOSED', `La caisse du ${frenchDay(day)} est clôturée : elle ne se rouvre pas.`)
    const id = uuidv7({ msecs: ctx.now.getTime() })
    ctx.record('cash_day', id)
    await runShared(ctx, 'cashdesk.open', { id, day, floatCents: input.floatCents })
    return cashDayView(ctx.sqlite, ctx.settings.workstationId, day)
  },
  closeDay: async (ctx, input) => {
    const d = cashDayById(ctx.sqlite, input.cashDayId)
    if (d.workstation_id !== ctx.settings.workstationId) throw rule('OTHER_WORKSTATION', 'Cette journée de caisse est celle d’un autre poste : elle se clôture depuis ce poste-là.')
    if (d.status === 'cloturee') throw rule('CASH_DAY_CLOSED', `La caisse du ${frenchDay(d.day)} est déjà clôturée.`)
    const allowed = new Set<string>(DENOMINATIONS.map(String))
    for (const key of Object.keys(input.billetage)) {
      if (!allowed.has(key)) throw invalid(`billetage.${key}`, `Billetage : ${key} centimes n’est pas une coupure ni une pièce en euros.`)
    }
    let countedCents: number
    try {
      countedCents = billetageTotal(input.billetage)
    } catch (e) {
      throw invalid('billetage', e instanceof Error ? e.message : 'Billetage invalide.')
    }
    const rows = all<PaymentRow>(ctx.sqlite, 'SELECT method, kind, amount_cents, cancelled_at FROM payments WHERE cash_day_id = ?', d.id)
    const t = totalsOf(rows, d.float_cents)
    ctx.record('cash_day', d.id)
    await runShared(ctx, 'cashdesk.close', {
      cashDayId: d.id,
      billetage: input.billetage,
      countedCents,
      expectedCashCents: t.expectedCashCents,
      totals: t.totals,
      receiptsCount: t.receiptsCount,
      note: input.note && input.note !== '' ? input.note : null,
      closedAt: ctx.now.toISOString(),
    })
    return cashDayView(ctx.sqlite, ctx.settings.workstationId, d.day)
  },
  closingPdf: async (ctx, input) => {
    const d = cashDayById(ctx.sqlite, input.cashDayId)
    ctx.record('cash_day', d.id)
    const view = cashDayView(ctx.sqlite, d.workstation_id, d.day, d)
    const { renderClosingPdf } = await import('../services/billing-pdf')
    const bytes = await renderClosingPdf({ townName: townName(ctx), workstationName: workstationLabel(ctx, d.workstation_id), day: view, printedAt: ctx.now.toISOString() })
    return pdfOut(bytes, `cloture-caisse-${d.day}.pdf`)
  },
  remittancePdf: async (ctx, input) => {
    const d = cashDayById(ctx.sqlite, input.cashDayId)
    ctx.record('cash_day', d.id)
    const view = cashDayView(ctx.sqlite, d.workstation_id, d.day, d)
    const { renderRemittancePdf } = await import('../services/billing-pdf')
    const bytes = await renderRemittancePdf({ townName: townName(ctx), workstationName: workstationLabel(ctx, d.workstation_id), day: view, printedAt: ctx.now.toISOString() })
    return pdfOut(bytes, `bordereau-cheques-${d.day}.pdf`)
  },
  exportCsv: (ctx, input) => {
    const d = cashDayById(ctx.sqlite, input.cashDayId)
    const view = cashDayView(ctx.sqlite, d.workstation_id, d.day, d)
    return { csv: receiptsCsv(view.payments), fileName: `recus-${d.day}${receiptSeries(ctx.sqlite) ? `-${receiptSeries(ctx.sqlite)}` : ''}.csv` }
  },
  regieReport: (ctx, input) => regieReport(ctx.sqlite, input.day, ctx.settings.workstationId),
}

function workstationLabel(ctx: HandlerContext, workstationId: string): string {
  if (workstationId === ctx.settings.workstationId) return `${ctx.settings.workstationName}${receiptSeries(ctx.sqlite) ? ` (série ${receiptSeries(ctx.sqlite)})` : ''}`
  // Another workstation's day (synced): named by the series its receipts carry.
  const number = one<{ n: string }>(ctx.sqlite, 'SELECT receipt_number AS n FROM payments WHERE workstation_id = ? AND receipt_number IS NOT NULL LIMIT 1', workstationId)?.n
  const series = number ? parseReceiptNumber(number)?.series : undefined
  return series ? `série ${series}` : `autre poste (${workstationId.slice(0, 8)})`
}

export { METHOD_LABELS }
