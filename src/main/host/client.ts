import type { Result } from '@shared/contract'
import { hostUnavailable, isObject, toWireResult, type FromHost, type HostConfig, type HostState, type ToHost } from './protocol'
import { STOP_DEADLINE_MS } from './runtime'

/**
 * The shell's side of the core host: it spawns the host process, sends it its config,
 * correlates calls and answers by id, reports the host's state, restarts a crashed host with
 * a bounded backoff, and stops it at quit. The same supervisor serves the web shell (a Node
 * child, its HTTP route calls `call`) and the Electron shell (a utilityProcess: the windows'
 * ports are handed over with `connect`, the main process never sees a contract call).
 */

/** One running host process, whatever started it (child_process.fork, utilityProcess.fork, a test double). */
export interface HostHandle {
  send(message: ToHost, transfer?: unknown[]): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null) => void): void
  kill(): void
}

export interface CoreHost {
  /** One contract call on the host's counter session. Never throws; a dead host answers TRANSPORT at once. */
  call(ns: string, method: string, input: unknown): Promise<Result<unknown>>
  /**
   * Imports the file at `path` as a scan (host message 'scan'): the host reads, sniffs, hashes
   * and stores it; answers Result<ScanRef>. Never throws; a dead host answers TRANSPORT at once.
   */
  importScan(path: string, name: string): Promise<Result<unknown>>
  state(): HostState
  /** Why the host failed to start, or why it last stopped. */
  lastError(): string | null
  /** The portal's URL the host reported when it became ready. */
  portalUrl(): string | null
  onState(listener: (state: HostState) => void): () => void
  /** Hands a MessagePort to the running host (Electron). False when no host runs. */
  connect(port: unknown): boolean
  /** Resolves when the host is ready; rejects if it fails to start (fatal: a database from the future…). */
  whenReady(): Promise<void>
  /** Asks the host to stop (it stops the sync engine and the portal within 10 s), kills it if late. */
  stop(): Promise<void>
}

export interface CoreHostOptions {
  spawn(): HostHandle
  /** Read at every (re)start: the Electron shell puts the current portal token in it. */
  config(): HostConfig
  /** Messages that are not the supervisor's own business (the token relay). */
  onMessage?(message: FromHost): void
  log?: (line: string) => void
  /** Delays before successive restarts after a crash (ms); the last one repeats. */
  backoffMs?: number[]
  /** A host that ran this long before crashing restarts with the first delay again (ms). */
  stableMs?: number
  /** Longest wait for a stop before the host is killed (ms). */
  stopDeadlineMs?: number
}

export const HOST_BACKOFF_MS = [250, 1_000, 2_000, 5_000, 10_000, 30_000]

type Pending = (result: Result<unknown>) => void

