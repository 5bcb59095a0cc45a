import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type FlagView, type PendingView, type RejectionView } from '@shared/contract'
import { frenchDay } from '@shared/domain/reservations'

interface OutboxRow {
  seq: number
  commandId: string
  name: string
  payload: string
  createdAt: string
  agentName: string | null
  rejectionCode: string | null
  rejectionReason: string | null
  resolution: 'retried' | 'discarded' | null
  resolutionReason: string | null
  resolvedAt: string | null
}

const SELECT = `
  SELECT o.seq, o.command_id AS commandId, o.name, o.payload, o.created_at AS createdAt, a.display_name AS agentName,
         o.rejection_code AS rejectionCode, o.rejection_reason AS rejectionReason, o.resolution,
         o.resolution_reason AS resolutionReason, o.resolved_at AS resolvedAt
  FROM outbox o LEFT JOIN agents a ON a.id = o.agent_id
  WHERE o.status = 'rejected'`

function one<T>(sqlite: Database.Database, sql: string, ...args: unknown[]): T | undefined {
  return sqlite.prepare(sql).get(...args) as T | undefined
}

/** A rejected change in plain French, with the family it concerns. */
function describe(sqlite: Database.Database, name: string, payload: Record<string, unknown>): { text: string; familyId: string | null } {
  const child = (id: unknown) => one<{ n: string }>(sqlite, 'SELECT first_names AS n FROM persons WHERE id = ?', id)?.n ?? 'un enfant'
  const unit = (id: unknown) => one<{ n: string }>(sqlite, 'SELECT label AS n FROM units WHERE id = ?', id)?.n ?? String(id)
  switch (name) {
    case 'reservations.book':
      return {
        text: `Réservation ${unit(payload.unitId)} le ${frenchDay(String(payload.date))} pour ${child(payload.childId)}`,
        familyId: String(payload.familyId),
      }
    case 'reservations.cancel': {
      const r = one<{ date: string; unitId: string; childId: string; familyId: string }>(
        sqlite,
        'SELECT date, unit_id AS unitId, child_id AS childId, family_id AS familyId FROM reservations WHERE id = ?',
        payload.id,
      )
      return r
        ? { text: `Annulation : ${unit(r.unitId)} le ${frenchDay(r.date)} pour ${child(r.childId)}`, familyId: r.familyId }
        : { text: 'Annulation d’une réservation', familyId: null }
    }
    case 'families.updateContacts': {
      const p = one<{ n: string }>(sqlite, `SELECT first_names || ' ' || last_name AS n FROM persons WHERE id = ?`, payload.personId)
      return { text: `Coordonnées de ${p?.n ?? 'une personne'}`, familyId: payload.familyId ? String(payload.familyId) : null }
    }
    case 'payments.recordOnline':
      return {
        text: typeof payload.transactionId === 'string' ? `Paiement en ligne ${payload.transactionId}` : 'Paiement en ligne',
        familyId: payload.familyId ? String(payload.familyId) : null,
      }
    case 'flags.resolve':
      return { text: 'Résolution d’un point à traiter', familyId: null }
    case 'payments.record': {
      const cents = typeof payload.amountCents === 'number' ? payload.amountCents : 0
      const amount = `${Math.floor(cents / 100)},${String(cents % 100).padStart(2, '0')} €`
      const what = payload.kind === 'remboursement' ? 'Remboursement' : 'Paiement'
      return {
        text: `${what} ${typeof payload.receiptNumber === 'string' ? `${payload.receiptNumber} ` : ''}(${amount})`,
        familyId: payload.familyId ? String(payload.familyId) : null,
      }
    }
    case 'payments.cancel': {
      const r = one<{ n: string | null }>(sqlite, 'SELECT receipt_number AS n FROM payments WHERE id = ?', payload.paymentId)
      return { text: `Annulation du reçu ${r?.n ?? ''}`.trim(), familyId: payload.familyId ? String(payload.familyId) : null }
    }
    case 'cashdesk.open':
      return { text: `Ouverture de la caisse du ${frenchDay(String(payload.day))}`, familyId: null }
    case 'cashdesk.close': {
      const d = one<{ day: string }>(sqlite, 'SELECT day FROM cash_days WHERE id = ?', payload.cashDayId)
      return { text: d ? `Clôture de la caisse du ${frenchDay(d.day)}` : 'Clôture de caisse', familyId: null }
    }
    default:
      return { text: name, familyId: null }
  }
}

