import { z } from 'zod'
import type { Row, Value } from '../sync/entities'
import { entityEnums } from '../sync/entities'
import { capacityFor, frenchDay, type CapacityRow } from '../domain/reservations'
import { SchoolCalendar, type CalendarPeriod, type UnitCalendar } from '../domain/calendar'
import { CancelRuleSchema, DeadlineRuleSchema, explainBooking, explainCancel, parseCancelRule, parseRule } from '../domain/deadlines'
import { parisDay } from '../domain/dates'
import { previousSchoolYear } from '../domain/schoolYear'
import { CalendarDay, singleLine } from '../validation/text'
import { CommandRejection, lockKeys, type CommandDef, type CommandTx, type LockPlan, type RaisedFlag, type ReadHint } from './base'
import { dossierBlocksBooking, townOption } from './documents'
import { derivedId as derivedIdFor } from './ids'
import { responsableCheck, upsertWithHistory } from './town'

/**
 * Bookings under the town's rules (issue 10; DOMAIN.md "Booking and cancellation rules"). The
 * same code runs on the counter (optimistically) and on the portal (authoritatively, at push
 * time, and for the family's own bookings): the calendar, the site and level, the enrolment,
 * the deadline (at the instant the agent or family acted: ctx.at), the override, the dossier
 * and the capacity. A booking is all or nothing; a bulk booking is one command per day.
 *
 * Invariant the counter's bulk booking relies on: an intent here checks everything before its
 * first write, so a rejection leaves nothing behind.
 */

const Id = z.uuid()
const Day = CalendarDay
const ServiceId = singleLine({ min: 1, max: 40 })
const Override = z.strictObject({ reason: singleLine({ min: 3, max: 300 }) })

/** The town option listing the roles that may book or cancel past a deadline (comma list). */
export const TOWN_OPTION_OVERRIDE_ROLES = 'bookings.override_roles'

function reject(code: string, reason: string): never {
  throw new CommandRejection(code, reason)
}
const str = (v: Value | undefined): string => (v === null || v === undefined ? '' : String(v))

export const MATERNELLE_LEVELS: ReadonlySet<string> = new Set(['TPS', 'PS', 'MS', 'GS'])
/** The level group of a school level: maternelle (TPS…GS) or élémentaire (CP…CM2). */
export function levelGroup(level: string | null | undefined): 'maternelle' | 'elementaire' | null {
  if (!level) return null
  return MATERNELLE_LEVELS.has(level) ? 'maternelle' : 'elementaire'
}
const GROUP_TEXT = { maternelle: 'maternelle', elementaire: 'élémentaire' } as const

/** The school year a service day belongs to (1 September … 31 August). */
function schoolYearOfDay(day: string): string {
  const y = Number(day.slice(0, 4))
  const start = Number(day.slice(5, 7)) >= 9 ? y : y - 1
  return `${start}-${start + 1}`
}

function periodOf(row: Row): CalendarPeriod {
  return {
    id: str(row.id),
    school_year: str(row.school_year),
    kind: str(row.kind) as CalendarPeriod['kind'],
    label: str(row.label),
    first_day: str(row.first_day),
    last_day: str(row.last_day),
    unit_id: row.unit_id === null || row.unit_id === undefined ? null : String(row.unit_id),
    site_id: row.site_id === null || row.site_id === undefined ? null : String(row.site_id),
  }
}

/** The calendar rows a day needs: its school year's, and the previous year's public holidays (deadlines in late August). */
export async function loadCalendarFor(tx: Pick<CommandTx, 'find'>, day: string): Promise<SchoolCalendar> {
  const year = schoolYearOfDay(day)
  const rows = await tx.find('calendar_periods', { school_year: year })
  const before = await tx.find('calendar_periods', { school_year: previousSchoolYear(year), kind: 'public_holiday' })
  return new SchoolCalendar([...rows, ...before].map(periodOf))
}

/** May this agent book or cancel past a deadline? (town option bookings.override_roles) */
export async function overrideAllowed(tx: Pick<CommandTx, 'get'>, agentId: string | null): Promise<{ ok: boolean; roles: string[] }> {
  const roles = (await townOption(tx, TOWN_OPTION_OVERRIDE_ROLES) ?? 'responsable')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
  const agent = agentId ? await tx.get('agents', agentId) : null
  return { ok: !!agent && agent.active !== false && roles.includes(str(agent.role)), roles }
}

