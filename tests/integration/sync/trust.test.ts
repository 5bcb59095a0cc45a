import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseInstant, startingAt } from '@shared/clock'
import { DomainError, type PendingView, type ReservationView, type SyncStatus } from '@shared/contract'
import { createCore } from '../../../src/main/core'
import { DATABASE_FILE } from '../../../src/main/core/paths'
import { createSyncEngine } from '../../../src/main/core/sync/engine'
import { FileTokenStore } from '../../../src/main/core/sync/token'
import { startPortal, type RunningPortal } from '../../../src/portal'
import { TEST_INSTANT, testClock } from '../../helpers/clock'
import { MIGRATIONS } from '../../helpers/core'
import { hasOpenssl, makeCertificates, type TestCertificates } from '../../unit/sync/certs'
import {
  countRows,
  expectOk,
  loginAsPortalAgent,
  openWorkstation,
  sharedTables,
  startTestPortal,
  type Portal,
  type TestWorkstation,
} from './harness'
import { BOOK_DAYS, enrolledChildren } from '../../helpers/bookings'

/**
 * Issue 7, the workstation's side of the portal's trust boundary, over real HTTP against the
 * real portal (PGlite, or PostgreSQL when DATABASE_URL is set):
 * - its clock against the portal's (the HTTP Date of the answers): a warning beyond 2 minutes;
 * - https with a town's own CA (a real TLS proxy in front of the portal); http to another machine refused;
 * - a workstation restored from a backup (SEQ_CONFLICT): it stops pushing, keeps and lists its
 *   unsent changes, and sends them under its new identity once enrolled again;
 * - a portal restored from a backup (CURSOR_AHEAD): the workstations send again what it lost,
 *   bootstrap again (keeping their outbox) and converge.
 */

let dayIndex = 0
/** A new day for each booking of this file, so that bookings never collide. */
function nextDay(): string {
  // School days whose canteen booking is open at the test instant (issue 10: no weekend, Wednesday or holiday).
  const day = BOOK_DAYS[dayIndex]!
  dayIndex += 1
  return day
}

async function book(ws: TestWorkstation, child = 0): Promise<string> {
  // A child enrolled at the canteen of its school (the demo town's inscriptions), booked there.
  const c = enrolledChildren(ws.core.sqlite)[child]!
  const date = nextDay()
  const out = expectOk(
    await ws.call<{ reservations: ReservationView[] }>('reservations', 'book', {
      familyId: c.familyId,
      childId: c.childId,
      unitId: 'cantine',
      siteId: c.siteId,
      date,
    }),
  )
  return out.reservations.find((x) => x.date === date && x.unitId === 'cantine')!.id
}

const booked = (ws: TestWorkstation, id: string) => countRows(ws.core.sqlite, `SELECT count(*) AS n FROM reservations WHERE id = ? AND state = 'reserve'`, id)

function outbox(ws: TestWorkstation): Array<{ seq: number; commandId: string; status: string; payload: string }> {
  return ws.core.sqlite.prepare(`SELECT seq, command_id AS commandId, status, payload FROM outbox ORDER BY seq`).all() as Array<{
    seq: number
    commandId: string
    status: string
    payload: string
  }>
}

describe('the workstation’s clock against the portal’s', () => {
  let portal: Portal & { cleanup: () => Promise<void> }
  beforeAll(async () => {
    portal = await startTestPortal({ families: 10, seed: 3 })
  })
  afterAll(async () => {
    await portal?.cleanup()
  })

  it('warns in the status when it is more than 2 minutes off, not when it is on time', async () => {
    const onTime = await openWorkstation(portal, { name: 'Guichet à l’heure' })
    const ahead = await openWorkstation(portal, {
      name: 'Guichet en avance',
      now: startingAt(new Date(parseInstant(TEST_INSTANT).getTime() + 5 * 60_000)),
    })
    try {
      // Test clocks start at the test instant when they are made: the portal's a few seconds
      // before the workstations', so "on time" is within seconds, and "ahead" 5 minutes more.
      await onTime.sync()
      const ok = expectOk(await onTime.call<SyncStatus>('sync', 'status', {}))
      expect(ok.clock?.warning).toBe(false)
      expect(Math.abs(ok.clock!.offsetMs)).toBeLessThan(60_000)

      await ahead.sync()
      const off = expectOk(await ahead.call<SyncStatus>('sync', 'status', {}))
      expect(off.clock?.warning).toBe(true)
      expect(Math.abs(off.clock!.offsetMs - ok.clock!.offsetMs - 5 * 60_000)).toBeLessThan(3_000)
      // A clock warning is only a warning: the sync itself went well.
      expect(off).toMatchObject({ state: 'idle', lastError: null })
    } finally {
      await onTime.cleanup()
      await ahead.cleanup()
    }
  })
})

