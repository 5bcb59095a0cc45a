import { z } from 'zod'
import type { EntityName, Row, Value } from '../sync/entities'
import { capacityFor, checkCapacity, frenchDay, type CapacityRow, type Rejection } from '../domain/reservations'

/**
 * Commands that change the town's data. Each one runs twice with the same code: on the
 * workstation (optimistically, in the agent's transaction, SQLite) and on the portal
 * (authoritatively, when pushed, PostgreSQL). Only the CommandTx driver differs.
 */

export interface CommandContext {
  /** ISO instant of the command (when the agent or family did it). */
  at: string
  agentId: string | null
  workstationId: string | null
  channel: 'guichet' | 'portail'
}

/** Reads and writes of a command, over the shared tables (see sync/entities.ts). */
export interface CommandTx {
  get(entity: EntityName, id: string): Promise<Row | null>
  find(entity: EntityName, where: Record<string, Value>): Promise<Row[]>
  count(entity: EntityName, where: Record<string, Value>): Promise<number>
  /** Inserts or replaces the whole row. */
  put(entity: EntityName, row: Row): Promise<void>
}

/** A command refused by a rule: nothing it wrote is kept; the reason is shown to a person. */
export class CommandRejection extends Error implements Rejection {
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason)
    this.name = 'CommandRejection'
  }
}

export interface Touched {
  entity: EntityName
  id: string
}

/** A find or a count a command will make (a hint: the portal reads them for a whole batch at once). */
export interface ReadHint {
  kind: 'find' | 'count'
  entity: EntityName
  where: Record<string, Value>
}

export interface CommandDef<P> {
  payload: z.ZodType<P>
  /** The records the command writes: after a rejection the portal sends back their current rows. */
  touches(payload: P): Touched[]
  /** The finds and counts it will make, exactly as it makes them (optional; a performance hint). */
  reads?(payload: P): ReadHint[]
  execute(tx: CommandTx, payload: P, ctx: CommandContext): Promise<void>
}

const Id = z.uuid()
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)
const Phone = z
  .string()
  .trim()
  .max(30)
  .regex(/^[+\d][\d .-]{5,}$/, 'numéro de téléphone invalide')
  .nullable()

function reject(code: string, reason: string): never {
  throw new CommandRejection(code, reason)
}

async function requireChildOfFamily(tx: CommandTx, familyId: string, childId: string): Promise<{ family: Row; child: Row }> {
  const family = await tx.get('families', familyId)
  if (!family) reject('UNKNOWN_FAMILY', 'Ce dossier famille n’existe pas (ou plus) sur le portail.')
  const link = await tx.find('family_members', { family_id: familyId, person_id: childId, role: 'enfant' })
  const child = await tx.get('persons', childId)
  if (link.length === 0 || !child) reject('NOT_A_CHILD_OF_FAMILY', 'Cet enfant n’est pas rattaché à ce dossier famille.')
  return { family, child }
}

/** Payload schemas: the contract (counter) and the portal's family side derive theirs from these. */
export const BookPayload = z.strictObject({
  id: Id,
  familyId: Id,
  childId: Id,
  unitId: z.string().min(1).max(40),
  siteId: Id,
  date: Day,
})
export type BookPayload = z.infer<typeof BookPayload>

const book: CommandDef<BookPayload> = {
  payload: BookPayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  reads: (p): ReadHint[] => [
    { kind: 'find', entity: 'family_members', where: { family_id: p.familyId, person_id: p.childId, role: 'enfant' } },
    { kind: 'count', entity: 'reservations', where: { child_id: p.childId, unit_id: p.unitId, date: p.date, state: 'reserve' } },
    { kind: 'find', entity: 'capacities', where: { unit_id: p.unitId, site_id: p.siteId } },
    { kind: 'count', entity: 'reservations', where: { unit_id: p.unitId, site_id: p.siteId, date: p.date, state: 'reserve' } },
  ],
  async execute(tx, p, ctx) {
    const { child } = await requireChildOfFamily(tx, p.familyId, p.childId)
    const unit = await tx.get('units', p.unitId)
    if (!unit) reject('UNKNOWN_UNIT', 'Ce service n’existe pas.')
    const site = await tx.get('schools', p.siteId)
    if (!site) reject('UNKNOWN_SITE', 'Ce lieu d’accueil n’existe pas.')
    const existing = await tx.get('reservations', p.id)
    if (existing) reject('DUPLICATE_ID', 'Cette réservation a déjà été enregistrée.')
    const same = await tx.count('reservations', { child_id: p.childId, unit_id: p.unitId, date: p.date, state: 'reserve' })
    if (same > 0) {
      reject(
        'ALREADY_BOOKED',
        `${String(child.first_names)} est déjà inscrit(e) : ${String(unit.label)} le ${frenchDay(p.date)}.`,
      )
    }
    const capacities = (await tx.find('capacities', { unit_id: p.unitId, site_id: p.siteId })) as unknown as CapacityRow[]
    const capacity = capacityFor(capacities, Number(unit.default_capacity), p.unitId, p.siteId, p.date)
    const booked = await tx.count('reservations', { unit_id: p.unitId, site_id: p.siteId, date: p.date, state: 'reserve' })
    const full = checkCapacity({ capacity, booked, unitLabel: String(unit.label), siteName: String(site.name), date: p.date })
    if (full) reject(full.code, full.reason)
    await tx.put('reservations', {
      id: p.id,
      family_id: p.familyId,
      child_id: p.childId,
      unit_id: p.unitId,
      site_id: p.siteId,
      date: p.date,
      state: 'reserve',
      channel: ctx.channel,
      agent_id: ctx.agentId,
      workstation_id: ctx.workstationId,
      created_at: ctx.at,
      updated_at: ctx.at,
    })
  },
}

