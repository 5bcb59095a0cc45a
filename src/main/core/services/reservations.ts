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
  state: 'reserve' | 'annule'
  channel: 'guichet' | 'portail'
  pending: number
}

/**
 * A family's bookings, newest days first, with whether each is still waiting for the
 * portal's confirmation (a pending outbox command names it).
 */
export function listReservations(sqlite: Database.Database, familyId: string): ReservationView[] {
  const rows = sqlite
    .prepare(
      `SELECT r.id, r.family_id AS familyId, r.child_id AS childId, p.first_names AS childName,
              r.unit_id AS unitId, u.label AS unitLabel, r.site_id AS siteId, s.name AS siteName,
              r.date, r.state, r.channel,
              EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'pending'
                      AND o.name IN ('reservations.book', 'reservations.cancel')
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
  return rows.map((r) => ({ ...r, pending: Boolean(r.pending) }))
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
