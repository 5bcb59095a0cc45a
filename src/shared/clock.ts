/**
 * The one clock the core and the portal take their time from (pure: no Node, no DOM).
 *
 * In production it is the system clock. Tests and e2e runs fix it through the environment
 * (`GUICHET_CLOCK` for the core, `PORTAL_CLOCK` for the portal) to an ISO instant inside the
 * shipped school calendar, so that date-dependent behaviour is the same in any month of any
 * year.
 *
 * A fixed clock STARTS at that instant and then ADVANCES with real time (monotonic), rather
 * than staying frozen: idle locks, session and enrolment-code expiries, backoff deadlines and
 * "last sync" stamps keep their meaning, and two commands never share one instant.
 */

export type Clock = () => Date

export const systemClock: Clock = () => new Date()

/** A bad clock value: a clear startup error, never a silent fallback to the system clock. */
export class ClockConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ClockConfigError'
  }
}

// YYYY-MM-DDTHH:MM[:SS[.fff]] followed by Z or an explicit offset: an instant, never a local time.
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-](\d{2}):(\d{2}))$/

/** Parses a strict ISO 8601 instant ("2026-11-16T09:00:00+01:00", "2026-11-16T08:00:00Z"). */
export function parseInstant(value: string, name = 'clock'): Date {
  const m = ISO_INSTANT.exec(value.trim())
  const bad = (why: string) =>
    new ClockConfigError(
      `${name} : « ${value} » n’est pas un instant ISO 8601 valide (${why}). Attendu par exemple 2026-11-16T09:00:00+01:00 ou 2026-11-16T08:00:00Z.`,
    )
  if (!m) throw bad('format AAAA-MM-JJTHH:MM[:SS[.mmm]] suivi de Z ou ±HH:MM')
  const [, y, mo, d, h, mi, s, , zone, oh, om] = m
  const year = Number(y)
  const month = Number(mo)
  const day = Number(d)
  const hour = Number(h)
  const minute = Number(mi)
  const second = Number(s ?? 0)
  if (month < 1 || month > 12) throw bad('mois hors de 01–12')
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (day < 1 || day > daysInMonth) throw bad('jour inexistant')
  if (hour > 23 || minute > 59 || second > 59) throw bad('heure hors limites')
  if (zone !== 'Z' && (Number(oh) > 14 || Number(om) > 59)) throw bad('décalage horaire hors limites')
  const date = new Date(value.trim())
  if (Number.isNaN(date.getTime())) throw bad('date illisible')
  return date
}

export interface FixedClockOptions {
  /** Monotonic milliseconds (default: performance.now); tests pass their own. */
  elapsed?: () => number
}

/** A clock that starts at `start` and advances with real (monotonic) time. */
export function startingAt(start: Date, opts: FixedClockOptions = {}): Clock {
  const elapsed = opts.elapsed ?? (() => performance.now())
  const origin = elapsed()
  const at = start.getTime()
  return () => new Date(at + Math.max(0, elapsed() - origin))
}

/**
 * The clock an environment asks for: the system clock when `env[name]` is unset or empty,
 * else a clock starting at that instant (a bad value throws ClockConfigError).
 */
export function clockFromEnv(env: Record<string, string | undefined>, name: string, opts: FixedClockOptions = {}): { clock: Clock; fixedAt: Date | null } {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return { clock: systemClock, fixedAt: null }
  const start = parseInstant(raw, name)
  return { clock: startingAt(start, opts), fixedAt: start }
}
