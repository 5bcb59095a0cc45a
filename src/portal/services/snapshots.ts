import { createHash, randomBytes } from 'node:crypto'
import { copyFileSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { sql } from 'drizzle-orm'
import { columnsOf, entities, entityOrder, isEntityName, type EntityName } from '@shared/sync/entities'
import { SEARCH_DOC_VERSION } from '@shared/domain/searchIndex'
import { SYNC_SCHEMA_VERSION, type SnapshotInfo } from '@shared/sync/protocol'
import { rows, type PortalDb } from '../db/client'
import { currentSeq } from '../db/store'
import { familiesOfPersons, familiesTouchedBy, searchDocsVersion, writeSearchDocs } from './search-docs'

/**
 * Bootstrap snapshots: the whole town at change seq S as one SQLite file (one table per shared
 * entity with the same columns, booleans as 0/1, `meta(key, value)` with the seq, and the
 * families' search documents ready to index, see search-docs.ts), which a
 * new workstation downloads (resumable: HTTP Range) and imports, then pulls from S.
 *
 * The first build after start reads every table in one REPEATABLE READ transaction together with
 * max(changes.seq): since writers of shared tables commit in seq order (db/store.ts), the tables
 * hold exactly the changes ≤ S. Later builds copy the previous file and apply the change log
 * after its seq (the same rows a pull would bring), so they are cheap and never hold a long
 * transaction. Files are cached in the data folder by S; a rebuild follows changes in the
 * background (debounced, one at a time, spaced out after a long build), so a fresh snapshot is
 * usually ready when a workstation asks.
 */

export interface SnapshotFile extends SnapshotInfo {
  file: string
  builtAt: number
}

export interface SnapshotOptions {
  /** Wait this long after the last change before rebuilding (default 2 s). */
  debounceMs?: number
  /** Snapshots kept on disk (default 3); older ones are deleted once they are 10 minutes old. */
  keep?: number
  onError?: (error: unknown) => void
  onBuilt?: (snapshot: SnapshotFile, ms: number) => void
}

const READ_PAGE = 10_000
const MIN_AGE_BEFORE_DELETE_MS = 10 * 60 * 1000

function sqliteType(kind: string): string {
  return kind === 'text' ? 'TEXT' : 'INTEGER'
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export class SnapshotManager {
  private newest: SnapshotFile | null = null
  private readonly all = new Map<number, SnapshotFile>()
  private building: Promise<SnapshotFile> | null = null
  private timer: NodeJS.Timeout | null = null
  private dirty = false
  private closed = false
  /** The first build after start reads the tables; later ones apply the change log to the previous file. */
  private nextFull = true
  private lastBuildMs = 0
  private lastBuildEnd = 0
  private readonly debounceMs: number
  private readonly keep: number

  constructor(
    private readonly db: PortalDb,
    readonly dir: string,
    private readonly opts: SnapshotOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 2000
    this.keep = opts.keep ?? 3
  }

  /** Loads the snapshots already in the folder (dropping any from a later state of the database). */
  async init(): Promise<void> {
    mkdirSync(this.dir, { recursive: true })
    const seq = await currentSeq(this.db)
    for (const name of readdirSync(this.dir)) {
      const path = join(this.dir, name)
      if (name.startsWith('tmp-')) {
        rmSync(path, { force: true })
        continue
      }
      const m = /^snapshot-(\d+)\.json$/.exec(name)
      if (!m) continue
      try {
        const info = JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile
        const file = join(this.dir, `snapshot-${m[1]}.sqlite`)
        if (info.seq > seq || !existsSync(file) || statSync(file).size !== info.bytes) throw new Error('stale')
        this.remember({ ...info, file })
      } catch {
        rmSync(path, { force: true })
        rmSync(join(this.dir, `snapshot-${m[1]}.sqlite`), { force: true })
      }
    }
    // A database that moved on while the portal was stopped (CLI, another instance): rebuild soon.
    if (seq > (this.newest?.seq ?? 0)) this.changed()
  }

  private remember(s: SnapshotFile): void {
    this.all.set(s.seq, s)
    if (!this.newest || s.seq >= this.newest.seq) this.newest = s
  }

  /** The newest finished snapshot, if any. */
  latest(): SnapshotFile | null {
    return this.newest
  }

  /** A snapshot still on disk (a resumed download asks for the one it started). */
  find(seq: number): SnapshotFile | null {
    const s = this.all.get(seq)
    return s && existsSync(s.file) ? s : null
  }

  /** The newest snapshot; builds one now if there is none yet. */
  async current(): Promise<SnapshotFile> {
    if (this.newest) return this.newest
    return this.build()
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
        if (this.building) return // the build in progress reschedules when it ends
        this.build().catch((error: unknown) => this.opts.onError?.(error))
      },
      Math.max(this.debounceMs, gap),
    )
    this.timer.unref()
  }

  /** Builds a snapshot of the current state (or joins the build in progress). */
  build(): Promise<SnapshotFile> {
    if (this.building) return this.building
    this.dirty = false
    const started = performance.now()
    this.building = this.buildNow()
      .then((s) => {
        this.opts.onBuilt?.(s, performance.now() - started)
        return s
      })
      .finally(() => {
        this.lastBuildMs = performance.now() - started
        this.lastBuildEnd = Date.now()
        this.building = null
        if (this.dirty && !this.closed) this.changed()
      })
    return this.building
  }

  private async buildNow(): Promise<SnapshotFile> {
    mkdirSync(this.dir, { recursive: true })
    const tmp = join(this.dir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}.sqlite`)
    try {
      const base = this.nextFull ? null : this.newest
      const built = base && existsSync(base.file) ? await this.applyChanges(base, tmp) : await this.readTables(tmp)
      if ('reused' in built) return built.reused
      if (!base || !existsSync(base.file)) {
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
      this.nextFull = false
      const { seq, rows: total } = built
      const bytes = statSync(tmp).size
      const sha256 = await sha256File(tmp)
      const file = join(this.dir, `snapshot-${seq}.sqlite`)
      renameSync(tmp, file)
      const snapshot: SnapshotFile = { seq, bytes, sha256, rows: total, file, builtAt: Date.now() }
      writeFileSync(join(this.dir, `snapshot-${seq}.json`), JSON.stringify({ seq, bytes, sha256, rows: total, builtAt: snapshot.builtAt }))
      this.remember(snapshot)
      this.prune()
      return snapshot
    } finally {
      rmSync(tmp, { force: true })
    }
  }

  /**
   * A full build: every shared table read in one REPEATABLE READ transaction with max(seq), so the
   * file holds exactly the changes ≤ seq.
   */
  private async readTables(tmp: string): Promise<{ seq: number; rows: number } | { reused: SnapshotFile }> {
    let result: { seq: number; rows: number } | { reused: SnapshotFile } = { seq: 0, rows: 0 }
    await this.db.transaction(
      async (tx) => {
        const seq = await currentSeq(tx)
        const known = this.find(seq)
        if (known) {
          result = { reused: known }
          return
        }
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
   * An incremental build: the previous file plus the changes after its seq, read page by page
   * (each page is a prefix of the log, see db/store.ts). Cheap, and never holds a long
   * transaction: the database stays free for requests while it runs.
   */
  private async applyChanges(base: SnapshotFile, tmp: string): Promise<{ seq: number; rows: number } | { reused: SnapshotFile }> {
    copyFileSync(base.file, tmp)
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
      const known = this.find(seq)
      if (known) return { reused: known }
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

  private prune(): void {
    const bySeq = [...this.all.values()].sort((a, b) => b.seq - a.seq)
    for (const s of bySeq.slice(this.keep)) {
      if (Date.now() - s.builtAt < MIN_AGE_BEFORE_DELETE_MS) continue
      this.all.delete(s.seq)
      rmSync(s.file, { force: true })
      rmSync(join(this.dir, `snapshot-${s.seq}.json`), { force: true })
    }
  }

  /** Stops scheduling and waits for a build in progress. */
  async close(): Promise<void> {
    this.closed = true
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    await this.building?.catch(() => undefined)
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
