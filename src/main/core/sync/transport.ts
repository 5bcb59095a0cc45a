import type { z } from 'zod'
import {
  API_PREFIX,
  EnrolResponseSchema,
  PortalErrorSchema,
  PullResponseSchema,
  PushResponseSchema,
  SCHEMA_HEADER,
  SnapshotInfoSchema,
  SYNC_SCHEMA_VERSION,
  type EnrolResponse,
  type PortalErrorCode,
  type PullResponse,
  type PushCommand,
  type PushResponse,
  type SnapshotInfo,
} from '@shared/sync/protocol'
import { portalUrlProblem } from '@shared/sync/portalUrl'

/**
 * The workstation's HTTP client for the portal API (see docs/sync-protocol.md): JSON over
 * global fetch, a timeout on every request, every answer validated with the protocol's
 * schemas, and typed errors the engine turns into a status. The `fetch` is injectable so
 * that tests can lose requests, lose responses, answer 500 or hang.
 */

/** The subset of fetch the transport uses (tests wrap the real one to inject faults). */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

export const PORTAL_PATHS = {
  enrol: `${API_PREFIX}/workstations/enrol`,
  push: `${API_PREFIX}/sync/push`,
  pull: `${API_PREFIX}/sync/pull`,
  snapshot: `${API_PREFIX}/sync/snapshot`,
  snapshotFile: `${API_PREFIX}/sync/snapshot/file`,
} as const

export type SyncErrorKind =
  /** The portal cannot be reached (network down, connection refused or reset). */
  | 'offline'
  /** No answer within the timeout. */
  | 'timeout'
  /** The portal answered 5xx, or something that is not the protocol. */
  | 'portal'
  /** 409: the portal expects another sequence number (`expectedSeq`). */
  | 'sequence_gap'
  /** 426: this workstation is older than the portal's minimum schema version. */
  | 'upgrade'
  /** 401/403: the token was revoked (or belongs to nobody). */
  | 'unauthorized'
  /** 4xx: the portal refused the request itself (bad enrolment code, invalid request…). */
  | 'refused'
  /** 409 on push: another command holds one of our seqs on the portal (this workstation was restored from a backup). */
  | 'seq_conflict'
  /** 409 on pull: our cursor lies beyond the portal's last change (the portal was restored from a backup). */
  | 'cursor_ahead'
  /** 409 on pull: our cursor lies below the portal's compaction horizon (this workstation stayed away too long). */
  | 'cursor_too_old'
  /** The portal's address is refused here (http:// to another machine), or its CA file cannot be read. */
  | 'insecure'

/** French lines for the status bar. */
export const SYNC_ERROR_TEXT: Record<SyncErrorKind, string> = {
  offline: 'Portail injoignable : les changements restent enregistrés sur ce poste.',
  timeout: 'Le portail ne répond pas (délai dépassé) : nouvel essai bientôt.',
  portal: 'Le portail a rencontré une erreur : nouvel essai bientôt.',
  sequence_gap: 'Le portail attend d’autres changements de ce poste : renvoi en cours.',
  upgrade: 'Mettez l’application à jour : le portail n’accepte plus cette version.',
  unauthorized: 'Ce poste n’est plus autorisé (jeton révoqué) : inscrivez-le de nouveau.',
  refused: 'Le portail a refusé la demande.',
  seq_conflict:
    'Ce poste a été restauré depuis une sauvegarde : il doit être enrôlé à nouveau. Ses modifications non envoyées sont conservées (écran « Poste »).',
  cursor_ahead: 'Le portail a été restauré depuis une sauvegarde : ce poste recharge ses données depuis le portail.',
  cursor_too_old: 'Ce poste est resté longtemps sans se synchroniser : il recharge les données de la ville depuis le portail.',
  insecure:
    'Adresse du portail refusée : http:// n’est permis que vers ce poste lui-même (localhost, 127.0.0.1). Utilisez https:// pour un portail sur le réseau.',
}