const ROLE_TEXT: Record<string, string> = { accueil: 'agent d’accueil', regisseur: 'régisseur', responsable: 'responsable' }

async function checkOverride(tx: CommandTx, ctx: { channel: string; agentId: string | null }, what: string): Promise<void> {
  if (ctx.channel !== 'guichet') reject('OVERRIDE_NOT_ALLOWED', `${what} : un dépassement de délai ne se fait qu’au guichet.`)
  const { ok, roles } = await overrideAllowed(tx, ctx.agentId)
  if (!ok) {
    reject(
      'OVERRIDE_NOT_ALLOWED',
      `${what} : passer outre le délai est réservé ${roles.length > 1 ? 'aux rôles' : 'au rôle'} ${roles.map((r) => ROLE_TEXT[r] ?? r).join(', ')}.`,
    )
  }
}

export interface SlotRules {
  unit: Row
  site: Row
  calendar: SchoolCalendar
  capacity: number
}

/**
 * Everything that decides whether `child` may be booked at `unitId`/`siteId` on `day`, except the
 * deadline, the dossier, duplicates and capacity. Throws the first rule broken, in French.
 */
async function checkSlot(
  tx: CommandTx,
  p: { childId: string; unitId: string; siteId: string; date: string },
  child: Row,
): Promise<SlotRules> {
  const unit = await tx.get('units', p.unitId)
  if (!unit || unit.active === false) reject('UNKNOWN_UNIT', 'Ce service n’existe pas (ou plus).')
  const site = await tx.get('schools', p.siteId)
  if (!site) reject('UNKNOWN_SITE', 'Ce lieu d’accueil n’existe pas.')
  const label = str(unit.label)
  const [runs] = await tx.find('unit_sites', { unit_id: p.unitId, site_id: p.siteId })
  if (!runs || runs.active === false) reject('SITE_NOT_RUNNING', `${label} n’a pas lieu à ${str(site.name)}.`)
  const year = schoolYearOfDay(p.date)
  const calendar = await loadCalendarFor(tx, p.date)
  const status = calendar.dayStatus({ id: p.unitId, label, calendar: str(unit.calendar) as UnitCalendar }, p.siteId, p.date)
  if (!status.open) reject(status.code, status.reason)
  const name = str(child.first_names)
  const [schooling] = await tx.find('schoolings', { person_id: p.childId, school_year: year })
  const level = schooling ? str(schooling.level) : null
  const group = levelGroup(level)
  const unitLevels = str(unit.levels)
  if (unitLevels !== 'tous' && group !== unitLevels) {
    reject('WRONG_LEVEL', `${label} est réservé(e) aux enfants d’${GROUP_TEXT[unitLevels as 'maternelle']} : ${name} est ${level ? `en ${level}` : 'sans scolarité connue'} en ${year}.`)
  }
  const serves = str(runs.serves)
  if (serves === 'own_school') {
    if (!schooling || schooling.school_id !== p.siteId) {
      reject('SITE_DOES_NOT_SERVE', `${label} à ${str(site.name)} n’accueille que les élèves de cette école : ${name} n’y est pas scolarisé(e) en ${year}.`)
    }
  } else if (serves !== 'tous' && group !== serves) {
    reject(
      'SITE_DOES_NOT_SERVE',
      `${label} à ${str(site.name)} n’accueille que les enfants d’${GROUP_TEXT[serves as 'maternelle']} : ${name} est ${level ? `en ${level}` : 'sans scolarité connue'}.`,
    )
  }
  const enrolled = await tx.find('inscriptions', { child_id: p.childId, unit_id: p.unitId, school_year: year, status: 'active' })
  if (enrolled.length === 0) reject('NOT_ENROLLED', `${name} n’est pas inscrit(e) à ${label} pour ${year} : inscrivez d’abord l’enfant au service.`)
  const capacities = (await tx.find('capacities', { unit_id: p.unitId, site_id: p.siteId })) as unknown as CapacityRow[]
  const capacity = capacityFor(capacities, Number(runs.capacity ?? unit.default_capacity), p.unitId, p.siteId, p.date)
  return { unit, site, calendar, capacity }
}

