import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST, HOST_STATE_CHANNEL, PDF_OPEN_CHANNEL, PDF_PRINT_CHANNEL, PRINTERS_CHANNEL, SCAN_IMPORT_CHANNEL } from '../../../src/main/host/protocol'

// src/main/index.ts is lifecycle, windows and relaying only: it is imported here against a
// recorded electron double (utilityProcess, MessageChannelMain, windows, ipcMain), and the
// test plays the core host's utility process and reads back what the main process asked.
const h = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown
  interface FakePort {
    name: string
    closed: boolean
    close(): void
  }
  interface FakeUtility {
    modulePath: string
    options: Record<string, unknown>
    sent: Array<{ message: Record<string, unknown>; transfer?: FakePort[] }>
    listeners: Map<string, Listener[]>
    killed: boolean
    emit(name: string, ...args: unknown[]): void
  }
  interface FakeWindow {
    options: Record<string, unknown>
    loaded: string[]
    listeners: Map<string, Listener>
    webContents: {
      mainFrame: { url: string; parent: null }
      posted: Array<{ channel: string; message: unknown; transfer?: FakePort[] }>
      sent: Array<[string, ...unknown[]]>
    }
    show: ReturnType<typeof import('vitest').vi.fn>
  }
  const state = {
    isPackaged: false,
    gotLock: true,
    appListeners: new Map<string, Listener[]>(),
    windows: [] as FakeWindow[],
    ipcOn: new Map<string, Listener>(),
    ipcHandle: new Map<string, Listener>(),
    utilities: [] as FakeUtility[],
    channels: [] as Array<{ port1: FakePort; port2: FakePort }>,
    tokens: { stored: 'jeton-chiffré' as string | null, set: [] as string[], cleared: 0 },
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
    enableSandbox: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => state.gotLock),
    whenReady: vi.fn(() => Promise.resolve()),
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
    webContents = {
      mainFrame: { url: 'app://guichet/index.html', parent: null },
      posted: [] as Array<{ channel: string; message: unknown; transfer?: unknown[] }>,
      sent: [] as Array<[string, ...unknown[]]>,
      postMessage(channel: string, message: unknown, transfer?: unknown[]) {
        this.posted.push({ channel, message, transfer })
      },
      send(channel: string, ...args: unknown[]) {
        this.sent.push([channel, ...args])
      },
    }
    show = vi.fn()
    constructor(options: Record<string, unknown>) {
      this.options = options
      state.windows.push(this as never)
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
  let portCount = 0
  class MessageChannelMain {
    port1 = { name: `port${++portCount}`, closed: false, close: vi.fn(function (this: { closed: boolean }) { this.closed = true }) }
    port2 = { name: `port${++portCount}`, closed: false, close: vi.fn(function (this: { closed: boolean }) { this.closed = true }) }
    constructor() {
      state.channels.push(this as never)
    }
  }
  const utilityProcess = {
    fork: vi.fn((modulePath: string, _args: string[], options: Record<string, unknown>) => {
      const child = {
        modulePath,
        options,
        sent: [] as Array<{ message: Record<string, unknown>; transfer?: unknown[] }>,
        listeners: new Map<string, Array<(...args: unknown[]) => unknown>>(),
        killed: false,
        postMessage(message: Record<string, unknown>, transfer?: unknown[]) {
          this.sent.push({ message, transfer })
        },
        on(name: string, listener: (...args: unknown[]) => unknown) {
          this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener])
          return this
        },
        emit(name: string, ...args: unknown[]) {
          for (const listener of this.listeners.get(name) ?? []) listener(...args)
        },
        kill: vi.fn(function (this: { killed: boolean; emit: (n: string, c: number) => void }) {
          this.killed = true
          this.emit('exit', 9)
          return true
        }),
      }
      state.utilities.push(child as never)
      return child
    }),
  }
  return {
    app,
    BrowserWindow,
    MessageChannelMain,
    utilityProcess,
    dialog: { showErrorBox: vi.fn() },
    ipcMain: {
      on: vi.fn((channel: string, listener: (...args: unknown[]) => unknown) => state.ipcOn.set(channel, listener)),
      removeListener: vi.fn(),
      handle: vi.fn((channel: string, listener: (...args: unknown[]) => unknown) => state.ipcHandle.set(channel, listener)),
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
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    net: { fetch: vi.fn() },
    shell: { openExternal: vi.fn() },
  }
})

