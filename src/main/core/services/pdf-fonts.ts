import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { StandardFonts, type PDFDocument, type PDFFont } from 'pdf-lib'

/**
 * Where the Unicode fonts the printouts embed are (resources/fonts: DejaVu Sans and DejaVu Sans
 * Mono Bold, see its LICENSE file; shipped next to the migrations, resources/ in development and
 * the app's resources folder once packaged). Set by the core at start; null: Helvetica, with the
 * names it cannot print transliterated.
 */
let fontsDir: string | null = null

export function setPdfFontsNextTo(migrationsFolder: string): void {
  const dir = join(dirname(migrationsFolder), 'fonts')
  fontsDir = existsSync(join(dir, 'DejaVuSans.ttf')) ? dir : null
}

export function pdfFontsDir(): string | null {
  return fontsDir
}

/** A shipped font file, subset into `doc`; null when the fonts are not set up or unreadable. */
async function embedShipped(doc: PDFDocument, file: string): Promise<PDFFont | null> {
  const dir = pdfFontsDir()
  if (!dir) return null
  try {
    const [{ default: fontkit }, bytes] = await Promise.all([import('@pdf-lib/fontkit'), readFile(join(dir, file))])
    doc.registerFontkit(fontkit)
    return await doc.embedFont(bytes, { subset: true })
  } catch {
    // Font missing or unreadable: the standard font instead (the printout still comes out).
    return null
  }
}

/**
 * DejaVu Sans and DejaVu Sans Bold, subset into the document, so that every name prints as
 * written; without the shipped fonts, Helvetica, and what it cannot print must be transliterated
 * (winAnsiText in recap-pdf.ts, with the regular font's character set).
 */
export async function embedPdfFonts(doc: PDFDocument): Promise<{ regular: PDFFont; bold: PDFFont }> {
  const [regular, bold] = await Promise.all([embedShipped(doc, 'DejaVuSans.ttf'), embedShipped(doc, 'DejaVuSans-Bold.ttf')])
  if (regular && bold) return { regular, bold }
  return { regular: await doc.embedFont(StandardFonts.Helvetica), bold: await doc.embedFont(StandardFonts.HelveticaBold) }
}

/** DejaVu Sans Mono Bold (codes and passwords: 0/O, 1/l/I distinct); Courier Bold without it. */
export async function embedPdfMonoBold(doc: PDFDocument): Promise<PDFFont> {
  return (await embedShipped(doc, 'DejaVuSansMono-Bold.ttf')) ?? (await doc.embedFont(StandardFonts.CourierBold))
}
