import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib'
import { embedPdfFonts } from './pdf-fonts'
import { winAnsiText } from './recap-pdf'

/**
 * A site's day list on paper (issue 10, item 6): « Restauration scolaire — École X — jeudi 19
 * novembre 2026 », a table of the children expected (name, level, class, family code, PAI, a
 * blank « Présent » box to tick, or the pointage already recorded), the totals, the waiting list
 * in its order, and on every page the print date, the agent's initials and the page number. The
 * table's header is repeated on each page. Fonts as the recap (DejaVu Sans when shipped, else
 * Helvetica with names transliterated).
 */

export interface SiteDayPdfModel {
  townName: string
  unitLabel: string
  siteName: string
  /** YYYY-MM-DD. */
  date: string
  capacity: number
  closedReason: string | null
  /** ISO instant. */
  printedAt: string
  agentInitials: string
  expected: Array<{
    name: string
    level: string | null
    className: string | null
    familyCode: string
    pai: boolean
    sansReservation: boolean
    attendance: 'present' | 'absent_justifie' | 'absent_injustifie' | null
  }>
  waiting: Array<{ rank: number; name: string; level: string | null; familyCode: string; since: string }>
}

const A4: [number, number] = [595.28, 841.89]
const MARGIN = 40
const FOOTER_Y = 26
const BOTTOM = 56
const ROW = 19
const INK = rgb(0.1, 0.1, 0.12)
const MUTED = rgb(0.35, 0.35, 0.4)
const RED = rgb(0.6, 0.08, 0.08)
const SHADE = rgb(0.93, 0.93, 0.95)

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre']
const WEEKDAYS = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi']

/** « jeudi 19 novembre 2026 », « mardi 1er décembre 2026 » (a calendar day, no time zone). */
export function longFrenchDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const weekday = WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]
  return `${weekday} ${d === 1 ? '1er' : d} ${MONTHS[m - 1]} ${y}`
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

const ATTENDANCE_TEXT = { present: 'présent', absent_justifie: 'abs. justifié', absent_injustifie: 'abs. injustifié' } as const

interface Column {
  title: string
  width: number
  align?: 'center'
}

class Writer {
  page!: PDFPage
  y = 0
  readonly pages: PDFPage[] = []
  readonly charset: ReadonlySet<number>

  constructor(
    readonly doc: PDFDocument,
    readonly regular: PDFFont,
    readonly bold: PDFFont,
  ) {
    this.charset = new Set(regular.getCharacterSet())
    this.newPage()
  }

  get width(): number {
    return A4[0] - 2 * MARGIN
  }

  text(s: string): string {
    return winAnsiText(s, this.charset)
  }

  newPage(): void {
    this.page = this.doc.addPage(A4)
    this.pages.push(this.page)
    this.y = A4[1] - MARGIN
  }

  /** Text cut to fit `width` (an ellipsis marks the cut). */
  fit(s: string, font: PDFFont, size: number, width: number): string {
    const t = this.text(s)
    if (font.widthOfTextAtSize(t, size) <= width) return t
    let cut = t.length
    while (cut > 1 && font.widthOfTextAtSize(`${t.slice(0, cut)}…`, size) > width) cut--
    return `${t.slice(0, cut)}…`
  }

  line(s: string, opts: { size?: number; bold?: boolean; color?: ReturnType<typeof rgb>; gap?: number } = {}): void {
    const size = opts.size ?? 10
    const font = opts.bold ? this.bold : this.regular
    const lead = size * 1.35
    // Long lines wrap at spaces (the title with a long school name).
    const words = this.text(s).split(/ +/)
    const lines: string[] = []
    let current = ''
    for (const w of words) {
      const candidate = current === '' ? w : `${current} ${w}`
      if (font.widthOfTextAtSize(candidate, size) <= this.width || current === '') current = candidate
      else {
        lines.push(current)
        current = w
      }
    }
    if (current !== '') lines.push(current)
    for (const l of lines) {
      if (this.y - lead < BOTTOM) this.newPage()
      this.y -= lead
      this.page.drawText(this.fit(l, font, size, this.width), { x: MARGIN, y: this.y, size, font, color: opts.color ?? INK })
    }
    this.y -= opts.gap ?? 0
  }