// ---- reservations.book ---------------------------------------------------------------------

/** Payload schemas: the contract (counter) and the portal's family side derive theirs from these. */
export const BookPayload = z.strictObject({
  id: Id,
  familyId: Id,
  childId: Id,
  unitId: ServiceId,
  siteId: Id,
  date: Day,
  /** Past the deadline (or a past day): an allowed role's reason. */
  override: Override.optional(),
  /** When the day is full: go on the waiting list instead of being refused. */
  waitlist: z.boolean().optional(),
})
export type BookPayload = z.infer<typeof BookPayload>

async function requireChildOfFamily(tx: CommandTx, familyId: string, childId: string): Promise<{ family: Row; child: Row }> {
  const family = await tx.get('families', familyId)
  if (!family) reject('UNKNOWN_FAMILY', 'Ce dossier famille n’existe pas (ou plus) sur le portail.')
  const link = await tx.find('family_members', { family_id: familyId, person_id: childId, role: 'enfant' })
  const child = await tx.get('persons', childId)
  if (link.length === 0 || !child) reject('NOT_A_CHILD_OF_FAMILY', 'Cet enfant n’est pas rattaché à ce dossier famille.')
  return { family, child }
}

/**
 * A booking contends on its day's places at its site (capacity, waiting list) and on its child's
 * bookings (one per service and day): every command that changes a booking locks both.
 */
const slotAndChild = (r: { unitId: string; siteId: string; date: string; childId: string }): string[] => [
  lockKeys.slot(r.unitId, r.siteId, r.date),
  lockKeys.child(r.childId),
]

/** The keys of a command on an existing booking: its day, site and child never change (read first). */
const bookingLocks: LockPlan<{ id: string }> = {
  rows: (p) => [{ entity: 'reservations', id: p.id }],
  keys: (p, row) => {
    const r = row('reservations', p.id)
    if (!r) return [`reservation:${p.id}`]
    return slotAndChild({ unitId: str(r.unit_id), siteId: str(r.site_id), date: str(r.date), childId: str(r.child_id) })
  },
}

