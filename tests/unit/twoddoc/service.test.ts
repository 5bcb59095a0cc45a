import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TwoDDocUnreadableError, findTwoDDocTexts, mimeOfBytes } from '../../../src/main/core/twoddoc/decode'
import { cliLine, readTwoDDocFile, readTwoDDocTexts } from '../../../src/main/core/twoddoc/reader'
import { TwoDDocWorkerError, createTwoDDocService, defaultWorkerFile, type TwoDDocService } from '../../../src/main/core/twoddoc/service'
import { parseTrustBundle, type TrustBundle } from '../../../src/main/core/twoddoc/trust'
import { BILL_SECRETS, billImage, billPdf, dataMatrixPng, makeTestPki, signedTwoDDoc, testBundle, type TestSigner } from '../../support/twoddoc'

let signer: TestSigner
let bundle: TrustBundle
let text: string
let png: Buffer
let pdf: Uint8Array
let service: TwoDDocService
const dirs: string[] = []

beforeAll(async () => {
  signer = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  bundle = parseTrustBundle(JSON.stringify(testBundle([signer])))
  text = await signedTwoDDoc({ authorityId: 'FR99', certificateId: 'TS01', emittedOn: '2026-10-31' }, signer)
  png = await billImage(text)
  pdf = await billPdf(text)
  service = createTwoDDocService()
})

