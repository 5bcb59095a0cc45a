import { expect, login, test } from './fixtures'

test.describe('family search and file', () => {
  test('"lefevre" finds the Lefèvre families as you type; keyboard opens one', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    await box.pressSequentially('lefevre', { delay: 30 })
    const options = page.getByRole('option')
    await expect(options.first()).toBeVisible()
    await expect(options.filter({ hasText: 'Lefèvre' }).first()).toBeVisible()

    // Pick the first result that is a Lefèvre family with the arrows, then Enter.
    const texts = await options.allInnerTexts()
    const index = texts.findIndex((t) => t.includes('Lefèvre'))
    expect(index).toBeGreaterThanOrEqual(0)
    for (let i = 0; i <= index; i++) await box.press('ArrowDown')
    await expect(options.nth(index)).toHaveAttribute('aria-selected', 'true')
    await box.press('Enter')

    await expect(page.getByRole('heading', { level: 1 })).toContainText(/Lef[eè]vre/)
    await expect(page.getByRole('heading', { name: 'Enfants' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Responsables légaux' })).toBeVisible()

    // Back to the search: the query is still there.
    await page.keyboard.press('Escape')
    await expect(page.getByLabel('Rechercher une famille')).toHaveValue('lefevre')
  })

  test('"jean baptiste" finds Jean-Baptiste; an unknown name says so', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    await box.fill('jean baptiste')
    await expect(page.getByRole('option').filter({ hasText: 'Jean-Baptiste' }).first()).toBeVisible()
    await box.fill('zzzzzz')
    await expect(page.getByText('Aucune famille trouvée')).toBeVisible()
  })

  test('a click opens a family file with its children and schools', async ({ page, shell }) => {
    await login(page, shell)
    await page.getByLabel('Rechercher une famille').fill('lefevre')
    await page.getByRole('option').first().click()
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await expect(page.getByText(/École|Groupe scolaire/).first()).toBeVisible()
  })
})
