import type { twoddocEndpoints } from '@shared/contract/twoddoc'
import { DomainError } from '@shared/contract'
import type { HandlersFor } from '../router'

type Handlers = HandlersFor<{ twoddoc: typeof twoddocEndpoints }>['twoddoc']

/** Issue 13, being built: replaced by the reading in the core's 2D-Doc worker. */
const notYet = (): never => {
  throw new DomainError('INTERNAL', 'lecture 2D-Doc en cours de construction')
}

export const twoddocHandlers: Handlers = {
  read: notYet,
  trust: notYet,
  importTrust: notYet,
}
