import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import type { Role } from '@shared/contract'
import type { Row } from '@shared/sync/entities'
import { initialsOf } from '../../common/agents'
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../../common/passwords'
import { one, type PortalDb } from '../db/client'
import { EntityStore, readRows } from '../db/store'
import { forbidden, notFound, rejected, unauthorized } from '../http/errors'
import { newPassword } from '../secrets'
import { checkThrottle, clearLoginFailures, closeSessionsOf, loginGate, openSession, recordLoginFailure, sessionSubject, throttleKeys } from './auth'

/**
 * Agents are a shared table: managed here (CLI and admin API), they flow to every workstation
 * with their scrypt hashes (the workstation's own format), so an agent can log in at any
 * counter, also offline. Disabling an agent reaches the counters at their next pull.
 */

export interface AgentView {
  id: string
  login: string
  displayName: string
  initials: string
  role: Role
  active: boolean
  createdAt: string
  updatedAt: string
}

export interface AdminPrincipal {
  agentId: string
  login: string
}

function view(row: Row): AgentView {
  return {
    id: String(row.id),
    login: String(row.login),
    displayName: String(row.display_name),
    initials: String(row.initials),
    role: row.role as Role,
    active: row.active === true,
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  }
}

export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase()
}

export async function listAgents(db: PortalDb): Promise<AgentView[]> {
  const all = await readRows(db, 'agents', {})
  return all.map(view).sort((a, b) => a.login.localeCompare(b.login))
}

export async function findAgentByLogin(db: PortalDb, login: string): Promise<AgentView | null> {
  const [row] = await readRows(db, 'agents', { login: normalizeLogin(login) })
  return row ? view(row) : null
}

export interface NewAgent {
  login: string
  displayName: string
  role: Role
  /** Omitted: one is generated and returned (shown once). */
  password?: string | undefined
  id?: string
}

/** Creates an agent (written through the change log). Returns the generated password, if any. */
export async function createAgent(
  db: PortalDb,
  input: NewAgent,
  now = new Date(),
): Promise<{ agent: AgentView; password: string | null; writes: number }> {
  const login = normalizeLogin(input.login)
  const password = input.password ?? newPassword()
  const hash = await hashPassword(password)
  const at = now.toISOString()
  return EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store) => {
    if ((await store.count('agents', { login })) > 0) throw rejected(`L’identifiant « ${login} » est déjà pris.`)
    const row: Row = {
      id: input.id ?? uuidv7(),
      login,
      display_name: input.displayName.trim(),
      initials: initialsOf(input.displayName),
      role: input.role,
      password_hash: hash,
      active: true,
      created_at: at,
      updated_at: at,
    }
    await store.put('agents', row)
    return { agent: view(row), password: input.password === undefined ? password : null, writes: store.writes }
  })
}

export interface AgentPatch {
  active?: boolean | undefined
  role?: Role | undefined
  displayName?: string | undefined
  password?: string | undefined
}

/**
 * Changes an agent (written through the change log). A responsable cannot disable or demote
 * themselves (so the portal always keeps someone who can administer it). A disabled agent's
 * admin sessions end at once.
 */
export async function updateAgent(
  db: PortalDb,
  id: string,
  patch: AgentPatch,
  actingAgentId: string | null,
  now = new Date(),
): Promise<{ agent: AgentView; writes: number }> {
  const hash = patch.password === undefined ? undefined : await hashPassword(patch.password)
  return EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store, tx) => {
    const current = await store.get('agents', id)
    if (!current) throw notFound('Agent inconnu.')
    if (actingAgentId === id && (patch.active === false || (patch.role !== undefined && patch.role !== 'responsable'))) {
      throw rejected('Vous ne pouvez pas désactiver votre propre compte ni retirer votre rôle de responsable.')
    }
    const next: Row = {
      ...current,
      ...(patch.active === undefined ? {} : { active: patch.active }),
      ...(patch.role === undefined ? {} : { role: patch.role }),
      ...(patch.displayName === undefined
        ? {}
        : { display_name: patch.displayName.trim(), initials: initialsOf(patch.displayName) }),
      ...(hash === undefined ? {} : { password_hash: hash }),
      updated_at: now.toISOString(),
    }
    await store.put('agents', next)
    if (next.active !== true || next.role !== 'responsable' || hash !== undefined) {
      await closeSessionsOf(tx, 'admin', id)
    }
    return { agent: view(next), writes: store.writes }
  })
}

/**
 * Admin login: an active responsable's login and password (same scrypt hashes as the counters),
 * from the client address `ip`: throttled like a family login and run through the login gate.
 * A hash with older scrypt parameters is stored again (through the change log, so the counters
 * get it at their next pull).
 */
export async function adminLogin(
  db: PortalDb,
  loginRaw: string,
  password: string,
  now = new Date(),
  ip?: string,
): Promise<{ token: string; agent: AgentView }> {
  const login = normalizeLogin(loginRaw)
  const keys = throttleKeys(`admin:${login}`, ip)
  return loginGate.run(async () => {
    await checkThrottle(db, keys, now)
    const [row] = await readRows(db, 'agents', { login })
    const stored = typeof row?.password_hash === 'string' ? row.password_hash : null
    const ok = await verifyPassword(password, stored ?? (await dummyHash()))
    if (!row || !stored || !ok) {
      await recordLoginFailure(db, keys, now)
      throw unauthorized('Identifiant ou mot de passe incorrect.')
    }
    const agent = view(row)
    if (!agent.active) throw forbidden('Ce compte agent est désactivé.')
    if (agent.role !== 'responsable') throw forbidden('L’administration du portail est réservée aux responsables.')
    await clearLoginFailures(db, keys)
    if (needsRehash(stored)) await rehashAgent(db, agent.id, stored, password, now)
    return { token: await openSession(db, 'admin', agent.id, now), agent }
  })
}

async function rehashAgent(db: PortalDb, id: string, oldHash: string, password: string, now: Date): Promise<void> {
  const hash = await hashPassword(password)
  await EntityStore.transaction(db, { commandId: null, workstationId: null }, async (store) => {
    const current = await store.get('agents', id)
    if (current?.password_hash !== oldHash) return // changed meanwhile
    await store.put('agents', { ...current, password_hash: hash, updated_at: now.toISOString() })
  })
}

/** The responsable behind an admin token, or null (unknown, expired, disabled, no longer responsable). */
export async function authenticateAdmin(db: PortalDb, token: string, now = new Date()): Promise<AdminPrincipal | null> {
  const agentId = await sessionSubject(db, 'admin', token, now)
  if (!agentId) return null
  const row = await one<{ login: string }>(
    db,
    sql`SELECT login FROM agents WHERE id = ${agentId} AND active AND role = 'responsable'`,
  )
  return row ? { agentId, login: row.login } : null
}
