import { z } from 'zod'
import { DocumentTypePayload, RequirementPayload, TariffPayload, TOWN_OPTION_KEYS, TownOptionPayload } from '../commands/town'
import { tariffKinds, tariffResidencies } from '../domain/pricing'
import { ruleKinds, situations } from '../domain/documents'
import { allAgents, command, query } from './define'

/**
 * Town data (issue 8, item 6): the supporting documents a dossier needs, the kinds of paper
 * that prove them with their validity rules, and the town options. Every agent reads them (the
 * checklist does); only a responsable changes them (shared commands town.*, facts, synced,
 * with history). Self-contained: the contract gathers it as `town`.
 */

export const RequirementViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  per: z.enum(['family', 'guardian', 'child']),
  neededFor: z.array(z.enum(situations)),
  mandatory: z.boolean(),
  sort: z.number().int(),
  active: z.boolean(),
  updatedAt: z.string(),
})
export type RequirementView = z.infer<typeof RequirementViewSchema>

export const DocumentTypeViewSchema = z.object({
  id: z.string(),
  label: z.string(),
  requirementId: z.string(),
  ruleKind: z.enum(ruleKinds),
  ruleValue: z.number().int().nullable(),
  ruleDay: z.string().nullable(),
  accepted: z.boolean(),
  keepScan: z.enum(['optional', 'never']),
  sort: z.number().int(),
  active: z.boolean(),
  updatedAt: z.string(),
})
export type DocumentTypeView = z.infer<typeof DocumentTypeViewSchema>

export const TownOptionViewSchema = z.object({
  id: z.enum(TOWN_OPTION_KEYS),
  value: z.string(),
  /** Never set by the town: the shipped default applies. */
  isDefault: z.boolean(),
  updatedAt: z.string().nullable(),
})
export type TownOptionView = z.infer<typeof TownOptionViewSchema>

export const TownDataSchema = z.object({
  requirements: z.array(RequirementViewSchema),
  types: z.array(DocumentTypeViewSchema),
  options: z.array(TownOptionViewSchema),
})
export type TownData = z.infer<typeof TownDataSchema>

export const townEntities = ['document_requirements', 'document_types', 'town_options', 'tariffs'] as const

export const TownHistorySchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      at: z.string(),
      entity: z.enum(townEntities),
      entityId: z.string(),
      field: z.string(),
      oldValue: z.string().nullable(),
      newValue: z.string().nullable(),
      agentName: z.string().nullable(),
      channel: z.string(),
    }),
  ),
})
export type TownHistory = z.infer<typeof TownHistorySchema>

/** A tariff grid as the screen shows it (issue 12): brackets as objects, the rate in percent. */
export const TariffViewSchema = z.object({
  id: z.string(),
  unitId: z.string(),
  label: z.string(),
  validFrom: z.string(),
  validTo: z.string().nullable(),
  residency: z.enum(tariffResidencies),
  kind: z.enum(tariffKinds),
  brackets: z.array(z.object({ min: z.number(), max: z.number().nullable(), cents: z.number().int() })).nullable(),
  noQfCents: z.number().int().nullable(),
  ratePercent: z.number().nullable(),
  minCents: z.number().int().nullable(),
  maxCents: z.number().int().nullable(),
  penaltyCents: z.number().int(),
  incompleteCents: z.number().int(),
  active: z.boolean(),
  updatedAt: z.string().nullable(),
})
export type TariffView = z.infer<typeof TariffViewSchema>

/** The services (to pick a grid's service) and their tariff grids, by service then start date. */
export const TariffsDataSchema = z.object({
  units: z.array(z.object({ id: z.string(), label: z.string() })),
  tariffs: z.array(TariffViewSchema),
})
export type TariffsData = z.infer<typeof TariffsDataSchema>

/** The most history rows one read returns (latest first). */
export const TOWN_HISTORY_LIMIT = 200

const responsable = ['responsable'] as const

export const townEndpoints = {
  /** Requirements, types (by sort) and options (with their defaults). */
  data: query({ input: z.strictObject({}), output: TownDataSchema, access: allAgents }),
  /** The changes to town data, latest first: of one record, of one table, or all. */
  history: query({
    input: z.strictObject({ entity: z.enum(townEntities).optional(), id: z.string().max(64).optional() }),
    output: TownHistorySchema,
    access: allAgents,
  }),
  /** Creates or changes a requirement (the screen sends the whole row). */
  saveRequirement: command({ input: RequirementPayload, output: TownDataSchema, access: responsable, sync: true }),
  /** Creates or changes a document type (the screen sends the whole row). */
  saveDocumentType: command({ input: DocumentTypePayload, output: TownDataSchema, access: responsable, sync: true }),
  setOption: command({ input: TownOptionPayload, output: TownDataSchema, access: responsable, sync: true }),
  /** Issue 12: the tariff grids of every service (every agent reads them). */
  tariffs: query({ input: z.strictObject({}), output: TariffsDataSchema, access: allAgents }),
  /** Creates or changes a tariff grid (the screen sends the whole grid; a fact town.saveTariff). */
  saveTariff: command({ input: TariffPayload, output: TariffsDataSchema, access: responsable, sync: true }),
}
