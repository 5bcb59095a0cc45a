import { z } from 'zod'
import { TwoDDocMismatchField, TwoDDocVerdict } from '../commands/documents'
import { Sha256Schema } from './scans'
import { allAgents, command, query, type EndpointDef } from './define'

/**
 * Issue 13: reading and verifying the 2D-Doc barcode of a proof of address at the counter.
 *
 * - `twoddoc.read` reads a stored scan (src/shared/contract/scans.ts) in the core's 2D-Doc
 *   worker (src/main/core/twoddoc/), verifies its signature against the trust bundle in force,
 *   and answers what the agent needs: the verdict with its French reasons, the piece to record
 *   (type, date, whose), and the differences from the family file. Nothing of the barcode is
 *   stored: the answer carries a `readId` that `documents.record` names (`twoddocReadId`), and the
 *   core records the verdict it kept in memory, never one the screen sends.
 * - `twoddoc.trust` tells which trust bundle is in force (shipped or imported), its sequence and
 *   whether its next update date is past.
 * - `twoddoc.importTrust` replaces the bundle on this workstation (a responsable).
 */

export const TwoDDocColorSchema = z.enum(['green', 'orange', 'red'])
export type TwoDDocColor = z.infer<typeof TwoDDocColorSchema>

export const TrustStatusSchema = z.object({
  /** The ANTS trust list's sequence number the bundle was built from. */
  sequence: z.number().int(),
  /** YYYY-MM-DD: the list's announced next update. */
  nextUpdate: z.string(),
  /** Today is past nextUpdate: « liste de confiance à mettre à jour ». */
  outdated: z.boolean(),
  source: z.enum(['shipped', 'imported']),
  authorities: z.number().int(),
  signingCertificates: z.number().int(),
  /** A test bundle (the specification's test certificate): refused at import. */
  test: z.boolean(),
  /** ISO instant of the import (null: the bundle shipped with the application). */
  importedAt: z.string().nullable(),
})
export type TrustStatus = z.infer<typeof TrustStatusSchema>

export const TwoDDocMismatchSchema = z.object({
  field: TwoDDocMismatchField,
  /** « Nom », « Adresse », « Code postal », « Commune ». */
  label: z.string(),
  onDocument: z.string(),
  inFile: z.string(),
})
export type TwoDDocMismatch = z.infer<typeof TwoDDocMismatchSchema>

export const TwoDDocReadViewSchema = z.object({
  /** Names this reading in documents.record (null: nothing to record, no 2D-Doc found). */
  readId: z.uuid().nullable(),
  found: z.boolean(),
  /** How many 2D-Doc codes the file holds (the first proof of address is the one read). */
  codes: z.number().int().nonnegative(),
  signature: TwoDDocVerdict.nullable(),
  /** green: valid; orange: unknown issuer, outdated trust bundle, truncated field, mismatch; red: invalid, not a proof of address. */
  color: TwoDDocColorSchema.nullable(),
  /** Plain French, the most serious first. */
  reasons: z.array(z.string()),
  /** The 2D-Doc document type ("01") and its French name (« Facture »). */
  documentType: z.string().nullable(),
  documentTypeLabel: z.string().nullable(),
  proofOfAddress: z.boolean(),
  emittedOn: z.string().nullable(),
  holder: z.string().nullable(),
  addressLine: z.string().nullable(),
  postcode: z.string().nullable(),
  city: z.string().nullable(),
  /** French names of the fields the issuer truncated (« Adresse, ligne 4 »). */
  truncatedFields: z.array(z.string()),
  /** What the form is filled with: the family's proof of address, its type and date. */
  suggestion: z
    .object({
      requirementId: z.string(),
      /** null: none of the town's accepted kinds matches (typeProblem says why). */
      typeId: z.string().nullable(),
      documentDate: z.string().nullable(),
      personId: z.null(),
    })
    .nullable(),
  typeProblem: z.string().nullable(),
  mismatches: z.array(TwoDDocMismatchSchema),
  trust: TrustStatusSchema,
})
export type TwoDDocReadView = z.infer<typeof TwoDDocReadViewSchema>

/** A bundle is a few hundred kB of PEM; the contract body limit is 1 MiB. */
export const TRUST_BUNDLE_MAX_CHARS = 900_000

export const twoddocEndpoints = {
  /** Reads the 2D-Doc of a stored scan (PNG, JPEG or PDF) in the core's worker; journaled, nothing of the barcode stored. */
  read: command({
    input: z.strictObject({ sha256: Sha256Schema, familyId: z.uuid() }),
    output: TwoDDocReadViewSchema,
    access: allAgents,
    io: true,
  }),
  /** The trust bundle in force on this workstation. */
  trust: query({ input: z.strictObject({}), output: TrustStatusSchema, access: allAgents }),
  /** Replaces this workstation's trust bundle (JSON text); refused: malformed, a test bundle, an older sequence, a certificate its authority did not issue. */
  importTrust: command({
    input: z.strictObject({ json: z.string().min(2).max(TRUST_BUNDLE_MAX_CHARS) }),
    output: TrustStatusSchema,
    access: ['responsable'],
    io: true,
  }),
} as const satisfies Record<string, EndpointDef>

export { TwoDDocVerdict, TwoDDocMismatchField }
