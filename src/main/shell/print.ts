import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, sep } from 'node:path'
import type { IpcMainInvokeEvent } from 'electron'
import type { Result } from '@shared/contract'
import { MAX_PDF_BYTES } from '@shared/contract/pdf'
import { safeErrorMessage } from '../../common/redact'
import { PDF_PRINT_CHANNEL, PRINTERS_CHANNEL } from '../host/protocol'
import type { SenderCheck } from './ipc'

/**
 * Silent printing of a PDF in the Electron shell (the credentials slip, which holds a clear
 * password). Electron cannot print a PDF itself: webContents.print() on a window showing a PDF
 * prints a blank page (electron/electron#30947), so the PDF goes to the OS spooler: `lp` through
 * `unix-print` (Linux, macOS) or SumatraPDF through `pdf-to-printer` (Windows). Both need a file:
 * it is written to a fresh private folder (mkdtemp, 0700; file 0600, 'wx') and the folder is
 * deleted in a finally block as soon as the spooler returns (lp and SumatraPDF hand the document
 * to the system spooler before they exit). A folder left by a crash between the write and the
 * delete is removed by the sweep at the next start (sweepPrintFolders).
 */

/** Every print folder is `<tempDir>/guichet-print-XXXXXX`: the sweep removes them all. */
export const PRINT_FOLDER_PREFIX = 'guichet-print-'
/** A slip is a few tens of kB (a logo ≤ 150 000 characters): 10 MiB is far above, and below MAX_PDF_BYTES. */
export const MAX_PRINT_BYTES = Math.min(MAX_PDF_BYTES, 10 * 1024 * 1024)
export const MAX_PRINTER_NAME = 200

/** What the page gets from PRINTERS_CHANNEL. */
export interface PrinterEntry {
  name: string
  displayName: string
  isDefault: boolean
}

/** A printer as webContents.getPrintersAsync() lists it (Electron ≥ 23 has no isDefault). */
export interface SystemPrinter {
  name: string
  displayName?: string
}

/** The OS spooler: sends a PDF file to a printer, resolves once the spooler has taken it. */
export type SpoolFile = (file: string, printer: string) => Promise<void>

export interface ShellPrintDeps {
  ipcMain: {
    handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void
    removeHandler(channel: string): void
  }
  isTrustedSender: SenderCheck
  /** Where the short-lived print folders are made (app.getPath('temp')). */
  tempDir: string
  /** process.platform: 'win32' allows every printer name Windows lists, others go through a shell (lp). */
  platform: NodeJS.Platform
  /** The printers the system lists, as seen by the sender's webContents (getPrintersAsync). */
  listPrinters(event: IpcMainInvokeEvent): Promise<SystemPrinter[]>
  /** The system's default printer name, if any (null when unknown). */
  defaultPrinter?(): Promise<string | null>
  /** The spooler (loaded on first use: unix-print or pdf-to-printer, never both). */
  spool: SpoolFile
}

const refused = (message: string): Result<never> => ({ ok: false, error: { code: 'INVALID_INPUT', message } })
const forbidden: Result<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'Sender refused' } }
const failed = (message: string): Result<never> => ({ ok: false, error: { code: 'INTERNAL', message } })

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
/**
 * unix-print runs `lp '<file>' -d <printer>` through a shell without quoting the printer: on
 * Linux and macOS only names made of these characters (CUPS names are like HP_LaserJet_M404 or
 * EPSON_TM-T20III) reach it. Windows (pdf-to-printer) passes arguments without a shell.
 */
const SHELL_SAFE_PRINTER = /^[\p{L}\p{N}_.@%+:,=-]+$/u

/** Checks a printer name; null when it may be used (it must still be one the system lists). */
export function printerNameProblem(name: unknown, platform: NodeJS.Platform): string | null {
  if (typeof name !== 'string' || name.trim() === '') return 'A printer name is expected'
  if (name.length > MAX_PRINTER_NAME) return 'Printer name too long'
  if (CONTROL.test(name)) return 'Printer name with a control character'
  if (platform !== 'win32' && !SHELL_SAFE_PRINTER.test(name)) return 'Printer name with a character the spooler cannot take'
  return null
}

function pdfBytesProblem(bytes: unknown): string | null {
  if (!(bytes instanceof Uint8Array) || bytes.length < 5) return 'PDF bytes are expected'
  if (bytes.length > MAX_PRINT_BYTES) return 'PDF too big to print'
  if (Buffer.from(bytes.subarray(0, 5)).toString('latin1') !== '%PDF-') return 'A PDF is expected'
  return null
}

/** Removes every print folder (a crash between write and delete); returns how many. */
export async function sweepPrintFolders(tempDir: string): Promise<number> {
  let removed = 0
  for (const entry of await readdir(tempDir).catch(() => [] as string[])) {
    if (!entry.startsWith(PRINT_FOLDER_PREFIX)) continue
    await rm(join(tempDir, entry), { recursive: true, force: true })
      .then(() => (removed += 1))
      .catch(() => undefined)
  }
  return removed
}

