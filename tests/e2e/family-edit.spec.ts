import type { Locator, Page } from '@playwright/test'
import Database from 'better-sqlite3'
import { databaseFile } from '../../src/main/core/paths'
import { DEMO, expect, login, test, type WebShell } from './fixtures'

/**
 * The family file edited section by section, keyboard only (issue 8, items 1, 4 and 10): a
 * guardian's phone changed (shown the French way, and in the history), a contact forbidden to
 * pick up added (the alert in the file's header), a bad phone refused at its field with what was
 * typed kept, Escape asking before it discards.
 */

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }

/** A read-only look at the web shell's own database (to pick the families a case needs). */
function pickAll<T>(shell: WebShell, sql: string): T[] {
  const db = new Database(databaseFile(shell.dataDir), { readonly: true, fileMustExist: true })
  try {
    return db.prepare(sql).all() as T[]
  } finally {
    db.close()
  }
}

/** Types the search and opens the first family with children with the arrows and Enter. */
async function openFamily(page: Page, q: string): Promise<void> {
  const box = page.getByLabel('Rechercher une famille')
  await box.fill('')
  await box.pressSequentially(q, { delay: 20 })
  const options = page.getByRole('option')
  await expect(options.first()).toBeVisible()
  const texts = await options.allInnerTexts()
  const index = texts.findIndex((t) => !t.includes('aucun enfant'))
  expect(index).toBeGreaterThanOrEqual(0)
  for (let i = 0; i <= index; i++) await box.press('ArrowDown')
  await box.press('Enter')
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused()
}

/** Presses Tab until `target` has the focus (a date input has several stops). */
async function tabTo(page: Page, target: Locator, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el.matches(':focus'))) return
    await page.keyboard.press('Tab')
  }
  await expect(target).toBeFocused()
}

/** Presses Enter on a button reached by the keyboard from the page's focus. */
async function activate(page: Page, button: Locator): Promise<void> {
  await button.focus()
  await expect(button).toBeFocused()
  await page.keyboard.press('Enter')
}

