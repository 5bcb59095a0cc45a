import type { GuichetApi } from '@shared/contract'
import { watchHost, type HostView } from './host'
import { createHttpApi, withGuards, type AuthLostCode } from './http'
import { withCommandHook, type CommandListener } from './observe'
import { initToken, TOKEN_STORAGE_KEY } from './token'

export type { AuthLostCode } from './http'
export type { HostView } from './host'

type AuthLostListener = (code: AuthLostCode, endpoint: string) => void
const authLostListeners = new Set<AuthLostListener>()

/** Called whenever any call answers NOT_AUTHENTICATED or SESSION_LOCKED. Returns an unsubscribe function. */
export function onAuthLost(listener: AuthLostListener): () => void {
  authLostListeners.add(listener)
  return () => authLostListeners.delete(listener)
}

function safeSessionStorage(): Storage | null {
  try {
    return window.sessionStorage
  } catch {
    return null
  }
}

let token: string | null = null

/** The web shell's token (null in Electron): sent with contract calls and with uploads (./files.ts). */
export function webToken(): string | null {
  token ??= safeSessionStorage()?.getItem(TOKEN_STORAGE_KEY) ?? null
  return token
}

/** Tells the auth-lost listeners (calls made outside the contract: uploads, PDFs). */
export function reportAuthLost(code: AuthLostCode, endpoint: string): void {
  for (const listener of authLostListeners) listener(code, endpoint)
}

function createTransport(): GuichetApi {
  // Electron: the preload exposes the contract as window.guichet.
  if (window.guichet) return window.guichet
  // Web shell: the same contract over loopback HTTP, authenticated by the page's token.
  token = initToken({ location: window.location, history: window.history, storage: safeSessionStorage() })
  return createHttpApi({
    fetch: (url, init) => window.fetch(url, { ...init, credentials: 'same-origin', cache: 'no-store' }),
    getToken: webToken,
  })
}

const commandListeners = new Set<CommandListener>()

/** Called after every command (not queries) answers, successfully or not. Returns an unsubscribe function. */
export function onCommandDone(listener: CommandListener): () => void {
  commandListeners.add(listener)
  return () => commandListeners.delete(listener)
}

// Starting screen: the core host answers once it is open (the window shows before that).
const host = watchHost(
  withGuards(createTransport(), (code, endpoint) => {
    for (const listener of authLostListeners) listener(code, endpoint)
  }),
)

/** The core host as the page sees it: starting, ready, or restarting after a crash. */
export function hostView(): HostView {
  return host.view()
}

/** Called whenever the host view changes. Returns an unsubscribe function. */
export function onHostView(listener: (view: HostView) => void): () => void {
  return host.onChange(listener)
}

/** The only way the renderer reaches the core. */
export const api: GuichetApi = withCommandHook(
  host.api,
  (endpoint, ok) => {
    for (const listener of commandListeners) listener(endpoint, ok)
  },
)