/** Registers the two handlers; returns a function that removes them. */
export function registerShellPrint(deps: ShellPrintDeps): () => void {
  const listPrinters = async (event: IpcMainInvokeEvent): Promise<PrinterEntry[]> => {
    const [printers, byDefault] = await Promise.all([
      deps.listPrinters(event),
      (deps.defaultPrinter?.() ?? Promise.resolve(null)).catch(() => null),
    ])
    return printers
      .filter((p) => typeof p?.name === 'string' && p.name !== '')
      .map((p) => ({
        name: p.name,
        displayName: typeof p.displayName === 'string' && p.displayName !== '' ? p.displayName : p.name,
        isDefault: p.name === byDefault,
      }))
  }

  deps.ipcMain.handle(PRINTERS_CHANNEL, async (event) => {
    if (!deps.isTrustedSender(event.senderFrame)) return forbidden
    try {
      return { ok: true, data: await listPrinters(event) } satisfies Result<PrinterEntry[]>
    } catch (error) {
      return failed(`Printers unavailable: ${safeErrorMessage(error)}`)
    }
  })

  deps.ipcMain.handle(PDF_PRINT_CHANNEL, async (event, bytes, printer) => {
    if (!deps.isTrustedSender(event.senderFrame)) return forbidden
    const badBytes = pdfBytesProblem(bytes)
    if (badBytes) return refused(badBytes)
    const badName = printerNameProblem(printer, deps.platform)
    if (badName) return refused(badName)
    const name = printer as string
    let known: SystemPrinter[]
    try {
      known = await deps.listPrinters(event)
    } catch (error) {
      return failed(`Printers unavailable: ${safeErrorMessage(error)}`)
    }
    if (!known.some((p) => p?.name === name)) return refused('Unknown printer')

    let folder: string | null = null
    try {
      folder = await mkdtemp(join(deps.tempDir, PRINT_FOLDER_PREFIX))
      const file = join(folder, 'fiche.pdf')
      // The path reaches a shell inside unix-print, between single quotes.
      if (deps.platform !== 'win32' && (file.includes("'") || CONTROL.test(file))) return failed('Temporary folder path not usable by the spooler')
      await writeFile(file, bytes as Uint8Array, { flag: 'wx', mode: 0o600 })
      await deps.spool(file, name)
      return { ok: true, data: { printed: true as const } }
    } catch (error) {
      return failed(`Printing failed: ${safeErrorMessage(error)}`)
    } finally {
      if (folder) await rm(folder, { recursive: true, force: true }).catch(() => undefined)
    }
  })

  return () => {
    deps.ipcMain.removeHandler(PDF_PRINT_CHANNEL)
    deps.ipcMain.removeHandler(PRINTERS_CHANNEL)
  }
}

/** app.asar → app.asar.unpacked: an executable cannot run from inside the archive. */
export function unpackedPath(path: string): string {
  return path.replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`)
}

/** A CommonJS package's exports from import(): Node gives a webpack bundle's only as `default`. */
export function packageExports<T extends object>(namespace: T): T {
  const inner = (namespace as { default?: unknown }).default
  return typeof inner === 'object' && inner !== null ? (inner as T) : namespace
}

/**
 * The platform's spool package, imported on first use so that the other platform's package is
 * never loaded. pdf-to-printer is a webpack bundle: import() sees only its `default` export.
 */
export async function spoolPackage(platform: NodeJS.Platform): Promise<
  | { platform: 'win32'; print: (typeof import('pdf-to-printer'))['print']; getDefaultPrinter: (typeof import('pdf-to-printer'))['getDefaultPrinter'] }
  | { platform: 'unix'; print: (typeof import('unix-print'))['print'] }
> {
  if (platform === 'win32') {
    const lib = packageExports(await import('pdf-to-printer'))
    return { platform: 'win32', print: lib.print, getDefaultPrinter: lib.getDefaultPrinter }
  }
  const lib = packageExports(await import('unix-print'))
  return { platform: 'unix', print: lib.print }
}

/**
 * The real spooler of this platform. On Windows, SumatraPDF's path is given explicitly (the
 * unpacked copy, electron-builder.yml asarUnpack), not guessed by pdf-to-printer.
 */
export function systemSpooler(platform: NodeJS.Platform): { spool: SpoolFile; defaultPrinter(): Promise<string | null> } {
  return {
    spool: async (file, printer) => {
      const pkg = await spoolPackage(platform)
      if (pkg.platform === 'win32') await pkg.print(file, { printer, silent: true, sumatraPdfPath: sumatraPath() })
      else await pkg.print(file, printer)
    },
    defaultPrinter: async () => {
      if (platform === 'win32') {
        const pkg = await spoolPackage(platform)
        return pkg.platform === 'win32' ? ((await pkg.getDefaultPrinter())?.name ?? null) : null
      }
      // `lpstat -d` without a shell ("system default destination: NAME").
      return new Promise((resolve) => {
        execFile('lpstat', ['-d'], { env: { ...process.env, LANG: 'C', LC_ALL: 'C' }, timeout: 10_000 }, (error, stdout) => {
          const match = error ? null : /destination:\s*(\S+)/.exec(String(stdout))
          resolve(match ? match[1]! : null)
        })
      })
    },
  }
}

function sumatraPath(): string {
  const dist = dirname(createRequire(__filename).resolve('pdf-to-printer'))
  const exe = readdirSync(dist).find((name) => /^SumatraPDF.*\.exe$/i.test(name))
  if (!exe) throw new Error('SumatraPDF not found in pdf-to-printer')
  return unpackedPath(join(dist, exe))
}
