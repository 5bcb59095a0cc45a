import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { clockFromEnv } from '@shared/clock'
import { parisDay } from '@shared/domain/dates'
import type { FastifyInstance } from 'fastify'
import { openPortalDb, type PortalDb } from './db/client'
import { safeErrorInfo } from './http/errors'
import type { PortalContext } from './http/route'
import { buildServer, type ServerOptions } from './http/server'
import { openPayments, type PaymentsMode } from './payments'
import { seedDemo, type SeedDemoOptions, type SeedDemoResult } from './services/demo'
import { SimulatedMailer, type Mailer } from './services/mailer'
import { DEFAULT_COMPACTION_INTERVAL_MS, scheduleCompaction } from './services/compaction'
import { SnapshotManager } from './services/snapshots'
import { seedTownDefaults } from './services/town-defaults'
import { createEnrolmentCode } from './services/workstations'

/**
 * The central portal of Guichet Famille, as a library (the CLI, the workstation's demo mode
 * and the tests start it with `startPortal`).
 */

export interface StartPortalOptions {
  /** Data folder (PGlite's files, the snapshot builder's work folder). Default: PORTAL_DATA_DIR or ./.data/portal. */
  dataDir?: string
  /** postgres://… : use this PostgreSQL server instead of PGlite (default: none, even if DATABASE_URL is set). */
  databaseUrl?: string
  /** postgres://… straight to PostgreSQL for migrations and start-up checks, when databaseUrl goes through PgBouncer (default: databaseUrl). */
  directDatabaseUrl?: string
  /** Connections of this instance's pool (default PORTAL_POOL_SIZE, else 10). */
  poolSize?: number
  /** 0 = a free port (default 8740). */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  /** false (default): silent; true or a level: JSON logs on stdout. */
  log?: ServerOptions['log']
  /** Quiet period before a snapshot is rebuilt after changes (default 2000 ms). */
  snapshotDebounceMs?: number
  /** How long a bootstrap waits for a snapshot another instance is building before a 503 (default 120 s). */
  snapshotWaitMs?: number
  /** Chunk size of the snapshots this instance stores (default 1 MiB; tests use small ones). */
  snapshotChunkBytes?: number
  /** Oldest workstation schema version served (default: MIN_SCHEMA_VERSION); older ones are told to update (426). */
  minSchemaVersion?: number
  migrationsFolder?: string
  /** The portal's clock (default: PORTAL_CLOCK from `env` when set, see src/shared/clock.ts, else the system clock). */
  now?: () => Date
  /** Reverse proxy hops to trust for the client's address (default false: the TCP peer). See ServerOptions. */
  trustProxy?: ServerOptions['trustProxy']
  /**
   * Online payment's provider (docs/payments.md). 'simulated': the simulated provider (demo and
   * tests; the CLI sets it from PORTAL_PAYMENTS=simulated). Default: off, its routes answer 404.
   */
  payments?: PaymentsMode
  /** HMAC secret shared with the provider (PORTAL_PAYMENTS_SECRET); default: generated once in the data folder. */
  paymentsSecret?: string
  /** The portal's URL as families' browsers reach it (PORTAL_PUBLIC_URL, behind a proxy); default: its own URL. */
  publicUrl?: string
  /** Where the provider sends the family back after paying (PORTAL_PAYMENTS_RETURN_URL); default: no link. */
  paymentsReturnUrl?: string
  /** Where PORTAL_CLOCK is read (default process.env). */
  env?: Record<string, string | undefined>
  /** How e-mail leaves the portal (a town's SMTP relay); default: a SimulatedMailer (messages kept in memory, one log line each). */
  mailer?: Mailer
  /** Change-log compaction every this many ms (default 10 min; 0: never). See services/compaction.ts. */
  compactionIntervalMs?: number
  /** Changes older than this many days no longer hold the compaction horizon back (default 30). */
  changeRetentionDays?: number
}

export interface RunningPortal {
  /** This process's id among the portal's instances (random at start): the holder of the leases it takes. */
  instanceId: string
  /** What the start did to the PostgreSQL role's timeouts (null on PGlite; see ROLE_SETTINGS in db/client.ts). */
  roleSettings: 'set' | 'unchanged' | 'not-allowed' | null
  /** e.g. "http://127.0.0.1:8740" (no trailing slash; the API is under /api/v1). */
  url: string
  port: number
  db: PortalDb
  driver: 'pglite' | 'postgres'
  dataDir: string
  app: FastifyInstance
  snapshots: SnapshotManager
  /** Stops accepting requests, waits for the ones in progress and the snapshot build, closes the database. */
  close(): Promise<void>
  /** A one-time enrolment code for a workstation (valid 24 h). */
  createEnrolmentCode(name: string): Promise<string>
  /** Adds the demo town (and the demo agents) through the change log. */
  seedDemo(opts: SeedDemoOptions): Promise<SeedDemoResult>
  /** The portal's mailer (the simulated one unless `mailer` was given: see simulatedMails). */
  mailer: Mailer
}

export const DEFAULT_PORTAL_PORT = 8740

