import { runCommand } from '@shared/commands'
import type { HandlerContext } from './router'

/**
 * Runs a shared command (src/shared/commands) on the local database inside the caller's
 * transaction, and queues it for the portal, which will run the same rules again.
 */
export async function runShared(ctx: HandlerContext, name: string, payload: unknown): Promise<void> {
  // The command's id is the outbox row's (the first command a handler emits takes ctx.commandId,
  // the next ones their own): the rows it derives (field history, flags) get the same ids here
  // and on the portal.
  const commandId = ctx.newCommandId()
  await runCommand(ctx.store.commandTx(), name, payload, {
    at: ctx.now.toISOString(),
    agentId: ctx.agent?.id ?? null,
    workstationId: ctx.settings.workstationId,
    channel: 'guichet',
    commandId,
  })
  ctx.emit(name, payload, commandId)
}

