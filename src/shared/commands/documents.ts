import { z } from 'zod'
import type { Row, Value } from '../sync/entities'
import { lockKeys, type CommandDef, type CommandTx, type RaisedFlag, type ReadHint } from './base'
import { derivedId } from './ids'
import { parisDay } from '../domain/dates'
import {
  checklist,
  documentValidity,
  dossierStatus,
  situations as allSituations,
  type ChecklistChild,
  type ChecklistInput,
  type ChecklistItem,
  type ChecklistPerson,
  type DocumentRow,
  type DocumentTypeRow,
  type RequirementRow,
  type Situation,
  type Validity,
} from '../domain/documents'
import { DEFAULT_TOWN_OPTIONS } from '../domain/documentDefaults'
import { frenchDay } from '../domain/reservations'
import { isSchoolYear, nextSchoolYear, previousSchoolYear } from '../domain/schoolYear'
import { CalendarDay, singleLine } from '../validation/text'

/**
 * Supporting documents and the yearly "Dossier tous services" (issue 8): three facts, run on
 * the workstation and again on the portal (src/shared/commands/index.ts).
 *
 * - `documents.record`: the agent checked a piece (its type, whose, its date, validée/refusée,
 *   a scan kept on the workstation or "vu au guichet"). valid_until is computed here with the
 *   shared rules (the portal computes it again), and the dossier's status follows the checklist.
 * - `dossiers.validate`: an agent validated the dossier (statut « validé », by whom, when).
 * - `dossiers.renew`: the next school year's dossier is opened, the family carried over.
 *
 * Facts never throw for a rule: the portal records them and flags what breaks its rules (a
 * piece recorded valid that the rules refuse, a document dated in the future, an unknown type,
 * a validation with a missing or refused mandatory piece). The counter refuses the obvious
 * mistakes before anything is saved (a document dated in the future, a validation of an
 * incomplete dossier): see src/main/core/areas/documents.ts.
 */

export const TOWN_OPTION_BLOCKS_BOOKINGS = 'dossier.incomplete_blocks_bookings'
export const TOWN_OPTION_EXPIRING_DAYS = 'documents.expiring_soon_days'

const Id = z.uuid()
const Slug = z.string().regex(/^[a-z0-9_]{1,40}$/, 'identifiant attendu (lettres minuscules, chiffres, _)')
export const SchoolYear = z.string().refine(isSchoolYear, 'année scolaire attendue au format AAAA-AAAA (2026-2027)')
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'empreinte SHA-256 attendue')
export const SCAN_MAX_BYTES = 10 * 1024 * 1024
export const ScanMimes = ['application/pdf', 'image/jpeg', 'image/png'] as const

export const ScanRef = z.strictObject({
  sha256: Sha256,
  mime: z.enum(ScanMimes),
  size: z.number().int().positive().max(SCAN_MAX_BYTES),
  name: singleLine({ min: 1, max: 200 }),
})
export type ScanRef = z.infer<typeof ScanRef>

/**
 * Issue 13: the piece was read from its 2D-Doc barcode at the counter. The core fills this in
 * from its own reading (src/main/core/areas/twoddoc.ts), never from what the screen claims: the
 * signature verdict, the 2D-Doc document type, and the differences from the family file the
 * agent saw and accepted. The barcode's content itself never travels.
 */
export const TwoDDocVerdict = z.enum(['valid', 'invalid', 'unknown_issuer'])
export type TwoDDocVerdict = z.infer<typeof TwoDDocVerdict>
export const TwoDDocMismatchField = z.enum(['surname', 'street', 'postcode', 'city'])
export type TwoDDocMismatchField = z.infer<typeof TwoDDocMismatchField>
export const TwoDDocCheck = z.strictObject({
  verdict: TwoDDocVerdict,
  documentType: z.string().regex(/^[0-9A-Z]{2}$/, 'type de 2D-Doc attendu (deux caractères)'),
  mismatches: z
    .array(TwoDDocMismatchField)
    .max(4)
    .refine((m) => new Set(m).size === m.length, 'écarts en double'),
})
export type TwoDDocCheck = z.infer<typeof TwoDDocCheck>

/** What the agent records (status: the agent's decision; 'expiree' is the rules' business, never recorded). */
export const RecordedStatus = z.enum(['recue', 'validee', 'refusee'])

