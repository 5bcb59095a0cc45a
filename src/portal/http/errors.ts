import { messages as pgliteMessages } from '@electric-sql/pglite'
import pg from 'pg'
import { z } from 'zod'
import type { PortalError, PortalErrorCode } from '@shared/sync/protocol'
import { errorInfo, type ErrorInfo } from '../../common/redact'

/** An error answered as `{ error: { code, message, … } }` with its HTTP status. Messages are French. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: PortalErrorCode,
    message: string,
    readonly extra: Omit<PortalError['error'], 'code' | 'message'> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }

  body(): PortalError {
    return { error: { code: this.code, message: this.message, ...this.extra } }
  }
}

export const invalid = (message: string): HttpError => new HttpError(400, 'INVALID_REQUEST', message)
export const unauthorized = (message = 'Authentification requise ou jeton invalide.'): HttpError =>
  new HttpError(401, 'UNAUTHORIZED', message)
export const forbidden = (message: string): HttpError => new HttpError(403, 'FORBIDDEN', message)
export const notFound = (message: string): HttpError => new HttpError(404, 'NOT_FOUND', message)
export const rejected = (message: string): HttpError => new HttpError(409, 'REJECTED', message)
export const upgradeRequired = (minSchemaVersion: number): HttpError =>
  new HttpError(426, 'UPGRADE_REQUIRED', 'Ce poste utilise une version trop ancienne de Guichet Famille : mettez-le à jour.', {
    minSchemaVersion,
  })

const french = z.locales.fr().localeError

/** Parses `value` with `schema`, or throws a 400 INVALID_REQUEST that says in French what is wrong. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value, { error: french })
  if (parsed.success) return parsed.data
  const issues = parsed.error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `« ${i.path.join('.')} » : ${i.message}` : i.message))
    .join(' ; ')
  throw invalid(`Requête invalide (${where}) : ${issues}.`)
}

/** pg's and PGlite's DatabaseError (PostgreSQL's error fields: keep the code and schema names, never `detail`/`where`). */
const isDatabaseError = (error: Error): { database: true } | null =>
  error instanceof pg.DatabaseError || error instanceof pgliteMessages.DatabaseError ? { database: true } : null

/**
 * What may be logged about an error: no SQL parameters, no personal data (src/common/redact.ts):
 * drizzle's DrizzleQueryError → its cause (by class), a database error → code, severity,
 * constraint/table/column, and every message scrubbed of what looks like data.
 */
export function safeErrorInfo(error: unknown): ErrorInfo {
  return errorInfo(error, isDatabaseError)
}
