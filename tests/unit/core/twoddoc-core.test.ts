import { readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addAgents, addFamily, AGENTS, fakeClock, makeCore, type TestCore } from '../../helpers/core'
import { ensureTownDefaults } from '../../../src/main/core/demo/town-defaults'
import { storeScan } from '../../../src/main/core/services/scans'
import { databaseFile } from '../../../src/main/core/paths'
import { MAX_READINGS, READING_MINUTES, TwoDDocReadings } from '../../../src/main/core/services/twoddoc-readings'
import type { DossierView } from '../../../src/shared/contract/documents'
import type { TrustStatus, TwoDDocReadView } from '../../../src/shared/contract/twoddoc'
import type { ScanRef } from '../../../src/shared/contract/scans'
import {
  BILL_SECRETS,
  billImage,
  billPdf,
  makeTestPki,
  signedTwoDDoc,
  testBundle,
  unsignedTwoDDoc,
  type BillOptions,
  type TestSigner,
} from '../../support/twoddoc'

/**
 * Issue 13 at the counter, with the real core on a real SQLite file and the real 2D-Doc worker:
 * a bill stored as a scan is read (green, the piece filled in), recorded with the verdict the core
 * kept (never one the screen sends); a difference from the family file must be accepted; an
 * invalid signature cannot be validated; a reading the core never made, or made for another
 * family or scan, is refused at the field; the trust bundle is imported by a responsable only,
 * never a test bundle nor an older one. And nothing of the barcode reaches the database file,
 * the journal, the outbox or the logs.
 *
 * Today is Friday 27 November 2026; the shipped bundle's next update (25/02/2026) is past, so the
 * tests import a bundle of their own (a test PKI made now, a higher sequence) first.
 */

const YEAR = '2026-2027'
const SHIPPED = JSON.parse(readFileSync(resolve(__dirname, '../../../resources/2ddoc/trust-bundle.json'), 'utf8')) as { sequence: number; nextUpdate: string }
let core: TestCore
let clock: ReturnType<typeof fakeClock>
let session: ReturnType<TestCore['openSession']>
let familyId: string
let otherFamilyId: string
let signer: TestSigner
const logs: string[] = []
const texts: string[] = []

const bill = (over: Partial<BillOptions> = {}): BillOptions => ({
  authorityId: signer.authorityId,
  certificateId: signer.certificateId,
  emittedOn: '2026-11-10',
  fields: [
    ['10', 'M/LEMERCIER/PIERRE'],
    ['22', '12 RUE VICTOR HUGO'],
    ['24', '78420'],
    ['25', 'CARRIERES-SUR-SEINE'],
    ['26', 'FR'],
    ['18', BILL_SECRETS[0]],
    ['1D', BILL_SECRETS[1]],
    ['1E', BILL_SECRETS[2]],
  ],
  ...over,
})

/** A bill signed by the test PKI, printed on an A4 page and stored as this workstation's scan. */
async function scanOf(text: string, name = 'facture.png'): Promise<ScanRef> {
  texts.push(text)
  return storeScan(core.dir, await billImage(text), name)
}

async function call<T>(ns: string, method: string, input: unknown): Promise<T> {
  const r = await core.call(session, ns, method, input)
  if (!r.ok) throw new Error(`${ns}.${method}: ${JSON.stringify(r.error)}`)
  return r.data as T
}

async function asRole(role: keyof typeof AGENTS) {
  await core.call(session, 'session', 'logout', {})
  const r = await core.call(session, 'session', 'login', { login: AGENTS[role].login, password: AGENTS[role].password })
  expect(r.ok).toBe(true)
}

const read = (scan: ScanRef, family = familyId) => call<TwoDDocReadView>('twoddoc', 'read', { sha256: scan.sha256, familyId: family })

const piece = (scan: ScanRef | null, over: Record<string, unknown> = {}) => ({
  familyId,
  personId: null,
  requirementId: 'domicile',
  typeId: 'facture_energie',
  documentDate: '2026-11-10',
  status: 'validee',
  storage: scan ? 'scan' : 'vu',
  scan,
  schoolYear: YEAR,
  ...over,
})