export const RecordDocumentPayload = z
  .strictObject({
    id: Id,
    familyId: Id,
    /** null: the family's piece. */
    personId: Id.nullable(),
    requirementId: Slug,
    typeId: Slug,
    documentDate: CalendarDay,
    /** The end printed on the document itself (a pièce d'identité's expiry date), else null. */
    validUntil: CalendarDay.nullable().default(null),
    status: RecordedStatus,
    /** Why the agent refused it (French); null: the rules' own reason is used. */
    refusalReason: singleLine({ max: 300 }).nullable().default(null),
    storage: z.enum(['scan', 'vu']),
    scan: ScanRef.nullable(),
    schoolYear: SchoolYear,
    /** Issue 13: read from its 2D-Doc (null: checked by eye only). */
    twoddoc: TwoDDocCheck.nullable().default(null),
  })
  .refine((p) => (p.storage === 'scan') === (p.scan !== null), {
    message: 'un scan est joint si et seulement si la pièce est conservée en scan',
    path: ['scan'],
  })
export type RecordDocumentPayload = z.output<typeof RecordDocumentPayload>

export const ValidateDossierPayload = z.strictObject({ familyId: Id, schoolYear: SchoolYear })
export type ValidateDossierPayload = z.infer<typeof ValidateDossierPayload>

export const RenewDossierPayload = z
  .strictObject({ familyId: Id, fromSchoolYear: SchoolYear, schoolYear: SchoolYear })
  // Zod runs this even when a field failed: never throw on a malformed year.
  .refine((p) => !isSchoolYear(p.fromSchoolYear) || nextSchoolYear(p.fromSchoolYear) === p.schoolYear, {
    message: 'le renouvellement ouvre l’année scolaire suivante',
    path: ['schoolYear'],
  })
export type RenewDossierPayload = z.infer<typeof RenewDossierPayload>

// ---- reading a family's dossier (the same code on the workstation and the portal) --------

/** The dossier row's id: one per family and school year, the same wherever it is created. */
export function dossierId(familyId: string, schoolYear: string): string {
  return derivedId(familyId, `dossier:${schoolYear}`)
}

const str = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v))

export function personName(p: Row): string {
  return `${str(p.first_names) ?? ''} ${str(p.last_name) ?? ''}`.trim()
}

/** A town option's value (the shipped default when the town has no row). */
export async function townOption(tx: Pick<CommandTx, 'get'>, key: string): Promise<string | null> {
  const row = await tx.get('town_options', key)
  return row ? str(row.value) : (DEFAULT_TOWN_OPTIONS[key] ?? null)
}

export interface DossierData {
  family: Row
  input: ChecklistInput
  /** Every member person of the family (guardians, children, contacts), by id. */
  persons: Map<string, Row>
  /** RL1 / RL2 / enfant of each member. */
  roles: Map<string, string>
  dossier: Row | null
}

const LAST_PRIMARY_LEVEL = 'CM2'

/**
 * Everything the checklist needs for a family and a school year, read through the command's
 * reads (CommandTx: SQLite on the workstation, PostgreSQL on the portal). Null: no such family.
 *
 * The situations (documented in docs/documents.md):
 * - family: resident (families.resident), separated (separated_parents), hosted (hosted),
 *   tariff (an allocataire number or a quotient on file: the family asks for a tariff below the
 *   maximum), first_enrolment (no dossier for an earlier school year);
 * - child: school (a schooling for the year, or last year's below CM2: carried over), periscolaire
 *   (an inscription for the year, or last year's still active), pai (persons.pai), new_school
 *   (this year's school differs from last year's).
 */
