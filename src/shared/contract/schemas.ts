import { z } from 'zod'

export const roles = ['accueil', 'regisseur', 'responsable'] as const
export const RoleSchema = z.enum(roles)
export type Role = z.infer<typeof RoleSchema>

export const IdSchema = z.uuid()
export const Empty = z.strictObject({})

/** YYYY-MM-DD calendar day (Europe/Paris). */
export const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/)

export const AgentViewSchema = z.object({
  id: IdSchema,
  login: z.string(),
  displayName: z.string(),
  initials: z.string(),
  role: RoleSchema,
})
export type AgentView = z.infer<typeof AgentViewSchema>

export const SessionStatusSchema = z.object({
  agent: AgentViewSchema.nullable(),
  workstation: z.object({ id: z.string(), name: z.string() }),
  townName: z.string(),
  idleLockSeconds: z.number().int().positive(),
  demo: z.boolean(),
  pendingChanges: z.number().int().nonnegative(),
})
export type SessionStatus = z.infer<typeof SessionStatusSchema>

export const DemoAgentSchema = z.object({
  login: z.string(),
  password: z.string(),
  displayName: z.string(),
  role: RoleSchema,
})

export const LoginInputSchema = z.strictObject({
  login: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
})

export const SearchInputSchema = z.strictObject({
  q: z.string().max(100),
  limit: z.number().int().min(1).max(50).optional(),
})

export const FamilySummarySchema = z.object({
  id: IdSchema,
  code: z.string(),
  name: z.string(),
  guardians: z.array(z.string()),
  children: z.array(z.string()),
  city: z.string(),
})
export type FamilySummary = z.infer<typeof FamilySummarySchema>

export const levels = ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'] as const
export const LevelSchema = z.enum(levels)
export type Level = z.infer<typeof LevelSchema>

const PhonesSchema = z.object({
  mobile: z.string().nullable(),
  home: z.string().nullable(),
  work: z.string().nullable(),
})

export const GuardianSchema = z.object({
  personId: IdSchema,
  role: z.enum(['RL1', 'RL2']),
  civility: z.enum(['M.', 'Mme']).nullable(),
  firstNames: z.string(),
  lastName: z.string(),
  birthName: z.string().nullable(),
  birthDate: DaySchema.nullable(),
  phones: PhonesSchema,
  email: z.string().nullable(),
  profession: z.string().nullable(),
  legalGuardian: z.boolean(),
})

export const ChildSchema = z.object({
  personId: IdSchema,
  firstNames: z.string(),
  lastName: z.string(),
  birthDate: DaySchema.nullable(),
  sex: z.enum(['F', 'M']).nullable(),
  schooling: z
    .object({
      schoolName: z.string(),
      level: LevelSchema,
      className: z.string().nullable(),
      schoolYear: z.string(),
    })
    .nullable(),
})

export const ContactSchema = z.object({
  personId: IdSchema,
  firstNames: z.string(),
  lastName: z.string(),
  relation: z.string().nullable(),
  phones: PhonesSchema,
  emergencyContact: z.boolean(),
  mayPickUp: z.boolean(),
  forbiddenPickUp: z.boolean(),
})

export const FamilyFileSchema = z.object({
  id: IdSchema,
  code: z.string(),
  name: z.string(),
  address: z.object({
    line1: z.string(),
    line2: z.string().nullable(),
    postcode: z.string(),
    city: z.string(),
  }),
  allocataire: z.object({ caisse: z.enum(['CAF', 'MSA']), number: z.string() }).nullable(),
  paperlessInvoices: z.boolean(),
  guardians: z.array(GuardianSchema),
  children: z.array(ChildSchema),
  contacts: z.array(ContactSchema),
})
export type FamilyFile = z.infer<typeof FamilyFileSchema>
