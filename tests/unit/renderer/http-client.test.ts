import { describe, expect, it, vi } from 'vitest'
import { endpointList, HTTP_API_PREFIX, HTTP_TOKEN_HEADER, type GuichetApi } from '@shared/contract'
import { createHttpApi, withGuards, type FetchLike } from '../../../src/renderer/api/http'

type Call = { url: string; headers: Record<string, string>; body: unknown }

function fakeFetch(answer: (call: Call) => { status: number; body: unknown } | Error): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = []
  const fetch: FetchLike = async (url, init) => {
    const call = { url, headers: init.headers, body: JSON.parse(init.body) as unknown }
    calls.push(call)
    const a = answer(call)
    if (a instanceof Error) throw a
    return {
      status: a.status,
      json: async () => {
        if (typeof a.body === 'string') throw new SyntaxError('not json')
        return a.body
      },
    }
  }
  return { fetch, calls }
}

describe('createHttpApi', () => {
  it('exposes every endpoint of the contract and nothing else', () => {
    const api = createHttpApi({ fetch: fakeFetch(() => ({ status: 200, body: { ok: true, data: {} } })).fetch, getToken: () => null })
    const exposed = Object.entries(api).flatMap(([ns, m]) => Object.keys(m).map((k) => `${ns}.${k}`))
    expect(exposed.sort()).toEqual(endpointList.map(([ns, m]) => `${ns}.${m}`).sort())
  })

  it('POSTs the input as JSON to the prefixed path with the token header', async () => {
    const { fetch, calls } = fakeFetch(() => ({ status: 200, body: { ok: true, data: { results: [] } } }))
    const api = createHttpApi({ fetch, getToken: () => 'secret' })
    const r = await api.families.search({ q: 'dupont' })
    expect(r).toEqual({ ok: true, data: { results: [] } })
    expect(calls).toHaveLength(1)
    expect(calls[0]?.url).toBe(`${HTTP_API_PREFIX}/families/search`)
    expect(calls[0]?.headers[HTTP_TOKEN_HEADER]).toBe('secret')
    expect(calls[0]?.body).toEqual({ q: 'dupont' })
  })

  it('passes typed errors through, including a 401 with a Result body', async () => {
    const { fetch } = fakeFetch(() => ({ status: 401, body: { ok: false, error: { code: 'NOT_AUTHENTICATED', message: 'bad token' } } }))
    const api = createHttpApi({ fetch, getToken: () => 'x' })
    const r = await api.session.ping({})
    expect(r).toEqual({ ok: false, error: { code: 'NOT_AUTHENTICATED', message: 'bad token' } })
  })

  it('keeps error details (retryAfterSeconds)', async () => {
    const error = { code: 'LOGIN_THROTTLED', message: 'slow', details: { retryAfterSeconds: 42 } }
    const api = createHttpApi({ fetch: fakeFetch(() => ({ status: 200, body: { ok: false, error } })).fetch, getToken: () => null })
    expect(await api.session.login({ login: 'a', password: 'b' })).toEqual({ ok: false, error })
  })

  it('turns network failures and malformed answers into TRANSPORT, never throws', async () => {
    const down = createHttpApi({ fetch: fakeFetch(() => new TypeError('Failed to fetch')).fetch, getToken: () => null })
    const r1 = await down.session.status({})
    expect(r1.ok).toBe(false)
    if (!r1.ok) expect(r1.error).toMatchObject({ code: 'TRANSPORT', message: 'Failed to fetch' })

    const html = createHttpApi({ fetch: fakeFetch(() => ({ status: 502, body: '<html>' })).fetch, getToken: () => null })
    const r2 = await html.session.status({})
    expect(!r2.ok && r2.error.code).toBe('TRANSPORT')

    const weird = createHttpApi({ fetch: fakeFetch(() => ({ status: 200, body: { ok: false, error: { code: 'NOPE' } } })).fetch, getToken: () => null })
    const r3 = await weird.session.status({})
    expect(!r3.ok && r3.error.code).toBe('TRANSPORT')
  })

  it('a bare 401 without a Result body is NOT_AUTHENTICATED', async () => {
    const api = createHttpApi({ fetch: fakeFetch(() => ({ status: 401, body: 'nope' })).fetch, getToken: () => null })
    const r = await api.session.status({})
    expect(!r.ok && r.error.code).toBe('NOT_AUTHENTICATED')
  })

  it('times out into TRANSPORT', async () => {
    const fetch: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))))
    const api = createHttpApi({ fetch, getToken: () => null, timeoutMs: 10 })
    const r = await api.session.status({})
    expect(!r.ok && r.error.code).toBe('TRANSPORT')
    expect(!r.ok && r.error.message).toMatch(/timeout/)
  })
})

describe('withGuards', () => {
  function innerApi(answer: () => unknown): GuichetApi {
    const api: Record<string, Record<string, () => unknown>> = {}
    for (const [ns, m] of endpointList) (api[ns] ??= {})[m] = answer
    return api as unknown as GuichetApi
  }

  it('reports NOT_AUTHENTICATED and SESSION_LOCKED answers', async () => {
    const onLost = vi.fn()
    const api = withGuards(innerApi(async () => ({ ok: false, error: { code: 'SESSION_LOCKED', message: 'locked' } })), onLost)
    const r = await api.families.search({ q: 'x' })
    expect(!r.ok && r.error.code).toBe('SESSION_LOCKED')
    expect(onLost).toHaveBeenCalledWith('SESSION_LOCKED', 'families.search')
  })

  it('does not report other errors', async () => {
    const onLost = vi.fn()
    const api = withGuards(innerApi(async () => ({ ok: false, error: { code: 'BAD_CREDENTIALS', message: 'no' } })), onLost)
    await api.session.login({ login: 'a', password: 'b' })
    expect(onLost).not.toHaveBeenCalled()
  })

  it('turns a throwing or rejecting bridge into TRANSPORT', async () => {
    const throwing = withGuards(innerApi(() => { throw new Error('boom') }), () => {})
    const r1 = await throwing.session.status({})
    expect(!r1.ok && r1.error.code).toBe('TRANSPORT')
    const rejecting = withGuards(innerApi(() => Promise.reject(new Error('gone'))), () => {})
    const r2 = await rejecting.session.status({})
    expect(!r2.ok && r2.error).toMatchObject({ code: 'TRANSPORT', message: 'gone' })
  })

  it('answers UNKNOWN_ENDPOINT when the bridge lacks a method', async () => {
    const api = withGuards({ session: {} } as unknown as GuichetApi, () => {})
    const r = await api.families.get({ id: '018f0000-0000-7000-8000-000000000001' })
    expect(!r.ok && r.error.code).toBe('UNKNOWN_ENDPOINT')
  })
})
