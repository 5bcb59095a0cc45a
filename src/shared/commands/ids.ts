/**
 * Ids a command derives from its own id: the rows it writes besides its main record (a field's
 * history, a flag) must carry the same id on the workstation and on the portal, so that the
 * portal's row replaces the workstation's when it comes back by pull (convergence), however often
 * the command runs. Pure JS (the renderer imports this module through the contract).
 */

/** 128 bits of a string (cyrb128: four 32-bit mixes), as 32 hex digits. Not cryptographic. */
function hash128(text: string): string {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('')
}

/**
 * A UUIDv7-shaped id derived from `base` (a command id) and `salt`: the base's 48-bit
 * timestamp (so ids still sort by time), version 7, RFC variant, and 74 bits of a hash of both.
 * Always the same for the same inputs.
 */
export function derivedId(base: string, salt: string): string {
  const hex = base.replace(/-/g, '').toLowerCase()
  const ts = /^[0-9a-f]{12}/.test(hex) ? hex.slice(0, 12) : '000000000000'
  const h = hash128(`${base}\u0000${salt}`)
  const variant = ((parseInt(h[3]!, 16) & 0x3) | 0x8).toString(16)
  const s = `${ts}7${h.slice(0, 3)}${variant}${h.slice(4, 7)}${h.slice(7, 19)}`
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`
}
