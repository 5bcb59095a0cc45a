import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { codeFamilleNumber } from '@shared/domain/codeFamille'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { entityOrder, type EntityName, type Row } from '@shared/sync/entities'
import { DEMO_AGENTS, initialsOf } from '../../common/agents'
import { shippedCalendarRows } from '../../common/demo/calendar'
import { DEFAULT_DEMO_SEED, generateTownRows, type TownSink } from '../../common/demo/generate'
import { hashPassword } from '../../common/passwords'
import { runCommand } from '@shared/commands'
import { addMonths, generateDemoBilling, type DemoBillingResult } from '../../common/demo/billing'
import { Rng } from '../../common/demo/rng'
import { one, rows, type PortalDb } from '../db/client'
import { EntityStore } from '../db/store'
import { runInvoices } from './invoicing'
import { seedDefaultTariffs } from './town-defaults'
import { FIRST_WORKSTATION_CODE } from './workstations'

/**
 * The demo town on the portal: the deterministic generator shared with the workstation
 * (src/common/demo/generate.ts) writes its rows to a sink that keeps them per table, and they
 * go into PostgreSQL in dependency order (multi-row INSERTs of 1,000, each row with its
 * change-log row, so pulls from any cursor stay correct), with the demo agents. Runs again on
 * a portal that already has a town: schools and units are reused, codes famille continue below
 * the workstations' ranges.
 */

export interface SeedDemoOptions {
  families: number
  seed?: number
  /** Reference day for ages (YYYY-MM-DD, default: today in Paris). */
  today?: string
  schoolYear?: string
  /**
   * The town's billing too (docs/billing.md): bookings with attendance for the two months before
   * today, quotients, dossiers, direct debits, both months invoiced, some of the older month's
   * invoices paid online. Default off (the tests' towns stay small).
   */
  billing?: boolean
}

export interface DemoBillingSummary {
  months: [string, string]
  reservations: number
  invoices: number
  creditNotes: number
  onlinePayments: number
  /** The family with two open invoices payable at the counter (docs/billing.md). */
  counterFamily: { id: string; code: string; name: string } | null
  seconds: number
}

export interface SeedDemoResult {
  families: number
  persons: number
  /** Rows written to shared tables (each with its change-log row). */
  rows: number
  agents: number
  seconds: number
  generateSeconds: number
  copySeconds: number
  billing: DemoBillingSummary | null
}

/** Rows kept per table, in the order the generator wrote them. */
class TableSink implements TownSink {
  readonly tables = new Map<EntityName, Row[]>()

  put(entity: EntityName, row: Row): void {
    const list = this.tables.get(entity)
    if (list) list.push(row)
    else this.tables.set(entity, [row])
  }
}

