/**
 * PDFs the core produced (the recap of a dossier), shown or printed by the shell: in the web
 * shell the page posts the bytes to PDF_OPEN_PATH and opens the short-lived URL it gets back
 * (GET PDF_VIEW_PREFIX/<id>) in a new tab; in Electron the preload hands them to the main
 * process, which opens them with the system's PDF viewer (src/main/shell/files.ts).
 */
export const PDF_OPEN_PATH = '/api/v1/pdfs'
export const PDF_VIEW_PREFIX = '/pdf'
/** Far above a recap (a 60-piece recap is ~10 kB). */
export const MAX_PDF_BYTES = 20 * 1024 * 1024

/** A safe file name ending in .pdf: no folder part, no control or reserved character, ≤ 100 chars. */
export function pdfFileName(raw: string): string {
  const base = (raw.split(/[/\\]/).pop() ?? '')
    .normalize('NFC')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f<>:"|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\.pdf$/i, '')
    .replace(/^\.+/, '')
    .slice(0, 96)
    .trim()
  return `${base === '' ? 'document' : base}.pdf`
}