// The keychain (safeStorage) lives in the main process: the host sends token changes here.
vi.mock('../../../src/main/shell/token-store', () => ({
  SafeStorageTokenStore: class SafeStorageTokenStore {
    constructor(readonly dataDir: string) {}
    get() {
      return h.state.tokens.stored
    }
    set(token: string) {
      h.state.tokens.set.push(token)
    }
    clear() {
      h.state.tokens.cleared++
    }
  },
}))

type Electron = typeof import('electron')
let dataDir: string
const savedEnv = { ...process.env }

async function boot(): Promise<{ electron: Electron }> {
  vi.resetModules()
  const electron = (await import('electron')) as unknown as Electron
  await import('../../../src/main/index')
  return { electron }
}

/** Emits will-quit as Electron does, with a preventable event. */
function willQuit(): { preventDefault: ReturnType<typeof vi.fn> } {
  const event = { preventDefault: vi.fn() }
  for (const listener of h.state.appListeners.get('will-quit') ?? []) listener(event)
  return event
}

const host = (i = -1) => h.state.utilities.at(i)!
const win = () => h.state.windows.at(-1)!
/** The window's preload asks for its port, from the given frame (default: our window's main frame). */
const requestPort = (frame: unknown = win().webContents.mainFrame) => h.state.ipcOn.get(HOST_PORT_REQUEST)!({ senderFrame: frame })

beforeEach(() => {
  vi.clearAllMocks()
  dataDir = mkdtempSync(join(tmpdir(), 'guichet-main-'))
  process.env.GUICHET_DATA_DIR = dataDir
  delete process.env.ELECTRON_RENDERER_URL
  vi.spyOn(console, 'log').mockImplementation(() => {})
  vi.spyOn(console, 'error').mockImplementation(() => {})
  Object.defineProperty(process.versions, 'electron', { value: '41.7.1', configurable: true })
  h.state.isPackaged = false
  h.state.gotLock = true
  h.state.appListeners.clear()
  h.state.windows.length = 0
  h.state.ipcOn.clear()
  h.state.ipcHandle.clear()
  h.state.utilities.length = 0
  h.state.channels.length = 0
  h.state.tokens = { stored: 'jeton-chiffré', set: [], cleared: 0 }
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
  process.env = { ...savedEnv }
  delete (process as { resourcesPath?: string }).resourcesPath
  rmSync(dataDir, { recursive: true, force: true })
})

