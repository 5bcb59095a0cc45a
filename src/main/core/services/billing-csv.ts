import { stringify } from 'csv-stringify/sync'
import type { CashDayView } from '@shared/contract/billing'
import { TIME_ZONE } from '@shared/domain/dates'
import { METHOD_LABELS } from '@shared/commands/billing'

/**
 * The day's receipts for the accountant (issue 12, item 6): CSV as French spreadsheets open it
 * (csv-stringify): a UTF-8 byte-order mark, semicolons, French decimals « 12,50 » (no thousands
 * separator), dates and times in Europe/Paris, one row per receipt (cancelled ones included,
 * marked with their reason; refunds negative).
 */

export const CSV_HEADER = [
  'Numéro de reçu',
  'Date',
  'Heure',
  'Code famille',
  'Famille',
  'Type',
  'Mode de règlement',
  'Montant',
  'Banque',
  'Numéro de chèque',
  'Tireur',
  'Référence terminal',
  'Factures',
  'Crédit',
  'Agent',
  'Annulé',
  'Motif d’annulation',
] as const

/** 1250 → « 12,50 »; -1250 → « -12,50 ». */
export function frenchDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : ''
  const abs = Math.abs(cents)
  return `${sign}${Math.floor(abs / 100)},${String(abs % 100).padStart(2, '0')}`
}

const PARIS = new Intl.DateTimeFormat('fr-FR', { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false })

function parisParts(iso: string): { date: string; time: string } {
  const at = new Date(iso)
  if (!Number.isFinite(at.getTime())) return { date: iso, time: '' }
  const parts = PARIS.formatToParts(at)
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === t)?.value ?? ''
  return { date: `${get('day')}/${get('month')}/${get('year')}`, time: `${get('hour')}:${get('minute')}:${get('second')}` }
}

export function receiptsCsv(payments: CashDayView['payments']): string {
  const rows = payments.map((p) => {
    const { date, time } = parisParts(p.paidAt)
    const refund = p.kind === 'remboursement'
    return [
      p.receiptNumber ?? '',
      date,
      time,
      p.familyCode,
      p.familyName,
      refund ? 'Remboursement' : 'Paiement',
      METHOD_LABELS[p.method] ?? p.method,
      frenchDecimal(refund ? -p.amountCents : p.amountCents),
      p.cheque?.bank ?? '',
      p.cheque?.number ?? '',
      p.cheque?.drawer ?? '',
      p.terminalRef ?? '',
      p.allocations.map((a) => `${a.invoiceNumber} (${frenchDecimal(a.amountCents)})`).join(' + '),
      p.unallocatedCents > 0 ? frenchDecimal(p.unallocatedCents) : '',
      p.agentName ?? '',
      p.cancelled ? 'oui' : 'non',
      p.cancelled?.reason ?? '',
    ]
  })
  return stringify([[...CSV_HEADER], ...rows], { delimiter: ';', bom: true, record_delimiter: '\r\n', quoted_match: /[;"\r\n]/ })
}
