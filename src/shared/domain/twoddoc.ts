import type { TrustStatus, TwoDDocColor, TwoDDocMismatch } from '../contract/twoddoc'
import type { TwoDDocMismatchField, TwoDDocVerdict } from '../commands/documents'
import type { DocumentTypeRow } from './documents'
import { frenchDay } from './reservations'

/**
 * Issue 13, at the counter: what a 2D-Doc reading means for the piece the agent records. Pure
 * functions, shared by the core (src/main/core/areas/twoddoc.ts) and its tests:
 *
 * - the French names of the ANTS perimeter's document types (perimeter "01"), and which of them
 *   prove an address (00 justificatif de domicile, 01 facture, 02 avis de taxe d'habitation);
 * - the town's document type the piece is recorded as (the town's own list of accepted proofs
 *   of address still applies: a town may refuse the avis de taxe d'habitation);
 * - the differences between the barcode's holder and address and the family file, compared
 *   without case, accents, punctuation or the usual street abbreviations;
 * - the verdict the agent sees: green, orange or red, with its reasons in French, the most
 *   serious first.
 */

/** The ANTS perimeter: the only one whose document types this module knows. */
export const ANTS_PERIMETER = '01'

/** The requirement a proof of address is recorded for (src/shared/domain/documentDefaults.ts). */
export const ADDRESS_REQUIREMENT = 'domicile'

/**
 * French names of the perimeter 01 document types, as the ANTS specification names them
 * (« 2D-Doc, spécifications techniques », its annex of document types; read in the public copy
 * betagouv/2ddoc-parser, doc/examples_final/).
 */
export const TWODDOC_TYPE_LABELS: Readonly<Record<string, string>> = {
  '00': 'Justificatif de domicile',
  '01': 'Facture',
  '02': "Avis de taxe d'habitation",
  '03': "Relevé d'identité bancaire",
  '04': "Avis d'impôt sur les revenus",
  '05': "Relevé d'identité SEPAmail",
  '06': 'Bulletin de salaire',
  '07': "Titre d'identité",
  '08': 'Bande MRZ',
  '10': 'Contrat de travail',
  '11': 'Relevé de compte',
  '12': "Acte d'huissier",
  '13': 'Document étranger',
  '14': 'Attestation DICEM',
  '15': 'Autorisation de travail',
  '16': "Attestation de demande d'asile",
  '17': "Attestation de fin de droit à l'allocation pour demandeur d'asile",
  '18': "Avis de situation déclarative à l'impôt sur le revenu",
  '19': 'Donation',
  '20': 'Cession de droits sociaux',
  '21': 'Attestation 2041-ASK',
  '22': "Carte européenne d'arme à feu",
  '23': 'Certificat de preuve de vie',
  '24': "Avis de situation déclarative à l'impôt sur le revenu",
  '25': 'Autorisation de travail',
  '26': 'Certificat de conformité sûreté aéroportuaire',
  '27': "Avis de situation déclarative à l'impôt sur le revenu",
  '28': "Avis d'impôt sur les revenus",
}

const PROOF_OF_ADDRESS_TYPES = new Set(['00', '01', '02'])

/** « Facture », or « Document 2D-Doc de type 9Z » for a type this module does not name. */
export function twoddocTypeLabel(perimeter: string, documentType: string): string {
  const known = perimeter === ANTS_PERIMETER ? TWODDOC_TYPE_LABELS[documentType] : undefined
  return known ?? `Document 2D-Doc de type ${documentType}${perimeter === ANTS_PERIMETER ? '' : ` (périmètre ${perimeter})`}`
}

/** Types 00, 01 and 02 of the ANTS perimeter prove an address; nothing else does. */
export function isProofOfAddress(perimeter: string, documentType: string): boolean {
  return perimeter === ANTS_PERIMETER && PROOF_OF_ADDRESS_TYPES.has(documentType)
}

/** The town's types a bill (00 justificatif, 01 facture) is recorded as, the first present and accepted. */
const BILL_TYPE_IDS = ['facture_energie', 'facture_telecom', 'quittance_loyer'] as const
/** The town type of an avis de taxe d'habitation (a default type since issue 13). */
export const HOUSING_TAX_TYPE_ID = 'avis_taxe_habitation'

export interface TypeSuggestion {
  /** The town's document type to record the piece as; null: none the town accepts. */
  typeId: string | null
  /** Why there is none (French), else null. */
  problem: string | null
}

/**
 * The town's document type a proof of address read from its 2D-Doc is recorded as. `townTypes`:
 * the town's document types (only the active ones of the 'domicile' requirement are looked at).
 * A type that is not a proof of address (04…) gets no suggestion and no problem here: the verdict
 * says it (verdictView).
 */
