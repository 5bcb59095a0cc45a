import { DomainError, type contract } from '@shared/contract'
import type { HandlersFor } from '../router'

type H = HandlersFor<typeof contract>['bookings']

/** The services (sites, capacities, rules) and the school calendar as town data (issue 10): helper SETTINGS fills these in. */
export const bookingsTownHandlers: Pick<H, 'services' | 'saveService' | 'saveServiceSite' | 'calendar' | 'savePeriod' | 'deletePeriod' | 'importYear'> = {
  services: () => {
    throw new DomainError('NOT_FOUND', 'services : en construction')
  },
  saveService: () => {
    throw new DomainError('NOT_FOUND', 'services : en construction')
  },
  saveServiceSite: () => {
    throw new DomainError('NOT_FOUND', 'services : en construction')
  },
  calendar: () => {
    throw new DomainError('NOT_FOUND', 'calendrier : en construction')
  },
  savePeriod: () => {
    throw new DomainError('NOT_FOUND', 'calendrier : en construction')
  },
  deletePeriod: () => {
    throw new DomainError('NOT_FOUND', 'calendrier : en construction')
  },
  importYear: () => {
    throw new DomainError('NOT_FOUND', 'calendrier : en construction')
  },
}
