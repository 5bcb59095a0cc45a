/**
 * The "récapitulatif du dossier" handed to the family: what the PDF renderer
 * (src/main/core/services/recap-pdf.ts) prints. Types only: the documents area builds a
 * RecapModel from the checklist (src/shared/domain/documents.ts) and the family file.
 *
 * Days are "YYYY-MM-DD" (the PDF prints them dd/mm/yyyy); printedAt is an ISO instant (UTC),
 * printed as the Europe/Paris day and time.
 */
import type { ChecklistState } from './documents'

export type RecapItemState = ChecklistState

export interface RecapItem {
  /** "Justificatif de domicile", "Carnet de vaccination". */
  label: string
  /** Whose piece: "Famille", "Léa Martin", "RL1 — Sophie Martin". */
  whose: string
  state: RecapItemState
  /** The document's own date, when one is on file. */
  documentDate?: string | null
  /** The last valid day (valid / expiring), when it has one. */
  validUntil?: string | null
  /** refused: why ("Facture EDF du 02/01/2026 : plus de 3 mois"); missing: why the piece on file no longer serves. */
  reason?: string | null
  /** How the piece was kept: a scan on the workstation, or seen at the counter with no copy. */
  storage?: 'scan' | 'vu' | null
  /** Mandatory piece (a missing optional piece is printed as such). Defaults to true. */
  mandatory?: boolean
}

export type RecapDossierStatus = 'incomplet' | 'complet' | 'valide'

export interface RecapModel {
  /** "Ville de Saint-Martin" (town name as the town calls itself). */
  townName: string
  /** "Famille Lefèvre" or "Lefèvre — Martin". */
  familyName: string
  codeFamille: string
  /** "2026-2027". */
  schoolYear: string
  /** ISO instant (UTC) of the printout. */
  printedAt: string
  /** The agent's initials, printed in the footer ("S. D."). */
  agentInitials: string
  /** The family's postal address, one line each (may be empty). */
  addressLines: string[]
  items: RecapItem[]
  dossierStatus: RecapDossierStatus
  /** When dossierStatus is 'valide': by whom (name or initials) and when (ISO instant). */
  validatedBy?: string | null
  validatedAt?: string | null
}
