import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import type { IpcMainInvokeEvent } from 'electron'
import type { Result } from '@shared/contract'
import { MAX_PDF_BYTES, pdfFileName } from '@shared/contract/pdf'
import type { CoreHost } from '../host/client'
import { PDF_OPEN_CHANNEL, SCAN_IMPORT_CHANNEL } from '../host/protocol'
import type { SenderCheck } from './ipc'

/**
 * Files in the Electron shell, relayed by the main process (it never reads nor hashes a scan,
 * never renders a PDF):
 * - a scan the agent picked: the preload turns the File into its path (webUtils.getPathForFile)
 *   and invokes SCAN_IMPORT_CHANNEL; the main process checks the sender (our window's main
 *   frame) and the arguments, then hands the path to the core host (host message 'scan'),
 *   which reads, sniffs, hashes and stores it. The answer is the host's Result<ScanRef>.
 * - a PDF the core produced (the recap): written to a private temp folder and opened with the
 *   system's PDF viewer (shell.openPath), from which the agent prints. Electron's own PDF viewer
 *   cannot be printed from code: webContents.print() on a window showing a PDF prints a blank
 *   page (electron/electron#30947), so "print" opens the viewer too, whose print button works.
 */

export interface ShellFilesDeps {
  ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void
    removeHandler(channel: string): void
  }
  host: Pick<CoreHost, 'importScan'>
  isTrustedSender: SenderCheck
  /** Where PDFs are written before the viewer opens them (app.getPath('temp')/…). */
  pdfDir: string
  /** shell.openPath: resolves '' on success, else the system's error text. */
  openPath(path: string): Promise<string>
  /** PDFs older than this are removed when a new one is written (ms). */
  keepPdfMs?: number
}

const refused = (message: string): Result<never> => ({ ok: false, error: { code: 'INVALID_INPUT', message } })
const forbidden: Result<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'Sender refused' } }

/** Registers the two handlers; returns a function that removes them. */
export function registerShellFiles(deps: ShellFilesDeps): () => void {
  const keep = deps.keepPdfMs ?? 24 * 3600_000

  deps.ipcMain.handle(SCAN_IMPORT_CHANNEL, async (event, path, name) => {
    if (!deps.isTrustedSender(event.senderFrame)) return forbidden
    if (typeof path !== 'string' || path.length === 0 || path.length > 4096 || path.includes('\0') || !isAbsolute(path)) {
      return refused('An absolute file path is expected')
    }
    if (typeof name !== 'string' || name.length > 1024) return refused('A file name is expected')
    return deps.host.importScan(path, name)
  })

  const sweep = async (): Promise<void> => {
    const now = Date.now()
    for (const entry of await readdir(deps.pdfDir).catch(() => [] as string[])) {
      const folder = join(deps.pdfDir, entry)
      const info = await stat(folder).catch(() => null)
      if (info && now - info.mtimeMs > keep) await rm(folder, { recursive: true, force: true }).catch(() => undefined)
    }
  }

  deps.ipcMain.handle(PDF_OPEN_CHANNEL, async (event, bytes, name) => {
    if (!deps.isTrustedSender(event.senderFrame)) return forbidden
    if (!(bytes instanceof Uint8Array) || bytes.length < 5 || bytes.length > MAX_PDF_BYTES) return refused('PDF bytes are expected')
    if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') return refused('A PDF is expected')
    await sweep()
    // One private folder per PDF: the file keeps its readable name, and nothing can be overwritten.
    const folder = join(deps.pdfDir, randomBytes(9).toString('hex'))
    await mkdir(folder, { recursive: true, mode: 0o700 })
    const file = join(folder, pdfFileName(typeof name === 'string' ? name : ''))
    await writeFile(file, bytes, { flag: 'wx', mode: 0o600 })
    const problem = await deps.openPath(file)
    if (problem) return { ok: false, error: { code: 'INTERNAL', message: `No PDF viewer: ${problem}` } } satisfies Result<never>
    return { ok: true, data: { opened: 'viewer' as const } }
  })

  return () => {
    deps.ipcMain.removeHandler(SCAN_IMPORT_CHANNEL)
    deps.ipcMain.removeHandler(PDF_OPEN_CHANNEL)
  }
}