export async function loadDossier(tx: CommandTx, familyId: string, schoolYear: string, checkDay: string): Promise<DossierData | null> {
  const family = await tx.get('families', familyId)
  if (!family) return null
  // One read after the other: the portal's reads share one transaction's connection.
  const requirements = await tx.find('document_requirements', {})
  const types = await tx.find('document_types', {})
  const members = await tx.find('family_members', { family_id: familyId })
  const dossiers = await tx.find('dossiers', { family_id: familyId })
  const quotientCount = await tx.count('quotients', { family_id: familyId })
  const expiring = await townOption(tx, TOWN_OPTION_EXPIRING_DAYS)
  const persons = new Map<string, Row>()
  const roles = new Map<string, string>()
  for (const m of members) {
    const id = String(m.person_id)
    const p = await tx.get('persons', id)
    if (p) persons.set(id, p)
    roles.set(id, String(m.role))
  }
  const previous = previousSchoolYear(schoolYear)
  const situations = new Set<Situation>()
  if (family.resident === true) situations.add('resident')
  if (family.separated_parents === true) situations.add('separated')
  if (family.hosted === true) situations.add('hosted')
  if (str(family.allocataire_number) || quotientCount > 0) situations.add('tariff')
  if (!dossiers.some((d) => String(d.school_year) < schoolYear)) situations.add('first_enrolment')

  const guardians: ChecklistPerson[] = []
  const children: ChecklistChild[] = []
  const documents: DocumentRow[] = (await tx.find('documents', { family_id: familyId })) as unknown as DocumentRow[]
  const seen = new Set(documents.map((d) => d.id))
  for (const m of members) {
    const id = String(m.person_id)
    const p = persons.get(id)
    if (!p) continue
    if (m.role === 'RL1' || m.role === 'RL2') guardians.push({ id, name: personName(p) })
    if (m.role !== 'enfant') continue
    const own = new Set<Situation>()
    const schoolings = await tx.find('schoolings', { person_id: id })
    const now = schoolings.find((s) => s.school_year === schoolYear)
    const before = schoolings.find((s) => s.school_year === previous)
    if (now || (before && before.level !== LAST_PRIMARY_LEVEL)) own.add('school')
    if (now && before && now.school_id !== before.school_id) own.add('new_school')
    const inscriptions = await tx.find('inscriptions', { child_id: id })
    if (inscriptions.some((i) => i.school_year === schoolYear || (i.school_year === previous && i.status === 'active'))) own.add('periscolaire')
    const birth = str(p.birth_date)
    children.push({
      id,
      name: str(p.first_names) ?? '',
      // Unknown birth date: the vaccination item says it cannot be checked (no rule runs on it).
      birth_date: birth ?? '',
      pai: p.pai === true,
      situations: [...own],
    })
    // A child's piece serves every family of the child (shared custody).
    for (const d of (await tx.find('documents', { person_id: id })) as unknown as DocumentRow[]) {
      if (!seen.has(d.id)) {
        seen.add(d.id)
        documents.push(d)
      }
    }
  }
  const soon = Number(expiring)
  const input: ChecklistInput = {
    familyId,
    requirements: requirements as unknown as RequirementRow[],
    types: types as unknown as DocumentTypeRow[],
    situations: [...situations].filter((s) => (allSituations as readonly string[]).includes(s)),
    guardians,
    children: children.map((c) => (c.birth_date ? c : { ...c, birth_date: '1900-01-01' })),
    documents,
    schoolYear,
    checkDay,
    ...(Number.isSafeInteger(soon) && soon >= 0 ? { expiringSoonDays: soon } : {}),
  }
  const dossier = dossiers.find((d) => d.school_year === schoolYear) ?? null
  return { family, input, persons, roles, dossier }
}

/** The checklist of a loaded dossier (children without a known birth date: their vaccinations cannot be checked). */
export function checklistOf(data: DossierData): ChecklistItem[] {
  const unknownBirth = new Set(data.input.children.filter((c) => !str(data.persons.get(c.id)?.birth_date ?? null)).map((c) => c.id))
  return checklist(data.input).map((item) => {
    if (item.person_id && unknownBirth.has(item.person_id) && item.type?.rule_kind === 'vaccinations') {
      return { ...item, state: 'refused', until: null, reason: `${item.type.label} : date de naissance inconnue, vaccinations non vérifiables` }
    }
    return item
  })
}

/** The mandatory items that keep the dossier incomplete ("Justificatif de domicile (manquant)"…). */
export function blockingItems(items: readonly ChecklistItem[]): ChecklistItem[] {
  return items.filter((i) => i.mandatory && i.state !== 'valid' && i.state !== 'expiring')
}

export function describeBlocking(items: readonly ChecklistItem[]): string {
  return blockingItems(items)
    .map((i) => `${i.label} (${i.state === 'refused' ? 'refusée' : 'manquante'})`)
    .join(', ')
}

