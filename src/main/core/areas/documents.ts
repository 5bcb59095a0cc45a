import { scanMimes, type ScanMime } from '@shared/contract/scans'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type contract } from '@shared/contract'
import type { ChecklistItemView, DocumentTownData, DossierView, RecordDocumentInput, RecordedDocument } from '@shared/contract/documents'
import {
  blockingItems,
  checklistOf,
  currentSchoolYear,
  describeBlocking,
  dossierId,
  loadDossier,
  personName,
  TOWN_OPTION_BLOCKS_BOOKINGS,
  townOption,
  type TwoDDocCheck,
} from '@shared/commands/documents'
import { parisDay } from '@shared/domain/dates'
import { dossierStatus, type DocumentRow, type DocumentTypeRow, type RequirementRow } from '@shared/domain/documents'
import type { RecapModel } from '@shared/domain/recap'
import { frenchDay } from '@shared/domain/reservations'
import { nextSchoolYear, schoolYearBounds } from '@shared/domain/schoolYear'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import { scansDir } from '../services/scans'
import { SCAN_STORED_EXT } from '@shared/contract/scans'
import { dataDirOf } from './scans'

const isScanMime = (m: string | null): m is ScanMime => m !== null && (scanMimes as readonly string[]).includes(m)

/**
 * Supporting documents and the Dossier tous services at the counter (issue 8, items 7–9).
 * Reads go through the shared loader (src/shared/commands/documents.ts: the same reads the
 * facts make), so that the screen shows exactly what the facts computed.
 */

type Handlers = HandlersFor<{ documents: typeof contract.documents }>['documents']

const today = (ctx: HandlerContext) => parisDay(ctx.now)

function invalid(path: string, message: string): DomainError {
  return new DomainError('INVALID_INPUT', message, { issues: [{ path, message }] })
}

/** The family's dossier for a school year, as the screen shows it. */
export async function dossierView(ctx: HandlerContext, familyId: string, schoolYear: string): Promise<DossierView> {
  const tx = ctx.store.commandTx()
  const checkDay = today(ctx)
  const data = await loadDossier(tx, familyId, schoolYear, checkDay)
  if (!data) throw new DomainError('NOT_FOUND', `No family ${familyId}`)
  let items: ReturnType<typeof checklistOf>
  try {
    items = checklistOf(data)
  } catch {
    // Town data that cannot judge a piece (a rule without its value): say so, nothing is saved.
    const reason = 'La liste des pièces ne peut pas être établie : un type de pièce est mal paramétré (à corriger dans « Paramètres »).'
    throw new DomainError('RULE_REJECTED', reason, { rule: 'CHECKLIST_UNAVAILABLE', reason })
  }
  const requirements = new Map(data.input.requirements.map((r) => [r.id, r]))
  const types = new Map(data.input.types.map((t) => [t.id, t]))
  const whose = (personId: string | null): string => {
    if (personId === null) return 'Famille'
    const p = data.persons.get(personId) ?? null
    return p ? personName(p) : 'Personne d’une autre famille'
  }
  const recorded = (d: DocumentRow): RecordedDocument => ({
    id: d.id,
    requirementId: d.requirement_id,
    personId: d.person_id,
    typeId: d.type_id,
    typeLabel: types.get(d.type_id)?.label ?? d.type_id,
    whose: whose(d.person_id),
    documentDate: d.document_date,
    validUntil: d.valid_until,
    status: d.status,
    refusalReason: d.refusal_reason,
    storage: d.storage,
    scanName: d.scan_name,
    scan:
      d.storage === 'scan' && d.scan_sha256 && isScanMime(d.scan_mime) && d.scan_size
        ? { sha256: d.scan_sha256, mime: d.scan_mime, size: d.scan_size, name: d.scan_name ?? d.scan_sha256 }
        : null,
    twoddocVerdict: d.twoddoc_verdict ?? null,
    schoolYear: d.school_year,
    checkedAt: d.checked_at,
  })
  const start = schoolYearBounds(schoolYear).start
  const itemViews: ChecklistItemView[] = items.map((i) => ({
    key: i.key,
    requirementId: i.requirement_id,
    personId: i.person_id,
    label: requirements.get(i.requirement_id)?.label ?? i.label,
    whose: whose(i.person_id),
    mandatory: i.mandatory,
    state: i.state,
    until: i.until,
    reason: i.reason,
    expiresBeforeStart: (i.state === 'valid' || i.state === 'expiring') && i.until !== null && i.until < start,
    document: i.document ? recorded(i.document) : null,
  }))
  const validator = data.dossier?.validated_by ? await tx.get('agents', String(data.dossier.validated_by)) : null
  const people: DossierView['people'] = []
  for (const [id, p] of data.persons) {
    const role = data.roles.get(id)
    if (role === 'RL1' || role === 'RL2' || role === 'enfant') people.push({ id, name: personName(p), role, birthDate: p.birth_date ? String(p.birth_date) : null })
  }
  people.sort((a, b) => (a.role === b.role ? 0 : a.role < b.role ? -1 : 1))
  return {
    familyId,
    familyName: String(data.family.name ?? ''),
    schoolYear,
    nextSchoolYear: nextSchoolYear(schoolYear),
    checkDay,
    status: (data.dossier?.status as DossierView['status'] | undefined) ?? dossierStatus(items),
    opened: data.dossier !== null,
    validatedBy: validator ? String(validator.display_name) : data.dossier?.validated_by ? String(data.dossier.validated_by) : null,
    validatedAt: data.dossier?.validated_at ? String(data.dossier.validated_at) : null,
    blocking: blockingItems(items).map((i) => `${requirements.get(i.requirement_id)?.label ?? i.label}${i.person_id ? ` — ${whose(i.person_id)}` : ''} (${i.state === 'refused' ? 'refusée' : 'manquante'})`),
    items: itemViews,
    documents: [...data.input.documents].sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0)).map(recorded),
    people,
    blocksBookings: (await townOption(tx, TOWN_OPTION_BLOCKS_BOOKINGS)) === 'true',
  }
}

