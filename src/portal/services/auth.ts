import { sql } from 'drizzle-orm'
import { one, type PortalDb } from '../db/client'
import { unauthorized } from '../http/errors'
import { newToken, sha256Hex } from '../secrets'

/**
 * Sessions (admin and family) and failed-login throttling, kept in the database so that
 * several portal instances can serve behind one load balancer.
 */

export const ADMIN_SESSION_MS = 8 * 3600 * 1000
export const FAMILY_SESSION_MS = 2 * 3600 * 1000

export type SessionKind = 'admin' | 'family'

const table = (kind: SessionKind) => (kind === 'admin' ? sql`admin_sessions` : sql`family_sessions`)
const subject = (kind: SessionKind) => (kind === 'admin' ? sql`agent_id` : sql`family_id`)

export async function openSession(db: PortalDb, kind: SessionKind, subjectId: string, now = new Date()): Promise<string> {
  const token = newToken()
  const ttl = kind === 'admin' ? ADMIN_SESSION_MS : FAMILY_SESSION_MS
  // Expired sessions of anybody are swept as new ones open.
  await db.execute(sql`DELETE FROM ${table(kind)} WHERE expires_at < ${now.toISOString()}::timestamptz`)
  await db.execute(
    sql`INSERT INTO ${table(kind)} (token_hash, ${subject(kind)}, expires_at, created_at)
        VALUES (${sha256Hex(token)}, ${subjectId}, ${new Date(now.getTime() + ttl).toISOString()}, ${now.toISOString()})`,
  )
  return token
}

/** The subject id of a live session, or null. */
export async function sessionSubject(db: PortalDb, kind: SessionKind, token: string, now = new Date()): Promise<string | null> {
  const row = await one<{ id: string }>(
    db,
    sql`SELECT ${subject(kind)} AS id FROM ${table(kind)}
        WHERE token_hash = ${sha256Hex(token)} AND expires_at > ${now.toISOString()}::timestamptz`,
  )
  return row?.id ?? null
}

export async function closeSessionsOf(db: PortalDb, kind: SessionKind, subjectId: string, exceptToken?: string): Promise<void> {
  await db.execute(
    sql`DELETE FROM ${table(kind)} WHERE ${subject(kind)} = ${subjectId}
        ${exceptToken ? sql`AND token_hash <> ${sha256Hex(exceptToken)}` : sql``}`,
  )
}

/** Consecutive failures allowed before logins for that key slow down. */
const FREE_FAILURES = 3
const MAX_DELAY_SECONDS = 300

/** Refuses the attempt (401) while the key is throttled. */
export async function checkThrottle(db: PortalDb, key: string, now = new Date()): Promise<void> {
  const row = await one<{ wait: number }>(
    db,
    sql`SELECT ceil(extract(epoch FROM blocked_until - ${now.toISOString()}::timestamptz))::int AS wait
        FROM login_throttle WHERE key = ${key} AND blocked_until > ${now.toISOString()}::timestamptz`,
  )
  if (row) throw unauthorized(`Trop d’essais infructueux : réessayez dans ${row.wait} s.`)
}

export async function recordLoginFailure(db: PortalDb, key: string, now = new Date()): Promise<void> {
  // Failures are forgotten a day after the last one (and the table never grows without bound).
  await db.execute(sql`DELETE FROM login_throttle WHERE blocked_until < ${now.toISOString()}::timestamptz - interval '1 day'`)
  await db.execute(
    sql`INSERT INTO login_throttle (key, failures, blocked_until) VALUES (${key}, 1, ${now.toISOString()})
        ON CONFLICT (key) DO UPDATE SET
          failures = login_throttle.failures + 1,
          blocked_until = ${now.toISOString()}::timestamptz + make_interval(secs =>
            CASE WHEN login_throttle.failures + 1 <= ${FREE_FAILURES} THEN 0
                 ELSE least(power(2, login_throttle.failures + 1 - ${FREE_FAILURES}), ${MAX_DELAY_SECONDS}) END)`,
  )
}

export async function clearLoginFailures(db: PortalDb, key: string): Promise<void> {
  await db.execute(sql`DELETE FROM login_throttle WHERE key = ${key}`)
}

/** Ends one session (logout). */
export async function closeSession(db: PortalDb, kind: SessionKind, token: string): Promise<void> {
  await db.execute(sql`DELETE FROM ${table(kind)} WHERE token_hash = ${sha256Hex(token)}`)
}
