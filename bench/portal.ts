import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

/**
 * The bench portal shared by `bench -- sync` and `bench -- shell`: a demo town seeded once on
 * PGlite and cached under bench/.data (keyed by the portal's migrations, so a new migration
 * seeds a new cache), copied afresh for every run so that runs are repeatable (the cache never
 * changes), and served by its own process, as in production.
 */

export const ROOT = resolve(__dirname, '..')
const portalEnv = { ...process.env, DATABASE_URL: '' }

export function portalCli(args: string[]): string {
  return execFileSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'src/portal/cli.ts'), ...args], {
    cwd: ROOT,
    env: portalEnv,
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  })
}

/** A one-time enrolment code made on a portal's data folder (before a server holds it). */
export function enrolmentCode(dataDir: string, name: string): string {
  return portalCli(['enrol-code', '--name', name, '--data-dir', dataDir]).trim().split('\n').at(-1)!.trim()
}

/** The cached seeded town (seeding it on the first run); `seedS` is 0 when it was cached. */
export function cachedTown(families: number, log: (line: string) => void = () => {}): { dbDir: string; seedS: number } {
  const schema = createHash('sha256').update(readFileSync(join(ROOT, 'resources/portal-migrations/meta/_journal.json'))).digest('hex').slice(0, 10)
  const portalDir = join(ROOT, 'bench/.data', `portal-${families}-${schema}`)
  const seeded = join(portalDir, '.seeded')
  const dbDir = join(portalDir, 'db')
  mkdirSync(portalDir, { recursive: true })
  let seedS = 0
  if (!existsSync(seeded)) {
    log(`création du portail de ${families} familles (une fois, mis en cache)…`)
    const t = performance.now()
    portalCli(['demo', '--families', String(families), '--seed', '1', '--data-dir', dbDir])
    seedS = (performance.now() - t) / 1000
    writeFileSync(seeded, new Date().toISOString())
  }
  return { dbDir, seedS }
}

/**
 * A fresh copy of the cached town in `dir` for one run. Snapshot files stay behind: the run's
 * portal builds its own, in the current format, soon after it starts.
 */
export function freshCopy(dbDir: string, dir: string): string {
  cpSync(dbDir, dir, { recursive: true, filter: (from) => !from.startsWith(join(dbDir, 'snapshots')) })
  return dir
}

export interface ServedPortal {
  url: string
  stop(): Promise<void>
}

export async function servePortal(dataDir: string): Promise<ServedPortal> {
  const child: ChildProcess = spawn(
    join(ROOT, 'node_modules/.bin/tsx'),
    [join(ROOT, 'src/portal/cli.ts'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    { cwd: ROOT, env: portalEnv, stdio: ['ignore', 'pipe', 'inherit'] },
  )
  let out = ''
  const url = await new Promise<string>((ok, ko) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString()
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)
      if (m) ok(m[1]!)
    })
    child.on('exit', (code) => ko(new Error(`portal exited (${code}): ${out}`)))
  })
  return {
    url,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}

/** The p-th percentile of sorted values (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i] ?? 0
}
