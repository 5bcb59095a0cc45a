import { createHash, randomBytes } from 'node:crypto'
import { closeSync, copyFileSync, createReadStream, existsSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { columnsOf, entities, entityOrder, isEntityName, type EntityName } from '@shared/sync/entities'
import { SEARCH_DOC_VERSION } from '@shared/domain/searchIndex'
import { SYNC_SCHEMA_VERSION, type SnapshotInfo } from '@shared/sync/protocol'
import { one, rows, type PortalDb } from '../db/client'
import { currentSeq } from '../db/store'
import { HttpError } from '../http/errors'
import { familiesOfPersons, familiesTouchedBy, searchDocsVersion, writeSearchDocs } from './search-docs'

/**
 * Bootstrap snapshots: the whole town at change seq S as one SQLite file (one table per shared
 * entity with the same columns, booleans as 0/1, `meta(key, value)` with the seq, and the
 * families' search documents ready to index, see search-docs.ts), which a new workstation
 * downloads (resumable: HTTP Range) and imports, then pulls from S.
 *
 * Stored in PostgreSQL so that every portal instance serves the same bytes: a `snapshots` row
 * (seq, size, sha256, rows) and the file in `snapshot_chunks` of SNAPSHOT_CHUNK_BYTES (bytea).
 * Only rows marked `complete` are served; a Range request reads just the chunks it needs.
 *
 * One builder at a time across the instances: the lease row 'snapshot_builder' (table `leases`),
 * taken and renewed with one UPDATE each (no session lock: it works behind PgBouncer in
 * transaction mode), released after the build. Every statement of an upload checks the lease
 * is still ours, so a builder that lost it (frozen past its lease) can never complete a row.
 *
 * A full build reads every table in one REPEATABLE READ transaction together with
 * max(changes.seq) (the change log is appended in commit order, db/store.ts: the tables hold
 * exactly the changes ≤ S), page by page through a cursor, each page written to SQLite at once
 * (well under the role's idle-in-transaction timeout). Later builds take the newest complete
 * snapshot (from a local cache checked against its sha256, or from the database) and apply the
 * change log after its seq in seq order: correct also where the log was compacted to the latest
 * change per record. A rebuild follows changes in the background (debounced; when another
 * instance holds the lease, tried again later), so a fresh snapshot is usually ready.
 *
 * Cleanup: the newest `keep` (3) complete snapshots stay; an older one goes once the next newer
 * one is 10 minutes old (a resumed download may still ask for it by seq); an incomplete row goes
 * once no builder holds the lease (its builder died).
 */

export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024
export const SNAPSHOT_LEASE = 'snapshot_builder'

export interface StoredSnapshot extends SnapshotInfo {
  schemaVersion: number
  /** When it was completed (ms since the epoch, the database's clock). */
  builtAt: number
}

export interface SnapshotOptions {
  /** This process's id, the lease holder (RunningPortal.instanceId). */
  instanceId: string
  /** Wait this long after the last change before rebuilding (default 2 s). */
  debounceMs?: number
  /** Complete snapshots kept (default 3); older ones are deleted once the next newer one is 10 minutes old. */
  keep?: number
  /** The builder's lease, renewed every third of it while a build runs (default 30 s). */
  leaseMs?: number
  /** How long a request waits for a snapshot built elsewhere before answering 503 (default 120 s). */
  waitMs?: number
  /** Chunk size of the files this instance uploads (default SNAPSHOT_CHUNK_BYTES; tests use small ones). Readers take it from chunk 0. */
  chunkBytes?: number
  onError?: (error: unknown) => void
  onBuilt?: (snapshot: StoredSnapshot, ms: number) => void
}

/** No snapshot yet and none could be built in time (another instance is building, or its build is slow): 503. */
export class SnapshotBusyError extends HttpError {
  constructor() {
    super(503, 'INTERNAL', 'L’instantané de la ville est en cours de préparation : réessayez dans un moment.')
  }
}

const READ_PAGE = 10_000
const MIN_AGE_BEFORE_DELETE = '10 minutes'
const POLL_MS = 250

function sqliteType(kind: string): string {
  return kind === 'text' ? 'TEXT' : 'INTEGER'
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A bytea value as a Buffer (node-postgres gives a Buffer, PGlite a Uint8Array). */
function toBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
  throw new Error('snapshot chunk: not a bytea value')
}

interface SnapshotRow {
  seq: string | number
  bytes: string | number
  sha256: string
  rows: string | number
  schema_version: number
  built_ms: string | number
}

const SNAPSHOT_COLUMNS = sql.raw(`seq, bytes, sha256, rows, schema_version, (extract(epoch FROM built_at) * 1000)::float8 AS built_ms`)

function fromRow(r: SnapshotRow): StoredSnapshot {
  return {
    seq: Number(r.seq),
    bytes: Number(r.bytes),
    sha256: r.sha256,
    rows: Number(r.rows),
    schemaVersion: Number(r.schema_version),
    builtAt: Math.round(Number(r.built_ms)),
  }
}

export class SnapshotManager {
  private inflight: Promise<StoredSnapshot | 'busy'> | null = null
  private timer: NodeJS.Timeout | null = null
  private dirty = false
  private closed = false
  private lastBuildMs = 0
  private lastBuildEnd = 0
  private readonly debounceMs: number
  private readonly keep: number
  private readonly leaseMs: number
  private readonly waitMs: number
  private readonly chunkBytes: number
  readonly instanceId: string
  /** Snapshots this instance built and uploaded (tests, logs). */
  uploads = 0

  /** `dir`: this instance's work folder (temporary files, and a cache of the newest file it built, keyed by seq: give a folder per database). */
  constructor(
    private readonly db: PortalDb,
    readonly dir: string,
    private readonly opts: SnapshotOptions,
  ) {
    this.instanceId = opts.instanceId
    this.debounceMs = opts.debounceMs ?? 2000
    this.keep = Math.max(1, opts.keep ?? 3)
    this.leaseMs = opts.leaseMs ?? 30_000
    this.waitMs = opts.waitMs ?? 120_000
    this.chunkBytes = opts.chunkBytes ?? SNAPSHOT_CHUNK_BYTES
  }

  /** Cleans up, and schedules a build when the newest snapshot lags the change log (changes made elsewhere, or while stopped). */
  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true })
    for (const name of readdirSync(this.dir)) if (name.startsWith('tmp-')) rmSync(join(this.dir, name), { force: true })
    await this.cleanup()
    const newest = await this.latest()
    const seq = await currentSeq(this.db)
    if (seq > (newest?.seq ?? 0)) this.changed()
  }

  /** The newest complete snapshot of this schema version, if any. */
  async latest(): Promise<StoredSnapshot | null> {
    const r = await one<SnapshotRow>(
      this.db,
      sql`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE complete AND schema_version = ${SYNC_SCHEMA_VERSION} ORDER BY seq DESC LIMIT 1`,
    )
    return r ? fromRow(r) : null
  }

  /** A complete snapshot still kept (a resumed download asks for the one it started), on any instance. */
  async find(seq: number): Promise<StoredSnapshot | null> {
    const r = await one<SnapshotRow>(
      this.db,
      sql`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE seq = ${seq} AND complete AND schema_version = ${SYNC_SCHEMA_VERSION}`,
    )
    return r ? fromRow(r) : null
  }

  /** The newest snapshot; when there is none yet, builds one (or waits for the instance building it). */
  async current(): Promise<StoredSnapshot> {
    return (await this.latest()) ?? this.build()
  }

  /** Call after a change to shared tables commits: a rebuild follows after a quiet period. */
  changed(): void {
    if (this.closed) return
    this.dirty = true
    if (this.timer) clearTimeout(this.timer)
    // After a long build, wait longer (5× its duration) so that rebuilds never hog an embedded database.
    const gap = this.lastBuildEnd + 5 * this.lastBuildMs - Date.now()
    this.timer = setTimeout(
      () => {
        this.timer = null
        if (this.inflight) return // the build in progress reschedules when it ends
        this.background().catch((error: unknown) => this.opts.onError?.(error))
      },
      Math.max(this.debounceMs, gap),
    )
    this.timer.unref()
  }

  private async background(): Promise<void> {
    if (this.closed) return
    const [newest, seq] = [await this.latest(), await currentSeq(this.db)]
    if (newest && newest.seq >= seq) return // built meanwhile (here or elsewhere)
    // When another instance holds the lease, `attempt` keeps the mark and tries again after a quiet period.
    await this.attempt()
  }

  /**
   * A snapshot of the current state: built here under the lease, or the one another instance
   * builds meanwhile (waited for, up to waitMs: then SnapshotBusyError, a 503).
   */
  async build(): Promise<StoredSnapshot> {
    const deadline = Date.now() + this.waitMs
    const target = await currentSeq(this.db)
    for (;;) {
      const result = await this.attempt()
      if (result !== 'busy' && result.seq >= target) return result
      if (result === 'busy') {
        const newest = await this.latest()
        if (newest && newest.seq >= target) return newest
      }
      if (this.closed || Date.now() >= deadline) throw new SnapshotBusyError()
      if (result === 'busy') await sleep(POLL_MS)
    }
  }

  /** One try: the build in progress here, or a new one if the lease is free ('busy': another instance holds it). */
  private attempt(): Promise<StoredSnapshot | 'busy'> {
    if (this.inflight) return this.inflight
    const wasDirty = this.dirty
    this.dirty = false
    const started = performance.now()
    let built = false
    const run = (async (): Promise<StoredSnapshot | 'busy'> => {
      if (!(await this.takeLease())) {
        this.dirty ||= wasDirty
        return 'busy'
      }
      const lease = { lost: false }
      const renew = setInterval(
        () => {
          this.takeLease()
            .then((ok) => {
              if (!ok) lease.lost = true
            })
            .catch(() => undefined) // a failed renewal: the upload's own checks decide
        },
        Math.max(50, Math.floor(this.leaseMs / 3)),
      )
      renew.unref()
      try {
        const s = await this.buildHolding(lease)
        built = true
        this.opts.onBuilt?.(s, performance.now() - started)
        return s
      } finally {
        clearInterval(renew)
        await this.releaseLease().catch(() => undefined)
      }
    })()
    this.inflight = run.finally(() => {
      if (built) {
        this.lastBuildMs = performance.now() - started
        this.lastBuildEnd = Date.now()
      }
      this.inflight = null
      if (this.dirty && !this.closed) this.changed()
    })
    return this.inflight
  }

  /** Takes or renews the builder's lease (one statement). */
  private async takeLease(): Promise<boolean> {
    const r = await rows(
      this.db,
      sql`UPDATE leases SET holder = ${this.instanceId}, until = now() + ${this.leaseMs} * interval '1 millisecond'
          WHERE name = ${SNAPSHOT_LEASE} AND (until < now() OR holder = ${this.instanceId}) RETURNING 1`,
    )
    return r.length > 0
  }

  private async releaseLease(): Promise<void> {
    await this.db.execute(sql`UPDATE leases SET until = '-infinity' WHERE name = ${SNAPSHOT_LEASE} AND holder = ${this.instanceId}`)
  }

  /** `EXISTS …`: the lease is still ours (every statement of an upload checks it). */
  private leaseHeld() {
    return sql`EXISTS (SELECT 1 FROM leases WHERE name = ${SNAPSHOT_LEASE} AND holder = ${this.instanceId} AND until > now())`
  }

  /** The build itself, holding the lease. */
  private async buildHolding(lease: { lost: boolean }): Promise<StoredSnapshot> {
    // We hold the lease: an incomplete row is a dead builder's.
    await this.db.execute(sql`DELETE FROM snapshots WHERE NOT complete AND ${this.leaseHeld()}`)
    const newest = await this.latest()
    if (newest && newest.seq >= (await currentSeq(this.db))) return newest
    mkdirSync(this.dir, { recursive: true })
    const tmp = join(this.dir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`)
    try {
      const base = newest && (await this.copyOf(newest, tmp)) ? newest : null
      let built: { seq: number; rows: number }
      if (base) {
        built = await this.applyChanges(base, tmp)
        if (built.seq === base.seq) return base
      } else {
        rmSync(tmp, { force: true })
        built = await this.readTables(tmp)
        // A full build: the search documents of every family (an incremental build keeps them in step itself).
        const out = new Database(tmp)
        try {
          out.pragma('journal_mode = OFF')
          out.pragma('synchronous = OFF')
          await writeSearchDocs(out, 'all')
        } finally {
          out.close()
        }
      }
      const known = await this.find(built.seq)
      if (known) return known
      if (lease.lost) throw new Error('snapshot: the builder lease was lost during the build')
      const snapshot = await this.upload(tmp, built)
      // Keep the file as this instance's cache for its next incremental build (checked against sha256 before use).
      for (const name of readdirSync(this.dir)) if (name.startsWith('snapshot-')) rmSync(join(this.dir, name), { force: true })
      renameSync(tmp, this.cacheFile(snapshot.seq))
      await this.cleanup()
      return snapshot
    } finally {
      rmSync(tmp, { force: true })
    }
  }

  private cacheFile(seq: number): string {
    return join(this.dir, `snapshot-${seq}.sqlite`)
  }

  /** Inserts the row (incomplete), the chunks, then marks it complete: every statement only while the lease is ours. */
  private async upload(file: string, built: { seq: number; rows: number }): Promise<StoredSnapshot> {
    const bytes = statSync(file).size
    const sha256 = await sha256File(file)
    const size = this.chunkBytes
    const chunks = Math.ceil(bytes / size)
    const lost = () => new Error('snapshot: the builder lease was lost before the upload ended')
    const inserted = await rows(
      this.db,
      sql`INSERT INTO snapshots (seq, bytes, sha256, rows, schema_version, complete)
          SELECT ${built.seq}, ${bytes}, ${sha256}, ${built.rows}, ${SYNC_SCHEMA_VERSION}, false WHERE ${this.leaseHeld()}
          ON CONFLICT (seq) DO NOTHING RETURNING seq`,
    )
    if (inserted.length === 0) throw lost()
    const fd = openSync(file, 'r')
    try {
      const buffer = Buffer.alloc(size)
      for (let n = 0; n < chunks; n++) {
        const length = readSync(fd, buffer, 0, size, n * size)
        const data = Buffer.from(buffer.subarray(0, length))
        const r = await rows(
          this.db,
          sql`INSERT INTO snapshot_chunks (seq, n, data) SELECT ${built.seq}::bigint, ${n}::int, ${data}::bytea WHERE ${this.leaseHeld()} RETURNING n`,
        )
        if (r.length === 0) throw lost()
      }
    } finally {
      closeSync(fd)
    }
    // Complete only with every chunk in place and the bytes adding up, and the lease still ours.
    const done = await one<SnapshotRow>(
      this.db,
      sql`UPDATE snapshots s SET complete = true, built_at = now()
          WHERE s.seq = ${built.seq} AND NOT s.complete AND ${this.leaseHeld()}
            AND (SELECT count(*) FROM snapshot_chunks c WHERE c.seq = s.seq) = ${chunks}
            AND (SELECT coalesce(sum(octet_length(c.data)), 0) FROM snapshot_chunks c WHERE c.seq = s.seq) = s.bytes
          RETURNING ${SNAPSHOT_COLUMNS}`,
    )
    if (!done) throw lost()
    this.uploads++
    return fromRow(done)
  }

  /**
   * The bytes start..end (inclusive) of a complete snapshot, read from the database chunk by
   * chunk as the client takes them (every chunk but the last has the size of chunk 0). A
   * snapshot cleaned up meanwhile ends the stream with an error.
   */
  open(s: StoredSnapshot, start = 0, end = s.bytes - 1): Readable {
    const db = this.db
    async function* read(): AsyncGenerator<Buffer> {
      const first = await one<{ size: string | number }>(db, sql`SELECT octet_length(data) AS size FROM snapshot_chunks WHERE seq = ${s.seq} AND n = 0`)
      const size = Number(first?.size ?? 0)
      if (size <= 0) throw new Error(`snapshot ${s.seq}: its chunks are missing (cleaned up?)`)
      let at = start
      while (at <= end) {
        const n = Math.floor(at / size)
        const offset = at - n * size
        const length = Math.min(size - offset, end - at + 1)
        const r = await one<{ data: unknown }>(
          db,
          sql`SELECT substring(data FROM ${offset + 1}::int FOR ${length}::int) AS data FROM snapshot_chunks WHERE seq = ${s.seq} AND n = ${n}`,
        )
        const data = r ? toBuffer(r.data) : null
        if (!data || data.length !== length) throw new Error(`snapshot ${s.seq}: chunk ${n} is missing (cleaned up?)`)
        yield data
        at += length
      }
    }
    return Readable.from(read(), { objectMode: false })
  }

  /** Writes a complete snapshot's file (checked against its sha256); false if it is gone or does not match. */
  async writeFile(s: StoredSnapshot, file: string): Promise<boolean> {
    const fd = openSync(file, 'w', 0o600)
    const hash = createHash('sha256')
    let size = 0
    try {
      for await (const chunk of this.open(s)) {
        hash.update(chunk as Buffer)
        writeSync(fd, chunk as Buffer)
        size += (chunk as Buffer).length
      }
    } catch {
      return false
    } finally {
      closeSync(fd)
    }
    return size === s.bytes && hash.digest('hex') === s.sha256
  }

  /** The base of an incremental build, copied to `tmp`: from the cache when it matches, else from the database; false if unusable. */
  private async copyOf(s: StoredSnapshot, tmp: string): Promise<boolean> {
    const cached = this.cacheFile(s.seq)
    let ok: boolean
    if (existsSync(cached) && statSync(cached).size === s.bytes && (await sha256File(cached)) === s.sha256) {
      copyFileSync(cached, tmp)
      ok = true
    } else {
      ok = await this.writeFile(s, tmp)
    }
    if (ok && !sameLayout(tmp)) ok = false
    if (!ok) rmSync(tmp, { force: true })
    return ok
  }

  /**
   * A full build: every shared table read in one REPEATABLE READ transaction with max(seq), so the
   * file holds exactly the changes ≤ seq.
   */
  private async readTables(tmp: string): Promise<{ seq: number; rows: number }> {
    let result = { seq: 0, rows: 0 }
    await this.db.transaction(
      async (tx) => {
        const seq = await currentSeq(tx)
        const out = openSnapshotFile(tmp, true)
        let total = 0
        try {
          for (const entity of entityOrder) total += await copyTable(tx, out, entity)
          writeMeta(out, seq, total)
        } finally {
          out.close()
        }
        result = { seq, rows: total }
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    )
    return result
  }

  /**
   * An incremental build: the previous file plus the changes after its seq, in seq order, read
   * page by page (each page is a prefix of the log, see db/store.ts). Where the log was compacted
   * to the latest change per record, applying what is left in seq order still gives the state at
   * the last seq. Never holds a long transaction.
   */
  private async applyChanges(base: StoredSnapshot, tmp: string): Promise<{ seq: number; rows: number }> {
    const out = openSnapshotFile(tmp, false)
    try {
      const put = new Map<EntityName, Database.Statement>()
      const del = new Map<EntityName, Database.Statement>()
      for (const entity of entityOrder) {
        const cols = columnsOf(entity)
        put.set(entity, out.prepare(`INSERT OR REPLACE INTO ${entity} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`))
        del.set(entity, out.prepare(`DELETE FROM ${entity} WHERE id = ?`))
      }
      // The families whose search document the changes alter (see search-docs.ts).
      const touchedFamilies = new Set<string>()
      const touchedPersons = new Set<string>()
      const apply = out.transaction((page: Array<{ entity: string; entity_id: string; op: string; row: string | null }>) => {
        for (const c of page) {
          if (!isEntityName(c.entity)) continue
          const row = c.op === 'delete' || c.row === null ? null : (JSON.parse(c.row) as Record<string, unknown>)
          familiesTouchedBy(out, { entity: c.entity, entity_id: c.entity_id, row }, touchedFamilies, touchedPersons)
          if (row === null) del.get(c.entity)?.run(c.entity_id)
          else put.get(c.entity)?.run(sqliteValues(c.entity, row))
        }
      })
      let seq = base.seq
      for (;;) {
        const page = await rows<{ seq: string | number; entity: string; entity_id: string; op: string; row: string | null }>(
          this.db,
          sql`SELECT seq, entity, entity_id, op, row::text AS row FROM changes WHERE seq > ${seq} ORDER BY seq LIMIT ${READ_PAGE}`,
        )
        if (page.length === 0) break
        apply(page)
        seq = Number(page[page.length - 1]?.seq)
        if (page.length < READ_PAGE) break
      }
      if (seq === base.seq) return { seq, rows: base.rows }
      if (searchDocsVersion(out) === SEARCH_DOC_VERSION) {
        await writeSearchDocs(out, [...touchedFamilies, ...familiesOfPersons(out, touchedPersons)])
      } else {
        await writeSearchDocs(out, 'all') // a file from before the documents, or of another version
      }
      let total = 0
      for (const entity of entityOrder) total += out.prepare(`SELECT count(*) FROM ${entity}`).pluck().get() as number
      writeMeta(out, seq, total)
      return { seq, rows: total }
    } finally {
      out.close()
    }
  }

  /**
   * Deletes what no one may download any more: complete snapshots older than the newest `keep`
   * once the next newer one is 10 minutes old, and incomplete ones while no builder holds the
   * lease (their builder died). Short statements; any instance may run it.
   */
  async cleanup(): Promise<number> {
    const stale = await rows(
      this.db,
      sql`DELETE FROM snapshots WHERE NOT complete
          AND NOT EXISTS (SELECT 1 FROM leases WHERE name = ${SNAPSHOT_LEASE} AND until > now()) RETURNING seq`,
    )
    const old = await rows(
      this.db,
      sql`DELETE FROM snapshots s WHERE s.complete
          AND s.seq < (SELECT min(k.seq) FROM (SELECT seq FROM snapshots WHERE complete ORDER BY seq DESC LIMIT ${this.keep}) k)
          AND (SELECT n.built_at FROM snapshots n WHERE n.complete AND n.seq > s.seq ORDER BY n.seq LIMIT 1)
              <= now() - interval ${sql.raw(`'${MIN_AGE_BEFORE_DELETE}'`)}
          RETURNING s.seq`,
    )
    return stale.length + old.length
  }

  /** Stops scheduling and waits for a build in progress (its lease released). */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.inflight?.catch(() => undefined)
  }
}

/** The file has this code's tables and columns, and this schema version (else a full build). */
function sameLayout(file: string): boolean {
  const db = new Database(file, { readonly: true })
  try {
    const version = db.prepare(`SELECT value FROM meta WHERE key = 'schemaVersion'`).pluck().get()
    if (version !== String(SYNC_SCHEMA_VERSION)) return false
    for (const entity of entityOrder) {
      const present = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(entity) as Array<{ name: string }>).map((r) => r.name)
      if (present.join(',') !== columnsOf(entity).join(',')) return false
    }
    return true
  } catch {
    return false
  } finally {
    db.close()
  }
}

function openSnapshotFile(file: string, create: boolean): Database.Database {
  const out = new Database(file)
  out.pragma('journal_mode = OFF')
  out.pragma('synchronous = OFF')
  if (create) {
    out.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    for (const entity of entityOrder) {
      const kinds = entities[entity] as Record<string, string>
      const cols = columnsOf(entity)
      out.exec(`CREATE TABLE ${entity} (${cols.map((c) => `${c} ${sqliteType(kinds[c] ?? 'text')}${c === 'id' ? ' PRIMARY KEY' : ''}`).join(', ')})`)
    }
  }
  return out
}

function writeMeta(out: Database.Database, seq: number, total: number): void {
  const meta = out.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
  out.transaction(() => {
    meta.run('seq', String(seq))
    meta.run('schemaVersion', String(SYNC_SCHEMA_VERSION))
    meta.run('rows', String(total))
    meta.run('builtAt', new Date().toISOString())
  })()
}

/** A row (JSON from PostgreSQL) as SQLite values in the entity's column order, booleans as 0/1. */
function sqliteValues(entity: EntityName, row: Record<string, unknown>): unknown[] {
  const kinds = entities[entity] as Record<string, string>
  return columnsOf(entity).map((c) => {
    const v = row[c]
    if (v === null || v === undefined) return null
    return kinds[c] === 'bool' ? (v === true ? 1 : 0) : v
  })
}

/**
 * Copies one shared table into the snapshot file through a server-side cursor, READ_PAGE rows at
 * a time, each row as one JSON text (much faster to decode than many columns, on both drivers).
 */
async function copyTable(tx: PortalDb, out: Database.Database, entity: EntityName): Promise<number> {
  const cols = columnsOf(entity)
  const insert = out.prepare(`INSERT INTO ${entity} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
  const insertAll = out.transaction((page: Array<{ j: string }>) => {
    for (const { j } of page) insert.run(sqliteValues(entity, JSON.parse(j) as Record<string, unknown>))
  })
  const select = sql.join(
    cols.map((c) => sql.identifier(c)),
    sql`, `,
  )
  const cursor = sql.identifier(`snapshot_${entity}`)
  await tx.execute(sql`DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM (SELECT ${select} FROM ${sql.identifier(entity)}) t`)
  let count = 0
  for (;;) {
    const page = await rows<{ j: string }>(tx, sql`FETCH ${sql.raw(String(READ_PAGE))} FROM ${cursor}`)
    insertAll(page)
    count += page.length
    if (page.length < READ_PAGE) break
  }
  await tx.execute(sql`CLOSE ${cursor}`)
  return count
}

/** Parses an HTTP Range header (one byte range) for a file of `size` bytes: the span, 'unsatisfiable', or null (whole file). */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  if (!header) return null
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  // Several ranges, or another unit: ignored (RFC 9110 allows answering the whole file).
  if (!m || (m[1] === '' && m[2] === '')) return null
  let start: number
  let end: number
  if (m[1] === '') {
    const suffix = Number(m[2])
    if (suffix === 0) return 'unsatisfiable'
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(m[1])
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  }
  if (start >= size || start > end) return 'unsatisfiable'
  return { start, end }
}
