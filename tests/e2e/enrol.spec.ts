import type { Locator, Page } from '@playwright/test'
import { expect, login, test, type WebShell } from './fixtures'

/**
 * « Nouvelle famille » (issue 8), keyboard only: no click once logged in. A family with two
 * children from an empty form, its file with the code famille; the existing file offered when a
 * demo family's child is typed again, opened with the keyboard; bad input (a birth date in the
 * future, the phone "1-----") refused at its field with nothing lost, then corrected and created.
 * Today is Monday 16 November 2026 (E2E_INSTANT).
 */

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

/**
 * The order this Chromium shows a date field's parts in: the agent types what the field shows
 * (jj/mm/aaaa in a French Electron; this headless build keeps mm/dd/yyyy whatever the locale).
 */
let monthFirst = false

test.beforeAll(async ({ browser }) => {
  const ctx = await browser.newContext({ locale: 'fr-FR' })
  const probe = await ctx.newPage()
  await probe.setContent('<input id="d" type="date">')
  await probe.focus('#d')
  await probe.keyboard.type('12031990')
  monthFirst = (await probe.inputValue('#d')) === '1990-12-03'
  await ctx.close()
})

/** A day "YYYY-MM-DD" as the agent types it into a date field: its digits in the field's order. */
function dateKeys(iso: string): string {
  const [y, m, d] = iso.split('-')
  return monthFirst ? `${m}${d}${y}` : `${d}${m}${y}`
}

const isFocused = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false)

/** Presses Tab until `target` has the focus (the way an agent moves through the form). */
async function tabTo(page: Page, target: Locator, max = 120): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await isFocused(target)) return
    await page.keyboard.press('Tab')
  }
  await expect(target).toBeFocused()
}

/** Presses Shift+Tab until `target` has the focus. */
async function shiftTabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await isFocused(target)) return
    await page.keyboard.press('Shift+Tab')
  }
  await expect(target).toBeFocused()
}

/** Types into the focused field, then checks it went where it was meant to. */
async function typeIn(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field)
  await page.keyboard.type(text)
}

async function check(page: Page, box: Locator): Promise<void> {
  await tabTo(page, box)
  await page.keyboard.press('Space')
  await expect(box).toBeChecked()
}

async function openNewFamily(page: Page): Promise<Locator> {
  await page.keyboard.press('Alt+N')
  const form = page.getByTestId('new-family')
  await expect(page.getByRole('heading', { level: 1, name: 'Nouvelle famille' })).toBeVisible()
  // The first field has the focus.
  await expect(form.getByTestId('enrol-rl1').getByLabel('Civilité')).toBeFocused()
  return form
}

/** RL1 and the family's address, typed field after field. */
async function typeGuardianAndFamily(page: Page, form: Locator, phone: string, lastName: string): Promise<void> {
  const rl1 = form.getByTestId('enrol-rl1')
  await page.keyboard.type('Mme')
  await expect(rl1.getByLabel('Civilité')).toHaveValue('Mme')
  await typeIn(page, rl1.getByLabel('Nom d’usage'), lastName)
  await typeIn(page, rl1.getByLabel('Nom de naissance'), 'Quintin')
  await typeIn(page, rl1.getByLabel('Prénoms'), 'Ombeline')
  await typeIn(page, rl1.getByLabel('Date de naissance'), dateKeys('1990-03-12'))
  await expect(rl1.getByLabel('Date de naissance')).toHaveValue('1990-03-12')
  await typeIn(page, rl1.getByLabel('Commune de naissance'), 'Lyon')
  await typeIn(page, rl1.getByLabel('Pays de naissance'), 'France')
  await typeIn(page, rl1.getByLabel('Téléphone portable'), phone)
  await typeIn(page, rl1.getByLabel('E-mail'), 'ombeline.v@example.fr')
  await typeIn(page, rl1.getByLabel('Profession'), 'Infirmière')
  await typeIn(page, rl1.getByLabel('Employeur'), 'Hôpital de Poissy')
  const fam = form.getByTestId('enrol-family')
  // The family's name follows the RL1's last name unless typed.
  await expect(fam.getByLabel('Nom du dossier')).toHaveAttribute('placeholder', lastName)
  await typeIn(page, fam.getByLabel(/^Adresse/), '3 allée des Tilleuls')
  await typeIn(page, fam.getByLabel('Code postal'), '78420')
  await typeIn(page, fam.getByLabel(/^Commune/), 'Carrières-sur-Seine')
  await tabTo(page, fam.getByLabel('Caisse'))
  await page.keyboard.type('CAF')
  await expect(fam.getByLabel('Caisse')).toHaveValue('CAF')
  await typeIn(page, fam.getByLabel('Numéro d’allocataire'), '7654321')
  await check(page, fam.getByLabel('Résident de la commune'))
  await check(page, fam.getByLabel('Facture dématérialisée (envoyée par e-mail)'))
  await check(page, fam.getByLabel('Autorisation de soins d’urgence'))
}