/** A TLS front for the portal (what a town's reverse proxy does), with a certificate its own CA signed. */
async function tlsProxy(target: string, certs: TestCertificates): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const up = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('transport security', () => {
  let portal: Portal & { cleanup: () => Promise<void> }
  beforeAll(async () => {
    portal = await startTestPortal({ families: 10, seed: 4 })
  })
  afterAll(async () => {
    await portal?.cleanup()
  })

  async function bareWorkstation(caFile?: string) {
    const dir = mkdtempSync(join(tmpdir(), 'guichet-ws-tls-'))
    const core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {}, now: testClock() })
    const engine = createSyncEngine({
      core,
      tokenStore: new FileTokenStore(dir, () => {}),
      log: () => {},
      timeoutMs: 5000,
      intervalSeconds: 3600,
      ...(caFile ? { caFile } : {}),
    })
    core.attachSync(engine)
    return {
      core,
      engine,
      cleanup: async () => {
        await engine.stop()
        core.close()
        rmSync(dir, { recursive: true, force: true })
      },
    }
  }

  it('refuses http:// to another machine, at the contract and in the engine, before any request', async () => {
    const ws = await bareWorkstation()
    try {
      const e = await ws.engine.enrol('http://192.0.2.10:8790', 'ABCDEF-123').catch((error: unknown) => error)
      expect(e).toBeInstanceOf(DomainError)
      expect((e as DomainError).code).toBe('INVALID_INPUT')
      expect((e as DomainError).message).toMatch(/http:\/\/ n’est permis que vers ce poste lui-même/)
      expect(ws.engine.status().enrolled).toBe(false)
    } finally {
      await ws.cleanup()
    }
  })

  describe.skipIf(!hasOpenssl())('https with the town’s own certificate authority', () => {
    let certs: TestCertificates
    let proxy: { url: string; close: () => Promise<void> }
    beforeAll(async () => {
      certs = makeCertificates()
      proxy = await tlsProxy(portal.url, certs)
    })
    afterAll(async () => {
      await proxy?.close()
      certs?.cleanup()
    })

    it('enrols and syncs through https with GUICHET_PORTAL_CA’s file', async () => {
      const ws = await bareWorkstation(certs.caFile)
      try {
        const status = await ws.engine.enrol(proxy.url, await portal.createEnrolmentCode('Guichet TLS'))
        expect(status).toMatchObject({ enrolled: true, portalUrl: proxy.url })
        const after = await ws.engine.syncNow()
        expect(after).toMatchObject({ state: 'idle', lastError: null })
        expect(countRows(ws.core.sqlite, 'SELECT count(*) AS n FROM families')).toBe(10)
      } finally {
        await ws.cleanup()
      }
    })

    it('cannot reach it without the CA (the certificate is not trusted)', async () => {
      const ws = await bareWorkstation()
      try {
        const e = await ws.engine.enrol(proxy.url, await portal.createEnrolmentCode('Guichet sans CA')).catch((error: unknown) => error)
        expect(e).toBeInstanceOf(DomainError)
        expect((e as DomainError).code).toBe('PORTAL_UNREACHABLE')
        expect(ws.engine.status().enrolled).toBe(false)
      } finally {
        await ws.cleanup()
      }
    })
  })
})

