import { DomainError, type contract } from '@shared/contract'
import type { HandlersFor } from '../router'

type H = HandlersFor<typeof contract>['bookings']

/** A site's day list, its PDF and the pointage (issue 10): helper SITEDAY fills these in. */
export const bookingsSiteHandlers: Pick<H, 'siteDay' | 'siteDayPdf' | 'attend'> = {
  siteDay: () => {
    throw new DomainError('NOT_FOUND', 'liste du jour : en construction')
  },
  siteDayPdf: () => {
    throw new DomainError('NOT_FOUND', 'liste du jour : en construction')
  },
  attend: () => {
    throw new DomainError('NOT_FOUND', 'pointage : en construction')
  },
}