export class SyncTransportError extends Error {
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
    readonly extra: {
      status?: number
      code?: PortalErrorCode
      /** French message from the portal, when it sent one. */
      portalMessage?: string
      expectedSeq?: number
      minSchemaVersion?: number
      /** SEQ_CONFLICT: the portal's last applied seq for this workstation, and that command's id. */
      lastAppliedSeq?: number
      lastCommandId?: string | null
      /** CURSOR_AHEAD: the portal's last change seq. */
      portalSeq?: number
      /** CURSOR_TOO_OLD: the portal's compaction horizon. */
      horizon?: number
    } = {},
  ) {
    super(message)
    this.name = 'SyncTransportError'
  }

  /** What the agent reads in the status bar. */
  get french(): string {
    if (this.kind === 'refused' && this.extra.portalMessage) return this.extra.portalMessage
    if (this.kind === 'insecure' && this.extra.portalMessage) return this.extra.portalMessage
    return SYNC_ERROR_TEXT[this.kind]
  }

  /** True when the portal could not be reached at all (the status shows "hors ligne"). */
  get offline(): boolean {
    return this.kind === 'offline' || this.kind === 'timeout'
  }
}

export interface TransportOptions {
  /** The portal's base URL, e.g. http://127.0.0.1:8790 (no trailing /api/v1). */
  baseUrl: string
  /** The workstation's token (null before enrolment). */
  token: () => string | null
  fetch?: FetchLike
  /** Per-request timeout for JSON requests (default 15 s). */
  timeoutMs?: number
  /** Snapshot download: abort when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number
  /** This workstation's clock (GUICHET_CLOCK in tests), to measure its offset with the portal's. */
  now?: () => Date
  /** Called with each answer's clock sample (the portal's HTTP Date against this clock). */
  onClock?: (sample: ClockSample) => void
}

/** One measure of this workstation's clock against the portal's. */
export interface ClockSample {
  /** This clock minus the portal's, in ms (positive: this workstation is ahead). */
  offsetMs: number
  /** The request's round trip (the measure's uncertainty is about half of it, plus the Date header's 1 s resolution). */
  roundTripMs: number
  at: Date
}

/**
 * The offset of the local clock against the portal's, from an answer's Date header (whole
 * seconds, truncated: its middle is half a second later) and the local instants the request
 * left and the answer came: the portal stamped it, on average, halfway through the round trip.
 */
export function clockSample(dateHeader: string | null, sentAt: Date, receivedAt: Date): ClockSample | null {
  if (!dateHeader) return null
  const portal = Date.parse(dateHeader)
  if (Number.isNaN(portal)) return null
  const roundTripMs = Math.max(0, receivedAt.getTime() - sentAt.getTime())
  const localMid = sentAt.getTime() + roundTripMs / 2
  return { offsetMs: Math.round(localMid - (portal + 500)), roundTripMs, at: receivedAt }
}
export interface SnapshotDownload {
  /** 206: the body starts at the requested offset; 200: the body is the whole file. */
  partial: boolean
  /** Total size of the file when the portal told it. */
  totalBytes: number | null
  body: AsyncIterable<Uint8Array>
}

export interface Transport {
  readonly baseUrl: string
  enrol(code: string, name?: string): Promise<EnrolResponse>
  push(commands: PushCommand[]): Promise<PushResponse>
  pull(cursor: number, limit?: number): Promise<PullResponse>
  snapshotInfo(): Promise<SnapshotInfo>
  /**
   * Streams the snapshot file from byte `from` (HTTP Range, If-Range on its sha256), pinned
   * to the snapshot `seq` (404 when the portal no longer has it: start again).
   */
  snapshotFile(from: number, pin?: { seq: number; sha256: string }): Promise<SnapshotDownload>
}

function isAbort(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name
  return name === 'TimeoutError' || name === 'AbortError'
}

