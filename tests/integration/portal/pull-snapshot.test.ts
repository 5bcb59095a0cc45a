import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnsOf, entityOrder, normalizeRow, type EntityName, type Row } from '@shared/sync/entities'
import { PortalErrorSchema, PullResponseSchema, PushResponseSchema, SnapshotInfoSchema, type EnrolResponse, type PullResponse } from '@shared/sync/protocol'
import { rows } from '../../../src/portal/db/client'
import { EntityStore } from '../../../src/portal/db/store'
import { backends } from './backends'
import { enrolledKids } from '../../helpers/bookings'
import { bookPayload, command, enrol, maxSeq, startTestPortal, type TestPortal } from './helpers'

/** Every shared table on the portal, rows normalised, keyed by entity then id. */
async function portalState(t: TestPortal): Promise<Record<string, Record<string, Row>>> {
  const out: Record<string, Record<string, Row>> = {}
  for (const entity of entityOrder) {
    out[entity] = {}
    for (const r of await rows<Record<string, unknown>>(t.db, sql`SELECT * FROM ${sql.identifier(entity)}`)) {
      out[entity]![String(r.id)] = normalizeRow(entity, r)
    }
  }
  return out
}

/** Every shared table of a snapshot file, in the same shape. */
async function tablesOf(file: string): Promise<Record<string, Record<string, Row>>> {
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

describe.each(backends)('portal pull and snapshot ($name)', (backend) => {
  let t: TestPortal
  let ws: EnrolResponse
  let dir: string
  let seq = 0

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${t.portal.url}/api/v1${path}`, { headers: { authorization: `Bearer ${ws.token}`, 'x-guichet-schema': '1', ...headers } })

  async function bookSome(n: number, day: string): Promise<void> {
    // Children enrolled at the canteen of their school, on a school day (issue 10's rules).
    const town = await enrolledKids(t.db)
    const commands = town.slice(0, n).map((k) => command(++seq, 'reservations.book', bookPayload(k, k.siteId, day)))
    const res = await t.api('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands } })
    const body = PushResponseSchema.parse(res.body)
    expect(body.lastAppliedSeq).toBe(seq)
    expect(body.results.map((r) => r.status), JSON.stringify(body.results)).toEqual(commands.map(() => 'applied'))
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 15, snapshotDebounceMs: 150 })
    ws = await enrol(t)
    dir = mkdtempSync(join(tmpdir(), 'portal-snap-'))
  })
  afterAll(async () => {
    await t?.cleanup()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('pages through the whole change log with a cursor that only moves forward', async () => {
    const total = await maxSeq(t.db)
    expect(total).toBeGreaterThan(100)
    let cursor = 0
    const seen: number[] = []
    for (let page = 0; page < 100; page++) {
      const res = await t.api<PullResponse>('GET', `/sync/pull?cursor=${cursor}&limit=37`, { token: ws.token })
      expect(res.status).toBe(200)
      const body = PullResponseSchema.parse(res.body)
      expect(body.changes.length).toBeLessThanOrEqual(37)
      expect(body.cursor).toBeGreaterThanOrEqual(cursor)
      if (body.changes.length > 0) expect(body.cursor).toBe(body.changes.at(-1)!.seq)
      seen.push(...body.changes.map((c) => c.seq))
      cursor = body.cursor
      if (!body.hasMore) break
    }
    expect(seen).toEqual([...seen].sort((x, y) => x - y))
    expect(new Set(seen).size).toBe(seen.length)
    expect(cursor).toBe(total)
    // At the end: nothing, the same cursor.
    const end = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body)
    expect(end).toEqual({ changes: [], cursor, hasMore: false })
    // New changes arrive after the cursor.
    await bookSome(2, '2026-12-01')
    const next = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}`, { token: ws.token })).body)
    expect(next.changes.map((c) => c.entity)).toEqual(['reservations', 'reservations'])
    expect(next.changes[0]!.seq).toBeGreaterThan(cursor)
    expect(next.changes[0]!.row).toMatchObject({ state: 'reserve', channel: 'guichet' })
  })

  it('validates the pull query', async () => {
    for (const q of ['', '?cursor=-1', '?cursor=abc', '?cursor=0&limit=0', '?cursor=0&limit=5001', '?cursor=0&since=3']) {
      const res = await t.api('GET', `/sync/pull${q}`, { token: ws.token })
      expect(res.status, q).toBe(400)
      expect(PortalErrorSchema.parse(res.body).error.code).toBe('INVALID_REQUEST')
    }
  })

  it('serves a snapshot of the town at a seq, whose file holds exactly the tables at that seq', async () => {
    const info = SnapshotInfoSchema.parse((await t.api('GET', '/sync/snapshot', { token: ws.token })).body)
    const res = await get('/sync/snapshot/file')
    expect(res.status).toBe(200)
    const bytes = Buffer.from(await res.arrayBuffer())
    expect(bytes.length).toBe(info.bytes)
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(info.sha256)
    expect(res.headers.get('x-snapshot-seq')).toBe(String(info.seq))
    expect(res.headers.get('x-snapshot-sha256')).toBe(info.sha256)
    expect(res.headers.get('accept-ranges')).toBe('bytes')

    const file = join(dir, 'snapshot.sqlite')
    writeFileSync(file, bytes)
    const snap = new Database(file, { readonly: true })
    try {
      expect(snap.prepare(`SELECT value FROM meta WHERE key = 'seq'`).pluck().get()).toBe(String(info.seq))
      // Snapshot + the changes after its seq = the portal's state now.
      const state: Record<string, Record<string, Row>> = {}
      let count = 0
      for (const entity of entityOrder) {
        state[entity] = {}
        for (const r of snap.prepare(`SELECT ${columnsOf(entity).join(', ')} FROM ${entity}`).all() as Array<Record<string, unknown>>) {
          state[entity]![String(r.id)] = normalizeRow(entity, r)
          count++
        }
      }
      expect(count).toBe(info.rows)
      const bools = snap.prepare(`SELECT DISTINCT legal_guardian FROM family_members`).pluck().all()
      expect(bools.every((v) => v === 0 || v === 1)).toBe(true)
      await bookSome(3, '2026-12-04')
      let cursor = info.seq
      for (;;) {
        const page = PullResponseSchema.parse((await t.api('GET', `/sync/pull?cursor=${cursor}&limit=2`, { token: ws.token })).body)
        for (const c of page.changes) {
          if (c.op === 'delete' || c.row === null) delete state[c.entity]![c.id]
          else state[c.entity]![c.id] = normalizeRow(c.entity as EntityName, c.row)
        }
        cursor = page.cursor
        if (!page.hasMore) break
      }
      expect(state).toEqual(await portalState(t))
    } finally {
      snap.close()
    }
  })

  it('resumes a download with Range (206), keeps an older snapshot for a resume by seq, refuses a range past the end', async () => {
    const info = SnapshotInfoSchema.parse((await t.api('GET', '/sync/snapshot', { token: ws.token })).body)
    const whole = Buffer.from(await (await get(`/sync/snapshot/file?seq=${info.seq}`)).arrayBuffer())

    const tail = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: 'bytes=1000-' })
    expect(tail.status).toBe(206)
    expect(tail.headers.get('content-range')).toBe(`bytes 1000-${info.bytes - 1}/${info.bytes}`)
    expect(Buffer.from(await tail.arrayBuffer()).equals(whole.subarray(1000))).toBe(true)

    const middle = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: 'bytes=10-19' })
    expect(middle.status).toBe(206)
    expect(Buffer.from(await middle.arrayBuffer()).equals(whole.subarray(10, 20))).toBe(true)

    const suffix = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: 'bytes=-16' })
    expect(Buffer.from(await suffix.arrayBuffer()).equals(whole.subarray(info.bytes - 16))).toBe(true)

    const past = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: `bytes=${info.bytes}-` })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe(`bytes */${info.bytes}`)

    // If-Range with another file's ETag: the whole (current) file.
    const stale = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: 'bytes=1000-', 'if-range': '"0000"' })
    expect(stale.status).toBe(200)
    await stale.arrayBuffer()

    // After more changes (a delete among them) a newer snapshot is built in the background, from the
    // previous file and the change log; the older one stays downloadable by seq.
    await bookSome(2, '2026-12-03')
    await EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      const [reservation] = await store.find('reservations', { date: '2026-12-03' })
      expect(await store.delete('reservations', String(reservation!.id))).toBe(true)
    })
    t.portal.snapshots.changed()
    const target = await maxSeq(t.db)
    let newer = info
    for (let i = 0; i < 100 && newer.seq < target; i++) {
      await new Promise((r) => setTimeout(r, 100))
      newer = SnapshotInfoSchema.parse((await t.api('GET', '/sync/snapshot', { token: ws.token })).body)
    }
    expect(newer.seq).toBe(target)
    expect(newer.sha256).not.toBe(info.sha256)
    const newerFile = join(dir, 'newer.sqlite')
    writeFileSync(newerFile, Buffer.from(await (await get(`/sync/snapshot/file?seq=${newer.seq}`)).arrayBuffer()))
    expect(await tablesOf(newerFile)).toEqual(await portalState(t))
    const resumed = await get(`/sync/snapshot/file?seq=${info.seq}`, { range: 'bytes=1000-' })
    expect(resumed.status).toBe(206)
    expect(Buffer.from(await resumed.arrayBuffer()).equals(whole.subarray(1000))).toBe(true)

    const gone = await get('/sync/snapshot/file?seq=999999')
    expect(gone.status).toBe(404)
    expect(PortalErrorSchema.parse(await gone.json()).error.code).toBe('NOT_FOUND')
  })
})
