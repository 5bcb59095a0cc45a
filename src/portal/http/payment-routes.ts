import { API_PREFIX } from '@shared/sync/protocol'
import { familyPaymentOrder, receiveNotification, startPaymentOrder } from '../payments/service'
import {
  invalidPageHtml,
  PAGE_CSP,
  payPageHtml,
  resultPageHtml,
  SIGNATURE_HEADER,
  SIMULATED_NOTIFY_PATH,
  SimulatedNotificationSchema,
  type PageParams,
} from '../payments/simulated'
import { requirePasswordChanged } from '../services/families'
import { invalid, notFound } from './errors'
import { NotificationAnswerSchema, PaymentOrderRequestSchema, PaymentOrderResponseSchema, SimulatedDecisionQuery, SimulatedPageQuery, StartPaymentResponseSchema } from './payment-schemas'
import { route, type PortalContext, type Route } from './route'
import { IdParams } from './schemas'

declare module 'fastify' {
  interface FastifyRequest {
    /** A JSON body as it arrived (server.ts's parser): a provider's signature is checked over these bytes. */
    rawBody?: string
  }
}

const p = (path: string) => `${API_PREFIX}${path}`

/** How long the simulated provider waits for the portal to take its notification. */
const NOTIFY_TIMEOUT_MS = 10_000

function simulatedOf(ctx: PortalContext) {
  const simulated = ctx.payments?.simulated
  // Off unless PORTAL_PAYMENTS=simulated: as if these routes did not exist.
  if (!simulated) throw notFound('Adresse inconnue sur ce portail.')
  return simulated
}

const HTML = { contentType: 'text/html' }

