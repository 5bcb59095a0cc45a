import type { CommandContext, CommandName } from '@shared/commands'
import { CredentialsIssuePayload } from '@shared/commands/credentials'
import type { PortalDb } from '../db/client'
import type { EntityStore } from '../db/store'
import { applyTemporaryPassword } from './families'

/**
 * What a pushed command does on the portal besides the shared tables: writes to the portal's
 * own tables, which no workstation has. An effect runs right after its command, inside the
 * command's isolated unit (push.ts), so that its writes are kept exactly when the command's
 * are; it runs only for an applied command (a rejected intent never gets here).
 */

export interface EffectContext extends CommandContext {
  /** The portal's clock when the push came in. */
  now: Date
}

export type PortalEffect = (store: EntityStore, tx: PortalDb, payload: unknown, ctx: EffectContext) => Promise<void>

export const portalEffects: Partial<Record<CommandName, PortalEffect>> = {
  /**
   * Credentials handed out at a counter: the hash (which only the command carries, never a
   * shared row) becomes the family's temporary password, valid until the issue's `expires_at`
   * (the row the command wrote); the previous password and every session stop working. A family
   * the portal does not have: nothing (the command raised a `missing` flag, without the hash).
   */
  'credentials.issue': async (store, tx, raw, ctx) => {
    const payload = CredentialsIssuePayload.parse(raw)
    const family = await store.get('families', payload.familyId)
    if (!family) return
    const issue = await store.get('credential_issues', payload.id)
    if (!issue || typeof issue.expires_at !== 'string') throw new Error('credentials.issue wrote no credential_issues row')
    await applyTemporaryPassword(tx, payload.familyId, String(family.code), payload.passwordHash, issue.expires_at, ctx.now)
  },
}

/** Runs the portal effect of command `name`, if it has one. */
export async function runPortalEffect(store: EntityStore, tx: PortalDb, name: string, payload: unknown, ctx: EffectContext): Promise<void> {
  const effect = (portalEffects as Partial<Record<string, PortalEffect>>)[name]
  if (!effect) return
  // An effect writes portal tables itself (a family's account): the shared rows of the chunk's earlier commands first.
  await store.flushDeferred()
  await effect(store, tx, payload, ctx)
}
