import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PushResponseSchema, type EnrolResponse } from '@shared/sync/protocol'
import type { Row } from '@shared/sync/entities'
import { one, rows, type PortalDb } from '../../../src/portal/db/client'
import { EntityStore } from '../../../src/portal/db/store'
import { runInvoices } from '../../../src/portal/services/invoicing'
import { TEST_INSTANT } from '../../helpers/clock'
import { backends } from './backends'
import { adminToken, command, enrol, kids, siteIds, startTestPortal, type Kid, type TestPortal } from './helpers'
import type { Backend } from './backends'

/**
 * The portal's monthly invoice run (issue 12, item 2; docs/billing.md), over the real portal and
 * its database: the lines and totals of a small town priced by the town's grids, the numbering per
 * régie and year, idempotence, a run stopped half way and resumed, the credit note of an absence
 * justified after invoicing, direct debit; workstations keep syncing while a run goes on; an
 * online payment and a counter payment of the same invoice.
 */

const ORIGIN = { commandId: null, workstationId: null }
/** A school of the demo town (the bookings' site). */
let site = ''

async function insert(db: PortalDb, entity: 'tariffs' | 'reservations' | 'quotients' | 'dossiers' | 'families', list: Row[]): Promise<void> {
  await EntityStore.transaction(db, ORIGIN, (store) => store.insertMany(entity, list, { onConflict: 'update' }))
}

/** The test's canteen grid only: the town's default tariffs (seeded with the demo units) are switched off. */
async function useTestGrid(db: PortalDb): Promise<void> {
  const current = await rows<Row>(db, sql`SELECT * FROM tariffs`)
  await insert(db, 'tariffs', [...current.map((t) => ({ ...t, active: false })), CANTINE])
}

/** The canteen grid of the tests: brackets by QF, 3,50 € without QF, 5,49 € present without booking, 3,50 € dossier incomplete. */
const CANTINE: Row = {
  id: uuidv7(),
  unit_id: 'cantine',
  label: 'Restauration scolaire 2026-2027',
  valid_from: '2026-09-01',
  valid_to: null,
  residency: 'tous',
  kind: 'tranches',
  brackets: JSON.stringify([
    [0, 622, 100],
    [623, 1000, 330],
    [1001, 1500, 340],
    [1501, null, 350],
  ]),
  no_qf_cents: 350,
  rate_e4: null,
  min_cents: null,
  max_cents: null,
  penalty_cents: 549,
  incomplete_cents: 350,
  active: true,
  updated_at: '2026-08-01T00:00:00.000Z',
}

function booking(kid: Kid, date: string, extra: Partial<Row> = {}): Row {
  return {
    id: uuidv7(),
    family_id: kid.familyId,
    child_id: kid.childId,
    unit_id: 'cantine',
    site_id: site,
    date,
    state: 'reserve',
    channel: 'guichet',
    agent_id: null,
    workstation_id: null,
    created_at: '2026-10-01T08:00:00.000Z',
    updated_at: '2026-10-01T08:00:00.000Z',
    attendance: 'present',
    absence_certificate_date: null,
    attendance_by: null,
    attendance_at: null,
    override_reason: null,
    cancel_override_reason: null,
    cancelled_at: null,
    ...extra,
  }
}

const dossier = (kid: Kid): Row => ({
  id: uuidv7(),
  family_id: kid.familyId,
  school_year: '2026-2027',
  status: 'valide',
  validated_by: null,
  validated_at: null,
  created_at: '2026-08-20T08:00:00.000Z',
  updated_at: '2026-08-20T08:00:00.000Z',
})

const quotient = (kid: Kid, value: number): Row => ({
  id: uuidv7(),
  family_id: kid.familyId,
  value,
  source: 'caf',
  reference_month: '2026-08',
  valid_from: '2026-09-01',
  annual_income_cents: null,
  monthly_benefits_cents: null,
  parts_x2: null,
  document_id: null,
  agent_id: null,
  // Recorded in September: in force from October (never retroactive).
  created_at: '2026-09-10T08:00:00.000Z',
})

