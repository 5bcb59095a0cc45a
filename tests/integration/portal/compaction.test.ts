import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PullResponseSchema, type Change } from '@shared/sync/protocol'
import { main, type CliIo } from '../../../src/portal/cli'
import { openPortalDb, rows, type PortalDb } from '../../../src/portal/db/client'
import { deleteRow, putRow } from '../../../src/portal/db/store'
import { compactChangeLog, compactionHorizon } from '../../../src/portal/services/compaction'
import { backends, type BackendHandle } from './backends'
import { enrol, maxSeq, startTestPortal, type TestPortal } from './helpers'

/**
 * Issue 11, change-log retention (src/portal/services/compaction.ts, services/pull.ts), on the
 * real portal over HTTP, PGlite and PostgreSQL: below the horizon only the latest change of
 * each record is kept, above it nothing moves; the horizon waits for the oldest kept snapshot
 * and for the active workstations' cursors, not for a silent one; deletes go in bounded batches;
 * a pull below the horizon is told CURSOR_TOO_OLD, one at or above it reads the same rows.
 */

interface LogRow {
  seq: number
  entity: string
  entity_id: string
  op: string
  row: unknown
}

const DAY = 24 * 60 * 60 * 1000

async function log(db: PortalDb): Promise<LogRow[]> {
  const found = await rows<LogRow & { seq: string | number }>(db, sql`SELECT seq, entity, entity_id, op, row FROM changes ORDER BY seq`)
  return found.map((r) => ({ ...r, seq: Number(r.seq) }))
}

/** The latest change of each record among `changes`, in seq order. */
function latestPerRecord(changes: LogRow[]): LogRow[] {
  const last = new Map<string, LogRow>()
  for (const c of changes) last.set(`${c.entity}\u0000${c.entity_id}`, c)
  return [...last.values()].sort((a, b) => a.seq - b.seq)
}

/** What a workstation holds after applying `changes` in order (put: the row; delete: gone). */
function fold(changes: Array<{ entity: string; id: string; op: string; row: unknown }>): Map<string, unknown> {
  const state = new Map<string, unknown>()
  for (const c of changes) {
    const key = `${c.entity}\u0000${c.id}`
    if (c.op === 'delete') state.delete(key)
    else state.set(key, c.row)
  }
  return state
}

const asPulled = (r: LogRow) => ({ entity: r.entity, id: r.entity_id, op: r.op, row: r.row })

/** A complete snapshot row at `seq` (what helper SNAP's builder leaves; no bytes needed here). */
async function snapshotAt(db: PortalDb, seq: number): Promise<void> {
  await db.execute(
    sql`INSERT INTO snapshots (seq, bytes, sha256, rows, schema_version, complete) VALUES (${seq}, 0, 'test', 0, 1, true) ON CONFLICT (seq) DO NOTHING`,
  )
}

async function dropSnapshots(db: PortalDb): Promise<void> {
  await db.execute(sql`DELETE FROM snapshots`)
}

/** The workstations of the tests before are revoked: they hold nothing back. */
async function retireWorkstations(db: PortalDb): Promise<void> {
  await db.execute(sql`UPDATE workstations SET revoked_at = now() WHERE revoked_at IS NULL`)
}

/** Several versions of a few records: schools renamed again and again, one deleted. */
async function churn(db: PortalDb, rounds: number, tag: string): Promise<void> {
  const schools = await rows<{ id: string; name: string; kind: string; address: string | null }>(db, sql`SELECT id, name, kind, address FROM schools ORDER BY id`)
  for (let i = 0; i < rounds; i++) {
    for (const s of schools.slice(0, 3)) await putRow(db, 'schools', { ...s, name: `${s.name} ${tag}${i}` })
  }
}

async function pullAll(t: TestPortal, token: string, cursor: number): Promise<Change[]> {
  const out: Change[] = []
  for (;;) {
    const res = await t.api('GET', `/sync/pull?cursor=${cursor}&limit=50`, { token })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    const page = PullResponseSchema.parse(res.body)
    out.push(...page.changes)
    cursor = page.cursor
    if (!page.hasMore) return out
  }
}

