import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import type { Change, PullResponse } from '@shared/sync/protocol'
import { applyPullPage } from '../../../src/main/core/sync/pull'
import { advanceCursor, readCursor, SYNC_KEYS } from '../../../src/main/core/sync/state'
import { makeCore } from '../../helpers/core'

/**
 * The pull cursor (promise 3): stored in the page's own transaction, equal to the page's
 * cursor, never moved by a replayed page, and a page that goes back is refused with nothing
 * of it kept. Real SQLite file, crafted pages (no portal needed to say what a page holds).
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore

beforeEach(async () => {
  core = await makeCore()
})
afterEach(() => core.cleanup())

const AT = '2026-11-16T08:00:00.000Z'
const school = (seq: number, id: string, name: string | null): Change => ({
  seq,
  entity: 'schools',
  id,
  op: 'put',
  row: { id, name, kind: 'primaire', address: `${seq} rue des Écoles` },
})

/** The cursor as the database holds it (not through the code under test). */
const storedCursor = () =>
  (core.sqlite.prepare(`SELECT value FROM settings WHERE key = ?`).pluck().get(SYNC_KEYS.cursor) as string | undefined) ?? null
const schoolName = (id: string) => (core.sqlite.prepare(`SELECT name FROM schools WHERE id = ?`).pluck().get(id) as string | undefined) ?? null
const schoolCount = () => core.sqlite.prepare(`SELECT count(*) FROM schools`).pluck().get() as number
const apply = (page: PullResponse) => applyPullPage(core, page)

describe('advanceCursor', () => {
  it('stores exactly the cursor given when it moves forward, leaves it alone when equal, and throws when it goes back', () => {
    expect(storedCursor()).toBeNull()
    expect(core.sqlite.transaction(() => advanceCursor(core.sqlite, 12))()).toBe(12)
    expect(storedCursor()).toBe('12')
    expect(core.sqlite.transaction(() => advanceCursor(core.sqlite, 12))()).toBe(12)
    expect(storedCursor()).toBe('12')
    expect(() => core.sqlite.transaction(() => advanceCursor(core.sqlite, 11))()).toThrow(/below the cursor held 12/)
    expect(storedCursor()).toBe('12')
    expect(() => core.sqlite.transaction(() => advanceCursor(core.sqlite, -1))()).toThrow(/not a valid cursor/)
    expect(() => core.sqlite.transaction(() => advanceCursor(core.sqlite, 1.5))()).toThrow(/not a valid cursor/)
    expect(core.sqlite.transaction(() => advanceCursor(core.sqlite, 40))()).toBe(40)
    expect(readCursor(core.sqlite)).toBe(40)
  })
})

