import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createCanvas } from '@napi-rs/canvas'
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader'
import { TwoDDocUnreadableError } from './errors'
import { isTwoDDocText } from './format'
import { decodePngOnWhite, pngHasAlpha } from './png'

/**
 * Finds the 2D-Doc DataMatrix codes of a PNG, JPEG or PDF, offline:
 * - zxing-wasm with its .wasm read from the package (never fetched from a CDN);
 * - a PDF is rasterised page by page (at most 10) at 200 dpi by pdfjs-dist with @napi-rs/canvas.
 * Runs in the core host's 2D-Doc worker (service.ts), never on a thread that answers the screen.
 */

export { TwoDDocUnreadableError }

export type TwoDDocMime = 'application/pdf' | 'image/png' | 'image/jpeg'

/** The file's kind from its first bytes (the name or the declared type are not trusted). */
export function mimeOfBytes(bytes: Uint8Array): TwoDDocMime | null {
  const at = (i: number): number => bytes[i] ?? -1
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47 && at(4) === 0x0d && at(5) === 0x0a) return 'image/png'
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return 'image/jpeg'
  // "%PDF-", possibly after a few bytes of garbage (allowed by readers, seen in the wild).
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1')
  if (head.includes('%PDF-')) return 'application/pdf'
  return null
}

const requireHere = createRequire(typeof __filename === 'string' ? __filename : import.meta.url)

let zxingReady: Promise<unknown> | null = null

function zxing(): Promise<unknown> {
  zxingReady ??= (async () => {
    const file = requireHere.resolve('zxing-wasm/reader/zxing_reader.wasm')
    const wasm = readFileSync(file)
    return prepareZXingModule({
      overrides: {
        wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer,
        // Never the CDN, whatever the build asks for.
        locateFile: (path: string) => (path.endsWith('.wasm') ? file : path),
      },
      fireImmediately: true,
    })
  })().catch((e: unknown) => {
    zxingReady = null
    throw e
  })
  return zxingReady
}

const OPTIONS: ReaderOptions = { formats: ['DataMatrix'], tryHarder: true, tryRotate: true, tryInvert: false, maxNumberOfSymbols: 16, textMode: 'Plain' }

type Pixels = { data: Uint8ClampedArray; width: number; height: number }

async function codesIn(input: Uint8Array | Pixels): Promise<string[]> {
  await zxing()
  const results = await readBarcodes(input as Parameters<typeof readBarcodes>[0], OPTIONS)
  return results.filter((r) => r.isValid && isTwoDDocText(r.text)).map((r) => r.text)
}

/** The image could not be decoded at all (zxing's own image loader, sandboxed in WebAssembly). */
const unloadable = (results: Array<{ error: string }>): boolean => results.some((r) => /load image/i.test(r.error))

async function imageCodes(bytes: Uint8Array): Promise<string[]> {
  await zxing()
  // The file's bytes go to zxing's loader (never to a native image decoder: @napi-rs/canvas
  // crashes the process on a truncated PNG). A PNG with transparency is composited on white.
  const results = await readBarcodes(bytes as Parameters<typeof readBarcodes>[0], OPTIONS)
  if (unloadable(results)) throw new TwoDDocUnreadableError("L'image est illisible ou endommagée.")
  const direct = results.filter((r) => r.isValid && isTwoDDocText(r.text)).map((r) => r.text)
  if (direct.length > 0 || mimeOfBytes(bytes) !== 'image/png' || !pngHasAlpha(bytes)) return direct
  const flat = decodePngOnWhite(bytes)
  return flat === null ? [] : codesIn(flat)
}

export const PDF_MAX_PAGES = 10
const PDF_DPI = 200
/** A page above this many pixels at 200 dpi (a poster) is rendered smaller. */
const PDF_MAX_PIXELS = 24_000_000

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs')
let pdfjsModule: Promise<PdfJs> | null = null
/**
 * pdf.js ships ES modules only: imported by absolute file URL, which resolves the same from
 * source (tsx, vitest) and from the CommonJS main bundle (electron-vite).
 */
const pdfjs = (): Promise<PdfJs> =>
  (pdfjsModule ??= import(pathToFileURL(requireHere.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href) as Promise<PdfJs>)

function pdfjsDir(): string {
  return dirname(requireHere.resolve('pdfjs-dist/package.json'))
}

async function pdfCodes(bytes: Uint8Array): Promise<string[]> {
  const { getDocument } = await pdfjs()
  const base = pdfjsDir()
  const task = getDocument({
    // pdf.js takes ownership of the buffer it is given: a copy keeps the caller's bytes.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    standardFontDataUrl: `${join(base, 'standard_fonts')}/`,
    cMapUrl: `${join(base, 'cmaps')}/`,
    cMapPacked: true,
    verbosity: 0,
  })
  let doc: Awaited<typeof task.promise>
  try {
    doc = await task.promise
  } catch (e) {
    await task.destroy().catch(() => undefined)
    const name = (e as { name?: string } | null)?.name
    if (name === 'PasswordException') throw new TwoDDocUnreadableError('Le PDF est protégé par un mot de passe : il ne peut pas être lu.')
    throw new TwoDDocUnreadableError('Le PDF est illisible ou endommagé.')
  }
  try {
    const found: string[] = []
    const pages = Math.min(doc.numPages, PDF_MAX_PAGES)
    for (let n = 1; n <= pages; n++) {
      const page = await doc.getPage(n)
      const unit = page.getViewport({ scale: 1 })
      let scale = PDF_DPI / 72
      const pixels = unit.width * unit.height * scale * scale
      if (pixels > PDF_MAX_PIXELS) scale *= Math.sqrt(PDF_MAX_PIXELS / pixels)
      const viewport = page.getViewport({ scale })
      const width = Math.max(1, Math.ceil(viewport.width))
      const height = Math.max(1, Math.ceil(viewport.height))
      const c = createCanvas(width, height)
      const ctx = c.getContext('2d')
      ctx.fillStyle = '#ffffff'
      ctx.fillRect(0, 0, width, height)
      try {
        await page.render({ canvas: c, canvasContext: ctx, viewport } as unknown as Parameters<typeof page.render>[0]).promise
      } catch {
        throw new TwoDDocUnreadableError('Une page du PDF ne peut pas être affichée.')
      } finally {
        page.cleanup()
      }
      found.push(...(await codesIn(ctx.getImageData(0, 0, width, height))))
    }
    return found
  } finally {
    await doc.destroy().catch(() => undefined)
  }
}

/** Every DataMatrix text starting with "DC" (a 2D-Doc), in reading order; a PDF: its first 10 pages at 200 dpi. */
export async function findTwoDDocTexts(bytes: Uint8Array, mime: TwoDDocMime): Promise<string[]> {
  if (bytes.byteLength === 0) throw new TwoDDocUnreadableError('Le fichier est vide.')
  // The bytes tell the kind; the declared type is only a hint (a scan saved under a wrong name).
  const actual = mimeOfBytes(bytes)
  if (actual === null) {
    throw new TwoDDocUnreadableError(
      mime === 'application/pdf' ? 'Le PDF est illisible ou endommagé.' : "Ce fichier n'est ni une image PNG ou JPEG, ni un PDF.",
    )
  }
  try {
    return actual === 'application/pdf' ? await pdfCodes(bytes) : await imageCodes(bytes)
  } catch (e) {
    if (e instanceof TwoDDocUnreadableError) throw e
    throw new TwoDDocUnreadableError('Le fichier ne peut pas être lu.')
  }
}