describe.each(backends)('change-log retention (%s)', (backend) => {
  let t: TestPortal
  beforeAll(async () => {
    // No timer: every compaction of this file is the test's own.
    t = await startTestPortal(backend, { families: 3, seed: 11 })
  }, 120_000)
  afterAll(async () => {
    await t?.cleanup()
  })

  it('keeps the latest change of each record below the horizon, nothing above it moves, and bounds each delete to its batch', async () => {
    await churn(t.db, 4, 'a')
    // A record deleted below the horizon: its delete is its latest change, kept.
    const gone = (await rows<{ id: string }>(t.db, sql`SELECT id FROM document_types ORDER BY id LIMIT 1`))[0]
    if (gone) await deleteRow(t.db, 'document_types', gone.id).catch(() => false)
    const horizon = await maxSeq(t.db)
    await churn(t.db, 3, 'b')
    const before = await log(t.db)
    const ws = await enrol(t, 'Guichet lecteur')
    const pulledBefore = await pullAll(t, ws.token, horizon)

    await dropSnapshots(t.db)
    // No snapshot yet: no compaction (a workstation could not bootstrap at or above a horizon).
    const none = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(none).toMatchObject({ horizon: 0, deleted: 0, skipped: 'no_snapshot' })
    expect(await log(t.db)).toEqual(before)

    await snapshotAt(t.db, horizon)
    const batches: Array<{ hi: number; deleted: number }> = []
    const r = await compactChangeLog(t.db, { now: new Date(), holder: 'test', batchSize: 3, onBatch: (b) => batches.push(b) })
    // The snapshot's seq bounds it (the reading workstation pulled above it: it holds nothing back).
    expect(r.horizon).toBe(horizon)
    expect(await compactionHorizon(t.db)).toBe(horizon)
    const below = before.filter((c) => c.seq <= horizon)
    const above = before.filter((c) => c.seq > horizon)
    expect(r.deleted).toBe(below.length - latestPerRecord(below).length)
    expect(r.deleted).toBeGreaterThan(10)
    const after = await log(t.db)
    expect(after.filter((c) => c.seq <= horizon)).toEqual(latestPerRecord(below))
    expect(after.filter((c) => c.seq > horizon)).toEqual(above)
    // Bounded batches: several statements, none deleting more than its batch.
    expect(r.batches).toBe(batches.length)
    expect(batches.length).toBeGreaterThanOrEqual(Math.ceil(below.length / 3))
    for (const b of batches) expect(b.deleted).toBeLessThanOrEqual(3)
    expect(batches.at(-1)!.hi).toBe(horizon)

    // The whole log still folds to the same town, and a pull at the horizon reads the same rows.
    expect(fold(after.map(asPulled))).toEqual(fold(before.map(asPulled)))
    const pulledAfter = await pullAll(t, ws.token, horizon)
    expect(pulledAfter).toEqual(pulledBefore)
    const mid = above[2]!.seq
    expect(await pullAll(t, ws.token, mid)).toEqual(pulledBefore.filter((c) => c.seq > mid))

    // Run again with nothing new: nothing more to delete, the horizon stays.
    const again = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(again).toMatchObject({ horizon, deleted: 0 })
    expect(await log(t.db)).toEqual(after)
  })

  it('a pull below the horizon: 409 CURSOR_TOO_OLD with the horizon; at the horizon: the changes after it', async () => {
    const horizon = await compactionHorizon(t.db)
    expect(horizon).toBeGreaterThan(0) // the test above compacted
    const ws = await enrol(t, 'Guichet ancien')
    for (const cursor of [0, 1, horizon - 1]) {
      const res = await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })
      expect(res.status).toBe(409)
      const error = PortalErrorSchema.parse(res.body).error
      expect(error).toMatchObject({ code: 'CURSOR_TOO_OLD', horizon })
      expect(error.message).toMatch(/recharger la ville/)
    }
    // A refused pull does not count as the workstation's position.
    const seen = await rows<{ c: string | null }>(t.db, sql`SELECT pull_cursor AS c FROM workstations WHERE id = ${ws.workstationId}`)
    expect(seen[0]?.c).toBeNull()
    const ok = await t.api('GET', `/sync/pull?cursor=${horizon}`, { token: ws.token })
    expect(ok.status).toBe(200)
    expect(PullResponseSchema.parse(ok.body).changes[0]!.seq).toBeGreaterThan(horizon)
    // CURSOR_AHEAD is unchanged.
    const ahead = await t.api('GET', `/sync/pull?cursor=${(await maxSeq(t.db)) + 10}`, { token: ws.token })
    expect(PortalErrorSchema.parse(ahead.body).error.code).toBe('CURSOR_AHEAD')
  })

  it('an active workstation’s cursor holds the horizon back; a silent one past the retention, or a revoked one, does not; it never goes down', async () => {
    await retireWorkstations(t.db)
    await dropSnapshots(t.db)
    const start = await compactionHorizon(t.db)
    await churn(t.db, 2, 'c')
    const held = await maxSeq(t.db)
    await churn(t.db, 2, 'd')
    const top = await maxSeq(t.db)
    await snapshotAt(t.db, top)

    // A pull records the workstation's cursor (what it has) and when.
    const a = await enrol(t, 'Guichet actif')
    expect((await t.api('GET', `/sync/pull?cursor=${held}&limit=1`, { token: a.token })).status).toBe(200)
    const recorded = await rows<{ c: string; at: string }>(t.db, sql`SELECT pull_cursor AS c, pulled_at::text AS at FROM workstations WHERE id = ${a.workstationId}`)
    expect(Number(recorded[0]!.c)).toBe(held)
    // Cheap: the same cursor again within the minute writes nothing.
    await t.db.execute(sql`UPDATE workstations SET pulled_at = pulled_at - interval '10 seconds' WHERE id = ${a.workstationId}`)
    const marked = (await rows<{ at: string }>(t.db, sql`SELECT pulled_at::text AS at FROM workstations WHERE id = ${a.workstationId}`))[0]!.at
    expect((await t.api('GET', `/sync/pull?cursor=${held}&limit=1`, { token: a.token })).status).toBe(200)
    expect((await rows<{ at: string }>(t.db, sql`SELECT pulled_at::text AS at FROM workstations WHERE id = ${a.workstationId}`))[0]!.at).toBe(marked)

    // A revoked workstation far behind holds nothing back.
    const revoked = await enrol(t, 'Guichet révoqué')
    await t.db.execute(sql`UPDATE workstations SET pull_cursor = ${start}, pulled_at = now(), revoked_at = now() WHERE id = ${revoked.workstationId}`)

    const r1 = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(r1.horizon).toBe(held)
    expect(await compactionHorizon(t.db)).toBe(held)
    // The active workstation pulls on from its cursor.
    expect((await t.api('GET', `/sync/pull?cursor=${held}`, { token: a.token })).status).toBe(200)

    // It falls silent past the retention: the horizon no longer waits for it (up to the snapshot).
    await t.db.execute(sql`UPDATE workstations SET pulled_at = now() - interval '31 days' WHERE id = ${a.workstationId}`)
    const r2 = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(r2.horizon).toBe(top)
    const late = await t.api('GET', `/sync/pull?cursor=${held}`, { token: a.token })
    expect(late.status).toBe(409)
    expect(PortalErrorSchema.parse(late.body).error).toMatchObject({ code: 'CURSOR_TOO_OLD', horizon: top })

    // The horizon never goes down: an older snapshot kept alone, or an active workstation further behind.
    await dropSnapshots(t.db)
    await snapshotAt(t.db, held)
    await t.db.execute(sql`UPDATE workstations SET pull_cursor = ${start}, pulled_at = now(), revoked_at = NULL WHERE id = ${revoked.workstationId}`)
    const r3 = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(r3.horizon).toBe(top)
    expect(await compactionHorizon(t.db)).toBe(top)
    await t.db.execute(sql`UPDATE workstations SET revoked_at = now() WHERE id = ${revoked.workstationId}`)
  })

  it('changes older than the retention let the horizon pass an active workstation that is behind', async () => {
    await retireWorkstations(t.db)
    await dropSnapshots(t.db)
    const start = await compactionHorizon(t.db)
    await churn(t.db, 2, 'e')
    const old = await maxSeq(t.db)
    await churn(t.db, 2, 'f')
    const top = await maxSeq(t.db)
    await snapshotAt(t.db, top)
    const behind = await enrol(t, 'Guichet en retard')
    await t.db.execute(sql`UPDATE workstations SET pull_cursor = ${start}, pulled_at = now() WHERE id = ${behind.workstationId}`)
    // Only its cursor and the snapshot: the horizon waits at its cursor.
    expect((await compactChangeLog(t.db, { now: new Date(), holder: 'test' })).horizon).toBe(start)
    // The changes up to `old` are 40 days old (the portal's clock moved on): retention 30 days.
    const now = new Date(Date.now() + 40 * DAY)
    await t.db.execute(sql`UPDATE workstations SET pulled_at = ${now.toISOString()}::timestamptz WHERE id = ${behind.workstationId}`)
    await t.db.execute(sql`UPDATE changes SET at = now() + interval '39 days' WHERE seq > ${old}`)
    const r = await compactChangeLog(t.db, { now, holder: 'test' })
    expect(r.horizon).toBe(old)
    const res = await t.api('GET', `/sync/pull?cursor=${start}`, { token: behind.token })
    expect(res.status).toBe(409)
    expect(PortalErrorSchema.parse(res.body).error).toMatchObject({ code: 'CURSOR_TOO_OLD', horizon: old })
  })

  it('one compactor at a time: another holder of the lease is left alone', async () => {
    await t.db.execute(sql`UPDATE leases SET holder = 'other', until = now() + interval '1 minute' WHERE name = 'compaction'`)
    try {
      const r = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
      expect(r).toMatchObject({ deleted: 0, batches: 0, skipped: 'lease' })
    } finally {
      await t.db.execute(sql`UPDATE leases SET until = '-infinity' WHERE name = 'compaction'`)
    }
    const r = await compactChangeLog(t.db, { now: new Date(), holder: 'test' })
    expect(r.skipped).toBeUndefined()
  })
})

