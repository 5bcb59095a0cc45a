import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { CLOCK_SKEW_WARN_MS, SyncStatusSchema, type SyncStatus } from '@shared/contract'
import { fr } from '../../../src/renderer/i18n/fr'
import { bootstrapView, clockWarningText, connectionOf, isSyncBusy, lastSyncText, offsetWords } from '../../../src/renderer/lib/sync'

const i18n = createI18n({ legacy: false, locale: 'fr', messages: { fr }, missingWarn: false, fallbackWarn: false })
const { t } = i18n.global
const tr = (k: string, n?: Record<string, unknown>) => (n ? t(k, n) : t(k))
const plain = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ')

const base: SyncStatus = {
  enrolled: true,
  portalUrl: 'https://portail.example.fr',
  state: 'idle',
  online: true,
  pending: 0,
  rejected: 0,
  lastSyncAt: null,
  lastError: null,
  nextAttemptAt: null,
  bootstrap: null,
}

describe('connectionOf', () => {
  it('says whether the portal is reachable, or that the workstation is not enrolled', () => {
    expect(connectionOf(null)).toBe('notEnrolled')
    expect(connectionOf({ ...base, enrolled: false, state: 'not_enrolled', online: false })).toBe('notEnrolled')
    expect(connectionOf(base)).toBe('online')
    expect(connectionOf({ ...base, state: 'syncing' })).toBe('online')
    expect(connectionOf({ ...base, state: 'bootstrapping' })).toBe('online')
    expect(connectionOf({ ...base, state: 'offline', online: false })).toBe('offline')
    expect(connectionOf({ ...base, state: 'idle', online: false })).toBe('offline')
    expect(connectionOf({ ...base, state: 'error', lastError: 'Jeton refusé' })).toBe('error')
  })
  it('has a French label for every state', () => {
    for (const c of ['notEnrolled', 'online', 'offline', 'error']) {
      expect(t(`sync.connection.${c}`)).not.toContain('sync.')
    }
    expect(t('sync.connection.online')).toBe('En ligne')
    expect(t('sync.connection.offline')).toBe('Hors ligne')
    expect(t('sync.connection.notEnrolled')).toBe('Non relié au portail')
  })
})

describe('status bar texts', () => {
  it('counts pending changes and rejections in French', () => {
    expect(t('sync.pending', 0)).toBe('Aucune modification en attente')
    expect(t('sync.pending', 1)).toBe('1 modification en attente')
    expect(t('sync.pending', 12)).toBe('12 modifications en attente')
    expect(t('sync.rejected', 1)).toBe('1 à traiter')
    expect(t('sync.rejected', 3)).toBe('3 à traiter')
  })
  it('last sync: Paris time today, "jamais" before the first one', () => {
    const now = new Date('2027-03-12T16:00:00Z')
    expect(lastSyncText(tr, { ...base, lastSyncAt: '2027-03-12T13:32:00Z' }, now)).toBe('Dernière synchro : 14:32')
    expect(lastSyncText(tr, { ...base, lastSyncAt: '2027-03-10T13:32:00Z' }, now)).toBe('Dernière synchro : 10/03/2027 14:32')
    expect(lastSyncText(tr, base, now)).toBe('Dernière synchro : jamais')
    expect(lastSyncText(tr, null, now)).toBe('Dernière synchro : jamais')
  })
  it('busy while the engine syncs or a "Synchroniser" call runs', () => {
    expect(isSyncBusy(base)).toBe(false)
    expect(isSyncBusy({ ...base, state: 'syncing' })).toBe(true)
    expect(isSyncBusy(base, true)).toBe(true)
    expect(isSyncBusy(null)).toBe(false)
  })
})

describe('bootstrapView', () => {
  it('shows the download as a percentage', () => {
    const v = bootstrapView(tr, { phase: 'download', done: 45, total: 100 })
    expect(v).toEqual({ value: 45, max: 100, label: 'Téléchargement de la ville : 45 %' })
    expect(bootstrapView(tr, { phase: 'download', done: 2_000_000, total: 3_000_000 })?.value).toBe(66)
  })
  it('shows the import as a count of records', () => {
    const v = bootstrapView(tr, { phase: 'import', done: 12000, total: 110000 })
    expect(v?.value).toBe(12000)
    expect(v?.max).toBe(110000)
    expect(plain(v!.label)).toBe('Import : 12 000 / 110 000')
  })
  it('is indeterminate when the total is unknown, and absent without a bootstrap', () => {
    expect(bootstrapView(tr, { phase: 'download', done: 10, total: 0 })).toMatchObject({ value: null })
    expect(bootstrapView(tr, { phase: 'import', done: 10, total: 0 })).toMatchObject({ value: null, label: 'Import : 10' })
    expect(bootstrapView(tr, null)).toBeNull()
  })
  it('never goes past the total', () => {
    expect(bootstrapView(tr, { phase: 'download', done: 120, total: 100 })?.value).toBe(100)
  })
})

describe('the status bar’s clock warning', () => {
  it('is in the contract’s status', () => {
    const clock = { offsetMs: 300_000, measuredAt: '2026-11-16T08:00:00.000Z', warning: true }
    expect(SyncStatusSchema.parse({ ...base, clock }).clock).toEqual(clock)
    expect(CLOCK_SKEW_WARN_MS).toBe(120_000)
  })

  it('says ahead or behind, with the offset, only beyond 2 minutes', () => {
    const at = '2026-11-16T08:00:00.000Z'
    expect(clockWarningText(tr, { ...base, clock: { offsetMs: 90_000, measuredAt: at, warning: false } })).toBeNull()
    expect(clockWarningText(tr, base)).toBeNull()
    expect(clockWarningText(tr, { ...base, clock: { offsetMs: 5 * 60_000 + 10_000, measuredAt: at, warning: true } })).toBe(
      'Horloge du poste en avance de 5 min sur le portail : faites-la régler.',
    )
    expect(clockWarningText(tr, { ...base, clock: { offsetMs: -(2 * 3_600_000 + 5 * 60_000), measuredAt: at, warning: true } })).toBe(
      'Horloge du poste en retard de 2 h 05 sur le portail : faites-la régler.',
    )
    expect(offsetWords(3 * 86_400_000)).toBe('3 jours')
  })
})
