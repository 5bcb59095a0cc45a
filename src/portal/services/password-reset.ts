import { sql } from 'drizzle-orm'
import { normalizeCodeFamille } from '@shared/domain/codeFamille'
import { recordSeeded } from '../../common/log-capture'
import { hashPassword, verifyPassword } from '../../common/passwords'
import { one, rows, type PortalDb } from '../db/client'
import { HttpError, invalid } from '../http/errors'
import { newToken, sha256Hex } from '../secrets'
import { checkThrottle, clearAccountFailures, closeSessionsOf, loginGate, recordLoginFailure, throttleKeys } from './auth'
import { familyByCode } from './families'
import type { Mailer } from './mailer'

/**
 * « Mot de passe oublié » on the portal (docs/credentials.md, "Côté portail"): a family asks
 * with its code famille and the e-mail address of one of its guardians (RL1, RL2); when both
 * match, a link valid one hour and once is mailed to that address. The answer never says
 * whether anything matched (always the same 202), requests are throttled like logins, and only
 * the sha-256 of the link's token is stored.
 */

/** How long a reset link works. */
export const RESET_TOKEN_MS = 3600 * 1000
/** At most this many live (unused, unexpired) links per family: a stranger cannot flood a guardian's mailbox. */
export const MAX_LIVE_RESETS = 3

/** The one answer to every reset request (no account enumeration). */
export const RESET_REQUESTED_MESSAGE =
  'Si ce code famille correspond à un dossier dont un responsable a cette adresse e-mail, un lien pour choisir un nouveau mot de passe ' +
  'vient de lui être envoyé (valable une heure). Sinon, présentez-vous au guichet du service Scolaire-Enfance-Jeunesse.'

export const RESET_LINK_INVALID_MESSAGE =
  'Ce lien de réinitialisation n’est plus valable (déjà utilisé, expiré ou inconnu) : refaites une demande avec « Mot de passe oublié », ' +
  'ou présentez-vous au guichet du service Scolaire-Enfance-Jeunesse.'

export interface ResetRequestOptions {
  now: Date
  ip?: string
  /** The families' portal address the link points to (no trailing slash). */
  portalUrl: string
  mailer: Mailer
  /** A delivery failure (never the message): logged by the caller. */
  onMailError?: (error: unknown) => void
}

/** The throttle keys of a reset request: the address key is the logins' one (guessing across accounts is guessing). */
function resetKeys(code: string, ip: string | undefined): string[] {
  return throttleKeys(`reset:${code}`, ip)
}

/**
 * Handles a reset request. Resolves the same way whatever happens (unknown code, wrong e-mail,
 * throttled, too many live links); only a matching, unthrottled request creates a link and mails it.
 */
export async function requestPasswordReset(db: PortalDb, codeRaw: string, emailRaw: string, opts: ResetRequestOptions): Promise<void> {
  const { now } = opts
  const keys = resetKeys(normalizeCodeFamille(codeRaw).slice(0, 20), opts.ip)
  try {
    await checkThrottle(db, keys, now)
  } catch (error) {
    if (error instanceof HttpError) return // throttled: not counted, nothing sent, the same answer
    throw error
  }
  // Every request counts (it is not a login that can succeed): a few per address and account, then slower.
  await recordLoginFailure(db, keys, now)
  const family = await familyByCode(db, codeRaw)
  if (!family) return
  const email = emailRaw.trim().toLowerCase()
  const [guardian] = await rows<{ email: string }>(
    db,
    sql`SELECT p.email FROM family_members m JOIN persons p ON p.id = m.person_id
        WHERE m.family_id = ${family.id} AND m.role IN ('RL1', 'RL2') AND p.email IS NOT NULL AND lower(trim(p.email)) = ${email}
        LIMIT 1`,
  )
  if (!guardian) return
  const at = now.toISOString()
  await db.execute(sql`DELETE FROM family_password_resets WHERE expires_at < ${at}::timestamptz - interval '1 day'`)
  const live = await one<{ n: number }>(
    db,
    sql`SELECT count(*)::int AS n FROM family_password_resets
        WHERE family_id = ${family.id} AND used_at IS NULL AND expires_at > ${at}::timestamptz`,
  )
  if ((live?.n ?? 0) >= MAX_LIVE_RESETS) return
  const token = newToken()
  recordSeeded('password', [token]) // test runs with a log capture only: the token must appear in no log
  const expiresAt = new Date(now.getTime() + RESET_TOKEN_MS)
  await db.execute(
    sql`INSERT INTO family_password_resets (token_hash, family_id, expires_at, used_at)
        VALUES (${sha256Hex(token)}, ${family.id}, ${expiresAt.toISOString()}, NULL)`,
  )
  const until = new Intl.DateTimeFormat('fr-FR', { timeStyle: 'short', timeZone: 'Europe/Paris' }).format(expiresAt)
  // The token travels in the fragment (#): browsers never send it to a server nor in a Referer.
  const link = `${opts.portalUrl}/mot-de-passe-oublie#jeton=${token}`
  // Not awaited: a slow relay must not make a matching request slower to answer than another.
  opts.mailer
    .send({
      to: guardian.email,
      subject: 'Portail Famille : choisir un nouveau mot de passe',
      purpose: 'réinitialisation',
      text:
        'Bonjour,\n\n' +
        `Une demande de nouveau mot de passe a été faite pour le dossier famille ${family.code} sur le Portail Famille.\n` +
        `Pour choisir votre nouveau mot de passe, ouvrez ce lien avant ${until} (il ne sert qu’une fois) :\n\n${link}\n\n` +
        'Si vous n’avez rien demandé, ignorez ce message : votre mot de passe actuel reste valable.\n' +
        'Le service Scolaire-Enfance-Jeunesse',
    })
    .catch((error: unknown) => opts.onMailError?.(error))
}

