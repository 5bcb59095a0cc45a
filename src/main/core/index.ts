import { mkdirSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { setPdfFontsNextTo } from './services/pdf-fonts'
import { randomUUID } from 'node:crypto'
import { contract, type Result } from '@shared/contract'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { clockFromEnv } from '@shared/clock'
import { openDatabase, type Db } from './db/client'
import type Database from 'better-sqlite3'
import { databaseFile } from './paths'
import { createRouter } from './router'
import { handlers, DEMO_AGENTS } from './handlers'
import { loadSettings, saveSettings, type Settings } from './services/settings'
import { createAgent } from './services/agents'
import { CredentialVault } from './services/credentials'
import { TwoDDocReadings } from './services/twoddoc-readings'
import { createTwoDDocService } from './twoddoc/service'
import { ensureSearchIndex } from './services/search'
import { generateTown } from './demo/generate'
import { ensureTownDefaults } from './demo/town-defaults'
import type { CoreApi, CoreServices, Session, SyncService, TwoDDocCore } from './types'
import { createExclusive, type Exclusive } from './exclusive'
import { SqliteEntityStore } from './sync/store'
import { logCaptureSink } from '../../common/log-capture'
import { scrubText } from '../../common/redact'

export type { CoreApi, Session } from './types'

export interface CoreOptions {
  dataDir: string
  migrationsFolder: string
  /** better_sqlite3.node built for Electron's ABI (the Electron shell passes it). */
  nativeBinding?: string
  workstationName?: string
  /** Create the demo town (families, demo agents) when the database is new. */
  demo?: { families: number; seed?: number } | false
  /** Overrides the idle-lock delay stored in the settings (seconds). */
  idleLockSeconds?: number
  /** The core's clock (default: GUICHET_CLOCK from `env` when set, see src/shared/clock.ts, else the system clock). */
  now?: () => Date
  /** Where GUICHET_CLOCK is read (default process.env). */
  env?: Record<string, string | undefined>
  log?: (line: string) => void
  /** The 2D-Doc worker's file (default: next to the built core, or the source under tsx; see twoddoc/service.ts). */
  twoddocWorkerFile?: string
}

export interface Core extends CoreApi {
  readonly sqlite: Database.Database
  readonly db: Db
  readonly dataDir: string
  /** The clock every business timestamp of this core comes from. */
  readonly now: () => Date
  settings(): Settings
  /** Serialises write transactions (commands, sync applies). */
  readonly exclusive: Exclusive
  /** The shared tables (commands' driver, sync applier). */
  readonly store: SqliteEntityStore
  /** Plugs the sync engine in (created after the core, since it uses the core's database). */
  attachSync(sync: SyncService): void
  /** Re-reads the settings after something outside the router changed them (enrolment…). */
  reloadSettings(): Settings
  /** Synchronous variant of call() for plain queries (benchmarks). */
  callSync(session: Session, ns: string, method: string, input: unknown): Result<unknown>
}

/** GUICHET_CLOCK (tests, e2e): a clock starting at that instant; a bad value throws at startup. */
function coreClock(env: Record<string, string | undefined>, log: (line: string) => void): () => Date {
  const { clock, fixedAt } = clockFromEnv(env, 'GUICHET_CLOCK')
  if (fixedAt) log(`[core] horloge de test : GUICHET_CLOCK=${fixedAt.toISOString()} (avance avec le temps réel)`)
  return clock
}

/** Opens the workstation's database (migrating it), seeds the demo town if asked, and returns the core. */
export async function createCore(opts: CoreOptions): Promise<Core> {
  // Every line scrubbed of what looks like data (src/common/redact.ts); with a log capture (test runs), copied there too.
  const sink = opts.log ?? ((line: string) => console.log(line))
  const capture = logCaptureSink('core')
  const log = (line: string): void => {
    const safe = scrubText(line)
    capture?.(safe)
    sink(safe)
  }
  const now = opts.now ?? coreClock(opts.env ?? process.env, log)
  setPdfFontsNextTo(opts.migrationsFolder)
  mkdirSync(opts.dataDir, { recursive: true })
  const file = databaseFile(opts.dataDir)
  const isNew = !existsSync(file)
  const { sqlite, db, migration } = await openDatabase({
    file,
    migrationsFolder: opts.migrationsFolder,
    nativeBinding: opts.nativeBinding,
    now,
  })
  if (migration.backupFile) log(`[core] sauvegarde avant migration : ${migration.backupFile}`)
  const reindexed = ensureSearchIndex(sqlite)
  if (reindexed > 0) log(`[core] index de recherche reconstruit : ${reindexed} familles`)

  if (opts.workstationName) saveSettings(sqlite, { workstationName: opts.workstationName })
  if (opts.idleLockSeconds) saveSettings(sqlite, { idleLockSeconds: opts.idleLockSeconds })
  loadSettings(sqlite)

  if (isNew && opts.demo) {
    const started = Date.now()
    const today = parisDay(now())
    sqlite.transaction(() => {
      for (const agent of DEMO_AGENTS) createAgent(sqlite, agent)
      saveSettings(sqlite, { demo: true, townName: 'Carrières-sur-Seine' })
    })()
    const counts = generateTown(sqlite, {
      families: opts.demo.families,
      seed: opts.demo.seed ?? 1,
      today,
      schoolYear: schoolYearOf(today),
    })
    ensureTownDefaults(sqlite)
    log(`[core] ville de démonstration créée : ${counts.families} familles en ${Date.now() - started} ms`)
  }

  let settings = loadSettings(sqlite)
  const exclusive = createExclusive()
  const store = new SqliteEntityStore(sqlite)
  const vault = new CredentialVault(() => now().getTime())
  // Issue 13: the 2D-Doc reader runs in a worker thread (a PDF page takes 70–300 ms to rasterise).
  const twoddoc: TwoDDocCore = {
    service: createTwoDDocService(opts.twoddocWorkerFile ? { workerFile: opts.twoddocWorkerFile } : undefined),
    readings: new TwoDDocReadings(() => now().getTime()),
    // resources/migrations → resources (the shipped trust bundle: resources/2ddoc/trust-bundle.json).
    resourcesDir: join(opts.migrationsFolder, '..'),
    dataDir: opts.dataDir,
  }
  let services: CoreServices = { sync: null, credentials: vault, twoddoc }
  const router = createRouter({
    contract,
    handlers,
    sqlite,
    db,
    store,
    exclusive,
    services: () => services,
    settings: () => settings,
    now,
    log,
  })
  const sessions = new Set<Session>()

  return {
    sqlite,
    db,
    dataDir: opts.dataDir,
    now,
    settings: () => settings,
    openSession() {
      const session: Session = { id: randomUUID(), agentId: null, lastActivity: now().getTime() }
      sessions.add(session)
      return session
    },
    closeSession(session) {
      session.agentId = null
      sessions.delete(session)
    },
    exclusive,
    store,
    attachSync(sync) {
      services = { ...services, sync }
    },
    reloadSettings() {
      settings = loadSettings(sqlite)
      return settings
    },
    callSync(session, ns, method, input) {
      const result = router.call(session, ns, method, input)
      if (result instanceof Promise) throw new Error(`${ns}.${method} is not a plain query: use call()`)
      return result
    },
    async call(session, ns, method, input) {
      const result = await router.call(session, ns, method, input)
      if (result.ok && ns === 'settings') settings = loadSettings(sqlite)
      return result
    },
    close() {
      sessions.clear()
      vault.clear()
      twoddoc.readings.clear()
      // The worker ends on its own time; the core never waits for it (close() stays synchronous).
      twoddoc.service.close().catch(() => {})
      if (sqlite.open) sqlite.close()
    },
  }
}