describe('applying pull pages', () => {
  const a = uuidv7()
  const b = uuidv7()
  const c = uuidv7()
  const page1: PullResponse = { changes: [school(1, a, 'École A'), school(2, b, 'École B')], cursor: 2, hasMore: true }
  const page2: PullResponse = { changes: [school(3, a, 'École A renommée'), school(5, c, 'École C')], cursor: 5, hasMore: false }

  it('stores the page’s cursor with its rows, page after page', () => {
    expect(apply(page1)).toEqual({ applied: true, cursor: 2 })
    expect(storedCursor()).toBe('2')
    expect(schoolName(a)).toBe('École A')
    expect(schoolName(b)).toBe('École B')
    expect(apply(page2)).toEqual({ applied: true, cursor: 5 })
    expect(storedCursor()).toBe('5')
    expect(schoolName(a)).toBe('École A renommée')
    expect(schoolName(c)).toBe('École C')
    // The end of the log: an empty page at the same cursor changes nothing.
    expect(apply({ changes: [], cursor: 5, hasMore: false })).toEqual({ applied: true, cursor: 5 })
    expect(storedCursor()).toBe('5')
  })

  it('a replayed page changes nothing and does not move the cursor', () => {
    apply(page1)
    apply(page2)
    // The same page twice (an answer delivered again): every change is already held.
    expect(apply(page2)).toEqual({ applied: true, cursor: 5 })
    expect(storedCursor()).toBe('5')
    expect(schoolCount()).toBe(3)
    // A page overlapping what we hold: only the changes beyond the cursor land.
    const d = uuidv7()
    const overlapping: PullResponse = { changes: [school(3, a, 'École A (ancienne)'), school(5, c, 'École C (ancienne)'), school(6, d, 'École D')], cursor: 6, hasMore: false }
    expect(apply(overlapping)).toEqual({ applied: true, cursor: 6 })
    expect(schoolName(a)).toBe('École A renommée')
    expect(schoolName(c)).toBe('École C')
    expect(schoolName(d)).toBe('École D')
    expect(storedCursor()).toBe('6')
  })

  it('refuses a page that goes back: it throws and nothing of it stays', () => {
    apply(page1)
    apply(page2)
    const e = uuidv7()
    const older: PullResponse = { changes: [school(2, e, 'École E'), school(4, a, 'École A (ancienne)')], cursor: 4, hasMore: false }
    expect(() => apply(older)).toThrow(/cursor 4, below the cursor held 5/)
    expect(storedCursor()).toBe('5')
    expect(schoolName(e)).toBeNull()
    expect(schoolName(a)).toBe('École A renommée')
    expect(schoolCount()).toBe(3)
  })

  it('refuses a page whose changes lie beyond its own cursor', () => {
    const f = uuidv7()
    const inconsistent: PullResponse = { changes: [school(1, f, 'École F'), school(9, a, 'École A')], cursor: 3, hasMore: false }
    expect(() => apply(inconsistent)).toThrow(/beyond the page's cursor 3/)
    expect(storedCursor()).toBeNull()
    expect(schoolCount()).toBe(0)
  })

  it('a page that fails in the middle (a row the database refuses) leaves neither its rows nor its cursor', () => {
    apply(page1)
    const d = uuidv7()
    const e = uuidv7()
    const broken: PullResponse = {
      changes: [school(3, d, 'École D'), school(4, a, 'École A renommée'), school(5, e, null), school(6, b, 'École B renommée')],
      cursor: 6,
      hasMore: false,
    }
    expect(() => apply(broken)).toThrow(/NOT NULL/)
    expect(storedCursor()).toBe('2')
    expect(schoolName(d)).toBeNull()
    expect(schoolName(a)).toBe('École A')
    expect(schoolName(b)).toBe('École B')
    expect(core.sqlite.inTransaction).toBe(false)
    // The page, corrected, then lands whole.
    const fixed = { ...broken, changes: broken.changes.map((ch) => (ch.id === e ? school(5, e, 'École E') : ch)) }
    expect(apply(fixed)).toEqual({ applied: true, cursor: 6 })
    expect(storedCursor()).toBe('6')
    expect([schoolName(d), schoolName(a), schoolName(e), schoolName(b)]).toEqual(['École D', 'École A renommée', 'École E', 'École B renommée'])
  })

  it('a page that fails at commit (a reference to a row nobody sent) leaves neither its rows nor its cursor', () => {
    apply(page1)
    const family = uuidv7()
    const person = uuidv7()
    const broken: PullResponse = {
      changes: [
        { seq: 3, entity: 'persons', id: person, op: 'put', row: { id: person, last_name: 'Martin', first_names: 'Léa', pai: false, created_at: AT, updated_at: AT } },
        // Foreign keys are checked at commit (defer_foreign_keys): the family never comes.
        {
          seq: 4,
          entity: 'family_members',
          id: uuidv7(),
          op: 'put',
          row: { family_id: family, person_id: person, role: 'enfant', legal_guardian: false, emergency_contact: false, may_pick_up: false, forbidden_pick_up: false },
        },
        school(5, a, 'École A renommée'),
      ],
      cursor: 5,
      hasMore: false,
    }
    expect(() => apply(broken)).toThrow(/FOREIGN KEY/)
    expect(core.sqlite.inTransaction).toBe(false)
    expect(storedCursor()).toBe('2')
    expect(core.sqlite.prepare(`SELECT count(*) FROM persons WHERE id = ?`).pluck().get(person)).toBe(0)
    expect(schoolName(a)).toBe('École A')
  })
})
