import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER, type Result } from '@shared/contract'
import { createWebServer } from '../../../src/main/web/server'
import { makeCore } from '../../helpers/core'

/**
 * Input hygiene at the web shell (issue 7): what the shell reads from a request (the endpoint's
 * name in the path, the body) holds no NUL, lone surrogate or control character (newline, tab
 * and CRLF aside) and no absurd nesting, or the shell answers 400 INVALID_INPUT naming the
 * field without calling the core. Real HTTP on loopback, a real core (SQLite file) behind it.
 */

const TOKEN = 'jeton-de-test-0123456789abcdef'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function start(): Promise<{ url: string; calls: string[] }> {
  const core = await makeCore()
  cleanups.push(core.cleanup)
  const session = core.openSession()
  const calls: string[] = []
  const app: FastifyInstance = createWebServer({
    host: {
      call: (ns, method, input) => {
        calls.push(`${ns}.${method}`)
        return core.call(session, ns, method, input)
      },
    },
    rendererDir: '/nonexistent',
    token: TOKEN,
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  cleanups.push(() => app.close())
  return { url, calls }
}

async function post(url: string, path: string, body: string): Promise<{ status: number; body: Result<unknown> }> {
  const res = await fetch(`${url}${HTTP_API_PREFIX}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HTTP_TOKEN_HEADER]: TOKEN },
    body,
  })
  return { status: res.status, body: (await res.json()) as Result<unknown> }
}

describe('web shell input hygiene', () => {
  it.each([
    ['NUL', '"Le\\u0000"', 'U+0000'],
    ['lone surrogate', '"Le\\ud800"', 'U+D800'],
    ['control character', '"Le\\u0001"', 'U+0001'],
  ])('a %s in the body: 400 INVALID_INPUT naming the field, the core is not called', async (_label, q, code) => {
    const { url, calls } = await start()
    const res = await post(url, 'families/search', `{"q": ${q}}`)
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'q' }] } } })
    if (!res.body.ok) expect(res.body.error.details?.issues?.[0]?.message).toContain(code)
    expect(calls).toEqual([])
  })

  it('a bad key, a bad endpoint name and absurd nesting: 400, the core is not called', async () => {
    const { url, calls } = await start()
    const key = await post(url, 'session/status', '{"\\u0000": 1}')
    expect(key.status).toBe(400)
    expect(key.body).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: '\\u0000' }] } } })
    const name = await post(url, 'session%01/status', '{}')
    expect(name.status).toBe(400)
    expect(name.body).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'ns' }] } } })
    const deep = await post(url, 'session/status', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)
    expect(deep.status).toBe(400)
    expect(deep.body).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(calls).toEqual([])
  })

  it('clean input, newlines included, reaches the core', async () => {
    const { url, calls } = await start()
    const status = await post(url, 'session/status', '{}')
    expect(status.status).toBe(200)
    expect(status.body.ok).toBe(true)
    const discard = await post(url, 'sync/discard', '{"seq": 1, "reason": "Doublon.\\nVu avec la famille."}')
    expect(discard.status).toBe(200)
    expect(discard.body).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
    expect(calls).toEqual(['session.status', 'sync.discard'])
  })
})
