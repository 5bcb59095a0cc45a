import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { extractText } from 'unpdf'
import { v7 as uuidv7 } from 'uuid'
import type { CashDayView, FamilyAccount, PaymentPreview, PaymentResult, RegieReport } from '@shared/contract/billing'
import { familyAccount } from '../../../src/main/core/areas/billing'
import { SqliteEntityStore } from '../../../src/main/core/sync/store'
import { runCommand, type CommandContext } from '@shared/commands'
import { setSetting, getSetting } from '../../../src/main/core/services/settings'
import { SYNC_KEYS } from '../../../src/main/core/sync/state'
import { AGENTS, addAgents, addFamily, count, fakeClock, makeCore } from '../../helpers/core'

/**
 * Money at the counter (issue 12) through the core's router on a real SQLite file: the family's
 * account, a payment's preview, paying (oldest invoices first or the ones picked, overpayment
 * as credit, change), refunds, cancellations, the cash desk's day, printouts and the CSV.
 * Bad input gets a French message and leaves nothing: no payment, no outbox row, no receipt
 * number used.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let familyId: string
let otherFamilyId: string
let childId: string
let clock = fakeClock('2026-12-02T09:00:00Z')
const logs: string[] = []

interface CallResult {
  ok: boolean
  data?: unknown
  error?: { code: string; message: string; details?: { reason?: string; rule?: string; issues?: Array<{ path: string; message: string }> } }
}
const call = (ns: string, method: string, input: unknown) => core.call(session, ns, method, input) as Promise<CallResult>
async function ok<T>(ns: string, method: string, input: unknown): Promise<T> {
  const r = await call(ns, method, input)
  if (!r.ok) throw new Error(`${JSON.stringify(r.error)}\n${logs.slice(-3).join('\n')}`)
  return r.data as T
}
/** The French words the agent sees for a refusal (a rule's reason, or the fields' messages). */
async function refused(ns: string, method: string, input: unknown): Promise<string> {
  const r = await call(ns, method, input)
  expect(r.ok).toBe(false)
  return r.error?.details?.reason ?? (r.error?.details?.issues ?? []).map((i) => i.message).join(' | ')
}

function addInvoice(
  family: string,
  o: { number: string; month: string; lines: Array<{ cents: number; cesu?: boolean; leisure?: boolean }>; directDebit?: boolean; kind?: 'facture' | 'avoir'; corrects?: string },
): string {
  const id = uuidv7()
  const total = o.lines.reduce((s, l) => s + l.cents, 0)
  core.sqlite
    .prepare(
      `INSERT INTO invoices (id, number, kind, regie, family_id, payer_name, payer_address, month, corrects_invoice_id, total_cents, direct_debit, issued_on, due_on, created_at)
       VALUES (?, ?, ?, 1, ?, 'Marie Lefèvre', '12 rue Victor-Hugo\n78420 Carrières-sur-Seine', ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(id, o.number, o.kind ?? 'facture', family, o.month, o.corrects ?? null, total, o.directDebit ? 1 : 0, `${o.month}-28`, `${o.month}-28`, '2026-11-01T00:00:00Z')
  o.lines.forEach((l, i) => {
    core.sqlite
      .prepare(
        `INSERT INTO invoice_lines (id, invoice_id, family_id, child_id, child_name, unit_id, kind, quantity, unit_price_cents, amount_cents, rule, dates, cesu, leisure, sort)
         VALUES (?, ?, ?, ?, 'Léa Lefèvre', ?, 'service', 1, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(uuidv7(), id, family, childId, l.cesu ? 'garderie_soir' : l.leisure ? 'alsh_mercredi' : 'cantine', l.cents, l.cents, `QF 850 → tranche 2 : ${l.cents} c × 1 repas`, `${o.month}-05`, l.cesu ? 1 : 0, l.leisure ? 1 : 0, i)
  })
  return id
}

const payments = () => count(core.sqlite, 'payments')
const outboxNames = () => (core.sqlite.prepare('SELECT name FROM outbox ORDER BY seq').pluck().all() as string[])
const seriesState = () => core.sqlite.prepare(`SELECT key, value FROM settings WHERE key LIKE 'series.%' ORDER BY key`).all()
const account = () => ok<FamilyAccount>('billing', 'account', { familyId })

let oct: string
let nov: string

