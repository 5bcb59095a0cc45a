import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { API_PREFIX } from '@shared/sync/protocol'
import type { CreatedOrder, NotificationHeaders, OrderRequest, PaymentProvider, RefusedNotification, VerifiedNotification } from './provider'

/**
 * The simulated payment provider (demo and tests; off unless PORTAL_PAYMENTS=simulated).
 *
 * It plays the bank's part with the same shape as a real one:
 * - `createOrder` gives a link to its page (served by the portal under /payments/simulated/pay),
 *   whose parameters it signs, so that the browser cannot change the amount on the way;
 * - on "Payer" or "Refuser" it posts a notification to the portal's notification route over
 *   real HTTP, a JSON body signed with HMAC-SHA256 (shared secret) in the `x-signature` header;
 * - `verifyNotification` checks that signature over the raw body (timingSafeEqual) before
 *   anything in the body is believed.
 */

export const SIMULATED = 'simulated'
export const SIGNATURE_HEADER = 'x-signature'
/** The notification route (server to server), relative to the portal's URL. */
export const SIMULATED_NOTIFY_PATH = `${API_PREFIX}/payments/simulated/notification`
/** The provider's page (the family's browser), relative to the portal's URL. */
export const SIMULATED_PAGE_PATH = `${API_PREFIX}/payments/simulated/pay`

/** A provider's reference, transaction id: letters, digits, dash, dot, underscore. */
export const Reference = z.string().regex(/^[A-Za-z0-9_-]{6,40}$/, 'référence invalide')
export const TransactionId = z.string().regex(/^[A-Za-z0-9._-]{4,64}$/, 'identifiant de transaction invalide')

/** The simulated provider's notification body (JSON, signed as sent). */
export const SimulatedNotificationSchema = z.strictObject({
  orderId: z.uuid(),
  reference: Reference,
  transactionId: TransactionId,
  amountCents: z.number().int().positive().max(100_000_000),
  status: z.enum(['paid', 'refused']),
  at: z.iso.datetime(),
})
export type SimulatedNotification = z.infer<typeof SimulatedNotificationSchema>

/** The signed parameters of the provider's page (what the portal asked for). */
export interface PageParams {
  order: string
  reference: string
  amount: number
  return?: string | undefined
  sig: string
}

export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex')
}

