import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getSetting } from '../../../src/main/core/services/settings'
import { reindexAllFamilies, searchFamilies } from '../../../src/main/core/services/search'
import Database from 'better-sqlite3'
import { SEARCH_DOC_VERSION } from '../../../src/shared/domain/searchIndex'
import { bootstrapDir, IMPORT_STEPS } from '../../../src/main/core/sync/bootstrap'
import { SYNC_KEYS, type BootstrapState } from '../../../src/main/core/sync/state'
import { countRows, loginAsPortalAgent, openWorkstation, sharedTables, startTestPortal, tempDir, type Portal, type TestWorkstation } from './harness'

/**
 * Bootstrap from the portal's snapshot: a download cut in the middle resumes with an HTTP
 * Range request; an import interrupted in the middle (the database closed under it, as a
 * crash would) resumes at the last committed chunk; searches answer during the import; the
 * result equals an uninterrupted bootstrap.
 */

let portal: Portal & { cleanup: () => Promise<void> }
let reference: TestWorkstation
const opened: TestWorkstation[] = []
const cleanups: Array<() => void> = []

beforeAll(async () => {
  portal = await startTestPortal({ families: 150, seed: 5 })
  reference = await openWorkstation(portal, { name: 'Référence' })
  opened.push(reference)
})

afterAll(async () => {
  for (const ws of opened) await ws.cleanup()
  await portal?.cleanup()
  for (const c of cleanups) c()
})

function partSize(dir: string): number {
  const folder = bootstrapDir(dir)
  if (!existsSync(folder)) return 0
  const part = readdirSync(folder).find((f) => f.endsWith('.part'))
  return part ? statSync(join(folder, part)).size : 0
}

