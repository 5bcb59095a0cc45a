import QRCode from 'qrcode'
import {
  PDFDocument,
  concatTransformationMatrix,
  fill,
  popGraphicsState,
  pushGraphicsState,
  rectangle,
  rgb,
  setFillingRgbColor,
  type PDFFont,
  type PDFImage,
  type PDFOperator,
  type PDFPage,
  type RGB,
} from 'pdf-lib'
import { TIME_ZONE } from '@shared/domain/dates'
import { embedPdfFonts, embedPdfMonoBold } from './pdf-fonts'
import { winAnsiText, wrapText } from './recap-pdf'

/**
 * The credentials slip handed to the family (issue 9, item 4): the town, the portal's address
 * and a QR code to it, the code famille and the first (or new) password in a large monospace
 * bold font, the first-login steps in French, the issue date and the agent's initials.
 *
 * Two layouts: A4 portrait (one page) and 80 mm for a receipt printer (its height follows the
 * content). Built in memory in the core host: the bytes go back to the caller, never to a file
 * nor a log (the password is in them). Fonts: DejaVu Sans and DejaVu Sans Mono Bold subset into
 * the document (pdf-fonts.ts), Helvetica and Courier Bold when they are missing.
 *
 * The QR code (qrcode, error correction M) is drawn as vector squares, one per dark module, in
 * one filled path, with the 4-module quiet zone left blank around it.
 */

export const SLIP_LAYOUTS = ['a4', '80mm'] as const
export type SlipLayout = (typeof SLIP_LAYOUTS)[number]

export interface SlipModel {
  townName: string
  logo: { bytes: Uint8Array; type: 'png' | 'jpeg' } | null
  portalUrl: string
  codeFamille: string
  password: string
  familyName: string
  /** ISO instants, printed in Europe/Paris. */
  issuedAt: string
  expiresAt: string
  agentInitials: string
  kind: 'first' | 'reset'
}

/** The blank border a reader needs around the symbol, in modules (ISO/IEC 18004). */
export const QR_QUIET_ZONE = 4

/** The QR code's modules for `text` (error correction M), by row: true = dark. */
export function qrModules(text: string): boolean[][] {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' })
  return Array.from({ length: modules.size }, (_, row) => Array.from({ length: modules.size }, (_, col) => modules.get(row, col) === 1))
}

const MONTHS_LONG = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false })

/** « 1er décembre 2026 » and « 14:05 », in Europe/Paris. */
export function frenchLongDateTime(iso: string): { date: string; time: string } {
  const at = new Date(iso)
  if (!Number.isFinite(at.getTime())) return { date: iso, time: '' }
  const parts = MONTHS_LONG.formatToParts(at)
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? ''
  const day = get('day')
  return { date: `${day === '1' ? '1er' : day} ${get('month')} ${get('year')}`, time: `${get('hour')}:${get('minute')}` }
}

/** « abcde fghij »: the password by groups of five. */
export function groupedPassword(password: string): string {
  return (password.match(/.{1,5}/gu) ?? []).join(' ')
}

/** « m minuscule, K majuscule, chiffre 7 »: every character named, so none is misread. */
export function spelledPassword(password: string): string {
  return [...password]
    .map((c) => {
      if (/^\d$/.test(c)) return `chiffre ${c}`
      if (c.toLocaleLowerCase('fr') !== c.toLocaleUpperCase('fr')) return c === c.toLocaleLowerCase('fr') ? `${c} minuscule` : `${c} majuscule`
      return `« ${c} »`
    })
    .join(', ')
}

const INK = rgb(0.08, 0.08, 0.1)
const MUTED = rgb(0.33, 0.33, 0.38)
const MM = 72 / 25.4

interface Geometry {
  page: [number, number | null]
  margin: number
  sizes: { town: number; title: number; family: number; label: number; mono: number; grouped: number; body: number; small: number }
  /** The smallest size the address shrinks to before it is broken over lines. */
  addressMin: number
  logoBox: [number, number]
  qr: number
  /** The QR beside the address (A4) or under it (receipt). */
  qrBeside: boolean
}

const GEOMETRY: Record<SlipLayout, Geometry> = {
  a4: {
    page: [595.28, 841.89],
    margin: 50,
    sizes: { town: 14, title: 19, family: 14, label: 10.5, mono: 34, grouped: 16, body: 11.5, small: 9.5 },
    addressMin: 9,
    logoBox: [120, 60],
    qr: 45 * MM,
    qrBeside: true,
  },
  '80mm': {
    page: [80 * MM, null],
    margin: 4 * MM,
    sizes: { town: 10.5, title: 11.5, family: 10.5, label: 8, mono: 24, grouped: 12, body: 8.5, small: 7.5 },
    addressMin: 7,
    logoBox: [72 * MM - 8, 22 * MM],
    qr: 42 * MM,
    qrBeside: false,
  },
}