  /** One table row: cells left to right; `header` draws a shaded bold row. */
  row(columns: readonly Column[], cells: readonly string[], opts: { header?: boolean; box?: number; color?: ReturnType<typeof rgb> } = {}): void {
    const size = opts.header ? 9 : 9.5
    const font = opts.header ? this.bold : this.regular
    const top = this.y
    this.y -= ROW
    if (opts.header) this.page.drawRectangle({ x: MARGIN, y: this.y, width: this.width, height: ROW, color: SHADE })
    let x = MARGIN
    columns.forEach((c, i) => {
      const cell = cells[i] ?? ''
      if (opts.box === i && cell === '') {
        // The blank box to tick on paper.
        const side = 10
        this.page.drawRectangle({ x: x + (c.width - side) / 2, y: this.y + (ROW - side) / 2, width: side, height: side, borderColor: INK, borderWidth: 0.8 })
      } else if (cell !== '') {
        const t = this.fit(cell, font, size, c.width - 6)
        const w = font.widthOfTextAtSize(t, size)
        const tx = c.align === 'center' ? x + (c.width - w) / 2 : x + 3
        this.page.drawText(t, { x: tx, y: this.y + 6, size, font, color: opts.color ?? INK })
      }
      x += c.width
    })
    this.page.drawLine({ start: { x: MARGIN, y: this.y }, end: { x: MARGIN + this.width, y: this.y }, thickness: 0.4, color: MUTED })
    if (opts.header) this.page.drawLine({ start: { x: MARGIN, y: top }, end: { x: MARGIN + this.width, y: top }, thickness: 0.4, color: MUTED })
  }

  /** A table with its header, repeated at the top of each new page (after `continued`). */
  table(columns: readonly Column[], rows: ReadonlyArray<{ cells: string[]; color?: ReturnType<typeof rgb> }>, continued: string, box?: number): void {
    const header = columns.map((c) => c.title)
    if (this.y - 2 * ROW < BOTTOM) this.newPage()
    this.row(columns, header, { header: true })
    for (const r of rows) {
      if (this.y - ROW < BOTTOM) {
        this.newPage()
        this.line(continued, { size: 10, bold: true, color: MUTED, gap: 4 })
        this.row(columns, header, { header: true })
      }
      this.row(columns, r.cells, { ...(box !== undefined ? { box } : {}), ...(r.color ? { color: r.color } : {}) })
    }
  }