/** Where the families' portal is: the town option `portal.public_url`, else `fallback` (the portal's own address). */
export async function familiesPortalUrl(db: PortalDb, fallback: string): Promise<string> {
  const option = await one<{ value: string | null }>(db, sql`SELECT value FROM town_options WHERE id = 'portal.public_url'`)
  const url = (option?.value ?? '').trim()
  return (/^https?:\/\/\S+$/i.test(url) ? url : fallback).replace(/\/+$/, '')
}

interface ResetRow {
  family_id: string
  code: string
  usable: boolean
  hash: string | null
}

async function resetRow(db: PortalDb, token: string, now: Date): Promise<ResetRow | undefined> {
  return one<ResetRow>(
    db,
    sql`SELECT r.family_id, f.code, (r.used_at IS NULL AND r.expires_at > ${now.toISOString()}::timestamptz) AS usable, a.password_hash AS hash
        FROM family_password_resets r JOIN families f ON f.id = r.family_id LEFT JOIN family_accounts a ON a.family_id = r.family_id
        WHERE r.token_hash = ${sha256Hex(token)}`,
  )
}

/**
 * Sets the family's new password with a link's token: a password the family chose (no change
 * forced, no expiry), the link used (and the family's other links with it), every session of
 * the family closed, the failures counted against its account forgotten.
 * An unknown, used or expired token: 400, nothing changes.
 */
export async function confirmPasswordReset(db: PortalDb, token: string, newPasswordValue: string, now: Date): Promise<void> {
  // Looked up before the login gate: garbage tokens never take a scrypt slot.
  const found = await resetRow(db, token, now)
  if (!found || !found.usable) throw invalid(RESET_LINK_INVALID_MESSAGE)
  await loginGate.run(async () => {
    // The rule of a password change: the new one differs from the current one (the printed one included).
    if (found.hash && (await verifyPassword(newPasswordValue, found.hash))) {
      throw invalid('Le nouveau mot de passe doit être différent de l’actuel.')
    }
    const hash = await hashPassword(newPasswordValue)
    await db.transaction(async (tx) => {
      const at = now.toISOString()
      // Claimed atomically: of two confirmations of one link, one wins, the other gets the 400.
      const claimed = await rows<{ family_id: string }>(
        tx,
        sql`UPDATE family_password_resets SET used_at = ${at}
            WHERE token_hash = ${sha256Hex(token)} AND used_at IS NULL AND expires_at > ${at}::timestamptz
            RETURNING family_id`,
      )
      if (claimed.length === 0) throw invalid(RESET_LINK_INVALID_MESSAGE)
      await tx.execute(sql`UPDATE family_password_resets SET used_at = ${at} WHERE family_id = ${found.family_id} AND used_at IS NULL`)
      await tx.execute(
        sql`INSERT INTO family_accounts (family_id, password_hash, must_change, expires_at, updated_at)
            VALUES (${found.family_id}, ${hash}, FALSE, NULL, ${at})
            ON CONFLICT (family_id) DO UPDATE SET password_hash = excluded.password_hash, must_change = FALSE,
              expires_at = NULL, updated_at = excluded.updated_at`,
      )
      await closeSessionsOf(tx, 'family', found.family_id)
      await clearAccountFailures(tx, `family:${found.code}`)
    })
  })
}
