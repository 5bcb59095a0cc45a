import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { v7 as uuidv7 } from 'uuid'
import { SchoolCalendar, type CalendarPeriod, type UnitCalendar } from '../src/shared/domain/calendar'
import { parisDay } from '../src/shared/domain/dates'
import { EnrolResponseSchema, PushResponseSchema, SCHEMA_HEADER, SYNC_SCHEMA_VERSION, type PushCommand } from '../src/shared/sync/protocol'
import { freePort, portalCliRun, spawnPortal, type PortalProcess } from '../tests/helpers/portal-procs'
import { percentile, ROOT } from './portal'

/**
 * `npm run bench -- portal`: the portal scaled out on PostgreSQL (issue 11). A throwaway
 * PostgreSQL cluster started as in .ci/run (scripts/pg-throwaway.sh; or BENCH_DATABASE_URL, a
 * superuser URL of a server to use instead), a demo town seeded once into a template database,
 * and for each configuration a fresh copy of it (CREATE DATABASE … TEMPLATE), portal processes
 * (`cli.ts serve`) and 16 workstations enrolled over HTTP, each pushing 50-command batches of
 * valid `reservations.book` commands to one instance as fast as it can:
 *
 *   direct     2 instances, PostgreSQL direct
 *   latency_2  2 instances behind a TCP proxy adding DB_LATENCY_MS each way (bench/latency-proxy.ts)
 *   latency_1  1 instance behind the same proxy
 *   freeze     2 instances direct; instance A SIGSTOPped FREEZE_MS at random moments (FREEZE_TRIALS
 *              times): the longest a push on instance B waited during a freeze (from the freeze,
 *              or the push's start if later, to its answer), measured by PROBES workstations on B
 *              pushing one booking at a time on the shared days (a 50-command push lasts seconds
 *              by itself on a busy machine: its figures are printed too)
 *
 * Throughput = commands answered (applied or rejected) per second over the measured window.
 * The days are split in 17 groups and the children in 16: each workstation books its own
 * children on its own days (no common lock key: no contention but the shared tables), and
 * SHARED_SHARE of its commands in the 17th day group, for any child, shared by all (the same
 * service, site and day, or child, as other workstations: real contention, rare). During the
 * freeze trials A's workstations book FREEZE_SHARED_SHARE of their commands on the shared days, B's
 * probes book only there and B's other workstations never do: B's probes meet A's locks.
 *
 * Env: BENCH_DATABASE_URL, BENCH_PORTAL_SECONDS (measured seconds per configuration, default 15),
 * BENCH_PORTAL_FAMILIES (default 2000), BENCH_PORTAL_ONLY=direct,latency_2,latency_1,freeze.
 */

const DB_LATENCY_MS = 2
const WORKSTATIONS = 16
const BATCH = 50
const MEASURE_MS = Number(process.env.BENCH_PORTAL_SECONDS ?? 15) * 1000
const WARMUP_MS = 4000
const FAMILIES = Number(process.env.BENCH_PORTAL_FAMILIES ?? 2000)
const SHARED_SHARE = 0.02
const FREEZE_SHARED_SHARE = 0.4
const FREEZE_TRIALS = 6
/** Workstations on instance B pushing one command at a time during the freeze trials. */
const PROBES = 2
const FREEZE_MS = 4000
const RECOVER_MS = 3000
const GROUPS = WORKSTATIONS + 1
const BOOKABLE_UNITS = ['cantine', 'garderie_matin', 'garderie_soir', 'etude']

const log = (line: string) => console.log(line)
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

// ---- the PostgreSQL server ------------------------------------------------------------------

interface Server {
  /** A superuser URL (database postgres). */
  adminUrl: string
  stop(): void
}

