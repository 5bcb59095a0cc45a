import { PDFDocument, rgb, type PDFFont, type PDFPage, type RGB } from 'pdf-lib'
import type { CashDayView, InvoiceView, PaymentView } from '@shared/contract/billing'
import { DENOMINATIONS } from '@shared/contract/billing'
import { eurosText, METHOD_LABELS } from '@shared/commands/billing'
import { childcareAttestation } from '@shared/domain/attestation'
import { frenchDay } from '@shared/domain/reservations'
import { embedPdfFonts } from './pdf-fonts'
import { winAnsiText, wrapText } from './recap-pdf'
import { frenchLongDateTime } from './slip-pdf'

/**
 * The counter's money printouts (issue 12), built in memory with pdf-lib like the recap and the
 * credentials slip (DejaVu Sans subset into the document, Helvetica without it): the receipt
 * (A4, or 80 mm for a receipt printer: its height follows the content), the invoice or avoir,
 * the attestation de frais de garde, the cash desk's closing report and the cheque remittance
 * slip (bordereau de remise de chèques). Amounts in French: « 1 234,50 € ».
 */

export type Layout = 'a4' | '80mm'

const INK = rgb(0.08, 0.08, 0.1)
const MUTED = rgb(0.35, 0.35, 0.4)
const RED = rgb(0.7, 0.05, 0.05)
const MM = 72 / 25.4

interface Geometry {
  width: number
  /** Null: the page's height follows the content (80 mm). */
  height: number | null
  margin: number
  body: number
  small: number
  title: number
}

const GEOMETRY: Record<Layout, Geometry> = {
  a4: { width: 595.28, height: 841.89, margin: 48, body: 10, small: 8.5, title: 15 },
  '80mm': { width: 80 * MM, height: null, margin: 4 * MM, body: 8, small: 7, title: 10.5 },
}

interface Fonts {
  regular: PDFFont
  bold: PDFFont
  charset: ReadonlySet<number>
}

interface TextOpts {
  size?: number
  bold?: boolean
  color?: RGB
  align?: 'left' | 'center' | 'right'
  gap?: number
}

export interface Column {
  header: string
  /** Fraction of the inner width. */
  width: number
  align?: 'left' | 'right'
}

type Op = { page: number; draw: (page: PDFPage, top: (y: number) => number) => void }

/** Lays a document out top-down; A4 breaks pages, 80 mm grows one page. */
class Sheet {
  y: number
  page = 0
  readonly ops: Op[] = []

  constructor(
    readonly g: Geometry,
    readonly fonts: Fonts,
  ) {
    this.y = g.margin
  }

  get inner(): number {
    return this.g.width - 2 * this.g.margin
  }

  enc(s: string): string {
    return winAnsiText(s, this.fonts.charset)
  }

  ensure(h: number): void {
    if (this.g.height !== null && this.y + h > this.g.height - this.g.margin) {
      this.page++
      this.y = this.g.margin
    }
  }

  text(s: string, o: TextOpts = {}): void {
    const size = o.size ?? this.g.body
    const font = o.bold ? this.fonts.bold : this.fonts.regular
    const lead = size * 1.3
    for (const line of wrapText(this.enc(s), font, size, this.inner)) {
      this.ensure(lead)
      const y = this.y + size
      const page = this.page
      const w = font.widthOfTextAtSize(line, size)
      const x = o.align === 'center' ? this.g.margin + (this.inner - w) / 2 : o.align === 'right' ? this.g.margin + this.inner - w : this.g.margin
      this.ops.push({ page, draw: (p, top) => p.drawText(line, { x, y: top(y), size, font, color: o.color ?? INK }) })
      this.y += lead
    }
    this.y += o.gap ?? 0
  }

  /** A label on the left, a value on the right. */
  pair(label: string, value: string, o: TextOpts = {}): void {
    const size = o.size ?? this.g.body
    const font = o.bold ? this.fonts.bold : this.fonts.regular
    const v = this.enc(value)
    const vw = font.widthOfTextAtSize(v, size)
    const lines = wrapText(this.enc(label), font, size, Math.max(20, this.inner - vw - 6))
    const lead = size * 1.3
    lines.forEach((line, i) => {
      this.ensure(lead)
      const y = this.y + size
      const page = this.page
      const left = this.g.margin
      const right = this.g.margin + this.inner - vw
      this.ops.push({ page, draw: (p, top) => p.drawText(line, { x: left, y: top(y), size, font, color: o.color ?? INK }) })
      if (i === 0) this.ops.push({ page, draw: (p, top) => p.drawText(v, { x: right, y: top(y), size, font, color: o.color ?? INK }) })
      this.y += lead
    })
  }

