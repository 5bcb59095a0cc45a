import { realpath, stat } from 'node:fs/promises'
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { net, protocol } from 'electron'
import { CONTENT_SECURITY_POLICY } from './security'

/**
 * Production pages are served from `app://guichet/…` rather than `file://`: a file: page
 * may read any file: URL, an app: page only what this handler serves, i.e. the built
 * renderer folder.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'guichet'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/** Must run before the app's `ready` event. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

/**
 * The file inside `rootDir` that `requestUrl` names, or null when the URL is not an
 * `app://guichet/` URL or its (percent-decoded) path would leave the folder. Pure path
 * arithmetic: existence and symlinks are checked by the handler.
 */
export function resolveAppPath(rootDir: string, requestUrl: string): string | null {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return null
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null
  let path: string
  try {
    path = decodeURIComponent(url.pathname)
  } catch {
    return null // malformed percent-encoding
  }
  if (path.includes('\0') || path.includes('\\')) return null
  if (path === '/' || path === '') path = '/index.html'
  const root = resolve(rootDir)
  const file = resolve(root, `.${path}`)
  return isInside(root, file) ? file : null
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}

/** What the built renderer contains; with `nosniff` a script must come with a script type. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } })
}

export type FileFetcher = (fileUrl: string) => Promise<Response>

/**
 * The `app:` protocol handler: GET/HEAD of a regular file inside `rootDir` (after resolving
 * symlinks), anything else is 404 (405 for other methods). Responses carry the CSP and
 * `nosniff`.
 */
export function createAppProtocolHandler(
  rootDir: string,
  fetchFile: FileFetcher = (fileUrl) => net.fetch(fileUrl),
): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405 })
    }
    const file = resolveAppPath(rootDir, request.url)
    if (!file) return notFound()
    let real: string
    try {
      const [realRoot, realFile] = await Promise.all([realpath(resolve(rootDir)), realpath(file)])
      if (!isInside(realRoot, realFile) || !(await stat(realFile)).isFile()) return notFound()
      real = realFile
    } catch {
      return notFound()
    }
    let upstream: Response
    try {
      upstream = await fetchFile(pathToFileURL(real).toString())
    } catch {
      return notFound()
    }
    if (!upstream.ok) return notFound()
    const headers = new Headers(upstream.headers)
    const mime = MIME_TYPES[extname(real).toLowerCase()]
    if (mime) headers.set('Content-Type', mime)
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    headers.set('X-Content-Type-Options', 'nosniff')
    return new Response(request.method === 'HEAD' ? null : upstream.body, { status: 200, headers })
  }
}

/** Serves the built renderer on `app://guichet/`. Must run after `ready`. */
export function installAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir))
}
