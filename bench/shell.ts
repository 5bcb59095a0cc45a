import { spawn } from 'node:child_process'
import { Agent, request } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER, type Result, type SyncStatus } from '@shared/contract'
import { createCore } from '../src/main/core'
import { createAgent } from '../src/main/core/services/agents'
import { startWebShell, type RunningWebShell } from '../src/main/web/shell'
import { cachedTown, enrolmentCode, freshCopy, percentile, ROOT, servePortal, type ServedPortal } from './portal'

/**
 * `npm run bench -- shell`: the web shell as it runs here (this process is the shell: Fastify on
 * loopback; the core runs in its host child process, src/main/host/child.ts), a workstation
 * that bootstraps a 20 000-family town from the bench portal (PGlite, cached under bench/.data
 * like `bench -- sync`, served by its own process). Measured in this process:
 *  - the event-loop delay (perf_hooks.monitorEventLoopDelay, 1 ms resolution) from the moment
 *    the host is up until the end, through the bootstrap and the idle searches;
 *  - the family search as the renderer sees it, over HTTP (POST with the shell's token) and over
 *    the core host's channel (the shell's own IPC to the host), one search at a time every
 *    10 ms, while the workstation bootstraps, then idle on the full town.
 */

const FAMILIES = 20_000
const IDLE_SEARCHES = 400
const MIGRATIONS = join(ROOT, 'resources/migrations')
const BENCH_AGENT = { login: 'banc', password: 'banc-du-shell-2026', displayName: 'Banc Shell', role: 'accueil' as const }
const QUERIES = ['lefevre', 'martin', 'dubois', 'jean baptiste', 'lea', 'bernard', 'nguyen', 'petit', 'moreau', 'laurent', 'garcia', 'rous']
/**
 * A witness: an idle Node process measuring its own event-loop delay over the same window. On a
 * busy shared machine it shows how much of the shell's figure is the machine's (scheduling)
 * rather than the shell's own work.
 */
