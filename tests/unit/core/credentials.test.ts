import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { extractText } from 'unpdf'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PASSWORD_ALPHABET } from '../../../src/common/credentials'
import { verifyPassword } from '../../../src/common/passwords'
import type { CredentialsStatus, IssuedCredentials } from '@shared/contract/credentials'
import { AGENTS, addAgents, addFamily, fakeClock, makeCore } from '../../helpers/core'

/**
 * Portal credentials at the counter (issue 9), on a real SQLite file: the core makes a
 * 10-character password, queues only its scrypt hash (fact credentials.issue), returns the slip
 * PDF, holds the clear password in memory for the reprint window, and forgets it on
 * « Remis à la famille » or after 15 minutes. The password is nowhere at rest.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let agents: ReturnType<typeof addAgents>
let familyId: string
const clock = fakeClock('2026-11-27T09:00:00Z')

beforeEach(async () => {
  core = await makeCore({ now: clock.now })
  agents = addAgents(core.sqlite)
  session = core.openSession()
  const login = await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  expect(login.ok).toBe(true)
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', level: 'CP' },
    ],
  })
})
afterEach(() => core.cleanup())

async function ok<T>(p: Promise<{ ok: boolean; data?: unknown; error?: unknown }>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.data as T
}

const outbox = () => core.sqlite.prepare('SELECT name, payload FROM outbox ORDER BY seq').all() as Array<{ name: string; payload: string }>
const issue = (input: Record<string, unknown> = {}) => ok<IssuedCredentials>(core.call(session, 'credentials', 'issue', { familyId, identityChecked: true, ...input }))
const pdfText = async (base64: string) => (await extractText(new Uint8Array(Buffer.from(base64, 'base64')), { mergePages: true })).text

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...filesUnder(path))
    else out.push({ path, bytes: readFileSync(path) })
  }
  return out
}

/** The files holding `secret` in UTF-8, UTF-16LE or UTF-16BE. */
function holding(dir: string, secret: string): string[] {
  const needles = [Buffer.from(secret, 'utf8'), Buffer.from(secret, 'utf16le'), Buffer.from(secret, 'utf16le').swap16()]
  return filesUnder(dir)
    .filter((f) => needles.some((n) => f.bytes.includes(n)))
    .map((f) => f.path)
}