/** The recap model of a dossier view (what the PDF prints). */
export function recapModel(ctx: HandlerContext, view: DossierView, family: { code: string; address: string[] }): RecapModel {
  return {
    townName: ctx.settings.townName,
    familyName: view.familyName,
    codeFamille: family.code,
    schoolYear: view.schoolYear,
    printedAt: ctx.now.toISOString(),
    agentInitials: ctx.agent?.initials ?? '',
    addressLines: family.address,
    items: view.items.map((i) => ({
      label: i.label,
      whose: i.whose,
      state: i.state,
      documentDate: i.document?.documentDate ?? null,
      validUntil: i.until,
      reason: i.reason,
      storage: i.document?.storage ?? null,
      mandatory: i.mandatory,
    })),
    dossierStatus: view.status,
    validatedBy: view.validatedBy,
    validatedAt: view.validatedAt,
  }
}

function requireFamily(ctx: HandlerContext, familyId: string) {
  const family = ctx.store.getSync('families', familyId)
  if (!family) throw new DomainError('NOT_FOUND', `No family ${familyId}`)
  return family
}

/**
 * Issue 13: a piece filled from a 2D-Doc reading (twoddocReadId) records the verdict the core
 * kept from that reading (src/main/core/areas/twoddoc.ts), never one the screen sends. Refused
 * at the field: a reading that expired or that this core never made, one made for another family
 * or another scan, validating a piece whose signature is invalid, and validating one whose data
 * differ from the family file without the agent saying they compared them with the paper.
 */
function twoddocCheck(
  ctx: HandlerContext,
  input: Pick<RecordDocumentInput, 'familyId' | 'status' | 'twoddocReadId' | 'twoddocMismatchesAccepted'> & { scan: { sha256: string } | null },
): TwoDDocCheck | null {
  const readId = input.twoddocReadId ?? null
  if (readId === null) return null
  const reading = ctx.services.twoddoc?.readings.get(readId) ?? null
  if (!reading) throw invalid('twoddocReadId', 'Lecture du 2D-Doc expirée : relisez le code.')
  if (reading.familyId !== input.familyId) throw invalid('twoddocReadId', 'Ce 2D-Doc a été lu pour une autre famille : relisez le code dans ce dossier.')
  if (input.scan && input.scan.sha256 !== reading.sha256) throw invalid('twoddocReadId', 'Ce 2D-Doc a été lu sur un autre scan que celui joint : relisez le code.')
  if (input.status === 'validee' && reading.verdict === 'invalid') {
    throw invalid('status', 'Signature du 2D-Doc invalide : la pièce ne peut pas être validée. Enregistrez-la comme refusée.')
  }
  if (input.status === 'validee' && reading.mismatches.length > 0 && input.twoddocMismatchesAccepted !== true) {
    throw invalid('twoddocMismatchesAccepted', 'Le 2D-Doc diffère du dossier de la famille : comparez avec le papier et cochez « J’ai comparé avec le papier » pour valider.')
  }
  return { verdict: reading.verdict, documentType: reading.documentType, mismatches: [...reading.mismatches] }
}

