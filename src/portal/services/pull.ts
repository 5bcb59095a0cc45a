import { sql } from 'drizzle-orm'
import type { Change, PullResponse } from '@shared/sync/protocol'
import { fastRows, type PortalDb } from '../db/client'
import { currentSeq } from '../db/store'
import { HttpError } from '../http/errors'

export const DEFAULT_PULL_LIMIT = 1000

/** A workstation's pull is recorded (pull_cursor, pulled_at) when its cursor moved, or at most once a minute. */
const PULL_RECORD_EVERY_MS = 60_000

export interface PullOptions {
  /** The workstation pulling: its cursor and the instant are recorded (the compaction horizon waits for it). */
  workstationId?: string
  /** The portal's clock (pulled_at). */
  now?: Date
}

/**
 * Pull: the changes after `cursor`, in seq order. Writers append their change-log rows last,
 * under a lock held until they commit (see db/store.ts), so seq order is commit order and what a
 * reader sees is always a prefix of the log: the cursor returned (the last seq sent) never skips
 * a row that commits later.
 *
 * A cursor below the compaction horizon (services/compaction.ts) may have lost changes it needs:
 * 409 CURSOR_TOO_OLD with `horizon`, the workstation bootstraps again. The horizon is read in the
 * same statement as the page (one database snapshot under READ COMMITTED): the compactor stores
 * a new horizon, committed, before it deletes anything, so a pull sees either the old horizon
 * and none of the deletions, or the new horizon. Only what lies at or below the horizon is ever
 * deleted, and a page starts above the cursor ≥ horizon: it is never missing a change.
 *
 * The same statement records the workstation's cursor and the instant (only when the cursor
 * moved or the last record is a minute old; SKIP LOCKED: never waits on its own push's row lock).
 *
 * A cursor beyond the portal's last change cannot come from this portal's log: the portal was
 * restored from a backup (or its database replaced). 409 CURSOR_AHEAD with `portalSeq`: the
 * workstation must bootstrap again, never read on from a cursor that means nothing here.
 * Checked only when nothing is found after the cursor (no cost for the usual pull).
 */
export async function pullChanges(db: PortalDb, cursor: number, limit = DEFAULT_PULL_LIMIT, opts: PullOptions = {}): Promise<PullResponse> {
  const now = opts.now ?? new Date()
  const recordBefore = new Date(now.getTime() - PULL_RECORD_EVERY_MS).toISOString()
  const record = opts.workstationId
    ? sql`, seen AS (
        UPDATE workstations SET pull_cursor = ${cursor}, pulled_at = ${now.toISOString()}::timestamptz
        WHERE id IN (
            SELECT id FROM workstations
            WHERE id = ${opts.workstationId}
              AND (pull_cursor IS DISTINCT FROM ${cursor}::bigint OR pulled_at IS NULL OR pulled_at < ${recordBefore}::timestamptz)
            FOR UPDATE SKIP LOCKED)
          AND ${cursor}::bigint >= (SELECT horizon FROM h)
        RETURNING 1)`
    : sql``
  const found = await fastRows<{
    horizon: string | number | bigint
    seq: string | number | bigint | null
    entity: Change['entity']
    entity_id: string
    op: Change['op']
    row: Change['row']
  }>(
    db,
    sql`WITH h AS (SELECT coalesce((SELECT value::bigint FROM portal_meta WHERE key = 'compaction_horizon'), 0) AS horizon)${record},
        page AS (
          SELECT seq, entity, entity_id, op, row FROM changes
          WHERE seq > ${cursor} AND ${cursor}::bigint >= (SELECT horizon FROM h)
          ORDER BY seq LIMIT ${limit + 1})
        SELECT h.horizon, page.seq, page.entity, page.entity_id, page.op, page.row FROM h LEFT JOIN page ON true ORDER BY page.seq`,
  )
  const horizon = Number(found[0]?.horizon ?? 0)
  if (cursor < horizon) {
    throw new HttpError(
      409,
      'CURSOR_TOO_OLD',
      `Le curseur du poste (${cursor}) est plus ancien que l’historique gardé par le portail (à partir de ${horizon}) : le poste doit recharger la ville.`,
      { horizon },
    )
  }
  const page = found.filter((c) => c.seq !== null)
  if (page.length === 0) {
    const portalSeq = await currentSeq(db)
    if (cursor > portalSeq) {
      throw new HttpError(
        409,
        'CURSOR_AHEAD',
        `Le curseur du poste (${cursor}) est en avance sur le dernier changement du portail (${portalSeq}) : le portail a sans doute été restauré, le poste doit recharger la ville.`,
        { portalSeq },
      )
    }
  }
  const hasMore = page.length > limit
  const changes: Change[] = page.slice(0, limit).map((c) => ({
    seq: Number(c.seq),
    entity: c.entity,
    id: c.entity_id,
    op: c.op,
    row: c.row,
  }))
  return { changes, cursor: changes.at(-1)?.seq ?? cursor, hasMore }
}
