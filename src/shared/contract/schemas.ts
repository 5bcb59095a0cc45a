import { z } from 'zod'
import { BookPayload, ContactsPayload, ResolveFlagPayload } from '../commands'
import { CalendarDay, secret, singleLine } from '../validation/text'

export const roles = ['accueil', 'regisseur', 'responsable'] as const
export const RoleSchema = z.enum(roles)
export type Role = z.infer<typeof RoleSchema>

export const IdSchema = z.uuid()
export const Empty = z.strictObject({})

/** YYYY-MM-DD calendar day (Europe/Paris): a real one, 1900-01-01 … 2100-12-31. */
export const DaySchema = CalendarDay

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
  login: singleLine({ min: 1, max: 64 }),
  password: secret({ max: 256 }),
})

// The family search and duplicate check (SearchInputSchema, FamilySummarySchema…).
export * from './search'

export const levels = ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'] as const
export const LevelSchema = z.enum(levels)
export type Level = z.infer<typeof LevelSchema>

const PhonesSchema = z.object({
  mobile: z.string().nullable(),
  home: z.string().nullable(),
  work: z.string().nullable(),
})

const AddressSchema = z.object({
  line1: z.string(),
  line2: z.string().nullable(),
  postcode: z.string(),
  city: z.string(),
})

/** A person's own fields as stored (the edit forms start from them). */
export const PersonViewSchema = z.object({
  civility: z.enum(['M.', 'Mme']).nullable(),
  lastName: z.string(),
  birthName: z.string().nullable(),
  firstNames: z.string(),
  sex: z.enum(['F', 'M']).nullable(),
  birthDate: DaySchema.nullable(),
  birthCommune: z.string().nullable(),
  birthCountry: z.string().nullable(),
  /** Null: the family's address. */
  address: AddressSchema.nullable(),
  phones: PhonesSchema,
  email: z.string().nullable(),
  profession: z.string().nullable(),
  employer: z.string().nullable(),
  pai: z.boolean(),
})
export type PersonView = z.infer<typeof PersonViewSchema>

const AuthorisationsSchema = z.object({
  legalGuardian: z.boolean(),
  emergencyContact: z.boolean(),
  mayPickUp: z.boolean(),
  forbiddenPickUp: z.boolean(),
})

export const GuardianSchema = z.object({
  personId: IdSchema,
  memberId: IdSchema,
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
  relation: z.string().nullable(),
  person: PersonViewSchema,
  authorisations: AuthorisationsSchema,
})

export const SchoolingViewSchema = z.object({
  id: IdSchema,
  schoolId: IdSchema,
  schoolName: z.string(),
  level: LevelSchema,
  className: z.string().nullable(),
  schoolYear: z.string(),
})

export const InscriptionViewSchema = z.object({
  id: IdSchema,
  unitId: z.string(),
  unitLabel: z.string(),
  siteId: IdSchema,
  siteName: z.string(),
  schoolYear: z.string(),
  status: z.enum(['active', 'terminee']),
})

export const ChildSchema = z.object({
  personId: IdSchema,
  memberId: IdSchema,
  firstNames: z.string(),
  lastName: z.string(),
  birthDate: DaySchema.nullable(),
  sex: z.enum(['F', 'M']).nullable(),
  /** The latest school year's. */
  schooling: z
    .object({
      schoolName: z.string(),
      level: LevelSchema,
      className: z.string().nullable(),
      schoolYear: z.string(),
    })
    .nullable(),
  schoolings: z.array(SchoolingViewSchema),
  inscriptions: z.array(InscriptionViewSchema),
  pai: z.boolean(),
  /** Other family files this child belongs to (shared custody). */
  otherFamilies: z.array(z.object({ id: IdSchema, code: z.string(), name: z.string() })),
  relation: z.string().nullable(),
  person: PersonViewSchema,
  authorisations: AuthorisationsSchema,
})

export const ContactSchema = z.object({
  personId: IdSchema,
  memberId: IdSchema,
  firstNames: z.string(),
  lastName: z.string(),
  relation: z.string().nullable(),
  phones: PhonesSchema,
  emergencyContact: z.boolean(),
  mayPickUp: z.boolean(),
  forbiddenPickUp: z.boolean(),
  person: PersonViewSchema,
  authorisations: AuthorisationsSchema,
})

