import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import pg from 'pg'
import { postgres } from '../integration/portal/backends'

/**
 * Real processes for the multi-instance suite (tests/integration/scale) and the portal bench
 * (bench/scale.ts): a fresh PostgreSQL database, portal processes (`src/portal/cli.ts serve`, as in
 * production), a load balancer sending each request to a random instance, and PgBouncer in
 * transaction mode.
 */

export const ROOT = resolve(__dirname, '../..')
const CLI = join(ROOT, 'src/portal/cli.ts')
/**
 * node with tsx's loader, not node_modules/.bin/tsx: that one runs the script in a child process,
 * so SIGKILL/SIGSTOP would reach only the wrapper; here the pid is the server itself.
 */
const NODE_ARGS = ['--import', 'tsx', CLI]

// ---------------------------------------------------------------------------------------------
// A fresh database

export interface FreshDatabase {
  /** The new database's URL (same server, user and options as the admin URL). */
  url: string
  /** A temp folder for the portal's data (secrets, logs), removed by drop(). */
  dataDir: string
  /** Drops the database (WITH FORCE) and removes the temp folder. */
  drop(): Promise<void>
}

/** A fresh database on the server of `adminUrl` (created through it, dropped by drop()). */
export async function createDatabase(adminUrl: string): Promise<FreshDatabase> {
  const handle = await postgres(adminUrl).open()
  return { url: handle.databaseUrl!, dataDir: handle.dataDir, drop: () => handle.cleanup() }
}

// ---------------------------------------------------------------------------------------------
// Portal processes

export interface PortalProcess {
  /** http://127.0.0.1:PORT (the API is under /api/v1). */
  url: string
  port: number
  pid: number
  child: ChildProcess
  /** SIGCONT (if stopped) then SIGTERM; resolves once the process has exited. */
  stop(): Promise<void>
  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT…). */
  kill(signal: NodeJS.Signals): void
  /** Resolves when the process exits (code or signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** The process's stdout and stderr so far (for failure messages). */
  output(): string
}

export interface SpawnPortalOptions {
  /** The URL requests use (may be PgBouncer). */
  databaseUrl: string
  /** Migrations and start-up checks (session advisory lock): the database itself. Default databaseUrl. */
  directUrl?: string
  dataDir: string
  /** A fixed port (to restart an instance where the balancer expects it); default a free one. */
  port?: number
  /** Extra environment (PORTAL_CLOCK…). */
  env?: NodeJS.ProcessEnv
  logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug'
  /** How long to wait for the "ready" line (default 60 s). */
  startTimeoutMs?: number
}

/** Runs the portal CLI once (demo, enrol-code…) against a database; resolves with its stdout. */
export function portalCliRun(args: string[], opts: { databaseUrl: string; directUrl?: string; dataDir: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((ok, ko) => {
    const child = spawn(process.execPath, [...NODE_ARGS, ...args, '--data-dir', opts.dataDir], {
      cwd: ROOT,
      env: portalEnv(opts),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', ko)
    child.on('exit', (code) => (code === 0 ? ok(out) : ko(new Error(`portal ${args[0]} exited (${code}): ${out}${err}`))))
  })
}

function portalEnv(opts: { databaseUrl: string; directUrl?: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...opts.env,
    DATABASE_URL: opts.databaseUrl,
    DATABASE_DIRECT_URL: opts.directUrl ?? opts.databaseUrl,
  }
}

/** A real portal process (`cli.ts serve`), resolved once it prints its URL. */
export async function spawnPortal(opts: SpawnPortalOptions): Promise<PortalProcess> {
  const child = spawn(
    process.execPath,
    [...NODE_ARGS, 'serve', '--port', String(opts.port ?? 0), '--data-dir', opts.dataDir, '--log-level', opts.logLevel ?? 'warn'],
    { cwd: ROOT, env: portalEnv(opts), stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  const keep = (d: Buffer) => {
    out += d.toString()
    if (out.length > 200_000) out = out.slice(-100_000)
  }
  child.stdout!.on('data', keep)
  child.stderr!.on('data', keep)
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })))
  const url = await new Promise<string>((ok, ko) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      ko(new Error(`portal did not start within ${opts.startTimeoutMs ?? 60_000} ms: ${out}`))
    }, opts.startTimeoutMs ?? 60_000)
    const look = () => {
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.stdout!.off('data', look)
        ok(m[1]!)
      }
    }
    child.stdout!.on('data', look)
    child.once('error', (e) => {
      clearTimeout(timer)
      ko(e)
    })
    void exited.then(({ code, signal }) => {
      clearTimeout(timer)
      ko(new Error(`portal exited (${code ?? signal}) before it was ready: ${out}`))
    })
  })
  return {
    url,
    port: Number(new URL(url).port),
    pid: child.pid!,
    child,
    exited,
    output: () => out,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGCONT')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      await exited
      clearTimeout(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------
// A load balancer picking a random instance per request

export interface RandomBalancer {
  url: string
  /** How many requests each upstream received (attempts, retries included). */
  hits: number[]
  /** Marks an upstream down (not picked) or up again. */
  setDown(i: number, down: boolean): void
  /** Points upstream i elsewhere (an instance restarted on another port). */
  setUpstream(i: number, url: string): void
  close(): Promise<void>
}

export interface BalancerOptions {
  /** An upstream that sends no response headers within this time: 504 (default none: the client's timeout decides). */
  upstreamTimeoutMs?: number
}

/**
 * A tiny HTTP reverse proxy: each request goes to a random live upstream. The request body is
 * read first (so that a refused connection can be retried on another upstream, once), the
 * response is streamed back as it comes (status, headers, Range answers untouched). A refused
 * connection → another live upstream once, else 502; a connection reset before any answer → 502
 * (the instance may have processed it: the client retries, as behind a real load balancer).
 */
export async function randomBalancer(upstreams: string[], opts: BalancerOptions = {}): Promise<RandomBalancer> {
  const targets = upstreams.map((u) => new URL(u))
  const down = upstreams.map(() => false)
  const hits = upstreams.map(() => 0)
  const agent = new http.Agent({ keepAlive: false })

  const pick = (exclude: number | null): number | null => {
    const live = targets.map((_, i) => i).filter((i) => !down[i] && i !== exclude)
    if (live.length === 0) return null
    return live[Math.floor(Math.random() * live.length)]!
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('error', () => res.destroy())
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const attempt = (i: number | null, retried: boolean) => {
        if (i === null) {
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end('no live upstream')
          return
        }
        hits[i]!++
        const target = targets[i]!
        const headers = { ...req.headers, host: target.host, connection: 'close' }
        const up = http.request(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent },
          (upRes) => {
            res.writeHead(upRes.statusCode ?? 502, upRes.headers)
            upRes.pipe(res)
            upRes.on('error', () => res.destroy())
          },
        )
        let answered = false
        up.on('response', () => (answered = true))
        if (opts.upstreamTimeoutMs) {
          up.setTimeout(opts.upstreamTimeoutMs, () => {
            if (answered) return
            up.destroy()
            if (!res.headersSent) res.writeHead(504, { 'content-type': 'text/plain' }).end('upstream timeout')
          })
        }
        up.on('error', (e: NodeJS.ErrnoException) => {
          if (answered || res.headersSent) {
            res.destroy()
            return
          }
          // Only a refused connection is retried (the request never reached that instance); a reset one may have been processed: 502, the client decides.
          if (!retried && e.code === 'ECONNREFUSED') {
            attempt(pick(i), true)
            return
          }
          if (!res.headersSent) res.writeHead(e.code === 'ECONNREFUSED' ? 502 : 504, { 'content-type': 'text/plain' }).end(`upstream error ${e.code ?? ''}`)
        })
        // The client gave up: drop the upstream request too.
        res.on('close', () => {
          if (!res.writableFinished) up.destroy()
        })
        up.end(body)
      }
      attempt(pick(null), false)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    setDown: (i, d) => {
      down[i] = d
    },
    setUpstream: (i, u) => {
      targets[i] = new URL(u)
    },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
      agent.destroy()
    },
  }
}

