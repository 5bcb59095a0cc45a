import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Core } from '../index'
import { getSetting, saveSettings, setSetting } from '../services/settings'
import { createSyncEngine, type SyncEngine, type SyncEngineOptions } from './engine'
import { SYNC_KEYS } from './state'
import type { TokenStore } from './token'
import { portalUrlProblem } from '@shared/sync/portalUrl'
import { normaliseBaseUrl, type FetchLike } from './transport'

/**
 * What both shells (web and Electron) do to connect the workstation to its portal:
 *
 * - GUICHET_PORTAL_URL=https://…: that portal (enrolled once, by a responsable in the app, or
 *   automatically with GUICHET_ENROL_CODE);
 * - otherwise, unless GUICHET_PORTAL=off: an embedded demo portal, started by `startPortal` in
 *   its own child process (src/main/host/portal-process.ts; PGlite in <dataDir>/portal, a free
 *   loopback port), seeded with the demo town on its
 *   first start (GUICHET_DEMO_FAMILIES, default 600; none with GUICHET_NO_DEMO=1), and the
 *   workstation enrolled on it with a fresh one-time code; the workstation then bootstraps
 *   the town from the portal;
 * - GUICHET_PORTAL=off: no portal; the engine still runs, not enrolled (a responsable can
 *   enrol the workstation from the app).
 *
 * The portal's address must be https://, or http:// only to this machine itself (loopback);
 * GUICHET_PORTAL_CA=/path/ca.pem names the certificate authority of a town network whose
 * portal certificate the public roots do not cover (trusted for the portal's requests only).
 */

/** The embedded portal as the workstation uses it: a child process (src/portal/child.ts) seen through its IPC. */
export interface EmbeddedPortal {
  url: string
  close(): Promise<void> | void
  createEnrolmentCode(name: string): Promise<string> | string
  seedDemo(opts: { families: number; seed: number }): Promise<unknown> | unknown
}

export type StartPortal = (opts: { dataDir: string; port: number; host?: string }) => Promise<EmbeddedPortal>

export interface StartWorkstationOptions {
  core: Core
  dataDir: string
  env: NodeJS.ProcessEnv
  tokenStore: TokenStore
  log?: (line: string) => void
  /** Starts the embedded portal in its own process (src/main/host/portal-process.ts): the core host never loads src/portal. */
  startPortal?: StartPortal
  fetch?: FetchLike
  engine?: Partial<Omit<SyncEngineOptions, 'core' | 'tokenStore'>>
}

export interface Workstation {
  engine: SyncEngine
  /** The portal's URL (null when none is configured yet). */
  portalUrl: string | null
  /** The embedded demo portal, when this process runs one. */
  portal: EmbeddedPortal | null
  /** Stops the engine, then the embedded portal. */
  stop(): Promise<void>
}

export function envPositiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = Number(env[name])
  return Number.isInteger(n) && n > 0 ? n : fallback
}

/** True when this start should run the embedded demo portal. */
export function wantsEmbeddedPortal(env: NodeJS.ProcessEnv): boolean {
  return !env.GUICHET_PORTAL_URL && env.GUICHET_PORTAL !== 'off'
}

export async function startWorkstation(opts: StartWorkstationOptions): Promise<Workstation> {
  const { core, env, tokenStore } = opts
  const log = opts.log ?? ((line: string) => console.log(line))
  const engine = createSyncEngine({
    core,
    tokenStore,
    log,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(env.GUICHET_PORTAL_CA ? { caFile: env.GUICHET_PORTAL_CA } : {}),
    intervalSeconds: envPositiveInt(env, 'GUICHET_SYNC_INTERVAL_SECONDS', 30),
    ...opts.engine,
  })
  core.attachSync(engine)
  let portal: EmbeddedPortal | null = null
  let portalUrl: string | null = null
  const enrolled = () => engine.status().enrolled

  try {
    if (env.GUICHET_PORTAL_URL) {
      portalUrl = normaliseBaseUrl(env.GUICHET_PORTAL_URL)
      const code = env.GUICHET_ENROL_CODE
      const current = getSetting(core.sqlite, SYNC_KEYS.portalUrl)
      const problem = portalUrlProblem(portalUrl)
      if (problem) log(`[sync] GUICHET_PORTAL_URL=${portalUrl} : ${problem}`)
      else if ((!enrolled() || current !== portalUrl) && code) await engine.enrol(portalUrl, code)
      else if (!enrolled()) log(`[sync] poste non inscrit : un responsable doit l’inscrire sur ${portalUrl} (code d’inscription)`)
    } else if (env.GUICHET_PORTAL !== 'off') {
      if (!opts.startPortal) throw new Error('startWorkstation: no embedded portal available (startPortal missing)')
      const portalDir = join(opts.dataDir, 'portal')
      const firstStart = !existsSync(portalDir)
      const started = Date.now()
      portal = await opts.startPortal({ dataDir: portalDir, port: 0, host: '127.0.0.1' })
      portalUrl = normaliseBaseUrl(portal.url)
      const demo = env.GUICHET_NO_DEMO !== '1'
      if (firstStart && demo) {
        const families = envPositiveInt(env, 'GUICHET_DEMO_FAMILIES', 600)
        await portal.seedDemo({ families, seed: envPositiveInt(env, 'GUICHET_DEMO_SEED', 1) })
        log(`[portail] ville de démonstration créée sur le portail : ${families} familles en ${Date.now() - started} ms`)
      }
      if (!enrolled() || firstStart) {
        const code = await portal.createEnrolmentCode(core.settings().workstationName)
        await engine.enrol(portalUrl, code)
      } else {
        // The embedded portal listens on a new port at each start: same portal, same token.
        const url = portalUrl
        await core.exclusive(() => setSetting(core.sqlite, SYNC_KEYS.portalUrl, url))
      }
      if (demo) {
        // The demo town's agents come from the portal: the login screen shows their logins.
        await core.exclusive(() => saveSettings(core.sqlite, { demo: true }))
        core.reloadSettings()
      }
    }
  } catch (error) {
    await engine.stop()
    if (portal) await portal.close()
    throw error
  }

  engine.start()
  return {
    engine,
    portal,
    portalUrl: portalUrl ?? getSetting(core.sqlite, SYNC_KEYS.portalUrl) ?? null,
    async stop() {
      await engine.stop()
      if (portal) await portal.close()
    },
  }
}
