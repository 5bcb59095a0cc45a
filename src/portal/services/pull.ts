import { sql } from 'drizzle-orm'
import type { Change, PullResponse } from '@shared/sync/protocol'
import { fastRows, type PortalDb } from '../db/client'
import { currentSeq } from '../db/store'
import { HttpError } from '../http/errors'

export const DEFAULT_PULL_LIMIT = 1000

/**
 * Pull: the changes after `cursor`, in seq order. Writers hold the change-log lock until they
 * commit (see db/store.ts), so what a reader sees is always a prefix of the log: the cursor
 * returned (the last seq sent) never skips a row that commits later.
 *
 * A cursor beyond the portal's last change cannot come from this portal's log: the portal was
 * restored from a backup (or its database replaced). 409 CURSOR_AHEAD with `portalSeq`: the
 * workstation must bootstrap again, never read on from a cursor that means nothing here.
 * Checked only when nothing is found after the cursor (no cost for the usual pull).
 */
export async function pullChanges(db: PortalDb, cursor: number, limit = DEFAULT_PULL_LIMIT): Promise<PullResponse> {
  const found = await fastRows<{ seq: string | number | bigint; entity: Change['entity']; entity_id: string; op: Change['op']; row: Change['row'] }>(
    db,
    sql`SELECT seq, entity, entity_id, op, row FROM changes WHERE seq > ${cursor} ORDER BY seq LIMIT ${limit + 1}`,
  )
  if (found.length === 0) {
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
  const hasMore = found.length > limit
  const changes: Change[] = found.slice(0, limit).map((c) => ({
    seq: Number(c.seq),
    entity: c.entity,
    id: c.entity_id,
    op: c.op,
    row: c.row,
  }))
  return { changes, cursor: changes.at(-1)?.seq ?? cursor, hasMore }
}
