import { inflateSync } from 'node:zlib'

/**
 * A small PNG decoder in plain TypeScript, for the one case the barcode decoder gets wrong: a
 * PNG with transparency (zxing reads a transparent pixel as black, so a code drawn on a
 * transparent background disappears). The image is composited on white.
 *
 * Plain TypeScript on purpose: @napi-rs/canvas's native image decoder crashes the whole process
 * (segmentation fault) on a truncated PNG, and a 2D-Doc reader is given files from anywhere.
 * Returns null on anything unexpected (interlaced, corrupt, too large): the caller then reports
 * that nothing was found.
 */

const MAX_PIXELS = 40_000_000

export interface RgbaPixels {
  data: Uint8ClampedArray
  width: number
  height: number
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

interface Chunks {
  width: number
  height: number
  depth: number
  colorType: number
  interlace: number
  palette: Uint8Array | null
  transparency: Uint8Array | null
  idat: Buffer[]
}

function chunks(bytes: Uint8Array): Chunks | null {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) return null
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out: Chunks = { width: 0, height: 0, depth: 0, colorType: -1, interlace: 0, palette: null, transparency: null, idat: [] }
  let at = 8
  let ended = false
  while (at + 12 <= bytes.length) {
    const length = view.getUint32(at)
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!)
    const start = at + 8
    if (start + length + 4 > bytes.length) return null
    const data = bytes.subarray(start, start + length)
    if (type === 'IHDR') {
      if (length < 13) return null
      out.width = view.getUint32(start)
      out.height = view.getUint32(start + 4)
      out.depth = data[8]!
      out.colorType = data[9]!
      out.interlace = data[12]!
    } else if (type === 'PLTE') out.palette = data
    else if (type === 'tRNS') out.transparency = data
    else if (type === 'IDAT') out.idat.push(Buffer.from(data))
    else if (type === 'IEND') {
      ended = true
      break
    }
    at = start + length + 4
  }
  return ended && out.width > 0 && out.height > 0 ? out : null
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }

/** Whether the PNG may hold transparent pixels (an alpha channel or a tRNS chunk). */
export function pngHasAlpha(bytes: Uint8Array): boolean {
  const c = chunks(bytes)
  return c !== null && (c.colorType === 4 || c.colorType === 6 || c.transparency !== null)
}

/** The PNG's pixels composited on white; null when it has no transparent pixel or cannot be decoded here. */
export function decodePngOnWhite(bytes: Uint8Array): RgbaPixels | null {
  const c = chunks(bytes)
  if (!c || c.interlace !== 0) return null
  const channels = CHANNELS[c.colorType]
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(c.depth)) return null
  if (c.depth < 8 && c.colorType !== 0 && c.colorType !== 3) return null
  if (c.width * c.height > MAX_PIXELS) return null
  const bitsPerPixel = channels * c.depth
  const stride = Math.ceil((c.width * bitsPerPixel) / 8)
  const bpp = Math.max(1, bitsPerPixel >> 3)
  let raw: Buffer
  try {
    raw = inflateSync(Buffer.concat(c.idat), { maxOutputLength: (stride + 1) * c.height + 1024 })
  } catch {
    return null
  }
  if (raw.length < (stride + 1) * c.height) return null

  // Unfilter in place, row by row.
  const rows = new Uint8Array(stride * c.height)
  for (let y = 0; y < c.height; y++) {
    const filter = raw[y * (stride + 1)]!
    const src = y * (stride + 1) + 1
    const dst = y * stride
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x]!
      const a = x >= bpp ? rows[dst + x - bpp]! : 0
      const b = y > 0 ? rows[dst - stride + x]! : 0
      const cc = x >= bpp && y > 0 ? rows[dst - stride + x - bpp]! : 0
      let p: number
      switch (filter) {
        case 0:
          p = 0
          break
        case 1:
          p = a
          break
        case 2:
          p = b
          break
        case 3:
          p = (a + b) >> 1
          break
        case 4: {
          const e = a + b - cc
          const pa = Math.abs(e - a)
          const pb = Math.abs(e - b)
          const pc = Math.abs(e - cc)
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : cc
          break
        }
        default:
          return null
      }
      rows[dst + x] = (v + p) & 0xff
    }
  }

  const sample = (row: number, index: number): number => {
    // index-th sample of the row, scaled to 0..255 (palette indices are not scaled).
    if (c.depth === 8) return rows[row * stride + index]!
    if (c.depth === 16) return rows[row * stride + index * 2]!
    const perByte = 8 / c.depth
    const byte = rows[row * stride + Math.floor(index / perByte)]!
    const shift = 8 - c.depth * ((index % perByte) + 1)
    return (byte >> shift) & ((1 << c.depth) - 1)
  }
  const sample16 = (row: number, index: number): number =>
    c.depth === 16 ? (rows[row * stride + index * 2]! << 8) | rows[row * stride + index * 2 + 1]! : sample(row, index)
  const trns = c.transparency
  const grayScale = c.depth < 8 ? 255 / ((1 << c.depth) - 1) : 1

  const out = new Uint8ClampedArray(c.width * c.height * 4)
  let transparent = false
  for (let y = 0; y < c.height; y++) {
    for (let x = 0; x < c.width; x++) {
      let r: number
      let g: number
      let b: number
      let alpha = 255
      switch (c.colorType) {
        case 0: {
          const v = sample(y, x)
          r = g = b = Math.round(v * grayScale)
          if (trns && trns.length >= 2 && sample16(y, x) === ((trns[0]! << 8) | trns[1]!)) alpha = 0
          break
        }
        case 2:
          r = sample(y, x * 3)
          g = sample(y, x * 3 + 1)
          b = sample(y, x * 3 + 2)
          if (
            trns &&
            trns.length >= 6 &&
            sample16(y, x * 3) === ((trns[0]! << 8) | trns[1]!) &&
            sample16(y, x * 3 + 1) === ((trns[2]! << 8) | trns[3]!) &&
            sample16(y, x * 3 + 2) === ((trns[4]! << 8) | trns[5]!)
          ) {
            alpha = 0
          }
          break
        case 3: {
          const i = sample(y, x)
          const pal = c.palette
          if (!pal || i * 3 + 2 >= pal.length) return null
          r = pal[i * 3]!
          g = pal[i * 3 + 1]!
          b = pal[i * 3 + 2]!
          if (trns && i < trns.length) alpha = trns[i]!
          break
        }
        case 4:
          r = g = b = sample(y, x * 2)
          alpha = sample(y, x * 2 + 1)
          break
        default:
          r = sample(y, x * 4)
          g = sample(y, x * 4 + 1)
          b = sample(y, x * 4 + 2)
          alpha = sample(y, x * 4 + 3)
      }
      if (alpha < 255) transparent = true
      const o = (y * c.width + x) * 4
      const k = alpha / 255
      out[o] = r * k + 255 * (1 - k)
      out[o + 1] = g * k + 255 * (1 - k)
      out[o + 2] = b * k + 255 * (1 - k)
      out[o + 3] = 255
    }
  }
  // Fully opaque: the barcode decoder already saw these very pixels.
  return transparent ? { data: out, width: c.width, height: c.height } : null
}
