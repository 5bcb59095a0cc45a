import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import pg from 'pg'
import { columnsOf, entities, type EntityName } from '@shared/sync/entities'
import { familyAccount } from '../src/main/core/areas/billing'
import { openDatabase } from '../src/main/core/db/client'
import { fastRows, one, openPortalDb, type PortalDatabase, type PortalDb } from '../src/portal/db/client'
import { seedDemo } from '../src/portal/services/demo'
import { runInvoices } from '../src/portal/services/invoicing'
import { seedTownDefaults } from '../src/portal/services/town-defaults'
import { cachedTown, freshCopy, percentile, ROOT } from './portal'

/**
 * `npm run bench -- billing` (issue 12, item 8): the portal's monthly invoice run over a
 * 20,000-family town where every child is booked for lunch on every school day of the month
 * (~500,000 bookings), on PGlite (and on PostgreSQL when BENCH_DATABASE_URL or DATABASE_URL is
 * set: a throwaway database on that server); then a family's balance through the workstation
 * core (`familyAccount`) over a workstation SQLite holding the same town with its invoices and
 * some payments (built with the workstation's migrations), p95 over random families.
 *
 * The bookings and payments are written by SQL (setup, not measured); the run is the real one
 * (batches of families, invoices and lines through the change log).
 * Env: BENCH_BILLING_FAMILIES (default 20000), BENCH_BILLING_SAMPLES (default 500).
 */

const MONTH = '2026-11'
const FAMILIES = Number(process.env.BENCH_BILLING_FAMILIES ?? 20_000)
const SAMPLES = Number(process.env.BENCH_BILLING_SAMPLES ?? 500)
const log = (line: string) => console.log(`[billing] ${line}`)

/** Mondays, Tuesdays, Thursdays and Fridays of November 2026 that are school days (11/11 is a public holiday, 2/11 the end of the Toussaint break). */
function schoolDays(): string[] {
  const out: string[] = []
  for (let d = 1; d <= 30; d++) {
    const day = `${MONTH}-${String(d).padStart(2, '0')}`
    const w = new Date(`${day}T12:00:00Z`).getUTCDay()
    if ([1, 2, 4, 5].includes(w) && day !== '2026-11-02' && day !== '2026-11-11') out.push(day)
  }
  return out
}