export const documentsHandlers: Handlers = {
  checklist: async (ctx, input) => {
    ctx.record('family', input.familyId)
    return dossierView(ctx, input.familyId, input.schoolYear ?? currentSchoolYear(today(ctx)))
  },
  types: (ctx): DocumentTownData => {
    const requirements = (ctx.store.findSync('document_requirements', { active: true }) as unknown as RequirementRow[]).sort((a, b) => a.sort - b.sort || a.id.localeCompare(b.id))
    const types = (ctx.store.findSync('document_types', { active: true }) as unknown as DocumentTypeRow[]).sort((a, b) => a.sort - b.sort || a.id.localeCompare(b.id))
    return {
      requirements: requirements.map((r) => ({ id: r.id, label: r.label, per: r.per, mandatory: r.mandatory, sort: r.sort })),
      types: types.map((t) => ({
        id: t.id,
        label: t.label,
        requirementId: t.requirement_id,
        ruleKind: t.rule_kind,
        ruleValue: t.rule_value,
        ruleDay: t.rule_day,
        accepted: t.accepted,
        keepScan: t.keep_scan,
        sort: t.sort,
      })),
    }
  },
  record: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    // Checked here, at the field, before anything is saved (the portal flags what still gets through).
    const day = today(ctx)
    if (input.documentDate > day) {
      throw invalid('documentDate', `La date du document (${frenchDay(input.documentDate)}) est postérieure à aujourd’hui (${frenchDay(day)}) : vérifiez-la.`)
    }
    const requirement = ctx.store.getSync('document_requirements', input.requirementId)
    if (!requirement) throw invalid('requirementId', 'Pièce demandée inconnue : choisissez-la dans la liste.')
    const type = ctx.store.getSync('document_types', input.typeId)
    if (!type || type.requirement_id !== input.requirementId) throw invalid('typeId', `Ce type de document ne justifie pas : ${String(requirement.label)}.`)
    const per = String(requirement.per)
    if (per === 'family' && input.personId !== null) throw invalid('personId', `${String(requirement.label)} : c’est une pièce de la famille, pas d’une personne.`)
    if (per !== 'family') {
      const link = input.personId ? ctx.store.findSync('family_members', { family_id: input.familyId, person_id: input.personId }) : []
      const role = link[0] ? String(link[0].role) : null
      const ok = per === 'child' ? role === 'enfant' : role === 'RL1' || role === 'RL2'
      if (!ok) throw invalid('personId', `${String(requirement.label)} : choisissez ${per === 'child' ? 'l’enfant' : 'le responsable'} à qui est la pièce.`)
    }
    if (input.storage === 'scan' && type.keep_scan === 'never') {
      throw invalid('scan', `${String(type.label)} : la commune n’en garde pas de copie ; choisissez « Vu au guichet ».`)
    }
    // The scan reached this workstation by its own path first (scans area): it must be stored here.
    if (input.scan && !existsSync(join(scansDir(dataDirOf(ctx.sqlite)), `${input.scan.sha256}.${SCAN_STORED_EXT[input.scan.mime]}`))) {
      throw invalid('scan', 'Ce scan n’est pas enregistré sur ce poste : joignez-le de nouveau.')
    }
    if (input.validUntil && input.validUntil < input.documentDate) {
      throw invalid('validUntil', 'La date de fin de validité est antérieure à la date du document.')
    }
    const twoddoc = twoddocCheck(ctx, input)
    const id = uuidv7({ msecs: ctx.now.getTime() })
    ctx.record('document', id)
    const { twoddocReadId: _readId, twoddocMismatchesAccepted: _accepted, ...piece } = input
    await runShared(ctx, 'documents.record', { ...piece, id, validUntil: input.validUntil ?? null, refusalReason: input.refusalReason ?? null, twoddoc })
    return dossierView(ctx, input.familyId, input.schoolYear)
  },
  validate: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('dossier', dossierId(input.familyId, input.schoolYear))
    const data = await loadDossier(ctx.store.commandTx(), input.familyId, input.schoolYear, today(ctx))
    const items = data ? checklistOf(data) : []
    if (blockingItems(items).length > 0) {
      const reason = `Le dossier ${input.schoolYear} ne peut pas être validé tant qu’il est incomplet : ${describeBlocking(items)}.`
      throw new DomainError('RULE_REJECTED', reason, { rule: 'DOSSIER_INCOMPLETE', reason })
    }
    await runShared(ctx, 'dossiers.validate', input)
    return dossierView(ctx, input.familyId, input.schoolYear)
  },
  renew: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    const schoolYear = nextSchoolYear(input.fromSchoolYear)
    ctx.record('dossier', dossierId(input.familyId, schoolYear))
    await runShared(ctx, 'dossiers.renew', { ...input, schoolYear })
    return dossierView(ctx, input.familyId, schoolYear)
  },
  recap: async (ctx, input) => {
    const family = requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    const view = await dossierView(ctx, input.familyId, input.schoolYear)
    const text = (v: unknown) => (v === null || v === undefined ? '' : String(v))
    const address = [text(family.address_line1), text(family.address_line2), `${text(family.postcode)} ${text(family.city)}`.trim()].filter((l) => l !== '')
    // Loaded on the first printout (pdf-lib is not needed before).
    const { renderRecapPdf } = await import('../services/recap-pdf')
    const bytes = await renderRecapPdf(recapModel(ctx, view, { code: text(family.code), address }))
    return { pdfBase64: Buffer.from(bytes).toString('base64'), fileName: `recapitulatif-${text(family.code)}-${input.schoolYear}.pdf` }
  },
}
