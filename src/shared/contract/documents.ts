import { z } from 'zod'
import { RecordedStatus, SchoolYear, ScanRef } from '../commands/documents'
import { CalendarDay, singleLine } from '../validation/text'
import { allAgents, command, query, type EndpointDef } from './define'

/**
 * Supporting documents and the "Dossier tous services" (issue 8): the checklist of a family
 * for a school year, the form's town data, recording a piece, validating, renewing, and the
 * recap PDF. The rules live in src/shared/domain/documents.ts, the facts in
 * src/shared/commands/documents.ts, the handlers in src/main/core/areas/documents.ts.
 *
 * A document date after the counter's today is refused at the field before anything is saved
 * (the handler knows the core's clock: INVALID_INPUT, issue at `documentDate`, French message).
 */

const Id = z.uuid()
const Slug = z.string().regex(/^[a-z0-9_]{1,40}$/)

export const ChecklistStateSchema = z.enum(['missing', 'valid', 'expiring', 'refused'])
export type ChecklistStateView = z.infer<typeof ChecklistStateSchema>

export const RecordedDocumentSchema = z.object({
  id: z.string(),
  requirementId: z.string(),
  personId: z.string().nullable(),
  typeId: z.string(),
  typeLabel: z.string(),
  /** "Famille", "Marie Lefèvre", "Léa". */
  whose: z.string(),
  documentDate: z.string(),
  validUntil: z.string().nullable(),
  status: z.enum(['recue', 'validee', 'refusee', 'expiree']),
  refusalReason: z.string().nullable(),
  storage: z.enum(['scan', 'vu']),
  scanName: z.string().nullable(),
  /** The stored scan (on this workstation, by hash), so that it can be read again (« Vérifier par 2D-Doc »); null: seen at the counter. */
  scan: z.object({ sha256: z.string(), mime: z.enum(['application/pdf', 'image/jpeg', 'image/png']), size: z.number().int(), name: z.string() }).nullable(),
  /** Issue 13: « vérifié par 2D-Doc » and its signature verdict (null: checked by eye). */
  twoddocVerdict: z.enum(['valid', 'invalid', 'unknown_issuer']).nullable(),
  schoolYear: z.string(),
  checkedAt: z.string(),
})
export type RecordedDocument = z.infer<typeof RecordedDocumentSchema>

export const ChecklistItemViewSchema = z.object({
  key: z.string(),
  requirementId: z.string(),
  /** null: the family's piece. */
  personId: z.string().nullable(),
  /** The requirement's label ("Carnet de vaccination"). */
  label: z.string(),
  whose: z.string(),
  mandatory: z.boolean(),
  state: ChecklistStateSchema,
  /** valid / expiring: the last valid day (null: no end). */
  until: z.string().nullable(),
  /** Plain French: "Facture d'électricité, de gaz ou d'eau du 02/01/2026 : plus de 3 mois". */
  reason: z.string().nullable(),
  /** Valid today but not at the school year's first day (what a renewal must bring again). */
  expiresBeforeStart: z.boolean(),
  document: RecordedDocumentSchema.nullable(),
})
export type ChecklistItemView = z.infer<typeof ChecklistItemViewSchema>

export const DossierViewSchema = z.object({
  familyId: z.string(),
  familyName: z.string(),
  schoolYear: z.string(),
  nextSchoolYear: z.string(),
  /** The counter's today, the day the pieces are judged. */
  checkDay: z.string(),
  /** The dossier row (null: not opened yet: its status is the checklist's). */
  status: z.enum(['incomplet', 'complet', 'valide']),
  opened: z.boolean(),
  validatedBy: z.string().nullable(),
  validatedAt: z.string().nullable(),
  /** Mandatory pieces missing or refused: "Justificatif de domicile (manquante)". */
  blocking: z.array(z.string()),
  items: z.array(ChecklistItemViewSchema),
  /** Every piece recorded for the family and its children, latest first. */
  documents: z.array(RecordedDocumentSchema),
  /** Whose a piece can be (the form's select): the family, each guardian, each child. */
  people: z.array(z.object({ id: z.string(), name: z.string(), role: z.enum(['RL1', 'RL2', 'enfant']), birthDate: z.string().nullable() })),
  /** The town option: an incomplete dossier blocks new bookings. */
  blocksBookings: z.boolean(),
})
export type DossierView = z.infer<typeof DossierViewSchema>

