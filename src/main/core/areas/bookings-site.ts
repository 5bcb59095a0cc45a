import { v7 as uuidv7 } from 'uuid'
import { DomainError, type contract } from '@shared/contract'
import type { AttendInput, SiteDay } from '@shared/contract/bookings'
import { waitingOrder, type AttendPayload } from '@shared/commands/bookings'
import { SchoolCalendar, type CalendarPeriod, type UnitCalendar } from '@shared/domain/calendar'
import { previousSchoolYear } from '@shared/domain/schoolYear'
import { parisDay } from '@shared/domain/dates'
import { capacityFor, frenchDay, type CapacityRow } from '@shared/domain/reservations'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import type { SiteDayPdfModel } from '../services/siteday-pdf'

type H = HandlersFor<typeof contract>['bookings']

/**
 * A site's day list (issue 10, items 4 and 6): who is expected at a service, at a site, on a
 * day (booked children and présents sans réservation, with their level, family code, PAI and
 * pointage), the waiting list in its order, the capacity and, on a day the service does not
 * run, why. The same list as a PDF to print, and the pointage (shared fact reservations.attend).
 */

interface SlotInput {
  unitId: string
  siteId: string
  date: string
}

interface EntryStored {
  id: string
  familyId: string
  familyCode: string | null
  childId: string
  firstNames: string
  lastName: string
  level: string | null
  className: string | null
  state: SiteDay['expected'][number]['state']
  attendance: SiteDay['expected'][number]['attendance']
  certificateDate: string | null
  pai: number | null
  createdAt: string
  pending: number
}

interface UnitStored {
  id: string
  label: string
  calendar: UnitCalendar
  default_capacity: number
}

/** A refusal the screen shows as it is (RULE_REJECTED carries the French sentence). */
function refuse(rule: string, reason: string): never {
  throw new DomainError('RULE_REJECTED', reason, { rule, reason })
}

const ENTRY_SQL = `
  SELECT r.id, r.family_id AS familyId, f.code AS familyCode, r.child_id AS childId,
         p.first_names AS firstNames, p.last_name AS lastName, sc.level, sc.class_name AS className,
         r.state, r.attendance, r.absence_certificate_date AS certificateDate, p.pai, r.created_at AS createdAt,
         EXISTS (SELECT 1 FROM outbox o WHERE o.status = 'pending'
                 AND o.name IN ('reservations.book', 'reservations.cancel', 'reservations.promote', 'reservations.attend')
                 AND json_extract(o.payload, '$.id') = r.id) AS pending
    FROM reservations r
    JOIN persons p ON p.id = r.child_id
    LEFT JOIN families f ON f.id = r.family_id
    LEFT JOIN schoolings sc ON sc.person_id = r.child_id AND sc.school_year = ?
   WHERE r.unit_id = ? AND r.site_id = ? AND r.date = ? AND r.state IN ('reserve', 'sans_reservation', 'attente')`

/** "2026-2027" for a day of that school year (1 September … 31 August). */
function schoolYearOfDay(day: string): string {
  const y = Number(day.slice(0, 4))
  const start = Number(day.slice(5, 7)) >= 9 ? y : y - 1
  return `${start}-${start + 1}`
}

/**
 * The school calendar a day needs, read synchronously (as loadCalendarFor in the shared commands
 * does): its school year's rows and the previous year's public holidays.
 */
function calendarFor(ctx: HandlerContext, day: string): SchoolCalendar {
  const year = schoolYearOfDay(day)
  const rows = ctx.sqlite
    .prepare(
      `SELECT id, school_year, kind, label, first_day, last_day, unit_id, site_id FROM calendar_periods
        WHERE school_year = ? OR (school_year = ? AND kind = 'public_holiday')`,
    )
    .all(year, previousSchoolYear(year)) as CalendarPeriod[]
  return new SchoolCalendar(rows)
}

const byName = (a: EntryStored, b: EntryStored) =>
  a.lastName.localeCompare(b.lastName, 'fr', { sensitivity: 'base' }) ||
  a.firstNames.localeCompare(b.firstNames, 'fr', { sensitivity: 'base' }) ||
  (a.id < b.id ? -1 : 1)

interface SiteDayData {
  view: SiteDay
  /** The rows behind the view, with the class (the PDF prints it). */
  expected: EntryStored[]
  waiting: EntryStored[]
}

