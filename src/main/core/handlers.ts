import { contract } from '@shared/contract'
import { Refusal, type HandlersFor } from './router'
import { attemptLogin } from './services/agents'
import { getFamilyFile } from './services/families'
import { countPendingOutbox } from './services/outbox'
import { searchFamilies } from './services/search'

/** Demo agents (demo town only): shown on the login screen when the town is the demo one. */
export const DEMO_AGENTS = [
  { login: 'accueil', password: 'accueil2026', displayName: 'Camille Martin', role: 'accueil' },
  { login: 'regie', password: 'regie2026', displayName: 'Régis Lemaire', role: 'regisseur' },
  { login: 'responsable', password: 'responsable2026', displayName: 'Hélène Dubois-Lefort', role: 'responsable' },
] as const

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
    login: (ctx, input) => {
      const outcome = attemptLogin(ctx.sqlite, input.login, input.password, ctx.now)
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
    search: (ctx, input) => ({ results: searchFamilies(ctx.sqlite, input.q, input.limit ?? 20) }),
    get: (ctx, input) => {
      ctx.record('family', input.id)
      return getFamilyFile(ctx.sqlite, input.id)
    },
  },
}
