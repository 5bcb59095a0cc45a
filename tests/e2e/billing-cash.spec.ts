import { expect, login, test } from './fixtures'
import { REGIE, euros, familyWithTwoOpenInvoices, openCashDesk } from './billing-helpers'

/**
 * The cash desk's other paths (issue 12), on a web shell of its own (billing.spec.ts closes its
 * day): cash with the change to give back, a receipt cancelled with a reason (its number stays
 * used, its invoice open again), an overpayment that becomes a credit, the credit refunded
 * (number V-…-000001), and the day's totals without the cancelled receipt.
 */
test.use({ workerShellEnv: { GUICHET_WORKSTATION_NAME: 'Guichet caisse' } })

test.describe('cash, a cancelled receipt and a refund', () => {
  test.describe.configure({ timeout: 180_000 })

  test('cash with change, cancel the receipt with a reason, overpay into a credit and refund it', async ({ page, shell }) => {
    await login(page, shell, REGIE)
    await openCashDesk(page)
    await page.getByLabel('Fond de caisse (€)').fill('100')
    await page.getByRole('button', { name: 'Ouvrir la caisse' }).click()
    await expect(page.getByTestId('cashdesk-state')).toHaveAttribute('data-state', 'ouverte')

    const family = familyWithTwoOpenInvoices(shell)
    expect(family).not.toBeNull()
    const { code, numbers, owed } = family!
    await page.getByRole('navigation').getByRole('link', { name: 'Recherche', exact: true }).click()
    await page.getByLabel('Rechercher une famille').fill(code)
    await page.getByRole('option').first().click()
    await expect(page.getByTestId('family-code')).toHaveText(code)
    const panel = page.getByRole('region', { name: 'Factures et règlements' })

    // 20 € in cash, 50 € handed over: 30 € to give back, shown large.
    await panel.getByRole('button', { name: 'Encaisser' }).click()
    let dialog = page.getByRole('dialog', { name: 'Encaisser un règlement' })
    await dialog.getByLabel('Montant (€)').fill('20')
    await dialog.getByLabel('Somme remise (€)').fill('50')
    await expect(dialog.getByTestId('pay-change')).toHaveText(euros(3000))
    await expect(dialog.getByTestId('pay-allocation')).toHaveCount(1)
    await dialog.getByLabel('Somme remise (€)').press('Enter')
    let receipt = page.getByRole('dialog', { name: 'Reçu' })
    const first = (await receipt.getByTestId('receipt-number').innerText()).trim()
    expect(first).toMatch(/^R-[A-Z0-9]+-26-000001$/)
    await expect(receipt.getByTestId('receipt-change')).toHaveText(euros(3000))
    await page.keyboard.press('Escape')
    const oldest = panel.locator(`[data-testid="invoice"][data-invoice-number="${numbers[0]}"]`)
    await expect(oldest).toHaveAttribute('data-status', 'partiellement_payee')

    // A mistake: the receipt is cancelled with a reason; its number stays, the invoice is open again.
    const row = panel.locator(`[data-testid="payment"][data-receipt="${first}"]`)
    await row.getByRole('button', { name: /^Annuler le reçu/ }).click()
    const reason = row.getByLabel(/^Motif de l’annulation du reçu/)
    await expect(reason).toBeFocused()
    await reason.fill('Erreur de montant')
    await reason.press('Enter')
    await expect(row.getByTestId('payment-state')).toContainText('Annulé')
    await expect(row.getByTestId('payment-state')).toContainText('Erreur de montant')
    await expect(oldest).toHaveAttribute('data-status', 'a_payer')

    // Everything owed and 10 € more: the rest becomes the family's credit, then refunded in cash.
    await panel.getByRole('button', { name: 'Encaisser' }).click()
    dialog = page.getByRole('dialog', { name: 'Encaisser un règlement' })
    await dialog.getByLabel('Montant (€)').fill(`${Math.floor((owed + 1000) / 100)},${String((owed + 1000) % 100).padStart(2, '0')}`)
    await expect(dialog.getByTestId('pay-credit')).toContainText(euros(1000))
    await dialog.getByRole('button', { name: /^Encaisser / }).click()
    receipt = page.getByRole('dialog', { name: 'Reçu' })
    await expect(receipt.getByTestId('receipt-number')).toHaveText(/^R-[A-Z0-9]+-26-000002$/)
    await page.keyboard.press('Escape')
    for (const n of numbers) await expect(panel.locator(`[data-testid="invoice"][data-invoice-number="${n}"]`)).toHaveAttribute('data-status', 'payee')
    await expect(panel.getByTestId('billing-balance')).toContainText('Crédit')
    await expect(panel.getByTestId('billing-balance')).toContainText(euros(1000))

    await panel.getByRole('button', { name: 'Rembourser le crédit' }).click()
    const refund = page.getByRole('dialog', { name: 'Rembourser le crédit' })
    await expect(refund.getByLabel('Montant (€)')).toHaveValue('10,00')
    await refund.getByLabel('Motif').fill('Trop-perçu rendu à la famille')
    await refund.getByRole('button', { name: 'Rembourser' }).click()
    receipt = page.getByRole('dialog', { name: 'Remboursement' })
    await expect(receipt.getByTestId('receipt-number')).toHaveText(/^V-[A-Z0-9]+-26-000001$/)
    await page.keyboard.press('Escape')
    await expect(panel.getByTestId('billing-balance')).toContainText('Aucune somme due')

    // The cash desk: three numbers used, the cancelled one excluded from the totals.
    await openCashDesk(page)
    await expect(page.getByTestId('cash-receipt')).toHaveCount(3)
    await expect(page.getByTestId('cash-receipts-count')).toHaveText('3')
    await expect(page.getByTestId('cash-total-especes')).toHaveText(euros(owed))
    await expect(page.getByTestId('cash-expected')).toHaveText(euros(10_000 + owed))
  })
})
