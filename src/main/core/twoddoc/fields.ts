/**
 * 2D-Doc data identifiers (perimeter "01", C40 text) and what the counter takes from them.
 *
 * The lengths below are the ANTS specification's table of data identifiers (« 2D-Doc –
 * Spécifications techniques », section 7, identifiers of perimeter 01), as transcribed in the
 * public repository nipo/tdd (tdd/data_definition.py, specification v3.3.8). A fixed-length
 * value has no terminator; a variable-length value ends with <GS> (or <RS> when the issuer
 * truncated it), or without terminator when it reaches its maximum length or the message ends.
 */

/** "ID" followed by its fixed length, space separated. */
const FIXED = [
  '064 076 084 094 0A9 0B9 0D36 1C8 1G1 1H1 245 262 2B5 2D2 342 364 374 4013 4413 454 4713 4913 4A8 4B8 4C8 4F15',
  '4P5 4S4 5014 516 527 534 544 558 568 578 5H5 5J2 5N21 5T1 652 672 681 698 6B3 6C2 6I2 6J1 6K19 6L8 6N8 6O8',
  '6R12 6W5 6Y2 7012 7112 758 761 785 7A5 7C1 7D1 7E1 7F1 7G1 7H2 7I1 7J1 7K13 7L9 7O1 7P16 8A8 8517 8612 968',
  'A02 A417 A53 A62 A73 A93 AA8 AD4 AE4 AF1 AG1 AI8 AJ13 AK7 AL11 AN8 AO6 AT1 AY5 B52 B61 B78 B92 BA1 BD1 BE3',
  'BF3 BG2 BK14 C01 C312 C48 C51 C95 CB10 CC12 D017 D38 D48 D68 D78 D82 D98 DA8 DD8 DF9 DG14 DL8 DN9 DO14 DS8',
  'DU9 DV14 DY3 H12 H32 H48 H58 H87 H98 HA8 HB9 HJ5 HL2 HN12 HO8 HP12 HQ2 HR2 HS2 F28 F31 F51 F612 L28 L71 L81',
  'L98 LA2 G02 G12 G38 E02 E14 E24 E34 E43 E52 E79 E812 I04 I17 I216 I611',
].join(' ')

/** "ID" followed by its maximum length (nothing: no maximum), space separated. */
const VARIABLE = [
  '01 02 03 04 05 0C 1038 1138 1238 1338 1438 1538 1638 1738 18 19 1A 1B 1D16 1E30 1F30 1I38 1J38 1K38 1L38 1M38',
  '1N38 1O38 1P38 2038 2138 2238 2338 2532 2738 2838 2938 2A38 2C32 30140 3138 3211 3330 3534 3811 3911 4112 42',
  '435 4638 4838 4D12 4E12 4G38 4H77 4I12 4J12 4K38 4L38 4M3 4N38 4O38 4Q32 4R30 4T30 4U38 4V10 4W10 4X10 4Y155',
  '4Z10 5811 5912 5A11 5B12 5C11 5D38 5E38 5F38 5G38 5I32 5K50 5L14 5M38 5O38 5P38 5Q38 5R38 5S40 5U12 6060 6120',
  '6238 6338 6438 6620 6A32 6D60 6E60 6F90 6G38 6H10 6M40 6P40 6Q10 6S38 6T38 6U38 6V38 6X32 6Z11 7238 7360 7438',
  '7745 79114 7B45 7M64 7N128 8763 8810 8964 8B10 8038 8160 8220 8340 8440 9038 9138 9238 9338 9438 9518 A117',
  'A217 A317 A812 AB8 AC19 AH30 AM5 AP60 AQ25 AR35 AS10 AU38 AV38 AW38 AX38 AZ32 B060 B120 B238 B338 B438 B832',
  'BB50 BC20 BH30 BI30 BJ30 C138 C220 C638 C720 C838 CA45 D150 D220 D510 DB50 DC50 DE50 DH20 DI30 DJ50 DK50 DM50',
  'DP20 DQ50 DR50 DT50 DW50 DX30 DZ10 H038 H238 H640 H753 HC38 HD38 HE38 HF38 HG38 HH20 HI38 HK32 HM18 F038 F160',
  'F47 L080 L180 L330 L415 L530 L630 G220 G410 G545 E665 I354 I437 I513',
].join(' ')

export type DataLength = { kind: 'fixed'; length: number } | { kind: 'variable'; max: number | null }

