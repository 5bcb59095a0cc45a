import { expect, login, test } from './fixtures'

/**
 * Town data and the quotient familial in the browser, keyboard first:
 * - a responsable opens « Paramètres » and changes the validity of the energy bill (« Facture
 *   d'électricité, de gaz ou d'eau », id facture_energie) from 3 to 6 months; the table and the
 *   history show it;
 * - in a family file, the QF computed from income and parts shows the parts and the value as
 *   the agent types, and is recorded with its inputs.
 */

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }

test('a responsable changes the validity of the energy bill from 3 to 6 months, with its history', async ({ page, shell }) => {
  // The first test of the worker also waits for the web shell and its demo portal to start.
  test.slow()
  await login(page, shell, RESPONSABLE)
  await page.getByTestId('nav-town-settings').click()
  await expect(page.getByRole('heading', { name: 'Paramètres de la commune' })).toBeVisible()

  const row = page.getByTestId('type-facture_energie')
  await expect(row.getByTestId('type-rule')).toHaveText('3 mois après la date du document')
  await row.getByRole('button', { name: /^Modifier « Facture/ }).click()

  // The form opens on the label; the keyboard reaches the number of months.
  const form = page.getByTestId('type-form')
  await expect(page.locator('#type-label')).toBeFocused()
  const months = form.getByLabel('Nombre de mois')
  await expect(months).toHaveValue('3')
  // A wrong value is refused at the field, in French, and nothing is saved.
  await months.fill('0')
  await months.press('Enter')
  await expect(form.getByTestId('field-error')).toHaveText(/au moins 1/)
  await expect(months).toBeFocused()
  await months.fill('6')
  await months.press('Enter')

  await expect(form).toBeHidden()
  await expect(row.getByTestId('type-rule')).toHaveText('6 mois après la date du document')
  // Focus goes back to the button that opened the form.
  await expect(row.getByRole('button', { name: /^Modifier « Facture/ })).toBeFocused()
  const change = page.getByTestId('town-history-row').first()
  await expect(change).toContainText('rule_value')
  await expect(change).toContainText('3')
  await expect(change).toContainText('6')
  await expect(change).toContainText(RESPONSABLE.displayName)

  // A reload reads it back from the core.
  await page.reload()
  await expect(page.getByTestId('type-facture_energie').getByTestId('type-rule')).toHaveText('6 mois après la date du document')
})

test('an agent does not see « Paramètres »', async ({ page, shell }) => {
  await login(page, shell)
  await expect(page.getByTestId('nav-search')).toBeVisible()
  await expect(page.getByTestId('nav-town-settings')).toHaveCount(0)
})

test('the QF computed from income and parts shows the parts and the right value, and is recorded', async ({ page, shell }) => {
  await login(page, shell)
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await page.getByRole('option').first().click()
  await expect(page.getByTestId('family-name')).toBeVisible()

  const panel = page.getByTestId('quotient-panel')
  await panel.getByTestId('qf-add').click()
  // « Saisir » is focused first; the arrow key moves to « Calculer » (a radio group).
  await expect(panel.getByLabel('Saisir')).toBeFocused()
  await page.keyboard.press('ArrowRight')
  await expect(panel.getByLabel('Calculer')).toBeChecked()

  await panel.getByLabel('Revenu annuel imposable (€)').fill('36 000')
  await panel.getByLabel('Prestations familiales mensuelles (€)').fill('200')
  await panel.getByLabel('Enfants à charge').fill('2')
  // (36 000 ÷ 12 + 200) ÷ 3 parts = 1 066,67 → 1 066 € (rounded down).
  await expect(panel.getByTestId('qf-parts')).toHaveText('3')
  await expect(panel.getByTestId('qf-computed')).toHaveText(/^1\s066\s€$/)
  await panel.getByLabel('Enfants à charge').fill('3')
  await expect(panel.getByTestId('qf-parts')).toHaveText('4')
  await expect(panel.getByTestId('qf-computed')).toHaveText(/^800\s€$/)
  await panel.getByLabel('Enfants à charge').fill('2')
  await panel.getByLabel('Enfants à charge').press('Enter')

  await expect(panel.getByTestId('qf-form')).toBeHidden()
  const recorded = panel.getByTestId('qf-row').first()
  await expect(recorded).toContainText(/1\s066\s€/)
  await expect(recorded).toContainText('Calculé')
  await expect(recorded).toContainText('3 parts')
  // Valid from the first day of next month (the e2e clock: 16/11/2026), not in force today.
  await expect(recorded).toContainText('01/12/2026')
  await panel.getByTestId('qf-lookup-day').fill('2026-12-15')
  await panel.getByRole('button', { name: 'Consulter' }).click()
  await expect(panel.getByTestId('qf-lookup-result')).toHaveText(/Le 15\/12\/2026 : 1\s066\s€ \(Calculé\)/)
})