describe('a workstation restored from a backup (SEQ_CONFLICT)', () => {
  let portal: Portal & { cleanup: () => Promise<void> }
  beforeAll(async () => {
    portal = await startTestPortal({ families: 10, seed: 5 })
  })
  afterAll(async () => {
    await portal?.cleanup()
  })

  it('stops pushing, keeps and lists its unsent changes, and sends them once enrolled again', async () => {
    let ws = await openWorkstation(portal, { name: 'Guichet sauvegardé' })
    const dir = ws.dir
    const backup = join(mkdtempSync(join(tmpdir(), 'guichet-backup-')), DATABASE_FILE)
    try {
      const first = await book(ws)
      await ws.drain()
      await ws.core.sqlite.backup(backup) // the nightly backup
      const lost = [await book(ws, 1), await book(ws, 2)]
      await ws.drain() // the portal applied seqs 2 and 3
      // The disk dies; the workstation is restored from last night's backup.
      await ws.close()
      for (const suffix of ['', '-wal', '-shm']) rmSync(join(dir, `${DATABASE_FILE}${suffix}`), { force: true })
      cpSync(backup, join(dir, DATABASE_FILE))
      ws = await openWorkstation(portal, { name: 'Guichet restauré', dir, enrol: false })
      loginAsPortalAgent(ws)
      expect(booked(ws, first)).toBe(1)
      for (const id of lost) expect(booked(ws, id)).toBe(0)

      // The agents work on: these changes take seqs the portal already holds for other commands.
      const unsent = [await book(ws, 3), await book(ws, 4)]
      const before = outbox(ws)
      const status = await ws.sync()
      expect(status.restored).toMatchObject({ lastAppliedSeq: 3 })
      expect(status.restored?.lastCommandId).toMatch(/^[0-9a-f-]{36}$/)
      expect(status).toMatchObject({ state: 'error', pending: 2 })
      expect(status.lastError).toMatch(/Ce poste a été restauré depuis une sauvegarde : il doit être enrôlé à nouveau/)
      // Nothing dropped, nothing changed.
      expect(outbox(ws)).toEqual(before)
      for (const id of unsent) expect(booked(ws, id)).toBe(1)

      // Listed for an agent: what, when, who.
      const pending = expectOk(await ws.call<{ items: PendingView[]; total: number }>('sync', 'pending', {}))
      expect(pending.total).toBe(2)
      expect(pending.items.map((p) => p.description)).toEqual([
        expect.stringMatching(/^Réservation .* pour /),
        expect.stringMatching(/^Réservation .* pour /),
      ])
      for (const p of pending.items) {
        expect(p.agentName).toBeTruthy()
        expect(p.at).toMatch(/^2026-11-16T/)
        expect(p.familyName).toBeTruthy()
      }

      // It does not push any more, even after a restart.
      const pushes = () => ws.faults.calls.filter((c) => c.path.endsWith('/sync/push')).length
      const pushed = pushes()
      await ws.restart()
      loginAsPortalAgent(ws)
      const again = await ws.sync()
      expect(again.restored).not.toBeNull()
      expect(pushes()).toBe(pushed)

      // Enrolled again: a new identity; the unsent changes go to the portal from its seq 1.
      const enrolled = await ws.engine.enrol(portal.url, await portal.createEnrolmentCode('Guichet restauré'))
      expect(enrolled.restored).toBeNull()
      await ws.drain()
      expect(ws.engine.status()).toMatchObject({ pending: 0, restored: null, lastError: null })
      expect(outbox(ws).filter((r) => r.status !== 'applied')).toEqual([])

      // A new workstation sees everything the portal holds: the lost changes and the unsent ones.
      const check = await openWorkstation(portal, { name: 'Guichet témoin' })
      try {
        for (const id of [first, ...lost, ...unsent]) expect(booked(check, id)).toBe(1)
        for (const id of [...lost, ...unsent]) expect(booked(ws, id)).toBe(1)
      } finally {
        await check.cleanup()
      }
    } finally {
      await ws.cleanup()
      rmSync(join(backup, '..'), { recursive: true, force: true })
    }
  })
})

/**
 * A portal that can be stopped, backed up and restored: PGlite's folder copied, or (PostgreSQL)
 * a database copied with CREATE DATABASE … TEMPLATE. It keeps its port, so workstations keep
 * its address.
 */
