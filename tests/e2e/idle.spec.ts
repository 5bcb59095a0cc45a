import type { Page } from '@playwright/test'
import { DEMO, expect, login, test } from './fixtures'

// A short idle delay for this file's shell: the warning shows for the last half of it (30 s with
// the real delays of several minutes).
test.use({ workerShellEnv: { GUICHET_IDLE_LOCK_SECONDS: '8' } })

const LOCK_TIMEOUT = 20_000

async function waitForLock(page: Page): Promise<void> {
  await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible({ timeout: LOCK_TIMEOUT })
  await expect(page.getByText('Session verrouillée')).toBeVisible()
}

/** Logs in again on the login screen the lock left (no page load: that would be a new window). */
async function loginAgain(page: Page, who: { login: string; password: string } = DEMO): Promise<void> {
  const id = page.getByLabel('Identifiant')
  if ((await id.inputValue()) !== who.login) await id.fill(who.login)
  await page.getByLabel('Mot de passe').fill(who.password)
  await page.getByLabel('Mot de passe').press('Enter')
  await expect(page.getByRole('button', { name: 'Se connecter' })).toHaveCount(0)
}

test('warns before the idle lock, then locks back to the login', async ({ page, shell }) => {
  await login(page, shell)
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await expect(page.getByRole('option').first()).toBeVisible()
  // No keyboard or mouse activity: first the warning, with « Rester connecté » ready for Enter.
  const warning = page.getByRole('alertdialog', { name: 'Session bientôt verrouillée' })
  await expect(warning).toBeVisible({ timeout: LOCK_TIMEOUT })
  await expect(warning).toContainText(/verrouillée dans \d+ s/)
  await expect(warning.getByRole('button', { name: 'Rester connecté' })).toBeFocused()
  // Still nothing: the lock.
  await waitForLock(page)
  await expect(warning).toHaveCount(0)
  // What the family's file showed is gone from the screen.
  await expect(page.getByRole('option')).toHaveCount(0)
  // And the core refuses the old session too.
  const r = await page.evaluate(
    async ({ origin, token }) => {
      const res = await fetch(`${origin}/api/v1/call/families/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-guichet-token': token },
        body: JSON.stringify({ q: 'lefevre' }),
      })
      return res.json()
    },
    { origin: shell.origin, token: shell.token },
  )
  expect(r).toMatchObject({ ok: false })
})

test('« Rester connecté » with Enter, or any key such as Escape, keeps the session and the focus', async ({ page, shell }) => {
  await login(page, shell)
  const search = page.getByLabel('Rechercher une famille')
  await search.fill('lefe')
  const warning = page.getByRole('alertdialog', { name: 'Session bientôt verrouillée' })
  const stay = warning.getByRole('button', { name: 'Rester connecté' })

  await expect(stay).toBeFocused({ timeout: LOCK_TIMEOUT })
  await page.keyboard.press('Enter')
  await expect(warning).toHaveCount(0)
  // The focus goes back where the agent was typing.
  await expect(search).toBeFocused()

  // The delay starts again: the warning comes back (a lock would have shown the login instead)…
  await expect(stay).toBeFocused({ timeout: LOCK_TIMEOUT })
  await expect(page.getByRole('button', { name: 'Se connecter' })).toHaveCount(0)
  // … and Escape keeps the session too.
  await page.keyboard.press('Escape')
  await expect(warning).toHaveCount(0)
  await expect(search).toHaveValue('lefe')
  await expect(search).toBeFocused()
  // The core still answers this session: the search goes on.
  await search.press('v')
  await expect(page.getByRole('option').first()).toBeVisible()
  await expect(page.getByRole('button', { name: 'Se connecter' })).toHaveCount(0)
})

test('after the lock, the same agent gets the same screen back with what was being typed', async ({ page, shell }) => {
  await login(page, shell)
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  const option = page.getByRole('option').filter({ hasNotText: 'aucun enfant' }).first()
  await expect(option).toBeVisible()
  await option.click()
  const title = page.getByRole('heading', { level: 1 })
  await expect(title).toBeVisible()
  const familyName = (await title.innerText()).trim()
  const familyUrl = page.url()

  // Half-typed booking, not sent.
  const form = page.getByRole('form', { name: 'Nouvelle réservation' })
  await form.getByLabel('Service').selectOption({ label: 'Restauration scolaire' })
  await form.getByLabel('Date').fill('2027-03-12')
  // And a guardian's phone being changed, in a form opened by a button.
  const card = page.getByTestId('guardian').first()
  await card.getByRole('button', { name: /^Modifier les coordonnées/ }).click()
  await card.getByLabel('Téléphone portable').fill('06 99 88 77 66')

  await waitForLock(page)
  // Nothing of it on the locked screen.
  await expect(page.getByText(familyName)).toHaveCount(0)
  await expect(page.locator('input[value="2027-03-12"]')).toHaveCount(0)

  await loginAgain(page)
  await expect(page).toHaveURL(familyUrl)
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(familyName)
  const back = page.getByRole('form', { name: 'Nouvelle réservation' })
  await expect(back.getByLabel('Date')).toHaveValue('2027-03-12')
  await expect(back.getByLabel('Service').locator('option:checked')).toHaveText('Restauration scolaire')
  const cardBack = page.getByTestId('guardian').first()
  await expect(cardBack.getByLabel('Téléphone portable')).toHaveValue('06 99 88 77 66')
  // The restored form saves like the one left open.
  await cardBack.getByRole('button', { name: 'Enregistrer' }).click()
  await expect(cardBack.getByTestId('guardian-phones')).toContainText('06 99 88 77 66')
})

test('another agent logging in after the lock does not get what was typed', async ({ page, shell }) => {
  await login(page, shell)
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await expect(page.getByRole('option').first()).toBeVisible()
  await waitForLock(page)

  await loginAgain(page, { login: 'regie', password: 'regie2026' })
  await expect(page.getByLabel('Rechercher une famille')).toHaveValue('')
  await expect(page.getByRole('option')).toHaveCount(0)
})
