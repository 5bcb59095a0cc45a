import type Database from 'better-sqlite3'
import { DomainError, type contract } from '@shared/contract'
import { TOWN_HISTORY_LIMIT, type TariffsData, type TownData, type TownHistory } from '@shared/contract/town'
import { TOWN_OPTION_KEYS } from '@shared/commands/town'
import { DEFAULT_TOWN_OPTIONS } from '@shared/domain/documentDefaults'
import { neededFor, type RuleKind } from '@shared/domain/documents'
import { parseTariff } from '@shared/domain/pricing'
import type { Row } from '@shared/sync/entities'
import type { HandlersFor } from '../router'
import { runShared } from '../run-shared'

/** Town data at the counter (issue 8, item 6): read by every agent, changed by a responsable (facts town.*). */

interface RequirementStored {
  id: string
  label: string
  per: 'family' | 'guardian' | 'child'
  needed_for: string
  mandatory: number
  sort: number
  active: number
  updated_at: string
}

interface TypeStored {
  id: string
  label: string
  requirement_id: string
  rule_kind: RuleKind
  rule_value: number | null
  rule_day: string | null
  accepted: number
  keep_scan: 'optional' | 'never'
  sort: number
  active: number
  updated_at: string
}

export function townData(sqlite: Database.Database): TownData {
  const requirements = sqlite.prepare('SELECT * FROM document_requirements ORDER BY sort, id').all() as RequirementStored[]
  const types = sqlite.prepare('SELECT * FROM document_types ORDER BY sort, id').all() as TypeStored[]
  const options = new Map(
    (sqlite.prepare('SELECT id, value, updated_at FROM town_options').all() as Array<{ id: string; value: string; updated_at: string }>).map((r) => [r.id, r]),
  )
  return {
    requirements: requirements.map((r) => ({
      id: r.id,
      label: r.label,
      per: r.per,
      neededFor: neededFor(r),
      mandatory: r.mandatory === 1,
      sort: r.sort,
      active: r.active === 1,
      updatedAt: r.updated_at,
    })),
    types: types.map((t) => ({
      id: t.id,
      label: t.label,
      requirementId: t.requirement_id,
      ruleKind: t.rule_kind,
      ruleValue: t.rule_value,
      ruleDay: t.rule_day,
      accepted: t.accepted === 1,
      keepScan: t.keep_scan,
      sort: t.sort,
      active: t.active === 1,
      updatedAt: t.updated_at,
    })),
    options: TOWN_OPTION_KEYS.map((id) => {
      const row = options.get(id)
      return { id, value: row?.value ?? DEFAULT_TOWN_OPTIONS[id] ?? '', isDefault: !row, updatedAt: row?.updated_at ?? null }
    }),
  }
}

export function townHistory(sqlite: Database.Database, filter: { entity?: string | undefined; id?: string | undefined }): TownHistory {
  const rows = sqlite
    .prepare(
      `SELECT h.id, h.at, h.entity, h.entity_id AS entityId, h.field, h.old_value AS oldValue, h.new_value AS newValue,
              a.display_name AS agentName, h.channel
         FROM field_history h LEFT JOIN agents a ON a.id = h.agent_id
        WHERE h.entity IN ('document_requirements', 'document_types', 'town_options', 'tariffs')
          AND (@entity IS NULL OR h.entity = @entity) AND (@id IS NULL OR h.entity_id = @id)
        ORDER BY h.at DESC, h.id DESC
        LIMIT @limit`,
    )
    .all({ entity: filter.entity ?? null, id: filter.id ?? null, limit: TOWN_HISTORY_LIMIT }) as TownHistory['items']
  return { items: rows }
}

/** The services and their tariff grids (issue 12), by service order then start date. A row that does not parse is skipped. */
export function tariffsData(sqlite: Database.Database): TariffsData {
  const units = sqlite.prepare('SELECT id, label FROM units ORDER BY sort, id').all() as Array<{ id: string; label: string }>
  const order = new Map(units.map((u, i) => [u.id, i]))
  const rows = sqlite.prepare('SELECT * FROM tariffs ORDER BY valid_from, residency, id').all() as Row[]
  const tariffs: TariffsData['tariffs'] = []
  for (const row of rows) {
    let t
    try {
      t = parseTariff({ ...row, active: row.active === 1 || row.active === true })
    } catch {
      continue
    }
    tariffs.push({
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
      active: t.active ?? true,
      updatedAt: t.updatedAt ?? null,
    })
  }
  tariffs.sort((a, b) => (order.get(a.unitId) ?? 1e9) - (order.get(b.unitId) ?? 1e9))
  return { units, tariffs }
}

export const townHandlers: HandlersFor<typeof contract>['town'] = {
  data: (ctx) => townData(ctx.sqlite),
  history: (ctx, input) => townHistory(ctx.sqlite, input),
  saveRequirement: async (ctx, input) => {
    ctx.record('document_requirement', input.id)
    await runShared(ctx, 'town.saveRequirement', input)
    return townData(ctx.sqlite)
  },
  saveDocumentType: async (ctx, input) => {
    if (!ctx.sqlite.prepare('SELECT 1 FROM document_requirements WHERE id = ?').get(input.requirementId)) {
      throw new DomainError('INVALID_INPUT', `Unknown requirement ${input.requirementId}`, {
        issues: [{ path: 'requirementId', message: 'pièce demandée inconnue' }],
      })
    }
    ctx.record('document_type', input.id)
    await runShared(ctx, 'town.saveDocumentType', input)
    return townData(ctx.sqlite)
  },
  setOption: async (ctx, input) => {
    ctx.record('town_option', input.id)
    await runShared(ctx, 'town.setOption', input)
    return townData(ctx.sqlite)
  },
  tariffs: (ctx) => tariffsData(ctx.sqlite),
  saveTariff: async (ctx, input) => {
    if (!ctx.sqlite.prepare('SELECT 1 FROM units WHERE id = ?').get(input.unitId)) {
      throw new DomainError('INVALID_INPUT', `Unknown unit ${input.unitId}`, { issues: [{ path: 'unitId', message: 'service inconnu' }] })
    }
    ctx.record('tariff', input.id)
    await runShared(ctx, 'town.saveTariff', input)
    return tariffsData(ctx.sqlite)
  },
}
