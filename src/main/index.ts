// Electron entry: lifecycle and wiring only. Everything testable lives in ./shell (Electron
// glue, unit-tested with a mocked electron) and ./core (no electron, tested under Node).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, session as electronSession } from 'electron'
import { createCore } from './core'
import { databaseFile } from './core/paths'
import type { CoreApi, Session } from './core/types'
import { createSenderCheck, registerContractIpc } from './shell/ipc'
import { electronNativeBindingPath } from './shell/native.mjs'
import { originOf } from './shell/origin'
import { APP_ENTRY_URL, APP_ORIGIN, installAppProtocol, registerAppScheme } from './shell/protocol'
import { installAppWideGuards, lockDownSession } from './shell/security'
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
let core: CoreApi | null = null
let session: Session | null = null

function fatal(title: string, message: string): void {
  dialog.showErrorBox(title, message)
  app.exit(1)
}

function migrationsFolder(): string {
  return app.isPackaged ? join(process.resourcesPath, 'migrations') : join(app.getAppPath(), 'resources', 'migrations')
}

/** A positive integer from the environment, else undefined. */
function envInt(name: string): number | undefined {
  const value = Number(process.env[name])
  return Number.isInteger(value) && value > 0 ? value : undefined
}

/**
 * Same environment knobs as the web shell: GUICHET_NO_DEMO=1, GUICHET_DEMO_FAMILIES (demo
 * town size on a first start, 600), GUICHET_IDLE_LOCK_SECONDS, GUICHET_WORKSTATION_NAME.
 */
async function openCore(): Promise<CoreApi> {
  const nativeBinding = electronNativeBindingPath(app.getAppPath(), process.versions.electron)
  const firstStart = !existsSync(databaseFile(dataDir))
  const idleLockSeconds = envInt('GUICHET_IDLE_LOCK_SECONDS')
  return createCore({
    dataDir,
    migrationsFolder: migrationsFolder(),
    // Packaged apps carry a better-sqlite3 rebuilt for Electron in node_modules instead.
    ...(existsSync(nativeBinding) ? { nativeBinding } : {}),
    demo: firstStart && process.env.GUICHET_NO_DEMO !== '1' ? { families: envInt('GUICHET_DEMO_FAMILIES') ?? 600 } : false,
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

async function start(): Promise<void> {
  Menu.setApplicationMenu(null)
  lockDownSession(electronSession.defaultSession)
  if (!devRendererUrl) installAppProtocol(join(__dirname, '../renderer'))

  try {
    core = await openCore()
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
      ? '\n\nLe module natif better-sqlite3 n’est pas construit pour Electron : lancez « npm start » ou « node scripts/electron-native.mjs ».'
      : ''
    fatal(`${APP_NAME} ne peut pas démarrer`, `Impossible d’ouvrir les données du guichet (${dataDir}).\n\n${message}${hint}`)
    return
  }
  session = core.openSession()
  registerContractIpc(
    ipcMain,
    core,
    () => session,
    createSenderCheck(() => mainWindow, appOrigin),
  )
  mainWindow = createMainWindow()
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
  app.on('will-quit', () => {
    if (core && session) core.closeSession(session)
    core?.close()
    session = null
    core = null
  })
  app.whenReady().then(start).catch((error: unknown) => {
    fatal(`${APP_NAME} ne peut pas démarrer`, error instanceof Error ? error.message : String(error))
  })
}
