import { createHash } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnsOf, entityOrder, normalizeRow, type Row } from '@shared/sync/entities'
import { PortalErrorSchema, PushResponseSchema, SnapshotInfoSchema, SYNC_SCHEMA_VERSION, type EnrolResponse, type SnapshotInfo } from '@shared/sync/protocol'
import { startPortal, type RunningPortal } from '../../../src/portal'
import { one, rows, type PortalDb } from '../../../src/portal/db/client'
import { putRow } from '../../../src/portal/db/store'
import { SnapshotManager } from '../../../src/portal/services/snapshots'
import { BOOK_DAYS, enrolledKids } from '../../helpers/bookings'
import { backends, type BackendHandle } from './backends'
import { api, bookPayload, command, maxSeq } from './helpers'

/**
 * Snapshots live in the database: two portal instances on the same PostgreSQL serve the same
 * bytes, a Range resume crosses instances, one builder at a time (the lease), old and incomplete
 * snapshots are cleaned up. On PGlite (one process) the same code path, one instance.
 * Small chunks (16 KiB) so that every file spans many of them.
 */

const CHUNK = 16 * 1024

async function portalState(db: PortalDb): Promise<Record<string, Record<string, Row>>> {
  const out: Record<string, Record<string, Row>> = {}
  for (const entity of entityOrder) {
    out[entity] = {}
    for (const r of await rows<Record<string, unknown>>(db, sql`SELECT * FROM ${sql.identifier(entity)}`)) {
      out[entity]![String(r.id)] = normalizeRow(entity, r)
    }
  }
  return out
}