test.describe('the family file, edited section by section', () => {
  test('a guardian’s phone changed with the keyboard: shown the French way and in the history', async ({ page, shell }) => {
    await login(page, shell)
    await openFamily(page, 'martin')
    const card = page.getByTestId('guardian').first()
    const modify = card.getByRole('button', { name: /^Modifier : la fiche de/ })
    await activate(page, modify)

    const form = card.getByRole('form', { name: /^la fiche de/ })
    await expect(form).toBeVisible()
    const mobile = form.getByLabel('Téléphone portable')
    await tabTo(page, mobile)
    await page.keyboard.press('Control+A')
    await page.keyboard.type('0698765432')
    await page.keyboard.press('Enter')

    await expect(form).toHaveCount(0)
    await expect(modify).toBeFocused()
    await expect(card.getByTestId('guardian-phones')).toContainText('06 98 76 54 32')
    await expect(card.getByText('Modifications enregistrées.')).toBeVisible()

    // The history: what, old → new, who, canal, newest first.
    await activate(page, page.getByRole('button', { name: 'Historique' }))
    const history = page.getByTestId('history')
    await expect(history.getByRole('heading', { name: 'Historique des modifications' })).toBeFocused()
    const first = history.getByTestId('history-item').first()
    await expect(first).toContainText('Téléphone portable')
    await expect(first).toContainText('06 98 76 54 32')
    await expect(first).toContainText(DEMO.displayName)
    await expect(first).toContainText('Guichet')
    await expect(first).toContainText(/16\/11\/2026 \d\d:\d\d/)
    await page.keyboard.press('Escape')
    await expect(history).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Historique' })).toBeFocused()
    // Merging is for a responsable: an agent at the counter is not offered it.
    await expect(page.getByRole('button', { name: 'Fusionner avec un autre dossier' })).toHaveCount(0)

    // Saved in the core, not only on screen.
    await page.reload()
    await expect(page.getByTestId('guardian').first().getByTestId('guardian-phones')).toContainText('06 98 76 54 32')
  })

  test('a contact forbidden to pick up, added with the keyboard, shows in the file’s header', async ({ page, shell }) => {
    await login(page, shell)
    await openFamily(page, 'lefevre')
    const alerts = page.getByTestId('family-alerts')
    await expect(alerts.getByText('Octave Vernadet', { exact: false })).toHaveCount(0)

    await activate(page, page.getByRole('button', { name: 'Ajouter un contact' }))
    const form = page.getByRole('form', { name: 'Nouveau contact' })
    await expect(form.getByLabel('Civilité')).toBeFocused()
    await page.keyboard.press('Tab')
    await expect(form.getByLabel('Nom d’usage')).toBeFocused()
    await page.keyboard.type('Vernadet')
    await page.keyboard.press('Tab')
    await page.keyboard.type('Octave')
    await tabTo(page, form.getByLabel('Lien avec l’enfant'))
    await page.keyboard.type('oncle')
    await tabTo(page, form.getByLabel('Interdit(e) de venir chercher l’enfant'))
    await page.keyboard.press('Space')
    await expect(form.getByLabel('Interdit(e) de venir chercher l’enfant')).toBeChecked()
    await tabTo(page, form.getByRole('button', { name: 'Enregistrer' }))
    await page.keyboard.press('Enter')

    await expect(form).toHaveCount(0)
    const alert = alerts.getByTestId('family-alert').filter({ hasText: 'Octave Vernadet' })
    await expect(alert).toBeVisible()
    await expect(alert).toHaveAttribute('data-kind', 'forbidden_pick_up')
    await expect(alert).toContainText('Interdit de récupérer')
    await expect(alert).toContainText('n’est pas autorisé(e) à venir chercher les enfants')
    // The header comes before the sections: the alert is above the first section.
    const alertBox = await alert.boundingBox()
    const familySection = await page.getByTestId('family-section').boundingBox()
    expect(alertBox!.y).toBeLessThan(familySection!.y)
    // The new contact's « Modifier » has the focus; the contact says why.
    const contact = page.getByTestId('contact').filter({ hasText: 'Octave Vernadet' })
    await expect(contact.getByRole('button', { name: /^Modifier : la fiche de Octave Vernadet/ })).toBeFocused()
    await expect(contact.getByTestId('authorisations')).toContainText('Interdit(e) de venir chercher l’enfant')
  })

  test('a bad phone "0000000" gets the French message at its field, and what was typed stays', async ({ page, shell }) => {
    await login(page, shell)
    await openFamily(page, 'martin')
    const card = page.getByTestId('guardian').first()
    const phonesBefore = await card.getByTestId('guardian-phones').innerText()
    const modify = card.getByRole('button', { name: /^Modifier : la fiche de/ })
    await activate(page, modify)
    const form = card.getByRole('form', { name: /^la fiche de/ })

    const profession = form.getByLabel('Profession')
    await tabTo(page, profession)
    await page.keyboard.press('Control+A')
    await page.keyboard.type('Boulangère')
    const mobile = form.getByLabel('Téléphone portable')
    await mobile.focus()
    await page.keyboard.press('Control+A')
    await page.keyboard.type('0000000')
    await page.keyboard.press('Enter')

    await expect(mobile).toHaveAttribute('aria-invalid', 'true')
    await expect(mobile).toBeFocused()
    await expect(form.getByTestId('field-error')).toHaveText(/Numéro de téléphone invalide/)
    await expect(form.getByRole('alert')).toContainText('Saisie invalide')
    await expect(mobile).toHaveValue('0000000')
    await expect(profession).toHaveValue('Boulangère')

    // Escape asks before it discards; Escape again goes back to the form, nothing lost.
    await page.keyboard.press('Escape')
    const confirm = form.getByRole('alertdialog')
    await expect(confirm).toContainText('Abandonner les modifications en cours ?')
    await expect(confirm.getByRole('button', { name: 'Continuer la saisie' })).toBeFocused()
    await page.keyboard.press('Escape')
    await expect(confirm).toHaveCount(0)
    await expect(mobile).toHaveValue('0000000')
    await expect(profession).toHaveValue('Boulangère')

    // Discarding: nothing was saved, the focus is back on « Modifier ».
    await page.keyboard.press('Escape')
    await expect(confirm.getByRole('button', { name: 'Continuer la saisie' })).toBeFocused()
    await page.keyboard.press('Shift+Tab')
    await expect(confirm.getByRole('button', { name: 'Abandonner les modifications' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(form).toHaveCount(0)
    await expect(modify).toBeFocused()
    await expect(card.getByTestId('guardian-phones')).toHaveText(phonesBefore)
    await expect(page.getByTestId('family-name')).toBeVisible()
  })

  test('a child of another file is linked with the keyboard (shared custody): each file shows the other', async ({ page, shell }) => {
    const [home, other] = pickAll<{ code: string; name: string }>(
      shell,
      `SELECT f.code, f.name FROM families f WHERE f.merged_into IS NULL
         AND EXISTS (SELECT 1 FROM family_members m WHERE m.family_id = f.id AND m.role = 'enfant')
       ORDER BY f.code LIMIT 2`,
    )
    const child = pickAll<{ first: string; last: string }>(
      shell,
      `SELECT p.first_names AS first, p.last_name AS last FROM family_members m JOIN persons p ON p.id = m.person_id
       JOIN families f ON f.id = m.family_id WHERE f.code = '${other!.code}' AND m.role = 'enfant' ORDER BY p.first_names LIMIT 1`,
    )[0]!
    await login(page, shell)
    await openFamily(page, home!.code)
    await expect(page.getByTestId('family-code')).toHaveText(home!.code)
    const before = await page.getByTestId('child').count()

    await activate(page, page.getByRole('button', { name: 'Rattacher un enfant d’un autre dossier' }))
    const panel = page.getByTestId('link-child-panel')
    await expect(panel.getByLabel('Code famille ou nom du dossier')).toBeFocused()
    await page.keyboard.type(other!.code)
    await page.keyboard.press('Enter')
    const family = panel.getByRole('button', { name: `Voir les enfants du dossier ${other!.code}` })
    await expect(family).toBeFocused()
    await page.keyboard.press('Enter')
    const choose = panel.getByRole('button', { name: `Rattacher ${child.first} ${child.last}` })
    await tabTo(page, choose)
    await page.keyboard.press('Enter')

    await expect(panel).toHaveCount(0)
    await expect(page.getByTestId('child')).toHaveCount(before + 1)
    const card = page.getByTestId('child').filter({ hasText: `${child.first}` }).filter({ has: page.getByTestId('other-families') })
    await expect(card.getByTestId('other-families')).toContainText(`${other!.code} (${other!.name})`)
    await expect(card.getByRole('button', { name: `Modifier : la fiche de ${child.first} ${child.last}` })).toBeFocused()
    // The other file says it too, and links back.
    await activate(page, card.getByTestId('other-families').getByRole('link', { name: new RegExp(other!.code) }))
    await expect(page.getByTestId('family-code')).toHaveText(other!.code)
    const there = page.getByTestId('child').filter({ hasText: child.first }).filter({ has: page.getByTestId('other-families') })
    await expect(there.getByTestId('other-families')).toContainText(`${home!.code} (${home!.name})`)
  })

  test('a responsable merges two files: the confirmation says which one disappears, the merged file links to the other', async ({ page, shell }) => {
    const [kept, gone] = pickAll<{ id: string; code: string; name: string; children: number }>(
      shell,
      `SELECT f.id, f.code, f.name, (SELECT COUNT(*) FROM family_members m WHERE m.family_id = f.id AND m.role = 'enfant') AS children
       FROM families f WHERE f.merged_into IS NULL ORDER BY f.code DESC LIMIT 2`,
    )
    await login(page, shell, RESPONSABLE)
    await openFamily(page, gone!.code)
    await expect(page.getByTestId('family-code')).toHaveText(gone!.code)
    const goneUrl = page.url()
    await page.keyboard.press('Escape')
    await openFamily(page, kept!.code)
    await expect(page.getByTestId('family-code')).toHaveText(kept!.code)

    await activate(page, page.getByRole('button', { name: 'Fusionner avec un autre dossier' }))
    const dialog = page.getByRole('dialog', { name: 'Fusionner avec un autre dossier' })
    await expect(dialog.getByLabel('Code famille de l’autre dossier')).toBeFocused()
    await page.keyboard.type(gone!.code)
    await page.keyboard.press('Enter')
    await expect(dialog.getByLabel(`Garder ce dossier-ci (${kept!.code})`, { exact: false })).toBeFocused()
    await expect(dialog.getByTestId('merge-confirm-text')).toContainText(`Le dossier ${gone!.code} (famille ${gone!.name}) disparaît`)
    const confirm = dialog.getByRole('button', { name: `Fusionner : le dossier ${gone!.code} disparaît` })
    await tabTo(page, confirm)
    await page.keyboard.press('Enter')

    await expect(dialog).toHaveCount(0)
    await expect(page.getByTestId('family-announce')).toContainText(`le dossier ${gone!.code} a rejoint celui-ci`)
    await expect(page.getByTestId('child')).toHaveCount(kept!.children + gone!.children)

    // The file that disappeared says where it went, with a link to it.
    await page.goto(goneUrl)
    const banner = page.getByTestId('merged-banner')
    await expect(banner).toContainText(`Ce dossier a été fusionné dans le dossier ${kept!.code}`)
    await expect(page.getByTestId('child')).toHaveCount(0)
    await expect(page.getByRole('button', { name: 'Ajouter un contact' })).toHaveCount(0)
    await activate(page, banner.getByRole('link'))
    await expect(page.getByTestId('family-code')).toHaveText(kept!.code)
  })
})