function table(): Map<string, DataLength> {
  const m = new Map<string, DataLength>()
  for (const e of FIXED.split(' ')) m.set(e.slice(0, 2), { kind: 'fixed', length: Number(e.slice(2)) })
  for (const e of VARIABLE.split(' ')) m.set(e.slice(0, 2), { kind: 'variable', max: e.length > 2 ? Number(e.slice(2)) : null })
  return m
}

const PERIMETER_01 = table()

/** The length rule of a data identifier, or null when the identifier is unknown for this perimeter. */
export function dataLength(perimeter: string, id: string): DataLength | null {
  if (perimeter !== '01') return null
  return PERIMETER_01.get(id) ?? null
}

/** French names of the identifiers the counter shows (the proofs of address' fields). */
const LABELS: Record<string, string> = {
  '10': 'Nom du bénéficiaire',
  '11': 'Qualité du bénéficiaire',
  '12': 'Prénom du bénéficiaire',
  '13': 'Nom de famille du bénéficiaire',
  '14': 'Nom du destinataire de la facture',
  '15': 'Qualité du destinataire de la facture',
  '16': 'Prénom du destinataire de la facture',
  '17': 'Nom de famille du destinataire de la facture',
  '20': 'Adresse, ligne 2',
  '21': 'Adresse, ligne 3',
  '22': 'Adresse, ligne 4 (numéro et voie)',
  '23': 'Adresse, ligne 5',
  '24': 'Code postal',
  '25': 'Commune',
  '26': 'Pays',
}

/** « Adresse, ligne 4 (numéro et voie) », or « Donnée 5C » for an identifier the counter does not use. */
export function fieldLabel(id: string): string {
  return LABELS[id] ?? `Donnée ${id}`
}

/** Which types prove an address, and their French names: one list, in the shared domain (the counter's verdict uses it too). */
export { isProofOfAddress } from '@shared/domain/twoddoc'

const TITLES = new Set(['M', 'MR', 'MME', 'MLLE', 'MLE', 'MM', 'MMES', 'MONSIEUR', 'MADAME', 'MADEMOISELLE', 'DR', 'ME', 'MAITRE', 'SOC', 'STE'])

export interface HolderName {
  title: string | null
  surname: string | null
  given: string | null
}

const clean = (v: string | undefined): string | null => {
  const t = (v ?? '').replace(/\s+/g, ' ').trim()
  return t === '' ? null : t
}

/**
 * Line 1 of the postal address norm as 2D-Doc writes it: "QUALITE/NOM/PRENOM" (slashes),
 * sometimes without the title ("NOM/PRENOM") or as one block.
 */
export function splitNameLine(line: string): HolderName {
  const parts = line.split('/').map((p) => clean(p))
  if (parts.length >= 3) return { title: parts[0] ?? null, surname: parts[1] ?? null, given: clean(parts.slice(2).filter(Boolean).join(' ')) }
  if (parts.length === 2) {
    const first = parts[0] ?? null
    if (first !== null && TITLES.has(first.replace(/\./g, ''))) return { title: first, surname: parts[1] ?? null, given: null }
    return { title: null, surname: first, given: parts[1] ?? null }
  }
  return { title: null, surname: parts[0] ?? null, given: null }
}

export interface AddressFacts {
  holder: string | null
  holderName: HolderName
  addressLine: string | null
  postcode: string | null
  city: string | null
}

/**
 * Whose and where, from a proof of address' fields: the beneficiary (10, or 11/12/13), else the
 * invoice's addressee (14, or 15/16/17); the street line is identifier 22 (« numéro et voie »,
 * line 4 of the postal norm), else the first non-empty of lines 3, 5 and 2; 24 postcode, 25 town.
 */
export function addressFacts(fields: ReadonlyArray<{ id: string; value: string }>): AddressFacts {
  const get = (id: string): string | null => clean(fields.find((f) => f.id === id)?.value)
  const nameFrom = (line: string, title: string, given: string, surname: string): HolderName | null => {
    const l = get(line)
    if (l !== null) return splitNameLine(l)
    const n = { title: get(title), surname: get(surname), given: get(given) }
    return n.title ?? n.surname ?? n.given ? n : null
  }
  const holderName = nameFrom('10', '11', '12', '13') ?? nameFrom('14', '15', '16', '17') ?? { title: null, surname: null, given: null }
  const holder = clean([holderName.title, holderName.surname, holderName.given].filter((p) => p !== null).join(' '))
  const addressLine = get('22') ?? get('21') ?? get('23') ?? get('20')
  return { holder, holderName, addressLine, postcode: get('24'), city: get('25') }
}
