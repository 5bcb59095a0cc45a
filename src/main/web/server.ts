import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createWriteStream, existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER, type Result } from '@shared/contract'
import { MAX_SCAN_BYTES, SCAN_UPLOAD_PATH, tooBigText } from '@shared/contract/scans'
import { PDF_OPEN_PATH, PDF_VIEW_PREFIX, MAX_PDF_BYTES, pdfFileName } from '@shared/contract/pdf'
import { describeFault, displayPath, findUnsafeText, isSingleLine } from '@shared/validation/text'
import type { CoreHost } from '../host/client'

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

/**
 * The CSP of a PDF opened in a tab (GET /pdf/…): no script, no base, no form, never framed; the
 * browser's PDF viewer needs the plugin (object-src 'self') that the app's CSP forbids.
 */
export const PDF_CONTENT_SECURITY_POLICY = "script-src 'none'; object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/** How long a PDF handed to a tab stays served (the viewer re-reads it to print or save). */
export const PDF_TTL_MS = 5 * 60_000
/** PDFs kept at once, and their bytes in all (the oldest goes first). */
export const PDF_KEPT = 20
export const PDF_KEPT_BYTES = 40 * 1024 * 1024

export interface WebShellOptions {
  /**
   * The core host (a child process): the request thread never runs SQLite or scrypt itself, nor
   * sniffs or hashes a scan (the upload is streamed to a temp file that the host imports).
   */
  host: Pick<CoreHost, 'call'> & Partial<Pick<CoreHost, 'importScan'>>
  /** Where uploads are streamed before the host imports them (default: a private folder in the OS temp dir). */
  uploadDir?: string
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** The per-start secret the page must send with every contract call. */
  token: string
  /** 1 MiB is far above any legitimate call; bigger bodies are refused. */
  bodyLimit?: number
  log?: (line: string) => void
}

function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

function errorResult(code: 'FORBIDDEN' | 'NOT_AUTHENTICATED' | 'INVALID_INPUT' | 'INTERNAL', message: string): Result<never> {
  return { ok: false, error: { code, message } }
}

/**
 * The web shell: the built renderer and the contract over loopback HTTP, for browsers.
 * Only 127.0.0.1 is listened on; requests must name our own host and port (no DNS
 * rebinding), come from our own origin, and carry the per-start token.
 */
