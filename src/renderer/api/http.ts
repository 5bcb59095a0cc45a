import {
  endpointList,
  HTTP_API_PREFIX,
  HTTP_TOKEN_HEADER,
  isContractError,
  type ContractError,
  type GuichetApi,
  type Result,
} from '@shared/contract'

/** The part of `fetch` the client uses (a fake one is injected in tests). */
export type FetchLike = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ status: number; json(): Promise<unknown> }>

export interface HttpApiOptions {
  fetch: FetchLike
  /** The web shell's token, read on every call (it may arrive after start). */
  getToken: () => string | null
  /** Prefix prepended to the path, '' for the page's own origin. */
  baseUrl?: string
  /** Abort a call that takes longer than this (ms). 0 disables the timeout. */
  timeoutMs?: number
}

type AnyCall = (input: unknown) => Promise<Result<unknown>>

function transport(message: string): { ok: false; error: ContractError } {
  return { ok: false, error: { code: 'TRANSPORT', message } }
}

/** Accepts only a well-formed Result; anything else from the server is a transport fault. */
export function asResult(body: unknown): Result<unknown> | null {
  if (typeof body !== 'object' || body === null) return null
  const r = body as { ok?: unknown; data?: unknown; error?: unknown }
  // `data` may be absent for empty outputs once serialised (undefined is dropped by JSON).
  if (r.ok === true) return { ok: true, data: r.data }
  if (r.ok === false && isContractError(r.error)) return { ok: false, error: r.error }
  return null
}

/**
 * The contract over loopback HTTP (web shell): one POST per call, built from `endpointList`
 * so that no endpoint name is written by hand. Never throws, never rejects.
 */
export function createHttpApi(options: HttpApiOptions): GuichetApi {
  const { fetch, getToken, baseUrl = '', timeoutMs = 30_000 } = options

  async function call(ns: string, method: string, input: unknown): Promise<Result<unknown>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
    const token = getToken()
    if (token) headers[HTTP_TOKEN_HEADER] = token
    const url = `${baseUrl}${HTTP_API_PREFIX}/${encodeURIComponent(ns)}/${encodeURIComponent(method)}`
    const controller = typeof AbortController === 'function' ? new AbortController() : undefined
    const timer =
      controller && timeoutMs > 0 ? setTimeout(() => controller.abort(), timeoutMs) : undefined
    try {
      let body: string
      try {
        body = JSON.stringify(input ?? {})
      } catch {
        return { ok: false, error: { code: 'INVALID_INPUT', message: 'input is not serialisable to JSON' } }
      }
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        ...(controller ? { signal: controller.signal } : {}),
      })
      let json: unknown
      try {
        json = await response.json()
      } catch {
        json = undefined
      }
      const result = asResult(json)
      if (result) return result
      if (response.status === 401) {
        return { ok: false, error: { code: 'NOT_AUTHENTICATED', message: 'HTTP 401' } }
      }
      return transport(`unexpected response (HTTP ${response.status})`)
    } catch (err) {
      const aborted = controller?.signal.aborted === true
      return transport(aborted ? `timeout after ${timeoutMs} ms` : err instanceof Error ? err.message : String(err))
    } finally {
      if (timer !== undefined) clearTimeout(timer)
    }
  }

  const api: Record<string, Record<string, AnyCall>> = {}
  for (const [ns, method] of endpointList) {
    const methods = (api[ns] ??= {})
    methods[method] = (input: unknown) => call(ns, method, input)
  }
  return api as unknown as GuichetApi
}

export type AuthLostCode = 'NOT_AUTHENTICATED' | 'SESSION_LOCKED'

/**
 * Wraps an api so that (1) a call never throws (a thrown error or rejection becomes TRANSPORT)
 * and (2) every NOT_AUTHENTICATED / SESSION_LOCKED answer is reported to `onAuthLost`.
 */
export function withGuards(inner: GuichetApi, onAuthLost: (code: AuthLostCode, endpoint: string) => void): GuichetApi {
  const source = inner as unknown as Record<string, Record<string, AnyCall | undefined> | undefined>
  const api: Record<string, Record<string, AnyCall>> = {}
  for (const [ns, method] of endpointList) {
    const methods = (api[ns] ??= {})
    methods[method] = async (input: unknown) => {
      let result: Result<unknown>
      try {
        const fn = source[ns]?.[method]
        if (typeof fn !== 'function') {
          result = { ok: false, error: { code: 'UNKNOWN_ENDPOINT', message: `${ns}.${method} is not exposed` } }
        } else {
          const raw = await fn(input)
          result = asResult(raw) ?? transport(`malformed answer from ${ns}.${method}`)
        }
      } catch (err) {
        result = transport(err instanceof Error ? err.message : String(err))
      }
      if (!result.ok && (result.error.code === 'NOT_AUTHENTICATED' || result.error.code === 'SESSION_LOCKED')) {
        try {
          onAuthLost(result.error.code, `${ns}.${method}`)
        } catch {
          // A listener fault must not turn a typed answer into an exception.
        }
      }
      return result
    }
  }
  return api as unknown as GuichetApi
}
