// Electron entry: lifecycle and wiring only. Everything testable lives in ./shell (Electron
// glue, unit-tested with a mocked electron) and ./core (no electron, tested under Node).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, session as electronSession } from 'electron'
import { createCore, type Core } from './core'
import { databaseFile } from './core/paths'
import { startWorkstation, type StartPortal, type Workstation } from './core/sync/workstation'
import type { Session } from './core/types'
import { createSenderCheck, registerContractIpc } from './shell/ipc'
import { electronNativeBindingPath } from './shell/native.mjs'
import { originOf } from './shell/origin'
import { APP_ENTRY_URL, APP_ORIGIN, installAppProtocol, registerAppScheme } from './shell/protocol'
import { installAppWideGuards, lockDownSession } from './shell/security'
import { SafeStorageTokenStore } from './shell/token-store'
import { mainWindowOptions } from './shell/window'

const APP_NAME = 'Guichet Famille'

// electron-vite dev serves the renderer over HTTP; a packaged app never honours that variable.
const devRendererUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined
const appOrigin = (devRendererUrl && originOf(devRendererUrl)) || APP_ORIGIN

// Before `ready`: name, data folder (Chromium's profile and the database share it, and the
// single-instance lock lives there, so GUICHET_DATA_DIR also isolates a test instance),
// privileged scheme, sandbox for every renderer, app-wide navigation guards.
app.setName(APP_NAME)
const dataDir = process.env.GUICHET_DATA_DIR
  ? resolve(process.env.GUICHET_DATA_DIR)
  : join(app.getPath('appData'), APP_NAME)
app.setPath('userData', dataDir)
registerAppScheme()
app.enableSandbox()
installAppWideGuards(app, appOrigin)

let mainWindow: BrowserWindow | null = null
let core: Core | null = null
let session: Session | null = null
/** The sync engine and, unless GUICHET_PORTAL_URL or GUICHET_PORTAL=off, the embedded demo portal. */
let workstation: Promise<Workstation | null> = Promise.resolve(null)
/** Set by the first will-quit: the shutdown below runs once. */
let quitting = false
/** Longest wait at quit for the sync engine (a round, a bootstrap in progress) and the embedded portal. */
const STOP_DEADLINE_MS = 10_000

function fatal(title: string, message: string): void {
  dialog.showErrorBox(title, message)
  app.exit(1)
}

function migrationsFolder(): string {
  return app.isPackaged ? join(process.resourcesPath, 'migrations') : join(app.getAppPath(), 'resources', 'migrations')
}

function portalMigrationsFolder(): string {
  return app.isPackaged
    ? join(process.resourcesPath, 'portal-migrations')
    : join(app.getAppPath(), 'resources', 'portal-migrations')
}

/** The embedded demo portal, loaded only when this start runs one (PGlite and Fastify stay unloaded otherwise). */
const startPortal: StartPortal = async (opts) => {
  const portal = await import('../portal')
  return portal.startPortal({
    ...opts,
    migrationsFolder: portalMigrationsFolder(),
    workstationMigrationsFolder: migrationsFolder(),
  })
}

/** A positive integer from the environment, else undefined. */
function envInt(name: string): number | undefined {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : undefined
}

/**
 * Same environment knobs as the web shell: GUICHET_NO_DEMO=1, GUICHET_DEMO_FAMILIES (demo
 * town size on a first start, 600), GUICHET_IDLE_LOCK_SECONDS, GUICHET_WORKSTATION_NAME; the
 * portal (src/main/core/sync/workstation.ts): GUICHET_PORTAL_URL (+ GUICHET_ENROL_CODE), else
 * the embedded demo portal, unless GUICHET_PORTAL=off.
 */
async function openCore(): Promise<Core> {
  const nativeBinding = electronNativeBindingPath(app.getAppPath(), process.versions.electron)
  const firstStart = !existsSync(databaseFile(dataDir))
  const idleLockSeconds = envInt('GUICHET_IDLE_LOCK_SECONDS')
  // With a portal, the town comes from the portal (bootstrap); without one, the local demo town.
  const localDemo = firstStart && process.env.GUICHET_PORTAL === 'off' && process.env.GUICHET_NO_DEMO !== '1'
  return createCore({
    dataDir,
    migrationsFolder: migrationsFolder(),
    // Packaged apps carry a better-sqlite3 rebuilt for Electron in node_modules instead.
    ...(existsSync(nativeBinding) ? { nativeBinding } : {}),
    demo: localDemo ? { families: envInt('GUICHET_DEMO_FAMILIES') ?? 600 } : false,
    ...(idleLockSeconds ? { idleLockSeconds } : {}),
    ...(process.env.GUICHET_WORKSTATION_NAME ? { workstationName: process.env.GUICHET_WORKSTATION_NAME } : {}),
    log: (line) => console.log(line),
  })
}