/** Mondays, Tuesdays, Thursdays and Fridays of a month (school canteen days; holidays aside). */
function canteenDays(month: string, skip: readonly string[] = []): string[] {
  const out: string[] = []
  for (let d = 1; d <= 31; d++) {
    const day = `${month}-${String(d).padStart(2, '0')}`
    const date = new Date(`${day}T12:00:00Z`)
    if (date.toISOString().slice(0, 10) !== day) break
    if ([1, 2, 4, 5].includes(date.getUTCDay()) && !skip.includes(day)) out.push(day)
  }
  return out
}

interface InvoiceOut {
  id: string
  number: string
  kind: string
  family_id: string
  month: string
  total_cents: number
  direct_debit: boolean
  due_on: string | null
  debit_on: string | null
  corrects_invoice_id: string | null
  payer_name: string
  payer_address: string
}

const invoicesOf = (db: PortalDb, month: string) =>
  rows<InvoiceOut>(
    db,
    sql`SELECT id, number, kind, family_id, month, total_cents::int AS total_cents, direct_debit, due_on, debit_on, corrects_invoice_id, payer_name, payer_address
        FROM invoices WHERE month = ${month} ORDER BY number`,
  )

const linesOf = (db: PortalDb, invoiceId: string) =>
  rows<{ kind: string; quantity: number; unit_price_cents: number; amount_cents: number; rule: string; dates: string }>(
    db,
    sql`SELECT kind, quantity, unit_price_cents, amount_cents, rule, dates FROM invoice_lines WHERE invoice_id = ${invoiceId} ORDER BY sort`,
  )