/**
 * Writes the dossier row with the status its checklist gives: complet / incomplet; a validated
 * dossier stays validated while it is complete, and goes back to incomplet (validation cleared)
 * when a mandatory piece is missing or refused.
 */
async function putDossierStatus(tx: CommandTx, data: DossierData, items: readonly ChecklistItem[], at: string): Promise<Row> {
  const computed = dossierStatus(items)
  const current = data.dossier
  const status = current?.status === 'valide' && computed === 'complet' ? 'valide' : computed
  const row: Row = {
    id: current ? String(current.id) : dossierId(data.input.familyId, data.input.schoolYear),
    family_id: data.input.familyId,
    school_year: data.input.schoolYear,
    status,
    validated_by: status === 'valide' ? (current?.validated_by ?? null) : null,
    validated_at: status === 'valide' ? (current?.validated_at ?? null) : null,
    created_at: current ? String(current.created_at) : at,
    updated_at: at,
  }
  if (!current || current.status !== row.status) await tx.put('dossiers', row)
  return row
}

/** The short reason of a refusal, without the parenthesis ("plus de 3 mois"). */
export function shortReason(v: Pick<Validity, 'reason'>): string | null {
  return v.reason === null ? null : v.reason.replace(/ \([^()]*\)$/, '')
}

export interface PieceJudgement {
  type: DocumentTypeRow | null
  validity: Validity | null
  /** Why the rules refuse it (French, short), null when they accept it. */
  refusal: string | null
}

/** A piece judged by the town's rules on `checkDay` (the type's acceptance, its validity rule). */
export function judgePiece(
  type: DocumentTypeRow | null,
  requirement: RequirementRow | null,
  piece: { documentDate: string; validUntil: string | null; schoolYear: string },
  checkDay: string,
  birthDate: string | null,
): PieceJudgement {
  if (!type) return { type, validity: null, refusal: 'type de pièce inconnu' }
  let validity: Validity | null
  try {
    validity = documentValidity(type, { document_date: piece.documentDate, valid_until: piece.validUntil }, { schoolYear: piece.schoolYear, checkDay, birthDate })
  } catch {
    validity = null
  }
  if (!type.accepted) {
    const what = requirement ? requirement.label.charAt(0).toLocaleLowerCase('fr') + requirement.label.slice(1) : 'cette pièce'
    return { type, validity, refusal: `n'est pas accepté comme ${what}` }
  }
  if (!validity) return { type, validity, refusal: type.rule_kind === 'vaccinations' ? 'date de naissance inconnue, vaccinations non vérifiables' : 'validité non vérifiable' }
  return { type, validity, refusal: validity.valid ? null : shortReason(validity) }
}

// ---- the commands ------------------------------------------------------------------------

/**
 * The checklist, or null when the town data cannot give one (a type whose rule lacks its value:
 * town data a responsable must fix). A fact is recorded all the same, with a flag.
 */
function safeChecklist(data: DossierData): ChecklistItem[] | null {
  try {
    return checklistOf(data)
  } catch {
    return null
  }
}

const checklistUnavailable = (familyId: string, schoolYear: string): RaisedFlag => ({
  kind: 'rule',
  code: 'CHECKLIST_UNAVAILABLE',
  reason: `Liste des pièces du dossier ${schoolYear} impossible à établir (type de pièce mal paramétré) : statut du dossier non mis à jour, à vérifier dans les paramètres.`,
  familyId,
  data: { familyId, schoolYear },
})

const missingFamily = (what: string, p: { familyId: string }): RaisedFlag => ({
  kind: 'missing',
  code: 'UNKNOWN_FAMILY',
  reason: `${what} reçu(e) pour un dossier famille absent du portail : conservé(e) ici, à rattacher à la main.`,
  familyId: null,
  data: p,
})

