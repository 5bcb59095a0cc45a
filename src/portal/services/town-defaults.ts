import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES, DEFAULT_TOWN_OPTIONS, DEFAULTS_UPDATED_AT } from '@shared/domain/documentDefaults'
import { DEFAULT_TARIFFS } from '@shared/domain/tariffDefaults'
import type { Row } from '@shared/sync/entities'
import { shippedCalendarRows } from '../../common/demo/calendar'
import type { PortalDb } from '../db/client'
import { EntityStore } from '../db/store'

/**
 * The town data a new portal starts with (src/shared/domain/documentDefaults.ts): the document
 * requirements and types when their tables are empty (and a type shipped later whose id the town
 * lacks: addTypesShippedLater), each town option the portal does not
 * have yet, the services' tariffs (src/shared/domain/tariffDefaults.ts) when there are none, and the shipped school calendar (zone C 2026-2027, public holidays) when it has
 * none. Written through the change log, so that workstations receive them by pull or in their
 * bootstrap snapshot like any other row. A responsable's later edits are never
 * overwritten: a table the town already filled is left alone, an option already set is kept.
 * Runs at every start (a no-op once seeded); two portals starting at once on one database
 * take the change-log lock one after the other.
 */
export async function seedTownDefaults(db: PortalDb): Promise<{ rows: number }> {
  return EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store) => {
    let written = 0
    if ((await store.count('document_requirements', {})) === 0) {
      written += await store.insertMany('document_requirements', DEFAULT_DOCUMENT_REQUIREMENTS as unknown as Row[])
      if ((await store.count('document_types', {})) === 0) {
        written += await store.insertMany('document_types', DEFAULT_DOCUMENT_TYPES as unknown as Row[])
      }
    }
    written += await addTypesShippedLater(store)
    const options = await store.find('town_options', {})
    const have = new Set(options.map((o) => String(o.id)))
    const missing = Object.entries(DEFAULT_TOWN_OPTIONS)
      .filter(([id]) => !have.has(id))
      .map(([id, value]): Row => ({ id, value, updated_at: DEFAULTS_UPDATED_AT }))
    if (missing.length > 0) written += await store.insertMany('town_options', missing)
    if ((await store.count('calendar_periods', {})) === 0) written += await store.insertMany('calendar_periods', shippedCalendarRows())
    // The services' tariffs (issue 12): town data a responsable edits afterwards.
    written += await seedDefaultTariffs(store)
    return { rows: written }
  })
}

/**
 * A document type shipped after the town was seeded (issue 13: the avis de taxe d'habitation):
 * inserted when the town has no row with its id and has its requirement. Types are never deleted
 * (a responsable deactivates or refuses one), so a missing id is one the town never had; the
 * town's own rows, and a default it edited, are left as they are.
 */
export async function addTypesShippedLater(store: EntityStore): Promise<number> {
  const types = await store.find('document_types', {})
  if (types.length === 0) return 0
  const have = new Set(types.map((t) => String(t.id)))
  const requirements = new Set((await store.find('document_requirements', {})).map((r) => String(r.id)))
  const missing = DEFAULT_DOCUMENT_TYPES.filter((t) => !have.has(t.id) && requirements.has(t.requirement_id))
  return missing.length > 0 ? store.insertMany('document_types', missing as unknown as Row[]) : 0
}

/**
 * The default tariffs (src/shared/domain/tariffDefaults.ts) of the units the portal has, when it
 * has no tariff at all (a town that set its own is left alone). Also called by the demo seeding,
 * once its units are written.
 */
export async function seedDefaultTariffs(store: EntityStore): Promise<number> {
  if ((await store.count('tariffs', {})) > 0) return 0
  const units = new Set((await store.find('units', {})).map((u) => String(u.id)))
  const rows = DEFAULT_TARIFFS.filter((t) => units.has(String(t.unit_id))).map((t) => ({ ...t, updated_at: t.updated_at ?? DEFAULTS_UPDATED_AT }))
  return rows.length > 0 ? store.insertMany('tariffs', rows) : 0
}
