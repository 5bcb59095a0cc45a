import { PNG } from 'pngjs'

/**
 * A PNG with transparency, put on white for the barcode decoder (zxing reads a transparent
 * pixel as black, so a code drawn on a transparent background disappears). Decoded by pngjs
 * (plain JavaScript): @napi-rs/canvas's native image decoder crashes the whole process
 * (segmentation fault) on a truncated PNG, and a 2D-Doc reader is given files from anywhere.
 * Returns null on anything unexpected (corrupt, too large, no transparent pixel): the caller
 * then reports that nothing was found.
 */

const MAX_PIXELS = 40_000_000
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

export interface RgbaPixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

/** The header's colour type and size, and whether a tRNS chunk comes before the image data (null: not a PNG). */
function header(bytes: Uint8Array): { colorType: number; pixels: number; transparency: boolean } | null {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const pixels = view.getUint32(16) * view.getUint32(20)
  const colorType = bytes[25]!
  let transparency = false
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at)
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!)
    if (type === 'tRNS') transparency = true
    if (type === 'IDAT' || type === 'IEND') break
    at += 12 + length
  }
  return { colorType, pixels, transparency }
}

/** Whether the PNG may hold transparent pixels (an alpha channel or a tRNS chunk). */
export function pngHasAlpha(bytes: Uint8Array): boolean {
  const h = header(bytes)
  return h !== null && (h.colorType === 4 || h.colorType === 6 || h.transparency)
}

/** The PNG's pixels composited on white; null when it has no transparent pixel or cannot be decoded. */
export function decodePngOnWhite(bytes: Uint8Array): RgbaPixels | null {
  const h = header(bytes)
  if (!h || h.pixels <= 0 || h.pixels > MAX_PIXELS) return null
  let png: PNG
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch {
    return null
  }
  const data = new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.byteLength)
  let transparent = false
  for (let i = 0; i < data.length; i += 4) {
    const alpha = data[i + 3]!
    if (alpha === 255) continue
    transparent = true
    for (let c = 0; c < 3; c++) data[i + c] = Math.round((data[i + c]! * alpha + 255 * (255 - alpha)) / 255)
    data[i + 3] = 255
  }
  return transparent ? { data, width: png.width, height: png.height } : null
}