function fieldError(r: Awaited<ReturnType<TestCore['call']>>) {
  expect(r.ok).toBe(false)
  if (r.ok) return null
  return { code: r.error.code, issues: r.error.details?.issues }
}

beforeAll(async () => {
  clock = fakeClock('2026-11-27T09:00:00Z')
  core = await makeCore({ now: clock.now, log: (line) => logs.push(line) })
  addAgents(core.sqlite)
  ensureTownDefaults(core.sqlite)
  session = core.openSession()
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lemercier',
    members: [
      { role: 'RL1', firstNames: 'Pierre', lastName: 'Lemercier', birthDate: '1985-04-02' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lemercier', birthDate: '2020-03-14', level: 'CP' },
    ],
  })
  otherFamilyId = addFamily(core.sqlite, { code: '100002L', name: 'Durand', members: [{ role: 'RL1', firstNames: 'Anne', lastName: 'Durand' }] })
  signer = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
}, 60_000)

afterAll(() => core?.cleanup())

describe('the trust bundle on this workstation', () => {
  const bundle = () => testBundle([signer], { sequence: SHIPPED.sequence + 1, nextUpdate: '2027-06-30' })

  it('starts with the shipped bundle, past its update date', async () => {
    await asRole('accueil')
    const status = await call<TrustStatus>('twoddoc', 'trust', {})
    expect(status).toMatchObject({ sequence: SHIPPED.sequence, source: 'shipped', outdated: true, test: false, importedAt: null })
    // The test PKI is not in the shipped list: orange, never red, and the list's date is said.
    const view = await read(await scanOf(await signedTwoDDoc(bill({ emittedOn: '2026-11-09' }), signer), 'facture-0.png'))
    expect(view).toMatchObject({ signature: 'unknown_issuer', color: 'orange', trust: { outdated: true } })
    expect(view.reasons).toEqual([
      'Émetteur absent de la liste de confiance : liste de confiance à mettre à jour',
      `La liste de confiance devait être mise à jour le ${SHIPPED.nextUpdate.split('-').reverse().join('/')}`,
    ])
  })

  it('refuses an import by an agent who is not a responsable, then hostile and older bundles, at the field', async () => {
    await asRole('accueil')
    expect(fieldError(await core.call(session, 'twoddoc', 'importTrust', { json: JSON.stringify(bundle()) }))?.code).toBe('FORBIDDEN')
    await asRole('responsable')
    // NUL bytes never reach the parser (the router's input hygiene).
    const nul = fieldError(await core.call(session, 'twoddoc', 'importTrust', { json: `{"sequence":1\u0000}` }))
    expect(nul?.code).toBe('INVALID_INPUT')
    expect(nul?.issues?.[0]?.path).toBe('json')
    const cases: [string, string, RegExp][] = [
      ['not JSON', '{"sequence": ', /./],
      ['a test bundle', JSON.stringify({ ...bundle(), test: true }), /test/],
      ['an older sequence', JSON.stringify({ ...bundle(), sequence: SHIPPED.sequence - 1 }), /plus ancienne/],
    ]
    for (const [name, json, message] of cases) {
      const r = await core.call(session, 'twoddoc', 'importTrust', { json })
      expect(r.ok, name).toBe(false)
      if (r.ok) continue
      expect(r.error.code, name).toBe('INVALID_INPUT')
      expect(r.error.details?.issues?.[0]?.path, name).toBe('json')
      expect(r.error.details?.issues?.[0]?.message, name).toMatch(message)
    }
    expect(existsSync(join(core.dir, '2ddoc', 'trust-bundle.json'))).toBe(false)
    expect((await call<TrustStatus>('twoddoc', 'trust', {})).source).toBe('shipped')
  })

  it('a responsable imports a newer bundle: in force at once', async () => {
    await asRole('responsable')
    const status = await call<TrustStatus>('twoddoc', 'importTrust', { json: JSON.stringify(bundle()) })
    expect(status).toMatchObject({ sequence: SHIPPED.sequence + 1, source: 'imported', outdated: false, authorities: 1, signingCertificates: 1 })
    expect(await call<TrustStatus>('twoddoc', 'trust', {})).toEqual(status)
  })
})