async function startServer(): Promise<Server> {
  const given = process.env.BENCH_DATABASE_URL
  if (given) return { adminUrl: given, stop: () => undefined }
  const dir = mkdtempSync('/tmp/guichet-bench-pg.')
  const script = join(ROOT, 'scripts/pg-throwaway.sh')
  const stop = () => {
    if (existsSync(dir)) execFileSync(script, ['stop', dir], { stdio: 'ignore' })
  }
  try {
    const port = await freePort()
    const adminUrl = execFileSync(script, ['start', dir, String(port)], { encoding: 'utf8' }).trim().split('\n').at(-1)!
    return { adminUrl, stop }
  } catch (error) {
    stop()
    throw error
  }
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}

async function admin<T>(adminUrl: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: adminUrl })
  await c.connect()
  try {
    return await f(c)
  } finally {
    await c.end()
  }
}

// ---- what to book -----------------------------------------------------------------------------

interface Slot {
  familyId: string
  childId: string
  unitId: string
  siteId: string
  date: string
}

/** A small deterministic generator (runs stay comparable). */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[a[i], a[j]] = [a[j]!, a[i]!]
  }
  return a
}

function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T12:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10)
}

function schoolYearOf(day: string): string {
  const y = Number(day.slice(0, 4))
  const start = Number(day.slice(5, 7)) >= 9 ? y : y - 1
  return `${start}-${start + 1}`
}

interface Town {
  /** Slots per day group (GROUPS of them, the last one shared), shuffled. */
  pools: Slot[][]
  agentId: string
  days: number
  sites: number
}

/**
 * Every (enrolled child, service, site, open day) not already booked, from 8 days ahead (past
 * every booking deadline) to the end of the school year, grouped by day.
 */
async function bookableSlots(url: string): Promise<Town> {
  return admin(url, async (c) => {
    const today = parisDay(new Date())
    const year = schoolYearOf(addDays(today, 8))
    const from = addDays(today, 8)
    const to = `${year.slice(5)}-08-31`
    const periods = (await c.query<CalendarPeriod>(`SELECT id, school_year, kind, label, first_day, last_day, unit_id, site_id FROM calendar_periods`)).rows
    const calendar = new SchoolCalendar(periods)
    const units = new Map(
      (await c.query<{ id: string; label: string; calendar: string }>(`SELECT id, label, calendar FROM units WHERE active`)).rows.map((u) => [u.id, u]),
    )
    const inscriptions = (
      await c.query<{ familyId: string; childId: string; unitId: string; siteId: string }>(
        `SELECT i.family_id AS "familyId", i.child_id AS "childId", i.unit_id AS "unitId", i.site_id AS "siteId"
           FROM inscriptions i JOIN unit_sites us ON us.unit_id = i.unit_id AND us.site_id = i.site_id AND us.active
          WHERE i.school_year = $1 AND i.status = 'active' AND i.unit_id = ANY($2)
          ORDER BY i.child_id, i.unit_id`,
        [year, BOOKABLE_UNITS],
      )
    ).rows
    const booked = new Set(
      (
        await c.query<{ k: string }>(
          `SELECT child_id || '|' || unit_id || '|' || date AS k FROM reservations WHERE state IN ('reserve', 'attente', 'sans_reservation') AND date >= $1`,
          [from],
        )
      ).rows.map((r) => r.k),
    )
    const agent = (await c.query<{ id: string }>(`SELECT id FROM agents WHERE login = 'accueil'`)).rows[0]
    if (!agent) throw new Error('no demo agent "accueil"')
    const openDays = new Map<string, string[]>()
    const allDays = new Set<string>()
    for (const i of inscriptions) {
      const key = `${i.unitId}|${i.siteId}`
      if (!openDays.has(key)) {
        const u = units.get(i.unitId)
        const days = u ? calendar.openDays({ id: u.id, label: u.label, calendar: u.calendar as UnitCalendar }, i.siteId, from, to) : []
        openDays.set(key, days)
        for (const d of days) allDays.add(d)
      }
    }
    // Workstation w books its own children (a counter serves its families) on its own days; the
    // last day group is shared by all: the same days, sites and children as the others'.
    const dayGroup = new Map([...allDays].sort().map((d, n) => [d, n % GROUPS]))
    const childGroup = new Map([...new Set(inscriptions.map((i) => i.childId))].map((c, n) => [c, n % WORKSTATIONS]))
    const pools: Slot[][] = Array.from({ length: GROUPS }, () => [])
    for (const i of inscriptions) {
      for (const date of openDays.get(`${i.unitId}|${i.siteId}`) ?? []) {
        const g = dayGroup.get(date)!
        if (g !== GROUPS - 1 && g !== childGroup.get(i.childId)) continue
        if (booked.has(`${i.childId}|${i.unitId}|${date}`)) continue
        pools[g]!.push({ ...i, date })
      }
    }
    const rand = rng(11)
    for (const p of pools) shuffle(p, rand)
    return { pools, agentId: agent.id, days: allDays.size, sites: new Set(inscriptions.map((i) => i.siteId)).size }
  })
}

