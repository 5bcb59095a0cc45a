import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { ContractError, Result, SyncStatus } from '@shared/contract'
import { api } from '../api'
import { connectionOf, isSyncBusy, syncWhenOnline } from '../lib/sync'
import { useSessionStore } from './session'

/** sync.status is a cheap local read: ask every few seconds while an agent is logged in. */
export const SYNC_POLL_MS = 5_000

/** The link with the portal, as the status bar, the rejections and the workstation screens show it. */
export const useSyncStore = defineStore('sync', () => {
  const status = ref<SyncStatus | null>(null)
  /** Why the last sync.status read failed (the core is unreachable…). */
  const statusError = ref<ContractError | null>(null)
  /** A "Synchroniser" call in flight. */
  const running = ref(false)
  /** Why the last "Synchroniser" failed (shown until dismissed or the next success). */
  const nowError = ref<ContractError | null>(null)
  /** The core's own French words when "Synchroniser" ran but could not reach the portal. */
  const nowNotice = ref<string | null>(null)

  const connection = computed(() => connectionOf(status.value))
  const busy = computed(() => isSyncBusy(status.value, running.value))
  const pending = computed(() => status.value?.pending ?? 0)
  const rejected = computed(() => status.value?.rejected ?? 0)

  let timer: ReturnType<typeof setInterval> | undefined
  let requestId = 0
  let inFlight: Promise<void> | null = null
  let stopWatchingNetwork: (() => void) | undefined
  let reconnecting: Promise<void> | null = null

  function apply(s: SyncStatus): void {
    requestId++ // an older read still on its way must not overwrite this one
    status.value = s
    statusError.value = null
  }

  /**
   * Reads sync.status. A poll reuses a read already on its way; `fresh` (after a command)
   * starts a new one, whose answer wins over the older read.
   */
  function refresh(fresh = false): Promise<void> {
    if (inFlight && !fresh) return inFlight
    const id = ++requestId
    const p = (async () => {
      const r = await api.sync.status({})
      if (id !== requestId) return
      if (r.ok) {
        status.value = r.data
        statusError.value = null
        // "Le portail ne répond pas" no longer holds once it answers again.
        if (nowNotice.value && r.data.online && r.data.state !== 'error' && r.data.state !== 'offline') nowNotice.value = null
      } else {
        statusError.value = r.error
      }
    })().finally(() => {
      if (inFlight === p) inFlight = null
    })
    inFlight = p
    return p
  }

  /**
   * The network is back: push and pull now. Quietly: the agent did not ask for it, so a
   * failure only shows in the status (read by the next poll), not as a message.
   */
  function syncOnReconnect(): Promise<void> {
    // A "Synchroniser" in flight does it already; a workstation not enrolled has no portal.
    if (running.value || status.value?.enrolled === false) return Promise.resolve()
    reconnecting ??= (async () => {
      const r = await api.sync.now({})
      if (r.ok) apply(r.data)
    })().finally(() => {
      reconnecting = null
    })
    return reconnecting
  }

  /** While an agent is logged in: the status every few seconds, and a round when the network comes back. */
  function startPolling(): void {
    void refresh()
    if (timer !== undefined || typeof window === 'undefined') return
    timer = setInterval(() => void refresh(), SYNC_POLL_MS)
    const session = useSessionStore()
    stopWatchingNetwork = syncWhenOnline(window, () => session.isAuthenticated, syncOnReconnect)
  }

  function stopPolling(): void {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    stopWatchingNetwork?.()
    stopWatchingNetwork = undefined
    nowError.value = null
    nowNotice.value = null
  }

  /** "Synchroniser": push and pull now. */
  async function syncNow(): Promise<Result<SyncStatus> | null> {
    if (running.value) return null
    running.value = true
    nowError.value = null
    nowNotice.value = null
    try {
      const r = await api.sync.now({})
      if (r.ok) {
        apply(r.data)
        // The round ran, but said nothing good: tell the agent who asked for it.
        if (!r.data.enrolled || r.data.state === 'not_enrolled') nowError.value = { code: 'NOT_ENROLLED', message: 'not enrolled' }
        else if ((r.data.state === 'offline' || r.data.state === 'error') && r.data.lastError) nowNotice.value = r.data.lastError
      } else {
        nowError.value = r.error
      }
      return r
    } finally {
      running.value = false
      void refresh(true)
    }
  }

  async function enrol(input: { portalUrl: string; code: string }): Promise<Result<SyncStatus>> {
    const r = await api.sync.enrol(input)
    if (r.ok) apply(r.data)
    return r
  }

  function dismissError(): void {
    nowError.value = null
    nowNotice.value = null
  }

  /** The last "Synchroniser" went well (nothing to tell). */
  const nowSucceeded = computed(() => nowError.value === null && nowNotice.value === null)

  return {
    status,
    statusError,
    running,
    nowError,
    nowNotice,
    nowSucceeded,
    connection,
    busy,
    pending,
    rejected,
    apply,
    refresh,
    startPolling,
    stopPolling,
    syncNow,
    syncOnReconnect,
    enrol,
    dismissError,
  }
})
