import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { CommandRejection, runCommand, type CommandName } from '@shared/commands'
import { waitingOrder } from '@shared/commands/bookings'
import { isValidCodeFamille, normalizeCodeFamille } from '@shared/domain/codeFamille'
import type { Row, Value } from '@shared/sync/entities'
import { dummyHash, hashPassword, needsRehash, verifyPassword } from '../../common/passwords'
import { one, rows, type PortalDb } from '../db/client'
import { EntityStore, lockCommands, retryConflicts, readRows, readRowsByIds } from '../db/store'
import { forbidden, invalid, notFound, rejected, unauthorized } from '../http/errors'
import type { FamilyMe } from '../http/schemas'
import { newPassword } from '../secrets'
import {
  checkThrottle,
  clearAccountFailures,
  clearLoginFailures,
  closeSessionsOf,
  loginGate,
  openSession,
  recordLoginFailure,
  sessionSubject,
  throttleKeys,
} from './auth'

/**
 * The family side of the portal: accounts (code famille + password), sessions, the family's
 * page, and the family's own changes, which run the shared commands with channel "portail"
 * and go through the change log so that every counter pulls them.
 */

/** A temporary password stops working after 30 days if it was never changed. */
export const TEMPORARY_PASSWORD_MS = 30 * 24 * 3600 * 1000

/** The answer to an expired temporary password: the two ways to a new one. */
export const EXPIRED_PASSWORD_MESSAGE =
  'Ce mot de passe provisoire a expiré. Pour en obtenir un nouveau, présentez-vous au guichet du service Scolaire-Enfance-Jeunesse, ' +
  'ou utilisez « Mot de passe oublié » sur le portail : un lien de réinitialisation est envoyé à l’adresse e-mail d’un responsable de la famille.'

export interface FamilyPrincipal {
  familyId: string
  mustChangePassword: boolean
  /** The bearer token (to keep this session when the password changes). */
  token: string
}

export async function familyByCode(db: PortalDb, codeRaw: string): Promise<{ id: string; code: string } | null> {
  const code = normalizeCodeFamille(codeRaw)
  if (!isValidCodeFamille(code)) return null
  return (await one<{ id: string; code: string }>(db, sql`SELECT id, code FROM families WHERE code = ${code}`)) ?? null
}

/**
 * What a new temporary password does to a family's account, whoever made it (the portal's
 * command line, or a counter's `credentials.issue` applied by a push): the hash replaces the
 * old one, must be changed at the first login, stops working at `expiresAt`; the old password
 * and every session opened with it stop working, and the failures counted against the account
 * are forgotten. Runs inside the caller's transaction.
 */