/** What the agent must see first on the file: who must not pick up, health plans, custody. */
export const SafetyAlertSchema = z.object({
  kind: z.enum(['forbidden_pick_up', 'pai', 'custody']),
  /** French. */
  text: z.string(),
  personId: IdSchema.nullable(),
})
export type SafetyAlert = z.infer<typeof SafetyAlertSchema>

export const FamilyFileSchema = z.object({
  id: IdSchema,
  code: z.string(),
  name: z.string(),
  address: AddressSchema,
  allocataire: z.object({ caisse: z.enum(['CAF', 'MSA', 'autre']), number: z.string() }).nullable(),
  caisse: z.enum(['CAF', 'MSA', 'autre']).nullable(),
  allocataireNumber: z.string().nullable(),
  paperlessInvoices: z.boolean(),
  resident: z.boolean(),
  separatedParents: z.boolean(),
  hosted: z.boolean(),
  consentQfApi: z.boolean(),
  consentImage: z.boolean(),
  consentEmergencyCare: z.boolean(),
  payerPersonId: IdSchema.nullable(),
  payerName: z.string().nullable(),
  /** Set when a responsable merged this file into another one. */
  mergedInto: z.object({ id: IdSchema, code: z.string(), name: z.string() }).nullable(),
  alerts: z.array(SafetyAlertSchema),
  guardians: z.array(GuardianSchema),
  children: z.array(ChildSchema),
  contacts: z.array(ContactSchema),
})
export type FamilyFile = z.infer<typeof FamilyFileSchema>

export const ReservationViewSchema = z.object({
  id: IdSchema,
  familyId: IdSchema,
  childId: IdSchema,
  childName: z.string(),
  unitId: z.string(),
  unitLabel: z.string(),
  siteId: IdSchema,
  siteName: z.string(),
  date: DaySchema,
  /** `refuse`: a booking the portal refused after the counter saved it (see `refusal`): no row any more. */
  state: z.enum(['reserve', 'annule', 'attente', 'sans_reservation', 'refuse']),
  channel: z.enum(['guichet', 'portail']),
  /** Saved on this workstation, not yet confirmed by the portal. */
  pending: z.boolean(),
  attendance: z.enum(['present', 'absent_justifie', 'absent_injustifie']).nullable(),
  /** Booked or cancelled past the deadline: the agent's reason. */
  overrideReason: z.string().nullable(),
  /** « Refusée par le portail : <raison> ». */
  refusal: z.string().nullable(),
})
export type ReservationView = z.infer<typeof ReservationViewSchema>
export const ReservationListSchema = z.object({ reservations: z.array(ReservationViewSchema) })

export const BookingOptionsSchema = z.object({
  units: z.array(z.object({ id: z.string(), label: z.string(), levels: z.enum(['tous', 'maternelle', 'elementaire']) })),
  sites: z.array(z.object({ id: IdSchema, name: z.string(), kind: z.string() })),
})

/** What the counter sends to book: the shared command's payload less its id (the core makes it). */
export const BookInputSchema = BookPayload.omit({ id: true })

/**
 * What the counter sends to change contacts: the shared command's payload. `before` holds the
 * values the agent saw when the form opened (the core takes its own when it is absent): only the
 * fields that differ from them are changed, and the portal sees a concurrent change with them.
 */
export const UpdateContactsInputSchema = ContactsPayload

