import { CLOCK_SKEW_WARN_MS, DomainError, type SyncStatus } from '@shared/contract'
import { portalUrlProblem } from '@shared/sync/portalUrl'
import type { Core } from '../index'
import { countPendingOutbox } from '../services/outbox'
import { getSetting, setSetting } from '../services/settings'
import type { SyncService } from '../types'
import { runBootstrap, type BootstrapProgress } from './bootstrap'
import { pullAll } from './pull'
import { pushAll } from './push'
import { countUnresolvedRejections } from './rejections'
import { fetchWithCa, readCaFile } from './https'
import {
  SYNC_KEYS,
  clearRestored,
  readBootstrap,
  readCursor,
  readInt,
  readRestored,
  restartBootstrap,
  writeBootstrap,
  writeRestored,
} from './state'
import type { TokenStore } from './token'
import {
  createTransport,
  normaliseBaseUrl,
  SYNC_ERROR_TEXT,
  SyncTransportError,
  type ClockSample,
  type FetchLike,
  type SyncErrorKind,
} from './transport'

/**
 * The workstation's sync engine: push until the outbox is empty, bootstrap once after
 * enrolment, then pull (a page applied only while the outbox is still empty, otherwise
 * push again first). One round at a time, at start, every `intervalSeconds`, when the
 * network comes back and on demand; exponential backoff with full jitter while the portal
 * fails. Everything it writes goes through `core.exclusive` in one SQLite transaction, so a
 * crash at any point leaves the outbox and the cursor consistent.
 */

export interface SyncEngineOptions {
  core: Core
  tokenStore: TokenStore
  fetch?: FetchLike
  now?: () => Date
  /** Seconds between rounds while all is well (default 30). */
  intervalSeconds?: number
  log?: (line: string) => void
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number
  /** Backoff while the portal fails: full jitter between 0 and min(cap, base × 2^(n−1)). */
  backoff?: { baseMs?: number; capMs?: number }
  /** Random source of the jitter (tests). */
  random?: () => number
  /** Commands per push request (≤ MAX_PUSH_COMMANDS). */
  pushBatch?: number
  /** Changes per pull page (the portal's default when unset). */
  pullLimit?: number
  /** Rows per bootstrap import transaction (default 2 000). */
  importChunkRows?: number
  /**
   * A PEM file of the certificate authority that signed the portal's certificate (a town's own
   * CA: GUICHET_PORTAL_CA), trusted for the portal's requests besides the public roots.
   */
  caFile?: string
}

export interface SyncEngine extends SyncService {
  /** Starts the scheduler (a round now, then every interval). */
  start(): void
  /** Stops the scheduler and waits for the round in progress. */
  stop(): Promise<void>
  /** The network is back: sync now. */
  notifyOnline(): void
  /** The pull cursor this workstation holds. */
  cursor(): number
}

export interface RoundReport {
  ok: boolean
  pushed: number
  pulled: number
  error: SyncTransportError | null
  /** A bug or a local failure rather than the portal's (logged with its stack). */
  internal?: boolean
}

const MAX_PUSH_PULL_CYCLES = 8

/** The last change the portal acknowledged under this workstation's current identity (local seq), if any. */
function lastAcknowledgedSeq(sqlite: Core['sqlite']): number | null {
  const offset = readInt(sqlite, SYNC_KEYS.seqOffset, 0)
  return (
    sqlite.prepare(`SELECT max(seq) AS s FROM outbox WHERE status <> 'pending' AND seq > ?`).get(offset) as { s: number | null }
  ).s
}

export function backoffDelayMs(failures: number, random: () => number, baseMs = 2000, capMs = 300_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(failures - 1, 30)))
  return Math.max(100, Math.round(random() * ceiling))
}