/** Every child booked for lunch on every school day, present (SQL, one statement). */
async function bookEveryLunch(db: PortalDb): Promise<number> {
  const days = schoolDays()
  await db.execute(sql`DELETE FROM reservations WHERE date >= ${`${MONTH}-01`} AND date <= ${`${MONTH}-30`}`)
  await db.execute(sql`
    INSERT INTO reservations (id, family_id, child_id, unit_id, site_id, date, state, channel, created_at, updated_at, attendance)
    SELECT gen_random_uuid()::text, m.family_id, m.person_id, 'cantine',
           coalesce((SELECT s.school_id FROM schoolings s WHERE s.person_id = m.person_id LIMIT 1), (SELECT min(id) FROM schools)),
           d, 'reserve', 'guichet', '2026-10-20T08:00:00.000Z', '2026-10-20T08:00:00.000Z', 'present'
    FROM family_members m CROSS JOIN unnest(${`{${days.join(',')}}`}::text[]) AS d
    WHERE m.role = 'enfant'`)
  // Some QFs and complete dossiers, so that the grid's brackets are used.
  await db.execute(sql`
    INSERT INTO quotients (id, family_id, value, source, valid_from, created_at)
    SELECT gen_random_uuid()::text, f.id, 300 + (abs(hashtext(f.id)) % 2000), 'caf', '2026-09-01', '2026-08-20T08:00:00.000Z'
    FROM families f WHERE abs(hashtext(f.id)) % 10 < 7 ON CONFLICT DO NOTHING`)
  await db.execute(sql`
    INSERT INTO dossiers (id, family_id, school_year, status, created_at, updated_at)
    SELECT gen_random_uuid()::text, f.id, '2026-2027', 'valide', '2026-08-20T08:00:00.000Z', '2026-08-20T08:00:00.000Z'
    FROM families f WHERE abs(hashtext(f.id)) % 10 < 9 ON CONFLICT DO NOTHING`)
  await db.execute(sql`ANALYZE`)
  return (await one<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM reservations WHERE date >= ${`${MONTH}-01`}`))?.n ?? 0
}

async function measureRun(db: PortalDb): Promise<{ seconds: number; invoices: number; totalCents: number }> {
  const r = await runInvoices(db, MONTH, {
    now: new Date('2026-12-01T05:00:00Z'),
    onProgress: (done, total) => {
      if (done % 5000 < 250 || done === total) log(`  ${done} / ${total} familles`)
    },
  })
  return { seconds: r.seconds, invoices: r.invoicesCreated, totalCents: r.totalCents }
}

/** Pays about 40 % of the invoices (half of them in part) at the counter (SQL, setup). */
async function somePayments(db: PortalDb): Promise<number> {
  await db.execute(sql`
    WITH chosen AS (
      SELECT i.id AS invoice_id, i.family_id, CASE WHEN abs(hashtext(i.id)) % 2 = 0 THEN i.total_cents ELSE i.total_cents / 2 END AS amount,
             gen_random_uuid()::text AS payment_id, row_number() OVER (ORDER BY i.id) AS n
      FROM invoices i WHERE i.month = ${MONTH} AND i.kind = 'facture' AND abs(hashtext(i.id)) % 10 < 4 AND i.direct_debit = false
    ), p AS (
      INSERT INTO payments (id, family_id, amount_cents, method, kind, receipt_number, paid_at, created_at)
      SELECT payment_id, family_id, amount, 'cheque', 'paiement', 'R-G01-26-' || lpad(n::text, 6, '0'), '2026-12-05T10:00:00.000Z', '2026-12-05T10:00:00.000Z' FROM chosen
      RETURNING id
    )
    INSERT INTO payment_allocations (id, payment_id, invoice_id, family_id, amount_cents, created_at)
    SELECT gen_random_uuid()::text, payment_id, invoice_id, family_id, amount, '2026-12-05T10:00:00.000Z' FROM chosen`)
  return (await one<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM payments`))?.n ?? 0
}

const COPIED: EntityName[] = [
  'schools',
  'units',
  'families',
  'persons',
  'family_members',
  'tariffs',
  'quotients',
  'dossiers',
  'inscriptions',
  'reservations',
  'invoices',
  'invoice_lines',
  'payments',
  'payment_allocations',
  'town_options',
]

/** The workstation's database (its migrations) holding the portal's town, as a pull would leave it. */
async function workstationCopy(db: PortalDb, file: string): Promise<{ sqlite: import('better-sqlite3').Database; rows: number }> {
  const { sqlite } = await openDatabase({ file, migrationsFolder: join(ROOT, 'resources/migrations') })
  sqlite.pragma('foreign_keys = OFF')
  sqlite.pragma('synchronous = OFF')
  let total = 0
  for (const entity of COPIED) {
    const cols = columnsOf(entity)
    const kinds = entities[entity] as Record<string, string>
    const insert = sqlite.prepare(`INSERT OR REPLACE INTO "${entity}" (${cols.map((c) => `"${c}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
    let after = ''
    for (;;) {
      const page = await fastRows<Record<string, unknown>>(
        db,
        sql`SELECT ${sql.raw(cols.map((c) => `"${c}"`).join(', '))} FROM ${sql.identifier(entity)} WHERE id > ${after} ORDER BY id COLLATE "C" LIMIT 50000`,
      )
      if (page.length === 0) break
      sqlite.transaction(() => {
        for (const r of page) {
          insert.run(cols.map((c) => (r[c] === null || r[c] === undefined ? null : kinds[c] === 'bool' ? (r[c] ? 1 : 0) : kinds[c] === 'int' ? Number(r[c]) : String(r[c]))))
        }
      })()
      total += page.length
      after = String(page[page.length - 1]!.id)
    }
  }
  sqlite.pragma('foreign_keys = ON')
  sqlite.exec('ANALYZE')
  return { sqlite, rows: total }
}

function balanceP95(sqlite: import('better-sqlite3').Database): { p50: number; p95: number; max: number } {
  const ids = (sqlite.prepare(`SELECT DISTINCT family_id AS id FROM invoices ORDER BY random() LIMIT ?`).all(SAMPLES) as Array<{ id: string }>).map((r) => r.id)
  // Warm-up (statement preparation), not measured.
  for (const id of ids.slice(0, 20)) familyAccount(sqlite, id, { today: '2026-12-07', role: 'regisseur', workstationId: null })
  const times: number[] = []
  for (const id of ids) {
    const t = performance.now()
    familyAccount(sqlite, id, { today: '2026-12-07', role: 'regisseur', workstationId: null })
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] ?? 0 }
}

