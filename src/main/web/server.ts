import { timingSafeEqual } from 'node:crypto'
import { existsSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER, type Result } from '@shared/contract'
import { describeFault, displayPath, findUnsafeText } from '@shared/validation/text'
import type { CoreHost } from '../host/client'

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

export interface WebShellOptions {
  /** The core host (a child process): the request thread never runs SQLite or scrypt itself. */
  host: Pick<CoreHost, 'call'>
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
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
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

  app.all(`${HTTP_API_PREFIX}/*`, async (_request, reply) => reply.code(405).send(errorResult('INVALID_INPUT', 'POST only')))

  if (existsSync(opts.rendererDir)) {
    app.register(fastifyStatic, { root: opts.rendererDir, index: 'index.html', wildcard: false })
  }

  return app
}
