import { z } from 'zod'
import { RoleSchema } from '@shared/contract'
import { BookPayload, ContactsPayload } from '@shared/commands'
import { entityEnums } from '@shared/sync/entities'
import { QueryInt, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { CalendarDay, lineCheck, secret, singleLine } from '@shared/validation/text'

/**
 * Request and response schemas of the portal's own endpoints (health, admin, family side).
 * The workstation-facing ones live in src/shared/sync/protocol.ts. The OpenAPI document is
 * generated from these very schemas.
 */

const Id = z.uuid()
const Day = CalendarDay
const Instant = z.string().describe('instant ISO-8601 UTC')

export const MIN_SCHEMA_VERSION = SYNC_SCHEMA_VERSION

export const HealthSchema = z.object({
  status: z.literal('ok'),
  schemaVersion: z.number().int(),
  minSchemaVersion: z.number().int(),
  seq: z.number().int().nonnegative(),
})

export const IdParams = z.strictObject({ id: Id })
export const CodeParams = z.strictObject({ code: singleLine({ min: 2, max: 20 }) })
export const NoQuery = z.strictObject({})

export const SnapshotFileQuery = z.strictObject({
  /** Resume: the seq of the snapshot being downloaded (from SnapshotInfo); 404 once it is gone. */
  seq: QueryInt.pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).optional(),
})

// --- admin ----------------------------------------------------------------------------------

export const AdminLoginSchema = z.strictObject({
  login: singleLine({ min: 1, max: 64 }),
  password: secret({ max: 256 }),
})

export const AgentSchema = z.object({
  id: Id,
  login: z.string(),
  displayName: z.string(),
  initials: z.string(),
  role: RoleSchema,
  active: z.boolean(),
  createdAt: Instant,
  updatedAt: Instant,
})

export const AdminLoginResponseSchema = z.object({ token: z.string(), agent: AgentSchema })

const Login = singleLine({ min: 2, max: 64 }).regex(/^[A-Za-z0-9._-]+$/, 'lettres sans accent, chiffres, point, tiret ou soulignement')
const DisplayName = singleLine({ min: 2, max: 80 })
const AgentPassword = z.string().min(8, 'au moins 8 caractères').max(256).superRefine(lineCheck)

export const CreateAgentSchema = z.strictObject({
  login: Login,
  displayName: DisplayName,
  role: RoleSchema,
  /** Omitted: the portal generates one and returns it once. */
  password: AgentPassword.optional(),
})
export const CreateAgentResponseSchema = z.object({ agent: AgentSchema, password: z.string().nullable() })

