import { expect, login, test } from './fixtures'
import { openEnrolledFamily, canteenCell, RESPONSABLE } from './bookings-helpers'

// Its own web shell and portal (a worker of its own): the override below is flagged « À traiter »
// for a responsable, which specs expecting an empty « À traiter » in the shared shell must not see.
test.use({ workerShellEnv: { GUICHET_E2E_SHELL: 'bookings-grid' } })

test.describe('the month grid on the family file', () => {
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