function loadSiteDay(ctx: HandlerContext, input: SlotInput): SiteDayData {
  const { sqlite } = ctx
  const unit = sqlite.prepare('SELECT id, label, calendar, default_capacity FROM units WHERE id = ?').get(input.unitId) as UnitStored | undefined
  if (!unit) throw new DomainError('NOT_FOUND', `Service inconnu : ${input.unitId}`)
  const site = sqlite.prepare('SELECT id, name FROM schools WHERE id = ?').get(input.siteId) as { id: string; name: string } | undefined
  if (!site) throw new DomainError('NOT_FOUND', `Lieu inconnu : ${input.siteId}`)
  const runs = sqlite.prepare('SELECT capacity, active FROM unit_sites WHERE unit_id = ? AND site_id = ?').get(unit.id, site.id) as
    | { capacity: number; active: number }
    | undefined
  const capacities = sqlite.prepare('SELECT unit_id, site_id, date, capacity FROM capacities WHERE unit_id = ? AND site_id = ?').all(unit.id, site.id) as CapacityRow[]
  const capacity = capacityFor(capacities, Number(runs?.capacity ?? unit.default_capacity), unit.id, site.id, input.date)

  let closedReason: string | null = null
  if (!runs || runs.active === 0) {
    closedReason = `${unit.label} n’a pas lieu à ${site.name}.`
  } else {
    const calendar = calendarFor(ctx, input.date)
    const status = calendar.dayStatus({ id: unit.id, label: unit.label, calendar: unit.calendar }, site.id, input.date)
    if (!status.open) closedReason = status.reason
  }

  const rows = sqlite.prepare(ENTRY_SQL).all(schoolYearOfDay(input.date), unit.id, site.id, input.date) as EntryStored[]
  const expected = rows.filter((r) => r.state !== 'attente').sort(byName)
  const byId = new Map(rows.map((r) => [r.id, r]))
  const waiting = waitingOrder(rows.map((r) => ({ id: r.id, state: r.state, created_at: r.createdAt }))).map((r) => byId.get(r.id)!)
  const entry = (r: EntryStored): SiteDay['expected'][number] => ({
    reservationId: r.id,
    familyId: r.familyId,
    familyCode: r.familyCode ?? '',
    childId: r.childId,
    childName: `${r.lastName} ${r.firstNames}`.trim(),
    level: r.level,
    state: r.state,
    attendance: r.attendance,
    absenceCertificateDate: r.certificateDate,
    pai: r.pai === 1,
    pending: r.pending === 1,
  })
  return {
    view: {
      unitId: unit.id,
      unitLabel: unit.label,
      siteId: site.id,
      siteName: site.name,
      date: input.date,
      capacity,
      expected: expected.map(entry),
      waiting: waiting.map(entry),
      closedReason,
    },
    expected,
    waiting,
  }
}

/** A day list (queries are synchronous: plain SQLite reads). */
export function siteDay(ctx: HandlerContext, input: SlotInput): SiteDay {
  return loadSiteDay(ctx, input).view
}

