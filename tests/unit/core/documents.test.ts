import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { extractText, getDocumentProxy } from 'unpdf'
import { enrolForBooking } from '../../helpers/bookings'
import { addAgents, addFamily, AGENTS, count, fakeClock, makeCore, type TestCore } from '../../helpers/core'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { ensureTownDefaults } from '../../../src/main/core/demo/town-defaults'
import type { DossierView } from '../../../src/shared/contract/documents'
import { storeScan } from '../../../src/main/core/services/scans'

/**
 * Supporting documents and the Dossier tous services at the counter, on a real SQLite file:
 * the checklist, recording pieces (refused with the plain reason, refused at the field when
 * dated in the future), validation (refused while incomplete), renewal, the recap PDF and the
 * town option that blocks bookings. Today is Friday 27 November 2026 (school year 2026-2027).
 */

const YEAR = '2026-2027'
let core: TestCore
let session: ReturnType<TestCore['openSession']>
let familyId: string
let marie: string
let lea: string
let siteId: string

beforeEach(async () => {
  const clock = fakeClock('2026-11-27T09:00:00Z')
  core = await makeCore({ now: clock.now })
  addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  expect(ensureTownDefaults(core.sqlite)).toBeGreaterThan(0)
  session = core.openSession()
  await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  familyId = addFamily(core.sqlite, {
    code: '100001K',
    name: 'Lefèvre',
    members: [
      { role: 'RL1', firstNames: 'Marie', lastName: 'Lefèvre', birthDate: '1988-02-10' },
      { role: 'enfant', firstNames: 'Léa', lastName: 'Lefèvre', birthDate: '2020-03-14', level: 'CP' },
    ],
  })
  const id = (role: string) => core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ? AND role = ?`).pluck().get(familyId, role) as string
  marie = id('RL1')
  lea = id('enfant')
  siteId = core.sqlite.prepare('SELECT id FROM schools').pluck().get() as string
})
afterEach(() => core.cleanup())

async function call<T>(ns: string, method: string, input: unknown): Promise<T> {
  const r = await core.call(session, ns, method, input)
  if (!r.ok) throw new Error(`${ns}.${method}: ${JSON.stringify(r.error)}`)
  return r.data as T
}

const checklistOf = () => call<DossierView>('documents', 'checklist', { familyId, schoolYear: YEAR })

const piece = (over: Record<string, unknown>) => ({
  familyId,
  personId: null,
  requirementId: 'domicile',
  typeId: 'facture_energie',
  documentDate: '2026-11-02',
  status: 'validee',
  storage: 'vu',
  scan: null,
  schoolYear: YEAR,
  ...over,
})

/** The four mandatory pieces of this family (first enrolment, Léa at school), all valid. */
async function completeDossier(): Promise<DossierView> {
  await call('documents', 'record', piece({}))
  await call('documents', 'record', piece({ requirementId: 'identite', typeId: 'carte_identite', personId: marie, documentDate: '2020-05-04', validUntil: '2035-05-03' }))
  await call('documents', 'record', piece({ requirementId: 'acte_naissance', typeId: 'livret_famille', personId: lea, documentDate: '2020-03-20' }))
  return call<DossierView>('documents', 'record', piece({ requirementId: 'vaccinations', typeId: 'carnet_vaccination', personId: lea, documentDate: '2026-03-20' }))
}

describe('the documents checklist at the counter', () => {
  it('lists the pieces this family needs for the year, all missing: the dossier is incomplete', async () => {
    const view = await checklistOf()
    expect(view.items.map((i) => [i.label, i.whose, i.state])).toEqual([
      ['Justificatif de domicile', 'Famille', 'missing'],
      ["Pièce d'identité", 'Marie Lefèvre', 'missing'],
      ['Acte de naissance ou livret de famille', 'Léa Lefèvre', 'missing'],
      ['Carnet de vaccination', 'Léa Lefèvre', 'missing'],
    ])
    expect(view).toMatchObject({ familyName: 'Lefèvre', schoolYear: YEAR, nextSchoolYear: '2027-2028', status: 'incomplet', opened: false })
    expect(view.blocking).toContain('Justificatif de domicile (manquante)')
    expect(count(core.sqlite, 'journal', `action = 'documents.checklist' AND entity = 'family'`)).toBe(1)
  })

  it('records an old proof of address as refused, with the plain French reason, and queues the fact', async () => {
    const view = await call<DossierView>('documents', 'record', piece({ documentDate: '2026-07-02', status: 'refusee' }))
    const item = view.items.find((i) => i.requirementId === 'domicile')!
    expect(item.state).toBe('refused')
    expect(item.reason).toBe("Facture d'électricité, de gaz ou d'eau du 02/07/2026 : plus de 3 mois")
    const row = core.sqlite.prepare('SELECT status, refusal_reason, valid_until, checked_by FROM documents').get() as Record<string, unknown>
    expect(row).toMatchObject({ status: 'refusee', refusal_reason: 'plus de 3 mois', valid_until: '2026-10-02' })
    const outbox = core.sqlite.prepare('SELECT name, payload FROM outbox').all() as Array<{ name: string; payload: string }>
    expect(outbox.map((o) => o.name)).toEqual(['documents.record'])
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ familyId, typeId: 'facture_energie', documentDate: '2026-07-02', status: 'refusee' })
    // The dossier is opened, incomplete.
    expect(core.sqlite.prepare('SELECT status FROM dossiers WHERE family_id = ?').pluck().get(familyId)).toBe('incomplet')
  })

  it('refuses a document dated in the future at the field, and saves nothing', async () => {
    const r = await core.call(session, 'documents', 'record', piece({ documentDate: '2026-11-28' }))
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('INVALID_INPUT')
    expect(r.error.details?.issues).toEqual([
      { path: 'documentDate', message: 'La date du document (28/11/2026) est postérieure à aujourd’hui (27/11/2026) : vérifiez-la.' },
    ])
    expect(count(core.sqlite, 'documents')).toBe(0)
    expect(count(core.sqlite, 'dossiers')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })

  it('refuses a piece given to the wrong person, a type that proves another piece, and a day that does not exist', async () => {
    const wrongPerson = await core.call(session, 'documents', 'record', piece({ requirementId: 'vaccinations', typeId: 'carnet_vaccination', personId: marie }))
    expect(wrongPerson).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'personId' }] } } })
    const wrongType = await core.call(session, 'documents', 'record', piece({ typeId: 'livret_famille' }))
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'typeId' }] } } })
    const noDay = await core.call(session, 'documents', 'record', piece({ documentDate: '2026-02-30' }))
    expect(noDay).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'documentDate' }] } } })
    expect(count(core.sqlite, 'documents')).toBe(0)
  })

  it('records a scan stored on this workstation, and refuses one that is not, at the field', async () => {
    const absent = { sha256: 'a'.repeat(64), mime: 'application/pdf', size: 1200, name: 'facture.pdf' }
    const refused = await core.call(session, 'documents', 'record', piece({ storage: 'scan', scan: absent }))
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'scan', message: 'Ce scan n’est pas enregistré sur ce poste : joignez-le de nouveau.' }] } } })
    expect(count(core.sqlite, 'documents')).toBe(0)
    const pdf = new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
    const stored = await storeScan(core.dir, pdf, 'facture EDF.pdf')
    const view = await call<DossierView>('documents', 'record', piece({ storage: 'scan', scan: stored }))
    expect(view.items.find((i) => i.requirementId === 'domicile')?.document).toMatchObject({ storage: 'scan', scanName: 'facture EDF.pdf' })
    const row = core.sqlite.prepare('SELECT scan_sha256, scan_mime, scan_size, scan_name FROM documents').get()
    expect(row).toEqual({ scan_sha256: stored.sha256, scan_mime: 'application/pdf', scan_size: pdf.length, scan_name: 'facture EDF.pdf' })
  })

  it('refuses to validate an incomplete dossier and says which pieces are missing', async () => {
    const r = await core.call(session, 'documents', 'validate', { familyId, schoolYear: YEAR })
    expect(r).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'DOSSIER_INCOMPLETE' } } })
    if (!r.ok) expect(r.error.details?.reason).toContain('Justificatif de domicile (manquante)')
    expect(count(core.sqlite, 'dossiers')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })

  it('completes the dossier piece by piece, then validates it (by whom, when)', async () => {
    const complete = await completeDossier()
    expect(complete.items.every((i) => i.state === 'valid' || i.state === 'expiring')).toBe(true)
    expect(complete.status).toBe('complet')
    const done = await call<DossierView>('documents', 'validate', { familyId, schoolYear: YEAR })
    expect(done).toMatchObject({ status: 'valide', validatedBy: AGENTS.accueil.displayName, validatedAt: '2026-11-27T09:00:00.000Z' })
    const names = core.sqlite.prepare('SELECT name FROM outbox ORDER BY seq').pluck().all()
    expect(names).toEqual(['documents.record', 'documents.record', 'documents.record', 'documents.record', 'dossiers.validate'])
  })

  it('prints the recap: the PDF names the family and every missing piece', async () => {
    await call('documents', 'record', piece({ documentDate: '2026-07-02', status: 'refusee' }))
    const recap = await call<{ pdfBase64: string; fileName: string }>('documents', 'recap', { familyId, schoolYear: YEAR })
    expect(recap.fileName).toBe('recapitulatif-100001K-2026-2027.pdf')
    const bytes = new Uint8Array(Buffer.from(recap.pdfBase64, 'base64'))
    expect(Buffer.from(bytes.slice(0, 5)).toString('latin1')).toBe('%PDF-')
    const { text } = await extractText(await getDocumentProxy(bytes), { mergePages: true })
    const flat = text.replace(/\s+/g, ' ')
    expect(flat).toContain('Lefèvre')
    for (const missing of ["Pièce d'identité", 'Acte de naissance ou livret de famille', 'Carnet de vaccination']) expect(flat).toContain(missing)
    expect(flat).toContain('plus de 3 mois')
    expect(count(core.sqlite, 'journal', `action = 'documents.recap' AND entity = 'family'`)).toBe(1)
  })

  it('renews for next year: the family is carried over, and the screen lists what expires before the start', async () => {
    await completeDossier()
    const next = await call<DossierView>('documents', 'renew', { familyId, fromSchoolYear: YEAR })
    expect(next).toMatchObject({ schoolYear: '2027-2028', opened: true })
    const byReq = Object.fromEntries(next.items.map((i) => [i.requirementId, i]))
    // Léa is still at school (CP last year): her pieces are asked again; no first enrolment: no identity piece.
    expect(Object.keys(byReq)).toEqual(['domicile', 'acte_naissance', 'vaccinations'])
    // The bill of 02/11/2026 is valid today but not on 1 September 2027.
    expect(byReq.domicile).toMatchObject({ state: 'valid', until: '2027-02-02', expiresBeforeStart: true })
    expect(core.sqlite.prepare('SELECT status FROM dossiers WHERE family_id = ? AND school_year = ?').pluck().get(familyId, '2027-2028')).toBeTruthy()
    expect(core.sqlite.prepare("SELECT name FROM outbox ORDER BY seq DESC LIMIT 1").pluck().get()).toBe('dossiers.renew')
  })

  it('blocks a booking while the dossier is incomplete when the town says so, and not otherwise', async () => {
    // Booking needs Léa enrolled at the canteen (issue 10); a periscolaire service asks for her school insurance too.
    enrolForBooking(core.sqlite, { familyId, childId: lea, siteId })
    const book = (date: string) => core.call(session, 'reservations', 'book', { familyId, childId: lea, unitId: 'cantine', siteId, date })
    expect((await book('2027-03-11')).ok).toBe(true) // option off (the default): booking allowed
    core.sqlite.prepare(`UPDATE town_options SET value = 'true' WHERE id = 'dossier.incomplete_blocks_bookings'`).run()
    const refused = await book('2027-03-12')
    expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'DOSSIER_INCOMPLETE' } } })
    if (!refused.ok) expect(refused.error.details?.reason).toBe(
      'Le dossier tous services 2026-2027 de la famille Lefèvre n’est pas complet : la commune bloque les nouvelles réservations tant qu’il manque des pièces.',
    )
    await completeDossier()
    await call('documents', 'record', piece({ requirementId: 'assurance', typeId: 'attestation_assurance', personId: lea, documentDate: '2026-09-01' }))
    expect((await book('2027-03-12')).ok).toBe(true)
  })
})
