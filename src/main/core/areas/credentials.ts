import type Database from 'better-sqlite3'
import { v7 as uuidv7 } from 'uuid'
import { hashPassword } from '../../../common/passwords'
import { newTemporaryPassword } from '../../../common/credentials'
import { DomainError, type contract } from '@shared/contract'
import {
  REPRINT_MINUTES,
  type CredentialIssueView,
  type CredentialsStatus,
  type IssuedCredentials,
  type SlipLayout,
} from '@shared/contract/credentials'
import type { CredentialKind, CredentialsIssuePayload } from '@shared/commands/credentials'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import type { CredentialVault, HeldCredentials } from '../services/credentials'
import { getSetting, setSetting } from '../services/settings'
import { renderSlipPdf, type SlipModel } from '../services/slip-pdf'
import { SYNC_KEYS } from '../sync/state'

/**
 * Portal credentials at the counter (issue 9). `issue`: a new password from the CSPRNG, hashed
 * with the portal's scrypt parameters on the thread pool BEFORE the write transaction (the
 * workstation's writes never wait for it); the fact credentials.issue carries only the hash.
 * The clear password goes to the vault (memory, REPRINT_MINUTES) and back to the caller with
 * the slip PDF; `reprint` renders the same slip again; `handedOver` forgets it.
 */

const SLIP_KEYS = { layout: 'slip.layout', printer: 'slip.printer' } as const

interface FamilyRow {
  id: string
  code: string | null
  name: string
}

function requireFamily(sqlite: Database.Database, familyId: string): FamilyRow {
  const row = sqlite.prepare('SELECT id, code, name FROM families WHERE id = ? AND merged_into IS NULL').get(familyId) as FamilyRow | undefined
  if (!row) throw new DomainError('NOT_FOUND', `Unknown family ${familyId}`)
  return row
}

function vaultOf(ctx: HandlerContext): CredentialVault {
  const vault = ctx.services.credentials
  if (!vault) throw new Error('credentials: no vault in this core')
  return vault
}

export function slipSettings(sqlite: Database.Database): { layout: SlipLayout; printer: string } {
  const layout = getSetting(sqlite, SLIP_KEYS.layout)
  return { layout: layout === '80mm' ? '80mm' : 'a4', printer: getSetting(sqlite, SLIP_KEYS.printer) ?? '' }
}

function townOption(sqlite: Database.Database, id: string): string {
  const row = sqlite.prepare('SELECT value FROM town_options WHERE id = ?').get(id) as { value: string } | undefined
  return row?.value ?? ''
}

/** The logo town option (a PNG or JPEG data URL) as bytes, or null. */
function logoOf(sqlite: Database.Database): SlipModel['logo'] {
  const m = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]+={0,2})$/.exec(townOption(sqlite, 'town.logo'))
  if (!m) return null
  return { type: m[1] as 'png' | 'jpeg', bytes: new Uint8Array(Buffer.from(m[2]!, 'base64')) }
}

/** The families' portal address: the town's option, else this workstation's portal (its origin), else a placeholder. */
function portalAddress(sqlite: Database.Database): string {
  const option = townOption(sqlite, 'portal.public_url')
  if (option) return option
  const sync = getSetting(sqlite, SYNC_KEYS.portalUrl)
  if (sync) {
    try {
      return new URL(sync).origin
    } catch {
      // a portal URL that does not parse: fall through
    }
  }
  return 'https://portail-famille.example.fr'
}

async function slipOf(ctx: HandlerContext, held: HeldCredentials, layout: SlipLayout): Promise<IssuedCredentials> {
  const pdf = await renderSlipPdf(
    {
      townName: ctx.settings.townName,
      logo: logoOf(ctx.sqlite),
      portalUrl: portalAddress(ctx.sqlite),
      codeFamille: held.codeFamille,
      password: held.password,
      familyName: held.familyName,
      issuedAt: held.issuedAt,
      expiresAt: held.expiresAt,
      agentInitials: held.agentInitials,
      kind: held.kind,
    },
    layout,
  )
  return {
    codeFamille: held.codeFamille,
    password: held.password,
    slipPdfBase64: Buffer.from(pdf).toString('base64'),
    layout,
    issueId: held.issueId,
    issuedAt: held.issuedAt,
    expiresAt: held.expiresAt,
    reprintUntil: new Date(held.until).toISOString(),
  }
}

interface IssueRow {
  id: string
  kind: CredentialKind
  issued_at: string
  expires_at: string
  agent_name: string | null
  agent_initials: string | null
  workstation_id: string | null
  superseded_by: string | null
}

function issuesOf(sqlite: Database.Database, familyId: string): IssueRow[] {
  return sqlite
    .prepare(
      `SELECT c.id, c.kind, c.issued_at, c.expires_at, a.display_name AS agent_name, a.initials AS agent_initials,
              c.workstation_id, c.superseded_by
         FROM credential_issues c LEFT JOIN agents a ON a.id = c.agent_id
        WHERE c.family_id = ?
        ORDER BY (c.superseded_by IS NULL) DESC, c.issued_at DESC, c.id DESC
        LIMIT 11`,
    )
    .all(familyId) as IssueRow[]
}

