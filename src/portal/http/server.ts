import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify'
import { MAX_BODY_BYTES, SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { authenticateAdmin } from '../services/agents'
import { authenticateFamily } from '../services/families'
import { authenticateWorkstation } from '../services/workstations'
import { logCaptureSink } from '../../common/log-capture'
import { MASK, scrubDeep, scrubText } from '../../common/redact'
import { HttpError, invalid, safeErrorInfo, unauthorized, upgradeRequired } from './errors'
import { buildOpenApi } from './openapi'
import type { PortalContext, Route, RouteMeta } from './route'
import { portalRoutes } from './routes'
import { MIN_SCHEMA_VERSION } from './schemas'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug'

export interface ServerOptions {
  /** false: no logs; true or a level: JSON lines on stdout; a function: receives each JSON line (level info). No personal data. */
  log?: boolean | LogLevel | ((line: string) => void)
  /**
   * Behind a reverse proxy: which hops to trust for the client's address (request.ip, used by
   * the login throttling). false (default): the TCP peer's address, X-Forwarded-For ignored.
   * See fastify's `trustProxy`: true (any hop), or the proxies' addresses / CIDRs.
   */
  trustProxy?: boolean | string | string[]
}

export interface PortalServer {
  app: FastifyInstance
  routes: Route[]
  /** method + path of every route fastify registered (the OpenAPI test compares both lists). */
  registered: Array<{ method: string; path: string }>
}

const LEVELS: Record<LogLevel, number> = { fatal: 60, error: 50, warn: 40, info: 30, debug: 20 }

/**
 * The portal's logger: JSON lines (pino), where every string is scrubbed of what looks like data
 * (src/common/redact.ts: `params: …`, quoted values, e-mails, phones, codes famille) and errors
 * are reduced by class (safeErrorInfo), whoever logs them (our handlers or fastify itself).
 * With a log capture (GUICHET_LOG_CAPTURE, test runs), every line at debug level also goes to a
 * file of the capture folder, even when `log` is false.
 */
function loggerOptions(log: ServerOptions['log']) {
  const capture = logCaptureSink('portal')
  if (!log && !capture) return false
  const level: LogLevel = typeof log === 'string' ? log : 'info'
  const threshold = log ? LEVELS[level] : Infinity
  const out = typeof log === 'function' ? log : (line: string) => void process.stdout.write(line)
  return {
    level: capture ? 'debug' : level,
    // No request/response serialisation: the only request line is ours (onResponse below).
    // Belt and braces: nothing below logs bodies or headers, and these are never printed.
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.body.password',
        'req.body.currentPassword',
        'req.body.newPassword',
        'req.body.name',
        'req.body.displayName',
        'req.body.email',
        'res.body.token',
        'res.body.password',
      ],
      censor: MASK,
    },
    // pino's own error serializer prints message and stack (drizzle's message holds the SQL parameters).
    serializers: { err: serializeError, error: serializeError } as unknown as Record<'err', (e: Error) => { type: string; message: string; stack: string }>,
    formatters: { log: (object: Record<string, unknown>) => scrubDeep(object) },
    hooks: {
      logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)))
      },
    },
    stream: {
      write: (line: string) => {
        capture?.(line)
        if (threshold !== Infinity && levelOf(line) >= threshold) out(line)
      },
    },
  }
}

/** An error logged under `err`/`error`: by class (safeErrorInfo); what is already plain (safeErrorInfo's result) is only scrubbed. */
function serializeError(value: unknown): unknown {
  return value instanceof Error ? safeErrorInfo(value) : scrubDeep(value)
}

/** pino's numeric level, at the start of each JSON line. */
function levelOf(line: string): number {
  const m = /^\{"level":(\d+)/.exec(line)
  return m ? Number(m[1]) : LEVELS.fatal
}

function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (typeof header !== 'string') return null
  const m = /^Bearer\s+([A-Za-z0-9._~+/=-]{16,512})$/i.exec(header.trim())
  return m ? (m[1] as string) : null
}

