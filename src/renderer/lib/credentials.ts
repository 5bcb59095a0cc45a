import { isValidCodeFamille, normalizeCodeFamille } from '@shared/domain/codeFamille'
import type { SlipLayout } from '@shared/contract/credentials'
import { parseInstant } from './format'

/**
 * Pure helpers of the portal credentials screens (issue 9): the check letter of a typed code
 * famille, the way the slip is printed in this shell, the printed page's size, the French
 * long date of an issue. No DOM, no store: unit-tested in tests/unit/renderer/credentials.test.ts.
 */

/** What the agent typed, read as a code famille: 6 digits and a letter, spaces, dots and dashes allowed. */
const CODE_SHAPE = /^\d{6}[A-Z]$/

/** The typed text has the shape of a code famille (whether its letter is right or not). */
export function looksLikeCodeFamille(raw: string): boolean {
  return CODE_SHAPE.test(normalizeCodeFamille(raw.trim()))
}

/**
 * A typed code famille checked: 'not-code' (a name, a phone…: not our business), 'valid'
 * (with its canonical form, e.g. '104217K' for ' 104 217-k'), or 'bad-letter' (the shape of a
 * code whose check letter does not match its digits: a typo, say so instead of searching).
 */
export type CodeCheck = { kind: 'not-code' } | { kind: 'valid'; code: string } | { kind: 'bad-letter' }

export function checkCodeFamille(raw: string): CodeCheck {
  const code = normalizeCodeFamille(raw.trim())
  if (!CODE_SHAPE.test(code)) return { kind: 'not-code' }
  return isValidCodeFamille(code) ? { kind: 'valid', code } : { kind: 'bad-letter' }
}

/**
 * How « Imprimer » prints the slip here:
 * - 'silent': the Electron shell with a printer set for this workstation (printPdfSilently);
 * - 'dialog': the Electron shell without one: window.print() of the rendered pages (the system dialog);
 * - 'tab': the web shell (no bridge): the PDF in a new browser tab, from a blob: URL made in the page.
 */
export type PrintPath = 'silent' | 'dialog' | 'tab'

export function printPath(hasBridge: boolean, printer: string): PrintPath {
  if (!hasBridge) return 'tab'
  return printer.trim() === '' ? 'dialog' : 'silent'
}

const PT_PER_MM = 72 / 25.4

/**
 * The CSS @page size for window.print() of the slip: 'A4' for the A4 layout, else the PDF
 * page's own size in millimetres (80 mm wide, as long as the ticket), from its width and height
 * in PDF points.
 */
export function pageSizeCss(layout: SlipLayout, widthPt: number, heightPt: number): string {
  if (layout === 'a4') return 'A4'
  const mm = (pt: number) => Math.round((pt / PT_PER_MM) * 10) / 10
  return `${mm(widthPt)}mm ${mm(heightPt)}mm`
}

/** Paris dates for the credentials screens (src/renderer/lib/format.ts). */
export { formatLongDate, formatTime as formatClock } from './format'

/** The reprint window is still open at `now` (an ISO instant, or null: none). */
export function reprintOpen(reprintUntil: string | null | undefined, now: number = Date.now()): boolean {
  const d = parseInstant(reprintUntil)
  return d !== null && d.getTime() > now
}

/** The largest logo file the town settings take (110 Ko: its data URL stays under LOGO_MAX_CHARS). */
export const LOGO_MAX_BYTES = 110_000

/** A logo file's type read from its first bytes (not from its name): PNG, JPEG, or null. */
export function logoKind(head: Uint8Array): 'png' | 'jpeg' | null {
  if (head.length >= 4 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return 'png'
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg'
  return null
}

/** A data URL as FileReader made it, re-labelled with the sniffed type: 'data:image/png;base64,…', or null. */
export function logoDataUrl(readerResult: string, kind: 'png' | 'jpeg'): string | null {
  const comma = readerResult.indexOf(',')
  if (comma < 0 || !readerResult.slice(0, comma).endsWith(';base64')) return null
  const payload = readerResult.slice(comma + 1)
  return /^[A-Za-z0-9+/]+={0,2}$/.test(payload) ? `data:image/${kind};base64,${payload}` : null
}

/** A town option's value as the history shows it: a logo's data URL is not printed whole. */
export function isDataUrl(value: string | null | undefined): boolean {
  return typeof value === 'string' && value.startsWith('data:')
}
