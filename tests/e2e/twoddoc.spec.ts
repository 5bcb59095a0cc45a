import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import { billImage, makeTestPki, signedTwoDDoc, testBundle, type TestSigner } from '../support/twoddoc'
import { DEMO, E2E_INSTANT, expect, test, type WebShell } from './fixtures'

/**
 * Issue 13 at the counter, KEYBOARD ONLY for everything the agents do (Tab, Enter, Space, arrow
 * keys, typing; the file chooser is filled with setInputFiles, standing for the system's dialog):
 *
 * - a responsable imports a trust bundle naming a test PKI made at test time (no key committed)
 *   through « Poste » › « Liste de confiance 2D-Doc »;
 * - the agent opens the documented counter family 100001K, attaches a bill whose 2D-Doc carries
 *   the family's own name and address (read from the family page), signed by that PKI, presses
 *   « Lire le 2D-Doc »: a green verdict, the proof of address filled in (type, date, whose);
 *   validated, the piece says « vérifié par 2D-Doc » and the checklist's proof of address is valid;
 * - a bill whose postcode differs from the family file: orange, the difference shown, and the
 *   piece cannot be validated until « J'ai comparé avec le papier » is ticked.
 *
 * Today is Monday 16 November 2026 (E2E_INSTANT): the bills are dated a few weeks before.
 * Needs `npm run build` (the core runs out/main/*.js, and the 2D-Doc worker out/main/twoddoc-worker.js).
 */

const RESPONSABLE = { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort' }
const FAMILY_CODE = '100001K'
/** Above any sequence the shipped bundle may have (an older sequence is refused at import). */
const SEQUENCE = 900_001
const TODAY = E2E_INSTANT.slice(0, 10)

let pki: TestSigner
let folder: string
let bundleFile: string
let olderBundleFile: string

test.beforeAll(async () => {
  pki = await makeTestPki({ authorityId: 'FE2E', certificateId: 'E2E1' })
  folder = mkdtempSync(join(tmpdir(), 'guichet-e2e-2ddoc-'))
  bundleFile = join(folder, 'liste-de-confiance.json')
  writeFileSync(bundleFile, JSON.stringify(testBundle([pki], { sequence: SEQUENCE, nextUpdate: '2027-06-30' })))
  olderBundleFile = join(folder, 'ancienne-liste.json')
  writeFileSync(olderBundleFile, JSON.stringify(testBundle([pki], { sequence: 5, nextUpdate: '2027-06-30' })))
})
test.afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true })
})

/** Presses Tab (or Shift+Tab) until `target` has the focus: it must be reachable by the keyboard. */
async function tabTo(page: Page, target: Locator, { back = false, max = 600 } = {}): Promise<void> {
  await expect(target).toBeVisible()
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el.matches(':focus'))) return
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab')
  }
  throw new Error(`not reached with ${back ? 'Shift+Tab' : 'Tab'} in ${max} presses: ${String(target)}`)
}

async function keyboardLogin(page: Page, shell: WebShell, who: { login: string; password: string }): Promise<void> {
  await page.goto(shell.url)
  const login = page.getByLabel('Identifiant')
  await expect(login).toBeFocused()
  await page.keyboard.type(who.login)
  await tabTo(page, page.getByLabel('Mot de passe'))
  await page.keyboard.type(who.password)
  await page.keyboard.press('Enter')
  await expect(page.getByLabel('Rechercher une famille')).toBeFocused()
}

async function keyboardLogout(page: Page): Promise<void> {
  await tabTo(page, page.getByRole('button', { name: 'Déconnexion' }))
  await page.keyboard.press('Enter')
  await expect(page.getByLabel('Identifiant')).toBeVisible()
}