  rule(): void {
    this.ensure(6)
    const y = this.y + 2
    const page = this.page
    const x1 = this.g.margin
    const x2 = this.g.margin + this.inner
    this.ops.push({ page, draw: (p, top) => p.drawLine({ start: { x: x1, y: top(y) }, end: { x: x2, y: top(y) }, thickness: 0.6, color: MUTED }) })
    this.y += 6
  }

  space(h: number): void {
    this.y += h
  }

  table(columns: Column[], rows: string[][], o: { size?: number; boldLast?: boolean } = {}): void {
    const size = o.size ?? this.g.small
    const lead = size * 1.35
    const widths = columns.map((c) => c.width * this.inner)
    const drawRow = (cells: string[], bold: boolean) => {
      const font = bold ? this.fonts.bold : this.fonts.regular
      const wrapped = cells.map((c, i) => wrapText(this.enc(c), font, size, Math.max(10, widths[i]! - 4)))
      const h = Math.max(...wrapped.map((w) => w.length)) * lead
      this.ensure(h)
      const page = this.page
      let x = this.g.margin
      wrapped.forEach((lines, i) => {
        const colX = x
        const colW = widths[i]!
        lines.forEach((line, k) => {
          const y = this.y + size + k * lead
          const w = font.widthOfTextAtSize(line, size)
          const lx = columns[i]!.align === 'right' ? colX + colW - w - 2 : colX
          this.ops.push({ page, draw: (p, top) => p.drawText(line, { x: lx, y: top(y), size, font, color: INK }) })
        })
        x += colW
      })
      this.y += h
    }
    drawRow(
      columns.map((c) => c.header),
      true,
    )
    rows.forEach((r, i) => drawRow(r, o.boldLast === true && i === rows.length - 1))
  }

  async render(doc: PDFDocument): Promise<Uint8Array> {
    const pages: PDFPage[] = []
    const height = this.g.height ?? this.y + this.g.margin
    for (let i = 0; i <= this.page; i++) pages.push(doc.addPage([this.g.width, height]))
    const top = (y: number) => height - y
    for (const op of this.ops) op.draw(pages[op.page]!, top)
    if (this.page > 0) {
      pages.forEach((p, i) => {
        const label = `Page ${i + 1} / ${pages.length}`
        const size = this.g.small
        p.drawText(label, { x: this.g.width - this.g.margin - this.fonts.regular.widthOfTextAtSize(label, size), y: this.g.margin / 2, size, font: this.fonts.regular, color: MUTED })
      })
    }
    return doc.save()
  }
}

async function start(layout: Layout, title: string, author: string, printedAt: string): Promise<{ doc: PDFDocument; sheet: Sheet }> {
  const doc = await PDFDocument.create()
  const { regular, bold } = await embedPdfFonts(doc)
  const fonts: Fonts = { regular, bold, charset: new Set(regular.getCharacterSet()) }
  doc.setTitle(winAnsiText(title, fonts.charset))
  doc.setAuthor(winAnsiText(author, fonts.charset))
  doc.setCreator('Guichet Famille')
  doc.setProducer('Guichet Famille (pdf-lib)')
  doc.setLanguage('fr-FR')
  const at = new Date(printedAt)
  if (Number.isFinite(at.getTime())) {
    doc.setCreationDate(at)
    doc.setModificationDate(at)
  }
  return { doc, sheet: new Sheet(GEOMETRY[layout], fonts) }
}

/** « 2 décembre 2026 à 10:05 » (Europe/Paris). */
export function frenchInstant(iso: string): string {
  const { date, time } = frenchLongDateTime(iso)
  return time ? `${date} à ${time}` : date
}

const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre']
/** « novembre 2026 ». */
export function frenchMonth(month: string): string {
  const [y, m] = month.split('-')
  return `${MONTHS[Number(m) - 1] ?? m} ${y}`
}