// ---------------------------------------------------------------------------------------------
// PgBouncer

export const PGBOUNCER_BIN = process.env.PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer'

export interface PgBouncer {
  /** The upstream URL with host and port replaced by PgBouncer's (same database name and user). */
  url: string
  port: number
  stop(): Promise<void>
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as net.AddressInfo).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

/**
 * PgBouncer in transaction mode in front of `upstreamUrl`'s server (any database name passes
 * through). Trust authentication (the user must be listed in the auth file). Run as the postgres
 * user when we are root (PgBouncer refuses to run as root).
 */
export async function startPgBouncer(opts: { upstreamUrl: string; port?: number; poolSize?: number }): Promise<PgBouncer> {
  const upstream = new URL(opts.upstreamUrl)
  const user = decodeURIComponent(upstream.username || 'postgres')
  const port = opts.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'))
  chmodSync(dir, 0o777)
  const ini = join(dir, 'pgbouncer.ini')
  const authFile = join(dir, 'userlist.txt')
  writeFileSync(authFile, `"${user}" ""\n`, { mode: 0o644 })
  writeFileSync(
    ini,
    [
      '[databases]',
      `* = host=${upstream.hostname} port=${upstream.port || '5432'}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      "unix_socket_dir =",
      'pool_mode = transaction',
      'auth_type = trust',
      `auth_file = ${authFile}`,
      'max_client_conn = 200',
      `default_pool_size = ${opts.poolSize ?? 20}`,
      'ignore_startup_parameters = extra_float_digits,options',
      'server_reset_query =',
      'log_connections = 0',
      'log_disconnections = 0',
      '',
    ].join('\n'),
    { mode: 0o644 },
  )
  const asRoot = process.getuid?.() === 0
  let ids: { uid: number; gid: number } | undefined
  if (asRoot) ids = postgresIds()
  const child = spawn(PGBOUNCER_BIN, [ini], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], ...(ids ?? {}) })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  child.once('error', (e) => (out += String(e)))

  const url = new URL(opts.upstreamUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)
  // Ready once a query passes through it.
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`pgbouncer exited (${child.exitCode ?? child.signalCode}): ${out}`)
    }
    const c = new pg.Client({ connectionString: url.toString() })
    try {
      await c.connect()
      await c.query('SELECT 1')
      await c.end()
      break
    } catch (error) {
      await c.end().catch(() => {})
      if (Date.now() > deadline) {
        child.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
        throw new Error(`pgbouncer not ready: ${String(error)}\n${out}`, { cause: error })
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url: url.toString(),
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function postgresIds(): { uid: number; gid: number } {
  // /etc/passwd: name:x:uid:gid:…
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'))
  if (!line) throw new Error(`pgbouncer refuses to run as root and there is no postgres user (running as ${userInfo().username})`)
  const [, , uid, gid] = line.split(':')
  return { uid: Number(uid), gid: Number(gid) }
}
