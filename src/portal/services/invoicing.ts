import { sql, type SQL } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { lockKeys } from '@shared/commands'
import { parisDay } from '@shared/domain/dates'
import { billMonth, type BillingInput, type LineDraft } from '@shared/domain/invoicing'
import { invoiceNumber, invoiceSeriesName } from '@shared/domain/numbering'
import { parseTariff, type Tariff } from '@shared/domain/pricing'
import { DEFAULT_TOWN_OPTIONS } from '@shared/domain/documentDefaults'
import type { Row } from '@shared/sync/entities'
import { safeErrorMessage } from '../../common/redact'
import { fastRows, one, rows, type PortalDb } from '../db/client'
import { EntityStore, retryConflicts } from '../db/store'
import { invalid, notFound, rejected as conflict } from '../http/errors'

/**
 * The portal's monthly invoice run (docs/billing.md "Portal: invoice runs and online payments").
 *
 * `runInvoices(db, '2026-11')` bills every family, in id order, by batches of families: one
 * transaction per batch that reads the batch's bookings, children, quotients, dossiers and
 * invoices in a few statements, prices them with the shared pure rules (billMonth), takes a block
 * of invoice numbers from the régie's yearly series (`invoice_01_26`: rolled back with the batch,
 * so no gap), inserts the invoices and their lines with one statement per table (each row with
 * its change-log row: they sync down to the workstations), and moves the run's cursor
 * (invoice_runs.cursor = the batch's last family id) in the same transaction.
 *
 * - Idempotent: an invoice carries run_key "2026-11|<family id>" (unique); a family already billed
 *   for the month is skipped. A second run creates nothing.
 * - Resumable: a run stopped (AbortSignal, crash) resumes after its cursor; a done run runs again
 *   from the start (it only adds what is missing: new families, late credit notes).
 * - Never edits an invoice: a booking of one of the two previous months changed after its invoice
 *   (an absence justified late) re-bills that month; a lower amount gives a credit note (avoir,
 *   A01-26-11-…) with regularisation lines for the difference.
 * - Short transactions: workstations keep pushing while it runs (each batch holds its families'
 *   keys and, at its end, the change-log append, for a fraction of a second).
 */

export const DEFAULT_INVOICE_BATCH = 250
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/

export interface InvoiceRunResult {
  month: string
  status: 'done' | 'aborted'
  /** Families looked at by this call. */
  families: number
  invoicesCreated: number
  creditNotesCreated: number
  /** Sum of the invoices this call created (cents). */
  totalCents: number
  seconds: number
}

export interface InvoiceRunStatus {
  month: string
  status: 'running' | 'done' | 'failed'
  cursor: string | null
  familiesDone: number
  invoicesCreated: number
  creditNotesCreated: number
  totalCents: number
  startedAt: string
  finishedAt: string | null
  error: string | null
}

export interface RunOptions {
  batchSize?: number
  now?: Date
  onProgress?(done: number, total: number): void
  signal?: AbortSignal
}

export function checkMonth(month: string): void {
  if (!MONTH.test(month)) throw invalid(`Mois invalide : « ${month} » (AAAA-MM attendu, par exemple 2026-11).`)
}

/** "2026-11" shifted by n months. */
export function addMonths(month: string, n: number): string {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7)) - 1 + n
  const yy = y + Math.floor(m / 12)
  const mm = ((m % 12) + 12) % 12
  return `${yy}-${String(mm + 1).padStart(2, '0')}`
}

function lastDayOf(month: string): string {
  const y = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7))
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
const int = (v: unknown): number => Number(v ?? 0)
const bool = (v: unknown): boolean => v === true || v === 1 || v === 't' || v === 'true'

/** The town's billing options (régie, certificate delay, due and debit days). */
export interface BillingOptions {
  regie: number
  certificateDelayDays: number
  dueDay: number
  debitDay: number
}

export async function billingOptions(db: PortalDb): Promise<BillingOptions> {
  const found = await rows<{ id: string; value: string }>(db, sql`SELECT id, value FROM town_options WHERE id LIKE 'billing.%'`)
  const defaults = DEFAULT_TOWN_OPTIONS as Record<string, string | undefined>
  const get = (key: string, fallback: number, min: number, max: number): number => {
    const raw = found.find((o) => o.id === key)?.value ?? defaults[key]
    const n = Number(raw)
    return Number.isInteger(n) && n >= min && n <= max ? n : fallback
  }
  return {
    regie: get('billing.regie', 1, 1, 99),
    certificateDelayDays: get('billing.certificate_delay_days', 8, 0, 365),
    dueDay: get('billing.due_day', 15, 1, 28),
    debitDay: get('billing.debit_day', 10, 1, 28),
  }
}

