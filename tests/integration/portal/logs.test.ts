import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'drizzle-orm'
import { DrizzleQueryError } from 'drizzle-orm/errors'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkLogCapture, describeReport } from '../../../scripts/check-log-capture'
import { logCaptureDir } from '../../../src/common/log-capture'
import { scrubText } from '../../../src/common/redact'
import { startPortal, type RunningPortal } from '../../../src/portal'
import { one } from '../../../src/portal/db/client'
import { safeErrorInfo } from '../../../src/portal/http/errors'
import { backends, type BackendHandle } from './backends'
import { api, kids, type Api } from './helpers'

/**
 * Issue 7, "Logs": an error log line carried drizzle's "Failed query: … params: …", among them
 * a code famille (the redaction checked DrizzleQueryError by name, which drizzle never sets).
 * Errors are now reduced by class and every log string is scrubbed of what looks like data;
 * the whole run's logs are captured (GUICHET_LOG_CAPTURE) and grepped for every seeded value
 * (tests/log-capture, scripts/check-log-capture.ts).
 */

describe('the structural scrubber', () => {
  it('masks drizzle parameters, key details, quoted values, e-mails, phones and codes famille', () => {
    const cases: Array<[string, string]> = [
      ['Failed query: select id from families where code = $1\nparams: 104217K,Dupont', 'Failed query: select id from families where code = $1\nparams: [masqué]'],
      ['Key (code)=(104217K) already exists.', 'Key (code)=([masqué]) already exists.'],
      ['invalid input syntax for type integer: "Dupont"', 'invalid input syntax for type integer: "[masqué]"'],
      ["la valeur 'Martin' n'est pas permise", "la valeur '[masqué]' n'est pas permise"],
      ['reçu « Dupont »', 'reçu « [masqué] »'],
      ['écrire à jean.dupont@exemple.fr', 'écrire à [e-mail]'],
      ['appeler le 06 12 34 56 78, le +33 1.23.45.67.89 ou le 0612345678', 'appeler le [téléphone], le [téléphone] ou le [téléphone]'],
      ['family:104217k et 104217 K', 'family:[code famille] et [code famille]'],
      ['allocataire 1234567', 'allocataire [nombre]'],
    ]
    for (const [input, expected] of cases) expect(scrubText(input)).toBe(expected)
    // What is not data stays readable.
    const plain = '[core] horloge de test : GUICHET_CLOCK=2026-11-16T08:00:00.000Z ; id 019a1b2c-3d4e-7f00-8000-000000000001, seq 12345, 1159168 octets'
    expect(scrubText(plain)).toBe(plain)
  })
})

describe('the capture check', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'logs-check-'))
    const seeded = [
      { kind: 'name', value: 'Ange Dubreuil-Moreau' },
      { kind: 'name', value: 'Léa' },
      { kind: 'email', value: 'ange.dubreuil@exemple.fr' },
      { kind: 'phone', value: '06 12 34 56 78' },
      { kind: 'code', value: '104217K' },
      { kind: 'password', value: 'Kx7mQ2pRt9' },
    ]
    writeFileSync(join(dir, 'seeded-1.jsonl'), seeded.map((s) => JSON.stringify(s)).join('\n'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finds every kind of planted value, and says where without printing it', () => {
    writeFileSync(
      join(dir, 'portal-1-1.log'),
      [
        '{"level":30,"msg":"requête","route":"/api/v1/family/login"}',
        '{"level":50,"msg":"erreur interne","err":{"message":"Failed query: params: 104217k"}}',
        '[sync] MOREAU a été refusé',
        'contact: Ange.Dubreuil@exemple.fr',
        'tel 0612345678',
        'mot de passe kx7mqR2PT9 / Kx7mQ2pRt9',
      ].join('\n'),
    )
    const report = checkLogCapture(dir)
    expect([...new Set(report.hits.map((h) => `${h.line}:${h.kind}`))].sort()).toEqual(['2:code', '3:name', '4:email', '4:name', '5:phone', '6:password'])
    const text = describeReport(dir, report)
    for (const secret of ['104217K', 'Moreau', 'ange.dubreuil@exemple.fr', '0612345678', 'Kx7mQ2pRt9']) expect(text.toLowerCase()).not.toContain(secret.toLowerCase())
    rmSync(join(dir, 'portal-1-1.log'))
  })

  it('does not hit on words that merely contain a name, nor on names under 4 letters', () => {
    writeFileSync(join(dir, 'core-1-1.log'), '[sync] changes appliqués ; Léa ; 1046 lignes ; 104217 ; ANGELUS\n')
    const report = checkLogCapture(dir)
    expect(report.hits).toEqual([])
    rmSync(join(dir, 'core-1-1.log'))
  })
})

