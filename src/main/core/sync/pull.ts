import type { PullResponse } from '@shared/sync/protocol'
import type { Core } from '../index'
import { advanceCursor, countPending, readCursor } from './state'
import { SyncTransportError, type Transport } from './transport'

/**
 * Pull (promises 3, 4): the portal's changes since the cursor, page after page. A page is
 * applied all or nothing, in one transaction that first checks that no outbox row is
 * pending (PowerSync's rule: never lay a download over unacknowledged uploads; push first),
 * then applies every change, rebuilds the search rows and stores the page's cursor in the same
 * transaction. A page whose cursor is below the one held (the portal went back), or whose
 * changes lie beyond its own cursor, is refused: it throws and nothing of it stays.
 */

export type PullOutcome = { status: 'done'; changes: number; cursor: number } | { status: 'pending'; changes: number; cursor: number }

/** Applies one page; returns false (and changes nothing) when the outbox has pending rows. */
export function applyPullPage(core: Pick<Core, 'sqlite' | 'store'>, page: PullResponse): { applied: boolean; cursor: number } {
  const { sqlite, store } = core
  try {
    return sqlite.transaction(() => {
      if (countPending(sqlite) > 0) return { applied: false, cursor: readCursor(sqlite) }
      const before = readCursor(sqlite)
      // The page is consistent as a whole; the order of rows inside it does not matter.
      sqlite.pragma('defer_foreign_keys = ON')
      for (const change of page.changes) {
        if (change.seq > page.cursor) {
          throw new SyncTransportError('portal', `pull: change ${change.seq} lies beyond the page's cursor ${page.cursor} (page refused)`)
        }
        if (change.seq > 0 && change.seq <= before) continue // already held (a replayed page)
        store.applyChange(change)
      }
      store.flushSearchIndex()
      // Throws (and rolls the page back) when the page's cursor is below the one held.
      return { applied: true, cursor: advanceCursor(sqlite, page.cursor) }
    })()
  } catch (error) {
    store.discardPending()
    throw error
  }
}

export async function pullAll(core: Core, transport: Transport, opts: { limit?: number } = {}): Promise<PullOutcome> {
  let changes = 0
  for (;;) {
    const cursor = await core.exclusive(() => readCursor(core.sqlite))
    const page = await transport.pull(cursor, opts.limit)
    const result = await core.exclusive(() => applyPullPage(core, page))
    if (!result.applied) return { status: 'pending', changes, cursor: result.cursor }
    changes += page.changes.length
    if (!page.hasMore || page.cursor <= cursor) return { status: 'done', changes, cursor: result.cursor }
  }
}
