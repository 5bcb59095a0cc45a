/**
 * The town's periscolaire services with their default capacity per site and day, the calendar
 * they follow and their booking and cancellation deadlines (town data, editable by a responsable;
 * DOMAIN.md "Periscolaire services"). Written with the demo town when missing; the migration
 * 0008 gives the same calendar and rules to the services of an existing database.
 * Rules: src/shared/domain/deadlines.ts (wall times in Europe/Paris).
 * (src/common: shared by the workstation and the portal.)
 */
export const DEFAULT_UNITS = [
  {
    id: 'garderie_matin',
    label: 'Garderie du matin',
    levels: 'tous',
    defaultCapacity: 40,
    calendar: 'school_days',
    // The working day before, 18:00.
    bookingRule: { kind: 'days_before', n: 1, working: true, at: '18:00' },
    cancelRule: { kind: 'same' },
    sort: 1,
  },
  {
    id: 'cantine',
    label: 'Restauration scolaire',
    levels: 'tous',
    defaultCapacity: 150,
    calendar: 'school_days',
    // Two working days before, 10:00 (the kitchen's order); a meal is cancelled no later than the
    // Thursday of the week before (the firm order of the week).
    bookingRule: { kind: 'days_before', n: 2, working: true, at: '10:00' },
    cancelRule: { kind: 'weekday_prev_week', weekday: 4, at: '23:59' },
    sort: 2,
  },
  {
    id: 'etude',
    label: 'Étude surveillée',
    levels: 'elementaire',
    defaultCapacity: 25,
    calendar: 'school_days',
    bookingRule: { kind: 'days_before', n: 1, working: true, at: '18:00' },
    cancelRule: { kind: 'same' },
    sort: 3,
  },
  {
    id: 'garderie_soir',
    label: 'Garderie du soir',
    levels: 'tous',
    defaultCapacity: 40,
    calendar: 'school_days',
    // The same day, noon.
    bookingRule: { kind: 'days_before', n: 0, working: true, at: '12:00' },
    cancelRule: { kind: 'same' },
    sort: 4,
  },
  {
    id: 'alsh_mercredi',
    label: 'Accueil de loisirs du mercredi',
    levels: 'tous',
    defaultCapacity: 60,
    calendar: 'wednesdays',
    // The Wednesday of the week before, 23:59.
    bookingRule: { kind: 'weekday_prev_week', weekday: 3, at: '23:59' },
    cancelRule: { kind: 'same' },
    sort: 5,
  },
  {
    id: 'alsh_vacances',
    label: 'Accueil de loisirs des vacances',
    levels: 'tous',
    defaultCapacity: 80,
    calendar: 'holidays',
    // The 15th of the month before, 23:59; no cancellation (an absence is justified instead).
    bookingRule: { kind: 'day_prev_month', day: 15, at: '23:59' },
    cancelRule: { kind: 'never' },
    sort: 6,
  },
] as const

/** A unit's row in the shared table `units` (bools as booleans, rules as JSON text). */
export function unitRow(u: (typeof DEFAULT_UNITS)[number], updatedAt: string | null): Record<string, string | number | boolean | null> {
  return {
    id: u.id,
    label: u.label,
    levels: u.levels,
    default_capacity: u.defaultCapacity,
    calendar: u.calendar,
    booking_rule: JSON.stringify(u.bookingRule),
    cancel_rule: JSON.stringify(u.cancelRule),
    sort: u.sort,
    active: true,
    updated_at: updatedAt,
    childcare: u.id === 'garderie_matin' || u.id === 'garderie_soir' || u.id === 'alsh_mercredi' || u.id === 'alsh_vacances',
    leisure: u.id === 'alsh_mercredi' || u.id === 'alsh_vacances',
  }
}
