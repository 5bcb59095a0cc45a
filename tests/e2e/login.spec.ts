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

  test('slows down repeated failures: counts the wait down, then accepts the right password', async ({ page, shell }) => {
    await page.goto(shell.url)
    await page.getByLabel('Identifiant').fill('regie')
    const submit = page.getByRole('button', { name: 'Se connecter' })
    for (let i = 0; i < 3; i++) {
      await page.getByLabel('Mot de passe').fill(`faux-${i}`)
      await submit.click()
      await expect(page.getByRole('alert')).toContainText('Identifiant ou mot de passe incorrect')
    }
    // The third failure imposes a wait: counted down, the button waits, nothing else does.
    const wait = page.getByTestId('login-wait')
    await expect(wait).toContainText(/Réessayez dans [12] s/)
    await expect(submit).toBeDisabled()
    await expect(page.getByLabel('Mot de passe')).toBeEditable()
    await page.getByLabel('Mot de passe').fill('regie2026')
    // Said once for screen readers, not every second.
    await expect(page.getByTestId('login-wait-live')).toHaveText("Trop d'essais infructueux. Réessayez dans 2 secondes.")
    await expect(page.getByTestId('login-wait-live')).toHaveAttribute('aria-live', 'polite')

    // Once the wait is over, the right password typed during it is accepted at once.
    await expect(submit).toBeEnabled({ timeout: 10_000 })
    await expect(wait).toHaveCount(0)
    await expect(page.getByTestId('login-wait-live')).toHaveText('Vous pouvez réessayer.')
    await page.getByLabel('Mot de passe').press('Enter')
    await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
    await page.getByRole('button', { name: 'Déconnexion' }).click()
    await expect(submit).toBeVisible()
  })

  test('an attempt during the wait (window reloaded) is told how long to wait, then the right password passes', async ({ page, shell }) => {
    await page.goto(shell.url)
    await page.getByLabel('Identifiant').fill('responsable')
    const submit = page.getByRole('button', { name: 'Se connecter' })
    const wait = page.getByTestId('login-wait')
    for (let i = 0; i < 4; i++) {
      await expect(submit).toBeEnabled({ timeout: 10_000 })
      await page.getByLabel('Mot de passe').fill(`faux-${i}`)
      await submit.click()
      await expect(page.getByRole('alert')).toContainText('Identifiant ou mot de passe incorrect')
    }
    await expect(wait).toContainText(/Réessayez dans [1-4] s/) // the fourth failure: 4 s
    // A new window knows nothing of the wait: the core says it.
    await page.reload()
    await page.getByLabel('Identifiant').fill('responsable')
    await page.getByLabel('Mot de passe').fill('responsable-2026')
    await submit.click()
    await expect(page.getByRole('alert')).toContainText("Trop d'essais infructueux.")
    await expect(page.getByRole('alert')).not.toContainText(/\d/)
    await expect(wait).toContainText(/Réessayez dans [1-4] s/)
    await expect(submit).toBeDisabled()
    // Another login is not made to wait.
    await page.getByLabel('Identifiant').fill('accueil')
    await expect(submit).toBeEnabled()
    await page.getByLabel('Identifiant').fill('responsable')
    await expect(submit).toBeDisabled()

    await expect(submit).toBeEnabled({ timeout: 10_000 })
    // The "too many attempts" message goes with the wait.
    await expect(page.getByTestId('login-error')).not.toContainText("Trop d'essais")
    await submit.click()
    await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
    await page.getByRole('button', { name: 'Déconnexion' }).click()
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
