import { sql } from 'drizzle-orm'
import { fastRows, type PortalDb } from '../db/client'

/**
 * Change-log retention (docs/sync-protocol.md, "Change-log retention").
 *
 * The compaction horizon H is a change seq below which the log keeps only the latest change of
 * each record (entity, entity_id). A pull whose cursor is below H is refused (409
 * CURSOR_TOO_OLD, services/pull.ts): the workstation bootstraps again. So H must be a point that
 * every workstation still in use has passed, and from which every kept snapshot can pull on:
 *
 *   H = max( H before,
 *            min( max( the lowest pull cursor of the non-revoked workstations that pulled
 *                      within the retention (none: no one holds it back),
 *                      the last change older than the retention ),
 *                 the OLDEST complete snapshot still kept ) )
 *
 * No complete snapshot: no compaction (a workstation could not bootstrap from a point ≥ H).
 * H never goes down.
 *
 * H is written to portal_meta ('compaction_horizon') in its own committed statement BEFORE any
 * row is deleted. A pull reads H in the same statement as its page (one database snapshot,
 * READ COMMITTED): it sees either the old H and none of the new deletions, or the new H.
 *
 * Deleting: the log is compacted in seq windows of `batchSize` rows, from where the last run
 * stopped (portal_meta 'compaction_done') up to H. One statement per window, each its own
 * transaction: for every record changed in the window, delete its changes older than its last
 * change in the window (found by changes_record_idx). Below the window each record has at most
 * one change left (earlier windows), so a statement deletes at most as many rows as the window
 * holds (≤ batchSize), and the progress mark moves in the same statement: a run cut short
 * (crash, lost lease) resumes where it stopped.
 *
 * One compactor at a time: the lease 'compaction' (table leases), taken and renewed with one
 * statement each (no session state: works behind PgBouncer in transaction mode).
 */

export const DEFAULT_CHANGE_RETENTION_DAYS = 30
export const DEFAULT_COMPACTION_BATCH = 10_000
const DAY_MS = 24 * 60 * 60 * 1000
/** How long the lease is held without renewal (renewed before every batch). */
const LEASE_MS = 60_000

export interface CompactionOptions {
  /** The portal's clock: retention is judged against it. */
  now: Date
  /** Default 30 days. */
  retentionMs?: number
  /** Rows per delete statement (default 10 000). */
  batchSize?: number
  /** Lease holder (the portal instance's id). */
  holder: string
  /** Called after each delete statement: the window's last seq and the rows it deleted. */
  onBatch?: (batch: { hi: number; deleted: number }) => void
}

export interface CompactionResult {
  /** The horizon after this run (0: never compacted). */
  horizon: number
  /** Change-log rows deleted by this run. */
  deleted: number
  /** Delete statements run. */
  batches: number
  ms: number
  /** Why nothing was done, if so: another instance holds the lease, or there is no complete snapshot yet. */
  skipped?: 'lease' | 'no_snapshot'
}

type Num = string | number | bigint | null

async function takeLease(db: PortalDb, holder: string): Promise<boolean> {
  const got = await fastRows(
    db,
    sql`UPDATE leases SET holder = ${holder}, until = now() + ${LEASE_MS} * interval '1 millisecond'
        WHERE name = 'compaction' AND (until < now() OR holder = ${holder}) RETURNING 1`,
  )
  return got.length === 1
}

async function releaseLease(db: PortalDb, holder: string): Promise<void> {
  await fastRows(db, sql`UPDATE leases SET until = '-infinity' WHERE name = 'compaction' AND holder = ${holder}`)
}

/** The horizon pulls are judged against (0 when the log was never compacted). */
export async function compactionHorizon(db: PortalDb): Promise<number> {
  const row = (await fastRows<{ value: string }>(db, sql`SELECT value FROM portal_meta WHERE key = 'compaction_horizon'`))[0]
  return row ? Number(row.value) : 0
}

/**
 * Computes the new horizon and stores it (never lower than the stored one), in one statement.
 * Null when there is no complete snapshot.
 */
async function advanceHorizon(db: PortalDb, now: Date, retentionMs: number): Promise<number | null> {
  const cutoff = new Date(now.getTime() - retentionMs).toISOString()
  const row = (
    await fastRows<{ snapshot: Num; horizon: Num }>(
      db,
      sql`WITH s AS (SELECT min(seq) AS seq FROM snapshots WHERE complete),
          active AS (SELECT min(pull_cursor) AS c FROM workstations
                     WHERE revoked_at IS NULL AND pull_cursor IS NOT NULL AND pulled_at >= ${cutoff}::timestamptz),
          -- The last change older than the retention: the change before the first recent one,
          -- looked for forward from where it could matter (above the stored horizon and the
          -- lowest active cursor), so the scan is bounded by what this run will compact.
          old AS (
            SELECT coalesce(
              (SELECT seq - 1 FROM changes
               WHERE seq > greatest(coalesce((SELECT value::bigint FROM portal_meta WHERE key = 'compaction_horizon'), 0), coalesce((SELECT c FROM active), 0))
                 AND at >= ${cutoff}::timestamptz
               ORDER BY seq LIMIT 1),
              (SELECT max(seq) FROM changes)) AS seq),
          candidate AS (
            -- (least and greatest skip nulls: no snapshot must mean no candidate at all)
            SELECT least(greatest(coalesce((SELECT c FROM active), s.seq), coalesce((SELECT seq FROM old), 0)), s.seq) AS h
            FROM s WHERE s.seq IS NOT NULL),
          stored AS (
            INSERT INTO portal_meta (key, value)
            SELECT 'compaction_horizon', candidate.h::text FROM candidate WHERE candidate.h IS NOT NULL
            ON CONFLICT (key) DO UPDATE SET value = greatest(portal_meta.value::bigint, excluded.value::bigint)::text
            RETURNING value)
          SELECT (SELECT seq FROM s) AS snapshot, (SELECT value FROM stored) AS horizon`,
    )
  )[0]
  if (row?.snapshot === null || row?.snapshot === undefined || row.horizon === null) return null
  return Number(row.horizon)
}

