import { z } from 'zod'
import { singleLine } from '../validation/text'
import { entities, type EntityName } from './entities'

/**
 * The sync protocol between a workstation and the portal (see docs/sync-protocol.md).
 * Every message is validated with these schemas on both ends.
 */

/** Version of payloads and rows on the wire. A workstation older than the portal's minimum is told to update. */
export const SYNC_SCHEMA_VERSION = 1
export const SCHEMA_HEADER = 'x-guichet-schema'
export const API_PREFIX = '/api/v1'

/** Limits the portal enforces (and the workstation respects). */
export const MAX_PUSH_COMMANDS = 200
export const MAX_PULL_LIMIT = 5000
export const MAX_BODY_BYTES = 2 * 1024 * 1024

const entityNames = Object.keys(entities) as [EntityName, ...EntityName[]]
export const EntityNameSchema = z.enum(entityNames)
export const ValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()])
export const RowSchema = z.record(z.string(), ValueSchema)

export const ChangeSchema = z.object({
  seq: z.number().int().nonnegative(),
  entity: EntityNameSchema,
  id: z.string().min(1).max(64),
  op: z.enum(['put', 'delete']),
  row: RowSchema.nullable(),
})
export type Change = z.infer<typeof ChangeSchema>

// --- errors -------------------------------------------------------------------------------

export const portalErrorCodes = [
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'ENROLMENT_CODE_INVALID',
  'SEQUENCE_GAP',
  /** 409 on push: a command id other than the one the portal applied under that seq (a workstation restored from a backup). */
  'SEQ_CONFLICT',
  /** 409 on pull: a cursor beyond the portal's last change (a portal restored from a backup): bootstrap again. */
  'CURSOR_AHEAD',
  /** 409 on pull: a cursor below the change log's compaction horizon (a workstation silent too long): bootstrap again. */
  'CURSOR_TOO_OLD',
  'UPGRADE_REQUIRED',
  'PAYLOAD_TOO_LARGE',
  'REJECTED',
  /** 429: too many logins at once on the portal; try again in a few seconds. */
  'BUSY',
  'INTERNAL',
] as const
export type PortalErrorCode = (typeof portalErrorCodes)[number]

export const PortalErrorSchema = z.object({
  error: z.object({
    code: z.enum(portalErrorCodes),
    /** French, for a person. */
    message: z.string(),
    expectedSeq: z.number().int().optional(),
    minSchemaVersion: z.number().int().optional(),
    /** SEQ_CONFLICT: the portal's last applied seq for this workstation and that command's id. */
    lastAppliedSeq: z.number().int().nonnegative().optional(),
    lastCommandId: z.uuid().nullable().optional(),
    /** CURSOR_AHEAD: the portal's last change seq. */
    portalSeq: z.number().int().nonnegative().optional(),
    /** CURSOR_TOO_OLD: the change log's compaction horizon (a pull cursor must be at least this). */
    horizon: z.number().int().nonnegative().optional(),
  }),
})
export type PortalError = z.infer<typeof PortalErrorSchema>

// --- enrolment ----------------------------------------------------------------------------

export const EnrolRequestSchema = z.strictObject({
  code: singleLine({ min: 6, max: 64 }),
  name: singleLine({ min: 1, max: 80 }).optional(),
})
export const EnrolResponseSchema = z.object({
  workstationId: z.uuid(),
  name: z.string(),
  token: z.string().min(32),
  codeFamilleRange: z.object({ first: z.number().int(), last: z.number().int() }),
  receiptSeries: z.string(),
  schemaVersion: z.number().int(),
})
export type EnrolResponse = z.infer<typeof EnrolResponseSchema>

// --- push ---------------------------------------------------------------------------------

export const PushCommandSchema = z.strictObject({
  /** The workstation's sequence number: 1, 2, 3… without gaps. */
  seq: z.number().int().positive(),
  /** The command's id (UUIDv7), the same on every retry. */
  id: z.uuid(),
  name: singleLine({ min: 1, max: 64, trim: false }),
  /** Checked by the command's own schema when it runs: bad data there is that command's rejection. */
  payload: z.unknown(),
  /** When the agent did it (ISO instant). */
  at: z.iso.datetime(),
  agentId: z.uuid().nullable(),
})
export type PushCommand = z.infer<typeof PushCommandSchema>

export const PushRequestSchema = z.strictObject({
  schemaVersion: z.number().int().positive(),
  commands: z.array(PushCommandSchema).min(1).max(MAX_PUSH_COMMANDS),
})
export type PushRequest = z.infer<typeof PushRequestSchema>

/** A rule a fact broke: the fact is recorded all the same (status applied), and flagged. */
export const PushFlagSchema = z.object({
  /** The `flags` row (it also comes down by pull). */
  id: z.uuid(),
  kind: z.enum(['rule', 'conflict', 'missing']),
  code: z.string(),
  /** French, for a responsable. */
  reason: z.string(),
})
export type PushFlag = z.infer<typeof PushFlagSchema>

export const PushResultSchema = z.object({
  seq: z.number().int().positive(),
  id: z.uuid(),
  /** applied: recorded (a fact with `flags` is "applied, flagged"); rejected: refused, nothing kept. */
  status: z.enum(['applied', 'rejected']),
  /** Facts only: the rules it broke (absent when none). A flagged fact is never undone. */
  flags: z.array(PushFlagSchema).optional(),
  /** Rejections: a stable code and a French reason for the agent. */
  code: z.string().optional(),
  reason: z.string().optional(),
  /** Rejections: the portal's current rows for the records the command touched (null row = absent). */
  truth: z.array(ChangeSchema).optional(),
})
export type PushResult = z.infer<typeof PushResultSchema>

export const PushResponseSchema = z.object({
  results: z.array(PushResultSchema),
  lastAppliedSeq: z.number().int().nonnegative(),
})
export type PushResponse = z.infer<typeof PushResponseSchema>

// --- pull ---------------------------------------------------------------------------------

/** A whole number in a query string, in decimal digits only ("0x10", "1e3", "-0", " 5" are refused). */
export const QueryInt = z
  .string()
  .regex(/^\d{1,16}$/, 'entier positif attendu (chiffres décimaux)')
  .transform(Number)

export const PullQuerySchema = z.strictObject({
  cursor: QueryInt.pipe(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)),
  limit: QueryInt.pipe(z.number().int().min(1).max(MAX_PULL_LIMIT)).optional(),
})
export const PullResponseSchema = z.object({
  changes: z.array(ChangeSchema),
  /** The cursor to send next time: the seq of the last change returned (never goes back). */
  cursor: z.number().int().nonnegative(),
  hasMore: z.boolean(),
})
export type PullResponse = z.infer<typeof PullResponseSchema>

// --- bootstrap snapshot -------------------------------------------------------------------

export const SnapshotInfoSchema = z.object({
  /** The change seq the snapshot includes: pull from here after importing it. */
  seq: z.number().int().nonnegative(),
  bytes: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().nonnegative(),
})
export type SnapshotInfo = z.infer<typeof SnapshotInfoSchema>