async function addChild(page: Page, form: Locator, n: number, child: { firstNames: string; birthDate: string; sex: string; level: string; units?: number }): Promise<Locator> {
  await tabTo(page, form.getByRole('button', { name: 'Ajouter un enfant' }))
  await page.keyboard.press('Enter')
  const block = form.getByTestId(`enrol-child-${n}`)
  // The new block's first field has the focus.
  await expect(block.getByLabel('Prénoms')).toBeFocused()
  await page.keyboard.type(child.firstNames)
  await typeIn(page, block.getByLabel('Date de naissance'), dateKeys(child.birthDate))
  await tabTo(page, block.getByLabel('Sexe'))
  await page.keyboard.type(child.sex)
  await tabTo(page, block.getByLabel('École'))
  await page.keyboard.press('ArrowDown')
  await tabTo(page, block.getByLabel('Niveau'))
  await page.keyboard.type(child.level)
  await expect(block.getByLabel('Niveau')).toHaveValue(child.level)
  await typeIn(page, block.getByLabel('Classe'), `${child.level}-B`)
  // Periscolaire: the first service(s) ticked with Space.
  const units = block.locator('input[type="checkbox"][id*="-unit-"]')
  for (let i = 0; i < (child.units ?? 0); i++) await check(page, units.nth(i))
  return block
}

