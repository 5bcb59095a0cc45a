import { createCanvas, loadImage } from '@napi-rs/canvas'
import { beforeAll, describe, expect, it } from 'vitest'
import { TwoDDocUnreadableError } from '../../../src/main/core/twoddoc/decode'
import { readTwoDDocFile, type TwoDDocOutcome } from '../../../src/main/core/twoddoc/reader'
import type { TrustBundle } from '../../../src/main/core/twoddoc/trust'
import {
  BILL_FIELDS,
  BILL_SECRETS,
  type BillOptions,
  dataMatrixPng,
  type TestSigner,
  billImage,
  billPdf,
  makeTestPki,
  signedTwoDDoc,
  testBundle,
  unsignedTwoDDoc,
} from '../../support/twoddoc'

/**
 * Synthetic bills signed by a test PKI made here (no key committed), read from whole pages as a
 * counter scans them (PNG, JPEG, PDF) by readTwoDDocFile: the verdict on every kind of case of
 * issue 13, the fields the agent needs, and never the bill's secrets (invoice number, amount, phone).
 */

let real: TestSigner
let forged: TestSigner
let otherCert: TestSigner
let bundle: TrustBundle
const outcomes: TwoDDocOutcome[] = []

beforeAll(async () => {
  real = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  // Same ids, other keys: what a forger who copies the ids of a real CA makes.
  forged = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  otherCert = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS02' })
  bundle = testBundle([real])
})

const bill = (o: Partial<BillOptions> = {}): BillOptions => ({ authorityId: 'FR99', certificateId: 'TS01', emittedOn: '2026-11-20', ...o })

async function readPng(text: string, o: Parameters<typeof billImage>[1] = {}, b: TrustBundle = bundle): Promise<TwoDDocOutcome> {
  const image = await billImage(text, o)
  const out = await readTwoDDocFile(new Uint8Array(image), o.format === 'jpeg' ? 'image/jpeg' : 'image/png', b)
  outcomes.push(out)
  return out
}

const LEMERCIER = {
  found: true,
  codes: 1,
  signature: 'valid',
  authority: 'FR99',
  certificate: 'TS01',
  documentType: '01',
  perimeter: '01',
  proofOfAddress: true,
  emittedOn: '2026-11-20',
  holder: 'M LEMERCIER PIERRE-ALEXANDRE',
  holderName: { title: 'M', surname: 'LEMERCIER', given: 'PIERRE-ALEXANDRE' },
  addressLine: '37 RUE ALEXANDRE-DUMAS',
  postcode: '78420',
  city: 'CARRIERES-SUR-SEINE',
  truncatedFields: [],
  truncatedLabels: [],
  formatProblems: [],
}

