import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { PDFDocument } from 'pdf-lib'
import { expect, login, test } from './fixtures'

/**
 * Scans through the real web shell in Chromium (issue 8, item 7): a PDF picked in the documents
 * form is uploaded by its own route (POST /api/v1/scans, never a contract call), checked by
 * content and stored by hash in the data folder; a text file renamed .pdf and a file over 10 MB
 * are refused with a French message at the field, and nothing is stored.
 */

async function pdf(): Promise<Buffer> {
  const doc = await PDFDocument.create()
  doc.addPage([200, 200])
  doc.setTitle('Attestation e2e')
  return Buffer.from(await doc.save())
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
const storedScans = (dataDir: string) => (existsSync(join(dataDir, 'scans')) ? readdirSync(join(dataDir, 'scans')).filter((f) => !f.startsWith('.')) : [])

async function openScanPicker(page: Page) {
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await page.getByRole('option').first().click()
  const panel = page.getByRole('region', { name: 'Pièces justificatives' })
  const form = panel.getByRole('form', { name: 'Enregistrer une pièce' })
  await form.getByLabel('Joindre un scan').check()
  const picker = form.getByTestId('scan-picker')
  await expect(picker).toBeVisible()
  return { form, picker, input: picker.getByTestId('scan-file') }
}

test.describe('scans', () => {
  test('upload a PDF; refuse a renamed text file and a file over 10 MB at the field', async ({ page, shell }) => {
    await login(page, shell)
    const { picker, input } = await openScanPicker(page)
    const before = storedScans(shell.dataDir)

    // A real PDF: stored under scans/<sha256>.pdf, its name shown.
    const bytes = await pdf()
    const [upload] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/scans')),
      input.setInputFiles({ name: 'Attestation assurance.pdf', mimeType: 'application/pdf', buffer: bytes }),
    ])
    expect(upload.status()).toBe(200)
    await expect(picker.getByTestId('scan-attached')).toContainText('Copie jointe : Attestation assurance.pdf')
    await expect(input).not.toHaveAttribute('aria-invalid', 'true')
    expect(readFileSync(join(shell.dataDir, 'scans', `${sha(bytes)}.pdf`)).equals(bytes)).toBe(true)

    // A text file renamed .pdf: refused by content, the reason at the field, focus back on it.
    await input.setInputFiles({ name: 'facture.pdf', mimeType: 'application/pdf', buffer: Buffer.from('Facture EDF\nMontant : 42 €\n') })
    await expect(picker.getByTestId('scan-error')).toContainText("« facture.pdf » n'est pas un PDF")
    await expect(input).toHaveAttribute('aria-invalid', 'true')
    await expect(input).toBeFocused()
    await expect(picker.getByTestId('scan-attached')).toHaveCount(0)

    // Over 10 MB: refused with its size, before anything is sent.
    const big = Buffer.alloc(13_002_342)
    bytes.copy(big)
    let sent = false
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/scans')) sent = true
    })
    await input.setInputFiles({ name: 'gros.pdf', mimeType: 'application/pdf', buffer: big })
    await expect(picker.getByTestId('scan-error')).toHaveText('⚠ Fichier trop volumineux (12,4 Mo) : 10 Mo au plus.')
    expect(sent).toBe(false)
    expect(storedScans(shell.dataDir).sort()).toEqual([...new Set([...before, `${sha(bytes)}.pdf`])].sort())
  })

  test('the upload route itself refuses more than 10 MB and a renamed text file, from the page', async ({ page, shell }) => {
    await login(page, shell)
    const before = storedScans(shell.dataDir)
    const answers = await page.evaluate(async (token) => {
      const send = async (name: string, body: Blob) => {
        const r = await fetch(`/api/v1/scans?name=${encodeURIComponent(name)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/octet-stream', 'x-guichet-token': token },
          body,
        })
        return { status: r.status, body: (await r.json()) as { ok: boolean; error?: { details?: { rule?: string; reason?: string } } } }
      }
      const big = new Uint8Array(13_002_342)
      big.set(new TextEncoder().encode('%PDF-1.7\n'))
      return {
        big: await send('gros.pdf', new Blob([big])),
        text: await send('lettre.pdf', new Blob(['Bonjour,\nveuillez trouver…'])),
      }
    }, shell.token)
    expect(answers.big.status).toBe(413)
    expect(answers.big.body.error?.details).toEqual({ rule: 'SCAN_TOO_BIG', reason: 'Fichier trop volumineux (12,4 Mo) : 10 Mo au plus.' })
    expect(answers.text.body.error?.details?.rule).toBe('SCAN_TYPE')
    expect(storedScans(shell.dataDir)).toEqual(before)
  })

  test('the recap opens in a new tab, served as a PDF at a short-lived URL', async ({ page, shell }) => {
    await login(page, shell)
    await page.getByLabel('Rechercher une famille').fill('lefevre')
    await page.getByRole('option').first().click()
    const panel = page.getByRole('region', { name: 'Pièces justificatives' })
    const [popup] = await Promise.all([page.waitForEvent('popup'), panel.getByRole('button', { name: 'Imprimer le récapitulatif' }).click()])
    await expect.poll(() => popup.url()).toMatch(/\/pdf\/[\w-]{24}$/)
    // Chromium's PDF viewer (an extension frame) takes the tab. The app's strict CSP (object-src
    // 'none') leaves that viewer blank (seen on a screenshot), so this response carries its own.
    await expect.poll(() => popup.frames().some((f) => f.url().startsWith('chrome-extension://')), { timeout: 15_000 }).toBe(true)
    const res = await page.request.get(popup.url())
    expect(res.headers()['content-type']).toBe('application/pdf')
    expect(res.headers()['content-security-policy']).toContain("object-src 'self'")
    expect((await res.body()).subarray(0, 5).toString('latin1')).toBe('%PDF-')
  })

  test('a responsable sets the scanner folder; a file of it is attached from the list, keyboard only', async ({ page, shell }) => {
    const folder = mkdtempSync(join(tmpdir(), 'guichet-e2e-scanner-'))
    try {
      const bytes = await pdf()
      writeFileSync(join(folder, 'SCAN_0042.pdf'), bytes)
      writeFileSync(join(folder, 'notes.txt'), 'pas un scan')
      await login(page, shell, { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' })
      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Poste' }).click()
      const setting = page.getByTestId('scanner-folder-setting')
      await setting.getByLabel('Chemin complet du dossier').fill('dossier/relatif')
      await setting.getByRole('button', { name: 'Enregistrer le dossier' }).click()
      await expect(setting.getByRole('alert')).toContainText('Indiquez le chemin complet du dossier du scanner.')
      await setting.getByLabel('Chemin complet du dossier').fill(folder)
      await page.keyboard.press('Enter')
      await expect(setting.getByRole('status')).toContainText('Dossier enregistré (2 fichier(s) visibles).')

      await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name: 'Recherche' }).click()
      const { picker } = await openScanPicker(page)
      await picker.getByRole('button', { name: 'Dossier du scanner' }).focus()
      await page.keyboard.press('Enter')
      const list = picker.getByRole('list', { name: 'Fichiers du dossier du scanner, les plus récents d’abord' })
      await expect(list.getByRole('button')).toHaveCount(2)
      await expect(list.getByRole('button', { name: 'Joindre « notes.txt »' })).toBeDisabled()
      await list.getByRole('button', { name: 'Joindre « SCAN_0042.pdf »' }).focus()
      await page.keyboard.press('Enter')
      await expect(picker.getByTestId('scan-attached')).toContainText('Copie jointe : SCAN_0042.pdf')
      expect(readFileSync(join(shell.dataDir, 'scans', `${sha(bytes)}.pdf`)).equals(bytes)).toBe(true)
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