describe.each(backends)('logs on $name', (backend) => {
  let handle: BackendHandle
  let portal: RunningPortal
  let call: Api
  const lines: string[] = []
  let code: string

  beforeAll(async () => {
    handle = await backend.open()
    portal = await startPortal({
      dataDir: handle.dataDir,
      ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}),
      port: 0,
      log: (line) => lines.push(line),
      snapshotDebounceMs: 60_000,
    })
    await portal.seedDemo({ families: 6, seed: 7, today: '2026-11-27' })
    call = api(portal.url)
    code = (await kids(portal.db))[0]!.code
  })
  afterAll(async () => {
    await portal?.close()
    await handle?.cleanup()
  })

  it('a database error with a code famille among its parameters is logged by class, without the parameters', async () => {
    // A unique violation on families.code, through drizzle: the error drizzle throws has no name of its own.
    let caught: unknown
    try {
      await portal.db.execute(sql`UPDATE families SET code = ${code} WHERE code <> ${code}`)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(DrizzleQueryError)
    expect((caught as Error).name).toBe('Error')
    expect((caught as Error).message).toContain(code)
    const cause = (caught as { cause?: { code?: string; detail?: string } }).cause
    expect(cause?.code).toBe('23505')
    expect(cause?.detail).toContain(code)

    const info = safeErrorInfo(caught)
    expect(info).toMatchObject({ code: '23505' })
    expect(info.constraint).toBeTruthy()
    expect(JSON.stringify(info)).not.toContain(code)
    expect(JSON.stringify(info)).not.toMatch(/params|detail|Key \(/i)

    // The same error through the portal's logger (any object key, fastify's own `err` serializer).
    portal.app.log.error({ err: caught, other: { error: caught, text: (caught as Error).message } }, `échec ${(caught as Error).message}`)
    const line = lines.at(-1)!
    expect(line).toContain('23505')
    expect(line).not.toContain(code)
  })

  it('a route whose query fails answers 500 and logs neither the code famille nor the SQL parameters', async () => {
    // A real failure on the family login's lookup (the table is gone): drizzle's "Failed query … params: <code>".
    await portal.db.execute(sql`ALTER TABLE families RENAME TO families_gone`)
    try {
      const before = lines.length
      const res = await call('POST', '/family/login', { body: { code, password: 'un-mot-de-passe-faux' } })
      expect(res.status).toBe(500)
      const logged = lines.slice(before).filter((l) => l.includes('erreur interne'))
      expect(logged.length).toBe(1)
      expect(logged[0]).toContain('42P01')
      expect(logged[0]).not.toContain(code)
      expect(logged[0]).not.toMatch(/params: (?!\[masqué\])/)
      expect(logged[0]).not.toContain('un-mot-de-passe-faux')
    } finally {
      await portal.db.execute(sql`ALTER TABLE families_gone RENAME TO families`)
    }
    expect(await one(portal.db, sql`SELECT 1 AS ok FROM families LIMIT 1`)).toBeTruthy()
  })

  it('with a log capture, a portal started without logs still writes every line, and the seeded values are known', async () => {
    const dir = logCaptureDir()
    // The vitest global setup sets GUICHET_LOG_CAPTURE (tests/log-capture); "off" skips this.
    if (!dir) return
    const quiet = await backend.open()
    const silent = await startPortal({ dataDir: quiet.dataDir, ...(quiet.databaseUrl ? { databaseUrl: quiet.databaseUrl } : {}), port: 0, log: false })
    try {
      await silent.seedDemo({ families: 2, seed: 11, today: '2026-11-27' })
      const codes = (await kids(silent.db)).map((k) => k.code)
      expect((await api(silent.url)('GET', '/health')).status).toBe(200)
      const mine = readdirSync(dir).filter((f) => f.startsWith(`portal-${process.pid}-`))
      const captured = mine.map((f) => readFileSync(join(dir, f), 'utf8')).join('')
      expect(captured).toContain('"route":"/api/v1/health"')
      const seeded = readdirSync(dir)
        .filter((f) => f.startsWith('seeded-'))
        .map((f) => readFileSync(join(dir, f), 'utf8'))
        .join('')
      for (const c of codes) expect(seeded).toContain(`"${c}"`)
      expect(seeded).toContain('"kind":"email"')
      expect(seeded).toContain('"kind":"password"')
    } finally {
      await silent.close()
      await quiet.cleanup()
    }
  })
})
