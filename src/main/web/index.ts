import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { databaseFile, defaultDataDir } from '../core/paths'
import { startWebShell } from './shell'
import { safeErrorMessage, scrubText } from '../../common/redact'

/**
 * `npm run start:web`: the same core and renderer as the Electron app, served to a browser on
 * 127.0.0.1 only. This process runs the HTTP server only; the core runs in a child process
 * (out/main/host.js) and the embedded demo portal in another (out/main/portal.js).
 * Environment: GUICHET_DATA_DIR, GUICHET_WEB_PORT (default 5174, 0 = any free port),
 * GUICHET_DEMO_FAMILIES (demo town size on first start, 600), GUICHET_NO_DEMO=1,
 * GUICHET_IDLE_LOCK_SECONDS; the portal: GUICHET_PORTAL_URL (a real portal, GUICHET_ENROL_CODE
 * to enrol automatically), else an embedded demo portal unless GUICHET_PORTAL=off (then the
 * workstation generates its own demo town, as before).
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
  const firstStart = !existsSync(databaseFile(dataDir))
  const wanted = Number(process.env.GUICHET_WEB_PORT ?? 5174)
  const shell = await startWebShell({
    config: {
      dataDir,
      migrationsFolder,
      portalEntry: join(__dirname, 'portal.js'),
      portalMigrationsFolder: process.env.GUICHET_PORTAL_MIGRATIONS_DIR ?? join(root, 'resources/portal-migrations'),
      // First start: the town arrives from the portal before the counter opens.
      awaitFirstSync: true,
    },
    hostEntry: join(__dirname, 'host.js'),
    rendererDir,
    port: Number.isInteger(wanted) ? wanted : 5174,
  })
  if (firstStart) console.log(`Données : ${dataDir}`)
  console.log(`Guichet Famille (shell web) : ouvrez ${shell.address}/?token=${shell.token}`)
  shell.host.onState((state) => {
    if (state === 'ready') {
      const url = shell.host.portalUrl()
      console.log(`Cœur prêt${url ? ` ; portail : ${url}` : ''}`)
    } else if (state === 'failed') {
      console.error(`Le cœur du guichet ne peut pas démarrer : ${scrubText(shell.host.lastError() ?? '')}`)
      void shell.stop().finally(() => process.exit(1))
    }
  })

  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await shell.stop()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error: unknown) => {
  console.error(safeErrorMessage(error))
  process.exit(1)
})
