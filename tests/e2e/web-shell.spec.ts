import { expect, test } from './fixtures'

const call = (path: string) => `/api/v1/call/${path}`

test.describe('web shell boundary', () => {
  test('refuses a missing or wrong token', async ({ request, shell }) => {
    const none = await request.post(shell.origin + call('session/status'), { data: {} })
    expect(none.status()).toBe(401)
    expect(await none.json()).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
    const wrong = await request.post(shell.origin + call('session/status'), { data: {}, headers: { 'x-guichet-token': 'nope' } })
    expect(wrong.status()).toBe(401)
  })

  test('refuses other origins and other hosts (DNS rebinding)', async ({ request, shell }) => {
    const headers = { 'x-guichet-token': shell.token }
    const foreign = await request.post(shell.origin + call('session/status'), { data: {}, headers: { ...headers, origin: 'http://evil.example' } })
    expect(foreign.status()).toBe(403)
    const host = await request.post(shell.origin + call('session/status'), { data: {}, headers: { ...headers, host: 'evil.example' } })
    expect(host.status()).toBe(403)
    const ok = await request.post(shell.origin + call('session/status'), { data: {}, headers })
    expect(ok.status()).toBe(200)
    expect(await ok.json()).toMatchObject({ ok: true, data: { agent: null, demo: true } })
  })

  test('bad input gets a typed error and changes nothing', async ({ request, shell }) => {
    const headers = { 'x-guichet-token': shell.token, 'content-type': 'application/json' }
    const malformed = await request.post(shell.origin + call('session/login'), { data: Buffer.from('{"login": '), headers })
    expect(malformed.status()).toBe(400)
    expect(await malformed.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const wrongTypes = await request.post(shell.origin + call('session/login'), { data: { login: 42, password: [] }, headers })
    expect(await wrongTypes.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const unknownField = await request.post(shell.origin + call('session/login'), { data: { login: 'accueil', password: 'accueil2026', admin: true }, headers })
    expect(await unknownField.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const unknown = await request.post(shell.origin + call('families/drop'), { data: {}, headers })
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENDPOINT' } })
    const huge = await request.post(shell.origin + call('families/search'), { data: { q: 'x'.repeat(2_000_000) }, headers })
    expect(huge.status()).toBe(413)
    const status = await request.post(shell.origin + call('session/status'), { data: {}, headers })
    expect(await status.json()).toMatchObject({ ok: true, data: { agent: null } })
  })

  test('serves the app with a strict Content-Security-Policy', async ({ request, shell }) => {
    const res = await request.get(shell.origin + '/')
    expect(res.status()).toBe(200)
    expect(res.headers()['content-security-policy']).toContain("script-src 'self'")
    expect(await res.text()).toContain('Guichet Famille')
  })
})
