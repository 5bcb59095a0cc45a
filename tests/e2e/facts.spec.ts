import { expect, login, test } from './fixtures'

/**
 * A fact end to end in the browser: the agent changes a mobile number while the family changes
 * the same number on its portal page. After "Synchroniser", the counter's number stays (nothing
 * undone), the concurrent change is listed on « À traiter », and a responsable settles it with a
 * note.
 */

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }

async function portalCall<T>(portal: string, method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const res = await fetch(`${portal}/api/v1${path}`, {
    method,
    headers: {
      'x-guichet-schema': '1',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const json = (await res.json()) as T
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

test('a contact change made at the counter and on the portal at once is listed « À traiter » and settled by a responsable', async ({ page, shell }) => {
  const portal = /portail : (http:\/\/127\.0\.0\.1:\d+)/.exec(shell.output())?.[1]
  expect(portal, shell.output()).toBeTruthy()
  await login(page, shell, RESPONSABLE)

  await page.getByLabel('Rechercher une famille').fill('lefevre')
  await page.getByRole('option').first().click()
  await expect(page.getByTestId('family-name')).toBeVisible()
  const code = (await page.getByTestId('family-code').innerText()).trim()
  const guardian = page.getByTestId('guardian').first()
  await guardian.getByRole('button', { name: /^Modifier les coordonnées/ }).click()

  // While the agent types, the family changes the same number on its portal page.
  const admin = await portalCall<{ token: string }>(portal!, 'POST', '/admin/login', null, { login: RESPONSABLE.login, password: RESPONSABLE.password })
  const temp = await portalCall<{ password: string }>(portal!, 'POST', `/admin/families/${code}/password`, admin.token)
  const family = await portalCall<{ token: string }>(portal!, 'POST', '/family/login', null, { code, password: temp.password })
  await portalCall(portal!, 'POST', '/family/password', family.token, { currentPassword: temp.password, newPassword: 'Famille-e2e-2027' })
  const me = await portalCall<{ members: Array<{ personId: string; role: string; phoneHome: string | null; phoneWork: string | null; email: string | null }> }>(
    portal!,
    'GET',
    '/family/me',
    family.token,
  )
  const rl1 = me.members.find((m) => m.role === 'RL1')!
  await portalCall(portal!, 'PUT', '/family/contacts', family.token, {
    personId: rl1.personId,
    phoneMobile: '07 22 22 22 22',
    phoneHome: rl1.phoneHome,
    phoneWork: rl1.phoneWork,
    email: rl1.email,
  })

  await guardian.getByLabel('Téléphone portable').fill('06 11 11 11 11')
  await guardian.getByRole('button', { name: 'Enregistrer' }).click()
  await expect(guardian).toContainText('06 11 11 11 11')

  await page.getByRole('button', { name: 'Synchroniser' }).click()
  const nav = page.getByRole('navigation', { name: 'Navigation principale' })
  // A count appears (an earlier spec of this worker may have left other points: the list below names this one).
  await expect(nav.getByRole('link', { name: /^À traiter/ })).toContainText(/À traiter [1-9]/, { timeout: 30_000 })
  // Nothing undone at the counter.
  await expect(guardian).toContainText('06 11 11 11 11')

  await nav.getByRole('link', { name: /^À traiter/ }).click()
  // This flag (the worker's shell may hold others, such as a booking cancelled past its deadline by an earlier spec).
  const flag = page.getByTestId('flags-open').getByTestId('flag').filter({ hasText: 'Modification simultanée' })
  await expect(flag).toHaveCount(1, { timeout: 30_000 })
  await expect(flag).toContainText('Modification simultanée')
  await expect(flag).toContainText('« 07 22 22 22 22 » sur le portail, « 06 11 11 11 11 » au guichet')

  // Escape closes the note and gives the focus back to its button; a note too short is refused in the field.
  const settle = flag.getByRole('button', { name: /^Régler/ })
  await settle.click()
  await expect(page.getByLabel('Note de règlement')).toBeFocused()
  await page.keyboard.press('Escape')
  await expect(page.getByLabel('Note de règlement')).toHaveCount(0)
  await expect(settle).toBeFocused()
  await settle.click()
  await page.getByLabel('Note de règlement').fill('ok')
  await page.getByRole('button', { name: 'Enregistrer le règlement' }).click()
  await expect(page.getByLabel('Note de règlement')).toHaveAttribute('aria-invalid', 'true')
  await expect(page.getByLabel('Note de règlement')).toBeFocused()
  await expect(flag).toHaveCount(1)
  await page.getByLabel('Note de règlement').fill('Numéro du guichet confirmé par téléphone.')
  await page.getByRole('button', { name: 'Enregistrer le règlement' }).click()
  const settled = page.getByTestId('flags-resolved').getByTestId('flag-resolved').filter({ hasText: 'Numéro du guichet confirmé par téléphone.' })
  await expect(settled).toContainText('Réglé par Hélène Dubois-Lefort : Numéro du guichet confirmé par téléphone.')
  await expect(flag).toHaveCount(0)
})
