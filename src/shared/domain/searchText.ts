/**
 * Text folding shared by the search index and the search box: lower case, accents
 * removed, every run of non-alphanumerics becomes one space ("Jean-Baptiste" → "jean baptiste").
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[œ]/g, 'oe')
    .replace(/[æ]/g, 'ae')
    .replace(/ß/g, 'ss')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
}

/**
 * The words indexed for a set of names: the folded words, plus each compound written
 * without its separators, so that "dalmeida" finds "D'Almeida" and "jeanbaptiste" finds
 * "Jean-Baptiste".
 */
export function searchTerms(text: string): string {
  const words = new Set(foldForSearch(text).split(' ').filter(Boolean))
  for (const compound of text.split(/\s+/)) {
    if (/[-'’]/.test(compound)) {
      const joined = foldForSearch(compound).replace(/ /g, '')
      if (joined) words.add(joined)
    }
  }
  return [...words].join(' ')
}
