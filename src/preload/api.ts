import { endpointList, type ContractError, type GuichetApi, type Result } from '@shared/contract'

export type Invoke = (ns: string, method: string, input: unknown) => Promise<unknown>

const transportError = (message: string): Result<never> => ({
  ok: false,
  error: { code: 'TRANSPORT', message } satisfies ContractError,
})

/**
 * `window.guichet`: one frozen object per namespace of the contract, holding one named async
 * function per endpoint, each a thin call of the core host's port. Nothing else (no
 * ipcRenderer, no port, no event, no generic `call(ns, method)`) is reachable from the page.
 */
export function buildGuichetApi(invoke: Invoke): GuichetApi {
  const api: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {}
  for (const [ns, method] of endpointList) {
    const group = (api[ns] ??= {})
    // A computed key names the function after the endpoint (shows in stack traces).
    const named = {
      async [method](input: unknown): Promise<unknown> {
        try {
          return await invoke(ns, method, input)
        } catch {
          return transportError(`call ${ns}.${method} failed.`)
        }
      },
    }
    group[method] = named[method]!
  }
  for (const ns of Object.keys(api)) Object.freeze(api[ns])
  return Object.freeze(api) as unknown as GuichetApi
}
