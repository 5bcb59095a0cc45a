import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO, expect, login, startWebShell, test, type WebShell } from './fixtures'

/**
 * Issue 7: a workstation restored from a backup. Its data folder is copied after a first
 * change was sent (last night's backup); it sends two more; then the copy is put back and an
 * agent books again: the portal answers SEQ_CONFLICT. The status bar says the workstation must
 * be enrolled again, and the « Poste » screen lists the unsent change (what, when, who).
 */

const DB_FILES = ['guichet.sqlite', 'guichet.sqlite-wal', 'guichet.sqlite-shm']

async function call<T>(shell: WebShell, path: string, input: unknown): Promise<T> {
  const res = await fetch(`${shell.origin}/api/v1/call/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-guichet-token': shell.token },
    body: JSON.stringify(input),
  })
  const body = (await res.json()) as { ok: true; data: T } | { ok: false; error: { code: string; message: string } }
  if (!body.ok) throw new Error(`${path}: ${body.error.code} ${body.error.message}`)
  return body.data
}

interface Child {
  personId: string
  inscriptions: Array<{ unitId: string; siteId: string; schoolYear: string; status: string }>
}

/** Books the canteen for the first child of the search enrolled there, at the site of its inscription (issue 10's rules). */
async function book(shell: WebShell, date: string): Promise<void> {
  const { results } = await call<{ results: Array<{ id: string }> }>(shell, 'families/search', { q: 'a' })
  for (const { id } of results) {
    const file = await call<{ id: string; children: Child[] }>(shell, 'families/get', { id })
    for (const child of file.children) {
      const at = child.inscriptions.find((i) => i.unitId === 'cantine' && i.schoolYear === '2026-2027' && i.status === 'active')
      if (!at) continue
      await call(shell, 'reservations/book', { familyId: file.id, childId: child.personId, unitId: 'cantine', siteId: at.siteId, date })
      return
    }
  }
  throw new Error('no child enrolled at the canteen among the search results')
}

async function apiLogin(shell: WebShell): Promise<void> {
  await call(shell, 'session/login', { login: DEMO.login, password: DEMO.password })
}

test('a restored workstation says it must be enrolled again and lists its unsent changes', async ({ page }) => {
  test.setTimeout(240_000)
  const dataDir = mkdtempSync(join(tmpdir(), 'guichet-e2e-restored-'))
  const backup = mkdtempSync(join(tmpdir(), 'guichet-e2e-backup-'))
  const env = { GUICHET_DATA_DIR: dataDir, GUICHET_DEMO_FAMILIES: '50' }
  let shell: (WebShell & { stop: () => Promise<void> }) | null = null
  try {
    // Day 1: one booking, sent; the workstation is stopped and its data folder backed up.
    shell = await startWebShell(env)
    await apiLogin(shell)
    await book(shell, '2026-11-23')
    expect(await call<{ pending: number }>(shell, 'sync/now', {})).toMatchObject({ pending: 0 })
    await shell.stop()
    for (const f of DB_FILES) if (existsSync(join(dataDir, f))) cpSync(join(dataDir, f), join(backup, f))

    // Day 2: two more bookings, sent (the portal holds seqs 2 and 3 of this workstation).
    shell = await startWebShell(env)
    await apiLogin(shell)
    await book(shell, '2026-11-24')
    await book(shell, '2026-11-26')
    expect(await call<{ pending: number }>(shell, 'sync/now', {})).toMatchObject({ pending: 0 })
    await shell.stop()

    // The disk dies: last night's backup is put back, and an agent books again.
    for (const f of DB_FILES) rmSync(join(dataDir, f), { force: true })
    for (const f of DB_FILES) if (existsSync(join(backup, f))) cpSync(join(backup, f), join(dataDir, f))
    shell = await startWebShell(env)
    await login(page, shell)
    await book(shell, '2026-11-27')

    const bar = page.getByRole('contentinfo')
    await bar.getByRole('button', { name: 'Synchroniser' }).click()
    const restored = bar.getByTestId('sync-restored')
    await expect(restored).toHaveText(/Poste restauré : à enrôler à nouveau/, { timeout: 30_000 })
    await expect(bar.getByTestId('sync-pending')).toHaveText('1 modification en attente')
    await restored.click()
    await expect(page).toHaveURL(/#\/poste$/)
    const section = page.getByTestId('workstation-restored')
    await expect(section.getByRole('heading', { name: /Poste restauré depuis une sauvegarde/ })).toBeVisible()
    await expect(section).toContainText('il doit être enrôlé à nouveau')
    const items = section.getByTestId('unsent-item')
    await expect(items).toHaveCount(1)
    await expect(items.first()).toContainText(/Réservation Restauration scolaire le .* pour /)
    await expect(items.first()).toContainText(DEMO.displayName)
    // The agent (accueil) cannot enrol: a responsable is needed, and the form says so.
    await expect(page.getByRole('heading', { name: 'Enrôler ce poste à nouveau' })).toBeVisible()
    await expect(page.getByTestId('enrol-forbidden')).toContainText('Seul un agent responsable')
  } finally {
    await shell?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    rmSync(backup, { recursive: true, force: true })
  }
})
