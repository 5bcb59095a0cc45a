import { z } from 'zod'
import type { Row } from '../sync/entities'
import { lockKeys, type CommandDef, type CommandTx, type RaisedFlag } from './base'
import { townOption } from './documents'

/**
 * Portal credentials handed out at the counter (issue 9): `credentials.issue`, a fact (the
 * family left with a printed password; nothing can undo that paper).
 *
 * The workstation generates the password, hashes it (scrypt, the portal's parameters:
 * src/common/passwords.ts) and sends only the hash. The command writes a `credential_issues`
 * row, which never holds the hash and flows down to every counter (who issued, when, until
 * when); the portal alone stores the hash, in its family_accounts (src/portal/services/effects.ts).
 *
 * Concurrency: the counter sends the id of the issue it knew as current (`previousIssueId`).
 * When the portal's current issue is another one (two counters issued offline), the issue the
 * portal applies last wins and a CREDENTIALS_SUPERSEDED flag tells the other counter, so that
 * the family can be called back. A family the portal does not have: a `missing` flag that keeps
 * the fact WITHOUT the hash (flags flow down to every counter).
 */

export const credentialKinds = ['first', 'reset'] as const
export type CredentialKind = (typeof credentialKinds)[number]

/** A self-describing scrypt hash (src/common/passwords.ts): `scrypt$N$r$p$salt$hash`, base64 parts. */
export const PasswordHash = z
  .string()
  .max(200)
  .regex(/^scrypt\$\d{1,8}\$\d{1,3}\$\d{1,3}\$[A-Za-z0-9+/]{8,88}={0,2}\$[A-Za-z0-9+/]{8,88}={0,2}$/, 'empreinte scrypt attendue')

export const CredentialsIssuePayload = z.strictObject({
  id: z.uuid(),
  familyId: z.uuid(),
  kind: z.enum(credentialKinds),
  passwordHash: PasswordHash,
  identityChecked: z.literal(true, { error: 'l’identité du responsable légal doit avoir été vérifiée' }),
  /** The issue this counter knew as the family's current one (null: none). */
  previousIssueId: z.uuid().nullable(),
})
export type CredentialsIssuePayload = z.infer<typeof CredentialsIssuePayload>

const DAY_MS = 24 * 3600_000

/** The town's delay for an unused first password (credentials.expiry_days, 30 by default), in days. */
export async function credentialsExpiryDays(tx: Pick<CommandTx, 'get'>): Promise<number> {
  const n = Number(await townOption(tx, 'credentials.expiry_days'))
  return Number.isInteger(n) && n >= 1 && n <= 365 ? n : 30
}

/** The family's current issue: the newest one nobody replaced (null: none). */
export async function currentIssue(tx: Pick<CommandTx, 'query'>, familyId: string): Promise<Row | null> {
  const rows = await tx.query('credential_issues', {
    where: { family_id: familyId, superseded_by: null },
    orderBy: { column: 'issued_at', direction: 'desc' },
    limit: 1,
  })
  return rows[0] ?? null
}

const frenchInstant = (iso: string): string =>
  new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeStyle: 'short', timeZone: 'Europe/Paris' }).format(new Date(iso))

const issue: CommandDef<CredentialsIssuePayload> = {
  kind: 'fact',
  channels: ['guichet'],
  payload: CredentialsIssuePayload,
  touches: (p) => [
    { entity: 'credential_issues', id: p.id },
    { entity: 'families', id: p.familyId },
  ],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const family = await tx.get('families', p.familyId)
    if (!family) {
      // Kept without the hash: flags flow down to every counter.
      const { passwordHash: _hash, ...kept } = p
      return [
        {
          kind: 'missing',
          code: 'UNKNOWN_FAMILY',
          reason: 'Identifiants du Portail Famille remis pour un dossier famille absent du portail : ils ne fonctionneront pas, refaire la remise une fois le dossier présent.',
          familyId: null,
          data: kept,
        },
      ]
    }
    const flags: RaisedFlag[] = []
    const current = await currentIssue(tx, p.familyId)
    if (current && current.id !== p.id) {
      if (current.id !== p.previousIssueId) {
        flags.push({
          kind: 'conflict',
          code: 'CREDENTIALS_SUPERSEDED',
          reason: `Identifiants du Portail Famille remis deux fois sans que les guichets le sachent : ceux du ${frenchInstant(String(current.issued_at))} ne fonctionnent plus, ceux du ${frenchInstant(ctx.at)} les remplacent. Rappeler la famille si elle est repartie avec les premiers.`,
          familyId: p.familyId,
          data: {
            replacedIssueId: current.id,
            replacedWorkstationId: current.workstation_id,
            replacedAgentId: current.agent_id,
            replacedIssuedAt: current.issued_at,
            issueId: p.id,
          },
        })
      }
      await tx.put('credential_issues', { ...current, superseded_by: p.id, updated_at: ctx.at })
    }
    const expiresAt = new Date(Date.parse(ctx.at) + (await credentialsExpiryDays(tx)) * DAY_MS).toISOString()
    await tx.put('credential_issues', {
      id: p.id,
      family_id: p.familyId,
      kind: p.kind,
      issued_at: ctx.at,
      expires_at: expiresAt,
      agent_id: ctx.agentId,
      workstation_id: ctx.workstationId,
      superseded_by: null,
      updated_at: ctx.at,
    })
    return flags
  },
}

export const credentialCommands = {
  'credentials.issue': issue,
} as const
