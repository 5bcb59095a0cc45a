import { dataLength } from './fields'

/**
 * The 2D-Doc C40 text (ANTS « 2D-Doc – Spécifications techniques »):
 *
 *   header | message zone | <US> | signature (Base32) [ | <GS> | annex ]
 *
 * Header: "DC", version (2 digits), certification authority id (4), certificate id (4), emission
 * date (4 hex: days since 2000-01-01, "FFFF" none), signature date (4 hex), document type (2);
 * from version 03 the perimeter (2), from version 04 the country (2). Version 02 is 22 characters
 * (perimeter "01", country "FR"), 03 is 24, 04 is 26.
 *
 * Message zone: data identifier (2 characters) + value; see fields.ts for the lengths and
 * terminators. The signed data is everything before <US>; the signature is the raw r‖s of an
 * ECDSA signature, in Base32 (RFC 4648, padding optional).
 *
 * Errors never carry anything of the barcode's content.
 */

export const GS = '\x1d'
export const RS = '\x1e'
export const US = '\x1f'

export interface TwoDDocHeader {
  version: 2 | 3 | 4
  authority: string
  certificate: string
  emittedOn: string | null
  signedOn: string | null
  documentType: string
  perimeter: string
  country: string
  /** Characters of the header (22, 24 or 26). */
  length: number
}

export interface TwoDDocField {
  id: string
  value: string
  truncated: boolean
}

export interface ParsedTwoDDoc {
  header: TwoDDocHeader
  fields: TwoDDocField[]
  signedText: string
  signature: Uint8Array
  /** French, nothing of the content but data identifiers: what could not be read in the message zone. */
  problems: string[]
}

export class TwoDDocFormatError extends Error {
  override name = 'TwoDDocFormatError'
}

const HEADER_LENGTH: Record<number, number> = { 2: 22, 3: 24, 4: 26 }

/** A DataMatrix text that claims to be a 2D-Doc (C40 mode): "DC" and two digits of version. */
export function isTwoDDocText(text: string): boolean {
  return /^DC\d\d/.test(text)
}

const EPOCH_MS = Date.UTC(2000, 0, 1)
const DAY_MS = 86_400_000

function headerDate(hex: string, what: string): string | null {
  if (hex === 'FFFF') return null
  if (!/^[0-9A-F]{4}$/.test(hex)) throw new TwoDDocFormatError(`En-tête 2D-Doc illisible : ${what} mal formée.`)
  return new Date(EPOCH_MS + parseInt(hex, 16) * DAY_MS).toISOString().slice(0, 10)
}

