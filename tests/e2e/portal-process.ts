import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

/**
 * A real portal in its own process for the e2e specs that stop and restart it (offline.spec.ts,
 * credentials.spec.ts): its command line (demo town, enrolment code), `serve` on a free port,
 * and a clean stop.
 */

const ROOT = resolve(__dirname, '../..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const run = promisify(execFile)
// The portal processes use their own embedded database, whatever the CI environment says.
const portalEnv = { ...process.env, DATABASE_URL: '' }

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolvePort(port))
    })
    srv.on('error', reject)
  })
}

export function portalCli(args: string[]) {
  return run(TSX, [join(ROOT, 'src/portal/cli.ts'), ...args], { cwd: ROOT, env: portalEnv, timeout: 120_000 })
}

export async function servePortal(dataDir: string, port: number): Promise<ChildProcess> {
  const child = spawn(TSX, [join(ROOT, 'src/portal/cli.ts'), 'serve', '--port', String(port), '--data-dir', dataDir, '--log-level', 'warn'], {
    cwd: ROOT,
    env: portalEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  await new Promise<void>((ok, ko) => {
    const timer = setTimeout(() => ko(new Error(`portal did not start:\n${out}`)), 60_000)
    child.stdout!.on('data', () => {
      if (out.includes('prêt')) {
        clearTimeout(timer)
        ok()
      }
    })
    child.on('exit', (code) => ko(new Error(`portal exited (${code}):\n${out}`)))
  })
  return child
}

/** Stops the portal (SIGTERM) and waits for it to exit; null or already exited: nothing to do. */
export async function stopPortal(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}
