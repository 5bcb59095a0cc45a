/**
 * Origins as the Electron shell compares them. Node's WHATWG `URL` gives the opaque origin
 * "null" to non-special schemes such as `app:`, so the origin is rebuilt from the scheme and
 * the host. A URL without a host (file:, about:, data:, javascript:) has no origin here and
 * therefore never matches anything.
 */
export function originOf(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null
  }
  if (!parsed.host) return null
  return `${parsed.protocol}//${parsed.host}`.toLowerCase()
}

/** True when `url` has exactly the origin `origin` (scheme, host and port). */
export function isSameOrigin(url: string, origin: string): boolean {
  const a = originOf(url)
  const b = originOf(origin)
  return a !== null && a === b
}