/** « Poste » › « Liste de confiance 2D-Doc »: a responsable imports the test bundle (once per web shell). */
async function importTrust(page: Page, shell: WebShell): Promise<void> {
  await keyboardLogin(page, shell, RESPONSABLE)
  const nav = page.getByRole('navigation', { name: 'Navigation principale' })
  await tabTo(page, nav.getByRole('link', { name: 'Poste' }))
  await page.keyboard.press('Enter')
  const section = page.getByRole('region', { name: 'Liste de confiance 2D-Doc' })
  await expect(section.getByTestId('trust-sequence')).not.toBeEmpty()
  if ((await section.getByTestId('trust-sequence').innerText()).trim() !== String(SEQUENCE)) {
    // The bundle shipped with the application, past its next update at the test's today: the orange warning.
    await expect(section.getByTestId('trust-source')).toHaveText('livrée avec l’application')
    const shippedNext = (await section.getByTestId('trust-next-update').innerText()).trim()
    if (shippedNext.split('/').reverse().join('-') < TODAY) await expect(section.getByTestId('trust-outdated')).toContainText(`La date de mise à jour prévue (${shippedNext}) est passée`)
    const file = section.getByLabel('Fichier de la liste de confiance (JSON)')
    await tabTo(page, file)
    await file.setInputFiles(bundleFile)
    await tabTo(page, section.getByRole('button', { name: 'Importer la liste' }))
    await page.keyboard.press('Enter')
    await expect(section.getByTestId('trust-done')).toContainText(`Liste de confiance importée : numéro ${SEQUENCE}, prochaine mise à jour le 30/06/2027.`)
    // An older list is refused at the field, in French; the list in force stays.
    await tabTo(page, file, { back: true })
    await file.setInputFiles(olderBundleFile)
    await tabTo(page, section.getByRole('button', { name: 'Importer la liste' }))
    await page.keyboard.press('Enter')
    await expect(section.getByTestId('trust-error')).toContainText(`Cette liste de confiance (n° 5) est plus ancienne que celle en vigueur (n° ${SEQUENCE}).`)
    await expect(file).toBeFocused()
    await expect(file).toHaveAttribute('aria-invalid', 'true')
  }
  await expect(section.getByTestId('trust-sequence')).toHaveText(String(SEQUENCE))
  await expect(section.getByTestId('trust-next-update')).toHaveText('30/06/2027')
  await expect(section.getByTestId('trust-source')).toContainText('importée le')
  await expect(section).toContainText('1 autorité(s), 1 certificat(s) de signature')
  await expect(section.getByTestId('trust-outdated')).toHaveCount(0)
  await keyboardLogout(page)
}

/** What the 2D-Doc of a bill carries: upper case, no accents (the barcode's alphabet). */
function plain(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/œ/gi, 'OE')
    .replace(/æ/gi, 'AE')
    .toUpperCase()
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

interface FamilyOnPage {
  surname: string
  line1: string
  postcode: string
  city: string
}

/** The agent (accueil) opens the counter family by its code, keyboard only; its name and address as the page shows them. */
async function openFamily(page: Page, shell: WebShell): Promise<FamilyOnPage> {
  await keyboardLogin(page, shell, DEMO)
  await page.keyboard.type(FAMILY_CODE)
  await expect(page.getByRole('option').first()).toContainText(FAMILY_CODE)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('family-code')).toHaveText(FAMILY_CODE)
  const surname = (await page.getByTestId('family-name').innerText()).trim()
  // « 37 rue Alexandre-Dumas[, line 2], 78420 Carrières-sur-Seine » (the first line holds no comma).
  const address = (await page.getByTestId('family-address').innerText()).replace(/\s+/g, ' ').trim()
  const m = /^(.*),\s*(\d{5})\s+(.+)$/.exec(address)
  if (!m) throw new Error(`unexpected address: ${address}`)
  return { surname, line1: m[1]!.split(',')[0]!.trim(), postcode: m[2]!, city: m[3]!.trim() }
}

