import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TwoDDocReadView } from '@shared/contract/twoddoc'
import { rows } from '../../../src/portal/db/client'
import { seedTownDefaults } from '../../../src/portal/services/town-defaults'
import { appendOutbox } from '../../../src/main/core/services/outbox'
import { storeScan } from '../../../src/main/core/services/scans'
import { importedBundleFile } from '../../../src/main/core/twoddoc/trust'
import { expectOk, openWorkstation, startTestPortal, type Portal, type TestWorkstation } from './harness'
import { billImage, makeTestPki, signedTwoDDoc, testBundle } from '../../support/twoddoc'

/**
 * Issue 13 over the real portal (PGlite, or PostgreSQL when DATABASE_URL is set): a proof of
 * address read from its 2D-Doc at the counter reaches the portal as a fact with its verdict and
 * 2D-Doc type, never the image nor the barcode; a workstation that validates a piece whose
 * signature is invalid (the counter refuses it: an old or altered workstation) is recorded and
 * flagged; a portal seeded before issue 13 receives the « Avis de taxe d'habitation » type at its
 * next start, through the change log, and a responsable's own edits stay as they are.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let ws: TestWorkstation

const SHIPPED = JSON.parse(readFileSync(resolve(__dirname, '../../../resources/2ddoc/trust-bundle.json'), 'utf8')) as { sequence: number }

beforeAll(async () => {
  portal = await startTestPortal({ families: 3, seed: 13 })
  ws = await openWorkstation(portal, { name: 'Guichet 2D-Doc' })
}, 120_000)

afterAll(async () => {
  await ws?.cleanup()
  await portal?.cleanup()
})

/** A family of the demo town with its first guardian's name and its address, as the workstation has them. */
function aFamily() {
  return ws.core.sqlite
    .prepare(
      `SELECT f.id, f.address_line1 AS street, f.postcode, f.city, p.last_name AS surname
         FROM families f JOIN family_members m ON m.family_id = f.id AND m.role = 'RL1' JOIN persons p ON p.id = m.person_id
        WHERE f.address_line1 IS NOT NULL AND f.postcode IS NOT NULL ORDER BY f.code LIMIT 1`,
    )
    .get() as { id: string; street: string; postcode: string; city: string; surname: string }
}

