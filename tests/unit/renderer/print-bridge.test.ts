import { describe, expect, it } from 'vitest'
import type { Result } from '@shared/contract'
import { listPrintersWith, printPdfWith, type PrintBridge } from '../../../src/renderer/api/print'

// The renderer's side of silent printing (printPdfSilently / listPrinters in api/files.ts pass
// window.guichetFiles, or null in the web shell): Electron's preload bridge when it is there,
// UNAVAILABLE without it (the screen then opens the PDF in the browser).

const PDF_BASE64 = Buffer.from('%PDF-1.7\nfiche').toString('base64')
const unused = async (): Promise<Result<unknown>> => {
  throw new Error('not expected')
}

describe('printPdfWith and listPrintersWith', () => {
  it('answer UNAVAILABLE in the web shell (no bridge)', async () => {
    expect(await printPdfWith(null, PDF_BASE64, 'HP')).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } })
    expect(await listPrintersWith(null)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } })
  })

  it('hand the decoded bytes and the printer to the bridge, and check its answers', async () => {
    const seen: Array<[string, string]> = []
    let printersAnswer: Result<unknown> = { ok: true, data: [{ name: 'HP_LaserJet_M404', displayName: 'HP', isDefault: true }] }
    let printAnswer: Result<unknown> = { ok: true, data: { printed: true } }
    const bridge: PrintBridge = {
      printPdf: async (bytes, printer) => {
        seen.push([Buffer.from(bytes).toString('latin1'), printer])
        return printAnswer
      },
      printers: async () => printersAnswer,
    }
    expect(await printPdfWith(bridge, PDF_BASE64, 'HP_LaserJet_M404')).toEqual({ ok: true, data: { printed: true } })
    expect(seen).toEqual([['%PDF-1.7\nfiche', 'HP_LaserJet_M404']])
    for (const bad of ['pas du base64 !', '']) {
      expect(await printPdfWith(bridge, bad, 'HP_LaserJet_M404')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(seen).toHaveLength(1)
    printAnswer = { ok: false, error: { code: 'INVALID_INPUT', message: 'Unknown printer' } }
    expect(await printPdfWith(bridge, PDF_BASE64, 'X')).toEqual(printAnswer)
    printAnswer = { ok: true, data: {} }
    expect(await printPdfWith(bridge, PDF_BASE64, 'X')).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })

    expect(await listPrintersWith(bridge)).toEqual({ ok: true, data: [{ name: 'HP_LaserJet_M404', displayName: 'HP', isDefault: true }] })
    printersAnswer = { ok: true, data: [{ name: '' }] }
    expect(await listPrintersWith(bridge)).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
    printersAnswer = { ok: false, error: { code: 'FORBIDDEN', message: 'Sender refused' } }
    expect(await listPrintersWith(bridge)).toEqual(printersAnswer)
  })

  it('answer TRANSPORT when the bridge throws', async () => {
    const broken: PrintBridge = { printPdf: unused, printers: unused }
    expect(await printPdfWith(broken, PDF_BASE64, 'HP')).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
    expect(await listPrintersWith(broken)).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
  })
})
