import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { IpcMainInvokeEvent } from 'electron'
import { PDF_PRINT_CHANNEL, PRINTERS_CHANNEL } from '../../../src/main/host/protocol'
import {
  MAX_PRINT_BYTES,
  PRINT_FOLDER_PREFIX,
  printerNameProblem,
  registerShellPrint,
  packageExports,
  spoolPackage,
  sweepPrintFolders,
  unpackedPath,
  type SpoolFile,
} from '../../../src/main/shell/print'
import { buildGuichetFiles } from '../../../src/preload/files'
import { tempDir } from '../../helpers/core'
import { pdfBytes } from '../../helpers/scan-files'

// Silent printing in the Electron shell, against injected boundaries: ipcMain, the sender check,
// the system's printer list and the OS spooler are fakes (there is no Electron binary here and
// no printer); the files are real, in a real temp folder.

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

interface Spooled {
  file: string
  printer: string
  existed: boolean
  bytes: Buffer | null
  mode: number
  folderMode: number
}

function setup(opts: { trusted?: boolean; platform?: NodeJS.Platform; spool?: SpoolFile; printers?: () => Promise<Array<{ name: string; displayName?: string }>>; defaultPrinter?: () => Promise<string | null> } = {}) {
  const tmp = tempDir('guichet-print-test-')
  cleanups.push(tmp.cleanup)
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
  const frame = { url: 'app://guichet/index.html' }
  const spooled: Spooled[] = []
  const unregister = registerShellPrint({
    ipcMain: {
      handle: (channel, listener) => handlers.set(channel, listener as never),
      removeHandler: (channel) => handlers.delete(channel),
    },
    isTrustedSender: (f) => f === frame && opts.trusted !== false,
    tempDir: tmp.dir,
    platform: opts.platform ?? 'linux',
    listPrinters: opts.printers ?? (async () => [{ name: 'EPSON_TM-T20III', displayName: 'Epson ticket' }, { name: 'HP_LaserJet_M404' }]),
    defaultPrinter: opts.defaultPrinter ?? (async () => 'HP_LaserJet_M404'),
    // The spooler fake records what it saw WHILE it ran: the file must exist then, with the bytes.
    spool: async (file, printer) => {
      const existed = existsSync(file)
      spooled.push({
        file,
        printer,
        existed,
        bytes: existed ? readFileSync(file) : null,
        mode: existed ? statSync(file).mode & 0o777 : -1,
        folderMode: existed ? statSync(dirname(file)).mode & 0o777 : -1,
      })
      if (opts.spool) await opts.spool(file, printer)
    },
  })
  const invoke = (channel: string, ...args: unknown[]) => handlers.get(channel)!({ senderFrame: frame, sender: {} } as unknown as IpcMainInvokeEvent, ...args)
  const leftovers = () => readdirSync(tmp.dir)
  return { dir: tmp.dir, handlers, invoke, spooled, leftovers, unregister }
}

