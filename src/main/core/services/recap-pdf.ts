import { embedPdfFonts } from './pdf-fonts'
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib'
import type { RecapItem, RecapModel } from '@shared/domain/recap'
import { frenchDay } from '@shared/domain/reservations'

/**
 * The "récapitulatif du dossier tous services" handed to the family (issue 8, item 9), with
 * pdf-lib: A4, the family, then the pieces received, refused (with the reason) and missing,
 * French dates, page breaks, and on every page a footer with the print date, the agent's
 * initials and the page number. Runs in the core host (never in the Electron main process nor
 * in the web shell's request thread).
 *
 * Fonts: the 14 standard PDF fonts (Helvetica), which encode WinAnsi (Latin-1 and a few more:
 * œ, Š, Ž, €…) and need no font file. A character outside WinAnsi is TRANSLITERATED, never a
 * crash: its accents are dropped when the bare letter exists ("Nguyễn" → "Nguyen"), a few
 * letters have a conventional Latin spelling ("Łukasz" → "Lukasz", "Đ" → "D", "ı" → "i"), and
 * anything else (another script) becomes "?". Embedding a Unicode TTF instead needs
 * @pdf-lib/fontkit, which is not installed.
 */

const A4: [number, number] = [595.28, 841.89]
const MARGIN = 50
const FOOTER_Y = 30
const BOTTOM = 60
const INK = rgb(0.1, 0.1, 0.12)
const MUTED = rgb(0.35, 0.35, 0.4)
const RED = rgb(0.6, 0.08, 0.08)

/** Letters that do not decompose into a WinAnsi base letter + accent. */
const SPECIAL: Readonly<Record<string, string>> = {
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  Ħ: 'H',
  ħ: 'h',
  ı: 'i',
  Ŧ: 'T',
  ŧ: 't',
  ŀ: 'l',
  Ŀ: 'L',
  ĸ: 'k',
  Ŋ: 'N',
  ŋ: 'n',
  ſ: 's',
  Ə: 'E',
  ə: 'e',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2212': '-',
  '\u00a0': ' ',
  '\u202f': ' ',
  '\u2009': ' ',
  '\u2007': ' ',
}

/** Text the standard font can encode: each character kept, stripped of its accents, mapped, or "?". */
export function winAnsiText(text: string, charset: ReadonlySet<number>): string {
  let out = ''
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) ?? 0
    if (charset.has(cp)) {
      out += ch
      continue
    }
    if (cp === 0x0a || cp === 0x09 || cp === 0x0d) {
      out += ' '
      continue
    }
    const special = SPECIAL[ch]
    if (special !== undefined) {
      out += special
      continue
    }
    const bare = ch.normalize('NFD').replace(/\p{M}+/gu, '')
    if (bare !== '' && bare !== ch && [...bare].every((c) => charset.has(c.codePointAt(0) ?? 0))) {
      out += bare
      continue
    }
    // Invisible marks and format characters vanish; anything else is shown as unknown.
    if (/^[\p{M}\p{Cf}\p{Cc}]$/u.test(ch)) continue
    out += '?'
  }
  return out
}

/**
 * Splits text (already encodable by `font`) into lines that fit `width` at `size`: at spaces,
 * and a single word wider than the line (a long reference, an address) is cut.
 */
export function wrapText(text: string, font: PDFFont, size: number, width: number): string[] {
  const words = text.split(/ +/)
  const lines: string[] = []
  let line = ''
  for (const word of words) {
    const candidate = line === '' ? word : `${line} ${word}`
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate
      continue
    }
    if (line !== '') lines.push(line)
    // A single word wider than the line (a long reference): cut it.
    let rest = word
    while (font.widthOfTextAtSize(rest, size) > width && rest.length > 1) {
      let cut = rest.length - 1
      while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--
      lines.push(rest.slice(0, cut))
      rest = rest.slice(cut)
    }
    line = rest
  }
  if (line !== '') lines.push(line)
  return lines.length > 0 ? lines : ['']
}

