import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createCore, type Core } from '../src/main/core'
import { openDatabase } from '../src/main/core/db/client'
import { searchFamilies } from '../src/main/core/services/search'
import { createSyncEngine, type SyncEngine } from '../src/main/core/sync/engine'
import { MemoryTokenStore } from '../src/main/core/sync/token'
import { DEMO_AGENTS } from '../src/main/core/handlers'
import { columnsOf, entityOrder } from '@shared/sync/entities'
import { cachedTown, enrolmentCode, freshCopy, percentile, ROOT, servePortal } from './portal'

/**
 * `npm run bench -- sync`: a 20 000-family town on the embedded portal (PGlite, cached under
 * bench/.data), then, over loopback:
 *  - bootstrap of a fresh workstation (enrolment, snapshot download, import, pull), timed,
 *    against a raw prepared-statement insert of the same rows into an empty database file;
 *  - the family search's p95 while the bootstrap imports (searches run between import chunks);
 *  - 1 000 bookings pushed by one workstation and pulled by a second one.
 */

const FAMILIES = 20_000
const COMMANDS = 1_000
const MIGRATIONS = join(ROOT, 'resources/migrations')
const TODAY = '2026-11-27'

async function workstation(dir: string, portalUrl: string, code: string): Promise<{ core: Core; engine: SyncEngine }> {
  const core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
  const engine = createSyncEngine({ core, tokenStore: new MemoryTokenStore(), intervalSeconds: 3600, log: process.env.BENCH_VERBOSE ? (l) => console.error(`${(performance.now() / 1000).toFixed(2)} ${l}`) : () => {} })
  core.attachSync(engine)
  await engine.enrol(portalUrl, code)
  return { core, engine }
}

function countRows(sqlite: Database.Database): number {
  return entityOrder.reduce((n, e) => n + (sqlite.prepare(`SELECT count(*) FROM ${e}`).pluck().get() as number), 0)
}