describe('reading a bill at the counter and recording the piece', () => {
  it('reads a valid bill: green, the piece filled in; recorded with the verdict the core kept', async () => {
    await asRole('accueil')
    const scan = await scanOf(await signedTwoDDoc(bill(), signer))
    const view = await read(scan)
    expect(view).toMatchObject({
      found: true,
      codes: 1,
      signature: 'valid',
      color: 'green',
      reasons: ['Signature valide'],
      documentType: '01',
      documentTypeLabel: 'Facture',
      proofOfAddress: true,
      emittedOn: '2026-11-10',
      postcode: '78420',
      suggestion: { requirementId: 'domicile', typeId: 'facture_energie', documentDate: '2026-11-10', personId: null },
      typeProblem: null,
      mismatches: [],
    })
    expect(view.readId).toMatch(/^[0-9a-f-]{36}$/)
    const dossier = await call<DossierView>('documents', 'record', piece(scan, { twoddocReadId: view.readId }))
    expect(dossier.items.find((i) => i.requirementId === 'domicile')).toMatchObject({ state: 'valid', document: { twoddocVerdict: 'valid' } })
    const row = core.sqlite.prepare('SELECT twoddoc_verdict, twoddoc_type, twoddoc_mismatches, status, scan_sha256 FROM documents WHERE scan_sha256 = ?').get(scan.sha256)
    expect(row).toEqual({ twoddoc_verdict: 'valid', twoddoc_type: '01', twoddoc_mismatches: null, status: 'validee', scan_sha256: scan.sha256 })
    const payload = JSON.parse(core.sqlite.prepare(`SELECT payload FROM outbox WHERE name = 'documents.record' ORDER BY rowid DESC LIMIT 1`).pluck().get() as string)
    expect(payload.twoddoc).toEqual({ verdict: 'valid', documentType: '01', mismatches: [] })
    expect(payload).not.toHaveProperty('twoddocReadId')
  })

  it('shows a different postcode, and validating needs the agent to say they compared it with the paper', async () => {
    await asRole('accueil')
    const fields = bill().fields!.map((f) => (f[0] === '24' ? (['24', '78000'] as [string, string]) : f))
    const scan = await scanOf(await signedTwoDDoc(bill({ fields }), signer), 'facture-2.png')
    const view = await read(scan)
    expect(view.color).toBe('orange')
    expect(view.mismatches).toEqual([{ field: 'postcode', label: 'Code postal', onDocument: '78000', inFile: '78420' }])
    expect(view.reasons[0]).toBe('Code postal différent du dossier : « 78000 » sur le document, « 78420 » au dossier')
    const refused = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: view.readId })))
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: 'twoddocMismatchesAccepted' }] })
    const notAccepted = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: view.readId, twoddocMismatchesAccepted: false })))
    expect(notAccepted?.issues?.[0]?.path).toBe('twoddocMismatchesAccepted')
    await call('documents', 'record', piece(scan, { twoddocReadId: view.readId, twoddocMismatchesAccepted: true }))
    const row = core.sqlite.prepare('SELECT twoddoc_verdict, twoddoc_mismatches FROM documents WHERE scan_sha256 = ?').get(scan.sha256)
    expect(row).toEqual({ twoddoc_verdict: 'valid', twoddoc_mismatches: 'postcode' })
  })

  it('an invalid signature (an amount changed after signing) is red and cannot be validated; refused, it is recorded', async () => {
    await asRole('accueil')
    const signed = await signedTwoDDoc(bill(), signer)
    const tampered = signed.replace(BILL_SECRETS[1], '173.49')
    expect(tampered).not.toBe(signed)
    const scan = await scanOf(tampered, 'facture-3.png')
    const view = await read(scan)
    expect(view).toMatchObject({ signature: 'invalid', color: 'red' })
    expect(view.reasons[0]).toBe("Signature invalide : le document a pu être modifié ou n'a pas été émis par l'émetteur annoncé. Refusez la pièce.")
    const before = core.sqlite.prepare('SELECT count(*) FROM documents').pluck().get()
    const refused = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: view.readId })))
    expect(refused).toMatchObject({ code: 'INVALID_INPUT', issues: [{ path: 'status' }] })
    expect(core.sqlite.prepare('SELECT count(*) FROM documents').pluck().get()).toBe(before)
    await call('documents', 'record', piece(scan, { twoddocReadId: view.readId, status: 'refusee', refusalReason: 'Signature 2D-Doc invalide' }))
    const row = core.sqlite.prepare('SELECT twoddoc_verdict, status FROM documents WHERE scan_sha256 = ?').get(scan.sha256)
    expect(row).toEqual({ twoddoc_verdict: 'invalid', status: 'refusee' })
  })

  it('refuses a reading the core never made, an expired one, one made for another family or another scan', async () => {
    await asRole('accueil')
    const scan = await scanOf(await signedTwoDDoc(bill({ emittedOn: '2026-11-12' }), signer), 'facture-4.png')
    const other = await scanOf(await signedTwoDDoc(bill({ emittedOn: '2026-11-13' }), signer), 'facture-5.png')
    const unknown = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: randomUUID() })))
    expect(unknown).toEqual({ code: 'INVALID_INPUT', issues: [{ path: 'twoddocReadId', message: 'Lecture du 2D-Doc expirée : relisez le code.' }] })

    const forOther = await read(scan, otherFamilyId)
    const otherFamily = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: forOther.readId })))
    expect(otherFamily?.issues?.[0]?.path).toBe('twoddocReadId')
    // The Durand file (same address in these tests) is another name.
    expect(forOther.mismatches.map((m) => m.field)).toEqual(['surname'])

    const view = await read(scan)
    const otherScan = fieldError(await core.call(session, 'documents', 'record', piece(other, { twoddocReadId: view.readId })))
    expect(otherScan?.issues?.[0]?.path).toBe('twoddocReadId')

    clock.advance(31 * 60)
    await asRole('accueil')
    const expired = fieldError(await core.call(session, 'documents', 'record', piece(scan, { twoddocReadId: view.readId, documentDate: '2026-11-12' })))
    expect(expired).toEqual({ code: 'INVALID_INPUT', issues: [{ path: 'twoddocReadId', message: 'Lecture du 2D-Doc expirée : relisez le code.' }] })
    // Read again: recorded.
    const again = await read(scan)
    await call('documents', 'record', piece(scan, { twoddocReadId: again.readId, documentDate: '2026-11-12' }))
  })

  it('refuses a scan that is not stored here, and answers « no 2D-Doc » for a page without one', async () => {
    await asRole('accueil')
    const missing = await core.call(session, 'twoddoc', 'read', { sha256: 'a'.repeat(64), familyId })
    expect(missing).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'SCAN_NOT_FOUND' } } })
    const blank = await storeScan(core.dir, await billImage(''), 'courrier.png')
    const view = await read(blank)
    expect(view).toMatchObject({ found: false, readId: null, color: null, suggestion: null })
    // A PNG cut short: stored (its type is read from its first bytes), unreadable by the worker.
    const whole = await billImage('')
    const cut = await storeScan(core.dir, whole.subarray(0, 4000), 'coupe.png')
    const unreadable = await core.call(session, 'twoddoc', 'read', { sha256: cut.sha256, familyId })
    expect(unreadable).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'SCAN_UNREADABLE' } } })
    if (!unreadable.ok) expect(unreadable.error.message).toMatch(/^[^\n]{10,}$/)
  })

  it('reads a PDF bill the same way (rasterised in the worker)', async () => {
    await asRole('accueil')
    const text = await signedTwoDDoc(bill({ emittedOn: '2026-11-14' }), signer)
    texts.push(text)
    const scan = await storeScan(core.dir, await billPdf(text), 'facture.pdf')
    expect(scan.mime).toBe('application/pdf')
    const view = await read(scan)
    expect(view).toMatchObject({ signature: 'valid', color: 'green', emittedOn: '2026-11-14', suggestion: { typeId: 'facture_energie' } })
  })

  it('leaves nothing of the barcode in the database file, the journal, the outbox or the logs', () => {
    core.sqlite.pragma('wal_checkpoint(PASSIVE)')
    const file = databaseFile(core.dir)
    const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])])
    expect(texts.length).toBeGreaterThanOrEqual(5)
    // The file is read as it is: what the pieces did record is found in it.
    const recorded = core.sqlite.prepare('SELECT scan_sha256 FROM documents WHERE twoddoc_verdict IS NOT NULL').pluck().all() as string[]
    expect(recorded.length).toBeGreaterThanOrEqual(3)
    expect(recorded.every((sha) => bytes.includes(Buffer.from(sha)))).toBe(true)
    const secrets = [
      ...BILL_SECRETS,
      // The raw header (version, ids, dates, type) and every signature's Base32.
      ...texts.map((t) => t.slice(0, 26)),
      ...texts.map((t) => t.slice(t.indexOf('\x1f') + 1)),
      unsignedTwoDDoc(bill()).slice(0, 26),
    ]
    const journal = core.sqlite.prepare('SELECT action, entity, entity_id, detail FROM journal').all()
    const outbox = core.sqlite.prepare('SELECT payload FROM outbox').pluck().all() as string[]
    expect(journal.some((j) => (j as { action: string }).action === 'twoddoc.read')).toBe(true)
    expect(outbox.some((p) => p.includes('"twoddoc":{"verdict"'))).toBe(true)
    for (const secret of secrets) {
      expect(bytes.includes(Buffer.from(secret, 'utf8')), `database: ${secret.slice(0, 8)}…`).toBe(false)
      expect(bytes.includes(Buffer.from(secret, 'utf16le')), `database (UTF-16): ${secret.slice(0, 8)}…`).toBe(false)
      expect(JSON.stringify(journal).includes(secret), `journal: ${secret.slice(0, 8)}…`).toBe(false)
      expect(outbox.some((p) => p.includes(secret)), `outbox: ${secret.slice(0, 8)}…`).toBe(false)
      expect(logs.some((l) => l.includes(secret)), `logs: ${secret.slice(0, 8)}…`).toBe(false)
    }
  })
})

describe('the readings the core keeps in memory', () => {
  const memo = (at: number, n = 0) => ({ sha256: String(n).padStart(64, '0'), familyId: 'f', verdict: 'valid' as const, documentType: '01', mismatches: [], at })

  it('keeps a reading 30 minutes, then forgets it', () => {
    let now = 1_000_000
    const readings = new TwoDDocReadings(() => now)
    readings.remember('a', memo(now))
    now += READING_MINUTES * 60_000 - 1
    expect(readings.get('a')?.documentType).toBe('01')
    now += 1
    expect(readings.get('a')).toBeNull()
    expect(readings.size).toBe(0)
  })

  it('keeps at most 200, dropping the oldest first', () => {
    const readings = new TwoDDocReadings(() => 0)
    for (let i = 0; i < MAX_READINGS + 5; i++) readings.remember(`r${i}`, memo(0, i))
    expect(readings.size).toBe(MAX_READINGS)
    expect(readings.get('r4')).toBeNull()
    expect(readings.get('r5')?.sha256).toBe('5'.padStart(64, '0'))
    expect(readings.get(`r${MAX_READINGS + 4}`)).not.toBeNull()
  })
})