export const methodLabel = (m: string): string => METHOD_LABELS[m] ?? m

// ---------------------------------------------------------------------------------------------
// Receipt

export interface ReceiptModel {
  townName: string
  regie: number
  familyName: string
  familyCode: string
  payerName: string
  payment: PaymentView
  printedAt: string
}

export async function renderReceiptPdf(m: ReceiptModel, layout: Layout): Promise<Uint8Array> {
  const p = m.payment
  const refund = p.kind === 'remboursement'
  const title = `${refund ? 'Reçu de remboursement' : 'Reçu de paiement'} ${p.receiptNumber ?? ''}`.trim()
  const { doc, sheet: s } = await start(layout, title, m.townName, m.printedAt)
  s.text(m.townName, { bold: true, align: layout === '80mm' ? 'center' : 'left' })
  s.text(`Régie de recettes n° ${String(m.regie).padStart(2, '0')} — périscolaire`, { size: s.g.small, color: MUTED, align: layout === '80mm' ? 'center' : 'left', gap: 6 })
  if (p.cancelled) {
    s.text('ANNULÉ', { size: s.g.title * 1.6, bold: true, color: RED, align: 'center' })
    s.text(`Annulé le ${frenchInstant(p.cancelled.at)}${p.cancelled.by ? ` par ${p.cancelled.by}` : ''} — motif : ${p.cancelled.reason}`, { color: RED, gap: 6 })
  }
  s.text(refund ? 'Reçu de remboursement' : 'Reçu de paiement', { size: s.g.title, bold: true })
  s.text(`N° ${p.receiptNumber ?? '—'}`, { size: s.g.title, bold: true, gap: 4 })
  s.text(`Le ${frenchInstant(p.paidAt)}`)
  s.text(`Famille : ${m.familyName} (code ${m.familyCode})`)
  s.text(`${refund ? 'Bénéficiaire' : 'Payeur'} : ${m.payerName}`, { gap: 4 })
  s.rule()
  s.pair(refund ? 'Montant remboursé' : 'Montant reçu', eurosText(p.amountCents), { bold: true, size: s.g.body * 1.15 })
  s.pair('Mode de règlement', methodLabel(p.method))
  if (p.cheque) {
    s.pair('Chèque n°', p.cheque.number)
    s.pair('Banque', p.cheque.bank)
    s.pair('Tireur', p.cheque.drawer)
  }
  if (p.terminalRef) s.pair('Référence du terminal', p.terminalRef)
  if (p.tenderedCents !== null && p.method === 'especes') {
    s.pair('Somme remise', eurosText(p.tenderedCents))
    s.pair('Monnaie rendue', eurosText(p.changeCents ?? 0))
  }
  s.rule()
  if (!refund) {
    if (p.allocations.length > 0) {
      s.text('Affecté aux factures :', { bold: true })
      for (const a of p.allocations) s.pair(`Facture ${a.invoiceNumber}`, eurosText(a.amountCents))
    }
    if (p.unallocatedCents > 0) s.pair('Au crédit de la famille', eurosText(p.unallocatedCents), { bold: true })
    s.rule()
  }
  s.text(`Agent : ${p.agentName ?? '—'}`, { size: s.g.small })
  s.text(`Imprimé le ${frenchInstant(m.printedAt)}`, { size: s.g.small, color: MUTED })
  s.text('Ce reçu vaut quittance pour le montant indiqué. Conservez-le.', { size: s.g.small, color: MUTED })
  return s.render(doc)
}

// ---------------------------------------------------------------------------------------------
// Invoice or avoir

export interface InvoiceModel {
  townName: string
  familyName: string
  familyCode: string
  /** The payer's address snapshot (lines separated by newlines). */
  payerAddress: string
  invoice: InvoiceView
  printedAt: string
}

const LINE_KIND: Record<string, string> = { service: '', penalite: 'Pénalité', absence_justifiee: 'Absence justifiée', regularisation: 'Régularisation' }

