import type { Page } from '@playwright/test'
import { expect, login, startWebShell, test, type WebShell } from './fixtures'

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }
const nav = (page: Page) => page.getByRole('navigation', { name: 'Navigation principale' })

test.describe('sync in the counter app', () => {
  test('the status bar shows the link with the portal, the counters and a Synchroniser button', async ({ page, shell }) => {
    await login(page, shell)
    const bar = page.getByRole('contentinfo')
    await expect(bar.getByTestId('sync-state')).toHaveText(/(En ligne|Hors ligne|Non relié au portail|Erreur de synchro)$/)
    await expect(bar.getByTestId('sync-pending')).toHaveText(/^(Aucune modification en attente|\d+ modifications? en attente)$/)
    const notEnrolled = (await bar.getByTestId('sync-state').getAttribute('data-state')) === 'notEnrolled'
    // The last sync is shown once the workstation is enrolled ("jamais" before the first one).
    if (notEnrolled) await expect(bar.getByTestId('sync-last')).toHaveCount(0)
    else await expect(bar.getByTestId('sync-last')).toHaveText(/^Dernière synchro : (jamais|\d{2}:\d{2}|\d{2}\/\d{2}\/\d{4} \d{2}:\d{2})$/)

    const button = bar.getByRole('button', { name: 'Synchroniser' })
    await expect(button).toBeVisible()
    await button.focus()
    await page.keyboard.press('Enter')
    await expect(button).toHaveAttribute('aria-busy', 'false', { timeout: 30_000 })
  })

  test('the "À traiter" screen opens from the header and says when there is nothing', async ({ page, shell }) => {
    await login(page, shell)
    await nav(page).getByRole('link', { name: /^À traiter/ }).click()
    await expect(page).toHaveURL(/#\/a-traiter$/)
    await expect(page.getByRole('heading', { level: 1, name: 'À traiter' })).toBeVisible()
    await expect(nav(page).getByRole('link', { name: /^À traiter/ })).toHaveAttribute('aria-current', 'page')
    await expect(page.getByTestId('rejections-none')).toHaveText(/Rien à traiter/)
    // Back to the search from the header.
    await nav(page).getByRole('link', { name: 'Recherche' }).click()
    await expect(page.getByLabel('Rechercher une famille')).toBeFocused()
  })

  test('the workstation screen shows the sync details', async ({ page, shell }) => {
    await login(page, shell)
    await nav(page).getByRole('link', { name: 'Poste' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'Poste de travail' })).toBeVisible()
    await expect(page.getByTestId('workstation-name')).toHaveText('Guichet 1')
    await expect(page.getByTestId('workstation-enrolled')).toHaveText(/^(Oui|Non)$/)
    if ((await page.getByTestId('workstation-enrolled').innerText()) === 'Oui') {
      await expect(page.getByTestId('workstation-portal')).toContainText(/^https?:\/\//)
      await expect(page.getByText('Ce poste est relié au portail.')).toBeVisible()
      await expect(page.getByRole('button', { name: 'Enrôler ce poste' })).toHaveCount(0)
    }
  })
})

test.describe('a workstation not enrolled on a portal', () => {
  // A second web shell, without its demo portal: nothing to sync with.
  let offline: (WebShell & { stop: () => Promise<void> }) | null = null
  test.beforeAll(async () => {
    offline = await startWebShell({ GUICHET_PORTAL: 'off' })
  })
  test.afterAll(async () => {
    await offline?.stop()
  })
  test.beforeEach(async () => {
    await fetch(`${offline!.origin}/api/v1/call/session/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guichet-token': offline!.token },
      body: '{}',
    })
  })

  test('the status bar says so, and so does "Synchroniser"', async ({ page }) => {
    const shell = offline!
    await login(page, shell)
    const bar = page.getByRole('contentinfo')
    await expect(bar.getByTestId('sync-state')).toHaveText(/Non relié au portail$/)
    await expect(bar.getByTestId('sync-state')).toHaveAttribute('data-state', 'notEnrolled')
    await bar.getByRole('button', { name: 'Synchroniser' }).click()
    const alert = bar.getByTestId('sync-error')
    await expect(alert).toHaveAttribute('role', 'alert')
    await expect(alert).toContainText('Ce poste n’est pas relié au portail')
    await alert.getByRole('button', { name: 'Fermer' }).click()
    await expect(alert).toBeEmpty()
  })

  test('only a responsable gets the enrolment form; bad input gets French errors', async ({ page }) => {
    const shell = offline!
    await login(page, shell)
    await nav(page).getByRole('link', { name: 'Poste' }).click()
    await expect(page.getByTestId('workstation-enrolled')).toHaveText('Non')
    await expect(page.getByTestId('enrol-forbidden')).toContainText('Seul un agent responsable')
    await expect(page.getByRole('button', { name: 'Enrôler ce poste' })).toHaveCount(0)

    await page.getByRole('button', { name: 'Déconnexion' }).click()
    await login(page, shell, RESPONSABLE)
    await nav(page).getByRole('link', { name: 'Poste' }).click()
    const form = page.getByTestId('enrol-form')
    await form.getByLabel('Adresse du portail').fill('pas une adresse')
    await form.getByLabel('Code d’enrôlement').fill('ABC')
    await form.getByRole('button', { name: 'Enrôler ce poste' }).click()
    const alert = page.getByTestId('enrol-error')
    await expect(alert).toContainText('Saisie invalide')
    await expect(alert).toContainText('Adresse du portail')
    await expect(form.getByLabel('Adresse du portail')).toHaveAttribute('aria-invalid', 'true')
    await expect(form.getByLabel('Adresse du portail')).toBeFocused()
    await expect(form.getByLabel('Code d’enrôlement')).toHaveAttribute('aria-invalid', 'true')
    await expect(page.getByText('Adresse invalide : elle doit commencer par https://')).toBeVisible()
  })
})
