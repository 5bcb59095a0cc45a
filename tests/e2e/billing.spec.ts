import { extractText, getDocumentProxy } from 'unpdf'
import { expect, login, test } from './fixtures'
import { FLOAT_CENTS, REGIE, anyInvoicedFamily, euros, familyWithTwoOpenInvoices, openCashDesk } from './billing-helpers'

/**
 * Invoices, payments and the cash desk at the counter (issue 12), in Chromium against the web
 * shell and its embedded demo portal: the régisseur opens the cash desk with a float, opens the
 * file of a demo family with two open invoices, pays both with one cheque (the live preview
 * allocates it to both), the receipt R-…-000001 is shown and its PDF opens; both invoices are
 * then « Payée »; at « Caisse » the billetage equals the float, the day is closed (confirmed)
 * and its totals read: cheques = the amount paid = the total, one receipt, no difference.
 */

test.describe('billing at the counter', () => {
  // The demo town (400 families, two months of bookings, both months invoiced) starts with the first test.
  test.describe.configure({ timeout: 180_000 })
  // First: the worker's web shell is shared, and the next test closes today's cash desk.
  test('an accueil agent sees the account but cannot take money, and is told why', async ({ page, shell }) => {
    await login(page, shell)
    const code = anyInvoicedFamily(shell)
    await page.getByLabel('Rechercher une famille').fill(code)
    await page.getByRole('option').first().click()
    await expect(page.getByTestId('family-code')).toHaveText(code)
    const panel = page.getByRole('region', { name: 'Factures et règlements' })
    await expect(panel.getByTestId('invoice').first()).toBeVisible()
    await expect(panel.getByRole('button', { name: 'Encaisser' })).toBeDisabled()
    await expect(panel.getByTestId('billing-pay-why')).not.toBeEmpty()
    await openCashDesk(page)
    await expect(page.getByText('Seuls le régisseur et un responsable tiennent la caisse.')).toBeVisible()
    await expect(page.getByRole('button', { name: 'Ouvrir la caisse' })).toHaveCount(0)
  })

  test('pay two invoices with one cheque, print the receipt, close the day and read its totals', async ({ page, shell }) => {
    await login(page, shell, REGIE)

    // The cash desk opens with a float (typed the French way).
    await openCashDesk(page)
    const state = page.getByTestId('cashdesk-state')
    await expect(state).toHaveAttribute('data-state', 'non_ouverte')
    const float = page.getByLabel('Fond de caisse (€)')
    await expect(float).toBeVisible()
    await float.fill('150,00')
    await float.press('Enter')
    await expect(state).toHaveAttribute('data-state', 'ouverte')
    await expect(state).toContainText(euros(FLOAT_CENTS))

    // The demo family with two open invoices.
    const family = familyWithTwoOpenInvoices(shell)
    expect(family, 'a demo family with two open invoices payable at the counter').not.toBeNull()
    const { code, numbers, owed } = family!
    await page.getByRole('navigation').getByRole('link', { name: 'Recherche', exact: true }).click()
    await page.getByLabel('Rechercher une famille').fill(code)
    await page.getByRole('option').first().click()
    await expect(page.getByTestId('family-code')).toHaveText(code)

    const panel = page.getByRole('region', { name: 'Factures et règlements' })
    await expect(panel.getByTestId('billing-balance')).toContainText('Reste à payer')
    for (const n of numbers) {
      const row = panel.locator(`[data-testid="invoice"][data-invoice-number="${n}"]`)
      await expect(row).toHaveAttribute('data-status', 'a_payer')
      await expect(row.getByTestId('invoice-status')).toHaveText('À payer')
      // The lines say the rule in plain French.
      await row.getByRole('button', { name: new RegExp(`^Détail ${n}`) }).click()
      await expect(row.getByTestId('invoice-lines')).toContainText('€')
    }

    // « Encaisser »: focus on the first field; a cheque for both invoices.
    const payButton = panel.getByRole('button', { name: 'Encaisser' })
    await payButton.click()
    const dialog = page.getByRole('dialog', { name: 'Encaisser un règlement' })
    await expect(dialog).toBeVisible()
    // Escape closes it without taking anything; the keyboard opens it again.
    await page.keyboard.press('Escape')
    await expect(dialog).toBeHidden()
    await expect(payButton).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(dialog).toBeVisible()
    await expect(dialog.getByLabel('Mode de paiement')).toBeFocused()
    await dialog.getByLabel('Mode de paiement').selectOption({ label: 'Chèque' })
    for (const n of numbers) await expect(dialog.locator(`input[data-invoice="${n}"]`)).toBeChecked()
    const amount = dialog.getByLabel('Montant (€)')
    // Bad amounts are refused at the field, in French.
    await amount.fill('0,001')
    await expect(dialog.getByTestId('pay-amount-hint')).toContainText('deux décimales')
    await amount.fill('0')
    await expect(dialog.getByTestId('pay-amount-hint')).toContainText('supérieur à zéro')
    await amount.fill(`${Math.floor(owed / 100)},${String(owed % 100).padStart(2, '0')}`)
    await dialog.getByLabel('Banque').fill('Crédit Agricole')
    await dialog.getByLabel('Numéro du chèque').fill('1234567')
    await dialog.getByLabel('Titulaire du chèque').fill('Camille Durand')
    // The live preview: the cheque settles both invoices, nothing left over.
    const preview = dialog.getByTestId('pay-preview')
    await expect(preview.getByTestId('pay-allocation')).toHaveCount(2)
    for (const n of numbers) await expect(preview).toContainText(n)
    await expect(preview.getByTestId('pay-problems')).toHaveCount(0)
    await expect(preview.getByTestId('pay-credit')).toHaveCount(0)
    // Enter takes the payment.
    await dialog.getByLabel('Titulaire du chèque').press('Enter')

    // The receipt: the first number of this workstation's series this year.
    const receipt = page.getByRole('dialog', { name: 'Reçu' })
    await expect(receipt).toBeVisible()
    const number = (await receipt.getByTestId('receipt-number').innerText()).trim()
    expect(number).toMatch(/^R-[A-Z0-9]+-26-000001$/)
    await expect(receipt.getByTestId('receipt-amount')).toHaveText(euros(owed))
    // « Imprimer (A4) »: the web shell opens the PDF in a new tab; the PDF names the receipt.
    const [response, tab] = await Promise.all([
      page.waitForResponse((r) => r.url().includes('/api/v1/call/billing/receiptPdf')),
      page.context().waitForEvent('page'),
      receipt.getByRole('button', { name: 'Imprimer (A4)' }).click(),
    ])
    const body = (await response.json()) as { ok: boolean; data: { pdfBase64: string; fileName: string } }
    expect(body.ok).toBe(true)
    const bytes = new Uint8Array(Buffer.from(body.data.pdfBase64, 'base64'))
    expect(Buffer.from(bytes.slice(0, 5)).toString('latin1')).toBe('%PDF-')
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true })
    expect(text.replace(/\s+/g, '')).toContain(number)
    await tab.waitForLoadState()
    expect(tab.url()).toMatch(/\/pdf\//)
    await tab.close()
    await expect(receipt.getByTestId('receipt-status')).toContainText('nouvel onglet')
    // Escape closes; focus goes back to « Encaisser ».
    await page.keyboard.press('Escape')
    await expect(receipt).toBeHidden()
    await expect(payButton).toBeFocused()

    // Both invoices are now paid; the payment is listed with its receipt number.
    for (const n of numbers) {
      const row = panel.locator(`[data-testid="invoice"][data-invoice-number="${n}"]`)
      await expect(row).toHaveAttribute('data-status', 'payee')
      await expect(row.getByTestId('invoice-status')).toHaveText('Payée')
      await expect(row.getByTestId('invoice-remaining')).toHaveText(euros(0))
    }
    const payment = panel.locator(`[data-testid="payment"][data-receipt="${number}"]`)
    await expect(payment).toContainText('Chèque')
    await expect(payment.getByTestId('payment-amount')).toHaveText(euros(owed))
    // Not yet on the portal, it says so; once sent, it no longer does.
    await expect(payment.getByTestId('payment-state')).toContainText(/En attente d’envoi|Transmis/)
    const status = page.getByRole('contentinfo')
    await status.getByRole('button', { name: 'Synchroniser' }).click()
    await expect(status.getByTestId('sync-pending')).toContainText('Aucune modification', { timeout: 30_000 })
    await expect(payment.getByTestId('payment-state')).toHaveText('Transmis')

    // The cash desk: the receipt, the totals, the billetage equal to the float, the closing.
    await openCashDesk(page)
    await expect(page.getByTestId('cash-receipt')).toHaveCount(1)
    await expect(page.getByTestId('cash-receipt')).toContainText(number)
    await expect(page.getByTestId('cash-total-cheque')).toHaveText(euros(owed))
    await expect(page.getByTestId('cash-expected')).toHaveText(euros(FLOAT_CENTS))
    await page.getByLabel('Billet de 100 €').fill('1')
    await page.getByLabel('Billet de 50 €').fill('1')
    await expect(page.getByTestId('billetage-total')).toHaveText(euros(FLOAT_CENTS))
    await expect(page.getByTestId('billetage-difference')).toHaveAttribute('data-difference', '0')
    await page.getByRole('button', { name: 'Clôturer la journée' }).click()
    const confirmation = page.getByTestId('cash-close-confirmation')
    await expect(confirmation).toContainText('Une journée clôturée ne peut plus être modifiée')
    await expect(confirmation.getByRole('button', { name: 'Confirmer la clôture' })).toBeFocused()
    await page.keyboard.press('Enter')

    await expect(state).toHaveAttribute('data-state', 'cloturee')
    const closed = page.getByTestId('cash-closed')
    await expect(closed).toBeVisible()
    await expect(page.getByTestId('cash-total-cheque')).toHaveText(euros(owed))
    await expect(page.getByTestId('cash-total')).toHaveText(euros(owed))
    await expect(page.getByTestId('cash-receipts-count')).toHaveText('1')
    await expect(page.getByTestId('cash-counted')).toHaveText(euros(FLOAT_CENTS))
    await expect(page.getByTestId('cash-difference')).toHaveAttribute('data-difference', '0')
    // Closed: no billetage nor closing any more.
    await expect(page.getByRole('button', { name: 'Clôturer la journée' })).toHaveCount(0)

    // The accountant's CSV: a download named by the core, holding the receipt.
    const [download] = await Promise.all([page.waitForEvent('download'), closed.getByRole('button', { name: 'Exporter les reçus (CSV)' }).click()])
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    const csv = await (await download.createReadStream()).toArray()
    expect(Buffer.concat(csv).toString('utf8')).toContain(number)

    // The cheque remittance slip opens as a PDF in a new tab.
    const [slip] = await Promise.all([page.context().waitForEvent('page'), closed.getByRole('button', { name: 'Bordereau de remise de chèques (PDF)' }).click()])
    await slip.waitForLoadState()
    expect(slip.url()).toMatch(/\/pdf\//)
    await slip.close()

    // The régie's report of the day: this workstation, closed, its total.
    const report = page.getByTestId('regie-report')
    await expect(report.getByTestId('regie-row').filter({ hasText: 'ce poste' })).toContainText('Clôturée')
    await expect(report.getByTestId('regie-total')).toHaveText(euros(owed))

    // The day is closed: no more payment here today, and the file says why.
    await page.getByRole('navigation').getByRole('link', { name: 'Recherche', exact: true }).click()
    await page.getByLabel('Rechercher une famille').fill(code)
    await page.getByRole('option').first().click()
    await expect(page.getByTestId('family-code')).toHaveText(code)
    await expect(panel.getByRole('button', { name: 'Encaisser' })).toBeDisabled()
    await expect(panel.getByTestId('billing-pay-why')).not.toBeEmpty()
    await expect(panel.locator(`[data-testid="payment"][data-receipt="${number}"]`).getByRole('button', { name: /^Annuler le reçu/ })).toHaveCount(0)
  })
})
