import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { Result } from '@shared/contract'
import { createCore } from '../../../src/main/core'
import { databaseFile } from '../../../src/main/core/paths'
import { TEST_INSTANT, testClock } from '../../helpers/clock'
import { MIGRATIONS } from '../../helpers/core'
import { prng, runFixture, testSeed } from './child'
import { tempDir } from './harness'
import { enrolledChildren, openDays } from '../../helpers/bookings'

/**
 * Promise 1, checked from outside the process: a workstation process books reservations
 * through the contract's command path as fast as it can and reports each command on stdout
 * right after its transaction committed; the test SIGKILLs it at random points (seeded:
 * CRASH_SEED=<n> replays a schedule), several times. After each kill, reading the database
 * file itself: every reported command is there exactly once (its reservation, its outbox
 * row, its journal row), and no outbox row exists without its effect, nor an effect
 * without its outbox row.
 */

const FIXTURE = resolve(__dirname, 'fixtures/book-loop.ts')
const KILLS = 5
const cleanups: Array<() => void> = []
afterAll(() => cleanups.forEach((c) => c()))

interface Booking {
  key: string
  input: { familyId: string; childId: string; unitId: string; siteId: string; date: string }
}
interface Reported {
  key: string
  commandId: string
  reservationId: string
}

const count = (db: Database.Database, sql: string, ...args: unknown[]) => db.prepare(sql).pluck().get(...args) as number

/** The checks, on the database file as a restarted process finds it. */
function verify(file: string, reported: Map<string, Reported>, bookings: Map<string, Booking>, baseline: Set<string>, context: string) {
  const db = new Database(file)
  try {
    expect(db.pragma('integrity_check', { simple: true }), context).toBe('ok')
    for (const r of reported.values()) {
      const b = bookings.get(r.key)!.input
      expect(count(db, `SELECT count(*) FROM outbox WHERE command_id = ?`, r.commandId), `${context}: outbox row of ${r.key}`).toBe(1)
      const outbox = db.prepare(`SELECT name, json_extract(payload, '$.id') AS id FROM outbox WHERE command_id = ?`).get(r.commandId)
      expect(outbox, context).toEqual({ name: 'reservations.book', id: r.reservationId })
      const row = db.prepare(`SELECT child_id AS childId, unit_id AS unitId, date, state FROM reservations WHERE id = ?`).all(r.reservationId)
      expect(row, `${context}: reservation of ${r.key}`).toEqual([{ childId: b.childId, unitId: b.unitId, date: b.date, state: 'reserve' }])
      expect(
        count(db, `SELECT count(*) FROM reservations WHERE child_id = ? AND unit_id = ? AND date = ? AND state = 'reserve'`, b.childId, b.unitId, b.date),
        `${context}: ${r.key} booked once`,
      ).toBe(1)
      expect(
        count(db, `SELECT count(*) FROM journal WHERE action = 'reservations.book' AND entity_id = ? AND outcome = 'ok'`, r.reservationId),
        `${context}: journal row of ${r.key}`,
      ).toBe(1)
    }
    // No outbox row without its effect…
    expect(
      count(db, `SELECT count(*) FROM outbox o WHERE o.name = 'reservations.book' AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.id = json_extract(o.payload, '$.id'))`),
      `${context}: outbox rows without their reservation`,
    ).toBe(0)
    // …nor an effect without exactly one outbox row (and one journal row).
    const made = (db.prepare(`SELECT id FROM reservations`).pluck().all() as string[]).filter((id) => !baseline.has(id))
    const outboxIds = db.prepare(`SELECT json_extract(payload, '$.id') FROM outbox WHERE name = 'reservations.book'`).pluck().all() as string[]
    expect([...outboxIds].sort(), `${context}: reservations and outbox rows`).toEqual([...made].sort())
    expect(count(db, `SELECT count(*) FROM journal WHERE action = 'reservations.book' AND outcome = 'ok'`), context).toBe(made.length)
    return made.length
  } finally {
    db.close()
  }
}

