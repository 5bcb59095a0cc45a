import { describe, expect, it } from 'vitest'
import { compactName, nameCloseness, phoneticKey, phoneticKeys, withinTypos } from '../../../src/shared/domain/phonetic'

describe('French phonetic key and typo tolerance (issue 8)', () => {
  it.each([
    // The three cases.
    ['lefebvre', 'Lefèvre', 'phonetic'],
    ['legoff', 'Le Goff', 'same'],
    ['muler', 'Müller', 'phonetic'],
    // Accents, hyphens, spaces, apostrophes and case ignored.
    ['LEFEVRE', 'Lefèvre', 'same'],
    ['lefevre martin', 'Lefèvre-Martin', 'same'],
    ['dalmeida', "D'Almeida", 'same'],
    ['le goff', 'Le Goff', 'same'],
    ['Legof', 'Le Goff', 'phonetic'],
    ['Muller', 'Müller', 'same'],
    ['gautier', 'Gauthier', 'phonetic'],
    ['lemaitre', 'Lemaître', 'same'],
    // Typos.
    ['lefevbre', 'Lefebvre', 'typo'],
    ['bertrnad', 'Bertrand', 'typo'],
    ['garcai', 'Garcia', 'typo'],
    ['garnier', 'Granier', 'typo'],
  ])('"%s" ~ "%s": %s', (typed, name, expected) => {
    expect(nameCloseness(typed, name)).toBe(expected)
  })

  it.each([
    // False-positive guards: names an agent tells apart keep different keys.
    ['martin', 'Marton'],
    ['fabre', 'Favre'],
    ['schmitt', 'Schmidt'],
    ['petit', 'Petitot'],
    ['dubois', 'Dubos'],
    ['roux', 'Rousseau'],
    ['morel', 'Moreau'],
  ])('"%s" and "%s" have different phonetic keys', (a, b) => {
    expect(phoneticKey(a)).not.toBe(phoneticKey(b))
  })

  it.each([
    // No typo tolerance under 5 letters: too many short names are one letter apart (Roux, Roue; Rémy, Rémi are phonetic).
    ['roux', 'roue'],
    ['leroy', 'leroux'],
    ['dubois', 'dupont'],
    ['lefevre', 'lemercier'],
  ])('"%s" and "%s" are not typos of each other', (a, b) => {
    expect(nameCloseness(a, b) === 'typo' || nameCloseness(a, b) === 'phonetic').toBe(false)
  })

  it('one typo up to 7 letters, two beyond', () => {
    expect(withinTypos('muller', 'mulker')).toBe(true)
    expect(withinTypos('muller', 'mukker')).toBe(false)
    expect(withinTypos('lefebvre', 'lefbevre')).toBe(true)
    expect(withinTypos('rous', 'roux')).toBe(false)
  })

  it('indexes each word of a name and the whole name written without separators', () => {
    expect(phoneticKeys('Le Goff')).toEqual(['LE', 'GOF', 'LEGOF'])
    expect(phoneticKeys('Lefèvre-Martin')).toEqual(['LEFEVRE', 'MARTIN', 'LEFEVREMARTIN'])
    expect(phoneticKeys("D'Almeida")).toEqual(['ALMEIDA', 'DALMEIDA'])
    expect(phoneticKeys('')).toEqual([])
    expect(phoneticKey('')).toBe('')
    expect(compactName("  D'Almeida-Nuñez ")).toBe('dalmeidanunez')
  })
})
