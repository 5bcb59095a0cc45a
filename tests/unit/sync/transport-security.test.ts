import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { contract } from '@shared/contract'
import { isLoopbackHost, portalUrlProblem } from '@shared/sync/portalUrl'
import { fetchWithCa, readCaFile } from '../../../src/main/core/sync/https'
import { clockSample, createTransport, SyncTransportError, type FetchLike } from '../../../src/main/core/sync/transport'
import { hasOpenssl, makeCertificates, type TestCertificates } from './certs'

/**
 * Issue 7, transport: the workstation talks to its portal over https, or over http only to
 * this machine itself; a town's own certificate authority can be trusted for the portal.
 */

async function failureOf(p: Promise<unknown>): Promise<SyncTransportError> {
  try {
    await p
  } catch (error) {
    if (error instanceof SyncTransportError) return error
    throw error
  }
  throw new Error('expected a failure')
}

describe('portal address policy', () => {
  it('allows https anywhere and http to loopback only', () => {
    for (const ok of [
      'https://portail.ville.fr',
      'https://10.0.0.5:8443/api/v1',
      'http://127.0.0.1:8790',
      'http://127.8.9.10',
      'http://localhost:8790',
      'http://[::1]:8790',
    ]) {
      expect(portalUrlProblem(ok), ok).toBeNull()
    }
    for (const bad of ['http://portail.ville.fr', 'http://10.0.0.5:8790', 'http://192.168.1.20', 'http://[::2]', 'http://127.0.0.1.evil.fr', 'http://localhost.evil.fr']) {
      expect(portalUrlProblem(bad), bad).toMatch(/http:\/\/ n’est permis que vers ce poste/)
    }
    for (const bad of ['ftp://portail.ville.fr', 'pas une adresse', 'https://user:pass@portail.ville.fr']) expect(portalUrlProblem(bad), bad).toMatch(/invalide/)
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('128.0.0.1')).toBe(false)
  })

  it('is checked at the contract boundary (enrolment)', () => {
    const input = contract.sync.enrol.input
    expect(input.safeParse({ portalUrl: 'https://portail.ville.fr', code: 'ABCDEF-123' }).success).toBe(true)
    expect(input.safeParse({ portalUrl: 'http://127.0.0.1:8790', code: 'ABCDEF-123' }).success).toBe(true)
    const refused = input.safeParse({ portalUrl: 'http://portail.ville.fr', code: 'ABCDEF-123' })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]?.path).toEqual(['portalUrl'])
  })

  it('is checked by the transport: nothing leaves for http to another machine', async () => {
    const calls: string[] = []
    const fetch: FetchLike = async (url) => {
      calls.push(url)
      return new Response(JSON.stringify({ changes: [], cursor: 0, hasMore: false }), { status: 200 })
    }
    const t = createTransport({ baseUrl: 'http://portail.ville.fr', token: () => 'secret-token', fetch })
    const e = await failureOf(t.pull(0))
    expect(e.kind).toBe('insecure')
    expect(e.french).toMatch(/Utilisez https:\/\//)
    await expect(t.push([])).rejects.toBeInstanceOf(SyncTransportError)
    await expect(t.snapshotFile(0)).rejects.toBeInstanceOf(SyncTransportError)
    expect(calls).toEqual([])
    // Loopback http goes through.
    const local = createTransport({ baseUrl: 'http://127.0.0.1:9', token: () => null, fetch })
    expect(await local.pull(0)).toEqual({ changes: [], cursor: 0, hasMore: false })
    expect(calls).toHaveLength(1)
  })
})

describe('clock offset from the portal’s Date header', () => {
  it('allows half the round trip and the header’s second resolution', () => {
    const sent = new Date('2026-11-16T08:05:00.000Z')
    const received = new Date('2026-11-16T08:05:00.400Z')
    // The portal stamped 08:00:00 (its clock 5 min behind ours, within the second).
    const s = clockSample('Mon, 16 Nov 2026 08:00:00 GMT', sent, received)!
    expect(s.roundTripMs).toBe(400)
    expect(s.offsetMs).toBe(5 * 60_000 + 200 - 500)
    expect(clockSample(null, sent, received)).toBeNull()
    expect(clockSample('demain', sent, received)).toBeNull()
  })
})

describe.skipIf(!hasOpenssl())('https with a town’s own certificate authority', () => {
  let certs: TestCertificates
  let server: Server
  let url: string
  beforeAll(async () => {
    certs = makeCertificates()
    server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ changes: [], cursor: Number(new URL(req.url ?? '/', 'https://x').searchParams.get('cursor')), hasMore: false }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    certs.cleanup()
  })

  it('reaches the portal with the CA file', async () => {
    const t = createTransport({ baseUrl: url, token: () => 'secret-token', fetch: fetchWithCa(readCaFile(certs.caFile)) })
    expect(await t.pull(12)).toEqual({ changes: [], cursor: 12, hasMore: false })
  })

  it('refuses the portal without it, or with another CA', async () => {
    const plain = createTransport({ baseUrl: url, token: () => 'secret-token', timeoutMs: 5000 })
    const e = await failureOf(plain.pull(12))
    expect(e.kind).toBe('offline')
    const other = createTransport({ baseUrl: url, token: () => 'secret-token', fetch: fetchWithCa(readCaFile(certs.otherCaFile)), timeoutMs: 5000 })
    expect((await failureOf(other.pull(12))).kind).toBe('offline')
  })

  it('says in French when the CA file cannot be read', () => {
    expect(() => readCaFile(`${certs.dir}/absent.pem`)).toThrow(/Certificat d’autorité du portail illisible/)
    expect(() => readCaFile(`${certs.dir}/server.ext`)).toThrow(/PEM/)
  })
})
