import { deflateSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, decodePDFRawStream } from 'pdf-lib'
import { extractText, getDocumentProxy } from 'unpdf'
import jsQR from 'jsqr'
import QRCode from 'qrcode'
import {
  QR_QUIET_ZONE,
  SLIP_LAYOUTS,
  frenchLongDateTime,
  groupedPassword,
  qrModules,
  renderSlipPdf,
  spelledPassword,
  type SlipModel,
} from '../../../src/main/core/services/slip-pdf'
import { pdfFontsDir, setPdfFontsNextTo } from '../../../src/main/core/services/pdf-fonts'
import { MIGRATIONS } from '../../helpers/core'

async function textOf(bytes: Uint8Array): Promise<{ pages: number; text: string }> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes))
  const { totalPages, text } = await extractText(pdf, { mergePages: true })
  return { pages: totalPages, text: (text as string).replace(/\s+/g, ' ') }
}

/** Every run of text pdf.js finds on the first page, with where it starts and how wide it is. */
async function textItems(bytes: Uint8Array): Promise<Array<{ str: string; x: number; width: number; height: number }>> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes))
  const page = await pdf.getPage(1)
  const { items } = await page.getTextContent()
  return items
    .filter((i): i is Extract<typeof i, { str: string }> => 'str' in i && i.str.trim() !== '')
    .map((i) => ({ str: i.str, x: i.transform[4] as number, width: i.width, height: i.height }))
}

const squash = (s: string) => s.replace(/\s+/g, '')

/** The page sizes, the decoded content stream of the (single) page, and the image XObjects. */
async function inside(
  bytes: Uint8Array,
): Promise<{ sizes: Array<{ width: number; height: number }>; content: string; images: number; fonts: string[] }> {
  const doc = await PDFDocument.load(bytes)
  const pages = doc.getPages()
  const contents = pages[0]!.node.Contents()
  const streams = contents instanceof PDFArray ? contents.asArray().map((r) => doc.context.lookup(r)) : [contents]
  const content = streams
    .map((s) => (s instanceof PDFRawStream ? Buffer.from(decodePDFRawStream(s).decode()).toString('latin1') : ''))
    .join('\n')
  let images = 0
  const fonts: string[] = []
  for (const [, obj] of doc.context.enumerateIndirectObjects()) {
    if (obj instanceof PDFRawStream && obj.dict.get(PDFName.of('Subtype')) === PDFName.of('Image')) images++
    if (obj instanceof PDFDict && obj.get(PDFName.of('Type')) === PDFName.of('Font') && obj.get(PDFName.of('BaseFont')))
      fonts.push(String(obj.get(PDFName.of('BaseFont'))))
  }
  return { sizes: pages.map((p) => p.getSize()), content, images, fonts }
}

/** The `x y w h re` rectangles of a content stream. */
function rectangles(content: string): Array<[number, number, number, number]> {
  return [...content.matchAll(/(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re\b/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])])
}

/** Each module `px`×`px` pixels, with the quiet zone, as RGBA for jsQR. */
function rasterize(modules: boolean[][], px = 4): { data: Uint8ClampedArray; side: number } {
  const n = modules.length + 2 * QR_QUIET_ZONE
  const side = n * px
  const data = new Uint8ClampedArray(side * side * 4).fill(255)
  modules.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (!dark) return
      for (let y = 0; y < px; y++)
        for (let x = 0; x < px; x++) {
          const i = (((r + QR_QUIET_ZONE) * px + y) * side + (c + QR_QUIET_ZONE) * px + x) * 4
          data[i] = data[i + 1] = data[i + 2] = 0
        }
    }),
  )
  return { data, side }
}