function tablesOf(file: string): Record<string, Record<string, Row>> {
  const snap = new Database(file, { readonly: true })
  try {
    const out: Record<string, Record<string, Row>> = {}
    for (const entity of entityOrder) {
      out[entity] = {}
      for (const r of snap.prepare(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity}`).all() as Array<Record<string, unknown>>) {
        out[entity]![String(r.id)] = normalizeRow(entity, r)
      }
    }
    return out
  } finally {
    snap.close()
  }
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe.each(backends)('snapshots any instance can serve ($name)', (backend) => {
  let handle: BackendHandle
  let extraDir: string | null = null
  let work: string
  let a: RunningPortal
  let b: RunningPortal | null = null
  let ws: EnrolResponse
  let pushSeq = 0
  let booked = 0
  let agentId: string | null = null
  const managers: SnapshotManager[] = []

  /** Both instances on PostgreSQL; the one instance on PGlite. */
  const instances = (): RunningPortal[] => (b ? [a, b] : [a])
  const other = (i: number): RunningPortal => instances()[i % instances().length]!

  const get = (p: RunningPortal, path: string, headers: Record<string, string> = {}) =>
    fetch(`${p.url}/api/v1${path}`, { headers: { authorization: `Bearer ${ws.token}`, 'x-guichet-schema': String(SYNC_SCHEMA_VERSION), ...headers } })

  async function info(p: RunningPortal): Promise<SnapshotInfo> {
    const res = await get(p, '/sync/snapshot')
    const body: unknown = await res.json()
    expect(res.status, JSON.stringify(body)).toBe(200)
    return SnapshotInfoSchema.parse(body)
  }

  async function file(p: RunningPortal, seq: number, headers: Record<string, string> = {}): Promise<{ status: number; bytes: Buffer; res: Response }> {
    const res = await get(p, `/sync/snapshot/file?seq=${seq}`, headers)
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()), res }
  }

  /** n bookings pushed through instance p (a new kid × day each time). */
  async function book(p: RunningPortal, n: number): Promise<void> {
    const kids = await enrolledKids(a.db)
    const commands = []
    for (let i = 0; i < n; i++, booked++) {
      const kid = kids[booked % kids.length]!
      const day = BOOK_DAYS[Math.floor(booked / kids.length)]!
      commands.push(command(++pushSeq, 'reservations.book', bookPayload(kid, kid.siteId, day), uuidv7(), agentId))
    }
    const res = await api(p.url)('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands } })
    const body = PushResponseSchema.parse(res.body)
    expect(body.results.map((r) => r.status), JSON.stringify(body.results)).toEqual(commands.map(() => 'applied'))
  }

  const countSnapshots = async (where = sql`true`) => Number((await one<{ n: string | number }>(a.db, sql`SELECT count(*) AS n FROM snapshots WHERE ${where}`))?.n)
  const start = (dataDir: string) =>
    startPortal({
      dataDir,
      ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
      port: 0,
      host: '127.0.0.1',
      log: false,
      snapshotDebounceMs: 60_000,
      snapshotChunkBytes: CHUNK,
      snapshotWaitMs: 3000,
    })
  /** A builder of our own on the same database (another instance, as far as the lease goes). */
  const manager = (instanceId: string, waitMs = 20_000) => {
    const m = new SnapshotManager(a.db, mkdtempSync(join(work, 'm-')), { instanceId, chunkBytes: CHUNK, waitMs })
    managers.push(m)
    return m
  }

  beforeAll(async () => {
    handle = await backend.open()
    work = mkdtempSync(join(tmpdir(), 'snap-shared-'))
    a = await start(handle.dataDir)
    await a.seedDemo({ families: 15, seed: 7, today: '2026-11-27' })
    if (handle.databaseUrl) {
      extraDir = mkdtempSync(join(tmpdir(), 'snap-shared-b-'))
      b = await start(extraDir)
    }
    agentId = (await one<{ id: string }>(a.db, sql`SELECT id FROM agents WHERE login = 'accueil'`))?.id ?? null
    const code = await a.createEnrolmentCode('Guichet partagé')
    const res = await api(a.url)('POST', '/workstations/enrol', { body: { code } })
    ws = res.body as EnrolResponse
  })
  afterAll(async () => {
    for (const m of managers) await m.close()
    await b?.close()
    await a?.close()
    await handle?.cleanup()
    if (extraDir) rmSync(extraDir, { recursive: true, force: true })
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('instances asked at once build one snapshot, and every instance serves it byte for byte', async () => {
    expect(await countSnapshots()).toBe(0)
    const asked = await Promise.all([...instances(), ...instances()].map((p) => info(p)))
    for (const i of asked) expect(i).toEqual(asked[0])
    expect(await countSnapshots()).toBe(1)
    expect(a.snapshots.uploads + (b?.snapshots.uploads ?? 0)).toBe(1)
    const seq = asked[0]!.seq
    expect(seq).toBe(await maxSeq(a.db))
    const files = await Promise.all(instances().map((p) => file(p, seq)))
    for (const f of files) {
      expect(f.status).toBe(200)
      expect(f.bytes.length).toBe(asked[0]!.bytes)
      expect(sha(f.bytes)).toBe(asked[0]!.sha256)
      expect(f.res.headers.get('x-snapshot-sha256')).toBe(asked[0]!.sha256)
      expect(f.res.headers.get('etag')).toBe(`"${asked[0]!.sha256}"`)
    }
    expect(asked[0]!.bytes).toBeGreaterThan(3 * CHUNK)
    const saved = join(work, 'first.sqlite')
    writeFileSync(saved, files[0]!.bytes)
    expect(tablesOf(saved)).toEqual(await portalState(a.db))
  })

  it('a Range download started on one instance ends on the other with the right sha256', async () => {
    await book(a, 3)
    const built = await other(1).snapshots.build()
    const i = await info(a)
    expect(i.seq).toBe(built.seq)
    const cut = 2 * CHUNK + 1234 // past two chunk boundaries
    const head = await file(a, i.seq, { range: `bytes=0-${cut - 1}` })
    expect(head.status).toBe(206)
    const tail = await file(other(1), i.seq, { range: `bytes=${cut}-`, 'if-range': `"${i.sha256}"` })
    expect(tail.status).toBe(206)
    expect(tail.res.headers.get('content-range')).toBe(`bytes ${cut}-${i.bytes - 1}/${i.bytes}`)
    const whole = Buffer.concat([head.bytes, tail.bytes])
    expect(whole.length).toBe(i.bytes)
    expect(sha(whole)).toBe(i.sha256)
    // Any span, on any instance: the same bytes.
    for (const [s, e] of [
      [CHUNK - 10, CHUNK + 10],
      [0, 0],
      [i.bytes - 1, i.bytes - 1],
    ] as const) {
      for (const p of instances()) {
        const part = await file(p, i.seq, { range: `bytes=${s}-${e}` })
        expect(part.status).toBe(206)
        expect(part.bytes.equals(whole.subarray(s, e + 1))).toBe(true)
      }
    }
    const past = await file(other(1), i.seq, { range: `bytes=${i.bytes}-` })
    expect(past.status).toBe(416)
    expect(past.res.headers.get('content-range')).toBe(`bytes */${i.bytes}`)
  })

  it('20 bootstraps through alternating instances all succeed while the town changes and snapshots are rebuilt', async () => {
    const builds: Array<Promise<unknown>> = []
    let ok = 0
    for (let n = 0; n < 20; n++) {
      const first = other(n)
      const second = other(n + 1)
      if (n % 3 === 0) {
        await book(second, 1)
        builds.push(other(n + 1).snapshots.build()) // rebuilt in the background, elsewhere
      }
      const i = await info(first)
      const cut = Math.floor(i.bytes / 2)
      const head = await file(second, i.seq, { range: `bytes=0-${cut - 1}` })
      const tail = await file(first, i.seq, { range: `bytes=${cut}-`, 'if-range': `"${i.sha256}"` })
      expect([head.status, tail.status]).toEqual([206, 206])
      const whole = Buffer.concat([head.bytes, tail.bytes])
      expect(sha(whole), `bootstrap ${n}`).toBe(i.sha256)
      const saved = join(work, `boot-${n}.sqlite`)
      writeFileSync(saved, whole)
      const db = new Database(saved, { readonly: true })
      expect(db.prepare(`SELECT value FROM meta WHERE key = 'seq'`).pluck().get()).toBe(String(i.seq))
      db.close()
      ok++
    }
    await Promise.all(builds)
    expect(ok).toBe(20)
  })

  it('an incremental build applies a change log compacted to the latest change per record, from a verified base', async () => {
    // A builder with a cache of its own; then its cached file is tampered with (same size).
    const m = manager('builder-incremental')
    await book(a, 1)
    const base = await m.build()
    const cached = join(m.dir, readdirSync(m.dir).find((f) => f === `snapshot-${base.seq}.sqlite`)!)
    const tampered = new Database(cached)
    tampered.prepare(`UPDATE persons SET last_name = 'ALTERÉ'`).run()
    tampered.close()

    // The same records changed several times, then the log compacted to the latest change of each.
    const person = normalizeRow('persons', (await rows<Record<string, unknown>>(a.db, sql`SELECT * FROM persons ORDER BY id LIMIT 1`))[0]!)
    for (const phone of ['0611111111', '0622222222', '0633333333']) await putRow(a.db, 'persons', { ...person, phone_mobile: phone })
    await book(a, 2)
    const compacted = await rows(
      a.db,
      sql`DELETE FROM changes c WHERE EXISTS (SELECT 1 FROM changes d WHERE d.entity = c.entity AND d.entity_id = c.entity_id AND d.seq > c.seq) RETURNING seq`,
    )
    expect(compacted.length).toBeGreaterThan(0)

    const next = await m.build()
    expect(next.seq).toBe(await maxSeq(a.db))
    const saved = join(work, 'incremental.sqlite')
    expect(await m.writeFile(next, saved)).toBe(true)
    expect(tablesOf(saved)).toEqual(await portalState(a.db))
    // And a builder with no cache at all (the base read from the database) agrees.
    await book(a, 1)
    const fresh = manager('builder-fresh')
    const third = await fresh.build()
    const again = join(work, 'incremental-fresh.sqlite')
    expect(await fresh.writeFile(third, again)).toBe(true)
    expect(tablesOf(again)).toEqual(await portalState(a.db))
  })

  it('cleanup keeps the newest 3 complete, and an older one only until the next newer is 10 minutes old', async () => {
    // At least 5 complete snapshots, built by turns.
    for (let n = 0; (await countSnapshots(sql`complete`)) < 5; n++) {
      await book(other(n), 1)
      await other(n).snapshots.build()
    }
    const all = (await rows<{ seq: string | number }>(a.db, sql`SELECT seq FROM snapshots WHERE complete ORDER BY seq`)).map((r) => Number(r.seq))
    // Nothing is 10 minutes old: nothing goes.
    expect(await a.snapshots.cleanup()).toBe(0)
    // The two oldest aged: the oldest goes (its next newer is old), the second stays (its next newer is fresh).
    const [s1, s2] = all
    await a.db.execute(sql`UPDATE snapshots SET built_at = now() - interval '11 minutes' WHERE seq IN (${s1}, ${s2})`)
    expect(await other(1).snapshots.cleanup()).toBe(1)
    expect(await countSnapshots(sql`seq = ${s1}`)).toBe(0)
    expect(await countSnapshots(sql`seq = ${s2}`)).toBe(1)
    // Everything aged: the newest 3 stay.
    await a.db.execute(sql`UPDATE snapshots SET built_at = now() - interval '11 minutes'`)
    await a.snapshots.cleanup()
    const kept = (await rows<{ seq: string | number }>(a.db, sql`SELECT seq FROM snapshots ORDER BY seq`)).map((r) => Number(r.seq))
    expect(kept).toEqual(all.slice(-3))
    expect(await countSnapshots(sql`seq = ${s1}`)).toBe(0)
    // A cleaned-up seq: 404 on every instance (the chunks went with it).
    for (const p of instances()) {
      const gone = await get(p, `/sync/snapshot/file?seq=${s1}`)
      expect(gone.status).toBe(404)
      expect(PortalErrorSchema.parse(await gone.json()).error.code).toBe('NOT_FOUND')
    }
    expect(Number((await one<{ n: string }>(a.db, sql`SELECT count(*) AS n FROM snapshot_chunks WHERE seq NOT IN (SELECT seq FROM snapshots)`))?.n)).toBe(0)
  })

  it('an incomplete snapshot (its builder died) is never served, stays while a builder holds the lease, and is cleaned', async () => {
    await book(a, 2)
    const served = await a.snapshots.latest()
    const seq = await maxSeq(a.db)
    expect(served!.seq).toBeLessThan(seq)
    const dead = async () => {
      await a.db.execute(sql`INSERT INTO snapshots (seq, bytes, sha256, rows, schema_version, complete)
                             VALUES (${seq}, 20, ${'0'.repeat(64)}, 1, ${SYNC_SCHEMA_VERSION}, false)`)
      await a.db.execute(sql`INSERT INTO snapshot_chunks (seq, n, data) VALUES (${seq}, 0, ${Buffer.from('not a whole file')}::bytea)`)
      await a.db.execute(sql`UPDATE leases SET holder = 'killed-builder', until = now() - interval '1 second' WHERE name = 'snapshot_builder'`)
    }
    await dead()
    for (const p of instances()) {
      expect((await info(p)).seq).toBe(served!.seq)
      expect((await get(p, `/sync/snapshot/file?seq=${seq}`)).status).toBe(404)
    }
    // While a builder holds the lease, its incomplete row may be in the making: kept.
    await a.db.execute(sql`UPDATE leases SET holder = 'live-builder', until = now() + interval '1 hour' WHERE name = 'snapshot_builder'`)
    await other(1).snapshots.cleanup()
    expect(await countSnapshots(sql`seq = ${seq}`)).toBe(1)
    // The lease expired: cleaned by any instance.
    await a.db.execute(sql`UPDATE leases SET until = now() - interval '1 second' WHERE name = 'snapshot_builder'`)
    await other(1).snapshots.cleanup()
    expect(await countSnapshots(sql`seq = ${seq}`)).toBe(0)
    // A dead builder's row at the very seq of the next build: the next builder replaces it.
    await dead()
    const built = await other(1).snapshots.build()
    expect(built.seq).toBe(seq)
    for (const p of instances()) {
      const i = await info(p)
      expect(i.seq).toBe(seq)
      const f = await file(p, seq)
      expect(sha(f.bytes)).toBe(i.sha256)
    }
  })

  it('a request with no snapshot waits for the instance holding the lease, and answers 503 if none comes in time', async () => {
    await a.db.execute(sql`DELETE FROM snapshots`)
    await a.db.execute(sql`UPDATE leases SET holder = 'elsewhere', until = now() + interval '1 hour' WHERE name = 'snapshot_builder'`)
    const uploads = a.snapshots.uploads + (b?.snapshots.uploads ?? 0)
    // Nobody builds: a bounded wait, then 503 INTERNAL.
    const busy = await get(a, '/sync/snapshot')
    expect(busy.status).toBe(503)
    expect(PortalErrorSchema.parse(await busy.json()).error.code).toBe('INTERNAL')
    // The lease holder builds meanwhile: the waiting request answers its snapshot.
    const waiting = info(other(1))
    const elsewhere = manager('elsewhere')
    await new Promise((r) => setTimeout(r, 300))
    const built = await elsewhere.build()
    const got = await waiting
    expect(got).toEqual({ seq: built.seq, bytes: built.bytes, sha256: built.sha256, rows: built.rows })
    expect(a.snapshots.uploads + (b?.snapshots.uploads ?? 0)).toBe(uploads)
    expect(await countSnapshots()).toBe(1)
    // Released after the build: the lease is free again.
    expect(await one<{ free: boolean }>(a.db, sql`SELECT until < now() AS free FROM leases WHERE name = 'snapshot_builder'`)).toEqual({ free: true })
  })
})
