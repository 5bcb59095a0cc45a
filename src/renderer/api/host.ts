import type { GuichetApi, Result } from '@shared/contract'

/**
 * What the page knows of the core host: 'starting' until the first answer (the core opens,
 * and on a first start the demo portal is seeded, while the window already shows), 'ready'
 * once it answers, 'restarting' when a call came back with the host's TRANSPORT error (a
 * crash: the shell restarts it). The app shows its starting screen while it is not ready.
 */
export type HostView = 'starting' | 'ready' | 'restarting'

type AnyCall = (input: unknown) => Promise<Result<unknown>>

export interface HostWatch {
  api: GuichetApi
  view(): HostView
  onChange(listener: (view: HostView) => void): () => void
}

/** The host's own word on a failed call: 'starting', 'restarting', 'stopped', or null for any other answer. */
export function hostFailure(result: Result<unknown>): 'starting' | 'restarting' | 'stopped' | null {
  if (result.ok || result.error.code !== 'TRANSPORT') return null
  return result.error.details?.host ?? null
}

/**
 * Wraps an api so that every answer updates the host view, and probes the host (session.status)
 * at start and every `probeMs` while it is not ready, so that the starting screen goes away on
 * its own. The answers are unchanged.
 */
export function watchHost(inner: GuichetApi, opts: { probeMs?: number; setTimer?: (fn: () => void, ms: number) => unknown } = {}): HostWatch {
  const probeMs = opts.probeMs ?? 1_000
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms))
  const listeners = new Set<(view: HostView) => void>()
  let current: HostView = 'starting'
  let probing = false

  const set = (view: HostView) => {
    if (view === current) return
    current = view
    for (const listener of listeners) {
      try {
        listener(view)
      } catch {
        // A listener fault must not change the answer.
      }
    }
    if (view !== 'ready') schedule()
  }
  const observe = (result: Result<unknown>) => {
    const failure = hostFailure(result)
    // Any other transport fault (a timeout, the network) says nothing of the host: no change.
    if (failure === null && !result.ok && result.error.code === 'TRANSPORT') return
    set(failure === null ? 'ready' : failure === 'starting' ? 'starting' : 'restarting')
  }

  const source = inner as unknown as Record<string, Record<string, AnyCall>>
  const probe = async (): Promise<void> => {
    probing = true
    try {
      observe(await source.session!.status!({}))
    } catch {
      // The transport wrappers never throw; a fault here only means "try again".
    } finally {
      probing = false
    }
    if (current !== 'ready') schedule()
  }
  function schedule(): void {
    if (probing) return
    probing = true
    setTimer(() => {
      probing = false
      void probe()
    }, probeMs)
  }

  const api: Record<string, Record<string, AnyCall>> = {}
  for (const [ns, methods] of Object.entries(source)) {
    const wrapped: Record<string, AnyCall> = (api[ns] = {})
    for (const [method, fn] of Object.entries(methods)) {
      wrapped[method] = async (input: unknown) => {
        const result = await fn(input)
        observe(result)
        return result
      }
    }
  }
  void probe()
  return {
    api: api as unknown as GuichetApi,
    view: () => current,
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
