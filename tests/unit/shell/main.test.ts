import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { IPC_CHANNEL } from '@shared/contract'

// src/main/index.ts is wiring only: it is imported here against a recorded electron double
// and a core double, and the test reads back what it asked of them.
const h = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown
  const state = {
    isPackaged: false,
    gotLock: true,
    appListeners: new Map<string, Listener[]>(),
    windows: [] as Array<{ options: Record<string, unknown>; loaded: string[]; listeners: Map<string, Listener>; webContents: { mainFrame: object } }>,
    ipcHandlers: new Map<string, Listener>(),
    order: [] as string[],
  }
  return { state }
})

vi.mock('electron', async () => {
  const { vi } = await import('vitest')
  const { state } = h
  const app = {
    get isPackaged() {
      return state.isPackaged
    },
    setName: vi.fn(),
    getPath: vi.fn((name: string) => `/fake/${name}`),
    setPath: vi.fn(),
    getAppPath: vi.fn(() => '/fake/app-root'),
    enableSandbox: vi.fn(() => state.order.push('enableSandbox')),
    requestSingleInstanceLock: vi.fn(() => state.gotLock),
    whenReady: vi.fn(() => {
      state.order.push('whenReady')
      return Promise.resolve()
    }),
    on: vi.fn((name: string, listener: (...args: unknown[]) => unknown) => {
      state.appListeners.set(name, [...(state.appListeners.get(name) ?? []), listener])
    }),
    quit: vi.fn(),
    exit: vi.fn(),
  }
  class BrowserWindow {
    options: Record<string, unknown>
    loaded: string[] = []
    listeners = new Map<string, (...args: unknown[]) => unknown>()
    webContents = { mainFrame: { url: 'app://guichet/index.html', parent: null } }
    show = vi.fn()
    constructor(options: Record<string, unknown>) {
      this.options = options
      state.windows.push(this)
    }
    once(name: string, listener: (...args: unknown[]) => unknown) {
      this.listeners.set(name, listener)
    }
    on(name: string, listener: (...args: unknown[]) => unknown) {
      this.listeners.set(name, listener)
    }
    isDestroyed() {
      return false
    }
    async loadURL(url: string) {
      this.loaded.push(url)
    }
  }
  return {
    app,
    BrowserWindow,
    dialog: { showErrorBox: vi.fn() },
    ipcMain: {
      handle: vi.fn((channel: string, handler: (...args: unknown[]) => unknown) => state.ipcHandlers.set(channel, handler)),
      removeHandler: vi.fn(),
    },
    Menu: { setApplicationMenu: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    protocol: {
      registerSchemesAsPrivileged: vi.fn(() => state.order.push('registerSchemesAsPrivileged')),
      handle: vi.fn(),
    },
    net: { fetch: vi.fn() },
    shell: { openExternal: vi.fn() },
  }
})

const core = {
  openSession: vi.fn(() => ({ id: 'window-session', agentId: null, lastActivity: 0 })),
  closeSession: vi.fn(() => h.state.order.push('closeSession')),
  call: vi.fn(async () => ({ ok: true, data: 'from core' })),
  close: vi.fn(() => h.state.order.push('core.close')),
}
vi.mock('../../../src/main/core', () => ({ createCore: vi.fn(async () => core) }))

// The sync wiring (startWorkstation) is tested under Node in tests/integration/sync; here,
// only what index.ts hands it and when it stops it.
const workstation = {
  engine: { syncNow: vi.fn(), status: vi.fn(() => ({ enrolled: true })) },
  portal: null,
  portalUrl: 'http://127.0.0.1:40000',
  stop: vi.fn(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5)) // the engine finishes its round
    h.state.order.push('workstation.stop')
  }),
}
vi.mock('../../../src/main/core/sync/workstation', () => ({
  startWorkstation: vi.fn(async () => {
    h.state.order.push('startWorkstation')
    return workstation
  }),
}))
vi.mock('../../../src/main/shell/token-store', () => ({
  SafeStorageTokenStore: class SafeStorageTokenStore {
    constructor(readonly dataDir: string) {}
  },
}))
// The embedded portal (PGlite, Fastify): never loaded here, only what index.ts asks of it.
vi.mock('../../../src/portal', () => ({
  startPortal: vi.fn(async (opts: { dataDir: string }) => ({ url: 'http://127.0.0.1:40000', opts })),
}))