/** The module grid the PDF's rectangles draw (all of them the same size, on one grid). */
function gridOfRectangles(rects: Array<[number, number, number, number]>): boolean[][] {
  const m = rects[0]![2]
  for (const [, , w, h] of rects) {
    expect(w).toBeCloseTo(m, 6)
    expect(h).toBeCloseTo(m, 6)
  }
  const minX = Math.min(...rects.map((r) => r[0]))
  const maxY = Math.max(...rects.map((r) => r[1]))
  const cells = rects.map(([x, y]) => [Math.round((maxY - y) / m), Math.round((x - minX) / m)] as const)
  const size = Math.max(...cells.flat()) + 1
  const grid = Array.from({ length: size }, () => Array.from({ length: size }, () => false))
  for (const [r, c] of cells) grid[r]![c] = true
  return grid
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** A small RGB PNG (a blue and red square), built by hand. */
function tinyPng(w = 24, h = 12): Uint8Array {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(body.length)
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), body])
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(typed))
    return Buffer.concat([head, typed, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [20, 60, 200] : [200, 30, 30], y * (w * 3 + 1) + 1 + x * 3)
  return new Uint8Array(
    Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]),
  )
}

function model(over: Partial<SlipModel> = {}): SlipModel {
  return {
    townName: 'Carrières-sur-Seine',
    logo: null,
    portalUrl: 'https://portail-famille.carrieres.example.fr',
    codeFamille: '104217K',
    password: 'mK7wq3HtPa',
    familyName: 'Famille Lefèvre',
    issuedAt: '2026-12-01T13:05:00.000Z',
    expiresAt: '2026-12-31T13:05:00.000Z',
    agentInitials: 'C. M.',
    kind: 'first',
    ...over,
  }
}

const A4 = { width: 595.28, height: 841.89 }
const RECEIPT_WIDTH = 226.77