interface Fonts {
  regular: PDFFont
  bold: PDFFont
  mono: PDFFont
  charset: ReadonlySet<number>
  monoCharset: ReadonlySet<number>
}

type Op = (page: PDFPage, top: (y: number) => number) => void

interface TextOptions {
  font?: PDFFont
  size: number
  color?: RGB
  align?: 'left' | 'center'
  /** From the left margin. */
  indent?: number
  width?: number
  lead?: number
  gap?: number
  /** An address: broken anywhere, after « / », « . », « - »… when it can. */
  address?: boolean
}

const ADDRESS_BREAKS = '/?&=.-_#'

/** An address (no spaces) in lines that fit `width`: cut after a separator when one is near. */
export function wrapAddress(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = []
  let rest = text
  while (rest.length > 1 && font.widthOfTextAtSize(rest, size) > width) {
    let cut = rest.length - 1
    while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--
    let at = cut
    for (let i = cut; i > cut * 0.6; i--) {
      if (ADDRESS_BREAKS.includes(rest.charAt(i - 1))) {
        at = i
        break
      }
    }
    lines.push(rest.slice(0, at))
    rest = rest.slice(at)
  }
  if (rest !== '') lines.push(rest)
  return lines.length > 0 ? lines : ['']
}

/**
 * Lays the slip out top-down in "distance from the top", recording the drawing; the page is
 * made once the height is known (the receipt's follows its content).
 */
class Sheet {
  y: number
  /** Horizontal padding of what is laid out (inside a frame). */
  inset = 0
  readonly ops: Op[] = []

  constructor(
    readonly g: Geometry,
    readonly fonts: Fonts,
  ) {
    this.y = g.margin
  }

  get width(): number {
    return this.g.page[0]
  }

  get inner(): number {
    return this.width - 2 * this.g.margin
  }

  encode(s: string, font: PDFFont): string {
    return winAnsiText(s, font === this.fonts.mono ? this.fonts.monoCharset : this.fonts.charset)
  }

  /** Wrapped lines of `s`; returns their height. */
  text(s: string, o: TextOptions): number {
    const font = o.font ?? this.fonts.regular
    const indent = this.inset + (o.indent ?? 0)
    const width = o.width ?? this.inner - this.inset - indent
    const lead = o.lead ?? o.size * 1.3
    const color = o.color ?? INK
    const start = this.y
    const encoded = this.encode(s, font)
    for (const line of o.address ? wrapAddress(encoded, font, o.size, width) : wrapText(encoded, font, o.size, width)) {
      this.y += lead
      const baseline = this.y - (lead - o.size) / 2 - o.size * 0.2
      const x = this.g.margin + indent + (o.align === 'center' ? Math.max(0, (width - font.widthOfTextAtSize(line, o.size)) / 2) : 0)
      this.ops.push((page, top) => page.drawText(line, { x, y: top(baseline), size: o.size, font, color }))
    }
    this.y += o.gap ?? 0
    return this.y - start
  }

  /** A code or a password: monospace bold, as large as fits (never wrapped if it can shrink). */
  mono(s: string, maxSize: number, align: 'left' | 'center', indent = 0): void {
    const font = this.fonts.mono
    const encoded = this.encode(s, font)
    const width = this.inner - 2 * this.inset - indent
    const size = Math.max(9, Math.min(maxSize, (width * 0.98) / Math.max(1, font.widthOfTextAtSize(encoded, 1))))
    this.text(s, { font, size, align, indent, lead: size * 1.25 })
  }

  /** The portal's address in monospace: smaller (down to the layout's minimum) rather than broken, if it can. */
  address(url: string, maxSize: number, o: Omit<TextOptions, 'size' | 'font' | 'address'> = {}): void {
    const font = this.fonts.mono
    const width = o.width ?? this.inner - 2 * this.inset - (o.indent ?? 0)
    const size = Math.max(this.g.addressMin, Math.min(maxSize, width / Math.max(1, font.widthOfTextAtSize(this.encode(url, font), 1))))
    this.text(url, { ...o, font, size, address: true })
  }

  /** A numbered step, its text hanging after the number. */
  step(n: number, s: string, size: number): void {
    const num = `${n}.`
    const hang = this.fonts.bold.widthOfTextAtSize('8. ', size) + 2
    const y = this.y
    const lead = size * 1.35
    this.ops.push((page, top) => page.drawText(num, { x: this.g.margin, y: top(y + lead - (lead - size) / 2 - size * 0.2), size, font: this.fonts.bold, color: INK }))
    this.text(s, { size, indent: hang, lead, gap: size * 0.3 })
  }

