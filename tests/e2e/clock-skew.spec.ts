import { E2E_INSTANT, expect, login, test } from './fixtures'

/**
 * Issue 7: a workstation whose clock is more than 2 minutes off the portal's says so in the
 * status bar (the offset measured from the HTTP Date of the portal's answers). Here the core's
 * clock (GUICHET_CLOCK) runs 10 minutes ahead of the embedded portal's (PORTAL_CLOCK).
 */
const AHEAD = new Date(new Date(E2E_INSTANT).getTime() + 10 * 60_000).toISOString()

test.use({ workerShellEnv: { GUICHET_CLOCK: AHEAD, GUICHET_DEMO_FAMILIES: '50' } })

test('the status bar warns when the workstation’s clock is 10 minutes ahead of the portal’s', async ({ page, shell }) => {
  await login(page, shell)
  const bar = page.getByRole('contentinfo')
  await bar.getByRole('button', { name: 'Synchroniser' }).click()
  await expect(bar.getByTestId('sync-clock')).toHaveText(/Horloge du poste en avance de 10 min sur le portail : faites-la régler\./, {
    timeout: 30_000,
  })
  // Only a warning: the link with the portal itself is fine.
  await expect(bar.getByTestId('sync-state')).toHaveAttribute('data-state', 'online')
})
