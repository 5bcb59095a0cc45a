import { join } from 'node:path'
import type { TokenStore } from '../core/sync/token'
import { portalProcess } from './portal-process'
import { asCall, isObject, type FromHost, type HostConfig, type PortAnswer } from './protocol'
import { startHostRuntime, type HostRuntime } from './runtime'
import { scrubText } from '../../common/redact'

/**
 * The host process's side of the wire, shared by the Electron utility process (./utility.ts)
 * and the web shell's Node child (./child.ts): the parent's messages (start, call, stop) and
 * the renderer's ports (Electron).
 */

/** A MessagePort as both Electron's MessagePortMain and Node's worker MessagePort offer it. */
export interface PortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  on(event: 'close', listener: () => void): unknown
  postMessage(message: unknown): void
  start(): void
  close(): void
}

export interface HostServerDeps {
  /** Sends a message to the parent (the shell that supervises this host). */
  send(message: FromHost): void
  /** The token store for this config (file in the web shell, relayed to the main process in Electron). */
  tokenStore(config: HostConfig): TokenStore
  /** Ends this process once stopped. */
  exit(code: number): void
  log?: (line: string) => void
  env?: NodeJS.ProcessEnv
}

export interface HostServer {
  /** One message from the parent; `ports` are the MessagePorts that travelled with it (Electron). */
  onParentMessage(message: unknown, ports?: readonly PortLike[]): void
  /** The parent went away: stop and exit. */
  onParentGone(): void
}

export function createHostServer(deps: HostServerDeps): HostServer {
  // Every line the core logs is scrubbed of what looks like data (src/common/redact.ts).
  const sink = deps.log ?? ((line: string) => console.log(line))
  const log = (line: string): void => sink(scrubText(line))
  let runtime: HostRuntime | null = null
  const ports = new Set<PortLike>()
  let stopping = false

  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    for (const port of ports) port.close()
    ports.clear()
    await runtime?.stop()
    deps.send({ type: 'stopped' })
    deps.exit(0)
  }

  const serve = (port: PortLike): void => {
    ports.add(port)
    port.on('message', (event) => {
      const call = asCall(event.data)
      if (!call || !runtime) return
      void runtime.call(call.ns, call.method, call.input).then((result) => {
        if (ports.has(port)) port.postMessage({ id: call.id, result } satisfies PortAnswer)
      })
    })
    port.on('close', () => ports.delete(port))
    port.start()
  }

  const start = (config: HostConfig): void => {
    const env = deps.env ?? process.env
    runtime = startHostRuntime(config, {
      tokenStore: deps.tokenStore(config),
      env,
      log,
      ...(config.portalEntry
        ? {
            startPortal: portalProcess({
              entry: config.portalEntry,
              ...(config.portalExecArgv ? { execArgv: config.portalExecArgv } : {}),
              migrationsFolder: config.portalMigrationsFolder ?? join(config.migrationsFolder, '..', 'portal-migrations'),
              env,
              log,
            }),
          }
        : {}),
    })
    runtime.ready.then(
      ({ portalUrl }) => {
        if (!stopping) deps.send({ type: 'ready', portalUrl })
      },
      (error: unknown) => {
        deps.send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
        deps.exit(1)
      },
    )
  }

  return {
    onParentMessage(message, transferred = []) {
      if (!isObject(message)) return
      switch (message.type) {
        case 'start':
          if (!runtime && isObject(message.config)) start(message.config as unknown as HostConfig)
          return
        case 'call': {
          const call = asCall(message)
          if (!call || !runtime) return
          void runtime.call(call.ns, call.method, call.input).then((result) => deps.send({ type: 'result', id: call.id, result }))
          return
        }
        case 'scan': {
          const { id, path, name } = message
          if (typeof id !== 'number' || !Number.isSafeInteger(id) || typeof path !== 'string' || typeof name !== 'string' || !runtime) return
          void runtime.importScan(path, name).then((result) => deps.send({ type: 'result', id, result }))
          return
        }
        case 'connect':
          for (const port of transferred) {
            if (stopping) port.close()
            else serve(port)
          }
          return
        case 'stop':
          void stop()
          return
      }
    },
    onParentGone() {
      void stop()
    },
  }
}