/** dd/mm/yyyy and HH:MM of an instant, in Europe/Paris. */
function parisDateTime(iso: string): { day: string; time: string } {
  const date = new Date(iso)
  if (!Number.isFinite(date.getTime())) return { day: iso, time: '' }
  const parts = new Intl.DateTimeFormat('fr-FR', {
    timeZone: 'Europe/Paris',
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).formatToParts(date)
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? ''
  return { day: `${get('day')}/${get('month')}/${get('year')}`, time: `${get('hour')}:${get('minute')}` }
}

const isDay = (s: string | null | undefined): s is string => typeof s === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(s)
const day = (s: string | null | undefined): string | null => (isDay(s) ? frenchDay(s) : null)

const STATUS_TEXT: Record<RecapModel['dossierStatus'], string> = {
  incomplet: 'incomplet',
  complet: 'complet (en attente de validation)',
  valide: 'validé',
}

interface Fonts {
  regular: PDFFont
  bold: PDFFont
  charset: ReadonlySet<number>
}

/** Writes lines top-down, breaking pages; every page gets its footer at the end. */
class Writer {
  page!: PDFPage
  y = 0
  readonly pages: PDFPage[] = []
  /** Repeated at the top of a new page while a section runs ("Pièces manquantes (suite)"). */
  section: string | null = null

  constructor(
    readonly doc: PDFDocument,
    readonly fonts: Fonts,
  ) {
    this.newPage()
  }

  get width(): number {
    return A4[0] - 2 * MARGIN
  }

  text(s: string): string {
    return winAnsiText(s, this.fonts.charset)
  }

  newPage(): void {
    this.page = this.doc.addPage(A4)
    this.pages.push(this.page)
    this.y = A4[1] - MARGIN
    if (this.section && this.pages.length > 1) this.heading(`${this.section} (suite)`, false)
  }

  /** Makes room for `height` points, starting a new page if needed. */
  room(height: number): void {
    if (this.y - height < BOTTOM) this.newPage()
  }

  /** Splits text into lines that fit `width` at `size`. */
  wrap(s: string, font: PDFFont, size: number, width: number): string[] {
    return wrapText(this.text(s), font, size, width)
  }

  /** A paragraph; `keep` lines stay together on one page. */
  paragraph(s: string, opts: { size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; indent?: number; gap?: number } = {}): void {
    const size = opts.size ?? 10
    const font = opts.bold ? this.fonts.bold : this.fonts.regular
    const indent = opts.indent ?? 0
    const lead = size * 1.3
    for (const line of this.wrap(s, font, size, this.width - indent)) {
      this.room(lead)
      this.y -= lead
      this.page.drawText(line, { x: MARGIN + indent, y: this.y, size, font, color: opts.color ?? INK })
    }
    this.y -= opts.gap ?? 0
  }

  heading(s: string, rule = true): void {
    this.room(40)
    this.y -= 10
    this.paragraph(s, { size: 12.5, bold: true, gap: 3 })
    if (rule) this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: A4[0] - MARGIN, y: this.y }, thickness: 0.6, color: MUTED })
    this.y -= 4
  }

  /** One piece: its title line, then its details, kept on one page. */
  item(title: string, details: Array<{ text: string; color?: ReturnType<typeof rgb> }>): void {
    const lines =
      this.wrap(title, this.fonts.bold, 10, this.width - 12).length +
      details.reduce((n, d) => n + this.wrap(d.text, this.fonts.regular, 9.5, this.width - 24).length, 0)
    this.room(lines * 13 + 6)
    this.y -= 4
    this.paragraph(`•  ${title}`, { bold: true, indent: 4 })
    for (const d of details) this.paragraph(d.text, { size: 9.5, indent: 18, ...(d.color ? { color: d.color } : {}) })
  }

  footer(left: string): void {
    const total = this.pages.length
    this.pages.forEach((page, i) => {
      const right = `Page ${i + 1} / ${total}`
      const size = 8.5
      const font = this.fonts.regular
      page.drawLine({ start: { x: MARGIN, y: FOOTER_Y + 12 }, end: { x: A4[0] - MARGIN, y: FOOTER_Y + 12 }, thickness: 0.4, color: MUTED })
      page.drawText(this.text(left), { x: MARGIN, y: FOOTER_Y, size, font, color: MUTED })
      page.drawText(right, { x: A4[0] - MARGIN - font.widthOfTextAtSize(right, size), y: FOOTER_Y, size, font, color: MUTED })
    })
  }
}

function itemTitle(item: RecapItem): string {
  return item.whose.trim() === '' ? item.label : `${item.label} — ${item.whose}`
}

function receivedDetails(item: RecapItem): Array<{ text: string; color?: ReturnType<typeof rgb> }> {
  const parts: string[] = []
  const dated = day(item.documentDate)
  if (dated) parts.push(`datée du ${dated}`)
  const until = day(item.validUntil)
  parts.push(until ? `valable jusqu'au ${until} inclus` : 'valable')
  if (item.storage === 'scan') parts.push('copie numérisée conservée')
  else if (item.storage === 'vu') parts.push('vue au guichet, sans copie')
  const details: Array<{ text: string; color?: ReturnType<typeof rgb> }> = [{ text: capitalise(parts.join(' · ')) }]
  if (item.state === 'expiring') details.push({ text: 'Expire bientôt : pensez à en apporter une nouvelle.', color: RED })
  return details
}

