import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createCore } from '../core'
import { databaseFile, defaultDataDir } from '../core/paths'
import { FileTokenStore } from '../core/sync/token'
import { startWorkstation, type StartPortal } from '../core/sync/workstation'
import { createWebServer } from './server'

/** The embedded demo portal, loaded only when this start runs one. */
function embeddedPortal(root: string, workstationMigrations: string): StartPortal {
  return async (opts) => {
    const { startPortal } = await import('../../portal')
    return startPortal({
      ...opts,
      migrationsFolder: process.env.GUICHET_PORTAL_MIGRATIONS_DIR ?? join(root, 'resources/portal-migrations'),
      workstationMigrationsFolder: workstationMigrations,
    })
  }
}

/**
 * `npm run start:web`: the same core and renderer as the Electron app, served to a
 * browser on 127.0.0.1 only. Environment: GUICHET_DATA_DIR, GUICHET_WEB_PORT (default
 * 5174, 0 = any free port), GUICHET_DEMO_FAMILIES (demo town size on first start, 600),
 * GUICHET_NO_DEMO=1, GUICHET_IDLE_LOCK_SECONDS; the portal: GUICHET_PORTAL_URL (a real
 * portal, GUICHET_ENROL_CODE to enrol automatically), else an embedded demo portal unless
 * GUICHET_PORTAL=off (then the workstation generates its own demo town, as before).
 */
async function main(): Promise<void> {
  const root = resolve(__dirname, '../..')
  const dataDir = defaultDataDir()
  const migrationsFolder = process.env.GUICHET_MIGRATIONS_DIR ?? join(root, 'resources/migrations')
  const rendererDir = join(root, 'out/renderer')
  if (!existsSync(join(rendererDir, 'index.html'))) {
    console.error(`Le renderer n'est pas construit (${rendererDir}) : lancez « npm run build ».`)
    process.exit(1)
  }
  const families = Number(process.env.GUICHET_DEMO_FAMILIES ?? 600)
  const idle = Number(process.env.GUICHET_IDLE_LOCK_SECONDS ?? 0)
  const firstStart = !existsSync(databaseFile(dataDir))
  // With a portal, the town comes from the portal (bootstrap); without one, the local demo town.
  const localDemo = process.env.GUICHET_PORTAL === 'off' && process.env.GUICHET_NO_DEMO !== '1'
  const core = await createCore({
    dataDir,
    migrationsFolder,
    demo: localDemo ? { families: Number.isInteger(families) && families > 0 ? families : 600 } : false,
    idleLockSeconds: Number.isInteger(idle) && idle > 0 ? idle : undefined,
    workstationName: process.env.GUICHET_WORKSTATION_NAME,
  })
  const workstation = await startWorkstation({
    core,
    dataDir,
    env: process.env,
    tokenStore: new FileTokenStore(dataDir, (line) => console.error(line)),
    log: (line) => console.error(line),
    startPortal: embeddedPortal(root, migrationsFolder),
  })
  if (workstation.portalUrl) {
    console.log(`Portail : ${workstation.portalUrl}${workstation.portal ? ' (portail de démonstration intégré)' : ''}`)
  }
  if (firstStart && workstation.engine.status().enrolled) {
    // First start: the town arrives from the portal before the counter opens.
    const status = await workstation.engine.syncNow()
    if (status.lastError) console.error(`[sync] ${status.lastError}`)
  }
  const token = randomBytes(24).toString('base64url')
  const app = createWebServer({ core, rendererDir, token, log: (l) => console.error(l) })
  const wanted = Number(process.env.GUICHET_WEB_PORT ?? 5174)
  let address: string
  try {
    address = await app.listen({ host: '127.0.0.1', port: Number.isInteger(wanted) ? wanted : 5174 })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    address = await app.listen({ host: '127.0.0.1', port: 0 })
  }
  if (firstStart) console.log(`Données : ${dataDir}`)
  console.log(`Guichet Famille (shell web) : ouvrez ${address}/?token=${token}`)

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await app.close()
    await workstation.stop()
    core.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