export function credentialsStatus(ctx: HandlerContext, familyId: string): CredentialsStatus {
  const family = requireFamily(ctx.sqlite, familyId)
  const view = (r: IssueRow): CredentialIssueView => ({
    id: r.id,
    kind: r.kind,
    issuedAt: r.issued_at,
    expiresAt: r.expires_at,
    agentName: r.agent_name,
    agentInitials: r.agent_initials,
    workstationId: r.workstation_id,
    here: r.workstation_id === ctx.settings.workstationId,
    superseded: r.superseded_by !== null,
  })
  const rows = issuesOf(ctx.sqlite, familyId)
  const current = rows[0] && rows[0].superseded_by === null ? rows[0] : null
  const held = ctx.services.credentials?.get(familyId) ?? null
  const conflicts = ctx.sqlite
    .prepare(
      `SELECT id, reason, at FROM flags
        WHERE family_id = ? AND code = 'CREDENTIALS_SUPERSEDED' AND status = 'open'
        ORDER BY at DESC LIMIT 10`,
    )
    .all(familyId) as Array<{ id: string; reason: string; at: string }>
  return {
    codeFamille: family.code ?? '',
    last: current ? view(current) : null,
    history: rows.filter((r) => r !== current).slice(0, 10).map(view),
    reprintUntil: held && held.issueId === current?.id ? new Date(held.until).toISOString() : null,
    conflicts,
  }
}

export const credentialsHandlers: HandlersFor<typeof contract>['credentials'] = {
  status: (ctx, input) => credentialsStatus(ctx, input.familyId),

  issue: async (ctx, input) => {
    const vault = vaultOf(ctx)
    const family = requireFamily(ctx.sqlite, input.familyId)
    if (!family.code) throw new DomainError('NOT_FOUND', 'This family has no code famille yet')
    ctx.record('family', family.id)
    const password = newTemporaryPassword()
    // scrypt on libuv's thread pool, outside any transaction.
    const passwordHash = await hashPassword(password)
    const written = await ctx.write(async () => {
      const previous = ctx.sqlite
        .prepare('SELECT id FROM credential_issues WHERE family_id = ? AND superseded_by IS NULL ORDER BY issued_at DESC, id DESC LIMIT 1')
        .get(family.id) as { id: string } | undefined
      const payload: CredentialsIssuePayload = {
        id: uuidv7({ msecs: ctx.now.getTime() }),
        familyId: family.id,
        kind: previous ? 'reset' : 'first',
        passwordHash,
        identityChecked: true,
        previousIssueId: previous?.id ?? null,
      }
      await runShared(ctx, 'credentials.issue', payload)
      return ctx.sqlite.prepare('SELECT id, kind, issued_at, expires_at FROM credential_issues WHERE id = ?').get(payload.id) as {
        id: string
        kind: CredentialKind
        issued_at: string
        expires_at: string
      }
    })
    const held: HeldCredentials = {
      familyId: family.id,
      familyName: family.name,
      codeFamille: family.code,
      password,
      issueId: written.id,
      kind: written.kind,
      issuedAt: written.issued_at,
      expiresAt: written.expires_at,
      agentInitials: ctx.agent?.initials ?? '',
      until: ctx.now.getTime() + REPRINT_MINUTES * 60_000,
      layout: input.layout ?? slipSettings(ctx.sqlite).layout,
    }
    vault.hold(held)
    return slipOf(ctx, held, held.layout)
  },

  reprint: async (ctx, input) => {
    const family = requireFamily(ctx.sqlite, input.familyId)
    ctx.record('family', family.id)
    const held = vaultOf(ctx).get(family.id)
    if (!held) {
      throw new DomainError('RULE_REJECTED', 'No password held for this family', {
        rule: 'REPRINT_EXPIRED',
        reason: `Le coupon ne peut plus être réimprimé (${REPRINT_MINUTES} minutes passées, ou remis à la famille) : faites une nouvelle remise d’identifiants.`,
      })
    }
    return slipOf(ctx, held, input.layout ?? held.layout)
  },

  handedOver: (ctx, input) => {
    const family = requireFamily(ctx.sqlite, input.familyId)
    ctx.record('family', family.id)
    vaultOf(ctx).forget(family.id)
    return {}
  },

  slipSettings: (ctx) => slipSettings(ctx.sqlite),

  saveSlipSettings: (ctx, input) => {
    setSetting(ctx.sqlite, SLIP_KEYS.layout, input.layout)
    setSetting(ctx.sqlite, SLIP_KEYS.printer, input.printer)
    return slipSettings(ctx.sqlite)
  },
}