export function normaliseBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '').replace(/\/api\/v1$/, '')
}

export function createTransport(opts: TransportOptions): Transport {
  const baseUrl = normaliseBaseUrl(opts.baseUrl)
  const doFetch: FetchLike = opts.fetch ?? ((url, init) => fetch(url, init))
  // http:// only to this machine itself: refused before any byte leaves (every request checks).
  const urlProblem = portalUrlProblem(baseUrl)
  const now = opts.now ?? (() => new Date())
  const timeoutMs = opts.timeoutMs ?? 15_000
  const idleTimeoutMs = opts.idleTimeoutMs ?? 30_000

  function headers(json: boolean, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { [SCHEMA_HEADER]: String(SYNC_SCHEMA_VERSION), accept: 'application/json', ...extra }
    if (json) h['content-type'] = 'application/json'
    const token = opts.token()
    if (token) h.authorization = `Bearer ${token}`
    return h
  }

  async function send(path: string, init: RequestInit, signal: AbortSignal): Promise<Response> {
    if (urlProblem) throw new SyncTransportError('insecure', `${path}: portal address refused (${baseUrl})`, { portalMessage: urlProblem })
    try {
      const sentAt = now()
      const res = await doFetch(`${baseUrl}${path}`, { ...init, signal })
      if (opts.onClock) {
        const sample = clockSample(res.headers.get('date'), sentAt, now())
        if (sample) opts.onClock(sample)
      }
      return res
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw new SyncTransportError('timeout', `${path}: no answer within the timeout`)
      throw new SyncTransportError('offline', `${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
  }

  /** Turns a non-2xx answer into a typed error (reading the protocol's error body when there is one). */
  async function failure(path: string, res: Response): Promise<SyncTransportError> {
    const body: unknown = await res.json().catch(() => null)
    const parsed = PortalErrorSchema.safeParse(body)
    const e = parsed.success ? parsed.data.error : null
    const extra = {
      status: res.status,
      ...(e ? { code: e.code, portalMessage: e.message } : {}),
      ...(e?.expectedSeq !== undefined ? { expectedSeq: e.expectedSeq } : {}),
      ...(e?.minSchemaVersion !== undefined ? { minSchemaVersion: e.minSchemaVersion } : {}),
      ...(e?.lastAppliedSeq !== undefined ? { lastAppliedSeq: e.lastAppliedSeq } : {}),
      ...(e?.lastCommandId !== undefined ? { lastCommandId: e.lastCommandId } : {}),
      ...(e?.portalSeq !== undefined ? { portalSeq: e.portalSeq } : {}),
      ...(e?.horizon !== undefined ? { horizon: e.horizon } : {}),
    }
    const message = `${path}: HTTP ${res.status}${e ? ` ${e.code}` : ''}`
    if (res.status === 409 && e?.code === 'SEQ_CONFLICT') return new SyncTransportError('seq_conflict', message, extra)
    if (res.status === 409 && e?.code === 'CURSOR_AHEAD') return new SyncTransportError('cursor_ahead', message, extra)
    if (res.status === 409 && e?.code === 'CURSOR_TOO_OLD') return new SyncTransportError('cursor_too_old', message, extra)
    if (res.status === 409 && (e?.code === 'SEQUENCE_GAP' || e?.expectedSeq !== undefined)) {
      return new SyncTransportError('sequence_gap', message, extra)
    }
    if (res.status === 426 || e?.code === 'UPGRADE_REQUIRED') return new SyncTransportError('upgrade', message, extra)
    if (res.status === 401 || res.status === 403) return new SyncTransportError('unauthorized', message, extra)
    if (res.status >= 500 || res.status < 400) return new SyncTransportError('portal', message, extra)
    return new SyncTransportError('refused', message, extra)
  }

  async function json<S extends z.ZodType>(path: string, init: RequestInit, schema: S): Promise<z.output<S>> {
    const signal = AbortSignal.timeout(timeoutMs)
    const res = await send(path, init, signal)
    if (!res.ok) throw await failure(path, res)
    let body: unknown
    try {
      body = await res.json()
    } catch (error) {
      if (isAbort(error) || signal.aborted) throw new SyncTransportError('timeout', `${path}: body not received within the timeout`)
      if (error instanceof SyntaxError) throw new SyncTransportError('portal', `${path}: the answer is not JSON`)
      throw new SyncTransportError('offline', `${path}: ${error instanceof Error ? error.message : String(error)}`)
    }
    const parsed = schema.safeParse(body)
    if (!parsed.success) throw new SyncTransportError('portal', `${path}: the answer breaks the protocol: ${parsed.error.message.slice(0, 300)}`)
    return parsed.data
  }

  return {
    baseUrl,
    enrol: (code, name) =>
      json(
        PORTAL_PATHS.enrol,
        { method: 'POST', headers: headers(true), body: JSON.stringify(name ? { code, name } : { code }) },
        EnrolResponseSchema,
      ),
    push: (commands) =>
      json(
        PORTAL_PATHS.push,
        { method: 'POST', headers: headers(true), body: JSON.stringify({ schemaVersion: SYNC_SCHEMA_VERSION, commands }) },
        PushResponseSchema,
      ),
    pull: (cursor, limit) =>
      json(
        `${PORTAL_PATHS.pull}?cursor=${cursor}${limit ? `&limit=${limit}` : ''}`,
        { method: 'GET', headers: headers(false) },
        PullResponseSchema,
      ),
    snapshotInfo: () => json(PORTAL_PATHS.snapshot, { method: 'GET', headers: headers(false) }, SnapshotInfoSchema),
    async snapshotFile(from, pin) {
      const path = pin ? `${PORTAL_PATHS.snapshotFile}?seq=${pin.seq}` : PORTAL_PATHS.snapshotFile
      // The whole download may take long: abort only when the stream stalls.
      const controller = new AbortController()
      let timer = setTimeout(() => controller.abort(), idleTimeoutMs)
      const touch = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => controller.abort(), idleTimeoutMs)
      }
      const res = await send(
        path,
        {
          method: 'GET',
          headers: headers(false, {
            accept: 'application/vnd.sqlite3, application/octet-stream',
            ...(from > 0 ? { range: `bytes=${from}-` } : {}),
            ...(from > 0 && pin ? { 'if-range': `"${pin.sha256}"` } : {}),
          }),
        },
        controller.signal,
      ).catch((error: unknown) => {
        clearTimeout(timer)
        throw error
      })
      if (!res.ok) {
        clearTimeout(timer)
        // 416: the range starts at or past the end: the caller restarts from zero.
        throw await failure(path, res)
      }
      if (!res.body) {
        clearTimeout(timer)
        throw new SyncTransportError('portal', `${path}: empty body`)
      }
      const partial = res.status === 206
      const rangeTotal = /\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '')?.[1]
      const length = Number(res.headers.get('content-length'))
      const totalBytes = rangeTotal ? Number(rangeTotal) : !partial && Number.isFinite(length) && length > 0 ? length : null
      const stream = res.body
      async function* body(): AsyncIterable<Uint8Array> {
        const reader = stream.getReader()
        try {
          for (;;) {
            let chunk: Awaited<ReturnType<typeof reader.read>>
            try {
              chunk = await reader.read()
            } catch (error) {
              if (isAbort(error) || controller.signal.aborted) throw new SyncTransportError('timeout', `${path}: download stalled`)
              throw new SyncTransportError('offline', `${path}: download cut: ${error instanceof Error ? error.message : String(error)}`)
            }
            if (chunk.done) return
            touch()
            yield chunk.value
          }
        } finally {
          clearTimeout(timer)
          reader.cancel().catch(() => undefined)
        }
      }
      return { partial, totalBytes, body: body() }
    },
  }
}