type Electron = typeof import('electron')
type Mock = ReturnType<typeof vi.fn>
let dataDir: string
const savedEnv = { ...process.env }

async function boot(): Promise<{ electron: Electron; createCore: Mock; startWorkstation: Mock }> {
  vi.resetModules()
  const electron = (await import('electron')) as unknown as Electron
  const { createCore } = (await import('../../../src/main/core')) as unknown as { createCore: Mock }
  const { startWorkstation } = (await import('../../../src/main/core/sync/workstation')) as unknown as { startWorkstation: Mock }
  await import('../../../src/main/index')
  return { electron, createCore, startWorkstation }
}

/** Emits will-quit as Electron does, with a preventable event. */
function willQuit(): { preventDefault: Mock } {
  const event = { preventDefault: vi.fn() }
  for (const listener of h.state.appListeners.get('will-quit') ?? []) listener(event)
  return event
}

beforeEach(() => {
  vi.clearAllMocks()
  dataDir = mkdtempSync(join(tmpdir(), 'guichet-main-'))
  process.env.GUICHET_DATA_DIR = dataDir
  delete process.env.GUICHET_NO_DEMO
  delete process.env.GUICHET_PORTAL
  delete process.env.GUICHET_PORTAL_URL
  delete process.env.ELECTRON_RENDERER_URL
  vi.spyOn(console, 'log').mockImplementation(() => {})
  Object.defineProperty(process.versions, 'electron', { value: '41.7.1', configurable: true })
  h.state.isPackaged = false
  h.state.gotLock = true
  h.state.appListeners.clear()
  h.state.windows.length = 0
  h.state.ipcHandlers.clear()
  h.state.order.length = 0
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  process.env = { ...savedEnv }
  delete (process as { resourcesPath?: string }).resourcesPath
  rmSync(dataDir, { recursive: true, force: true })
})

