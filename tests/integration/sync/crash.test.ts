import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_INSTANT } from '../../helpers/clock'
import { MIGRATIONS } from '../../helpers/core'
import { countRows, openWorkstation, sharedTables, startTestPortal, tempDir, type Portal, type TestWorkstation } from './harness'
import { enrolledChildren, openDays } from '../../helpers/bookings'

/**
 * The workstation process is killed (SIGKILL) in the middle of a push, right after the
 * portal committed and before the workstation recorded the answer, then restarted: every
 * command takes effect on the portal exactly once and the outbox drains.
 */

const FIXTURE = resolve(__dirname, 'fixtures/push-loop.ts')

let portal: Portal & { cleanup: () => Promise<void> }
const opened: TestWorkstation[] = []
const cleanups: Array<() => void> = []

beforeAll(async () => {
  portal = await startTestPortal({ families: 20, seed: 3 })
})

afterAll(async () => {
  for (const ws of opened) await ws.cleanup()
  await portal?.cleanup()
  for (const c of cleanups) c()
})

/** Runs the push loop in a child process and SIGKILLs it at the `killAtPush`-th push answer. */
function runAndKill(env: Record<string, string>, killAtPush: number): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: resolve(__dirname, '../../..'),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let pushes = 0
    let killed = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      pushes = (out.match(/^PUSHED$/gm) ?? []).length
      if (!killed && pushes >= killAtPush) {
        killed = child.kill('SIGKILL')
      }
    })
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('error', reject)
    child.on('exit', () => resolvePromise({ killed, out }))
  })
}

describe('workstation killed with SIGKILL in the middle of a push', () => {
  it('restarts, drains its outbox, and the portal applied each command exactly once', async () => {
    const { dir, cleanup } = tempDir('guichet-crash-')
    cleanups.push(cleanup)
    // Enrol and bootstrap in this process, then hand the data folder to the child.
    const first = await openWorkstation(portal, { name: 'Guichet crash', dir })
    const agentId = first.session.agentId!
    // Children enrolled at the canteen of their school, booked there on school days (issue 10).
    const kids = enrolledChildren(first.core.sqlite, 'cantine').slice(0, 12)
    expect(kids).toHaveLength(12)
    await first.close()

    const days = openDays('2027-06-01', 3)
    const bookings = kids.map((k, i) => ({ ...k, unitId: 'cantine', date: days[i % 3]! }))
    const env = { GUICHET_DATA_DIR: dir, MIGRATIONS, AGENT_ID: agentId, BOOKINGS: JSON.stringify(bookings), GUICHET_CLOCK: TEST_INSTANT }
    const run1 = await runAndKill(env, 2)
    expect(run1.killed, run1.out).toBe(true)
    expect(run1.out).not.toMatch(/DONE/)

    // Restart in this process: the commands of the interrupted push are still pending.
    const ws = await openWorkstation(portal, { name: 'Guichet crash', dir, enrol: false })
    opened.push(ws)
    const booked = countRows(ws.core.sqlite, 'SELECT count(*) AS n FROM outbox')
    expect(booked).toBeGreaterThanOrEqual(2)
    expect(ws.engine.status().pending).toBeGreaterThan(0)
    await ws.drain()
    expect(ws.engine.status()).toMatchObject({ pending: 0, rejected: 0 })
    const outbox = ws.core.sqlite.prepare('SELECT status, payload FROM outbox ORDER BY seq').all() as Array<{ status: string; payload: string }>
    expect(outbox.every((o) => o.status === 'applied')).toBe(true)

    // A second life, killed again at its first push, then finished.
    await ws.close()
    const remaining = bookings.slice(outbox.length)
    const run2 = await runAndKill({ ...env, BOOKINGS: JSON.stringify(remaining) }, 1)
    expect(run2.killed, run2.out).toBe(true)
    const again = await openWorkstation(portal, { name: 'Guichet crash', dir, enrol: false })
    opened.push(again)
    again.session.agentId = agentId
    await again.drain()
    const all = again.core.sqlite.prepare('SELECT status, payload FROM outbox ORDER BY seq').all() as Array<{ status: string; payload: string }>
    expect(all.filter((o) => o.status !== 'applied')).toEqual([])

    // What the portal holds, seen by a fresh workstation: each booking exactly once.
    const witness = await openWorkstation(portal, { name: 'Témoin' })
    opened.push(witness)
    const ids = all.map((o) => (JSON.parse(o.payload) as { id: string }).id)
    for (const id of ids) expect(countRows(witness.core.sqlite, 'SELECT count(*) AS n FROM reservations WHERE id = ?', id)).toBe(1)
    const wsId = again.core.settings().workstationId
    expect(countRows(witness.core.sqlite, 'SELECT count(*) AS n FROM reservations WHERE workstation_id = ?', wsId)).toBe(ids.length)
    expect(sharedTables(again.core.sqlite)).toEqual(sharedTables(witness.core.sqlite))
  })
})
