import { z } from 'zod'
import { ruleKinds, situations, type Situation } from '../domain/documents'
import { DEFAULT_TOWN_OPTIONS } from '../domain/documentDefaults'
import type { EntityName, Row, Value } from '../sync/entities'
import { CalendarDay, singleLine } from '../validation/text'
import { derivedId } from './ids'
import type { CommandContext, CommandDef, CommandTx, RaisedFlag } from './index'

/**
 * Town data a responsable edits in the app (issue 8, item 6): the supporting documents the
 * dossier needs (document_requirements), the kinds of paper that prove them with their
 * validity rule (document_types), and the town options (town_options). Each save is a fact
 * (it happened at the counter): an upsert that writes one field_history row per changed field
 * (old value, new value, who, when, channel), like families.updateContacts.
 *
 * The counter's contract lets only a responsable send them; the portal records them all the
 * same and flags (NOT_A_RESPONSABLE) one sent by an agent who is not a responsable on its own
 * agents table. A document type for a requirement the portal does not have is not written
 * (the requirement is its foreign key): it is kept in a `missing` flag.
 */

/** A town-data id: a slug ("domicile", "facture_energie"). */
export const Slug = z
  .string({ error: 'identifiant attendu' })
  .regex(/^[a-z][a-z0-9_]{1,39}$/, 'identifiant : 2 à 40 lettres minuscules sans accent, chiffres ou _, commençant par une lettre')
const Label = singleLine({ min: 2, max: 200 })
const Sort = z.number().int().min(0).max(100_000)

/** The most months and days a validity rule may give (10 years). */
export const RULE_MAX = { months: 120, days: 3650 } as const

export const RequirementPayload = z.strictObject({
  id: Slug,
  label: Label,
  per: z.enum(['family', 'guardian', 'child']),
  neededFor: z
    .array(z.enum(situations))
    .min(1, 'cochez au moins une situation')
    .max(situations.length)
    .refine((a) => new Set(a).size === a.length, 'situation en double'),
  mandatory: z.boolean(),
  sort: Sort,
  active: z.boolean(),
})
export type RequirementPayload = z.infer<typeof RequirementPayload>

