import type { Page } from '@playwright/test'
import { expect, login, test } from './fixtures'

/** '2027-03-12' → '12/03/2027', as the list shows it. */
function frenchDay(day: string): string {
  const [y, m, d] = day.split('-')
  return `${d}/${m}/${y}`
}

/** Opens the file of a family that has children (the search shows "aucun enfant" otherwise). */
async function openFamilyWithChildren(page: Page, q = 'lefevre'): Promise<void> {
  await page.getByLabel('Rechercher une famille').fill(q)
  const option = page.getByRole('option').filter({ hasNotText: 'aucun enfant' }).first()
  await expect(option).toBeVisible()
  await option.click()
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(page.getByTestId('child').first()).toBeVisible()
}

/**
 * Opens the file of a demo family one of whose children is enrolled at the canteen (the month
 * grid shows the canteen row with its site) and returns that child's id. Demo children are
 * enrolled at ~85 %: the first families of a search are tried in turn.
 */
async function openEnrolledFamily(page: Page, queries = ['lefevre', 'martin', 'bernard', 'petit', 'durand']): Promise<string> {
  for (const q of queries) {
    for (let i = 0; i < 6; i++) {
      await page.getByLabel('Rechercher une famille').fill(q)
      const options = page.getByRole('option').filter({ hasNotText: 'aucun enfant' })
      await expect(options.first()).toBeVisible()
      if (i >= (await options.count())) break
      await options.nth(i).click()
      await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
      await expect(page.getByTestId('month-grid')).toBeVisible()
      const enrolled = page.locator('tbody[data-testid="grid-child"]:has(tr[data-unit-id="cantine"][data-site-id])')
      if ((await enrolled.count()) > 0) return (await enrolled.first().getAttribute('data-child-id'))!
      await page.getByRole('button', { name: 'Retour à la recherche' }).click()
      await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
    }
  }
  throw new Error('no demo family with a child enrolled at the canteen')
}