describe.each(backends)('the monthly invoice run ($name)', (backend) => {
  let t: TestPortal
  let admin: string
  let town: Kid[]
  let byId: Kid[]
  let families: number

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 12, seed: 21, now: () => new Date('2026-12-05T09:00:00Z') })
    site = (await siteIds(t.db))[0]!
    families = (await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM families`))!.n
    admin = await adminToken(t)
    town = await kids(t.db)
    byId = [...town].sort((a, b) => (a.familyId < b.familyId ? -1 : 1))
    await useTestGrid(t.db)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('bills a small town: lines and totals by the grid, payer snapshot, numbering F01-26-11-0000001… in family order, direct debit marked; a second run creates nothing', async () => {
    const [a, b, c] = byId as [Kid, Kid, Kid]
    // a: QF 850 (tranche 2, 3,30 €), complete dossier: 4 meals, a justified absence (certificate in time), present without booking once.
    // b: no QF (3,50 €), complete dossier, direct debit: 2 meals.
    // c: QF 500 but dossier incomplete: the maximum tariff 3,50 € × 3.
    await insert(t.db, 'quotients', [quotient(a, 850), quotient(c, 500)])
    await insert(t.db, 'dossiers', [dossier(a), dossier(b)])
    const family = await one<Row>(t.db, sql`SELECT * FROM families WHERE id = ${b.familyId}`)
    await insert(t.db, 'families', [{ ...family, direct_debit: true }])
    await insert(t.db, 'reservations', [
      ...['2026-11-03', '2026-11-05', '2026-11-06', '2026-11-10'].map((d) => booking(a, d)),
      booking(a, '2026-11-12', { attendance: 'absent_justifie', absence_certificate_date: '2026-11-13' }),
      booking(a, '2026-11-17', { state: 'sans_reservation', attendance: 'present' }),
      // Cancelled: nothing billed.
      booking(a, '2026-11-19', { state: 'annule', attendance: null }),
      ...['2026-11-03', '2026-11-05'].map((d) => booking(b, d)),
      ...['2026-11-03', '2026-11-05', '2026-11-06'].map((d) => booking(c, d, { attendance: null })),
    ])

    const progress: number[] = []
    const first = await runInvoices(t.db, '2026-11', { batchSize: 2, now: new Date('2026-12-01T05:00:00Z'), onProgress: (done) => progress.push(done) })
    expect(first).toMatchObject({ status: 'done', invoicesCreated: 3, creditNotesCreated: 0, totalCents: 4 * 330 + 549 + 2 * 350 + 3 * 350 })
    expect(progress).toEqual(Array.from({ length: families / 2 }, (_, i) => 2 * (i + 1)))

    const invoices = await invoicesOf(t.db, '2026-11')
    expect(invoices.map((i) => [i.number, i.family_id, Number(i.total_cents)])).toEqual([
      ['F01-26-11-0000001', a.familyId, 4 * 330 + 549],
      ['F01-26-11-0000002', b.familyId, 700],
      ['F01-26-11-0000003', c.familyId, 1050],
    ])
    const [ia, ib, ic] = invoices as [InvoiceOut, InvoiceOut, InvoiceOut]
    expect(ia).toMatchObject({ kind: 'facture', direct_debit: false, due_on: '2026-12-15', debit_on: null })
    expect(ib).toMatchObject({ direct_debit: true, debit_on: '2026-12-10' })
    // The payer's snapshot: the RL1's name, the family's address.
    const payer = await one<{ name: string; address: string }>(
      t.db,
      sql`SELECT p.first_names || ' ' || p.last_name AS name, f.address_line1 || ' ' || f.postcode || ' ' || f.city AS address
          FROM families f JOIN family_members m ON m.family_id = f.id AND m.role = 'RL1' JOIN persons p ON p.id = m.person_id WHERE f.id = ${a.familyId}`,
    )
    expect(ia.payer_name).toBe(payer?.name)
    expect(ia.payer_address.replace(/\n/g, ' ')).toContain(payer?.address.split(' ')[0])

    const lines = await linesOf(t.db, ia.id)
    expect(lines.map((l) => [l.kind, l.quantity, l.unit_price_cents, l.amount_cents])).toEqual([
      ['service', 4, 330, 1320],
      ['penalite', 1, 549, 549],
      ['absence_justifiee', 1, 0, 0],
    ])
    expect(lines[0]!.rule.replace(/\s/g, ' ')).toBe('QF 850 → tranche 2 : 3,30 € × 4 repas')
    expect(lines[0]!.dates).toBe('2026-11-03,2026-11-05,2026-11-06,2026-11-10')
    expect((await linesOf(t.db, ic.id))[0]!.rule).toContain('Dossier incomplet')
    expect((await linesOf(t.db, ib.id))[0]!.rule).toContain('Sans quotient familial')

    // Every invoice and line went through the change log: the workstations pull them.
    const logged = await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM changes WHERE entity IN ('invoices', 'invoice_lines')`)
    expect(logged?.n).toBe(3 + 5)

    // Idempotent: a second run creates nothing.
    const second = await runInvoices(t.db, '2026-11')
    expect(second).toMatchObject({ status: 'done', invoicesCreated: 0, creditNotesCreated: 0 })
    expect(await invoicesOf(t.db, '2026-11')).toHaveLength(3)

    // The admin API says where it stands.
    const status = await t.api<Record<string, unknown>>('GET', '/admin/invoice-runs/2026-11', { token: admin })
    expect(status.status).toBe(200)
    expect(status.body).toMatchObject({ month: '2026-11', status: 'done', familiesDone: families, inProgress: false })
  })

  it('a run stopped half way resumes: no duplicate, no gap in the numbers, the same totals as a run in one go', async () => {
    const month = '2026-10'
    const days = canteenDays(month, ['2026-10-19', '2026-10-20', '2026-10-22', '2026-10-23', '2026-10-26', '2026-10-27', '2026-10-29', '2026-10-30'])
    // Every family eats on the same days: at 3,50 € (no QF counted in October for most, see quotient()).
    await insert(t.db, 'reservations', byId.flatMap((k) => days.map((d) => booking(k, d))))

    const stop = new AbortController()
    const stopped = await runInvoices(t.db, month, {
      batchSize: 3,
      signal: stop.signal,
      onProgress: (done) => {
        if (done >= 6) stop.abort()
      },
    })
    expect(stopped.status).toBe('aborted')
    expect(stopped.invoicesCreated).toBe(6)
    const half = await t.api<Record<string, unknown>>('GET', `/admin/invoice-runs/${month}`, { token: admin })
    expect(half.body).toMatchObject({ status: 'failed', familiesDone: 6, invoicesCreated: 6 })

    const resumed = await runInvoices(t.db, month, { batchSize: 3 })
    expect(resumed).toMatchObject({ status: 'done', families: families - 6, invoicesCreated: byId.length - 6 })
    const invoices = await invoicesOf(t.db, month)
    expect(invoices).toHaveLength(byId.length)
    // One series per régie and YEAR: November took 1 to 3, October goes on from 4, without a gap.
    expect(invoices.map((i) => i.number)).toEqual(byId.map((_, i) => `F01-26-10-${String(4 + i).padStart(7, '0')}`))
    // One invoice per family, in family order (the first six before the stop, the rest after it).
    expect(invoices.map((i) => i.family_id)).toEqual(byId.map((k) => k.familyId))
    // The same totals as an uninterrupted run: each family's days at its price.
    const expected = new Map<string, number>()
    for (const k of byId) expected.set(k.familyId, days.length * 350)
    // a (QF 850 recorded in September) pays tranche 2 in October; c (QF 500) keeps the incomplete-dossier price.
    expected.set(byId[0]!.familyId, days.length * 330)
    expect(Object.fromEntries(invoices.map((i) => [i.family_id, Number(i.total_cents)]))).toEqual(Object.fromEntries(expected))
    const run = await t.api<Record<string, unknown>>('GET', `/admin/invoice-runs/${month}`, { token: admin })
    expect(run.body).toMatchObject({ status: 'done', familiesDone: families, invoicesCreated: byId.length, totalCents: [...expected.values()].reduce((s, v) => s + v, 0) })
  })

  it('an absence justified after invoicing gives a credit note (avoir) at the next run; the invoice is never edited', async () => {
    const a = byId[0]!
    const [invoice] = (await invoicesOf(t.db, '2026-11')).filter((i) => i.family_id === a.familyId)
    const before = await linesOf(t.db, invoice!.id)
    // The certificate for Tuesday 10/11 comes in time (11/11), but after the invoice.
    const late = await one<Row>(t.db, sql`SELECT * FROM reservations WHERE child_id = ${a.childId} AND date = '2026-11-10' AND unit_id = 'cantine'`)
    const later = '2026-12-02T10:00:00.000Z'
    await insert(t.db, 'reservations', [{ ...late, attendance: 'absent_justifie', absence_certificate_date: '2026-11-11', updated_at: later }])

    const december = await runInvoices(t.db, '2026-12', { now: new Date('2027-01-02T05:00:00Z') })
    expect(december.creditNotesCreated).toBe(1)
    const avoirs = (await invoicesOf(t.db, '2026-11')).filter((i) => i.kind === 'avoir')
    expect(avoirs).toHaveLength(1)
    expect(avoirs[0]).toMatchObject({ number: 'A01-26-12-0000001', corrects_invoice_id: invoice!.id, family_id: a.familyId })
    expect(Number(avoirs[0]!.total_cents)).toBe(330)
    const lines = await linesOf(t.db, avoirs[0]!.id)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({ kind: 'regularisation', amount_cents: 330 })
    expect(lines[0]!.rule).toContain('F01-26-11-0000001')
    expect(lines[0]!.rule).toContain('10/11')
    // The invoice itself did not change.
    expect(await linesOf(t.db, invoice!.id)).toEqual(before)
    expect(Number((await invoicesOf(t.db, '2026-11')).find((i) => i.id === invoice!.id)!.total_cents)).toBe(Number(invoice!.total_cents))
    // Run again: no second credit note.
    expect((await runInvoices(t.db, '2026-12', { now: new Date('2027-01-02T06:00:00Z') })).creditNotesCreated).toBe(0)
    expect((await invoicesOf(t.db, '2026-11')).filter((i) => i.kind === 'avoir')).toHaveLength(1)

    // A second absence justified late (a day the invoice billed): a second credit note for that
    // day only, whose lines add up to its total (the first one's day is not credited again).
    const second = await one<Row>(
      t.db,
      sql`SELECT * FROM reservations WHERE child_id = ${a.childId} AND unit_id = 'cantine' AND date LIKE '2026-11-%' AND date <> '2026-11-10'
           AND state = 'reserve' AND attendance IS DISTINCT FROM 'absent_justifie' ORDER BY date LIMIT 1`,
    )
    const day = String(second!.date)
    const billedAt = before.find((l) => l.dates.split(',').includes(day) && Number(l.amount_cents) > 0)!
    await insert(t.db, 'reservations', [{ ...second, attendance: 'absent_justifie', absence_certificate_date: day, updated_at: '2026-12-03T10:00:00.000Z' }])
    expect((await runInvoices(t.db, '2026-12', { now: new Date('2027-01-02T07:00:00Z') })).creditNotesCreated).toBe(1)
    const both = (await invoicesOf(t.db, '2026-11')).filter((i) => i.kind === 'avoir')
    expect(both).toHaveLength(2)
    expect(Number(both[1]!.total_cents)).toBe(Number(billedAt.unit_price_cents))
    const secondLines = await linesOf(t.db, both[1]!.id)
    expect(secondLines.reduce((sum, l) => sum + Number(l.amount_cents), 0)).toBe(Number(both[1]!.total_cents))
    expect(secondLines).toHaveLength(1)
    expect(secondLines[0]!.rule).toContain(`${day.slice(8, 10)}/${day.slice(5, 7)}`)
    expect(secondLines[0]!.rule).not.toContain('10/11')
  })

  it('a responsable starts a run through the admin API (validated, admin only) and follows it to its end', async () => {
    expect((await t.api('POST', '/admin/invoice-runs', { body: { month: '2026-09' } })).status).toBe(401)
    const bad = await t.api<{ error: { message: string } }>('POST', '/admin/invoice-runs', { token: admin, body: { month: '2026-13' } })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('AAAA-MM')
    const started = await t.api<{ month: string; status: string }>('POST', '/admin/invoice-runs', { token: admin, body: { month: '2026-09' } })
    expect(started.status, JSON.stringify(started.body)).toBe(202)
    // A small town: it may already be done when the answer leaves.
    expect(started.body.month).toBe('2026-09')
    expect(['running', 'done']).toContain(started.body.status)
    let status: { status: string; familiesDone: number; inProgress: boolean } | null = null
    for (let i = 0; i < 200; i++) {
      status = (await t.api<{ status: string; familiesDone: number; inProgress: boolean }>('GET', '/admin/invoice-runs/2026-09', { token: admin })).body
      if (status.status === 'done' && !status.inProgress) break
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    expect(status).toMatchObject({ status: 'done', familiesDone: families, inProgress: false })
    expect((await t.api('GET', '/admin/invoice-runs/2025-01', { token: admin })).status).toBe(404)
  })

  it('a responsable makes a credit note through the admin API (validated, at most what the invoice still bills)', async () => {
    const c = byId[2]!
    const [invoice] = (await invoicesOf(t.db, '2026-11')).filter((i) => i.family_id === c.familyId)
    const path = `/admin/invoices/${invoice!.id}/credit-notes`
    expect((await t.api('POST', path, { body: { reason: 'Geste commercial' } })).status).toBe(401)
    const bad = await t.api<{ error: { message: string } }>('POST', path, { token: admin, body: { amountCents: -5, reason: 'x' } })
    expect(bad.status).toBe(400)
    const tooMuch = await t.api<{ error: { message: string } }>('POST', path, { token: admin, body: { amountCents: 999_999, reason: 'Erreur de pointage' } })
    expect(tooMuch.status).toBe(400)
    expect(tooMuch.body.error.message).toContain('au plus 10,50 €')
    const made = await t.api<{ id: string; number: string }>('POST', path, { token: admin, body: { amountCents: 350, reason: 'Erreur de pointage du 03/11' } })
    expect(made.status, JSON.stringify(made.body)).toBe(201)
    expect(made.body.number).toBe('A01-26-12-0000003')
    const note = await one<{ total: number; reason: string; kind: string }>(t.db, sql`SELECT total_cents::int AS total, reason, kind FROM invoices WHERE id = ${made.body.id}`)
    expect(note).toEqual({ total: 350, reason: 'Erreur de pointage du 03/11', kind: 'avoir' })
    const unknown = await t.api('POST', `/admin/invoices/${uuidv7()}/credit-notes`, { token: admin, body: { reason: 'Erreur' } })
    expect(unknown.status).toBe(404)
  })
})

