import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { Result } from '@shared/contract'
import { PDF_OPEN_CHANNEL, SCAN_IMPORT_CHANNEL } from '../../../src/main/host/protocol'
import { registerShellFiles } from '../../../src/main/shell/files'
import { importScanFile } from '../../../src/main/core/services/scans'
import { DomainError } from '@shared/contract'
import { toContractError } from '../../../src/main/core/router'
import { tempDir } from '../../helpers/core'
import { PNG_1x1, TEXT_FILE, pdfBytes } from '../../helpers/scan-files'

// Electron glue for files, against a mocked electron: the preload turns a picked File into its
// path and invokes the main process; the main process checks the sender and relays the path to
// the core host (here a host double that runs the real import into a temp data folder).
const electron = vi.hoisted(() => ({
  exposeInMainWorld: vi.fn(),
  invoke: vi.fn(),
  getPathForFile: vi.fn(),
}))
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: electron.exposeInMainWorld },
  ipcRenderer: { invoke: electron.invoke, on: vi.fn(), send: vi.fn() },
  webUtils: { getPathForFile: electron.getPathForFile },
}))

type Files = { importScan(file: unknown): Promise<Result<unknown>>; openPdf(bytes: Uint8Array, name: string): Promise<Result<unknown>> }
let files: Files

beforeAll(async () => {
  await import('../../../src/preload/index')
  const call = electron.exposeInMainWorld.mock.calls.find(([key]) => key === 'guichetFiles')
  expect(call).toBeDefined()
  files = call![1] as Files
})

const cleanups: Array<() => void> = []
afterEach(() => {
  cleanups.splice(0).forEach((c) => c())
  electron.invoke.mockReset()
  electron.getPathForFile.mockReset()
})

