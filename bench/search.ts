import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createCore } from '../src/main/core'
import { databaseFile } from '../src/main/core/paths'
import { DEMO_AGENTS } from '../src/main/core/handlers'
import { exactMatchQuery, SEARCH_SQL } from '../src/main/core/services/search'

const FAMILIES = 20_000
const QUERIES = 1_000
const APPROX_QUERIES = 300
const ROOT = resolve(__dirname, '..')

/** Small deterministic PRNG (mulberry32) so the query mix is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '')
}

function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]!
}

export async function runSearchBench(): Promise<void> {
  // The cached town is keyed by the schema, so a new migration starts a new cache.
  const schema = createHash('sha256').update(readFileSync(join(ROOT, 'resources/migrations/meta/_journal.json'))).digest('hex').slice(0, 10)
  const dataDir = join(ROOT, 'bench/.data', `search-${FAMILIES}-${schema}`)
  mkdirSync(dataDir, { recursive: true })
  const fresh = !existsSync(databaseFile(dataDir))
  const t0 = performance.now()
  const core = await createCore({
    dataDir,
    migrationsFolder: join(ROOT, 'resources/migrations'),
    demo: { families: FAMILIES, seed: 1 },
    log: () => {},
  })
  const setupMs = performance.now() - t0
  const session = core.openSession()
  const agent = DEMO_AGENTS[0]
  const login = await core.call(session, 'session', 'login', { login: agent.login, password: agent.password })
  if (!login.ok) throw new Error(`login failed: ${login.error.code}`)

  // A varied, realistic mix of what agents type, drawn from the town's own data.
  const rand = prng(42)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!
  const people = core.sqlite
    .prepare(
      `SELECT p.first_names AS first, p.last_name AS last, p.phone_mobile AS phone, p.email, f.code
       FROM family_members m JOIN persons p ON p.id = m.person_id JOIN families f ON f.id = m.family_id`,
    )
    .all() as Array<{ first: string; last: string; phone: string | null; email: string | null; code: string }>
  const kinds = [
    (p: (typeof people)[number]) => p.last,
    (p: (typeof people)[number]) => stripAccents(p.last).toLowerCase(),
    (p: (typeof people)[number]) => stripAccents(p.last).toLowerCase().slice(0, 3 + Math.floor(rand() * 3)),
    (p: (typeof people)[number]) => `${p.first} ${p.last}`,
    (p: (typeof people)[number]) => stripAccents(p.first).toLowerCase().replace(/-/g, ' '),
    (p: (typeof people)[number]) => `${stripAccents(p.last).toLowerCase()} ${stripAccents(p.first).toLowerCase().slice(0, 2)}`,
    (p: (typeof people)[number]) => p.code,
    (p: (typeof people)[number]) => p.code.slice(0, 4),
    (p: (typeof people)[number]) => p.phone ?? p.last,
    (p: (typeof people)[number]) => (p.phone ? p.phone.slice(0, 8) : p.first),
    (p: (typeof people)[number]) => (p.email ? p.email.split('@')[0]! : p.last),
  ]
  const queries = Array.from({ length: QUERIES }, () => pick(kinds)(pick(people)))

  const search = (q: string) => core.callSync(session, 'families', 'search', { q })
  const raw = core.sqlite.prepare(SEARCH_SQL)
  for (const q of queries.slice(0, 100)) {
    search(q)
    raw.all(exactMatchQuery(q), 20)
  }

  // Core path and raw SQL alternate query by query, so that machine noise hits both alike.
  const timed: number[] = []
  const rawTimed: number[] = []
  let hits = 0
  for (const q of queries) {
    const match = exactMatchQuery(q)
    let s = performance.now()
    raw.all(match, 20)
    rawTimed.push(performance.now() - s)
    s = performance.now()
    const r = search(q)
    timed.push(performance.now() - s)
    if (!r.ok) throw new Error(`search "${q}" failed: ${r.error.code}`)
    if ((r.data as { results: unknown[] }).results.length > 0) hits++
  }

  // The second pass (issue 8): names typed approximately (phonetic, typo), which run the exact
  // pass, find few, then run the phonetic and typo pass and explain each result.
  const variants = [
    (n: string) => n.replace(/è|é/g, 'e').replace(/ff/g, 'f').replace(/ll/g, 'l'), // muler, legof, lefevre
    (n: string) => (n.length > 5 ? `${n.slice(0, 2)}${n[3]}${n[2]}${n.slice(4)}` : n), // a swapped pair: a typo
    (n: string) => n.replace(/ /g, '').toLowerCase(), // legoff
  ]
  const approxQueries = Array.from({ length: APPROX_QUERIES }, () => pick(variants)(pick(people).last))
  const approxTimed: number[] = []
  let approxHits = 0
  for (const q of approxQueries.slice(0, 20)) search(q)
  for (const q of approxQueries) {
    const s = performance.now()
    const r = search(q)
    approxTimed.push(performance.now() - s)
    if (!r.ok) throw new Error(`search "${q}" failed: ${r.error.code}`)
    if ((r.data as { results: unknown[] }).results.length > 0) approxHits++
  }
  core.close()

  approxTimed.sort((a, b) => a - b)
  timed.sort((a, b) => a - b)
  rawTimed.sort((a, b) => a - b)
  const round = (x: number) => Math.round(x * 1000) / 1000
  const result = {
    bench: 'search',
    families: FAMILIES,
    p50_ms: round(percentile(timed, 50)),
    p95_ms: round(percentile(timed, 95)),
    raw_p95_ms: round(percentile(rawTimed, 95)),
    ratio_p95: round(percentile(timed, 95) / percentile(rawTimed, 95)),
    queries: QUERIES,
    hit_rate: round(hits / QUERIES),
    max_ms: round(timed.at(-1)!),
    raw_p50_ms: round(percentile(rawTimed, 50)),
    setup_s: round(setupMs / 1000),
    approx_queries: APPROX_QUERIES,
    approx_p50_ms: round(percentile(approxTimed, 50)),
    approx_p95_ms: round(percentile(approxTimed, 95)),
    approx_hit_rate: round(approxHits / APPROX_QUERIES),
    dataset: fresh ? 'generated' : 'cached',
  }
  console.log(
    `search: ${FAMILIES} familles, ${QUERIES} recherches (${Math.round(result.hit_rate * 100)} % avec résultat) — ` +
      `p50 ${result.p50_ms} ms, p95 ${result.p95_ms} ms via le cœur ; SQL brut p95 ${result.raw_p95_ms} ms ; ratio p95 ${result.ratio_p95} ; ` +
      `noms approchants (${APPROX_QUERIES}) p50 ${result.approx_p50_ms} ms, p95 ${result.approx_p95_ms} ms`,
  )
  console.log(JSON.stringify(result))
}