export function createWebServer(opts: WebShellOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit ?? 1024 * 1024, trustProxy: false })

  const allowedHosts = (): Set<string> => {
    const address = app.server.address() as AddressInfo | null
    const port = address?.port ?? 0
    return new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  }

  app.addHook('onRequest', async (request, reply) => {
    const hosts = allowedHosts()
    if (!hosts.has(String(request.headers.host ?? ''))) {
      return reply.code(403).send(errorResult('FORBIDDEN', 'Unexpected Host header'))
    }
    const origin = request.headers.origin
    if (origin !== undefined && ![...hosts].some((h) => origin === `http://${h}`)) {
      return reply.code(403).send(errorResult('FORBIDDEN', 'Cross-origin request refused'))
    }
    const site = request.headers['sec-fetch-site']
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return reply.code(403).send(errorResult('FORBIDDEN', 'Cross-site request refused'))
    }
  })

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Content-Security-Policy', reply.getHeader('x-guichet-pdf') ? PDF_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY)
    reply.removeHeader('x-guichet-pdf')
    reply.header('X-Content-Type-Options', 'nosniff')
    reply.header('X-Frame-Options', 'DENY')
    reply.header('Referrer-Policy', 'no-referrer')
    reply.header('Cache-Control', 'no-store')
    return payload
  })

  app.setErrorHandler((error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) opts.log?.(`[web] ${error.message ?? 'error'}`)
    return reply
      .code(status)
      .send(status === 500 ? errorResult('INTERNAL', 'Internal error') : errorResult('INVALID_INPUT', error.message ?? 'Bad request'))
  })

  app.post<{ Params: { ns: string; method: string } }>(`${HTTP_API_PREFIX}/:ns/:method`, async (request, reply) => {
    if (!tokenMatches(opts.token, request.headers[HTTP_TOKEN_HEADER])) {
      return reply.code(401).send(errorResult('NOT_AUTHENTICATED', 'Missing or wrong web-shell token'))
    }
    // Input hygiene before the core host: no NUL, lone surrogate or control character (newline,
    // tab and CRLF aside) in the endpoint's name or any string or key of the body, and no absurd
    // nesting (it would overflow the IPC's serialisation). The core's router checks again.
    const unsafe = findUnsafeText(request.params) ?? findUnsafeText(request.body)
    if (unsafe) {
      const result: Result<never> = {
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'Invalid input', details: { issues: [{ path: displayPath(unsafe.path), message: describeFault(unsafe) }] } },
      }
      return reply.code(400).send(result)
    }
    return reply.send(await opts.host.call(request.params.ns, request.params.method, request.body))
  })

  // ---- scans: their own route, a raw body streamed to a temp file, imported by the core host ----
  let uploads: Promise<string> | null = null
  const uploadDir = (): Promise<string> => (uploads ??= opts.uploadDir ? Promise.resolve(opts.uploadDir) : mkdtemp(join(tmpdir(), 'guichet-uploads-')))
  app.addHook('onClose', async () => {
    if (uploads && !opts.uploadDir) await rm(await uploads, { recursive: true, force: true }).catch(() => undefined)
  })

  /** Reads and drops what is left of a refused body (the browser then reads our answer instead of a reset). */
  const drain = async (body: Readable): Promise<void> => {
    let seen = 0
    for await (const chunk of body) {
      seen += (chunk as Buffer).length
      if (seen > 16 * MAX_SCAN_BYTES) {
        body.destroy()
        return
      }
    }
  }
  const tooBig = (bytes: number): Result<never> => ({
    ok: false,
    error: { code: 'RULE_REJECTED', message: 'Scan too big', details: { rule: 'SCAN_TOO_BIG', reason: tooBigText(bytes) } },
  })

  app.register(async (scoped) => {
    // The raw body is handed over as a stream: nothing buffers a scan in this process.
    scoped.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload))
    scoped.post<{ Querystring: { name?: unknown } }>(SCAN_UPLOAD_PATH, async (request, reply) => {
      const body = request.body as Readable
      // Only the raw octet-stream parser hands a stream; JSON or text bodies are not uploads.
      if (typeof body?.pipe !== 'function') return reply.code(415).send(errorResult('INVALID_INPUT', 'application/octet-stream expected'))
      if (!tokenMatches(opts.token, request.headers[HTTP_TOKEN_HEADER])) {
        await drain(body)
        return reply.code(401).send(errorResult('NOT_AUTHENTICATED', 'Missing or wrong web-shell token'))
      }
      const name = request.query.name
      if (typeof name !== 'string' || name.length === 0 || name.length > 255 || !isSingleLine(name)) {
        await drain(body)
        return reply.code(400).send({
          ok: false,
          error: { code: 'INVALID_INPUT', message: 'Invalid input', details: { issues: [{ path: 'name', message: 'nom de fichier attendu (une ligne, 255 caractères au plus)' }] } },
        } satisfies Result<never>)
      }
      const declared = Number(request.headers['content-length'])
      if (Number.isFinite(declared) && declared > MAX_SCAN_BYTES) {
        await drain(body)
        return reply.code(413).send(tooBig(declared))
      }
      if (!opts.host.importScan) return reply.code(501).send(errorResult('INTERNAL', 'No core host to import scans'))
      const file = join(await uploadDir(), `upload-${randomBytes(12).toString('hex')}`)
      try {
        let received = 0
        let over = false
        await pipeline(
          body,
          // Past the limit the rest is read and dropped (the browser then reads our 413 rather
          // than a reset connection), up to a bound beyond which the request is cut.
          async function* limit(source: AsyncIterable<Buffer>) {
            for await (const chunk of source) {
              received += chunk.length
              if (received > 16 * MAX_SCAN_BYTES) throw Object.assign(new Error('Upload far too big'), { statusCode: 413 })
              if (received > MAX_SCAN_BYTES) over = true
              if (!over) yield chunk
            }
          },
          createWriteStream(file, { flags: 'wx', mode: 0o600 }),
        )
        if (over) return reply.code(413).send(tooBig(received))
        // The host reads, sniffs, hashes and stores it; this thread only waits for the answer.
        return reply.send(await opts.host.importScan(file, name))
      } finally {
        await rm(file, { force: true }).catch(() => undefined)
      }
    })
  })

  // ---- PDFs the core produced, opened in a tab (the recap): a short-lived, unguessable URL ----
  const pdfs = new Map<string, { bytes: Buffer; name: string; expires: number }>()
  const sweep = (now: number) => {
    for (const [id, pdf] of pdfs) if (pdf.expires <= now) pdfs.delete(id)
    let total = 0
    for (const pdf of pdfs.values()) total += pdf.bytes.length
    // Oldest first out: at most PDF_KEPT documents and PDF_KEPT_BYTES in this process.
    while (pdfs.size > PDF_KEPT || total > PDF_KEPT_BYTES) {
      const oldest = pdfs.keys().next().value as string
      total -= pdfs.get(oldest)!.bytes.length
      pdfs.delete(oldest)
    }
  }
  app.register(async (scoped) => {
    scoped.addContentTypeParser('application/pdf', { parseAs: 'buffer', bodyLimit: MAX_PDF_BYTES }, (_request, body, done) => done(null, body))
    scoped.post<{ Querystring: { name?: unknown } }>(PDF_OPEN_PATH, { bodyLimit: MAX_PDF_BYTES }, async (request, reply) => {
      if (!tokenMatches(opts.token, request.headers[HTTP_TOKEN_HEADER])) {
        return reply.code(401).send(errorResult('NOT_AUTHENTICATED', 'Missing or wrong web-shell token'))
      }
      const bytes = request.body as Buffer
      if (!Buffer.isBuffer(bytes) || bytes.subarray(0, 5).toString('latin1') !== '%PDF-') {
        return reply.code(400).send(errorResult('INVALID_INPUT', 'A PDF is expected'))
      }
      const id = randomBytes(18).toString('base64url')
      const now = Date.now()
      pdfs.set(id, { bytes, name: pdfFileName(typeof request.query.name === 'string' ? request.query.name : ''), expires: now + PDF_TTL_MS })
      sweep(now)
      return reply.send({ ok: true, data: { url: `${PDF_VIEW_PREFIX}/${id}` } } satisfies Result<{ url: string }>)
    })
  })
  app.get<{ Params: { id: string } }>(`${PDF_VIEW_PREFIX}/:id`, async (request, reply) => {
    sweep(Date.now())
    const pdf = pdfs.get(request.params.id)
    if (!pdf) return reply.code(404).type('text/plain; charset=utf-8').send('Document expiré : imprimez-le à nouveau depuis le guichet.')
    return reply
      .header('x-guichet-pdf', '1')
      .header('Content-Disposition', `inline; filename="${pdf.name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(pdf.name)}`)
      .type('application/pdf')
      .send(pdf.bytes)
  })

  app.all(`${HTTP_API_PREFIX}/*`, async (_request, reply) => reply.code(405).send(errorResult('INVALID_INPUT', 'POST only')))

  if (existsSync(opts.rendererDir)) {
    app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html', wildcard: false })
  }

  return app
}
