import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createCore, type Core } from '../src/main/core'

/**
 * `npm run bench -- durability`: what `synchronous = FULL` costs against `NORMAL` (WAL mode)
 * for the counter's commands. Each command is a booking through the contract's command path
 * (router: validation, role, the reservation, its journal row and its outbox row, one
 * transaction, one commit) on a real database file under bench/.data; then, on the same file,
 * bare one-row transactions (the commit alone). Modes alternate over several rounds; the
 * median round is reported. Env: BENCH_DURABILITY_COMMITS (default 1000).
 */

const ROOT = resolve(__dirname, '..')
const COMMITS = Number(process.env.BENCH_DURABILITY_COMMITS ?? 1000)
const ROUNDS = 5
const WARMUP = 20
type Mode = 'NORMAL' | 'FULL'

interface Round {
  mode: Mode
  commitsPerS: number
  msPerCommit: number
  p95Ms: number
  /** The same file, one-row transactions: the commit itself (the WAL fsync FULL adds), without the command's work. */
  rawMsPerCommit: number
}

const RAW_COMMITS = 1000

function rawCommits(core: Core): number {
  core.sqlite.exec('CREATE TABLE bench_commits (id INTEGER PRIMARY KEY, at TEXT NOT NULL)')
  const insert = core.sqlite.prepare('INSERT INTO bench_commits (at) VALUES (?)')
  const one = core.sqlite.transaction((at: string) => insert.run(at))
  const started = performance.now()
  for (let i = 0; i < RAW_COMMITS; i++) one(String(i))
  return (performance.now() - started) / RAW_COMMITS
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function openTown(dir: string, mode: Mode): Promise<Core> {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const core = await createCore({ dataDir: dir, migrationsFolder: join(ROOT, 'resources/migrations'), demo: { families: 60, seed: 1 }, log: () => {} })
  core.sqlite.pragma(`synchronous = ${mode}`)
  const level = core.sqlite.pragma('synchronous', { simple: true })
  if (level !== (mode === 'FULL' ? 2 : 1)) throw new Error(`synchronous = ${mode} not in force (${String(level)})`)
  if (core.sqlite.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error('WAL mode expected')
  return core
}

async function round(mode: Mode, n: number): Promise<Round> {
  const dir = join(ROOT, 'bench/.data', `durability-${mode.toLowerCase()}`)
  const core = await openTown(dir, mode)
  try {
    const session = core.openSession()
    session.agentId = core.sqlite.prepare(`SELECT id FROM agents WHERE login = 'accueil'`).pluck().get() as string
    const kids = core.sqlite
      .prepare(`SELECT min(family_id) AS familyId, person_id AS childId FROM family_members WHERE role = 'enfant' GROUP BY person_id ORDER BY person_id`)
      .all() as Array<{ familyId: string; childId: string }>
    const site = core.sqlite.prepare(`SELECT id FROM schools ORDER BY id LIMIT 1`).pluck().get() as string
    // One booking per child and day (cantine: 150 places per site and day).
    const inputs = Array.from({ length: n + WARMUP }, (_, i) => {
      const kid = kids[i % kids.length]!
      const date = new Date(Date.UTC(2027, 0, 4 + Math.floor(i / kids.length))).toISOString().slice(0, 10)
      return { ...kid, unitId: 'cantine', siteId: site, date }
    })
    const times: number[] = []
    const outboxBefore = core.sqlite.prepare(`SELECT count(*) FROM outbox`).pluck().get() as number
    let started = 0
    for (const [i, input] of inputs.entries()) {
      if (i === WARMUP) started = performance.now()
      session.lastActivity = core.now().getTime()
      const t0 = performance.now()
      const result = await core.call(session, 'reservations', 'book', input)
      if (!result.ok) throw new Error(`booking refused: ${result.error.code} ${result.error.message}`)
      if (i >= WARMUP) times.push(performance.now() - t0)
    }
    const totalMs = performance.now() - started
    const outbox = (core.sqlite.prepare(`SELECT count(*) FROM outbox`).pluck().get() as number) - outboxBefore
    if (outbox !== n + WARMUP) throw new Error(`expected ${n + WARMUP} outbox rows, found ${outbox}`)
    times.sort((a, b) => a - b)
    const rawMsPerCommit = rawCommits(core)
    return { mode, commitsPerS: (n * 1000) / totalMs, msPerCommit: totalMs / n, p95Ms: percentile(times, 95), rawMsPerCommit }
  } finally {
    core.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export async function runDurabilityBench(): Promise<void> {
  const rounds: Round[] = []
  for (let r = 0; r < ROUNDS; r++) {
    for (const mode of (r % 2 === 0 ? ['NORMAL', 'FULL'] : ['FULL', 'NORMAL']) as Mode[]) {
      const result = await round(mode, COMMITS)
      rounds.push(result)
      console.log(
        `round ${r + 1} ${mode.padEnd(6)} ${result.commitsPerS.toFixed(0).padStart(6)} commits/s  ${result.msPerCommit.toFixed(2)} ms/commit  p95 ${result.p95Ms.toFixed(2)} ms  (bare commit ${result.rawMsPerCommit.toFixed(3)} ms)`,
      )
    }
  }
  const summary = (mode: Mode) => {
    const mine = rounds.filter((r) => r.mode === mode)
    return {
      perS: median(mine.map((r) => r.commitsPerS)),
      ms: median(mine.map((r) => r.msPerCommit)),
      p95: median(mine.map((r) => r.p95Ms)),
      raw: median(mine.map((r) => r.rawMsPerCommit)),
    }
  }
  const normal = summary('NORMAL')
  const full = summary('FULL')
  const r2 = (x: number) => Math.round(x * 100) / 100
  console.log(
    `${COMMITS} bookings (reservation + journal + outbox, one transaction each), median of ${ROUNDS} rounds: ` +
      `NORMAL ${normal.perS.toFixed(0)} commits/s (${normal.ms.toFixed(2)} ms), FULL ${full.perS.toFixed(0)} commits/s (${full.ms.toFixed(2)} ms): ` +
      `FULL costs ${(full.ms - normal.ms).toFixed(2)} ms per commit; a bare one-row commit: NORMAL ${normal.raw.toFixed(3)} ms, FULL ${full.raw.toFixed(3)} ms`,
  )
  const r3 = (x: number) => Math.round(x * 1000) / 1000
  console.log(
    JSON.stringify({
      bench: 'durability',
      commits: COMMITS,
      rounds: ROUNDS,
      normal_commits_per_s: Math.round(normal.perS),
      normal_ms_per_commit: r2(normal.ms),
      normal_p95_ms: r2(normal.p95),
      full_commits_per_s: Math.round(full.perS),
      full_ms_per_commit: r2(full.ms),
      full_p95_ms: r2(full.p95),
      full_extra_ms_per_commit: r2(full.ms - normal.ms),
      bare_commit_normal_ms: r3(normal.raw),
      bare_commit_full_ms: r3(full.raw),
    }),
  )
}
