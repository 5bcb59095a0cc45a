import { z } from 'zod'
import { ruleKinds, situations, type Situation } from '../domain/documents'
import { DEFAULT_TOWN_OPTIONS } from '../domain/documentDefaults'
import { formatNumber, rateE4, tariffKinds, tariffResidencies } from '../domain/pricing'
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

/** A whole number from `min` to `max` written as the option stores it ("8", not "08" or "8.0"). */
function wholeNumber(min: number, max: number, what: string, unit = '') {
  const expected = `${what} attendu (${min} à ${max}${unit})`
  return z
    .string({ error: expected })
    .regex(/^(0|[1-9]\d{0,2})$/, { error: expected, abort: true })
    .refine((v) => Number(v) >= min && Number(v) <= max, `entre ${min} et ${max}${unit}`)
}

/** The town options a responsable sets, with the values each accepts. */
export const TOWN_OPTION_KEYS = [
  'dossier.incomplete_blocks_bookings',
  'documents.expiring_soon_days',
  'credentials.expiry_days',
  'portal.public_url',
  'town.logo',
  'bookings.override_roles',
  'billing.regie',
  'billing.certificate_delay_days',
  'billing.due_day',
  'billing.debit_day',
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
  // Issue 12: the régie number on invoice numbers (F01-…), the certificate delay, the due and debit days.
  z.strictObject({ id: z.literal('billing.regie'), value: wholeNumber(1, 99, 'numéro de régie') }),
  z.strictObject({ id: z.literal('billing.certificate_delay_days'), value: wholeNumber(0, 60, 'nombre de jours', ' jours') }),
  z.strictObject({ id: z.literal('billing.due_day'), value: wholeNumber(1, 28, 'jour du mois') }),
  z.strictObject({ id: z.literal('billing.debit_day'), value: wholeNumber(1, 28, 'jour du mois') }),
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

// ---- tariffs (issue 12) -----------------------------------------------------------------------

/** A tariff id: a shipped slug ("tarif_cantine_2026") or a UUID (a grid created at the counter). */
export const TariffId = z.union([Slug, z.uuid({ error: 'identifiant attendu' })], { error: 'identifiant attendu' })
/** Cents of a price: a whole number, 0 to 1 000 000 €. */
const PriceCents = z
  .number({ error: 'montant attendu' })
  .int('montant en centimes entiers attendu')
  .min(0, 'montant positif ou nul attendu')
  .max(100_000_000, 'montant trop élevé')
/** A QF bound in whole euros. */
const QfEuros = z.number({ error: 'quotient en euros attendu' }).int('quotient en euros entiers attendu').min(0, 'quotient positif ou nul attendu').max(1_000_000, 'quotient trop élevé')

export const TariffBracketPayload = z.strictObject({ min: QfEuros, max: QfEuros.nullable(), cents: PriceCents })
export type TariffBracketPayload = z.infer<typeof TariffBracketPayload>

/** The most brackets a grid may have. */
export const TARIFF_MAX_BRACKETS = 20

/**
 * A tariff grid as a responsable saves it (the whole row). `tranches`: brackets by QF with
 * mins strictly ascending, each max (informative) ≥ its min, a price without QF, no rate;
 * `taux_effort`: a rate (percent, at most 4 decimals) with a minimum and a maximum ≥ minimum,
 * no brackets. Amounts in cents, never negative. Errors in French, at the field.
 */
export const TariffPayload = z
  .strictObject({
    id: TariffId,
    unitId: Slug,
    label: Label,
    validFrom: CalendarDay,
    validTo: CalendarDay.nullable(),
    residency: z.enum(tariffResidencies),
    kind: z.enum(tariffKinds),
    brackets: z.array(TariffBracketPayload).max(TARIFF_MAX_BRACKETS, `au plus ${TARIFF_MAX_BRACKETS} tranches`).nullable(),
    noQfCents: PriceCents.nullable(),
    ratePercent: z.number({ error: 'taux attendu' }).min(0, 'taux positif ou nul attendu').max(100, 'taux de 100 % au plus').nullable(),
    minCents: PriceCents.nullable(),
    maxCents: PriceCents.nullable(),
    penaltyCents: PriceCents,
    incompleteCents: PriceCents,
    active: z.boolean(),
  })
  .superRefine((p, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    if (p.validTo !== null && p.validTo < p.validFrom) issue(['validTo'], 'la fin de validité doit suivre le début')
    if (p.kind === 'tranches') {
      if (p.brackets === null || p.brackets.length === 0) issue(['brackets'], 'au moins une tranche')
      else {
        p.brackets.forEach((b, i) => {
          const previous = p.brackets?.[i - 1]
          if (previous && b.min <= previous.min) issue(['brackets', i, 'min'], `minimum supérieur à celui de la tranche précédente (${formatNumber(previous.min)} €) attendu`)
          if (b.max !== null && b.max < b.min) issue(['brackets', i, 'max'], 'maximum supérieur ou égal au minimum attendu')
        })
      }
      if (p.noQfCents === null) issue(['noQfCents'], 'tarif sans quotient obligatoire')
      for (const k of ['ratePercent', 'minCents', 'maxCents'] as const) if (p[k] !== null) issue([k], 'sans objet pour une grille par tranches')
    } else {
      if (p.ratePercent === null) issue(['ratePercent'], 'taux obligatoire')
      else {
        try {
          rateE4(p.ratePercent)
        } catch {
          issue(['ratePercent'], 'taux avec 4 décimales au plus attendu')
        }
      }
      if (p.minCents === null) issue(['minCents'], 'tarif minimum obligatoire')
      if (p.maxCents === null) issue(['maxCents'], 'tarif maximum obligatoire')
      if (p.minCents !== null && p.maxCents !== null && p.maxCents < p.minCents) issue(['maxCents'], 'maximum supérieur ou égal au minimum attendu')
      if (p.brackets !== null) issue(['brackets'], 'sans objet pour un taux d’effort')
      if (p.noQfCents !== null) issue(['noQfCents'], 'sans objet pour un taux d’effort')
    }
  })
export type TariffPayload = z.infer<typeof TariffPayload>

/** The `tariffs` row of a payload (brackets as JSON [[min, max, cents], …], the rate as rate_e4), without updated_at. */
export function tariffPayloadRow(p: TariffPayload): Row {
  return {
    id: p.id,
    unit_id: p.unitId,
    label: p.label,
    valid_from: p.validFrom,
    valid_to: p.validTo,
    residency: p.residency,
    kind: p.kind,
    brackets: p.brackets === null ? null : JSON.stringify(p.brackets.map((b) => [b.min, b.max, b.cents])),
    no_qf_cents: p.noQfCents,
    rate_e4: p.ratePercent === null ? null : rateE4(p.ratePercent),
    min_cents: p.minCents,
    max_cents: p.maxCents,
    penalty_cents: p.penaltyCents,
    incomplete_cents: p.incompleteCents,
    active: p.active,
  }
}

const saveTariff: CommandDef<TariffPayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: TariffPayload,
  touches: (p) => [{ entity: 'tariffs', id: p.id }],
  async execute(tx, p, ctx) {
    const unit = await tx.get('units', p.unitId)
    if (!unit) {
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_UNIT',
          reason: `Tarif « ${p.label} » enregistré pour un service (${p.unitId}) absent du portail : il est conservé ici, à reporter à la main.`,
          familyId: null,
          data: p,
        },
      ]
    }
    await upsertWithHistory(tx, ctx, 'tariffs', tariffPayloadRow(p))
    return responsableCheck(tx, ctx, `Tarif « ${p.label} »`, { tariffId: p.id, agentId: ctx.agentId })
  },
}

export const townCommands = {
  'town.saveRequirement': saveRequirement,
  'town.saveDocumentType': saveDocumentType,
  'town.setOption': setOption,
  'town.saveTariff': saveTariff,
} as const