export async function seedDemo(db: PortalDb, opts: SeedDemoOptions): Promise<SeedDemoResult> {
  const started = performance.now()
  const today = opts.today ?? parisDay(new Date())
  const schoolYear = opts.schoolYear ?? schoolYearOf(today)

  // What the portal already has: schools and units (reused by the generator) and the highest demo code.
  const schools = await rows<{ id: string; kind: string }>(db, sql`SELECT id, kind FROM schools ORDER BY id`)
  const units = await rows<{ id: string }>(db, sql`SELECT id FROM units`)
  const codes = await rows<{ code: string }>(db, sql`SELECT code FROM families`)
  let highest = 0
  for (const { code } of codes) {
    const n = codeFamilleNumber(code)
    if (n !== null && n < FIRST_WORKSTATION_CODE && n > highest) highest = n
  }
  if (highest + opts.families >= FIRST_WORKSTATION_CODE) {
    throw new RangeError(
      `Trop de familles de démonstration : les codes famille ${highest + 1}… dépasseraient ${FIRST_WORKSTATION_CODE - 1} (plages des postes).`,
    )
  }

  const sink = new TableSink()
  const generated = generateTownRows(
    sink,
    { families: opts.families, seed: opts.seed ?? DEFAULT_DEMO_SEED, schoolYear, today },
    { schools, highestCodeNumber: highest, unitIds: new Set(units.map((u) => u.id)) },
  )
  const billing = opts.billing ? generateDemoBilling(sink.tables, { seed: opts.seed ?? DEFAULT_DEMO_SEED, today }) : null
  if (billing) {
    sink.tables.set('quotients', [...(sink.tables.get('quotients') ?? []), ...billing.quotients])
    sink.tables.set('dossiers', [...(sink.tables.get('dossiers') ?? []), ...billing.dossiers])
    sink.tables.set('reservations', [...(sink.tables.get('reservations') ?? []), ...billing.reservations])
  }
  const generateSeconds = (performance.now() - started) / 1000

  const copyStarted = performance.now()
  const at = new Date().toISOString()
  const agentHashes = await Promise.all(DEMO_AGENTS.map((a) => hashPassword(a.password)))
  const agentRows = DEMO_AGENTS.map(
    (a, i): Row => ({
      id: uuidv7(),
      login: a.login,
      display_name: a.displayName,
      initials: initialsOf(a.displayName),
      role: a.role,
      password_hash: agentHashes[i]!,
      active: true,
      created_at: at,
      updated_at: at,
    }),
  )
  let written = 0
  let agents = 0
  await EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store, tx) => {
    for (const entity of entityOrder) {
      if (entity === 'agents') {
        const existing = new Set((await rows<{ login: string }>(tx, sql`SELECT login FROM agents`)).map((r) => r.login))
        agents = await store.insertMany(
          'agents',
          agentRows.filter((a) => !existing.has(String(a.login))),
        )
        written += agents
        continue
      }
      if (entity === 'calendar_periods') {
        // Bookings need the school calendar (seedTownDefaults writes it at start; a portal emptied since gets it back).
        if ((await store.count('calendar_periods', {})) === 0) written += await store.insertMany('calendar_periods', shippedCalendarRows())
        continue
      }
      if (entity === 'tariffs') {
        // The services' default tariffs, now that the units exist (a town with its own is left alone).
        written += await seedDefaultTariffs(store)
        continue
      }
      const list = sink.tables.get(entity)
      if (list) written += await store.insertMany(entity, list, { onConflict: 'nothing' })
    }
  })
  // Fresh statistics for the planner (an embedded PGlite has no autovacuum to gather them).
  await db.execute(sql`ANALYZE`)
  const billingSummary = billing ? await billDemoTown(db, billing, opts.seed ?? DEFAULT_DEMO_SEED) : null
  return {
    families: generated.families,
    persons: generated.persons,
    rows: written,
    agents,
    seconds: (performance.now() - started) / 1000,
    generateSeconds,
    copySeconds: (performance.now() - copyStarted) / 1000,
    billing: billingSummary,
  }
}

/**
 * Invoices the demo's two months (as the run of the 1st of the following month would have), then
 * pays about a third of the older month's invoices online (the simulated provider's fact
 * payments.recordOnline, allocated to the invoice), never the counter family's nor a direct debit.
 */
async function billDemoTown(db: PortalDb, billing: DemoBillingResult, seed: number): Promise<DemoBillingSummary> {
  const started = performance.now()
  let invoices = 0
  let creditNotes = 0
  for (const month of billing.months) {
    const r = await runInvoices(db, month, { now: new Date(`${addMonths(month, 1)}-01T05:00:00.000Z`), batchSize: 500 })
    invoices += r.invoicesCreated
    creditNotes += r.creditNotesCreated
  }
  const [older] = billing.months
  const payable = await rows<{ id: string; family_id: string; total_cents: number | string; number: string }>(
    db,
    sql`SELECT id, family_id, total_cents, number FROM invoices
        WHERE month = ${older} AND kind = 'facture' AND direct_debit = false AND family_id <> ${billing.counterFamilyId ?? ''}
        ORDER BY number`,
  )
  const rng = new Rng(seed, 12, 6)
  const paid = payable.filter(() => rng.chance(0.35))
  const payDay = `${addMonths(older, 1)}-0${rng.int(3, 9)}T19:12:00.000Z`
  if (paid.length > 0) {
    await EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store) => {
      await store.lock({ keys: null })
      for (const [i, inv] of paid.entries()) {
        const at = new Date(Date.parse(payDay) + i * 37_000)
        const commandId = uuidv7({ msecs: at.getTime() })
        store.setOrigin({ commandId, workstationId: null })
        await runCommand(
          store,
          'payments.recordOnline',
          {
            id: uuidv7({ msecs: at.getTime() }),
            familyId: inv.family_id,
            transactionId: `DEMO-${inv.number}`,
            amountCents: Number(inv.total_cents),
            invoiceId: inv.id,
          },
          { at: at.toISOString(), agentId: null, workstationId: null, channel: 'portail', commandId },
          { recordFlags: true },
        )
      }
    })
  }
  const family = billing.counterFamilyId
    ? await one<{ id: string; code: string; name: string }>(db, sql`SELECT id, code, name FROM families WHERE id = ${billing.counterFamilyId}`)
    : undefined
  return {
    months: billing.months,
    reservations: billing.reservations.length,
    invoices,
    creditNotes,
    onlinePayments: paid.length,
    counterFamily: family ?? null,
    seconds: (performance.now() - started) / 1000,
  }
}
