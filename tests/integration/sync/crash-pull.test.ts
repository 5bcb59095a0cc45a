import { writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import type { Change, PullResponse } from '@shared/sync/protocol'
import { createCore } from '../../../src/main/core'
import { databaseFile } from '../../../src/main/core/paths'
import { MIGRATIONS } from '../../helpers/core'
import { prng, runFixture, testSeed } from './child'
import { tempDir } from './harness'

/**
 * Promise 3, checked from outside the process: a workstation process applies pull pages and
 * is killed (SIGKILL) in the middle of one, or fails in the middle of one; reading the
 * database file afterwards, each page's rows and the cursor are both there or both absent.
 *
 * The pages are crafted (so that the test knows what each one holds): page i adds ROWS
 * schools and renames the first RENAMED schools of page 0 to "… v<i>".
 */

const FIXTURE = resolve(__dirname, 'fixtures/pull-apply.ts')
const PAGES = 8
const ROWS = 1500
const RENAMED = 100
const cleanups: Array<() => void> = []
afterAll(() => cleanups.forEach((c) => c()))

const schoolId = (page: number, j: number) => `s-${page}-${j}`

function craftPages(opts: { poisonPage?: number; count?: number } = {}): PullResponse[] {
  const pages: PullResponse[] = []
  let seq = 0
  const count = opts.count ?? PAGES
  for (let i = 0; i < count; i++) {
    const changes: Change[] = []
    for (let j = 0; j < ROWS; j++) {
      const id = schoolId(i, j)
      // The poisoned page: a row the database refuses (NOT NULL), inside the page (its renames follow).
      const name = opts.poisonPage === i && j === ROWS - 1 ? null : `École ${i}-${j}`
      changes.push({ seq: ++seq, entity: 'schools', id, op: 'put', row: { id, name, kind: 'primaire', address: `${j} rue ${i}` } })
    }
    if (i > 0) {
      for (let j = 0; j < RENAMED; j++) {
        const id = schoolId(0, j)
        changes.push({ seq: ++seq, entity: 'schools', id, op: 'put', row: { id, name: `École 0-${j} v${i}`, kind: 'primaire', address: `${j} rue 0` } })
      }
    }
    pages.push({ changes, cursor: seq, hasMore: i < count - 1 })
  }
  return pages
}

async function freshWorkstation(pages: PullResponse[]): Promise<{ dir: string; env: Record<string, string> }> {
  const { dir, cleanup } = tempDir('guichet-crash-pull-')
  cleanups.push(cleanup)
  const core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
  core.close()
  const file = join(dir, 'pages.json')
  writeFileSync(file, JSON.stringify(pages))
  return { dir, env: { GUICHET_DATA_DIR: dir, MIGRATIONS, PAGES: file } }
}

/**
 * Reads the database file: the cursor must be 0 or one page's cursor, every page up to it
 * entirely there, every page after it entirely absent. Returns the index of the last page held (−1: none).
 */
function verify(dir: string, pages: PullResponse[], context: string): number {
  const db = new Database(databaseFile(dir))
  try {
    expect(db.pragma('integrity_check', { simple: true }), context).toBe('ok')
    const raw = db.prepare(`SELECT value FROM settings WHERE key = 'sync.cursor'`).pluck().get() as string | undefined
    const cursor = Number(raw ?? 0)
    const last = pages.findIndex((p) => p.cursor === cursor)
    expect(cursor === 0 || last >= 0, `${context}: cursor ${cursor} is not a page boundary`).toBe(true)
    const perPage = db.prepare(`SELECT count(*) FROM schools WHERE id LIKE ?`).pluck()
    pages.forEach((_, i) => {
      expect(perPage.get(`s-${i}-%`), `${context}: rows of page ${i} with cursor ${cursor}`).toBe(i <= last ? ROWS : 0)
    })
    const renamed = db.prepare(`SELECT count(*) FROM schools WHERE id LIKE 's-0-%' AND name LIKE ?`).pluck()
    if (last > 0) expect(renamed.get(`% v${last}`), `${context}: renames of page ${last}`).toBe(RENAMED)
    return last
  } finally {
    db.close()
  }
}

/** The pages the child reported as committed. */
const appliedPages = (lines: string[]) => lines.filter((l) => l.startsWith('APPLIED ')).map((l) => Number(l.split(' ')[1]))

describe('workstation killed or failing in the middle of a pull page', () => {
  it('SIGKILL inside a page’s transaction: the page and the cursor are both absent; the next start applies it whole', { timeout: 60_000 }, async () => {
    const pages = craftPages()
    const { dir, env } = await freshWorkstation(pages)
    // Stalls near the end of page 3 (in its renames, after all its new rows).
    const stalled = runFixture(FIXTURE, { ...env, STALL_PAGE: '3', STALL_AFTER: String(ROWS + RENAMED / 2) }, (line, run) => {
      if (line.startsWith('STALLED')) run.kill()
    })
    const exit = await stalled.exited
    expect(exit.signal, stalled.output()).toBe('SIGKILL')
    expect(stalled.lines).toContain('STALLED 3')
    expect(appliedPages(stalled.lines)).toEqual([0, 1, 2])
    expect(verify(dir, pages, 'killed in page 3')).toBe(2)

    const rest = runFixture(FIXTURE, env)
    expect((await rest.exited).code, rest.output()).toBe(0)
    expect(appliedPages(rest.lines)).toEqual([3, 4, 5, 6, 7])
    expect(verify(dir, pages, 'after restart')).toBe(PAGES - 1)
  })

  it('a page that fails in its middle (a row the database refuses): neither its rows nor the cursor', { timeout: 60_000 }, async () => {
    const pages = craftPages({ poisonPage: 2 })
    const { dir, env } = await freshWorkstation(pages)
    const run = runFixture(FIXTURE, env)
    const exit = await run.exited
    expect(exit.code, run.output()).toBe(1)
    expect(run.output()).toMatch(/NOT NULL constraint failed: schools\.name/)
    expect(appliedPages(run.lines)).toEqual([0, 1])
    expect(verify(dir, pages, 'failed in page 2')).toBe(1)
  })

  it('SIGKILL at random moments: after each kill, every page is whole or absent, with the cursor to match', { timeout: 60_000 }, async () => {
    const seed = testSeed('CRASH_SEED', 'crash-pull')
    const rand = prng(seed)
    const pages = craftPages({ count: 24 })
    const { dir, env } = await freshWorkstation(pages)
    let last = -1
    let kills = 0
    for (let round = 1; round <= 6 && last < pages.length - 1; round++) {
      const delayMs = Math.floor(rand() * 100)
      const context = `seed ${seed}, round ${round} (kill ${delayMs} ms after start of work)`
      const run = runFixture(FIXTURE, env, (line, r) => {
        if (line === 'READY') setTimeout(() => r.kill(), delayMs)
      })
      const exit = await run.exited
      if (exit.signal === 'SIGKILL') kills++
      else expect(exit.code, `${context}\n${run.output()}`).toBe(0)
      const held = verify(dir, pages, context)
      // Every page reported as committed is held; the cursor never went back.
      for (const i of appliedPages(run.lines)) expect(i, context).toBeLessThanOrEqual(held)
      expect(held, context).toBeGreaterThanOrEqual(last)
      last = held
    }
    expect(kills, `seed ${seed}`).toBeGreaterThan(0)
    console.log(`crash-pull: ${kills} kills, ${last + 1} of ${pages.length} pages held before the last start`)
    const finish = runFixture(FIXTURE, env)
    expect((await finish.exited).code, finish.output()).toBe(0)
    expect(verify(dir, pages, `seed ${seed}, finished`)).toBe(pages.length - 1)
  })
})
