import { DEFAULTS_UPDATED_AT } from '@shared/domain/documentDefaults'
import type { Row } from '@shared/sync/entities'
import { defaultCalendarRows } from '../calendar/zone-c-2026-2027'

/**
 * The shipped school calendar (zone C 2026-2027 and the French public holidays) as
 * `calendar_periods` rows, written when a database has no calendar yet: by the portal at start
 * (through the change log, so workstations receive it) and by a workstation's own demo town.
 * Ids derive from the rows (src/common/calendar): the same everywhere, so the portal's copy
 * later replaces a workstation's demo copy row for row. (src/common: shared by both sides.)
 */
export function shippedCalendarRows(): Row[] {
  return defaultCalendarRows().map((r) => ({ ...r, updated_at: DEFAULTS_UPDATED_AT }))
}
