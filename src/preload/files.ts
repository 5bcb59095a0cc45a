import type { Result } from '@shared/contract'
import { PDF_OPEN_CHANNEL, PDF_PRINT_CHANNEL, PRINTERS_CHANNEL, SCAN_IMPORT_CHANNEL } from '../main/host/protocol'

/** What the page gets as `window.guichetFiles` (Electron only): named functions, nothing else. */
export interface GuichetFiles {
  /** Imports a File the agent picked (<input type=file>) as a scan: Result<ScanRef>. */
  importScan(file: File): Promise<Result<unknown>>
  /** Opens PDF bytes the core produced with the system's PDF viewer (print from there). */
  openPdf(bytes: Uint8Array, fileName: string): Promise<Result<unknown>>
  /** Prints PDF bytes silently on a printer the system lists (OS spooler; the file is deleted at once). */
  printPdf(bytes: Uint8Array, printer: string): Promise<Result<unknown>>
  /** The printers the system lists: Result<Array<{ name, displayName, isDefault }>>. */
  printers(): Promise<Result<unknown>>
}

export interface FilesIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
}
export interface FilesWebUtils {
  getPathForFile(file: File): string
}

const transport = (message: string): Result<never> => ({ ok: false, error: { code: 'TRANSPORT', message } })
const invalid = (message: string): Result<never> => ({ ok: false, error: { code: 'INVALID_INPUT', message } })

/**
 * The preload's file functions. A scan travels as a PATH, never as bytes through the page: the
 * File must be one the agent picked (a File built in JavaScript has no path and is refused).
 */
export function buildGuichetFiles(ipc: FilesIpc, webUtils: FilesWebUtils): GuichetFiles {
  return Object.freeze({
    async importScan(file: File): Promise<Result<unknown>> {
      let path: string
      try {
        path = webUtils.getPathForFile(file)
      } catch {
        return invalid('A picked file is expected')
      }
      if (!path) return invalid('The file has no path on this computer (pick it again)')
      try {
        return (await ipc.invoke(SCAN_IMPORT_CHANNEL, path, typeof file.name === 'string' ? file.name : '')) as Result<unknown>
      } catch {
        return transport('scan import failed')
      }
    },
    async openPdf(bytes: Uint8Array, fileName: string): Promise<Result<unknown>> {
      if (!(bytes instanceof Uint8Array)) return invalid('PDF bytes are expected')
      try {
        return (await ipc.invoke(PDF_OPEN_CHANNEL, bytes, String(fileName))) as Result<unknown>
      } catch {
        return transport('PDF open failed')
      }
    },
    async printPdf(bytes: Uint8Array, printer: string): Promise<Result<unknown>> {
      if (!(bytes instanceof Uint8Array)) return invalid('PDF bytes are expected')
      if (typeof printer !== 'string' || printer === '') return invalid('A printer name is expected')
      try {
        return (await ipc.invoke(PDF_PRINT_CHANNEL, bytes, printer)) as Result<unknown>
      } catch {
        return transport('PDF print failed')
      }
    },
    async printers(): Promise<Result<unknown>> {
      try {
        return (await ipc.invoke(PRINTERS_CHANNEL)) as Result<unknown>
      } catch {
        return transport('printer list failed')
      }
    },
  })
}
