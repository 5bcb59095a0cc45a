import type Database from 'better-sqlite3'
import { DomainError, type ReservationView } from '@shared/contract'

interface ReservationRow {
  id: string
  familyId: string
  childId: string
  childName: string
  unitId: string
  unitLabel: string
  siteId: string
  siteName: string
  date: string
  state: 'reserve' | 'annule' | 'attente' | 'sans_reservation'
  channel: 'guichet' | 'portail'
  pending: number
  attendance: 'present' | 'absent_justifie' | 'absent_injustifie' | null
  overrideReason: string | null
}

interface RefusedRow {
  payload: string
  reason: string | null
  childName: string | null
  unitLabel: string | null
  siteName: string | null
}

/**
 * A family's bookings, newest days first, with whether each is still waiting for the
 * portal's confirmation (a pending outbox command names it). Bookings the portal refused after
 * the counter saved them come too, as « Refusée par le portail : <raison> » rows (state
 * `refuse`), until an agent retries or discards the refusal: the counter never keeps saying
 * « enregistrée » about a booking that does not exist.
 */
export function listReservations(sqlite: Database.Database, familyId: string): ReservationView[] {
  const rows = sqlite
    .prepare(
      `SELECT r.id, r.family_id AS familyId, r.child_id AS childId, p.first_names AS childName,
              r.unit_id AS unitId, u.label AS unitLabel, r.site_id AS siteId, s.name AS siteName,
              r.date, r.state, r.channel, r.attendance,
              COALESCE(r.cancel_override_reason, r.override_reason) AS overrideReason,
              EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'pending'
                      AND o.name IN ('reservations.book', 'reservations.cancel', 'reservations.promote', 'reservations.attend')
                      AND json_extract(o.payload, '$.id') = r.id) AS pending
       FROM reservations r
       JOIN persons p ON p.id = r.child_id
       JOIN units u ON u.id = r.unit_id
       JOIN schools s ON s.id = r.site_id
       WHERE r.family_id = ?
       ORDER BY r.date DESC, p.first_names, u.label
       LIMIT 500`,
    )
    .all(familyId) as ReservationRow[]
  const list: ReservationView[] = rows.map((r) => ({ ...r, pending: Boolean(r.pending), refusal: null }))
  const refused = sqlite
    .prepare(
      `SELECT o.payload, o.rejection_reason AS reason, p.first_names AS childName, u.label AS unitLabel, s.name AS siteName
         FROM outbox o
         LEFT JOIN persons p ON p.id = json_extract(o.payload, '$.childId')
         LEFT JOIN units u ON u.id = json_extract(o.payload, '$.unitId')
         LEFT JOIN schools s ON s.id = json_extract(o.payload, '$.siteId')
        WHERE o.status = 'rejected' AND o.resolution IS NULL AND o.name = 'reservations.book'
          AND json_extract(o.payload, '$.familyId') = ?
        ORDER BY o.seq DESC LIMIT 100`,
    )
    .all(familyId) as RefusedRow[]
  const have = new Set(list.map((r) => r.id))
  for (const r of refused) {
    const p = JSON.parse(r.payload) as { id: string; familyId: string; childId: string; unitId: string; siteId: string; date: string }
    if (have.has(p.id)) continue
    list.push({
      id: p.id,
      familyId: p.familyId,
      childId: p.childId,
      childName: r.childName ?? '',
      unitId: p.unitId,
      unitLabel: r.unitLabel ?? p.unitId,
      siteId: p.siteId,
      siteName: r.siteName ?? '',
      date: p.date,
      state: 'refuse',
      channel: 'guichet',
      pending: false,
      attendance: null,
      overrideReason: null,
      refusal: r.reason ?? 'refusée',
    })
  }
  return list.sort((a, b) => b.date.localeCompare(a.date) || a.childName.localeCompare(b.childName, 'fr') || a.unitLabel.localeCompare(b.unitLabel, 'fr'))
}

export function familyOfReservation(sqlite: Database.Database, id: string): string {
  const familyId = sqlite.prepare('SELECT family_id FROM reservations WHERE id = ?').pluck().get(id) as string | undefined
  if (!familyId) throw new DomainError('NOT_FOUND', `No reservation ${id}`)
  return familyId
}

export function bookingOptions(sqlite: Database.Database) {
  return {
    units: sqlite.prepare('SELECT id, label, levels FROM units ORDER BY rowid').all() as Array<{
      id: string
      label: string
      levels: 'tous' | 'maternelle' | 'elementaire'
    }>,
    sites: sqlite.prepare('SELECT id, name, kind FROM schools ORDER BY name').all() as Array<{ id: string; name: string; kind: string }>,
  }
}
