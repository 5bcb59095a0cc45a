import { parentPort } from 'node:worker_threads'
import { TwoDDocUnreadableError, type TwoDDocMime } from './decode'
import { readTwoDDocFile } from './reader'
import type { TrustBundle } from './trust'

/**
 * The 2D-Doc worker thread (service.ts starts it): decodes, parses and verifies one file a
 * message, so that rasterising a PDF never holds up the core host's thread. Built as
 * out/main/twoddoc-worker.js (electron.vite.config.ts); run from source through tsx in tests.
 * Nothing is logged; an error answer never carries the barcode's content.
 */

export type WorkerRequest = {
  id: number
  bytes: Uint8Array
  mime: TwoDDocMime
  bundleId: number
  /** Sent the first time this worker sees the bundle, then named by bundleId only. */
  bundle: TrustBundle | null
}

export type WorkerAnswer =
  | { id: number; ok: true; outcome: import('./reader').TwoDDocOutcome }
  | { id: number; ok: false; kind: 'unreadable' | 'bundle' | 'internal'; message: string }

/** The bundles this worker was given (the verifier caches parsed certificates per bundle object). */
const bundles = new Map<number, TrustBundle>()
const KEEP_BUNDLES = 4

async function answer(req: WorkerRequest): Promise<WorkerAnswer> {
  if (req.bundle) {
    bundles.set(req.bundleId, req.bundle)
    while (bundles.size > KEEP_BUNDLES) bundles.delete(bundles.keys().next().value as number)
  }
  const bundle = bundles.get(req.bundleId)
  if (!bundle) return { id: req.id, ok: false, kind: 'bundle', message: 'liste de confiance inconnue du lecteur' }
  try {
    return { id: req.id, ok: true, outcome: await readTwoDDocFile(req.bytes, req.mime, bundle) }
  } catch (e) {
    if (e instanceof TwoDDocUnreadableError) return { id: req.id, ok: false, kind: 'unreadable', message: e.message }
    return { id: req.id, ok: false, kind: 'internal', message: 'Lecture du 2D-Doc impossible (erreur inattendue).' }
  }
}

const port = parentPort
if (port) {
  port.on('message', (req: WorkerRequest) => {
    void answer(req).then((a) => port.postMessage(a))
  })
}
