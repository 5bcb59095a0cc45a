import type Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { unitSiteId } from '../../src/shared/commands/bookings'
import { SchoolCalendar, type UnitCalendar } from '../../src/shared/domain/calendar'
import { defaultCalendarRows } from '../../src/common/calendar/zone-c-2026-2027'
import { DEFAULT_UNITS } from '../../src/common/demo/units'
import { ensureDefaultUnits } from '../../src/main/core/demo/units'
import { ensureShippedCalendar } from '../../src/main/core/demo/town-defaults'
import { rows, type PortalDb } from '../../src/portal/db/client'
import { putRow } from '../../src/portal/db/store'

/**
 * Bookings under the town's rules (issue 10) for tests written before them: a booking needs the
 * service to run at the site (unit_sites), the site to serve the child (own school), an active
 * inscription for the school year, an open day of the school calendar, and the deadline at the
 * command's instant. The demo town has all of it (src/common/demo/generate.ts); a test that builds
 * its own family calls enrolForBooking. Days: school days of the shipped calendar whose canteen
 * booking AND cancellation are open at TEST_INSTANT (16/11/2026 9:00) and at the portal tests'
 * instants (27/11/2026 9:00, tests/integration/portal/helpers.ts `command`).
 */

export const SCHOOL_YEAR = '2026-2027'

const shipped = new SchoolCalendar(defaultCalendarRows())

/** The `n` days from `from` (included) on which `unitId` is open at `siteId` in the shipped calendar. */
export function openDays(from: string, n: number, unitId = 'cantine', siteId = 'any-site'): string[] {
  const unit = DEFAULT_UNITS.find((u) => u.id === unitId)
  if (!unit) throw new Error(`unknown unit ${unitId}`)
  const days = shipped.openDays({ id: unit.id, label: unit.label, calendar: unit.calendar as UnitCalendar }, siteId, from, '2027-08-31')
  if (days.length < n) throw new Error(`only ${days.length} open days from ${from}`)
  return days.slice(0, n)
}

/**
 * A school day (Monday 7 December 2026) every service of school days can be booked for, and the
 * canteen cancelled (its cancel deadline is Thursday 26/11 23:59 for the week of 30/11, Thursday
 * 3/12 for this one), at both test instants.
 */
export const BOOK_DAY = '2026-12-07'
/** School days from BOOK_DAY on (Mondays, Tuesdays, Thursdays, Fridays outside the holidays). */
export const BOOK_DAYS: readonly string[] = openDays(BOOK_DAY, 60)

export interface Slot {
  familyId: string
  childId: string
  unitId: string
  siteId: string
  date: string
}

/** Children with an active inscription to `unitId` for the school year (one row per child, oldest family), with the inscription's site. */
export function enrolledChildren(sqlite: Database.Database, unitId = 'cantine'): Array<{ familyId: string; childId: string; siteId: string }> {
  return sqlite
    .prepare(
      `SELECT min(m.family_id) AS familyId, i.child_id AS childId, min(i.site_id) AS siteId
         FROM inscriptions i JOIN family_members m ON m.person_id = i.child_id AND m.role = 'enfant'
         JOIN unit_sites us ON us.unit_id = i.unit_id AND us.site_id = i.site_id AND us.active = 1
        WHERE i.unit_id = ? AND i.school_year = ? AND i.status = 'active'
        GROUP BY i.child_id ORDER BY i.child_id`,
    )
    .all(unitId, SCHOOL_YEAR) as Array<{ familyId: string; childId: string; siteId: string }>
}

/** The `index`-th enrolled child of the town booked at `unitId` on `date`. */
export function bookableSlot(sqlite: Database.Database, opts: { unitId?: string; date?: string; index?: number } = {}): Slot {
  const unitId = opts.unitId ?? 'cantine'
  const kids = enrolledChildren(sqlite, unitId)
  const kid = kids[opts.index ?? 0]
  if (!kid) throw new Error(`no child enrolled at ${unitId} (index ${opts.index ?? 0} of ${kids.length})`)
  return { ...kid, unitId, date: opts.date ?? BOOK_DAY }
}

/**
 * For a family a test built itself (tests/helpers/core.ts addFamily): the default services, the
 * shipped calendar, `unitId` running at `siteId` for its own pupils (or `serves`) and the child's
 * active inscription for the school year. Idempotent.
 */