afterAll(async () => {
  await service?.close()
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const OUTCOME_KEYS = [
  'found',
  'codes',
  'signature',
  'signatureReason',
  'authority',
  'certificate',
  'documentType',
  'perimeter',
  'proofOfAddress',
  'emittedOn',
  'holder',
  'holderName',
  'addressLine',
  'postcode',
  'city',
  'truncatedFields',
  'truncatedLabels',
  'formatProblems',
].sort()

describe('reader (in this thread)', () => {
  it('finds the code on a bill page, verifies it, and keeps only the listed fields (no invoice number, amount, phone)', async () => {
    const o = await readTwoDDocFile(png, 'image/png', bundle)
    expect(o).toMatchObject({
      found: true,
      codes: 1,
      signature: 'valid',
      documentType: '01',
      perimeter: '01',
      proofOfAddress: true,
      emittedOn: '2026-10-31',
      holder: 'M LEMERCIER PIERRE-ALEXANDRE',
      holderName: { title: 'M', surname: 'LEMERCIER', given: 'PIERRE-ALEXANDRE' },
      addressLine: '37 RUE ALEXANDRE-DUMAS',
      postcode: '78420',
      city: 'CARRIERES-SUR-SEINE',
      truncatedFields: [],
    })
    expect(Object.keys(o).sort()).toEqual(OUTCOME_KEYS)
    const json = JSON.stringify(o)
    for (const secret of BILL_SECRETS) expect(json).not.toContain(secret)
  })

  it('cliLine has exactly the issue keys', async () => {
    const o = readTwoDDocTexts([text], bundle)
    expect(Object.keys(cliLine(o))).toEqual([
      'found',
      'signature',
      'documentType',
      'proofOfAddress',
      'emittedOn',
      'holder',
      'addressLine',
      'postcode',
      'city',
      'truncatedFields',
    ])
    expect(cliLine(readTwoDDocTexts([], bundle))).toEqual({ found: false })
  })

  it('picks the first proof of address among several codes; a non-address document gives no holder or address', async () => {
    const payslip = await signedTwoDDoc({ authorityId: 'FR99', certificateId: 'TS01', emittedOn: '2026-10-01', documentType: '06' }, signer)
    const both = readTwoDDocTexts([payslip, text], bundle)
    expect(both).toMatchObject({ found: true, codes: 2, documentType: '01', proofOfAddress: true })
    const alone = readTwoDDocTexts([payslip], bundle)
    expect(alone).toMatchObject({ found: true, codes: 1, documentType: '06', proofOfAddress: false, holder: null, addressLine: null, postcode: null })
    // The same code printed twice is one code.
    expect(readTwoDDocTexts([text, text], bundle)).toMatchObject({ found: true, codes: 1 })
    // A "DC…" code that is no 2D-Doc is not counted.
    expect(readTwoDDocTexts(['DC99 NOT A 2D-DOC'], bundle)).toEqual({ found: false, codes: 0 })
  })

  it('reports truncated fields with their French names', async () => {
    const cut = await signedTwoDDoc(
      {
        authorityId: 'FR99',
        certificateId: 'TS01',
        emittedOn: '2026-10-31',
        fields: [
          ['10', 'M/LEMERCIER/PIERRE-ALEXANDRE'],
          ['22', '37 RUE ALEXANDRE-DU', 'truncated'],
          ['24', '78420'],
        ],
      },
      signer,
    )
    expect(readTwoDDocTexts([cut], bundle)).toMatchObject({
      signature: 'valid',
      truncatedFields: ['22'],
      truncatedLabels: ['Adresse, ligne 4 (numéro et voie)'],
      addressLine: '37 RUE ALEXANDRE-DU',
    })
  })

  it('tells the kind of a file from its bytes; refuses what is no image or PDF, a corrupt image or PDF', async () => {
    expect(mimeOfBytes(png)).toBe('image/png')
    expect(mimeOfBytes(pdf)).toBe('application/pdf')
    expect(mimeOfBytes(await billImage(text, { format: 'jpeg' }))).toBe('image/jpeg')
    expect(mimeOfBytes(Buffer.from('hello'))).toBeNull()
    await expect(findTwoDDocTexts(Buffer.from('hello'), 'image/png')).rejects.toThrow(TwoDDocUnreadableError)
    // A truncated PNG (this one crashes a native image decoder: it must never reach one).
    await expect(findTwoDDocTexts(png.subarray(0, 400), 'image/png')).rejects.toThrow(/illisible/)
    await expect(findTwoDDocTexts(Buffer.from('%PDF-1.7\nnot really a pdf'), 'application/pdf')).rejects.toThrow(/PDF est illisible/)
    await expect(findTwoDDocTexts(new Uint8Array(0), 'image/png')).rejects.toThrow(/vide/)
  })

  it('a code on a transparent background is read (composited on white)', async () => {
    const bwip = (await import('bwip-js/node')).default
    const transparent = await bwip.toBuffer({ bcid: 'datamatrix', text, scale: 3, parsefnc: false })
    expect(await findTwoDDocTexts(transparent, 'image/png')).toEqual([text])
    expect(await findTwoDDocTexts(await dataMatrixPng(text), 'image/png')).toEqual([text])
  })
})

describe('service (worker thread)', () => {
  it('runs the worker module from source here', () => {
    expect(defaultWorkerFile()).toMatch(/twoddoc[/\\]worker\.ts$/)
  })

  it('reads a PNG and a PDF in the worker; the bytes are transferred, not copied', async () => {
    const bytes = new Uint8Array(png)
    const o = await service.read(bytes, 'image/png', bundle)
    expect(o).toMatchObject({ found: true, signature: 'valid', postcode: '78420' })
    expect(bytes.byteLength).toBe(0)
    const fromPdf = await service.read(new Uint8Array(pdf), 'application/pdf', bundle)
    expect(fromPdf).toMatchObject({ found: true, signature: 'valid', emittedOn: '2026-10-31', proofOfAddress: true })
    const none = await service.read(new Uint8Array(await billImage('')), 'image/png', bundle)
    expect(none).toEqual({ found: false, codes: 0 })
  })

  it('the thread that asks stays free while the worker reads', async () => {
    let ticks = 0
    const timer = setInterval(() => (ticks += 1), 5)
    const started = performance.now()
    await Promise.all([service.read(new Uint8Array(pdf), 'application/pdf', bundle), service.read(new Uint8Array(png), 'image/png', bundle)])
    const elapsed = performance.now() - started
    clearInterval(timer)
    // A busy thread would tick once at the end; a free one ticks all along (lenient: a loaded machine).
    expect(ticks).toBeGreaterThanOrEqual(Math.min(3, Math.floor(elapsed / 40)))
  })

  it('an unreadable file is a TwoDDocUnreadableError with a French message; the worker goes on', async () => {
    await expect(service.read(new Uint8Array(png.subarray(0, 400)), 'image/png', bundle)).rejects.toBeInstanceOf(TwoDDocUnreadableError)
    await expect(service.read(Buffer.from('not an image at all'), 'image/png', bundle)).rejects.toThrow(/ni une image/)
    expect(await service.read(new Uint8Array(png), 'image/png', bundle)).toMatchObject({ signature: 'valid' })
  })

  it('a second bundle object is sent once and used: unknown_issuer with an empty bundle', async () => {
    const empty = parseTrustBundle(JSON.stringify({ sequence: 1, nextUpdate: '2099-12-31', authorities: [], signingCertificates: [] }))
    expect(await service.read(new Uint8Array(png), 'image/png', empty)).toMatchObject({ signature: 'unknown_issuer' })
    expect(await service.read(new Uint8Array(png), 'image/png', bundle)).toMatchObject({ signature: 'valid' })
  })

  /** A stand-in worker speaking the same messages: crashes on 0xEE, never answers on 0xDD. */
  function fakeWorker(): string {
    const dir = mkdtempSync(join(tmpdir(), 'twoddoc-worker-'))
    dirs.push(dir)
    const file = join(dir, 'worker.cjs')
    writeFileSync(
      file,
      `const { parentPort } = require('node:worker_threads')
parentPort.on('message', (m) => {
  if (m.bytes[0] === 0xee) process.exit(3)
  if (m.bytes[0] === 0xdd) return
  parentPort.postMessage({ id: m.id, ok: true, outcome: { found: false, codes: 0 } })
})`,
    )
    return file
  }

  it('a worker that dies fails the read, and the next read starts a new one', async () => {
    const s = createTwoDDocService({ workerFile: fakeWorker() })
    try {
      expect(await s.read(new Uint8Array([1, 2, 3]), 'image/png', bundle)).toEqual({ found: false, codes: 0 })
      await expect(s.read(new Uint8Array([0xee]), 'image/png', bundle)).rejects.toBeInstanceOf(TwoDDocWorkerError)
      expect(await s.read(new Uint8Array([1, 2, 3]), 'image/png', bundle)).toEqual({ found: false, codes: 0 })
    } finally {
      await s.close()
    }
  })

  it('a read past the time limit is stopped with a French error; the next read works', async () => {
    const s = createTwoDDocService({ workerFile: fakeWorker(), timeoutMs: 300 })
    try {
      await expect(s.read(new Uint8Array([0xdd]), 'image/png', bundle)).rejects.toThrow(/trop de temps/)
      expect(await s.read(new Uint8Array([1]), 'image/png', bundle)).toEqual({ found: false, codes: 0 })
    } finally {
      await s.close()
    }
    await expect(s.read(new Uint8Array([1]), 'image/png', bundle)).rejects.toThrow(/fermé/)
  })

  it('a missing worker file is a French error, not a crash', async () => {
    const s = createTwoDDocService({ workerFile: join(tmpdir(), 'no-such-twoddoc-worker.js') })
    await expect(s.read(new Uint8Array([1]), 'image/png', bundle)).rejects.toThrow(/introuvable/)
    await s.close()
  })
})
