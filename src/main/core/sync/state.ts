import type Database from 'better-sqlite3'
import { getSetting, setSetting } from '../services/settings'
import { SyncTransportError } from './transport'

/** The sync engine's settings (key/value rows of the workstation database). */
export const SYNC_KEYS = {
  portalUrl: 'portal.url',
  workstationId: 'workstation.id',
  workstationName: 'workstation.name',
  codeFamilleFirst: 'code_famille.range_first',
  codeFamilleLast: 'code_famille.range_last',
  receiptSeries: 'receipt.series',
  /** The pull cursor: the portal's change seq this workstation holds everything up to. */
  cursor: 'sync.cursor',
  /** Local outbox seq = wire seq + offset (the outbox rows before enrolment are not the portal's). */
  seqOffset: 'sync.seq_offset',
  /** Bootstrap progress (JSON, see BootstrapState). */
  bootstrap: 'sync.bootstrap',
  lastSyncAt: 'sync.last_sync_at',
  /** Set when the portal answered SEQ_CONFLICT (this workstation was restored from a backup), until it is enrolled again (JSON, see RestoredState). */
  restored: 'sync.restored',
  /** Set when the portal answered CURSOR_AHEAD (the portal was restored from a backup), until the new bootstrap ends. */
  portalRestoredAt: 'sync.portal_restored_at',
  /** Set when the portal answered CURSOR_TOO_OLD (this workstation's cursor is below the change log's compaction horizon), until the new bootstrap ends. */
  cursorTooOldAt: 'sync.cursor_too_old_at',
} as const

/** What the portal told when it detected that this workstation was restored from a backup. */
export interface RestoredState {
  detectedAt: string
  lastAppliedSeq: number
  lastCommandId: string | null
}

export function readRestored(sqlite: Database.Database): RestoredState | null {
  const raw = getSetting(sqlite, SYNC_KEYS.restored)
  if (!raw) return null
  try {
    const v = JSON.parse(raw) as Partial<RestoredState>
    return {
      detectedAt: typeof v.detectedAt === 'string' ? v.detectedAt : '',
      lastAppliedSeq: Number.isSafeInteger(v.lastAppliedSeq) && v.lastAppliedSeq! >= 0 ? v.lastAppliedSeq! : 0,
      lastCommandId: typeof v.lastCommandId === 'string' ? v.lastCommandId : null,
    }
  } catch {
    return { detectedAt: '', lastAppliedSeq: 0, lastCommandId: null }
  }
}

export function writeRestored(sqlite: Database.Database, state: RestoredState): void {
  setSetting(sqlite, SYNC_KEYS.restored, JSON.stringify(state))
}

export function clearRestored(sqlite: Database.Database): void {
  sqlite.prepare('DELETE FROM settings WHERE key = ?').run(SYNC_KEYS.restored)
}

/**
 * Forget the cursor and bootstrap again from the portal's snapshot, in one transaction: the
 * portal went back (restored from a backup: `portal_restored`), or it no longer holds the
 * changes after our cursor (compacted: `cursor_too_old`). The reason is kept (a status flag, and
 * the bootstrap then removes the rows the snapshot lacks) until the bootstrap ends. The outbox is
 * not touched.
 */
export function restartBootstrap(sqlite: Database.Database, at: string, reason: 'portal_restored' | 'cursor_too_old' = 'portal_restored'): void {
  sqlite.transaction(() => {
    setSetting(sqlite, SYNC_KEYS.cursor, '0')
    writeBootstrap(sqlite, { phase: 'pending' })
    setSetting(sqlite, reason === 'portal_restored' ? SYNC_KEYS.portalRestoredAt : SYNC_KEYS.cursorTooOldAt, at)
  })()
}

export type BootstrapState =
  | { phase: 'pending' }
  | { phase: 'download'; seq: number; sha256: string; bytes: number; rows: number }
  | {
      phase: 'import'
      seq: number
      sha256: string
      bytes: number
      rows: number
      /** Index in IMPORT_STEPS (bootstrap.ts) of the table being imported. */
      entity: number
      /** Last rowid of that table already imported (committed with the rows). */
      lastRowid: number
      /** Rows imported so far (all tables). */
      done: number
      /** Search index step: the index's last rowid after our last chunk, and whether to replace rows. */
      searchRowid?: number
      searchReplace?: boolean
      /** Where the search index step takes its documents: the snapshot's own (search_docs), or built here from the families. */
      searchSource?: 'docs' | 'families'
    }
  | { phase: 'done' }

export function readInt(sqlite: Database.Database, key: string, fallback = 0): number {
  const n = Number(getSetting(sqlite, key))
  return Number.isSafeInteger(n) ? n : fallback
}

export function readCursor(sqlite: Database.Database): number {
  return readInt(sqlite, SYNC_KEYS.cursor, 0)
}

/**
 * Stores the cursor the data just applied brings (call inside the transaction that applied
 * it). The cursor only moves forward: the same cursor again (a replayed page) changes
 * nothing; a lower one means the portal went back (a restored backup, a bug) and throws,
 * so that the caller's transaction rolls back with the page's rows.
 */
export function advanceCursor(sqlite: Database.Database, cursor: number): number {
  if (!Number.isSafeInteger(cursor) || cursor < 0) {
    throw new SyncTransportError('portal', `sync cursor: ${String(cursor)} is not a valid cursor`)
  }
  const held = readCursor(sqlite)
  if (cursor < held) {
    throw new SyncTransportError('portal', `sync cursor: the portal answered cursor ${cursor}, below the cursor held ${held} (refused)`)
  }
  if (cursor > held) setSetting(sqlite, SYNC_KEYS.cursor, String(cursor))
  return cursor
}

export function readBootstrap(sqlite: Database.Database): BootstrapState {
  const raw = getSetting(sqlite, SYNC_KEYS.bootstrap)
  if (!raw) return { phase: 'done' }
  try {
    const parsed = JSON.parse(raw) as BootstrapState
    return typeof parsed === 'object' && parsed !== null && typeof parsed.phase === 'string' ? parsed : { phase: 'done' }
  } catch {
    return { phase: 'done' }
  }
}

export function writeBootstrap(sqlite: Database.Database, state: BootstrapState): void {
  setSetting(sqlite, SYNC_KEYS.bootstrap, JSON.stringify(state))
}

export function countPending(sqlite: Database.Database): number {
  return (sqlite.prepare(`SELECT count(*) AS n FROM outbox WHERE status = 'pending'`).get() as { n: number }).n
}