export const recordDocument: CommandDef<RecordDocumentPayload> = {
  kind: 'fact',
  payload: RecordDocumentPayload as unknown as z.ZodType<RecordDocumentPayload>,
  touches: (p) => [
    { entity: 'documents', id: p.id },
    { entity: 'dossiers', id: dossierId(p.familyId, p.schoolYear) },
  ],
  reads: (p): ReadHint[] => [{ kind: 'find', entity: 'family_members', where: { family_id: p.familyId } }],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const checkDay = parisDay(new Date(ctx.at))
    const data = await loadDossier(tx, p.familyId, p.schoolYear, checkDay)
    if (!data) return [missingFamily('Pièce justificative', p)]
    const flags: RaisedFlag[] = []
    const type = ((await tx.get('document_types', p.typeId)) as unknown as DocumentTypeRow | null) ?? null
    const requirement = ((await tx.get('document_requirements', p.requirementId)) as unknown as RequirementRow | null) ?? null
    const person = p.personId ? (data.persons.get(p.personId) ?? (await tx.get('persons', p.personId))) : null
    const flag = (code: string, reason: string) => flags.push({ kind: 'rule', code, reason, familyId: p.familyId, data: p })
    if (!type) flag('UNKNOWN_DOCUMENT_TYPE', `Pièce enregistrée avec un type inconnu (${p.typeId}) : à vérifier.`)
    else if (type.requirement_id !== p.requirementId)
      flag('TYPE_NOT_FOR_REQUIREMENT', `${type.label} enregistré(e) pour une autre pièce (${requirement?.label ?? p.requirementId}) : à vérifier.`)
    if (!requirement) flag('UNKNOWN_REQUIREMENT', `Pièce enregistrée pour une exigence inconnue (${p.requirementId}) : à vérifier.`)
    if (p.personId && !data.persons.has(p.personId)) {
      flag('NOT_A_MEMBER_OF_FAMILY', `Pièce de ${person ? personName(person) : 'une personne inconnue'} enregistrée dans un dossier famille auquel cette personne n’est pas rattachée : à vérifier.`)
    }
    if (type && p.storage === 'scan' && type.keep_scan === 'never') {
      flag('SCAN_NOT_KEPT', `${type.label} : la commune ne conserve pas de copie de cette pièce, un scan a pourtant été joint : à supprimer.`)
    }
    const label = type?.label ?? 'Pièce'
    if (p.documentDate > checkDay) {
      flag('DOCUMENT_DATE_IN_FUTURE', `${label} datée du ${frenchDay(p.documentDate)}, postérieure au jour du contrôle (${frenchDay(checkDay)}) : à vérifier.`)
    }
    const birth = person ? str(person.birth_date) : null
    const judged = judgePiece(type, requirement, { documentDate: p.documentDate, validUntil: p.validUntil, schoolYear: p.schoolYear }, checkDay, birth)
    if (p.status === 'validee' && judged.refusal !== null && p.documentDate <= checkDay && type) {
      flag('PIECE_REFUSED_BY_RULES', `${label} du ${frenchDay(p.documentDate)} enregistrée comme valide alors que les règles la refusent : ${judged.refusal}. À vérifier.`)
    }
    // Issue 13: the counter refuses to validate a piece whose 2D-Doc signature is invalid; a
    // workstation that did all the same (an old or altered one) is recorded, and flagged.
    if (p.status === 'validee' && p.twoddoc?.verdict === 'invalid') {
      flag('TWODDOC_INVALID_VALIDATED', `${label} du ${frenchDay(p.documentDate)} validée alors que la signature de son 2D-Doc est invalide (document modifié ou faux) : à vérifier.`)
    }
    const refusal = p.status === 'refusee' ? (p.refusalReason?.trim() || judged.refusal || 'refusée au guichet') : null
    await tx.put('documents', {
      id: p.id,
      family_id: p.familyId,
      person_id: p.personId,
      requirement_id: p.requirementId,
      type_id: p.typeId,
      document_date: p.documentDate,
      // The rules' end (or the end printed on the document when the type has none).
      valid_until: judged.validity?.until ?? p.validUntil,
      status: p.status,
      refusal_reason: refusal,
      storage: p.storage,
      scan_sha256: p.scan?.sha256 ?? null,
      scan_mime: p.scan?.mime ?? null,
      scan_size: p.scan?.size ?? null,
      scan_name: p.scan?.name ?? null,
      twoddoc_verdict: p.twoddoc?.verdict ?? null,
      twoddoc_type: p.twoddoc?.documentType ?? null,
      twoddoc_mismatches: p.twoddoc && p.twoddoc.mismatches.length > 0 ? p.twoddoc.mismatches.join(',') : null,
      school_year: p.schoolYear,
      checked_by: ctx.agentId,
      checked_at: ctx.at,
      workstation_id: ctx.workstationId,
      created_at: ctx.at,
      updated_at: ctx.at,
    })
    const after = await loadDossier(tx, p.familyId, p.schoolYear, checkDay)
    const items = after ? safeChecklist(after) : null
    if (after && items) await putDossierStatus(tx, after, items, ctx.at)
    else flags.push(checklistUnavailable(p.familyId, p.schoolYear))
    return flags
  },
}

