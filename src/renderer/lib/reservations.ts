import type { ContractError, Level, ReservationView } from '@shared/contract'
import { sameName } from './format'
import type { Child } from './people'

export interface BookingUnit {
  id: string
  label: string
  levels: 'tous' | 'maternelle' | 'elementaire'
}

export interface BookingSite {
  id: string
  name: string
  kind: string
}

const MATERNELLE: readonly Level[] = ['TPS', 'PS', 'MS', 'GS']

/**
 * Upcoming bookings first (soonest first), then past ones (most recent first); on a same day,
 * by child then service.
 */
export function sortReservations(list: readonly ReservationView[], today: string): ReservationView[] {
  const tie = (a: ReservationView, b: ReservationView) =>
    a.childName.localeCompare(b.childName, 'fr') || a.unitLabel.localeCompare(b.unitLabel, 'fr')
  const upcoming = list.filter((r) => r.date >= today).sort((a, b) => a.date.localeCompare(b.date) || tie(a, b))
  const past = list.filter((r) => r.date < today).sort((a, b) => b.date.localeCompare(a.date) || tie(a, b))
  return [...upcoming, ...past]
}

/** The services a child may be booked for: all of them when the school level is unknown. */
export function unitsForChild<U extends BookingUnit>(units: readonly U[], child: Child | null | undefined): U[] {
  const level = child?.schooling?.level
  if (!level) return [...units]
  const stage = MATERNELLE.includes(level) ? 'maternelle' : 'elementaire'
  return units.filter((u) => u.levels === 'tous' || u.levels === stage)
}

/** The site of the child's school when one has the same name, else null. */
export function defaultSiteFor<S extends BookingSite>(sites: readonly S[], child: Child | null | undefined): S | null {
  const school = child?.schooling?.schoolName
  if (!school) return null
  return sites.find((s) => sameName(s.name, school)) ?? null
}

/** The rule code of a refusal by the town's rules (DEADLINE_PASSED, FULL…), else null. */
export function refusalRule(error: ContractError | null | undefined): string | null {
  return error?.code === 'RULE_REJECTED' ? (error.details?.rule ?? null) : null
}