describe('main process: registerShellPrint (PDF_PRINT_CHANNEL)', () => {
  it('writes the PDF in a private folder, spools it, and deletes the file and its folder at once', async () => {
    const t = setup()
    const bytes = await pdfBytes('fiche identifiants')
    expect(await t.invoke(PDF_PRINT_CHANNEL, bytes, 'HP_LaserJet_M404')).toEqual({ ok: true, data: { printed: true } })
    expect(t.spooled).toHaveLength(1)
    const seen = t.spooled[0]!
    expect(seen.printer).toBe('HP_LaserJet_M404')
    expect(seen.existed).toBe(true)
    expect(seen.bytes!.equals(Buffer.from(bytes))).toBe(true)
    expect(seen.file.startsWith(join(t.dir, PRINT_FOLDER_PREFIX))).toBe(true)
    if (process.platform !== 'win32') {
      expect(seen.mode).toBe(0o600)
      expect(seen.folderMode).toBe(0o700)
    }
    // Gone: the file, its folder, anything else in the temp folder.
    expect(existsSync(seen.file)).toBe(false)
    expect(existsSync(dirname(seen.file))).toBe(false)
    expect(t.leftovers()).toEqual([])
  })

  it('still deletes the file when the spooler fails, and answers INTERNAL', async () => {
    const t = setup({
      spool: async () => {
        throw new Error('lp: The printer or class does not exist.')
      },
    })
    const result = await t.invoke(PDF_PRINT_CHANNEL, await pdfBytes(), 'EPSON_TM-T20III')
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('Printing failed') } })
    expect(t.spooled[0]!.existed).toBe(true)
    expect(existsSync(t.spooled[0]!.file)).toBe(false)
    expect(t.leftovers()).toEqual([])
  })

  it('refuses another sender, bad bytes, a non-PDF, an 11 MiB PDF, an unknown or unsafe printer name, without writing anything', async () => {
    const pdf = await pdfBytes()
    const other = setup({ trusted: false })
    expect(await other.invoke(PDF_PRINT_CHANNEL, pdf, 'HP_LaserJet_M404')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await other.invoke(PRINTERS_CHANNEL)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })

    const t = setup()
    const big = new Uint8Array(11 * 1024 * 1024)
    big.set(new TextEncoder().encode('%PDF-1.7\n'))
    const cases: Array<[unknown, unknown]> = [
      ['JVBERi0xLjcK', 'HP_LaserJet_M404'], // base64, not bytes
      [[37, 80, 68, 70, 45], 'HP_LaserJet_M404'], // an array, not bytes
      [new Uint8Array([37, 80, 68]), 'HP_LaserJet_M404'], // too short
      [new TextEncoder().encode('<html><body>fiche</body></html>'), 'HP_LaserJet_M404'],
      [big, 'HP_LaserJet_M404'],
      [pdf, 'Canon_Inconnue'],
      [pdf, ''],
      [pdf, '   '],
      [pdf, undefined],
      [pdf, 42],
      [pdf, 'HP_LaserJet_M404\0'],
      [pdf, 'HP_LaserJet_M404\n'],
      [pdf, 'HP_LaserJet_M404; rm -rf ~'],
      [pdf, '$(touch pwned)'],
      [pdf, 'x'.repeat(201)],
    ]
    for (const [bytes, printer] of cases) {
      expect(await t.invoke(PDF_PRINT_CHANNEL, bytes, printer), String(printer).slice(0, 40)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(big.length).toBeGreaterThan(MAX_PRINT_BYTES)
    expect(t.spooled).toEqual([])
    expect(other.spooled).toEqual([])
    expect(t.leftovers()).toEqual([])
  })

  it('takes only a printer the system lists, even a shell-safe one; Windows names may hold spaces', async () => {
    const t = setup({ printers: async () => [{ name: 'Brother_HL' }] })
    expect(await t.invoke(PDF_PRINT_CHANNEL, await pdfBytes(), 'HP_LaserJet_M404')).toMatchObject({ ok: false, error: { message: 'Unknown printer' } })
    const win = setup({ platform: 'win32', printers: async () => [{ name: 'HP LaserJet (Accueil)' }] })
    expect(await win.invoke(PDF_PRINT_CHANNEL, await pdfBytes(), 'HP LaserJet (Accueil)')).toEqual({ ok: true, data: { printed: true } })
    expect(win.spooled[0]!.printer).toBe('HP LaserJet (Accueil)')
    expect(win.leftovers()).toEqual([])
    // A name the system lists but with a NUL, a newline or a line separator is still refused.
    const odd = setup({ platform: 'win32', printers: async () => [{ name: 'HP\0' }, { name: 'HP\nLaser' }, { name: 'HP\u2028' }] })
    for (const name of ['HP\0', 'HP\nLaser', 'HP\u2028']) {
      expect(await odd.invoke(PDF_PRINT_CHANNEL, await pdfBytes(), name)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('control') } })
    }
    expect(odd.spooled).toEqual([])
    expect(printerNameProblem('HP LaserJet (Accueil)', 'linux')).not.toBeNull()
    expect(printerNameProblem('Imprimante_Accueil-2', 'darwin')).toBeNull()
  })

  it('answers INTERNAL when the printer list cannot be read, without writing', async () => {
    const t = setup({
      printers: async () => {
        throw new Error('no print backend')
      },
    })
    expect(await t.invoke(PDF_PRINT_CHANNEL, await pdfBytes(), 'HP_LaserJet_M404')).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(await t.invoke(PRINTERS_CHANNEL)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(t.spooled).toEqual([])
  })

  it('lists the printers with their display name and the default one (PRINTERS_CHANNEL); removes its handlers', async () => {
    const t = setup()
    expect(await t.invoke(PRINTERS_CHANNEL)).toEqual({
      ok: true,
      data: [
        { name: 'EPSON_TM-T20III', displayName: 'Epson ticket', isDefault: false },
        { name: 'HP_LaserJet_M404', displayName: 'HP_LaserJet_M404', isDefault: true },
      ],
    })
    const noDefault = setup({
      defaultPrinter: async () => {
        throw new Error('lpstat: No destinations added.')
      },
    })
    expect(await noDefault.invoke(PRINTERS_CHANNEL)).toMatchObject({ ok: true, data: [{ isDefault: false }, { isDefault: false }] })
    expect([...t.handlers.keys()].sort()).toEqual([PDF_PRINT_CHANNEL, PRINTERS_CHANNEL].sort())
    t.unregister()
    expect(t.handlers.size).toBe(0)
  })
})

