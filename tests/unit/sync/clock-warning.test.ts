import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { CLOCK_SKEW_WARN_MS, SyncStatusSchema, type SyncStatus } from '@shared/contract'
import { fr } from '../../../src/renderer/i18n/fr'
import { clockWarningText, offsetWords } from '../../../src/renderer/lib/sync'

const i18n = createI18n({ legacy: false, locale: 'fr', messages: { fr }, missingWarn: false, fallbackWarn: false })
const { t } = i18n.global
const tr = (k: string, n?: Record<string, unknown>) => (n ? t(k, n) : t(k))

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
