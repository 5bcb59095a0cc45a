import { createHash } from 'node:crypto'
import { createReadStream, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { columnsOf, entities, entityOrder, type EntityName } from '@shared/sync/entities'
import type { SnapshotInfo } from '@shared/sync/protocol'
import type { Core } from '../index'
import { SEARCH_DOC_VERSION } from '@shared/domain/searchIndex'
import { indexNewFamilies, reindexFamilies } from '../services/search'
import { recordsOfPending } from './push'
import { advanceCursor, readBootstrap, writeBootstrap, type BootstrapState } from './state'
import { SyncTransportError, type Transport } from './transport'

/**
 * Bootstrap: a freshly enrolled workstation downloads the portal's snapshot (a SQLite file
 * with one table per shared entity) with HTTP Range resume, checks its sha256, then imports
 * it table by table in dependency order, in short transactions (~8 ms: the rows per chunk adapt
 * to each table's speed, about 2 000 for most), the progress committed
 * with the rows, yielding to the event loop between chunks so that searches keep answering.
 * A cut or a crash resumes where it stopped: the download from the bytes on disk, the import
 * from the last committed chunk. Then the cursor is set to the snapshot's seq.
 */

export interface BootstrapProgress {
  phase: 'download' | 'import'
  done: number
  total: number
}

const CHUNK_TARGET_MS = 8
const MIN_CHUNK_ROWS = 100
const FIRST_CHUNK_ROWS = 250
const MAX_CHUNK_ROWS = 10_000

export interface BootstrapOptions {
  log: (line: string) => void
  onProgress: (progress: BootstrapProgress | null) => void
  /** Rows per import transaction (default: adapted to each table, to keep every transaction near 8 ms). */
  chunkRows?: number
  /**
   * A new bootstrap after the portal was restored from a backup: once imported, the rows this
   * workstation holds and the snapshot lacks (the portal lost them) are removed, except the
   * records that changes still waiting in the outbox write.
   */
  prune?: boolean
}

export function bootstrapDir(dataDir: string): string {
  return join(dataDir, 'bootstrap')
}

function partFile(dataDir: string, seq: number): string {
  return join(bootstrapDir(dataDir), `snapshot-${seq}.part`)
}

function readyFile(dataDir: string, seq: number): string {
  return join(bootstrapDir(dataDir), `snapshot-${seq}.sqlite`)
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Removes downloads of other snapshots than `keep`. */
function removeStale(dataDir: string, keep: string[]): void {
  const dir = bootstrapDir(dataDir)
  if (!existsSync(dir)) return
  for (const name of readdirSync(dir)) if (!keep.includes(join(dir, name))) rmSync(join(dir, name), { force: true })
}

/** Downloads the snapshot to <dataDir>/bootstrap/snapshot-<seq>.part, resuming, then verifies and renames it. */
async function download(core: Core, transport: Transport, info: SnapshotInfo, opts: BootstrapOptions): Promise<string> {
  const part = partFile(core.dataDir, info.seq)
  const ready = readyFile(core.dataDir, info.seq)
  mkdirSync(bootstrapDir(core.dataDir), { recursive: true })
  removeStale(core.dataDir, [part, ready])
  if (existsSync(ready)) return ready
  let size = existsSync(part) ? statSync(part).size : 0
  if (size > info.bytes) {
    rmSync(part, { force: true })
    size = 0
  }
  opts.onProgress({ phase: 'download', done: size, total: info.bytes })
  if (size < info.bytes) {
    let dl
    try {
      dl = await transport.snapshotFile(size, { seq: info.seq, sha256: info.sha256 })
    } catch (error) {
      if (error instanceof SyncTransportError && (error.extra.status === 404 || error.extra.status === 416)) {
        rmSync(part, { force: true }) // replaced on the portal (or a range past its end): start again
        throw new SnapshotGone(error.message)
      }
      throw error
    }
    if (!dl.partial) size = 0 // the portal sent the whole file: start again from zero
    const file = await open(part, size === 0 ? 'w' : 'a', 0o600)
    try {
      for await (const chunk of dl.body) {
        await file.write(chunk)
        size += chunk.length
        opts.onProgress({ phase: 'download', done: Math.min(size, info.bytes), total: info.bytes })
        if (size > info.bytes) break
      }
    } finally {
      await file.close()
    }
    if (size < info.bytes) throw new SyncTransportError('offline', `snapshot: download cut at ${size} of ${info.bytes} bytes`)
  }
  if (size === info.bytes && (await sha256Of(part)) === info.sha256) {
    renameSync(part, ready)
    return ready
  }
  rmSync(part, { force: true })
  throw new SyncTransportError('portal', 'snapshot: the file does not match its checksum (downloaded again next time)')
}

/** The snapshot being downloaded was replaced on the portal: ask for the current one. */
class SnapshotGone extends SyncTransportError {
  constructor(message: string) {
    super('portal', message)
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

/** The SELECT list that reads an entity's columns from the snapshot (NULL for a column it lacks). */
function selectList(core: Core, entity: EntityName): string | null {
  const present = new Set(
    (core.sqlite.prepare(`SELECT name FROM pragma_table_info(?, 'snap')`).all(entity) as Array<{ name: string }>).map((r) => r.name),
  )
  if (present.size === 0) return null
  const kinds = entities[entity] as Record<string, string>
  return columnsOf(entity)
    .map((c) => {
      if (!present.has(c)) return `NULL AS ${c}`
      const col = `s.${quoteIdent(c)}`
      if (kinds[c] === 'bool') return `CASE WHEN ${col} IN (1, '1', 't', 'true', 'TRUE') THEN 1 ELSE 0 END AS ${c}`
      return `${col} AS ${c}`
    })
    .join(', ')
}

/**
 * The import's steps: the tables in dependency order, and the search index built once the
 * families and their members are in (each family indexed once, without the per-family delete
 * that would scan the whole index), before the bookings and payments.
 */
type ImportStep = EntityName | 'search_index'
const MEMBERS_AT = entityOrder.indexOf('family_members')
export const IMPORT_STEPS: readonly ImportStep[] = [
  ...entityOrder.slice(0, MEMBERS_AT + 1),
  'search_index',
  ...entityOrder.slice(MEMBERS_AT + 1),
]

type ImportState = Extract<BootstrapState, { phase: 'import' }>

function maxSearchRowid(core: Core): number {
  return (core.sqlite.prepare('SELECT coalesce(max(rowid), 0) AS m FROM family_search').get() as { m: number }).m
}

/**
 * True when the snapshot carries the search documents (table search_docs, see
 * src/portal/services/search-docs.ts) in this workstation's version: the index step then only
 * copies them into the full-text index instead of building each family's document here.
 */
function snapshotHasSearchDocs(core: Core): boolean {
  const { sqlite } = core
  const table = sqlite.prepare(`SELECT 1 FROM snap.sqlite_master WHERE type = 'table' AND name IN ('search_docs', 'meta')`).all()
  if (table.length < 2) return false
  const version = sqlite.prepare(`SELECT value FROM snap.meta WHERE key = 'searchDocVersion'`).pluck().get() as string | undefined
  return version === String(SEARCH_DOC_VERSION)
}

/**
 * Indexes the next families for the search: the snapshot's documents when it has them (by
 * search_docs rowid), otherwise the families' documents built here (by families rowid).
 */
function indexChunk(core: Core, state: ImportState, chunkRows: number, docs: boolean): { rows: number; state: ImportState } {
  const current = maxSearchRowid(core)
  // Rows this pass did not write (an older index, or an agent's change during the import):
  // from now on, replace rather than add.
  const replace = state.searchReplace === true || current !== (state.searchRowid ?? 0)
  if (docs && !replace && state.searchSource !== 'families') {
    const range = core.sqlite
      .prepare('SELECT count(*) AS n, max(r) AS last FROM (SELECT rowid AS r FROM snap.search_docs WHERE rowid > ? ORDER BY rowid LIMIT ?)')
      .get(state.lastRowid, chunkRows) as { n: number; last: number | null }
    if (range.n === 0 || range.last === null) return { rows: 0, state: { ...state, entity: state.entity + 1, lastRowid: 0 } }
    core.sqlite
      .prepare(
        `INSERT INTO family_search (family_id, summary, family, names, other, phonetic)
         SELECT family_id, summary, family, names, other, phonetic FROM snap.search_docs WHERE rowid > ? AND rowid <= ? ORDER BY rowid`,
      )
      .run(state.lastRowid, range.last)
    return {
      rows: range.n,
      state: { ...state, lastRowid: range.last, searchRowid: maxSearchRowid(core), searchReplace: false, searchSource: 'docs' },
    }
  }
  // Built here. Coming from the snapshot's documents (an agent changed a family meanwhile):
  // start the step again over the families, replacing what the documents wrote.
  const from = state.searchSource === 'docs' ? 0 : state.lastRowid
  const families = core.sqlite
    .prepare('SELECT rowid AS r, id FROM families WHERE rowid > ? ORDER BY rowid LIMIT ?')
    .all(from, chunkRows) as Array<{ r: number; id: string }>
  if (families.length === 0) return { rows: 0, state: { ...state, entity: state.entity + 1, lastRowid: 0 } }
  const replacing = replace || state.searchSource === 'docs'
  const ids = families.map((f) => f.id)
  if (replacing) reindexFamilies(core.sqlite, ids)
  else indexNewFamilies(core.sqlite, ids)
  return {
    rows: families.length,
    state: {
      ...state,
      lastRowid: families[families.length - 1]!.r,
      searchRowid: maxSearchRowid(core),
      searchReplace: replacing,
      searchSource: 'families',
    },
  }
}

/** The statements that import one table from the attached snapshot, prepared once per table (not per chunk). */
interface TableImport {
  /** How many rows the next chunk holds, and the rowid of its last one. */
  range: Database.Statement<[number, number], { n: number; last: number | null }>
  /** Copies the snapshot rows with lastRowid < rowid <= last (an upsert: a resumed chunk is harmless). */
  copy: Database.Statement<[number, number]>
}

function prepareTableImport(core: Core, entity: EntityName): TableImport | null {
  const select = selectList(core, entity)
  if (!select) return null
  const cols = columnsOf(entity)
  const updates = cols.filter((c) => c !== 'id').map((c) => `${c} = excluded.${c}`)
  return {
    range: core.sqlite.prepare(
      `SELECT count(*) AS n, max(r) AS last FROM (SELECT rowid AS r FROM snap.${entity} WHERE rowid > ? ORDER BY rowid LIMIT ?)`,
    ),
    copy: core.sqlite.prepare(
      `INSERT INTO main.${entity} (${cols.join(', ')})
       SELECT ${select} FROM snap.${entity} s WHERE s.rowid > ? AND s.rowid <= ? ORDER BY s.rowid
       ON CONFLICT(id) DO UPDATE SET ${updates.join(', ')}`,
    ),
  }
}

/**
 * Imports one chunk of one table (or of the search index) in one transaction, with the
 * progress. `statements` caches each table's prepared statements for the whole import.
 */
function importChunk(
  core: Core,
  state: ImportState,
  chunkRows: number,
  statements: Map<EntityName, TableImport | null>,
  docs: boolean,
): { rows: number; state: ImportState } {
  const { sqlite } = core
  const step = IMPORT_STEPS[state.entity]!
  return sqlite.transaction(() => {
    if (step === 'search_index') {
      const indexed = indexChunk(core, state, chunkRows, docs)
      writeBootstrap(sqlite, indexed.state)
      return indexed
    }
    if (!statements.has(step)) statements.set(step, prepareTableImport(core, step))
    const table = statements.get(step) ?? null
    const range = table ? table.range.get(state.lastRowid, chunkRows)! : { n: 0, last: null }
    let next: ImportState
    if (!table || range.n === 0 || range.last === null) {
      next = { ...state, entity: state.entity + 1, lastRowid: 0 }
    } else {
      table.copy.run(state.lastRowid, range.last)
      next = { ...state, lastRowid: range.last, done: state.done + range.n }
    }
    writeBootstrap(sqlite, next)
    return { rows: range.n, state: next }
  })()
}

/**
 * Runs one import chunk with `synchronous = NORMAL`, then restores the connection's setting
 * (FULL, see db/client.ts). A chunk commits its rows together with its progress, so a power
 * cut that loses the last chunks only makes the import redo them; the fsync that FULL adds
 * to each of a few hundred short commits buys nothing here. The agent's commands, which run
 * between chunks, keep FULL.
 */
function importChunkRelaxed(
  core: Core,
  state: ImportState,
  chunkRows: number,
  statements: Map<EntityName, TableImport | null>,
  docs: boolean,
): { rows: number; state: ImportState } {
  const setting = core.sqlite.pragma('synchronous', { simple: true }) as number
  core.sqlite.pragma('synchronous = NORMAL')
  try {
    return importChunk(core, state, chunkRows, statements, docs)
  } finally {
    core.sqlite.pragma(`synchronous = ${setting}`)
  }
}

/**
 * After a portal restore: removes the shared rows the snapshot lacks (children first), except
 * those that outbox rows still pending write (their commands go to the portal next, and bring
 * them back). One transaction; when it cannot hold (a kept row still needs a removed one), the
 * rows stay and the next pulls settle them.
 */
function pruneAbsent(core: Core, log: (line: string) => void): number {
  const { sqlite } = core
  const keep = recordsOfPending(sqlite)
  let removed = 0
  try {
    sqlite.transaction(() => {
      sqlite.pragma('defer_foreign_keys = ON')
      for (const entity of [...entityOrder].reverse()) {
        const inSnapshot = sqlite.prepare(`SELECT 1 FROM snap.sqlite_master WHERE type = 'table' AND name = ?`).get(entity)
        if (!inSnapshot) continue
        const absent = sqlite
          .prepare(`SELECT id FROM main.${entity} WHERE id NOT IN (SELECT id FROM snap.${entity})`)
          .pluck()
          .all() as string[]
        const remove = sqlite.prepare(`DELETE FROM main.${entity} WHERE id = ?`)
        for (const id of absent) {
          if (keep.has(`${entity}/${id}`)) continue
          remove.run(id)
          removed++
        }
      }
      if (removed > 0) sqlite.prepare('DELETE FROM family_search WHERE family_id NOT IN (SELECT id FROM families)').run()
    })()
  } catch (error) {
    log(`[sync] lignes absentes du portail restauré gardées : ${error instanceof Error ? error.message : String(error)}`)
    return 0
  }
  return removed
}

/** Runs (or resumes) the bootstrap. Returns the snapshot seq the cursor now holds. */
export async function runBootstrap(core: Core, transport: Transport, opts: BootstrapOptions): Promise<number> {
  const chunkRows = opts.chunkRows ?? FIRST_CHUNK_ROWS
  const adaptive = opts.chunkRows === undefined
  let state = await core.exclusive(() => readBootstrap(core.sqlite))
  if (state.phase === 'done') return -1

  if (state.phase === 'pending' || state.phase === 'download') {
    let info: SnapshotInfo
    try {
      info = await transport.snapshotInfo()
    } catch (error) {
      if (error instanceof SyncTransportError && error.kind === 'refused' && error.extra.status === 404) {
        // A portal without snapshots: the pull from cursor 0 brings everything.
        opts.log('[sync] pas d’instantané sur le portail : téléchargement par le flux de changements')
        await core.exclusive(() => writeBootstrap(core.sqlite, { phase: 'done' }))
        return 0
      }
      throw error
    }
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      const downloading: BootstrapState = { phase: 'download', ...info }
      await core.exclusive(() => writeBootstrap(core.sqlite, downloading))
      try {
        await download(core, transport, info, opts)
        break
      } catch (error) {
        if (!(error instanceof SnapshotGone) || attempt >= 3) throw error
        info = await transport.snapshotInfo()
      }
    }
    opts.log(`[sync] instantané du portail téléchargé (${info.bytes} octets, ${info.rows} lignes) en ${Date.now() - started} ms`)
    state = { phase: 'import', ...info, entity: 0, lastRowid: 0, done: 0 }
    const importing = state
    await core.exclusive(() => writeBootstrap(core.sqlite, importing))
  }

  if (state.phase !== 'import') return -1
  const file = readyFile(core.dataDir, state.seq)
  if (!existsSync(file)) {
    await core.exclusive(() => writeBootstrap(core.sqlite, { phase: 'pending' }))
    throw new SyncTransportError('portal', 'snapshot: the downloaded file is gone (downloaded again next time)')
  }
  const started = Date.now()
  const escaped = file.replace(/'/g, "''")
  await core.exclusive(() => core.sqlite.exec(`ATTACH DATABASE '${escaped}' AS snap`))
  try {
    let current: ImportState = state
    const statements = new Map<EntityName, TableImport | null>()
    const docs = await core.exclusive(() => snapshotHasSearchDocs(core))
    let rows = adaptive ? FIRST_CHUNK_ROWS : chunkRows
    opts.onProgress({ phase: 'import', done: current.done, total: current.rows })
    while (current.entity < IMPORT_STEPS.length) {
      const from = current
      const chunkStarted = performance.now()
      const step = await core.exclusive(() => importChunkRelaxed(core, from, rows, statements, docs))
      if (adaptive && step.state.entity !== from.entity) {
        rows = FIRST_CHUNK_ROWS // another table: start small, then adapt to its speed
      } else if (adaptive && step.rows > 0) {
        // Keep each transaction short (~8 ms: a search that arrives meanwhile waits at most about that long) so that a search never waits long behind one.
        const ms = Math.max(1, performance.now() - chunkStarted)
        rows = Math.round(Math.min(MAX_CHUNK_ROWS, Math.max(MIN_CHUNK_ROWS, (rows * CHUNK_TARGET_MS) / ms)))
      }
      current = step.state
      opts.onProgress({ phase: 'import', done: Math.min(current.done, current.rows), total: current.rows })
      // Let searches and the agent's commands run between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
    if (opts.prune) {
      const removed = await core.exclusive(() => pruneAbsent(core, opts.log))
      opts.log(`[sync] ${removed} ligne(s) absentes du portail restauré retirées de ce poste`)
    }
    const seq = current.seq
    await core.exclusive(() =>
      core.sqlite.transaction(() => {
        advanceCursor(core.sqlite, seq)
        writeBootstrap(core.sqlite, { phase: 'done' })
      })(),
    )
    opts.log(`[sync] instantané importé : ${current.done} lignes en ${Date.now() - started} ms`)
    return seq
  } finally {
    await core.exclusive(() => {
      if (core.sqlite.open) core.sqlite.exec('DETACH DATABASE snap')
    })
    opts.onProgress(null)
    const finished = await core.exclusive(() => core.sqlite.open && readBootstrap(core.sqlite).phase === 'done')
    if (finished) rmSync(bootstrapDir(core.dataDir), { recursive: true, force: true })
  }
}
