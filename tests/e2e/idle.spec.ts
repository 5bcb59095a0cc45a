import { expect, login, test } from './fixtures'

test.use({ workerShellEnv: { GUICHET_IDLE_LOCK_SECONDS: '3' } })

test('the screen locks back to the login after the idle delay', async ({ page, shell }) => {
  await login(page, shell)
  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await expect(page.getByRole('option').first()).toBeVisible()
  // No keyboard or mouse activity for longer than the delay.
  await expect(page.getByRole('button', { name: 'Se connecter' })).toBeVisible({ timeout: 10_000 })
  await expect(page.getByText('Session verrouillée')).toBeVisible()
  // What the family's file showed is gone from the screen.
  await expect(page.getByRole('option')).toHaveCount(0)
  // And the core refuses the old session too.
  const r = await page.evaluate(async ({ origin, token }) => {
    const res = await fetch(`${origin}/api/v1/call/families/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-guichet-token': token },
      body: JSON.stringify({ q: 'lefevre' }),
    })
    return res.json()
  }, { origin: shell.origin, token: shell.token })
  expect(r).toMatchObject({ ok: false })
})