export function createSyncEngine(opts: SyncEngineOptions): SyncEngine {
  const { core, tokenStore } = opts
  const now = opts.now ?? core.now
  const log = opts.log ?? ((line: string) => console.log(line))
  const intervalMs = (opts.intervalSeconds ?? 30) * 1000
  const random = opts.random ?? Math.random

  let started = false
  let running: Promise<void> | null = null
  let again = false
  let waiting: Array<() => void> = []
  let timer: NodeJS.Timeout | null = null
  let failures = 0
  let online = false
  let lastError: { kind: SyncErrorKind | 'internal'; text: string } | null = null
  let lastSyncAt: string | null = core.sqlite.open ? (getSetting(core.sqlite, SYNC_KEYS.lastSyncAt) ?? null) : null
  let nextAttemptAt: string | null = null
  let progress: BootstrapProgress | null = null
  let bootstrapping = false
  let clock: NonNullable<SyncStatus['clock']> | null = null

  // The portal's requests: the injected fetch (tests), or one that also trusts the town's CA.
  let caError: string | null = null
  let baseFetch: FetchLike | undefined = opts.fetch
  if (!baseFetch && opts.caFile) {
    try {
      baseFetch = fetchWithCa(readCaFile(opts.caFile))
      log(`[sync] autorité de certification du portail : ${opts.caFile}`)
    } catch (error) {
      caError = error instanceof Error ? error.message : String(error)
      log(`[sync] ${caError}`)
    }
  }

  function onClock(sample: ClockSample): void {
    const warning = Math.abs(sample.offsetMs) > CLOCK_SKEW_WARN_MS
    if (warning && !clock?.warning) log(`[sync] l’horloge de ce poste diffère de celle du portail de ${Math.round(sample.offsetMs / 1000)} s`)
    clock = { offsetMs: sample.offsetMs, measuredAt: sample.at.toISOString(), warning }
  }

  function transportFor(baseUrl: string, token: () => string | null) {
    if (caError) throw new SyncTransportError('insecure', caError, { portalMessage: caError })
    return createTransport({
      baseUrl,
      token,
      now,
      onClock,
      ...(baseFetch ? { fetch: baseFetch } : {}),
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    })
  }

  function portalUrl(): string | null {
    return core.sqlite.open ? (getSetting(core.sqlite, SYNC_KEYS.portalUrl) ?? null) : null
  }

  function enrolled(): boolean {
    return portalUrl() !== null && tokenStore.get() !== null
  }

  function transport() {
    const url = portalUrl()
    if (!url) return null
    return transportFor(url, () => tokenStore.get())
  }

  function status(): SyncStatus {
    const isEnrolled = enrolled()
    const open = core.sqlite.open
    const restored = open ? readRestored(core.sqlite) : null
    const portalRestoredAt = open ? (getSetting(core.sqlite, SYNC_KEYS.portalRestoredAt) ?? null) : null
    const cursorTooOldAt = open ? (getSetting(core.sqlite, SYNC_KEYS.cursorTooOldAt) ?? null) : null
    let state: SyncStatus['state']
    if (!isEnrolled) state = 'not_enrolled'
    else if (restored) state = 'error'
    else if (bootstrapping) state = 'bootstrapping'
    else if (running) state = 'syncing'
    else if (lastError) state = lastError.kind === 'offline' || lastError.kind === 'timeout' ? 'offline' : 'error'
    else state = 'idle'
    return {
      enrolled: isEnrolled,
      portalUrl: portalUrl(),
      state,
      online: isEnrolled && online,
      pending: open ? countPendingOutbox(core.sqlite) : 0,
      rejected: open ? countUnresolvedRejections(core.sqlite) : 0,
      lastSyncAt,
      lastError: restored ? SYNC_ERROR_TEXT.seq_conflict : (lastError?.text ?? null),
      nextAttemptAt: isEnrolled && !restored ? nextAttemptAt : null,
      bootstrap: progress ? { ...progress } : null,
      clock: clock ? { ...clock } : null,
      restored,
      portalRestoredAt,
      cursorTooOldAt,
    }
  }

  /** One round: push, bootstrap if needed, pull (and push again when the agent typed meanwhile). */
  async function round(): Promise<RoundReport> {
    const report: RoundReport = { ok: false, pushed: 0, pulled: 0, error: null }
    if (!enrolled() || !core.sqlite.open) return { ...report, ok: true }
    // Restored from a backup: nothing goes to the portal under this identity any more (the
    // outbox stays as it is) until a responsable enrols the workstation again.
    if (readRestored(core.sqlite)) {
      return { ...report, error: new SyncTransportError('seq_conflict', 'push: this workstation was restored from a backup: enrol it again') }
    }
    let reloaded = false
    try {
      const t = transport()!
      for (let cycle = 0; ; cycle++) {
        const pushed = await pushAll(core, t, { now, log, ...(opts.pushBatch ? { batchSize: opts.pushBatch } : {}) })
        report.pushed += pushed.sent
        online = true
        const boot = await core.exclusive(() => readBootstrap(core.sqlite))
        if (boot.phase !== 'done') {
          bootstrapping = true
          // Bootstrapping again over data of our own (portal restored, or our cursor fell below the
          // compaction horizon): the rows the portal no longer has go, except what the outbox writes.
          const prune = await core.exclusive(
            () => getSetting(core.sqlite, SYNC_KEYS.portalRestoredAt) !== undefined || getSetting(core.sqlite, SYNC_KEYS.cursorTooOldAt) !== undefined,
          )
          try {
            await runBootstrap(core, t, {
              log,
              prune,
              onProgress: (p) => {
                progress = p
              },
              ...(opts.importChunkRows ? { chunkRows: opts.importChunkRows } : {}),
            })
          } finally {
            bootstrapping = false
            progress = null
          }
          await core.exclusive(() => {
            if (getSetting(core.sqlite, SYNC_KEYS.portalRestoredAt) !== undefined) {
              core.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(SYNC_KEYS.portalRestoredAt)
              log('[sync] données rechargées depuis le portail restauré')
            }
            if (getSetting(core.sqlite, SYNC_KEYS.cursorTooOldAt) !== undefined) {
              core.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(SYNC_KEYS.cursorTooOldAt)
              log('[sync] données de la ville rechargées depuis le portail')
            }
          })
        }
        let pulled
        try {
          pulled = await pullAll(core, t, opts.pullLimit ? { limit: opts.pullLimit } : {})
        } catch (error) {
          if (error instanceof SyncTransportError && error.kind === 'cursor_too_old' && !reloaded) {
            // The portal compacted its change log past our cursor (this workstation stayed away
            // longer than the retention): bootstrap again. The outbox was pushed at the top of this
            // round and the portal acknowledged it; what an agent typed since goes at the next push
            // (the loop pushes first again), nothing of it is lost.
            reloaded = true
            const at = now().toISOString()
            const held = await core.exclusive(() => {
              const cursor = readCursor(core.sqlite)
              restartBootstrap(core.sqlite, at, 'cursor_too_old')
              return cursor
            })
            log(`[sync] ${SYNC_ERROR_TEXT.cursor_too_old} (curseur ${held}, historique du portail à partir de ${error.extra.horizon ?? '?'})`)
            continue
          }
          if (!(error instanceof SyncTransportError) || error.kind !== 'cursor_ahead' || reloaded) throw error
          // The portal was restored from a backup: its change log went back. Bootstrap again
          // from its snapshot (the outbox stays: what it holds goes first, as always).
          reloaded = true
          const at = now().toISOString()
          const lastSent = await core.exclusive(() => {
            restartBootstrap(core.sqlite, at)
            return lastAcknowledgedSeq(core.sqlite)
          })
          log(`[sync] ${SYNC_ERROR_TEXT.cursor_ahead} (curseur du portail : ${error.extra.portalSeq ?? '?'})`)
          // What this workstation sent that the restored portal may have lost goes again first:
          // from the last acknowledged change, the portal answers what it kept, applies what it
          // lost, or asks for an earlier seq (SEQUENCE_GAP), and the push re-sends from there.
          if (lastSent !== null) {
            const resent = await pushAll(core, t, { now, log, resendFrom: lastSent, ...(opts.pushBatch ? { batchSize: opts.pushBatch } : {}) })
            report.pushed += resent.sent
          }
          continue
        }
        report.pulled += pulled.changes
        if (pulled.status === 'done') break
        if (cycle >= MAX_PUSH_PULL_CYCLES) break // the agents type faster than we sync: next round
      }
      report.ok = true
    } catch (error) {
      if (error instanceof SyncTransportError && error.kind === 'seq_conflict') {
        const conflict = {
          detectedAt: now().toISOString(),
          lastAppliedSeq: error.extra.lastAppliedSeq ?? 0,
          lastCommandId: error.extra.lastCommandId ?? null,
        }
        await core.exclusive(() => writeRestored(core.sqlite, conflict))
        log(
          `[sync] ${SYNC_ERROR_TEXT.seq_conflict} (dernière séquence appliquée par le portail : ${conflict.lastAppliedSeq}, modification ${conflict.lastCommandId ?? '?'})`,
        )
      }
      if (error instanceof SyncTransportError) report.error = error
      else {
        log(`[sync] erreur interne : ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
        report.error = new SyncTransportError('portal', error instanceof Error ? error.message : String(error))
        report.internal = true
      }
    }
    return report
  }

  function afterRound(report: RoundReport): void {
    if (report.ok) {
      failures = 0
      if (lastError) log('[sync] synchronisation rétablie')
      lastError = null
      online = true
      if (enrolled()) {
        lastSyncAt = now().toISOString()
        const at = lastSyncAt
        void core
          .exclusive(() => {
            if (core.sqlite.open) setSetting(core.sqlite, SYNC_KEYS.lastSyncAt, at)
          })
          .catch(() => undefined)
      }
      return
    }
    const error = report.error!
    failures += 1
    online = !error.offline
    const text = report.internal ? 'Erreur interne de synchronisation : nouvel essai bientôt.' : error.french
    if (lastError?.text !== text) log(`[sync] ${text} (${error.message})`)
    lastError = { kind: report.internal ? 'internal' : error.kind, text }
  }

  function schedule(): void {
    if (timer) clearTimeout(timer)
    timer = null
    if (!started) {
      nextAttemptAt = null
      return
    }
    const delay = failures === 0 ? intervalMs : backoffDelayMs(failures, random, opts.backoff?.baseMs, opts.backoff?.capMs)
    nextAttemptAt = new Date(now().getTime() + delay).toISOString()
    timer = setTimeout(() => {
      timer = null
      launch([])
    }, delay)
    timer.unref?.()
  }

  function launch(resolvers: Array<() => void>): void {
    if (timer) clearTimeout(timer)
    timer = null
    nextAttemptAt = null
    running = (async () => {
      let report: RoundReport
      try {
        report = await round()
      } catch (error) {
        report = { ok: false, pushed: 0, pulled: 0, error: new SyncTransportError('portal', String(error)), internal: true }
      }
      afterRound(report)
    })()
    void running.then(() => {
      running = null
      for (const r of resolvers) r()
      if (again) {
        again = false
        const next = waiting
        waiting = []
        launch(next)
      } else {
        schedule()
      }
    })
  }

  /** Runs a round now, or one more right after the round in progress. Resolves when it ended. */
  function requestRound(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (running) {
        again = true
        waiting.push(resolve)
      } else {
        launch([resolve])
      }
    })
  }

  return {
    status,
    cursor: () => readCursor(core.sqlite),
    async syncNow() {
      await requestRound()
      return status()
    },
    start() {
      if (started) return
      started = true
      void requestRound()
    },
    async stop() {
      started = false
      if (timer) clearTimeout(timer)
      timer = null
      nextAttemptAt = null
      again = false
      while (running) await running
      for (const r of waiting.splice(0)) r()
    },
    notifyOnline() {
      failures = 0
      void requestRound()
    },
    async enrol(rawUrl, code) {
      let baseUrl: string
      try {
        const u = new URL(rawUrl)
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol')
        baseUrl = normaliseBaseUrl(u.toString())
      } catch {
        throw new DomainError('INVALID_INPUT', `Adresse du portail invalide : ${rawUrl}`)
      }
      // https://, or http:// only to this machine itself.
      const problem = portalUrlProblem(baseUrl)
      if (problem) throw new DomainError('INVALID_INPUT', problem, { reason: problem })
      let answer
      try {
        const t = transportFor(baseUrl, () => null)
        answer = await t.enrol(code.trim(), core.settings().workstationName)
      } catch (error) {
        if (!(error instanceof SyncTransportError)) throw error
        if (error.kind === 'insecure') throw new DomainError('TRANSPORT', error.french)
        if (error.offline || error.kind === 'portal') {
          throw new DomainError('PORTAL_UNREACHABLE', `Portal ${baseUrl} unreachable: ${error.message}`)
        }
        if (error.kind === 'upgrade') throw new DomainError('TRANSPORT', error.french)
        throw new DomainError('INVALID_INPUT', error.extra.portalMessage ?? 'Code d’inscription refusé par le portail.', {
          reason: error.extra.portalMessage ?? 'Code d’inscription refusé par le portail.',
        })
      }
      // Never switch identity under a round in progress.
      while (running) await running
      tokenStore.set(answer.token)
      await core.exclusive(() =>
        core.sqlite.transaction(() => {
          const s = core.sqlite
          const firstPending = (s.prepare(`SELECT min(seq) AS p FROM outbox WHERE status = 'pending'`).get() as { p: number | null }).p
          const maxSeq = (s.prepare(`SELECT coalesce(max(seq), 0) AS m FROM outbox`).get() as { m: number }).m
          setSetting(s, SYNC_KEYS.portalUrl, baseUrl)
          setSetting(s, SYNC_KEYS.workstationId, answer.workstationId)
          setSetting(s, SYNC_KEYS.workstationName, answer.name)
          setSetting(s, SYNC_KEYS.codeFamilleFirst, String(answer.codeFamilleRange.first))
          setSetting(s, SYNC_KEYS.codeFamilleLast, String(answer.codeFamilleRange.last))
          setSetting(s, SYNC_KEYS.receiptSeries, answer.receiptSeries)
          setSetting(s, SYNC_KEYS.cursor, '0')
          // Commands still waiting are sent to the new portal identity from seq 1.
          setSetting(s, SYNC_KEYS.seqOffset, String((firstPending ?? maxSeq + 1) - 1))
          const families = (s.prepare('SELECT count(*) AS n FROM families').get() as { n: number }).n
          writeBootstrap(s, families === 0 ? { phase: 'pending' } : { phase: 'done' })
          // A workstation restored from a backup starts over under its new identity: its unsent
          // changes (kept in the outbox) go to the portal from seq 1, just above.
          clearRestored(s)
        })(),
      )
      core.reloadSettings()
      failures = 0
      lastError = null
      online = true
      log(`[sync] poste inscrit sur le portail ${baseUrl} : ${answer.name} (${answer.workstationId})`)
      if (started) void requestRound()
      return status()
    },
  }
}
