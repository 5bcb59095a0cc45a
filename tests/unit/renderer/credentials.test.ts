import { describe, expect, it } from 'vitest'
import { codeFamille } from '../../../src/shared/domain/codeFamille'
import {
  checkCodeFamille,
  formatClock,
  formatLongDate,
  isDataUrl,
  logoDataUrl,
  logoKind,
  looksLikeCodeFamille,
  pageSizeCss,
  printPath,
  reprintOpen,
} from '../../../src/renderer/lib/credentials'
import { credentialsFr } from '../../../src/renderer/i18n/credentials'

describe('checkCodeFamille: the check letter of a typed code', () => {
  const good = codeFamille(104217)
  const wrongLetter = good.slice(0, 6) + (good[6] === 'A' ? 'B' : 'A')

  it('accepts a right code however it is typed, in its canonical form', () => {
    expect(checkCodeFamille(good)).toEqual({ kind: 'valid', code: good })
    const spaced = `  ${good.slice(0, 3)} ${good.slice(3, 6)}-${good[6]!.toLowerCase()} `
    expect(checkCodeFamille(spaced)).toEqual({ kind: 'valid', code: good })
  })

  it('says a wrong check letter, spaces and dashes or not', () => {
    expect(checkCodeFamille(wrongLetter)).toEqual({ kind: 'bad-letter' })
    expect(checkCodeFamille(`${wrongLetter.slice(0, 3)} ${wrongLetter.slice(3)}`)).toEqual({ kind: 'bad-letter' })
    // A letter outside the alphabet (I, O, Z) can never be right.
    expect(checkCodeFamille(`${good.slice(0, 6)}O`)).toEqual({ kind: 'bad-letter' })
  })

  it('catches every single-digit typo and adjacent swap of a real code', () => {
    for (const seq of [100001, 104217, 555555, 999999, 231907]) {
      const code = codeFamille(seq)
      for (let i = 0; i < 6; i++) {
        for (let d = 0; d <= 9; d++) {
          if (String(d) === code[i]) continue
          const typo = code.slice(0, i) + d + code.slice(i + 1)
          expect(checkCodeFamille(typo).kind, typo).not.toBe('valid')
        }
        if (i < 5 && code[i] !== code[i + 1]) {
          const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2)
          expect(checkCodeFamille(swapped).kind, swapped).toBe('bad-letter')
        }
      }
    }
  })

  it('leaves alone what is not shaped like a code (names, phones, partial codes)', () => {
    for (const q of ['Martin', '06 12 34 56 78', '104217', '1042171', 'Martin 104217K', '']) {
      expect(checkCodeFamille(q), q).toEqual({ kind: 'not-code' })
      expect(looksLikeCodeFamille(q)).toBe(false)
    }
    expect(looksLikeCodeFamille(wrongLetter)).toBe(true)
  })

  it('has the French message the screens show', () => {
    expect(credentialsFr.codeField.badLetter).toBe('Code famille invalide : la lettre de contrôle ne correspond pas (vérifiez la saisie)')
  })
})

describe('printPath: how « Imprimer » prints here', () => {
  it('web shell (no bridge): a browser tab, whatever the setting', () => {
    expect(printPath(false, '')).toBe('tab')
    expect(printPath(false, 'EPSON_TM_T20')).toBe('tab')
  })
  it('Electron: silently on the printer set, else the system dialog', () => {
    expect(printPath(true, 'EPSON_TM_T20')).toBe('silent')
    expect(printPath(true, '')).toBe('dialog')
    expect(printPath(true, '  ')).toBe('dialog')
  })
})

describe('pageSizeCss: the printed page of window.print()', () => {
  it('A4 for the A4 layout', () => {
    expect(pageSizeCss('a4', 595.28, 841.89)).toBe('A4')
  })
  it('the ticket’s own size in millimetres for the 80 mm layout', () => {
    expect(pageSizeCss('80mm', (80 * 72) / 25.4, (150 * 72) / 25.4)).toBe('80mm 150mm')
    expect(pageSizeCss('80mm', 226.77, 500)).toBe('80mm 176.4mm')
  })
})

describe('dates of an issue (Paris time)', () => {
  it('long date and clock', () => {
    expect(formatLongDate('2026-12-01T13:05:00Z')).toBe('1 décembre 2026')
    expect(formatClock('2026-12-01T13:05:00Z')).toBe('14:05')
    expect(formatLongDate('2026-07-14T22:30:00Z')).toBe('15 juillet 2026')
    expect(formatLongDate(null)).toBe('')
    expect(formatClock('nope')).toBe('')
  })
  it('reprintOpen: until the instant, not after', () => {
    const until = '2026-12-01T13:20:00Z'
    expect(reprintOpen(until, Date.parse('2026-12-01T13:19:59Z'))).toBe(true)
    expect(reprintOpen(until, Date.parse('2026-12-01T13:20:00Z'))).toBe(false)
    expect(reprintOpen(null)).toBe(false)
  })
})

describe('the town logo', () => {
  it('is PNG or JPEG by its first bytes, not its name', () => {
    expect(logoKind(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toBe('png')
    expect(logoKind(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]))).toBe('jpeg')
    expect(logoKind(new Uint8Array([0x47, 0x49, 0x46, 0x38]))).toBeNull() // GIF
    expect(logoKind(new Uint8Array([0x3c, 0x73, 0x76, 0x67]))).toBeNull() // <svg
    expect(logoKind(new Uint8Array([]))).toBeNull()
  })
  it('is relabelled with the sniffed type; a non-base64 reader result is refused', () => {
    expect(logoDataUrl('data:application/octet-stream;base64,iVBORw0KGgo=', 'png')).toBe('data:image/png;base64,iVBORw0KGgo=')
    expect(logoDataUrl('data:image/jpeg,raw', 'jpeg')).toBeNull()
    expect(logoDataUrl('nope', 'png')).toBeNull()
  })
  it('is not printed whole in the history', () => {
    expect(isDataUrl('data:image/png;base64,AAAA')).toBe(true)
    expect(isDataUrl('https://portail.ville.fr')).toBe(false)
    expect(isDataUrl(null)).toBe(false)
  })
})
