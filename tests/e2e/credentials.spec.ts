import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import jsQR from 'jsqr'
import { extractText } from 'unpdf'
import type { Locator, Page } from '@playwright/test'
import { LOG_CAPTURE_ENV } from '../../src/common/log-capture'
import { isValidCodeFamille } from '../../src/shared/domain/codeFamille'
import { findSecretsAtRest, NOT_WALKED } from '../../scripts/check-at-rest'
import { DEMO, expect, startWebShell, test } from './fixtures'
import { freePort, portalCli, servePortal, stopPortal } from './portal-process'

/**
 * Portal credentials at the counter (issue 9), in Chromium, against a real portal process:
 * a family is created, its credentials issued and previewed (the slip PDF rendered by pdf.js,
 * its QR decoded back to the portal's address), the PDF opened in the browser from memory,
 * handed over; after the sync the family logs into the portal API with the printed code and
 * password, must change it, and the old password then fails. Offline variant: the portal is
 * stopped while the credentials are issued, and accepts them once restarted. After each flow,
 * with the browser still open, the password's bytes are searched in the workstation's data
 * folder (database, -wal, -shm, outbox, logs), the portal's, the temporary folder (Chromium's
 * profile included) and the run's logs: none.
 */

let portalDir: string
let port: number
let portalUrl: string
let portal: ChildProcess | null = null
let shell: Awaited<ReturnType<typeof startWebShell>> | null = null

test.describe.configure({ mode: 'serial', timeout: 240_000 })
// Playwright's trace and failure screenshot record the screen, the printed password included, to
// the output folder: off here, so that the run itself leaves no password on disk.
test.use({ trace: 'off', screenshot: 'off', video: 'off' })

test.beforeAll(async () => {
  test.setTimeout(240_000)
  portalDir = mkdtempSync(join(tmpdir(), 'guichet-e2e-portal-'))
  port = await freePort()
  portalUrl = `http://127.0.0.1:${port}`
  await portalCli(['demo', '--families', '40', '--data-dir', portalDir])
  const { stdout } = await portalCli(['enrol-code', '--name', 'Guichet identifiants', '--data-dir', portalDir])
  const code = stdout.trim().split('\n').at(-1)!.trim()
  portal = await servePortal(portalDir, port)
  shell = await startWebShell({ GUICHET_PORTAL_URL: portalUrl, GUICHET_ENROL_CODE: code })
})

test.afterAll(async () => {
  await shell?.stop()
  await stopPortal(portal)
  rmSync(portalDir, { recursive: true, force: true })
})

