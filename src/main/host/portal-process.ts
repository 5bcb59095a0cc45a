import { fork, type ChildProcess } from 'node:child_process'
import type { EmbeddedPortal, StartPortal } from '../core/sync/workstation'
import { isObject } from './protocol'
import { scrubText } from '../../common/redact'

/**
 * The embedded demo portal in its own child process (src/portal/child.ts, built as
 * out/main/portal.js): PGlite, Fastify and the snapshot builds never share an event loop with
 * the core or a shell. The child reports its URL, answers createEnrolmentCode and seedDemo
 * over the IPC channel, and closes on request. A crash is logged and the child restarted on
 * the same port (so the workstation's portal URL stays right), with a bounded backoff.
 */

export interface PortalProcessOptions {
  /** The child's entry (out/main/portal.js, or src/portal/child.ts with execArgv ['--import', 'tsx']). */
  entry: string
  execArgv?: string[]
  migrationsFolder?: string
  env?: NodeJS.ProcessEnv
  log?: (line: string) => void
  /** Delays before the successive restarts after a crash (ms); the last one repeats. */
  backoffMs?: number[]
  /** Longest wait for the child to close before it is killed (ms). */
  closeDeadlineMs?: number
  /** Test seam: how the child is started. */
  fork?: typeof fork
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void }

export const PORTAL_BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000]

export function portalProcess(options: PortalProcessOptions): StartPortal {
  const sink = options.log ?? ((line: string) => console.error(line))
  const log = (line: string): void => sink(scrubText(line)) // src/common/redact.ts
  const backoff = options.backoffMs ?? PORTAL_BACKOFF_MS
  const spawnChild = options.fork ?? fork

  return async ({ dataDir, port, host }) => {
    let child: ChildProcess | null = null
    let boundPort = port
    let closing = false
    let crashes = 0
    let nextId = 1
    const pending = new Map<number, Pending>()

    const failPending = (why: string) => {
      for (const p of pending.values()) p.reject(new Error(why))
      pending.clear()
    }

    /** Starts one child and resolves with its URL (rejects when it fails or exits before). */
    const launch = (): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        const started = spawnChild(options.entry, [], {
          execArgv: options.execArgv ?? [],
          // Electron: the host's execPath is Electron itself; run it as plain Node.
          env: { ...(options.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          serialization: 'advanced',
        })
        child = started
        let up = false
        started.on('message', (msg: unknown) => {
          if (!isObject(msg)) return
          if (msg.type === 'ready' && typeof msg.url === 'string') {
            up = true
            resolve(msg.url)
          } else if (msg.type === 'failed') {
            reject(new Error(String(msg.message)))
          } else if (msg.type === 'result' && typeof msg.id === 'number') {
            const p = pending.get(msg.id)
            if (!p) return
            pending.delete(msg.id)
            if (msg.ok === true) p.resolve(msg.value)
            else p.reject(new Error(typeof msg.message === 'string' ? msg.message : 'portal error'))
          }
        })
        started.on('error', (error) => {
          if (!up) reject(error)
        })
        started.on('exit', (code, signal) => {
          if (child === started) child = null
          failPending('Le portail de démonstration s’est arrêté.')
          if (!up) {
            reject(new Error(`Le portail de démonstration s’est arrêté au démarrage (${signal ?? code}).`))
            return
          }
          if (closing) return
          const delay = backoff[Math.min(crashes, backoff.length - 1)] ?? 1_000
          crashes++
          log(`[portail] le portail de démonstration s’est arrêté (${signal ?? `code ${code}`}) : redémarrage dans ${delay} ms`)
          setTimeout(() => {
            if (closing) return
            launch().then(
              (again) => log(`[portail] portail de démonstration redémarré : ${again}`),
              (error: unknown) => log(`[portail] redémarrage impossible : ${error instanceof Error ? error.message : String(error)}`),
            )
          }, delay).unref()
        })
        started.send({
          type: 'start',
          dataDir,
          port: boundPort,
          host: host ?? '127.0.0.1',
          ...(options.migrationsFolder ? { migrationsFolder: options.migrationsFolder } : {}),
        })
      })

    const url = await launch()
    // A restarted child listens on the same port: the workstation's portal URL stays right.
    boundPort = Number(new URL(url).port)

    const request = (op: string, args: unknown): Promise<unknown> =>
      new Promise((resolve, reject) => {
        const current = child
        if (!current || !current.connected) {
          reject(new Error('Le portail de démonstration est arrêté.'))
          return
        }
        const id = nextId++
        pending.set(id, { resolve, reject })
        current.send({ type: 'call', id, op, args })
      })

    const portal: EmbeddedPortal = {
      url,
      createEnrolmentCode: async (name) => String(await request('createEnrolmentCode', { name })),
      seedDemo: (opts) => request('seedDemo', opts),
      close: async () => {
        closing = true
        const current = child
        if (!current || current.exitCode !== null || current.signalCode !== null) return
        const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()))
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            log('[portail] arrêt trop long : le processus du portail est tué')
            current.kill('SIGKILL')
            resolve()
          }, options.closeDeadlineMs ?? 8_000)
        })
        if (current.connected) current.send({ type: 'close' })
        else current.kill('SIGTERM')
        await Promise.race([exited, late])
        clearTimeout(timer)
      },
    }
    return portal
  }
}