describe('renderSlipPdf', () => {
  // As the core sets it up: the shipped DejaVu fonts.
  beforeAll(() => setPdfFontsNextTo(MIGRATIONS))
  afterAll(() => setPdfFontsNextTo('/nonexistent/migrations'))

  it('French long dates in Paris time, the password grouped and spelled', () => {
    expect(frenchLongDateTime('2026-12-01T13:05:00.000Z')).toEqual({ date: '1er décembre 2026', time: '14:05' })
    expect(frenchLongDateTime('2026-07-14T22:30:00.000Z')).toEqual({ date: '15 juillet 2026', time: '00:30' })
    expect(groupedPassword('mK7wq3HtPa')).toBe('mK7wq 3HtPa')
    expect(groupedPassword('abcdefghijkl')).toBe('abcde fghij kl')
    expect(spelledPassword('mK7')).toBe('m minuscule, K majuscule, chiffre 7')
  })

  for (const layout of SLIP_LAYOUTS) {
    describe(layout, () => {
      it('holds the code famille, the password, the town, the address, the steps, the dates and the initials', async () => {
        expect(pdfFontsDir()).toMatch(/resources[/\\]fonts$/)
        const bytes = await renderSlipPdf(model(), layout)
        expect(Buffer.from(bytes.subarray(0, 5)).toString('latin1')).toBe('%PDF-')
        const { pages, text } = await textOf(bytes)
        expect(pages).toBe(1)
        for (const expected of [
          'Carrières-sur-Seine',
          'Vos identifiants pour le Portail Famille',
          'Famille Lefèvre',
          '104217K',
          'mK7wq3HtPa',
          'mK7wq 3HtPa',
          'm minuscule, K majuscule, chiffre 7, w minuscule',
          '1. Allez à l’adresse du portail ci-dessus, ou scannez le code QR avec votre téléphone.',
          '2. Saisissez votre code famille : 104217K.',
          '3. Saisissez le mot de passe provisoire imprimé ci-dessus.',
          '4. Choisissez votre propre mot de passe (10 caractères au moins).',
          'ce mot de passe provisoire expire le 31 décembre 2026 à 14:05',
          '« Mot de passe oublié »',
          'Délivré le 1er décembre 2026 à 14:05 par C. M.',
          'Document confidentiel : ne le laissez pas à la vue de tous.',
        ])
          expect(text, expected).toContain(expected)
        // The address may wrap on the receipt: whole once the line breaks are gone.
        expect(squash(text)).toContain('https://portail-famille.carrieres.example.fr')
        // The code and the password: large, in DejaVu Sans Mono Bold (0/O and 1/l/I distinct).
        const items = await textItems(bytes)
        for (const secret of ['104217K', 'mK7wq3HtPa']) {
          const item = items.find((i) => i.str === secret)
          expect(item, secret).toBeDefined()
          expect(item!.height, secret).toBeGreaterThanOrEqual(22)
        }
        expect((await inside(bytes)).fonts.some((f) => /DejaVuSansMono-Bold(-\d+)?$/.test(f))).toBe(true)
      })

      it('has the layout’s page size', async () => {
        const { sizes } = await inside(await renderSlipPdf(model(), layout))
        expect(sizes).toHaveLength(1)
        if (layout === 'a4') {
          expect(sizes[0]!.width).toBeCloseTo(A4.width, 2)
          expect(sizes[0]!.height).toBeCloseTo(A4.height, 2)
        } else {
          expect(sizes[0]!.width).toBeCloseTo(RECEIPT_WIDTH, 2)
          // As tall as its content: a receipt, not an A4 page.
          expect(sizes[0]!.height).toBeGreaterThan(400)
          expect(sizes[0]!.height).toBeLessThan(1200)
        }
      })

      it('draws the QR code of the portal address: one square per dark module, and it decodes', async () => {
        const url = 'https://portail-famille.carrieres.example.fr/connexion'
        const modules = qrModules(url)
        // Error correction M (a smudge or a fold on paper still reads).
        const reference = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules
        expect(modules.length).toBe(reference.size)
        expect(modules.flat().map(Number)).toEqual([...reference.data])
        // The matrix itself is a readable QR code of the address.
        const { data, side } = rasterize(modules)
        expect(jsQR(data, side, side)?.data).toBe(url)
        const { content } = await inside(await renderSlipPdf(model({ portalUrl: url }), layout))
        const rects = rectangles(content)
        const dark = modules.flat().filter(Boolean).length
        expect(rects).toHaveLength(dark)
        // The squares drawn are that matrix, module for module, and they decode.
        const drawn = gridOfRectangles(rects)
        expect(drawn).toEqual(modules)
        const again = rasterize(drawn, 3)
        expect(jsQR(again.data, again.side, again.side)?.data).toBe(url)
        // About 4 cm wide with the quiet zone, on the A4 page and on the receipt.
        const side40 = (rects[0]![2] * (modules.length + 2 * QR_QUIET_ZONE) * 25.4) / 72
        expect(side40).toBeGreaterThan(38)
        expect(side40).toBeLessThan(47)
        // Inside the page width, margins kept.
        const width = layout === 'a4' ? A4.width : RECEIPT_WIDTH
        for (const [x, , w] of rects) {
          expect(x).toBeGreaterThan(5)
          expect(x + w).toBeLessThan(width - 5)
        }
      })

      it('wraps a very long town name, family name and address, one valid page, every word printed', async () => {
        const townName = 'Communauté d’agglomération des Boucles de la Seine et des Coteaux de la Vallée — Mairie annexe de Carrières-sur-Seine'
        const familyName = 'Famille de La Tour d’Auvergne-Lauraguais Montmorency-Laval Saint-Exupéry Lefèvre-Nguyễn'
        const portalUrl = `https://portail-famille.agglomeration-boucles-seine-coteaux.example.fr/espace-famille/connexion?ville=carrieres-sur-seine&source=coupon-${'x'.repeat(80)}`
        const bytes = await renderSlipPdf(model({ townName, familyName, portalUrl }), layout)
        const { pages, text } = await textOf(bytes)
        expect(pages).toBe(1)
        expect(squash(text)).toContain(squash(townName))
        expect(squash(text)).toContain(squash(familyName))
        expect(squash(text)).toContain(portalUrl)
        expect(text).toContain('mK7wq3HtPa')
        const { content, sizes } = await inside(bytes)
        expect(rectangles(content)).toHaveLength(qrModules(portalUrl).flat().filter(Boolean).length)
        if (layout === 'a4') expect(sizes[0]!.height).toBeCloseTo(A4.height, 2)
        // Every line of text lies inside the page's margins: wrapped, long words cut, none runs off the edge.
        const width = layout === 'a4' ? A4.width : RECEIPT_WIDTH
        const items = await textItems(bytes)
        expect(items.length).toBeGreaterThan(20)
        for (const item of items) {
          expect(item.x, item.str).toBeGreaterThan(5)
          expect(item.x + item.width, item.str).toBeLessThan(width - 5)
        }
      })

      it('prints « Nguyễn » as written (DejaVu Sans), and a reset says so', async () => {
        const { text } = await textOf(await renderSlipPdf(model({ familyName: 'Famille Nguyễn Thị', kind: 'reset' }), layout))
        expect(text).toContain('Famille Nguyễn Thị')
        expect(text).toContain('Votre nouveau mot de passe pour le Portail Famille')
        expect(text).not.toContain('Vos identifiants')
      })

      it('embeds the town’s logo (PNG), and comes out without a logo it cannot read', async () => {
        const withLogo = await renderSlipPdf(model({ logo: { bytes: tinyPng(), type: 'png' } }), layout)
        expect((await inside(withLogo)).images).toBe(1)
        expect((await inside(await renderSlipPdf(model(), layout))).images).toBe(0)
        const broken = await renderSlipPdf(model({ logo: { bytes: new Uint8Array([1, 2, 3, 4]), type: 'jpeg' } }), layout)
        expect((await inside(broken)).images).toBe(0)
        expect((await textOf(broken)).text).toContain('mK7wq3HtPa')
      })
    })
  }

  it('A4: content taller than the page is shrunk onto one A4 page, all of it printed', async () => {
    const townName = Array.from({ length: 120 }, (_, i) => `Commune-déléguée-${i}`).join(' ')
    const bytes = await renderSlipPdf(model({ townName }), 'a4')
    const { sizes, content } = await inside(bytes)
    expect(sizes).toHaveLength(1)
    expect(sizes[0]!.height).toBeCloseTo(A4.height, 2)
    const shrink = /^q\s+(0\.\d+) 0 0 (0\.\d+) [\d.]+ 0 cm/.exec(content.trimStart())
    expect(shrink, 'a shrinking transformation first').not.toBeNull()
    const { pages, text } = await textOf(bytes)
    expect(pages).toBe(1)
    expect(squash(text)).toContain(squash(townName))
    expect(text).toContain('Document confidentiel')
    // A usual slip is not shrunk.
    expect((await inside(await renderSlipPdf(model(), 'a4'))).content).not.toMatch(/^q\s+0\.\d+ 0 0 0\.\d+/)
  })

  it('without the shipped fonts: Helvetica and Courier, the credentials still printed', async () => {
    setPdfFontsNextTo('/nonexistent/migrations')
    try {
      for (const layout of SLIP_LAYOUTS) {
        const { text } = await textOf(await renderSlipPdf(model({ familyName: 'Famille Nguyễn' }), layout))
        expect(text).toContain('104217K')
        expect(text).toContain('mK7wq3HtPa')
        expect(text).toContain('Famille Nguyen')
      }
    } finally {
      setPdfFontsNextTo(MIGRATIONS)
    }
  })

  it('sizes: a slip weighs tens of kilobytes (fonts subset)', async () => {
    for (const layout of SLIP_LAYOUTS) {
      const bytes = await renderSlipPdf(model(), layout)
      console.info(`slip ${layout}: ${bytes.length} bytes`)
      expect(bytes.length).toBeLessThan(150_000)
    }
  })
})