export const SyncStatusSchema = z.object({
  enrolled: z.boolean(),
  portalUrl: z.string().nullable(),
  /** idle: up to date or waiting for the next round; offline: the portal cannot be reached. */
  state: z.enum(['not_enrolled', 'idle', 'syncing', 'bootstrapping', 'offline', 'error']),
  online: z.boolean(),
  /** Changes saved here and not yet acknowledged by the portal. */
  pending: z.number().int().nonnegative(),
  /** What is left "à traiter": changes the portal refused that no agent dealt with yet, and open flags. */
  rejected: z.number().int().nonnegative(),
  lastSyncAt: z.string().nullable(),
  /** French, for the agent. */
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  bootstrap: z
    .object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative(), phase: z.enum(['download', 'import']) })
    .nullable(),
  /**
   * This workstation's clock against the portal's (HTTP Date of its answers, half the round trip
   * allowed for): offsetMs > 0 when this clock is ahead. `warning` beyond CLOCK_SKEW_WARN_MS.
   * Null until a first answer.
   */
  clock: z.object({ offsetMs: z.number().int(), measuredAt: z.string(), warning: z.boolean() }).nullable().optional(),
  /**
   * The portal answered SEQ_CONFLICT: this workstation was restored from a backup (its sequence
   * numbers are behind the portal's). It stops pushing, keeps its unsent changes (sync.pending)
   * and must be enrolled again.
   */
  restored: z
    .object({ detectedAt: z.string(), lastAppliedSeq: z.number().int().nonnegative(), lastCommandId: z.string().nullable() })
    .nullable()
    .optional(),
  /** The portal answered CURSOR_AHEAD (it was restored from a backup): set while this workstation bootstraps again. */
  portalRestoredAt: z.string().nullable().optional(),
  /** The portal answered CURSOR_TOO_OLD (this workstation's cursor is below the change log's compaction horizon): set while it bootstraps again. */
  cursorTooOldAt: z.string().nullable().optional(),
})
export type SyncStatus = z.infer<typeof SyncStatusSchema>

/** Beyond this offset between the workstation's clock and the portal's, the status bar warns. */
export const CLOCK_SKEW_WARN_MS = 2 * 60_000

/** A change saved on this workstation and not yet acknowledged by the portal. */
export const PendingViewSchema = z.object({
  seq: z.number().int().positive(),
  commandId: IdSchema,
  name: z.string(),
  /** What the change is, in French. */
  description: z.string(),
  at: z.string(),
  agentName: z.string().nullable(),
  familyId: IdSchema.nullable(),
  familyName: z.string().nullable(),
})
export type PendingView = z.infer<typeof PendingViewSchema>
export const PendingListSchema = z.object({ items: z.array(PendingViewSchema), total: z.number().int().nonnegative() })

export const RejectionViewSchema = z.object({
  seq: z.number().int().positive(),
  commandId: IdSchema,
  name: z.string(),
  /** What the change was, in French ("Réservation Restauration scolaire le 12/03/2027 pour Léa"). */
  description: z.string(),
  code: z.string(),
  reason: z.string(),
  at: z.string(),
  agentName: z.string().nullable(),
  familyId: IdSchema.nullable(),
  familyName: z.string().nullable(),
  resolution: z.enum(['retried', 'discarded']).nullable(),
  resolutionReason: z.string().nullable(),
  resolvedAt: z.string().nullable(),
})
export type RejectionView = z.infer<typeof RejectionViewSchema>
export const RejectionListSchema = z.object({ items: z.array(RejectionViewSchema) })

/**
 * A fact the portal recorded and flagged (table `flags`, synced to every workstation): a rule it
 * broke, a concurrent change, or a record the portal did not have. A responsable resolves it.
 */
export const FlagViewSchema = z.object({
  id: IdSchema,
  commandId: z.string(),
  name: z.string(),
  kind: z.enum(['rule', 'conflict', 'missing']),
  code: z.string(),
  /** French, for a responsable. */
  reason: z.string(),
  /** What the fact was, in French. */
  description: z.string(),
  at: z.string(),
  agentName: z.string().nullable(),
  workstationId: z.string().nullable(),
  familyId: IdSchema.nullable(),
  familyName: z.string().nullable(),
  status: z.enum(['open', 'resolved']),
  resolvedByName: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolutionNote: z.string().nullable(),
  /** A resolution made here and not yet acknowledged by the portal. */
  pending: z.boolean(),
})
export type FlagView = z.infer<typeof FlagViewSchema>
export const FlagListSchema = z.object({ items: z.array(FlagViewSchema) })

export const ResolveFlagInputSchema = ResolveFlagPayload
