import type { IpcMainEvent, WebFrameMain } from 'electron'
import type { CoreHost } from '../host/client'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST, HOST_STATE_CHANNEL, type HostState } from '../host/protocol'
import type { SenderCheck } from './ipc'

/** One end of a MessageChannelMain, as far as the broker uses it. */
export interface BrokeredPort {
  close(): void
}

export interface PortWindow {
  isDestroyed(): boolean
  webContents: {
    mainFrame: WebFrameMain
    postMessage(channel: string, message: unknown, transfer?: never[]): void
    send(channel: string, ...args: unknown[]): void
  }
}

export interface HostPortsDeps {
  ipcMain: { on(channel: string, listener: (event: IpcMainEvent) => void): unknown; removeListener(channel: string, listener: (event: IpcMainEvent) => void): unknown }
  /** `new MessageChannelMain()`. */
  createChannel(): { port1: BrokeredPort; port2: BrokeredPort }
  host: Pick<CoreHost, 'connect' | 'onState' | 'state'>
  getWindow(): PortWindow | null
  /** Our window's main frame, showing our origin (./ipc.ts createSenderCheck). */
  isTrustedSender: SenderCheck
}

/**
 * The main process as a broker, as VS Code does for its utility processes: for our own
 * window's main frame only, it creates a MessageChannelMain, gives one port to the core host
 * and the other to the window's preload. It never reads a contract call. It tells the window
 * when the host crashed (the preload fails the calls in flight) and hands a fresh port to the
 * restarted host. Returns a function that removes the listeners.
 */
export function registerHostPorts(deps: HostPortsDeps): () => void {
  const trustedWindow = (): PortWindow | null => {
    const win = deps.getWindow()
    if (!win || win.isDestroyed()) return null
    return deps.isTrustedSender(win.webContents.mainFrame) ? win : null
  }

  /** Hands a new port to the window, if the window is ours and a host process runs. */
  const offer = (): boolean => {
    const win = trustedWindow()
    if (!win) return false
    const state = deps.host.state()
    if (state !== 'starting' && state !== 'ready') return false
    const { port1, port2 } = deps.createChannel()
    if (!deps.host.connect(port1)) {
      port1.close()
      port2.close()
      return false
    }
    win.webContents.postMessage(HOST_PORT_CHANNEL, null, [port2 as never])
    return true
  }

  const onRequest = (event: IpcMainEvent): void => {
    if (!deps.isTrustedSender(event.senderFrame)) return
    if (!offer()) trustedWindow()?.webContents.send(HOST_STATE_CHANNEL, deps.host.state())
  }
  deps.ipcMain.on(HOST_PORT_REQUEST, onRequest)

  let previous: HostState = deps.host.state()
  const unsubscribe = deps.host.onState((state) => {
    const win = trustedWindow()
    win?.webContents.send(HOST_STATE_CHANNEL, state)
    // A restarted host is a new process: the window's old port leads nowhere.
    if (state === 'starting' && previous === 'restarting') offer()
    previous = state
  })

  return () => {
    deps.ipcMain.removeListener(HOST_PORT_REQUEST, onRequest)
    unsubscribe()
  }
}