  footer(left: string): void {
    const total = this.pages.length
    this.pages.forEach((page, i) => {
      const right = `Page ${i + 1} / ${total}`
      const size = 8.5
      const font = this.regular
      page.drawLine({ start: { x: MARGIN, y: FOOTER_Y + 12 }, end: { x: A4[0] - MARGIN, y: FOOTER_Y + 12 }, thickness: 0.4, color: MUTED })
      page.drawText(this.fit(left, font, size, this.width - 70), { x: MARGIN, y: FOOTER_Y, size, font, color: MUTED })
      page.drawText(right, { x: A4[0] - MARGIN - font.widthOfTextAtSize(right, size), y: FOOTER_Y, size, font, color: MUTED })
    })
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`

/** The day list as PDF bytes (A4 portrait, as many pages as needed). */
export async function renderSiteDayPdf(model: SiteDayPdfModel): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const { regular, bold } = await embedPdfFonts(doc)
  const w = new Writer(doc, regular, bold)
  const title = `${model.unitLabel} — ${model.siteName} — ${longFrenchDay(model.date)}`
  const printed = parisDateTime(model.printedAt)
  const printedAt = new Date(model.printedAt)

  doc.setTitle(w.text(title))
  doc.setAuthor(w.text(model.townName))
  doc.setSubject('Liste du jour')
  doc.setCreator('Guichet Famille')
  doc.setProducer('Guichet Famille (pdf-lib)')
  doc.setLanguage('fr-FR')
  if (Number.isFinite(printedAt.getTime())) {
    doc.setCreationDate(printedAt)
    doc.setModificationDate(printedAt)
  }

  w.line(model.townName, { size: 9.5, color: MUTED })
  w.line(title, { size: 14, bold: true, gap: 6 })
  if (model.closedReason) w.line(model.closedReason, { size: 11, bold: true, color: RED, gap: 6 })

  const sans = model.expected.filter((e) => e.sansReservation).length
  const pai = model.expected.filter((e) => e.pai).length
  const booked = model.expected.length - sans
  const free = Math.max(0, model.capacity - booked)
  const totals = [
    `${plural(model.expected.length, 'enfant attendu', 'enfants attendus')}${sans > 0 ? ` (dont ${plural(sans, 'présent', 'présents')} sans réservation)` : ''}`,
    `PAI : ${pai}`,
    `capacité : ${model.capacity}`,
    `${plural(free, 'place libre', 'places libres')}`,
    `liste d’attente : ${model.waiting.length}`,
  ].join(' · ')
  w.line(totals, { size: 10, gap: 8 })

  const columns: Column[] = [
    { title: 'N°', width: 24, align: 'center' },
    { title: 'Enfant', width: 186 },
    { title: 'Niveau', width: 46, align: 'center' },
    { title: 'Classe', width: 64 },
    { title: 'PAI', width: 36, align: 'center' },
    { title: 'Code famille', width: 74 },
    { title: 'Présent', width: w.width - 24 - 186 - 46 - 64 - 36 - 74, align: 'center' },
  ]
  if (model.expected.length === 0) w.line(model.closedReason ? 'Aucun enfant inscrit.' : 'Aucun enfant attendu.', { size: 10, color: MUTED, gap: 6 })
  else {
    w.table(
      columns,
      model.expected.map((e, i) => ({
        cells: [
          String(i + 1),
          e.sansReservation ? `${e.name} (sans réservation)` : e.name,
          e.level ?? '',
          e.className ?? '',
          e.pai ? 'PAI' : '',
          e.familyCode,
          e.attendance ? ATTENDANCE_TEXT[e.attendance] : '',
        ],
        ...(e.pai ? { color: RED } : {}),
      })),
      `${model.unitLabel} — ${model.siteName} — ${longFrenchDay(model.date)} (suite)`,
      6,
    )
    w.y -= 6
    w.line(`Total : ${plural(model.expected.length, 'enfant', 'enfants')}. Présents cochés : ______`, { size: 10, bold: true, gap: 6 })
  }

  w.y -= 8
  w.line(`Liste d’attente (${model.waiting.length})`, { size: 12, bold: true, gap: 2 })
  if (model.waiting.length === 0) w.line('Personne en attente.', { size: 10, color: MUTED })
  else {
    const wcols: Column[] = [
      { title: 'Rang', width: 36, align: 'center' },
      { title: 'Enfant', width: 220 },
      { title: 'Niveau', width: 50, align: 'center' },
      { title: 'Code famille', width: 90 },
      { title: 'Depuis le', width: w.width - 36 - 220 - 50 - 90 },
    ]
    w.table(
      wcols,
      model.waiting.map((e) => {
        const since = parisDateTime(e.since)
        return { cells: [String(e.rank), e.name, e.level ?? '', e.familyCode, `${since.day}${since.time ? ` à ${since.time}` : ''}`] }
      }),
      'Liste d’attente (suite)',
    )
  }

  w.footer(`${model.townName} · imprimé le ${printed.day}${printed.time ? ` à ${printed.time}` : ''}${model.agentInitials ? ` par ${model.agentInitials}` : ''}`)
  return doc.save()
}