describe.each(backends)('npm run portal -- compact (%s)', (backend) => {
  let handle: BackendHandle
  beforeAll(async () => {
    handle = await backend.open()
  })
  afterAll(async () => {
    await handle?.cleanup()
  })

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = []
    const err: string[] = []
    const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: handle.databaseUrl ? { DATABASE_URL: handle.databaseUrl } : {} }
    const code = await main([...argv, '--data-dir', handle.dataDir], io)
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('compacts now and prints the horizon, the rows deleted and the batches', async () => {
    expect((await run('compact', '--retention-days', '0')).code).toBe(2)
    expect((await run('demo', '--families', '2', '--seed', '3')).code).toBe(0)
    const none = await run('compact')
    expect(none.code, none.err).toBe(0)
    expect(none.out).toMatch(/Aucun instantané complet/)
    const database = await openPortalDb({ dataDir: handle.dataDir, ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}) })
    let top: number
    try {
      await churn(database.db, 3, 'cli')
      top = Number((await rows<{ s: string }>(database.db, sql`SELECT max(seq) AS s FROM changes`))[0]!.s)
      await snapshotAt(database.db, top)
    } finally {
      await database.close()
    }
    const done = await run('compact', '--retention-days', '10')
    expect(done.code, done.err).toBe(0)
    expect(done.out).toMatch(new RegExp(`^Journal des changements compacté : horizon ${top}, \\d+ changement\\(s\\) supprimé\\(s\\) en \\d+ lot\\(s\\), [\\d.]+ s \\(rétention 10 jours\\)\\.$`))
    expect(done.out).not.toMatch(/horizon \d+, 0 changement/)
  })
})
