import { describe, expect, it } from 'vitest'
import {
  comparableWords,
  compareWithFamily,
  isProofOfAddress,
  REASON_INVALID,
  REASON_UNKNOWN_ISSUER,
  REASON_VALID,
  suggestTypeId,
  twoddocTypeLabel,
  verdictView,
  type FamilyAddress,
  type TwoDDocReading,
  type VerdictOutcome,
} from '../../../src/shared/domain/twoddoc'
import { DEFAULT_DOCUMENT_TYPES } from '../../../src/shared/domain/documentDefaults'
import type { DocumentTypeRow } from '../../../src/shared/domain/documents'
import type { TwoDDocMismatch } from '../../../src/shared/contract/twoddoc'

/**
 * Issue 13 at the counter, the pure part: which 2D-Doc types prove an address, which town type a
 * proof is recorded as, the differences from the family file, and the verdict's colour and reasons.
 */

describe('2D-Doc document types', () => {
  const cases: [string, string, string, boolean][] = [
    ['01', '00', 'Justificatif de domicile', true],
    ['01', '01', 'Facture', true],
    ['01', '02', "Avis de taxe d'habitation", true],
    ['01', '04', "Avis d'impôt sur les revenus", false],
    ['01', '06', 'Bulletin de salaire', false],
    ['01', '9Z', 'Document 2D-Doc de type 9Z', false],
    // Another perimeter's 01 is not the ANTS facture.
    ['02', '01', 'Document 2D-Doc de type 01 (périmètre 02)', false],
  ]
  it.each(cases)('perimeter %s type %s: « %s », proof of address %s', (perimeter, type, label, proof) => {
    expect(twoddocTypeLabel(perimeter, type)).toBe(label)
    expect(isProofOfAddress(perimeter, type)).toBe(proof)
  })
})

describe('the town type a proof of address is recorded as', () => {
  const defaults = DEFAULT_DOCUMENT_TYPES as DocumentTypeRow[]
  const edit = (changes: Record<string, Partial<DocumentTypeRow>>) => defaults.map((t) => (changes[t.id] ? { ...t, ...changes[t.id] } : t))
  const without = (...ids: string[]) => defaults.filter((t) => !ids.includes(t.id))
  const refusedTH = "Avis de taxe d'habitation : la commune ne l'accepte pas comme justificatif de domicile"
  const cases: [string, string, DocumentTypeRow[], string | null, string | null][] = [
    ['a facture, default town data', '01', defaults, 'facture_energie', null],
    ['a justificatif de domicile, default town data', '00', defaults, 'facture_energie', null],
    ['a facture, energy bills refused by the town', '01', edit({ facture_energie: { accepted: false } }), 'facture_telecom', null],
    ['a facture, energy bills deactivated', '01', edit({ facture_energie: { active: false } }), 'facture_telecom', null],
    ['a facture, only rent receipts left', '01', without('facture_energie', 'facture_telecom'), 'quittance_loyer', null],
    ['a facture, none of the three', '01', without('facture_energie', 'facture_telecom', 'quittance_loyer'), null, "Facture : la commune ne l'accepte pas comme justificatif de domicile"],
    ['a taxe d’habitation, default town data', '02', defaults, 'avis_taxe_habitation', null],
    ['a taxe d’habitation refused by the town', '02', edit({ avis_taxe_habitation: { accepted: false } }), null, refusedTH],
    ['a taxe d’habitation, a town without the type', '02', without('avis_taxe_habitation'), null, refusedTH],
    // The type must prove the address: the same id under another requirement does not count.
    ['a taxe d’habitation typed for the quotient', '02', edit({ avis_taxe_habitation: { requirement_id: 'quotient' } }), null, refusedTH],
    ['an avis d’impôt: not a proof, no suggestion', '04', defaults, null, null],
  ]
  it.each(cases)('%s', (_name, type, town, typeId, problem) => {
    expect(suggestTypeId(type, town)).toEqual({ typeId, problem })
  })
})