// ---- workstations ------------------------------------------------------------------------------

interface Workstation {
  name: string
  token: string
  instance: number
  url: string
  seq: number
  /** Sent, not answered yet (resent after an error). */
  pending: PushCommand[]
  own: { pool: Slot[]; next: number }
}

interface PushRecord {
  instance: number
  start: number
  end: number
  answered: number
  rejected: number
  error: boolean
}

async function post(url: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/api/v1${path}`, {
    method: 'POST',
    headers: {
      [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION),
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  })
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = JSON.parse(text)
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed }
}

/**
 * The 16 workstations (round robin over the instances), then `probes` more on the last instance,
 * booking one command at a time on the shared days (starting halfway through them).
 */
async function enrolAll(instances: PortalProcess[], town: Town, probes = 0): Promise<Workstation[]> {
  const login = await post(instances[0]!.url, '/admin/login', { login: 'responsable', password: 'responsable-2026' })
  if (login.status !== 200) throw new Error(`admin login: ${login.status} ${JSON.stringify(login.body)}`)
  const adminToken = (login.body as { token: string }).token
  const out: Workstation[] = []
  for (let w = 0; w < WORKSTATIONS + probes; w++) {
    const probe = w >= WORKSTATIONS
    const name = probe ? `Sonde bench ${w - WORKSTATIONS + 1}` : `Guichet bench ${w + 1}`
    const code = await post(instances[0]!.url, '/admin/enrolment-codes', { name }, adminToken)
    if (code.status !== 201) throw new Error(`enrolment code: ${code.status} ${JSON.stringify(code.body)}`)
    const instance = probe ? instances.length - 1 : w % instances.length
    const url = instances[instance]!.url
    const enrolled = await post(url, '/workstations/enrol', { code: (code.body as { code: string }).code })
    if (enrolled.status !== 200) throw new Error(`enrol: ${enrolled.status} ${JSON.stringify(enrolled.body)}`)
    const { token } = EnrolResponseSchema.parse(enrolled.body)
    const shared = town.pools[GROUPS - 1]!
    const own = probe ? { pool: shared, next: Math.floor(shared.length / 2) + w * 1000 } : { pool: town.pools[w]!, next: 0 }
    out.push({ name, token, instance, url, seq: 0, pending: [], own })
  }
  return out
}

interface Load {
  records: PushRecord[]
  codes: Map<string, number>
  /** Stops the workstations and waits for their last push. */
  stop(): Promise<void>
}

/** Every workstation pushes batches of `batch` bookings to its instance, as fast as it can (or `pauseMs` apart). */
function startLoad(wss: Workstation[], town: Town, agentId: string, sharedShare: number, opts: { batch?: number; pauseMs?: number } = {}): Load {
  const shared = { pool: town.pools[GROUPS - 1]!, next: 0 }
  const records: PushRecord[] = []
  const codes = new Map<string, number>()
  const rand = rng(7)
  let stopped = false
  let firstError = false
  const take = (from: { pool: Slot[]; next: number }): Slot => from.pool[from.next++ % from.pool.length]!
  const batch = (ws: Workstation): PushCommand[] => {
    const out: PushCommand[] = []
    for (let i = 0; i < (opts.batch ?? BATCH); i++) {
      const s = take(rand() < sharedShare ? shared : ws.own)
      out.push({
        seq: ++ws.seq,
        id: uuidv7(),
        name: 'reservations.book',
        payload: { id: uuidv7(), familyId: s.familyId, childId: s.childId, unitId: s.unitId, siteId: s.siteId, date: s.date, waitlist: true },
        at: new Date().toISOString(),
        agentId,
      })
    }
    return out
  }
  const loop = async (ws: Workstation) => {
    while (!stopped) {
      if (ws.pending.length === 0) ws.pending = batch(ws)
      const start = performance.now()
      let answered = 0
      let rejected = 0
      let error = false
      try {
        const res = await post(ws.url, '/sync/push', { schemaVersion: SYNC_SCHEMA_VERSION, commands: ws.pending }, ws.token)
        if (res.status !== 200) throw new Error(`push ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`)
        const { results } = PushResponseSchema.parse(res.body)
        const done = new Set<number>()
        for (const r of results) {
          if (!ws.pending.some((c) => c.seq === r.seq)) continue
          done.add(r.seq)
          answered++
          if (r.status === 'rejected') {
            rejected++
            codes.set(r.code ?? '?', (codes.get(r.code ?? '?') ?? 0) + 1)
          }
        }
        ws.pending = ws.pending.filter((c) => !done.has(c.seq))
      } catch (e) {
        error = true
        if (!firstError) {
          firstError = true
          log(`premier envoi en erreur (${ws.name}) : ${String(e).slice(0, 600)}`)
        }
        codes.set(`HTTP:${String(e).slice(0, 60)}`, (codes.get(`HTTP:${String(e).slice(0, 60)}`) ?? 0) + 1)
        await sleep(50)
      }
      records.push({ instance: ws.instance, start, end: performance.now(), answered, rejected, error })
      if (opts.pauseMs) await sleep(opts.pauseMs)
    }
  }
  const running = wss.map((ws) => loop(ws))
  return {
    records,
    codes,
    stop: async () => {
      stopped = true
      await Promise.all(running)
    },
  }
}

interface Figures {
  cmdsPerS: number
  rejectedShare: number
  p95Ms: number
  pushes: number
  errors: number
}

/**
 * Commands answered per second in [from, to): each push's answers are spread evenly over its
 * duration and counted for the part inside the window (a 50-command push can last seconds: counting
 * whole pushes by their end would make a 15 s window coarse).
 */
function figures(records: PushRecord[], from: number, to: number): Figures {
  const inWindow = records.filter((r) => r.end >= from && r.end < to)
  const share = (r: PushRecord) => Math.max(0, Math.min(r.end, to) - Math.max(r.start, from)) / Math.max(1e-6, r.end - r.start)
  const answered = records.reduce((n, r) => n + r.answered * share(r), 0)
  const rejected = records.reduce((n, r) => n + r.rejected * share(r), 0)
  const lat = inWindow.map((r) => r.end - r.start).sort((a, b) => a - b)
  return {
    cmdsPerS: answered / ((to - from) / 1000),
    rejectedShare: answered === 0 ? 0 : rejected / answered,
    p95Ms: percentile(lat, 95),
    pushes: inWindow.length,
    errors: inWindow.filter((r) => r.error).length,
  }
}

function topCodes(codes: Map<string, number>): string {
  const list = [...codes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4)
  return list.length === 0 ? 'aucun refus' : list.map(([c, n]) => `${c} ${n}`).join(', ')
}

// ---- processes ---------------------------------------------------------------------------------

/** The process and its descendants (a freeze stops the whole tree, whatever launcher runs the server). */
function processTree(pid: number): number[] {
  const out = [pid]
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!
    try {
      const children = readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim()
      if (children) out.push(...children.split(/\s+/).map(Number))
    } catch {
      // gone, or no /proc: the process itself only
    }
  }
  return out
}

function signalTree(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal)
    } catch {
      // already gone
    }
  }
}

/** Every portal process still running (killed at once on SIGINT/SIGTERM). */
const live = new Set<PortalProcess>()

interface Run {
  instances: PortalProcess[]
  wss: Workstation[]
  /** Starts instance i again (it died): its workstations follow it to its new address. */
  respawn(i: number): Promise<void>
  close(): Promise<void>
}

/** A fresh copy of the town, `count` portal processes (through the proxy when given), 16 workstations. */
async function openRun(server: Server, template: string, name: string, count: number, town: Town, proxy: LatencyProxy | null, probes = 0): Promise<Run> {
  const closers: Array<() => Promise<void> | void> = []
  const close = async () => {
    for (const f of closers.reverse()) await Promise.resolve(f()).catch(() => undefined)
  }
  try {
    await admin(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
    await admin(server.adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`))
    closers.push(() => admin(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined))
    const direct = withDatabase(server.adminUrl, name)
    let requests = direct
    if (proxy) {
      const u = new URL(direct)
      u.port = String(proxy.port)
      requests = u.toString()
    }
    const spawnOne = async (): Promise<PortalProcess> => {
      const dataDir = mkdtempSync(join(tmpdir(), 'guichet-bench-portal-'))
      closers.push(() => rmSync(dataDir, { recursive: true, force: true }))
      const p = await spawnPortal({ databaseUrl: requests, directUrl: direct, dataDir, logLevel: 'error' })
      const tree = () => processTree(p.pid)
      closers.push(async () => {
        signalTree(tree(), 'SIGCONT')
        const pids = tree()
        await p.stop()
        signalTree(pids, 'SIGKILL')
      })
      live.add(p)
      closers.push(() => void live.delete(p))
      return p
    }
    const instances: PortalProcess[] = []
    for (let i = 0; i < count; i++) instances.push(await spawnOne())
    const wss = await enrolAll(instances, town, probes)
    const respawn = async (i: number) => {
      const p = await spawnOne()
      instances[i] = p
      for (const ws of wss) if (ws.instance === i) ws.url = p.url
    }
    return { instances, wss, respawn, close }
  } catch (error) {
    await close()
    throw error
  }
}