describe('sweepPrintFolders (start of the app)', () => {
  it('removes every print folder a crash left, and nothing else', async () => {
    const tmp = tempDir('guichet-print-sweep-')
    cleanups.push(tmp.cleanup)
    for (const name of [`${PRINT_FOLDER_PREFIX}a1B2c3`, `${PRINT_FOLDER_PREFIX}zzzzzz`]) {
      mkdirSync(join(tmp.dir, name), { mode: 0o700 })
      writeFileSync(join(tmp.dir, name, 'fiche.pdf'), '%PDF-1.7 secret', { mode: 0o600 })
    }
    mkdirSync(join(tmp.dir, 'guichet-famille-pdf'))
    writeFileSync(join(tmp.dir, 'autre.txt'), 'x')
    expect(await sweepPrintFolders(tmp.dir)).toBe(2)
    expect(readdirSync(tmp.dir).sort()).toEqual(['autre.txt', 'guichet-famille-pdf'])
    expect(await sweepPrintFolders(join(tmp.dir, 'absent'))).toBe(0)
  })

  it('finds pdf-to-printer\'s functions in what Node\'s import() gives (only a default export)', () => {
    // Node itself, as in the built main bundle (vitest's own interop would add named exports).
    const keys = execFileSync(process.execPath, ['-e', "import('pdf-to-printer').then((m) => console.log(JSON.stringify(Object.keys(m))))"], { cwd: process.cwd(), encoding: 'utf8' })
    expect(JSON.parse(keys)).toEqual(['default'])
    const native = { default: createRequire(import.meta.url)('pdf-to-printer') as object }
    const lib = packageExports(native) as { print?: unknown; getDefaultPrinter?: unknown }
    expect(typeof lib.print).toBe('function')
    expect(typeof lib.getDefaultPrinter).toBe('function')
  })

  it('loads the real spool package of each platform with its functions', async () => {
    const win = await spoolPackage('win32')
    expect(win.platform).toBe('win32')
    expect(typeof win.print).toBe('function')
    expect(win.platform === 'win32' && typeof win.getDefaultPrinter).toBe('function')
    for (const platform of ['linux', 'darwin'] as const) {
      const unix = await spoolPackage(platform)
      expect(unix.platform).toBe('unix')
      expect(typeof unix.print).toBe('function')
    }
  })

  it('keeps SumatraPDF outside the asar archive', () => {
    const sep = join('a', 'b').charAt(1)
    const inside = ['C:', 'Guichet', 'resources', 'app.asar', 'node_modules', 'pdf-to-printer', 'dist', 'SumatraPDF-3.4.6-32.exe'].join(sep)
    expect(unpackedPath(inside)).toContain(`${sep}app.asar.unpacked${sep}node_modules`)
    expect(unpackedPath(unpackedPath(inside))).toBe(unpackedPath(inside))
  })
})

describe('preload: printPdf and printers', () => {
  function preload(answer: (channel: string, ...args: unknown[]) => Promise<unknown>) {
    const calls: unknown[][] = []
    const files = buildGuichetFiles(
      {
        invoke: async (channel, ...args) => {
          calls.push([channel, ...args])
          return answer(channel, ...args)
        },
      },
      { getPathForFile: () => '' },
    )
    return { files, calls }
  }

  it('relays the bytes and the printer name, and the printer list', async () => {
    const p = preload(async (channel) => (channel === PRINTERS_CHANNEL ? { ok: true, data: [] } : { ok: true, data: { printed: true } }))
    const bytes = new Uint8Array([37, 80, 68, 70, 45])
    expect(await p.files.printPdf(bytes, 'HP_LaserJet_M404')).toEqual({ ok: true, data: { printed: true } })
    expect(await p.files.printers()).toEqual({ ok: true, data: [] })
    expect(p.calls).toEqual([[PDF_PRINT_CHANNEL, bytes, 'HP_LaserJet_M404'], [PRINTERS_CHANNEL]])
    expect(Object.keys(p.files).sort()).toEqual(['importScan', 'openPdf', 'printPdf', 'printers'])
  })

  it('refuses what is not bytes or a name before the main process, and answers TRANSPORT when it is gone', async () => {
    const p = preload(async () => {
      throw new Error('gone')
    })
    expect(await p.files.printPdf('JVBERi0=' as never, 'HP')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await p.files.printPdf(new Uint8Array([37]), '' as never)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(p.calls).toEqual([])
    expect(await p.files.printPdf(new Uint8Array([37]), 'HP')).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
    expect(await p.files.printers()).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
  })
})
