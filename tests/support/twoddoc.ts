import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { webcrypto } from 'node:crypto'
import './reflect-metadata'
import * as x509 from '@peculiar/x509'
import bwipjs from 'bwip-js/node'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'
import type { TrustBundle } from '../../src/main/core/twoddoc/trust'

/**
 * 2D-Doc test fixtures (issue 13): a test PKI made at test time (no key is ever committed), the
 * trust bundle naming it, 2D-Doc texts built and signed like a real emitter's, and the images
 * and PDFs carrying them (DataMatrix by bwip-js, a bill page by @napi-rs/canvas, a PDF by pdf-lib).
 *
 * Format (ANTS 2D-Doc specification, learned from its published pages): header "DC" + version (2)
 * + authority id (4) + certificate id (4) + emission date (4 hex digits: days since 2000-01-01,
 * "FFFF" for none) + signature date (4 hex) + document type (2) + perimeter (2, from v03) + country
 * (2, from v04); then the message: data identifier (2) + value; a fixed-length value has no
 * terminator, a variable one ends with <GS> (0x1D), or <RS> (0x1E) when it was truncated; then
 * <US> (0x1F) and the signature, Base32 (RFC 4648) of the raw ECDSA r‖s over everything before <US>.
 */

// @peculiar/x509 needs a WebCrypto provider; node's is the real one.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1])

type CryptoKey = webcrypto.CryptoKey
type CryptoKeyPair = webcrypto.CryptoKeyPair

export const GS = '\x1d'
export const RS = '\x1e'
export const US = '\x1f'

export interface TestSigner {
  authorityId: string
  certificateId: string
  authorityPem: string
  certificatePem: string
  privateKey: CryptoKey
}

/** The trust-bundle JSON shape of the issue (the reader's TrustBundle). */
export type TestTrustBundle = TrustBundle

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const

/**
 * A test authority (self-signed, CN = authority id) and a signing certificate issued by it
 * (CN = certificate id), both ECDSA P-256, with the signing certificate's private key.
 * Two calls with the same ids give two different key pairs: a forged CA with the real ids.
 */
export async function makeTestPki(opts: { authorityId?: string; certificateId?: string } = {}): Promise<TestSigner> {
  const authorityId = opts.authorityId ?? 'FR99'
  const certificateId = opts.certificateId ?? 'TS01'
  const notBefore = new Date('2020-01-01T00:00:00Z')
  const notAfter = new Date('2040-01-01T00:00:00Z')
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair
  const leafKeys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${authorityId}, O=Autorite de test, C=FR`,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${certificateId}, O=Emetteur de test, C=FR`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  })
  return {
    authorityId,
    certificateId,
    authorityPem: ca.toString('pem'),
    certificatePem: leaf.toString('pem'),
    privateKey: leafKeys.privateKey,
  }
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(8))
  bytes[0] = (bytes[0]! & 0x7f) | 0x01
  return Buffer.from(bytes).toString('hex')
}

/** A trust bundle holding these signers (each authority once). JSON-able. */
export function testBundle(signers: TestSigner[], opts: { sequence?: number; nextUpdate?: string } = {}): TrustBundle {
  const authorities = new Map<string, string>()
  for (const s of signers) if (!authorities.has(s.authorityId)) authorities.set(s.authorityId, s.authorityPem)
  return {
    sequence: opts.sequence ?? 1,
    nextUpdate: opts.nextUpdate ?? '2099-12-31',
    authorities: [...authorities].map(([id, certificatePem]) => ({ id, certificatePem })),
    signingCertificates: signers.map((s) => ({ authority: s.authorityId, id: s.certificateId, certificatePem: s.certificatePem })),
  }
}

export interface BillOptions {
  version?: 3 | 4
  authorityId: string
  certificateId: string
  /** YYYY-MM-DD, or null for "FFFF". */
  emittedOn: string | null
  /** YYYY-MM-DD; default: emittedOn (or 2026-11-20 when emittedOn is null). */
  signedOn?: string
  /** Default "01" (facture). */
  documentType?: string
  /** Default "01". */
  perimeter?: string
  /** Default BILL_FIELDS. */
  fields?: Array<[string, string] | [string, string, 'truncated']>
}

/**
 * A bill of the demo counter family 100001K (« Lemercier », 37 rue Alexandre-Dumas, 78420
 * Carrières-sur-Seine, as the demo town generates it with 600 families, seed 1), plus three
 * distinctive secrets that must never leave the reader: invoice number (18), amount (1D), phone (1E).
 */
export const BILL_FIELDS: Array<[string, string]> = [
  ['10', 'M/LEMERCIER/PIERRE-ALEXANDRE'],
  ['22', '37 RUE ALEXANDRE-DUMAS'],
  ['24', '78420'],
  ['25', 'CARRIERES-SUR-SEINE'],
  ['26', 'FR'],
  ['18', 'FAC-7741-QZX'],
  ['1D', '173.42'],
  ['1E', '0612345678'],
]
/** The secrets of BILL_FIELDS (leak checks look for them). */
export const BILL_SECRETS = ['FAC-7741-QZX', '173.42', '0612345678'] as const

