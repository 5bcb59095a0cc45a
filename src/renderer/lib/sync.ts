import type { SyncStatus } from '@shared/contract'
import { formatCount, formatMoment } from './format'
import type { Translate } from './errors'

/** What the status bar says about the link with the portal (icon and text, never colour alone). */
export type Connection = 'notEnrolled' | 'online' | 'offline' | 'error'

export function connectionOf(status: SyncStatus | null | undefined): Connection {
  if (!status || !status.enrolled || status.state === 'not_enrolled') return 'notEnrolled'
  if (status.state === 'error') return 'error'
  if (status.state === 'offline' || !status.online) return 'offline'
  return 'online'
}

/** A text-only icon per connection state (aria-hidden next to its text). */
export const connectionIcon: Record<Connection, string> = {
  notEnrolled: '⊘',
  online: '✓',
  offline: '✕',
  error: '⚠',
}

/** The engine is exchanging with the portal (or a "Synchroniser" call is running). */
export function isSyncBusy(status: SyncStatus | null | undefined, localCall = false): boolean {
  return localCall || status?.state === 'syncing'
}

export interface BootstrapView {
  /** <progress> value and max; value null = indeterminate. */
  value: number | null
  max: number
  label: string
}

/** The first download of the town: 'Téléchargement de la ville : 45 %' or 'Import : 12 000 / 110 000'. */
export function bootstrapView(t: Translate, b: SyncStatus['bootstrap'] | null | undefined): BootstrapView | null {
  if (!b) return null
  const known = b.total > 0
  const done = known ? Math.min(b.done, b.total) : b.done
  if (b.phase === 'download') {
    if (!known) return { value: null, max: 100, label: t('sync.bootstrap.downloadUnknown') }
    const percent = Math.floor((done * 100) / b.total)
    return { value: percent, max: 100, label: t('sync.bootstrap.download', { percent }) }
  }
  if (!known) return { value: null, max: 100, label: t('sync.bootstrap.importUnknown', { done: formatCount(done) }) }
  return {
    value: done,
    max: b.total,
    label: t('sync.bootstrap.import', { done: formatCount(done), total: formatCount(b.total) }),
  }
}

/** An offset between two clocks in words: '5 min', '2 h 05', '3 jours'. */
export function offsetWords(ms: number): string {
  const minutes = Math.max(1, Math.round(Math.abs(ms) / 60_000))
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, '0')}`
  return `${Math.round(hours / 24)} jours`
}

/**
 * The status bar's warning when this workstation's clock is more than 2 minutes off the
 * portal's ('Horloge du poste en avance de 5 min sur le portail…'), or null.
 */
export function clockWarningText(t: Translate, status: SyncStatus | null | undefined): string | null {
  const clock = status?.clock
  if (!clock || !clock.warning) return null
  return t(clock.offsetMs > 0 ? 'sync.clock.ahead' : 'sync.clock.behind', { offset: offsetWords(clock.offsetMs) })
}

/** 'Dernière synchro : 14:32' or '… : jamais'. */
export function lastSyncText(t: Translate, status: SyncStatus | null | undefined, now: Date = new Date()): string {
  const at = status?.lastSyncAt ? formatMoment(status.lastSyncAt, now) : ''
  return t('sync.lastSync', { at: at || t('sync.never') })
}

/** Where the `online` event comes from: `window` in the app (the browser's or Electron's network state). */
export type NetworkEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>

/**
 * When the network comes back, asks for a sync round at once instead of waiting for the
 * engine's next attempt (its backoff after failures can reach minutes), if `shouldSync()`
 * still holds then (an agent is logged in). Returns the function that stops listening.
 */
export function syncWhenOnline(target: NetworkEvents, shouldSync: () => boolean, sync: () => unknown): () => void {
  const onOnline = (): void => {
    if (shouldSync()) void sync()
  }
  target.addEventListener('online', onOnline)
  return () => target.removeEventListener('online', onOnline)
}