async function onPostgres(url: string): Promise<{ seconds: number; invoices: number } | null> {
  const name = `bench_billing_${process.pid}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
    const u = new URL(url)
    u.pathname = `/${name}`
    const dir = mkdtempSync(join(tmpdir(), 'bench-billing-pg-'))
    let database: PortalDatabase | null = null
    try {
      database = await openPortalDb({ dataDir: dir, databaseUrl: u.toString(), roleSettings: false })
      log(`PostgreSQL : ville de ${FAMILIES} familles…`)
      await seedDemo(database.db, { families: FAMILIES, seed: 1, today: '2026-11-27' })
      await seedTownDefaults(database.db)
      log(`PostgreSQL : ${await bookEveryLunch(database.db)} réservations ; facturation…`)
      const r = await measureRun(database.db)
      return { seconds: r.seconds, invoices: r.invoices }
    } finally {
      await database?.close()
      rmSync(dir, { recursive: true, force: true })
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined)
    await admin.end()
  }
}

export async function runBillingBench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'bench-billing-'))
  try {
    const { dbDir, seedS } = cachedTown(FAMILIES, log)
    if (seedS > 0) log(`ville créée en ${seedS.toFixed(0)} s`)
    const portalDir = freshCopy(dbDir, join(work, 'portal'))
    const database = await openPortalDb({ dataDir: portalDir })
    let pgResult: { seconds: number; invoices: number } | null = null
    try {
      const db = database.db
      await seedTownDefaults(db)
      const bookings = await bookEveryLunch(db)
      const families = (await one<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM families`))?.n ?? 0
      log(`PGlite : ${families} familles, ${bookings} réservations de déjeuner en ${MONTH} ; facturation…`)
      const run = await measureRun(db)
      log(`PGlite : ${run.invoices} factures en ${run.seconds.toFixed(1)} s`)
      const payments = await somePayments(db)
      const ws = await workstationCopy(db, join(work, 'poste.sqlite'))
      log(`poste : ${ws.rows} lignes copiées, ${payments} paiements`)
      const balance = balanceP95(ws.sqlite)
      ws.sqlite.close()
      const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL
      if (url) pgResult = await onPostgres(url)
      else log('PostgreSQL : ni BENCH_DATABASE_URL ni DATABASE_URL, non mesuré')
      const figures = {
        bench: 'billing',
        families: FAMILIES,
        invoice_month_s: Number(run.seconds.toFixed(2)),
        balance_p95_ms: Number(balance.p95.toFixed(2)),
        invoice_month_s_pg: pgResult ? Number(pgResult.seconds.toFixed(2)) : null,
        bookings,
        invoices: run.invoices,
        total_cents: run.totalCents,
        balance_p50_ms: Number(balance.p50.toFixed(2)),
        balance_max_ms: Number(balance.max.toFixed(2)),
        balance_samples: SAMPLES,
      }
      console.log(
        `Facturation de ${MONTH} : ${figures.invoice_month_s} s sur PGlite (${run.invoices} factures, ${bookings} réservations)` +
          (pgResult ? `, ${figures.invoice_month_s_pg} s sur PostgreSQL` : '') +
          ` ; solde d’une famille au guichet : p95 ${figures.balance_p95_ms} ms (p50 ${figures.balance_p50_ms} ms)`,
      )
      console.log(JSON.stringify(figures))
    } finally {
      await database.close()
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
