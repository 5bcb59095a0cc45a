import { z } from 'zod'
import {
  AddMemberPayload,
  CreateFamilyPayload,
  MergeFamiliesPayload,
  RemoveMemberPayload,
  SetInscriptionPayload,
  SetSchoolingPayload,
  UpdateFamilyPayload,
  UpdateMemberPayload,
  UpdatePersonPayload,
} from '../commands/families'
import { allAgents, command, query } from './define'
import { FamilyFileSchema, IdSchema, LevelSchema } from './schemas'

/**
 * The family file at the counter (issue 8): create a family, edit it section by section, link a
 * shared-custody child, merge two files, read the history. Each command runs the shared fact of
 * the same name (src/shared/commands/families.ts) and returns the file as it now stands.
 * The renderer makes the new records' ids (UUIDv7); the core takes the code famille from this
 * workstation's range, inside the creating transaction.
 */

export const FormOptionsSchema = z.object({
  schools: z.array(z.object({ id: IdSchema, name: z.string(), kind: z.string() })),
  units: z.array(z.object({ id: z.string(), label: z.string(), levels: z.string() })),
  levels: z.array(LevelSchema),
  /** The school year in progress and the next one ("2026-2027", "2027-2028"). */
  schoolYears: z.array(z.string()),
  currentSchoolYear: z.string(),
  /** Today in Paris (the core's clock): birth dates after it are refused. */
  today: z.string(),
})
export type FormOptions = z.infer<typeof FormOptionsSchema>

export const CreateFamilyInputSchema = CreateFamilyPayload.omit({ code: true })
export type CreateFamilyInput = z.input<typeof CreateFamilyInputSchema>

/** The core adds `before` (its own values) when the screen does not send it. */
export const UpdateFamilyInputSchema = UpdateFamilyPayload
export const UpdatePersonInputSchema = UpdatePersonPayload
export const UpdateMemberInputSchema = UpdateMemberPayload

export const HistoryEntrySchema = z.object({
  id: IdSchema,
  at: z.string(),
  /** What changed, in French ("Téléphone portable de Marie Lefèvre"). */
  what: z.string(),
  oldValue: z.string().nullable(),
  newValue: z.string().nullable(),
  agentName: z.string().nullable(),
  channel: z.enum(['guichet', 'portail']),
})
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>
export const HistoryListSchema = z.object({ items: z.array(HistoryEntrySchema), total: z.number().int().nonnegative() })

export const familyFileEndpoints = {
  /** Schools, units, levels and school years for the family forms. */
  formOptions: query({ input: z.strictObject({}), output: FormOptionsSchema, access: allAgents }),
  /** « Nouvelle famille »: the whole file at once; the code famille comes from this workstation's range. */
  create: command({ input: CreateFamilyInputSchema, output: FamilyFileSchema, access: allAgents, sync: true }),
  update: command({ input: UpdateFamilyInputSchema, output: FamilyFileSchema, access: allAgents, sync: true }),
  updatePerson: command({ input: UpdatePersonInputSchema, output: FamilyFileSchema, access: allAgents, sync: true }),
  addMember: command({ input: AddMemberPayload, output: FamilyFileSchema, access: allAgents, sync: true }),
  updateMember: command({ input: UpdateMemberInputSchema, output: FamilyFileSchema, access: allAgents, sync: true }),
  removeMember: command({ input: RemoveMemberPayload, output: FamilyFileSchema, access: allAgents, sync: true }),
  setSchooling: command({ input: SetSchoolingPayload, output: FamilyFileSchema, access: allAgents, sync: true }),
  setInscription: command({ input: SetInscriptionPayload, output: FamilyFileSchema, access: allAgents, sync: true }),
  /** Two files of the same family: the source's records move to the target (a responsable). */
  merge: command({ input: MergeFamiliesPayload, output: FamilyFileSchema, access: ['responsable'], sync: true }),
  /** Every change to the file: old value, new value, who, when, channel (newest first). */
  history: query({
    input: z.strictObject({ familyId: IdSchema, limit: z.number().int().min(1).max(500).optional() }),
    output: HistoryListSchema,
    access: allAgents,
    journalRead: true,
  }),
}
