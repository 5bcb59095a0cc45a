import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { TwoDDocMime } from './decode'
import { TwoDDocUnreadableError } from './errors'
import type { TwoDDocOutcome } from './reader'
import type { TrustBundle } from './trust'
import type { WorkerAnswer, WorkerRequest } from './worker'

/**
 * The core's 2D-Doc reader, in a worker thread: the reading (zxing, pdf.js rasterising, ECDSA)
 * never runs on the core host's thread. The worker starts at the first read, is started again
 * after a crash, and a read taking more than 30 s stops it (the next read starts a new one).
 */
export interface TwoDDocService {
  /**
   * Reads a PNG, JPEG or PDF. The bytes are transferred to the worker, not copied, when they
   * own their whole buffer: the caller must not use them afterwards.
   * Rejects with TwoDDocUnreadableError (French: not an image/PDF, corrupt) or TwoDDocWorkerError.
   */
  read(bytes: Uint8Array, mime: TwoDDocMime, bundle: TrustBundle): Promise<TwoDDocOutcome>
  close(): Promise<void>
}

/** The worker failed (crash, timeout, closed): French message, nothing of the file. */
export class TwoDDocWorkerError extends Error {
  override name = 'TwoDDocWorkerError'
}

export const READ_TIMEOUT_MS = 30_000

/** A file that would make the reader's heap grow without end stops the worker, not the core host. */
const LIMITS = { maxOldGenerationSizeMb: 1024 }

const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url)

/**
 * Where the worker is: next to this module when it runs from source (worker.ts, through tsx),
 * next to the bundle when built (electron-vite's main build emits out/main/twoddoc-worker.js
 * beside host.js, into which this module is bundled).
 */
export function defaultWorkerFile(): string {
  if (here.endsWith('.ts')) return join(dirname(here), 'worker.ts')
  // The bundler may put this module in out/main/chunks/: the worker is then one level up.
  const candidates = [join(dirname(here), 'twoddoc-worker.js'), join(dirname(here), '..', 'twoddoc-worker.js')]
  return candidates.find((f) => existsSync(f)) ?? (candidates[0] as string)
}

/** From source: tsx reads the repository's tsconfig.json (the @shared alias) whatever the current folder. */
function sourceEnv(): NodeJS.ProcessEnv {
  const tsconfig = join(dirname(here), '..', '..', '..', '..', 'tsconfig.json')
  return existsSync(tsconfig) ? { ...process.env, TSX_TSCONFIG_PATH: tsconfig } : { ...process.env }
}

interface Pending {
  resolve: (o: TwoDDocOutcome) => void
  reject: (e: Error) => void
  timer: NodeJS.Timeout
}

/** The bytes as an ArrayBuffer the worker can own: the caller's own buffer when it is whole, else a copy. */
function transferable(bytes: Uint8Array): Uint8Array {
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
  // A small Buffer lives in node's shared pool: never transfer that one.
  return whole && bytes.byteLength > 8192 ? bytes : new Uint8Array(bytes)
}

export function createTwoDDocService(opts: { workerFile?: string; timeoutMs?: number } = {}): TwoDDocService {
  const workerFile = opts.workerFile ?? defaultWorkerFile()
  const timeoutMs = opts.timeoutMs ?? READ_TIMEOUT_MS
  let worker: Worker | null = null
  /** Bundles sent to the current worker. */
  let sentBundles = new Set<number>()
  const bundleIds = new WeakMap<TrustBundle, number>()
  let nextBundleId = 1
  let nextId = 1
  const pending = new Map<number, Pending>()
  let closed = false

  const failAll = (error: Error): void => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer)
      pending.delete(id)
      p.reject(error)
    }
  }

  const drop = (w: Worker, error: Error): void => {
    if (worker !== w) return
    worker = null
    sentBundles = new Set()
    failAll(error)
    void w.terminate().catch(() => undefined)
  }

  const start = (): Worker => {
    if (!existsSync(workerFile)) throw new TwoDDocWorkerError('Le lecteur de 2D-Doc est introuvable dans cette installation.')
    const w = workerFile.endsWith('.ts')
      ? // From source (tests, tsx): node 20 does not apply `--import tsx` to a worker's entry, so a
        // small script registers tsx's require hook, then loads the worker module.
        new Worker(
          `require(${JSON.stringify(createRequire(here).resolve('tsx/cjs/api'))}).register(); require(${JSON.stringify(workerFile)})`,
          { eval: true, stdout: true, stderr: true, resourceLimits: LIMITS, env: sourceEnv() },
        )
      : new Worker(workerFile, { stdout: true, stderr: true, resourceLimits: LIMITS })
    // Nothing a library might print (pdf.js warnings) reaches the logs: the streams are drained.
    w.stdout.resume()
    w.stderr.resume()
    w.on('message', (a: WorkerAnswer) => {
      const p = pending.get(a.id)
      if (!p) return
      pending.delete(a.id)
      clearTimeout(p.timer)
      if (pending.size === 0) w.unref()
      if (a.ok) p.resolve(a.outcome)
      else if (a.kind === 'unreadable') p.reject(new TwoDDocUnreadableError(a.message))
      else p.reject(new TwoDDocWorkerError(a.kind === 'bundle' ? 'Lecture du 2D-Doc impossible : liste de confiance non transmise.' : a.message))
    })
    w.on('error', () => drop(w, new TwoDDocWorkerError('La lecture du 2D-Doc a échoué : le lecteur s’est arrêté. Réessayez.')))
    w.on('exit', () => drop(w, new TwoDDocWorkerError('La lecture du 2D-Doc a échoué : le lecteur s’est arrêté. Réessayez.')))
    w.unref()
    return w
  }

  return {
    read(bytes, mime, bundle) {
      if (closed) return Promise.reject(new TwoDDocWorkerError('Le lecteur de 2D-Doc est fermé.'))
      let w: Worker
      try {
        w = worker ??= start()
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new TwoDDocWorkerError('Le lecteur de 2D-Doc ne démarre pas.'))
      }
      let bundleId = bundleIds.get(bundle)
      if (bundleId === undefined) {
        bundleId = nextBundleId++
        bundleIds.set(bundle, bundleId)
      }
      const first = !sentBundles.has(bundleId)
      sentBundles.add(bundleId)
      const id = nextId++
      const data = transferable(bytes)
      const request: WorkerRequest = { id, bytes: data, mime, bundleId, bundle: first ? bundle : null }
      return new Promise<TwoDDocOutcome>((resolve, reject) => {
        const timer = setTimeout(() => {
          drop(w, new TwoDDocWorkerError('La lecture du 2D-Doc a pris trop de temps et a été arrêtée.'))
        }, timeoutMs)
        timer.unref()
        pending.set(id, { resolve, reject, timer })
        w.ref()
        w.postMessage(request, [data.buffer as ArrayBuffer])
      })
    },
    async close() {
      closed = true
      const w = worker
      worker = null
      failAll(new TwoDDocWorkerError('Le lecteur de 2D-Doc est fermé.'))
      if (w) await w.terminate().catch(() => undefined)
    },
  }
}
