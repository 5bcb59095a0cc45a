import { describe, expect, it } from 'vitest'
import { PDFDocument, StandardFonts } from 'pdf-lib'
import { extractText, getDocumentProxy } from 'unpdf'
import type { RecapItem, RecapModel } from '@shared/domain/recap'
import { renderRecapPdf, winAnsiText } from '../../../src/main/core/services/recap-pdf'
import { pdfFontsDir, setPdfFontsNextTo } from '../../../src/main/core/services/pdf-fonts'
import { MIGRATIONS } from '../../helpers/core'

async function textOf(bytes: Uint8Array): Promise<{ pages: number; text: string; perPage: string[] }> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes))
  const { totalPages, text } = await extractText(pdf, { mergePages: false })
  const perPage = (text as string[]).map((t) => t.replace(/\s+/g, ' '))
  return { pages: totalPages, perPage, text: perPage.join(' ') }
}

function model(items: RecapItem[], over: Partial<RecapModel> = {}): RecapModel {
  return {
    townName: 'Carrières-sur-Seine',
    familyName: 'Famille Lefèvre',
    codeFamille: 'F-01234',
    schoolYear: '2026-2027',
    printedAt: '2026-09-02T08:15:00.000Z',
    agentInitials: 'C. M.',
    addressLines: ['12 rue des Écoles', '78420 Carrières-sur-Seine'],
    items,
    dossierStatus: 'incomplet',
    ...over,
  }
}

const ITEMS: RecapItem[] = [
  { label: 'Justificatif de domicile', whose: 'Famille', state: 'refused', documentDate: '2026-01-02', reason: 'Facture EDF du 02/01/2026 : plus de 3 mois' },
  { label: "Attestation d'assurance", whose: 'Léa Lefèvre', state: 'valid', documentDate: '2026-07-01', validUntil: '2027-08-31', storage: 'scan' },
  { label: 'Carnet de vaccination', whose: 'Léa Lefèvre', state: 'expiring', documentDate: '2025-10-01', validUntil: '2026-09-15', storage: 'vu' },
  { label: "Pièce d'identité", whose: 'RL1 — Sophie Lefèvre', state: 'missing' },
  { label: 'Acte de naissance', whose: 'Tom Lefèvre', state: 'missing', reason: "l'acte au dossier date de 2019" },
  { label: 'Attestation de quotient familial', whose: 'Famille', state: 'missing', mandatory: false },
]

