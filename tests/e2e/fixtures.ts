import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { test as base, expect, type Page } from '@playwright/test'
import { LOG_CAPTURE_ENV } from '../../src/common/log-capture'
import { findSecretsAtRest, recordAtRestHits, seededPasswords } from '../../scripts/check-at-rest'

const ROOT = resolve(__dirname, '../..')

/**
 * The e2e runs happen at one instant of the shipped school calendar (2026-2027: a Monday,
 * 9:00 in Paris), whatever the day they run: the core (GUICHET_CLOCK), the embedded portal
 * (PORTAL_CLOCK) and the browser's clock start there and advance with real time.
 * Same instant as the unit and integration tests (tests/helpers/clock.ts).
 */
export const E2E_INSTANT = '2026-11-16T09:00:00+01:00'

export interface WebShell {
  url: string
  origin: string
  token: string
  dataDir: string
  output: () => string
}

/** Starts the real web shell (node out/main/web.js) on a fresh data folder and waits for its URL. */
export async function startWebShell(env: Record<string, string> = {}): Promise<WebShell & { stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'guichet-e2e-'))
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'out/main/web.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      GUICHET_DATA_DIR: dataDir,
      GUICHET_WEB_PORT: '0',
      GUICHET_DEMO_FAMILIES: '400',
      GUICHET_CLOCK: E2E_INSTANT,
      PORTAL_CLOCK: E2E_INSTANT,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`web shell did not start:\n${out}`)), 60_000)
    const check = () => {
      const m = /ouvrez (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolveUrl(m[1]!)
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', (code) => reject(new Error(`web shell exited (${code}):\n${out}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token')!,
    dataDir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      // The run's log capture (tests/log-capture): everything the shell, its core and its portal printed.
      const capture = process.env[LOG_CAPTURE_ENV]
      if (capture && capture !== 'off' && capture !== '0') {
        writeFileSync(join(capture, `web-shell-${child.pid ?? 0}-${Date.now()}.log`), out)
        // Issue 9: no password the run handed out may be in the data folder (database, -wal, -shm, logs…).
        recordAtRestHits(capture, dataDir, findSecretsAtRest([dataDir], seededPasswords(capture)))
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export const DEMO = { login: 'accueil', password: 'accueil2026', displayName: 'Camille Martin' }

export async function login(page: Page, shell: WebShell, who = DEMO): Promise<void> {
  await page.goto(shell.url)
  await page.getByLabel('Identifiant').fill(who.login)
  await page.getByLabel('Mot de passe').fill(who.password)
  await page.getByRole('button', { name: 'Se connecter' }).click()
  await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
}

type Fixtures = { shell: WebShell }

export const test = base.extend<Fixtures, { workerShell: WebShell; workerShellEnv: Record<string, string> }>({
  workerShellEnv: [{}, { scope: 'worker', option: true }],
  workerShell: [
    async ({ workerShellEnv }, use) => {
      const shell = await startWebShell(workerShellEnv)
      await use(shell)
      await shell.stop()
    },
    { scope: 'worker' },
  ],
  page: async ({ page }, use) => {
    // The renderer's "today" (default booking day, past and future bookings) from the same instant.
    await page.clock.install({ time: new Date(E2E_INSTANT) })
    await use(page)
  },
  shell: async ({ workerShell }, use) => {
    // Every test starts logged out (the web shell has one session per start).
    await fetch(`${workerShell.origin}/api/v1/call/session/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guichet-token': workerShell.token },
      body: '{}',
    })
    await use(workerShell)
  },
})

export { expect }