describe.each(backends)('workstations keep syncing during an invoice run ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 300, seed: 8, now: () => new Date(TEST_INSTANT) })
    ws = await enrol(t)
    site = (await siteIds(t.db))[0]!
    await useTestGrid(t.db)
    const children = await rows<{ family_id: string; person_id: string }>(t.db, sql`SELECT family_id, person_id FROM family_members WHERE role = 'enfant'`)
    const days = canteenDays('2026-11', ['2026-11-02', '2026-11-11'])
    const list = children.flatMap((c) => days.map((d) => booking({ familyId: c.family_id, childId: c.person_id, code: '' }, d)))
    for (let i = 0; i < list.length; i += 5000) await insert(t.db, 'reservations', list.slice(i, i + 5000))
  }, 120_000)
  afterAll(async () => {
    await t?.cleanup()
  })

  it('a push is answered within 2 s while a run is in progress', async () => {
    const kid = await one<{ familyId: string; childId: string; siteId: string }>(
      t.db,
      sql`SELECT family_id AS "familyId", child_id AS "childId", site_id AS "siteId" FROM inscriptions WHERE unit_id = 'cantine' ORDER BY id LIMIT 1`,
    )
    const run = runInvoices(t.db, '2026-11', { batchSize: 10 })
    // The run has started (its row exists), and works through its batches.
    for (let i = 0; i < 500; i++) {
      if (await one(t.db, sql`SELECT 1 FROM invoice_runs WHERE month = '2026-11'`)) break
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = performance.now()
    const payload = { id: uuidv7(), familyId: kid!.familyId, childId: kid!.childId, unitId: 'cantine', siteId: kid!.siteId, date: '2026-12-07' }
    const res = await t.api('POST', '/sync/push', {
      token: ws.token,
      body: { schemaVersion: 1, commands: [{ ...command(1, 'reservations.book', payload), at: new Date(new Date(TEST_INSTANT).getTime() - 60_000).toISOString() }] },
    })
    const ms = performance.now() - started
    const status = await one<{ status: string; done: number }>(t.db, sql`SELECT status, families_done AS done FROM invoice_runs WHERE month = '2026-11'`)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    expect(PushResponseSchema.parse(res.body).results[0]!.status).toBe('applied')
    // Answered while the run was still going on (not after it), and quickly.
    expect(status?.status).toBe('running')
    expect(ms).toBeLessThan(2000)
    const result = await run
    expect(result.status).toBe('done')
    expect(result.invoicesCreated).toBeGreaterThan(200)
  }, 120_000)
})

