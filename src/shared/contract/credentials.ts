import { z } from 'zod'
import { credentialKinds } from '../commands/credentials'
import { singleLine } from '../validation/text'
import { allAgents, command, query } from './define'
import type { Role } from './schemas'

/**
 * Portal credentials at the counter (issue 9): the code famille and a first password, printed
 * on a slip; a reset on the spot. Self-contained: the contract gathers it as `credentials`.
 *
 * `issue` and `reprint` are the one place where a clear password leaves the core: the core
 * generates it, hashes it (only the hash is queued for the portal: fact credentials.issue) and
 * keeps it in memory for REPRINT_MINUTES, until the agent confirms « Remis à la famille »
 * (`handedOver`). It is never written to the database, the journal, the outbox, a log or a file.
 */

export const slipLayouts = ['a4', '80mm'] as const
export type SlipLayout = (typeof slipLayouts)[number]

/** How long a closed preview can still be printed again with the same password. */
export const REPRINT_MINUTES = 15

const CREDENTIAL_ROLES: readonly Role[] = ['accueil', 'regisseur', 'responsable']
const familyId = z.uuid()

export const IssuedCredentialsSchema = z.object({
  codeFamille: z.string(),
  /** The clear password: shown in the preview and printed, never stored. */
  password: z.string(),
  slipPdfBase64: z.string(),
  layout: z.enum(slipLayouts),
  issueId: z.uuid(),
  issuedAt: z.string(),
  expiresAt: z.string(),
  /** Until when `reprint` gives the same password (unless handed over first). */
  reprintUntil: z.string(),
})
export type IssuedCredentials = z.infer<typeof IssuedCredentialsSchema>

export const CredentialIssueViewSchema = z.object({
  id: z.uuid(),
  kind: z.enum(credentialKinds),
  issuedAt: z.string(),
  expiresAt: z.string(),
  agentName: z.string().nullable(),
  agentInitials: z.string().nullable(),
  workstationId: z.string().nullable(),
  /** This workstation issued it. */
  here: z.boolean(),
  /** Replaced by a later issue (here or elsewhere). */
  superseded: z.boolean(),
})
export type CredentialIssueView = z.infer<typeof CredentialIssueViewSchema>

export const CredentialsStatusSchema = z.object({
  codeFamille: z.string(),
  /** The current issue (null: never issued, as far as this counter knows). */
  last: CredentialIssueViewSchema.nullable(),
  /** The previous issues, newest first (at most 10). */
  history: z.array(CredentialIssueViewSchema),
  /** The core still holds the last password issued here: `reprint` works until then. */
  reprintUntil: z.string().nullable(),
  /** Open CREDENTIALS_SUPERSEDED flags about this family: credentials another counter replaced (call the family back). */
  conflicts: z.array(z.object({ id: z.string(), reason: z.string(), at: z.string() })),
})
export type CredentialsStatus = z.infer<typeof CredentialsStatusSchema>

export const SlipSettingsSchema = z.object({
  layout: z.enum(slipLayouts),
  /** Printer name for silent printing in the Electron shell; '' = the system's print dialog. */
  printer: z.string(),
})
export type SlipSettings = z.infer<typeof SlipSettingsSchema>

export const credentialsEndpoints = {
  /** When and by whom the family's credentials were last issued; whether a reprint is still possible. */
  status: query({ input: z.strictObject({ familyId }), output: CredentialsStatusSchema, access: allAgents }),
  /**
   * Issues (first time) or resets the family's portal password: a new password every time, the
   * previous one stops working once the portal has the change. The agent must have checked the
   * guardian's identity.
   */
  issue: command({
    input: z.strictObject({
      familyId,
      identityChecked: z.literal(true, { error: 'cochez que l’identité du responsable légal a été vérifiée' }),
      layout: z.enum(slipLayouts).optional(),
    }),
    output: IssuedCredentialsSchema,
    access: CREDENTIAL_ROLES,
    sync: true,
    io: true,
  }),
  /** The same slip again (a jammed printer, another layout), while the core still holds the password. */
  reprint: command({
    input: z.strictObject({ familyId, layout: z.enum(slipLayouts).optional() }),
    output: IssuedCredentialsSchema,
    access: CREDENTIAL_ROLES,
    io: true,
  }),
  /** « Remis à la famille »: the core forgets the password (no reprint after this). */
  handedOver: command({ input: z.strictObject({ familyId }), output: z.object({}), access: CREDENTIAL_ROLES }),
  /** This workstation's slip layout and printer. */
  slipSettings: query({ input: z.strictObject({}), output: SlipSettingsSchema, access: allAgents }),
  saveSlipSettings: command({
    input: z.strictObject({ layout: z.enum(slipLayouts), printer: z.union([z.literal(''), singleLine({ min: 1, max: 200 })]) }),
    output: SlipSettingsSchema,
    access: ['responsable'],
  }),
}