function json(ids: readonly string[]): string {
  return JSON.stringify(ids)
}
const ANY = (col: string) => sql.raw(`${col} = ANY (ARRAY(SELECT jsonb_array_elements_text(`)

/** Town-wide data of a run: units and tariffs (read once). */
interface TownData {
  units: BillingInput['units']
  tariffs: Tariff[]
}

async function townData(db: PortalDb): Promise<TownData> {
  const units = await fastRows<{ id: string; label: string; childcare: boolean | null; leisure: boolean | null }>(
    db,
    sql`SELECT id, label, childcare, leisure FROM units ORDER BY id`,
  )
  const tariffRows = await fastRows<Record<string, unknown>>(db, sql`SELECT * FROM tariffs WHERE active IS NOT FALSE ORDER BY id`)
  return {
    units: units.map((u) => ({ id: u.id, label: u.label, childcare: bool(u.childcare), leisure: bool(u.leisure) })),
    // A grid that does not read (edited by hand in the database) prices nothing: its days get a
    // zero line "Aucun tarif en vigueur" rather than stopping the whole run.
    tariffs: tariffRows.flatMap((r) => {
      try {
        return [parseTariff(r as Row)]
      } catch {
        return []
      }
    }),
  }
}

interface FamilyRow {
  id: string
  resident: boolean | null
  direct_debit: boolean | null
  payer_person_id: string | null
  address_line1: string | null
  address_line2: string | null
  postcode: string | null
  city: string | null
}

interface ReservationRow {
  id: string
  family_id: string
  child_id: string
  unit_id: string
  date: string
  state: string
  attendance: string | null
  absence_certificate_date: string | null
}

interface InvoiceRow {
  id: string
  number: string
  family_id: string
  month: string
  total_cents: number
  created_at: string
  credited: number
}

