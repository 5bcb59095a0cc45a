import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PaymentProvider } from './provider'
import { SimulatedProvider } from './simulated'

/**
 * The portal's payment set-up: which provider (none by default: online payment is off and the
 * provider's routes answer 404), its secret, and the URLs it needs. docs/payments.md.
 */

export type PaymentsMode = 'simulated'

export interface PortalPayments {
  provider: PaymentProvider
  /** The simulated provider when it is the one in use (its page and notification routes). */
  simulated: SimulatedProvider | null
  /** Where the provider sends the family back (PORTAL_PAYMENTS_RETURN_URL), or null. */
  returnUrl: string | null
  /** The portal's own URL, once it listens (the simulated page's link when no public URL is set). */
  setOwnUrl(url: string): void
}

export interface PaymentsOptions {
  mode?: PaymentsMode | undefined
  /** HMAC secret shared with the provider (default: generated once, kept in the data folder). */
  secret?: string | undefined
  dataDir: string
  /** The portal's URL as families reach it (behind a proxy); default: the portal's own URL. */
  publicUrl?: string | undefined
  returnUrl?: string | undefined
}

const SECRET_FILE = 'payments-secret'
export const MIN_SECRET_LENGTH = 32

/** The secret in `dataDir` (created once, owner-only), for a provider set up without one. */
export function dataDirSecret(dataDir: string): string {
  const file = join(dataDir, SECRET_FILE)
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dataDir, { recursive: true })
  try {
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  return readFileSync(file, 'utf8').trim()
}

function httpUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`${what} : adresse invalide (${value}).`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${what} : http:// ou https:// attendu.`)
  return url.toString().replace(/\/$/, '')
}

/** The payment set-up for `startPortal`, or null when online payment is off. */
export function openPayments(opts: PaymentsOptions): PortalPayments | null {
  if (!opts.mode) return null
  const secret = opts.secret ?? dataDirSecret(opts.dataDir)
  if (secret.length < MIN_SECRET_LENGTH) throw new Error(`PORTAL_PAYMENTS_SECRET : au moins ${MIN_SECRET_LENGTH} caractères.`)
  const publicUrl = opts.publicUrl ? httpUrl(opts.publicUrl, 'PORTAL_PUBLIC_URL') : null
  const returnUrl = opts.returnUrl ? httpUrl(opts.returnUrl, 'PORTAL_PAYMENTS_RETURN_URL') : null
  let ownUrl: string | null = null
  const baseUrl = (): string => {
    const url = publicUrl ?? ownUrl
    if (!url) throw new Error('payments: the portal is not listening yet')
    return url
  }
  const simulated = new SimulatedProvider(secret, baseUrl)
  return {
    provider: simulated,
    simulated,
    returnUrl,
    setOwnUrl: (url) => {
      ownUrl = url.replace(/\/$/, '')
    },
  }
}

/** PORTAL_PAYMENTS and friends (the CLI's `serve`): a bad value stops the start with a French message. */
export function paymentsFromEnv(env: Record<string, string | undefined>): {
  payments?: PaymentsMode
  paymentsSecret?: string
  publicUrl?: string
  paymentsReturnUrl?: string
} {
  const mode = env.PORTAL_PAYMENTS?.trim()
  if (mode && mode !== 'simulated' && mode !== 'off') {
    throw new Error(`PORTAL_PAYMENTS=${mode} : valeurs possibles « simulated » (démonstration, tests) ou « off ».`)
  }
  return {
    ...(mode === 'simulated' ? { payments: 'simulated' as const } : {}),
    ...(env.PORTAL_PAYMENTS_SECRET ? { paymentsSecret: env.PORTAL_PAYMENTS_SECRET } : {}),
    ...(env.PORTAL_PUBLIC_URL ? { publicUrl: env.PORTAL_PUBLIC_URL } : {}),
    ...(env.PORTAL_PAYMENTS_RETURN_URL ? { paymentsReturnUrl: env.PORTAL_PAYMENTS_RETURN_URL } : {}),
  }
}

export type { PaymentProvider } from './provider'
