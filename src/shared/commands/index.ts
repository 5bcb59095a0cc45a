import { z } from 'zod'
import type { EntityName, Row, Value } from '../sync/entities'
import { derivedId } from './ids'
import { quotientCommands } from './quotients'
import { townCommands } from './town'
import { formatPhone, PhoneNumber, toE164 } from '../validation/phone'
import { describeIssue, displayPath, displayText, findUnsafeText, freeText, singleLine } from '../validation/text'
export { derivedId } from './ids'
import {
  CommandRejection,
  lockKeys,
  type CommandContext,
  type CommandDef,
  type CommandKind,
  type CommandTx,
  type RaisedFlag,
  type ReadHint,
  type Touched,
} from './base'
import { familyCommands } from './families'
import { documentCommands } from './documents'
import { bookingCommands } from './bookings'
export { BookPayload, CancelPayload } from './bookings'
import { credentialCommands } from './credentials'
import { billingCommands, eurosText, invoiceSettled } from './billing'

export * from './base'

const Id = z.uuid()
/** A phone number (libphonenumber-js): stored in E.164; "1-----" or "0000000" are refused. */
const Phone = PhoneNumber.nullable()
/** z.email's pattern (ASCII, no space) already refuses NUL, controls and lone surrogates. */
const Email = z.email('adresse e-mail invalide').max(120).nullable()

/** The contact fields a family asks to change, with their column and a French label. */
export const CONTACT_FIELDS = [
  { key: 'phoneMobile', column: 'phone_mobile', label: 'téléphone portable' },
  { key: 'phoneHome', column: 'phone_home', label: 'téléphone fixe' },
  { key: 'phoneWork', column: 'phone_work', label: 'téléphone professionnel' },
  { key: 'email', column: 'email', label: 'e-mail' },
] as const
/** A value as the counter showed it, compared as is: not trimmed; the text floor only (it comes from the database). */
const Shown = freeText({ max: 200, trim: false }).nullable()

export const ContactsPayload = z.strictObject({
  familyId: Id,
  personId: Id,
  phoneMobile: Phone,
  phoneHome: Phone,
  phoneWork: Phone,
  email: Email,
  /**
   * The values the counter held when the agent changed them (the core adds them; the family's
   * own page does not send them). Only the fields that differ from these are changed, and the
   * portal compares these with its current values to see a concurrent change.
   */
  before: z.strictObject({ phoneMobile: Shown, phoneHome: Shown, phoneWork: Shown, email: Shown }).optional(),
})
export type ContactsPayload = z.infer<typeof ContactsPayload>

const text = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v))
const shown = (v: string | null): string => (v === null ? '(vide)' : `« ${v} »`)

/**
 * A contact change the family asked for: a fact. Each changed field gets a history row (old and
 * new value, who, when, channel). When the counter changed a field that the portal changed too
 * since the counter read it, the change the portal commits last wins, both stay in the
 * history, and a `conflict` flag lists it for a responsable.
 */
