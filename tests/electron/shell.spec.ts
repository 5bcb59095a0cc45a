import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'

const ROOT = resolve(__dirname, '../..')

// The shared .mjs helpers are loaded with import(): Playwright's CommonJS transform of a
// static import would break these ES modules.
const helpers = async () => ({
  ...(await import('../../scripts/electron-binary.mjs')),
  ...(await import('../../src/main/shell/native.mjs')),
})

// One test, so that a machine without Electron shows exactly one skipped line with this reason.
test('the Electron shell: locked-down window, demo login and family search', async () => {
  const { probeElectronBinary, electronExtraArgs, electronNativeBindingPath } = await helpers()
  const probe = probeElectronBinary(ROOT)
  test.skip(!probe.ok, 'Electron binary not installed on this machine: shell tests skipped')
  if (!probe.ok) return

  // The Electron-ABI better-sqlite3 (ARCHITECTURE.md, "Two native builds") and the build.
  if (!existsSync(electronNativeBindingPath(ROOT, probe.version))) {
    const native = spawnSync(process.execPath, [join(ROOT, 'scripts/electron-native.mjs'), `--target=${probe.version}`], {
      cwd: ROOT,
      stdio: 'inherit',
    })
    expect(native.status, 'scripts/electron-native.mjs could not build better-sqlite3 for Electron').toBe(0)
  }
  // electron-vite build when out/ is missing or stale (the shared helper of npm start).
  const build = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "import { buildIfNeeded } from './scripts/build-if-needed.mjs'; buildIfNeeded()"],
    { cwd: ROOT, stdio: 'inherit' },
  )
  expect(build.status, 'electron-vite build failed').toBe(0)

  const dataDir = mkdtempSync(join(tmpdir(), 'guichet-electron-'))
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v
  const app = await electron.launch({
    executablePath: probe.path,
    args: [...electronExtraArgs(), '.'],
    cwd: ROOT,
    env: { ...env, GUICHET_DATA_DIR: dataDir, GUICHET_NO_DEMO: '', GUICHET_DEMO_FAMILIES: '400' },
  })
  try {
    const page = await app.firstWindow()
    await expect(page).toHaveTitle(/Guichet Famille/)
    expect(new URL(page.url()).protocol).toBe('app:')

    const loginButton = page.getByRole('button', { name: 'Se connecter' })
    await expect(loginButton).toBeVisible({ timeout: 60_000 })

    // Nothing of Node reaches the page; window.guichet holds only functions.
    const exposure = await page.evaluate(() => {
      const w = globalThis as unknown as Record<string, unknown>
      const api = w.guichet as Record<string, Record<string, unknown>>
      const kinds = Object.values(api).flatMap((ns) => Object.values(ns).map((fn) => typeof fn))
      return {
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        buffer: typeof w.Buffer,
        namespaces: Object.values(api).map((ns) => typeof ns),
        kinds,
      }
    })
    expect(exposure).toMatchObject({ require: 'undefined', process: 'undefined', module: 'undefined', buffer: 'undefined' })
    expect(exposure.namespaces.every((k) => k === 'object')).toBe(true)
    expect(exposure.kinds.length).toBeGreaterThan(0)
    expect(exposure.kinds.every((k) => k === 'function')).toBe(true)

    // window.open and navigation away are refused: still one window, still on the app.
    await page.evaluate(() => {
      const g = globalThis as unknown as { open: (url: string) => unknown; location: { href: string } }
      g.open('https://example.invalid/')
      g.location.href = 'https://example.invalid/'
    })
    await page.waitForTimeout(500)
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    expect(new URL(page.url()).protocol).toBe('app:')

    // The demo agent logs in and finds a family.
    await page.getByLabel('Identifiant').fill('accueil')
    await page.getByLabel('Mot de passe').fill('accueil2026')
    await loginButton.click()
    const search = page.getByLabel('Rechercher une famille')
    await expect(search).toBeVisible()
    await search.fill('lefevre')
    const lefevre = page.getByRole('option').filter({ hasText: 'Lefèvre' }).first()
    await expect(lefevre).toBeVisible()
    // Opening a family file goes through the IPC bridge too (families.get).
    await lefevre.click()
    await expect(page.getByRole('heading', { level: 1 })).toContainText(/Lef[eè]vre/)
    expect(new URL(page.url()).protocol).toBe('app:')
  } finally {
    await app.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})
