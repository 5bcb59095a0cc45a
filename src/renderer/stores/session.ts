import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { AgentView, ContractError, Result, SessionStatus } from '@shared/contract'
import { api, onAuthLost, type AuthLostCode } from '../api'
import { captureDraft, discardDraft } from '../lib/lockDraft'
import { useFamilyStore } from './family'
import { useSearchStore } from './search'

/** Why the login screen is shown again (a notice above the form). */
export type LoginNotice = 'locked' | 'expired' | 'loggedOut' | null

/** At most one keep-alive ping per this many ms while the agent is active. */
export const PING_INTERVAL_MS = 30_000
const IDLE_CHECK_MS = 500
/** The warning shows this long before the idle lock (half the delay when the delay is short). */
export const IDLE_WARNING_SECONDS = 30
const ACTIVITY_EVENTS = ['keydown', 'mousedown', 'mousemove', 'wheel', 'touchstart'] as const

export const useSessionStore = defineStore('session', () => {
  const status = ref<SessionStatus | null>(null)
  const statusError = ref<ContractError | null>(null)
  const agent = ref<AgentView | null>(null)
  const notice = ref<LoginNotice>(null)
  const initialized = ref(false)
  /** The login of the last agent of this window, offered again after a lock. */
  const lastLogin = ref<string | null>(null)

  const isAuthenticated = computed(() => agent.value !== null)
  const idleLockSeconds = computed(() => status.value?.idleLockSeconds ?? 600)
  /** Seconds left before the idle lock while the warning shows, else null. */
  const idleWarningSeconds = ref<number | null>(null)

  // Activity tracking: plain variables, not reactive (mousemove fires often).
  let lastActivity = Date.now()
  let lastPing = 0
  let idleTimer: ReturnType<typeof setInterval> | undefined
  let tracking = false
  let initPromise: Promise<void> | null = null
  let statusRequest = 0

  async function refreshStatus(): Promise<Result<SessionStatus>> {
    const id = ++statusRequest
    const r = await api.session.status({})
    if (id !== statusRequest) return r
    if (r.ok) {
      status.value = r.data
      statusError.value = null
      if (r.data.agent) {
        agent.value = r.data.agent
        lastLogin.value = r.data.agent.login
      } else if (agent.value) {
        // The core no longer knows this agent (restart, expiry): back to the login screen.
        endSession(notice.value ?? 'expired')
      }
    } else {
      statusError.value = r.error
    }
    return r
  }

  /** Once at app start (router guard): is the session still alive? */
  function ensureInitialized(): Promise<void> {
    initPromise ??= (async () => {
      await refreshStatus()
      initialized.value = true
      if (agent.value) startTracking()
    })()
    return initPromise
  }

  async function login(input: { login: string; password: string }): Promise<Result<AgentView>> {
    const r = await api.session.login(input)
    if (r.ok) {
      agent.value = r.data
      lastLogin.value = r.data.login
      notice.value = null
      startTracking()
      void refreshStatus()
    }
    return r
  }

  async function logout(): Promise<void> {
    stopTracking()
    // A deliberate logout keeps nothing of what was typed.
    discardDraft()
    clearSensitiveState()
    agent.value = null
    notice.value = 'loggedOut'
    // Whatever the answer (already logged out, core unreachable), the screen is closed.
    await api.session.logout({})
    void refreshStatus()
  }

  /** Idle lock: hide everything first, then tell the core. */
  async function lockForIdle(): Promise<void> {
    if (!agent.value) return
    endSession('locked')
    await api.session.lock({})
  }

  /** Any call answered NOT_AUTHENTICATED / SESSION_LOCKED. */
  function handleAuthLost(code: AuthLostCode): void {
    if (!agent.value) {
      if (code === 'SESSION_LOCKED') notice.value = 'locked'
      return
    }
    endSession(code === 'SESSION_LOCKED' ? 'locked' : 'expired')
  }

  function endSession(reason: LoginNotice): void {
    stopTracking()
    // Locked or expired under the agent's hands: keep what was being typed (in memory only, see
    // lib/lockDraft.ts) for the same agent's next login, before the screen is emptied.
    if (agent.value && (reason === 'locked' || reason === 'expired')) captureDraft(agent.value.id)
    clearSensitiveState()
    agent.value = null
    notice.value = reason
  }

  function clearSensitiveState(): void {
    useSearchStore().clear()
    useFamilyStore().clear()
  }

  function onActivity(): void {
    const now = Date.now()
    lastActivity = now
    // Any key, click or movement while the warning shows keeps the session (and tells the core).
    const warned = idleWarningSeconds.value !== null
    if (warned) idleWarningSeconds.value = null
    if (warned || now - lastPing >= PING_INTERVAL_MS) {
      lastPing = now
      void ping()
    }
  }

  async function ping(): Promise<void> {
    const r = await api.session.ping({})
    if (r.ok && status.value && r.data.idleLockSeconds > 0) {
      status.value = { ...status.value, idleLockSeconds: r.data.idleLockSeconds }
    }
    // Keep the pending-changes counter fresh while the agent works.
    if (r.ok) void refreshStatus()
  }

  function checkIdle(): void {
    if (!agent.value) return
    const leftMs = idleLockSeconds.value * 1000 - (Date.now() - lastActivity)
    if (leftMs <= 0) {
      void lockForIdle()
      return
    }
    const warnMs = Math.min(IDLE_WARNING_SECONDS, idleLockSeconds.value / 2) * 1000
    idleWarningSeconds.value = leftMs <= warnMs ? Math.ceil(leftMs / 1000) : null
  }

  /** The warning's « Rester connecté ». */
  function stayConnected(): void {
    onActivity()
  }

  function startTracking(): void {
    const now = Date.now()
    lastActivity = now
    lastPing = now
    if (tracking || typeof window === 'undefined') return
    tracking = true
    for (const type of ACTIVITY_EVENTS) {
      window.addEventListener(type, onActivity, { passive: true, capture: true })
    }
    idleTimer = setInterval(checkIdle, IDLE_CHECK_MS)
  }

  function stopTracking(): void {
    if (!tracking) return
    tracking = false
    for (const type of ACTIVITY_EVENTS) {
      window.removeEventListener(type, onActivity, { capture: true })
    }
    if (idleTimer !== undefined) clearInterval(idleTimer)
    idleTimer = undefined
    idleWarningSeconds.value = null
  }

  onAuthLost((code) => handleAuthLost(code))

  return {
    status,
    statusError,
    agent,
    notice,
    initialized,
    lastLogin,
    isAuthenticated,
    idleLockSeconds,
    idleWarningSeconds,
    ensureInitialized,
    refreshStatus,
    login,
    logout,
    lockForIdle,
    stayConnected,
    handleAuthLost,
  }
})
