import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ContractError, FamilyFile } from '@shared/contract'
import { api } from '../api'

/** The family file on screen (sensitive: cleared on lock and logout). */
export const useFamilyStore = defineStore('family', () => {
  const current = ref<FamilyFile | null>(null)
  const loadingId = ref<string | null>(null)
  const error = ref<ContractError | null>(null)
  let requestId = 0

  async function load(id: string): Promise<void> {
    const rid = ++requestId
    loadingId.value = id
    error.value = null
    if (current.value?.id !== id) current.value = null
    const r = await api.families.get({ id })
    if (rid !== requestId) return
    loadingId.value = null
    if (r.ok) {
      current.value = r.data
    } else {
      current.value = null
      error.value = r.error
    }
  }

  /** A command answered with the updated file (contact edit): show it, if it is still the one on screen. */
  function replace(file: FamilyFile): void {
    if (current.value?.id === file.id) current.value = file
  }

  function clear(): void {
    requestId++
    current.value = null
    loadingId.value = null
    error.value = null
  }

  return { current, loadingId, error, load, replace, clear }
})
