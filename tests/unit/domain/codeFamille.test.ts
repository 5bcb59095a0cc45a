import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CODE_FAMILLE_ALPHABET,
  CODE_FAMILLE_WEIGHTS,
  codeFamille,
  codeFamilleCheckLetter,
  codeFamilleNumber,
  FIRST_CODE_FAMILLE_NUMBER,
  isValidCodeFamille,
  LAST_CODE_FAMILLE_NUMBER,
  normalizeCodeFamille,
} from '../../../src/shared/domain/codeFamille'

/** A deterministic table of samples: the edges, round numbers, repeated digits, and a spread. */
const samples: number[] = [
  FIRST_CODE_FAMILLE_NUMBER,
  100002,
  100010,
  104217,
  109999,
  111111,
  123456,
  198765,
  200000,
  246813,
  314159,
  500005,
  654321,
  777777,
  808080,
  909090,
  987654,
  999998,
  LAST_CODE_FAMILLE_NUMBER,
]
for (let n = 100_037; n <= LAST_CODE_FAMILLE_NUMBER; n += 7_919) samples.push(n)

describe('code famille', () => {
  it('has 6 digits and a check letter from a 23-letter alphabet without I, O, Z', () => {
    expect(CODE_FAMILLE_ALPHABET).toHaveLength(23)
    expect(new Set(CODE_FAMILLE_ALPHABET).size).toBe(23)
    expect(CODE_FAMILLE_ALPHABET).not.toMatch(/[IOZ]/)
    for (const n of samples) {
      const code = codeFamille(n)
      expect(code).toMatch(/^\d{6}[A-HJ-NP-Y]$/)
      expect(code.slice(0, 6)).toBe(String(n))
      expect(isValidCodeFamille(code)).toBe(true)
      expect(codeFamilleNumber(code)).toBe(n)
    }
  })

  it('is a pure function (known values)', () => {
    // 1·7 + 0·6 + 4·5 + 2·4 + 1·3 + 7·2 = 52 ≡ 6 (mod 23) → G
    expect(codeFamille(104217)).toBe('104217G')
    // 1·7 = 7 + 1·2 = 9 → K
    expect(codeFamille(100001)).toBe('100001K')
  })

  it('uses every check letter', () => {
    const letters = new Set<string>()
    for (let n = 100001; n < 100200; n++) letters.add(codeFamille(n).slice(6))
    expect(letters.size).toBe(23)
  })

  it('detects every single-digit typo', () => {
    for (const n of samples) {
      const code = codeFamille(n)
      for (let i = 0; i < 6; i++) {
        for (let d = 0; d <= 9; d++) {
          const ch = String(d)
          if (ch === code[i]) continue
          const typo = code.slice(0, i) + ch + code.slice(i + 1)
          expect(isValidCodeFamille(typo), `${code} → ${typo}`).toBe(false)
        }
      }
    }
  })

  it('detects every wrong check letter', () => {
    for (const n of samples) {
      const code = codeFamille(n)
      for (const letter of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') {
        if (letter === code[6]) continue
        expect(isValidCodeFamille(code.slice(0, 6) + letter)).toBe(false)
      }
    }
  })

  it('detects every adjacent transposition of two different digits', () => {
    let checked = 0
    for (const n of samples) {
      const code = codeFamille(n)
      for (let i = 0; i < 5; i++) {
        if (code[i] === code[i + 1]) continue
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2)
        expect(isValidCodeFamille(swapped), `${code} → ${swapped}`).toBe(false)
        checked++
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('detects every single-digit typo and adjacent transposition over the whole range (exhaustive on the sum)', () => {
    // The check is linear: prove it for every digit pair at every position, not only for samples.
    const w = CODE_FAMILLE_WEIGHTS
    expect(w).toHaveLength(6)
    for (let i = 0; i < 6; i++) {
      for (let a = 0; a <= 9; a++) {
        for (let b = 0; b <= 9; b++) {
          if (a === b) continue
          expect(((w[i]! * (b - a)) % 23 + 23) % 23).not.toBe(0)
          if (i < 5) expect((((w[i]! - w[i + 1]!) * (b - a)) % 23 + 23) % 23).not.toBe(0)
        }
      }
    }
    expect(codeFamilleCheckLetter('104217')).toBe('G')
  })

  it('rejects malformed codes and out-of-range numbers', () => {
    for (const bad of ['', '104217', '104217g', ' 104217G', '1042170G', '10421G', '104217GG', '000001K', '099999A']) {
      expect(isValidCodeFamille(bad), bad).toBe(false)
    }
    expect(() => codeFamille(100000)).toThrow(RangeError)
    expect(() => codeFamille(1_000_000)).toThrow(RangeError)
    expect(() => codeFamille(100001.5)).toThrow(RangeError)
    expect(codeFamilleNumber('104217A')).toBeNull()
  })

  it('normalises what a person typed', () => {
    expect(normalizeCodeFamille(' 104 217-g ')).toBe('104217G')
    expect(isValidCodeFamille(normalizeCodeFamille('104217g'))).toBe(true)
  })

  // Properties (issue 9): over the whole range, any character a person could type in any place.
  const number = fc.integer({ min: FIRST_CODE_FAMILLE_NUMBER, max: LAST_CODE_FAMILLE_NUMBER })
  const typed = fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')

  it('property: every single-character typo, digit or letter, is detected', () => {
    fc.assert(
      fc.property(number, fc.integer({ min: 0, max: 6 }), typed, (n, i, ch) => {
        const code = codeFamille(n)
        fc.pre(code[i] !== ch)
        expect(isValidCodeFamille(code.slice(0, i) + ch + code.slice(i + 1))).toBe(false)
      }),
      { numRuns: 20_000, seed: 9 },
    )
  })

  it('property: every adjacent swap of two different characters is detected, the check letter included', () => {
    fc.assert(
      fc.property(number, fc.integer({ min: 0, max: 5 }), (n, i) => {
        const code = codeFamille(n)
        fc.pre(code[i] !== code[i + 1])
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2)
        expect(isValidCodeFamille(swapped)).toBe(false)
      }),
      { numRuns: 20_000, seed: 9 },
    )
  })
})