describe('src/main/index.ts', () => {
  it('before ready: name, data folder, privileged scheme, sandbox, guards and the single-instance lock', async () => {
    const { electron } = await boot()
    expect(electron.app.setName).toHaveBeenCalledWith('Guichet Famille')
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', dataDir)
    expect(electron.app.requestSingleInstanceLock).toHaveBeenCalled()
    expect(h.state.order.slice(0, 3)).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', 'whenReady'])
    expect(h.state.appListeners.has('web-contents-created')).toBe(true)
    expect(h.state.appListeners.has('second-instance')).toBe(true)
  })

  it('without GUICHET_DATA_DIR, uses <appData>/Guichet Famille', async () => {
    delete process.env.GUICHET_DATA_DIR
    const { electron } = await boot()
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', join('/fake/appData', 'Guichet Famille'))
  })

  it('opens the core on the data folder (the town comes from the portal), then one locked-down window on app://', async () => {
    const { electron, createCore } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(createCore).toHaveBeenCalledExactlyOnceWith(
      expect.objectContaining({
        dataDir,
        migrationsFolder: join('/fake/app-root', 'resources', 'migrations'),
        demo: false,
      }),
    )
    // No Electron-ABI build under /fake/app-root: better-sqlite3's own binding is used.
    expect(createCore.mock.calls[0]![0]).not.toHaveProperty('nativeBinding')
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledWith(null)
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(electron.session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalled()
    expect(electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))

    const win = h.state.windows[0]!
    expect(win.options).toMatchObject({ show: false, title: 'Guichet Famille', webPreferences: { sandbox: true, contextIsolation: true } })
    expect(String((win.options.webPreferences as { preload: string }).preload)).toMatch(/preload[/\\]index\.js$/)
    expect(win.loaded).toEqual(['app://guichet/index.html'])
    win.listeners.get('ready-to-show')!()
    expect((win as unknown as { show: ReturnType<typeof vi.fn> }).show).toHaveBeenCalled()
  })

  it('routes the IPC channel to the core with the window session, for the window main frame only', async () => {
    await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    const handler = h.state.ipcHandlers.get(IPC_CHANNEL)!
    const { mainFrame } = h.state.windows[0]!.webContents
    await expect(handler({ senderFrame: mainFrame }, 'session', 'status', {})).resolves.toEqual({ ok: true, data: 'from core' })
    expect(core.call).toHaveBeenCalledWith({ id: 'window-session', agentId: null, lastActivity: 0 }, 'session', 'status', {})
    const foreign = await handler({ senderFrame: { url: 'app://guichet/index.html', parent: null } }, 'session', 'status', {})
    expect(foreign).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
  })

  it('the local demo town only with GUICHET_PORTAL=off, on a first start', async () => {
    process.env.GUICHET_PORTAL = 'off'
    let { createCore } = await boot()
    await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
    expect(createCore.mock.calls[0]![0]).toMatchObject({ demo: { families: 600 } })

    // A portal (embedded or GUICHET_PORTAL_URL) brings the town: no local one.
    for (const env of [{}, { GUICHET_PORTAL_URL: 'https://portail.example.fr' }]) {
      delete process.env.GUICHET_PORTAL
      Object.assign(process.env, env)
      ;({ createCore } = await boot())
      await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
      expect(createCore.mock.calls.at(-1)![0]).toMatchObject({ demo: false })
    }
  })

  it('no demo when the database exists or GUICHET_NO_DEMO=1', async () => {
    process.env.GUICHET_PORTAL = 'off'
    process.env.GUICHET_NO_DEMO = '1'
    let { createCore } = await boot()
    await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
    expect(createCore.mock.calls[0]![0]).toMatchObject({ demo: false })

    delete process.env.GUICHET_NO_DEMO
    writeFileSync(join(dataDir, 'guichet.sqlite'), '')
    ;({ createCore } = await boot())
    await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
    expect(createCore.mock.calls.at(-1)![0]).toMatchObject({ demo: false })
  })

  it('honours the web shell environment knobs: demo size, idle lock, workstation name', async () => {
    process.env.GUICHET_PORTAL = 'off'
    process.env.GUICHET_DEMO_FAMILIES = '40'
    process.env.GUICHET_IDLE_LOCK_SECONDS = '90'
    process.env.GUICHET_WORKSTATION_NAME = 'Guichet 2'
    const { createCore } = await boot()
    await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
    expect(createCore.mock.calls[0]![0]).toMatchObject({
      demo: { families: 40 },
      idleLockSeconds: 90,
      workstationName: 'Guichet 2',
    })
  })

  it('passes the Electron-ABI better-sqlite3 when .electron-native holds one', async () => {
    const appRoot = mkdtempSync(join(tmpdir(), 'guichet-approot-'))
    try {
      mkdirSync(join(appRoot, '.electron-native', '41.7.1'), { recursive: true })
      writeFileSync(join(appRoot, '.electron-native', '41.7.1', 'better_sqlite3.node'), '')
      const electron = (await import('electron')) as unknown as Electron
      vi.mocked(electron.app.getAppPath).mockReturnValue(appRoot)
      const { createCore } = await boot()
      await vi.waitFor(() => expect(createCore).toHaveBeenCalled())
      expect(createCore.mock.calls[0]![0]).toMatchObject({
        nativeBinding: join(appRoot, '.electron-native', '41.7.1', 'better_sqlite3.node'),
      })
    } finally {
      const electron = (await import('electron')) as unknown as Electron
      vi.mocked(electron.app.getAppPath).mockImplementation(() => '/fake/app-root')
      rmSync(appRoot, { recursive: true, force: true })
    }
  })

  it('shows a French error box and exits when the core cannot open (e.g. a database from the future)', async () => {
    const { createCore: mocked } = (await import('../../../src/main/core')) as unknown as { createCore: ReturnType<typeof vi.fn> }
    mocked.mockRejectedValueOnce(new Error('Cette base de données vient d’une version plus récente de Guichet Famille.'))
    const { electron } = await boot()
    await vi.waitFor(() => expect(electron.dialog.showErrorBox).toHaveBeenCalled())
    const [title, message] = vi.mocked(electron.dialog.showErrorBox).mock.calls[0]!
    expect(title).toBe('Guichet Famille ne peut pas démarrer')
    expect(message).toContain('Cette base de données vient d’une version plus récente de Guichet Famille.')
    expect(electron.app.exit).toHaveBeenCalledWith(1)
    expect(h.state.windows).toHaveLength(0)
    expect(h.state.ipcHandlers.size).toBe(0)
    const { startWorkstation } = (await import('../../../src/main/core/sync/workstation')) as unknown as { startWorkstation: Mock }
    expect(startWorkstation).not.toHaveBeenCalled()
  })

  it('starts the workstation on the core, the data folder and the keychain token store, before the window', async () => {
    let windowsAtStart = -1
    const { startWorkstation: mocked } = (await import('../../../src/main/core/sync/workstation')) as unknown as { startWorkstation: Mock }
    mocked.mockImplementationOnce(async () => {
      windowsAtStart = h.state.windows.length
      return workstation
    })
    const { startWorkstation } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    // Started (portal seeded and enrolment done on a first start) before the window opens...
    expect(windowsAtStart).toBe(0)
    expect(startWorkstation).toHaveBeenCalledTimes(1)
    const opts = startWorkstation.mock.calls[0]![0] as Record<string, unknown>
    expect(opts).toMatchObject({ core, dataDir, env: process.env })
    const { SafeStorageTokenStore } = await import('../../../src/main/shell/token-store')
    expect(opts.tokenStore).toBeInstanceOf(SafeStorageTokenStore)
    expect(opts.tokenStore).toMatchObject({ dataDir })
    expect(opts.log).toEqual(expect.any(Function))
    expect(opts.startPortal).toEqual(expect.any(Function))
    // ...but the first bootstrap is not awaited: the status bar shows its progress.
    expect(workstation.engine.syncNow).not.toHaveBeenCalled()
  })

  it('startPortal loads the embedded portal lazily with the portal and workstation migrations', async () => {
    const { startWorkstation } = await boot()
    await vi.waitFor(() => expect(startWorkstation).toHaveBeenCalled())
    const portal = (await import('../../../src/portal')) as unknown as { startPortal: Mock }
    expect(portal.startPortal).not.toHaveBeenCalled()
    const { startPortal } = startWorkstation.mock.calls[0]![0] as { startPortal: (o: object) => Promise<unknown> }
    const opts = { dataDir: join(dataDir, 'portal'), port: 0, host: '127.0.0.1' }
    await expect(startPortal(opts)).resolves.toMatchObject({ url: 'http://127.0.0.1:40000' })
    expect(portal.startPortal).toHaveBeenCalledExactlyOnceWith({
      ...opts,
      migrationsFolder: join('/fake/app-root', 'resources', 'portal-migrations'),
      workstationMigrationsFolder: join('/fake/app-root', 'resources', 'migrations'),
    })

    // Packaged: both folders come from the resources (electron-builder.yml extraResources).
    h.state.isPackaged = true
    ;(process as { resourcesPath?: string }).resourcesPath = '/fake/resources'
    const packaged = await boot()
    await vi.waitFor(() => expect(packaged.startWorkstation).toHaveBeenCalled())
    const { startPortal: packagedStart } = packaged.startWorkstation.mock.calls.at(-1)![0] as { startPortal: (o: object) => Promise<unknown> }
    await packagedStart(opts)
    expect(portal.startPortal).toHaveBeenLastCalledWith({
      ...opts,
      migrationsFolder: join('/fake/resources', 'portal-migrations'),
      workstationMigrationsFolder: join('/fake/resources', 'migrations'),
    })
  })

  it('a failing startWorkstation (no portal) is logged and the window still opens, offline', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { startWorkstation: mocked } = (await import('../../../src/main/core/sync/workstation')) as unknown as { startWorkstation: Mock }
    mocked.mockRejectedValueOnce(new Error('PGlite: cannot open the portal database'))
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(error).toHaveBeenCalledWith(expect.stringContaining('PGlite: cannot open the portal database'))
    expect(electron.dialog.showErrorBox).not.toHaveBeenCalled()
    expect(electron.app.exit).not.toHaveBeenCalled()
    // The core still answers the window.
    const handler = h.state.ipcHandlers.get(IPC_CHANNEL)!
    await expect(handler({ senderFrame: h.state.windows[0]!.webContents.mainFrame }, 'session', 'status', {})).resolves.toMatchObject({ ok: true })

    // And quitting still closes the core, with no workstation to stop.
    const event = willQuit()
    expect(event.preventDefault).toHaveBeenCalled()
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalledWith(0))
    expect(workstation.stop).not.toHaveBeenCalled()
    expect(core.close).toHaveBeenCalledTimes(1)
  })

  it('on quit: holds the quit, stops the workstation, closes the session and the core, then exits (once)', async () => {
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    h.state.order.length = 0
    const first = willQuit()
    expect(first.preventDefault).toHaveBeenCalledTimes(1)
    // A second quit asked meanwhile is held too, and does not start a second shutdown.
    const second = willQuit()
    expect(second.preventDefault).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalled())
    expect(h.state.order).toEqual(['workstation.stop', 'closeSession', 'core.close'])
    expect(core.closeSession).toHaveBeenCalledWith({ id: 'window-session', agentId: null, lastActivity: 0 })
    expect(workstation.stop).toHaveBeenCalledTimes(1)
    expect(core.close).toHaveBeenCalledTimes(1)
    expect(electron.app.exit).toHaveBeenCalledExactlyOnceWith(0)
  })

  it('on quit: a workstation that does not stop in time does not keep the app alive', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    workstation.stop.mockImplementationOnce(() => new Promise<void>(() => {}))
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    willQuit()
    await vi.advanceTimersByTimeAsync(9_000)
    expect(electron.app.exit).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(electron.app.exit).toHaveBeenCalledExactlyOnceWith(0)
    expect(core.close).toHaveBeenCalledTimes(1)
    expect(error).toHaveBeenCalledWith(expect.stringContaining('trop long'))
  })

  it('a quit during the workstation start waits for it, stops it and never opens the window', async () => {
    let release: (ws: typeof workstation) => void = () => {}
    const { startWorkstation: mocked } = (await import('../../../src/main/core/sync/workstation')) as unknown as { startWorkstation: Mock }
    mocked.mockImplementationOnce(() => new Promise((resolve) => (release = resolve)))
    const { electron, startWorkstation } = await boot()
    await vi.waitFor(() => expect(startWorkstation).toHaveBeenCalled())
    willQuit()
    release(workstation)
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalledWith(0))
    expect(workstation.stop).toHaveBeenCalledTimes(1)
    expect(core.close).toHaveBeenCalledTimes(1)
    expect(h.state.windows).toHaveLength(0)
  })

  it('a second instance quits at once, before opening anything', async () => {
    h.state.gotLock = false
    const { electron, createCore } = await boot()
    expect(electron.app.quit).toHaveBeenCalled()
    expect(electron.app.whenReady).not.toHaveBeenCalled()
    expect(createCore).not.toHaveBeenCalled()
  })

  it('dev mode loads ELECTRON_RENDERER_URL and trusts its origin; a packaged app ignores it', async () => {
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173'
    const callFrom = (url: string) => {
      const frame = h.state.windows.at(-1)!.webContents.mainFrame as { url: string }
      frame.url = url
      return h.state.ipcHandlers.get(IPC_CHANNEL)!({ senderFrame: frame }, 'session', 'status', {})
    }
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(h.state.windows[0]!.loaded).toEqual(['http://localhost:5173'])
    expect(electron.protocol.handle).not.toHaveBeenCalled()
    await expect(callFrom('http://localhost:5173/#/familles')).resolves.toMatchObject({ ok: true })
    await expect(callFrom('app://guichet/index.html')).resolves.toMatchObject({ error: { code: 'FORBIDDEN' } })

    h.state.windows.length = 0
    h.state.isPackaged = true
    ;(process as { resourcesPath?: string }).resourcesPath = '/fake/resources'
    await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(h.state.windows[0]!.loaded).toEqual(['app://guichet/index.html'])
    await expect(callFrom('http://localhost:5173/')).resolves.toMatchObject({ error: { code: 'FORBIDDEN' } })
    await expect(callFrom('app://guichet/index.html')).resolves.toMatchObject({ ok: true })
    const { createCore } = (await import('../../../src/main/core')) as unknown as { createCore: ReturnType<typeof vi.fn> }
    expect(createCore.mock.calls.at(-1)![0]).toMatchObject({ migrationsFolder: join('/fake/resources', 'migrations') })
  })
})