describe('synthetic bills read from a scanned page', () => {
  it('a bill signed by a certificate of the bundle is valid, with whose and where (header v04, then v03)', async () => {
    const o = await readPng(await signedTwoDDoc(bill(), real))
    expect(o).toEqual({ ...LEMERCIER, signatureReason: expect.any(String) })
    const v3 = await readPng(await signedTwoDDoc(bill({ version: 3 }), real))
    expect(v3).toMatchObject({ ...LEMERCIER })
  })

  it('one character of a field changed after signing: invalid', async () => {
    const text = await signedTwoDDoc(bill(), real)
    const tampered = text.replace('78420', '78400')
    expect(tampered).not.toBe(text)
    const o = await readPng(tampered)
    expect(o).toMatchObject({ found: true, signature: 'invalid', postcode: '78400' })
  })

  it('signed by a forged CA with the same ids (other keys; the bundle holds the real one): invalid', async () => {
    const o = await readPng(await signedTwoDDoc(bill(), forged))
    expect(o).toMatchObject({ found: true, signature: 'invalid', authority: 'FR99', certificate: 'TS01' })
  })

  it('a bundle whose signing certificate was not issued by the named authority: invalid, even when the signature matches its key', async () => {
    // The forged signing certificate under the real authority's id: the issuer check refuses it.
    const mixed: TrustBundle = { ...testBundle([real]), signingCertificates: [{ authority: 'FR99', id: 'TS01', certificatePem: forged.certificatePem }] }
    const o = await readPng(await signedTwoDDoc(bill(), forged), {}, mixed)
    expect(o).toMatchObject({ found: true, signature: 'invalid' })
  })

  it('a certificate id the bundle does not hold: unknown_issuer (the list is to update), not invalid', async () => {
    const o = await readPng(await signedTwoDDoc(bill({ certificateId: 'TS02' }), otherCert))
    expect(o).toMatchObject({ found: true, signature: 'unknown_issuer', certificate: 'TS02', proofOfAddress: true, postcode: '78420' })
    if (o.found) expect(o.signatureReason).toMatch(/liste de confiance/)
  })

  it('an avis d’impôt sur le revenu (perimeter 01, type 04) is read but is no proof of address: whose and where stay unread', async () => {
    const text = await signedTwoDDoc(
      bill({ documentType: '04', fields: [['10', 'M/LEMERCIER/PIERRE-ALEXANDRE'], ['40', '1234567890123'], ['41', '1042876'], ['45', '2025']] }),
      real,
    )
    const o = await readPng(text)
    expect(o).toMatchObject({
      found: true,
      signature: 'valid',
      documentType: '04',
      perimeter: '01',
      proofOfAddress: false,
      holder: null,
      holderName: { title: null, surname: null, given: null },
      addressLine: null,
    })
  })

  it('a field the issuer truncated (<RS>) is listed, by identifier and in French', async () => {
    const fields: BillOptions['fields'] = BILL_FIELDS.map(([id, value]) => (id === '22' ? ['22', '37 RUE ALEXANDRE-DUMAS', 'truncated'] : [id, value]))
    const text = await signedTwoDDoc(bill({ fields }), real)
    expect(text).toContain('2237 RUE ALEXANDRE-DUMAS\x1e')
    const o = await readPng(text)
    expect(o).toMatchObject({ found: true, signature: 'valid', truncatedFields: ['22'], addressLine: '37 RUE ALEXANDRE-DUMAS' })
    if (o.found) {
      expect(o.truncatedLabels).toHaveLength(1)
      expect(o.truncatedLabels[0]).toMatch(/adresse/i)
    }
  })

  it('no emission date in the header (FFFF): emittedOn is null', async () => {
    const text = await signedTwoDDoc(bill({ emittedOn: null, signedOn: '2026-11-21' }), real)
    expect(text.slice(12, 16)).toBe('FFFF')
    const o = await readPng(text)
    expect(o).toMatchObject({ found: true, signature: 'valid', emittedOn: null })
  })

  it.each([
    ['rotated 7°', { rotate: 7 }],
    ['rotated 90°', { rotate: 90 }],
    ['scaled to half (100 dpi)', { scale: 0.5 }],
    ['JPEG quality 40', { format: 'jpeg' as const, quality: 40 }],
    ['rotated 3°, half size, JPEG quality 40', { rotate: 3, scale: 0.5, format: 'jpeg' as const, quality: 40 }],
  ])('a degraded scan still reads: %s', async (_label, degradation) => {
    const o = await readPng(await signedTwoDDoc(bill(), real), degradation)
    expect(o).toMatchObject({ ...LEMERCIER })
  })

  it('a PDF bill (the code as an image on an A4 page)', async () => {
    const pdf = await billPdf(await signedTwoDDoc(bill(), real))
    const o = await readTwoDDocFile(pdf, 'application/pdf', bundle)
    outcomes.push(o)
    expect(o).toMatchObject({ ...LEMERCIER })
  })

  it('a page, or a PDF, without a code: found false', async () => {
    expect(await readPng('')).toEqual({ found: false, codes: 0 })
    const pdf = await billPdf('')
    expect(await readTwoDDocFile(pdf, 'application/pdf', bundle)).toEqual({ found: false, codes: 0 })
  })

  it('a page with two codes (an avis d’impôt, then a facture): the proof of address is the one read, both are counted', async () => {
    const impot = await signedTwoDDoc(bill({ documentType: '04', fields: [['10', 'M/LEMERCIER/PIERRE-ALEXANDRE'], ['40', '1234567890123']] }), real)
    const facture = await signedTwoDDoc(bill(), real)
    const page = createCanvas(1654, 1200)
    const ctx = page.getContext('2d')
    ctx.fillStyle = '#ffffff'
    ctx.fillRect(0, 0, page.width, page.height)
    ctx.drawImage(await loadImage(await dataMatrixPng(impot)), 150, 150)
    ctx.drawImage(await loadImage(await dataMatrixPng(facture)), 1100, 600)
    const o = await readTwoDDocFile(new Uint8Array(await page.encode('png')), 'image/png', bundle)
    outcomes.push(o)
    expect(o).toMatchObject({ ...LEMERCIER, codes: 2 })
  })

  it('a code that is not a 2D-Doc (no "DC" header) is no 2D-Doc: found false', async () => {
    expect(await readPng('HELLO WORLD 1234')).toEqual({ found: false, codes: 0 })
  })

  it('garbage bytes, an empty file, a broken PDF: unreadable (French message, none of the bytes)', async () => {
    const garbage = new Uint8Array(4096).map((_, i) => (i * 37 + 11) & 255)
    await expect(readTwoDDocFile(garbage, 'image/png', bundle)).rejects.toBeInstanceOf(TwoDDocUnreadableError)
    await expect(readTwoDDocFile(new Uint8Array(0), 'image/jpeg', bundle)).rejects.toBeInstanceOf(TwoDDocUnreadableError)
    const pdf = await billPdf(await signedTwoDDoc(bill(), real))
    const broken = pdf.slice(0, 400)
    const error = await readTwoDDocFile(broken, 'application/pdf', bundle).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TwoDDocUnreadableError)
    expect((error as Error).message).toMatch(/[a-zé]/)
  })

  it('no outcome holds the invoice number, the amount or the phone number, nor the raw text', async () => {
    const unsigned = unsignedTwoDDoc(bill())
    expect(outcomes.length).toBeGreaterThanOrEqual(12)
    for (const o of outcomes) {
      const json = JSON.stringify(o)
      for (const secret of BILL_SECRETS) expect(json).not.toContain(secret)
      expect(json).not.toContain(unsigned.slice(0, 26))
      for (const separator of ['\x1d', '\x1e', '\x1f', '\\u001d', '\\u001e', '\\u001f']) expect(json).not.toContain(separator)
    }
  })
})
