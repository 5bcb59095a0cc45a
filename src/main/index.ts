// Electron entry: lifecycle, windows and relaying only. The core (SQLite, scrypt, the sync
// engine) runs in a utilityProcess (./host/utility.ts), the embedded demo portal in a child of
// it (src/portal/child.ts); the window's preload talks to the core host through a MessagePort
// that this process only hands over (./shell/host-ports.ts). Everything testable lives in
// ./shell and ./host (unit-tested with a mocked electron) and ./core (tested under Node).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, session as electronSession, shell, utilityProcess, type MessagePortMain } from 'electron'
import { createCoreHost, type CoreHost, type HostHandle } from './host/client'
import type { FromHost, HostConfig } from './host/protocol'
import { registerHostPorts } from './shell/host-ports'
import { registerShellFiles } from './shell/files'
import { registerShellPrint, sweepPrintFolders, systemSpooler } from './shell/print'
import { createSenderCheck } from './shell/ipc'
import { electronNativeBindingPath } from './shell/native.mjs'
import { originOf } from './shell/origin'
import { APP_ENTRY_URL, APP_ORIGIN, installAppProtocol, registerAppScheme } from './shell/protocol'
import { installAppWideGuards, lockDownSession } from './shell/security'
import { SafeStorageTokenStore } from './shell/token-store'
import { mainWindowOptions } from './shell/window'
import { safeErrorMessage, scrubText } from '../common/redact'

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
let host: CoreHost | null = null
/** Set by the first will-quit: the shutdown below runs once. */
let quitting = false

function fatal(title: string, message: string): void {
  dialog.showErrorBox(title, message)
  app.exit(1)
}

function resourcesFolder(name: string): string {
  return app.isPackaged ? join(process.resourcesPath, name) : join(app.getAppPath(), 'resources', name)
}

/**
 * What the core host needs (the rest it reads from the environment, inherited: GUICHET_NO_DEMO,
 * GUICHET_DEMO_FAMILIES, GUICHET_IDLE_LOCK_SECONDS, GUICHET_WORKSTATION_NAME, GUICHET_PORTAL_URL
 * (+ GUICHET_ENROL_CODE) or GUICHET_PORTAL=off). Read at every (re)start of the host: the portal
 * token, kept with safeStorage here, travels with it.
 */
function hostConfig(tokenStore: SafeStorageTokenStore): HostConfig {
  const nativeBinding = electronNativeBindingPath(app.getAppPath(), process.versions.electron)
  return {
    dataDir,
    migrationsFolder: resourcesFolder('migrations'),
    // Packaged apps carry a better-sqlite3 rebuilt for Electron in node_modules instead.
    ...(existsSync(nativeBinding) ? { nativeBinding } : {}),
    portalEntry: join(__dirname, 'portal.js'),
    portalMigrationsFolder: resourcesFolder('portal-migrations'),
    token: tokenStore.get(),
  }
}

/** The core host as a utility process; its stdout/stderr go to ours. */
function forkUtilityHost(): HostHandle {
  const child = utilityProcess.fork(join(__dirname, 'host-utility.js'), [], { serviceName: `${APP_NAME} (cœur)`, stdio: 'inherit' })
  return {
    send: (message, transfer) => child.postMessage(message, transfer as MessagePortMain[] | undefined),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill(),
  }
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

function startupFailure(message: string): void {
  const hint = /NODE_MODULE_VERSION|was compiled against a different Node\.js version/.test(message)
    ? '\n\nLe module natif better-sqlite3 n’est pas construit pour Electron : lancez « npm start » ou « node scripts/electron-native.mjs ».'
    : ''
  fatal(`${APP_NAME} ne peut pas démarrer`, `Impossible d’ouvrir les données du guichet (${dataDir}).\n\n${message}${hint}`)
}

function start(): void {
  Menu.setApplicationMenu(null)
  lockDownSession(electronSession.defaultSession)
  if (!devRendererUrl) installAppProtocol(join(__dirname, '../renderer'))

  const tokenStore = new SafeStorageTokenStore(dataDir)
  const started = createCoreHost({
    spawn: forkUtilityHost,
    config: () => hostConfig(tokenStore),
    onMessage: (message: FromHost) => {
      if (message.type !== 'token') return
      try {
        if (message.op === 'set') tokenStore.set(message.token)
        else tokenStore.clear()
      } catch (error) {
        console.error(`[sync] jeton du portail : ${safeErrorMessage(error)}`)
      }
    },
    log: (line) => console.error(scrubText(line)),
  })
  host = started
  started.onState((state) => {
    if (state === 'ready') {
      const url = started.portalUrl()
      if (url) console.log(`[sync] portail : ${url}`)
    } else if (state === 'failed' && !quitting) {
      startupFailure(started.lastError() ?? '')
    }
  })
  registerHostPorts({
    ipcMain,
    createChannel: () => new MessageChannelMain(),
    host: started,
    getWindow: () => mainWindow,
    isTrustedSender: createSenderCheck(() => mainWindow, appOrigin),
  })
  // Scans the agent picks (a path, relayed to the core host) and PDFs to open (system viewer).
  registerShellFiles({
    ipcMain,
    host: started,
    isTrustedSender: createSenderCheck(() => mainWindow, appOrigin),
    pdfDir: join(app.getPath('temp'), 'guichet-famille-pdf'),
    openPath: (path) => shell.openPath(path),
  })
  // Silent printing (the credentials slip): the OS spooler takes a file deleted at once; a print
  // folder left by a crash is swept here, before any new print.
  const printTemp = app.getPath('temp')
  void sweepPrintFolders(printTemp)
  registerShellPrint({
    ipcMain,
    isTrustedSender: createSenderCheck(() => mainWindow, appOrigin),
    tempDir: printTemp,
    platform: process.platform,
    listPrinters: (event) => event.sender.getPrintersAsync(),
    ...systemSpooler(process.platform),
  })
  // The window opens at once: the renderer shows "Démarrage…" until the core host answers
  // (on a first start, the embedded portal is seeded and the workstation enrolled meanwhile).
  mainWindow = createMainWindow()
}

/** Stops the core host (it stops the sync engine and the portal within 10 s; killed if late), then exits. */
async function shutdown(): Promise<void> {
  try {
    await host?.stop()
  } catch (error) {
    console.error(`[hôte] arrêt : ${safeErrorMessage(error)}`)
  }
  host = null
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
  // Quitting waits for the core host (sync engine, embedded portal, database); app.exit() (no
  // second will-quit) ends the process once everything is closed. A quit asked again
  // meanwhile is held too.
  app.on('will-quit', (event) => {
    event.preventDefault()
    if (quitting) return
    quitting = true
    void shutdown()
  })
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      fatal(`${APP_NAME} ne peut pas démarrer`, error instanceof Error ? error.message : String(error))
    })
}
