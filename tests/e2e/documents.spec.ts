import type { Locator, Page } from '@playwright/test'
import { extractText, getDocumentProxy } from 'unpdf'
import { expect, login, test } from './fixtures'

/**
 * Supporting documents and the Dossier tous services in the family file (issue 8): refuse an
 * old proof of address and read why; a document dated in the future is refused at its field;
 * print the recap (its text names the family and every missing piece); complete the dossier
 * piece by piece and validate it. Today is Monday 16 November 2026 (E2E_INSTANT).
 */

async function openFamilyWithChildren(page: Page, q = 'lefevre'): Promise<string> {
  await page.getByLabel('Rechercher une famille').fill(q)
  const option = page.getByRole('option').filter({ hasNotText: 'aucun enfant' }).first()
  await expect(option).toBeVisible()
  await option.click()
  const heading = page.getByRole('heading', { level: 1 })
  await expect(heading).toBeVisible()
  return (await heading.innerText()).trim()
}

/** Types a day into a focused date input with the keyboard, in the order of the browser's date format (dd/mm or mm/dd). */
async function typeDay(page: Page, input: Locator, day: string): Promise<void> {
  const [y, m, d] = day.split('-') as [string, string, string]
  await page.keyboard.type(`${d}${m}${y}`)
  if ((await input.inputValue()) === day) return
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.press('Shift+Tab')
  await page.keyboard.type(`${m}${d}${y}`)
}

function panelOf(page: Page): { panel: Locator; form: Locator } {
  const panel = page.getByRole('region', { name: 'Pièces justificatives' })
  return { panel, form: panel.getByRole('form', { name: 'Enregistrer une pièce' }) }
}