/** What one batch read: everything billMonth needs for its families, in a few statements. */
interface BatchData {
  families: FamilyRow[]
  persons: Map<string, { first_names: string | null; last_name: string | null; birth_date: string | null }>
  rl1: Map<string, string>
  children: Map<string, string[]>
  quotients: Map<string, Array<{ family_id: string; value: number; valid_from: string; created_at: string }>>
  dossiers: Map<string, Array<{ school_year: string; status: string }>>
  reservations: Map<string, ReservationRow[]>
  /** Invoices of the two previous months whose bookings changed after them (to bill again). */
  stale: InvoiceRow[]
  /** Invoices (factures) of the batch's families for the month and the two before, with their credit notes' sum. */
  invoices: Map<string, InvoiceRow[]>
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

interface GroupedRow {
  family_id: string
  child_id: string
  unit_id: string
  state: string
  attendance: string | null
  absence_certificate_date: string | null
  dates: string
}

function ungroup(groups: readonly GroupedRow[]): ReservationRow[] {
  const out: ReservationRow[] = []
  for (const g of groups) {
    for (const date of g.dates.split(',')) {
      out.push({
        id: `${g.child_id}|${g.unit_id}|${date}`,
        family_id: g.family_id,
        child_id: g.child_id,
        unit_id: g.unit_id,
        date,
        state: g.state,
        attendance: g.attendance,
        absence_certificate_date: g.absence_certificate_date,
      })
    }
  }
  return out
}

async function readBatch(tx: PortalDb, families: FamilyRow[], month: string, after: string | null): Promise<BatchData> {
  // The batch is every family with an id in (after, last]: range predicates on the family_id
  // indexes (rows of merged families in the range are read, and ignored).
  const last = families[families.length - 1]!.id
  const inBatch = (col: string) => sql`${sql.raw(col)} > ${after ?? ''} AND ${sql.raw(col)} <= ${last}`
  const members = await fastRows<{ family_id: string; person_id: string; role: string }>(
    tx,
    sql`SELECT family_id, person_id, role FROM family_members WHERE ${inBatch('family_id')} AND role IN ('enfant', 'RL1')`,
  )
  const invoices = (
    await fastRows<InvoiceRow>(
      tx,
      sql`SELECT i.id, i.number, i.family_id, i.month, i.total_cents, i.created_at,
            coalesce((SELECT sum(a.total_cents) FROM invoices a WHERE a.corrects_invoice_id = i.id), 0) AS credited
          FROM invoices i
          WHERE ${inBatch('i.family_id')} AND i.kind = 'facture' AND i.month >= ${addMonths(month, -2)} AND i.month <= ${month}`,
    )
  ).map((i) => ({ ...i, total_cents: int(i.total_cents), credited: int(i.credited) }))
  // The bookings travel grouped (child, service, state, attendance, certificate → their days): a
  // tenth of the rows to read and parse; each day becomes a booking again for the pricing.
  const billable = sql`state IN ('reserve', 'sans_reservation')`
  const grouped = (where: SQL) =>
    sql`SELECT family_id, child_id, unit_id, state, attendance, absence_certificate_date, string_agg(date, ',') AS dates
        FROM reservations WHERE ${where} AND ${billable}
        GROUP BY family_id, child_id, unit_id, state, attendance, absence_certificate_date`
  const reservations = ungroup(
    await fastRows<GroupedRow>(tx, grouped(sql`${inBatch('family_id')} AND date >= ${`${month}-01`} AND date <= ${lastDayOf(month)}`)),
  )
  // The two previous months: only the family-months whose bookings changed after their invoice
  // are read in full (to bill them again); most have none.
  const previous = invoices.filter((i) => i.month !== month && i.total_cents - i.credited > 0)
  let stale: InvoiceRow[] = []
  if (previous.length > 0) {
    const since = previous.reduce((m, i) => (i.created_at < m ? i.created_at : m), previous[0]!.created_at)
    const changed = await fastRows<{ family_id: string; date: string; updated_at: string }>(
      tx,
      sql`SELECT family_id, date, updated_at FROM reservations
          WHERE ${inBatch('family_id')} AND date >= ${`${addMonths(month, -2)}-01`} AND date < ${`${month}-01`} AND updated_at > ${since}`,
    )
    stale = previous.filter((i) => changed.some((r) => r.family_id === i.family_id && r.date.startsWith(i.month) && r.updated_at > i.created_at))
    for (const i of stale) {
      reservations.push(
        ...ungroup(await fastRows<GroupedRow>(tx, grouped(sql`family_id = ${i.family_id} AND date >= ${`${i.month}-01`} AND date <= ${lastDayOf(i.month)}`))),
      )
    }
  }
  // The people of the batch's families (children, guardians: payers are guardians), by the same
  // range; a child booked by a family it is not a member of (or a payer elsewhere) is read by id.
  const persons = await fastRows<{ id: string; first_names: string | null; last_name: string | null; birth_date: string | null }>(
    tx,
    sql`SELECT p.id, p.first_names, p.last_name, p.birth_date FROM family_members m JOIN persons p ON p.id = m.person_id
        WHERE ${inBatch('m.family_id')} AND m.role IN ('enfant', 'RL1', 'RL2')`,
  )
  const known = new Set(persons.map((p) => p.id))
  const missing = new Set<string>()
  for (const r of reservations) if (!known.has(r.child_id)) missing.add(r.child_id)
  for (const f of families) if (f.payer_person_id && !known.has(f.payer_person_id)) missing.add(f.payer_person_id)
  if (missing.size > 0) {
    persons.push(
      ...(await fastRows<{ id: string; first_names: string | null; last_name: string | null; birth_date: string | null }>(
        tx,
        sql`SELECT id, first_names, last_name, birth_date FROM persons WHERE ${ANY('id')}${json([...missing])}::jsonb)))`,
      )),
    )
  }
  const quotients = (
    await fastRows<{ family_id: string; value: unknown; valid_from: string; created_at: string }>(
      tx,
      sql`SELECT family_id, value, valid_from, created_at FROM quotients WHERE ${inBatch('family_id')}`,
    )
  ).map((q) => ({ ...q, value: Number(q.value) }))
  const dossiers = await fastRows<{ family_id: string; school_year: string; status: string }>(
    tx,
    sql`SELECT family_id, school_year, status FROM dossiers WHERE ${inBatch('family_id')}`,
  )
  const rl1 = new Map<string, string>()
  for (const m of members) if (m.role === 'RL1' && !rl1.has(m.family_id)) rl1.set(m.family_id, m.person_id)
  return {
    families,
    stale,
    persons: new Map(persons.map((p) => [p.id, p])),
    rl1,
    children: new Map([...groupBy(members.filter((m) => m.role === 'enfant'), (m) => m.family_id)].map(([k, v]) => [k, v.map((m) => m.person_id)])),
    quotients: groupBy(quotients, (q) => q.family_id),
    dossiers: groupBy(dossiers, (d) => d.family_id),
    reservations: groupBy(reservations, (r) => r.family_id),
    invoices: groupBy(invoices, (i) => i.family_id),
  }
}

function personName(p: { first_names: string | null; last_name: string | null } | undefined): string {
  if (!p) return ''
  return `${p.first_names ?? ''} ${p.last_name ?? ''}`.trim()
}

function billingInput(data: BatchData, town: TownData, family: FamilyRow, month: string, delay: number): BillingInput {
  const reservations = (data.reservations.get(family.id) ?? []).filter((r) => r.date.startsWith(month))
  const childIds = new Set(data.children.get(family.id) ?? [])
  for (const r of reservations) childIds.add(r.child_id)
  return {
    month,
    family: { id: family.id, resident: family.resident !== false },
    children: [...childIds].map((id) => {
      const p = data.persons.get(id)
      return { id, name: personName(p), birthDate: p?.birth_date ?? '' }
    }),
    units: town.units,
    tariffs: town.tariffs,
    quotients: data.quotients.get(family.id) ?? [],
    dossiers: data.dossiers.get(family.id) ?? [],
    reservations: reservations.map((r) => ({
      id: r.id,
      child_id: r.child_id,
      unit_id: r.unit_id,
      date: r.date,
      state: r.state,
      attendance: r.attendance,
      absence_certificate_date: r.absence_certificate_date,
    })) as BillingInput['reservations'],
    certificateDelayDays: delay,
  }
}

function payerOf(data: BatchData, family: FamilyRow): { id: string | null; name: string; address: string } {
  const id = family.payer_person_id ?? data.rl1.get(family.id) ?? null
  const address = [family.address_line1, family.address_line2, [family.postcode, family.city].filter(Boolean).join(' ')]
    .map((s) => (s ?? '').trim())
    .filter((s) => s !== '')
    .join('\n')
  return { id, name: id ? personName(data.persons.get(id)) : '', address }
}

/** Takes `count` numbers of a portal series at once (the same counters as EntityStore.nextNumber): the first one. */
async function takeNumbers(tx: PortalDb, series: string, count: number): Promise<number> {
  if (!/^[a-z0-9_]{1,40}$/.test(series)) throw new Error(`Invalid series name ${series}`)
  const [row] = await fastRows<{ value: string | number }>(
    tx,
    sql`INSERT INTO counters (name, value) VALUES (${`series:${series}`}, ${count})
        ON CONFLICT (name) DO UPDATE SET value = counters.value + ${count} RETURNING value`,
  )
  return Number(row?.value) - count + 1
}

function lineRows(invoiceId: string, familyId: string, lines: readonly LineDraft[]): Row[] {
  return lines.map((l, i) => ({
    id: uuidv7(),
    invoice_id: invoiceId,
    family_id: familyId,
    child_id: l.childId,
    child_name: l.childName,
    unit_id: l.unitId,
    kind: l.kind,
    quantity: l.quantity,
    unit_price_cents: l.unitPriceCents,
    amount_cents: l.amountCents,
    rule: l.rule,
    dates: l.dates.join(','),
    cesu: l.cesu,
    leisure: l.leisure,
    sort: l.sort ?? i,
  }))
}

const frDay = (day: string): string => `${day.slice(8, 10)}/${day.slice(5, 7)}`

/**
 * The regularisation lines of a re-billed month: per child and service, what the invoice billed
 * more than the month now costs (an absence justified after invoicing).
 */
function regularisationLines(
  invoice: InvoiceRow,
  oldLines: readonly Row[],
  fresh: readonly LineDraft[],
  creditedLines: readonly Row[],
  cap: number,
): Array<Omit<LineDraft, 'sort'> & { sort: number }> {
  const key = (child: string, unit: string) => `${child}|${unit}`
  const old = new Map<string, { amount: number; childName: string; unitId: string; childId: string; billed: Set<string>; cesu: boolean; leisure: boolean }>()
  for (const l of oldLines) {
    const k = key(String(l.child_id), String(l.unit_id))
    const e = old.get(k) ?? { amount: 0, childName: String(l.child_name ?? ''), unitId: String(l.unit_id), childId: String(l.child_id), billed: new Set<string>(), cesu: bool(l.cesu), leisure: bool(l.leisure) }
    e.amount += int(l.amount_cents)
    if (int(l.amount_cents) > 0) for (const d of String(l.dates ?? '').split(',').filter(Boolean)) e.billed.add(d)
    old.set(k, e)
  }
  // What earlier credit notes of this invoice already gave back, per child and service (and
  // their days): a second late absence credits only itself.
  for (const l of creditedLines) {
    const e = old.get(key(String(l.child_id), String(l.unit_id)))
    if (!e) continue
    e.amount -= int(l.amount_cents)
    for (const d of String(l.dates ?? '').split(',').filter(Boolean)) e.billed.delete(d)
  }
  const now = new Map<string, { amount: number; unbilled: Set<string>; unitLabel: string }>()
  for (const l of fresh) {
    const k = key(l.childId, l.unitId)
    const e = now.get(k) ?? { amount: 0, unbilled: new Set<string>(), unitLabel: l.unitLabel }
    e.amount += l.amountCents
    if (l.amountCents === 0) for (const d of l.dates) e.unbilled.add(d)
    now.set(k, e)
  }
  const out: Array<Omit<LineDraft, 'sort'> & { sort: number }> = []
  // The lines add up to the credit note's total: at most `cap` (what the invoice still bills).
  let left = cap
  for (const [k, o] of old) {
    const n = now.get(k)
    const diff = Math.min(left, o.amount - (n?.amount ?? 0))
    if (diff <= 0) continue
    left -= diff
    const days = [...(n?.unbilled ?? [])].filter((d) => o.billed.has(d)).sort()
    const which = days.length > 0 ? ` (${days.map(frDay).join(', ')})` : ''
    out.push({
      childId: o.childId,
      childName: o.childName,
      unitId: o.unitId,
      unitLabel: n?.unitLabel ?? o.unitId,
      kind: 'regularisation',
      quantity: 1,
      unitPriceCents: diff,
      amountCents: diff,
      rule: `Régularisation de la facture ${invoice.number} : absence justifiée après facturation${which}, ${euros(diff)} à déduire`,
      dates: days,
      cesu: o.cesu,
      leisure: o.leisure,
      sort: out.length,
    })
  }
  return out
}

export const euros = (cents: number): string => `${(cents / 100).toFixed(2).replace('.', ',')} €`

function dueDates(month: string, directDebit: boolean, opts: BillingOptions): { due_on: string; debit_on: string | null } {
  const next = addMonths(month, 1)
  if (directDebit) {
    const debit = `${next}-${String(opts.debitDay).padStart(2, '0')}`
    return { due_on: debit, debit_on: debit }
  }
  return { due_on: `${next}-${String(opts.dueDay).padStart(2, '0')}`, debit_on: null }
}

interface BatchOutcome {
  invoices: number
  creditNotes: number
  totalCents: number
}

async function runBatch(db: PortalDb, month: string, after: string | null, families: FamilyRow[], town: TownData, opts: BillingOptions, now: Date): Promise<BatchOutcome> {
  const at = now.toISOString()
  const issuedOn = parisDay(now)
  return retryConflicts(() =>
    EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store, tx) => {
      // The batch's families (payments and credit notes on them wait, pushes of bookings do not).
      await store.lock({ keys: families.map((f) => lockKeys.family(f.id)) })
      const data = await readBatch(tx, families, month, after)
      const drafts: Array<{ family: FamilyRow; lines: LineDraft[]; total: number }> = []
      const avoirs: Array<{ family: FamilyRow; invoice: InvoiceRow; lines: ReturnType<typeof regularisationLines>; total: number }> = []
      // A booking of an invoiced previous month changed after its invoice: re-bill that month.
      const recheck = data.stale
      for (const family of families) {
        const invoices = data.invoices.get(family.id) ?? []
        if (!invoices.some((i) => i.month === month)) {
          const bill = billMonth(billingInput(data, town, family, month, opts.certificateDelayDays))
          if (bill.totalCents > 0) drafts.push({ family, lines: bill.lines, total: bill.totalCents })
        }
      }
      if (recheck.length > 0) {
        const oldLines = groupBy(
          await fastRows<Row>(tx, sql`SELECT invoice_id, child_id, child_name, unit_id, amount_cents, dates, cesu, leisure FROM invoice_lines WHERE ${ANY('invoice_id')}${json(recheck.map((i) => i.id))}::jsonb)))`),
          (l) => String(l.invoice_id),
        )
        // The lines of the credit notes already made on them (by an earlier run or a responsable).
        const creditedLines = groupBy(
          await fastRows<Row>(
            tx,
            sql`SELECT a.corrects_invoice_id, l.child_id, l.unit_id, l.amount_cents, l.dates FROM invoice_lines l JOIN invoices a ON a.id = l.invoice_id
                 WHERE a.kind = 'avoir' AND ${ANY('a.corrects_invoice_id')}${json(recheck.map((i) => i.id))}::jsonb)))`,
          ),
          (l) => String(l.corrects_invoice_id),
        )
        const byId = new Map(families.map((f) => [f.id, f]))
        for (const invoice of recheck) {
          const family = byId.get(invoice.family_id) as FamilyRow
          const bill = billMonth(billingInput(data, town, family, invoice.month, opts.certificateDelayDays))
          const due = invoice.total_cents - invoice.credited
          if (bill.totalCents >= invoice.total_cents || invoice.total_cents - bill.totalCents <= invoice.credited) continue
          const cap = Math.min(due, invoice.total_cents - invoice.credited - bill.totalCents)
          const lines = regularisationLines(invoice, oldLines.get(invoice.id) ?? [], bill.lines, creditedLines.get(invoice.id) ?? [], cap)
          // Its total is the sum of its lines (never more than the invoice still bills).
          const total = lines.reduce((s, l) => s + l.amountCents, 0)
          if (total <= 0 || lines.length === 0) continue
          avoirs.push({ family, invoice, lines, total })
        }
      }

      const invoiceRows: Row[] = []
      const lines: Row[] = []
      let totalCents = 0
      if (drafts.length > 0) {
        const first = await takeNumbers(tx, invoiceSeriesName('F', opts.regie, month), drafts.length)
        drafts.forEach((d, i) => {
          const id = uuidv7()
          const payer = payerOf(data, d.family)
          const directDebit = d.family.direct_debit === true
          invoiceRows.push({
            id,
            number: invoiceNumber('F', opts.regie, month, first + i),
            kind: 'facture',
            regie: opts.regie,
            family_id: d.family.id,
            payer_person_id: payer.id,
            payer_name: payer.name,
            payer_address: payer.address,
            month,
            corrects_invoice_id: null,
            total_cents: d.total,
            direct_debit: directDebit,
            issued_on: issuedOn,
            ...dueDates(month, directDebit, opts),
            run_key: `${month}|${d.family.id}`,
            reason: null,
            created_at: at,
          })
          lines.push(...lineRows(id, d.family.id, d.lines))
          totalCents += d.total
        })
      }
      if (avoirs.length > 0) {
        const first = await takeNumbers(tx, invoiceSeriesName('A', opts.regie, month), avoirs.length)
        avoirs.forEach((a, i) => {
          const id = uuidv7()
          const payer = payerOf(data, a.family)
          invoiceRows.push({
            id,
            number: invoiceNumber('A', opts.regie, month, first + i),
            kind: 'avoir',
            regie: opts.regie,
            family_id: a.family.id,
            payer_person_id: payer.id,
            payer_name: payer.name,
            payer_address: payer.address,
            month: a.invoice.month,
            corrects_invoice_id: a.invoice.id,
            total_cents: a.total,
            direct_debit: a.family.direct_debit === true,
            issued_on: issuedOn,
            // An avoir is not due: its date is its issue (the column is required).
            due_on: issuedOn,
            debit_on: null,
            run_key: `${month}|avoir|${a.invoice.id}|${a.invoice.total_cents - a.invoice.credited}`,
            reason: `Absence justifiée après la facture ${a.invoice.number}`,
            created_at: at,
          })
          lines.push(...lineRows(id, a.family.id, a.lines as LineDraft[]))
        })
      }
      if (invoiceRows.length > 0) {
        await store.insertMany('invoices', invoiceRows)
        await store.insertMany('invoice_lines', lines)
      }
      await tx.execute(
        sql`UPDATE invoice_runs SET cursor = ${families[families.length - 1]!.id}, families_done = families_done + ${families.length},
              invoices_created = invoices_created + ${drafts.length}, credit_notes_created = credit_notes_created + ${avoirs.length},
              total_cents = total_cents + ${totalCents}, updated_at = ${at}
            WHERE month = ${month}`,
      )
      return { invoices: drafts.length, creditNotes: avoirs.length, totalCents }
    }),
  )
}