test.describe('« Nouvelle famille », keyboard only', () => {
  // A whole family typed key by key: a generous limit (behaviour, not speed).
  test.describe.configure({ timeout: 180_000 })

  test('enrols a family with two children from an empty form and shows its file with the code famille', async ({ page, shell }) => {
    await login(page, shell)
    await expect(page.getByRole('button', { name: /Nouvelle famille/ })).toContainText('Alt+N')
    const form = await openNewFamily(page)
    await typeGuardianAndFamily(page, form, '06 98 76 54 01', 'Vasseur')
    await addChild(page, form, 1, { firstNames: 'Lucie', birthDate: '2019-05-03', sex: 'F', level: 'CE1', units: 2 })
    await addChild(page, form, 2, { firstNames: 'Noé', birthDate: '2021-09-20', sex: 'G', level: 'MS' })
    // A contact allowed to pick the children up.
    await tabTo(page, form.getByRole('button', { name: 'Ajouter un contact' }))
    await page.keyboard.press('Enter')
    const contact = form.getByTestId('enrol-contact-1')
    await expect(contact.getByLabel('Lien (grand-mère, nounou…)')).toBeFocused()
    await page.keyboard.type('grand-mère')
    await typeIn(page, contact.getByLabel('Nom d’usage'), 'Quintin')
    await typeIn(page, contact.getByLabel('Prénoms'), 'Odile')
    await typeIn(page, contact.getByLabel('Téléphone portable'), '+33 7 11 22 33 44')
    await check(page, contact.getByLabel('À prévenir en cas d’urgence'))
    await check(page, contact.getByLabel('Autorisé à venir chercher les enfants'))

    await page.keyboard.press('Control+Enter')

    await expect(page).toHaveURL(/#\/familles\/[0-9a-f-]{36}$/)
    const codeCell = page.getByTestId('family-code')
    await expect(codeCell).toHaveText(/^\d{6}[A-Z]$/)
    const code = (await codeCell.innerText()).trim()
    await expect(page.getByTestId('route-announcement')).toHaveText(`✓ Dossier créé : code famille ${code}`)
    await expect(page.getByTestId('family-name')).toHaveText('Vasseur')
    const main = page.locator('#contenu')
    await expect(main).toContainText('Lucie Vasseur')
    await expect(main).toContainText('Noé Vasseur')
    await expect(main).toContainText('Odile Quintin')
    // Typed freely, stored in E.164, shown the French way.
    await expect(main).toContainText('06 98 76 54 01')

    // The new family is found by the search like any other.
    await page.keyboard.press('Escape')
    await expect(page.getByLabel('Rechercher une famille')).toBeFocused()
    await page.keyboard.type('vasseur')
    await expect(page.getByRole('option').filter({ hasText: code })).toHaveCount(1)
  })

  test('offers the existing file when a demo family’s child is typed again, and opens it with the keyboard', async ({ page, shell }) => {
    await login(page, shell)
    // A demo family with a child whose birth date is known, read through the contract.
    const { results } = await call<{ results: Array<{ id: string }> }>(shell, 'families/search', { q: 'martin' })
    let known: { familyId: string; firstNames: string; lastName: string; birthDate: string } | null = null
    for (const r of results) {
      const file = await call<{ id: string; children: Array<{ firstNames: string; lastName: string; birthDate: string | null }> }>(shell, 'families/get', { id: r.id })
      const child = file.children.find((c) => c.birthDate)
      if (child) {
        known = { familyId: file.id, firstNames: child.firstNames, lastName: child.lastName, birthDate: child.birthDate! }
        break
      }
    }
    expect(known).not.toBeNull()
    const { familyId, firstNames, lastName, birthDate } = known!

    const form = await openNewFamily(page)
    await tabTo(page, form.getByRole('button', { name: 'Ajouter un enfant' }))
    await page.keyboard.press('Enter')
    const block = form.getByTestId('enrol-child-1')
    await expect(block.getByLabel('Prénoms')).toBeFocused()
    await page.keyboard.type(firstNames)
    await typeIn(page, block.getByLabel(/^Nom/), lastName)
    await typeIn(page, block.getByLabel('Date de naissance'), dateKeys(birthDate))

    const duplicates = page.getByTestId('duplicates')
    await expect(duplicates).toBeVisible()
    const first = duplicates.getByTestId('duplicate-open').first()
    await expect(first).toHaveText('Ouvrir le dossier existant')
    await expect(duplicates.locator('li[data-family-id]').first()).toHaveAttribute('data-family-id', familyId)
    // « Ouvrir le dossier existant » is the first choice: Alt+O, then Enter.
    await page.keyboard.press('Alt+O')
    await expect(first).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(new RegExp(`#/familles/${familyId}$`))
    await expect(page.locator('#contenu')).toContainText(firstNames)
  })

  test('a birth date in the future and the phone "1-----" are refused at their fields, nothing typed is lost', async ({ page, shell }) => {
    await login(page, shell)
    const form = await openNewFamily(page)
    await typeGuardianAndFamily(page, form, '1-----', 'Delorme')
    const child = await addChild(page, form, 1, { firstNames: 'Jade', birthDate: '2027-01-02', sex: 'F', level: 'CP' })
    // Enter in a field sends nothing (only Ctrl+Enter or the button do).
    await expect(child.getByLabel('Classe')).toBeFocused()
    await page.keyboard.press('Enter')
    // Let the page render whatever Enter did, then check it did nothing.
    await page.evaluate(() => new Promise((r) => setTimeout(r, 150)))
    await expect(page.getByTestId('enrol-summary')).toHaveCount(0)
    await expect(child.getByLabel('Classe')).toBeFocused()

    await page.keyboard.press('Control+Enter')

    const rl1 = form.getByTestId('enrol-rl1')
    const phone = rl1.getByLabel('Téléphone portable')
    const born = child.getByLabel('Date de naissance')
    await expect(phone).toHaveAttribute('aria-invalid', 'true')
    await expect(rl1.getByTestId('field-error')).toHaveText('⚠ numéro de téléphone invalide (exemple : 06 12 34 56 78)')
    await expect(born).toHaveAttribute('aria-invalid', 'true')
    await expect(child.getByTestId('field-error')).toHaveText('⚠ date de naissance dans le futur')
    // The message is the field's description; the first field in error has the focus.
    await expect(phone).toHaveAttribute('aria-describedby', /enrol-rl1-phoneMobile-error/)
    await expect(phone).toBeFocused()
    const summary = page.getByTestId('enrol-summary')
    await expect(summary).toContainText('2 champs à corriger')
    await expect(summary).toContainText('Responsable légal 1 — Téléphone portable : numéro de téléphone invalide')
    await expect(summary).toContainText('date de naissance dans le futur')
    // Nothing lost.
    await expect(phone).toHaveValue('1-----')
    await expect(born).toHaveValue('2027-01-02')
    await expect(child.getByLabel('Prénoms')).toHaveValue('Jade')
    await expect(rl1.getByLabel('Nom d’usage')).toHaveValue('Delorme')
    await expect(form.getByTestId('enrol-family').getByLabel(/^Commune/)).toHaveValue('Carrières-sur-Seine')
    await expect(child.getByLabel('Niveau')).toHaveValue('CP')
    await expect(page).toHaveURL(/#\/familles\/nouvelle$/)

    // Escape asks before leaving; « Continuer la saisie » (the focus) keeps everything.
    await page.keyboard.press('Escape')
    await expect(page.getByRole('alertdialog', { name: 'Quitter sans créer le dossier ?' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Continuer la saisie' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(page.getByTestId('enrol-leave')).toHaveCount(0)
    await expect(phone).toHaveValue('1-----')

    // Corrected with the keyboard, the same form creates the file.
    await tabTo(page, phone)
    await page.keyboard.press('Control+A')
    await page.keyboard.type('0611223344')
    await expect(rl1.getByTestId('field-error')).toHaveCount(0)
    // Out of school age: only the core knows its rules; its answer comes back at the field too.
    await tabTo(page, born)
    await page.keyboard.type(dateKeys('2005-03-01'))
    await page.keyboard.press('Control+Enter')
    await expect(child.getByTestId('field-error')).toContainText('hors de l’âge scolaire')
    await expect(born).toBeFocused()
    await expect(summary).toContainText('1 champ à corriger')
    await expect(phone).toHaveValue('0611223344')
    // Back to the field before, then into the date from its first part, as an agent would.
    await shiftTabTo(page, child.getByLabel(/^Nom/))
    await page.keyboard.press('Tab')
    await page.keyboard.type(dateKeys('2019-01-02'))
    await expect(born).toHaveValue('2019-01-02')
    await page.keyboard.press('Control+Enter')
    await expect(page.getByTestId('family-code')).toHaveText(/^\d{6}[A-Z]$/)
    await expect(page.getByTestId('route-announcement')).toContainText('Dossier créé : code famille')
    await expect(page.locator('#contenu')).toContainText('Jade Delorme')
    await expect(page.locator('#contenu')).toContainText('06 11 22 33 44')
  })
})