async function restorablePortal() {
  const root = mkdtempSync(join(tmpdir(), 'guichet-portal-restore-'))
  const server = process.env.DATABASE_URL ?? null
  const databases: string[] = []
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: server! })
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  const urlOf = (name: string) => {
    const u = new URL(server!)
    u.pathname = `/${name}`
    return u.toString()
  }
  const newName = () => `guichet_restore_${process.pid}_${Math.random().toString(16).slice(2, 10)}`
  let db = server ? newName() : null
  if (db) {
    await admin(`CREATE DATABASE ${db}`)
    databases.push(db)
  }
  let dataDir = join(root, 'live')
  let port = 0
  let running: RunningPortal
  const start = async () => {
    running = await startPortal({
      dataDir,
      now: testClock(),
      port,
      host: '127.0.0.1',
      log: false,
      snapshotDebounceMs: 200,
      ...(db ? { databaseUrl: urlOf(db) } : {}),
    })
    port = running.port
  }
  await start()
  await running!.seedDemo({ families: 10, seed: 9 })
  const portal = {
    get url() {
      return running.url
    },
    createEnrolmentCode: (name: string) => running.createEnrolmentCode(name),
    /** Stops the portal, copies its storage aside, starts it again. Returns the backup's name. */
    async backup(): Promise<{ dir: string; db: string | null }> {
      await running.close()
      const copy = { dir: join(root, `backup-${Date.now()}`), db: db ? newName() : null }
      cpSync(dataDir, copy.dir, { recursive: true })
      if (copy.db) {
        await admin(`CREATE DATABASE ${copy.db} TEMPLATE ${db}`)
        databases.push(copy.db)
      }
      await start()
      return copy
    },
    /** Stops the portal and starts it again on the backup (same port). */
    async restore(copy: { dir: string; db: string | null }): Promise<void> {
      await running.close()
      dataDir = copy.dir
      db = copy.db
      await start()
    },
    async cleanup() {
      await running.close()
      for (const name of databases) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      rmSync(root, { recursive: true, force: true })
    },
  }
  return portal
}

describe('a portal restored from a backup (CURSOR_AHEAD)', () => {
  it('the workstations send again what it lost, bootstrap again keeping their outbox, and converge', async () => {
    const portal = await restorablePortal()
    const asPortal = portal as unknown as Portal
    const a = await openWorkstation(asPortal, { name: 'Guichet A' })
    const b = await openWorkstation(asPortal, { name: 'Guichet B' })
    const gone = await openWorkstation(asPortal, { name: 'Guichet D' })
    try {
      const copy = await portal.backup()
      // After the backup: B books (the portal applies and A pulls it), and so does D, whose
      // disk dies with the portal's: what D booked is lost for good.
      const fromB = [await book(b, 0), await book(b, 1), await book(b, 2), await book(b, 3)]
      await b.drain()
      const fromD = await book(gone, 6)
      await gone.drain()
      await gone.cleanup()
      await a.drain()
      for (const id of [...fromB, fromD]) expect(booked(a, id)).toBe(1)
      const cursorBefore = a.engine.cursor()

      // The portal's disk dies: it is restored from the backup. B's bookings are gone from it.
      await portal.restore(copy)

      // A's pull meets CURSOR_AHEAD; while it bootstraps again an agent books at A, and the
      // first snapshot request fails: the status says why the town is downloaded again.
      let atA = ''
      a.faults.inject(/\/sync\/pull/, {
        beforeAnswer: async () => {
          atA = await book(a, 5)
        },
      })
      a.faults.inject(/\/sync\/snapshot$/, 'status-500')
      const during = await a.sync()
      expect(during.portalRestoredAt).toMatch(/^2026-11-16T/)
      expect(during.state).toBe('error')
      expect(booked(a, atA)).toBe(1)
      expect(outbox(a).filter((r) => r.status === 'pending')).toHaveLength(0) // sent first, not dropped
      const after = await a.sync()
      expect(after).toMatchObject({ state: 'idle', lastError: null, portalRestoredAt: null })
      expect(a.engine.cursor()).toBeLessThan(cursorBefore + 100)
      expect(booked(a, atA)).toBe(1)

      // B meets it too: it sends its lost bookings again, then bootstraps.
      await b.drain()
      await a.drain()
      expect(b.engine.status().portalRestoredAt).toBeNull()
      for (const id of fromB) {
        expect(booked(b, id)).toBe(1)
        expect(booked(a, id)).toBe(1)
      }
      expect(booked(b, atA)).toBe(1)
      // What the portal lost for good is not kept on the workstations either.
      expect(booked(a, fromD)).toBe(0)
      expect(booked(b, fromD)).toBe(0)
      // Everyone holds what the restored portal holds (a new workstation bootstraps from it).
      const c = await openWorkstation(asPortal, { name: 'Guichet C' })
      try {
        expect(sharedTables(a.core.sqlite)).toEqual(sharedTables(c.core.sqlite))
        expect(sharedTables(b.core.sqlite)).toEqual(sharedTables(c.core.sqlite))
      } finally {
        await c.cleanup()
      }
    } finally {
      await a.cleanup()
      await b.cleanup()
      await portal.cleanup()
    }
  }, 240_000) // three starts of a PGlite portal on a busy machine
})