/** Whether `given` (hex) is the HMAC-SHA256 of `text`; constant time over equal lengths. */
export function signatureMatches(secret: string, text: string, given: string | undefined): boolean {
  if (typeof given !== 'string' || !/^[0-9a-f]{64}$/i.test(given)) return false
  const expected = Buffer.from(hmacHex(secret, text), 'hex')
  const actual = Buffer.from(given.toLowerCase(), 'hex')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

const pageText = (p: Omit<PageParams, 'sig'>): string => `page\n${JSON.stringify([p.order, p.reference, p.amount, p.return ?? ''])}`

function header(headers: NotificationHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

export class SimulatedProvider implements PaymentProvider {
  readonly name = SIMULATED

  /**
   * @param secret shared with the portal's verifier (PORTAL_PAYMENTS_SECRET or the data folder's file)
   * @param baseUrl the portal's URL as the family's browser reaches it (the page's link)
   */
  constructor(
    private readonly secret: string,
    private readonly baseUrl: () => string,
  ) {}

  async createOrder(order: OrderRequest): Promise<CreatedOrder> {
    const params: Omit<PageParams, 'sig'> = {
      order: order.orderId,
      reference: order.reference,
      amount: order.amountCents,
      ...(order.returnUrl ? { return: order.returnUrl } : {}),
    }
    const query = new URLSearchParams({
      order: params.order,
      reference: params.reference,
      amount: String(params.amount),
      ...(params.return ? { return: params.return } : {}),
      sig: hmacHex(this.secret, pageText(params)),
    })
    return { redirectUrl: `${this.baseUrl()}${SIMULATED_PAGE_PATH}?${query.toString()}` }
  }

  /** Whether the page's parameters are the ones the portal signed (the amount was not changed). */
  checkPage(params: PageParams): boolean {
    return signatureMatches(this.secret, pageText(params), params.sig)
  }

  /** The notification the bank sends for this page and decision: its raw body and signature. */
  notification(params: PageParams, decision: 'paid' | 'refused', now: Date): { body: string; signature: string; transactionId: string } {
    const transactionId = `SIM-${randomBytes(10).toString('hex').toUpperCase()}`
    const note: SimulatedNotification = {
      orderId: params.order,
      reference: params.reference,
      transactionId,
      amountCents: params.amount,
      status: decision,
      at: now.toISOString(),
    }
    const body = JSON.stringify(note)
    return { body, signature: hmacHex(this.secret, body), transactionId }
  }

  async verifyNotification(rawBody: string, headers: NotificationHeaders): Promise<VerifiedNotification | RefusedNotification> {
    if (!signatureMatches(this.secret, rawBody, header(headers, SIGNATURE_HEADER))) {
      return { ok: false, reason: 'signature', message: 'Avis de paiement refusé : signature absente ou invalide.' }
    }
    let json: unknown
    try {
      json = JSON.parse(rawBody)
    } catch {
      return { ok: false, reason: 'malformed', message: 'Avis de paiement signé mais illisible.' }
    }
    const parsed = SimulatedNotificationSchema.safeParse(json)
    if (!parsed.success) return { ok: false, reason: 'malformed', message: 'Avis de paiement signé mais incomplet.' }
    const n = parsed.data
    return { ok: true, orderId: n.orderId, reference: n.reference, transactionId: n.transactionId, amountCents: n.amountCents, status: n.status }
  }
}

// --- the provider's pages (French, no script) ----------------------------------------------

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string)

export const euros = (cents: number): string => `${(cents / 100).toFixed(2).replace('.', ',')} €`

/** Served with the pages: nothing but their own inline style and forms back to the portal. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1b1b1b; }
.banner { background: #fff4d6; border: 1px solid #e0b400; padding: .5rem .75rem; border-radius: .25rem; }
.amount { font-size: 2rem; font-weight: 600; margin: 1rem 0; }
form { display: inline-block; margin-right: .75rem; }
button { font-size: 1rem; padding: .6rem 1.4rem; border-radius: .25rem; border: 1px solid #444; cursor: pointer; }
button.pay { background: #000091; color: #fff; border-color: #000091; }
pre { white-space: pre-wrap; word-break: break-all; font-size: .8rem; background: #f4f4f4; padding: .5rem; }
</style>
</head>
<body>
<p class="banner">Prestataire de paiement <strong>simulé</strong> (démonstration et tests) : aucune carte n’est débitée.</p>
${body}
</body>
</html>
`
}

/** The page where the family "pays": the order, and Payer / Refuser. */
export function payPageHtml(p: PageParams): string {
  const query = (decision: string) =>
    new URLSearchParams({ order: p.order, reference: p.reference, amount: String(p.amount), ...(p.return ? { return: p.return } : {}), sig: p.sig, decision }).toString()
  return layout(
    'Paiement en ligne (simulé)',
    `<h1>Paiement en ligne</h1>
<p>Commande <strong>${escapeHtml(p.reference)}</strong></p>
<p class="amount">${escapeHtml(euros(p.amount))}</p>
<form method="post" action="${escapeHtml(`${SIMULATED_PAGE_PATH}?${query('payer')}`)}"><button class="pay" type="submit">Payer</button></form>
<form method="post" action="${escapeHtml(`${SIMULATED_PAGE_PATH}?${query('refuser')}`)}"><button type="submit">Refuser</button></form>`,
  )
}

/** After the decision: what the bank did, whether the portal acknowledged it, and the notification sent. */
export function resultPageHtml(args: {
  params: PageParams
  decision: 'paid' | 'refused'
  portalStatus: number | null
  body: string
  signature: string
}): string {
  const { params, decision, portalStatus, body, signature } = args
  const heading = decision === 'paid' ? 'Paiement accepté' : 'Paiement refusé'
  const ack =
    portalStatus === null
      ? 'Le portail n’a pas répondu à l’avis de paiement : il sera à renvoyer.'
      : portalStatus >= 200 && portalStatus < 300
        ? 'Le portail a bien reçu l’avis de paiement.'
        : `Le portail a refusé l’avis de paiement (statut ${portalStatus}).`
  const back = params.return ? `<p><a href="${escapeHtml(params.return)}">Retour à l’espace famille</a></p>` : '<p>Vous pouvez fermer cette page et revenir sur votre espace famille.</p>'
  return layout(
    heading,
    `<h1>${heading}</h1>
<p>Commande <strong>${escapeHtml(params.reference)}</strong> : ${escapeHtml(euros(params.amount))}.</p>
<p id="ack">${escapeHtml(ack)}</p>
${back}
<details><summary>Avis envoyé au portail (simulateur)</summary>
<pre id="notification">${escapeHtml(body)}</pre>
<pre id="signature">${escapeHtml(signature)}</pre>
</details>`,
  )
}

/** A page for a link that is not one the portal signed. */
export function invalidPageHtml(): string {
  return layout('Lien de paiement invalide', '<h1>Lien de paiement invalide</h1><p>Ce lien de paiement n’a pas été émis par le portail, ou il a été modifié. Recommencez le paiement depuis votre espace famille.</p>')
}