/**
 * Fixed-length data identifiers (perimeter 01) and their length: no terminator after them.
 * From the specification's data tables: 06, 08 dates (4), 07 time (6), 09 pages (4), 0A/0B (9),
 * 0D UUID (36), 1C date (8), 1G/1H booleans (1), 24/2B postcodes (5), 26/2D countries (2),
 * 40/47/49 numéros fiscaux (13), 44 référence d'avis (13), 45 année (4), 4A–4C dates (8), 4F (15), 4P (5).
 * Every other identifier (10–1F, 20–23, 25, 27–2A, 2C, 41–43, 46, 48…) is variable: <GS>/<RS>.
 */
export const FIXED_LENGTH: Readonly<Record<string, number>> = {
  '06': 4, '07': 6, '08': 4, '09': 4, '0A': 9, '0B': 9, '0D': 36,
  '1C': 8, '1G': 1, '1H': 1, '24': 5, '26': 2, '2B': 5, '2D': 2,
  '40': 13, '44': 13, '45': 4, '47': 13, '49': 13, '4A': 8, '4B': 8, '4C': 8, '4F': 15, '4P': 5,
}

const EPOCH_MS = Date.UTC(2000, 0, 1)

/** "YYYY-MM-DD" → 4 upper-case hex digits of days since 2000-01-01; null → "FFFF". */
export function hexDate(day: string | null): string {
  if (day === null) return 'FFFF'
  const ms = Date.parse(`${day}T00:00:00Z`)
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(ms)) throw new Error(`bad day ${day}`)
  return Math.round((ms - EPOCH_MS) / 86_400_000).toString(16).toUpperCase().padStart(4, '0')
}

/** Header + message, without <US> and signature (the signed data). */
export function unsignedTwoDDoc(o: BillOptions): string {
  const version = o.version ?? 4
  const perimeter = o.perimeter ?? '01'
  for (const [what, v] of [['authority', o.authorityId], ['certificate', o.certificateId]] as const) {
    if (!/^[A-Z0-9]{4}$/.test(v)) throw new Error(`${what} id must be 4 characters A-Z0-9`)
  }
  let text = `DC0${version}${o.authorityId}${o.certificateId}${hexDate(o.emittedOn)}${hexDate(o.signedOn ?? o.emittedOn ?? '2026-11-20')}${o.documentType ?? '01'}${perimeter}`
  if (version === 4) text += 'FR'
  for (const f of o.fields ?? BILL_FIELDS) {
    const [id, value] = f
    const truncated = f.length === 3
    const fixed = FIXED_LENGTH[id]
    if (fixed !== undefined && !truncated) {
      if (value.length !== fixed) throw new Error(`field ${id} must be ${fixed} characters`)
      text += id + value
    } else {
      text += id + value + (truncated ? RS : GS)
    }
  }
  return text
}

/** The 2D-Doc text signed with the signer's key: unsigned + <US> + Base32(r‖s), ECDSA P-256 / SHA-256. */
export async function signedTwoDDoc(o: BillOptions, signer: Pick<TestSigner, 'privateKey'>): Promise<string> {
  const unsigned = unsignedTwoDDoc(o)
  const sig = await webcrypto.subtle.sign(SIGNING, signer.privateKey, Buffer.from(unsigned, 'latin1'))
  return unsigned + US + base32(new Uint8Array(sig))
}

/** RFC 4648 Base32, without padding (as the 2D-Doc signatures are written). */
export function base32(bytes: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let out = ''
  let acc = 0
  let bits = 0
  for (const b of bytes) {
    acc = (acc << 8) | b
    bits += 8
    while (bits >= 5) {
      out += alphabet[(acc >>> (bits - 5)) & 31]
      bits -= 5
    }
    acc &= (1 << bits) - 1
  }
  if (bits > 0) out += alphabet[(acc << (5 - bits)) & 31]
  return out
}

/**
 * A DataMatrix PNG of the text: black on white, a quiet zone of 2 modules, `scale` pixels a
 * module (default 4). parsefnc off: <GS>, <RS> and <US> are encoded as they are.
 */
export async function dataMatrixPng(text: string, scale = 4): Promise<Buffer> {
  return bwipjs.toBuffer({
    bcid: 'datamatrix',
    text,
    scale,
    parsefnc: false,
    backgroundcolor: 'FFFFFF',
    paddingwidth: 2 * scale,
    paddingheight: 2 * scale,
  })
}

const A4_INCHES = { w: 8.27, h: 11.69 }

const BILL_TEXT = [
  'Énergie de la Boucle — Service clients',
  'Facture d’électricité et de gaz',
  '',
  'Monsieur Pierre-Alexandre LEMERCIER',
  '37 rue Alexandre-Dumas',
  '78420 Carrières-sur-Seine',
  '',
  'Période de consommation : du 01/10/2026 au 31/10/2026',
  'Abonnement et consommation : voir le détail au verso',
  'Prélèvement le 15 du mois suivant — TVA incluse',
  '',
  'Ce document comporte un code 2D-Doc signé : il atteste',
  'du nom, de l’adresse et de la date d’émission.',
]

