/** talisman ships no types: the one function the search uses (src/shared/domain/phonetic.ts). */
declare module 'talisman/phonetics/french/fonem' {
  /** FONEM key of a French family name (upper case, e.g. "Lefebvre" → "LEFEVRE"). */
  export default function fonem(name: string): string
}