export const CancelPayload = z.strictObject({ id: Id })
export type CancelPayload = z.infer<typeof CancelPayload>

const cancel: CommandDef<CancelPayload> = {
  payload: CancelPayload,
  touches: (p) => [{ entity: 'reservations', id: p.id }],
  async execute(tx, p, ctx) {
    const r = await tx.get('reservations', p.id)
    if (!r) reject('UNKNOWN_RESERVATION', 'Cette réservation n’existe pas sur le portail.')
    if (r.state === 'annule') reject('ALREADY_CANCELLED', `Cette réservation du ${frenchDay(String(r.date))} est déjà annulée.`)
    await tx.put('reservations', { ...r, state: 'annule', updated_at: ctx.at })
  },
}

export const ContactsPayload = z.strictObject({
  familyId: Id,
  personId: Id,
  phoneMobile: Phone,
  phoneHome: Phone,
  phoneWork: Phone,
  email: z.email('adresse e-mail invalide').max(120).nullable(),
})
export type ContactsPayload = z.infer<typeof ContactsPayload>

const updateContacts: CommandDef<ContactsPayload> = {
  payload: ContactsPayload,
  touches: (p) => [{ entity: 'persons', id: p.personId }],
  reads: (p): ReadHint[] => [{ kind: 'find', entity: 'family_members', where: { family_id: p.familyId, person_id: p.personId } }],
  async execute(tx, p, ctx) {
    const links = await tx.find('family_members', { family_id: p.familyId, person_id: p.personId })
    const person = await tx.get('persons', p.personId)
    if (links.length === 0 || !person) reject('NOT_A_MEMBER_OF_FAMILY', 'Cette personne n’est pas rattachée à ce dossier famille.')
    await tx.put('persons', {
      ...person,
      phone_mobile: p.phoneMobile,
      phone_home: p.phoneHome,
      phone_work: p.phoneWork,
      email: p.email,
      updated_at: ctx.at,
    })
  },
}

export const OnlinePaymentPayload = z.strictObject({
  id: Id,
  familyId: Id,
  transactionId: z.string().trim().min(4).max(64),
  amountCents: z.number().int().positive().max(10_000_000),
})
export type OnlinePaymentPayload = z.infer<typeof OnlinePaymentPayload>

const recordOnlinePayment: CommandDef<OnlinePaymentPayload> = {
  payload: OnlinePaymentPayload,
  touches: (p) => [{ entity: 'payments', id: p.id }],
  async execute(tx, p, ctx) {
    const family = await tx.get('families', p.familyId)
    if (!family) reject('UNKNOWN_FAMILY', 'Ce dossier famille n’existe pas.')
    if ((await tx.count('payments', { transaction_id: p.transactionId })) > 0) {
      reject('DUPLICATE_TRANSACTION', `La transaction ${p.transactionId} est déjà enregistrée.`)
    }
    await tx.put('payments', {
      id: p.id,
      family_id: p.familyId,
      amount_cents: p.amountCents,
      method: 'en_ligne',
      transaction_id: p.transactionId,
      paid_at: ctx.at,
      created_at: ctx.at,
    })
  },
}

export const commands = {
  'reservations.book': book,
  'reservations.cancel': cancel,
  'families.updateContacts': updateContacts,
  'payments.recordOnline': recordOnlinePayment,
} as const

export type CommandName = keyof typeof commands

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name)
}

/**
 * Validates and runs a command. Throws CommandRejection when a rule refuses it (and for an
 * unknown name or an invalid payload, which a well-behaved workstation never sends).
 */
export async function runCommand(tx: CommandTx, name: string, payload: unknown, ctx: CommandContext): Promise<Touched[]> {
  if (!isCommandName(name)) throw new CommandRejection('UNKNOWN_COMMAND', `Commande inconnue : ${name}.`)
  const def = commands[name] as CommandDef<unknown>
  const parsed = def.payload.safeParse(payload)
  if (!parsed.success) {
    throw new CommandRejection('INVALID_PAYLOAD', `Données invalides : ${parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ')}.`)
  }
  await def.execute(tx, parsed.data, ctx)
  return def.touches(parsed.data)
}

/** The reads a command declares, for a payload that may be invalid (then: none). */
export function readsOf(name: string, payload: unknown): ReadHint[] {
  if (!isCommandName(name)) return []
  const def = commands[name] as CommandDef<unknown>
  if (!def.reads) return []
  const parsed = def.payload.safeParse(payload)
  return parsed.success ? def.reads(parsed.data) : []
}

/** The records a command touches, for a payload that may be invalid (then: none). */
export function touchesOf(name: string, payload: unknown): Touched[] {
  if (!isCommandName(name)) return []
  const def = commands[name] as CommandDef<unknown>
  const parsed = def.payload.safeParse(payload)
  return parsed.success ? def.touches(parsed.data) : []
}
