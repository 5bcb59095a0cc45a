import { distance } from 'fastest-levenshtein'
import fonem from 'talisman/phonetics/french/fonem'
import { foldForSearch } from './searchText'

/**
 * Approximate name matching for the family search's second pass and the duplicate check:
 * a French phonetic key, and a typo tolerance on folded names.
 *
 * The key is FONEM (talisman/phonetics/french/fonem, Bouchard et al. 1981, made to link French
 * family names in parish registers). Of the French keys talisman offers it is the one that
 * meets the three cases the counter needs without merging names an agent tells apart:
 * - "lefebvre" / "Lefèvre" → LEFEVRE (phonex and fonem agree; sonnex and the "phonetic"
 *   key keep the b: LEFEBVR ≠ LEFEVR);
 * - "legoff" / "Le Goff" (written without its space) → LEGOF;
 * - "muler" / "Müller" → MULER;
 * while "Martin" (MARTIN) ≠ "Marton" (MARTON), "Fabre" (FABRE) ≠ "Favre" (FAVRE) and
 * "Schmitt" ≠ "Schmidt": phonex folds these (FOFRE for both Fabre and Favre; soundex2
 * keeps 4 letters, so Martin = Marton = Martins), which would flood the results.
 */

/** The phonetic key of one folded word (letters only; '' when there is none). */
export function phoneticKey(word: string): string {
  const letters = foldForSearch(word).replace(/[^a-z]/g, '')
  if (letters.length === 0) return ''
  try {
    return fonem(letters)
  } catch {
    return letters.toUpperCase()
  }
}

/**
 * The keys of a name as it may be typed: each word's key, and the key of the whole name
 * written without its spaces, hyphens and apostrophes ("Le Goff" → LE, GOF, LEGOF;
 * "Lefèvre-Martin" → LEFEVRE, MARTIN, LEFEVREMARTIN). Words of one letter are skipped.
 */
export function phoneticKeys(name: string): string[] {
  const all = foldForSearch(name).split(' ').filter((w) => w !== '' && !/\d/.test(w))
  const keys = new Set<string>()
  for (const w of all) {
    const k = w.length > 1 ? phoneticKey(w) : ''
    if (k) keys.add(k)
  }
  if (all.length > 1) {
    const k = phoneticKey(all.join(''))
    if (k) keys.add(k)
  }
  return [...keys]
}

/** A name folded for comparison: lower case, no accents, no spaces, hyphens or apostrophes. */
export function compactName(name: string): string {
  return foldForSearch(name).replace(/ /g, '')
}

/**
 * How many typos a word of this length may carry and still match: none under 5 letters
 * (too many short names are one letter apart: Roux/Roue, Rémy/Rémi…), 1 up to 7, 2 beyond.
 */
export function typoBudget(length: number): number {
  return length < 5 ? 0 : length < 8 ? 1 : 2
}

/** True when `b` is `a` with two neighbouring letters swapped ("garcai" / "garcia"). */
function swappedOnce(a: string, b: string): boolean {
  if (a.length !== b.length) return false
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return i + 1 < a.length && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2)
}

/**
 * True when `a` and `b` (folded words) are within the typo budget of the shorter one: letters
 * added, dropped or replaced (Levenshtein), two neighbouring letters swapped counting as one.
 */
export function withinTypos(a: string, b: string): boolean {
  const budget = typoBudget(Math.min(a.length, b.length))
  if (budget === 0 || Math.abs(a.length - b.length) > budget) return false
  return distance(a, b) <= budget || swappedOnce(a, b)
}

export type NameCloseness = 'same' | 'phonetic' | 'typo' | null

/**
 * How close two names are (whole names: "Le Goff" and "legoff" are the same): the same once
 * folded, the same phonetic key, or within the typo budget; null otherwise.
 */
export function nameCloseness(a: string, b: string): NameCloseness {
  const ca = compactName(a)
  const cb = compactName(b)
  if (ca === '' || cb === '') return null
  if (ca === cb) return 'same'
  if (phoneticKey(ca) === phoneticKey(cb)) return 'phonetic'
  if (withinTypos(ca, cb)) return 'typo'
  return null
}
