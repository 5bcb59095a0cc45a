import { z } from 'zod'
import type { ContractError, Result } from '@shared/contract'

/**
 * Silent printing from the page (the credentials slip), through Electron's preload bridge
 * (window.guichetFiles.printPdf / printers, src/preload/files.ts). Without a bridge (the web
 * shell) both answer UNAVAILABLE: the screen opens the PDF in the browser instead. The public
 * wrappers are printPdfSilently and listPrinters in ./files; these take the bridge, so that they
 * need no `window`.
 */

/** A printer the system lists: `name` is what printPdfSilently takes. */
export const PrinterSchema = z.object({ name: z.string().min(1).max(200), displayName: z.string(), isDefault: z.boolean() })
export type Printer = z.infer<typeof PrinterSchema>

export interface PrintBridge {
  printPdf(bytes: Uint8Array, printer: string): Promise<Result<unknown>>
  printers(): Promise<Result<unknown>>
}

type Failure = { ok: false; error: ContractError }
const unavailable = (what: string): Failure => ({ ok: false, error: { code: 'UNAVAILABLE', message: `${what}: Electron shell only` } })
const transport = (message: string): Failure => ({ ok: false, error: { code: 'TRANSPORT', message } })
const thrown = (error: unknown): Failure => transport(error instanceof Error ? error.message : String(error))

/** Base64 → bytes, or null when it is not base64. */
function fromBase64(base64: string): Uint8Array | null {
  if (typeof base64 !== 'string' || base64 === '') return null
  try {
    const binary = globalThis.atob(base64)
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

export async function printPdfWith(bridge: PrintBridge | null, base64: string, printer: string): Promise<Result<{ printed: true }>> {
  if (!bridge) return unavailable('silent printing')
  const bytes = fromBase64(base64)
  if (!bytes) return { ok: false, error: { code: 'INVALID_INPUT', message: 'PDF base64 expected' } }
  try {
    const result = await bridge.printPdf(bytes, printer)
    if (!result.ok) return result
    return (result.data as { printed?: unknown } | undefined)?.printed === true ? { ok: true, data: { printed: true } } : transport('malformed print answer')
  } catch (error) {
    return thrown(error)
  } finally {
    // Our copy of the slip's bytes (the clear password) is not kept around until the next GC.
    bytes.fill(0)
  }
}

export async function listPrintersWith(bridge: PrintBridge | null): Promise<Result<Printer[]>> {
  if (!bridge) return unavailable('printer list')
  try {
    const result = await bridge.printers()
    if (!result.ok) return result
    const list = z.array(PrinterSchema).safeParse(result.data)
    return list.success ? { ok: true, data: list.data } : transport('malformed printer list')
  } catch (error) {
    return thrown(error)
  }
}