const book: CommandDef<BookPayload> = {
  kind: 'intent',
  payload: BookPayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  locks: { keys: (p) => slotAndChild(p) },
  reads: (p): ReadHint[] => [
    { kind: 'find', entity: 'family_members', where: { family_id: p.familyId, person_id: p.childId, role: 'enfant' } },
    { kind: 'find', entity: 'unit_sites', where: { unit_id: p.unitId, site_id: p.siteId } },
    { kind: 'find', entity: 'calendar_periods', where: { school_year: schoolYearOfDay(p.date) } },
    { kind: 'find', entity: 'schoolings', where: { person_id: p.childId, school_year: schoolYearOfDay(p.date) } },
    { kind: 'find', entity: 'inscriptions', where: { child_id: p.childId, unit_id: p.unitId, school_year: schoolYearOfDay(p.date), status: 'active' } },
    { kind: 'find', entity: 'capacities', where: { unit_id: p.unitId, site_id: p.siteId } },
    { kind: 'find', entity: 'reservations', where: { child_id: p.childId, unit_id: p.unitId, date: p.date } },
    { kind: 'count', entity: 'reservations', where: { unit_id: p.unitId, site_id: p.siteId, date: p.date, state: 'reserve' } },
  ],
  async execute(tx, p, ctx) {
    const { family, child } = await requireChildOfFamily(tx, p.familyId, p.childId)
    const existing = await tx.get('reservations', p.id)
    if (existing) reject('DUPLICATE_ID', 'Cette réservation a déjà été enregistrée.')
    const slot = await checkSlot(tx, p, child)
    const label = str(slot.unit.label)
    const name = str(child.first_names)
    const now = new Date(ctx.at)
    const flags: RaisedFlag[] = []
    const booking = explainBooking(parseRule(str(slot.unit.booking_rule)), p.date, now, slot.calendar.publicHolidays())
    if (!booking.open) {
      if (!p.override) {
        const past = p.date < parisDay(now)
        reject(past ? 'PAST_DAY' : 'DEADLINE_PASSED', `${label} le ${frenchDay(p.date)} : ${booking.reason}`)
      }
      await checkOverride(tx, ctx, `${label} le ${frenchDay(p.date)}`)
      flags.push({
        kind: 'rule',
        code: 'LATE_OVERRIDE',
        reason: `Réservation hors délai : ${label} le ${frenchDay(p.date)} pour ${name} (${booking.reason}). Motif : ${p.override.reason}`,
        familyId: p.familyId,
        data: { reservationId: p.id, override: p.override.reason, agentId: ctx.agentId },
      })
    }
    const blocked = await dossierBlocksBooking(tx, p.familyId, family, p.date)
    if (blocked) reject('DOSSIER_INCOMPLETE', blocked)
    const same = await tx.find('reservations', { child_id: p.childId, unit_id: p.unitId, date: p.date })
    const live = same.find((r) => r.state === 'reserve' || r.state === 'attente' || r.state === 'sans_reservation')
    if (live) {
      reject(
        'ALREADY_BOOKED',
        live.state === 'attente'
          ? `${name} est déjà sur la liste d’attente : ${label} le ${frenchDay(p.date)}.`
          : `${name} est déjà inscrit(e) : ${label} le ${frenchDay(p.date)}.`,
      )
    }
    const booked = await tx.count('reservations', { unit_id: p.unitId, site_id: p.siteId, date: p.date, state: 'reserve' })
    let state: 'reserve' | 'attente' = 'reserve'
    if (booked >= slot.capacity) {
      if (!p.waitlist) {
        reject(
          'FULL',
          `Complet : ${label} à ${str(slot.site.name)} le ${frenchDay(p.date)} (${slot.capacity} place${slot.capacity > 1 ? 's' : ''}, toutes réservées). Proposez la liste d’attente ou un autre jour.`,
        )
      }
      state = 'attente'
    }
    await tx.put('reservations', {
      id: p.id,
      family_id: p.familyId,
      child_id: p.childId,
      unit_id: p.unitId,
      site_id: p.siteId,
      date: p.date,
      state,
      channel: ctx.channel,
      agent_id: ctx.agentId,
      workstation_id: ctx.workstationId,
      created_at: ctx.at,
      updated_at: ctx.at,
      attendance: null,
      absence_certificate_date: null,
      attendance_by: null,
      attendance_at: null,
      override_reason: p.override && !booking.open ? p.override.reason : null,
      cancel_override_reason: null,
      cancelled_at: null,
    })
    return flags
  },
}

// ---- reservations.cancel -------------------------------------------------------------------

export const CancelPayload = z.strictObject({ id: Id, override: Override.optional() })
export type CancelPayload = z.infer<typeof CancelPayload>

const cancel: CommandDef<CancelPayload> = {
  kind: 'intent',
  payload: CancelPayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  locks: bookingLocks,
  async execute(tx, p, ctx) {
    const r = await tx.get('reservations', p.id)
    if (!r) reject('UNKNOWN_RESERVATION', 'Cette réservation n’existe pas sur le portail.')
    const day = str(r.date)
    if (r.state === 'annule') reject('ALREADY_CANCELLED', `Cette réservation du ${frenchDay(day)} est déjà annulée.`)
    if (r.state === 'sans_reservation') reject('NOT_A_BOOKING', `Le ${frenchDay(day)} est une présence sans réservation : corrigez le pointage plutôt.`)
    const unit = await tx.get('units', str(r.unit_id))
    const label = str(unit?.label ?? r.unit_id)
    const now = new Date(ctx.at)
    const flags: RaisedFlag[] = []
    if (day < parisDay(now)) {
      reject('PAST_DAY', `${label} le ${frenchDay(day)} : ce jour est passé, il ne s’annule plus. Enregistrez plutôt l’absence (justifiée ou non) au pointage.`)
    }
    // Leaving the waiting list is always possible (no place is taken).
    if (r.state === 'reserve' && unit) {
      const calendar = await loadCalendarFor(tx, day)
      const verdict = explainCancel(parseCancelRule(str(unit.cancel_rule)), parseRule(str(unit.booking_rule)), day, now, calendar.publicHolidays())
      if (!verdict.open) {
        if (!p.override) reject(verdict.deadline === null ? 'CANCEL_NEVER' : 'CANCEL_DEADLINE_PASSED', `${label} le ${frenchDay(day)} : ${verdict.reason}`)
        await checkOverride(tx, ctx, `Annulation ${label} le ${frenchDay(day)}`)
        flags.push({
          kind: 'rule',
          code: 'LATE_CANCEL_OVERRIDE',
          reason: `Annulation hors délai : ${label} le ${frenchDay(day)} (${verdict.reason}). Motif : ${p.override.reason}`,
          familyId: str(r.family_id),
          data: { reservationId: p.id, override: p.override.reason, agentId: ctx.agentId },
        })
      }
    }
    await tx.put('reservations', {
      ...r,
      state: 'annule',
      updated_at: ctx.at,
      cancelled_at: ctx.at,
      cancel_override_reason: flags.length > 0 && p.override ? p.override.reason : null,
    })
    return flags
  },
}