beforeEach(async () => {
  clock = fakeClock('2026-12-02T09:00:00Z')
  core = await makeCore({ now: () => clock.now(), log: (line) => logs.push(line) })
  addAgents(core.sqlite)
  setSetting(core.sqlite, SYNC_KEYS.receiptSeries, 'G07')
  session = core.openSession()
  expect((await core.call(session, 'session', 'login', { login: AGENTS.regie.login, password: AGENTS.regie.password })).ok).toBe(true)
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', birthDate: '2022-03-14', level: 'PS' },
    ],
  })
  childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE role = 'enfant' AND family_id = ?`).pluck().get(familyId) as string
  otherFamilyId = addFamily(core.sqlite, { code: '100002L', name: 'Martin', members: [{ role: 'RL1', firstNames: 'Paul', lastName: 'Martin' }] })
  // November first in the table, October older: the oldest is settled first whatever the order of the rows.
  nov = addInvoice(familyId, { number: 'F01-26-11-0000002', month: '2026-11', lines: [{ cents: 3300 }, { cents: 1200, cesu: true }] })
  oct = addInvoice(familyId, { number: 'F01-26-10-0000001', month: '2026-10', lines: [{ cents: 2000 }, { cents: 500, leisure: true }] })
})
afterEach(() => core.cleanup())

const openDay = (floatCents = 5000) => ok<CashDayView>('billing', 'openDay', { floatCents })
const cheque = { bank: 'Crédit Agricole', number: '0001234', drawer: 'Marie Lefèvre' }

describe('the family account', () => {
  it('shows the invoices with their lines, status and remaining, the balance, and why the agent cannot take money yet', async () => {
    const a = await account()
    expect(a.invoices.map((i) => [i.number, i.status, i.remainingCents])).toEqual([
      ['F01-26-11-0000002', 'a_payer', 4500],
      ['F01-26-10-0000001', 'a_payer', 2500],
    ])
    expect(a.invoices[0]!.lines.map((l) => l.rule)).toContain('QF 850 → tranche 2 : 3300 c × 1 repas')
    expect(a).toMatchObject({ balanceCents: 7000, payableCents: 7000, creditCents: 0, canPay: { ok: false } })
    expect(a.canPay.reason).toMatch(/caisse de ce poste n’est pas ouverte/)
    // Usable without a request context (the bench): the same account.
    expect(familyAccount(core.sqlite, familyId, { today: '2026-12-02', role: 'regisseur', workstationId: null }).balanceCents).toBe(7000)
    await openDay()
    expect((await account()).canPay).toEqual({ ok: true, reason: null })
  })

  it('an accueil agent sees the account but may not take money', async () => {
    await openDay()
    const s2 = core.openSession()
    await core.call(s2, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
    const r = (await core.call(s2, 'billing', 'account', { familyId })) as CallResult
    expect((r.data as FamilyAccount).canPay.ok).toBe(false)
    const pay = (await core.call(s2, 'billing', 'pay', { familyId, method: 'especes', amountCents: 100 })) as CallResult
    expect(pay.error?.code).toBe('FORBIDDEN')
    expect(payments()).toBe(0)
  })
})

describe('a family merge', () => {
  it('moves the source’s invoices, their lines and its payments’ allocations to the target', async () => {
    await openDay()
    const theirs = addInvoice(otherFamilyId, { number: 'F01-26-11-0000009', month: '2026-11', lines: [{ cents: 1500 }, { cents: 500 }] })
    familyId = otherFamilyId
    await ok<PaymentResult>('billing', 'pay', { familyId: otherFamilyId, method: 'especes', amountCents: 800 })
    familyId = core.sqlite.prepare(`SELECT id FROM families WHERE code = '100001K'`).pluck().get() as string
    const resp = core.openSession()
    await core.call(resp, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })
    const merged = (await core.call(resp, 'families', 'merge', { sourceId: otherFamilyId, targetId: familyId })) as CallResult
    expect(merged.ok).toBe(true)
    for (const table of ['invoices', 'invoice_lines', 'payment_allocations', 'payments']) {
      expect(count(core.sqlite, table, `family_id = '${otherFamilyId}'`)).toBe(0)
    }
    const a = await account()
    expect(a.invoices.find((i) => i.id === theirs)).toMatchObject({ remainingCents: 1200, status: 'partiellement_payee' })
    expect(a.invoices.find((i) => i.id === theirs)!.lines).toHaveLength(2)
    expect(a.balanceCents).toBe(7000 + 2000 - 800)
  })
})

describe('taking a payment', () => {
  beforeEach(async () => {
    await openDay()
  })

  it('previews then pays two invoices with one cheque, oldest first, numbered from this workstation’s series, queued as a fact', async () => {
    const input = { familyId, method: 'cheque', amountCents: 7000, cheque }
    const preview = await ok<PaymentPreview>('billing', 'preview', input)
    expect(preview).toEqual({
      allocations: [
        { invoiceId: oct, invoiceNumber: 'F01-26-10-0000001', amountCents: 2500 },
        { invoiceId: nov, invoiceNumber: 'F01-26-11-0000002', amountCents: 4500 },
      ],
      creditCents: 0,
      changeCents: null,
      problems: [],
    })
    expect(payments()).toBe(0)
    const paid = await ok<PaymentResult>('billing', 'pay', input)
    expect(paid.receiptNumber).toBe('R-G07-26-000001')
    expect(paid.allocations).toEqual(preview.allocations)
    expect(paid.account.invoices.map((i) => i.status)).toEqual(['payee', 'payee'])
    expect(paid.account).toMatchObject({ balanceCents: 0, creditCents: 0 })
    expect(outboxNames()).toEqual(['cashdesk.open', 'payments.record'])
    const row = core.sqlite.prepare('SELECT * FROM payments').get() as Record<string, unknown>
    expect(row).toMatchObject({ kind: 'paiement', method: 'cheque', amount_cents: 7000, cheque_number: '0001234', receipt_number: 'R-G07-26-000001' })
    expect(count(core.sqlite, 'payment_allocations')).toBe(2)
    const second = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'carte', amountCents: 100, terminalRef: 'TPE-778' })
    expect(second.receiptNumber).toBe('R-G07-26-000002')
  })

  it('settles the invoices the agent picked, in the order picked', async () => {
    const paid = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'carte', amountCents: 3000, terminalRef: 'TPE-1', invoiceIds: [nov] })
    expect(paid.allocations).toEqual([{ invoiceId: nov, invoiceNumber: 'F01-26-11-0000002', amountCents: 3000 }])
    const a = paid.account
    expect(a.invoices.find((i) => i.id === nov)).toMatchObject({ status: 'partiellement_payee', remainingCents: 1500 })
    expect(a.invoices.find((i) => i.id === oct)).toMatchObject({ status: 'a_payer', remainingCents: 2500 })
  })

  it('turns an overpayment into the family’s credit and gives change on cash', async () => {
    const paid = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 8000, tenderedCents: 10000 })
    expect(paid).toMatchObject({ creditCents: 1000, changeCents: 2000 })
    expect(paid.account).toMatchObject({ balanceCents: -1000, creditCents: 1000, payableCents: 0 })
    const p = paid.account.payments[0]!
    expect(p).toMatchObject({ tenderedCents: 10000, changeCents: 2000, unallocatedCents: 1000, pending: true })
  })

  it('refunds (part of) the credit with its own V number; more than the credit is refused', async () => {
    await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 8000 })
    const before = seriesState()
    expect(await refused('billing', 'refund', { familyId, method: 'especes', amountCents: 1500, reason: 'Trop-perçu rendu' })).toMatch(
      /dépasse le crédit de la famille \(10,00 €\)/,
    )
    expect(seriesState()).toEqual(before)
    const refund = await ok<PaymentResult>('billing', 'refund', { familyId, method: 'especes', amountCents: 600, reason: 'Trop-perçu rendu' })
    expect(refund.receiptNumber).toBe('V-G07-26-000001')
    expect(refund.account).toMatchObject({ creditCents: 400, balanceCents: -400 })
    expect(refund.creditCents).toBe(400)
  })

  it('cancels a receipt with a reason: the number stays used, the invoices are open again', async () => {
    const paid = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 2500 })
    const a = await ok<FamilyAccount>('billing', 'cancelPayment', { paymentId: paid.paymentId, reason: 'Erreur de montant' })
    expect(a.payments[0]!.cancelled).toMatchObject({ reason: 'Erreur de montant', by: AGENTS.regie.displayName })
    expect(a.invoices.find((i) => i.id === oct)).toMatchObject({ status: 'a_payer', remainingCents: 2500 })
    expect(a.balanceCents).toBe(7000)
    expect(await refused('billing', 'cancelPayment', { paymentId: paid.paymentId, reason: 'Encore' })).toMatch(/déjà annulé/)
    const next = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 2500 })
    expect(next.receiptNumber).toBe('R-G07-26-000002')
    expect(outboxNames()).toEqual(['cashdesk.open', 'payments.record', 'payments.cancel', 'payments.record'])
    // The changes not yet on the portal, in French.
    const pending = await ok<{ items: Array<{ description: string; familyName: string | null }> }>('sync', 'pending', {})
    expect(pending.items.map((i) => [i.description, i.familyName])).toEqual([
      ['Ouverture de la caisse du 02/12/2026', null],
      ['Paiement R-G07-26-000001 (25,00 €)', 'Lefèvre'],
      ['Annulation du reçu R-G07-26-000001', 'Lefèvre'],
      ['Paiement R-G07-26-000002 (25,00 €)', 'Lefèvre'],
    ])
  })
})

describe('bad input: a French message, and nothing recorded', () => {
  let other: string
  let debit: string
  beforeEach(async () => {
    await openDay()
    other = addInvoice(otherFamilyId, { number: 'F01-26-11-0000003', month: '2026-11', lines: [{ cents: 1000 }] })
    debit = addInvoice(familyId, { number: 'F01-26-11-0000004', month: '2026-11', lines: [{ cents: 900 }], directDebit: true })
  })

  const cases: Array<[string, () => Record<string, unknown>, RegExp]> = [
    ['a zero amount', () => ({ familyId, method: 'especes', amountCents: 0 }), /supérieur à zéro/],
    ['a negative amount', () => ({ familyId, method: 'especes', amountCents: -500 }), /supérieur à zéro/],
    ['a sub-cent amount', () => ({ familyId, method: 'especes', amountCents: 12.5 }), /au centime près/],
    ['a cheque without its number', () => ({ familyId, method: 'cheque', amountCents: 1000 }), /Chèque : indiquez son numéro/],
    ['a card without the terminal’s reference', () => ({ familyId, method: 'carte', amountCents: 1000 }), /référence du ticket du terminal/],
    ['cash tendered below the amount', () => ({ familyId, method: 'especes', amountCents: 1000, tenderedCents: 500 }), /somme remise \(5,00 €\) est inférieure/],
    ['CESU on lines that are not childcare for a child under 6', () => ({ familyId, method: 'cesu', amountCents: 2000, invoiceIds: [oct] }), /CESU/],
    ['CESU above what CESU may pay', () => ({ familyId, method: 'cesu', amountCents: 2000 }), /dépasse .* payable en CESU/],
    ['chèques vacances outside leisure lines', () => ({ familyId, method: 'cheques_vacances', amountCents: 1000, invoiceIds: [nov] }), /chèques vacances/],
    ['a direct-debit invoice', () => ({ familyId, method: 'especes', amountCents: 900, invoiceIds: [debit] }), /réglée par prélèvement : elle ne se paie pas au guichet/],
    ['an invoice of another family', () => ({ familyId, method: 'especes', amountCents: 1000, invoiceIds: [other] }), /n’est pas une facture de cette famille/],
  ]
  for (const [name, input, message] of cases) {
    it(`refuses ${name}`, async () => {
      const before = seriesState()
      const outbox = outboxNames()
      expect(await refused('billing', 'pay', input())).toMatch(message)
      expect(payments()).toBe(0)
      expect(count(core.sqlite, 'payment_allocations')).toBe(0)
      expect(outboxNames()).toEqual(outbox)
      expect(seriesState()).toEqual(before)
      // The preview says the same without throwing (except for schema errors, refused at the field).
      const preview = await call('billing', 'preview', input())
      if (preview.ok) expect((preview.data as PaymentPreview).problems.join(' ')).toMatch(message)
    })
  }

  it('refuses a payment when the day is not opened, then on a closed day, and the closed day refuses everything', async () => {
    const before = seriesState()
    const day = await ok<CashDayView>('billing', 'cashDay', {})
    const paid = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 1000 })
    const closed = await ok<CashDayView>('billing', 'closeDay', { cashDayId: day.id, billetage: { '5000': 1, '1000': 1 } })
    expect(closed).toMatchObject({ status: 'cloturee', countedCents: 6000, expectedCashCents: 6000, differenceCents: 0 })
    const afterClose = seriesState()
    const outbox = outboxNames()
    expect(await refused('billing', 'pay', { familyId, method: 'especes', amountCents: 1000 })).toMatch(/caisse du 02\/12\/2026 est clôturée/)
    expect(await refused('billing', 'refund', { familyId, method: 'especes', amountCents: 100, reason: 'Trop-perçu' })).toMatch(/clôturée/)
    expect(await refused('billing', 'cancelPayment', { paymentId: paid.paymentId, reason: 'Erreur de saisie' })).toMatch(/clôturée : le reçu R-G07-26-000001 ne peut plus être annulé/)
    expect(await refused('billing', 'openDay', { floatCents: 0 })).toMatch(/clôturée : elle ne se rouvre pas/)
    expect(await refused('billing', 'closeDay', { cashDayId: day.id, billetage: {} })).toMatch(/déjà clôturée/)
    expect(payments()).toBe(1)
    expect(outboxNames()).toEqual(outbox)
    expect(seriesState()).toEqual(afterClose)
    expect(before).toEqual([])
    // The next day: not opened yet.
    clock.advance(86_400)
    expect((await core.call(session, 'session', 'login', { login: AGENTS.regie.login, password: AGENTS.regie.password })).ok).toBe(true)
    expect(await refused('billing', 'pay', { familyId, method: 'especes', amountCents: 1000 })).toMatch(/n’est pas ouverte aujourd’hui/)
  })

  it('refuses a billetage with a coin that is not a euro denomination', async () => {
    const day = await ok<CashDayView>('billing', 'cashDay', {})
    expect(await refused('billing', 'closeDay', { cashDayId: day.id, billetage: { '300': 1 } })).toMatch(/300 centimes n’est pas une coupure/)
    expect(count(core.sqlite, 'cash_days', "status = 'cloturee'")).toBe(0)
  })

  it('refuses to take money before this workstation has a receipt series (not enrolled)', async () => {
    core.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(SYNC_KEYS.receiptSeries)
    expect(await refused('billing', 'pay', { familyId, method: 'especes', amountCents: 1000 })).toMatch(/série de reçus/)
    expect(payments()).toBe(0)
  })
})

describe('closing the day', () => {
  it('the closing totals equal the sums of the day’s receipts, whatever was paid, cancelled or refunded (property, through the core)', async () => {
    // Plenty of open invoices so that CESU and chèques vacances find eligible lines.
    for (let i = 0; i < 30; i++) addInvoice(familyId, { number: `F01-26-09-${String(100 + i).padStart(7, '0')}`, month: '2026-09', lines: [{ cents: 50_000, cesu: true }, { cents: 50_000, leisure: true }] })
    const op = fc.oneof(
      fc.record({ kind: fc.constant('pay' as const), method: fc.constantFrom('especes', 'cheque', 'carte', 'cesu', 'cheques_vacances'), cents: fc.integer({ min: 1, max: 20_000 }) }),
      fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('refund' as const), method: fc.constantFrom('especes', 'cheque', 'carte'), cents: fc.integer({ min: 1, max: 3_000 }) }),
    )
    let runs = 0
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 20_000 }), async (ops, floatCents) => {
        clock.advance(86_400) // a new day each run (the session expired meanwhile: log in again)
        expect((await core.call(session, 'session', 'login', { login: AGENTS.regie.login, password: AGENTS.regie.password })).ok).toBe(true)
        runs++
        await openDay(floatCents)
        const taken: Array<{ id: string; method: string; kind: string; cents: number; cancelled: boolean }> = []
        for (const o of ops) {
          if (o.kind === 'pay') {
            const input: Record<string, unknown> = { familyId, method: o.method, amountCents: o.cents }
            if (o.method === 'cheque') input.cheque = cheque
            if (o.method === 'carte') input.terminalRef = 'TPE-1'
            const r = await call('billing', 'pay', input)
            if (r.ok) taken.push({ id: (r.data as PaymentResult).paymentId, method: o.method, kind: 'paiement', cents: o.cents, cancelled: false })
          } else if (o.kind === 'refund') {
            const input: Record<string, unknown> = { familyId, method: o.method, amountCents: o.cents, reason: 'Trop-perçu' }
            if (o.method === 'cheque') input.cheque = cheque
            if (o.method === 'carte') input.terminalRef = 'TPE-1'
            const r = await call('billing', 'refund', input)
            if (r.ok) taken.push({ id: (r.data as PaymentResult).paymentId, method: o.method, kind: 'remboursement', cents: o.cents, cancelled: false })
          } else if (taken.length > 0) {
            const t = taken[o.pick % taken.length]!
            const r = await call('billing', 'cancelPayment', { paymentId: t.id, reason: 'Erreur de saisie' })
            expect(r.ok).toBe(!t.cancelled)
            t.cancelled = true
          }
        }
        const day = await ok<CashDayView>('billing', 'cashDay', {})
        const closed = await ok<CashDayView>('billing', 'closeDay', { cashDayId: day.id, billetage: { '1': 3 } })
        const live = taken.filter((t) => !t.cancelled)
        const signed = (t: (typeof taken)[number]) => (t.kind === 'remboursement' ? -t.cents : t.cents)
        const byMethod = (m: string) => live.filter((t) => t.method === m).reduce((s, t) => s + signed(t), 0)
        for (const m of ['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances']) expect(closed.totals[m as 'especes']).toBe(byMethod(m))
        expect(closed.totalCents).toBe(live.reduce((s, t) => s + signed(t), 0))
        expect(closed.expectedCashCents).toBe(floatCents + byMethod('especes'))
        expect(closed.receiptsCount).toBe(taken.length)
        expect(closed.chequeTotalCents).toBe(live.filter((t) => t.method === 'cheque' && t.kind === 'paiement').reduce((s, t) => s + t.cents, 0))
        expect(closed.differenceCents).toBe(3 - closed.expectedCashCents)
        // What was sent to the portal is what the screen shows.
        const sent = JSON.parse(core.sqlite.prepare(`SELECT payload FROM outbox WHERE name = 'cashdesk.close' ORDER BY seq DESC LIMIT 1`).pluck().get() as string)
        expect(sent).toMatchObject({ totals: closed.totals, expectedCashCents: closed.expectedCashCents, receiptsCount: taken.length, countedCents: 3 })
      }),
      { numRuns: 25 },
    )
    expect(runs).toBe(25)
  })

  it('reports the régie’s day across workstations as far as this one knows', async () => {
    await openDay(1000)
    await ok<PaymentResult>('billing', 'pay', { familyId, method: 'cheque', amountCents: 2500, cheque })
    // Another workstation's day, synced down.
    const otherDay = uuidv7()
    core.sqlite
      .prepare(`INSERT INTO cash_days (id, workstation_id, day, status, float_cents, opened_at, updated_at) VALUES (?, ?, '2026-12-02', 'ouverte', 0, ?, ?)`)
      .run(otherDay, uuidv7(), '2026-12-02T08:00:00Z', '2026-12-02T08:00:00Z')
    core.sqlite
      .prepare(`INSERT INTO payments (id, family_id, amount_cents, method, paid_at, created_at, kind, receipt_number, cash_day_id) VALUES (?, ?, 700, 'especes', ?, ?, 'paiement', 'R-G02-26-000001', ?)`)
      .run(uuidv7(), otherFamilyId, '2026-12-02T08:30:00Z', '2026-12-02T08:30:00Z', otherDay)
    const report = await ok<RegieReport>('billing', 'regieReport', { day: '2026-12-02' })
    expect(report.rows).toHaveLength(2)
    expect(report.rows.find((r) => r.here)).toMatchObject({ totalCents: 2500, receiptsCount: 1 })
    expect(report.totals).toMatchObject({ cheque: 2500, especes: 700 })
    expect(report.totalCents).toBe(3200)
  })
})

describe('printouts and export', () => {
  const text = async (base64: string) => (await extractText(new Uint8Array(Buffer.from(base64, 'base64')), { mergePages: true })).text

  it('prints the receipt (A4 and 80 mm), ANNULÉ with the reason once cancelled, the invoice, the attestation, the closing report and the cheque slip; exports the CSV', async () => {
    const day = await openDay(2000)
    const paid = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'cheque', amountCents: 7000, cheque })
    const cash = await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 1250, tenderedCents: 2000 })
    for (const layout of ['a4', '80mm']) {
      const pdf = await ok<{ pdfBase64: string; fileName: string }>('billing', 'receiptPdf', { paymentId: paid.paymentId, layout })
      const t = await text(pdf.pdfBase64)
      expect(t).toContain('R-G07-26-000001')
      expect(t).toContain('70,00 €')
      expect(t).toContain('F01-26-10-0000001')
      expect(t).toContain('0001234')
      expect(t).toContain('Crédit Agricole')
      expect(t).toContain('Lefèvre')
      expect(t).not.toContain('ANNULÉ')
    }
    const cashPdf = await text((await ok<{ pdfBase64: string }>('billing', 'receiptPdf', { paymentId: cash.paymentId, layout: '80mm' })).pdfBase64)
    expect(cashPdf).toMatch(/Monnaie rendue\s*7,50 €/)
    await ok('billing', 'cancelPayment', { paymentId: cash.paymentId, reason: 'Erreur de famille' })
    const cancelled = await text((await ok<{ pdfBase64: string }>('billing', 'receiptPdf', { paymentId: cash.paymentId, layout: 'a4' })).pdfBase64)
    expect(cancelled).toContain('ANNULÉ')
    expect(cancelled).toContain('Erreur de famille')

    const invoice = await text((await ok<{ pdfBase64: string }>('billing', 'invoicePdf', { invoiceId: nov })).pdfBase64)
    expect(invoice).toContain('F01-26-11-0000002')
    expect(invoice).toContain('45,00 €')
    const attestation = await ok<{ pdfBase64: string; totalCents: number }>('billing', 'attestationPdf', { familyId, year: 2026 })
    // Léa (born 2022) is under 6: her childcare line of November (12,00 €), paid in full.
    expect(attestation.totalCents).toBe(1200)
    expect(await text(attestation.pdfBase64)).toContain('12,00 €')

    const closed = await ok<CashDayView>('billing', 'closeDay', { cashDayId: day.id, billetage: { '2000': 1 } })
    const closing = await text((await ok<{ pdfBase64: string }>('billing', 'closingPdf', { cashDayId: closed.id })).pdfBase64)
    expect(closing).toContain('R-G07-26-000001')
    expect(closing).toContain('R-G07-26-000002')
    expect(closing).toContain('70,00 €')
    const slip = await text((await ok<{ pdfBase64: string }>('billing', 'remittancePdf', { cashDayId: closed.id })).pdfBase64)
    expect(slip).toContain('Crédit Agricole')
    expect(slip).toContain('0001234')
    expect(slip).toContain('1 chèque')

    const { csv, fileName } = await ok<{ csv: string; fileName: string }>('billing', 'exportCsv', { cashDayId: closed.id })
    expect(fileName).toMatch(/\.csv$/)
    expect(csv.charCodeAt(0)).toBe(0xfeff)
    const lines = csv.slice(1).trim().split(/\r\n/)
    expect(lines[0]!.split(';')[0]).toBe('Numéro de reçu')
    expect(lines).toHaveLength(3)
    expect(lines[1]).toContain('R-G07-26-000001;02/12/2026;10:00:00;100001K;Lefèvre;Paiement;chèque;70,00;Crédit Agricole;0001234;Marie Lefèvre')
    expect(lines[2]).toContain(';12,50;')
    expect(lines[2]).toMatch(/;oui;Erreur de famille$/)
  })
})

it('keeps the receipt series per year and the series setting in the payment’s transaction', async () => {
  await openDay()
  await ok<PaymentResult>('billing', 'pay', { familyId, method: 'especes', amountCents: 100 })
  expect(getSetting(core.sqlite, 'series.receipt_26.next')).toBe('2')
})

describe('the facts as the portal runs them (the same shared code, here over SQLite)', () => {
  const ws = uuidv7()
  let store: SqliteEntityStore
  let dayId: string
  const ctx = (over: Partial<CommandContext> = {}): CommandContext => ({
    at: '2026-12-02T10:00:00.000Z',
    agentId: null,
    workstationId: ws,
    channel: 'guichet',
    commandId: uuidv7(),
    ...over,
  })
  const run = async (name: string, payload: unknown, c = ctx()) => {
    let out: Awaited<ReturnType<typeof runCommand>> | undefined
    core.sqlite.exec('BEGIN')
    try {
      out = await runCommand(store.commandTx(), name, payload, c)
      core.sqlite.exec('COMMIT')
    } catch (e) {
      core.sqlite.exec('ROLLBACK')
      throw e
    }
    return out.flags.map((f) => f.code)
  }
  const record = (over: Record<string, unknown> = {}) => ({
    id: uuidv7(),
    familyId,
    kind: 'paiement',
    method: 'especes',
    amountCents: 2500,
    receiptNumber: 'R-G07-26-000001',
    cashDayId: dayId,
    paidAt: '2026-12-02T10:00:00.000Z',
    tenderedCents: null,
    changeCents: null,
    cheque: null,
    terminalRef: null,
    reason: null,
    allocations: [],
    ...over,
  })

  beforeEach(async () => {
    store = new SqliteEntityStore(core.sqlite)
    // This workstation's series, as the portal knows it from the enrolment.
    setSetting(core.sqlite, SYNC_KEYS.workstationId, ws)
    setSetting(core.sqlite, SYNC_KEYS.codeFamilleFirst, '100')
    setSetting(core.sqlite, SYNC_KEYS.codeFamilleLast, '200')
    dayId = uuidv7()
    expect(await run('cashdesk.open', { id: dayId, day: '2026-12-02', floatCents: 1000 })).toEqual([])
  })

  it('records a payment inside the series without a flag; flags a number outside it or used twice', async () => {
    expect(await run('payments.record', record())).toEqual([])
    expect(await run('payments.record', record({ receiptNumber: 'R-G99-26-000002' }))).toEqual(['NUMBER_OUTSIDE_SERIES'])
    expect(await run('payments.record', record())).toEqual(['DUPLICATE_NUMBER'])
    expect(payments()).toBe(3)
  })

  it('reduces an allocation to what the invoice still owes (settled meanwhile): the excess is the family’s credit, flagged', async () => {
    await run('payments.record', record({ allocations: [{ id: uuidv7(), invoiceId: oct, amountCents: 2000 }] }))
    const late = record({ receiptNumber: 'R-G07-26-000002', amountCents: 1500, allocations: [{ id: uuidv7(), invoiceId: oct, amountCents: 1500 }] })
    expect(await run('payments.record', late)).toEqual(['INVOICE_ALREADY_SETTLED'])
    expect(core.sqlite.prepare('SELECT amount_cents FROM payment_allocations WHERE payment_id = ?').pluck().get(late.id)).toBe(500)
    const gone = record({ receiptNumber: 'R-G07-26-000003', amountCents: 700, allocations: [{ id: uuidv7(), invoiceId: oct, amountCents: 700 }] })
    expect(await run('payments.record', gone)).toEqual(['INVOICE_ALREADY_SETTLED'])
    // Written at 0 so that the workstation's own copy is replaced by the portal's.
    expect(core.sqlite.prepare('SELECT amount_cents FROM payment_allocations WHERE payment_id = ?').pluck().get(gone.id)).toBe(0)
    const a = await account()
    expect(a.invoices.find((i) => i.id === oct)).toMatchObject({ paidCents: 2500, remainingCents: 0 })
    expect(a.payments.find((p) => p.id === gone.id)).toMatchObject({ allocations: [], unallocatedCents: 700 })
    expect(a.creditCents).toBe(500 + 1000 + 700)
  })

  it('flags a direct-debit invoice, CESU on lines that are not childcare, an invoice of another family, an unknown invoice; keeps an unknown family’s payment in the flag', async () => {
    const debit = addInvoice(familyId, { number: 'F01-26-11-0000004', month: '2026-11', lines: [{ cents: 900 }], directDebit: true })
    const other = addInvoice(otherFamilyId, { number: 'F01-26-11-0000005', month: '2026-11', lines: [{ cents: 900 }] })
    let n = 0
    const next = () => `R-G07-26-${String(++n).padStart(6, '0')}`
    expect(await run('payments.record', record({ receiptNumber: next(), amountCents: 900, allocations: [{ id: uuidv7(), invoiceId: debit, amountCents: 900 }] }))).toEqual(['DIRECT_DEBIT_INVOICE'])
    expect(await run('payments.record', record({ receiptNumber: next(), method: 'cesu', amountCents: 2000, allocations: [{ id: uuidv7(), invoiceId: oct, amountCents: 2000 }] }))).toEqual(['METHOD_NOT_ELIGIBLE'])
    expect(await run('payments.record', record({ receiptNumber: next(), amountCents: 900, allocations: [{ id: uuidv7(), invoiceId: other, amountCents: 900 }] }))).toEqual(['INVOICE_OF_ANOTHER_FAMILY'])
    expect(await run('payments.record', record({ receiptNumber: next(), amountCents: 900, allocations: [{ id: uuidv7(), invoiceId: uuidv7(), amountCents: 900 }] }))).toEqual(['UNKNOWN_INVOICE'])
    const before = payments()
    expect(await run('payments.record', record({ receiptNumber: next(), familyId: uuidv7() }))).toEqual(['UNKNOWN_FAMILY'])
    expect(payments()).toBe(before)
  })

  it('flags a second opening of the day (the first kept), a payment in a closed or unknown day, a cancellation after the closing, and a closing whose totals differ from the receipts', async () => {
    expect(await run('cashdesk.open', { id: uuidv7(), day: '2026-12-02', floatCents: 0 })).toEqual(['CASH_DAY_ALREADY_OPEN'])
    expect(count(core.sqlite, 'cash_days')).toBe(1)
    const p1 = record()
    await run('payments.record', p1)
    await run('payments.record', record({ receiptNumber: 'R-G07-26-000002', method: 'cheque', amountCents: 4000, cheque }))
    // The counter closes without having seen the cheque (its totals differ from the portal's).
    const close = {
      cashDayId: dayId,
      billetage: { '2000': 1, '500': 3 },
      countedCents: 3500,
      expectedCashCents: 3500,
      totals: { especes: 2500, cheque: 0 },
      receiptsCount: 1,
      note: null,
      closedAt: '2026-12-02T18:00:00.000Z',
    }
    expect(await run('cashdesk.close', close)).toEqual(['CLOSING_MISMATCH'])
    expect(core.sqlite.prepare('SELECT status, counted_cents, receipts_count FROM cash_days').get()).toEqual({ status: 'cloturee', counted_cents: 3500, receipts_count: 1 })
    expect(await run('cashdesk.close', close)).toEqual(['CASH_DAY_ALREADY_CLOSED'])
    expect(await run('payments.record', record({ receiptNumber: 'R-G07-26-000003' }))).toEqual(['CASH_DAY_CLOSED'])
    expect(await run('payments.record', record({ receiptNumber: 'R-G07-26-000004', cashDayId: uuidv7() }))).toEqual(['CASH_DAY_UNKNOWN'])
    expect(await run('payments.cancel', { paymentId: p1.id, familyId, reason: 'Erreur de saisie' })).toEqual(['CANCELLED_AFTER_CLOSING'])
    expect(core.sqlite.prepare('SELECT cancel_reason FROM payments WHERE id = ?').pluck().get(p1.id)).toBe('Erreur de saisie')
    // Already cancelled: nothing changes, nothing flagged.
    expect(await run('payments.cancel', { paymentId: p1.id, familyId, reason: 'Encore' })).toEqual([])
    expect(await run('payments.cancel', { paymentId: uuidv7(), familyId, reason: 'Inconnu' })).toEqual(['UNKNOWN_PAYMENT'])
  })

  it('flags a billetage that does not make the cash counted', async () => {
    await run('payments.record', record())
    const close = { cashDayId: dayId, billetage: { '2000': 1 }, countedCents: 3500, expectedCashCents: 3500, totals: { especes: 2500 }, receiptsCount: 1, note: null, closedAt: '2026-12-02T18:00:00.000Z' }
    expect(await run('cashdesk.close', close)).toEqual(['BILLETAGE_MISMATCH'])
  })

  it('refuses, as structural garbage, a cheque without its details, a refund that settles invoices, a number of the wrong kind', async () => {
    await expect(run('payments.record', record({ method: 'cheque' }))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' })
    await expect(run('payments.record', record({ kind: 'remboursement', receiptNumber: 'V-G07-26-000001', reason: 'x', allocations: [{ id: uuidv7(), invoiceId: oct, amountCents: 100 }] }))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' })
    await expect(run('payments.record', record({ receiptNumber: 'V-G07-26-000001' }))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' })
    await expect(run('payments.record', record({ amountCents: 0 }))).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' })
    expect(payments()).toBe(0)
  })
})