const updateContacts: CommandDef<ContactsPayload> = {
  kind: 'fact',
  payload: ContactsPayload,
  touches: (p) => [{ entity: 'persons', id: p.personId }],
  reads: (p): ReadHint[] => [{ kind: 'find', entity: 'family_members', where: { family_id: p.familyId, person_id: p.personId } }],
  locks: { keys: (p) => [lockKeys.family(p.familyId), lockKeys.person(p.personId)] },
  async execute(tx, p, ctx) {
    const flags: RaisedFlag[] = []
    const links = await tx.find('family_members', { family_id: p.familyId, person_id: p.personId })
    const person = await tx.get('persons', p.personId)
    if (!person) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_PERSON',
          reason: 'Changement de coordonnées reçu pour une personne absente du portail : il est conservé ici, à reporter à la main.',
          familyId: p.familyId,
          data: p,
        },
      ]
    }
    const name = `${text(person.first_names) ?? ''} ${text(person.last_name) ?? ''}`.trim()
    if (links.length === 0) {
      flags.push({
        kind: 'rule',
        code: 'NOT_A_MEMBER_OF_FAMILY',
        reason: `Coordonnées de ${name} changées depuis un dossier famille auquel cette personne n’est pas (ou plus) rattachée : à vérifier.`,
        familyId: p.familyId,
        data: p,
      })
    }
    const conflicts: Array<{ field: string; counterRead: string | null; portal: string | null; counter: string | null }> = []
    const changed: Array<(typeof CONTACT_FIELDS)[number]> = []
    for (const f of CONTACT_FIELDS) {
      const wanted = p[f.key]
      const current = text(person[f.column])
      // Phones compare by number: the screen shows "06 12 34 56 78", the database holds
      // "+33612345678" (or, written before E.164, "06 12 34 56 78").
      const same = (v: string | null): string | null => (v !== null && f.key !== 'email' ? (toE164(v) ?? v) : v)
      if (p.before) {
        const read = p.before[f.key]
        if (wanted === same(read)) continue // the counter did not change this field
        if (same(current) !== same(read) && same(current) !== wanted) conflicts.push({ field: f.column, counterRead: read, portal: current, counter: wanted })
      } else if (wanted === same(current)) {
        continue
      }
      changed.push(f)
    }
    if (changed.length === 0) return flags
    const next: Row = { ...person, updated_at: ctx.at }
    for (const f of changed) next[f.column] = p[f.key]
    await tx.put('persons', next)
    for (const f of changed) {
      await tx.put('field_history', {
        id: derivedId(ctx.commandId, `history:persons:${f.column}`),
        entity: 'persons',
        entity_id: p.personId,
        field: f.column,
        old_value: text(person[f.column]),
        new_value: p[f.key],
        agent_id: ctx.agentId,
        workstation_id: ctx.workstationId,
        channel: ctx.channel,
        at: ctx.at,
        command_id: ctx.commandId,
      })
    }
    if (conflicts.length > 0) {
      const labels = conflicts.map((c) => {
        const label = CONTACT_FIELDS.find((f) => f.column === c.field)?.label ?? c.field
        const show = (v: string | null) => shown(v !== null && c.field !== 'email' ? formatPhone(v) : v)
        return `${label} : ${show(c.portal)} sur le portail, ${show(c.counter)} au guichet`
      })
      flags.push({
        kind: 'conflict',
        code: 'CONCURRENT_CHANGE',
        reason: `Coordonnées de ${name} modifiées en même temps au guichet et sur le portail (${labels.join(' ; ')}). La modification enregistrée en dernier, celle du guichet, est retenue ; les deux restent dans l’historique.`,
        familyId: p.familyId,
        data: { personId: p.personId, conflicts },
      })
    }
    return flags
  },
}

export const OnlinePaymentPayload = z.strictObject({
  id: Id,
  familyId: Id,
  transactionId: singleLine({ min: 4, max: 64 }),
  amountCents: z.number().int().positive().max(10_000_000),
  /** The invoice the payment order was for: the payment settles it, up to what remains (the rest is the family's credit). */
  invoiceId: Id.optional(),
  /** The portal's payment order it pays. */
  paymentOrderId: Id.optional(),
})
export type OnlinePaymentPayload = z.infer<typeof OnlinePaymentPayload>

/**
 * An online card payment the bank confirmed: a fact (money). A family the portal does not have,
 * or a transaction already recorded, is flagged with the raw payment kept in the flag (no
 * second payment row: the transaction is unique). Paid for an invoice (its payment order's): an
 * allocation of at most what the invoice still bills; the rest stays the family's credit (and a
 * flag says so, when the invoice was meanwhile settled at the counter).
 */
