import type { Result } from '@shared/contract'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST, HOST_STATE_CHANNEL, hostUnavailable, type PortAnswer, type PortCall } from '../main/host/protocol'
import type { Invoke } from './api'

/** The part of a DOM MessagePort the preload uses. */
export interface PreloadPort {
  onmessage: ((event: { data: unknown }) => void) | null
  postMessage(message: unknown): void
  start(): void
  close(): void
}

/** The part of ipcRenderer the preload uses (never exposed to the page). */
export interface PreloadIpc {
  send(channel: string): void
  on(channel: string, listener: (event: { ports?: readonly PreloadPort[] }, ...args: unknown[]) => void): unknown
}

type Waiting = { call: Omit<PortCall, 'id'>; resolve: (result: Result<unknown>) => void }

/**
 * The preload's end of the core host's MessagePort: asks the main process for a port at load,
 * sends each call with a correlation id and resolves it with the answer of the same id. Calls
 * made before the port arrives wait for it. When the main process reports that the host
 * stopped (crash), the calls in flight answer a typed TRANSPORT error at once, and so do new
 * calls until the restarted host's port arrives.
 */
export function createPortInvoke(ipc: PreloadIpc): Invoke {
  let port: PreloadPort | null = null
  let down: 'restarting' | 'stopped' | null = null
  let nextId = 1
  const inFlight = new Map<number, (result: Result<unknown>) => void>()
  const waiting: Waiting[] = []

  const failInFlight = (why: 'restarting' | 'stopped') => {
    const answers = [...inFlight.values()]
    inFlight.clear()
    for (const answer of answers) answer(hostUnavailable(why))
  }

  const post = (target: PreloadPort, call: Omit<PortCall, 'id'>, resolve: (result: Result<unknown>) => void) => {
    const id = nextId++
    inFlight.set(id, resolve)
    try {
      target.postMessage({ id, ...call } satisfies PortCall)
    } catch {
      inFlight.delete(id)
      resolve({ ok: false, error: { code: 'INVALID_INPUT', message: 'input cannot be sent to the core' } })
    }
  }

  ipc.on(HOST_PORT_CHANNEL, (event) => {
    const next = event.ports?.[0]
    if (!next) return
    if (port) {
      port.onmessage = null
      port.close()
      failInFlight('restarting')
    }
    port = next
    down = null
    next.onmessage = ({ data }) => {
      const answer = data as Partial<PortAnswer> | null
      if (!answer || typeof answer.id !== 'number') return
      const resolve = inFlight.get(answer.id)
      if (!resolve) return
      inFlight.delete(answer.id)
      resolve(answer.result as Result<unknown>)
    }
    next.start()
    for (const w of waiting.splice(0)) post(next, w.call, w.resolve)
  })

  ipc.on(HOST_STATE_CHANNEL, (_event, state) => {
    if (state !== 'restarting' && state !== 'stopped' && state !== 'failed') return
    const why = state === 'restarting' ? 'restarting' : 'stopped'
    down = why
    if (port) {
      port.onmessage = null
      port.close()
      port = null
    }
    failInFlight(why)
    for (const w of waiting.splice(0)) w.resolve(hostUnavailable(why))
  })

  ipc.send(HOST_PORT_REQUEST)

  return (ns, method, input) =>
    new Promise<Result<unknown>>((resolve) => {
      if (down) resolve(hostUnavailable(down))
      else if (!port) waiting.push({ call: { ns, method, input }, resolve })
      else post(port, { ns, method, input }, resolve)
    })
}