  rule(color: RGB = MUTED, thickness = 0.6): void {
    const y = this.y
    const x1 = this.g.margin
    const x2 = this.width - this.g.margin
    this.ops.push((page, top) => page.drawLine({ start: { x: x1, y: top(y) }, end: { x: x2, y: top(y) }, thickness, color }))
  }

  /** A box around what was laid out between `from` and now. */
  frame(from: number): void {
    const to = this.y
    const x = this.g.margin
    const w = this.inner
    this.ops.push((page, top) => page.drawRectangle({ x, y: top(to), width: w, height: to - from, borderColor: INK, borderWidth: 1.2 }))
  }

  image(img: PDFImage, x: number, yTop: number, w: number, h: number): void {
    this.ops.push((page, top) => page.drawImage(img, { x, y: top(yTop + h), width: w, height: h }))
  }

  /** The QR symbol, `size` points square with its quiet zone, its top-left corner at (x, yTop). */
  qr(modules: boolean[][], x: number, yTop: number, size: number): void {
    const n = modules.length + 2 * QR_QUIET_ZONE
    const m = size / n
    this.ops.push((page, top) => {
      const ops: PDFOperator[] = [pushGraphicsState(), setFillingRgbColor(0, 0, 0)]
      modules.forEach((row, r) =>
        row.forEach((dark, c) => {
          if (dark) ops.push(rectangle(x + (c + QR_QUIET_ZONE) * m, top(yTop + (r + QR_QUIET_ZONE + 1) * m), m, m))
        }),
      )
      ops.push(fill(), popGraphicsState())
      page.pushOperators(...ops)
    })
  }
}

async function embedLogo(doc: PDFDocument, logo: SlipModel['logo']): Promise<PDFImage | null> {
  if (!logo || logo.bytes.length === 0) return null
  try {
    return logo.type === 'png' ? await doc.embedPng(logo.bytes) : await doc.embedJpg(logo.bytes)
  } catch {
    // A logo pdf-lib cannot read: the slip comes out without it.
    return null
  }
}

/** Scales (w, h) to fit the box, never enlarging past twice the natural size. */
function fit(w: number, h: number, [bw, bh]: [number, number]): [number, number] {
  const s = Math.min(bw / w, bh / h, 2)
  return [w * s, h * s]
}