/** Runs in progress in this process (one per month). */
const inProgress = new Map<string, Promise<InvoiceRunResult>>()

export function runningMonths(): string[] {
  return [...inProgress.keys()]
}

/**
 * The monthly run (see the file's comment). Resumes a run left running or failed after its
 * cursor; runs a done month again from the start (creating only what is missing).
 */
export function runInvoices(db: PortalDb, month: string, opts: RunOptions = {}): Promise<InvoiceRunResult> {
  checkMonth(month)
  if (inProgress.has(month)) throw conflict(`La facturation de ${month} est déjà en cours.`)
  const run = doRun(db, month, opts).finally(() => inProgress.delete(month))
  inProgress.set(month, run)
  return run
}

async function doRun(db: PortalDb, month: string, opts: RunOptions): Promise<InvoiceRunResult> {
  const started = performance.now()
  const now = opts.now ?? new Date()
  const batchSize = Math.max(1, Math.min(5_000, opts.batchSize ?? DEFAULT_INVOICE_BATCH))
  const at = now.toISOString()
  const previous = await one<{ status: string; cursor: string | null }>(db, sql`SELECT status, cursor FROM invoice_runs WHERE month = ${month}`)
  let cursor: string | null
  if (!previous) {
    await db.execute(sql`INSERT INTO invoice_runs (month, status, started_at, updated_at) VALUES (${month}, 'running', ${at}, ${at}) ON CONFLICT (month) DO NOTHING`)
    cursor = null
  } else if (previous.status === 'done') {
    await db.execute(
      sql`UPDATE invoice_runs SET status = 'running', cursor = NULL, families_done = 0, started_at = ${at}, finished_at = NULL, error = NULL, updated_at = ${at} WHERE month = ${month}`,
    )
    cursor = null
  } else {
    await db.execute(sql`UPDATE invoice_runs SET status = 'running', error = NULL, updated_at = ${at} WHERE month = ${month}`)
    cursor = previous.cursor
  }
  const totalRow = await one<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM families WHERE merged_into IS NULL`)
  const total = totalRow?.n ?? 0
  let done = (await one<{ n: number }>(db, sql`SELECT families_done AS n FROM invoice_runs WHERE month = ${month}`))?.n ?? 0
  const result: InvoiceRunResult = { month, status: 'done', families: 0, invoicesCreated: 0, creditNotesCreated: 0, totalCents: 0, seconds: 0 }
  try {
    const town = await townData(db)
    const options = await billingOptions(db)
    for (;;) {
      if (opts.signal?.aborted) {
        result.status = 'aborted'
        await db.execute(sql`UPDATE invoice_runs SET status = 'failed', error = 'Interrompue : à reprendre.', updated_at = ${new Date().toISOString()} WHERE month = ${month}`)
        break
      }
      const families = await fastRows<FamilyRow>(
        db,
        sql`SELECT id, resident, direct_debit, payer_person_id, address_line1, address_line2, postcode, city FROM families
            WHERE merged_into IS NULL AND id > ${cursor ?? ''} ORDER BY id LIMIT ${batchSize}`,
      )
      if (families.length === 0) {
        await db.execute(sql`UPDATE invoice_runs SET status = 'done', finished_at = ${new Date().toISOString()}, updated_at = ${new Date().toISOString()} WHERE month = ${month}`)
        break
      }
      const outcome = await runBatch(db, month, cursor, families, town, options, now)
      cursor = families[families.length - 1]!.id
      result.families += families.length
      result.invoicesCreated += outcome.invoices
      result.creditNotesCreated += outcome.creditNotes
      result.totalCents += outcome.totalCents
      done += families.length
      opts.onProgress?.(Math.min(done, total), total)
      // Let the event loop answer requests between two batches.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  } catch (error) {
    // Never the SQL or its parameters (names, amounts) in the run's row: the error's class and code.
    const message = safeErrorMessage(error).slice(0, 500)
    await db.execute(sql`UPDATE invoice_runs SET status = 'failed', error = ${message}, updated_at = ${new Date().toISOString()} WHERE month = ${month}`).catch(() => undefined)
    throw error
  }
  result.seconds = (performance.now() - started) / 1000
  return result
}

export async function invoiceRunStatus(db: PortalDb, month: string): Promise<InvoiceRunStatus | null> {
  checkMonth(month)
  const r = await one<Record<string, unknown>>(
    db,
    sql`SELECT month, status, cursor, families_done, invoices_created, credit_notes_created, total_cents,
          to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started,
          to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished, error
        FROM invoice_runs WHERE month = ${month}`,
  )
  if (!r) return null
  return {
    month: String(r.month),
    status: r.status as InvoiceRunStatus['status'],
    cursor: str(r.cursor),
    familiesDone: int(r.families_done),
    invoicesCreated: int(r.invoices_created),
    creditNotesCreated: int(r.credit_notes_created),
    totalCents: int(r.total_cents),
    startedAt: String(r.started),
    finishedAt: str(r.finished),
    error: str(r.error),
  }
}

/** An invoice's remaining amount: its total less its allocations (payments not cancelled) and its credit notes. */
export async function invoiceRemaining(db: PortalDb, invoiceId: string): Promise<number | null> {
  const r = await one<{ total: number | string; paid: number | string; credited: number | string }>(
    db,
    sql`SELECT i.total_cents AS total,
          coalesce((SELECT sum(a.amount_cents) FROM payment_allocations a JOIN payments p ON p.id = a.payment_id
                    WHERE a.invoice_id = i.id AND p.cancelled_at IS NULL), 0) AS paid,
          coalesce((SELECT sum(c.total_cents) FROM invoices c WHERE c.corrects_invoice_id = i.id), 0) AS credited
        FROM invoices i WHERE i.id = ${invoiceId}`,
  )
  if (!r) return null
  return Math.max(0, int(r.total) - int(r.paid) - int(r.credited))
}

/**
 * A credit note (avoir) on an invoice, by a responsable (admin API): the invoice is never edited.
 * Amount: at most what the invoice still bills (its total less its credit notes); default, all of it.
 */
export async function createCreditNote(
  db: PortalDb,
  invoiceId: string,
  input: { amountCents?: number; reason: string; agentId?: string | null },
  now = new Date(),
): Promise<{ id: string; number: string }> {
  const options = await billingOptions(db)
  return retryConflicts(() =>
    EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store, tx) => {
      const head = await one<{ family_id: string }>(tx, sql`SELECT family_id FROM invoices WHERE id = ${invoiceId}`)
      if (!head) throw notFound('Facture introuvable.')
      await store.lock({ keys: [lockKeys.family(head.family_id)] })
      const invoice = await store.get('invoices', invoiceId)
      if (!invoice) throw notFound('Facture introuvable.')
      if (invoice.kind !== 'facture') throw invalid(`${String(invoice.number)} est un avoir : un avoir porte sur une facture.`)
      const credited = await store.sum('invoices', 'total_cents', { where: { corrects_invoice_id: invoiceId } })
      const open = int(invoice.total_cents) - credited
      if (open <= 0) throw conflict(`La facture ${String(invoice.number)} est déjà entièrement annulée par des avoirs.`)
      const amount = input.amountCents ?? open
      if (!Number.isInteger(amount) || amount <= 0) throw invalid('Montant de l’avoir invalide : un nombre entier de centimes, positif.')
      if (amount > open) throw invalid(`Montant de l’avoir trop élevé : au plus ${euros(open)} sur la facture ${String(invoice.number)}.`)
      const month = parisDay(now).slice(0, 7)
      const n = await store.nextNumber(invoiceSeriesName('A', options.regie, month))
      const id = uuidv7({ msecs: now.getTime() })
      const number = invoiceNumber('A', options.regie, month, n)
      const at = now.toISOString()
      await store.put('invoices', {
        id,
        number,
        kind: 'avoir',
        regie: options.regie,
        family_id: invoice.family_id ?? null,
        payer_person_id: invoice.payer_person_id ?? null,
        payer_name: invoice.payer_name ?? null,
        payer_address: invoice.payer_address ?? null,
        month: invoice.month ?? null,
        corrects_invoice_id: invoiceId,
        total_cents: amount,
        direct_debit: invoice.direct_debit ?? null,
        issued_on: parisDay(now),
        due_on: parisDay(now),
        debit_on: null,
        run_key: null,
        reason: input.reason,
        created_at: at,
      })
      await store.put('invoice_lines', {
        id: uuidv7({ msecs: now.getTime() }),
        invoice_id: id,
        family_id: invoice.family_id ?? null,
        child_id: null,
        child_name: null,
        unit_id: null,
        kind: 'regularisation',
        quantity: 1,
        unit_price_cents: amount,
        amount_cents: amount,
        rule: `Avoir sur la facture ${String(invoice.number)} : ${input.reason}`,
        dates: '',
        cesu: false,
        leisure: false,
        sort: 0,
      })
      void input.agentId
      return { id, number }
    }),
  )
}
