import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { contract, endpointList } from '@shared/contract'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST, HOST_STATE_CHANNEL } from '../../../src/main/host/protocol'

type Listener = (event: { ports?: MessagePort[] }, ...args: unknown[]) => void
const electron = vi.hoisted(() => {
  const listeners = new Map<string, Listener>()
  return {
    listeners,
    contextBridge: { exposeInMainWorld: vi.fn() },
    ipcRenderer: {
      invoke: vi.fn(),
      on: vi.fn((channel: string, listener: Listener) => listeners.set(channel, listener)),
      send: vi.fn(),
      sendSync: vi.fn(),
    },
  }
})
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer, webUtils: { getPathForFile: vi.fn() } }))

let exposed: Record<string, Record<string, unknown>>

beforeAll(async () => {
  await import('../../../src/preload/index')
  // window.guichet (the contract) and window.guichetFiles (tests/unit/shell/preload-scans.test.ts).
  expect(electron.contextBridge.exposeInMainWorld.mock.calls.map(([key]) => key)).toEqual(['guichet', 'guichetFiles'])
  const [, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0]!
  exposed = api as typeof exposed
})

/** Every non-object leaf of the exposed value, with its path. */
function leaves(value: unknown, path = 'guichet'): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null) return [[path, value]]
  return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}.${k}`))
}

/** Plays the main process handing a port over; returns the host's end, answering every call with `answer`. */
function handPort(answer: (call: { id: number; ns: string; method: string; input: unknown }) => unknown = (c) => ({ ok: true, data: c })) {
  const { port1: host, port2: page } = new MessageChannel()
  const calls: Array<{ id: number; ns: string; method: string; input: unknown }> = []
  host.on('message', (call: { id: number; ns: string; method: string; input: unknown }) => {
    calls.push(call)
    const result = answer(call)
    if (result !== undefined) host.postMessage({ id: call.id, result })
  })
  electron.listeners.get(HOST_PORT_CHANNEL)!({ ports: [page] })
  return { host, calls }
}

function call(ns: string, method: string, input: unknown = {}): Promise<unknown> {
  return (exposed[ns]![method] as (input: unknown) => Promise<unknown>)(input)
}

describe('preload: window.guichet', () => {
  it('exposes exactly one namespace per contract namespace and one function per endpoint', () => {
    expect(Object.keys(exposed).sort()).toEqual(Object.keys(contract).sort())
    const exposedEndpoints = Object.entries(exposed).flatMap(([ns, methods]) => Object.keys(methods).map((m) => `${ns}.${m}`))
    expect(exposedEndpoints.sort()).toEqual(endpointList.map(([ns, m]) => `${ns}.${m}`).sort())
  })

  it('exposes only functions (named after their endpoint), in frozen namespaces', () => {
    const all = leaves(exposed)
    expect(all.length).toBe(endpointList.length)
    for (const [path, leaf] of all) {
      expect(typeof leaf, path).toBe('function')
      expect((leaf as () => unknown).name, path).toBe(path.split('.').pop())
    }
    expect(Object.isFrozen(exposed)).toBe(true)
    for (const ns of Object.values(exposed)) expect(Object.isFrozen(ns)).toBe(true)
  })

  it('never exposes ipcRenderer, its methods or a generic call', () => {
    const values = leaves(exposed).map(([, v]) => v)
    for (const fn of Object.values(electron.ipcRenderer)) expect(values).not.toContain(fn)
    expect(values).not.toContain(electron.ipcRenderer)
    const keys = [...Object.keys(exposed), ...Object.values(exposed).flatMap((m) => Object.keys(m))]
    for (const forbidden of ['ipcRenderer', 'invoke', 'send', 'on', 'call', 'require', 'process']) {
      expect(keys).not.toContain(forbidden)
    }
  })

  it('asks the main process for the core host port at load, on the port channel only', () => {
    expect(electron.ipcRenderer.send).toHaveBeenCalledExactlyOnceWith(HOST_PORT_REQUEST)
    expect(electron.ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('a call made before the port arrives waits for it, then travels on it', async () => {
    const early = call('session', 'status')
    const { calls, host } = handPort()
    await expect(early).resolves.toMatchObject({ ok: true, data: { ns: 'session', method: 'status' } })
    expect(calls).toHaveLength(1)
    host.close()
  })

  it.each(endpointList.map(([ns, m]) => [ns, m] as const))('%s.%s posts {id, ns, method, input} on the port and resolves with its answer', async (ns, method) => {
    const { calls, host } = handPort((c) => ({ ok: true, data: { echoed: c.id } }))
    const input = { probe: `${ns}.${method}` }
    const result = await call(ns, method, input)
    expect(calls).toEqual([{ id: expect.any(Number), ns, method, input }])
    expect(result).toEqual({ ok: true, data: { echoed: calls[0]!.id } })
    host.close()
  })

  it('matches answers to calls by their id, whatever their order', async () => {
    const held: Array<{ id: number; ns: string; method: string }> = []
    const { host } = handPort((c) => {
      held.push(c)
      return undefined
    })
    const a = call('families', 'search', { q: 'a' })
    const b = call('families', 'search', { q: 'b' })
    await vi.waitFor(() => expect(held).toHaveLength(2))
    host.postMessage({ id: held[1]!.id, result: { ok: true, data: 'b' } })
    host.postMessage({ id: held[0]!.id, result: { ok: true, data: 'a' } })
    await expect(a).resolves.toEqual({ ok: true, data: 'a' })
    await expect(b).resolves.toEqual({ ok: true, data: 'b' })
    host.close()
  })

  it('a crashed host: calls in flight and new calls answer a typed TRANSPORT error at once; a new port brings the calls back', async () => {
    const { host } = handPort(() => undefined) // the host never answers: it crashes
    const inFlight = call('session', 'status')
    await new Promise((r) => setTimeout(r, 10))
    electron.listeners.get(HOST_STATE_CHANNEL)!({}, 'restarting')
    const down = { ok: false, error: { code: 'TRANSPORT', message: expect.any(String), details: { host: 'restarting' } } }
    await expect(inFlight).resolves.toEqual(down)
    await expect(call('session', 'status')).resolves.toEqual(down)
    host.close()
    const again = handPort()
    await expect(call('session', 'status')).resolves.toMatchObject({ ok: true })
    again.host.close()
  })
})