// ---- reservations.promote (the waiting list) -----------------------------------------------

export const PromotePayload = z.strictObject({ id: Id })
export type PromotePayload = z.infer<typeof PromotePayload>

/** The waiting list of a slot, in order: who asked first (created_at, then id). */
export function waitingOrder<T extends Partial<Record<'id' | 'state' | 'created_at', Value>>>(rows: readonly T[]): T[] {
  return rows
    .filter((r) => r.state === 'attente')
    .sort((a, b) => (str(a.created_at) === str(b.created_at) ? (str(a.id) < str(b.id) ? -1 : 1) : str(a.created_at) < str(b.created_at) ? -1 : 1))
}

const promote: CommandDef<PromotePayload> = {
  kind: 'intent',
  channels: ['guichet'],
  payload: PromotePayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  locks: bookingLocks,
  async execute(tx, p, ctx) {
    const r = await tx.get('reservations', p.id)
    if (!r) reject('UNKNOWN_RESERVATION', 'Cette demande n’existe pas sur le portail.')
    if (r.state !== 'attente') reject('NOT_WAITING', 'Cette demande n’est plus sur la liste d’attente.')
    const day = str(r.date)
    if (day < parisDay(new Date(ctx.at))) reject('PAST_DAY', `Le ${frenchDay(day)} est passé.`)
    const slotRows = await tx.find('reservations', { unit_id: str(r.unit_id), site_id: str(r.site_id), date: day })
    const [first] = waitingOrder(slotRows)
    if (first && first.id !== r.id) reject('NOT_FIRST_WAITING', 'Une autre famille attend depuis plus longtemps : la place lui revient d’abord.')
    const unit = await tx.get('units', str(r.unit_id))
    const [runs] = await tx.find('unit_sites', { unit_id: str(r.unit_id), site_id: str(r.site_id) })
    const capacities = (await tx.find('capacities', { unit_id: str(r.unit_id), site_id: str(r.site_id) })) as unknown as CapacityRow[]
    const capacity = capacityFor(capacities, Number(runs?.capacity ?? unit?.default_capacity ?? 0), str(r.unit_id), str(r.site_id), day)
    const booked = slotRows.filter((x) => x.state === 'reserve').length
    if (booked >= capacity) reject('FULL', `Toujours complet le ${frenchDay(day)} : aucune place ne s’est libérée.`)
    await tx.put('reservations', { ...r, state: 'reserve', updated_at: ctx.at, agent_id: ctx.agentId, workstation_id: ctx.workstationId })
  },
}

// ---- reservations.attend (pointage: a fact) ------------------------------------------------

export const AttendPayload = z.strictObject({
  id: Id,
  familyId: Id,
  childId: Id,
  unitId: ServiceId,
  siteId: Id,
  date: Day,
  attendance: z.enum(entityEnums.reservations.attendance),
  certificateDate: Day.nullable(),
})
export type AttendPayload = z.infer<typeof AttendPayload>