export function enrolForBooking(
  sqlite: Database.Database,
  p: { familyId: string; childId: string; siteId: string; unitId?: string; serves?: 'own_school' | 'maternelle' | 'elementaire' | 'tous'; capacity?: number },
): void {
  const unitId = p.unitId ?? 'cantine'
  sqlite.transaction(() => {
    ensureDefaultUnits(sqlite)
    ensureShippedCalendar(sqlite)
    const capacity = p.capacity ?? (sqlite.prepare('SELECT default_capacity FROM units WHERE id = ?').pluck().get(unitId) as number)
    const at = new Date('2026-06-01T08:00:00Z').toISOString()
    sqlite
      .prepare(
        `INSERT INTO unit_sites (id, unit_id, site_id, serves, capacity, active, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?)
         ON CONFLICT(id) DO NOTHING`,
      )
      .run(unitSiteId(unitId, p.siteId), unitId, p.siteId, p.serves ?? 'own_school', capacity, at)
    const enrolled = sqlite
      .prepare(`SELECT count(*) FROM inscriptions WHERE child_id = ? AND unit_id = ? AND school_year = ? AND status = 'active'`)
      .pluck()
      .get(p.childId, unitId, SCHOOL_YEAR) as number
    if (enrolled === 0) {
      sqlite
        .prepare(
          `INSERT INTO inscriptions (id, family_id, child_id, unit_id, site_id, school_year, status, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)`,
        )
        .run(uuidv7(), p.familyId, p.childId, unitId, p.siteId, SCHOOL_YEAR, at, at)
    }
  })()
}

/** On the portal: children of the demo town enrolled at `unitId`, with their family, code famille and the inscription's site. */
export async function enrolledKids(db: PortalDb, unitId = 'cantine'): Promise<Array<{ familyId: string; childId: string; code: string; siteId: string }>> {
  return rows(
    db,
    sql`SELECT DISTINCT ON (f.id) f.id AS "familyId", i.child_id AS "childId", f.code, i.site_id AS "siteId"
          FROM inscriptions i JOIN families f ON f.id = i.family_id
          JOIN unit_sites us ON us.unit_id = i.unit_id AND us.site_id = i.site_id AND us.active
         WHERE i.unit_id = ${unitId} AND i.school_year = ${SCHOOL_YEAR} AND i.status = 'active'
         ORDER BY f.id, i.child_id`,
  )
}

export interface SchoolKid {
  familyId: string
  childId: string
  code: string
  siteId: string
  level: string
}

/** On the portal: every child of the town schooled in the school year (its oldest family), with its school. */
export async function schoolKids(db: PortalDb): Promise<SchoolKid[]> {
  return rows(
    db,
    sql`SELECT DISTINCT ON (s.person_id) f.id AS "familyId", s.person_id AS "childId",
               f.code, s.school_id AS "siteId", s.level
          FROM schoolings s JOIN family_members m ON m.person_id = s.person_id AND m.role = 'enfant' JOIN families f ON f.id = m.family_id
         WHERE s.school_year = ${SCHOOL_YEAR}
         ORDER BY s.person_id, f.id`,
  )
}

/** On the portal: `n` children of different families schooled at one school (of the level group when given). */
export async function kidsAtOneSchool(db: PortalDb, n: number, group?: 'maternelle' | 'elementaire'): Promise<SchoolKid[]> {
  const maternelle = new Set(['TPS', 'PS', 'MS', 'GS'])
  const bySchool = new Map<string, SchoolKid[]>()
  for (const k of await schoolKids(db)) {
    if (group && maternelle.has(k.level) !== (group === 'maternelle')) continue
    const list = bySchool.get(k.siteId) ?? []
    if (!list.some((x) => x.familyId === k.familyId)) list.push(k)
    bySchool.set(k.siteId, list)
  }
  const found = [...bySchool.values()].find((list) => list.length >= n)
  if (!found) throw new Error(`no school with ${n} children of different families`)
  return found.slice(0, n)
}

/** On the portal: `kid` enrolled at `unitId` at `siteId` (default its school) for the school year, through the change log. */
export async function enrolOnPortal(db: PortalDb, kid: { familyId: string; childId: string; siteId: string }, unitId: string, siteId = kid.siteId): Promise<void> {
  const at = '2026-06-01T08:00:00.000Z'
  await putRow(db, 'inscriptions', {
    id: uuidv7(),
    family_id: kid.familyId,
    child_id: kid.childId,
    unit_id: unitId,
    site_id: siteId,
    school_year: SCHOOL_YEAR,
    status: 'active',
    created_at: at,
    updated_at: at,
  })
}

/** On the portal: the site where `unitId` serves the child (its own school, or its level group's leisure centre). */
export async function siteServing(db: PortalDb, unitId: string, childId: string): Promise<string> {
  const [row] = await rows<{ siteId: string }>(
    db,
    sql`SELECT us.site_id AS "siteId" FROM unit_sites us JOIN schoolings s ON s.person_id = ${childId} AND s.school_year = ${SCHOOL_YEAR}
         WHERE us.unit_id = ${unitId} AND us.active
           AND ((us.serves = 'own_school' AND us.site_id = s.school_id) OR us.serves = 'tous'
             OR (us.serves = 'maternelle' AND s.level IN ('TPS', 'PS', 'MS', 'GS'))
             OR (us.serves = 'elementaire' AND s.level NOT IN ('TPS', 'PS', 'MS', 'GS')))
         ORDER BY us.site_id LIMIT 1`,
  )
  if (!row) throw new Error(`${unitId} serves no site for child ${childId}`)
  return row.siteId
}
