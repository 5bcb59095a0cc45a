import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ContractError, FamilySearchResult } from '@shared/contract'
import { api } from '../api'
import { checkCodeFamille } from '../lib/credentials'

export const SEARCH_DEBOUNCE_MS = 120
export const SEARCH_MAX_LENGTH = 100

/**
 * The search screen's state, kept while the agent looks at a family file so that coming back
 * shows the same query, results and selection.
 */
export const useSearchStore = defineStore('search', () => {
  const query = ref('')
  const results = ref<FamilySearchResult[]>([])
  /** How many families match in all (results holds the first page of them). */
  const total = ref(0)
  /** The (trimmed) query the shown results answer; null when none shown. */
  const resultsFor = ref<string | null>(null)
  const selectedIndex = ref(-1)
  const loading = ref(false)
  const error = ref<ContractError | null>(null)

  let requestId = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  let inFlight: Promise<void> | null = null

  const trimmed = computed(() => query.value.trim())
  const selected = computed(() => results.value[selectedIndex.value] ?? null)
  /** The box holds a code famille (6 digits and a letter) whose check letter is wrong: a typo, not searched. */
  const codeCheck = computed(() => checkCodeFamille(trimmed.value))
  const badCode = computed(() => codeCheck.value.kind === 'bad-letter')
  /** Results shown and up to date with the box. */
  const upToDate = computed(() => resultsFor.value === trimmed.value && !loading.value)
  const noResults = computed(
    () => trimmed.value !== '' && upToDate.value && error.value === null && results.value.length === 0,
  )

  function cancelTimer(): void {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
  }

  /** The box changed: search after a short pause. */
  function setQuery(value: string): void {
    query.value = value.slice(0, SEARCH_MAX_LENGTH)
    cancelTimer()
    if (trimmed.value === '' || badCode.value) {
      requestId++
      results.value = []
      total.value = 0
      resultsFor.value = null
      selectedIndex.value = -1
      loading.value = false
      error.value = null
      inFlight = null
      return
    }
    loading.value = true
    timer = setTimeout(() => {
      timer = undefined
      void run(false)
    }, SEARCH_DEBOUNCE_MS)
  }

  /**
   * Runs the search for the current box now; stale answers are ignored. `keepSelection`
   * (refresh when coming back from a family file) keeps the same family selected.
   */
  function run(keepSelection = false): Promise<void> {
    cancelTimer()
    const q = trimmed.value
    if (q === '' || badCode.value) return Promise.resolve()
    // A code famille is searched in its canonical form ('104 217-k' → '104217K').
    const sent = codeCheck.value.kind === 'valid' ? codeCheck.value.code : q
    const id = ++requestId
    const keepId = keepSelection ? (selected.value?.id ?? null) : null
    loading.value = true
    const p = (async () => {
      const r = await api.families.search({ q: sent })
      if (id !== requestId) return
      loading.value = false
      if (r.ok) {
        results.value = r.data.results
        total.value = r.data.total
        resultsFor.value = q
        error.value = null
        selectedIndex.value = keepId ? r.data.results.findIndex((f) => f.id === keepId) : -1
      } else {
        error.value = r.error
        results.value = []
        total.value = 0
        resultsFor.value = q
        selectedIndex.value = -1
      }
    })()
    inFlight = p
    return p
  }

  /** Makes sure the results answer the current box (used by Enter typed before the pause ended). */
  async function settle(): Promise<void> {
    if (trimmed.value === '') return
    if (timer !== undefined) return run(false)
    if (loading.value && inFlight) return inFlight
    if (resultsFor.value !== trimmed.value) return run(false)
  }

  function move(delta: number): void {
    const n = results.value.length
    if (n === 0) return
    const from = selectedIndex.value
    const next = from < 0 ? (delta > 0 ? 0 : n - 1) : Math.min(n - 1, Math.max(0, from + delta))
    selectedIndex.value = next
  }

  function select(index: number): void {
    if (index >= 0 && index < results.value.length) selectedIndex.value = index
  }

  /** Escape, lock, logout: forget everything. */
  function clear(): void {
    cancelTimer()
    requestId++
    inFlight = null
    query.value = ''
    results.value = []
    total.value = 0
    resultsFor.value = null
    selectedIndex.value = -1
    loading.value = false
    error.value = null
  }

  return {
    query,
    results,
    total,
    resultsFor,
    selectedIndex,
    loading,
    error,
    trimmed,
    selected,
    badCode,
    upToDate,
    noResults,
    setQuery,
    run,
    settle,
    move,
    select,
    clear,
  }
})
