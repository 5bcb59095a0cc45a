import { describe, expect, it } from 'vitest'
import { SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import { backoffDelayMs } from '../../../src/main/core/sync/engine'
import { createTransport, SyncTransportError, type FetchLike } from '../../../src/main/core/sync/transport'

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

function transportWith(fetch: FetchLike, timeoutMs = 1000) {
  return createTransport({ baseUrl: 'http://127.0.0.1:9/api/v1/', token: () => 'secret-token', fetch, timeoutMs })
}

async function failureOf(p: Promise<unknown>): Promise<SyncTransportError> {
  try {
    await p
  } catch (error) {
    if (error instanceof SyncTransportError) return error
    throw error
  }
  throw new Error('expected a failure')
}

describe('sync transport', () => {
  it('sends the bearer token and the schema header, and validates the answer', async () => {
    let seen: { url: string; headers: Record<string, string> } | null = null
    const t = transportWith(async (url, init) => {
      seen = { url, headers: init.headers as Record<string, string> }
      return json(200, { changes: [], cursor: 7, hasMore: false })
    })
    expect(await t.pull(7, 100)).toEqual({ changes: [], cursor: 7, hasMore: false })
    expect(seen!.url).toBe('http://127.0.0.1:9/api/v1/sync/pull?cursor=7&limit=100')
    expect(seen!.headers.authorization).toBe('Bearer secret-token')
    expect(seen!.headers[SCHEMA_HEADER]).toBe(String(SYNC_SCHEMA_VERSION))
  })

  it('types every failure', async () => {
    const cases: Array<[FetchLike, string, string | RegExp]> = [
      [async () => Promise.reject(new TypeError('fetch failed')), 'offline', /injoignable/],
      [async () => json(500, { error: { code: 'INTERNAL', message: 'boom' } }), 'portal', /erreur/],
      [async () => new Response('<html>bad gateway</html>', { status: 502 }), 'portal', /erreur/],
      [async () => json(200, { nothing: true }), 'portal', /erreur/],
      [async () => json(401, { error: { code: 'UNAUTHORIZED', message: 'Jeton inconnu.' } }), 'unauthorized', "Ce poste n’est plus autorisé (jeton révoqué) : inscrivez-le de nouveau."],
      [async () => json(426, { error: { code: 'UPGRADE_REQUIRED', message: 'x', minSchemaVersion: 2 } }), 'upgrade', /Mettez l’application à jour/],
      [async () => json(400, { error: { code: 'INVALID_REQUEST', message: 'Requête invalide.' } }), 'refused', 'Requête invalide.'],
    ]
    for (const [fetch, kind, text] of cases) {
      const error = await failureOf(transportWith(fetch).pull(0))
      expect(error.kind, String(text)).toBe(kind)
      if (typeof text === 'string') expect(error.french).toBe(text)
      else expect(error.french).toMatch(text)
    }
  })

  it('reads SEQUENCE_GAP with the seq the portal expects', async () => {
    const t = transportWith(async () => json(409, { error: { code: 'SEQUENCE_GAP', message: 'trou', expectedSeq: 4 } }))
    const error = await failureOf(
      t.push([{ seq: 6, id: '019ac000-0000-7000-8000-000000000000', name: 'x', payload: {}, at: new Date().toISOString(), agentId: null }]),
    )
    expect(error.kind).toBe('sequence_gap')
    expect(error.extra.expectedSeq).toBe(4)
  })

  it('times out a portal that does not answer', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)))
    const started = Date.now()
    const error = await failureOf(transportWith(hang, 150).pull(0))
    expect(error.kind).toBe('timeout')
    expect(error.offline).toBe(true)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffDelayMs(1, () => 1)).toBe(2000)
    expect(backoffDelayMs(3, () => 1)).toBe(8000)
    expect(backoffDelayMs(30, () => 1)).toBe(300_000)
    expect(backoffDelayMs(30, () => 0.5)).toBe(150_000)
    expect(backoffDelayMs(2, () => 0)).toBe(100)
  })
})