export async function applyTemporaryPassword(
  tx: PortalDb,
  familyId: string,
  code: string,
  hash: string,
  expiresAt: string,
  now: Date,
): Promise<void> {
  await tx.execute(
    sql`INSERT INTO family_accounts (family_id, password_hash, must_change, expires_at, updated_at)
        VALUES (${familyId}, ${hash}, TRUE, ${expiresAt}, ${now.toISOString()})
        ON CONFLICT (family_id) DO UPDATE SET password_hash = excluded.password_hash, must_change = TRUE,
          expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
  )
  await closeSessionsOf(tx, 'family', familyId)
  await clearAccountFailures(tx, `family:${code}`)
}

/** Sets a new temporary password (counter reset or first handover): must be changed, expires in 30 days. */
export async function setFamilyPassword(
  db: PortalDb,
  codeRaw: string,
  now = new Date(),
): Promise<{ code: string; password: string; mustChangePassword: true; expiresAt: string }> {
  const family = await familyByCode(db, codeRaw)
  if (!family) throw notFound('Code famille inconnu.')
  const password = newPassword()
  const hash = await hashPassword(password)
  const expiresAt = new Date(now.getTime() + TEMPORARY_PASSWORD_MS).toISOString()
  await db.transaction(async (tx) => applyTemporaryPassword(tx, family.id, family.code, hash, expiresAt, now))
  return { code: family.code, password, mustChangePassword: true, expiresAt }
}

/**
 * A family's login, from the client address `ip` (throttled per address, per account and per
 * address across accounts; see auth.ts). Runs through the login gate.
 */
export async function familyLogin(
  db: PortalDb,
  codeRaw: string,
  password: string,
  now = new Date(),
  ip?: string,
): Promise<{ token: string; mustChangePassword: boolean }> {
  const keys = throttleKeys(`family:${normalizeCodeFamille(codeRaw).slice(0, 20)}`, ip)
  return loginGate.run(async () => {
    await checkThrottle(db, keys, now)
    const family = await familyByCode(db, codeRaw)
    const account = family
      ? await one<{ hash: string; must_change: boolean; expired: boolean }>(
          db,
          sql`SELECT password_hash AS hash, must_change,
                     (expires_at IS NOT NULL AND expires_at <= ${now.toISOString()}::timestamptz) AS expired
              FROM family_accounts WHERE family_id = ${family.id}`,
        )
      : undefined
    const ok = await verifyPassword(password, account?.hash ?? (await dummyHash()))
    if (!family || !account || !ok) {
      await recordLoginFailure(db, keys, now)
      throw unauthorized('Code famille ou mot de passe incorrect.')
    }
    if (account.expired) {
      // A refused login like any other: counted (the password was right, but it opens nothing).
      await recordLoginFailure(db, keys, now)
      throw unauthorized(EXPIRED_PASSWORD_MESSAGE)
    }
    await clearLoginFailures(db, keys)
    if (needsRehash(account.hash)) await rehashFamily(db, family.id, account.hash, password)
    return { token: await openSession(db, 'family', family.id, now), mustChangePassword: account.must_change }
  })
}

/** Stores the password again with today's scrypt parameters (unless it changed meanwhile). */
async function rehashFamily(db: PortalDb, familyId: string, oldHash: string, password: string): Promise<void> {
  const hash = await hashPassword(password)
  await db.execute(sql`UPDATE family_accounts SET password_hash = ${hash} WHERE family_id = ${familyId} AND password_hash = ${oldHash}`)
}

export async function authenticateFamily(db: PortalDb, token: string, now = new Date()): Promise<FamilyPrincipal | null> {
  const familyId = await sessionSubject(db, 'family', token, now)
  if (!familyId) return null
  const account = await one<{ must_change: boolean }>(db, sql`SELECT must_change FROM family_accounts WHERE family_id = ${familyId}`)
  if (!account) return null
  return { familyId, mustChangePassword: account.must_change, token }
}

/** A family that has not yet replaced its temporary password may only do that. */
export function requirePasswordChanged(family: FamilyPrincipal): void {
  if (family.mustChangePassword) {
    throw forbidden('Choisissez d’abord votre propre mot de passe (le mot de passe provisoire doit être changé).')
  }
}

/**
 * Changes the family's password. The current-password check is throttled like a login (the
 * session holder may not be the family) and runs through the login gate.
 */
export async function changeFamilyPassword(
  db: PortalDb,
  family: FamilyPrincipal,
  currentPassword: string,
  newPasswordValue: string,
  now = new Date(),
  ip?: string,
): Promise<void> {
  await loginGate.run(async () => {
    const account = await one<{ hash: string; code: string }>(
      db,
      sql`SELECT a.password_hash AS hash, f.code FROM family_accounts a JOIN families f ON f.id = a.family_id
          WHERE a.family_id = ${family.familyId}`,
    )
    if (!account) throw unauthorized('Mot de passe actuel incorrect.')
    const keys = throttleKeys(`family:${account.code}`, ip)
    await checkThrottle(db, keys, now)
    if (!(await verifyPassword(currentPassword, account.hash))) {
      await recordLoginFailure(db, keys, now)
      throw unauthorized('Mot de passe actuel incorrect.')
    }
    await clearLoginFailures(db, keys)
    if (currentPassword === newPasswordValue) throw invalid('Le nouveau mot de passe doit être différent de l’actuel.')
    const hash = await hashPassword(newPasswordValue)
    await db.transaction(async (tx) => {
      await tx.execute(
        sql`UPDATE family_accounts SET password_hash = ${hash}, must_change = FALSE, expires_at = NULL, updated_at = ${now.toISOString()}
            WHERE family_id = ${family.familyId}`,
      )
      // Other sessions (another browser, someone else) end; this one stays.
      await closeSessionsOf(tx, 'family', family.familyId, family.token)
    })
  })
}

const str = (v: unknown): string => String(v ?? '')
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))

function reservationView(r: Row, waitingRank: number | null = null): FamilyMe['reservations'][number] {
  return {
    id: str(r.id),
    childId: str(r.child_id),
    unitId: str(r.unit_id),
    siteId: str(r.site_id),
    date: str(r.date),
    state: str(r.state) as FamilyMe['reservations'][number]['state'],
    channel: str(r.channel),
    updatedAt: str(r.updated_at),
    waitingRank,
    attendance: strOrNull(r.attendance) as FamilyMe['reservations'][number]['attendance'],
    absenceCertificateDate: strOrNull(r.absence_certificate_date),
  }
}

/**
 * The place of each waiting row (state `attente`) in its slot's waiting list (1 = the next to
 * get a freed place), in the order the shared commands use (waitingOrder: who asked first).
 */
async function waitingRanks(find: (where: Record<string, string>) => Promise<Row[]>, list: readonly Row[]): Promise<Map<string, number>> {
  const ranks = new Map<string, number>()
  const slots = new Set(list.filter((r) => r.state === 'attente').map((r) => JSON.stringify([str(r.unit_id), str(r.site_id), str(r.date)])))
  for (const slot of slots) {
    const [unitId, siteId, date] = JSON.parse(slot) as [string, string, string]
    const waiting = (await find({ unit_id: unitId, site_id: siteId, date, state: 'attente' })) as Array<Row & { id: Value; state: Value; created_at: Value }>
    waitingOrder(waiting).forEach((r, i) => ranks.set(str(r.id), i + 1))
  }
  return ranks
}

function paymentView(p: Row): FamilyMe['payments'][number] {
  return {
    id: str(p.id),
    amountCents: Number(p.amount_cents),
    method: str(p.method),
    transactionId: strOrNull(p.transaction_id),
    paidAt: str(p.paid_at),
  }
}

function memberView(m: Row, p: Row): FamilyMe['members'][number] {
  return {
    personId: str(p.id),
    role: str(m.role),
    relation: strOrNull(m.relation),
    civility: strOrNull(p.civility),
    firstNames: str(p.first_names),
    lastName: str(p.last_name),
    phoneMobile: strOrNull(p.phone_mobile),
    phoneHome: strOrNull(p.phone_home),
    phoneWork: strOrNull(p.phone_work),
    email: strOrNull(p.email),
  }
}

/** The family's page: dossier, people, children with their schooling, bookings, payments. */
export async function familyOverview(db: PortalDb, family: FamilyPrincipal): Promise<FamilyMe> {
  const [f] = await readRows(db, 'families', { id: family.familyId })
  if (!f) throw notFound('Dossier famille introuvable.')
  const links = await readRows(db, 'family_members', { family_id: family.familyId })
  const personIds = links.map((l) => str(l.person_id))
  const persons = new Map((await readRowsByIds(db, 'persons', personIds)).map((p) => [str(p.id), p]))
  const schoolings = await rows<{ person_id: string; school_id: string; school_name: string; level: string; class_name: string | null; school_year: string }>(
    db,
    sql`SELECT s.person_id, s.school_id, sc.name AS school_name, s.level, s.class_name, s.school_year
        FROM schoolings s JOIN schools sc ON sc.id = s.school_id JOIN family_members m ON m.person_id = s.person_id
        WHERE m.family_id = ${family.familyId} AND m.role = 'enfant'
        ORDER BY s.school_year DESC`,
  )
  const members: FamilyMe['members'] = []
  const children: FamilyMe['children'] = []
  const order: Record<string, number> = { RL1: 0, RL2: 1, enfant: 2, contact: 3 }
  links.sort((a, b) => (order[str(a.role)] ?? 9) - (order[str(b.role)] ?? 9))
  for (const link of links) {
    const p = persons.get(str(link.person_id))
    if (!p) continue
    if (link.role === 'enfant') {
      const s = schoolings.find((x) => x.person_id === p.id)
      children.push({
        personId: str(p.id),
        firstNames: str(p.first_names),
        lastName: str(p.last_name),
        birthDate: strOrNull(p.birth_date),
        schooling: s
          ? { schoolId: s.school_id, schoolName: s.school_name, level: s.level, className: s.class_name, schoolYear: s.school_year }
          : null,
      })
    } else {
      members.push(memberView(link, p))
    }
  }
  const booked = (await readRows(db, 'reservations', { family_id: family.familyId })).sort((a, b) => str(a.date).localeCompare(str(b.date)))
  const ranks = await waitingRanks((where) => readRows(db, 'reservations', where), booked)
  const reservations = booked.map((r) => reservationView(r, ranks.get(str(r.id)) ?? null))
  const payments = (await readRows(db, 'payments', { family_id: family.familyId }))
    .sort((a, b) => str(b.paid_at).localeCompare(str(a.paid_at)))
    .map(paymentView)
  const units = (await readRows(db, 'units', {})).map((u) => ({ id: str(u.id), label: str(u.label), levels: str(u.levels) }))
  const sites = (await readRows(db, 'schools', {})).map((s) => ({ id: str(s.id), name: str(s.name), kind: str(s.kind) }))
  return {
    family: {
      id: str(f.id),
      code: str(f.code),
      name: str(f.name),
      addressLine1: str(f.address_line1),
      addressLine2: strOrNull(f.address_line2),
      postcode: str(f.postcode),
      city: str(f.city),
      paperlessInvoices: f.paperless_invoices === true,
    },
    mustChangePassword: family.mustChangePassword,
    members,
    children,
    reservations,
    payments,
    units,
    sites,
  }
}

/**
 * Runs a shared command for a family (channel "portail") in one transaction with its change-log
 * rows. `check` runs first in the same transaction (e.g. "this booking is the family's").
 * A rule's refusal → 409 REJECTED with its French reason; nothing is written.
 */
export async function runFamilyCommand<T>(
  db: PortalDb,
  name: CommandName,
  payload: Record<string, unknown>,
  after: (store: EntityStore) => Promise<T>,
  check?: (store: EntityStore) => Promise<void>,
  now = new Date(),
): Promise<{ result: T; writes: number }> {
  const commandId = uuidv7({ msecs: now.getTime() })
  // A conflict with another writer (db/store.ts retryConflicts) runs the family's action again.
  return retryConflicts(() => EntityStore.transaction(db, { commandId, workstationId: null }, async (store) => {
    // The command's keys (a family's booking: its day and child), as a push would take them.
    await lockCommands(store, [{ name, payload }])
    if (check) await check(store)
    try {
      // Facts (a contact change, a payment) record their flags here too; a family's own contact
      // change writes its field history with channel "portail" and no agent.
      await runCommand(store, name, payload, { at: now.toISOString(), agentId: null, workstationId: null, channel: 'portail', commandId }, { recordFlags: true })
    } catch (error) {
      if (!(error instanceof CommandRejection)) throw error
      if (error.code === 'INVALID_PAYLOAD' || error.code === 'UNKNOWN_COMMAND') throw invalid(error.reason)
      throw rejected(error.reason)
    }
    return { result: await after(store), writes: store.writes }
  }))
}

/**
 * A family's booking: the shared command reservations.book with channel "portail", judged at the
 * portal's clock (deadline, calendar, level, enrolment, capacity…). Never an override (the
 * route's schema refuses one; the command would too, off the counter). With `waitlist: true` a
 * full day puts the child on the waiting list (state `attente`) instead of refusing.
 */
export async function familyBook(
  db: PortalDb,
  family: FamilyPrincipal,
  input: { id: string; childId: string; unitId: string; siteId: string; date: string; waitlist?: boolean | undefined },
  now = new Date(),
): Promise<{ result: FamilyMe['reservations'][number]; writes: number }> {
  const { waitlist, ...rest } = input
  return runFamilyCommand(
    db,
    'reservations.book',
    { ...rest, ...(waitlist ? { waitlist: true } : {}), familyId: family.familyId },
    async (store) => {
      const row = await store.get('reservations', input.id)
      if (!row) throw new Error('booked reservation is missing')
      const ranks = await waitingRanks((where) => store.find('reservations', where), [row])
      return reservationView(row, ranks.get(input.id) ?? null)
    },
    undefined,
    now,
  )
}

export async function familyCancel(
  db: PortalDb,
  family: FamilyPrincipal,
  id: string,
  now = new Date(),
): Promise<{ result: FamilyMe['reservations'][number]; writes: number }> {
  return runFamilyCommand(
    db,
    'reservations.cancel',
    { id },
    async (store) => reservationView((await store.get('reservations', id)) as Row),
    async (store) => {
      const r = await store.get('reservations', id)
      if (!r || r.family_id !== family.familyId) throw notFound('Réservation introuvable pour votre famille.')
    },
    now,
  )
}

export async function familyUpdateContacts(
  db: PortalDb,
  family: FamilyPrincipal,
  input: { personId: string; phoneMobile: string | null; phoneHome: string | null; phoneWork: string | null; email: string | null },
  now = new Date(),
): Promise<{ result: FamilyMe['members'][number]; writes: number }> {
  return runFamilyCommand(
    db,
    'families.updateContacts',
    { ...input, familyId: family.familyId },
    async (store) => {
      const p = (await store.get('persons', input.personId)) as Row
      const [m] = await store.find('family_members', { family_id: family.familyId, person_id: input.personId })
      return memberView(m as Row, p)
    },
    async (store) => {
      const [m] = await store.find('family_members', { family_id: family.familyId, person_id: input.personId })
      if (!m) throw notFound('Cette personne n’est pas rattachée à votre famille.')
    },
    now,
  )
}
