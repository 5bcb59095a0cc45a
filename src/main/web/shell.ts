import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { createCoreHost, type CoreHost } from '../host/client'
import { forkNodeHost } from '../host/node'
import type { HostConfig } from '../host/protocol'
import { createWebServer } from './server'
import { scrubText } from '../../common/redact'

export interface WebShellStartOptions {
  /** What the core host needs (data folder, migrations, the portal child's entry…). */
  config: HostConfig
  /** The core host's entry (out/main/host.js, or src/main/host/child.ts with ['--import', 'tsx']). */
  hostEntry: string
  hostExecArgv?: string[]
  rendererDir: string
  /** 0 = any free port; a busy port falls back to a free one. */
  port: number
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

export interface RunningWebShell {
  /** http://127.0.0.1:PORT */
  address: string
  token: string
  host: CoreHost
  app: FastifyInstance
  /** Stops the HTTP server, then the core host (which stops the sync engine and the portal). */
  stop(): Promise<void>
}

/**
 * The web shell: Fastify on 127.0.0.1 serving the renderer and the contract, and the core in
 * its own child process (./../host). The HTTP server listens at once; calls made while the
 * host starts wait for it (the page shows its starting screen meanwhile).
 */
export async function startWebShell(opts: WebShellStartOptions): Promise<RunningWebShell> {
  const sink = opts.log ?? ((line: string) => console.error(line))
  const log = (line: string): void => sink(scrubText(line)) // src/common/redact.ts
  const host = createCoreHost({
    spawn: () => forkNodeHost({ entry: opts.hostEntry, ...(opts.hostExecArgv ? { execArgv: opts.hostExecArgv } : {}), ...(opts.env ? { env: opts.env } : {}) }),
    config: () => opts.config,
    log,
  })
  const token = randomBytes(24).toString('base64url')
  const app = createWebServer({ host, rendererDir: opts.rendererDir, token, log })
  let address: string
  try {
    address = await app.listen({ host: '127.0.0.1', port: opts.port })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
      await host.stop()
      throw error
    }
    address = await app.listen({ host: '127.0.0.1', port: 0 })
  }
  let stopping: Promise<void> | null = null
  return {
    address,
    token,
    host,
    app,
    stop() {
      stopping ??= (async () => {
        await app.close()
        await host.stop()
      })()
      return stopping
    },
  }
}