describe('workstation killed with SIGKILL at random points while it books (checked from outside)', () => {
  it('every command reported as saved is there exactly once, with its outbox row; nothing half-done', { timeout: 60_000 }, async () => {
    const seed = testSeed('CRASH_SEED', 'crash-commands')
    const rand = prng(seed)
    const { dir, cleanup } = tempDir('guichet-crash-cmd-')
    cleanups.push(cleanup)

    // A workstation with a small demo town (no portal needed: the outbox is the promise).
    const setup = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: { families: 30, seed: 11 }, log: () => {}, now: testClock() })
    const agentId = setup.sqlite.prepare(`SELECT id FROM agents WHERE login = 'accueil'`).pluck().get() as string
    // Children enrolled at the canteen of their school, booked there on school days (issue 10).
    const kids = enrolledChildren(setup.sqlite).slice(0, 30)
    const baseline = new Set(setup.sqlite.prepare(`SELECT id FROM reservations`).pluck().all() as string[])
    setup.close()
    const bookings = new Map<string, Booking>()
    for (const date of openDays('2027-03-01', 25)) {
      kids.forEach((k, i) => bookings.set(`${i}@${date}`, { key: `${i}@${date}`, input: { familyId: k.familyId, childId: k.childId, unitId: 'cantine', siteId: k.siteId, date } }))
    }
    const file = databaseFile(dir)
    const list = join(dir, 'bookings.json')
    const env = { GUICHET_DATA_DIR: dir, MIGRATIONS, AGENT_ID: agentId, BOOKINGS: list, GUICHET_CLOCK: TEST_INSTANT }

    const reported = new Map<string, Reported>()
    let made = 0
    for (let round = 1; round <= KILLS; round++) {
      // What is left: the bookings the database does not hold yet.
      const db = new Database(file, { readonly: true })
      const held = new Set(
        (db.prepare(`SELECT child_id || '|' || date FROM reservations WHERE unit_id = 'cantine' AND state = 'reserve'`).pluck().all() as string[]),
      )
      db.close()
      const remaining = [...bookings.values()].filter((b) => !held.has(`${b.input.childId}|${b.input.date}`))
      writeFileSync(list, JSON.stringify(remaining))

      const killAt = 1 + Math.floor(rand() * 60) // the kill comes after this many commits of this life…
      const delayMs = Math.floor(rand() * 4) // …and this many ms later (0: at once), inside or between transactions
      let commits = 0
      const context = `seed ${seed}, round ${round} (kill after ${killAt} commits + ${delayMs} ms)`
      const run = runFixture(FIXTURE, env, (line, r) => {
        const m = /^COMMITTED (\S+) (\S+) (\S+)$/.exec(line)
        if (!m) return
        reported.set(m[1]!, { key: m[1]!, commandId: m[2]!, reservationId: m[3]! })
        if (++commits === killAt) {
          if (delayMs === 0) r.kill()
          else setTimeout(() => r.kill(), delayMs)
        }
      })
      const exit = await run.exited
      expect(exit.signal, `${context}\n${run.output()}`).toBe('SIGKILL')
      expect(run.lines.some((l) => l.startsWith('REFUSED')), `${context}\n${run.output()}`).toBe(false)

      const before = made
      made = verify(file, reported, bookings, baseline, context)
      // At most the command in flight at the kill committed without being reported.
      expect(made - reported.size, context).toBeGreaterThanOrEqual(0)
      expect(made - reported.size, context).toBeLessThanOrEqual(round)
      expect(made, context).toBeGreaterThanOrEqual(before + killAt)
    }

    // A restarted core (migrations check, WAL recovery) sees the same, through the contract too.
    const core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
    try {
      const session = core.openSession()
      session.agentId = agentId
      const some = [...reported.values()][0]!
      const familyId = bookings.get(some.key)!.input.familyId
      const listed = (await core.call(session, 'reservations', 'list', { familyId })) as Result<{ reservations: Array<{ id: string }> }>
      expect(listed.ok && listed.data.reservations.some((r) => r.id === some.reservationId)).toBe(true)
      expect(core.sqlite.prepare(`SELECT count(*) FROM outbox WHERE status = 'pending'`).pluck().get()).toBe(made)
    } finally {
      core.close()
    }
    expect(verify(file, reported, bookings, baseline, `seed ${seed}, after restart`)).toBe(made)
    console.log(`crash-commands: ${KILLS} kills, ${reported.size} commands reported, ${made} committed`)
  })
})
