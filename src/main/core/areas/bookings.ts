import { DomainError, type contract } from '@shared/contract'
import type { HandlersFor } from '../router'
import { bookingsSiteHandlers } from './bookings-site'
import { bookingsTownHandlers } from './bookings-town'

type H = HandlersFor<typeof contract>['bookings']

/** Bookings under the town's rules (issue 10): the month grid, bulk booking, the waiting list. */
export const bookingsHandlers: H = {
  grid: () => {
    throw new DomainError('NOT_FOUND', 'grille : en construction')
  },
  bulk: () => {
    throw new DomainError('NOT_FOUND', 'grille : en construction')
  },
  waitingList: () => {
    throw new DomainError('NOT_FOUND', 'grille : en construction')
  },
  promote: () => {
    throw new DomainError('NOT_FOUND', 'grille : en construction')
  },
  ...bookingsSiteHandlers,
  ...bookingsTownHandlers,
}
