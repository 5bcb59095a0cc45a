import { z } from 'zod'
import { PORTAL_URL_TEXT, portalUrlProblem } from '../sync/portalUrl'
import type { Result } from './errors'
import { allAgents, command, query, type EndpointDef } from './define'
import { familyFileEndpoints } from './enrolment'
import { documentsEndpoints } from './documents'
import { quotientsEndpoints } from './quotients'
import { credentialsEndpoints } from './credentials'
import { bookingsEndpoints, OverrideSchema } from './bookings'
import { townEndpoints } from './town'
import { scansEndpoints } from './scans'
import { billingEndpoints } from './billing'
import { twoddocEndpoints } from './twoddoc'
import {
  BookInputSchema,
  BookingOptionsSchema,
  FlagListSchema,
  ResolveFlagInputSchema,
  RejectionListSchema,
  PendingListSchema,
  ReservationListSchema,
  SyncStatusSchema,
  UpdateContactsInputSchema,
  AgentViewSchema,
  DemoAgentSchema,
  Empty,
  FamilyFileSchema,
  DuplicateDraftSchema,
  DuplicatesOutputSchema,
  IdSchema,
  LoginInputSchema,
  SearchInputSchema,
  SearchOutputSchema,
  SessionStatusSchema,
} from './schemas'

export * from './errors'
export { allAgents, command, query, type Access, type EndpointDef } from './define'
export * from './schemas'
export * from './enrolment'
export * from './bookings'

/**
 * The one contract between the renderer and the core. The preload, the web shell's
 * HTTP client, the core's router and the renderer's types are all derived from it.
 */
export const contract = {
  session: {
    status: query({ input: Empty, output: SessionStatusSchema, access: 'public' }),
    demoAgents: query({
      input: Empty,
      output: z.object({ agents: z.array(DemoAgentSchema) }),
      access: 'public',
    }),
    login: command({ input: LoginInputSchema, output: AgentViewSchema, access: 'public' }),
    /** Keeps the session alive while the agent works on screen without calling the core. */
    ping: query({ input: Empty, output: z.object({ idleLockSeconds: z.number() }), access: allAgents }),
    lock: command({ input: Empty, output: Empty, access: allAgents }),
    logout: command({ input: Empty, output: Empty, access: allAgents }),
  },
  families: {
    /** The true total, a page of results, and why each family matched; a phonetic and typo pass when few match. */
    search: query({ input: SearchInputSchema, output: SearchOutputSchema, access: allAgents }),
    /** Likely existing families while a new one is typed (up to 5, strongest first). */
    findDuplicates: query({ input: DuplicateDraftSchema, output: DuplicatesOutputSchema, access: allAgents }),
    get: query({
      input: z.strictObject({ id: IdSchema }),
      output: FamilyFileSchema,
      access: allAgents,
      journalRead: true,
    }),
    updateContacts: command({ input: UpdateContactsInputSchema, output: FamilyFileSchema, access: allAgents, sync: true }),
    ...familyFileEndpoints,
  },
  reservations: {
    options: query({ input: Empty, output: BookingOptionsSchema, access: allAgents }),
    list: query({ input: z.strictObject({ familyId: IdSchema }), output: ReservationListSchema, access: allAgents }),
    book: command({ input: BookInputSchema, output: ReservationListSchema, access: allAgents, sync: true }),
    /** Cancels a booking or withdraws from the waiting list (an override past the deadline needs an allowed role and a reason). */
    cancel: command({
      input: z.strictObject({ id: IdSchema, override: OverrideSchema.optional() }),
      output: ReservationListSchema,
      access: allAgents,
      sync: true,
    }),
  },
  sync: {
    status: query({ input: Empty, output: SyncStatusSchema, access: 'public' }),
    /** "Synchroniser": push and pull now. */
    now: command({ input: Empty, output: SyncStatusSchema, access: allAgents, io: true }),
    /** Enrols this workstation on the portal with a one-time code (responsable only). */
    enrol: command({
      input: z.strictObject({
        // https://, or http:// only to this machine itself (loopback): src/shared/sync/portalUrl.ts.
        portalUrl: z
          .url({ protocol: /^https?$/ })
          .max(200)
          .refine((url) => portalUrlProblem(url) === null, { message: PORTAL_URL_TEXT.insecure }),
        code: z.string().trim().min(6).max(64),
      }),
      output: SyncStatusSchema,
      access: ['responsable'],
      io: true,
    }),
    rejections: query({ input: Empty, output: RejectionListSchema, access: allAgents }),
    /** The changes saved here and not yet acknowledged by the portal (shown when the workstation was restored from a backup). */
    pending: query({ input: Empty, output: PendingListSchema, access: allAgents }),
    /**
     * Sends the rejected change again, as a new command (after the agent fixed what blocked it).
     * `waitlist: true` (a booking refused FULL, the family accepts the waiting list): the booking
     * is sent again asking for the waiting list (reservations.book with waitlist: true).
     */
    retry: command({
      input: z.strictObject({ seq: z.number().int().positive(), waitlist: z.literal(true).optional() }),
      output: RejectionListSchema,
      access: allAgents,
      sync: true,
    }),
    /** Gives the rejected change up, with a reason. */
    discard: command({
      input: z.strictObject({ seq: z.number().int().positive(), reason: z.string().trim().min(3).max(500) }),
      output: RejectionListSchema,
      access: allAgents,
    }),
    /** The flagged facts ("À traiter"): open ones first, then the resolved ones. */
    flags: query({ input: Empty, output: FlagListSchema, access: allAgents }),
    /** A responsable settles a flagged fact with a note (shared command flags.resolve, synced). */
    resolveFlag: command({ input: ResolveFlagInputSchema, output: FlagListSchema, access: ['responsable'], sync: true }),
  },
  quotients: quotientsEndpoints,
  town: townEndpoints,
  documents: documentsEndpoints,
  scans: scansEndpoints,
  credentials: credentialsEndpoints,
  bookings: bookingsEndpoints,
  billing: billingEndpoints,
  twoddoc: twoddocEndpoints,
} as const satisfies Record<string, Record<string, EndpointDef>>

