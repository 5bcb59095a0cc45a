import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { entities, entityOrder } from '@shared/sync/entities'
import { API_PREFIX } from '@shared/sync/protocol'
import { v7 as uuidv7 } from 'uuid'
import { CommandRejection } from '@shared/commands'
import { rows } from '../../../src/portal/db/client'
import { deleteRow, EntityStore } from '../../../src/portal/db/store'
import { sharedTables } from '../../../src/portal/db/schema'
import { openApiPath } from '../../../src/portal/http/openapi'
import { HealthSchema } from '../../../src/portal/http/schemas'
import { buildServer } from '../../../src/portal/http/server'
import { backends } from './backends'
import { enrol, maxSeq, startTestPortal, type TestPortal } from './helpers'

const DOC = readFileSync(resolve(__dirname, '../../../docs/sync-protocol.md'), 'utf8')

describe.each(backends)('portal contract: OpenAPI, docs, database schema, logs ($name)', (backend) => {
  let t: TestPortal

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 2 })
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('documents every route fastify serves, and serves every documented route', async () => {
    const res = await t.api<{ openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>> }>('GET', '/openapi.json')
    expect(res.status).toBe(200)
    expect(res.body.openapi).toBe('3.1.0')
    const documented = Object.entries(res.body.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort()

    // The routes a fresh server registers (onRoute), exactly.
    const { app, registered } = buildServer({ db: t.db, snapshots: t.portal.snapshots, changed: () => undefined, now: () => new Date() })
    await app.ready()
    await app.close()
    const served = registered.map((r) => `${r.method} ${openApiPath(r.path)}`).sort()
    expect(served.length).toBeGreaterThan(20)
    expect(documented).toEqual(served)

    // And the running portal answers each of them (fastify's own lookup).
    for (const line of documented) {
      const [method, path] = line.split(' ') as [string, string]
      const url = path.replace(/\{(\w+)\}/g, ':$1')
      expect(t.portal.app.hasRoute({ method: method as 'GET', url }), line).toBe(true)
    }

    for (const [path, ops] of Object.entries(res.body.paths)) {
      expect(path.startsWith(API_PREFIX)).toBe(true)
      for (const [method, op] of Object.entries(ops)) {
        const statuses = Object.keys(op.responses)
        expect(statuses.some((s) => s.startsWith('2')), `${method} ${path}`).toBe(true)
        expect(statuses, `${method} ${path}`).toContain('400')
        expect(Array.isArray(op.security), `${method} ${path}`).toBe(true)
      }
    }
  })

  it('docs/sync-protocol.md describes every endpoint and every error code', async () => {
    const res = await t.api<{ paths: Record<string, Record<string, unknown>> }>('GET', '/openapi.json')
    for (const [path, ops] of Object.entries(res.body.paths)) {
      for (const method of Object.keys(ops)) {
        const short = path.slice(API_PREFIX.length).replace(/\{(\w+)\}/g, ':$1')
        expect(DOC, `${method.toUpperCase()} ${short}`).toContain(`${method.toUpperCase()} ${short}`)
      }
    }
    for (const code of ['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'ENROLMENT_CODE_INVALID', 'SEQUENCE_GAP', 'UPGRADE_REQUIRED', 'PAYLOAD_TOO_LARGE', 'REJECTED', 'INTERNAL']) {
      expect(DOC).toContain(code)
    }
  })

  it('has exactly the shared tables and columns of src/shared/sync/entities.ts', async () => {
    expect(Object.keys(sharedTables).sort()).toEqual([...entityOrder].sort())
    const columns = await rows<{ table_name: string; column_name: string; data_type: string }>(
      t.db,
      sql`SELECT table_name, column_name, data_type FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name IN (${sql.join(
            entityOrder.map((e) => sql`${e}`),
            sql`, `,
          )})`,
    )
    const pgKind: Record<string, string> = { text: 'text', integer: 'int', boolean: 'bool' }
    for (const entity of entityOrder) {
      const actual = Object.fromEntries(columns.filter((c) => c.table_name === entity).map((c) => [c.column_name, pgKind[c.data_type] ?? c.data_type]))
      expect(actual, entity).toEqual(entities[entity])
    }
  })

  it('EntityStore: a command is all or nothing, also when it reads after writing (savepoint)', async () => {
    const before = await maxSeq(t.db)
    const school = (await rows<{ id: string }>(t.db, sql`SELECT id FROM schools LIMIT 1`))[0]!.id
    const capacity = (id: string, value: number) => ({ id, unit_id: 'cantine', site_id: school, date: '2027-01-04', capacity: value })
    const kept = uuidv7()
    const undone = uuidv7()
    await EntityStore.transaction(t.db, { commandId: null, workstationId: null }, async (store) => {
      const slot = { unit_id: 'cantine', site_id: school, date: '2027-01-04' }
      expect(await store.count('capacities', slot)).toBe(0)
      await store.isolated(async () => {
        await store.put('capacities', capacity(kept, 10))
        // A read after a write: the write goes to the database first (inside a savepoint).
        expect(await store.count('capacities', slot)).toBe(1)
      })
      await expect(
        store.isolated(async () => {
          await store.put('capacities', capacity(undone, 20))
          expect(await store.count('capacities', slot)).toBe(2)
          throw new CommandRejection('TEST', 'refusé pour le test')
        }),
      ).rejects.toThrow('refusé pour le test')
      // The cache forgot the undone write; the database too.
      expect(await store.count('capacities', slot)).toBe(1)
      expect(await store.get('capacities', undone)).toBeNull()
      expect((await store.find('capacities', slot)).map((r) => r.id)).toEqual([kept])
    })
    const logged = await rows<{ entity_id: string }>(t.db, sql`SELECT entity_id FROM changes WHERE seq > ${before} ORDER BY seq`)
    expect(logged.map((c) => c.entity_id)).toEqual([kept])
    expect(await deleteRow(t.db, 'capacities', kept)).toBe(true)
    expect(await deleteRow(t.db, 'capacities', kept)).toBe(false)
    const last = await rows<{ op: string; row: unknown }>(t.db, sql`SELECT op, row FROM changes ORDER BY seq DESC LIMIT 1`)
    expect(last).toEqual([{ op: 'delete', row: null }])
  })

  it('answers health with the schema version and the change seq', async () => {
    const health = HealthSchema.parse((await t.api('GET', '/health')).body)
    expect(health.schemaVersion).toBe(1)
    expect(health.seq).toBeGreaterThan(0)
  })

  it('logs one line per request without personal data or secrets', async () => {
    const lines: string[] = []
    const { app } = buildServer(
      { db: t.db, snapshots: t.portal.snapshots, changed: () => undefined, now: () => new Date() },
      { log: (line) => lines.push(line) },
    )
    try {
      const ws = await enrol(t, 'Journal')
      const code = (await rows<{ code: string }>(t.db, sql`SELECT code FROM families LIMIT 1`))[0]!.code
      await app.inject({ method: 'POST', url: '/api/v1/admin/login', payload: { login: 'responsable', password: 'responsable-2026' } })
      await app.inject({ method: 'POST', url: '/api/v1/family/login', payload: { code, password: 'SecretFamille9' } })
      await app.inject({ method: 'GET', url: '/api/v1/sync/pull?cursor=0', headers: { authorization: `Bearer ${ws.token}`, 'x-guichet-schema': '1' } })
      await app.inject({ method: 'POST', url: '/api/v1/sync/push', headers: { 'content-type': 'application/json' }, payload: '{"oops' })
    } finally {
      await app.close()
    }
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'requête')
    expect(requests.map((r) => [r.method, r.route, r.status])).toEqual([
      ['POST', '/api/v1/admin/login', 200],
      ['POST', '/api/v1/family/login', 401],
      ['GET', '/api/v1/sync/pull', 200],
      ['POST', '/api/v1/sync/push', 400],
    ])
    expect(requests.every((r) => typeof r.ms === 'number')).toBe(true)
    const all = lines.join('\n')
    for (const secret of ['responsable-2026', 'SecretFamille9', 'Bearer', 'authorization', 'cursor=0', 'oops']) expect(all).not.toContain(secret)
  })
})