export async function startPortal(opts: StartPortalOptions = {}): Promise<RunningPortal> {
  // PORTAL_CLOCK (tests, e2e): a clock starting at that instant; a bad value throws before anything opens.
  const now = opts.now ?? clockFromEnv(opts.env ?? process.env, 'PORTAL_CLOCK').clock
  const instanceId = randomUUID()
  const database = await openPortalDb({
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
    ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.directDatabaseUrl !== undefined ? { directDatabaseUrl: opts.directDatabaseUrl } : {}),
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
    ...(opts.migrationsFolder !== undefined ? { migrationsFolder: opts.migrationsFolder } : {}),
  })
  let app: FastifyInstance | null = null
  let snapshots: SnapshotManager | null = null
  try {
    const logRef: { app: FastifyInstance | null } = { app: null }
    snapshots = new SnapshotManager(database.db, join(database.dataDir, 'snapshots', database.databaseId), {
      instanceId,
      ...(opts.snapshotDebounceMs !== undefined ? { debounceMs: opts.snapshotDebounceMs } : {}),
      ...(opts.snapshotWaitMs !== undefined ? { waitMs: opts.snapshotWaitMs } : {}),
      ...(opts.snapshotChunkBytes !== undefined ? { chunkBytes: opts.snapshotChunkBytes } : {}),
      onError: (error) => logRef.app?.log.error({ err: safeErrorInfo(error) }, 'instantané : échec de la construction'),
      onBuilt: (s, ms) => logRef.app?.log.info({ seq: s.seq, rows: s.rows, bytes: s.bytes, ms: Math.round(ms) }, 'instantané construit'),
    })
    // Snapshots live in the database (every instance serves them); one lagging the change log
    // (changes made by another instance, or while stopped) is rebuilt soon.
    await snapshots.init()
    // The default town data (document requirements and types, town options), once. After init:
    // a new portal builds its first snapshot on demand (with the whole town), not from these rows alone.
    const seeded = await seedTownDefaults(database.db)
    if (seeded.rows > 0 && (await snapshots.latest())) snapshots.changed()
    const snap = snapshots
    const payments = openPayments({
      mode: opts.payments,
      secret: opts.paymentsSecret,
      dataDir: database.dataDir,
      publicUrl: opts.publicUrl,
      returnUrl: opts.paymentsReturnUrl,
    })
    const mailer = opts.mailer ?? new SimulatedMailer({ log: (line) => logRef.app?.log.info(line) })
    let ownUrl = ''
    const ctx: PortalContext = {
      db: database.db,
      snapshots: snap,
      changed: () => snap.changed(),
      now,
      mailer,
      publicUrl: () => opts.publicUrl ?? ownUrl,
      ...(opts.minSchemaVersion !== undefined ? { minSchemaVersion: opts.minSchemaVersion } : {}),
      ...(payments ? { payments } : {}),
    }
    const server = buildServer(ctx, { log: opts.log ?? false, ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}) })
    app = server.app
    logRef.app = app
    if (database.roleSettings === 'not-allowed') {
      app.log.warn('réglages du rôle PostgreSQL non appliqués (droits insuffisants) : voir docs/sync-protocol.md « Concurrent writes »')
    }
    await app.listen({ port: opts.port ?? DEFAULT_PORTAL_PORT, host: opts.host ?? '127.0.0.1' })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : (opts.port ?? DEFAULT_PORTAL_PORT)
    const host = opts.host ?? '127.0.0.1'
    const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
    ownUrl = `http://${urlHost}:${port}`
    payments?.setOwnUrl(ownUrl)
    const compaction = scheduleCompaction(database.db, {
      intervalMs: opts.compactionIntervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS,
      ...(opts.changeRetentionDays !== undefined ? { retentionDays: opts.changeRetentionDays } : {}),
      holder: instanceId,
      now,
      onDone: (r) => {
        if (r.deleted > 0) app?.log.info({ horizon: r.horizon, deleted: r.deleted, batches: r.batches, ms: Math.round(r.ms) }, 'journal des changements compacté')
      },
      onError: (error) => app?.log.error({ err: safeErrorInfo(error) }, 'journal des changements : échec du compactage'),
    })
    let closing: Promise<void> | null = null
    const running: RunningPortal = {
      instanceId,
      roleSettings: database.roleSettings,
      url: `http://${urlHost}:${port}`,
      port,
      db: database.db,
      driver: database.driver,
      dataDir: database.dataDir,
      app,
      snapshots: snap,
      mailer,
      close: () => {
        closing ??= (async () => {
          try {
            await compaction.stop()
            await server.app.close()
            await snap.close()
          } finally {
            await database.close()
          }
        })()
        return closing
      },
      createEnrolmentCode: async (name) => (await createEnrolmentCode(database.db, name, now())).code,
      seedDemo: async (seedOpts) => {
        const result = await seedDemo(database.db, {
          today: parisDay(now()),
          ...seedOpts,
        })
        snap.changed()
        return result
      },
    }
    return running
  } catch (error) {
    await app?.close().catch(() => undefined)
    await snapshots?.close().catch(() => undefined)
    await database.close().catch(() => undefined)
    throw error
  }
}

export { openPortalDb, type PortalDb } from './db/client'
export { buildServer } from './http/server'
export type { SeedDemoOptions, SeedDemoResult } from './services/demo'
export { SimulatedMailer, simulatedMails, type Mailer, type MailMessage } from './services/mailer'