const recordOnlinePayment: CommandDef<OnlinePaymentPayload> = {
  kind: 'fact',
  // Only the portal records online money, on the payment provider's signed notification: no
  // workstation token and no family session can assert a payment.
  channels: ['portail'],
  payload: OnlinePaymentPayload,
  touches: (p) => [{ entity: 'payments', id: p.id }],
  // The family's money: its invoices' remaining amounts (a counter payment of the same family waits).
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const family = await tx.get('families', p.familyId)
    if (!family) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_FAMILY',
          reason: `Paiement en ligne ${p.transactionId} (${eurosText(p.amountCents)}) reçu pour un dossier famille absent du portail : il est conservé ici, à rattacher à la main.`,
          familyId: null,
          data: p,
        },
      ]
    }
    if ((await tx.count('payments', { transaction_id: p.transactionId })) > 0) {
      return [
        {
          kind: 'rule',
          code: 'DUPLICATE_TRANSACTION',
          reason: `La transaction ${p.transactionId} est déjà enregistrée : ce second avis de paiement est conservé ici, à vérifier avec la banque.`,
          familyId: p.familyId,
          data: p,
        },
      ]
    }
    await tx.put('payments', {
      id: p.id,
      family_id: p.familyId,
      amount_cents: p.amountCents,
      method: 'en_ligne',
      kind: 'paiement',
      transaction_id: p.transactionId,
      payment_order_id: p.paymentOrderId ?? null,
      paid_at: ctx.at,
      created_at: ctx.at,
    })
    if (!p.invoiceId) return []
    const invoice = await tx.get('invoices', p.invoiceId)
    if (!invoice || invoice.family_id !== p.familyId || invoice.kind !== 'facture') {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_INVOICE',
          reason: `Paiement en ligne ${p.transactionId} (${eurosText(p.amountCents)}) pour une facture que le portail ne connaît pas pour cette famille : il reste un avoir de la famille, à affecter à la main.`,
          familyId: p.familyId,
          data: p,
        },
      ]
    }
    const { remainingCents: remaining } = await invoiceSettled(tx, invoice)
    const allocated = Math.min(remaining, p.amountCents)
    if (allocated > 0) {
      await tx.put('payment_allocations', {
        id: derivedId(ctx.commandId, 'allocation'),
        payment_id: p.id,
        invoice_id: p.invoiceId,
        family_id: p.familyId,
        amount_cents: allocated,
        created_at: ctx.at,
      })
    }
    if (allocated < p.amountCents) {
      return [
        {
          kind: 'rule',
          code: 'INVOICE_ALREADY_SETTLED',
          reason: `Paiement en ligne ${p.transactionId} de ${eurosText(p.amountCents)} pour la facture ${String(invoice.number)}, qui ne restait due que de ${eurosText(remaining)} (réglée entre-temps) : ${eurosText(p.amountCents - allocated)} deviennent un avoir de la famille, à rembourser ou à garder.`,
          familyId: p.familyId,
          data: { ...p, remainingCents: remaining, allocatedCents: allocated },
        },
      ]
    }
    return []
  },
}

export const ResolveFlagPayload = z.strictObject({
  flagId: Id,
  note: freeText({ min: 3, max: 500 }),
})
export type ResolveFlagPayload = z.infer<typeof ResolveFlagPayload>

/**
 * A responsable settled a flag, with a note: a fact (it happened at the counter). The last
 * resolution the portal commits is the one kept. Resolved by someone who is not a responsable
 * (on the portal's agents table), or for a flag the portal does not have: flagged in turn.
 */
const resolveFlag: CommandDef<ResolveFlagPayload> = {
  kind: 'fact',
  payload: ResolveFlagPayload,
  touches: (p) => [{ entity: 'flags', id: p.flagId }],
  locks: { keys: (p) => [lockKeys.flag(p.flagId)] },
  async execute(tx, p, ctx) {
    const flag = await tx.get('flags', p.flagId)
    if (!flag) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_FLAG',
          reason: 'Résolution reçue pour un point à traiter absent du portail : elle est conservée ici.',
          familyId: null,
          data: p,
        },
      ]
    }
    await tx.put('flags', { ...flag, status: 'resolved', resolved_by: ctx.agentId, resolved_at: ctx.at, resolution_note: p.note })
    const agent = ctx.agentId ? await tx.get('agents', ctx.agentId) : null
    if (agent?.role !== 'responsable') {
      return [
        {
          kind: 'rule',
          code: 'NOT_A_RESPONSABLE',
          reason: 'Un point à traiter a été résolu par un agent qui n’est pas responsable : à vérifier.',
          familyId: text(flag.family_id),
          data: { flagId: p.flagId, agentId: ctx.agentId },
        },
      ]
    }
    return []
  },
}

export const commands = {
  ...bookingCommands,
  'families.updateContacts': updateContacts,
  'payments.recordOnline': recordOnlinePayment,
  'flags.resolve': resolveFlag,
  ...quotientCommands,
  ...townCommands,
  ...familyCommands,
  ...documentCommands,
  ...credentialCommands,
  ...billingCommands,
} as const

export type CommandName = keyof typeof commands

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name)
}

/** The kind of a command ('intent' for an unknown name: nothing to record). */
export function kindOf(name: string): CommandKind {
  return isCommandName(name) ? commands[name].kind : 'intent'
}

export interface CommandOutcome {
  touched: Touched[]
  /** The rules a fact broke (always empty for an intent: it throws instead). */
  flags: RaisedFlag[]
}

export interface RunOptions {
  /**
   * Write the flags a fact raises into `flags` (the portal, the authority). A workstation leaves
   * it off: it learns the flags from the push result and the next pull.
   */
  recordFlags?: boolean
}