export type Contract = typeof contract
export type Namespace = keyof Contract
export type MethodOf<N extends Namespace> = keyof Contract[N] & string

type Def<N extends Namespace, M extends MethodOf<N>> = Contract[N][M] extends EndpointDef<infer I, infer O>
  ? { input: I; output: O }
  : never

export type InputOf<N extends Namespace, M extends MethodOf<N>> = z.input<Def<N, M>['input']>
export type OutputOf<N extends Namespace, M extends MethodOf<N>> = z.output<Def<N, M>['output']>

/** The API the renderer sees as `window.guichet` (Electron) or through HTTP (web shell). */
export type GuichetApi = {
  [N in Namespace]: {
    [M in MethodOf<N>]: (input: InputOf<N, M>) => Promise<Result<OutputOf<N, M>>>
  }
}

/** Every endpoint as [namespace, method]: what the preload and the HTTP client build from. */
export const endpointList: ReadonlyArray<readonly [string, string]> = Object.entries(contract).flatMap(
  ([ns, methods]) => Object.keys(methods).map((m) => [ns, m] as const),
)

export function findEndpoint(ns: string, method: string): EndpointDef | undefined {
  if (!Object.hasOwn(contract, ns)) return undefined
  const methods = contract[ns as Namespace] as Record<string, EndpointDef>
  return Object.hasOwn(methods, method) ? methods[method] : undefined
}

/** The single IPC channel the preload uses; the name is written here only. */
export const IPC_CHANNEL = 'guichet:call'
/** The web shell's HTTP path prefix and token header. */
export const HTTP_API_PREFIX = '/api/v1/call'
export const HTTP_TOKEN_HEADER = 'x-guichet-token'

/** Version of command payloads in the outbox and on the wire (sync). */
export const PAYLOAD_SCHEMA_VERSION = 1
