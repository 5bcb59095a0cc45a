import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { parseInstant, startingAt } from '../src/shared/clock'
import { createCore } from '../src/main/core'
import { readMonth } from '../src/main/core/areas/bookings'

/**
 * `npm run bench -- bookings`: bookings under the town's rules at the counter (issue 10), on a
 * demo town in a real database file under bench/.data, at a fixed instant of the shipped school
 * calendar (Monday 16 November 2026, 9:00 in Paris):
 * - grid_p95_ms: the month grid (bookings.grid through the core: contract, session, SQL, rules,
 *   output check) of a family of three children enrolled in four services each, in a town
 *   whose canteen is booked for the month;
 * - bulk_year_ms: one bulk booking of a school year (every Monday, Tuesday, Thursday and Friday
 *   from today to the last day of class) for one child: one shared command and one outbox row
 *   per day, in one transaction;
 * - grid_ratio: the grid's p50 against the p50 of the raw SQL that reads the same rows
 *   (`readMonth`: the grid's own prepared queries, rows fetched; no rules, cells or contract).
 * Env: BENCH_BOOKINGS_FAMILIES (demo families, default 2000), BENCH_BOOKINGS_GRIDS (default 300).
 */

const ROOT = resolve(__dirname, '..')
const FAMILIES = Number(process.env.BENCH_BOOKINGS_FAMILIES ?? 2000)
const GRIDS = Number(process.env.BENCH_BOOKINGS_GRIDS ?? 300)
const INSTANT = '2026-11-16T09:00:00+01:00'
const MONTH = '2026-12'

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}
const ms = (x: number) => Math.round(x * 100) / 100

/** Books the canteen for every enrolled child on the month's school days (the town's load). */
function fillTown(sqlite: Database.Database, first: string, last: string): number {
  const days = (sqlite.prepare(`SELECT DISTINCT date FROM (SELECT date(?, '+' || value || ' days') AS date FROM json_each(?))`).pluck().all(first, JSON.stringify([...Array(31).keys()])) as string[])
    .filter((d) => d <= last)
    .filter((d) => [1, 2, 4, 5].includes(new Date(`${d}T12:00:00Z`).getUTCDay()))
  const kids = sqlite
    .prepare(`SELECT family_id, child_id, site_id FROM inscriptions WHERE unit_id = 'cantine' AND status = 'active' AND school_year = '2026-2027'`)
    .all() as Array<{ family_id: string; child_id: string; site_id: string }>
  const insert = sqlite.prepare(
    `INSERT INTO reservations (id, family_id, child_id, unit_id, site_id, date, state, channel, created_at, updated_at)
     VALUES (?, ?, ?, 'cantine', ?, ?, 'reserve', 'portail', '2026-11-01T08:00:00Z', '2026-11-01T08:00:00Z')`,
  )
  let n = 0
  sqlite.transaction(() => {
    for (const k of kids) for (const d of days) if ((n++ & 3) !== 0) insert.run(uuidv7(), k.family_id, k.child_id, k.site_id, d)
  })()
  return sqlite.prepare(`SELECT COUNT(*) FROM reservations`).pluck().get() as number
}