/**
 * Validates and runs a command. Throws CommandRejection when a rule refuses an intent, and for
 * an unknown name or an invalid payload (any kind: a well-behaved workstation never sends them).
 * A fact's flags are returned (and written when `recordFlags`).
 */
export async function runCommand(
  tx: CommandTx,
  name: string,
  payload: unknown,
  ctx: CommandContext,
  opts: RunOptions = {},
): Promise<CommandOutcome> {
  if (!isCommandName(name)) throw new CommandRejection('UNKNOWN_COMMAND', `Commande inconnue : ${displayText(name, 64)}.`)
  const def = commands[name] as CommandDef<unknown>
  if (def.channels && !def.channels.includes(ctx.channel)) {
    throw new CommandRejection('NOT_ALLOWED_HERE', `La commande ${name} ne peut pas être envoyée par ce canal (${ctx.channel}).`)
  }
  // Bad text anywhere in the payload (a value or a key: NUL, lone surrogate, control) is this
  // command's rejection, found before the schema so that the stored reason never carries it.
  const unsafe = findUnsafeText(payload)
  if (unsafe) throw new CommandRejection('INVALID_PAYLOAD', `Données invalides : ${describeIssue(unsafe)}.`)
  const parsed = def.payload.safeParse(payload)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => (i.path.length > 0 ? displayPath(i.path.map((p) => (typeof p === 'number' ? p : String(p)))) : displayText(i.message, 200)))
    throw new CommandRejection('INVALID_PAYLOAD', `Données invalides : ${issues.join(', ')}.`)
  }
  const flags = (await def.execute(tx, parsed.data, ctx)) ?? []
  // An intent rejects what breaks a rule; the only flags it returns are the overrides an allowed
  // agent made on purpose (a booking past its deadline), recorded for a responsable when applied.
  if (def.kind === 'intent' && flags.some((f) => f.kind !== 'rule')) throw new Error(`${name} is an intent: it rejects, it does not flag`)
  if (opts.recordFlags) {
    for (const row of flagRows(name, parsed.data, ctx, flags)) await tx.put('flags', row)
  }
  return { touched: def.touches(parsed.data), flags }
}

/** The `flags` rows of a fact's flags (ids derived from the command's id: the same on every retry). */
export function flagRows(name: string, _payload: unknown, ctx: CommandContext, flags: readonly RaisedFlag[]): Row[] {
  return flags.map((f, i) => ({
    id: derivedId(ctx.commandId, `flag:${i}:${f.code}`),
    command_id: ctx.commandId,
    command_name: name,
    workstation_id: ctx.workstationId,
    agent_id: ctx.agentId,
    family_id: f.familyId,
    kind: f.kind,
    code: f.code,
    reason: f.reason,
    data: f.data === undefined ? null : JSON.stringify(f.data),
    at: ctx.at,
    status: 'open',
    resolved_by: null,
    resolved_at: null,
    resolution_note: null,
  }))
}

/** The reads a command declares, for a payload that may be invalid (then: none). */
export function readsOf(name: string, payload: unknown): ReadHint[] {
  if (!isCommandName(name)) return []
  const def = commands[name] as CommandDef<unknown>
  if (!def.reads) return []
  const parsed = def.payload.safeParse(payload)
  return parsed.success ? def.reads(parsed.data) : []
}

/** The town key: taken shared by commands that declare their keys, exclusively by those that do not. */
export const TOWN_LOCK_KEY = 'town'

/**
 * What a command contends on (see CommandDef.locks): null when it declares nothing (it then
 * takes the town key exclusively); no key at all for an unknown name or an invalid payload (it
 * is rejected before it writes anything). `rows` are read before the keys are computed.
 */
export function lockPlanOf(name: string, payload: unknown): { rows: Touched[]; keys: (row: (entity: EntityName, id: string) => Row | null) => string[] } | null {
  const none = { rows: [], keys: () => [] }
  if (!isCommandName(name)) return none
  const def = commands[name] as CommandDef<unknown>
  const parsed = def.payload.safeParse(payload)
  if (!parsed.success) return none
  if (!def.locks) return null
  const plan = def.locks
  return { rows: plan.rows ? plan.rows(parsed.data) : [], keys: (row) => plan.keys(parsed.data, row) }
}

/** The records a command touches, for a payload that may be invalid (then: none). */
export function touchesOf(name: string, payload: unknown): Touched[] {
  if (!isCommandName(name)) return []
  const def = commands[name] as CommandDef<unknown>
  const parsed = def.payload.safeParse(payload)
  return parsed.success ? def.touches(parsed.data) : []
}