function parseHeader(text: string): TwoDDocHeader {
  if (!isTwoDDocText(text)) throw new TwoDDocFormatError("Ce code n'est pas un 2D-Doc.")
  const version = Number(text.slice(2, 4))
  if (version !== 2 && version !== 3 && version !== 4) throw new TwoDDocFormatError("Version d'en-tête 2D-Doc non prise en charge (seules 02, 03 et 04 le sont).")
  const length = HEADER_LENGTH[version] ?? 0
  if (text.length < length) throw new TwoDDocFormatError('En-tête 2D-Doc incomplet.')
  const authority = text.slice(4, 8)
  const certificate = text.slice(8, 12)
  if (!/^[A-Z0-9]{4}$/.test(authority) || !/^[A-Z0-9]{4}$/.test(certificate)) {
    throw new TwoDDocFormatError("En-tête 2D-Doc illisible : identifiant d'autorité ou de certificat mal formé.")
  }
  const emittedOn = headerDate(text.slice(12, 16), "date d'émission")
  const signedOn = headerDate(text.slice(16, 20), 'date de signature')
  const documentType = text.slice(20, 22)
  if (!/^[A-Z0-9]{2}$/.test(documentType)) throw new TwoDDocFormatError('En-tête 2D-Doc illisible : type de document mal formé.')
  const perimeter = version >= 3 ? text.slice(22, 24) : '01'
  if (!/^[0-9]{2}$/.test(perimeter)) throw new TwoDDocFormatError('En-tête 2D-Doc illisible : périmètre mal formé.')
  const country = version >= 4 ? text.slice(24, 26) : 'FR'
  if (!/^[A-Z]{2}$/.test(country)) throw new TwoDDocFormatError('En-tête 2D-Doc illisible : pays mal formé.')
  return { version, authority, certificate, emittedOn, signedOn, documentType, perimeter, country, length }
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** RFC 4648 Base32, padding optional; null when a character is not of the alphabet. */
export function base32Decode(text: string): Uint8Array | null {
  const s = text.replace(/=+$/, '')
  const out: number[] = []
  let bits = 0
  let acc = 0
  for (const ch of s) {
    const v = BASE32.indexOf(ch)
    if (v < 0) return null
    acc = (acc << 5) | v
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
  }
  return Uint8Array.from(out)
}

const isTerminator = (ch: string | undefined): boolean => ch === GS || ch === RS

/** Data identifiers holding an EORI number (customs documents). */
const EORI = new Set(['DH', 'DP', 'DW'])

/** Reads the message zone; a problem stops the reading (the rest cannot be delimited). */
function parseMessage(zone: string, perimeter: string): { fields: TwoDDocField[]; problems: string[] } {
  const fields: TwoDDocField[] = []
  const problems: string[] = []
  if (perimeter !== '01') {
    if (zone.length > 0) problems.push(`Périmètre ${perimeter} non pris en charge : les données ne sont pas lues.`)
    return { fields, problems }
  }
  let i = 0
  while (i < zone.length) {
    // A stray separator (an empty annex-like gap) is skipped.
    if (isTerminator(zone[i])) {
      i += 1
      continue
    }
    const id = zone.slice(i, i + 2)
    if (id.length < 2 || !/^[A-Z0-9]{2}$/.test(id)) {
      problems.push('Zone de message illisible : identifiant de donnée mal formé.')
      break
    }
    const rule = dataLength(perimeter, id)
    if (rule === null) {
      problems.push(`Identifiant de donnée inconnu (${id}) : la suite du message n'est pas lue.`)
      break
    }
    i += 2
    if (rule.kind === 'fixed') {
      const value = zone.slice(i, i + rule.length)
      if (value.length < rule.length || [...value].some((c) => isTerminator(c))) {
        problems.push(`Donnée ${id} plus courte que sa longueur fixe.`)
        break
      }
      i += rule.length
      let truncated = false
      // Tolerated: a separator after a fixed-length value.
      if (isTerminator(zone[i])) {
        truncated = zone[i] === RS
        i += 1
      }
      fields.push({ id, value, truncated })
      continue
    }
    let end = i
    const limit = rule.max === null ? zone.length : Math.min(zone.length, i + rule.max)
    while (end < limit && !isTerminator(zone[end])) end += 1
    // An EORI number (2 letters, then digits) is written without <GS> in the specification's own
    // examples: it ends with its last digit.
    if (EORI.has(id)) {
      const m = /^[A-Z]{2}[0-9]+/.exec(zone.slice(i, end))
      if (m) end = i + m[0].length
    }
    const value = zone.slice(i, end)
    let truncated = false
    if (isTerminator(zone[end])) {
      truncated = zone[end] === RS
      end += 1
    }
    i = end
    fields.push({ id, value, truncated })
  }
  return { fields, problems }
}

/** Parses a 2D-Doc text (as the DataMatrix decoder gives it). Throws TwoDDocFormatError. */
export function parseTwoDDoc(text: string): ParsedTwoDDoc {
  const header = parseHeader(text)
  const us = text.indexOf(US, header.length)
  if (us < 0) throw new TwoDDocFormatError('2D-Doc sans signature (séparateur de fin de message absent).')
  const signedText = text.slice(0, us)
  const tail = text.slice(us + 1)
  const gs = tail.indexOf(GS)
  // A scanner typing the code may add a line end: nothing after the signature is signed.
  const signatureText = (gs < 0 ? tail : tail.slice(0, gs)).replace(/\s+$/, '')
  const signature = base32Decode(signatureText)
  if (signature === null || signature.length === 0) throw new TwoDDocFormatError('Signature du 2D-Doc mal formée.')
  const { fields, problems } = parseMessage(text.slice(header.length, us), header.perimeter)
  return { header, fields, signedText, signature, problems }
}
