import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES } from '@shared/domain/documentDefaults'
import type { TownData, TownHistory } from '@shared/contract/town'
import { columnsOf, normalizeRow, type EntityName, type Row } from '@shared/sync/entities'
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