describe('renderRecapPdf', () => {
  it('prints the title, the family, every section and every missing piece, with French dates', async () => {
    const bytes = await renderRecapPdf(model(ITEMS))
    expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-')
    const { pages, text } = await textOf(bytes)
    expect(pages).toBe(1)
    expect(text).toContain('Récapitulatif du dossier tous services 2026-2027')
    expect(text).toContain('Famille Lefèvre')
    expect(text).toContain('F-01234')
    expect(text).toContain('12 rue des Écoles')
    for (const heading of ['Pièces reçues (2)', 'Pièces refusées (1)', 'Pièces manquantes (3)']) expect(text).toContain(heading)
    for (const item of ITEMS.filter((i) => i.state === 'missing')) expect(text).toContain(item.label)
    expect(text).toContain('Facture EDF du 02/01/2026 : plus de 3 mois')
    expect(text).toContain("valable jusqu'au 31/08/2027")
    expect(text).toContain('Expire bientôt')
    // Footer: the Paris day and time of the print, and the agent's initials.
    expect(text).toContain('imprimé le 02/09/2026 à 10:15 par C. M.')
    expect(text).toContain('Page 1 / 1')
    // The sections come in the order the family reads them.
    expect(text.indexOf('Pièces reçues')).toBeLessThan(text.indexOf('Pièces refusées'))
    expect(text.indexOf('Pièces refusées')).toBeLessThan(text.indexOf('Pièces manquantes'))
  })

  it('breaks a 60-item list over pages, every missing piece printed once, a footer on each page', async () => {
    const states: RecapItem['state'][] = ['missing', 'valid', 'refused', 'expiring']
    const items: RecapItem[] = Array.from({ length: 60 }, (_, n) => ({
      label: `Pièce numéro ${String(n + 1).padStart(2, '0')}`,
      whose: `Enfant ${n % 7}`,
      state: states[n % 4]!,
      documentDate: '2026-06-01',
      validUntil: '2027-06-01',
      reason: n % 4 === 2 ? `motif du refus ${n + 1}, assez long pour passer à la ligne une fois ou deux dans la colonne de la page A4 du récapitulatif` : null,
    }))
    const { pages, text, perPage } = await textOf(await renderRecapPdf(model(items)))
    expect(pages).toBeGreaterThan(1)
    for (const [i, page] of perPage.entries()) expect(page).toContain(`Page ${i + 1} / ${pages}`)
    for (const item of items) {
      const occurrences = text.split(`${item.label} `).length - 1
      expect(occurrences, item.label).toBe(1)
    }
    expect(text).toContain('(suite)')
  })

  it('renders names outside WinAnsi (transliterated), never crashes', async () => {
    const awkward = model(
      [
        { label: 'Justificatif de domicile', whose: 'Łukasz Wiśniewski', state: 'missing' },
        { label: 'Carnet de vaccination', whose: 'Nguyễn Thị Minh Khai', state: 'missing' },
        { label: "Pièce d'identité", whose: 'Ольга Смирнова 王芳 \u200b', state: 'missing' },
      ],
      { familyName: 'Famille Nguyễn — Łukasz', addressLines: ['3 allée Œillets', 'Ärztehaus Straße'] },
    )
    const { text } = await textOf(await renderRecapPdf(awkward))
    expect(text).toContain('Famille Nguyen — Lukasz')
    expect(text).toContain('Lukasz Wisniewski')
    expect(text).toContain('Nguyen Thi Minh Khai')
    expect(text).toContain('3 allée Œillets')
    expect(text).toContain('Ärztehaus Straße')
    expect(text).toContain("Pièce d'identité — ????? ???????? ??")
  })

  it('with the shipped Unicode font (DejaVu Sans, as the core sets it up), prints every name as written', async () => {
    setPdfFontsNextTo(MIGRATIONS)
    try {
      expect(pdfFontsDir()).toMatch(/resources[/\\]fonts$/)
      const awkward = model(
        [
          { label: 'Justificatif de domicile', whose: 'Łukasz Wiśniewski', state: 'missing' },
          { label: 'Carnet de vaccination', whose: 'Nguyễn Thị Minh Khai', state: 'missing' },
          { label: "Pièce d'identité", whose: 'Ольга Смирнова', state: 'missing' },
        ],
        { familyName: 'Famille Nguyễn — Łukasz' },
      )
      const bytes = await renderRecapPdf(awkward)
      const { text } = await textOf(bytes)
      expect(text).toContain('Famille Nguyễn — Łukasz')
      expect(text).toContain('Łukasz Wiśniewski')
      expect(text).toContain('Nguyễn Thị Minh Khai')
      expect(text).toContain('Ольга Смирнова')
      // Subset: the document carries the glyphs it uses, not the whole 740 kB font.
      expect(bytes.length).toBeLessThan(120_000)
    } finally {
      setPdfFontsNextTo('/nonexistent/migrations')
    }
    expect(pdfFontsDir()).toBeNull()
  })

  it('transliterates only what the standard font cannot encode', async () => {
    const doc = await PDFDocument.create()
    const font = await doc.embedFont(StandardFonts.Helvetica)
    const charset = new Set(font.getCharacterSet())
    expect(winAnsiText('Léa Müller-Çelik, Œdipe, 12 €', charset)).toBe('Léa Müller-Çelik, Œdipe, 12 €')
    expect(winAnsiText('Łódź', charset)).toBe('Lódz')
    expect(winAnsiText('Đặng', charset)).toBe('Dang')
    expect(winAnsiText('a\u200bb\u0301', charset)).toBe('ab')
    expect(() => font.encodeText(winAnsiText('Ольга ǅ 🙂', charset))).not.toThrow()
  })

  it('says who validated a validated dossier', async () => {
    const { text } = await textOf(
      await renderRecapPdf(model([], { dossierStatus: 'valide', validatedBy: 'H. Dubois-Lefort', validatedAt: '2026-09-01T12:00:00Z' })),
    )
    expect(text).toContain('Dossier 2026-2027 : validé le 01/09/2026 par H. Dubois-Lefort')
    expect(text).toContain('Pièces manquantes (0)')
    expect(text).toContain('Aucune.')
  })
})