function startWitness(): { stop: () => Promise<{ p99: number; max: number } | null> } {
  const code = `const { monitorEventLoopDelay } = require('node:perf_hooks')
const h = monitorEventLoopDelay({ resolution: 1 }); h.enable()
process.stdin.resume()
process.stdin.on('end', () => { h.disable(); process.stdout.write(JSON.stringify({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 })); process.exit(0) })`
  const child = spawn(process.execPath, ['-e', code], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  return {
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r))
      child.stdin!.end()
      await exited
      try {
        return JSON.parse(out) as { p99: number; max: number }
      } catch {
        return null
      }
    },
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export async function runShellBench(): Promise<void> {
  // The cached town of `bench -- sync`, copied afresh for this run: the cache never changes.
  const { dbDir } = cachedTown(FAMILIES, (line) => console.error(`bench shell : ${line}`))
  const work = mkdtempSync(join(tmpdir(), 'guichet-bench-shell-'))
  const runDir = freshCopy(dbDir, join(work, 'portal'))
  const dataDir = join(work, 'poste')
  let shell: RunningWebShell | null = null
  let portal: ServedPortal | null = null
  try {
    const code = enrolmentCode(runDir, 'Banc shell')
    portal = await servePortal(runDir)

    // A counter agent exists before the town arrives, so that the searches run during the bootstrap.
    const pre = await createCore({ dataDir, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
    createAgent(pre.sqlite, BENCH_AGENT)
    pre.close()

    const verbose = (what: string) => {
      if (process.env.BENCH_VERBOSE) console.error(`${(performance.now() / 1000).toFixed(2)} ${what}`)
    }
    shell = await startWebShell({
      config: { dataDir, migrationsFolder: MIGRATIONS },
      hostEntry: join(ROOT, 'src/main/host/child.ts'),
      hostExecArgv: ['--import', 'tsx'],
      rendererDir: join(ROOT, 'out/renderer'),
      port: 0,
      // Enrolled at the host's start; the engine's first round is the bootstrap.
      env: { ...process.env, GUICHET_PORTAL_URL: portal.url, GUICHET_ENROL_CODE: code, GUICHET_SYNC_INTERVAL_SECONDS: '3600' },
      log: process.env.BENCH_VERBOSE ? (l) => console.error(l) : () => {},
    })
    const { host, address, token } = shell
    // The renderer's POST, as a browser sends it (one kept-alive connection). node:http rather
    // than fetch: undici's own per-request work would be counted as the shell's.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const overHttp = (ns: string, method: string, input: unknown): Promise<Result<unknown>> =>
      new Promise((resolveCall, reject) => {
        const body = JSON.stringify(input)
        const req = request(
          `${address}${HTTP_API_PREFIX}/${ns}/${method}`,
          {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), [HTTP_TOKEN_HEADER]: token },
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (c: Buffer) => chunks.push(c))
            res.on('end', () => {
              try {
                resolveCall(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Result<unknown>)
              } catch (error) {
                reject(error instanceof Error ? error : new Error(String(error)))
              }
            })
          },
        )
        req.on('error', reject)
        req.end(body)
      })
    const overChannel = (ns: string, method: string, input: unknown) => host.call(ns, method, input)

    // The whole run (the JSON figures), and each phase on its own (the human line).
    const loop = monitorEventLoopDelay({ resolution: 1 })
    const phase = monitorEventLoopDelay({ resolution: 1 })
    await host.whenReady()
    // The page's first calls (its load): warms the HTTP client and the shell's first-request paths.
    for (let i = 0; i < 5; i++) {
      await overHttp('session', 'status', {})
      await overChannel('session', 'status', {})
    }
    const witness = startWitness()
    loop.enable()
    phase.enable()
    // BENCH_VERBOSE: when did the shell's loop stall?
    let last = performance.now()
    const stalls = process.env.BENCH_VERBOSE
      ? setInterval(() => {
          const now = performance.now()
          if (now - last > 30) verbose(`boucle bloquée ${(now - last).toFixed(0)} ms`)
          last = now
        }, 5)
      : undefined
    verbose('host ready (enrolled); bootstrap running')
    const login = await overHttp('session', 'login', { login: BENCH_AGENT.login, password: BENCH_AGENT.password })
    if (!login.ok) throw new Error(`login: ${login.error.code} ${login.error.message}`)

    /** One search at a time every `everyMs`, alternating HTTP and the host channel, while `go()`. */
    let label = () => ''
    const searchLoop = async (go: () => boolean, everyMs: number, max = Infinity) => {
      const http: number[] = []
      const channel: number[] = []
      let k = 0
      while (go() && k < max) {
        const q = QUERIES[k % QUERIES.length]!
        const via = k % 2 === 0 ? overHttp : overChannel
        const t = performance.now()
        const r = await via('families', 'search', { q })
        const ms = performance.now() - t
        if (!r.ok) throw new Error(`search "${q}": ${r.error.code} ${r.error.message}`)
        if (ms > 25) verbose(`recherche lente ${ms.toFixed(0)} ms (${k % 2 === 0 ? 'HTTP' : 'canal'}) ${label()}`)
        ;(k % 2 === 0 ? http : channel).push(ms)
        k++
        if (everyMs > 0) await sleep(everyMs)
      }
      return { http: http.sort((a, b) => a - b), channel: channel.sort((a, b) => a - b) }
    }

    // --- during the bootstrap
    let status: SyncStatus | null = null
    let bootstrapping = true
    const t0 = performance.now()
    const watcher = (async () => {
      for (;;) {
        const r = await overChannel('sync', 'status', {})
        if (r.ok) {
          status = r.data as SyncStatus
          if (status.lastSyncAt && status.state !== 'bootstrapping' && status.state !== 'syncing') break
          if (status.state === 'error' || status.state === 'offline') break
        }
        await sleep(100)
      }
      bootstrapping = false
    })()
    label = () => (status ? `${status.state} ${JSON.stringify(status.bootstrap)}` : '')
    const during = await searchLoop(() => bootstrapping, 10)
    label = () => ''
    await watcher
    const bootstrapS = (performance.now() - t0) / 1000
    const final = status as SyncStatus | null
    if (!final || final.state === 'error' || final.state === 'offline') throw new Error(`bootstrap failed: ${final?.lastError ?? 'no status'}`)
    verbose(`bootstrap done in ${bootstrapS.toFixed(1)} s`)
    const ms = (ns: number) => Math.round((ns / 1e6) * 1000) / 1000
    const loopDuring = { p99: ms(phase.percentile(99)), max: ms(phase.max) }
    phase.reset()

    // --- idle, on the full town
    await searchLoop(() => true, 0, 40) // warm-up
    const idle = await searchLoop(() => true, 2, IDLE_SEARCHES * 2)
    loop.disable()
    phase.disable()
    clearInterval(stalls)
    agent.destroy()
    const loopIdle = { p99: ms(phase.percentile(99)), max: ms(phase.max) }
    const idleProcess = await witness.stop()

    const count = await overChannel('families', 'search', { q: 'martin' })
    const hits = count.ok ? (count.data as { results: unknown[] }).results.length : 0
    const round = (x: number) => Math.round(x * 1000) / 1000
    const duringAll = [...during.http, ...during.channel].sort((a, b) => a - b)
    const result = {
      bench: 'shell',
      families: FAMILIES,
      loop_delay_p99_ms: ms(loop.percentile(99)),
      loop_delay_max_ms: ms(loop.max),
      search_p95_ms: round(Math.max(percentile(idle.http, 95), percentile(idle.channel, 95))),
      search_p95_during_bootstrap_ms: round(percentile(duringAll, 95)),
    }
    console.log(
      `shell: ${FAMILIES} familles — boucle d’événements du shell p99 ${result.loop_delay_p99_ms} ms, max ${result.loop_delay_max_ms} ms ` +
        `(amorçage p99 ${loopDuring.p99} / max ${loopDuring.max} ms ; repos p99 ${loopIdle.p99} / max ${loopIdle.max} ms ; ` +
        `témoin, un processus Node inactif sur la même période : p99 ${idleProcess ? round(idleProcess.p99) : '?'} / max ${idleProcess ? round(idleProcess.max) : '?'} ms) ; ` +
        `recherche p95 au repos ${round(percentile(idle.http, 95))} ms en HTTP, ${round(percentile(idle.channel, 95))} ms par le canal de l’hôte ` +
        `(${idle.http.length + idle.channel.length} recherches, « martin » : ${hits} résultats) ; ` +
        `pendant l’amorçage (${bootstrapS.toFixed(1)} s, ${duringAll.length} recherches) p95 ${round(percentile(during.http, 95))} ms en HTTP, ` +
        `${round(percentile(during.channel, 95))} ms par le canal`,
    )
    console.log(JSON.stringify(result))
  } finally {
    await shell?.stop()
    await portal?.stop()
    rmSync(work, { recursive: true, force: true })
  }
}