export async function renderInvoicePdf(m: InvoiceModel): Promise<Uint8Array> {
  const i = m.invoice
  const avoir = i.kind === 'avoir'
  const title = `${avoir ? 'Avoir' : 'Facture'} ${i.number}`
  const { doc, sheet: s } = await start('a4', title, m.townName, m.printedAt)
  s.text(m.townName, { bold: true })
  s.text('Régie de recettes — périscolaire', { size: s.g.small, color: MUTED, gap: 8 })
  s.text(i.payerName, { bold: true })
  for (const line of m.payerAddress.split(/\n/)) if (line.trim() !== '') s.text(line)
  s.text(`Famille ${m.familyName} — code ${m.familyCode}`, { gap: 10 })
  s.text(title, { size: s.g.title, bold: true })
  s.text(`${avoir ? 'Avoir' : 'Facture'} du mois de ${frenchMonth(i.month)}, émis${avoir ? '' : 'e'} le ${frenchDay(i.issuedOn)}`)
  if (avoir && i.correctsNumber) s.text(`Corrige la facture ${i.correctsNumber}${i.reason ? ` : ${i.reason}` : ''}`)
  if (!avoir) {
    if (i.directDebit) s.text(`Réglée par prélèvement automatique${i.debitOn ? ` le ${frenchDay(i.debitOn)}` : ''} : ne pas payer au guichet.`, { bold: true })
    else s.text(`À payer avant le ${frenchDay(i.dueOn)}, au guichet ou en ligne.`)
  }
  s.space(8)
  s.table(
    [
      { header: 'Enfant', width: 0.16 },
      { header: 'Prestation', width: 0.16 },
      { header: 'Détail (règle appliquée)', width: 0.42 },
      { header: 'Qté', width: 0.08, align: 'right' },
      { header: 'Montant', width: 0.18, align: 'right' },
    ],
    [
      ...i.lines.map((l) => [
        l.childName ?? '',
        [l.unitLabel ?? '', LINE_KIND[l.kind] ?? ''].filter((x) => x !== '').join(' — '),
        l.rule,
        String(l.quantity),
        eurosText(l.amountCents),
      ]),
      ['', '', avoir ? 'Total de l’avoir' : 'Total de la facture', '', eurosText(i.totalCents)],
    ],
    { boldLast: true },
  )
  s.space(8)
  if (!avoir) {
    s.pair('Déjà réglé', eurosText(i.paidCents))
    if (i.creditedCents > 0) s.pair('Avoirs', eurosText(i.creditedCents))
    s.pair('Reste à payer', eurosText(i.remainingCents), { bold: true })
  }
  s.space(8)
  s.text(`Imprimé le ${frenchInstant(m.printedAt)}`, { size: s.g.small, color: MUTED })
  return s.render(doc)
}

// ---------------------------------------------------------------------------------------------
// Attestation de frais de garde

export interface AttestationModel {
  townName: string
  familyName: string
  familyCode: string
  address: string[]
  year: number
  children: Array<{ name: string; birthDate: string | null; amountCents: number }>
  totalCents: number
  printedAt: string
}

/** The attestation's figures: the childcare amounts paid in the year for children under 6 (src/shared/domain/attestation.ts). */
export function attestationModel(input: {
  townName: string
  familyName: string
  familyCode: string
  address: string[]
  year: number
  children: Array<{ id: string; name: string; birthDate: string | null }>
  invoices: InvoiceView[]
  printedAt: string
}): AttestationModel {
  const result = childcareAttestation({
    year: input.year,
    children: input.children,
    invoices: input.invoices
      .filter((i) => i.kind === 'facture')
      .map((i) => ({
        month: i.month,
        // Net of its avoirs; paid = allocations of payments not cancelled (what the family really paid).
        totalCents: Math.max(0, i.totalCents - i.creditedCents),
        paidCents: i.paidCents,
        lines: i.lines.map((l) => ({ childId: l.childId ?? '', cesu: l.cesu, amountCents: l.amountCents })),
      })),
  })
  const byId = new Map(input.children.map((c) => [c.id, c]))
  return {
    townName: input.townName,
    familyName: input.familyName,
    familyCode: input.familyCode,
    address: input.address,
    year: input.year,
    children: result.children.map((c) => ({ name: byId.get(c.childId)?.name ?? c.childId, birthDate: byId.get(c.childId)?.birthDate ?? null, amountCents: c.paidCents })),
    totalCents: result.totalCents,
    printedAt: input.printedAt,
  }
}

