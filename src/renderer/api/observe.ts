import { findEndpoint, type GuichetApi, type Result } from '@shared/contract'

type AnyCall = (input: unknown) => Promise<Result<unknown>>

/** `ns.method` of a command that has just answered, and whether it succeeded. */
export type CommandListener = (endpoint: string, ok: boolean) => void

/**
 * Wraps an api so that every command of the contract (not the queries) reports its end to
 * `listener` (the status bar refreshes the sync state after each one). The answer is unchanged.
 */
export function withCommandHook(inner: GuichetApi, listener: CommandListener): GuichetApi {
  const source = inner as unknown as Record<string, Record<string, AnyCall>>
  const api: Record<string, Record<string, AnyCall>> = {}
  for (const [ns, methods] of Object.entries(source)) {
    const wrapped: Record<string, AnyCall> = (api[ns] = {})
    for (const [method, fn] of Object.entries(methods)) {
      if (findEndpoint(ns, method)?.kind !== 'command') {
        wrapped[method] = fn
        continue
      }
      wrapped[method] = async (input: unknown) => {
        const result = await fn(input)
        try {
          listener(`${ns}.${method}`, result.ok)
        } catch {
          // A listener fault must not change the answer.
        }
        return result
      }
    }
  }
  return api as unknown as GuichetApi
}