const attend: CommandDef<AttendPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: AttendPayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  // The booking of that day, or a new « présent sans réservation » row for the child.
  locks: { keys: (p) => slotAndChild(p) },
  async execute(tx, p, ctx) {
    const flags: RaisedFlag[] = []
    const flag = (code: string, reason: string) => flags.push({ kind: 'rule', code, reason, familyId: p.familyId, data: p })
    if (p.date > parisDay(new Date(ctx.at))) flag('ATTENDANCE_IN_FUTURE', `Pointage saisi pour le ${frenchDay(p.date)}, un jour à venir : à vérifier.`)
    const family = await tx.get('families', p.familyId)
    const child = await tx.get('persons', p.childId)
    const unit = await tx.get('units', p.unitId)
    const site = await tx.get('schools', p.siteId)
    if (!family || !child || !unit || !site) {
      return [{ kind: 'missing', code: 'UNKNOWN_RECORD', reason: `Pointage du ${frenchDay(p.date)} pour un enfant, une famille, un service ou un lieu absent du portail : conservé ici, à reporter à la main.`, familyId: p.familyId, data: p }]
    }
    const fields = {
      attendance: p.attendance,
      absence_certificate_date: p.attendance === 'absent_justifie' ? p.certificateDate : null,
      attendance_by: ctx.agentId,
      attendance_at: ctx.at,
      updated_at: ctx.at,
    }
    const r = await tx.get('reservations', p.id)
    if (r) {
      if (r.child_id !== p.childId || r.unit_id !== p.unitId || r.date !== p.date) {
        flag('ATTENDANCE_MISMATCH', `Pointage d’une réservation qui ne correspond pas (enfant, service ou jour) : à vérifier.`)
      }
      if (r.state === 'annule' || r.state === 'attente') {
        flag('ATTENDANCE_WITHOUT_BOOKING', `${str(child.first_names)} pointé(e) le ${frenchDay(p.date)} sur une réservation ${r.state === 'annule' ? 'annulée' : 'en liste d’attente'} : à vérifier.`)
      }
      if (r.state === 'sans_reservation' && p.attendance !== 'present') {
        flag('ABSENT_WITHOUT_BOOKING', `${str(child.first_names)} noté(e) absent(e) le ${frenchDay(p.date)} sans réservation : à vérifier.`)
      }
      await tx.put('reservations', { ...r, ...fields })
      return flags
    }
    if (p.attendance !== 'present') flag('ABSENT_WITHOUT_BOOKING', `${str(child.first_names)} noté(e) absent(e) le ${frenchDay(p.date)} sans réservation : à vérifier.`)
    await tx.put('reservations', {
      id: p.id,
      family_id: p.familyId,
      child_id: p.childId,
      unit_id: p.unitId,
      site_id: p.siteId,
      date: p.date,
      state: 'sans_reservation',
      channel: ctx.channel,
      agent_id: ctx.agentId,
      workstation_id: ctx.workstationId,
      created_at: ctx.at,
      override_reason: null,
      cancel_override_reason: null,
      cancelled_at: null,
      ...fields,
    })
    return flags
  },
}

// ---- town data: services, their sites, the calendar (facts, by a responsable) ---------------

export const UnitPayload = z.strictObject({
  id: ServiceId,
  label: singleLine({ min: 2, max: 120 }),
  levels: z.enum(entityEnums.units.levels),
  calendar: z.enum(entityEnums.units.calendar),
  defaultCapacity: z.number().int().min(0).max(10_000),
  bookingRule: DeadlineRuleSchema,
  cancelRule: CancelRuleSchema,
  sort: z.number().int().min(0).max(1000),
  active: z.boolean(),
})
export type UnitPayload = z.infer<typeof UnitPayload>

const saveUnit: CommandDef<UnitPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: UnitPayload,
  touches: (p) => [{ entity: 'units', id: p.id }],
  async execute(tx, p, ctx) {
    await upsertWithHistory(tx, ctx, 'units', {
      id: p.id,
      label: p.label,
      levels: p.levels,
      default_capacity: p.defaultCapacity,
      calendar: p.calendar,
      booking_rule: JSON.stringify(p.bookingRule),
      cancel_rule: JSON.stringify(p.cancelRule),
      sort: p.sort,
      active: p.active,
    })
    return responsableCheck(tx, ctx, `Service « ${p.label} »`, { unitId: p.id })
  },
}

export const UnitSitePayload = z.strictObject({
  id: Id,
  unitId: ServiceId,
  siteId: Id,
  serves: z.enum(entityEnums.unit_sites.serves),
  capacity: z.number().int().min(0).max(10_000),
  active: z.boolean(),
})
export type UnitSitePayload = z.infer<typeof UnitSitePayload>