describe('preload: window.guichetFiles', () => {
  it('exposes four named functions, frozen', () => {
    expect(Object.keys(files).sort()).toEqual(['importScan', 'openPdf', 'printPdf', 'printers'])
    expect(Object.isFrozen(files)).toBe(true)
  })

  it('sends a picked file as its path, never its bytes', async () => {
    const file = new File([TEXT_FILE], 'Avis CAF.pdf')
    electron.getPathForFile.mockReturnValue('/home/agent/Bureau/Avis CAF.pdf')
    electron.invoke.mockResolvedValue({ ok: true, data: { sha256: 'a'.repeat(64) } })
    expect(await files.importScan(file)).toEqual({ ok: true, data: { sha256: 'a'.repeat(64) } })
    expect(electron.getPathForFile).toHaveBeenCalledWith(file)
    expect(electron.invoke).toHaveBeenCalledWith(SCAN_IMPORT_CHANNEL, '/home/agent/Bureau/Avis CAF.pdf', 'Avis CAF.pdf')
  })

  it('refuses a File built in JavaScript (no path) and what is not a File, without calling the main process', async () => {
    electron.getPathForFile.mockReturnValueOnce('')
    expect(await files.importScan(new File(['x'], 'x.pdf'))).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    electron.getPathForFile.mockImplementationOnce(() => {
      throw new TypeError('not a File')
    })
    expect(await files.importScan({ path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(electron.invoke).not.toHaveBeenCalled()
  })

  it('answers TRANSPORT when the main process is gone, and relays PDF bytes', async () => {
    electron.getPathForFile.mockReturnValue('/tmp/a.pdf')
    electron.invoke.mockRejectedValueOnce(new Error('gone'))
    expect(await files.importScan(new File(['x'], 'a.pdf'))).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
    electron.invoke.mockResolvedValueOnce({ ok: true, data: { opened: 'viewer' } })
    const bytes = new Uint8Array([37, 80, 68, 70, 45])
    expect(await files.openPdf(bytes, 'recap.pdf')).toEqual({ ok: true, data: { opened: 'viewer' } })
    expect(electron.invoke).toHaveBeenLastCalledWith(PDF_OPEN_CHANNEL, bytes, 'recap.pdf')
  })
})

describe('main process: registerShellFiles relays, never reads a scan itself', () => {
  function setup(opts: { trusted?: boolean; openPath?: (path: string) => Promise<string> } = {}) {
    const data = tempDir('guichet-electron-scans-')
    const src = tempDir('guichet-electron-src-')
    const pdf = tempDir('guichet-electron-pdf-')
    cleanups.push(data.cleanup, src.cleanup, pdf.cleanup)
    const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>()
    const frame = { url: 'app://guichet/index.html' }
    const imports: Array<[string, string]> = []
    const opened: string[] = []
    const unregister = registerShellFiles({
      ipcMain: {
        handle: (channel, listener) => handlers.set(channel, listener as never),
        removeHandler: (channel) => handlers.delete(channel),
      },
      host: {
        // The core host's side of the 'scan' message (src/main/host/runtime.ts), run in-process.
        importScan: async (path, name) => {
          imports.push([path, name])
          try {
            return { ok: true, data: await importScanFile(data.dir, path, name) }
          } catch (error) {
            return { ok: false, error: toContractError(error as DomainError) }
          }
        },
      },
      isTrustedSender: (f) => f === frame && opts.trusted !== false,
      pdfDir: pdf.dir,
      openPath: async (path) => {
        opened.push(path)
        return opts.openPath ? opts.openPath(path) : ''
      },
    })
    const invoke = (channel: string, ...args: unknown[]) => handlers.get(channel)!({ senderFrame: frame }, ...args)
    return { data: data.dir, src: src.dir, pdfDir: pdf.dir, handlers, invoke, imports, opened, unregister }
  }

  it('relays a picked file path from our window to the core host, which imports it', async () => {
    const t = setup()
    const bytes = await pdfBytes('attestation')
    const path = join(t.src, 'attestation.pdf')
    writeFileSync(path, bytes)
    const result = await t.invoke(SCAN_IMPORT_CHANNEL, path, 'attestation.pdf')
    expect(result).toMatchObject({ ok: true, data: { mime: 'application/pdf', size: bytes.length, name: 'attestation.pdf' } })
    expect(readdirSync(join(t.data, 'scans'))).toHaveLength(1)
    const lying = join(t.src, 'avis.pdf')
    writeFileSync(lying, PNG_1x1)
    expect(await t.invoke(SCAN_IMPORT_CHANNEL, lying, 'avis.pdf')).toMatchObject({ ok: false, error: { details: { rule: 'SCAN_NAME_MISMATCH' } } })
    t.unregister()
    expect(t.handlers.size).toBe(0)
  })

  it('refuses another frame, a relative path, a NUL and a missing name before the host is asked', async () => {
    const t = setup({ trusted: false })
    expect(await t.invoke(SCAN_IMPORT_CHANNEL, '/tmp/a.pdf', 'a.pdf')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await t.invoke(PDF_OPEN_CHANNEL, await pdfBytes(), 'a.pdf')).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    const u = setup()
    for (const args of [['a.pdf', 'a.pdf'], ['/tmp/a\0.pdf', 'a.pdf'], ['/tmp/a.pdf'], [{ path: '/tmp/a.pdf' }, 'a.pdf']]) {
      expect(await u.invoke(SCAN_IMPORT_CHANNEL, ...args)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(t.imports).toEqual([])
    expect(u.imports).toEqual([])
  })

  it('opens a PDF with the system viewer from its own private folder; refuses what is not a PDF', async () => {
    const t = setup()
    const bytes = await pdfBytes('récap')
    expect(await t.invoke(PDF_OPEN_CHANNEL, bytes, '../../récapitulatif F-0001.pdf')).toEqual({ ok: true, data: { opened: 'viewer' } })
    expect(t.opened).toHaveLength(1)
    const file = t.opened[0]!
    expect(file.startsWith(t.pdfDir)).toBe(true)
    expect(file.endsWith('/récapitulatif F-0001.pdf')).toBe(true)
    expect(readFileSync(file).equals(Buffer.from(bytes))).toBe(true)
    expect(await t.invoke(PDF_OPEN_CHANNEL, new TextEncoder().encode('<html>'), 'x.pdf')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await t.invoke(PDF_OPEN_CHANNEL, 'JVBERi0=', 'x.pdf')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(t.opened).toHaveLength(1)
    const broken = setup({ openPath: async () => 'Aucune application associée' })
    expect(await broken.invoke(PDF_OPEN_CHANNEL, bytes, 'r.pdf')).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(existsSync(broken.opened[0]!)).toBe(true)
  })
})