describe('comparing the barcode with the family file', () => {
  it.each([
    ['Carrières-sur-Seine', 'CARRIERES SUR SEINE'],
    ["  L'Haÿ-les-Roses ", 'L HAY LES ROSES'],
    ['12 av. du Général-de-Gaulle', '12 AVENUE DU GENERAL DE GAULLE'],
    ['3 BD ST MICHEL', '3 BOULEVARD SAINT MICHEL'],
    ['4 R. Œillets', '4 RUE OEILLETS'],
    ['7 pl  de la  Mairie', '7 PLACE DE LA MAIRIE'],
    ['2 che. des Vignes', '2 CHEMIN DES VIGNES'],
  ])('« %s » compares as « %s »', (text, words) => {
    expect(comparableWords(text).join(' ')).toBe(words)
  })

  const family: FamilyAddress = {
    surnames: ['Lemercier', 'Dupont-Lemercier', 'Martin'],
    addressLine1: '12 rue des Écoles',
    addressLine2: null,
    postcode: '78420',
    city: 'Carrières-sur-Seine',
  }
  const reading = (over: Partial<TwoDDocReading> = {}): TwoDDocReading => ({
    holderName: { surname: 'LEMERCIER' },
    addressLine: '12 RUE DES ECOLES',
    postcode: '78420',
    city: 'CARRIERES-SUR-SEINE',
    ...over,
  })
  const fields = (r: TwoDDocReading, f: FamilyAddress = family) => compareWithFamily(r, f).map((m) => m.field)

  const cases: [string, TwoDDocReading, FamilyAddress, string[]][] = [
    ['the same, as the barcode writes it', reading(), family, []],
    ['case, accents and hyphens aside', reading({ city: 'carrieres sur seine', addressLine: '12 Rue des écoles' }), family, []],
    ['a street abbreviation', reading({ addressLine: '12 R DES ECOLES' }), family, []],
    ['a flat number on the barcode only', reading({ addressLine: 'APPT 4 12 RUE DES ECOLES' }), family, []],
    ['the street over the file’s two lines', reading({ addressLine: 'BAT B 12 RUE DES ECOLES' }), { ...family, addressLine1: 'Bâtiment B', addressLine2: '12 rue des Écoles' }, []],
    ['another street number', reading({ addressLine: '14 RUE DES ECOLES' }), family, ['street']],
    ['another street', reading({ addressLine: '12 AVENUE DES ECOLES' }), family, ['street']],
    ['another postcode', reading({ postcode: '78000' }), family, ['postcode']],
    ['another city', reading({ city: 'CHATOU' }), family, ['city']],
    ['a CEDEX city', reading({ city: 'CARRIERES SUR SEINE CEDEX' }), family, []],
    ['another surname', reading({ holderName: { surname: 'DURAND' } }), family, ['surname']],
    ['a compound surname holding the file’s name', reading({ holderName: { surname: 'LEMERCIER DUBOIS' } }), family, []],
    ['a surname within a guardian’s compound name', reading({ holderName: { surname: 'DUPONT' } }), family, []],
    ['the second guardian’s name', reading({ holderName: { surname: 'MARTIN' } }), family, []],
    ['a name that only starts the same', reading({ holderName: { surname: 'LEMERC' } }), family, ['surname']],
    ['everything different', reading({ holderName: { surname: 'DURAND' }, addressLine: '1 PLACE DU MARCHE', postcode: '75001', city: 'PARIS' }), family, ['surname', 'street', 'postcode', 'city']],
    // A field the barcode lacks is never flagged.
    ['a barcode without holder nor address', { holderName: { surname: null }, addressLine: null, postcode: null, city: null }, family, []],
    ['a barcode with an empty city', reading({ city: '' }), family, []],
    // A field the file lacks is: the agent sees it.
    ['a file without postcode', reading(), { ...family, postcode: null }, ['postcode']],
  ]
  it.each(cases)('%s', (_name, r, f, expected) => {
    expect(fields(r, f)).toEqual(expected)
  })

  it('says what each side holds, with French labels', () => {
    expect(compareWithFamily(reading({ postcode: '78000', holderName: { surname: 'DURAND' } }), family)).toEqual([
      { field: 'surname', label: 'Nom', onDocument: 'DURAND', inFile: 'Lemercier, Dupont-Lemercier, Martin' },
      { field: 'postcode', label: 'Code postal', onDocument: '78000', inFile: '78420' },
    ])
    expect(compareWithFamily(reading(), { ...family, postcode: null })).toEqual([
      { field: 'postcode', label: 'Code postal', onDocument: '78420', inFile: '(non renseigné)' },
    ])
  })
})

