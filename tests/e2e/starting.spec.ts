import { test as base } from '@playwright/test'
import { DEMO, expect, startWebShell } from './fixtures'

// The web shell listens at once, while its core host opens the database, seeds the embedded
// portal and bootstraps the town (a first start): the page shows its starting screen, then
// the login form once the host answers. No shared worker shell here: a fresh first start.
base('a first start shows "Démarrage du guichet…" until the core host answers, then the login form', async ({ page }) => {
  base.setTimeout(120_000)
  const shell = await startWebShell({ GUICHET_DEMO_FAMILIES: '300' })
  try {
    await page.goto(shell.url)
    const starting = page.getByTestId('host-starting')
    await expect(starting).toContainText('Démarrage du guichet…')
    await expect(starting).toBeHidden({ timeout: 90_000 })
    await page.getByLabel('Identifiant').fill(DEMO.login)
    await page.getByLabel('Mot de passe').fill(DEMO.password)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    await expect(page.getByLabel('Rechercher une famille')).toBeVisible()
    // The town arrived from the portal (its own process) before the counter opened.
    await page.getByLabel('Rechercher une famille').fill('martin')
    await expect(page.getByRole('option').first()).toBeVisible()
  } finally {
    await shell.stop()
  }
})