const capitalise = (s: string) => s.charAt(0).toLocaleUpperCase('fr') + s.slice(1)

/** The recap as PDF bytes. */
export async function renderRecapPdf(model: RecapModel): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const { regular, bold } = await embedPdfFonts(doc)
  const fonts: Fonts = { regular, bold, charset: new Set(regular.getCharacterSet()) }
  const title = `Récapitulatif du dossier tous services ${model.schoolYear}`
  const printed = parisDateTime(model.printedAt)
  const printedAt = new Date(model.printedAt)

  doc.setTitle(winAnsiText(`${title} — ${model.familyName}`, fonts.charset))
  doc.setAuthor(winAnsiText(model.townName, fonts.charset))
  doc.setSubject(`Dossier ${model.codeFamille}`)
  doc.setCreator('Guichet Famille')
  doc.setProducer('Guichet Famille (pdf-lib)')
  doc.setLanguage('fr-FR')
  if (Number.isFinite(printedAt.getTime())) {
    doc.setCreationDate(printedAt)
    doc.setModificationDate(printedAt)
  }

  const w = new Writer(doc, fonts)
  w.paragraph(model.townName, { size: 9.5, color: MUTED })
  w.paragraph(title, { size: 15, bold: true, gap: 10 })

  w.paragraph(model.familyName, { size: 13, bold: true })
  w.paragraph(`Code famille : ${model.codeFamille}`, { size: 10 })
  for (const line of model.addressLines) if (line.trim() !== '') w.paragraph(line, { size: 10 })
  const validated =
    model.dossierStatus === 'valide'
      ? [model.validatedAt ? `le ${parisDateTime(model.validatedAt).day}` : null, model.validatedBy ? `par ${model.validatedBy}` : null].filter(Boolean).join(' ')
      : ''
  w.y -= 6
  w.paragraph(`Dossier ${model.schoolYear} : ${STATUS_TEXT[model.dossierStatus]}${validated ? ` ${validated}` : ''}`, { size: 10.5, bold: true, gap: 4 })

  const received = model.items.filter((i) => i.state === 'valid' || i.state === 'expiring')
  const refused = model.items.filter((i) => i.state === 'refused')
  const missing = model.items.filter((i) => i.state === 'missing')
  const mandatoryMissing = missing.filter((i) => i.mandatory !== false).length
  w.paragraph(
    `${received.length} pièce${received.length > 1 ? 's' : ''} reçue${received.length > 1 ? 's' : ''}, ${refused.length} refusée${refused.length > 1 ? 's' : ''}, ${missing.length} manquante${missing.length > 1 ? 's' : ''}${mandatoryMissing > 0 ? ` (dont ${mandatoryMissing} obligatoire${mandatoryMissing > 1 ? 's' : ''})` : ''}.`,
    { size: 10 },
  )

  const section = (name: string, items: RecapItem[], details: (i: RecapItem) => Array<{ text: string; color?: ReturnType<typeof rgb> }>) => {
    w.section = null
    w.heading(`${name} (${items.length})`)
    w.section = name
    if (items.length === 0) w.paragraph('Aucune.', { size: 10, color: MUTED, indent: 4 })
    for (const item of items) w.item(itemTitle(item), details(item))
    w.section = null
  }

  section('Pièces reçues', received, receivedDetails)
  section('Pièces refusées', refused, (i) => {
    const dated = day(i.documentDate)
    const d: Array<{ text: string; color?: ReturnType<typeof rgb> }> = []
    d.push({ text: `Motif : ${i.reason?.trim() ? i.reason : 'non précisé'}`, color: RED })
    if (dated && !(i.reason ?? '').includes(dated)) d.push({ text: `Document daté du ${dated}.` })
    return d
  })
  section('Pièces manquantes', missing, (i) => {
    const d: Array<{ text: string; color?: ReturnType<typeof rgb> }> = []
    if (i.mandatory === false) d.push({ text: 'Facultative selon votre situation.' })
    if (i.reason) d.push({ text: capitalise(i.reason) })
    return d
  })

  w.y -= 8
  w.paragraph(
    'Les pièces manquantes ou refusées sont à apporter au guichet ou à déposer sur le portail famille. Ce récapitulatif ne vaut pas inscription.',
    { size: 9, color: MUTED },
  )

  w.footer(`${model.townName} · imprimé le ${printed.day}${printed.time ? ` à ${printed.time}` : ''} par ${model.agentInitials}`)
  return doc.save()
}