export async function runBookingsBench(): Promise<void> {
  const dir = join(ROOT, 'bench/.data', 'bookings')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const core = await createCore({
    dataDir: dir,
    migrationsFolder: join(ROOT, 'resources/migrations'),
    demo: { families: FAMILIES, seed: 1 },
    now: startingAt(parseInstant(INSTANT)),
    log: () => {},
  })
  try {
    const { sqlite } = core
    const session = core.openSession()
    session.agentId = sqlite.prepare(`SELECT id FROM agents WHERE login = 'accueil'`).pluck().get() as string
    const call = async (ns: string, method: string, input: unknown) => {
      session.lastActivity = core.now().getTime()
      const r = await core.call(session, ns, method, input)
      if (!r.ok) throw new Error(`${ns}.${method}: ${JSON.stringify(r.error)}`)
      return r.data
    }
    const reservations = fillTown(sqlite, `${MONTH}-01`, `${MONTH}-31`)

    // A family of three children, each enrolled in four services at the child's school.
    const familyId = sqlite
      .prepare(
        `SELECT fm.family_id FROM family_members fm JOIN inscriptions i ON i.child_id = fm.person_id AND i.status = 'active'
          WHERE fm.role = 'enfant' GROUP BY fm.family_id HAVING COUNT(DISTINCT fm.person_id) >= 3 ORDER BY fm.family_id LIMIT 1`,
      )
      .pluck()
      .get() as string
    const kids = sqlite
      .prepare(
        `SELECT fm.person_id AS childId, sc.school_id AS siteId, sc.level FROM family_members fm
           JOIN schoolings sc ON sc.person_id = fm.person_id AND sc.school_year = '2026-2027'
          WHERE fm.family_id = ? AND fm.role = 'enfant' ORDER BY fm.person_id LIMIT 3`,
      )
      .all(familyId) as Array<{ childId: string; siteId: string; level: string }>
    const units = ['cantine', 'garderie_matin', 'garderie_soir', 'alsh_mercredi']
    for (const k of kids) {
      for (const unitId of units) {
        const site = unitId === 'alsh_mercredi'
          ? (sqlite.prepare(`SELECT site_id FROM unit_sites WHERE unit_id = 'alsh_mercredi' AND serves = ?`).pluck().get(['TPS', 'PS', 'MS', 'GS'].includes(k.level) ? 'maternelle' : 'elementaire') as string)
          : k.siteId
        sqlite
          .prepare(
            `INSERT INTO inscriptions (id, family_id, child_id, unit_id, site_id, school_year, status, created_at, updated_at)
             SELECT ?, ?, ?, ?, ?, '2026-2027', 'active', '2026-09-01T08:00:00Z', '2026-09-01T08:00:00Z'
              WHERE NOT EXISTS (SELECT 1 FROM inscriptions WHERE child_id = ? AND unit_id = ? AND school_year = '2026-2027')`,
          )
          .run(uuidv7(), familyId, k.childId, unitId, site, k.childId, unitId)
      }
    }
    // Some of the family's own days booked (Mondays and Thursdays), as at a real counter.
    const kid = kids[0]!
    await call('bookings', 'bulk', { familyId, childId: kid.childId, unitId: 'cantine', siteId: kid.siteId, weekdays: [1, 4], from: '2026-12-01', to: '2026-12-18' })

    const grid = (await call('bookings', 'grid', { familyId, month: MONTH })) as { children: Array<{ rows: Array<{ states: string }> }> }
    const cells = grid.children.reduce((n, c) => n + c.rows.reduce((m, r) => m + r.states.length, 0), 0)
    for (let i = 0; i < 20; i++) await call('bookings', 'grid', { familyId, month: MONTH })
    // The raw SQL that reads the same rows as the grid: the grid's own reads (readMonth: the same
    // prepared statements, rows fetched), without the rules, the cells or the contract.
    const readRaw = () => {
      const r = readMonth(sqlite, familyId, MONTH)!
      return r.calendar.length + r.unitRows.length + r.children.length + r.inscriptions.length + r.bookings.length + r.counts.length + r.capacities.length + r.waiting.length + r.pending.length + r.refusals.length
    }
    for (let i = 0; i < 20; i++) readRaw()
    // Interleaved, so that both see the same machine (a shared VM's neighbours come and go).
    const grids: number[] = []
    const raws: number[] = []
    let rawRows = 0
    for (let i = 0; i < GRIDS; i++) {
      const t0 = performance.now()
      await call('bookings', 'grid', { familyId, month: MONTH })
      const t1 = performance.now()
      rawRows = readRaw()
      const t2 = performance.now()
      grids.push(t1 - t0)
      raws.push(t2 - t1)
    }

    // A school year of bulk booking for one child (today → the last day of class), three runs on three children.
    const bulks: number[] = []
    let bulkBooked = 0
    const others = sqlite
      .prepare(
        `SELECT i.family_id AS familyId, i.child_id AS childId, i.site_id AS siteId FROM inscriptions i
          WHERE i.unit_id = 'garderie_soir' AND i.status = 'active' AND i.school_year = '2026-2027' AND i.family_id != ?
          ORDER BY i.child_id LIMIT 3`,
      )
      .all(familyId) as Array<{ familyId: string; childId: string; siteId: string }>
    for (const o of others) {
      const t0 = performance.now()
      const res = (await call('bookings', 'bulk', { ...o, unitId: 'garderie_soir', weekdays: [1, 2, 4, 5], from: '2026-11-16', to: '2027-07-02' })) as { booked: string[] }
      bulks.push(performance.now() - t0)
      bulkBooked = res.booked.length
    }

    const gridP50 = pct(grids, 50)
    const rawP50 = pct(raws, 50)
    const result = {
      bench: 'bookings',
      grid_p95_ms: ms(pct(grids, 95)),
      bulk_year_ms: ms(pct(bulks, 50)),
      grid_ratio: Math.round((gridP50 / rawP50) * 100) / 100,
      grid_p50_ms: ms(gridP50),
      raw_sql_p50_ms: ms(rawP50),
      grid_cells: cells,
      raw_rows: rawRows,
      bulk_days_booked: bulkBooked,
      bulk_runs_ms: bulks.map(ms),
      town_reservations: reservations,
      families: FAMILIES,
    }
    console.log(
      `bookings: month grid (3 children × 4 services, ${cells} cells) p50 ${result.grid_p50_ms} ms, p95 ${result.grid_p95_ms} ms; ` +
        `the same rows in raw SQL p50 ${result.raw_sql_p50_ms} ms (ratio ${result.grid_ratio}); ` +
        `a school year of bulk booking (${bulkBooked} days) ${result.bulk_year_ms} ms; town of ${FAMILIES} families, ${reservations} bookings`,
    )
    console.log(JSON.stringify(result))
  } finally {
    core.close()
  }
}