export function listRejections(sqlite: Database.Database): RejectionView[] {
  const rows = sqlite.prepare(`${SELECT} ORDER BY (o.resolution IS NOT NULL), o.seq DESC LIMIT 500`).all() as OutboxRow[]
  return rows.map((r) => {
    const payload = JSON.parse(r.payload) as Record<string, unknown>
    const d = describe(sqlite, r.name, payload)
    const familyName = d.familyId
      ? (one<{ n: string }>(sqlite, 'SELECT name AS n FROM families WHERE id = ?', d.familyId)?.n ?? null)
      : null
    return {
      seq: r.seq,
      commandId: r.commandId,
      name: r.name,
      description: d.text,
      code: r.rejectionCode ?? 'REJECTED',
      reason: r.rejectionReason ?? 'Refusé par le portail.',
      at: r.createdAt,
      agentName: r.agentName,
      familyId: familyName ? d.familyId : null,
      familyName,
      resolution: r.resolution,
      resolutionReason: r.resolutionReason,
      resolvedAt: r.resolvedAt,
    }
  })
}

/**
 * The changes saved here that the portal has not acknowledged yet, oldest first (what, when,
 * which agent): listed for an agent when the workstation was restored from a backup, so that
 * none is lost from sight (they stay in the outbox and go to the portal after re-enrolment).
 */
