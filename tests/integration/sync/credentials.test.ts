import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FamilyFile } from '@shared/contract'
import type { CredentialsStatus, IssuedCredentials } from '@shared/contract/credentials'
import { codeFamilleNumber, isValidCodeFamille } from '@shared/domain/codeFamille'
import { rows } from '../../../src/portal/db/client'
import { getSetting } from '../../../src/main/core/services/settings'
import { SYNC_KEYS } from '../../../src/main/core/sync/state'
import { expectOk, openWorkstation, startTestPortal, type Portal, type TestWorkstation } from './harness'
import { asAgent, family } from './fixtures/family-input'

/**
 * Portal credentials end to end on the real portal over HTTP (PGlite, or PostgreSQL when
 * DATABASE_URL is set): a family created and given its credentials on a counter that is offline
 * logs into the portal with the printed code and password once the counter is back; the
 * password must be changed first, then the old one fails. Two counters issuing offline for the
 * same family: the issue the portal applies last wins, the other counter is told by a flag.
 * Property: codes famille made offline on two counters never collide.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 3, seed: 9 })
  ;[a, b] = await Promise.all([openWorkstation(portal, { name: 'Guichet A' }), openWorkstation(portal, { name: 'Guichet B' })])
  asAgent(a, 'accueil')
  asAgent(b, 'accueil')
})

afterAll(async () => {
  for (const ws of [a, b]) await ws?.cleanup()
  await portal?.cleanup()
})

async function familyLogin(code: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${portal.url}/api/v1/family/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, password }),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function familyCall(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${portal.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('credentials issued at the counter, offline, work on the portal after the sync', () => {
  it('first login with the printed password, forced change, the old password then fails', async () => {
    a.faults.offline = true
    const input = family(a, 'Nadia', 'Yanis', '2019-03-04')
    const file = expectOk(await a.call<FamilyFile>('families', 'create', input))
    const issued = expectOk(await a.call<IssuedCredentials>('credentials', 'issue', { familyId: file.id, identityChecked: true }))
    expect(issued.codeFamille).toBe(file.code)
    // Offline: the portal knows nothing yet.
    expect((await familyLogin(issued.codeFamille, issued.password)).status).toBe(401)

    a.faults.offline = false
    await a.drain()
    const login = await familyLogin(issued.codeFamille, issued.password)
    expect(login.status).toBe(200)
    expect(login.body.mustChangePassword).toBe(true)
    const token = String(login.body.token)
    // Nothing else before the change.
    expect((await familyCall(token, 'GET', '/family/me')).status).toBe(403)
    const changed = await familyCall(token, 'POST', '/family/password', { currentPassword: issued.password, newPassword: 'Un-vrai-mot-de-passe-42' })
    expect(changed.status).toBe(200)
    expect((await familyLogin(issued.codeFamille, issued.password)).status).toBe(401)
    const again = await familyLogin(issued.codeFamille, 'Un-vrai-mot-de-passe-42')
    expect(again.status).toBe(200)
    expect(again.body.mustChangePassword).toBe(false)

    // The portal holds the hash, never the password; the shared row holds neither.
    const [account] = await rows<{ password_hash: string }>(portal.db, sql`SELECT password_hash FROM family_accounts WHERE family_id = ${file.id}`)
    expect(account!.password_hash).toMatch(/^scrypt\$/)
    const issuesOnPortal = await rows<Record<string, unknown>>(portal.db, sql`SELECT * FROM credential_issues WHERE family_id = ${file.id}`)
    expect(issuesOnPortal).toHaveLength(1)
    expect(JSON.stringify(issuesOnPortal)).not.toMatch(/scrypt|\$/)
  })

  it('two counters issue offline for the same family: the last applied wins, the other counter is told', async () => {
    const input = family(a, 'Chloé', 'Inès', '2020-05-06')
    const file = expectOk(await a.call<FamilyFile>('families', 'create', input))
    await a.drain()
    await b.drain()
    a.faults.offline = true
    b.faults.offline = true
    const onA = expectOk(await a.call<IssuedCredentials>('credentials', 'issue', { familyId: file.id, identityChecked: true }))
    const onB = expectOk(await b.call<IssuedCredentials>('credentials', 'issue', { familyId: file.id, identityChecked: true }))
    a.faults.offline = false
    b.faults.offline = false
    await a.drain()
    await b.drain() // B's issue is applied last: it wins
    await a.drain()

    expect((await familyLogin(file.code, onB.password)).status).toBe(200)
    expect((await familyLogin(file.code, onA.password)).status).toBe(401)
    const flags = await rows<{ code: string; data: string; workstation_id: string }>(
      portal.db,
      sql`SELECT code, data, workstation_id FROM flags WHERE family_id = ${file.id} AND code = 'CREDENTIALS_SUPERSEDED'`,
    )
    expect(flags).toHaveLength(1)
    expect(JSON.parse(flags[0]!.data)).toMatchObject({ replacedIssueId: onA.issueId, issueId: onB.issueId })
    expect(flags[0]!.data).not.toContain('scrypt')

    // Counter A learns it: its family file shows B's issue as the current one, and the conflict.
    const status = expectOk(await a.call<CredentialsStatus>('credentials', 'status', { familyId: file.id }))
    expect(status.last).toMatchObject({ id: onB.issueId, here: false, superseded: false })
    expect(status.history[0]).toMatchObject({ id: onA.issueId, here: true, superseded: true })
    expect(status.conflicts).toHaveLength(1)
    expect(status.conflicts[0]!.reason).toContain('Rappeler la famille')
  })
})

describe('codes famille made offline on two counters never collide (property)', () => {
  it('whatever the order of creations on A and B', async () => {
    const ranges = [a, b].map((ws) => ({
      first: Number(getSetting(ws.core.sqlite, SYNC_KEYS.codeFamilleFirst)),
      last: Number(getSetting(ws.core.sqlite, SYNC_KEYS.codeFamilleLast)),
    }))
    const made: Array<{ ws: number; code: string }> = []
    let n = 0
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(1), { minLength: 1, maxLength: 6 }), async (order) => {
        a.faults.offline = true
        b.faults.offline = true
        for (const w of order) {
          const ws = w === 0 ? a : b
          n++
          const file = expectOk(await ws.call<FamilyFile>('families', 'create', family(ws, `Parent${n}`, `Enfant${n}`, '2019-01-01')))
          made.push({ ws: w, code: file.code })
        }
        const codes = made.map((m) => m.code)
        expect(new Set(codes).size).toBe(codes.length)
        for (const m of made) {
          expect(isValidCodeFamille(m.code)).toBe(true)
          const number = codeFamilleNumber(m.code)!
          expect(number).toBeGreaterThanOrEqual(ranges[m.ws]!.first)
          expect(number).toBeLessThanOrEqual(ranges[m.ws]!.last)
        }
      }),
      { numRuns: 8, seed: 9 },
    )
    a.faults.offline = false
    b.faults.offline = false
    await a.drain()
    await b.drain()
    const onPortal = await rows<{ code: string }>(portal.db, sql`SELECT code FROM families`)
    const codes = onPortal.map((f) => f.code)
    expect(new Set(codes).size).toBe(codes.length)
    for (const m of made) expect(codes).toContain(m.code)
    const duplicates = await rows<{ n: number }>(portal.db, sql`SELECT count(*)::int AS n FROM flags WHERE code = 'DUPLICATE_NUMBER'`)
    expect(duplicates[0]!.n).toBe(0)
  })
})
