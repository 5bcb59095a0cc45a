import { mkdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { hashPassword } from '../src/common/passwords'
import { createCore } from '../src/main/core'

/**
 * `npm run bench -- credentials`: what handing out portal credentials costs at the counter
 * (issue 9), on a demo town in a real database file under bench/.data:
 * - credentials.issue through the contract (CSPRNG password, scrypt hash with the portal's
 *   parameters, the fact and its outbox row, the A4 slip PDF), p50 and p95;
 * - the scrypt hash alone, and a reprint (the slip PDF alone) in A4 and 80 mm;
 * - the point of hashing outside the write transaction: a booking sent while an issue is
 *   hashing, how long it waits (p50, max), against the hash's own time.
 * Env: BENCH_CREDENTIALS_ISSUES (default 20).
 */

const ROOT = resolve(__dirname, '..')
const ISSUES = Number(process.env.BENCH_CREDENTIALS_ISSUES ?? 20)

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!
}
const ms = (x: number) => Math.round(x * 10) / 10

export async function runCredentialsBench(): Promise<void> {
  const dir = join(ROOT, 'bench/.data', 'credentials')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const core = await createCore({ dataDir: dir, migrationsFolder: join(ROOT, 'resources/migrations'), demo: { families: 60, seed: 1 }, log: () => {} })
  try {
    const session = core.openSession()
    session.agentId = core.sqlite.prepare(`SELECT id FROM agents WHERE login = 'accueil'`).pluck().get() as string
    const families = core.sqlite.prepare(`SELECT id FROM families WHERE code IS NOT NULL ORDER BY id LIMIT ?`).pluck().all(ISSUES * 2) as string[]
    const kids = core.sqlite
      .prepare(`SELECT min(family_id) AS familyId, person_id AS childId FROM family_members WHERE role = 'enfant' GROUP BY person_id ORDER BY person_id`)
      .all() as Array<{ familyId: string; childId: string }>
    const site = core.sqlite.prepare(`SELECT id FROM schools ORDER BY id LIMIT 1`).pluck().get() as string
    const call = async (ns: string, method: string, input: unknown) => {
      session.lastActivity = core.now().getTime()
      const r = await core.call(session, ns, method, input)
      if (!r.ok) throw new Error(`${ns}.${method}: ${JSON.stringify(r.error)}`)
      return r.data
    }

    const hashes: number[] = []
    for (let i = 0; i < ISSUES; i++) {
      const t0 = performance.now()
      await hashPassword('k7MpQ2xR9a')
      hashes.push(performance.now() - t0)
    }

    const issues: number[] = []
    const reprintA4: number[] = []
    const reprint80: number[] = []
    for (const familyId of families.slice(0, ISSUES)) {
      const t0 = performance.now()
      await call('credentials', 'issue', { familyId, identityChecked: true, layout: 'a4' })
      issues.push(performance.now() - t0)
      const t1 = performance.now()
      await call('credentials', 'reprint', { familyId, layout: 'a4' })
      reprintA4.push(performance.now() - t1)
      const t2 = performance.now()
      await call('credentials', 'reprint', { familyId, layout: '80mm' })
      reprint80.push(performance.now() - t2)
      await call('credentials', 'handedOver', { familyId })
    }

    // A booking sent 5 ms after an issue started (the issue is hashing then): how long it takes.
    const waits: number[] = []
    for (const [i, familyId] of families.slice(ISSUES, ISSUES * 2).entries()) {
      const kid = kids[i % kids.length]!
      const date = new Date(Date.UTC(2027, 0, 4 + i)).toISOString().slice(0, 10)
      const issuing = call('credentials', 'issue', { familyId, identityChecked: true })
      await new Promise((r) => setTimeout(r, 5))
      const t0 = performance.now()
      await call('reservations', 'book', { ...kid, unitId: 'cantine', siteId: site, date })
      waits.push(performance.now() - t0)
      await issuing
    }

    const figures = {
      bench: 'credentials',
      issues: ISSUES,
      issueP50Ms: ms(pct(issues, 50)),
      issueP95Ms: ms(pct(issues, 95)),
      scryptP50Ms: ms(pct(hashes, 50)),
      slipA4P50Ms: ms(pct(reprintA4, 50)),
      slip80mmP50Ms: ms(pct(reprint80, 50)),
      bookingDuringIssueP50Ms: ms(pct(waits, 50)),
      bookingDuringIssueMaxMs: ms(Math.max(...waits)),
    }
    console.log(
      `Identifiants : remise p50 ${figures.issueP50Ms} ms (p95 ${figures.issueP95Ms} ms), dont scrypt ~${figures.scryptP50Ms} ms ; coupon A4 ${figures.slipA4P50Ms} ms, 80 mm ${figures.slip80mmP50Ms} ms ; ` +
        `une réservation envoyée pendant le hachage attend ${figures.bookingDuringIssueP50Ms} ms (max ${figures.bookingDuringIssueMaxMs} ms).`,
    )
    console.log(JSON.stringify(figures))
  } finally {
    core.close()
  }
}
