import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { DEMO, startWebShell } from './fixtures'
import { freePort, portalCli, servePortal, stopPortal } from './portal-process'

/**
 * The counter keeps working while the portal is down: a separate portal process is stopped,
 * the agent books, the waiting count goes up; the portal comes back, the count goes back to
 * zero and the booking is on the portal.
 */

test('changes made while the portal is down wait, then reach it when it is back', async ({ page }) => {
  test.setTimeout(240_000)
  const portalDir = mkdtempSync(join(tmpdir(), 'guichet-e2e-portal-'))
  const port = await freePort()
  let portal: ChildProcess | null = null
  let shell: Awaited<ReturnType<typeof startWebShell>> | null = null
  try {
    await portalCli(['demo', '--families', '60', '--data-dir', portalDir])
    const { stdout } = await portalCli(['enrol-code', '--name', 'Guichet e2e', '--data-dir', portalDir])
    const code = stdout.trim().split('\n').at(-1)!.trim()
    portal = await servePortal(portalDir, port)
    const portalUrl = `http://127.0.0.1:${port}`
    shell = await startWebShell({ GUICHET_PORTAL_URL: portalUrl, GUICHET_ENROL_CODE: code })

    await page.goto(shell.url)
    await page.getByLabel('Identifiant').fill(DEMO.login)
    await page.getByLabel('Mot de passe').fill(DEMO.password)
    await page.getByRole('button', { name: 'Se connecter' }).click()
    const status = page.getByRole('contentinfo')
    await expect(status.getByTestId('sync-pending')).toContainText('Aucune modification')

    // The portal goes down.
    await stopPortal(portal)
    portal = null

    // The agent books a meal for a child of the first family found.
    await page.getByLabel('Rechercher une famille').fill('a')
    await page.getByRole('option').first().click()
    const section = page.getByRole('region', { name: 'Réservations' })
    await section.getByLabel('Service').selectOption({ label: 'Restauration scolaire' })
    await section.getByRole('button', { name: 'Réserver' }).click()
    await expect(section.getByTestId('booking-status')).toContainText('Réservation enregistrée')
    await expect(section.getByTestId('reservation').first()).toHaveAttribute('data-pending', 'true')
    await expect(status.getByTestId('sync-pending')).toContainText('1 modification')
    await status.getByRole('button', { name: 'Synchroniser' }).click()
    await expect(status.getByTestId('sync-state')).toHaveAttribute('data-state', /offline|error/)
    await expect(status.getByTestId('sync-pending')).toContainText('1 modification')

    // The portal comes back on the same address.
    portal = await servePortal(portalDir, port)
    await status.getByRole('button', { name: 'Synchroniser' }).click()
    await expect(status.getByTestId('sync-pending')).toContainText('Aucune modification', { timeout: 30_000 })
    await expect(section.getByTestId('reservation').first()).toHaveAttribute('data-pending', 'false')

    // The booking is on the portal: it comes back in the workstation's pull from the start.
    const token = readFileSync(join(shell.dataDir, 'portal-token'), 'utf8').trim()
    const res = await fetch(`${portalUrl}/api/v1/sync/pull?cursor=0&limit=5000`, {
      headers: { authorization: `Bearer ${token}`, 'x-guichet-schema': '1' },
    })
    const body = (await res.json()) as { changes: Array<{ entity: string; row: { state?: string; channel?: string } | null }> }
    const bookings = body.changes.filter((c) => c.entity === 'reservations' && c.row?.channel === 'guichet')
    expect(bookings.length).toBeGreaterThanOrEqual(1)
  } finally {
    if (shell) await shell.stop()
    await stopPortal(portal)
    rmSync(portalDir, { recursive: true, force: true })
  }
})
