import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type RequestOptions } from 'node:http'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { hashPassword } from '../src/common/passwords'
import { openPortalDb, rows } from '../src/portal/db/client'
import { setFamilyPassword } from '../src/portal/services/families'
import { SnapshotManager } from '../src/portal/services/snapshots'
import { cachedTown, freshCopy, percentile, ROOT, servePortal } from './portal'

/**
 * `npm run bench -- storm`: the login storm of issue 7 against a portal in its own process
 * (PGlite, as in production by default): 60 bad family logins sent at once, each on a different
 * code, while /health is sampled every 20 ms, each sample on a NEW connection (no keep-alive),
 * from the first login sent to the last answer. STORM_ADDRESSES=60 sends each login from its own
 * loopback address (127.0.1.x), a distributed attacker that address throttling cannot stop:
 * only the login gate then protects the event loop.
 */

const LOGINS = 60
const FAMILIES = 1000
const SAMPLE_EVERY_MS = 20

interface Answer {
  status: number
  ms: number
  body: string
}

function send(url: string, opts: RequestOptions, body?: string): Promise<Answer> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, ...opts }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

export async function runStormBench(): Promise<void> {
  const addresses = Math.max(1, Math.min(LOGINS, Number(process.env.STORM_ADDRESSES ?? 1) || 1))
  const { dbDir, seedS } = cachedTown(FAMILIES, (line) => console.error(line))
  const work = mkdtempSync(join(ROOT, 'bench/.data/storm-'))
  try {
    const dataDir = freshCopy(dbDir, join(work, 'db'))
    const opened = await openPortalDb({ dataDir })
    const codes = (await rows<{ code: string }>(opened.db, sql`SELECT code FROM families ORDER BY code LIMIT ${LOGINS + 1}`)).map((r) => r.code)
    // One family with a password, for the cost of one good login.
    const owner = await setFamilyPassword(opened.db, codes.pop()!)
    // The portal in its steady state: its snapshot already built. Otherwise its first build
    // (PGlite, on the portal's one thread: about 0.6 s for this town) would start 2 s after
    // the start, in the middle of the storm, and the bench would measure that instead.
    const snapshots = new SnapshotManager(opened.db, join(opened.dataDir, 'snapshots', opened.databaseId), { instanceId: randomUUID() })
    await snapshots.init()
    await snapshots.build()
    await snapshots.close()
    await opened.close()
    const hashMs: number[] = []
    for (let i = 0; i < 3; i++) {
      const t = performance.now()
      await hashPassword('un mot de passe')
      hashMs.push(performance.now() - t)
    }
    const portal = await servePortal(dataDir)
    try {
      // Warm up: the portal answers, and its lazily made dummy hash exists before the storm.
      await send(`${portal.url}/api/v1/health`, {})
      await send(
        `${portal.url}/api/v1/family/login`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress: '127.0.2.1' },
        JSON.stringify({ code: 'ZZZZZZZ', password: 'échauffement' }),
      )
      const loginMs: number[] = []
      for (let i = 0; i < 3; i++) {
        const good = await send(
          `${portal.url}/api/v1/family/login`,
          { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress: '127.0.2.2' },
          JSON.stringify({ code: owner.code, password: owner.password }),
        )
        if (good.status !== 200) throw new Error(`the owner's login answered ${good.status}`)
        loginMs.push(good.ms)
      }

      const health: number[] = []
      let storming = true
      const sampler = (async () => {
        while (storming) {
          const tick = performance.now()
          const answer = await send(`${portal.url}/api/v1/health`, {})
          if (answer.status !== 200) throw new Error(`/health answered ${answer.status}`)
          health.push(answer.ms)
          await new Promise((r) => setTimeout(r, Math.max(0, SAMPLE_EVERY_MS - (performance.now() - tick))))
        }
      })()
      const started = performance.now()
      const answers = await Promise.all(
        codes.map((code, i) =>
          send(
            `${portal.url}/api/v1/family/login`,
            { method: 'POST', headers: { 'content-type': 'application/json' }, localAddress: `127.0.1.${(i % addresses) + 1}` },
            JSON.stringify({ code, password: 'pas-le-bon-mot-de-passe' }),
          ),
        ),
      )
      const stormS = (performance.now() - started) / 1000
      storming = false
      await sampler

      health.sort((a, b) => a - b)
      const count = (status: number, throttled?: boolean) =>
        answers.filter((a) => a.status === status && (throttled === undefined || a.body.includes('Trop d’essais') === throttled)).length
      const logins = answers.map((a) => a.ms).sort((a, b) => a - b)
      const round = (x: number) => Math.round(x * 10) / 10
      console.log(
        `storm : ${LOGINS} connexions ratées en parallèle depuis ${addresses} adresse(s), toutes répondues en ${round(stormS)} s ` +
          `(401 mot de passe : ${count(401, false)}, 401 freinées : ${count(401, true)}, 429 réessayez : ${count(429)}, autres : ${
            LOGINS - count(401) - count(429)
          }) ; réponse d’une connexion p50 ${round(percentile(logins, 50))} ms, max ${round(logins.at(-1) ?? 0)} ms ; ` +
          `/health sur ${health.length} mesures (nouvelle connexion chacune) : p50 ${round(percentile(health, 50))} ms, ` +
          `p95 ${round(percentile(health, 95))} ms, max ${round(health.at(-1) ?? 0)} ms` +
          ` ; coût d’une connexion au calme : hachage scrypt ${round(Math.min(...hashMs))} ms, POST /family/login réussi ${round(Math.min(...loginMs))} ms (meilleur de 3)` +
          (seedS > 0 ? ` (portail de ${FAMILIES} familles créé en ${round(seedS)} s)` : ''),
      )
      console.log(
        JSON.stringify({
          bench: 'storm',
          logins: LOGINS,
          health_p95_ms: round(percentile(health, 95)),
          health_max_ms: round(health.at(-1) ?? 0),
        }),
      )
    } finally {
      await portal.stop()
    }
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}