/** Online payments: the family starts one, the provider confirms it (docs/payments.md). */
export function paymentRoutes(): Route[] {
  return [
    route({
      method: 'POST',
      path: p('/family/payment-orders'),
      operationId: 'familyStartPayment',
      summary: 'Commencer un paiement en ligne',
      description:
        'Pour une facture (invoiceId) : la commande porte sur son reste à payer ; refusée (409, message en français) pour une facture en prélèvement automatique ou déjà réglée, 404 pour une facture d’une autre famille. ' +
        'Ou un montant que la famille choisit (amountCents, de 1 € à 5 000 €, un avoir). Le portail crée la commande et renvoie la page du prestataire de paiement où envoyer le navigateur. ' +
        'Le paiement n’est enregistré que sur l’avis signé du prestataire. 404 si le paiement en ligne n’est pas activé sur ce portail.',
      tag: 'family',
      auth: 'family',
      body: PaymentOrderRequestSchema,
      responses: { 201: { description: 'Commande créée : aller sur redirectUrl.', schema: StartPaymentResponseSchema } },
      errors: [403, 404, 409],
      handler: async ({ ctx, auth, body, reply }) => {
        requirePasswordChanged(auth)
        const started = await startPaymentOrder(ctx.db, ctx.payments, auth, 'invoiceId' in body ? { invoiceId: body.invoiceId } : body.amountCents, ctx.now())
        reply.code(201)
        return started
      },
    }),
    route({
      method: 'GET',
      path: p('/family/payment-orders/:id'),
      operationId: 'familyPaymentOrder',
      summary: 'Où en est un paiement en ligne',
      description: 'created (en attente du prestataire), paid (payé : le paiement figure au dossier), refused, amount_mismatch (montant différent : un responsable vérifie).',
      tag: 'family',
      auth: 'family',
      params: IdParams,
      responses: { 200: { description: 'La commande.', schema: PaymentOrderResponseSchema } },
      errors: [403, 404],
      handler: async ({ ctx, auth, params }) => {
        requirePasswordChanged(auth)
        return { order: await familyPaymentOrder(ctx.db, auth, params.id) }
      },
    }),
    route({
      method: 'POST',
      path: p('/payments/simulated/notification'),
      operationId: 'simulatedPaymentNotification',
      summary: 'Avis de paiement du prestataire simulé',
      description:
        `Sans session : l’authentification est la signature HMAC-SHA256 du corps brut (en-tête ${SIGNATURE_HEADER}, hexadécimal, secret partagé). ` +
        'Une signature absente ou fausse : 401, rien n’est enregistré. Un identifiant de transaction déjà reçu : 200 replay, rien ne change. ' +
        'Une commande inconnue : 404. Un montant différent de la commande : rien n’est enregistré comme payé, un point à traiter est signalé. ' +
        'Seulement avec PORTAL_PAYMENTS=simulated (404 sinon).',
      tag: 'payments',
      auth: 'none',
      body: SimulatedNotificationSchema,
      responses: { 200: { description: 'Avis traité (ou déjà traité).', schema: NotificationAnswerSchema } },
      errors: [401, 404],
      handler: async ({ ctx, request }) => {
        simulatedOf(ctx)
        const payments = ctx.payments
        if (!payments || request.rawBody === undefined) throw invalid('Avis de paiement sans corps.')
        const result = await receiveNotification(ctx.db, payments, request.rawBody, request.headers, ctx.now())
        if (result.changed) ctx.changed()
        if (result.status === 404) throw notFound('Avis de paiement refusé : commande inconnue du portail.')
        return result.body
      },
    }),
    route({
      method: 'GET',
      path: p('/payments/simulated/pay'),
      operationId: 'simulatedPaymentPage',
      summary: 'Page de paiement du prestataire simulé',
      description: 'La page (HTML) où la famille « paie » : Payer ou Refuser. Ses paramètres sont signés par le portail. Seulement avec PORTAL_PAYMENTS=simulated (404 sinon).',
      tag: 'payments',
      auth: 'none',
      query: SimulatedPageQuery,
      responses: { 200: { description: 'La page de paiement.', binary: HTML } },
      errors: [404],
      handler: async ({ ctx, query, reply }) => {
        const simulated = simulatedOf(ctx)
        reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP)
        const params: PageParams = query
        if (!simulated.checkPage(params)) {
          reply.code(400)
          return invalidPageHtml()
        }
        return payPageHtml(params)
      },
    }),
    route({
      method: 'POST',
      path: p('/payments/simulated/pay'),
      operationId: 'simulatedPaymentDecision',
      summary: 'Payer ou refuser sur la page du prestataire simulé',
      description:
        'Le formulaire de la page (sans champ : tout est dans l’adresse). Le prestataire simulé envoie alors au portail, par HTTP, l’avis de paiement signé, ' +
        'puis affiche le résultat. Seulement avec PORTAL_PAYMENTS=simulated (404 sinon).',
      tag: 'payments',
      auth: 'none',
      query: SimulatedDecisionQuery,
      responses: { 200: { description: 'Le résultat (HTML).', binary: HTML } },
      errors: [404],
      handler: async ({ ctx, query, request, reply }) => {
        const simulated = simulatedOf(ctx)
        reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP)
        const { decision: choice, ...params } = query
        if (!simulated.checkPage(params)) {
          reply.code(400)
          return invalidPageHtml()
        }
        const decision = choice === 'payer' ? 'paid' : 'refused'
        const note = simulated.notification(params, decision, ctx.now())
        // The bank calls the portal back, server to server, on the address this request came in on.
        const local = request.socket.localAddress ?? '127.0.0.1'
        const host = local.includes(':') ? `[${local}]` : local
        let portalStatus: number | null = null
        try {
          const res = await fetch(`http://${host}:${request.socket.localPort}${SIMULATED_NOTIFY_PATH}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: note.signature },
            body: note.body,
            signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
          })
          await res.arrayBuffer()
          portalStatus = res.status
        } catch (error) {
          request.log.warn({ err: error }, 'prestataire simulé : avis de paiement non remis')
        }
        return resultPageHtml({ params, decision, portalStatus, body: note.body, signature: note.signature })
      },
    }),
  ]
}