/** The id of a service's row at a site: one per pair, the same wherever it is made. */
export function unitSiteId(unitId: string, siteId: string): string {
  return derivedIdFor(siteId, `unit_site:${unitId}`)
}

const saveUnitSite: CommandDef<UnitSitePayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: UnitSitePayload,
  touches: (p) => [{ entity: 'unit_sites', id: p.id }],
  async execute(tx, p, ctx) {
    const unit = await tx.get('units', p.unitId)
    const site = await tx.get('schools', p.siteId)
    if (!unit || !site) {
      return [{ kind: 'missing', code: 'UNKNOWN_RECORD', reason: 'Lieu d’un service inconnu du portail : conservé ici, à reporter à la main.', familyId: null, data: p }]
    }
    await upsertWithHistory(tx, ctx, 'unit_sites', { id: p.id, unit_id: p.unitId, site_id: p.siteId, serves: p.serves, capacity: p.capacity, active: p.active })
    return responsableCheck(tx, ctx, `${str(unit.label)} à ${str(site.name)}`, { unitSiteId: p.id })
  },
}

export const CalendarPeriodPayload = z
  .strictObject({
    id: Id,
    schoolYear: z.string().regex(/^\d{4}-\d{4}$/),
    kind: z.enum(entityEnums.calendar_periods.kind),
    label: singleLine({ min: 2, max: 120 }),
    firstDay: Day,
    lastDay: Day,
    unitId: ServiceId.nullable(),
    siteId: Id.nullable(),
  })
  .refine((p) => p.firstDay <= p.lastDay, { message: 'la fin précède le début', path: ['lastDay'] })
  .refine((p) => Number(p.schoolYear.slice(5)) === Number(p.schoolYear.slice(0, 4)) + 1, { message: 'année scolaire AAAA-AAAA attendue', path: ['schoolYear'] })
export type CalendarPeriodPayload = z.infer<typeof CalendarPeriodPayload>

const savePeriod: CommandDef<CalendarPeriodPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: CalendarPeriodPayload,
  touches: (p) => [{ entity: 'calendar_periods', id: p.id }],
  async execute(tx, p, ctx) {
    const flags: RaisedFlag[] = []
    const unitOk = p.unitId === null || (await tx.get('units', p.unitId)) !== null
    const siteOk = p.siteId === null || (await tx.get('schools', p.siteId)) !== null
    if (!unitOk || !siteOk) {
      return [{ kind: 'missing', code: 'UNKNOWN_RECORD', reason: `Période « ${p.label} » pour un service ou un lieu inconnu du portail : conservée ici, à reporter à la main.`, familyId: null, data: p }]
    }
    await upsertWithHistory(tx, ctx, 'calendar_periods', {
      id: p.id,
      school_year: p.schoolYear,
      kind: p.kind,
      label: p.label,
      first_day: p.firstDay,
      last_day: p.lastDay,
      unit_id: p.unitId,
      site_id: p.siteId,
    })
    flags.push(...(await responsableCheck(tx, ctx, `Calendrier « ${p.label} »`, { periodId: p.id })))
    return flags
  },
}

export const DeletePeriodPayload = z.strictObject({ id: Id })
const deletePeriod: CommandDef<z.infer<typeof DeletePeriodPayload>> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: DeletePeriodPayload,
  touches: (p) => [{ entity: 'calendar_periods', id: p.id }],
  async execute(tx, p, ctx) {
    const row = await tx.get('calendar_periods', p.id)
    if (!row) return []
    await tx.delete('calendar_periods', p.id)
    return responsableCheck(tx, ctx, `Calendrier « ${str(row.label)} » (supprimé)`, { periodId: p.id, row })
  },
}


export const bookingCommands = {
  'reservations.book': book,
  'reservations.cancel': cancel,
  'reservations.promote': promote,
  'reservations.attend': attend,
  'town.saveUnit': saveUnit,
  'town.saveUnitSite': saveUnitSite,
  'town.saveCalendarPeriod': savePeriod,
  'town.deleteCalendarPeriod': deletePeriod,
} as const
