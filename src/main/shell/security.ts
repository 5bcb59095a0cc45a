import { shell, type App, type Session, type WebContents } from 'electron'
import { isSameOrigin, originOf } from './origin'

/** Sent with every response the window receives (and by the app:// protocol itself). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')

/**
 * https origins the app may hand to the system browser (help pages, the town's portal…).
 * Empty for now: every external link is refused.
 */
export const EXTERNAL_ORIGINS: ReadonlySet<string> = new Set<string>([])

export function isAllowedExternal(url: string, allowlist: ReadonlySet<string> = EXTERNAL_ORIGINS): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  if (parsed.protocol !== 'https:' || parsed.username || parsed.password) return false
  const origin = originOf(url)
  return origin !== null && allowlist.has(origin)
}

/**
 * Session-wide rules: every permission (camera, notifications, geolocation, clipboard…)
 * is refused, both when a page asks and when Chromium merely checks; every response
 * carries the app's CSP, replacing whatever CSP the response had.
 */
export function lockDownSession(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
  ses.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(details.responseHeaders ?? {})) {
      if (name.toLowerCase() !== 'content-security-policy') responseHeaders[name] = value
    }
    responseHeaders['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY]
    callback({ responseHeaders })
  })
}

/** The deprecated positional `url` argument is only a fallback for the event's own `url`. */
function targetUrl(event: { url?: unknown }, legacyUrl: unknown): string {
  if (typeof event.url === 'string') return event.url
  return typeof legacyUrl === 'string' ? legacyUrl : ''
}

/**
 * Per-window rules: the page may only navigate (or be redirected) within the app's own
 * origin, never opens a window (allow-listed https links go to the system browser), and
 * never attaches a <webview>.
 */
export function lockDownWebContents(
  contents: WebContents,
  allowedOrigin: string,
  externalAllowlist: ReadonlySet<string> = EXTERNAL_ORIGINS,
): void {
  contents.on('will-navigate', (event, url) => {
    if (!isSameOrigin(targetUrl(event, url), allowedOrigin)) event.preventDefault()
  })
  contents.on('will-frame-navigate', (event) => {
    if (!isSameOrigin(targetUrl(event, undefined), allowedOrigin)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isSameOrigin(targetUrl(event, url), allowedOrigin)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => {
    event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url, externalAllowlist)) void shell.openExternal(url).catch(() => undefined)
    return { action: 'deny' }
  })
}

/** Applies the per-window rules to every web contents the app ever creates. */
export function installAppWideGuards(app: App, allowedOrigin: string): void {
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, allowedOrigin))
}
