import type { Services, SiteDay } from '@shared/contract/bookings'

/**
 * The « Liste du jour » screen's choices and rules, without Vue: which sites run a service, which
 * services run at a site, whether the day can be pointed, whether the first family waiting can be
 * offered a place.
 */

export interface SiteChoice {
  id: string
  name: string
}
export interface ServiceChoice {
  id: string
  label: string
}

/** The sites where at least one active service runs (active row), by name. */
export function sitesRunningServices(services: Services): SiteChoice[] {
  const ids = new Set<string>()
  for (const s of services.services) {
    if (!s.active) continue
    for (const site of s.sites) if (site.active) ids.add(site.siteId)
  }
  return services.sites
    .filter((site) => ids.has(site.id))
    .map((site) => ({ id: site.id, name: site.name }))
    .sort((a, b) => a.name.localeCompare(b.name, 'fr'))
}

/** The active services that run at `siteId`, in the town's order. */
export function servicesAt(services: Services, siteId: string | null): ServiceChoice[] {
  if (!siteId) return []
  return services.services
    .filter((s) => s.active && s.sites.some((site) => site.siteId === siteId && site.active))
    .sort((a, b) => a.sort - b.sort || a.label.localeCompare(b.label, 'fr'))
    .map((s) => ({ id: s.id, label: s.label }))
}

/**
 * Keeps a remembered choice when it is still offered, else the first one offered (the canteen at
 * a school the agent used last time; the first service when that one does not run there).
 */
export function keepChoice(wanted: string | null | undefined, offered: readonly { id: string }[]): string | null {
  if (wanted && offered.some((o) => o.id === wanted)) return wanted
  return offered[0]?.id ?? null
}

/** Pointage is for today or a day gone by, never a day to come. */
export function canPoint(day: string, today: string): boolean {
  return day <= today
}

/** Booked places (présents sans réservation take no booked place). */
export function bookedCount(list: SiteDay): number {
  return list.expected.filter((e) => e.state === 'reserve').length
}

/** A place is free and the day is not past: the first family waiting may be offered it. */
export function canOfferPlace(list: SiteDay, today: string): boolean {
  return list.closedReason === null && list.waiting.length > 0 && list.date >= today && bookedCount(list) < list.capacity
}

/** How many children were pointed (any mark) and how many are still to point. */
export function pointageProgress(list: SiteDay): { pointed: number; left: number; present: number } {
  const pointed = list.expected.filter((e) => e.attendance !== null).length
  const present = list.expected.filter((e) => e.attendance === 'present').length
  return { pointed, left: list.expected.length - pointed, present }
}

/** A remembered site and service (per workstation: the site agent opens the same list every day). */
export interface Remembered {
  siteId: string | null
  unitId: string | null
}
export const REMEMBER_KEY = 'guichet.siteDay'

export function readRemembered(storage: { getItem(key: string): string | null } | null): Remembered {
  try {
    const raw = storage?.getItem(REMEMBER_KEY)
    const parsed = raw ? (JSON.parse(raw) as unknown) : null
    if (parsed && typeof parsed === 'object') {
      const { siteId, unitId } = parsed as Record<string, unknown>
      return { siteId: typeof siteId === 'string' ? siteId : null, unitId: typeof unitId === 'string' ? unitId : null }
    }
  } catch {
    // A damaged value: start afresh.
  }
  return { siteId: null, unitId: null }
}

const longDayFormatter = new Intl.DateTimeFormat('fr-FR', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })

/** « jeudi 19 novembre 2026 » (a calendar day; « 1er » on the first of the month). */
export function longDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!m) return day
  const text = longDayFormatter.format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 12)))
  return Number(m[3]) === 1 ? text.replace(/ 1 /, ' 1er ') : text
}

/** The pointage key of a row: P présent, J absent justifié, I absent injustifié (any case). */
export function attendanceForKey(key: string): 'present' | 'absent_justifie' | 'absent_injustifie' | null {
  switch (key.toLowerCase()) {
    case 'p':
      return 'present'
    case 'j':
      return 'absent_justifie'
    case 'i':
      return 'absent_injustifie'
    default:
      return null
  }
}
