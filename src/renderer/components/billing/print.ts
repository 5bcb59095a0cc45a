import type { Result } from '@shared/contract'
import { api } from '../../api'
import { filesBridge, printPdfSilently } from '../../api/files'
import { openPdf } from '../../lib/pdf'

/**
 * How a billing PDF (receipt, invoice, attestation, closing report, remittance slip) reaches
 * paper, the same way as the other documents of the counter:
 * - Electron with a printer set for this workstation (the slip printer, « Poste »): printed
 *   silently on it;
 * - Electron without one: opened in the system's PDF viewer, which prints;
 * - web shell: opened in a new browser tab (its viewer prints), or downloaded if pop-ups are blocked.
 * Call it from a click or key handler (a new tab needs the user's gesture).
 */
export type Printed = 'printed' | 'viewer' | 'tab' | 'download'

export async function printOrOpen(pdfBase64: string, fileName: string, opts: { silent: boolean }): Promise<Result<{ how: Printed; printer?: string }>> {
  if (opts.silent && filesBridge()) {
    const settings = await api.credentials.slipSettings({})
    const printer = settings.ok ? settings.data.printer.trim() : ''
    if (printer !== '') {
      const r = await printPdfSilently(pdfBase64, printer)
      return r.ok ? { ok: true, data: { how: 'printed', printer } } : r
    }
  }
  const opened = await openPdf(pdfBase64, fileName, { print: true })
  return opened.ok ? { ok: true, data: { how: opened.data.opened } } : opened
}
