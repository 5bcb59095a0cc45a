import { expect, login, test } from './fixtures'
import { frenchDay, openFamilyWithChildren, openEnrolledFamily } from './bookings-helpers'

test.describe('bookings on the family file', () => {
  test('book a meal on a school day, see it listed, cancel it; the same booking twice is refused in French', async ({ page, shell }) => {
    test.setTimeout(120_000)
    await login(page, shell)
    const childId = await openEnrolledFamily(page)

    const section = page.getByRole('region', { name: 'Réservations', exact: true })
    const form = section.getByRole('form', { name: 'Nouvelle réservation' })
    await expect(form).toBeVisible()

    // Defaults: a child of this family, a school day a week ahead (Monday, Tuesday, Thursday,
    // Friday: before the canteen's booking and cancellation deadlines).
    await expect(form.getByLabel('Enfant')).not.toHaveValue('')
    await form.getByLabel('Enfant').selectOption(childId)
    const date = await form.getByLabel('Date').inputValue()
    expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect([1, 2, 4, 5]).toContain(new Date(`${date}T12:00:00Z`).getUTCDay())

    await form.getByLabel('Service').selectOption({ label: 'Restauration scolaire' })
    // The lieu defaults to the child's school; a child without a school gets the first site.
    const site = form.getByLabel('Lieu')
    if ((await site.inputValue()) === '') await site.selectOption({ index: 1 })
    const siteName = (await site.locator('option:checked').innerText()).trim()

    await form.getByRole('button', { name: 'Réserver' }).click()
    await expect(section.getByRole('status').filter({ hasText: 'Réservation enregistrée' })).toBeVisible()

    const rows = section.getByTestId('reservation').filter({ hasText: frenchDay(date) }).filter({ hasText: 'Restauration scolaire' })
    const active = rows.and(page.locator('[data-state="reserve"]'))
    await expect(active).toHaveCount(1)
    await expect(active).toContainText('Réservé')
    await expect(active).toContainText(siteName)
    await expect(active).toContainText('Guichet')
    // Not yet confirmed by the portal: says so; confirmed: no badge.
    if ((await active.getAttribute('data-pending')) === 'true') await expect(active).toContainText('En attente d’envoi')
    else await expect(active).not.toContainText('En attente d’envoi')

    // Cancel: a small confirmation; Escape keeps the booking (and stays on the file).
    const cancel = active.getByRole('button', { name: /^Annuler la réservation/ })
    await cancel.click()
    const confirm = active.getByRole('button', { name: 'Confirmer l’annulation' })
    await expect(confirm).toBeFocused()
    await page.keyboard.press('Escape')
    await expect(confirm).toHaveCount(0)
    await expect(cancel).toBeFocused()
    await expect(page.getByRole('heading', { name: 'Réservations', exact: true })).toBeVisible()

    await page.keyboard.press('Enter')
    await expect(active.getByRole('button', { name: 'Confirmer l’annulation' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(section.getByRole('status').filter({ hasText: 'Réservation annulée' })).toBeVisible()
    await expect(rows.and(page.locator('[data-state="annule"]'))).toHaveCount(1)
    await expect(rows.and(page.locator('[data-state="annule"]'))).toContainText('Annulé')
    await expect(active).toHaveCount(0)

    // The form kept its values: book the same again (allowed, the first one is cancelled)…
    await expect(form.getByLabel('Service')).toHaveValue('cantine')
    await expect(form.getByLabel('Date')).toHaveValue(date)
    await form.getByRole('button', { name: 'Réserver' }).click()
    await expect(active).toHaveCount(1)

    // …and once more: the rule refuses it, in French, next to the form, which keeps its values.
    await form.getByRole('button', { name: 'Réserver' }).click()
    const alert = section.getByTestId('booking-error')
    await expect(alert).toHaveAttribute('role', 'alert')
    await expect(alert).toContainText('déjà inscrit')
    await expect(alert).toContainText(`Restauration scolaire le ${frenchDay(date)}`)
    await expect(alert).not.toContainText('ALREADY_BOOKED')
    await expect(form.getByLabel('Service')).toHaveValue('cantine')
    await expect(form.getByLabel('Date')).toHaveValue(date)
    await expect(active).toHaveCount(1)
  })

  test('a missing field is named before anything is sent', async ({ page, shell }) => {
    await login(page, shell)
    await openFamilyWithChildren(page)
    const form = page.getByRole('form', { name: 'Nouvelle réservation' })
    await form.getByLabel('Date').fill('')
    await form.getByRole('button', { name: 'Réserver' }).click()
    await expect(page.getByTestId('booking-error')).toContainText('Complétez')
    await expect(page.getByTestId('booking-error')).toContainText('Service')
    await expect(form.getByLabel('Service')).toBeFocused()
  })

  test('edit a guardian’s phone; an invalid e-mail gets a French error; Escape closes the form', async ({ page, shell }) => {
    await login(page, shell)
    await openFamilyWithChildren(page, 'martin')
    const card = page.getByTestId('guardian').first()

    await card.getByRole('button', { name: /^Modifier les coordonnées/ }).click()
    const mobile = card.getByLabel('Téléphone portable')
    await expect(mobile).toBeFocused()
    await mobile.fill('06 11 22 33 44')
    await card.getByRole('button', { name: 'Enregistrer' }).click()
    await expect(card.getByTestId('guardian-phones')).toContainText('06 11 22 33 44')
    await expect(card.getByRole('status')).toHaveText('Coordonnées enregistrées.')
    await expect(card.getByRole('button', { name: /^Modifier les coordonnées/ })).toBeFocused()

    // An invalid address: the field says why, in French; nothing is saved.
    const emailBefore = await card.getByTestId('guardian-email').innerText()
    await card.getByRole('button', { name: /^Modifier les coordonnées/ }).click()
    await expect(card.getByLabel('Téléphone portable')).toHaveValue(/06 ?11 ?22 ?33 ?44/)
    const email = card.getByLabel('E-mail')
    await email.fill('pas-une-adresse')
    await card.getByRole('button', { name: 'Enregistrer' }).click()
    await expect(email).toHaveAttribute('aria-invalid', 'true')
    await expect(card.getByTestId('field-error')).toContainText('Adresse e-mail invalide')
    await expect(card.getByRole('alert')).toContainText('Saisie invalide : E-mail')
    await expect(email).toBeFocused()

    await email.press('Escape')
    await expect(card.getByLabel('E-mail')).toHaveCount(0)
    await expect(page.getByTestId('family-name')).toBeVisible()
    await expect(card.getByTestId('guardian-email')).toHaveText(emailBefore)

    // Saved in the core, not only on screen.
    await page.reload()
    await expect(page.getByTestId('guardian').first().getByTestId('guardian-phones')).toContainText('06 11 22 33 44')
  })

})
