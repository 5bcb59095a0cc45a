import { beforeAll, describe, expect, it, vi } from 'vitest'
import { contract, endpointList, IPC_CHANNEL } from '@shared/contract'

const electron = vi.hoisted(() => ({
  contextBridge: { exposeInMainWorld: vi.fn() },
  ipcRenderer: {
    invoke: vi.fn(async (..._args: unknown[]): Promise<unknown> => ({ ok: true, data: { answered: true } })),
    on: vi.fn(),
    send: vi.fn(),
    sendSync: vi.fn(),
  },
}))
vi.mock('electron', () => electron)

let exposed: Record<string, Record<string, unknown>>

beforeAll(async () => {
  await import('../../../src/preload/index')
  expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1)
  const [key, api] = electron.contextBridge.exposeInMainWorld.mock.calls[0]!
  expect(key).toBe('guichet')
  exposed = api as typeof exposed
})

/** Every non-object leaf of the exposed value, with its path. */
function leaves(value: unknown, path = 'guichet'): Array<[string, unknown]> {
  if (typeof value !== 'object' || value === null) return [[path, value]]
  return Object.entries(value).flatMap(([k, v]) => leaves(v, `${path}.${k}`))
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

  it.each(endpointList.map(([ns, m]) => [ns, m] as const))('%s.%s invokes the contract channel with (ns, method, input)', async (ns, method) => {
    electron.ipcRenderer.invoke.mockClear()
    const fn = exposed[ns]![method] as (input: unknown) => Promise<unknown>
    const input = { probe: `${ns}.${method}` }
    await expect(fn(input)).resolves.toEqual({ ok: true, data: { answered: true } })
    expect(electron.ipcRenderer.invoke).toHaveBeenCalledExactlyOnceWith(IPC_CHANNEL, ns, method, input)
  })

  it('answers a TRANSPORT Result instead of rejecting when the IPC call fails', async () => {
    electron.ipcRenderer.invoke.mockRejectedValueOnce(new Error('Error invoking remote method'))
    const status = exposed.session!.status as (input: unknown) => Promise<unknown>
    const result = await status({})
    expect(result).toEqual({ ok: false, error: { code: 'TRANSPORT', message: expect.any(String) } })
  })
})
