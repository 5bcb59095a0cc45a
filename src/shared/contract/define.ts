import { z } from 'zod'
import type { Role } from './schemas'

// Zod's own messages (a required field left empty, a number too big…) in French: the counter
// shows them at the field. Our schemas give their own French messages where they matter.
z.config(z.locales.fr())

/**
 * The building blocks of the contract (src/shared/contract/index.ts). Each area declares its
 * endpoints in its own file with `query` and `command` (documents.ts, enrolment.ts…), and
 * index.ts gathers them under their namespace.
 */

/** Who may call an endpoint: anybody (login screen), any logged-in agent, or listed roles. */
export type Access = 'public' | 'agent' | readonly Role[]

export interface EndpointDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  kind: 'query' | 'command'
  input: I
  output: O
  access: Access
  /** Commands: append an outbox row (pushed to the portal by the sync engine). */
  sync?: boolean
  /** Queries: journal the read (reads of a family's file are audited). */
  journalRead?: boolean
  /**
   * Commands that do network I/O themselves (enrolment, sync on demand): run outside any
   * transaction, then journaled.
   */
  io?: boolean
}

export function query<I extends z.ZodType, O extends z.ZodType>(
  def: Omit<EndpointDef<I, O>, 'kind' | 'sync'>,
): EndpointDef<I, O> {
  return { ...def, kind: 'query' }
}

export function command<I extends z.ZodType, O extends z.ZodType>(
  def: Omit<EndpointDef<I, O>, 'kind' | 'journalRead'>,
): EndpointDef<I, O> {
  return { ...def, kind: 'command' }
}

export const allAgents = 'agent' as const
