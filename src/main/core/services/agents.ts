import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { DomainError, type AgentView, type Role } from '@shared/contract'
import { initialsOf } from '../../../common/agents'
import { dummyHash, hashPassword, hashPasswordSync, needsRehash, verifyPassword } from '../../../common/passwords'

interface AgentRow {
  id: string
  login: string
  displayName: string
  initials: string
  role: Role
  passwordHash: string
  active: number
}

const SELECT_AGENT = `SELECT id, login, display_name AS displayName, initials, role, password_hash AS passwordHash, active FROM agents`

export function toAgentView(row: AgentRow): AgentView {
  return { id: row.id, login: row.login, displayName: row.displayName, initials: row.initials, role: row.role }
}

export function findAgentById(sqlite: Database.Database, id: string): AgentRow | undefined {
  return sqlite.prepare(`${SELECT_AGENT} WHERE id = ?`).get(id) as AgentRow | undefined
}

/**
 * Creates a local agent (demo town and tests, before the core serves: the hash is computed
 * synchronously). Agents of a real town come from the portal.
 */
export function createAgent(
  sqlite: Database.Database,
  a: { login: string; displayName: string; role: Role; password: string; id?: string },
): AgentView {
  const row: AgentRow = {
    id: a.id ?? uuidv7(),
    login: a.login.trim().toLowerCase(),
    displayName: a.displayName,
    initials: initialsOf(a.displayName),
    role: a.role,
    passwordHash: hashPasswordSync(a.password),
    active: 1,
  }
  sqlite
    .prepare(
      `INSERT INTO agents (id, login, display_name, initials, role, password_hash, active) VALUES (?, ?, ?, ?, ?, ?, 1)`,
    )
    .run(row.id, row.login, row.displayName, row.initials, row.role, row.passwordHash)
  return toAgentView(row)
}

/** Consecutive failures allowed before the login slows down. */
export const FREE_FAILURES = 2
const MAX_DELAY_SECONDS = 60

/** Delay imposed after `failures` consecutive failures: 0, 0, 2, 4, 8, 16, 32, 60, 60… seconds. */
export function throttleDelaySeconds(failures: number): number {
  if (failures <= FREE_FAILURES) return 0
  return Math.min(2 ** (failures - FREE_FAILURES), MAX_DELAY_SECONDS)
}

export type LoginOutcome =
  | { ok: true; agent: AgentView }
  | { ok: false; error: DomainError; agentId: string | null }

/**
 * Checks a login. Failures are counted per login string (known or not), and after two
 * consecutive failures each attempt waits longer (up to a minute). The bookkeeping is
 * written by the caller's transaction, which commits even when the login is refused.
 * The hash is checked on the thread pool (the core's event loop stays free); a hash with older
 * scrypt parameters is stored again in this workstation's copy (the portal's copy is re-hashed
 * at the responsable's next portal login, or when the password is set again).
 */
export async function attemptLogin(sqlite: Database.Database, loginRaw: string, password: string, now: Date): Promise<LoginOutcome> {
  const login = loginRaw.trim().toLowerCase()
  const nowMs = now.getTime()
  const throttle = sqlite.prepare('SELECT failures, blocked_until AS blockedUntil FROM login_throttle WHERE login = ?').get(login) as
    | { failures: number; blockedUntil: number }
    | undefined
  if (throttle && throttle.blockedUntil > nowMs) {
    // A wait never lasts longer than the failures imposed: when the clock was set back (or the
    // row was written under a clock that ran ahead), the wait restarts from now instead of
    // refusing the right password for as long as the clock was off.
    const longestMs = throttleDelaySeconds(throttle.failures) * 1000
    let blockedUntil = throttle.blockedUntil
    if (blockedUntil - nowMs > longestMs) {
      blockedUntil = nowMs + longestMs
      sqlite.prepare('UPDATE login_throttle SET blocked_until = ? WHERE login = ?').run(blockedUntil, login)
    }
    const retryAfterSeconds = Math.ceil((blockedUntil - nowMs) / 1000)
    if (retryAfterSeconds > 0) {
      return {
        ok: false,
        agentId: null,
        error: new DomainError('LOGIN_THROTTLED', 'Too many failed attempts', { retryAfterSeconds }),
      }
    }
  }
  const agent = sqlite.prepare(`${SELECT_AGENT} WHERE login = ?`).get(login) as AgentRow | undefined
  const passwordOk = await verifyPassword(password, agent?.passwordHash ?? (await dummyHash()))
  if (agent && passwordOk && agent.active) {
    sqlite.prepare('DELETE FROM login_throttle WHERE login = ?').run(login)
    if (needsRehash(agent.passwordHash)) {
      const hash = await hashPassword(password)
      sqlite.prepare('UPDATE agents SET password_hash = ? WHERE id = ? AND password_hash = ?').run(hash, agent.id, agent.passwordHash)
    }
    return { ok: true, agent: toAgentView(agent) }
  }
  const failures = (throttle?.failures ?? 0) + 1
  const delay = throttleDelaySeconds(failures)
  sqlite
    .prepare(
      `INSERT INTO login_throttle (login, failures, blocked_until) VALUES (?, ?, ?)
       ON CONFLICT(login) DO UPDATE SET failures = excluded.failures, blocked_until = excluded.blocked_until`,
    )
    .run(login, failures, nowMs + delay * 1000)
  return {
    ok: false,
    agentId: agent?.id ?? null,
    error: new DomainError(
      'BAD_CREDENTIALS',
      agent && passwordOk ? 'Agent account disabled' : 'Bad login or password',
      delay > 0 ? { retryAfterSeconds: delay } : undefined,
    ),
  }
}
