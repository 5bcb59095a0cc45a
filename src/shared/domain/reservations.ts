/**
 * Booking rules (pure). Deadlines come with the bookings issue; for now: the child must
 * belong to the family, the unit must exist, one booking per child, unit and day, and the
 * capacity of the site, unit and day must not be exceeded.
 */

export const reservationStates = ['reserve', 'annule'] as const
export type ReservationState = (typeof reservationStates)[number]

export interface CapacityRow {
  unit_id: string
  site_id: string
  /** null: the site's capacity for every day. */
  date: string | null
  capacity: number
}

/** The capacity in force for a unit at a site on a day: the day's own, else the site's, else the unit's default. */
export function capacityFor(rows: readonly CapacityRow[], unitDefault: number, unitId: string, siteId: string, date: string): number {
  let siteWide: number | null = null
  for (const r of rows) {
    if (r.unit_id !== unitId || r.site_id !== siteId) continue
    if (r.date === date) return r.capacity
    if (r.date === null) siteWide = r.capacity
  }
  return siteWide ?? unitDefault
}

/** "12/03/2027" from "2027-03-12" (a calendar day, no time zone arithmetic). */
export function frenchDay(day: string): string {
  const [y, m, d] = day.split('-')
  return `${d}/${m}/${y}`
}

export interface Rejection {
  code: string
  /** Plain French for the agent or the family. */
  reason: string
}

export function checkCapacity(args: {
  capacity: number
  booked: number
  unitLabel: string
  siteName: string
  date: string
}): Rejection | null {
  if (args.booked < args.capacity) return null
  return {
    code: 'FULL',
    reason: `Complet : ${args.unitLabel} à ${args.siteName} le ${frenchDay(args.date)} (${args.capacity} place${args.capacity > 1 ? 's' : ''}, toutes réservées). Proposez la liste d'attente ou un autre jour.`,
  }
}
