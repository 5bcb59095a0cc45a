import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER } from '@shared/contract'
import { startWebShell, type RunningWebShell } from '../../../src/main/web/shell'

// The web shell's three processes for real: this process serves HTTP, the core host is a
// Node child (src/main/host/child.ts), the embedded demo portal a child of the host
// (src/portal/child.ts, PGlite); all TypeScript through tsx.
const ROOT = resolve(__dirname, '../../..')
const dataDir = mkdtempSync(join(tmpdir(), 'guichet-web-shell-'))
let shell: RunningWebShell | null = null

afterAll(async () => {
  await shell?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

/** Pids of the processes below `pid` (children, grandchildren…). */
function descendants(pid: number): number[] {
  let out: string
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
  } catch {
    return [] // ps exits 1 when there is none
  }
  const children = out.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0)
  return children.flatMap((c) => [c, ...descendants(c)])
}

describe('the web shell with its core host and its portal in their own processes', () => {
  it('listens at once, answers once the host is up, runs SQLite and PGlite elsewhere, and stops everything', async () => {
    const before = new Set(descendants(process.pid))
    shell = await startWebShell({
      config: {
        dataDir,
        migrationsFolder: join(ROOT, 'resources/migrations'),
        portalEntry: join(ROOT, 'src/portal/child.ts'),
        portalExecArgv: ['--import', 'tsx'],
        portalMigrationsFolder: join(ROOT, 'resources/portal-migrations'),
        awaitFirstSync: true,
      },
      hostEntry: join(ROOT, 'src/main/host/child.ts'),
      hostExecArgv: ['--import', 'tsx'],
      rendererDir: join(dataDir, 'no-renderer'),
      port: 0,
      env: { ...process.env, GUICHET_DEMO_FAMILIES: '12', DATABASE_URL: '' },
      log: () => {},
    })
    expect(shell.host.state()).toBe('starting')
    const post = (ns: string, method: string, body: unknown) =>
      fetch(`${shell!.address}${HTTP_API_PREFIX}/${ns}/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HTTP_TOKEN_HEADER]: shell!.token },
        body: JSON.stringify(body),
      }).then((r) => r.json())
    // A call made while the host starts (portal seeded, workstation enrolled, town bootstrapped) waits for it.
    const login = await post('session', 'login', { login: 'accueil', password: 'accueil2026' })
    expect(login).toMatchObject({ ok: true, data: { login: 'accueil' } })
    expect(shell.host.portalUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const search = (await post('families', 'search', { q: 'a' })) as { ok: boolean; data: { results: unknown[] } }
    expect(search.ok).toBe(true)
    expect(search.data.results.length).toBeGreaterThan(0)
    // New processes: the core host, and the portal below it.
    const started = descendants(process.pid).filter((p) => !before.has(p))
    expect(started.length).toBeGreaterThanOrEqual(2)

    await shell.stop()
    shell = null
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    // (tsx's esbuild helper, a child of each, goes with its parent a moment later.)
    await expect.poll(() => started.filter(alive), { timeout: 5_000 }).toEqual([])
  }, 180_000)
})
