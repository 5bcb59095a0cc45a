import { contract } from '@shared/contract'
import { DEMO_AGENTS } from '../../common/agents'
import { Refusal, type HandlersFor } from './router'
import { attemptLogin } from './services/agents'
import { getFamilyFile } from './services/families'
import { countPendingOutbox } from './services/outbox'
import { searchPage } from './services/search'
import { findDuplicates } from './services/duplicates'
import { SEARCH_PAGE } from '@shared/contract/search'
import { bookingOptions, familyOfReservation, listReservations } from './services/reservations'
import {
  countUnresolvedRejections,
  listFlags,
  listPending,
  listRejections,
  openFlag,
  openRejection,
  payloadForRetry,
  resolveRejection,
} from './sync/rejections'
import { DomainError, type SyncStatus } from '@shared/contract'
import { v7 as uuidv7 } from 'uuid'
import type { HandlerContext } from './router'
import { runShared } from './run-shared'
import { documentsHandlers } from './areas/documents'
import { quotientsHandlers } from './areas/quotients'
import { credentialsHandlers } from './areas/credentials'
import { townHandlers } from './areas/town'
import { scansHandlers } from './areas/scans'
import { familyFileHandlers } from './areas/families'
import { bookingsHandlers } from './areas/bookings'
import { billingHandlers } from './areas/billing'
import { twoddocHandlers } from './areas/twoddoc'

/** Demo agents (demo town only): shown on the login screen when the town is the demo one. */
export { DEMO_AGENTS }

/** Binds every endpoint of the contract to the service that does the work. */
export const handlers: HandlersFor<typeof contract> = {
  session: {
    status: (ctx) => ({
      agent: ctx.session.agentId ? ctx.agent : null,
      workstation: { id: ctx.settings.workstationId, name: ctx.settings.workstationName },
      townName: ctx.settings.townName,
      idleLockSeconds: ctx.settings.idleLockSeconds,
      demo: ctx.settings.demo,
      pendingChanges: countPendingOutbox(ctx.sqlite),
    }),
    demoAgents: (ctx) => ({ agents: ctx.settings.demo ? DEMO_AGENTS.map((a) => ({ ...a })) : [] }),
    login: async (ctx, input) => {
      const outcome = await attemptLogin(ctx.sqlite, input.login, input.password, ctx.now)
      if (!outcome.ok) {
        if (outcome.agentId) ctx.record('agent', outcome.agentId)
        return new Refusal(outcome.error)
      }
      ctx.record('agent', outcome.agent.id)
      ctx.session.agentId = outcome.agent.id
      ctx.session.lastActivity = ctx.now.getTime()
      return outcome.agent
    },
    ping: (ctx) => ({ idleLockSeconds: ctx.settings.idleLockSeconds }),
    lock: (ctx) => {
      ctx.session.agentId = null
      return {}
    },
    logout: (ctx) => {
      ctx.session.agentId = null
      return {}
    },
  },
  families: {
    search: (ctx, input) => searchPage(ctx.sqlite, input.q, input.limit ?? SEARCH_PAGE),
    findDuplicates: (ctx, input) => ({ candidates: findDuplicates(ctx.sqlite, input) }),
    get: (ctx, input) => {
      ctx.record('family', input.id)
      return getFamilyFile(ctx.sqlite, input.id)
    },
    updateContacts: async (ctx, input) => {
      ctx.record('person', input.personId)
      // A fact: it carries the values the agent saw (or, when the screen did not send them, the
      // values this workstation holds), so that the portal sees a concurrent change.
      const held = input.before ? null : ctx.store.getSync('persons', input.personId)
      const value = (column: string): string | null => (held?.[column] === null || held?.[column] === undefined ? null : String(held[column]))
      const before =
        input.before ??
        (held ? { phoneMobile: value('phone_mobile'), phoneHome: value('phone_home'), phoneWork: value('phone_work'), email: value('email') } : undefined)
      await runShared(ctx, 'families.updateContacts', before ? { ...input, before } : input)
      return getFamilyFile(ctx.sqlite, input.familyId)
    },
    ...familyFileHandlers,
  },
  reservations: {
    options: (ctx) => bookingOptions(ctx.sqlite),
    list: (ctx, input) => ({ reservations: listReservations(ctx.sqlite, input.familyId) }),
    book: async (ctx, input) => {
      const payload = { id: uuidv7({ msecs: ctx.now.getTime() }), ...input }
      ctx.record('reservation', payload.id)
      await runShared(ctx, 'reservations.book', payload)
      return { reservations: listReservations(ctx.sqlite, input.familyId) }
    },
    cancel: async (ctx, input) => {
      const familyId = familyOfReservation(ctx.sqlite, input.id)
      ctx.record('reservation', input.id)
      await runShared(ctx, 'reservations.cancel', input)
      return { reservations: listReservations(ctx.sqlite, familyId) }
    },
  },
  sync: {
    status: (ctx) => ctx.services.sync?.status() ?? notEnrolled(ctx),
    now: async (ctx) => {
      const sync = ctx.services.sync
      if (!sync || !sync.status().enrolled) throw new DomainError('NOT_ENROLLED', 'This workstation is not enrolled on a portal')
      return sync.syncNow()
    },
    enrol: async (ctx, input) => {
      if (!ctx.services.sync) throw new DomainError('NOT_ENROLLED', 'No sync engine on this workstation')
      return ctx.services.sync.enrol(input.portalUrl, input.code)
    },
    rejections: (ctx) => ({ items: listRejections(ctx.sqlite) }),
    pending: (ctx) => listPending(ctx.sqlite),
    retry: async (ctx, input) => {
      const rejected = openRejection(ctx.sqlite, input.seq)
      ctx.record('outbox', String(input.seq))
      await runShared(ctx, rejected.name, payloadForRetry(rejected.name, rejected.payload, { waitlist: input.waitlist === true }))
      resolveRejection(ctx.sqlite, input.seq, { resolution: 'retried', reason: null, agentId: ctx.agent?.id ?? null, at: ctx.now })
      return { items: listRejections(ctx.sqlite) }
    },
    discard: (ctx, input) => {
      openRejection(ctx.sqlite, input.seq)
      ctx.record('outbox', String(input.seq))
      resolveRejection(ctx.sqlite, input.seq, { resolution: 'discarded', reason: input.reason, agentId: ctx.agent?.id ?? null, at: ctx.now })
      return { items: listRejections(ctx.sqlite) }
    },
    flags: (ctx) => ({ items: listFlags(ctx.sqlite) }),
    resolveFlag: async (ctx, input) => {
      openFlag(ctx.sqlite, input.flagId)
      ctx.record('flag', input.flagId)
      await runShared(ctx, 'flags.resolve', input)
      return { items: listFlags(ctx.sqlite) }
    },
  },
  quotients: quotientsHandlers,
  credentials: credentialsHandlers,
  bookings: bookingsHandlers,
  town: townHandlers,
  documents: documentsHandlers,
  scans: scansHandlers,
  twoddoc: twoddocHandlers,
  billing: billingHandlers,
}

function notEnrolled(ctx: HandlerContext): SyncStatus {
  return {
    enrolled: false,
    portalUrl: null,
    state: 'not_enrolled',
    online: false,
    pending: countPendingOutbox(ctx.sqlite),
    rejected: countUnresolvedRejections(ctx.sqlite),
    lastSyncAt: null,
    lastError: null,
    nextAttemptAt: null,
    bootstrap: null,
  }
}
