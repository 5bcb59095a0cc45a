import { existsSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { DomainError, type Result } from '@shared/contract'
import { createCore, type Core, type CoreOptions } from '../core'
import { databaseFile } from '../core/paths'
import type { TokenStore } from '../core/sync/token'
import { startWorkstation, type StartPortal, type Workstation } from '../core/sync/workstation'
import type { Session } from '../core/types'
import { IDLE_GRACE_SECONDS, toContractError } from '../core/router'
import { importScanFile } from '../core/services/scans'
import { failure, hostUnavailable, toWireResult, type HostConfig } from './protocol'
import { safeErrorMessage } from '../../common/redact'

/**
 * What runs inside the core host process (an Electron utilityProcess, or a Node child of the
 * web shell): the core, its one counter session, and the workstation's sync engine with the
 * embedded demo portal (itself another child process). Transport-free: ./utility.ts and
 * ./child.ts plug it to their parent and to the renderer's ports.
 */

/** Longest wait at stop for the sync engine (a round, a bootstrap in progress) and the embedded portal. */
export const STOP_DEADLINE_MS = 10_000

export interface HostRuntimeDeps {
  tokenStore: TokenStore
  /** Starts the embedded demo portal (a child process: ./portal-process.ts). */
  startPortal?: StartPortal
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
}

export interface HostRuntime {
  /** Resolves with the portal's URL once the core answers; rejects when the core cannot open (fatal). */
  readonly ready: Promise<{ portalUrl: string | null }>
  /** One contract call on the counter's session: waits for ready; never throws. */
  call(ns: string, method: string, input: unknown): Promise<Result<unknown>>
  /** Imports the file at `path` as a scan into the data folder (an agent must be logged in); never throws. */
  importScan(path: string, name: string): Promise<Result<unknown>>
  /** Stops the sync engine and the portal (10 s at most), then closes the session and the core. */
  stop(): Promise<void>
}

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = Number(env[name])
  return Number.isInteger(value) && value > 0 ? value : undefined
}

/**
 * The core's options from the host config and the shells' environment knobs: GUICHET_NO_DEMO=1,
 * GUICHET_DEMO_FAMILIES (local demo town size on a first start with GUICHET_PORTAL=off, 600),
 * GUICHET_IDLE_LOCK_SECONDS, GUICHET_WORKSTATION_NAME.
 */
export function coreOptions(config: HostConfig, env: NodeJS.ProcessEnv, log: (line: string) => void): CoreOptions {
  const firstStart = !existsSync(databaseFile(config.dataDir))
  const idleLockSeconds = envInt(env, 'GUICHET_IDLE_LOCK_SECONDS')
  // With a portal, the town comes from the portal (bootstrap); without one, the local demo town.
  const localDemo = firstStart && env.GUICHET_PORTAL === 'off' && env.GUICHET_NO_DEMO !== '1'
  return {
    dataDir: config.dataDir,
    migrationsFolder: config.migrationsFolder,
    ...(config.nativeBinding ? { nativeBinding: config.nativeBinding } : {}),
    demo: localDemo ? { families: envInt(env, 'GUICHET_DEMO_FAMILIES') ?? 600 } : false,
    ...(idleLockSeconds ? { idleLockSeconds } : {}),
    ...(env.GUICHET_WORKSTATION_NAME ? { workstationName: env.GUICHET_WORKSTATION_NAME } : {}),
    log,
  }
}

/** An error for a log line: class-based and scrubbed of what looks like data (src/common/redact.ts). */
function message(error: unknown): string {
  return safeErrorMessage(error)
}

export function startHostRuntime(config: HostConfig, deps: HostRuntimeDeps): HostRuntime {
  const env = deps.env ?? process.env
  const log = deps.log ?? ((line: string) => console.log(line))
  let core: Core | null = null
  let session: Session | null = null
  let workstation: Promise<Workstation | null> = Promise.resolve(null)
  let stopping: Promise<void> | null = null

  const ready = (async () => {
    const firstStart = !existsSync(databaseFile(config.dataDir))
    const opened = await createCore(coreOptions(config, env, log))
    core = opened
    session = opened.openSession()
    // Without a portal (the embedded one cannot start, the enrolment fails…) the counter keeps
    // working offline and the status bar says "Non relié au portail".
    workstation = startWorkstation({
      core: opened,
      dataDir: config.dataDir,
      env,
      tokenStore: deps.tokenStore,
      log,
      ...(deps.startPortal ? { startPortal: deps.startPortal } : {}),
    }).catch((error: unknown) => {
      log(`[sync] pas de portail, le poste travaille hors ligne : ${message(error)}`)
      return null
    })
    const ws = await workstation
    if (ws?.portalUrl) log(`[sync] portail : ${ws.portalUrl}${ws.portal ? ' (portail de démonstration intégré)' : ''}`)
    if (ws && config.awaitFirstSync && firstStart && ws.engine.status().enrolled && !stopping) {
      // First start of the web shell: the town arrives from the portal before the counter opens.
      const status = await ws.engine.syncNow()
      if (status.lastError) log(`[sync] ${status.lastError}`)
    }
    return { portalUrl: ws?.portalUrl ?? null }
  })()
  // The shell reads the failure from `ready`; no unhandled rejection here.
  ready.catch(() => undefined)

  return {
    ready,
    async call(ns, method, input) {
      try {
        await ready
      } catch {
        return hostUnavailable('stopped')
      }
      if (stopping || !core || !session) return hostUnavailable('stopped')
      try {
        return toWireResult(await core.call(session, ns, method, input))
      } catch {
        return failure('INTERNAL', 'Unexpected error in the core host.')
      }
    },
    async importScan(path, name) {
      try {
        await ready
      } catch {
        return hostUnavailable('stopped')
      }
      if (stopping || !core || !session) return hostUnavailable('stopped')
      if (!session.agentId) return failure('NOT_AUTHENTICATED', 'No agent logged in')
      // The router expires an idle session on its next call; an upload does not keep it alive.
      if (core.now().getTime() - session.lastActivity > (core.settings().idleLockSeconds + IDLE_GRACE_SECONDS) * 1000) {
        return failure('SESSION_LOCKED', 'Session locked after inactivity')
      }
      if (!isAbsolute(path) || path.includes('\0') || path.length > 4096) return failure('INVALID_INPUT', 'An absolute file path is expected')
      try {
        return { ok: true, data: await importScanFile(core.dataDir, path, name) }
      } catch (error) {
        if (error instanceof DomainError) return { ok: false, error: toContractError(error) }
        log(`[scans] import : ${message(error)}`)
        return failure('INTERNAL', 'Unexpected error while importing a scan.')
      }
    },
    stop() {
      stopping ??= (async () => {
        await ready.catch(() => undefined)
        let deadline: NodeJS.Timeout | undefined
        try {
          const stopped = (async () => {
            await (await workstation)?.stop()
            return true
          })()
          const late = new Promise<false>((resolve) => {
            deadline = setTimeout(() => resolve(false), STOP_DEADLINE_MS)
          })
          if (!(await Promise.race([stopped, late]))) {
            log(`[sync] arrêt de la synchronisation trop long (${STOP_DEADLINE_MS / 1000} s) : fermeture quand même, elle reprendra au prochain démarrage`)
          }
        } catch (error) {
          log(`[sync] arrêt : ${message(error)}`)
        } finally {
          clearTimeout(deadline)
        }
        try {
          if (core && session) core.closeSession(session)
          core?.close()
        } catch (error) {
          log(`[core] fermeture : ${message(error)}`)
        }
        session = null
        core = null
      })()
      return stopping
    },
  }
}