async function bill(family: FamilyOnPage, emittedOn: string, postcode = family.postcode): Promise<Buffer> {
  const text = await signedTwoDDoc(
    {
      authorityId: pki.authorityId,
      certificateId: pki.certificateId,
      emittedOn,
      documentType: '01',
      fields: [
        ['10', `M/${plain(family.surname)}/CAMILLE`],
        ['22', plain(family.line1)],
        ['24', postcode],
        ['25', plain(family.city)],
        ['26', 'FR'],
        ['18', 'FAC-7741-QZX'],
        ['1D', '173.42'],
      ],
    },
    pki,
  )
  return billImage(text)
}

function panelOf(page: Page): { panel: Locator; form: Locator } {
  const panel = page.getByRole('region', { name: 'Pièces justificatives' })
  return { panel, form: panel.getByRole('form', { name: 'Enregistrer une pièce' }) }
}

/**
 * In the documents form: « Joindre un scan » (arrow key in the « Copie » radio group), the bill in
 * the file chooser, then « Lire le 2D-Doc » with Enter. Returns the verdict box; checks the busy
 * state was shown (a progress bar, the button disabled) while the core read.
 */
async function attachAndRead(page: Page, form: Locator, image: Buffer, name: string): Promise<Locator> {
  await tabTo(page, form.getByLabel('Vu au guichet (aucune copie)'))
  await page.keyboard.press('ArrowDown')
  await expect(form.getByLabel('Joindre un scan')).toBeChecked()
  const chooser = form.getByTestId('scan-file')
  await tabTo(page, chooser)
  await chooser.setInputFiles({ name, mimeType: 'image/png', buffer: image })
  await expect(form.getByTestId('scan-attached')).toContainText(`Copie jointe : ${name}`)

  const read = form.getByRole('button', { name: 'Lire le 2D-Doc' })
  await tabTo(page, read)
  // Watch for the busy state: it lasts as long as the worker reads (tens of milliseconds).
  await page.evaluate(() => {
    // The page's globals, typed here (this file is type-checked without the DOM library).
    type El = { disabled?: boolean; getAttribute(name: string): string | null }
    const g = globalThis as unknown as {
      __twoddocBusy?: { progress: boolean; disabled: boolean }
      document: { body: unknown; querySelector(selector: string): El | null }
      MutationObserver: new (callback: () => void) => { observe(target: unknown, options: Record<string, boolean>): void; disconnect(): void }
    }
    const seen: { progress: boolean; disabled: boolean } = { progress: false, disabled: false }
    g.__twoddocBusy = seen
    const observer = new g.MutationObserver(() => {
      if (g.document.querySelector('[data-testid="twoddoc"] progress')) seen.progress = true
      const button = g.document.querySelector('[data-testid="twoddoc-read"]')
      if (button?.disabled && button.getAttribute('aria-busy') === 'true') seen.disabled = true
      if (seen.progress && seen.disabled) observer.disconnect()
    })
    observer.observe(g.document.body, { subtree: true, childList: true, attributes: true })
  })
  await page.keyboard.press('Enter')
  const verdict = form.getByTestId('twoddoc-verdict')
  await expect(verdict).toBeVisible({ timeout: 20_000 })
  expect(await page.evaluate(() => (globalThis as unknown as { __twoddocBusy: unknown }).__twoddocBusy)).toEqual({ progress: true, disabled: true })
  // The verdict's title takes the focus (read out with its reasons: role=status).
  await expect(verdict.locator('.twoddoc__title')).toBeFocused()
  return verdict
}

