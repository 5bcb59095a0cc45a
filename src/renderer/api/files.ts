import { HTTP_TOKEN_HEADER, type ContractError, type Result } from '@shared/contract'
import { MAX_SCAN_BYTES, SCAN_UPLOAD_PATH, ScanRefSchema, tooBigText, type ScanRef } from '@shared/contract/scans'
import { PDF_OPEN_PATH } from '@shared/contract/pdf'
import { asResult } from './http'
import { listPrintersWith, printPdfWith, type Printer } from './print'
import { reportAuthLost, webToken } from './index'

/**
 * Files outside the contract's 1 MiB call body, the same in both shells for the page:
 * - uploadScan(file): Electron hands the File to the preload (window.guichetFiles), which sends
 *   its PATH to the main process, relayed to the core host; the web shell POSTs the raw bytes
 *   to its upload route (SCAN_UPLOAD_PATH), streamed to a temp file the core host imports.
 * - postPdf(bytes, name): the web shell keeps a PDF for a short-lived URL to open in a tab.
 */

/** The preload's file functions (src/preload/files.ts), present in Electron only. */
export interface GuichetFilesBridge {
  importScan(file: File): Promise<Result<unknown>>
  openPdf(bytes: Uint8Array, fileName: string): Promise<Result<unknown>>
  printPdf(bytes: Uint8Array, printer: string): Promise<Result<unknown>>
  printers(): Promise<Result<unknown>>
}
export type { Printer } from './print'

declare global {
  interface Window {
    /** Electron only (src/preload/files.ts). */
    guichetFiles?: GuichetFilesBridge
  }
}

const transport = (message: string): { ok: false; error: ContractError } => ({ ok: false, error: { code: 'TRANSPORT', message } })

/** The bridge in Electron, null in the web shell. */
export function filesBridge(): GuichetFilesBridge | null {
  return typeof window !== 'undefined' && window.guichetFiles ? window.guichetFiles : null
}

function checked(result: Result<unknown>): Result<ScanRef> {
  if (!result.ok) {
    if (result.error.code === 'NOT_AUTHENTICATED' || result.error.code === 'SESSION_LOCKED') reportAuthLost(result.error.code, 'scans.upload')
    return result
  }
  const ref = ScanRefSchema.safeParse(result.data)
  return ref.success ? { ok: true, data: ref.data } : transport('malformed scan answer')
}

async function postRaw(path: string, body: Blob | Uint8Array, contentType: string, timeoutMs: number): Promise<Result<unknown>> {
  const headers: Record<string, string> = { 'content-type': contentType, accept: 'application/json' }
  const token = webToken()
  if (token) headers[HTTP_TOKEN_HEADER] = token
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const response = await window.fetch(path, {
      method: 'POST',
      headers,
      body: body as BodyInit,
      credentials: 'same-origin',
      cache: 'no-store',
      signal: controller.signal,
    })
    const json: unknown = await response.json().catch(() => undefined)
    const result = asResult(json)
    if (result) return result
    if (response.status === 401) return { ok: false, error: { code: 'NOT_AUTHENTICATED', message: 'HTTP 401' } }
    return transport(`unexpected response (HTTP ${response.status})`)
  } catch (error) {
    return transport(controller.signal.aborted ? `timeout after ${timeoutMs} ms` : error instanceof Error ? error.message : String(error))
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Imports a File the agent picked as a scan: Result<ScanRef>. A file over 10 MB is refused here
 * at once with the same French reason the core gives (the core checks again, by content).
 */
export async function uploadScan(file: File): Promise<Result<ScanRef>> {
  if (file.size > MAX_SCAN_BYTES) {
    const reason = tooBigText(file.size)
    return { ok: false, error: { code: 'RULE_REJECTED', message: 'Scan too big', details: { rule: 'SCAN_TOO_BIG', reason } } }
  }
  const bridge = filesBridge()
  if (bridge) {
    try {
      return checked(await bridge.importScan(file))
    } catch (error) {
      return transport(error instanceof Error ? error.message : String(error))
    }
  }
  return checked(await postRaw(`${SCAN_UPLOAD_PATH}?name=${encodeURIComponent(file.name)}`, file, 'application/octet-stream', 120_000))
}

/** Web shell: hands PDF bytes to the shell, which serves them at a short-lived URL (returned). */
export async function postPdf(bytes: Uint8Array, fileName: string): Promise<Result<{ url: string }>> {
  const result = await postRaw(`${PDF_OPEN_PATH}?name=${encodeURIComponent(fileName)}`, bytes, 'application/pdf', 60_000)
  if (!result.ok) return result
  const url = (result.data as { url?: unknown } | undefined)?.url
  return typeof url === 'string' && url.startsWith('/pdf/') ? { ok: true, data: { url } } : transport('malformed PDF answer')
}

/**
 * Prints a PDF (base64, e.g. the slip) on the named printer without a dialog: Electron only
 * (the main process hands it to the OS spooler and deletes the file at once). The web shell
 * answers UNAVAILABLE: open the PDF in the browser instead (postPdf).
 */
export function printPdfSilently(base64: string, printer: string): Promise<Result<{ printed: true }>> {
  return printPdfWith(filesBridge(), base64, printer)
}

/** The printers the system lists (Electron only; the web shell answers UNAVAILABLE). */
export function listPrinters(): Promise<Result<Printer[]>> {
  return listPrintersWith(filesBridge())
}