describe('the verdict the agent sees', () => {
  const fresh = { outdated: false, nextUpdate: '2027-02-25' }
  const stale = { outdated: true, nextUpdate: '2026-02-25' }
  const ok: VerdictOutcome = {
    found: true,
    signature: 'valid',
    documentType: '01',
    perimeter: '01',
    proofOfAddress: true,
    truncatedLabels: [],
    formatProblems: [],
    holder: 'M LEMERCIER PIERRE-ALEXANDRE',
    addressLine: '37 RUE ALEXANDRE-DUMAS',
    postcode: '78420',
    city: 'CARRIERES-SUR-SEINE',
  }
  const nobody = { holder: null, addressLine: null, postcode: null, city: null }
  const postcode: TwoDDocMismatch = { field: 'postcode', label: 'Code postal', onDocument: '78000', inFile: '78420' }
  const street: TwoDDocMismatch = { field: 'street', label: 'Adresse', onDocument: '14 RUE DES ECOLES', inFile: '12 rue des Écoles' }
  const taxNotAccepted = "Avis de taxe d'habitation : la commune ne l'accepte pas comme justificatif de domicile"

  const cases: [string, VerdictOutcome, typeof fresh, string | null, TwoDDocMismatch[], 'green' | 'orange' | 'red' | null, string[]][] = [
    ['a valid bill and nothing else', ok, fresh, null, [], 'green', [REASON_VALID]],
    ['an invalid signature', { ...ok, signature: 'invalid' }, fresh, null, [], 'red', [REASON_INVALID]],
    [
      'an invalid signature on a non-address document, outdated list: the most serious first',
      { ...ok, signature: 'invalid', documentType: '04', proofOfAddress: false },
      stale,
      null,
      [postcode],
      'red',
      [
        REASON_INVALID,
        "Avis d'impôt sur les revenus : ce document n'est pas un justificatif de domicile.",
        'La liste de confiance devait être mise à jour le 25/02/2026',
        'Code postal différent du dossier : « 78000 » sur le document, « 78420 » au dossier',
      ],
    ],
    [
      'a valid avis d’impôt: red, not a proof of address',
      { ...ok, documentType: '04', proofOfAddress: false },
      fresh,
      null,
      [],
      'red',
      ["Avis d'impôt sur les revenus : ce document n'est pas un justificatif de domicile.", REASON_VALID],
    ],
    ['an unknown issuer', { ...ok, signature: 'unknown_issuer' }, fresh, null, [], 'orange', [REASON_UNKNOWN_ISSUER]],
    ['a trust list past its update', ok, stale, null, [], 'orange', ['La liste de confiance devait être mise à jour le 25/02/2026', REASON_VALID]],
    [
      'a truncated field',
      { ...ok, truncatedLabels: ['Adresse, ligne 4'] },
      fresh,
      null,
      [],
      'orange',
      ["Champ tronqué par l'émetteur : Adresse, ligne 4 (comparez avec le papier)", REASON_VALID],
    ],
    [
      'two differences from the file',
      ok,
      fresh,
      null,
      [street, postcode],
      'orange',
      [
        'Adresse différente du dossier : « 14 RUE DES ECOLES » sur le document, « 12 rue des Écoles » au dossier',
        'Code postal différent du dossier : « 78000 » sur le document, « 78420 » au dossier',
        REASON_VALID,
      ],
    ],
    [
      'a message read only in part: orange, never a settled green',
      { ...ok, formatProblems: ["Identifiant de donnée inconnu (9Z) : la suite du message n'est pas lue."] },
      fresh,
      null,
      [],
      'orange',
      ["Données du code lues en partie (Identifiant de donnée inconnu (9Z) : la suite du message n'est pas lue.) : comparez avec le papier", REASON_VALID],
    ],
    [
      'a proof of address that names nobody and nowhere: orange',
      { ...ok, ...nobody },
      fresh,
      null,
      [],
      'orange',
      ['Le code ne porte ni titulaire ni adresse : comparez avec le papier', REASON_VALID],
    ],
    ['an avis d’impôt names nobody here (not read): only its own red', { ...ok, ...nobody, documentType: '04', proofOfAddress: false }, fresh, null, [], 'red', ["Avis d'impôt sur les revenus : ce document n'est pas un justificatif de domicile.", REASON_VALID]],
    ['a kind the town refuses', { ...ok, documentType: '02' }, fresh, taxNotAccepted, [], 'orange', [taxNotAccepted, REASON_VALID]],
    ['no 2D-Doc at all', { found: false }, fresh, null, [], null, ["Aucun 2D-Doc sur ce document : vérifiez la pièce à l'œil, comme d'habitude."]],
  ]
  it.each(cases)('%s', (_name, outcome, trust, typeProblem, mismatches, color, reasons) => {
    expect(verdictView(outcome, trust, typeProblem, mismatches)).toEqual({ color, reasons })
  })
})