export function listPending(sqlite: Database.Database, limit = 500): { items: PendingView[]; total: number } {
  const total = (sqlite.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`).get() as { n: number }).n
  const rows = sqlite
    .prepare(
      `SELECT o.seq, o.command_id AS commandId, o.name, o.payload, o.created_at AS createdAt, a.display_name AS agentName
       FROM outbox o LEFT JOIN agents a ON a.id = o.agent_id
       WHERE o.status = 'pending' ORDER BY o.seq LIMIT ?`,
    )
    .all(limit) as Array<{ seq: number; commandId: string; name: string; payload: string; createdAt: string; agentName: string | null }>
  const items = rows.map((r) => {
    let payload: Record<string, unknown> = {}
    try {
      const parsed: unknown = JSON.parse(r.payload)
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) payload = parsed as Record<string, unknown>
    } catch {
      // described by its name alone
    }
    const d = describe(sqlite, r.name, payload)
    const familyName = d.familyId ? (one<{ n: string }>(sqlite, 'SELECT name AS n FROM families WHERE id = ?', d.familyId)?.n ?? null) : null
    return {
      seq: r.seq,
      commandId: r.commandId,
      name: r.name,
      description: d.text,
      at: r.createdAt,
      agentName: r.agentName,
      familyId: familyName ? d.familyId : null,
      familyName,
    }
  })
  return { items, total }
}

/** What is left "à traiter": rejected changes no agent dealt with, and open flags (every workstation's). */
export function countUnresolvedRejections(sqlite: Database.Database): number {
  return (
    sqlite
      .prepare(
        `SELECT (SELECT count(*) FROM outbox WHERE status = 'rejected' AND resolution IS NULL)
              + (SELECT count(*) FROM flags WHERE status = 'open') AS n`,
      )
      .get() as { n: number }
  ).n
}

interface FlagRow {
  id: string
  commandId: string
  name: string
  kind: FlagView['kind']
  code: string
  reason: string
  data: string | null
  at: string
  agentName: string | null
  workstationId: string | null
  familyId: string | null
  familyName: string | null
  status: FlagView['status']
  resolvedByName: string | null
  resolvedAt: string | null
  resolutionNote: string | null
  pending: number
}

/** The flagged facts, open ones first (newest first), as the "À traiter" screen lists them. */
export function listFlags(sqlite: Database.Database): FlagView[] {
  const rows = sqlite
    .prepare(
      `SELECT f.id, f.command_id AS commandId, f.command_name AS name, f.kind, f.code, f.reason, f.data, f.at,
              a.display_name AS agentName, f.workstation_id AS workstationId, fam.id AS familyId, fam.name AS familyName,
              f.status, r.display_name AS resolvedByName, f.resolved_at AS resolvedAt, f.resolution_note AS resolutionNote,
              EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'pending' AND o.name = 'flags.resolve'
                      AND json_extract(o.payload, '$.flagId') = f.id) AS pending
       FROM flags f
       LEFT JOIN agents a ON a.id = f.agent_id
       LEFT JOIN agents r ON r.id = f.resolved_by
       LEFT JOIN families fam ON fam.id = f.family_id
       ORDER BY (f.status = 'resolved'), f.at DESC, f.id DESC
       LIMIT 500`,
    )
    .all() as FlagRow[]
  return rows.map((r) => {
    let payload: Record<string, unknown> = {}
    try {
      const data = r.data ? (JSON.parse(r.data) as unknown) : null
      if (data && typeof data === 'object' && !Array.isArray(data)) payload = data as Record<string, unknown>
    } catch {
      payload = {}
    }
    const d = describe(sqlite, r.name, payload)
    const { data: _data, ...rest } = r
    return { ...rest, description: d.text, pending: Boolean(r.pending) }
  })
}

/** The open flag `id` (throws NOT_FOUND otherwise). */
export function openFlag(sqlite: Database.Database, id: string): void {
  const row = one<{ id: string }>(sqlite, `SELECT id FROM flags WHERE id = ? AND status = 'open'`, id)
  if (!row) throw new DomainError('NOT_FOUND', `No open flag ${id}`)
}

/** The rejected, unresolved command `seq` (throws NOT_FOUND otherwise). */
export function openRejection(sqlite: Database.Database, seq: number): { name: string; payload: Record<string, unknown> } {
  const row = one<{ name: string; payload: string }>(
    sqlite,
    `SELECT name, payload FROM outbox WHERE seq = ? AND status = 'rejected' AND resolution IS NULL`,
    seq,
  )
  if (!row) throw new DomainError('NOT_FOUND', `No unresolved rejected change ${seq}`)
  return { name: row.name, payload: JSON.parse(row.payload) as Record<string, unknown> }
}

/**
 * The payload to send again: new records get new ids (the rejected id stays used). With
 * `waitlist` (a booking refused because the day was full, the family accepts the waiting list)
 * the booking asks for the waiting list; only a booking can.
 */
export function payloadForRetry(name: string, payload: Record<string, unknown>, opts: { waitlist?: boolean } = {}): Record<string, unknown> {
  if (opts.waitlist && name !== 'reservations.book') {
    throw new DomainError('INVALID_INPUT', `Only a booking can go to the waiting list (not ${name})`)
  }
  if (name !== 'reservations.book') return payload
  return { ...payload, id: uuidv7(), ...(opts.waitlist ? { waitlist: true } : {}) }
}

export function resolveRejection(
  sqlite: Database.Database,
  seq: number,
  r: { resolution: 'retried' | 'discarded'; reason: string | null; agentId: string | null; at: Date },
): void {
  sqlite
    .prepare(
      `UPDATE outbox SET resolution = ?, resolution_reason = ?, resolved_by = ?, resolved_at = ?
       WHERE seq = ? AND status = 'rejected' AND resolution IS NULL`,
    )
    .run(r.resolution, r.reason, r.agentId, r.at.toISOString(), seq)
}
