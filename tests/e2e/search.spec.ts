import Database from 'better-sqlite3'
import { databaseFile } from '../../src/main/core/paths'
import { expect, login, test, type WebShell } from './fixtures'

/** A read-only look at the web shell's own database (to pick the family a case needs). */
function pick<T>(shell: WebShell, sql: string): T {
  const db = new Database(databaseFile(shell.dataDir), { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).get() as T
  } finally {
    db.close()
  }
}

test.describe('family search and file', () => {
  test('"lefevre" finds the Lefèvre families as you type; keyboard opens one', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    await box.pressSequentially('lefevre', { delay: 30 })
    const options = page.getByRole('option')
    await expect(options.first()).toBeVisible()
    await expect(options.filter({ hasText: 'Lefèvre' }).first()).toBeVisible()

    // Pick the first result that is a Lefèvre family with the arrows, then Enter.
    const texts = await options.allInnerTexts()
    const index = texts.findIndex((t) => t.includes('Lefèvre'))
    expect(index).toBeGreaterThanOrEqual(0)
    for (let i = 0; i <= index; i++) await box.press('ArrowDown')
    await expect(options.nth(index)).toHaveAttribute('aria-selected', 'true')
    await box.press('Enter')

    await expect(page.getByRole('heading', { level: 1 })).toContainText(/Lef[eè]vre/)
    await expect(page.getByRole('heading', { name: 'Enfants' })).toBeVisible()
    await expect(page.getByRole('heading', { name: 'Responsables légaux' })).toBeVisible()

    // Back to the search: the query is still there.
    await page.keyboard.press('Escape')
    await expect(page.getByLabel('Rechercher une famille')).toHaveValue('lefevre')
  })

  test('"jean baptiste" finds Jean-Baptiste; an unknown name says so', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    await box.fill('jean baptiste')
    await expect(page.getByRole('option').filter({ hasText: 'Jean-Baptiste' }).first()).toBeVisible()
    await box.fill('zzzzzz')
    await expect(page.getByText('Aucune famille trouvée')).toBeVisible()
  })

  test('a click opens a family file with its children and schools', async ({ page, shell }) => {
    await login(page, shell)
    await page.getByLabel('Rechercher une famille').fill('lefevre')
    await page.getByRole('option').first().click()
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
    await expect(page.getByText(/École|Groupe scolaire/).first()).toBeVisible()
  })

  test('accent-free and approximate names: "lefebvre" also finds the Lefèvre, "legoff" Le Goff, "muler" Müller', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    const options = page.getByRole('option')
    await box.fill('lefebvre')
    await expect(options.filter({ hasText: 'Lefebvre' }).first()).toBeVisible()
    await expect(options.filter({ hasText: 'nom proche (phonétique) : Lefèvre' }).first()).toBeVisible()
    // Ranked after the exact matches: the first result is an exact one.
    await expect(options.first()).not.toContainText('nom proche')
    await box.fill('legoff')
    await expect(options.filter({ hasText: 'Le Goff' }).first()).toBeVisible()
    await box.fill('muler')
    await expect(options.filter({ hasText: 'Müller' }).first()).toBeVisible()
  })

  test('the true total: more families than the page shows asks to narrow the search', async ({ page, shell }) => {
    await login(page, shell)
    await page.getByLabel('Rechercher une famille').fill('ma')
    const count = page.getByTestId('search-count')
    await expect(count).toHaveText(/^\d+ familles trouvées — 20 affichées : précisez la recherche$/)
    const total = Number(/^(\d+)/.exec((await count.textContent()) ?? '')?.[1])
    expect(total).toBeGreaterThan(20)
    await expect(page.getByRole('option')).toHaveCount(20)
    // Few matches: the count is the number shown.
    await page.getByLabel('Rechercher une famille').fill('jean baptiste')
    await expect(count).toHaveText(/^\d+ familles? trouvées?$/)
  })

  test('why each family matched, and the safety badge of a person forbidden to pick up', async ({ page, shell }) => {
    await login(page, shell)
    const box = page.getByLabel('Rechercher une famille')
    const forbidden = pick<{ code: string; first: string; last: string }>(
      shell,
      `SELECT f.code, p.first_names AS first, p.last_name AS last FROM family_members m
       JOIN families f ON f.id = m.family_id JOIN persons p ON p.id = m.person_id
       WHERE m.forbidden_pick_up = 1 ORDER BY f.code LIMIT 1`,
    )
    await box.fill(forbidden.code)
    const option = page.getByRole('option').filter({ hasText: forbidden.code })
    await expect(option).toBeVisible()
    await expect(option.getByTestId('result-why')).toContainText('code famille')
    await expect(option.locator('[data-badge="forbidden"]')).toHaveText(`Interdit de récupérer : ${forbidden.first} ${forbidden.last}`)
    // Found through a contact: says so.
    const contact = pick<{ first: string; last: string; relation: string }>(
      shell,
      `SELECT p.first_names AS first, p.last_name AS last, m.relation FROM family_members m JOIN persons p ON p.id = m.person_id
       JOIN families f ON f.id = m.family_id
       WHERE m.role = 'contact' AND m.relation IS NOT NULL AND p.last_name <> f.name ORDER BY p.id LIMIT 1`,
    )
    await box.fill(`${contact.first} ${contact.last}`)
    await expect(
      page.getByTestId('result-why').filter({ hasText: `via le contact ${contact.first} ${contact.last} (${contact.relation.toLowerCase()})` }).first(),
    ).toBeVisible()
  })
})