/** Checks a pointage and builds the shared fact's payload; throws a French refusal, writing nothing. */
async function attendPayload(ctx: HandlerContext, input: AttendInput): Promise<AttendPayload> {
  const today = parisDay(ctx.now)
  if (input.date > today) {
    refuse('ATTENDANCE_IN_FUTURE', `Le ${frenchDay(input.date)} n’est pas encore passé : le pointage se fait le jour même ou après.`)
  }
  const certificateDate = input.certificateDate ?? null
  if (input.attendance === 'absent_justifie') {
    if (!certificateDate) refuse('CERTIFICATE_DATE_REQUIRED', 'Absence justifiée : indiquez la date du certificat médical.')
    if (certificateDate > today) refuse('CERTIFICATE_IN_FUTURE', `La date du certificat (${frenchDay(certificateDate)}) ne peut pas être à venir.`)
  }
  const base = {
    unitId: input.unitId,
    siteId: input.siteId,
    date: input.date,
    attendance: input.attendance,
    certificateDate: input.attendance === 'absent_justifie' ? certificateDate : null,
  }
  if (input.reservationId) {
    const r = ctx.sqlite
      .prepare('SELECT id, family_id AS familyId, child_id AS childId, unit_id AS unitId, site_id AS siteId, date, state FROM reservations WHERE id = ?')
      .get(input.reservationId) as { id: string; familyId: string; childId: string; unitId: string; siteId: string; date: string; state: string } | undefined
    if (!r) throw new DomainError('NOT_FOUND', 'Cette réservation n’existe pas sur ce poste.')
    if (r.unitId !== input.unitId || r.siteId !== input.siteId || r.date !== input.date) {
      refuse('ATTENDANCE_MISMATCH', 'Cette réservation n’est pas sur la liste de ce service, de ce lieu et de ce jour.')
    }
    if ((input.familyId && input.familyId !== r.familyId) || (input.childId && input.childId !== r.childId)) {
      refuse('ATTENDANCE_MISMATCH', 'Cette réservation concerne un autre enfant.')
    }
    if (r.state === 'annule') refuse('CANCELLED', `Cette réservation du ${frenchDay(r.date)} est annulée : notez plutôt l’enfant « présent sans réservation ».`)
    if (r.state === 'attente') refuse('WAITING', `Cet enfant est sur la liste d’attente du ${frenchDay(r.date)} : proposez-lui la place, ou notez-le « présent sans réservation ».`)
    if (r.state === 'sans_reservation' && input.attendance !== 'present') {
      refuse('ABSENT_WITHOUT_BOOKING', 'Un enfant noté présent sans réservation ne peut pas être absent : retirez-le plutôt de la liste en corrigeant le pointage au guichet.')
    }
    return { id: r.id, familyId: r.familyId, childId: r.childId, ...base }
  }
  // Présent sans réservation: a child of the family, on a day the service runs there.
  if (!input.familyId || !input.childId) refuse('CHILD_REQUIRED', 'Choisissez la réservation à pointer, ou la famille et l’enfant présent sans réservation.')
  if (input.attendance !== 'present') refuse('ABSENT_WITHOUT_BOOKING', 'Sans réservation, un enfant ne peut être noté que présent.')
  const child = ctx.sqlite
    .prepare(
      `SELECT p.first_names AS name FROM family_members m JOIN persons p ON p.id = m.person_id
        WHERE m.family_id = ? AND m.person_id = ? AND m.role = 'enfant'`,
    )
    .get(input.familyId, input.childId) as { name: string } | undefined
  if (!child) refuse('NOT_A_CHILD_OF_FAMILY', 'Cet enfant n’est pas rattaché à ce dossier famille.')
  const day = loadSiteDay(ctx, input)
  if (day.view.closedReason) refuse('CLOSED', day.view.closedReason)
  const live = ctx.sqlite
    .prepare(`SELECT state FROM reservations WHERE child_id = ? AND unit_id = ? AND date = ? AND state IN ('reserve', 'sans_reservation', 'attente')`)
    .pluck()
    .get(input.childId, input.unitId, input.date) as string | undefined
  if (live === 'attente') refuse('WAITING', `${child.name} est sur la liste d’attente ce jour-là : proposez-lui la place plutôt.`)
  if (live) refuse('ALREADY_ON_LIST', `${child.name} est déjà sur la liste du ${frenchDay(input.date)} : pointez sa ligne.`)
  return { id: uuidv7({ msecs: ctx.now.getTime() }), familyId: input.familyId, childId: input.childId, ...base }
}

async function siteDayPdf(ctx: HandlerContext, input: SlotInput): Promise<{ pdfBase64: string; fileName: string }> {
  ctx.record('site', input.siteId)
  const { view, expected, waiting } = loadSiteDay(ctx, input)
  const model: SiteDayPdfModel = {
    townName: ctx.settings.townName,
    unitLabel: view.unitLabel,
    siteName: view.siteName,
    date: view.date,
    capacity: view.capacity,
    closedReason: view.closedReason,
    printedAt: ctx.now.toISOString(),
    agentInitials: ctx.agent?.initials ?? '',
    expected: expected.map((r) => ({
      name: `${r.lastName} ${r.firstNames}`.trim(),
      level: r.level,
      className: r.className,
      familyCode: r.familyCode ?? '',
      pai: r.pai === 1,
      sansReservation: r.state === 'sans_reservation',
      attendance: r.attendance,
    })),
    waiting: waiting.map((r, i) => ({
      rank: i + 1,
      name: `${r.lastName} ${r.firstNames}`.trim(),
      level: r.level,
      familyCode: r.familyCode ?? '',
      since: r.createdAt,
    })),
  }
  const { renderSiteDayPdf } = await import('../services/siteday-pdf')
  const bytes = await renderSiteDayPdf(model)
  const slug = (s: string) =>
    s
      .normalize('NFD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40)
  return { pdfBase64: Buffer.from(bytes).toString('base64'), fileName: `liste-${slug(view.unitId)}-${slug(view.siteName)}-${view.date}.pdf` }
}

export const bookingsSiteHandlers: Pick<H, 'siteDay' | 'siteDayPdf' | 'attend'> = {
  siteDay: (ctx, input) => siteDay(ctx, input),
  siteDayPdf: (ctx, input) => siteDayPdf(ctx, input),
  attend: async (ctx, input) => {
    const payload = await attendPayload(ctx, input)
    ctx.record('reservation', payload.id)
    await runShared(ctx, 'reservations.attend', payload)
    return siteDay(ctx, input)
  },
}
