import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import { PullResponseSchema, PushResponseSchema, type EnrolResponse, type PushCommand } from '@shared/sync/protocol'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES, DEFAULT_TOWN_OPTIONS } from '@shared/domain/documentDefaults'
import { dossierId } from '@shared/commands/documents'
import { one, rows } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import { backends } from './backends'
import { command as pushCommand, enrol, startTestPortal, type Kid, type TestPortal } from './helpers'
import { EntityStore } from '../../../src/portal/db/store'
import type { Row } from '@shared/sync/entities'
import { expectOk, openWorkstation, type TestWorkstation } from '../sync/harness'
import { unitSiteId } from '@shared/commands/bookings'
import { DEFAULT_UNITS, unitRow } from '../../../src/common/demo/units'
import { enrolOnPortal } from '../../helpers/bookings'

/**
 * Supporting documents and the Dossier tous services on the real portal over HTTP (PGlite, and
 * PostgreSQL when DATABASE_URL is set): the portal seeds the default town data through the
 * change log (a workstation receives it by pull and by its bootstrap), records the document
 * facts and a dossier validation, and flags, never refuses, the ones that break its rules.
 * The portal's clock is the push's own instants (27 November 2026).
 */
describe.each(backends)('documents and the dossier on the portal ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse
  let seq = 0
  let kid: Kid
  let guardian: string

  let agentId: string
  let other: Kid
  let siteId: string

  beforeAll(async () => {
    // No demo town: two families of our own (the rows the counter would have sent).
    t = await startTestPortal(backend, { families: 0 })
    const at = '2026-09-01T08:00:00.000Z'
    agentId = uuidv7()
    siteId = uuidv7()
    const town = await addTown(t, { agentId, siteId, at })
    ;[kid, other] = town.kids as [Kid, Kid]
    guardian = town.guardian
    ws = await enrol(t, 'Guichet documents')
  }, 120_000)
  afterAll(async () => {
    await t?.cleanup()
  })

  const command = (n: number, name: string, payload: unknown): PushCommand => pushCommand(n, name, payload, uuidv7(), agentId)
  const push = async (commands: PushCommand[]) => {
    const res = await t.api('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return PushResponseSchema.parse(res.body)
  }
  const piece = (over: Record<string, unknown>) => ({
    id: uuidv7(),
    familyId: kid.familyId,
    personId: null,
    requirementId: 'domicile',
    typeId: 'facture_energie',
    documentDate: '2026-11-02',
    validUntil: null,
    status: 'validee',
    refusalReason: null,
    storage: 'vu',
    scan: null,
    schoolYear: '2026-2027',
    ...over,
  })

  it('seeds the default town data once, through the change log, and a workstation pulls it', async () => {
    const count = async (table: string) => (await one<{ n: number }>(t.db, sql`SELECT count(*)::int AS n FROM ${sql.identifier(table)}`))!.n
    expect(await count('document_requirements')).toBe(DEFAULT_DOCUMENT_REQUIREMENTS.length)
    expect(await count('document_types')).toBe(DEFAULT_DOCUMENT_TYPES.length)
    expect(await count('town_options')).toBe(Object.keys(DEFAULT_TOWN_OPTIONS).length)
    const pulled = PullResponseSchema.parse((await t.api('GET', '/sync/pull?cursor=0&limit=5000', { token: ws.token })).body)
    const of = (entity: string) => pulled.changes.filter((c) => c.entity === entity)
    expect(of('document_requirements').map((c) => c.id).sort()).toEqual(DEFAULT_DOCUMENT_REQUIREMENTS.map((r) => r.id).sort())
    expect(of('document_types')).toHaveLength(DEFAULT_DOCUMENT_TYPES.length)
    expect(of('town_options').find((c) => c.id === 'dossier.incomplete_blocks_bookings')?.row).toMatchObject({ value: 'false' })
    expect(of('document_types').find((c) => c.id === 'avis_imposition_domicile')?.row).toMatchObject({ accepted: false, requirement_id: 'domicile' })
  })

  it('records a refused piece as the counter recorded it, without a flag', async () => {
    const old = piece({ documentDate: '2026-07-02', status: 'refusee' })
    const res = await push([command(++seq, 'documents.record', old)])
    expect(res.results[0]).toMatchObject({ status: 'applied' })
    expect(res.results[0]!.flags).toBeUndefined()
    const row = await one<Record<string, unknown>>(t.db, sql`SELECT * FROM documents WHERE id = ${old.id}`)
    // The portal computed valid_until with the same rules, and the rules' reason.
    expect(row).toMatchObject({ status: 'refusee', refusal_reason: 'plus de 3 mois', valid_until: '2026-10-02', workstation_id: ws.workstationId })
    const dossier = await one<Record<string, unknown>>(t.db, sql`SELECT * FROM dossiers WHERE family_id = ${kid.familyId}`)
    expect(dossier).toMatchObject({ id: dossierId(kid.familyId, '2026-2027'), status: 'incomplet' })
  })

  it('flags, never refuses, a piece recorded valid that the rules refuse, and one dated in the future', async () => {
    const tooOld = piece({ documentDate: '2026-06-01' })
    const future = piece({ requirementId: 'identite', typeId: 'carte_identite', personId: guardian, documentDate: '2027-01-15' })
    const unknown = piece({ typeId: 'facture_inconnue' })
    const res = await push([command(++seq, 'documents.record', tooOld), command(++seq, 'documents.record', future), command(++seq, 'documents.record', unknown)])
    expect(res.results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied'])
    expect(res.results[0]!.flags?.map((f) => f.code)).toEqual(['PIECE_REFUSED_BY_RULES'])
    expect(res.results[0]!.flags?.[0]?.reason).toContain('plus de 3 mois')
    expect(res.results[1]!.flags?.map((f) => f.code)).toContain('DOCUMENT_DATE_IN_FUTURE')
    expect(res.results[2]!.flags?.map((f) => f.code)).toContain('UNKNOWN_DOCUMENT_TYPE')
    const stored = await rows<{ id: string }>(t.db, sql`SELECT id FROM documents WHERE id IN (${tooOld.id}, ${future.id}, ${unknown.id})`)
    expect(stored).toHaveLength(3)
    const flags = await rows<{ code: string; family_id: string }>(t.db, sql`SELECT code, family_id FROM flags WHERE command_name = 'documents.record' ORDER BY code`)
    expect(flags.map((f) => f.code)).toEqual(['DOCUMENT_DATE_IN_FUTURE', 'PIECE_REFUSED_BY_RULES', 'UNKNOWN_DOCUMENT_TYPE'])
    expect(flags.every((f) => f.family_id === kid.familyId)).toBe(true)
  })

  it('records a validation with a missing mandatory piece, and flags it for a responsable', async () => {
    const validate = command(++seq, 'dossiers.validate', { familyId: kid.familyId, schoolYear: '2026-2027' })
    const res = await push([validate])
    expect(res.results[0]!.status).toBe('applied')
    expect(res.results[0]!.flags?.map((f) => f.code)).toEqual(['DOSSIER_VALIDATED_INCOMPLETE'])
    expect(res.results[0]!.flags?.[0]?.reason).toMatch(/validé alors qu’il est incomplet : .*Justificatif de domicile \(refusée\)/)
    const dossier = await one<Record<string, unknown>>(t.db, sql`SELECT * FROM dossiers WHERE family_id = ${kid.familyId} AND school_year = '2026-2027'`)
    expect(dossier).toMatchObject({ status: 'valide', validated_by: validate.agentId, validated_at: validate.at })
  })

  it('records a piece and a dossier for a family it does not have as a flag with the raw fact', async () => {
    const lost = piece({ familyId: uuidv7() })
    const res = await push([command(++seq, 'documents.record', lost)])
    expect(res.results[0]).toMatchObject({ status: 'applied', flags: [{ kind: 'missing', code: 'UNKNOWN_FAMILY' }] })
    expect(await one(t.db, sql`SELECT id FROM documents WHERE id = ${lost.id}`)).toBeUndefined()
  })

  it('rejects a malformed dossier command as invalid, and answers every other command of the batch', async () => {
    const bad = command(++seq, 'dossiers.renew', { familyId: kid.familyId, fromSchoolYear: 'abc', schoolYear: '2027' })
    const wrongYear = command(++seq, 'dossiers.renew', { familyId: kid.familyId, fromSchoolYear: '2026-2027', schoolYear: '2028-2029' })
    const renew = command(++seq, 'dossiers.renew', { familyId: kid.familyId, fromSchoolYear: '2026-2027', schoolYear: '2027-2028' })
    const res = await push([bad, wrongYear, renew])
    expect(res.results.map((r) => [r.status, r.code ?? null])).toEqual([
      ['rejected', 'INVALID_PAYLOAD'],
      ['rejected', 'INVALID_PAYLOAD'],
      ['applied', null],
    ])
    const next = await one<Record<string, unknown>>(t.db, sql`SELECT * FROM dossiers WHERE family_id = ${kid.familyId} AND school_year = '2027-2028'`)
    expect(next).toMatchObject({ id: dossierId(kid.familyId, '2027-2028'), status: 'incomplet' })
  })

  it('records a piece even when the town data cannot judge it (a rule without its value), and flags it', async () => {
    const broken = { ...DEFAULT_DOCUMENT_TYPES.find((ty) => ty.id === 'quittance_loyer')!, id: 'quittance_sans_duree', rule_value: null, updated_at: '2026-11-27T08:00:00.000Z' }
    await putRow(t.db, 'document_types', broken as unknown as Row)
    const odd = piece({ familyId: other.familyId, typeId: 'quittance_sans_duree' })
    const res = await push([command(++seq, 'documents.record', odd)])
    expect(res.results[0]!.status).toBe('applied')
    expect(res.results[0]!.flags?.map((f) => f.code).sort()).toEqual(['CHECKLIST_UNAVAILABLE', 'PIECE_REFUSED_BY_RULES'])
    expect(await one(t.db, sql`SELECT id FROM documents WHERE id = ${odd.id}`)).toBeDefined()
    await putRow(t.db, 'document_types', { ...broken, rule_value: 3, updated_at: '2026-11-27T08:00:01.000Z' } as unknown as Row)
  })

  it('refuses a booking of a family whose dossier is incomplete when the town option says so', async () => {
    // Everything else allows it (issue 10): the canteen runs at the school for its pupils, the child is enrolled, a school day.
    await putRow(t.db, 'unit_sites', { id: unitSiteId('cantine', siteId), unit_id: 'cantine', site_id: siteId, serves: 'own_school', capacity: 100, active: true, updated_at: '2026-09-01T08:00:00.000Z' })
    await enrolOnPortal(t.db, { ...other, siteId }, 'cantine')
    await putRow(t.db, 'town_options', { id: 'dossier.incomplete_blocks_bookings', value: 'true', updated_at: '2026-11-27T08:00:00.000Z' })
    const res = await push([command(++seq, 'reservations.book', { id: uuidv7(), familyId: other.familyId, childId: other.childId, unitId: 'cantine', siteId, date: '2026-12-07' })])
    expect(res.results[0]).toMatchObject({ status: 'rejected', code: 'DOSSIER_INCOMPLETE' })
    expect(res.results[0]!.reason).toContain('n’est pas complet')
    await putRow(t.db, 'town_options', { id: 'dossier.incomplete_blocks_bookings', value: 'false', updated_at: '2026-11-27T08:00:01.000Z' })
  })

  describe('a workstation', () => {
    let station: TestWorkstation
    beforeAll(async () => {
      station = await openWorkstation(t.portal, { name: 'Guichet pièces' })
    }, 120_000)
    afterAll(async () => {
      await station?.cleanup()
    })

    it('receives the town data in its bootstrap, records a piece and the portal gets the fact', async () => {
      const count = (table: string) => (station.core.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
      expect(count('document_requirements')).toBe(DEFAULT_DOCUMENT_REQUIREMENTS.length)
      // The defaults, and the type added above by a town edit.
      expect(count('document_types')).toBe(DEFAULT_DOCUMENT_TYPES.length + 1)
      const view = expectOk(
        await station.call<{ items: Array<{ requirementId: string; state: string }> }>('documents', 'record', {
          familyId: kid.familyId,
          personId: null,
          requirementId: 'domicile',
          typeId: 'quittance_loyer',
          documentDate: '2026-11-10',
          status: 'validee',
          storage: 'vu',
          scan: null,
          schoolYear: '2026-2027',
        }),
      )
      expect(view.items.find((i) => i.requirementId === 'domicile')?.state).toBe('valid')
      await station.drain()
      const onPortal = await rows<{ type_id: string; valid_until: string }>(
        t.db,
        sql`SELECT type_id, valid_until FROM documents WHERE family_id = ${kid.familyId} AND type_id = 'quittance_loyer'`,
      )
      expect(onPortal).toEqual([{ type_id: 'quittance_loyer', valid_until: '2027-02-10' }])
    })
  })
})

/** An agent, a school, the canteen, and two families (one guardian, one child at school each), through the change log. */
async function addTown(t: TestPortal, o: { agentId: string; siteId: string; at: string }): Promise<{ kids: Kid[]; guardian: string }> {
  const rowsBy: Record<string, Row[]> = { agents: [], schools: [], units: [], persons: [], schoolings: [], families: [], family_members: [] }
  rowsBy.agents!.push({ id: o.agentId, login: 'accueil', display_name: 'Camille Martin', initials: 'CM', role: 'accueil', password_hash: 'x', active: true, created_at: o.at, updated_at: o.at })
  rowsBy.schools!.push({ id: o.siteId, name: 'Groupe scolaire Les Amandiers', kind: 'primaire', address: '1 rue des Amandiers' })
  // The canteen with its calendar and deadlines (issue 10).
  rowsBy.units!.push(unitRow(DEFAULT_UNITS.find((u) => u.id === 'cantine')!, o.at))
  const person = (first: string, last: string, birth: string): Row => ({
    id: uuidv7(), civility: null, last_name: last, birth_name: null, first_names: first, sex: null, birth_date: birth, phone_mobile: null, phone_home: null, phone_work: null,
    email: null, profession: null, birth_commune: null, birth_country: null, address_line1: null, address_line2: null, postcode: null, city: null, employer: null, pai: false,
    created_at: o.at, updated_at: o.at,
  })
  const kids: Kid[] = []
  let guardian = ''
  for (const [i, name] of ['Lefèvre', 'Martin'].entries()) {
    const familyId = uuidv7()
    const rl1 = person('Marie', name, '1988-02-10')
    const child = person('Léa', name, '2019-03-14')
    if (i === 0) guardian = String(rl1.id)
    rowsBy.persons!.push(rl1, child)
    rowsBy.schoolings!.push({ id: uuidv7(), person_id: String(child.id), school_id: o.siteId, level: 'CP', class_name: 'CP-A', school_year: '2026-2027' })
    rowsBy.families!.push({
      id: familyId, code: `00000${i + 1}K`, name, address_line1: '12 rue Victor-Hugo', address_line2: null, postcode: '78420', city: 'Carrières-sur-Seine', caisse: null,
      allocataire_number: null, paperless_invoices: false, resident: true, separated_parents: false, hosted: false, payer_person_id: String(rl1.id), consent_qf_api: false,
      consent_image: false, consent_emergency_care: false, merged_into: null, merged_at: null, created_at: o.at, updated_at: o.at,
    })
    for (const [person, role] of [[rl1, 'RL1'], [child, 'enfant']] as const) {
      rowsBy.family_members!.push({ id: uuidv7(), family_id: familyId, person_id: String(person.id), role, relation: null, legal_guardian: role === 'RL1', emergency_contact: false, may_pick_up: role === 'RL1', forbidden_pick_up: false })
    }
    kids.push({ familyId, childId: String(child.id), code: `00000${i + 1}K` })
  }
  await EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
    for (const entity of ['agents', 'schools', 'units', 'persons', 'schoolings', 'families', 'family_members'] as const) await store.insertMany(entity, rowsBy[entity]!)
  })
  t.portal.snapshots.changed()
  return { kids, guardian }
}