export async function renderAttestationPdf(m: AttestationModel): Promise<Uint8Array> {
  const title = `Attestation de frais de garde ${m.year}`
  const { doc, sheet: s } = await start('a4', `${title} — ${m.familyName}`, m.townName, m.printedAt)
  s.text(m.townName, { bold: true })
  s.text('Régie de recettes — périscolaire', { size: s.g.small, color: MUTED, gap: 10 })
  s.text(m.familyName, { bold: true })
  for (const line of m.address) s.text(line)
  s.text(`Code famille : ${m.familyCode}`, { gap: 12 })
  s.text(title, { size: s.g.title, bold: true, gap: 6 })
  s.text(
    `La commune atteste que la famille ${m.familyName} a payé en ${m.year}, pour la garde hors du domicile de ses enfants âgés de moins de 6 ans au 1er janvier ${m.year} (accueil périscolaire et accueil de loisirs), les sommes suivantes, à déclarer au titre des frais de garde des jeunes enfants.`,
    { gap: 8 },
  )
  s.table(
    [
      { header: 'Enfant', width: 0.5 },
      { header: 'Né(e) le', width: 0.25 },
      { header: 'Montant payé', width: 0.25, align: 'right' },
    ],
    [...m.children.map((c) => [c.name, c.birthDate ? frenchDay(c.birthDate) : '', eurosText(c.amountCents)]), ['Total', '', eurosText(m.totalCents)]],
    { size: s.g.body, boldLast: true },
  )
  s.space(10)
  if (m.children.length === 0) s.text(`Aucune somme de garde d’un enfant de moins de 6 ans n’a été payée en ${m.year}.`, { gap: 6 })
  s.text('Les repas et les prestations sans caractère de garde ne sont pas compris. Les sommes sont celles effectivement réglées (les parts impayées ne comptent pas).', { size: s.g.small, color: MUTED })
  s.space(10)
  s.text(`Fait le ${frenchInstant(m.printedAt)}, pour valoir ce que de droit.`)
  s.text('Le régisseur', { gap: 30 })
  return s.render(doc)
}

// ---------------------------------------------------------------------------------------------
// Closing report and cheque remittance slip

export interface DayModel {
  townName: string
  workstationName: string
  day: CashDayView
  printedAt: string
}

const METHOD_ORDER = ['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances', 'prelevement', 'en_ligne'] as const