export function createCoreHost(opts: CoreHostOptions): CoreHost {
  const log = opts.log ?? ((line: string) => console.error(line))
  const backoff = opts.backoffMs ?? HOST_BACKOFF_MS
  const stableMs = opts.stableMs ?? 60_000
  const listeners = new Set<(state: HostState) => void>()
  const pending = new Map<number, Pending>()
  let handle: HostHandle | null = null
  let current: HostState = 'starting'
  let error: string | null = null
  let url: string | null = null
  let nextId = 1
  let crashes = 0
  let startedAt = 0
  let restartTimer: NodeJS.Timeout | undefined
  let stopping: Promise<void> | null = null
  let exited: Promise<void> = Promise.resolve()
  const readyWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = []

  const setState = (state: HostState) => {
    if (state === current) return
    current = state
    if (state === 'ready') for (const w of readyWaiters.splice(0)) w.resolve()
    if (state === 'failed') for (const w of readyWaiters.splice(0)) w.reject(new Error(error ?? 'host failed'))
    for (const listener of listeners) {
      try {
        listener(state)
      } catch {
        // A listener fault must not stop the supervisor.
      }
    }
  }

  const failPending = (state: 'restarting' | 'stopped') => {
    const answers = [...pending.values()]
    pending.clear()
    for (const answer of answers) answer(hostUnavailable(state))
  }

  const spawn = () => {
    const h = opts.spawn()
    handle = h
    startedAt = Date.now()
    let resolveExit: () => void = () => {}
    exited = new Promise((resolve) => (resolveExit = resolve))
    h.onMessage((raw) => {
      if (handle !== h || !isObject(raw)) return
      const message = raw as unknown as FromHost
      switch (message.type) {
        case 'ready':
          url = message.portalUrl ?? null
          setState('ready')
          return
        case 'failed':
          error = message.message
          setState('failed')
          return
        case 'result': {
          const answer = pending.get(message.id)
          if (!answer) return
          pending.delete(message.id)
          answer(toWireResult(message.result))
          return
        }
        default:
          opts.onMessage?.(message)
      }
    })
    h.onExit((code) => {
      resolveExit()
      if (handle !== h) return
      handle = null
      if (stopping || current === 'failed') {
        failPending('stopped')
        if (stopping) setState('stopped')
        return
      }
      failPending('restarting')
      if (Date.now() - startedAt >= stableMs) crashes = 0
      const delay = backoff[Math.min(crashes, backoff.length - 1)] ?? 1_000
      crashes++
      error = `Le cœur du guichet s’est arrêté (code ${code ?? '?'}).`
      log(`[hôte] ${error} Redémarrage dans ${delay} ms.`)
      setState('restarting')
      restartTimer = setTimeout(() => {
        restartTimer = undefined
        if (stopping) return
        // The new process first: a 'starting' listener may hand it a port at once.
        spawn()
        setState('starting')
      }, delay)
    })
    h.send({ type: 'start', config: opts.config() })
  }

  spawn()

  /** Sends one request that the host answers with a 'result' of the same id. */
  const request = (message: (id: number) => ToHost): Promise<Result<unknown>> => {
    const h = handle
    if (stopping || current === 'stopped' || current === 'failed') return Promise.resolve(hostUnavailable('stopped'))
    if (!h || current === 'restarting') return Promise.resolve(hostUnavailable('restarting'))
    const id = nextId++
    return new Promise<Result<unknown>>((resolve) => {
      pending.set(id, resolve)
      try {
        h.send(message(id))
      } catch {
        pending.delete(id)
        resolve(hostUnavailable('restarting'))
      }
    })
  }

  return {
    call(ns, method, input) {
      return request((id) => ({ type: 'call', id, ns, method, input }))
    },
    importScan(path, name) {
      return request((id) => ({ type: 'scan', id, path, name }))
    },
    state: () => current,
    lastError: () => error,
    portalUrl: () => url,
    onState(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    connect(port) {
      if (!handle || stopping || current === 'failed') return false
      handle.send({ type: 'connect' }, [port])
      return true
    },
    whenReady() {
      if (current === 'ready') return Promise.resolve()
      if (current === 'failed') return Promise.reject(new Error(error ?? 'host failed'))
      return new Promise((resolve, reject) => readyWaiters.push({ resolve, reject }))
    },
    stop() {
      stopping ??= (async () => {
        clearTimeout(restartTimer)
        const h = handle
        if (h) {
          let timer: NodeJS.Timeout | undefined
          const late = new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), opts.stopDeadlineMs ?? STOP_DEADLINE_MS + 2_000)
          })
          try {
            h.send({ type: 'stop' })
          } catch {
            // Already gone: the exit below resolves at once.
          }
          const inTime = await Promise.race([exited.then(() => true), late])
          clearTimeout(timer)
          if (!inTime) {
            log('[hôte] arrêt trop long : le processus du cœur est tué')
            h.kill()
          }
        }
        failPending('stopped')
        for (const w of readyWaiters.splice(0)) w.reject(new Error('host stopped'))
        handle = null
        setState('stopped')
      })()
      return stopping
    },
  }
}