describe.each(backends)('online payment of an invoice, and a counter payment of the same invoice ($name)', (backend: Backend) => {
  const SECRET = 'secret-de-test-partage-avec-le-prestataire-simule'
  let t: TestPortal
  let admin: string
  let ws: EnrolResponse
  let byId: Kid[]
  let invoices: InvoiceOut[]

  async function familySession(kid: Kid): Promise<string> {
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Famille-paie-2026' } })
    return login.body.token
  }

  const unescapeHtml = (x: string) => x.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')

  /** The simulated provider's page, then "Payer", as a browser would: its signed notification reaches the portal. */
  async function pay(redirectUrl: string): Promise<void> {
    const html = await (await fetch(redirectUrl)).text()
    const action = unescapeHtml([...html.matchAll(/<form method="post" action="([^"]+)"><button[^>]*>Payer<\/button><\/form>/g)][0]![1]!)
    const result = await fetch(`${t.portal.url}${action}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' })
    expect(await result.text()).toContain('Le portail a bien reçu l’avis de paiement.')
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 8, seed: 11, now: () => new Date('2026-12-05T09:00:00Z'), portal: { payments: 'simulated', paymentsSecret: SECRET } })
    admin = await adminToken(t)
    ws = await enrol(t)
    site = (await siteIds(t.db))[0]!
    byId = [...(await kids(t.db))].sort((a, b) => (a.familyId < b.familyId ? -1 : 1))
    await useTestGrid(t.db)
    const [a, b] = byId as [Kid, Kid]
    const family = await one<Row>(t.db, sql`SELECT * FROM families WHERE id = ${b.familyId}`)
    await insert(t.db, 'families', [{ ...family, direct_debit: true }])
    await insert(t.db, 'dossiers', [dossier(a), dossier(b)])
    await insert(t.db, 'reservations', [...['2026-11-03', '2026-11-05', '2026-11-06'].map((d) => booking(a, d)), booking(b, '2026-11-03')])
    await runInvoices(t.db, '2026-11', { now: new Date('2026-12-01T05:00:00Z') })
    invoices = await invoicesOf(t.db, '2026-11')
  }, 60_000)
  afterAll(async () => {
    await t?.cleanup()
  })

  it('a payment order is for an invoice’s remaining amount; one for a direct-debit invoice, another family’s or a settled one is refused in French', async () => {
    const [a, b] = byId as [Kid, Kid]
    const ia = invoices.find((i) => i.family_id === a.familyId)!
    const ib = invoices.find((i) => i.family_id === b.familyId)!
    const tokenA = await familySession(a)
    const tokenB = await familySession(b)
    const other = await t.api<{ error: { message: string } }>('POST', '/family/payment-orders', { token: tokenA, body: { invoiceId: ib.id } })
    expect(other.status).toBe(404)
    expect(other.body.error.message).toBe('Facture introuvable pour votre famille.')
    const debit = await t.api<{ error: { message: string } }>('POST', '/family/payment-orders', { token: tokenB, body: { invoiceId: ib.id } })
    expect(debit.status).toBe(409)
    expect(debit.body.error.message).toContain('réglée par prélèvement automatique')
    const started = await t.api<{ order: { amountCents: number; invoiceId: string }; redirectUrl: string }>('POST', '/family/payment-orders', {
      token: tokenA,
      body: { invoiceId: ia.id },
    })
    expect(started.status, JSON.stringify(started.body)).toBe(201)
    expect(started.body.order).toMatchObject({ amountCents: 3 * 350, invoiceId: ia.id })
    await pay(started.body.redirectUrl)
    const allocations = await rows<{ amount: number; method: string }>(
      t.db,
      sql`SELECT a.amount_cents::int AS amount, p.method FROM payment_allocations a JOIN payments p ON p.id = a.payment_id WHERE a.invoice_id = ${ia.id}`,
    )
    expect(allocations).toEqual([{ amount: 1050, method: 'en_ligne' }])
    const settled = await t.api<{ error: { message: string } }>('POST', '/family/payment-orders', { token: tokenA, body: { invoiceId: ia.id } })
    expect(settled.status).toBe(409)
    expect(settled.body.error.message).toBe(`La facture ${ia.number} est déjà réglée : il ne reste rien à payer.`)
  })

  it('the portal flags, and does not undo, a payment whose invoice was meanwhile settled online', async () => {
    const a = byId[0]!
    const ia = invoices.find((i) => i.family_id === a.familyId)!
    // The counter, offline since before the online payment, took a cheque for the same invoice.
    const cashDayId = uuidv7()
    const paymentId = uuidv7()
    const at = '2026-12-05T08:30:00.000Z'
    const res = await t.api('POST', '/sync/push', {
      token: ws.token,
      body: {
        schemaVersion: 1,
        commands: [
          { ...command(1, 'cashdesk.open', { id: cashDayId, day: '2026-12-05', floatCents: 5000 }), at },
          {
            ...command(2, 'payments.record', {
              id: paymentId,
              familyId: a.familyId,
              kind: 'paiement',
              method: 'cheque',
              amountCents: 1050,
              receiptNumber: `R-${ws.receiptSeries}-26-000001`,
              cashDayId,
              paidAt: at,
              tenderedCents: null,
              changeCents: null,
              cheque: { bank: 'Banque Postale', number: '1234567', drawer: 'M. Test' },
              terminalRef: null,
              reason: null,
              allocations: [{ id: uuidv7(), invoiceId: ia.id, amountCents: 1050 }],
            }),
            at,
          },
        ],
      },
    })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const results = PushResponseSchema.parse(res.body).results
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied'])
    // Kept: the payment and its receipt number; its allocation reduced to what remained (nothing).
    const payment = await one<{ amount: number; receipt: string }>(t.db, sql`SELECT amount_cents::int AS amount, receipt_number AS receipt FROM payments WHERE id = ${paymentId}`)
    expect(payment).toEqual({ amount: 1050, receipt: `R-${ws.receiptSeries}-26-000001` })
    const allocated = await one<{ n: number }>(t.db, sql`SELECT coalesce(sum(amount_cents), 0)::int AS n FROM payment_allocations WHERE payment_id = ${paymentId}`)
    expect(allocated?.n).toBe(0)
    const flag = await one<{ code: string; reason: string; status: string }>(t.db, sql`SELECT code, reason, status FROM flags WHERE code = 'INVOICE_ALREADY_SETTLED' AND family_id = ${a.familyId}`)
    expect(flag).toMatchObject({ code: 'INVOICE_ALREADY_SETTLED', status: 'open' })
    // The online payment stays allocated: the invoice is paid once.
    const online = await one<{ n: number }>(t.db, sql`SELECT sum(a.amount_cents)::int AS n FROM payment_allocations a WHERE a.invoice_id = ${ia.id}`)
    expect(online?.n).toBe(1050)
  })
})