export const DocumentTypePayload = z
  .strictObject({
    id: Slug,
    label: Label,
    requirementId: Slug,
    ruleKind: z.enum(ruleKinds),
    ruleValue: z.number({ error: 'nombre entier attendu' }).int('nombre entier attendu').min(1, 'au moins 1').max(RULE_MAX.days).nullable(),
    ruleDay: CalendarDay.nullable(),
    accepted: z.boolean(),
    keepScan: z.enum(['optional', 'never']),
    sort: Sort,
    active: z.boolean(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: 'ruleValue' | 'ruleDay', message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (p.ruleKind === 'months' || p.ruleKind === 'days') {
      if (p.ruleValue === null) issue('ruleValue', p.ruleKind === 'months' ? 'nombre de mois obligatoire' : 'nombre de jours obligatoire')
      else if (p.ruleKind === 'months' && p.ruleValue > RULE_MAX.months) issue('ruleValue', `au plus ${RULE_MAX.months} mois`)
    } else if (p.ruleValue !== null) {
      issue('ruleValue', 'sans objet pour cette règle')
    }
    if (p.ruleKind === 'until') {
      if (p.ruleDay === null) issue('ruleDay', 'date de fin obligatoire')
    } else if (p.ruleDay !== null) {
      issue('ruleDay', 'sans objet pour cette règle')
    }
  })
export type DocumentTypePayload = z.infer<typeof DocumentTypePayload>

/** The families' portal address: https, a host, at most 200 characters (printed on the slip and in its QR). */
export const PublicUrl = z
  .string()
  .max(200, 'adresse trop longue (200 caractères au plus)')
  .regex(/^https:\/\/[a-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$/i, 'adresse https:// attendue (ex. https://portail.ville.fr)')

/** Largest logo, as a data URL (about 110 KB of image). */
export const LOGO_MAX_CHARS = 150_000
/** The town's logo: a PNG or JPEG data URL (printed on the slip). */
export const LogoDataUrl = z
  .string()
  .max(LOGO_MAX_CHARS, 'logo trop lourd (110 Ko au plus)')
  .regex(/^data:image\/(png|jpeg);base64,[A-Za-z0-9+/]+={0,2}$/, 'image PNG ou JPEG attendue')

/** The town options a responsable sets, with the values each accepts. */
export const TOWN_OPTION_KEYS = [
  'dossier.incomplete_blocks_bookings',
  'documents.expiring_soon_days',
  'credentials.expiry_days',
  'portal.public_url',
  'town.logo',
  'bookings.override_roles',
] as const
export type TownOptionKey = (typeof TOWN_OPTION_KEYS)[number]

export const TownOptionPayload = z.discriminatedUnion('id', [
  z.strictObject({ id: z.literal('dossier.incomplete_blocks_bookings'), value: z.enum(['true', 'false']) }),
  z.strictObject({
    id: z.literal('documents.expiring_soon_days'),
    value: z
      .string()
      .regex(/^\d{1,3}$/, 'nombre de jours attendu (0 à 365)')
      .refine((v) => Number(v) <= 365, 'au plus 365 jours'),
  }),
  // Issue 9: how long an unused first password works, the families' portal address (slip and QR), the logo.
  z.strictObject({
    id: z.literal('credentials.expiry_days'),
    value: z
      .string()
      .regex(/^\d{1,3}$/, 'nombre de jours attendu (1 à 365)')
      .refine((v) => Number(v) >= 1 && Number(v) <= 365, 'entre 1 et 365 jours'),
  }),
  z.strictObject({ id: z.literal('portal.public_url'), value: z.union([z.literal(''), PublicUrl]) }),
  z.strictObject({ id: z.literal('town.logo'), value: z.union([z.literal(''), LogoDataUrl]) }),
  // Issue 10: the roles that may book or cancel past a deadline (with a reason): a comma list.
  z.strictObject({
    id: z.literal('bookings.override_roles'),
    value: z
      .string()
      .regex(/^(accueil|regisseur|responsable)(,(accueil|regisseur|responsable))*$/, 'liste de rôles attendue : accueil, regisseur, responsable (séparés par des virgules)')
      .refine((v) => new Set(v.split(',')).size === v.split(',').length, 'un rôle en double'),
  }),
])
export type TownOptionPayload = z.infer<typeof TownOptionPayload>

/** An option's value: the town's row, else the shipped default. */
export function optionValue(rows: ReadonlyArray<{ id: string; value: string }>, key: TownOptionKey): string {
  return rows.find((r) => r.id === key)?.value ?? DEFAULT_TOWN_OPTIONS[key] ?? ''
}

/** "school,resident" in the order of `situations`, whatever order the screen sent. */
export function neededForList(list: readonly Situation[]): string {
  return situations.filter((s) => list.includes(s)).join(',')
}

/** A value as field_history stores it (text; booleans "true"/"false"). */
function repr(v: Value | undefined): string | null {
  return v === null || v === undefined ? null : String(v)
}

/**
 * Writes `next` (all of the row but updated_at) unless nothing changed, with one field_history
 * row per changed column (a new row: every column, from nothing). Returns the changed columns.
 */
export async function upsertWithHistory(tx: CommandTx, ctx: CommandContext, entity: EntityName, next: Row): Promise<string[]> {
  const id = String(next.id)
  const current = await tx.get(entity, id)
  const changed = Object.keys(next).filter((col) => col !== 'id' && col !== 'updated_at' && repr(current?.[col]) !== repr(next[col]))
  if (current && changed.length === 0) return []
  await tx.put(entity, { ...next, updated_at: ctx.at })
  for (const field of changed) {
    await tx.put('field_history', {
      id: derivedId(ctx.commandId, `history:${entity}:${field}`),
      entity,
      entity_id: id,
      field,
      old_value: repr(current?.[field]),
      new_value: repr(next[field]),
      agent_id: ctx.agentId,
      workstation_id: ctx.workstationId,
      channel: ctx.channel,
      at: ctx.at,
      command_id: ctx.commandId,
    })
  }
  return changed
}

/** NOT_A_RESPONSABLE when the agent is not a responsable on this side's agents table (the portal records it). */
/** A `NOT_A_RESPONSABLE` flag when town data was changed by an agent who is not a responsable (a fact: recorded anyway). */
export async function responsableCheck(tx: CommandTx, ctx: CommandContext, what: string, data: unknown): Promise<RaisedFlag[]> {
  const agent = ctx.agentId ? await tx.get('agents', ctx.agentId) : null
  if (agent?.role === 'responsable') return []
  return [
    {
      kind: 'rule',
      code: 'NOT_A_RESPONSABLE',
      reason: `${what} modifié par un agent qui n’est pas responsable : la modification est enregistrée, à vérifier.`,
      familyId: null,
      data,
    },
  ]
}

const saveRequirement: CommandDef<RequirementPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: RequirementPayload,
  touches: (p) => [{ entity: 'document_requirements', id: p.id }],
  async execute(tx, p, ctx) {
    await upsertWithHistory(tx, ctx, 'document_requirements', {
      id: p.id,
      label: p.label,
      per: p.per,
      needed_for: neededForList(p.neededFor),
      mandatory: p.mandatory,
      sort: p.sort,
      active: p.active,
    })
    return responsableCheck(tx, ctx, `Pièce demandée « ${p.label} »`, { requirementId: p.id, agentId: ctx.agentId })
  },
}

const saveDocumentType: CommandDef<DocumentTypePayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: DocumentTypePayload,
  touches: (p) => [{ entity: 'document_types', id: p.id }],
  async execute(tx, p, ctx) {
    const requirement = await tx.get('document_requirements', p.requirementId)
    if (!requirement) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_REQUIREMENT',
          reason: `Type de document « ${p.label} » enregistré pour une pièce demandée (${p.requirementId}) absente du portail : il est conservé ici, à reporter à la main.`,
          familyId: null,
          data: p,
        },
      ]
    }
    await upsertWithHistory(tx, ctx, 'document_types', {
      id: p.id,
      label: p.label,
      requirement_id: p.requirementId,
      rule_kind: p.ruleKind,
      rule_value: p.ruleValue,
      rule_day: p.ruleDay,
      accepted: p.accepted,
      keep_scan: p.keepScan,
      sort: p.sort,
      active: p.active,
    })
    return responsableCheck(tx, ctx, `Type de document « ${p.label} »`, { typeId: p.id, agentId: ctx.agentId })
  },
}

const setOption: CommandDef<TownOptionPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: TownOptionPayload,
  touches: (p) => [{ entity: 'town_options', id: p.id }],
  async execute(tx, p, ctx) {
    // The shipped default is the "old value" of an option never set.
    const current = await tx.get('town_options', p.id)
    if (!current) await tx.put('town_options', { id: p.id, value: DEFAULT_TOWN_OPTIONS[p.id] ?? '', updated_at: ctx.at })
    await upsertWithHistory(tx, ctx, 'town_options', { id: p.id, value: p.value })
    return responsableCheck(tx, ctx, `Option « ${p.id} »`, { optionId: p.id, value: p.value, agentId: ctx.agentId })
  },
}

export const townCommands = {
  'town.saveRequirement': saveRequirement,
  'town.saveDocumentType': saveDocumentType,
  'town.setOption': setOption,
} as const
