import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { PortalDb } from '../db/client'
import type { PortalPayments } from '../payments'
import type { AdminPrincipal } from '../services/agents'
import type { FamilyPrincipal } from '../services/families'
import type { Mailer } from '../services/mailer'
import type { SnapshotManager } from '../services/snapshots'
import type { WorkstationPrincipal } from '../services/workstations'
import { describeIssue, findUnsafeText, skipPaths } from '@shared/validation/text'
import { invalid, parseInput } from './errors'

/**
 * A route is declared once: method, path, auth, zod schemas of its inputs and output, and the
 * handler. The server registers it (validating every input with its schema) and the OpenAPI
 * document is generated from the same declaration.
 */

const Nothing = z.strictObject({})

export interface PortalContext {
  db: PortalDb
  snapshots: SnapshotManager
  /** Call after a transaction that wrote shared tables commits (schedules a snapshot rebuild). */
  changed(): void
  now(): Date
  /** Oldest workstation schema version served (default MIN_SCHEMA_VERSION); older ones get 426. */
  minSchemaVersion?: number
  /** Online payment's provider (docs/payments.md); absent: online payment is off (its routes answer 404). */
  payments?: PortalPayments
  /** How the portal sends e-mail (password reset links); absent: a simulated mailer. */
  mailer?: Mailer
  /** The families' portal address (links in e-mails), without a trailing slash. */
  publicUrl?: () => string
}

export type AuthKind = 'none' | 'workstation' | 'admin' | 'family'

export type PrincipalOf<A extends AuthKind> = A extends 'workstation'
  ? WorkstationPrincipal
  : A extends 'admin'
    ? AdminPrincipal
    : A extends 'family'
      ? FamilyPrincipal
      : null

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
export type Tag = 'meta' | 'sync' | 'admin' | 'family' | 'payments'

export interface ResponseDoc {
  description: string
  /** JSON body schema; omitted with `binary` for a file. */
  schema?: z.ZodType
  binary?: { contentType: string; headers?: Record<string, string> }
}

export interface RouteMeta {
  method: Method
  path: string
  operationId: string
  summary: string
  description?: string
  tag: Tag
  auth: AuthKind
  /** x-guichet-schema: required on the sync endpoints, checked when present elsewhere. */
  schemaHeader: 'required' | 'optional' | 'none'
  body?: z.ZodType
  params?: z.ZodType
  query?: z.ZodType
  /** Success responses by status. */
  responses: Record<number, ResponseDoc>
  /** Error statuses this route answers besides the common ones (400, 500, and 401 with auth). */
  errors: number[]
  /**
   * Paths of the body ("commands.*.payload") whose strings the text check leaves to a later
   * check of their own: a pushed command's payload is checked by runCommand, so that bad text
   * in it is that command's rejection, never a 400 that would block the workstation's queue.
   */
  textCheckedLater?: string[]
}

export interface HandlerArgs<A extends AuthKind, B, P, Q> {
  ctx: PortalContext
  auth: PrincipalOf<A>
  body: B
  params: P
  query: Q
  request: FastifyRequest
  reply: FastifyReply
}

export interface Route {
  meta: RouteMeta
  /** Validates the inputs with the route's schemas, then runs the handler. */
  run(ctx: PortalContext, auth: unknown, request: FastifyRequest, reply: FastifyReply): Promise<unknown>
}

export interface RouteSpec<A extends AuthKind, B, P, Q> extends Omit<RouteMeta, 'body' | 'params' | 'query' | 'auth' | 'errors' | 'schemaHeader'> {
  auth: A
  schemaHeader?: RouteMeta['schemaHeader']
  errors?: number[]
  body?: z.ZodType<B>
  params?: z.ZodType<P>
  query?: z.ZodType<Q>
  handler(args: HandlerArgs<A, B, P, Q>): Promise<unknown>
}

/**
 * Input hygiene, before any schema: no string and no key of the path, the query or the body
 * holds a NUL, a lone surrogate or a control character (newline, tab and CRLF aside: free text
 * needs them; the schemas of single-line fields refuse them). A 400 names the field.
 */
function checkText(value: unknown, where: string, skip?: (path: ReadonlyArray<string | number>) => boolean): void {
  const issue = findUnsafeText(value, skip)
  if (issue) throw invalid(`Requête invalide (${where}) : ${describeIssue(issue)}.`)
}

export function route<A extends AuthKind, B = undefined, P = undefined, Q = undefined>(spec: RouteSpec<A, B, P, Q>): Route {
  const { handler, ...rest } = spec
  const meta: RouteMeta = { ...rest, schemaHeader: spec.schemaHeader ?? 'none', errors: spec.errors ?? [] }
  return {
    meta,
    async run(ctx, auth, request, reply) {
      checkText(request.params, 'chemin')
      checkText(request.query, 'paramètres')
      checkText(request.body, 'corps', meta.textCheckedLater ? skipPaths(meta.textCheckedLater) : undefined)
      // Inputs a route does not declare must be absent (or empty): nothing passes unchecked.
      if (!spec.params) parseInput(Nothing, request.params ?? {}, 'chemin')
      if (!spec.query) parseInput(Nothing, request.query ?? {}, 'paramètres')
      if (!spec.body) parseInput(Nothing, request.body ?? {}, 'corps')
      const params = spec.params ? parseInput(spec.params, request.params, 'chemin') : (undefined as P)
      const query = spec.query ? parseInput(spec.query, request.query ?? {}, 'paramètres') : (undefined as Q)
      const body = spec.body ? parseInput(spec.body, request.body, 'corps') : (undefined as B)
      return handler({ ctx, auth: auth as PrincipalOf<A>, body, params, query, request, reply })
    },
  }
}