export async function renderClosingPdf(m: DayModel): Promise<Uint8Array> {
  const d = m.day
  const title = `Clôture de caisse du ${frenchDay(d.day)}`
  const { doc, sheet: s } = await start('a4', title, m.townName, m.printedAt)
  s.text(m.townName, { bold: true })
  s.text(`Régie de recettes — poste ${m.workstationName}`, { size: s.g.small, color: MUTED, gap: 8 })
  s.text(title, { size: s.g.title, bold: true })
  s.text(
    d.status === 'cloturee'
      ? `Clôturée le ${d.closedAt ? frenchInstant(d.closedAt) : '—'}${d.closedBy ? ` par ${d.closedBy}` : ''}`
      : 'Journée NON CLÔTURÉE (état provisoire)',
    { bold: d.status !== 'cloturee', color: d.status === 'cloturee' ? INK : RED },
  )
  s.text(`Ouverte le ${d.openedAt ? frenchInstant(d.openedAt) : '—'}${d.openedBy ? ` par ${d.openedBy}` : ''}, fond de caisse ${eurosText(d.floatCents)}`, { gap: 8 })
  s.text('Totaux par mode de règlement (remboursements déduits, reçus annulés exclus)', { bold: true })
  for (const method of METHOD_ORDER) {
    const v = d.totals[method] ?? 0
    if (v !== 0 || method === 'especes' || method === 'cheque') s.pair(methodLabel(method), eurosText(v))
  }
  s.pair('Total encaissé', eurosText(d.totalCents), { bold: true })
  s.pair('Reçus émis (annulés compris)', String(d.receiptsCount))
  s.pair(`Chèques à remettre en banque (${d.chequeCount})`, eurosText(d.chequeTotalCents))
  s.space(6)
  s.text('Espèces', { bold: true })
  s.pair('Attendues (fond + encaissements − remboursements)', eurosText(d.expectedCashCents))
  if (d.countedCents !== null) {
    s.pair('Comptées', eurosText(d.countedCents))
    const diff = d.differenceCents ?? 0
    s.pair(diff === 0 ? 'Écart' : diff > 0 ? 'Écart (excédent)' : 'Écart (manquant)', eurosText(diff), { bold: true, color: diff === 0 ? INK : RED })
  }
  if (d.billetage) {
    s.space(6)
    s.text('Billetage', { bold: true })
    const rows: string[][] = []
    for (const den of DENOMINATIONS) {
      const n = d.billetage[String(den)] ?? 0
      if (n > 0) rows.push([den >= 500 ? `Billet de ${eurosText(den)}` : `Pièce de ${eurosText(den)}`, String(n), eurosText(den * n)])
    }
    rows.push(['Total compté', '', eurosText(d.countedCents ?? 0)])
    s.table(
      [
        { header: 'Coupure', width: 0.5 },
        { header: 'Nombre', width: 0.2, align: 'right' },
        { header: 'Montant', width: 0.3, align: 'right' },
      ],
      rows,
      { size: s.g.body, boldLast: true },
    )
  }
  if (d.note) s.text(`Observation : ${d.note}`, { gap: 4 })
  s.space(8)
  s.text(`Reçus de la journée (${d.payments.length})`, { bold: true })
  s.table(
    [
      { header: 'N° de reçu', width: 0.2 },
      { header: 'Heure', width: 0.08 },
      { header: 'Famille', width: 0.27 },
      { header: 'Mode', width: 0.15 },
      { header: 'Montant', width: 0.13, align: 'right' },
      { header: 'État', width: 0.17 },
    ],
    d.payments.map((p) => [
      p.receiptNumber ?? '',
      frenchLongDateTime(p.paidAt).time,
      `${p.familyName} (${p.familyCode})`,
      methodLabel(p.method),
      `${p.kind === 'remboursement' ? '-' : ''}${eurosText(p.amountCents)}`,
      p.cancelled ? `ANNULÉ : ${p.cancelled.reason}` : p.kind === 'remboursement' ? 'remboursement' : '',
    ]),
  )
  s.space(16)
  s.text('Signature du régisseur :', { gap: 24 })
  s.text(`Imprimé le ${frenchInstant(m.printedAt)}`, { size: s.g.small, color: MUTED })
  return s.render(doc)
}

/** The cheques of the day to remit to the bank (payments not cancelled). */
export function remittedCheques(d: CashDayView): CashDayView['payments'] {
  return d.payments.filter((p) => p.method === 'cheque' && p.kind === 'paiement' && !p.cancelled && p.cheque)
}

export async function renderRemittancePdf(m: DayModel): Promise<Uint8Array> {
  const d = m.day
  const cheques = remittedCheques(d)
  const total = cheques.reduce((s, p) => s + p.amountCents, 0)
  const title = `Bordereau de remise de chèques du ${frenchDay(d.day)}`
  const { doc, sheet: s } = await start('a4', title, m.townName, m.printedAt)
  s.text(m.townName, { bold: true })
  s.text(`Régie de recettes — poste ${m.workstationName}`, { size: s.g.small, color: MUTED, gap: 8 })
  s.text(title, { size: s.g.title, bold: true, gap: 6 })
  s.table(
    [
      { header: 'Banque', width: 0.22 },
      { header: 'N° de chèque', width: 0.16 },
      { header: 'Tireur', width: 0.26 },
      { header: 'Reçu', width: 0.2 },
      { header: 'Montant', width: 0.16, align: 'right' },
    ],
    [...cheques.map((p) => [p.cheque!.bank, p.cheque!.number, p.cheque!.drawer, p.receiptNumber ?? '', eurosText(p.amountCents)]), ['Total', '', `${cheques.length} chèque${cheques.length > 1 ? 's' : ''}`, '', eurosText(total)]],
    { size: s.g.body, boldLast: true },
  )
  s.space(10)
  s.pair('Nombre de chèques', String(cheques.length), { bold: true })
  s.pair('Montant total', eurosText(total), { bold: true })
  s.space(16)
  s.text('Signature du régisseur :', { gap: 24 })
  s.text(`Imprimé le ${frenchInstant(m.printedAt)}`, { size: s.g.small, color: MUTED })
  return s.render(doc)
}
