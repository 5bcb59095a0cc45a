import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ContractError } from '@shared/contract'
import { api } from '../api'
import type { BookingSite, BookingUnit } from '../lib/reservations'

/**
 * The town's services and sites for the booking form (not personal data). Read again each
 * time a family file opens (they change when the town arrives from the portal), the last
 * answer is shown meanwhile.
 */
export const useBookingOptionsStore = defineStore('bookingOptions', () => {
  const units = ref<BookingUnit[]>([])
  const sites = ref<BookingSite[]>([])
  const loaded = ref(false)
  const error = ref<ContractError | null>(null)
  let inFlight: Promise<void> | null = null

  function load(): Promise<void> {
    inFlight ??= (async () => {
      const r = await api.reservations.options({})
      if (r.ok) {
        units.value = r.data.units
        sites.value = r.data.sites
        loaded.value = true
        error.value = null
      } else {
        error.value = r.error
      }
    })().finally(() => {
      inFlight = null
    })
    return inFlight
  }

  return { units, sites, loaded, error, load }
})
