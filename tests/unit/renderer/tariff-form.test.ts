import { describe, expect, it } from 'vitest'
import type { TariffView } from '@shared/contract/town'
import { DEFAULT_TARIFF_LIST } from '@shared/domain/tariffDefaults'
import { bracketRow, checkTariffForm, emptyTariffForm, tariffToForm } from '../../../src/renderer/components/town/tariffForm'

/** The « Tarifs » form: a grid ↔ the typed text (euros « 3,30 », QF in whole euros, rate « 0,36 »), and its errors at the field. */

const msg = { required: 'obligatoire', money: 'montant en euros attendu', qf: 'quotient en euros entiers attendu', rate: 'taux attendu' }
const view = (id: string): TariffView => {
  const t = DEFAULT_TARIFF_LIST.find((x) => x.id === id)!
  return {
    id: t.id,
    unitId: t.unitId,
    label: t.label,
    validFrom: t.validFrom,
    validTo: t.validTo,
    residency: t.residency,
    kind: t.kind,
    brackets: t.brackets?.map(([min, max, cents]) => ({ min, max, cents })) ?? null,
    noQfCents: t.noQfCents,
    ratePercent: t.ratePercent,
    minCents: t.minCents,
    maxCents: t.maxCents,
    penaltyCents: t.penaltyCents,
    incompleteCents: t.incompleteCents,
    active: true,
    updatedAt: null,
  }
}
const { updatedAt: _u, ...payloadOf } = view('tarif_cantine_2026')
void _u

describe('the tariff form', () => {
  it('round-trips every shipped grid: view → typed text → the same payload', () => {
    for (const t of DEFAULT_TARIFF_LIST) {
      const { updatedAt, ...expected } = view(t.id)
      void updatedAt
      expect(checkTariffForm(tariffToForm(view(t.id)), msg), t.id).toEqual({ ok: true, payload: expected })
    }
    const form = tariffToForm(view('tarif_garderie_soir_2026'))
    expect([form.rate, form.min, form.max]).toEqual(['0,24', '0,80', '3,00'])
    expect(tariffToForm(view('tarif_cantine_2026')).brackets.map((b) => [b.min, b.max, b.price])).toEqual([
      ['0', '622', '1,00'],
      ['623', '1000', '3,30'],
      ['1001', '1500', '3,40'],
      ['1501', '', '3,50'],
    ])
    expect(payloadOf.brackets).toHaveLength(4)
  })

  it('reads amounts the French way into cents, without float drift', () => {
    const form = tariffToForm(view('tarif_cantine_2026'))
    form.brackets[1]!.price = '3,3'
    form.noQf = '1 250,10 €'
    form.penalty = '5.49'
    const r = checkTariffForm(form, msg)
    expect(r.ok && [r.payload.brackets![1]!.cents, r.payload.noQfCents, r.payload.penaltyCents]).toEqual([330, 125_010, 549])
  })

  it('puts each error at its field, by full path, in French', () => {
    const form = tariffToForm(view('tarif_cantine_2026'))
    form.brackets[2]!.min = '900' // then 800 after 900: not ascending
    form.brackets[3]!.min = '800'
    form.brackets[1]!.price = 'trois euros'
    form.brackets[0]!.max = '62,5'
    form.penalty = ''
    form.incomplete = '-1'
    const r = checkTariffForm(form, msg)
    expect(r.ok).toBe(false)
    if (!r.ok)
      expect(r.issues).toEqual({
        'brackets.3.min': 'minimum supérieur à celui de la tranche précédente (900 €) attendu',
        'brackets.1.cents': 'montant en euros attendu',
        'brackets.0.max': 'quotient en euros entiers attendu',
        penaltyCents: 'obligatoire',
        incompleteCents: 'montant en euros attendu',
      })
  })

  it('an effort rate: required rate with 4 decimals at most, maximum ≥ minimum; no brackets sent', () => {
    const form = emptyTariffForm('0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b30', 'garderie_soir')
    Object.assign(form, { label: 'Garderie', validFrom: '2027-01-01', kind: 'taux_effort', rate: '0,12345', min: '3,00', max: '2,00', penalty: '4,50', incomplete: '3,00' })
    const r = checkTariffForm(form, msg)
    expect(r.ok ? null : r.issues).toEqual({ ratePercent: 'taux attendu', maxCents: 'maximum supérieur ou égal au minimum attendu' })
    form.rate = '0,36 %'
    form.max = '3'
    const ok = checkTariffForm(form, msg)
    expect(ok).toMatchObject({ ok: true, payload: { kind: 'taux_effort', ratePercent: 0.36, minCents: 300, maxCents: 300, brackets: null, noQfCents: null } })
  })

  it('a new grid starts with one bracket from 0; an empty list is refused', () => {
    const form = emptyTariffForm('tarif_neuf', 'cantine')
    expect(form.brackets.map((b) => b.min)).toEqual(['0'])
    Object.assign(form, { label: 'Nouvelle grille', validFrom: '2027-01-01', noQf: '3,50', penalty: '5,49', incomplete: '3,50', brackets: [] })
    const r = checkTariffForm(form, msg)
    expect(r.ok ? null : r.issues).toEqual({ brackets: 'au moins une tranche' })
    form.brackets = [bracketRow('0', '', '2,00')]
    expect(checkTariffForm(form, msg).ok).toBe(true)
  })
})

describe('the « Tarifs » section’s French texts', () => {
  it('every key the section uses exists in the French messages, for every residency and kind', async () => {
    const { readFileSync } = await import('node:fs')
    const { fr } = await import('../../../src/renderer/i18n/fr')
    const { tariffKinds, tariffResidencies } = await import('@shared/domain/pricing')
    const source = readFileSync(new URL('../../../src/renderer/components/town/TariffsSection.vue', import.meta.url), 'utf8')
    const keys = new Set([...source.matchAll(/\bt\('([A-Za-z.]+)'/g)].map((m) => m[1]!))
    for (const r of tariffResidencies) keys.add(`town.tariffs.residencies.${r}`)
    for (const k of tariffKinds) keys.add(`town.tariffs.kinds.${k}`)
    keys.add('town.entities.tariffs')
    expect(keys.size).toBeGreaterThan(30)
    for (const key of keys) {
      const value = key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], fr)
      expect(typeof value, key).toBe('string')
    }
  })
})
