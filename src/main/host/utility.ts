import type { TokenStore } from '../core/sync/token'
import type { FromHost } from './protocol'
import { createHostServer, type PortLike } from './serve'

/**
 * The Electron shell's core host: an Electron utilityProcess (built as out/main/host-utility.js).
 * The main process sends it the start config and, for each window, a MessagePort that the
 * window's preload talks to directly; the main process never sees a contract call. No
 * `electron` import: a utility process reaches its parent through `process.parentPort`.
 */

interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown; ports: PortLike[] }) => void): unknown
  postMessage(message: unknown): void
}

/** The portal token lives in the main process (safeStorage is not available here): reads come with the start config, writes are sent back. */
export class RelayTokenStore implements TokenStore {
  constructor(
    private token: string | null,
    private readonly send: (message: FromHost) => void,
  ) {}
  get(): string | null {
    return this.token
  }
  set(token: string): void {
    this.token = token
    this.send({ type: 'token', op: 'set', token })
  }
  clear(): void {
    this.token = null
    this.send({ type: 'token', op: 'clear' })
  }
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
if (!parentPort) throw new Error('host-utility must run in an Electron utility process')
const send = (message: FromHost) => parentPort.postMessage(message)
const server = createHostServer({
  send,
  tokenStore: (config) => new RelayTokenStore(config.token ?? null, send),
  exit: (code) => process.exit(code),
})
parentPort.on('message', (event) => server.onParentMessage(event.data, event.ports))
