import { sql } from 'drizzle-orm'
import { one, type PortalDb } from '../db/client'
import { HttpError, unauthorized } from '../http/errors'
import { newToken, sha256Hex } from '../secrets'

/**
 * Sessions (admin and family) and failed-login throttling, kept in the database so that
 * several portal instances can serve behind one load balancer, and the gate that bounds how
 * many password checks run at once in this process.
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

// --- Failed-login throttling -------------------------------------------------------------------
//
// Every failure is counted under three keys, each with its own progressive delay:
//   pair:<address>|<account>  one address guessing one account: slows down fast, up to 5 min;
//   addr:<address>            one address guessing across accounts (the 60-codes storm): a few
//                             more free failures, then up to an hour;
//   acct:<account>            one account guessed from anywhere: a small delay capped at 15 s, so
//                             that a stranger's failures never keep the real owner, who logs in from
//                             another address, out for more than a few seconds.
// An attempt made while any of its keys is blocked is refused without checking the password and
// is not counted (so nobody can extend another's delay by hammering). A success clears the pair
// and the account, never the address (logging into one's own account must not reset a guesser).
// An address is the client's IP as the portal sees it (see `trustProxy`); IPv6 addresses count
// per /64, the block one subscriber gets.

export interface ThrottlePolicy {
  /** Failures allowed before the first delay. */
  free: number
  /** Delay cap in seconds; the delay doubles from 2 s after each failure beyond `free`. */
  maxSeconds: number
}

export const THROTTLE_POLICY = {
  pair: { free: 3, maxSeconds: 300 },
  addr: { free: 10, maxSeconds: 3600 },
  acct: { free: 5, maxSeconds: 15 },
} as const satisfies Record<string, ThrottlePolicy>

/** The address a throttle counts under: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by /64. */
export function addressKey(ip: string | undefined): string {
  const raw = (ip ?? '').trim().toLowerCase()
  if (raw === '') return 'unknown'
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(raw)
  if (mapped) return mapped[1]!
  if (!raw.includes(':')) return raw.slice(0, 64)
  const [head = '', tail = ''] = raw.split('%')[0]!.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const groups = raw.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left
  return `${groups
    .slice(0, 4)
    .map((g) => (g === '' ? '0' : g.replace(/^0+(?=.)/, '')))
    .join(':')}::/64`
}

/** The three throttle keys of one attempt on `account` ("family:<code>", "admin:<login>") from `ip`. */
export function throttleKeys(account: string, ip: string | undefined): string[] {
  const address = addressKey(ip)
  return [`pair:${address}|${account}`, `addr:${address}`, `acct:${account}`]
}

const delaySql = (failures: ReturnType<typeof sql>) =>
  sql.join(
    [
      sql`CASE split_part(login_throttle.key, ':', 1)`,
      ...Object.entries(THROTTLE_POLICY).map(
        ([kind, { free, maxSeconds }]) =>
          sql`WHEN ${kind} THEN (CASE WHEN ${failures} <= ${free} THEN 0 ELSE least(power(2, ${failures} - ${free}), ${maxSeconds}) END)`,
      ),
      sql`ELSE 0 END`,
    ],
    sql` `,
  )

/** Refuses the attempt (401, with the wait in French) while any of its keys is throttled. */
export async function checkThrottle(db: PortalDb, keys: string[], now = new Date()): Promise<void> {
  const row = await one<{ wait: number | null }>(
    db,
    sql`SELECT ceil(max(extract(epoch FROM blocked_until - ${now.toISOString()}::timestamptz)))::int AS wait
        FROM login_throttle
        WHERE key IN (${sql.join(keys.map((k) => sql`${k}`), sql`, `)}) AND blocked_until > ${now.toISOString()}::timestamptz`,
  )
  if (row?.wait) throw unauthorized(`Trop d’essais infructueux : réessayez dans ${row.wait} s.`)
}

export async function recordLoginFailure(db: PortalDb, keys: string[], now = new Date()): Promise<void> {
  const at = now.toISOString()
  // Failures are forgotten a day after the last one (and the table never grows without bound).
  await db.execute(sql`DELETE FROM login_throttle WHERE blocked_until < ${at}::timestamptz - interval '1 day'`)
  await db.execute(
    sql`INSERT INTO login_throttle (key, failures, blocked_until)
        VALUES ${sql.join(keys.map((k) => sql`(${k}, 1, ${at}::timestamptz)`), sql`, `)}
        ON CONFLICT (key) DO UPDATE SET
          failures = login_throttle.failures + 1,
          blocked_until = ${at}::timestamptz + make_interval(secs => ${delaySql(sql`login_throttle.failures + 1`)})`,
  )
}

/** After a success: the pair and the account start afresh (the address keeps its count). */
export async function clearLoginFailures(db: PortalDb, keys: string[]): Promise<void> {
  const kept = keys.filter((k) => !k.startsWith('addr:'))
  if (kept.length === 0) return
  await db.execute(sql`DELETE FROM login_throttle WHERE key IN (${sql.join(kept.map((k) => sql`${k}`), sql`, `)})`)
}

/** Forgets every failure counted against an account (a new password was set at the counter). */
export async function clearAccountFailures(db: PortalDb, account: string): Promise<void> {
  await db.execute(sql`DELETE FROM login_throttle WHERE key = ${`acct:${account}`} OR key LIKE ${`pair:%|${account}`}`)
}

// --- The login gate ------------------------------------------------------------------------------
//
// A login costs a scrypt hash (on the thread pool) and a few queries (PGlite's run on the event
// loop). However many arrive at once, only LOGIN_IN_FLIGHT run; up to LOGIN_QUEUE wait their turn
// in order; beyond that the answer is an immediate 429 "réessayez". The bound is per process,
// which is what it protects: one event loop and one thread pool.

export const LOGIN_IN_FLIGHT = 2
export const LOGIN_QUEUE = 32

export interface GateStats {
  inFlight: number
  queued: number
  /** The most that ever ran at once (since the last `resetStats`). */
  maxInFlight: number
  /** Answered 429 because the queue was full. */
  refused: number
}

export class Gate {
  private running = 0
  private readonly waiting: Array<() => void> = []
  private stats_ = { maxInFlight: 0, refused: 0 }

  constructor(
    readonly limit: number,
    readonly queueLimit: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.queueLimit) {
        this.stats_.refused++
        throw new HttpError(429, 'BUSY', 'Le portail reçoit trop de connexions en ce moment : réessayez dans quelques secondes.')
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve))
    } else {
      this.running++
    }
    this.stats_.maxInFlight = Math.max(this.stats_.maxInFlight, this.running)
    try {
      return await task()
    } finally {
      const next = this.waiting.shift()
      // The slot passes straight to the next in line (running stays the same), or frees up.
      if (next) next()
      else this.running--
    }
  }

  stats(): GateStats {
    return { inFlight: this.running, queued: this.waiting.length, ...this.stats_ }
  }

  resetStats(): void {
    this.stats_ = { maxInFlight: this.running, refused: 0 }
  }
}

/** The gate every password check of the portal goes through (logins, current-password check). */
export const loginGate = new Gate(LOGIN_IN_FLIGHT, LOGIN_QUEUE)

/** Ends one session (logout). */
export async function closeSession(db: PortalDb, kind: SessionKind, token: string): Promise<void> {
  await db.execute(sql`DELETE FROM ${table(kind)} WHERE token_hash = ${sha256Hex(token)}`)
}
