import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { LAST_CODE_FAMILLE_NUMBER } from '@shared/domain/codeFamille'
import { SYNC_SCHEMA_VERSION, type EnrolResponse } from '@shared/sync/protocol'
import { iso, one, rows, type PortalDb } from '../db/client'
import { HttpError, notFound } from '../http/errors'
import { newEnrolmentCode, newToken, normalizeEnrolmentCode, sha256Hex } from '../secrets'

/**
 * Workstation identity: one-time enrolment codes (stored hashed, valid 24 h), enrolment
 * (token, code-famille range, receipt series), token authentication and revocation.
 */

export const ENROLMENT_CODE_TTL_MS = 24 * 3600 * 1000
/** Code-famille running numbers: each workstation gets its own block of 10 000. */
export const CODE_RANGE_SIZE = 10_000
export const FIRST_WORKSTATION_CODE = 200_001

export interface WorkstationPrincipal {
  id: string
  name: string
}

export interface WorkstationView {
  id: string
  name: string
  codeFamilleRange: { first: number; last: number }
  receiptSeries: string
  lastAppliedSeq: number
  enrolledAt: string
  revokedAt: string | null
}

export async function createEnrolmentCode(db: PortalDb, name: string, now = new Date()): Promise<{ code: string; expiresAt: string }> {
  const code = newEnrolmentCode()
  const expiresAt = new Date(now.getTime() + ENROLMENT_CODE_TTL_MS).toISOString()
  await db.execute(
    sql`INSERT INTO enrolment_codes (code_hash, name, created_at, expires_at)
        VALUES (${sha256Hex(normalizeEnrolmentCode(code))}, ${name}, ${now.toISOString()}, ${expiresAt})`,
  )
  return { code, expiresAt }
}

const codeInvalid = (message: string) => new HttpError(401, 'ENROLMENT_CODE_INVALID', message)

/** Next value of a named counter (created at `start` on first use). */
async function nextCounter(tx: PortalDb, name: string, start: number, step: number): Promise<number> {
  const row = await one<{ value: string | number }>(
    tx,
    sql`INSERT INTO counters (name, value) VALUES (${name}, ${start})
        ON CONFLICT (name) DO UPDATE SET value = counters.value + ${step}
        RETURNING value`,
  )
  return Number(row?.value)
}

/**
 * Enrols a workstation with a one-time code: in one transaction, the code is marked used and
 * the workstation gets its token (only the hash is kept), a code-famille block and a receipt
 * series. A used, expired or unknown code changes nothing.
 */
export async function enrolWorkstation(db: PortalDb, input: { code: string; name?: string | undefined }, now = new Date()): Promise<EnrolResponse> {
  const codeHash = sha256Hex(normalizeEnrolmentCode(input.code))
  return db.transaction(async (tx) => {
    const code = await one<{ name: string; used: boolean; expired: boolean }>(
      tx,
      sql`SELECT name, used_at IS NOT NULL AS used, expires_at <= ${now.toISOString()}::timestamptz AS expired
          FROM enrolment_codes WHERE code_hash = ${codeHash} FOR UPDATE`,
    )
    if (!code) throw codeInvalid('Code d’enrôlement inconnu : vérifiez-le ou demandez-en un nouveau au responsable.')
    if (code.used) throw codeInvalid('Ce code d’enrôlement a déjà servi : demandez-en un nouveau au responsable.')
    if (code.expired) throw codeInvalid('Ce code d’enrôlement a expiré (24 h) : demandez-en un nouveau au responsable.')

    const first = await nextCounter(tx, 'code_range_first', FIRST_WORKSTATION_CODE, CODE_RANGE_SIZE)
    const last = first + CODE_RANGE_SIZE - 1
    if (last > LAST_CODE_FAMILLE_NUMBER) {
      throw new HttpError(409, 'REJECTED', 'Plus aucune plage de codes famille libre sur le portail.')
    }
    const series = `G${String(await nextCounter(tx, 'receipt_series', 1, 1)).padStart(2, '0')}`
    const id = uuidv7()
    const token = newToken()
    const name = input.name?.trim() || code.name
    await tx.execute(
      sql`INSERT INTO workstations (id, name, token_hash, code_range_first, code_range_last, receipt_series, enrolled_at)
          VALUES (${id}, ${name}, ${sha256Hex(token)}, ${first}, ${last}, ${series}, ${now.toISOString()})`,
    )
    await tx.execute(sql`UPDATE enrolment_codes SET used_at = ${now.toISOString()}, workstation_id = ${id} WHERE code_hash = ${codeHash}`)
    return {
      workstationId: id,
      name,
      token,
      codeFamilleRange: { first, last },
      receiptSeries: series,
      schemaVersion: SYNC_SCHEMA_VERSION,
    }
  })
}

/** The workstation a bearer token belongs to, or null (unknown or revoked). */
export async function authenticateWorkstation(db: PortalDb, token: string): Promise<WorkstationPrincipal | null> {
  const row = await one<{ id: string; name: string }>(
    db,
    sql`SELECT id, name FROM workstations WHERE token_hash = ${sha256Hex(token)} AND revoked_at IS NULL`,
  )
  return row ?? null
}

export async function revokeWorkstation(db: PortalDb, id: string, now = new Date()): Promise<WorkstationView> {
  await db.execute(sql`UPDATE workstations SET revoked_at = ${now.toISOString()} WHERE id = ${id} AND revoked_at IS NULL`)
  const view = (await listWorkstations(db, id))[0]
  if (!view) throw notFound('Poste inconnu.')
  return view
}

export async function listWorkstations(db: PortalDb, id?: string): Promise<WorkstationView[]> {
  const found = await rows<{
    id: string
    name: string
    first: number
    last: number
    series: string
    seq: string | number
    enrolled: string
    revoked: string | null
  }>(
    db,
    sql`SELECT id, name, code_range_first AS first, code_range_last AS last, receipt_series AS series,
               last_applied_seq AS seq, ${iso(sql`enrolled_at`)} AS enrolled, ${iso(sql`revoked_at`)} AS revoked
        FROM workstations ${id === undefined ? sql`` : sql`WHERE id = ${id}`}
        ORDER BY code_range_first`,
  )
  return found.map((w) => ({
    id: w.id,
    name: w.name,
    codeFamilleRange: { first: w.first, last: w.last },
    receiptSeries: w.series,
    lastAppliedSeq: Number(w.seq),
    enrolledAt: w.enrolled,
    revokedAt: w.revoked,
  }))
}