export const PatchAgentSchema = z
  .strictObject({
    active: z.boolean().optional(),
    role: RoleSchema.optional(),
    displayName: DisplayName.optional(),
    password: AgentPassword.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'au moins un champ à modifier')
export const AgentResponseSchema = z.object({ agent: AgentSchema })
export const AgentListSchema = z.object({ agents: z.array(AgentSchema) })

export const EnrolmentCodeRequestSchema = z.strictObject({ name: singleLine({ min: 1, max: 80 }) })
export const EnrolmentCodeResponseSchema = z.object({ code: z.string(), expiresAt: Instant })

export const WorkstationSchema = z.object({
  id: z.string(),
  name: z.string(),
  codeFamilleRange: z.object({ first: z.number().int(), last: z.number().int() }),
  receiptSeries: z.string(),
  lastAppliedSeq: z.number().int().nonnegative(),
  enrolledAt: Instant,
  revokedAt: Instant.nullable(),
})
export const WorkstationListSchema = z.object({ workstations: z.array(WorkstationSchema) })

/** A fact the portal recorded and flagged (shared table `flags`; see docs/sync-protocol.md "Intents and facts"). */
export const FlagSchema = z.object({
  id: z.string(),
  commandId: z.string(),
  commandName: z.string(),
  workstationId: z.string().nullable(),
  agentId: z.string().nullable(),
  familyId: z.string().nullable(),
  kind: z.enum(['rule', 'conflict', 'missing']),
  code: z.string(),
  reason: z.string(),
  /** JSON text: the raw fact, the conflicting values… */
  data: z.string().nullable(),
  at: z.string(),
  status: z.enum(['open', 'resolved']),
  resolvedBy: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolutionNote: z.string().nullable(),
})
export const FlagListSchema = z.object({ flags: z.array(FlagSchema) })
export const WorkstationResponseSchema = z.object({ workstation: WorkstationSchema })

export const FamilyPasswordResponseSchema = z.object({
  code: z.string(),
  password: z.string(),
  mustChangePassword: z.literal(true),
  expiresAt: Instant,
})

// --- family side -----------------------------------------------------------------------------

export const FamilyLoginSchema = z.strictObject({
  code: singleLine({ min: 1, max: 20 }),
  password: secret({ max: 256 }),
})
export const FamilyLoginResponseSchema = z.object({ token: z.string(), mustChangePassword: z.boolean() })

/** A password a family chooses (change, or e-mail reset): the same rules everywhere. */
export const FamilyNewPassword = z
  .string()
  .min(10, 'au moins 10 caractères')
  .max(256)
  .regex(/\p{L}/u, 'au moins une lettre')
  .regex(/\d/, 'au moins un chiffre')
  .superRefine(lineCheck)

export const FamilyPasswordChangeSchema = z.strictObject({
  currentPassword: secret({ max: 256 }),
  newPassword: FamilyNewPassword,
})

/** « Mot de passe oublié »: the code famille and the e-mail address of one of the family's guardians. */
export const FamilyPasswordResetRequestSchema = z.strictObject({
  codeFamille: singleLine({ min: 1, max: 20 }),
  email: z.email('adresse e-mail invalide').max(254),
})
/** Always the same answer, whether anything matched or not. */
export const FamilyPasswordResetRequestedSchema = z.object({ message: z.string() })
export const FamilyPasswordResetConfirmSchema = z.strictObject({
  /** The token of the e-mailed link (32 random bytes, base64url). */
  token: singleLine({ min: 1, max: 128 }),
  newPassword: FamilyNewPassword,
})
export const OkSchema = z.object({ ok: z.literal(true) })

/**
 * The family side sends the shared commands' payloads, less the family (taken from its session).
 * A family books within the deadlines or not at all: `override` (passing a deadline, with a
 * reason) belongs to the counter's agents; sent by a family it is a 400 that says so. A family
 * may ask for the waiting list when the day is full (`waitlist: true`).
 */
export const FamilyBookSchema = BookPayload.omit({ familyId: true, override: true }).extend({
  override: z
    .never({ error: 'une famille ne peut pas passer outre un délai de réservation : seul un agent du guichet le peut, sur demande motivée' })
    .optional(),
})
export const FamilyContactsSchema = ContactsPayload.omit({ familyId: true })

export const ReservationSchema = z.object({
  id: z.string(),
  childId: z.string(),
  unitId: z.string(),
  siteId: z.string(),
  date: Day,
  /** reserve, annule, attente (waiting list), sans_reservation (présent sans réservation, from the pointage). */
  state: z.enum(entityEnums.reservations.state),
  channel: z.string(),
  updatedAt: z.string(),
  /** On the waiting list: the place in it (1 = next to get a freed place); otherwise null. */
  waitingRank: z.number().int().positive().nullable(),
  /** The attendance entered at the site (pointage), once known. */
  attendance: z.enum(entityEnums.reservations.attendance).nullable(),
  /** For an absence justified by a certificate: the certificate's date. */
  absenceCertificateDate: Day.nullable(),
})
export const ReservationResponseSchema = z.object({ reservation: ReservationSchema })

export const PaymentSchema = z.object({
  id: z.string(),
  amountCents: z.number().int(),
  method: z.string(),
  transactionId: z.string().nullable(),
  paidAt: z.string(),
})
export const PaymentResponseSchema = z.object({ payment: PaymentSchema })

export const MemberSchema = z.object({
  personId: z.string(),
  role: z.string(),
  relation: z.string().nullable(),
  civility: z.string().nullable(),
  firstNames: z.string(),
  lastName: z.string(),
  phoneMobile: z.string().nullable(),
  phoneHome: z.string().nullable(),
  phoneWork: z.string().nullable(),
  email: z.string().nullable(),
})
export const PersonResponseSchema = z.object({ person: MemberSchema })

export const ChildSchema = z.object({
  personId: z.string(),
  firstNames: z.string(),
  lastName: z.string(),
  birthDate: z.string().nullable(),
  schooling: z
    .object({ schoolId: z.string(), schoolName: z.string(), level: z.string(), className: z.string().nullable(), schoolYear: z.string() })
    .nullable(),
})

export const FamilyMeSchema = z.object({
  family: z.object({
    id: z.string(),
    code: z.string(),
    name: z.string(),
    addressLine1: z.string(),
    addressLine2: z.string().nullable(),
    postcode: z.string(),
    city: z.string(),
    paperlessInvoices: z.boolean(),
  }),
  mustChangePassword: z.boolean(),
  members: z.array(MemberSchema),
  children: z.array(ChildSchema),
  reservations: z.array(ReservationSchema),
  payments: z.array(PaymentSchema),
  units: z.array(z.object({ id: z.string(), label: z.string(), levels: z.string() })),
  sites: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })),
})
export type FamilyMe = z.infer<typeof FamilyMeSchema>