describe('credentials.issue at the counter', () => {
  it('makes a 10-character password without look-alikes, queues only its scrypt hash, and returns a slip holding the code and the password', async () => {
    const issued = await issue()
    expect(issued.codeFamille).toBe('100001K')
    expect(issued.password).toHaveLength(10)
    for (const ch of issued.password) expect(PASSWORD_ALPHABET).toContain(ch)
    expect(issued.password).not.toMatch(/[0O1lI]/)
    expect(issued.layout).toBe('a4')
    expect(issued.expiresAt).toBe('2026-12-27T09:00:00.000Z') // 30 days, the town's default
    expect(issued.reprintUntil).toBe('2026-11-27T09:15:00.000Z')

    const [queued] = outbox()
    expect(queued!.name).toBe('credentials.issue')
    const payload = JSON.parse(queued!.payload) as Record<string, unknown>
    expect(payload).toMatchObject({ id: issued.issueId, familyId, kind: 'first', identityChecked: true, previousIssueId: null })
    expect(String(payload.passwordHash)).toMatch(/^scrypt\$32768\$8\$3\$/)
    expect(await verifyPassword(issued.password, String(payload.passwordHash))).toBe(true)
    expect(queued!.payload).not.toContain(issued.password)

    const row = core.sqlite.prepare('SELECT * FROM credential_issues').get() as Record<string, unknown>
    expect(row).toMatchObject({ id: issued.issueId, family_id: familyId, kind: 'first', agent_id: agents.accueil.id, superseded_by: null })
    expect(JSON.stringify(row)).not.toContain('scrypt')

    const text = await pdfText(issued.slipPdfBase64)
    expect(text).toContain('100001K')
    expect(text).toContain(issued.password)

    // Journaled (who, which family), without the password.
    const journal = core.sqlite.prepare(`SELECT * FROM journal WHERE action = 'credentials.issue'`).all() as Array<Record<string, unknown>>
    expect(journal).toHaveLength(1)
    expect(journal[0]).toMatchObject({ entity: 'family', entity_id: familyId, outcome: 'ok', agent_id: agents.accueil.id })
    expect(JSON.stringify(journal)).not.toContain(issued.password)
  })

  it('refuses without the identity check, and for an unknown family', async () => {
    const r = await core.call(session, 'credentials', 'issue', { familyId, identityChecked: false })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT')
    const unknown = await core.call(session, 'credentials', 'issue', { familyId: '01900000-0000-7000-8000-000000000000', identityChecked: true })
    expect(unknown.ok).toBe(false)
    if (!unknown.ok) expect(unknown.error.code).toBe('NOT_FOUND')
    expect(outbox()).toHaveLength(0)
  })

  it('refuses hostile input at the boundary and writes nothing', async () => {
    const bad: Array<Record<string, unknown>> = [
      { familyId, identityChecked: 'true' },
      { familyId, identityChecked: 1 },
      { familyId },
      { familyId: `${familyId}\u0000`, identityChecked: true },
      { familyId: 'not-a-uuid', identityChecked: true },
      { familyId, identityChecked: true, layout: 'a5' },
      { familyId, identityChecked: true, passwordHash: 'scrypt$1$1$1$AAAAAAAA$AAAAAAAA' },
      { familyId, identityChecked: true, password: 'choisi-par-moi' },
    ]
    for (const input of bad) {
      const r = await core.call(session, 'credentials', 'issue', input)
      expect(r.ok, JSON.stringify(input)).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('INVALID_INPUT')
    }
    const reprint = await core.call(session, 'credentials', 'reprint', { familyId: '\ud800', layout: 'a4' })
    expect(reprint.ok).toBe(false)
    expect(outbox()).toHaveLength(0)
    expect(core.sqlite.prepare('SELECT count(*) FROM credential_issues').pluck().get()).toBe(0)
  })

  it('reprints the same password within 15 minutes, in the other layout too; « Remis à la famille » forgets it', async () => {
    const issued = await issue()
    clock.advance(5 * 60)
    const again = await ok<IssuedCredentials>(core.call(session, 'credentials', 'reprint', { familyId, layout: '80mm' }))
    expect(again.password).toBe(issued.password)
    expect(again.layout).toBe('80mm')
    expect(await pdfText(again.slipPdfBase64)).toContain(issued.password)
    expect(outbox()).toHaveLength(1) // a reprint is not a new issue

    const status = await ok<CredentialsStatus>(core.call(session, 'credentials', 'status', { familyId }))
    expect(status.reprintUntil).toBe(issued.reprintUntil)
    expect(status.last).toMatchObject({ id: issued.issueId, kind: 'first', agentName: AGENTS.accueil.displayName, here: true, superseded: false })

    await ok(core.call(session, 'credentials', 'handedOver', { familyId }))
    const late = await core.call(session, 'credentials', 'reprint', { familyId })
    expect(late.ok).toBe(false)
    if (!late.ok) expect(late.error.details?.rule).toBe('REPRINT_EXPIRED')
    expect((await ok<CredentialsStatus>(core.call(session, 'credentials', 'status', { familyId }))).reprintUntil).toBeNull()
  })

  it('no reprint after 15 minutes: a new issue is needed', async () => {
    // The session would lock after 5 idle minutes: keep it alive the way the screen does.
    await issue()
    for (let i = 0; i < 3; i++) {
      clock.advance(4 * 60)
      expect((await core.call(session, 'session', 'ping', {})).ok).toBe(true)
    }
    clock.advance(3 * 60 - 1)
    expect((await core.call(session, 'credentials', 'reprint', { familyId })).ok).toBe(true)
    clock.advance(1)
    const late = await core.call(session, 'credentials', 'reprint', { familyId })
    expect(late.ok).toBe(false)
  })

  it('each new issue makes a new password, replaces the previous issue, and is a reset', async () => {
    const first = await issue()
    clock.advance(60)
    const second = await issue({ layout: '80mm' })
    expect(second.password).not.toBe(first.password)
    const [, queued] = outbox()
    expect(JSON.parse(queued!.payload)).toMatchObject({ kind: 'reset', previousIssueId: first.issueId })
    const rows = core.sqlite.prepare('SELECT id, superseded_by FROM credential_issues ORDER BY issued_at').all()
    expect(rows).toEqual([
      { id: first.issueId, superseded_by: second.issueId },
      { id: second.issueId, superseded_by: null },
    ])
    // The reprint gives the latest password only.
    expect((await ok<IssuedCredentials>(core.call(session, 'credentials', 'reprint', { familyId }))).password).toBe(second.password)
    const status = await ok<CredentialsStatus>(core.call(session, 'credentials', 'status', { familyId }))
    expect(status.last?.id).toBe(second.issueId)
    expect(status.history.map((h) => h.id)).toEqual([first.issueId])
  })

  it('the clear password is nowhere at rest: database, -wal, -shm, outbox, journal, data folder', async () => {
    const issued = await issue()
    await ok(core.call(session, 'credentials', 'reprint', { familyId }))
    const before = holding(core.dir, issued.password)
    core.sqlite.pragma('wal_checkpoint(FULL)')
    expect(before).toEqual([])
    expect(holding(core.dir, issued.password)).toEqual([])
    // The test can fail: the family's name is in the database.
    expect(holding(core.dir, 'Lefèvre').length).toBeGreaterThan(0)
  })

  it('reads the slip layout and printer from the workstation settings (responsable saves them)', async () => {
    expect(await ok(core.call(session, 'credentials', 'slipSettings', {}))).toEqual({ layout: 'a4', printer: '' })
    const refused = await core.call(session, 'credentials', 'saveSlipSettings', { layout: '80mm', printer: 'Ticket' })
    expect(refused.ok).toBe(false)
    const s2 = core.openSession()
    await ok(core.call(s2, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password }))
    expect(await ok(core.call(s2, 'credentials', 'saveSlipSettings', { layout: '80mm', printer: 'Ticket\u0000' })).catch((e: Error) => e.message)).toContain('INVALID_INPUT')
    expect(await ok(core.call(s2, 'credentials', 'saveSlipSettings', { layout: '80mm', printer: 'Ticket' }))).toEqual({ layout: '80mm', printer: 'Ticket' })
    expect((await issue()).layout).toBe('80mm')
  })
})
