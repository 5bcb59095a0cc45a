import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { TOWN_OPTION_KEYS } from '@shared/commands/town'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES } from '@shared/domain/documentDefaults'
import type { TariffsData, TownData, TownHistory } from '@shared/contract/town'
import { DEFAULT_TARIFFS, DEFAULT_TARIFF_LIST } from '@shared/domain/tariffDefaults'
import { columnsOf, normalizeRow, type EntityName, type Row } from '@shared/sync/entities'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { townFr } from '../../../src/renderer/i18n/town'
import { AGENTS, addAgents, count, makeCore } from '../../helpers/core'

/**
 * Town data at the counter (issue 8, item 6), on a real SQLite file: every agent reads it,
 * only a responsable changes it (FORBIDDEN at the contract otherwise, nothing written); each
 * change is a fact queued for the portal, with one field_history row per changed field.
 */

type TestCore = Awaited<ReturnType<typeof makeCore>>
let core: TestCore
let agents: ReturnType<typeof addAgents>
let accueil: ReturnType<TestCore['openSession']>
let responsable: ReturnType<TestCore['openSession']>

/** The shipped defaults, as a pull from the portal would have brought them. */
function seedDefaults(sqlite: TestCore['sqlite']): void {
  const insert = (entity: EntityName, row: Row) => {
    const cols = columnsOf(entity)
    const v = normalizeRow(entity, row)
    sqlite
      .prepare(`INSERT OR IGNORE INTO ${entity} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
      .run(...cols.map((c) => (typeof v[c] === 'boolean' ? (v[c] ? 1 : 0) : v[c])))
  }
  for (const r of DEFAULT_DOCUMENT_REQUIREMENTS) insert('document_requirements', r as unknown as Row)
  for (const t of DEFAULT_DOCUMENT_TYPES) insert('document_types', t as unknown as Row)
  ensureDefaultUnits(sqlite)
  for (const t of DEFAULT_TARIFFS) insert('tariffs', t)
}

beforeEach(async () => {
  core = await makeCore()
  agents = addAgents(core.sqlite)
  seedDefaults(core.sqlite)
  accueil = core.openSession()
  responsable = core.openSession()
  expect((await core.call(accueil, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })).ok).toBe(true)
  expect((await core.call(responsable, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })).ok).toBe(true)
})
afterEach(() => core.cleanup())

async function ok<T>(p: Promise<{ ok: boolean; data?: unknown; error?: unknown }>): Promise<T> {
  const r = await p
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return r.data as T
}

const energy = () => DEFAULT_DOCUMENT_TYPES.find((t) => t.id === 'facture_energie')!
const typeInput = (over: Record<string, unknown> = {}) => {
  const t = energy()
  return {
    id: t.id,
    label: t.label,
    requirementId: t.requirement_id,
    ruleKind: t.rule_kind,
    ruleValue: t.rule_value,
    ruleDay: t.rule_day,
    accepted: t.accepted,
    keepScan: t.keep_scan,
    sort: t.sort,
    active: t.active,
    ...over,
  }
}
const outbox = () => core.sqlite.prepare('SELECT command_id AS commandId, name, payload FROM outbox ORDER BY seq').all() as Array<{ commandId: string; name: string; payload: string }>
const history = () => core.sqlite.prepare('SELECT entity, entity_id, field, old_value, new_value, agent_id, channel, command_id FROM field_history ORDER BY field').all()

describe('town data at the counter', () => {
  it('every agent reads it, with the options’ defaults', async () => {
    const data = await ok<TownData>(core.call(accueil, 'town', 'data', {}))
    expect(data.requirements.map((r) => r.id)).toEqual(DEFAULT_DOCUMENT_REQUIREMENTS.map((r) => r.id))
    expect(data.requirements[0]).toMatchObject({ id: 'domicile', neededFor: ['school', 'resident'], mandatory: true, per: 'family' })
    expect(data.types.find((t) => t.id === 'avis_imposition_domicile')).toMatchObject({ accepted: false, ruleKind: 'months', ruleValue: 12 })
    expect(data.options).toEqual([
      { id: 'dossier.incomplete_blocks_bookings', value: 'false', isDefault: true, updatedAt: null },
      { id: 'documents.expiring_soon_days', value: '30', isDefault: true, updatedAt: null },
      { id: 'credentials.expiry_days', value: '30', isDefault: true, updatedAt: null },
      { id: 'portal.public_url', value: '', isDefault: true, updatedAt: null },
      { id: 'town.logo', value: '', isDefault: true, updatedAt: null },
      { id: 'bookings.override_roles', value: 'responsable', isDefault: true, updatedAt: null },
      { id: 'billing.regie', value: '1', isDefault: true, updatedAt: null },
      { id: 'billing.certificate_delay_days', value: '8', isDefault: true, updatedAt: null },
      { id: 'billing.due_day', value: '15', isDefault: true, updatedAt: null },
      { id: 'billing.debit_day', value: '10', isDefault: true, updatedAt: null },
    ])
  })

  it('refuses an agent who is not a responsable with FORBIDDEN, and writes nothing', async () => {
    for (const [method, input] of [
      ['saveDocumentType', typeInput({ ruleValue: 6 })],
      ['saveRequirement', { id: 'domicile', label: 'Domicile', per: 'family', neededFor: ['school'], mandatory: true, sort: 10, active: true }],
      ['setOption', { id: 'documents.expiring_soon_days', value: '45' }],
    ] as const) {
      const r = await core.call(accueil, 'town', method, input)
      expect(r.ok ? 'ok' : r.error.code, method).toBe('FORBIDDEN')
    }
    expect(core.sqlite.prepare(`SELECT rule_value FROM document_types WHERE id = 'facture_energie'`).pluck().get()).toBe(3)
    expect(count(core.sqlite, 'field_history')).toBe(0)
    expect(count(core.sqlite, 'town_options')).toBe(0)
    expect(outbox()).toEqual([])
  })

  it('a responsable changes a validity rule: one history row for the changed field, queued as a fact', async () => {
    const data = await ok<TownData>(core.call(responsable, 'town', 'saveDocumentType', typeInput({ ruleValue: 6 })))
    expect(data.types.find((t) => t.id === 'facture_energie')).toMatchObject({ ruleKind: 'months', ruleValue: 6 })
    const [queued] = outbox()
    expect(queued!.name).toBe('town.saveDocumentType')
    expect(JSON.parse(queued!.payload)).toEqual(typeInput({ ruleValue: 6 }))
    expect(history()).toEqual([
      {
        entity: 'document_types',
        entity_id: 'facture_energie',
        field: 'rule_value',
        old_value: '3',
        new_value: '6',
        agent_id: agents.responsable.id,
        channel: 'guichet',
        command_id: queued!.commandId,
      },
    ])
    // Saved again unchanged: no new history row.
    await ok(core.call(responsable, 'town', 'saveDocumentType', typeInput({ ruleValue: 6 })))
    expect(count(core.sqlite, 'field_history')).toBe(1)
    // The history reads back with who did it.
    const h = await ok<TownHistory>(core.call(accueil, 'town', 'history', { entity: 'document_types', id: 'facture_energie' }))
    expect(h.items).toMatchObject([{ field: 'rule_value', oldValue: '3', newValue: '6', agentName: AGENTS.responsable.displayName, channel: 'guichet' }])
  })

  it('creates a requirement (history from nothing) and refuses a kind that no longer says what it accepts', async () => {
    await ok(
      core.call(responsable, 'town', 'saveRequirement', {
        id: 'certificat_medical',
        label: 'Certificat médical',
        per: 'child',
        neededFor: ['periscolaire', 'pai'],
        mandatory: false,
        sort: 110,
        active: true,
      }),
    )
    expect(core.sqlite.prepare(`SELECT needed_for, mandatory FROM document_requirements WHERE id = 'certificat_medical'`).get()).toEqual({
      needed_for: 'periscolaire,pai',
      mandatory: 0,
    })
    expect((history() as Array<{ field: string; old_value: unknown }>).map((r) => [r.field, r.old_value])).toEqual([
      ['active', null],
      ['label', null],
      ['mandatory', null],
      ['needed_for', null],
      ['per', null],
      ['sort', null],
    ])
    // The avis d'imposition becomes accepted as a proof of address.
    await ok(core.call(responsable, 'town', 'saveDocumentType', { ...typeInput(), id: 'avis_imposition_domicile', label: "Avis d'imposition", ruleValue: 12, sort: 15, accepted: true }))
    expect(core.sqlite.prepare(`SELECT old_value || '→' || new_value FROM field_history WHERE entity_id = 'avis_imposition_domicile'`).pluck().all()).toEqual(['false→true'])
  })

  it('gives clear errors at the field and saves nothing', async () => {
    const issues = async (method: string, input: unknown) => {
      const r = await core.call(responsable, 'town', method, input)
      return r.ok ? [] : (r.error.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`)
    }
    expect(await issues('saveDocumentType', typeInput({ ruleValue: null }))).toEqual(['ruleValue: nombre de mois obligatoire'])
    expect(await issues('saveDocumentType', typeInput({ ruleKind: 'until', ruleValue: null, ruleDay: null }))).toEqual(['ruleDay: date de fin obligatoire'])
    expect(await issues('saveDocumentType', typeInput({ ruleValue: 121 }))).toEqual(['ruleValue: au plus 120 mois'])
    expect(await issues('saveDocumentType', typeInput({ requirementId: 'inconnue' }))).toEqual(['requirementId: pièce demandée inconnue'])
    expect(await issues('saveRequirement', { id: 'x', label: 'A', per: 'family', neededFor: [], mandatory: true, sort: 1, active: true })).toHaveLength(3)
    expect(await issues('setOption', { id: 'documents.expiring_soon_days', value: '400' })).toEqual(['value: au plus 365 jours'])
    // Issue 9's options: a delay of 1 to 365 days, an https address, a PNG or JPEG data URL.
    expect(await issues('setOption', { id: 'credentials.expiry_days', value: '0' })).toEqual(['value: entre 1 et 365 jours'])
    expect(await issues('setOption', { id: 'credentials.expiry_days', value: '366' })).toEqual(['value: entre 1 et 365 jours'])
    for (const url of ['http://portail.ville.fr', 'javascript:alert(1)', 'https://portail.ville.fr/ x', `https://${'a'.repeat(200)}.fr`]) {
      expect(await issues('setOption', { id: 'portal.public_url', value: url })).toHaveLength(1)
    }
    for (const logo of ['data:image/svg+xml;base64,PHN2Zz4=', 'data:image/png;base64,@@@', `data:image/png;base64,${'A'.repeat(150_001)}`, 'https://ville.fr/logo.png']) {
      expect(await issues('setOption', { id: 'town.logo', value: logo })).toHaveLength(1)
    }
    // Issue 10: the roles that may pass a booking deadline, a comma list of known roles.
    for (const roles of ['', 'admin', 'responsable,responsable', 'responsable, accueil', 'responsable,', 'responsable\u0000']) {
      expect(await issues('setOption', { id: 'bookings.override_roles', value: roles })).toHaveLength(1)
    }
    expect(count(core.sqlite, 'field_history')).toBe(0)
    expect(outbox()).toEqual([])
  })

  it('sets each billing option (issue 12): recorded, in the history from its default, queued for the portal', async () => {
    const wanted = [
      ['billing.regie', '1', '7'],
      ['billing.certificate_delay_days', '8', '0'],
      ['billing.due_day', '15', '28'],
      ['billing.debit_day', '10', '1'],
    ] as const
    for (const [id, , value] of wanted) {
      const data = await ok<TownData>(core.call(responsable, 'town', 'setOption', { id, value }))
      expect(data.options.find((o) => o.id === id), id).toMatchObject({ value, isDefault: false })
    }
    expect(core.sqlite.prepare(`SELECT id, value FROM town_options WHERE id LIKE 'billing.%' ORDER BY id`).all()).toEqual(
      wanted.map(([id, , value]) => ({ id, value })).sort((a, b) => a.id.localeCompare(b.id)),
    )
    expect(core.sqlite.prepare(`SELECT entity_id, old_value, new_value FROM field_history WHERE entity = 'town_options' ORDER BY entity_id`).all()).toEqual(
      wanted.map(([id, old, value]) => ({ entity_id: id, old_value: old, new_value: value })).sort((a, b) => a.entity_id.localeCompare(b.entity_id)),
    )
    expect(outbox().map((o) => [o.name, JSON.parse(o.payload)])).toEqual(wanted.map(([id, , value]) => ['town.setOption', { id, value }]))
    // The other ends of each range are accepted too.
    for (const [id, value] of [['billing.regie', '99'], ['billing.certificate_delay_days', '60'], ['billing.due_day', '1'], ['billing.debit_day', '28']] as const) {
      await ok(core.call(responsable, 'town', 'setOption', { id, value }))
    }
  })

  it('refuses a bad billing option with its French message at the field, and records nothing', async () => {
    const issues = async (id: string, value: unknown) => {
      const r = await core.call(responsable, 'town', 'setOption', { id, value })
      return r.ok ? [] : (r.error.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`)
    }
    expect(await issues('billing.regie', '0')).toEqual(['value: entre 1 et 99'])
    expect(await issues('billing.regie', '100')).toEqual(['value: entre 1 et 99'])
    expect(await issues('billing.regie', '01')).toEqual(['value: numéro de régie attendu (1 à 99)'])
    expect(await issues('billing.regie', 'F1')).toEqual(['value: numéro de régie attendu (1 à 99)'])
    expect(await issues('billing.regie', 3)).toEqual(['value: numéro de régie attendu (1 à 99)'])
    expect(await issues('billing.certificate_delay_days', '61')).toEqual(['value: entre 0 et 60 jours'])
    expect(await issues('billing.certificate_delay_days', '-1')).toEqual(['value: nombre de jours attendu (0 à 60 jours)'])
    expect(await issues('billing.certificate_delay_days', '')).toEqual(['value: nombre de jours attendu (0 à 60 jours)'])
    expect(await issues('billing.due_day', '29')).toEqual(['value: entre 1 et 28'])
    expect(await issues('billing.due_day', '0')).toEqual(['value: entre 1 et 28'])
    expect(await issues('billing.due_day', '1.5')).toEqual(['value: jour du mois attendu (1 à 28)'])
    expect(await issues('billing.debit_day', '31')).toEqual(['value: entre 1 et 28'])
    expect(await issues('billing.debit_day', ' 10')).toEqual(['value: jour du mois attendu (1 à 28)'])
    expect(count(core.sqlite, 'town_options')).toBe(0)
    expect(count(core.sqlite, 'field_history')).toBe(0)
    expect(outbox()).toEqual([])
  })

  it('the settings screen edits every billing option, with a French label and help text (« Facturation »)', () => {
    const view = readFileSync(resolve(__dirname, '../../../src/renderer/views/TownSettingsView.vue'), 'utf8')
    const shown = [...view.matchAll(/\{ id: '(billing\.[a-z_]+)', name: '(\w+)' \}/g)].map((m) => [m[1]!, m[2]!] as const)
    expect(shown.map(([id]) => id)).toEqual(TOWN_OPTION_KEYS.filter((k) => k.startsWith('billing.')))
    const texts = townFr.options.billing as Record<string, string>
    expect(texts.title).toBe('Facturation')
    for (const [id, name] of shown) {
      expect(texts[name], id).toMatch(/^[A-ZÉ]/)
      expect(texts[`${name}Hint`], id).toMatch(/de \d+ à \d+/i)
    }
  })

  it('sets an option: the default is the old value in the history', async () => {
    const data = await ok<TownData>(core.call(responsable, 'town', 'setOption', { id: 'documents.expiring_soon_days', value: '45' }))
    expect(data.options.find((o) => o.id === 'documents.expiring_soon_days')).toMatchObject({ value: '45', isDefault: false })
    await ok(core.call(responsable, 'town', 'setOption', { id: 'dossier.incomplete_blocks_bookings', value: 'true' }))
    expect(core.sqlite.prepare('SELECT entity, entity_id, field, old_value, new_value FROM field_history ORDER BY entity_id').all()).toEqual([
      { entity: 'town_options', entity_id: 'documents.expiring_soon_days', field: 'value', old_value: '30', new_value: '45' },
      { entity: 'town_options', entity_id: 'dossier.incomplete_blocks_bookings', field: 'value', old_value: 'false', new_value: 'true' },
    ])
    const all = await ok<TownHistory>(core.call(accueil, 'town', 'history', {}))
    expect(all.items).toHaveLength(2)
  })
})

describe('tariffs as town data (issue 12): town.saveTariff', () => {
  const cantine = () => DEFAULT_TARIFF_LIST.find((t) => t.id === 'tarif_cantine_2026')!
  const tariffInput = (over: Record<string, unknown> = {}) => {
    const t = cantine()
    return {
      id: t.id,
      unitId: t.unitId,
      label: t.label,
      validFrom: t.validFrom,
      validTo: t.validTo,
      residency: t.residency,
      kind: t.kind,
      brackets: t.brackets!.map(([min, max, cents]) => ({ min, max, cents })),
      noQfCents: t.noQfCents,
      ratePercent: null,
      minCents: null,
      maxCents: null,
      penaltyCents: t.penaltyCents,
      incompleteCents: t.incompleteCents,
      active: true,
      ...over,
    }
  }
  const effortInput = (over: Record<string, unknown> = {}) =>
    tariffInput({ id: '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b30', unitId: 'garderie_soir', label: 'Garderie du soir 2027', validFrom: '2027-01-01', kind: 'taux_effort', brackets: null, noQfCents: null, ratePercent: 0.36, minCents: 80, maxCents: 300, ...over })

  it('every agent reads the grids by service; only a responsable saves one (FORBIDDEN otherwise, nothing written)', async () => {
    const data = await ok<TariffsData>(core.call(accueil, 'town', 'tariffs', {}))
    expect(data.units.map((u) => u.id)).toContain('cantine')
    expect(data.tariffs.map((t) => t.id).sort()).toEqual(DEFAULT_TARIFF_LIST.map((t) => t.id).sort())
    expect(data.tariffs.find((t) => t.id === 'tarif_cantine_2026')?.brackets?.[1]).toEqual({ min: 623, max: 1000, cents: 330 })
    expect(data.tariffs.find((t) => t.id === 'tarif_garderie_soir_2026')).toMatchObject({ kind: 'taux_effort', ratePercent: 0.24, minCents: 80, maxCents: 300 })
    const r = await core.call(accueil, 'town', 'saveTariff', tariffInput({ penaltyCents: 600 }))
    expect(r.ok ? 'ok' : r.error.code).toBe('FORBIDDEN')
    expect(core.sqlite.prepare(`SELECT penalty_cents FROM tariffs WHERE id = 'tarif_cantine_2026'`).pluck().get()).toBe(549)
    expect(count(core.sqlite, 'field_history')).toBe(0)
    expect(outbox()).toEqual([])
  })

  it('a responsable changes a bracket price: one history row (the brackets), queued as the fact town.saveTariff', async () => {
    const brackets = tariffInput().brackets.map((b) => (b.min === 623 ? { ...b, cents: 335 } : b))
    const data = await ok<TariffsData>(core.call(responsable, 'town', 'saveTariff', tariffInput({ brackets })))
    expect(data.tariffs.find((t) => t.id === 'tarif_cantine_2026')?.brackets?.[1]).toEqual({ min: 623, max: 1000, cents: 335 })
    const [queued] = outbox()
    expect(queued!.name).toBe('town.saveTariff')
    expect(JSON.parse(queued!.payload)).toEqual(tariffInput({ brackets }))
    expect(history()).toEqual([
      {
        entity: 'tariffs',
        entity_id: 'tarif_cantine_2026',
        field: 'brackets',
        old_value: '[[0,622,100],[623,1000,330],[1001,1500,340],[1501,null,350]]',
        new_value: '[[0,622,100],[623,1000,335],[1001,1500,340],[1501,null,350]]',
        agent_id: agents.responsable.id,
        channel: 'guichet',
        command_id: queued!.commandId,
      },
    ])
    await ok(core.call(responsable, 'town', 'saveTariff', tariffInput({ brackets })))
    expect(count(core.sqlite, 'field_history')).toBe(1)
    const h = await ok<TownHistory>(core.call(accueil, 'town', 'history', { entity: 'tariffs', id: 'tarif_cantine_2026' }))
    expect(h.items).toMatchObject([{ field: 'brackets', agentName: AGENTS.responsable.displayName }])
  })

  it('creates an effort-rate grid: the rate stored exactly (rate_e4), history from nothing', async () => {
    await ok(core.call(responsable, 'town', 'saveTariff', effortInput()))
    expect(core.sqlite.prepare(`SELECT kind, rate_e4, min_cents, max_cents, brackets, no_qf_cents FROM tariffs WHERE id = ?`).get(effortInput().id)).toEqual({
      kind: 'taux_effort',
      rate_e4: 3600,
      min_cents: 80,
      max_cents: 300,
      brackets: null,
      no_qf_cents: null,
    })
    expect((history() as Array<{ field: string; old_value: unknown }>).every((r) => r.old_value === null)).toBe(true)
    const data = await ok<TariffsData>(core.call(accueil, 'town', 'tariffs', {}))
    expect(data.tariffs.find((t) => t.id === effortInput().id)).toMatchObject({ ratePercent: 0.36, validFrom: '2027-01-01' })
  })

  it('gives clear French errors at the field and saves nothing', async () => {
    const issues = async (input: unknown) => {
      const r = await core.call(responsable, 'town', 'saveTariff', input)
      return r.ok ? [] : (r.error.details?.issues ?? []).map((i) => `${i.path}: ${i.message}`)
    }
    const b = tariffInput().brackets
    expect(await issues(tariffInput({ brackets: [b[0], b[2], b[1], b[3]] }))).toEqual(['brackets.2.min: minimum supérieur à celui de la tranche précédente (1\u202f001 €) attendu'])
    expect(await issues(tariffInput({ brackets: [b[0], { min: 623, max: 600, cents: 330 }] }))).toEqual(['brackets.1.max: maximum supérieur ou égal au minimum attendu'])
    expect(await issues(tariffInput({ brackets: [] }))).toEqual(['brackets: au moins une tranche'])
    expect(await issues(tariffInput({ penaltyCents: -1 }))).toEqual(['penaltyCents: montant positif ou nul attendu'])
    expect(await issues(tariffInput({ noQfCents: 350.5 }))).toEqual(['noQfCents: montant en centimes entiers attendu'])
    expect(await issues(tariffInput({ noQfCents: null }))).toEqual(['noQfCents: tarif sans quotient obligatoire'])
    expect(await issues(tariffInput({ validTo: '2026-08-31' }))).toEqual(['validTo: la fin de validité doit suivre le début'])
    expect(await issues(effortInput({ minCents: 400, maxCents: 300 }))).toEqual(['maxCents: maximum supérieur ou égal au minimum attendu'])
    expect(await issues(effortInput({ ratePercent: 0.12345 }))).toEqual(['ratePercent: taux avec 4 décimales au plus attendu'])
    expect(await issues(effortInput({ ratePercent: null }))).toEqual(['ratePercent: taux obligatoire'])
    expect(await issues(tariffInput({ unitId: 'piscine' }))).toEqual(['unitId: service inconnu'])
    expect(count(core.sqlite, 'field_history')).toBe(0)
    expect(outbox()).toEqual([])
  })
})