test.describe('2D-Doc at the counter', () => {
  test.describe.configure({ timeout: 180_000 })

  test('a bill read from its 2D-Doc, verified, fills the proof of address; validated, it says « vérifié par 2D-Doc »', async ({ page, shell }) => {
    await importTrust(page, shell)
    const family = await openFamily(page, shell)
    const { panel, form } = panelOf(page)
    const row = panel.locator('[data-key="domicile:famille"]')
    await expect(row).toBeVisible()
    const recorded = panel.getByTestId('recorded-document')
    const before = await recorded.count()

    const emittedOn = '2026-10-27'
    expect(emittedOn < TODAY).toBe(true)
    const verdict = await attachAndRead(page, form, await bill(family, emittedOn), 'facture-energie.png')

    await expect(verdict).toHaveAttribute('data-color', 'green')
    await expect(verdict.locator('.twoddoc__title')).toContainText('2D-Doc vérifié')
    await expect(verdict.getByTestId('twoddoc-reasons')).toContainText('Signature valide')
    await expect(verdict).toContainText('Comparez les données du code avec le papier (nom, adresse, date) : le code prouve ce qu’il contient, pas ce qui est imprimé à côté.')
    // The code's holder, address and date next to the family file's: no difference.
    const compare = verdict.getByTestId('twoddoc-compare')
    await expect(compare.locator('tr[data-field="postcode"] td').first()).toHaveText(family.postcode)
    await expect(compare.locator('tr[data-field="postcode"] td').nth(1)).toHaveText(family.postcode)
    await expect(compare.locator('tr[data-field="holder"] td').first()).toContainText(plain(family.surname))
    await expect(compare.locator('tr[data-differs="true"]')).toHaveCount(0)
    await expect(verdict.getByTestId('twoddoc-date')).toHaveText('27/10/2026')
    await expect(form.getByTestId('twoddoc-accept')).toHaveCount(0)
    // Nothing of the bill's other content (invoice number, amount) is shown.
    await expect(panel).not.toContainText('FAC-7741-QZX')
    await expect(panel).not.toContainText('173.42')

    // The piece is filled: the family's proof of address, the bill's kind, the code's date; the town's rule says valid.
    await expect(form.getByLabel('Pièce demandée')).toHaveValue('domicile')
    await expect(form.getByLabel('À qui est la pièce')).toHaveCount(0)
    await expect(form.getByLabel('Type de document')).toHaveValue('facture_energie')
    await expect(form.getByLabel('Date du document')).toHaveValue(emittedOn)
    await expect(form.getByTestId('document-preview')).toContainText('valable jusqu’au')
    await expect(form.getByLabel('Validée')).toBeChecked()

    await tabTo(page, form.getByRole('button', { name: 'Enregistrer la pièce' }))
    await page.keyboard.press('Enter')

    await expect(panel.getByTestId('documents-status')).toContainText('Justificatif de domicile enregistrée : Valide.')
    await expect(row).toHaveAttribute('data-state', 'valid')
    await expect(row.getByTestId('document-twoddoc')).toHaveText('· vérifié par 2D-Doc (signature valide)')
    await expect(recorded).toHaveCount(before + 1)
    const latest = recorded.first()
    await expect(latest).toHaveAttribute('data-twoddoc', 'valid')
    await expect(latest).toContainText('27/10/2026')
    await expect(latest).toContainText('vérifié par 2D-Doc (signature valide)')
    await expect(latest).toContainText('scan : facture-energie.png')
    // The form is empty again, without the reading.
    await expect(form.getByTestId('twoddoc')).toHaveCount(0)

    // A recorded piece's stored scan is read again: « Vérifier par 2D-Doc » starts the form from that
    // piece with its scan attached and puts the focus on « Lire le 2D-Doc ».
    const list = panel.locator('details.documents__recorded')
    if (!(await list.evaluate((d) => (d as unknown as { open: boolean }).open))) {
      await tabTo(page, list.locator('summary'), { back: true })
      await page.keyboard.press('Enter')
    }
    const again = latest.getByRole('button', { name: /^Vérifier par 2D-Doc le scan facture-energie\.png/ })
    await tabTo(page, again)
    await page.keyboard.press('Enter')
    await expect(form.getByTestId('scan-attached')).toContainText('facture-energie.png')
    await expect(form.getByLabel('Pièce demandée')).toHaveValue('domicile')
    await expect(form.getByLabel('Date du document')).toHaveValue(emittedOn)
    await expect(form.getByRole('button', { name: 'Lire le 2D-Doc' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(form.getByTestId('twoddoc-verdict')).toHaveAttribute('data-color', 'green', { timeout: 20_000 })
    await expect(form.getByTestId('twoddoc-date')).toHaveText('27/10/2026')
  })

  test('a bill whose postcode differs: orange, the difference shown, validated only once « J’ai comparé avec le papier » is ticked', async ({ page, shell }) => {
    await importTrust(page, shell)
    const family = await openFamily(page, shell)
    const { panel, form } = panelOf(page)
    const recorded = panel.getByTestId('recorded-document')
    await expect(panel.locator('[data-key="domicile:famille"]')).toBeVisible()
    const before = await recorded.count()

    const other = family.postcode === '78400' ? '78500' : '78400'
    const verdict = await attachAndRead(page, form, await bill(family, '2026-11-02', other), 'facture-autre-cp.png')

    await expect(verdict).toHaveAttribute('data-color', 'orange')
    await expect(verdict.locator('.twoddoc__title')).toContainText('2D-Doc à vérifier')
    await expect(verdict.getByTestId('twoddoc-reasons')).toContainText(`Code postal différent du dossier : « ${other} » sur le document, « ${family.postcode} » au dossier`)
    const postcodeRow = verdict.getByTestId('twoddoc-compare').locator('tr[data-field="postcode"]')
    await expect(postcodeRow).toHaveAttribute('data-differs', 'true')
    await expect(postcodeRow.locator('td').first()).toHaveText(other)
    await expect(postcodeRow.locator('td').nth(1)).toHaveText(family.postcode)
    await expect(verdict.getByTestId('twoddoc-compare').locator('tr[data-differs="true"]')).toHaveCount(1)
    await expect(form.getByLabel('Date du document')).toHaveValue('2026-11-02')

    // Validated without the box: refused at the box, nothing recorded.
    const accept = form.getByLabel('J’ai comparé avec le papier : j’accepte la pièce malgré ces écarts')
    await expect(accept).not.toBeChecked()
    await tabTo(page, form.getByRole('button', { name: 'Enregistrer la pièce' }))
    await page.keyboard.press('Enter')
    await expect(form.getByTestId('twoddoc-accept-error')).toContainText('Cochez « J’ai comparé avec le papier »')
    await expect(accept).toBeFocused()
    await expect(accept).toHaveAttribute('aria-invalid', 'true')
    await expect(recorded).toHaveCount(before)

    // Ticked (Space), then Enter on « Enregistrer la pièce »: recorded, verified by 2D-Doc.
    await page.keyboard.press('Space')
    await expect(accept).toBeChecked()
    await expect(form.getByTestId('twoddoc-accept-error')).toHaveCount(0)
    await tabTo(page, form.getByRole('button', { name: 'Enregistrer la pièce' }))
    await page.keyboard.press('Enter')
    await expect(recorded).toHaveCount(before + 1)
    const latest = recorded.first()
    await expect(latest).toHaveAttribute('data-twoddoc', 'valid')
    await expect(latest).toContainText('02/11/2026')
    await expect(latest).toContainText('Validée')
    await expect(panel.locator('[data-key="domicile:famille"]')).toHaveAttribute('data-state', 'valid')
  })

  test('a scan without a 2D-Doc: the agent is told to check the piece by eye, nothing is filled', async ({ page, shell }) => {
    await importTrust(page, shell)
    await openFamily(page, shell)
    const { form } = panelOf(page)
    const verdict = await attachAndRead(page, form, await billImage(''), 'facture-sans-code.png')
    await expect(verdict).toHaveAttribute('data-color', 'none')
    await expect(verdict).toHaveText('Aucun 2D-Doc trouvé sur ce document : vérifiez la pièce à l’œil.')
    await expect(form.getByLabel('Pièce demandée')).toHaveValue('')
    await expect(form.getByLabel('Date du document')).toHaveValue('')
    await expect(form.getByTestId('twoddoc-compare')).toHaveCount(0)
  })
})