/** The canteen cell of a child on a day, in the month grid. */
function canteenCell(page: Page, childId: string, day: string) {
  return page.locator(`tbody[data-child-id="${childId}"] tr[data-unit-id="cantine"] td[data-date="${day}"]`)
}

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }

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

  test('month grid: every Monday and Thursday until the Christmas holidays, then a cancellation past its deadline with an override', async ({ page, shell }) => {
    // Generous: a few demo families may be opened before one with a child at the canteen (2-core CI).
    test.setTimeout(150_000)
    // 16/11/2026 9:00 (a Monday). Canteen: booking until 2 working days before 10:00, cancellation
    // until the Thursday of the week before 23:59; the Christmas holidays start on Sat 19/12.
    await login(page, shell, RESPONSABLE)
    const childId = await openEnrolledFamily(page, ['bernard', 'petit', 'durand', 'martin', 'lefevre'])
    const planning = page.getByRole('region', { name: 'Planning du mois' })
    await expect(planning.getByTestId('planning-month')).toHaveText('novembre 2026')

    // Bulk booking: child, service, Monday and Thursday, from today until the next holidays.
    await planning.getByRole('button', { name: 'Réserver sur une période' }).click()
    const bulk = planning.getByRole('region', { name: 'Réservation sur une période' })
    await expect(bulk.getByLabel('Enfant')).toBeFocused()
    await bulk.getByLabel('Enfant').selectOption(childId)
    await bulk.getByLabel('Service').selectOption('cantine')
    // A malformed pattern is named before anything is sent.
    await bulk.getByRole('button', { name: 'Réserver ces jours' }).click()
    await expect(bulk.getByTestId('bulk-error')).toContainText('Choisissez au moins un jour de la semaine.')
    // The canteen runs on school days: no Wednesday to tick.
    await expect(bulk.getByLabel('Mer', { exact: true })).toHaveCount(0)
    await bulk.getByLabel('Lun', { exact: true }).check()
    await bulk.getByLabel('Jeu', { exact: true }).check()
    await expect(bulk.getByLabel('Du', { exact: true })).toHaveValue('2026-11-16')
    await bulk.getByLabel('Au', { exact: true }).fill('2026-11-01')
    await bulk.getByRole('button', { name: 'Réserver ces jours' }).click()
    await expect(bulk.getByTestId('bulk-error')).toContainText('La date de fin précède la date de début.')
    await bulk.getByLabel('Au', { exact: true }).fill('2027-09-30')
    await bulk.getByRole('button', { name: 'Réserver ces jours' }).click()
    await expect(bulk.getByTestId('bulk-error')).toContainText('La période sort de l’année scolaire 2026-2027 : elle va du 01/09/2026 au 02/07/2027.')
    await bulk.getByRole('button', { name: 'jusqu’aux prochaines vacances' }).click()
    await expect(bulk.getByLabel('Au', { exact: true })).toHaveValue('2026-12-18')
    await bulk.getByRole('button', { name: 'Réserver ces jours' }).click()

    const result = bulk.getByTestId('bulk-result')
    await expect(result.getByTestId('bulk-booked-count')).toContainText('9 jours réservés.')
    // Monday 16/11 is past its deadline (Thursday 12/11 10:00): listed with the rule's reason.
    const refused = result.getByTestId('bulk-refused-day')
    await expect(refused).toHaveCount(1)
    await expect(refused).toHaveAttribute('data-date', '2026-11-16')
    await expect(refused).toContainText('lundi 16/11/2026')
    await expect(refused).toContainText('Inscriptions closes le jeudi 12/11 à 10:00')
    await result.getByText('Jours réservés', { exact: true }).click()
    const bookedDays = ['2026-11-19', '2026-11-23', '2026-11-26', '2026-11-30', '2026-12-03', '2026-12-07', '2026-12-10', '2026-12-14', '2026-12-17']
    for (const d of bookedDays) await expect(result.locator(`li[data-date="${d}"]`)).toBeVisible()

    // The grid shows them booked (and Monday 16/11 past its deadline), this month and the next.
    for (const d of bookedDays.filter((d) => d < '2026-12-01')) await expect(canteenCell(page, childId, d)).toHaveAttribute('data-state', 'booked')
    await expect(canteenCell(page, childId, '2026-11-16')).toHaveAttribute('data-state', 'deadline')
    await expect(canteenCell(page, childId, '2026-11-18')).toHaveAttribute('data-state', 'closed')
    await planning.getByRole('button', { name: 'Mois suivant' }).click()
    await expect(planning.getByTestId('planning-month')).toHaveText('décembre 2026')
    for (const d of bookedDays.filter((d) => d >= '2026-12-01')) await expect(canteenCell(page, childId, d)).toHaveAttribute('data-state', 'booked')
    await expect(canteenCell(page, childId, '2026-12-21')).toHaveAttribute('data-state', 'closed')
    await planning.getByRole('button', { name: 'Aujourd’hui' }).click()
    await expect(planning.getByTestId('planning-month')).toHaveText('novembre 2026')

    // Keyboard: from Monday 16/11, three steps right reach Thursday 19/11; its explanation says
    // the cancellation is closed (Thursday 12/11 23:59).
    const monday = canteenCell(page, childId, '2026-11-16')
    await monday.click()
    await expect(planning.getByTestId('grid-explanation')).toContainText('Inscriptions closes le jeudi 12/11 à 10:00')
    // A responsable may override: the click asked for a reason; Escape gives the cell back.
    await expect(page.getByLabel('Motif de la dérogation')).toBeFocused()
    await page.keyboard.press('Escape')
    await expect(monday).toBeFocused()
    await expect(page.getByTestId('family-name')).toBeVisible()
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight')
    const thursday = canteenCell(page, childId, '2026-11-19')
    await expect(thursday).toBeFocused()
    await expect(thursday).toHaveAttribute('tabindex', '0')
    await expect(planning.getByTestId('grid-explanation')).toContainText('Annulation close le jeudi 12/11 à 23:59')
    await expect(thursday).toHaveAttribute('title', /Annulation close le jeudi 12\/11 à 23:59/)

    // Cancel it past its deadline: a reason is required, then the cancellation goes through.
    await page.keyboard.press('Enter')
    const reason = page.getByLabel('Motif de la dérogation')
    await expect(reason).toBeFocused()
    await page.getByRole('button', { name: 'Annuler avec dérogation' }).click()
    await expect(planning.getByTestId('grid-action')).toContainText('Indiquez le motif de la dérogation')
    await reason.fill('Hospitalisation de l’enfant, appel de la mère')
    await page.getByRole('button', { name: 'Annuler avec dérogation' }).click()
    await expect(planning.getByTestId('planning-status')).toContainText('Réservation annulée')
    await expect(thursday).not.toHaveAttribute('data-state', 'booked')
    await expect(thursday).toBeFocused()

    // The list shows it cancelled, with the reason of the override.
    const row = page
      .getByTestId('reservation')
      .filter({ hasText: '19/11/2026' })
      .filter({ hasText: 'Restauration scolaire' })
      .and(page.locator('[data-state="annule"]'))
    await expect(row).toHaveCount(1)
    await expect(row).toContainText('Dérogation : Hospitalisation de l’enfant, appel de la mère')
    await expect(page.getByTestId('reservation').filter({ hasText: '26/11/2026' }).and(page.locator('[data-state="reserve"]'))).not.toHaveCount(0)
  })

  test('month grid: a plain agent sees why a day is closed, and no override', async ({ page, shell }) => {
    test.setTimeout(120_000)
    await login(page, shell)
    const childId = await openEnrolledFamily(page, ['bernard', 'petit', 'durand', 'martin', 'lefevre'])
    const planning = page.getByRole('region', { name: 'Planning du mois' })
    const monday = canteenCell(page, childId, '2026-11-16')
    await expect(monday).toHaveAttribute('data-state', 'deadline')
    await monday.click()
    await expect(planning.getByTestId('grid-explanation')).toContainText('Inscriptions closes le jeudi 12/11 à 10:00')
    await expect(planning.getByTestId('planning-status')).toContainText('Inscriptions closes le jeudi 12/11 à 10:00')
    await expect(page.getByLabel('Motif de la dérogation')).toHaveCount(0)
    await expect(planning.getByTestId('grid-action')).toHaveCount(0)
    await expect(monday).toHaveAttribute('data-state', 'deadline')
    // Space on the same cell: still only the explanation.
    await monday.press(' ')
    await expect(page.getByLabel('Motif de la dérogation')).toHaveCount(0)
    // PageDown goes to December, PageUp back.
    await monday.press('PageDown')
    await expect(planning.getByTestId('planning-month')).toHaveText('décembre 2026')
    await expect(page.locator('td[data-testid="grid-cell"][tabindex="0"]')).toBeFocused()
    await page.keyboard.press('PageUp')
    await expect(planning.getByTestId('planning-month')).toHaveText('novembre 2026')
  })
})
