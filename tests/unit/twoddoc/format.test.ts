import { describe, expect, it } from 'vitest'
import { TwoDDocFormatError, base32Decode, isTwoDDocText, parseTwoDDoc } from '../../../src/main/core/twoddoc/format'
import { addressFacts, dataLength, splitNameLine } from '../../../src/main/core/twoddoc/fields'

/**
 * Official examples of the ANTS specification « 2D-Doc – Spécifications techniques » (§ 15.2,
 * "Exemples"), as published in the public repository nipo/tdd (tests/spec_samples/3.1.3/…),
 * signed with the specification's test certificate FR00/0001.
 */
const GS = '\x1d'
const US = '\x1f'
const SPEC = {
  /** 15.2.2/01: justificatif de domicile, header v03. */
  domicileV3:
    `DC03FR000001123F1636000126FR245700010MLLE/SAMPLE/ANGELA${GS}20${GS}21BAT 2 ETG 3${GS}227 PLACE DES SPECIMENS${GS}23${GS}25METZ${GS}${US}` +
    '3HJIYP3OAJ4LIZNQXCTZMNQPTT5C2XICTEF4UGJ3NDE2CWM7HJOEEK4ACIY4CZOO5ZOFG35APDZMZQFEAEBWRZTW4CBPG35JE2FJ4EY',
  /** 15.2.2/02: facture, header v03. */
  factureV3:
    `DC03FR000001123F1636010126FR247500010MME/SPECIMEN/NATACHA${GS}22145 AVENUE DES SPECIMENS${GS}${US}` +
    'FEDMPW5SO5BNZFYP7FIQUYZFV5H3OF6QERDMOBN7BZ4CC4KVJ4XWUH6EW3CSWILAGLN4XQE6AKHX6RNOI3OXVW6X3IKJASZGL62FBUQ',
  /** 15.2.2/03: avis de taxe d'habitation, header v03. */
  taxeV3:
    `DC03FR000001123F1636020126FR244400010M/ECHANTILLON/ARTHUR${GS}2242 SQUARE DES ECHANTILLONS${GS}25NANTES${GS}${US}` +
    'UBFF4NY7MIXQVUZYMRDRGXBTVWIVMCNP76TN7SA24QUJ4AAHG4WTLA2QZ5TSC54F2OQRMWOAKSHLXJLNHXH4GJPBHBWXBO3PMSDOVZI',
  /** 15.2.3/01: justificatif de domicile, header v02. */
  domicileV2:
    `DC02FR000001125E125C0026FR245700010MLLE/SAMPLE/ANGELA${GS}20${GS}21BAT 2 ETG 3${GS}23${GS}25METZ${GS}227 PLACE DES SPECIMENS${GS}${US}` +
    'Z2HSK7UZM6KPL7UL6OK7NR77GSPGPNNUYYEE4ZV75L5OCIWKVOXTV3I5AJLRSUDOIR76F75QY5Z7KLH3FACKHVF7JH3DYMRI5EIAZMI',
  /** 15.2.1/02: attestation CVE, header v04 (not a proof of address). */
  cveV4:
    `DC04FR0000011A5E1A5EB101FRBK18-ROSWFTHR-35B0CORINNE/NATACHA${GS}B2BERTHIER${GS}B3${GS}B712071973BB9654321785T${GS}${US}` +
    'ZXH2BBDCISCPWX72YIFSMANO662O2IS6PPPIIUMGVO3ECEML7RU6QIE5CKZK3A5X6SFT3HBPICLUE6RKLYA4M7ATOXSG2HIF5CE35UA',
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fieldMap = (text: string): Record<string, string> => Object.fromEntries(parseTwoDDoc(text).fields.map((f) => [f.id, f.value]))

describe('2D-Doc header', () => {
  it('reads a v03 header (the specification example 15.2.2/01)', () => {
    const p = parseTwoDDoc(SPEC.domicileV3)
    expect(p.header).toEqual({
      version: 3,
      authority: 'FR00',
      certificate: '0001',
      emittedOn: '2012-10-15',
      signedOn: '2015-07-27',
      documentType: '00',
      perimeter: '01',
      country: 'FR',
      length: 24,
    })
  })

  it('reads a v02 header: 22 characters, perimeter 01 and country FR implied', () => {
    const p = parseTwoDDoc(SPEC.domicileV2)
    expect(p.header).toMatchObject({ version: 2, emittedOn: '2012-11-15', signedOn: '2012-11-13', documentType: '00', perimeter: '01', country: 'FR', length: 22 })
  })

  it('reads a v04 header: country after the perimeter', () => {
    const p = parseTwoDDoc(SPEC.cveV4)
    expect(p.header).toMatchObject({ version: 4, emittedOn: '2018-06-25', signedOn: '2018-06-25', documentType: 'B1', perimeter: '01', country: 'FR', length: 26 })
  })

  it('an emission date FFFF is no date', () => {
    const text = SPEC.factureV3.replace('123F1636', 'FFFF1636')
    expect(parseTwoDDoc(text).header.emittedOn).toBeNull()
  })

  it('refuses what is not a 2D-Doc, an unknown version, a header cut short, with messages holding none of the content', () => {
    expect(isTwoDDocText('HELLO')).toBe(false)
    expect(isTwoDDocText(SPEC.factureV3)).toBe(true)
    expect(() => parseTwoDDoc('HELLO WORLD')).toThrow(TwoDDocFormatError)
    expect(() => parseTwoDDoc(SPEC.factureV3.replace('DC03', 'DC07'))).toThrow(/Version/)
    expect(() => parseTwoDDoc('DC03FR000001123F')).toThrow(/incomplet/)
    expect(() => parseTwoDDoc(SPEC.factureV3.replace('FR000001', 'fr000001'))).toThrow(TwoDDocFormatError)
    try {
      parseTwoDDoc(SPEC.factureV3.replace(US, GS))
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(TwoDDocFormatError)
      expect((e as Error).message).not.toMatch(/SPECIMEN|NATACHA|AVENUE|75000/)
    }
  })
})

describe('2D-Doc message zone', () => {
  it('reads fixed-length (24, 26) and <GS>-terminated values, in any order (v03 facture, v02 domicile)', () => {
    expect(fieldMap(SPEC.factureV3)).toEqual({ '26': 'FR', '24': '75000', '10': 'MME/SPECIMEN/NATACHA', '22': '145 AVENUE DES SPECIMENS' })
    expect(fieldMap(SPEC.domicileV2)).toEqual({
      '26': 'FR',
      '24': '57000',
      '10': 'MLLE/SAMPLE/ANGELA',
      '20': '',
      '21': 'BAT 2 ETG 3',
      '23': '',
      '25': 'METZ',
      '22': '7 PLACE DES SPECIMENS',
    })
    expect(fieldMap(SPEC.taxeV3)).toEqual({ '26': 'FR', '24': '44000', '10': 'M/ECHANTILLON/ARTHUR', '22': '42 SQUARE DES ECHANTILLONS', '25': 'NANTES' })
    expect(fieldMap(SPEC.cveV4)).toEqual({ BK: '18-ROSWFTHR-35', B0: 'CORINNE/NATACHA', B2: 'BERTHIER', B3: '', B7: '12071973', BB: '9654321785T' })
    expect(parseTwoDDoc(SPEC.factureV3).problems).toEqual([])
  })

  it('the signed text is everything before <US>; the signature is Base32 r‖s', () => {
    const p = parseTwoDDoc(SPEC.factureV3)
    expect(p.signedText).toBe(SPEC.factureV3.slice(0, SPEC.factureV3.indexOf(US)))
    // The specification's yaml gives the signature in hex.
    expect(hex(p.signature)).toBe(
      '2906c7dbb27742dc970ff9510a6325af4fb717d02446c705bf0e782171554f2f6a1fc4b6c52b216032dbcbc09e028f7f45ae46dd7adbd7da14904b265fb450d2',
    )
  })

  it('an annex after <GS> following the signature is not part of it', () => {
    const p = parseTwoDDoc(`${SPEC.factureV3}${GS}0ATEST`)
    expect(p.signature.length).toBe(64)
  })

  it('a value ended by <RS> is reported truncated', () => {
    const text = `DC03FR000001123F1636010126FR247500010MME/SPECIMEN/NATA\x1e22145 AVENUE DES SPECIMENS${GS}${US}AAAA`
    const p = parseTwoDDoc(text)
    expect(p.fields.find((f) => f.id === '10')).toEqual({ id: '10', value: 'MME/SPECIMEN/NATA', truncated: true })
    expect(p.fields.find((f) => f.id === '22')?.truncated).toBe(false)
  })

  it('a variable value at its maximum length needs no terminator; the last value needs none either', () => {
    const street = 'X'.repeat(38)
    const p = parseTwoDDoc(`DC03FR000001123F1636010122${street}2475000${US}AAAA`)
    expect(p.fields).toEqual([
      { id: '22', value: street, truncated: false },
      { id: '24', value: '75000', truncated: false },
    ])
    expect(parseTwoDDoc(`DC03FR000001123F1636010125METZ${US}AAAA`).fields).toEqual([{ id: '25', value: 'METZ', truncated: false }])
  })

  it('an unknown identifier or a short fixed value is a problem, not a failure', () => {
    const unknown = parseTwoDDoc(`DC03FR000001123F1636010124750000Z123${GS}${US}AAAA`)
    expect(unknown.fields.map((f) => f.id)).toEqual(['24'])
    expect(unknown.problems[0]).toMatch(/inconnu/)
    expect(parseTwoDDoc(`DC03FR000001123F1636010124750${US}AAAA`).problems[0]).toMatch(/longueur fixe/)
    expect(parseTwoDDoc(`DC03FR000001123F1636010225METZ${US}AAAA`).problems[0]).toMatch(/Périmètre 02/)
  })

  it('an EORI number (DH, DP, DW) ends with its digits even without <GS> (the specification customs examples)', () => {
    const p = parseTwoDDoc(`DC04FR00000112511251C301FRDHFR123456789012345DQSPECIMEN${GS}DY015${US}AAAA`)
    expect(p.fields).toEqual([
      { id: 'DH', value: 'FR123456789012345', truncated: false },
      { id: 'DQ', value: 'SPECIMEN', truncated: false },
      { id: 'DY', value: '015', truncated: false },
    ])
    expect(p.problems).toEqual([])
  })

  it('a line end typed after the signature (a scanner in keyboard mode) is not part of it', () => {
    expect(hex(parseTwoDDoc(`${SPEC.factureV3}\r\n`).signature)).toBe(hex(parseTwoDDoc(SPEC.factureV3).signature))
  })

  it('Base32 with or without padding; a wrong alphabet is refused', () => {
    expect(Buffer.from(base32Decode('MZXW6YTBOI')!).toString()).toBe('foobar')
    expect(Buffer.from(base32Decode('MZXW6YTBOI======')!).toString()).toBe('foobar')
    expect(base32Decode('mzxw')).toBeNull()
    expect(() => parseTwoDDoc(`${SPEC.factureV3.slice(0, -4)}ab01`)).toThrow(/Signature/)
  })

  it('knows the lengths of perimeter 01 identifiers', () => {
    expect(dataLength('01', '24')).toEqual({ kind: 'fixed', length: 5 })
    expect(dataLength('01', '22')).toEqual({ kind: 'variable', max: 38 })
    expect(dataLength('01', '18')).toEqual({ kind: 'variable', max: null })
    expect(dataLength('02', '24')).toBeNull()
  })
})

describe('proof of address facts', () => {
  it('holder from 10 "TITLE/SURNAME/GIVEN", street from 22, postcode 24, town 25', () => {
    const p = parseTwoDDoc(SPEC.domicileV3)
    expect(addressFacts(p.fields)).toEqual({
      holder: 'MLLE SAMPLE ANGELA',
      holderName: { title: 'MLLE', surname: 'SAMPLE', given: 'ANGELA' },
      addressLine: '7 PLACE DES SPECIMENS',
      postcode: '57000',
      city: 'METZ',
    })
    expect(addressFacts(parseTwoDDoc(SPEC.factureV3).fields).city).toBeNull()
  })

  it('falls back on 11/12/13, then on the invoice addressee', () => {
    expect(addressFacts([{ id: '11', value: 'MME' }, { id: '12', value: 'CLAIRE' }, { id: '13', value: 'LEMERCIER' }]).holderName).toEqual({
      title: 'MME',
      surname: 'LEMERCIER',
      given: 'CLAIRE',
    })
    expect(addressFacts([{ id: '14', value: 'M/DURAND/PAUL' }]).holder).toBe('M DURAND PAUL')
    expect(splitNameLine('MME/LEMERCIER')).toEqual({ title: 'MME', surname: 'LEMERCIER', given: null })
    expect(splitNameLine('LEMERCIER/CLAIRE')).toEqual({ title: null, surname: 'LEMERCIER', given: 'CLAIRE' })
  })
})
