import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FamilyFile } from '@shared/contract'
import { rows } from '../../../src/portal/db/client'
import { listFlags } from '../../../src/main/core/sync/rejections'
import { setSetting } from '../../../src/main/core/services/settings'
import { SYNC_KEYS } from '../../../src/main/core/sync/state'
import { expectOk, openWorkstation, sharedTables, startTestPortal, type Portal, type TestWorkstation } from './harness'
import { asAgent, family } from './fixtures/family-input'

/**
 * Enrolment end to end on the real portal (PGlite, or PostgreSQL when DATABASE_URL is set):
 * families created offline on two counters with codes from each one's range; the same child
 * entered twice is recorded twice and flagged as a likely duplicate; a responsable merges the
 * two files and every workstation converges; an edit reaches the portal with its history; a code
 * outside the workstation's range is recorded and flagged, never refused.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let a: TestWorkstation
let b: TestWorkstation

beforeAll(async () => {
  portal = await startTestPortal({ families: 5, seed: 8 })
  ;[a, b] = await Promise.all([openWorkstation(portal, { name: 'Guichet A' }), openWorkstation(portal, { name: 'Guichet B' })])
})

afterAll(async () => {
  for (const ws of [a, b]) await ws?.cleanup()
  await portal?.cleanup()
})

describe('families created at the counter reach the portal', () => {
  it('records two offline creations of the same family, flags the duplicate, and a merge converges everywhere', async () => {
    asAgent(a, 'accueil')
    asAgent(b, 'accueil')
    a.faults.offline = true
    b.faults.offline = true
    const onA = family(a, 'Anne', 'Maëlle', '2019-06-12')
    const onB = family(b, 'Anne', 'Maelle', '2019-06-12')
    const fileA = expectOk(await a.call<FamilyFile>('families', 'create', onA))
    const fileB = expectOk(await b.call<FamilyFile>('families', 'create', onB))
    // Each counter takes its own range: two different codes, offline.
    expect(fileA.code).not.toBe(fileB.code)
    a.faults.offline = false
    b.faults.offline = false
    await a.drain()
    await b.drain()
    await a.drain()

    const onPortal = await rows<{ id: string; code: string }>(portal.db, sql`SELECT id, code FROM families WHERE name = 'Kerbrat' ORDER BY code`)
    expect(onPortal.map((f) => f.code).sort()).toEqual([fileA.code, fileB.code].sort())
    const [phone] = await rows<{ phone_mobile: string }>(portal.db, sql`SELECT phone_mobile FROM persons WHERE id = ${onA.members[0]!.personId}`)
    expect(phone!.phone_mobile).toBe('+33611223344')
    // The second one is flagged (never refused): the same child, accents aside, in another file.
    const flags = await rows<{ code: string; family_id: string }>(portal.db, sql`SELECT code, family_id FROM flags WHERE command_name = 'families.create'`)
    expect(flags).toEqual([{ code: 'POSSIBLE_DUPLICATE', family_id: onB.familyId }])
    expect(listFlags(a.core.sqlite).some((f) => f.code === 'POSSIBLE_DUPLICATE' && f.familyId === onB.familyId)).toBe(true)

    // A responsable merges B's file into A's, on counter A.
    asAgent(a, 'responsable')
    const merged = expectOk(await a.call<FamilyFile>('families', 'merge', { sourceId: onB.familyId, targetId: onA.familyId }))
    expect(merged.children.map((c) => c.firstNames).sort()).toEqual(['Maelle', 'Maëlle'])
    await a.drain()
    await b.drain()
    const [source] = await rows<{ merged_into: string | null }>(portal.db, sql`SELECT merged_into FROM families WHERE id = ${onB.familyId}`)
    expect(source!.merged_into).toBe(onA.familyId)
    const onB2 = expectOk(await b.call<FamilyFile>('families', 'get', { id: onB.familyId }))
    expect(onB2.mergedInto?.id).toBe(onA.familyId)
    expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(b.core.sqlite))
  })

  it('sends an edit with its history; a code outside the workstation’s range is recorded and flagged', async () => {
    asAgent(a, 'accueil')
    const input = family(a, 'Sophie', 'Noé', '2020-02-29')
    const file = expectOk(await a.call<FamilyFile>('families', 'create', input))
    expectOk(await a.call('families', 'updatePerson', { familyId: file.id, personId: input.members[0]!.personId, changes: { phoneMobile: '+33 7 98 76 54 32' } }))
    await a.drain()
    const history = await rows<{ field: string; old_value: string; new_value: string; channel: string }>(
      portal.db,
      sql`SELECT field, old_value, new_value, channel FROM field_history WHERE entity_id = ${input.members[0]!.personId} AND field = 'phone_mobile'`,
    )
    expect(history).toEqual([{ field: 'phone_mobile', old_value: '+33611223344', new_value: '+33798765432', channel: 'guichet' }])

    // Counter A is given B's range by mistake (a restored settings file): its next family is
    // recorded on the portal all the same, and flagged for a responsable.
    const bFirst = Number(b.core.sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).pluck().get(SYNC_KEYS.codeFamilleFirst))
    setSetting(a.core.sqlite, SYNC_KEYS.codeFamilleFirst, String(bFirst + 500))
    setSetting(a.core.sqlite, SYNC_KEYS.codeFamilleLast, String(bFirst + 600))
    // Its running number comes back with the file too (otherwise, when A's own range lies above
    // B's — the two enrol at once, either may come first — A's next number is past this range).
    setSetting(a.core.sqlite, 'series.code_famille.next', String(bFirst + 500))
    const stray = expectOk(await a.call<FamilyFile>('families', 'create', family(a, 'Inès', 'Lou', '2018-10-01')))
    await a.drain()
    const [recorded] = await rows<{ code: string }>(portal.db, sql`SELECT code FROM families WHERE id = ${stray.id}`)
    expect(recorded!.code).toBe(stray.code)
    const flags = await rows<{ code: string }>(portal.db, sql`SELECT code FROM flags WHERE family_id = ${stray.id}`)
    expect(flags.map((f) => f.code)).toContain('NUMBER_OUTSIDE_SERIES')
  })
})