export const DocumentTownDataSchema = z.object({
  requirements: z.array(
    z.object({ id: z.string(), label: z.string(), per: z.enum(['family', 'guardian', 'child']), mandatory: z.boolean(), sort: z.number().int() }),
  ),
  types: z.array(
    z.object({
      id: z.string(),
      label: z.string(),
      requirementId: z.string(),
      ruleKind: z.enum(['months', 'days', 'school_year', 'until', 'vaccinations', 'none']),
      ruleValue: z.number().int().nullable(),
      ruleDay: z.string().nullable(),
      accepted: z.boolean(),
      keepScan: z.enum(['optional', 'never']),
      sort: z.number().int(),
    }),
  ),
})
export type DocumentTownData = z.infer<typeof DocumentTownDataSchema>

const FamilyYear = z.strictObject({ familyId: Id, schoolYear: SchoolYear.optional() })

export const RecordDocumentInputSchema = z
  .strictObject({
    familyId: Id,
    personId: Id.nullable(),
    requirementId: Slug,
    typeId: Slug,
    documentDate: CalendarDay,
    /** The expiry date printed on a pièce d'identité (rule « none »), else null. */
    validUntil: CalendarDay.nullable().optional(),
    status: RecordedStatus,
    refusalReason: singleLine({ max: 300 }).nullable().optional(),
    storage: z.enum(['scan', 'vu']),
    scan: ScanRef.nullable(),
    schoolYear: SchoolYear,
    /** Issue 13: the twoddoc.read answer this piece was filled from (the core records its own verdict). */
    twoddocReadId: z.uuid().nullable().optional(),
    /** The agent compared the differences from the family file with the paper and accepts the piece all the same. */
    twoddocMismatchesAccepted: z.boolean().optional(),
  })
  .refine((p) => (p.storage === 'scan') === (p.scan !== null), {
    message: 'joignez un scan, ou choisissez « Vu au guichet »',
    path: ['scan'],
  })
export type RecordDocumentInput = z.input<typeof RecordDocumentInputSchema>

export const RecapOutputSchema = z.object({ pdfBase64: z.string(), fileName: z.string() })

export const documentsEndpoints = {
  /** The checklist of a family's dossier for a school year (default: the current one); journaled. */
  checklist: query({ input: FamilyYear, output: DossierViewSchema, access: allAgents, journalRead: true }),
  /** The town's document requirements and types (the form's lists). */
  types: query({ input: z.strictObject({}), output: DocumentTownDataSchema, access: allAgents }),
  /** Records a piece the agent checked (fact documents.record). */
  record: command({ input: RecordDocumentInputSchema, output: DossierViewSchema, access: allAgents, sync: true }),
  /** Validates the dossier (fact dossiers.validate); refused here while a mandatory piece is missing or refused. */
  validate: command({ input: z.strictObject({ familyId: Id, schoolYear: SchoolYear }), output: DossierViewSchema, access: allAgents, sync: true }),
  /** Opens next school year's dossier (fact dossiers.renew) and answers its checklist. */
  renew: command({ input: z.strictObject({ familyId: Id, fromSchoolYear: SchoolYear }), output: DossierViewSchema, access: allAgents, sync: true }),
  /** The « récapitulatif du dossier » PDF (pieces received, refused, missing); journaled. */
  recap: query({ input: z.strictObject({ familyId: Id, schoolYear: SchoolYear }), output: RecapOutputSchema, access: allAgents, journalRead: true }),
} as const satisfies Record<string, EndpointDef>
