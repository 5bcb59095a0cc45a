import { sql } from 'drizzle-orm'
import type { Change, PullResponse } from '@shared/sync/protocol'
import { fastRows, type PortalDb } from '../db/client'

export const DEFAULT_PULL_LIMIT = 1000

/**
 * Pull: the changes after `cursor`, in seq order. Writers hold the change-log lock until they
 * commit (see db/store.ts), so what a reader sees is always a prefix of the log: the cursor
 * returned (the last seq sent) never skips a row that commits later.
 */
export async function pullChanges(db: PortalDb, cursor: number, limit = DEFAULT_PULL_LIMIT): Promise<PullResponse> {
  const found = await fastRows<{ seq: string | number | bigint; entity: Change['entity']; entity_id: string; op: Change['op']; row: Change['row'] }>(
    db,
    sql`SELECT seq, entity, entity_id, op, row FROM changes WHERE seq > ${cursor} ORDER BY seq LIMIT ${limit + 1}`,
  )
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
