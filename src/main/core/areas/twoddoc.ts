import { v7 as uuidv7 } from 'uuid'
import type { TrustStatus, TwoDDocReadView, twoddocEndpoints } from '@shared/contract/twoddoc'
import { DomainError } from '@shared/contract'
import { parisDay } from '@shared/domain/dates'
import type { DocumentTypeRow } from '@shared/domain/documents'
import { ADDRESS_REQUIREMENT, compareWithFamily, suggestTypeId, twoddocTypeLabel, verdictView } from '@shared/domain/twoddoc'
import type { HandlerContext, HandlersFor } from '../router'
import type { TwoDDocCore } from '../types'
import { readScan } from '../services/scans'
import { importBundle, loadBundleInForce, TrustBundleError, trustStatusOf } from '../twoddoc/trust'
// errors.ts, not decode.ts: the decoders (zxing, pdf.js, canvas) load in the worker only.
import { TwoDDocUnreadableError } from '../twoddoc/errors'
import { TwoDDocWorkerError } from '../twoddoc/service'

/**
 * Issue 13 at the counter: « Lire le 2D-Doc » on a stored scan, and the trust bundle.
 *
 * `read` reads the scan in the core's 2D-Doc worker (never on this thread), verifies the code
 * against the bundle in force, and answers the verdict with its French reasons, the piece to
 * record (the town's type, the emission date, the family's) and the differences from the family
 * file. The core keeps, in memory only, what the record will carry (the verdict, the 2D-Doc type,
 * which fields differ): documents.record names the reading by its readId and never takes a
 * verdict from the screen. Nothing of the barcode is written anywhere: the journal row names the
 * family, and the answer (holder, address) goes to the screen only.
 */

type Handlers = HandlersFor<{ twoddoc: typeof twoddocEndpoints }>['twoddoc']

function core2d(ctx: HandlerContext): TwoDDocCore {
  const t = ctx.services.twoddoc
  if (!t) throw new DomainError('INTERNAL', 'Lecture 2D-Doc indisponible sur ce poste.')
  return t
}

const refuse = (rule: string, reason: string) => new DomainError('RULE_REJECTED', reason, { rule, reason })

const text = (v: unknown): string | null => (v === null || v === undefined || String(v).trim() === '' ? null : String(v))

/** The family file as the comparison needs it: the guardians' last and birth names, the address. */
function familyAddress(ctx: HandlerContext, familyId: string, family: Record<string, unknown>) {
  const surnames: string[] = []
  for (const m of ctx.store.findSync('family_members', { family_id: familyId })) {
    if (m.role !== 'RL1' && m.role !== 'RL2') continue
    const p = ctx.store.getSync('persons', String(m.person_id))
    for (const name of [text(p?.last_name), text(p?.birth_name)]) if (name && !surnames.includes(name)) surnames.push(name)
  }
  return {
    surnames,
    addressLine1: text(family.address_line1),
    addressLine2: text(family.address_line2),
    postcode: text(family.postcode),
    city: text(family.city),
  }
}

function isUnreadable(error: unknown): error is Error {
  return error instanceof TwoDDocUnreadableError || (error instanceof Error && error.name === 'TwoDDocUnreadableError')
}

export const twoddocHandlers: Handlers = {
  read: async (ctx, input): Promise<TwoDDocReadView> => {
    const t = core2d(ctx)
    const family = ctx.store.getSync('families', input.familyId)
    if (!family) throw new DomainError('NOT_FOUND', `No family ${input.familyId}`)
    ctx.record('family', input.familyId)
    const scan = await readScan(t.dataDir, input.sha256)
    if (!scan) throw refuse('SCAN_NOT_FOUND', 'Ce scan n’est pas enregistré sur ce poste : joignez-le de nouveau.')
    const inForce = loadBundleInForce(t.resourcesDir, t.dataDir)
    const trust = trustStatusOf(inForce, parisDay(ctx.now))
    let outcome: Awaited<ReturnType<TwoDDocCore['service']['read']>>
    try {
      outcome = await t.service.read(scan.bytes, scan.mime, inForce.bundle)
    } catch (error) {
      if (isUnreadable(error)) {
        throw refuse('SCAN_UNREADABLE', error.message || 'Ce scan ne peut pas être lu : numérisez la pièce à nouveau.')
      }
      // The worker stopped or took too long (French, nothing of the file): the agent may try again.
      if (error instanceof TwoDDocWorkerError) throw refuse('TWODDOC_READER', error.message)
      throw error
    }
    if (!outcome.found) {
      const verdict = verdictView(outcome, trust, null, [])
      return {
        readId: null,
        found: false,
        codes: 0,
        signature: null,
        color: verdict.color,
        reasons: verdict.reasons,
        documentType: null,
        documentTypeLabel: null,
        proofOfAddress: false,
        emittedOn: null,
        holder: null,
        addressLine: null,
        postcode: null,
        city: null,
        truncatedFields: [],
        suggestion: null,
        typeProblem: null,
        mismatches: [],
        trust,
      }
    }
    const townTypes = ctx.store.findSync('document_types', { requirement_id: ADDRESS_REQUIREMENT }) as unknown as DocumentTypeRow[]
    const suggested = outcome.proofOfAddress ? suggestTypeId(outcome.documentType, townTypes) : null
    const mismatches = compareWithFamily(
      { holderName: { surname: outcome.holderName.surname }, addressLine: outcome.addressLine, postcode: outcome.postcode, city: outcome.city },
      familyAddress(ctx, input.familyId, family),
    )
    const typeProblem = suggested?.problem ?? null
    const verdict = verdictView(outcome, trust, typeProblem, mismatches)
    const readId = uuidv7()
    t.readings.remember(readId, {
      sha256: input.sha256,
      familyId: input.familyId,
      verdict: outcome.signature,
      documentType: outcome.documentType,
      mismatches: mismatches.map((m) => m.field),
      at: ctx.now.getTime(),
    })
    return {
      readId,
      found: true,
      codes: outcome.codes,
      signature: outcome.signature,
      color: verdict.color,
      reasons: verdict.reasons,
      documentType: outcome.documentType,
      documentTypeLabel: twoddocTypeLabel(outcome.perimeter, outcome.documentType),
      proofOfAddress: outcome.proofOfAddress,
      emittedOn: outcome.emittedOn,
      holder: outcome.holder,
      addressLine: outcome.addressLine,
      postcode: outcome.postcode,
      city: outcome.city,
      truncatedFields: [...outcome.truncatedLabels],
      suggestion: suggested
        ? { requirementId: ADDRESS_REQUIREMENT, typeId: suggested.typeId, documentDate: outcome.emittedOn, personId: null }
        : null,
      typeProblem,
      mismatches,
      trust,
    }
  },
  trust: (ctx): TrustStatus => {
    const t = core2d(ctx)
    return trustStatusOf(loadBundleInForce(t.resourcesDir, t.dataDir), parisDay(ctx.now))
  },
  importTrust: (ctx, input): TrustStatus => {
    const t = core2d(ctx)
    const current = loadBundleInForce(t.resourcesDir, t.dataDir)
    let imported
    try {
      imported = importBundle(t.dataDir, input.json, current.bundle, ctx.now)
    } catch (error) {
      if (error instanceof TrustBundleError) {
        throw new DomainError('INVALID_INPUT', error.message, { issues: [{ path: 'json', message: error.message }] })
      }
      throw error
    }
    ctx.record('trust_bundle', String(imported.sequence))
    return trustStatusOf(loadBundleInForce(t.resourcesDir, t.dataDir), parisDay(ctx.now))
  },
}
