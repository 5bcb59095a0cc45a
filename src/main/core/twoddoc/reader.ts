import { findTwoDDocTexts, type TwoDDocMime } from './decode'
import { addressFacts, fieldLabel, isProofOfAddress, type HolderName } from './fields'
import { TwoDDocFormatError, parseTwoDDoc, type ParsedTwoDDoc } from './format'
import { verifySignature, type SignatureVerdict, type TrustBundle } from './trust'

/**
 * What the counter gets from a file's 2D-Doc: the verdict, the document type, the emission date,
 * whose and where, the truncated fields. Nothing else of the barcode leaves the reader (no invoice
 * number, amount, phone number, no raw text): the outcome is built field by field.
 */
export type TwoDDocOutcome =
  | { found: false; codes: 0 }
  | {
      found: true
      /** How many 2D-Doc codes the file holds (the first proof of address is the one read). */
      codes: number
      signature: SignatureVerdict
      /** French. */
      signatureReason: string
      authority: string
      certificate: string
      documentType: string
      perimeter: string
      proofOfAddress: boolean
      emittedOn: string | null
      holder: string | null
      holderName: HolderName
      addressLine: string | null
      postcode: string | null
      city: string | null
      /** Data identifiers the issuer truncated ("22"). */
      truncatedFields: string[]
      /** Their French names (« Adresse, ligne 4 (numéro et voie) »). */
      truncatedLabels: string[]
      /** French: what could not be read in the message zone (no content, identifiers at most). */
      formatProblems: string[]
    }

export type FoundTwoDDoc = Extract<TwoDDocOutcome, { found: true }>

const NO_NAME: HolderName = { title: null, surname: null, given: null }

function outcomeOf(parsed: ParsedTwoDDoc, codes: number, bundle: TrustBundle): FoundTwoDDoc {
  const { header } = parsed
  const proofOfAddress = isProofOfAddress(header.perimeter, header.documentType)
  const { verdict, reason } = verifySignature(parsed, bundle)
  // Whose and where only for a proof of address: another document's identities stay unread.
  const facts = proofOfAddress ? addressFacts(parsed.fields) : null
  const truncatedFields = [...new Set(parsed.fields.filter((f) => f.truncated).map((f) => f.id))]
  return {
    found: true,
    codes,
    signature: verdict,
    signatureReason: reason,
    authority: header.authority,
    certificate: header.certificate,
    documentType: header.documentType,
    perimeter: header.perimeter,
    proofOfAddress,
    emittedOn: header.emittedOn,
    holder: facts?.holder ?? null,
    holderName: facts ? { ...facts.holderName } : { ...NO_NAME },
    addressLine: facts?.addressLine ?? null,
    postcode: facts?.postcode ?? null,
    city: facts?.city ?? null,
    truncatedFields,
    truncatedLabels: truncatedFields.map(fieldLabel),
    formatProblems: [...parsed.problems],
  }
}

/** The outcome of a file's 2D-Doc texts: the first proof of address, else the first code that parses. */
export function readTwoDDocTexts(texts: string[], bundle: TrustBundle): TwoDDocOutcome {
  const parsed: ParsedTwoDDoc[] = []
  // The same code printed twice (on each page of a PDF) is one code.
  for (const text of new Set(texts)) {
    try {
      parsed.push(parseTwoDDoc(text))
    } catch (e) {
      if (!(e instanceof TwoDDocFormatError)) throw e
      // A code that only looks like a 2D-Doc: not counted.
    }
  }
  const chosen = parsed.find((p) => isProofOfAddress(p.header.perimeter, p.header.documentType)) ?? parsed[0]
  if (!chosen) return { found: false, codes: 0 }
  return outcomeOf(chosen, parsed.length, bundle)
}

/** Finds, parses and verifies the 2D-Doc of a PNG, JPEG or PDF. Throws TwoDDocUnreadableError. */
export async function readTwoDDocFile(bytes: Uint8Array, mime: TwoDDocMime, bundle: TrustBundle): Promise<TwoDDocOutcome> {
  return readTwoDDocTexts(await findTwoDDocTexts(bytes, mime), bundle)
}

/** The command line's JSON line: exactly the keys. */
export function cliLine(o: TwoDDocOutcome): Record<string, unknown> {
  if (!o.found) return { found: false }
  return {
    found: true,
    signature: o.signature,
    documentType: o.documentType,
    proofOfAddress: o.proofOfAddress,
    emittedOn: o.emittedOn,
    holder: o.holder,
    addressLine: o.addressLine,
    postcode: o.postcode,
    city: o.city,
    truncatedFields: o.truncatedFields,
  }
}
