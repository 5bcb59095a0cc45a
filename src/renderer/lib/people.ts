import type { FamilyFile } from '@shared/contract'
import { sameName } from './format'

export type Guardian = FamilyFile['guardians'][number]
export type Child = FamilyFile['children'][number]
export type Contact = FamilyFile['contacts'][number]

/** The birth name to show ("née Martin") only when it differs from the usual name. */
export function birthNameToShow(p: { lastName: string; birthName: string | null }): string | null {
  if (!p.birthName || p.birthName.trim() === '') return null
  return sameName(p.birthName, p.lastName) ? null : p.birthName.trim()
}

/** i18n key for "née" / "né" / "né(e)" depending on civility. */
export function bornKey(civility: Guardian['civility']): 'family.bornFemale' | 'family.bornMale' | 'family.bornUnknown' {
  if (civility === 'Mme') return 'family.bornFemale'
  if (civility === 'M.') return 'family.bornMale'
  return 'family.bornUnknown'
}
