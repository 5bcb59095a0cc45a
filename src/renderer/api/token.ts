/**
 * The web shell hands the page its token once, in the address: `?token=...` (before or after
 * the `#`). It is kept in sessionStorage and removed from the address bar.
 */
export const TOKEN_STORAGE_KEY = 'guichet.token'

export interface ExtractedToken {
  token: string | null
  /** The same address without the token parameter (path + query + hash, origin-relative). */
  cleanUrl: string
}

export function extractToken(href: string): ExtractedToken {
  const url = new URL(href)
  let token: string | null = null

  if (url.searchParams.has('token')) {
    token = url.searchParams.get('token')
    url.searchParams.delete('token')
  }

  let hash = url.hash
  const q = hash.indexOf('?')
  if (q >= 0) {
    const params = new URLSearchParams(hash.slice(q + 1))
    if (params.has('token')) {
      token ??= params.get('token')
      params.delete('token')
      const rest = params.toString()
      hash = hash.slice(0, q) + (rest ? `?${rest}` : '')
    }
  }

  const search = url.searchParams.toString()
  return {
    token: token && token.length > 0 ? token : null,
    cleanUrl: `${url.pathname}${search ? `?${search}` : ''}${hash}`,
  }
}

interface BrowserBits {
  location: { href: string }
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string): void }
  storage: { getItem(key: string): string | null; setItem(key: string, value: string): void } | null
}

/** Reads the token from the address (once), stores it, cleans the address; returns the token in force. */
export function initToken(b: BrowserBits): string | null {
  const { token, cleanUrl } = extractToken(b.location.href)
  if (token) {
    try {
      b.storage?.setItem(TOKEN_STORAGE_KEY, token)
    } catch {
      // Storage may be disabled: the token still lives in memory for this page.
    }
    b.history.replaceState(b.history.state, '', cleanUrl)
    return token
  }
  try {
    return b.storage?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}
