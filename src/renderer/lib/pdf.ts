import type { ContractError, Result } from '@shared/contract'
import { filesBridge, postPdf } from '../api/files'

/**
 * Shows or prints a PDF the core produced (the recap of a dossier), given as base64:
 * - Electron: the main process opens it with the system's PDF viewer, from which the agent
 *   prints (Electron cannot print a PDF from code: webContents.print prints it blank);
 * - web shell: the page hands it to the shell and opens its short-lived URL in a new tab, where
 *   the browser's viewer shows it (print with its button or Ctrl+P). A blocked pop-up falls
 *   back to downloading the file.
 * `print` says what the agent asked for; both shells end in a viewer with a print button.
 * Call it from a click or key handler (a new tab needs the user's gesture).
 */
export type PdfOpened = 'viewer' | 'tab' | 'download'

const invalid = (message: string): { ok: false; error: ContractError } => ({ ok: false, error: { code: 'INVALID_INPUT', message } })

export function base64ToBytes(base64: string): Uint8Array | null {
  try {
    const raw = atob(base64)
    const bytes = new Uint8Array(raw.length)
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

export async function openPdf(bytesBase64: string, fileName: string, _options: { print: boolean } = { print: false }): Promise<Result<{ opened: PdfOpened }>> {
  const bytes = base64ToBytes(bytesBase64)
  if (!bytes || bytes.length < 5) return invalid('PDF bytes are expected')
  const bridge = filesBridge()
  if (bridge) {
    const result = await bridge.openPdf(bytes, fileName)
    return result.ok ? { ok: true, data: { opened: 'viewer' } } : result
  }
  const posted = await postPdf(bytes, fileName)
  if (!posted.ok) return posted
  const tab = window.open(posted.data.url, '_blank')
  if (tab) {
    tab.opener = null
    return { ok: true, data: { opened: 'tab' } }
  }
  // Pop-ups blocked: the same URL as a download.
  clickDownload(posted.data.url, fileName)
  return { ok: true, data: { opened: 'download' } }
}

/** Saves a URL under a file name through a temporary link (the browser's download). */
function clickDownload(url: string, fileName: string): void {
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
}

/** Hands a text file (the CSV) to the browser as a download (a Blob, never through a server). */
export function downloadText(text: string, fileName: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  clickDownload(url, fileName)
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