export function suggestTypeId(documentType: string, townTypes: readonly DocumentTypeRow[]): TypeSuggestion {
  const usable = new Map(
    townTypes.filter((t) => t.requirement_id === ADDRESS_REQUIREMENT && t.active).map((t) => [t.id, t] as const),
  )
  const refused = (): TypeSuggestion => ({
    typeId: null,
    problem: `${TWODDOC_TYPE_LABELS[documentType] ?? documentType} : la commune ne l'accepte pas comme justificatif de domicile`,
  })
  if (documentType === '00' || documentType === '01') {
    const id = BILL_TYPE_IDS.find((candidate) => usable.get(candidate)?.accepted === true)
    return id ? { typeId: id, problem: null } : refused()
  }
  if (documentType === '02') {
    return usable.get(HOUSING_TAX_TYPE_ID)?.accepted === true ? { typeId: HOUSING_TAX_TYPE_ID, problem: null } : refused()
  }
  return { typeId: null, problem: null }
}

// ---- comparing with the family file -------------------------------------------------------

/** Street and place-name abbreviations written out, so that « 12 AV. DES LILAS » is « 12 avenue des Lilas ». */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  AV: 'AVENUE',
  AVE: 'AVENUE',
  BD: 'BOULEVARD',
  BLD: 'BOULEVARD',
  BVD: 'BOULEVARD',
  R: 'RUE',
  PL: 'PLACE',
  CHE: 'CHEMIN',
  CHEM: 'CHEMIN',
  CH: 'CHEMIN',
  ST: 'SAINT',
  STE: 'SAINTE',
  IMP: 'IMPASSE',
  ALL: 'ALLEE',
  RTE: 'ROUTE',
  FG: 'FAUBOURG',
  FBG: 'FAUBOURG',
  SQ: 'SQUARE',
  CRS: 'COURS',
  QU: 'QUAI',
  RES: 'RESIDENCE',
  LOT: 'LOTISSEMENT',
  APT: 'APPARTEMENT',
  APPT: 'APPARTEMENT',
  BAT: 'BATIMENT',
}

/**
 * The words of a name or an address line, compared without case, accents, hyphens, apostrophes,
 * punctuation or repeated spaces, abbreviations written out: « Carrières-sur-Seine » and
 * « CARRIERES SUR SEINE » give the same words.
 */
export function comparableWords(text: string | null | undefined): string[] {
  if (!text) return []
  const plain = text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/Œ/gi, 'OE')
    .replace(/Æ/gi, 'AE')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
  if (plain === '') return []
  return plain.split(' ').map((w) => ABBREVIATIONS[w] ?? w)
}

const sameWords = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((w, i) => w === b[i])
const within = (small: readonly string[], big: readonly string[]) => {
  const have = new Set(big)
  return small.length > 0 && small.every((w) => have.has(w))
}

/** What the barcode says (fields it lacks are null: they are not compared). */
export interface TwoDDocReading {
  holderName: { surname: string | null }
  addressLine: string | null
  postcode: string | null
  city: string | null
}

/** What the family file says. */
export interface FamilyAddress {
  /** The guardians' last names and birth names. */
  surnames: readonly string[]
  addressLine1: string | null
  addressLine2: string | null
  postcode: string | null
  city: string | null
}

const NOT_IN_FILE = '(non renseigné)'
const MISMATCH_LABELS: Readonly<Record<TwoDDocMismatchField, string>> = {
  surname: 'Nom',
  street: 'Adresse',
  postcode: 'Code postal',
  city: 'Commune',
}

/** A city without its « CEDEX » suffix nor an arrondissement number (« PARIS 15 », « LYON CEDEX 03 »). */
function cityWords(city: string | null): string[] {
  const words = comparableWords(city)
  const cedex = words.indexOf('CEDEX')
  const kept = cedex >= 0 ? words.slice(0, cedex) : words
  while (kept.length > 1 && /^\d+(E|ER|EME)?$/.test(kept[kept.length - 1]!)) kept.pop()
  return kept
}

/**
 * The differences between the barcode and the family file, in the order name, street, postcode,
 * city. A field the barcode lacks is not compared. The surname matches when its words and one of
 * the guardians' names' words are the same, or one holds the other (« LEMERCIER » and
 * « Lemercier-Dupont »; « DUPONT EP LEMERCIER » and « Lemercier »). The street matches when its
 * words and the file's first line (or both lines) are the same, or one holds the other (a flat
 * number or a building on one side only).
 */