describe('a 2D-Doc proof of address reaches the portal', () => {
  it('records the piece with its verdict and type on the portal, without the barcode', async () => {
    const signer = await makeTestPki({ authorityId: 'FR98', certificateId: 'TS02' })
    // This workstation's imported bundle (as a responsable's import would write it).
    const file = importedBundleFile(ws.dir)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(testBundle([signer], { sequence: SHIPPED.sequence + 1, nextUpdate: '2099-12-31' })))

    const family = aFamily()
    const day = ws.core.now().toISOString().slice(0, 10)
    const text = await signedTwoDDoc(
      {
        authorityId: 'FR98',
        certificateId: 'TS02',
        emittedOn: day,
        fields: [
          ['10', `MME/${family.surname.toUpperCase()}/CLAIRE`],
          ['22', family.street.toUpperCase()],
          ['24', family.postcode],
          ['25', family.city.toUpperCase()],
          ['18', 'FAC-7741-QZX'],
        ],
      },
      signer,
    )
    const scan = await storeScan(ws.dir, await billImage(text), 'facture.png')
    const view = expectOk(await ws.call<TwoDDocReadView>('twoddoc', 'read', { sha256: scan.sha256, familyId: family.id }))
    expect(view).toMatchObject({ signature: 'valid', color: 'green', mismatches: [], suggestion: { typeId: 'facture_energie' } })
    const schoolYear = Number(day.slice(5, 7)) >= 9 ? `${day.slice(0, 4)}-${Number(day.slice(0, 4)) + 1}` : `${Number(day.slice(0, 4)) - 1}-${day.slice(0, 4)}`
    expectOk(
      await ws.call('documents', 'record', {
        familyId: family.id,
        personId: null,
        requirementId: 'domicile',
        typeId: view.suggestion!.typeId,
        documentDate: view.emittedOn,
        status: 'validee',
        storage: 'scan',
        scan,
        schoolYear,
        twoddocReadId: view.readId,
      }),
    )
    await ws.drain()
    const recorded = await rows<{ twoddoc_verdict: string; twoddoc_type: string; twoddoc_mismatches: string | null; status: string; scan_sha256: string }>(
      portal.db,
      sql`SELECT twoddoc_verdict, twoddoc_type, twoddoc_mismatches, status, scan_sha256 FROM documents WHERE family_id = ${family.id}`,
    )
    expect(recorded).toEqual([{ twoddoc_verdict: 'valid', twoddoc_type: '01', twoddoc_mismatches: null, status: 'validee', scan_sha256: scan.sha256 }])
    const flagged = await rows<{ code: string }>(portal.db, sql`SELECT code FROM flags WHERE command_name = 'documents.record' AND family_id = ${family.id}`)
    expect(flagged).toEqual([])
    // The fact, not the image nor the barcode: the portal's change log holds no secret of the bill.
    const logged = await rows<{ row: unknown }>(portal.db, sql`SELECT row FROM changes WHERE entity = 'documents'`)
    expect(JSON.stringify(logged)).not.toContain('FAC-7741-QZX')
    expect(JSON.stringify(logged)).not.toContain(text.slice(0, 26))
  })

  it('records, and flags, a piece validated with an invalid signature (a hostile or altered workstation)', async () => {
    const family = aFamily()
    const id = uuidv7()
    const day = ws.core.now().toISOString().slice(0, 10)
    const schoolYear = Number(day.slice(5, 7)) >= 9 ? `${day.slice(0, 4)}-${Number(day.slice(0, 4)) + 1}` : `${Number(day.slice(0, 4)) - 1}-${day.slice(0, 4)}`
    // Straight into the outbox: the counter itself refuses to validate it.
    appendOutbox(ws.core.sqlite, {
      commandId: uuidv7(),
      name: 'documents.record',
      payload: {
        id,
        familyId: family.id,
        personId: null,
        requirementId: 'domicile',
        typeId: 'facture_telecom',
        documentDate: day,
        validUntil: null,
        status: 'validee',
        refusalReason: null,
        storage: 'vu',
        scan: null,
        schoolYear,
        twoddoc: { verdict: 'invalid', documentType: '01', mismatches: ['postcode'] },
      },
      agentId: ws.session.agentId,
      at: ws.core.now(),
    })
    await ws.drain()
    const [row] = await rows<{ status: string; twoddoc_verdict: string; twoddoc_mismatches: string }>(
      portal.db,
      sql`SELECT status, twoddoc_verdict, twoddoc_mismatches FROM documents WHERE id = ${id}`,
    )
    expect(row).toEqual({ status: 'validee', twoddoc_verdict: 'invalid', twoddoc_mismatches: 'postcode' })
    const flags = await rows<{ code: string; reason: string }>(portal.db, sql`SELECT code, reason FROM flags WHERE command_name = 'documents.record' AND family_id = ${family.id}`)
    expect(flags.map((f) => f.code)).toEqual(['TWODDOC_INVALID_VALIDATED'])
    expect(flags[0]!.reason).toMatch(/signature de son 2D-Doc est invalide/)
  })
})

describe('a portal seeded before issue 13', () => {
  it('receives the « Avis de taxe d’habitation » type at its next start; the town’s own edits are kept', async () => {
    // As a town seeded before: the type absent, a default type the responsable renamed.
    await portal.db.execute(sql`DELETE FROM document_types WHERE id = 'avis_taxe_habitation'`)
    await portal.db.execute(sql`UPDATE document_types SET label = 'Facture EDF ou GDF', accepted = false WHERE id = 'facture_energie'`)
    const before = await rows<{ n: number }>(portal.db, sql`SELECT count(*)::int AS n FROM changes`)

    expect(await seedTownDefaults(portal.db)).toEqual({ rows: 1 })
    const types = await rows<{ id: string; label: string; accepted: boolean; rule_kind: string; rule_value: number; requirement_id: string }>(
      portal.db,
      sql`SELECT id, label, accepted, rule_kind, rule_value, requirement_id FROM document_types WHERE id IN ('avis_taxe_habitation', 'facture_energie') ORDER BY id`,
    )
    expect(types).toEqual([
      { id: 'avis_taxe_habitation', label: "Avis de taxe d'habitation", accepted: true, rule_kind: 'months', rule_value: 12, requirement_id: 'domicile' },
      { id: 'facture_energie', label: 'Facture EDF ou GDF', accepted: false, rule_kind: 'months', rule_value: 3, requirement_id: 'domicile' },
    ])
    // Through the change log (workstations pull it); a second start writes nothing.
    const logged = await rows<{ entity_id: string }>(
      portal.db,
      sql`SELECT entity_id FROM changes WHERE seq > (SELECT coalesce(max(seq), 0) FROM changes) - 10 AND entity = 'document_types'`,
    )
    expect(logged.map((c) => c.entity_id)).toContain('avis_taxe_habitation')
    expect((await rows<{ n: number }>(portal.db, sql`SELECT count(*)::int AS n FROM changes`))[0]!.n).toBe(before[0]!.n + 1)
    expect(await seedTownDefaults(portal.db)).toEqual({ rows: 0 })
  })
})