export const validateDossier: CommandDef<ValidateDossierPayload> = {
  kind: 'fact',
  payload: ValidateDossierPayload,
  touches: (p) => [{ entity: 'dossiers', id: dossierId(p.familyId, p.schoolYear) }],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const checkDay = parisDay(new Date(ctx.at))
    const data = await loadDossier(tx, p.familyId, p.schoolYear, checkDay)
    if (!data) return [missingFamily('Validation de dossier', p)]
    const items = safeChecklist(data)
    const current = data.dossier
    await tx.put('dossiers', {
      id: current ? String(current.id) : dossierId(p.familyId, p.schoolYear),
      family_id: p.familyId,
      school_year: p.schoolYear,
      status: 'valide',
      validated_by: ctx.agentId,
      validated_at: ctx.at,
      created_at: current ? String(current.created_at) : ctx.at,
      updated_at: ctx.at,
    })
    if (!items) return [checklistUnavailable(p.familyId, p.schoolYear)]
    const blocking = blockingItems(items)
    if (blocking.length === 0) return []
    return [
      {
        kind: 'rule',
        code: 'DOSSIER_VALIDATED_INCOMPLETE',
        reason: `Dossier ${p.schoolYear} de la famille ${str(data.family.name) ?? ''} validé alors qu’il est incomplet : ${describeBlocking(items)}. À vérifier.`,
        familyId: p.familyId,
        data: { ...p, blocking: blocking.map((i) => ({ key: i.key, state: i.state, reason: i.reason })) },
      },
    ]
  },
}

export const renewDossier: CommandDef<RenewDossierPayload> = {
  kind: 'fact',
  payload: RenewDossierPayload as unknown as z.ZodType<RenewDossierPayload>,
  touches: (p) => [{ entity: 'dossiers', id: dossierId(p.familyId, p.schoolYear) }],
  locks: { keys: (p) => [lockKeys.family(p.familyId)] },
  async execute(tx, p, ctx) {
    const checkDay = parisDay(new Date(ctx.at))
    const data = await loadDossier(tx, p.familyId, p.schoolYear, checkDay)
    if (!data) return [missingFamily('Renouvellement de dossier', p)]
    // Opened once: a second renewal (another counter, a retry) leaves the dossier as it is.
    if (data.dossier) return []
    const items = safeChecklist(data)
    if (!items) return [checklistUnavailable(p.familyId, p.schoolYear)]
    await putDossierStatus(tx, data, items, ctx.at)
    return []
  },
}

/**
 * The booking rule of the town option 'dossier.incomplete_blocks_bookings': when it is 'true',
 * a family whose dossier for the booking day's school year is not complet or validé may not
 * book. Returns the French reason, null when the booking may go on.
 */
export async function dossierBlocksBooking(tx: CommandTx, familyId: string, family: Row, day: string): Promise<string | null> {
  if ((await townOption(tx, TOWN_OPTION_BLOCKS_BOOKINGS)) !== 'true') return null
  const year = schoolYearOfDay(day)
  const dossier = await tx.get('dossiers', dossierId(familyId, year))
  if (dossier && (dossier.status === 'complet' || dossier.status === 'valide')) return null
  return `Le dossier tous services ${year} de la famille ${str(family.name) ?? ''} n’est pas complet : la commune bloque les nouvelles réservations tant qu’il manque des pièces.`
}

function schoolYearOfDay(day: string): string {
  const y = Number(day.slice(0, 4))
  const start = Number(day.slice(5, 7)) >= 9 ? y : y - 1
  return `${start}-${start + 1}`
}

/** The school year whose first day is the latest on or before `day` (the dossier the counter shows). */
export function currentSchoolYear(day: string): string {
  return schoolYearOfDay(day)
}

export const documentCommands = {
  'documents.record': recordDocument,
  'dossiers.validate': validateDossier,
  'dossiers.renew': renewDossier,
} as const