test.describe('supporting documents and the dossier', () => {
  test('refuse an old proof of address and see the reason; a future date is refused at its field', async ({ page, shell }) => {
    await login(page, shell)
    await openFamilyWithChildren(page)
    const { panel, form } = panelOf(page)
    const row = panel.locator('[data-key="domicile:famille"]')
    await expect(row).toHaveAttribute('data-state', 'missing')

    // Keyboard only: the piece (arrow key on the select), Tab to the type (the first accepted
    // kind is chosen), Tab to the date, typed the French way, then Enter records it.
    await form.getByLabel('Pièce demandée').focus()
    await page.keyboard.press('ArrowDown')
    await expect(form.getByLabel('Pièce demandée')).toHaveValue('domicile')
    await page.keyboard.press('Tab')
    await expect(form.getByLabel('Type de document')).toBeFocused()
    await expect(form.getByLabel('Type de document')).toHaveValue('facture_energie')
    await page.keyboard.press('Tab')
    const date = form.getByLabel('Date du document')
    await expect(date).toBeFocused()
    await typeDay(page, date, '2026-07-02')
    await expect(date).toHaveValue('2026-07-02')
    // The town's rules, before anything is saved: refused, and the decision follows.
    await expect(form.getByTestId('document-preview')).toContainText("Facture d'électricité, de gaz ou d'eau du 02/07/2026 : plus de 3 mois")
    await expect(form.getByLabel('Refusée')).toBeChecked()
    await date.press('Enter')

    await expect(row).toHaveAttribute('data-state', 'refused')
    await expect(row).toContainText('Refusée')
    await expect(row.getByTestId('document-reason')).toContainText("Facture d'électricité, de gaz ou d'eau du 02/07/2026 : plus de 3 mois")
    await expect(row).toBeFocused()
    await expect(panel.getByTestId('dossier-status')).toHaveAttribute('data-status', 'incomplet')

    // A document dated after today: a clear French message at the field, nothing saved.
    await date.fill('2026-11-20')
    await date.press('Enter')
    await expect(form.getByTestId('field-error')).toHaveText('⚠ La date du document (20/11/2026) est postérieure à aujourd’hui (16/11/2026) : vérifiez-la.')
    await expect(date).toBeFocused()
    await expect(date).toHaveAttribute('aria-invalid', 'true')
    await expect(panel.locator('[data-testid="documents-recorded"] tbody tr')).toHaveCount(1)
  })

  test('print the recap (the family and every missing piece), then complete the dossier and validate it', async ({ page, shell }) => {
    await login(page, shell)
    const familyName = await openFamilyWithChildren(page, 'martin')
    const { panel, form } = panelOf(page)
    await expect(panel.getByTestId('document-item').first()).toBeVisible()

    // Validating an incomplete dossier: refused with the list of what is missing.
    await panel.getByRole('button', { name: 'Valider le dossier' }).click()
    await expect(panel.getByTestId('dossier-error')).toContainText('Le dossier ne peut pas être validé tant qu’il est incomplet')

    // The recap: the PDF's text names the family and every piece still missing.
    const missing = await panel.locator('[data-testid="document-item"][data-state="missing"] th').allInnerTexts()
    expect(missing.length).toBeGreaterThan(0)
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/call/documents/recap')),
      panel.getByRole('button', { name: 'Imprimer le récapitulatif' }).click(),
    ])
    const body = (await response.json()) as { ok: boolean; data: { pdfBase64: string; fileName: string } }
    expect(body.ok).toBe(true)
    const bytes = new Uint8Array(Buffer.from(body.data.pdfBase64, 'base64'))
    expect(Buffer.from(bytes.slice(0, 5)).toString('latin1')).toBe('%PDF-')
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true })
    const squeeze = (s: string) => s.replace(/\s+/g, '')
    expect(squeeze(text)).toContain(squeeze(familyName))
    for (const label of missing) expect(squeeze(text)).toContain(squeeze(label.replace(/\(facultative\)/, '')))

    // Complete it: every mandatory piece still missing, recorded valid, seen at the counter.
    const keys = await panel.locator('[data-testid="document-item"]:not([data-state="valid"]):not([data-state="expiring"])').evaluateAll((rows) =>
      rows.filter((r) => !r.textContent?.includes('facultative')).map((r) => r.getAttribute('data-key') ?? ''),
    )
    let scanned: string | null = null
    for (const key of keys) {
      const [requirementId, personId] = key.split(':') as [string, string]
      await form.getByLabel('Pièce demandée').selectOption(requirementId)
      if (personId !== 'famille') await form.getByLabel('À qui est la pièce').selectOption(personId)
      await form.getByLabel('Date du document').fill('2026-11-09')
      if (requirementId === 'identite') await form.getByLabel('Valable jusqu’au').fill('2034-05-01')
      await form.getByLabel('Validée').check()
      if (!scanned && requirementId !== 'vaccinations') {
        // One piece with its scan (the web shell's upload route; the core checks it by content).
        await form.getByLabel('Joindre un scan').check()
        await form.getByTestId('scan-file').setInputFiles({ name: 'piece.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n') })
        await expect(form.getByTestId('scan-attached')).toBeVisible()
        scanned = key
      }
      await form.getByRole('button', { name: 'Enregistrer la pièce' }).click()
      await expect(panel.locator(`[data-key="${key}"]`)).toHaveAttribute('data-state', /valid|expiring/)
    }
    if (scanned) await expect(panel.locator(`[data-key="${scanned}"]`)).toContainText('scan : piece.pdf')
    await expect(panel.getByTestId('dossier-status')).toHaveAttribute('data-status', 'complet')
    await panel.getByRole('button', { name: 'Valider le dossier' }).click()
    await expect(panel.getByTestId('dossier-status')).toHaveAttribute('data-status', 'valide')
    await expect(panel.getByTestId('dossier-status')).toContainText('Validé')
    await expect(panel.getByTestId('documents-status')).toContainText('Dossier 2026-2027 validé.')

    // Renew for next year: the family is carried over; what expires before the start is listed.
    await panel.getByRole('button', { name: 'Renouveler pour 2027-2028' }).click()
    await expect(panel.getByLabel('Année scolaire')).toHaveValue('2027-2028')
    const renewal = panel.getByTestId('dossier-renewal')
    await expect(renewal).toContainText('Dossier 2027-2028 ouvert')
    if (keys.includes('domicile:famille')) await expect(renewal).toContainText('Justificatif de domicile — Famille : expire avant la rentrée (valable jusqu’au 09/02/2027)')
  })
})