function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(join(__dirname, '../preload/index.js')))
  win.once('ready-to-show', () => win.show())
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null
  })
  void (devRendererUrl ? win.loadURL(devRendererUrl) : win.loadURL(APP_ENTRY_URL))
  return win
}

/**
 * Connects the workstation to its portal (src/main/core/sync/workstation.ts): the sync engine,
 * and the embedded demo portal when this start runs one (seeded and enrolled on a first start).
 * The first bootstrap of the town runs in the background: the status bar shows its progress.
 * Never throws: without a portal (the embedded one cannot start, the enrolment fails…) the
 * counter keeps working offline and the status bar says "Non relié au portail".
 */
async function connectWorkstation(opened: Core): Promise<Workstation | null> {
  try {
    const ws = await startWorkstation({
      core: opened,
      dataDir,
      env: process.env,
      tokenStore: new SafeStorageTokenStore(dataDir),
      log: (line) => console.log(line),
      startPortal,
    })
    if (ws.portalUrl) console.log(`[sync] portail : ${ws.portalUrl}${ws.portal ? ' (portail de démonstration intégré)' : ''}`)
    return ws
  } catch (error) {
    console.error(`[sync] pas de portail, le poste travaille hors ligne : ${error instanceof Error ? error.message : String(error)}`)
    return null
  }
}

async function start(): Promise<void> {
  Menu.setApplicationMenu(null)
  lockDownSession(electronSession.defaultSession)
  if (!devRendererUrl) installAppProtocol(join(__dirname, '../renderer'))

  let opened: Core
  try {
    opened = await openCore()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
      ? '\n\nLe module natif better-sqlite3 n’est pas construit pour Electron : lancez « npm start » ou « node scripts/electron-native.mjs ».'
      : ''
    fatal(`${APP_NAME} ne peut pas démarrer`, `Impossible d’ouvrir les données du guichet (${dataDir}).\n\n${message}${hint}`)
    return
  }
  core = opened
  session = opened.openSession()
  registerContractIpc(
    ipcMain,
    opened,
    () => session,
    createSenderCheck(() => mainWindow, appOrigin),
  )
  // The portal is started (and, on a first start, seeded and the workstation enrolled) before
  // the window, so that the login screen already knows the demo agents; the bootstrap is not
  // awaited.
  workstation = connectWorkstation(opened)
  await workstation
  if (quitting) return
  mainWindow = createMainWindow()
}

/** Stops the sync engine and the embedded portal, then closes the session and the core, then exits. */
async function shutdown(): Promise<void> {
  let deadline: NodeJS.Timeout | undefined
  try {
    const stopped = (async () => {
      const ws = await workstation
      await ws?.stop()
      return true
    })()
    const late = new Promise<false>((resolve) => {
      deadline = setTimeout(() => resolve(false), STOP_DEADLINE_MS)
    })
    if (!(await Promise.race([stopped, late]))) {
      console.error(`[sync] arrêt de la synchronisation trop long (${STOP_DEADLINE_MS / 1000} s) : fermeture quand même, elle reprendra au prochain démarrage`)
    }
  } catch (error) {
    console.error(`[sync] arrêt : ${error instanceof Error ? error.message : String(error)}`)
  } finally {
    clearTimeout(deadline)
  }
  try {
    if (core && session) core.closeSession(session)
    core?.close()
  } catch (error) {
    console.error(`[core] fermeture : ${error instanceof Error ? error.message : String(error)}`)
  }
  session = null
  core = null
  app.exit(0)
}

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })
  // One counter window: closing it quits, on every platform.
  app.on('window-all-closed', () => app.quit())
  // Quitting waits for the sync engine and the embedded portal; app.exit() (no second
  // will-quit) ends the process once everything is closed. A quit asked again meanwhile
  // is held too, so that the core is never closed under the engine.
  app.on('will-quit', (event) => {
    event.preventDefault()
    if (quitting) return
    quitting = true
    void shutdown()
  })
  app.whenReady().then(start).catch((error: unknown) => {
    fatal(`${APP_NAME} ne peut pas démarrer`, error instanceof Error ? error.message : String(error))
  })
}