/** x-guichet-schema: an older workstation is told to update (426), never fed data it cannot read. */
function checkSchemaHeader(meta: RouteMeta, request: FastifyRequest, minimum: number): void {
  if (meta.schemaHeader === 'none') return
  const raw = request.headers[SCHEMA_HEADER]
  if (raw === undefined) {
    if (meta.schemaHeader === 'required') throw invalid(`En-tête ${SCHEMA_HEADER} manquant (version du schéma du poste).`)
    return
  }
  const version = Number(Array.isArray(raw) ? raw[0] : raw)
  if (!Number.isInteger(version) || version < 1) throw invalid(`En-tête ${SCHEMA_HEADER} invalide : entier positif attendu.`)
  if (version < minimum) throw upgradeRequired(minimum)
  if (version > SYNC_SCHEMA_VERSION) {
    throw invalid(`Le portail (schéma ${SYNC_SCHEMA_VERSION}) est plus ancien que ce poste (schéma ${version}) : le portail doit être mis à jour.`)
  }
}

async function authenticate(ctx: PortalContext, meta: RouteMeta, request: FastifyRequest): Promise<unknown> {
  if (meta.auth === 'none') return null
  const token = bearerToken(request)
  if (!token) throw unauthorized()
  const now = ctx.now()
  const principal =
    meta.auth === 'workstation'
      ? await authenticateWorkstation(ctx.db, token)
      : meta.auth === 'admin'
        ? await authenticateAdmin(ctx.db, token, now)
        : await authenticateFamily(ctx.db, token, now)
  if (!principal) {
    throw unauthorized(
      meta.auth === 'workstation'
        ? 'Jeton de poste inconnu ou révoqué : le poste doit être enrôlé à nouveau.'
        : 'Session inconnue ou expirée : reconnectez-vous.',
    )
  }
  return principal
}

/** Fastify's own errors (body parsing, limits) → the portal's typed errors. */
function fromFastifyError(error: FastifyError): HttpError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpError(413, 'PAYLOAD_TOO_LARGE', `Corps de requête trop gros (au plus ${MAX_BODY_BYTES} octets).`)
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalid('Corps de requête JSON invalide.')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpError(415, 'INVALID_REQUEST', 'Type de contenu non pris en charge : application/json attendu.')
    default:
      break
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') return invalid('Corps de requête JSON invalide.')
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) return new HttpError(status, 'INVALID_REQUEST', 'Requête invalide.')
  return null
}

export function buildServer(ctx: PortalContext, opts: ServerOptions = {}): PortalServer {
  const app = Fastify({
    logger: loggerOptions(opts.log),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    exposeHeadRoutes: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    trustProxy: opts.trustProxy ?? false,
  })
  // JSON only (415 otherwise), parsed as fastify does (prototype poisoning refused), but an empty
  // body with a JSON content type is "no body" (clients often send the header on every request).
  const json = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    request.rawBody = text // a payment provider's signature is checked over the raw bytes
    if (text.trim() === '') done(null, undefined)
    else json(request, text, done)
  })
  // An HTML form without fields (the simulated payment page's buttons): an empty body, nothing else.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    if (body.length === 0) done(null, undefined)
    else done(new HttpError(415, 'INVALID_REQUEST', 'Type de contenu non pris en charge : application/json attendu.'), undefined)
  })
  const registered: PortalServer['registered'] = []
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) registered.push({ method, path: r.url })
  })

  let document: unknown = null
  const routes = portalRoutes(() => document)
  document = buildOpenApi(routes)

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store')
    reply.header('x-content-type-options', 'nosniff')
    // The portal's own clock (PORTAL_CLOCK in tests), from which workstations measure their offset.
    reply.header('date', ctx.now().toUTCString())
    return payload
  })
  // One line per request: method, route pattern (never the raw URL: it may hold a code famille), status, duration.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      { method: request.method, route: request.routeOptions?.url ?? 'inconnue', status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'requête',
    )
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = error instanceof HttpError ? error : fromFastifyError(error)
    if (known) return reply.code(known.status).send(known.body())
    request.log.error({ err: safeErrorInfo(error), route: request.routeOptions?.url }, 'erreur interne')
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'Erreur interne du portail : réessayez plus tard.' } })
  })
  app.setNotFoundHandler((_request, reply) => {
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: 'Adresse inconnue sur ce portail.' } })
  })

  for (const r of routes) {
    app.route({
      method: r.meta.method,
      url: r.meta.path,
      handler: async (request, reply) => {
        checkSchemaHeader(r.meta, request, ctx.minSchemaVersion ?? MIN_SCHEMA_VERSION)
        const principal = await authenticate(ctx, r.meta, request)
        return r.run(ctx, principal, request, reply)
      },
    })
  }
  return { app, routes, registered }
}