describe('bootstrap', () => {
  it('a download cut in the middle resumes where it stopped (HTTP Range)', async () => {
    const ws = await openWorkstation(portal, { name: 'Coupure', enrol: false })
    opened.push(ws)
    await ws.engine.enrol(portal.url, await portal.createEnrolmentCode('Coupure'))
    ws.faults.inject(/\/sync\/snapshot\/file/, { cutAfterBytes: 20_000 })
    const cut = await ws.sync()
    expect(cut).toMatchObject({ state: 'offline', enrolled: true })
    expect(partSize(ws.dir)).toBe(20_000)
    expect(countRows(ws.core.sqlite, 'SELECT count(*) AS n FROM families')).toBe(0)

    const ok = await ws.sync()
    expect(ok).toMatchObject({ state: 'idle', lastError: null, bootstrap: null })
    const files = ws.faults.calls.filter((c) => c.path.endsWith('/sync/snapshot/file'))
    expect(files).toHaveLength(2)
    expect(files[0]!.range).toBeUndefined()
    expect(files[1]!.range).toBe('bytes=20000-')
    expect(existsSync(bootstrapDir(ws.dir))).toBe(false) // cleaned up after the import
    expect(sharedTables(ws.core.sqlite)).toEqual(sharedTables(reference.core.sqlite))
    expect(ws.engine.cursor()).toBe(reference.engine.cursor())
  })

  it('an import interrupted in the middle resumes at its last committed chunk; searches answer meanwhile', async () => {
    const { dir, cleanup } = tempDir('guichet-boot-')
    cleanups.push(cleanup)
    const ws = await openWorkstation(portal, { name: 'Crash', dir, enrol: false, engine: { importChunkRows: 40 } })
    await ws.engine.enrol(portal.url, await portal.createEnrolmentCode('Crash'))
    const round = ws.sync()
    // "Crash" once a few chunks of families and members are in.
    let progress: { done: number; total: number } | null = null
    for (;;) {
      const s = ws.engine.status().bootstrap
      if (s?.phase === 'import' && s.done > s.total / 2) {
        progress = s
        ws.core.close()
        break
      }
      if (!s && ws.engine.status().state !== 'bootstrapping' && ws.engine.status().state !== 'syncing') break
      await new Promise((r) => setImmediate(r))
    }
    expect(progress, 'the import was interrupted').not.toBeNull()
    await round.catch(() => undefined)
    await ws.engine.stop()

    // Reopen: the committed chunks are there, with their progress.
    const resumed = await openWorkstation(portal, { name: 'Crash', dir, enrol: false, engine: { importChunkRows: 40 } })
    opened.push(resumed)
    const state = JSON.parse(getSetting(resumed.core.sqlite, SYNC_KEYS.bootstrap)!) as BootstrapState
    expect(state.phase).toBe('import')
    if (state.phase !== 'import') return
    expect(state.done).toBeGreaterThan(0)
    expect(countRows(resumed.core.sqlite, 'SELECT count(*) AS n FROM persons')).toBeGreaterThan(0)

    // Searches answer between the chunks of the resumed import; an agent changes a family's
    // contacts while the search index is being built (its row must not be doubled).
    let searches = 0
    let searching = true
    let changed: string | null = null
    const probe = (async () => {
      while (searching) {
        if (resumed.engine.status().state === 'bootstrapping') {
          searchFamilies(resumed.core.sqlite, 'a', 5)
          searches++
          const now = JSON.parse(getSetting(resumed.core.sqlite, SYNC_KEYS.bootstrap) ?? '{}') as BootstrapState
          if (!changed && now.phase === 'import' && IMPORT_STEPS[now.entity] === 'search_index' && now.lastRowid > 0) {
            const m = resumed.core.sqlite
              .prepare(
                `SELECT m.family_id AS familyId, m.person_id AS personId FROM family_members m
                 WHERE m.role = 'RL1' ORDER BY (SELECT rowid FROM families f WHERE f.id = m.family_id) DESC LIMIT 1`,
              )
              .get() as { familyId: string; personId: string }
            loginAsPortalAgent(resumed)
            const out = await resumed.call('families', 'updateContacts', {
              ...m,
              phoneMobile: '06 99 88 77 66',
              phoneHome: null,
              phoneWork: null,
              email: 'pendant.import@exemple.fr',
            })
            expect(out.ok).toBe(true)
            changed = m.familyId
          }
        }
        await new Promise((r) => setImmediate(r))
      }
    })()
    // The first pull after the import is lost, so that the import's own result can be checked.
    resumed.faults.inject(/\/sync\/pull/, 'drop-request')
    const imported = await resumed.sync()
    searching = false
    await probe
    expect(imported).toMatchObject({ state: 'offline', pending: 1 })
    expect(searches).toBeGreaterThan(0)
    expect(changed, 'a family was changed during the index step').not.toBeNull()
    expect(
      resumed.core.sqlite.prepare('SELECT family_id FROM family_search GROUP BY family_id HAVING count(*) > 1').all(),
    ).toEqual([])
    expect(countRows(resumed.core.sqlite, 'SELECT count(*) AS n FROM family_search')).toBe(
      countRows(resumed.core.sqlite, 'SELECT count(*) AS n FROM families'),
    )
    expect(searchFamilies(resumed.core.sqlite, '0699887766', 5).map((f) => f.id)).toEqual([changed])
    const done = await resumed.sync()
    expect(done).toMatchObject({ state: 'idle', lastError: null, pending: 0 })
    // The change went to the portal and came back: everybody agrees.
    await reference.sync()
    // Only the rest of the file was imported (no second download).
    expect(resumed.faults.calls.filter((c) => c.path.endsWith('/sync/snapshot/file'))).toHaveLength(0)
    expect(sharedTables(resumed.core.sqlite)).toEqual(sharedTables(reference.core.sqlite))
    expect(countRows(resumed.core.sqlite, 'SELECT count(*) AS n FROM family_search')).toBe(
      countRows(reference.core.sqlite, 'SELECT count(*) AS n FROM family_search'),
    )
    const name = (reference.core.sqlite.prepare('SELECT name FROM families ORDER BY id LIMIT 1').get() as { name: string }).name
    expect(searchFamilies(resumed.core.sqlite, name, 50).map((f) => f.id).sort()).toEqual(
      searchFamilies(reference.core.sqlite, name, 50).map((f) => f.id).sort(),
    )
  })

  it('the snapshot carries the search documents, kept in step with the changes; a new workstation indexes them as it would build them', async () => {
    // A change that alters a family's document, made at the counter and pushed: the next
    // snapshot is an incremental build over the previous one.
    loginAsPortalAgent(reference)
    const m = reference.core.sqlite
      .prepare(`SELECT family_id AS familyId, person_id AS personId FROM family_members WHERE role = 'RL1' ORDER BY id LIMIT 1`)
      .get() as { familyId: string; personId: string }
    const out = await reference.call('families', 'updateContacts', { ...m, phoneMobile: '06 11 22 33 44', phoneHome: null, phoneWork: null, email: null })
    expect(out.ok).toBe(true)
    expect(await reference.sync()).toMatchObject({ state: 'idle', pending: 0 })
    const before = (await portal.snapshots.latest())?.seq ?? 0
    const snapshot = await portal.snapshots.build()
    expect(snapshot.seq).toBeGreaterThan(before)

    // In the file (as stored in the portal's database): one document per family, of this version, the changed one up to date.
    const folder = tempDir('guichet-snap-')
    const copy = join(folder.dir, 'snapshot.sqlite')
    expect(await portal.snapshots.writeFile(snapshot, copy)).toBe(true)
    const file = new Database(copy, { readonly: true })
    try {
      expect(file.prepare(`SELECT value FROM meta WHERE key = 'searchDocVersion'`).pluck().get()).toBe(String(SEARCH_DOC_VERSION))
      expect(file.prepare('SELECT count(*) FROM search_docs').pluck().get()).toBe(file.prepare('SELECT count(*) FROM families').pluck().get())
      expect(file.prepare('SELECT other FROM search_docs WHERE family_id = ?').pluck().get(m.familyId)).toContain('0611223344')
    } finally {
      file.close()
      folder.cleanup()
    }

    // A new workstation: its index is exactly the one it would build from its own tables.
    const ws = await openWorkstation(portal, { name: 'Documents' })
    opened.push(ws)
    expect(ws.engine.cursor()).toBeGreaterThanOrEqual(snapshot.seq)
    const index = () =>
      ws.core.sqlite.prepare('SELECT family_id, summary, family, names, other, phonetic FROM family_search ORDER BY family_id').all()
    const imported = index()
    expect(imported.length).toBe(countRows(ws.core.sqlite, 'SELECT count(*) AS n FROM families'))
    reindexAllFamilies(ws.core.sqlite)
    expect(imported).toEqual(index())
    expect(searchFamilies(ws.core.sqlite, '06 11 22 33 44', 5).map((f) => f.id)).toEqual([m.familyId])
  })
})
