/** Calendar days are YYYY-MM-DD in Europe/Paris; instants are UTC. */
export const TIME_ZONE = 'Europe/Paris'

const dayFormatter = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
})

const HOUR_MS = 3_600_000
let lastHour = Number.NaN
let lastDay = ''

/**
 * The calendar day in Paris at instant `now` ("2026-11-27"). Paris is a whole number of hours
 * from UTC, so the day is the same through a UTC hour: the last hour's answer is kept (a month
 * grid asks for today at every call; Intl formatting is the slow part).
 */
export function parisDay(now: Date): string {
  const hour = Math.floor(now.getTime() / HOUR_MS)
  if (hour !== lastHour) {
    lastDay = dayFormatter.format(now)
    lastHour = hour
  }
  return lastDay
}

/** The school year a day belongs to: from 1 September ("2026-2027"). */
export function schoolYearOf(day: string): string {
  const year = Number(day.slice(0, 4))
  const month = Number(day.slice(5, 7))
  const start = month >= 9 ? year : year - 1
  return `${start}-${start + 1}`
}

/** Age in whole years on `day` of someone born on `birthDate` (both YYYY-MM-DD). */
export function ageOn(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number]
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0)
}