/** The same rows inserted with plain prepared statements, one transaction, into an empty migrated file. */
async function rawInsert(from: Database.Database, dir: string): Promise<number> {
  const rows = entityOrder.map((e) => ({ e, cols: columnsOf(e), rows: from.prepare(`SELECT ${columnsOf(e).join(', ')} FROM ${e}`).raw().all() as unknown[][] }))
  const { sqlite } = await openDatabase({ file: join(dir, 'raw.sqlite'), migrationsFolder: MIGRATIONS })
  const t = performance.now()
  sqlite.transaction(() => {
    for (const { e, cols, rows: list } of rows) {
      const stmt = sqlite.prepare(`INSERT INTO ${e} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      for (const r of list) stmt.run(...r)
    }
  })()
  const seconds = (performance.now() - t) / 1000
  sqlite.close()
  return seconds
}

/** School days (no Wednesday, no weekend) after `from`. */
function schoolDays(from: string, n: number): string[] {
  const out: string[] = []
  const d = new Date(`${from}T12:00:00Z`)
  while (out.length < n) {
    d.setUTCDate(d.getUTCDate() + 1)
    const wd = d.getUTCDay()
    if (wd !== 0 && wd !== 3 && wd !== 6) out.push(d.toISOString().slice(0, 10))
  }
  return out
}

export async function runSyncBench(): Promise<void> {
  // The cached town (seeded once), copied afresh for this run: runs are repeatable, the cache
  // never grows (each run pushes 1 000 bookings into its own copy).
  const { dbDir, seedS } = cachedTown(FAMILIES, (line) => console.error(`bench sync : ${line}`))
  const work = mkdtempSync(join(tmpdir(), 'guichet-bench-sync-'))
  const runDir = freshCopy(dbDir, join(work, 'portal'))
  // Enrolment codes are made before the server holds the database folder.
  const codes = [1, 2].map((i) => enrolmentCode(runDir, `Banc ${i}`))
  // The portal is another process, as in production: its work never blocks the workstation's event loop.
  const portal = await servePortal(runDir)

  try {
    // Workstation B first (untimed): the portal is then warm, with a current snapshot, as a
    // portal in service is; B also receives the bookings later.
    const b = await workstation(join(work, 'b'), portal.url, codes[1]!)
    await b.engine.syncNow()

    // --- bootstrap of a fresh workstation, with searches running between import chunks
    const dirA = join(work, 'a')
    const core = await createCore({ dataDir: dirA, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
    const engine = createSyncEngine({ core, tokenStore: new MemoryTokenStore(), intervalSeconds: 3600, log: process.env.BENCH_VERBOSE ? (l) => console.error(`${(performance.now() / 1000).toFixed(2)} ${l}`) : () => {} })
    core.attachSync(engine)
    const queries = ['lefevre', 'martin', 'dubois', 'jean baptiste', 'lea', 'bernard', 'nguyen', 'petit', 'moreau', 'laurent']
    const during: number[] = []
    let bootstrapping = true
    // An agent typing during the bootstrap: a search is due every 5 ms; its latency runs from
    // when it was due (not from when the event loop got to it) to its answer, so any long
    // blocking step of the import shows up in the figures.
    const searcher = (async () => {
      const start = performance.now()
      let k = 0
      while (bootstrapping) {
        const due = start + ++k * 5
        await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
        while (bootstrapping && due <= performance.now()) {
          searchFamilies(core.sqlite, queries[k % queries.length]!)
          during.push(performance.now() - (start + k * 5))
          if (start + (k + 1) * 5 > performance.now()) break
          k++
        }
      }
    })()
    const verbose = (what: string) => {
      if (process.env.BENCH_VERBOSE) console.error(`${(performance.now() / 1000).toFixed(2)} ${what}`)
    }
    const t0 = performance.now()
    verbose('enrolment…')
    await engine.enrol(portal.url, codes[0]!)
    verbose('enrolled; syncing…')
    await engine.syncNow()
    verbose('bootstrap done')
    const bootstrapS = (performance.now() - t0) / 1000
    bootstrapping = false
    await searcher
    const status = engine.status()
    if (status.state === 'error' || status.state === 'offline') throw new Error(`bootstrap failed: ${status.lastError}`)
    const rows = countRows(core.sqlite)
    const rawS = await rawInsert(core.sqlite, work)

    // --- 1 000 bookings at workstation A, pushed, then pulled by workstation B
    const session = core.openSession()
    const agent = DEMO_AGENTS[0]
    const login = await core.call(session, 'session', 'login', { login: agent.login, password: agent.password })
    if (!login.ok) throw new Error(`login: ${login.error.code}`)
    const children = core.sqlite
      .prepare(
        `SELECT m.family_id AS familyId, m.person_id AS childId, s.school_id AS siteId
         FROM family_members m JOIN schoolings s ON s.person_id = m.person_id
         WHERE m.role = 'enfant' GROUP BY m.person_id ORDER BY m.person_id LIMIT ?`,
      )
      .all(COMMANDS) as Array<{ familyId: string; childId: string; siteId: string }>
    // Days after every booking already on the portal (none in the seeded town), so the bookings find free days.
    const lastBooked = core.sqlite.prepare('SELECT max(date) FROM reservations').pluck().get() as string | null
    const days = schoolDays(lastBooked && lastBooked > TODAY ? lastBooked : TODAY, 20)
    for (let i = 0; i < COMMANDS; i++) {
      const c = children[i % children.length]!
      const r = await core.call(session, 'reservations', 'book', { ...c, unitId: 'cantine', date: days[i % days.length]! })
      if (!r.ok) throw new Error(`booking ${i}: ${r.error.code} ${r.error.details?.reason ?? ''}`)
    }
    const before = b.core.sqlite.prepare('SELECT count(*) FROM reservations').pluck().get() as number
    const t1 = performance.now()
    await engine.syncNow()
    await b.engine.syncNow()
    const roundtripS = (performance.now() - t1) / 1000
    const arrived = (b.core.sqlite.prepare('SELECT count(*) FROM reservations').pluck().get() as number) - before
    if (arrived !== COMMANDS) throw new Error(`workstation B received ${arrived} of ${COMMANDS} bookings`)
    const pendingA = engine.status().pending

    await engine.stop()
    await b.engine.stop()
    core.close()
    b.core.close()

    during.sort((x, y) => x - y)
    const round = (x: number) => Math.round(x * 1000) / 1000
    const result = {
      bench: 'sync',
      families: FAMILIES,
      bootstrap_rows: rows,
      bootstrap_s: round(bootstrapS),
      raw_insert_s: round(rawS),
      ratio_bootstrap: round(bootstrapS / rawS),
      roundtrip_1000_s: round(roundtripS),
      search_p95_during_bootstrap_ms: round(percentile(during, 95)),
      searches_during_bootstrap: during.length,
      pending_after: pendingA,
      portal: 'pglite',
      portal_seed_s: round(seedS),
    }
    console.log(
      `sync: ${FAMILIES} familles, ${rows} lignes — amorçage ${result.bootstrap_s} s (insertion brute ${result.raw_insert_s} s, ratio ${result.ratio_bootstrap}) ; ` +
        `recherche p95 pendant l'amorçage ${result.search_p95_during_bootstrap_ms} ms (${during.length} recherches) ; ` +
        `${COMMANDS} réservations poussées et reçues par un autre poste en ${result.roundtrip_1000_s} s`,
    )
    console.log(JSON.stringify(result))
  } finally {
    await portal.stop()
    rmSync(work, { recursive: true, force: true })
  }
}