// ---- the latency proxy (a process of its own: its timers are not held up by the workstations) ---

interface LatencyProxy {
  port: number
  close(): Promise<void>
}

async function spawnLatencyProxy(target: { host: string; port: number }, delayMs: number): Promise<LatencyProxy> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/latency-proxy.ts'), target.host, String(target.port), String(delayMs)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let out = ''
  const port = await new Promise<number>((ok, ko) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /port (\d+)/.exec(out)
      if (m) ok(Number(m[1]))
    })
    void exited.then(() => ko(new Error(`latency proxy exited: ${out}`)))
  })
  return {
    port,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** The median time of `SELECT 1` over a connection to `url` (ms). */
async function roundTripMs(url: string): Promise<number> {
  return admin(url, async (c) => {
    const times: number[] = []
    for (let i = 0; i < 40; i++) {
      const t = performance.now()
      await c.query('SELECT 1')
      times.push(performance.now() - t)
    }
    return percentile(times.sort((a, b) => a - b), 50)
  })
}

// ---- the configurations ------------------------------------------------------------------------

async function throughput(label: string, server: Server, template: string, town: Town, count: number, proxy: LatencyProxy | null): Promise<Figures> {
  const run = await openRun(server, template, `bench_${label}_${process.pid}`, count, town, proxy)
  try {
    const load = startLoad(run.wss, town, town.agentId, SHARED_SHARE)
    await sleep(WARMUP_MS)
    const from = performance.now()
    await sleep(MEASURE_MS)
    const to = performance.now()
    await load.stop()
    const f = figures(load.records, from, to)
    if (load.records.some((r) => r.error)) {
      for (const [i, p] of run.instances.entries()) log(`instance ${i} (fin de son journal) : ${p.output().slice(-1500)}`)
    }
    log(
      `${label.padEnd(10)} ${count} instance${count > 1 ? 's' : ' '} ${proxy ? `+${DB_LATENCY_MS} ms/sens` : 'direct   '} : ` +
        `${Math.round(f.cmdsPerS)} commandes/s, p95 d’un envoi de ${BATCH} ${Math.round(f.p95Ms)} ms, ` +
        `refusées ${(f.rejectedShare * 100).toFixed(1)} % (${topCodes(load.codes)}), ${f.pushes} envois${f.errors ? `, ${f.errors} en erreur` : ''}`,
    )
    return f
  } finally {
    await run.close()
  }
}

async function freezeStall(server: Server, template: string, town: Town): Promise<number> {
  const run = await openRun(server, template, `bench_freeze_${process.pid}`, 2, town, null, PROBES)
  try {
    // A's workstations book FREEZE_SHARED_SHARE of their commands on the shared days (A holds their
    // keys when it freezes); B's book their own days only, so that what B's probes wait for is the
    // frozen peer, not B's own 50-command pushes on the same days.
    const loadA = startLoad(run.wss.slice(0, WORKSTATIONS).filter((w) => w.instance === 0), town, town.agentId, FREEZE_SHARED_SHARE)
    const loadB = startLoad(run.wss.slice(0, WORKSTATIONS).filter((w) => w.instance === 1), town, town.agentId, 0)
    // Probes on B: one booking per push, on the days every workstation books (A's locks among them).
    const probe = startLoad(run.wss.slice(WORKSTATIONS), town, town.agentId, 0, { batch: 1, pauseMs: 20 })
    await sleep(WARMUP_MS)
    const rand = rng(3)
    const windows: Array<[number, number]> = []
    const deaths: string[] = []
    for (let t = 0; t < FREEZE_TRIALS; t++) {
      await sleep(500 + rand() * 2500)
      const pids = processTree(run.instances[0]!.pid)
      const stopAt = performance.now()
      signalTree(pids, 'SIGSTOP')
      await sleep(FREEZE_MS)
      signalTree(pids, 'SIGCONT')
      windows.push([stopAt, performance.now()])
      await sleep(RECOVER_MS)
      // An instance that did not survive its freeze is reported, and started again for the next trial.
      for (const [i, p] of run.instances.entries()) {
        if (p.child.exitCode !== null || p.child.signalCode !== null) {
          deaths.push(`essai ${t + 1}, instance ${i === 0 ? 'A' : 'B'} (${p.child.exitCode ?? p.child.signalCode})`)
          if (deaths.length === 1) log(`instance ${i === 0 ? 'A' : 'B'} morte après le gel (fin de son journal) : ${p.output().slice(-1200)}`)
          await run.respawn(i)
        }
      }
    }
    await Promise.all([loadA.stop(), loadB.stop(), probe.stop()])
    // A push on B waited, during a freeze of A, from the freeze (or its own start, if later) to its answer.
    const waited = (records: PushRecord[], [s, e]: [number, number]) =>
      Math.max(0, ...records.filter((r) => r.instance === 1 && r.start < e && r.end > s).map((r) => r.end - Math.max(r.start, s)))
    const stalls = windows.map((w) => waited(probe.records, w))
    const batchStalls = windows.map((w) => waited(loadB.records, w))
    const calm = probe.records.filter((r) => r.instance === 1 && windows.every(([s, e]) => r.end < s || r.start > e + RECOVER_MS))
    const calmP95 = percentile(calm.map((r) => r.end - r.start).sort((x, y) => x - y), 95)
    const worst = Math.max(...stalls)
    log(
      `freeze     2 instances direct   : A gelée ${FREEZE_TRIALS} × ${FREEZE_MS / 1000} s (SIGSTOP), plus longue attente d’un envoi d’une commande sur B pendant le gel ${Math.round(worst)} ms ` +
        `(essais : ${stalls.map((s) => Math.round(s)).join(', ')} ms ; p95 hors gel ${Math.round(calmP95)} ms ; ` +
        `envois de ${BATCH} sur B : ${batchStalls.map((s) => Math.round(s)).join(', ')} ms ; A : ${topCodes(loadA.codes)} ; B : ${topCodes(loadB.codes)})` +
        (deaths.length > 0 ? ` ; ${deaths.length} instance(s) morte(s) après un gel, redémarrée(s) : ${deaths.join(' ; ')}` : ''),
    )
    return worst
  } finally {
    await run.close()
  }
}

export async function runPortalScaleBench(): Promise<void> {
  const only = new Set((process.env.BENCH_PORTAL_ONLY ?? 'direct,latency_2,latency_1,freeze').split(',').map((s) => s.trim()))
  const server = await startServer()
  let proxy: LatencyProxy | null = null
  let templateDropped = false
  const template = `bench_town_${FAMILIES}_${process.pid}`
  const dropTemplate = async () => {
    if (templateDropped) return
    templateDropped = true
    await admin(server.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`)).catch(() => undefined)
  }
  const onSignal = () => {
    // Interrupted: no clean-up step can be awaited here, so everything goes at once.
    for (const p of live) signalTree(processTree(p.pid), 'SIGKILL')
    server.stop()
    process.exit(130)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    log(`PostgreSQL : ${process.env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'grappe jetable (scripts/pg-throwaway.sh)'}`)
    await admin(server.adminUrl, (c) => c.query(`CREATE DATABASE ${template}`))
    const templateUrl = withDatabase(server.adminUrl, template)
    const seedDir = mkdtempSync(join(tmpdir(), 'guichet-bench-seed-'))
    const t = performance.now()
    try {
      await portalCliRun(['demo', '--families', String(FAMILIES), '--seed', '1'], { databaseUrl: templateUrl, dataDir: seedDir })
    } finally {
      rmSync(seedDir, { recursive: true, force: true })
    }
    const town = await bookableSlots(templateUrl)
    log(
      `ville de démonstration : ${FAMILIES} familles en ${((performance.now() - t) / 1000).toFixed(1)} s ; ` +
        `${town.pools.reduce((n, p) => n + p.length, 0)} réservations possibles sur ${town.days} jours et ${town.sites} sites ` +
        `(${Math.min(...town.pools.slice(0, WORKSTATIONS).map((p) => p.length))} au moins par poste, ${town.pools[GROUPS - 1]!.length} dans le groupe de jours partagé) ; ${WORKSTATIONS} postes, envois de ${BATCH}, ` +
        `${MEASURE_MS / 1000} s mesurées par configuration`,
    )
    const server2 = new URL(server.adminUrl)
    const result: Record<string, number> = {}
    if (only.has('direct')) result.direct = (await throughput('direct', server, template, town, 2, null)).cmdsPerS
    if (only.has('latency_2') || only.has('latency_1')) {
      proxy = await spawnLatencyProxy({ host: server2.hostname, port: Number(server2.port || 5432) }, DB_LATENCY_MS)
      const viaProxy = new URL(server.adminUrl)
      viaProxy.port = String(proxy.port)
      log(`aller-retour SELECT 1 (médiane, au repos) : direct ${(await roundTripMs(server.adminUrl)).toFixed(2)} ms, par le relais ${(await roundTripMs(viaProxy.toString())).toFixed(2)} ms`)
      if (only.has('latency_2')) result.latency_2 = (await throughput('latency_2', server, template, town, 2, proxy)).cmdsPerS
      if (only.has('latency_1')) result.latency_1 = (await throughput('latency_1', server, template, town, 1, proxy)).cmdsPerS
      await proxy.close()
      proxy = null
    }
    const stall = only.has('freeze') ? await freezeStall(server, template, town) : null
    const round = (n: number | undefined) => (n === undefined ? null : Math.round(n))
    console.log(
      JSON.stringify({
        bench: 'portal',
        db_latency_ms: DB_LATENCY_MS,
        push_cmds_per_s_direct: round(result.direct),
        push_cmds_per_s_latency_1: round(result.latency_1),
        push_cmds_per_s_latency_2: round(result.latency_2),
        latency_hiding: result.direct && result.latency_2 !== undefined ? Math.round((result.latency_2 / result.direct) * 100) / 100 : null,
        write_stall_ms_when_peer_frozen: stall === null ? null : Math.round(stall),
      }),
    )
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await proxy?.close().catch(() => undefined)
    await dropTemplate()
    server.stop()
  }
}