/** One window (done, hi] of at most `batchSize` changes ≤ horizon: compacts it and moves the progress mark, in one statement. */
async function compactWindow(db: PortalDb, done: number, horizon: number, batchSize: number): Promise<{ hi: number; deleted: number }> {
  const row = (
    await fastRows<{ hi: Num; deleted: Num }>(
      db,
      sql`WITH w AS (
            SELECT coalesce(
              (SELECT seq FROM changes WHERE seq > ${done} AND seq <= ${horizon} ORDER BY seq OFFSET ${batchSize - 1} LIMIT 1),
              ${horizon}::bigint) AS hi),
          n AS (
            SELECT c.entity, c.entity_id, max(c.seq) AS last FROM changes c, w
            WHERE c.seq > ${done} AND c.seq <= w.hi GROUP BY c.entity, c.entity_id),
          d AS (
            DELETE FROM changes c USING n
            WHERE c.entity = n.entity AND c.entity_id = n.entity_id AND c.seq < n.last RETURNING 1),
          mark AS (
            INSERT INTO portal_meta (key, value) SELECT 'compaction_done', w.hi::text FROM w
            ON CONFLICT (key) DO UPDATE SET value = greatest(portal_meta.value::bigint, excluded.value::bigint)::text
            RETURNING 1)
          SELECT (SELECT hi FROM w) AS hi, (SELECT count(*) FROM d) AS deleted, (SELECT count(*) FROM mark) AS marked`,
    )
  )[0]
  return { hi: Number(row?.hi ?? horizon), deleted: Number(row?.deleted ?? 0) }
}

/**
 * Compacts the change log up to the horizon (see above). Safe to run from several instances at
 * once (only the lease holder works) and to interrupt at any point.
 */
export async function compactChangeLog(db: PortalDb, opts: CompactionOptions): Promise<CompactionResult> {
  const started = performance.now()
  const retentionMs = opts.retentionMs ?? DEFAULT_CHANGE_RETENTION_DAYS * DAY_MS
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_COMPACTION_BATCH))
  const result = (horizon: number, deleted: number, batches: number, skipped?: CompactionResult['skipped']): CompactionResult => ({
    horizon,
    deleted,
    batches,
    ms: performance.now() - started,
    ...(skipped ? { skipped } : {}),
  })
  if (!(await takeLease(db, opts.holder))) return result(await compactionHorizon(db), 0, 0, 'lease')
  let deleted = 0
  let batches = 0
  try {
    const horizon = await advanceHorizon(db, opts.now, retentionMs)
    if (horizon === null) return result(await compactionHorizon(db), 0, 0, 'no_snapshot')
    const mark = (await fastRows<{ value: string }>(db, sql`SELECT value FROM portal_meta WHERE key = 'compaction_done'`))[0]
    let done = mark ? Number(mark.value) : 0
    while (done < horizon) {
      // Another instance may take over if this one stalled past the lease: stop, it resumes from the mark.
      if (batches > 0 && !(await takeLease(db, opts.holder))) break
      const w = await compactWindow(db, done, horizon, batchSize)
      batches += 1
      deleted += w.deleted
      opts.onBatch?.(w)
      if (w.hi <= done) break
      done = w.hi
    }
    return result(horizon, deleted, batches)
  } finally {
    await releaseLease(db, opts.holder).catch(() => undefined)
  }
}

export const DEFAULT_COMPACTION_INTERVAL_MS = 10 * 60 * 1000

export interface CompactionSchedule {
  /** Stops the timer and waits for the run in progress. */
  stop(): Promise<void>
}

/**
 * Runs compactChangeLog every `intervalMs` (0: never), one run at a time in this process (the
 * lease keeps it to one across instances). The timer does not keep the process alive.
 */
export function scheduleCompaction(
  db: PortalDb,
  opts: {
    intervalMs: number
    retentionDays?: number
    holder: string
    now: () => Date
    onDone?: (r: CompactionResult) => void
    onError?: (error: unknown) => void
  },
): CompactionSchedule {
  if (!(opts.intervalMs > 0)) return { stop: async () => undefined }
  let running: Promise<void> | null = null
  const timer = setInterval(() => {
    if (running) return
    running = compactChangeLog(db, {
      now: opts.now(),
      holder: opts.holder,
      ...(opts.retentionDays !== undefined ? { retentionMs: opts.retentionDays * DAY_MS } : {}),
    })
      .then((r) => opts.onDone?.(r))
      .catch((error: unknown) => opts.onError?.(error))
      .finally(() => {
        running = null
      })
  }, opts.intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}