async function loginAtCounter(page: Page): Promise<void> {
  // The web shell keeps one session per start: log the previous test's agent out first.
  await fetch(`${shell!.origin}/api/v1/call/session/logout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-guichet-token': shell!.token },
    body: '{}',
  })
  await page.goto(shell!.url)
  await page.getByLabel('Identifiant').fill(DEMO.login)
  await page.getByLabel('Mot de passe').fill(DEMO.password)
  await page.getByRole('button', { name: 'Se connecter' }).click()
  await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
}

/** « Nouvelle famille »: a guardian, the address, one child; returns the new file's code famille. */
async function createFamily(page: Page, lastName: string, firstName: string): Promise<string> {
  await page.keyboard.press('Alt+N')
  const form = page.getByTestId('new-family')
  await expect(page.getByRole('heading', { level: 1, name: 'Nouvelle famille' })).toBeVisible()
  const rl1 = form.getByTestId('enrol-rl1')
  await rl1.getByLabel('Civilité').selectOption('Mme')
  await rl1.getByLabel('Nom d’usage').fill(lastName)
  await rl1.getByLabel('Prénoms').fill(firstName)
  await rl1.getByLabel('Date de naissance').fill('1988-04-09')
  await rl1.getByLabel('Téléphone portable').fill('06 45 12 78 90')
  const fam = form.getByTestId('enrol-family')
  await fam.getByLabel(/^Adresse/).fill('12 rue des Écoles')
  await fam.getByLabel('Code postal').fill('78420')
  await fam.getByLabel(/^Commune/).fill('Carrières-sur-Seine')
  await fam.getByLabel('Caisse').selectOption('CAF')
  await form.getByRole('button', { name: 'Ajouter un enfant' }).click()
  const child = form.getByTestId('enrol-child-1')
  await child.getByLabel('Prénoms').fill('Jules')
  await child.getByLabel('Date de naissance').fill('2019-06-21')
  await child.getByLabel('Sexe').selectOption({ index: 1 })
  await child.getByLabel('École').selectOption({ index: 1 })
  await child.getByLabel('Niveau').selectOption('CE1')
  await page.keyboard.press('Control+Enter')
  await expect(page).toHaveURL(/#\/familles\/[0-9a-f-]{36}$/)
  const code = (await page.getByTestId('family-code').innerText()).trim()
  expect(isValidCodeFamille(code)).toBe(true)
  return code
}

/** A canvas as the page drew it, read back through base64 (RGBA bytes). */
interface CanvasLike {
  width: number
  height: number
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null
}

/** The first canvas of the preview, decoded as a QR code (jsQR in the test process). */
async function qrOf(canvas: Locator): Promise<string | null> {
  const image = await canvas.evaluate((el) => {
    const c = el as unknown as CanvasLike
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
    let binary = ''
    for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000))
    return { width: c.width, height: c.height, base64: btoa(binary) }
  })
  return jsQR(new Uint8ClampedArray(Buffer.from(image.base64, 'base64')), image.width, image.height)?.data ?? null
}

/** Ticks the identity check, issues (or resets), waits for the preview; returns the dialog, the code and the password. */
async function issueCredentials(page: Page, button: 'Remettre les identifiants' | 'Réinitialiser le mot de passe') {
  const panel = page.getByRole('region', { name: 'Portail Famille' })
  await panel.getByLabel('J’ai vérifié l’identité du responsable légal (pièce d’identité)').check()
  await panel.getByRole('button', { name: button }).click()
  const dialog = page.getByRole('dialog', { name: 'Identifiants du Portail Famille' })
  await expect(dialog).toBeVisible()
  await expect(dialog.getByTestId('slip-page').first()).toBeVisible()
  const code = (await dialog.getByTestId('slip-code').innerText()).replace(/\s/g, '')
  const password = (await dialog.getByTestId('slip-password').innerText()).replace(/\s/g, '')
  expect(password).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{10}$/)
  return { dialog, panel, code, password }
}

/**
 * The slip PDF the web shell opens in a new tab (a blob: URL made in the page), as bytes. The
 * page's CSP forbids fetching a blob: URL, so the test keeps the Blob the page hands to
 * URL.createObjectURL (in the page's memory, like the PDF itself).
 */
async function printedPdf(page: Page, dialog: Locator): Promise<Uint8Array> {
  await page.evaluate(() => {
    const kept = globalThis as unknown as { __slip?: Blob; URL: typeof URL }
    const original = URL.createObjectURL.bind(URL)
    kept.URL.createObjectURL = (blob: Blob) => {
      kept.__slip = blob
      return original(blob)
    }
  })
  const [tab] = await Promise.all([page.context().waitForEvent('page'), dialog.getByRole('button', { name: 'Imprimer' }).click()])
  expect(tab.url()).toMatch(/^blob:/)
  await tab.close()
  const base64 = await page.evaluate(async () => {
    const blob = (globalThis as unknown as { __slip?: Blob }).__slip
    if (!blob) return ''
    const bytes = new Uint8Array(await blob.arrayBuffer())
    let binary = ''
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(binary)
  })
  return new Uint8Array(Buffer.from(base64, 'base64'))
}

async function familyLogin(code: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${portalUrl}/api/v1/family/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, password }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function changePassword(token: string, currentPassword: string, newPassword: string): Promise<number> {
  const res = await fetch(`${portalUrl}/api/v1/family/password`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword, newPassword }),
  })
  return res.status
}

async function syncNow(page: Page): Promise<void> {
  const status = page.getByRole('contentinfo')
  await status.getByRole('button', { name: 'Synchroniser' }).click()
  await expect(status.getByTestId('sync-pending')).toContainText('Aucune modification', { timeout: 30_000 })
}

/** The password's bytes (UTF-8, UTF-16) in the data folders, the temporary folder and the logs: none. */
function expectNowhereAtRest(password: string, since: number, familyName: string): void {
  const capture = process.env[LOG_CAPTURE_ENV]
  const roots = [shell!.dataDir, portalDir, tmpdir(), ...(capture ? [capture] : [])]
  const skip = (p: string) => NOT_WALKED.test(p)
  const report = findSecretsAtRest(roots, [password], { since, skip })
  expect(report.files).toBeGreaterThan(3)
  expect(report.hits).toEqual([])
  // The same search finds what is really there: the family's name is in the workstation's database.
  expect(findSecretsAtRest([shell!.dataDir], [familyName]).hits.length).toBeGreaterThan(0)
}

test('issue, preview, print and hand over the credentials; after the sync the family logs in, must change the password, the old one fails', async ({ page }) => {
  const since = Date.now() - 1000
  await loginAtCounter(page)
  const code = await createFamily(page, 'Marchetti', 'Giulia')

  const { dialog, panel, code: printedCode, password } = await issueCredentials(page, 'Remettre les identifiants')
  expect(printedCode).toBe(code)
  // The preview is the slip itself: its QR code leads to the portal.
  expect(await qrOf(dialog.getByTestId('slip-page').first())).toBe(portalUrl)
  // The web shell opens the PDF in the browser; it holds the code and the password.
  const pdf = await printedPdf(page, dialog)
  const text = (await extractText(pdf, { mergePages: true })).text
  expect(text).toContain(code)
  expect(text).toContain(password)
  await dialog.getByRole('button', { name: 'Remis à la famille' }).click()
  await expect(dialog).toBeHidden()
  await expect(panel).toContainText('Identifiants remis le')
  await expect(panel).toContainText('Camille Martin')
  await expect(panel.getByRole('button', { name: /Réimprimer le coupon/ })).toHaveCount(0)

  // Before the sync the portal does not know the password; after it, it does, and forces a change.
  expect((await familyLogin(code, password)).status).toBe(401)
  await syncNow(page)
  const first = await familyLogin(code, password)
  expect(first.status).toBe(200)
  expect(first.body.mustChangePassword).toBe(true)
  expect(await changePassword(String(first.body.token), password, 'Notre-mot-de-passe-2026')).toBe(200)
  expect((await familyLogin(code, password)).status).toBe(401)
  expect((await familyLogin(code, 'Notre-mot-de-passe-2026')).status).toBe(200)

  // A reset on the spot: a new password; the family's own stops working once the portal has it.
  const reset = await issueCredentials(page, 'Réinitialiser le mot de passe')
  expect(reset.password).not.toBe(password)
  await reset.dialog.getByRole('button', { name: 'Fermer' }).click()
  // Closed without confirming: the same slip can be printed again for 15 minutes.
  await reset.panel.getByRole('button', { name: /Réimprimer le coupon/ }).click()
  const again = page.getByRole('dialog', { name: 'Identifiants du Portail Famille' })
  await expect(again.getByTestId('slip-password')).toHaveText(new RegExp(reset.password.split('').join('\\s*')))
  await again.getByRole('button', { name: 'Remis à la famille' }).click()
  await syncNow(page)
  expect((await familyLogin(code, 'Notre-mot-de-passe-2026')).status).toBe(401)
  expect((await familyLogin(code, reset.password)).body.mustChangePassword).toBe(true)

  expectNowhereAtRest(password, since, 'Marchetti')
  expectNowhereAtRest(reset.password, since, 'Marchetti')
})

test('offline: credentials issued while the portal is stopped work once it is back', async ({ page }) => {
  const since = Date.now() - 1000
  await loginAtCounter(page)
  await stopPortal(portal)
  portal = null

  const code = await createFamily(page, 'Okonkwo', 'Adaeze')
  const { dialog, password } = await issueCredentials(page, 'Remettre les identifiants')
  await dialog.getByRole('button', { name: 'Remis à la famille' }).click()
  const status = page.getByRole('contentinfo')
  await status.getByRole('button', { name: 'Synchroniser' }).click()
  await expect(status.getByTestId('sync-state')).toHaveAttribute('data-state', /offline|error/)
  await expect(status.getByTestId('sync-pending')).not.toContainText('Aucune modification')

  portal = await servePortal(portalDir, port)
  await syncNow(page)
  const login = await familyLogin(code, password)
  expect(login.status).toBe(200)
  expect(login.body.mustChangePassword).toBe(true)

  expectNowhereAtRest(password, since, 'Okonkwo')
})