/**
 * An A4 bill page (default 200 dpi: 1654 × 2339) with French text and the code in the top right
 * corner, 4 pixels a module at 200 dpi. `text` "" gives the same page with no code.
 * Degradations: `rotate` (degrees, the page grows to hold the turned sheet), `scale` (the whole
 * page, e.g. 0.5), `format` 'jpeg' with `quality` (1–100, default 85).
 */
export async function billImage(
  text: string,
  o: { format?: 'png' | 'jpeg'; quality?: number; rotate?: number; scale?: number; dpi?: number } = {},
): Promise<Buffer> {
  const dpi = o.dpi ?? 200
  const w = Math.round(A4_INCHES.w * dpi)
  const h = Math.round(A4_INCHES.h * dpi)
  const page = createCanvas(w, h)
  const ctx = page.getContext('2d')
  ctx.fillStyle = '#ffffff'
  ctx.fillRect(0, 0, w, h)
  ctx.fillStyle = '#1a1a1a'
  const unit = dpi / 200
  ctx.font = `${Math.round(30 * unit)}px sans-serif`
  BILL_TEXT.forEach((line, i) => ctx.fillText(line, Math.round(140 * unit), Math.round((260 + i * 52) * unit)))
  ctx.font = `${Math.round(24 * unit)}px sans-serif`
  for (let i = 0; i < 14; i++) {
    const y = Math.round((1100 + i * 44) * unit)
    ctx.fillText(`Ligne ${i + 1}  Consommation heures ${i % 2 ? 'creuses' : 'pleines'}`, Math.round(140 * unit), y)
    ctx.fillRect(Math.round(140 * unit), y + Math.round(10 * unit), Math.round(1370 * unit), Math.max(1, Math.round(unit)))
  }
  if (text !== '') {
    const code = await loadImage(await dataMatrixPng(text, Math.max(1, Math.round(4 * unit))))
    ctx.drawImage(code, w - Math.round(140 * unit) - code.width, Math.round(140 * unit))
  }

  let out = page
  const angle = (((o.rotate ?? 0) % 360) + 360) % 360
  if (angle !== 0) {
    const rad = (angle * Math.PI) / 180
    const cos = Math.abs(Math.cos(rad))
    const sin = Math.abs(Math.sin(rad))
    const rw = Math.round(w * cos + h * sin)
    const rh = Math.round(w * sin + h * cos)
    const turned = createCanvas(rw, rh)
    const t = turned.getContext('2d')
    t.fillStyle = '#ffffff'
    t.fillRect(0, 0, rw, rh)
    t.translate(rw / 2, rh / 2)
    t.rotate(rad)
    t.drawImage(out, -w / 2, -h / 2)
    out = turned
  }
  if (o.scale !== undefined && o.scale !== 1) {
    const sw = Math.max(1, Math.round(out.width * o.scale))
    const sh = Math.max(1, Math.round(out.height * o.scale))
    const scaled = createCanvas(sw, sh)
    const s = scaled.getContext('2d')
    s.imageSmoothingEnabled = true
    s.drawImage(out, 0, 0, sw, sh)
    out = scaled
  }
  return o.format === 'jpeg' ? out.encode('jpeg', o.quality ?? 85) : out.encode('png')
}

/** A one-page A4 PDF bill: French text and the code (an embedded PNG, 110 pt wide) in the top right corner. "" gives no code. */
export async function billPdf(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create()
  const page = doc.addPage([595.28, 841.89])
  const font = await doc.embedFont(StandardFonts.Helvetica)
  BILL_TEXT.forEach((line, i) => {
    page.drawText(line.replace(/[’]/g, "'").replace(/—/g, '-'), { x: 50, y: 760 - i * 18, size: 11, font, color: rgb(0.1, 0.1, 0.1) })
  })
  if (text !== '') {
    const png = await doc.embedPng(await dataMatrixPng(text, 4))
    const width = 110
    page.drawImage(png, { x: 595.28 - 50 - width, y: 841.89 - 50 - width * (png.height / png.width), width, height: width * (png.height / png.width) })
  }
  return doc.save()
}

let zxingReady: Promise<unknown> | null = null

/**
 * Decodes every DataMatrix of a PNG/JPEG with zxing-wasm (its .wasm from the package, never a
 * CDN): for the fixtures' own checks, independent of the reader under test.
 */
export async function decodeDataMatrices(image: Uint8Array): Promise<string[]> {
  zxingReady ??= (() => {
    // __filename, not import.meta.url: Playwright loads this file as CommonJS (the e2e uses it).
    const require = createRequire(__filename)
    const wasm = readFileSync(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
    return prepareZXingModule({
      overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer },
      fireImmediately: true,
    })
  })()
  await zxingReady
  const results = await readBarcodes(image, { formats: ['DataMatrix'], tryHarder: true, maxNumberOfSymbols: 8, textMode: 'Plain' })
  return results.filter((r) => r.isValid).map((r) => r.text)
}