describe('src/main/index.ts', () => {
  it('before ready: name, data folder, sandbox, guards and the single-instance lock', async () => {
    const { electron } = await boot()
    expect(electron.app.setName).toHaveBeenCalledWith('Guichet Famille')
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', dataDir)
    expect(electron.app.enableSandbox).toHaveBeenCalled()
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalled()
    expect(h.state.appListeners.has('web-contents-created')).toBe(true)
    expect(h.state.appListeners.has('second-instance')).toBe(true)
  })

  it('without GUICHET_DATA_DIR, uses <appData>/Guichet Famille', async () => {
    delete process.env.GUICHET_DATA_DIR
    const { electron } = await boot()
    expect(electron.app.setPath).toHaveBeenCalledWith('userData', join('/fake/appData', 'Guichet Famille'))
  })

  it('forks the core host as a utility process with its config, and opens the window at once, before the host is ready', async () => {
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(1)
    expect(host().modulePath).toMatch(/host-utility\.js$/)
    expect(host().sent[0]!.message).toEqual({
      type: 'start',
      config: {
        dataDir,
        migrationsFolder: join('/fake/app-root', 'resources', 'migrations'),
        portalEntry: expect.stringMatching(/portal\.js$/),
        portalMigrationsFolder: join('/fake/app-root', 'resources', 'portal-migrations'),
        token: 'jeton-chiffré',
      },
    })
    // No Electron-ABI build under /fake/app-root: better-sqlite3's own binding is used.
    expect(host().sent[0]!.message.config).not.toHaveProperty('nativeBinding')
    // The main process never runs the core nor answers contract calls itself: it handles only
    // the file relays (a picked scan's path to the core host, a PDF to the system viewer or to
    // the OS spooler, the printers list).
    expect([...h.state.ipcHandle.keys()].sort()).toEqual([PDF_OPEN_CHANNEL, PDF_PRINT_CHANNEL, PRINTERS_CHANNEL, SCAN_IMPORT_CHANNEL].sort())
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledWith(null)
    expect(electron.session.defaultSession.setPermissionRequestHandler).toHaveBeenCalled()
    expect(electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))

    const w = win()
    expect(w.options).toMatchObject({ show: false, title: 'Guichet Famille', webPreferences: { sandbox: true, contextIsolation: true } })
    expect(String((w.options.webPreferences as { preload: string }).preload)).toMatch(/preload[/\\]index\.js$/)
    expect(w.loaded).toEqual(['app://guichet/index.html'])
    w.listeners.get('ready-to-show')!()
    expect(w.show).toHaveBeenCalled()
  })

  it('hands the window a MessagePort to the core host, for our main frame only, without reading any call', async () => {
    await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    requestPort()
    expect(h.state.channels).toHaveLength(1)
    const { port1, port2 } = h.state.channels[0]!
    expect(host().sent.at(-1)).toEqual({ message: { type: 'connect' }, transfer: [port1] })
    expect(win().webContents.posted).toEqual([{ channel: HOST_PORT_CHANNEL, message: null, transfer: [port2] }])

    // Another frame (a sub-frame, another window, a page that navigated away) gets nothing.
    for (const frame of [
      { url: 'app://guichet/index.html', parent: win().webContents.mainFrame },
      { url: 'app://guichet/index.html', parent: null },
      null,
    ]) {
      requestPort(frame)
    }
    win().webContents.mainFrame.url = 'https://evil.example/'
    requestPort()
    expect(h.state.channels).toHaveLength(1)
    expect(win().webContents.posted).toHaveLength(1)
  })

  it('passes the Electron-ABI better-sqlite3 when .electron-native holds one, and the packaged resources', async () => {
    const appRoot = mkdtempSync(join(tmpdir(), 'guichet-approot-'))
    try {
      mkdirSync(join(appRoot, '.electron-native', '41.7.1'), { recursive: true })
      writeFileSync(join(appRoot, '.electron-native', '41.7.1', 'better_sqlite3.node'), '')
      const electron = (await import('electron')) as unknown as Electron
      vi.mocked(electron.app.getAppPath).mockReturnValue(appRoot)
      h.state.isPackaged = true
      ;(process as { resourcesPath?: string }).resourcesPath = '/fake/resources'
      await boot()
      await vi.waitFor(() => expect(h.state.utilities).toHaveLength(1))
      expect(host().sent[0]!.message.config).toMatchObject({
        nativeBinding: join(appRoot, '.electron-native', '41.7.1', 'better_sqlite3.node'),
        migrationsFolder: join('/fake/resources', 'migrations'),
        portalMigrationsFolder: join('/fake/resources', 'portal-migrations'),
      })
    } finally {
      const electron = (await import('electron')) as unknown as Electron
      vi.mocked(electron.app.getAppPath).mockImplementation(() => '/fake/app-root')
      rmSync(appRoot, { recursive: true, force: true })
    }
  })

  it('keeps the portal token in the keychain for the host: its changes come back as messages', async () => {
    await boot()
    await vi.waitFor(() => expect(h.state.utilities).toHaveLength(1))
    host().emit('message', { type: 'token', op: 'set', token: 'nouveau-jeton' })
    host().emit('message', { type: 'token', op: 'clear' })
    expect(h.state.tokens.set).toEqual(['nouveau-jeton'])
    expect(h.state.tokens.cleared).toBe(1)
  })

  it('shows a French error box and exits when the core cannot open (e.g. a database from the future)', async () => {
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.utilities).toHaveLength(1))
    host().emit('message', { type: 'failed', message: 'Cette base de données vient d’une version plus récente de Guichet Famille.' })
    await vi.waitFor(() => expect(electron.dialog.showErrorBox).toHaveBeenCalled())
    const [title, message] = vi.mocked(electron.dialog.showErrorBox).mock.calls[0]!
    expect(title).toBe('Guichet Famille ne peut pas démarrer')
    expect(message).toContain('Cette base de données vient d’une version plus récente de Guichet Famille.')
    expect(electron.app.exit).toHaveBeenCalledWith(1)
  })

  it('a crashed core host: the window is told (visible "restarting" state), the host is forked again after a backoff, and the window gets a new port', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    requestPort()
    host().emit('message', { type: 'ready', portalUrl: null })
    expect(win().webContents.sent).toContainEqual([HOST_STATE_CHANNEL, 'ready'])

    host().emit('exit', 139) // a native crash
    expect(win().webContents.sent.at(-1)).toEqual([HOST_STATE_CHANNEL, 'restarting'])
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(300)
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(2)
    expect(host().sent[0]!.message).toMatchObject({ type: 'start', config: { dataDir } })
    // The restarted host is a new process: the window's new port leads to it.
    expect(win().webContents.sent.at(-1)).toEqual([HOST_STATE_CHANNEL, 'starting'])
    expect(h.state.channels).toHaveLength(2)
    expect(host().sent.at(-1)).toEqual({ message: { type: 'connect' }, transfer: [h.state.channels[1]!.port1] })
    expect(win().webContents.posted.at(-1)).toEqual({ channel: HOST_PORT_CHANNEL, message: null, transfer: [h.state.channels[1]!.port2] })

    // Crashing again at once: a longer delay (bounded backoff), never a dead window.
    host().emit('exit', 139)
    await vi.advanceTimersByTimeAsync(300)
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(2)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(3)
    expect(electron.app.exit).not.toHaveBeenCalled()
  })

  it('on quit: holds the quit, asks the host to stop, exits once it has (once)', async () => {
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.utilities).toHaveLength(1))
    const first = willQuit()
    expect(first.preventDefault).toHaveBeenCalledTimes(1)
    const second = willQuit()
    expect(second.preventDefault).toHaveBeenCalledTimes(1)
    await vi.waitFor(() => expect(host().sent.at(-1)!.message).toEqual({ type: 'stop' }))
    expect(electron.app.exit).not.toHaveBeenCalled()
    host().emit('message', { type: 'stopped' })
    host().emit('exit', 0)
    await vi.waitFor(() => expect(electron.app.exit).toHaveBeenCalledExactlyOnceWith(0))
    // A host that stopped on request is not restarted.
    expect(electron.utilityProcess.fork).toHaveBeenCalledTimes(1)
  })

  it('on quit: a host that does not stop in time is killed and does not keep the app alive', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.utilities).toHaveLength(1))
    willQuit()
    // The host has 10 s to stop the sync engine and the portal, plus a margin.
    await vi.advanceTimersByTimeAsync(11_000)
    expect(electron.app.exit).not.toHaveBeenCalled()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(host().killed).toBe(true)
    expect(electron.app.exit).toHaveBeenCalledExactlyOnceWith(0)
  })

  it('a second instance quits at once, before opening anything', async () => {
    h.state.gotLock = false
    const { electron } = await boot()
    expect(electron.app.quit).toHaveBeenCalled()
    expect(electron.app.whenReady).not.toHaveBeenCalled()
    expect(electron.utilityProcess.fork).not.toHaveBeenCalled()
  })

  it('dev mode loads ELECTRON_RENDERER_URL and trusts its origin; a packaged app ignores it', async () => {
    process.env.ELECTRON_RENDERER_URL = 'http://localhost:5173'
    const { electron } = await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(win().loaded).toEqual(['http://localhost:5173'])
    expect(electron.protocol.handle).not.toHaveBeenCalled()
    win().webContents.mainFrame.url = 'http://localhost:5173/#/familles'
    requestPort()
    expect(win().webContents.posted).toHaveLength(1)

    h.state.windows.length = 0
    h.state.isPackaged = true
    ;(process as { resourcesPath?: string }).resourcesPath = '/fake/resources'
    await boot()
    await vi.waitFor(() => expect(h.state.windows).toHaveLength(1))
    expect(win().loaded).toEqual(['app://guichet/index.html'])
    win().webContents.mainFrame.url = 'http://localhost:5173/'
    requestPort()
    expect(win().webContents.posted).toHaveLength(0)
    win().webContents.mainFrame.url = 'app://guichet/index.html'
    requestPort()
    expect(win().webContents.posted).toHaveLength(1)
  })
})
