/**
 * The shipped tariffs of the six demo services (town data; a responsable edits them in
 * « Paramètres de la commune » → « Tarifs »; the portal seeds them into an empty `tariffs`
 * table). Valid from 1 September 2026, open-ended. Figures (DOMAIN.md examples, the rest
 * plausible): amounts in cents, QF in euros.
 * - Restauration scolaire, by QF bracket: 0–622 € → 1,00 €; 623–1000 → 3,30 €; 1001–1500 →
 *   3,40 €; above 1500 or no QF → 3,50 €; present without booking 5,49 €; dossier incomplete
 *   3,50 €. Non-residents: 4,20 € whatever the QF (penalty 6,30 €).
 * - Garderies: effort rate (matin 0,12 %, 0,50–1,80 €; soir 0,24 %, 0,80–3,00 €).
 * - Étude surveillée, by QF bracket: 0,80 € / 1,50 € / 1,80 € / 2,00 €.
 * - Accueils de loisirs, effort rate per day (mercredi 1 %, 3,00–15,00 €; vacances 1,2 %,
 *   4,00–18,00 €).
 */
import type { Row } from '../sync/entities'
import { DEFAULTS_UPDATED_AT } from './documentDefaults'
import { tariffRow, type Bracket, type Tariff } from './pricing'

const VALID_FROM = '2026-09-01'

const brackets = (id: string, unitId: string, label: string, b: Bracket[], noQf: number, penalty: number, incomplete: number, residency: Tariff['residency'] = 'tous'): Tariff => ({
  id,
  unitId,
  label,
  validFrom: VALID_FROM,
  validTo: null,
  residency,
  kind: 'tranches',
  brackets: b,
  noQfCents: noQf,
  ratePercent: null,
  minCents: null,
  maxCents: null,
  penaltyCents: penalty,
  incompleteCents: incomplete,
  active: true,
  updatedAt: DEFAULTS_UPDATED_AT,
})

const effort = (id: string, unitId: string, label: string, ratePercent: number, min: number, max: number, penalty: number): Tariff => ({
  id,
  unitId,
  label,
  validFrom: VALID_FROM,
  validTo: null,
  residency: 'tous',
  kind: 'taux_effort',
  brackets: null,
  noQfCents: null,
  ratePercent,
  minCents: min,
  maxCents: max,
  penaltyCents: penalty,
  incompleteCents: max,
  active: true,
  updatedAt: DEFAULTS_UPDATED_AT,
})

export const DEFAULT_TARIFF_LIST: readonly Tariff[] = [
  brackets('tarif_cantine_2026', 'cantine', 'Restauration scolaire 2026-2027', [[0, 622, 100], [623, 1000, 330], [1001, 1500, 340], [1501, null, 350]], 350, 549, 350),
  brackets('tarif_cantine_hors_commune_2026', 'cantine', 'Restauration scolaire 2026-2027, hors commune', [[0, null, 420]], 420, 630, 420, 'non_resident'),
  effort('tarif_garderie_matin_2026', 'garderie_matin', 'Garderie du matin 2026-2027', 0.12, 50, 180, 300),
  brackets('tarif_etude_2026', 'etude', 'Étude surveillée 2026-2027', [[0, 622, 80], [623, 1000, 150], [1001, 1500, 180], [1501, null, 200]], 200, 300, 200),
  effort('tarif_garderie_soir_2026', 'garderie_soir', 'Garderie du soir 2026-2027', 0.24, 80, 300, 450),
  effort('tarif_alsh_mercredi_2026', 'alsh_mercredi', 'Accueil de loisirs du mercredi 2026-2027', 1, 300, 1500, 2000),
  effort('tarif_alsh_vacances_2026', 'alsh_vacances', 'Accueil de loisirs des vacances 2026-2027', 1.2, 400, 1800, 2400),
]

/** The rows of the shared table `tariffs`. */
export const DEFAULT_TARIFFS: Row[] = DEFAULT_TARIFF_LIST.map(tariffRow)