/** The credentials slip as PDF bytes (never written anywhere by this function). */
export async function renderSlipPdf(model: SlipModel, layout: SlipLayout): Promise<Uint8Array> {
  const g = GEOMETRY[layout]
  const s = g.sizes
  const doc = await PDFDocument.create()
  const [{ regular, bold }, mono, logo] = await Promise.all([embedPdfFonts(doc), embedPdfMonoBold(doc), embedLogo(doc, model.logo)])
  const fonts: Fonts = { regular, bold, mono, charset: new Set(regular.getCharacterSet()), monoCharset: new Set(mono.getCharacterSet()) }
  const sheet = new Sheet(g, fonts)
  const issued = frenchLongDateTime(model.issuedAt)
  const expires = frenchLongDateTime(model.expiresAt)
  const title = model.kind === 'reset' ? 'Votre nouveau mot de passe pour le Portail Famille' : 'Vos identifiants pour le Portail Famille'
  const at = (t: { date: string; time: string }) => (t.time ? `${t.date} à ${t.time}` : t.date)

  doc.setTitle(winAnsiText(`${title} — ${model.familyName}`, fonts.charset))
  doc.setAuthor(winAnsiText(model.townName, fonts.charset))
  doc.setCreator('Guichet Famille')
  doc.setProducer('Guichet Famille (pdf-lib)')
  doc.setLanguage('fr-FR')
  const issuedDate = new Date(model.issuedAt)
  if (Number.isFinite(issuedDate.getTime())) {
    doc.setCreationDate(issuedDate)
    doc.setModificationDate(issuedDate)
  }

  // Header: the logo, then (A4: beside it) the town's name.
  if (layout === 'a4') {
    const top = sheet.y
    let indent = 0
    let logoH = 0
    if (logo) {
      const [w, h] = fit(logo.width, logo.height, g.logoBox)
      sheet.image(logo, g.margin, top, w, h)
      indent = w + 14
      logoH = h
    }
    const textH = sheet.text(model.townName, { font: bold, size: s.town, indent })
    sheet.y = top + Math.max(logoH, textH)
  } else {
    if (logo) {
      const [w, h] = fit(logo.width, logo.height, g.logoBox)
      sheet.image(logo, g.margin + (sheet.inner - w) / 2, sheet.y, w, h)
      sheet.y += h + 2
    }
    sheet.text(model.townName, { font: bold, size: s.town, align: 'center' })
  }
  sheet.y += layout === 'a4' ? 8 : 4
  sheet.rule()
  sheet.y += layout === 'a4' ? 10 : 4

  const align = layout === 'a4' ? 'left' : 'center'
  sheet.text(title, { font: bold, size: s.title, align, gap: 4 })
  sheet.text(model.familyName, { font: bold, size: s.family, align, gap: layout === 'a4' ? 12 : 6 })

  // The credentials, framed.
  const pad = layout === 'a4' ? 10 : 3
  const boxTop = sheet.y
  sheet.inset = pad
  sheet.y += pad - 2
  sheet.text('Code famille', { size: s.label, color: MUTED, align })
  sheet.mono(model.codeFamille, s.mono, align)
  sheet.y += layout === 'a4' ? 6 : 3
  sheet.text(model.kind === 'reset' ? 'Nouveau mot de passe provisoire' : 'Mot de passe provisoire', { size: s.label, color: MUTED, align })
  sheet.mono(model.password, s.mono, align)
  sheet.text(`Par groupes : ${groupedPassword(model.password)}`, { font: mono, size: s.grouped, align })
  sheet.text(`(${spelledPassword(model.password)})`, { size: s.small, color: MUTED, align, gap: pad })
  sheet.inset = 0
  sheet.frame(boxTop)
  sheet.y += layout === 'a4' ? 16 : 8

  // The portal's address, and its QR code.
  const modules = qrModules(model.portalUrl)
  if (g.qrBeside) {
    const top = sheet.y
    const width = sheet.inner - g.qr - 12
    sheet.text('Adresse du Portail Famille', { font: bold, size: s.body + 1, width })
    sheet.address(model.portalUrl, s.body + 1, { width, gap: 6 })
    sheet.text('Ou scannez ce code QR avec votre téléphone.', { size: s.body, color: MUTED, width })
    sheet.qr(modules, g.margin + sheet.inner - g.qr, top, g.qr)
    sheet.y = Math.max(sheet.y, top + g.qr)
  } else {
    sheet.text('Adresse du Portail Famille', { font: bold, size: s.body + 0.5, align: 'center' })
    sheet.address(model.portalUrl, s.body, { align: 'center', gap: 2 })
    sheet.qr(modules, g.margin + (sheet.inner - g.qr) / 2, sheet.y, g.qr)
    sheet.y += g.qr
  }
  sheet.y += layout === 'a4' ? 8 : 2

  // The first login.
  sheet.text('Première connexion', { font: bold, size: s.body + 1.5, gap: 2 })
  sheet.step(1, 'Allez à l’adresse du portail ci-dessus, ou scannez le code QR avec votre téléphone.', s.body)
  sheet.step(2, `Saisissez votre code famille : ${model.codeFamille}.`, s.body)
  sheet.step(3, 'Saisissez le mot de passe provisoire imprimé ci-dessus.', s.body)
  sheet.step(4, 'Choisissez votre propre mot de passe (10 caractères au moins).', s.body)
  sheet.y += 2
  sheet.text(`Sans connexion, ce mot de passe provisoire expire le ${at(expires)}.`, { font: bold, size: s.body, gap: 2 })
  sheet.text('Perdu ou expiré ? Revenez au guichet ou utilisez « Mot de passe oublié » sur le portail.', { size: s.body, gap: layout === 'a4' ? 12 : 6 })

  sheet.rule()
  sheet.y += 2
  sheet.text(`Délivré le ${at(issued)} par ${model.agentInitials}${model.agentInitials.endsWith('.') ? '' : '.'}`, { size: s.small, color: MUTED })
  sheet.text('Document confidentiel : ne le laissez pas à la vue de tous.', { font: bold, size: s.small })
  const contentHeight = sheet.y + g.margin

  // The page: the receipt is as tall as its content; A4 is one page, shrunk should the content
  // (very long names or address) not fit.
  const [width, fixedHeight] = g.page
  const height = fixedHeight ?? contentHeight
  const page = doc.addPage([width, height])
  const drawnHeight = Math.max(height, contentHeight)
  const scale = height / drawnHeight
  if (scale < 1) page.pushOperators(pushGraphicsState(), concatTransformationMatrix(scale, 0, 0, scale, (width * (1 - scale)) / 2, 0))
  const top = (y: number) => drawnHeight - y
  for (const op of sheet.ops) op(page, top)
  if (scale < 1) page.pushOperators(popGraphicsState())
  return doc.save()
}