export function compareWithFamily(reading: TwoDDocReading, family: FamilyAddress): TwoDDocMismatch[] {
  const out: TwoDDocMismatch[] = []
  const add = (field: TwoDDocMismatchField, onDocument: string, inFile: string) =>
    out.push({ field, label: MISMATCH_LABELS[field], onDocument, inFile: inFile.trim() === '' ? NOT_IN_FILE : inFile })

  const surname = reading.holderName.surname
  const holder = comparableWords(surname)
  if (surname && holder.length > 0) {
    const names = family.surnames.filter((s) => comparableWords(s).length > 0)
    const matches = names.some((s) => {
      const words = comparableWords(s)
      return sameWords(words, holder) || within(words, holder) || within(holder, words)
    })
    if (!matches) add('surname', surname, [...new Set(names)].join(', '))
  }

  const street = comparableWords(reading.addressLine)
  if (reading.addressLine && street.length > 0) {
    const line1 = comparableWords(family.addressLine1)
    const both = [...line1, ...comparableWords(family.addressLine2)]
    const matches = sameWords(street, line1) || sameWords(street, both) || within(line1, street) || within(street, both)
    if (!matches) add('street', reading.addressLine, [family.addressLine1, family.addressLine2].filter((l) => l && l.trim() !== '').join(', '))
  }

  if (reading.postcode && reading.postcode.trim() !== '') {
    const digits = (s: string | null) => (s ?? '').replace(/\D/g, '')
    if (digits(reading.postcode) !== digits(family.postcode) || digits(family.postcode) === '') add('postcode', reading.postcode, family.postcode ?? '')
  }

  const city = cityWords(reading.city)
  if (reading.city && city.length > 0) {
    if (!sameWords(city, cityWords(family.city))) add('city', reading.city, family.city ?? '')
  }
  return out
}

// ---- the verdict ---------------------------------------------------------------------------

/** The part of a reading's outcome the verdict needs (src/main/core/twoddoc/reader.ts TwoDDocOutcome). */
export type VerdictOutcome =
  | { found: false }
  | {
      found: true
      signature: TwoDDocVerdict
      documentType: string
      perimeter: string
      proofOfAddress: boolean
      /** French names of the fields the issuer truncated. */
      truncatedLabels: readonly string[]
      /** French: what of the message zone could not be read (identifiers at most, never content). */
      formatProblems: readonly string[]
      holder: string | null
      addressLine: string | null
      postcode: string | null
      city: string | null
    }

export interface VerdictView {
  /** null: no 2D-Doc on the document. */
  color: TwoDDocColor | null
  /** Plain French, the most serious first. */
  reasons: string[]
}

export const REASON_INVALID =
  "Signature invalide : le document a pu être modifié ou n'a pas été émis par l'émetteur annoncé. Refusez la pièce."
export const REASON_UNKNOWN_ISSUER = 'Émetteur absent de la liste de confiance : liste de confiance à mettre à jour'
export const REASON_VALID = 'Signature valide'
export const REASON_NOT_FOUND = "Aucun 2D-Doc sur ce document : vérifiez la pièce à l'œil, comme d'habitude."

/**
 * Green, orange or red, with its reasons (the most serious first):
 * red: the signature is invalid, or the document is not a proof of address;
 * orange: the issuer is not in the trust list, the trust list is past its update date, the
 * message was read only in part or names no holder and no address, a field was truncated, the
 * barcode differs from the family file, the town does not accept the kind;
 * green: a valid signature and nothing else to say.
 */
export function verdictView(
  outcome: VerdictOutcome,
  trust: Pick<TrustStatus, 'outdated' | 'nextUpdate'>,
  typeProblem: string | null,
  mismatches: readonly TwoDDocMismatch[],
): VerdictView {
  if (!outcome.found) return { color: null, reasons: [REASON_NOT_FOUND] }
  const red: string[] = []
  const orange: string[] = []
  if (outcome.signature === 'invalid') red.push(REASON_INVALID)
  if (!outcome.proofOfAddress) {
    red.push(`${twoddocTypeLabel(outcome.perimeter, outcome.documentType)} : ce document n'est pas un justificatif de domicile.`)
  }
  if (outcome.signature === 'unknown_issuer') orange.push(REASON_UNKNOWN_ISSUER)
  if (trust.outdated) orange.push(`La liste de confiance devait être mise à jour le ${frenchDay(trust.nextUpdate)}`)
  // A message zone read only in part, or a proof of address that names nobody and nowhere: the
  // comparison with the file has nothing to go on, so the screen must not look settled.
  if (outcome.formatProblems.length > 0) {
    orange.push(`Données du code lues en partie (${outcome.formatProblems.join(' ')}) : comparez avec le papier`)
  }
  if (outcome.proofOfAddress && !outcome.holder && !outcome.addressLine && !outcome.postcode && !outcome.city) {
    orange.push('Le code ne porte ni titulaire ni adresse : comparez avec le papier')
  }
  if (outcome.truncatedLabels.length > 0) {
    orange.push(`Champ tronqué par l'émetteur : ${outcome.truncatedLabels.join(', ')} (comparez avec le papier)`)
  }
  for (const m of mismatches) {
    const differs = m.field === 'street' || m.field === 'city' ? 'différente' : 'différent'
    orange.push(`${m.label} ${differs} du dossier : « ${m.onDocument} » sur le document, « ${m.inFile} » au dossier`)
  }
  if (typeProblem) orange.push(typeProblem)
  const color: TwoDDocColor = red.length > 0 ? 'red' : orange.length > 0 ? 'orange' : 'green'
  const reasons = [...red, ...orange]
  if (outcome.signature === 'valid') reasons.push(REASON_VALID)
  return { color, reasons }
}
