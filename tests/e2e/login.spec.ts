import { DEMO, expect, login, test } from './fixtures'

test.describe('login', () => {
  test('shows the demo logins, refuses a wrong password in French, then logs in and out', async ({ page, shell }) => {
    await page.goto(shell.url)
    // The token leaves the address bar once read.
    await expect(page).not.toHaveURL(/token=/)
    await expect(page.getByText('Comptes de démonstration')).toBeVisible()
    await expect(page.getByText(DEMO.password)).toBeVisible()

    await page.getByLabel('Identifiant').fill(DEMO.login)
    await page.getByLabel('Mot de passe').fill('pas-le-bon')
    await page.getByLabel('Mot de passe').press('Enter')
    await expect(page.getByRole('alert')).toContainText('Identifiant ou mot de passe incorrect')
    // Nothing typed is lost.
    await expect(page.getByLabel('Identifiant')).toHaveValue(DEMO.login)

    await page.getByLabel('Mot de passe').fill(DEMO.password)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await expect(page.getByLabel('Rechercher une famille')).toBeFocused()
    const status = page.getByRole('contentinfo')
    await expect(status).toContainText(DEMO.displayName)
    await expect(status).toContainText('Guichet 1')

    await page.getByRole('button', { name: 'Déconnexion' }).click()
    await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible()
  })

  test('slows down repeated failures with a clear message', async ({ page, shell }) => {
    await page.goto(shell.url)
    await page.getByLabel('Identifiant').fill('regie')
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('Mot de passe').fill(`faux-${i}`)
      await page.getByRole('button', { name: 'Se connecter' }).click()
      await expect(page.getByRole('alert')).toBeVisible()
    }
    await page.getByLabel('Mot de passe').fill('faux-4')
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await expect(page.getByRole('alert')).toContainText(/Réessayez dans \d+ secondes?/)
  })

  test('bad input gets a French message and keeps what was typed', async ({ page, shell }) => {
    await page.goto(shell.url)
    // Only spaces as identifiant: the core refuses the input (INVALID_INPUT).
    await page.getByLabel('Identifiant').fill('   ')
    await page.getByLabel('Mot de passe').fill('quelque-chose')
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await expect(page.getByRole('alert')).toContainText('Saisie invalide')
    await expect(page.getByRole('alert')).not.toContainText('INVALID_INPUT')
    await expect(page.getByLabel('Mot de passe')).toHaveValue('quelque-chose')
  })

  test('the same account works again after logout', async ({ page, shell }) => {
    await login(page, shell)
    await page.getByRole('button', { name: 'Déconnexion' }).click()
    await login(page, shell)
  })
})
