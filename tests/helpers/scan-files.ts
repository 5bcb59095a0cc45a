import { PDFDocument } from 'pdf-lib'

/** A real one-page PDF (pdf-lib), with `text` in its metadata so that two scans differ. */
export async function pdfBytes(text = 'scan'): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  doc.addPage([200, 200])
  doc.setTitle(text)
  return doc.save()
}

/** The smallest valid PNG (1×1 pixel). */
export const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

/** JPEG magic and a JFIF header: what file-type reads to say "image/jpeg". */
export const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0xff, 0xd9])

/** A text file (what a renamed "facture.pdf" really is). */
export const TEXT_FILE = Buffer.from('Facture EDF\nMontant : 42,00 €\n', 'utf8')
