import {
  API_PREFIX,
  EnrolRequestSchema,
  EnrolResponseSchema,
  MAX_PULL_LIMIT,
  PullQuerySchema,
  PullResponseSchema,
  PushRequestSchema,
  PushResponseSchema,
  SnapshotInfoSchema,
  SYNC_SCHEMA_VERSION,
  type SnapshotInfo,
} from '@shared/sync/protocol'
import { currentSeq } from '../db/store'
import { listFlags } from '../services/flags'
import { adminLogin, createAgent, listAgents, updateAgent } from '../services/agents'
import { closeSession } from '../services/auth'
import {
  changeFamilyPassword,
  familyBook,
  familyCancel,
  familyLogin,
  familyOverview,
  familyUpdateContacts,
  requirePasswordChanged,
  setFamilyPassword,
} from '../services/families'
import { SimulatedMailer } from '../services/mailer'
import { confirmPasswordReset, familiesPortalUrl, requestPasswordReset, RESET_REQUESTED_MESSAGE } from '../services/password-reset'
import { DEFAULT_PULL_LIMIT, pullChanges } from '../services/pull'
import { pushCommands } from '../services/push'
import { parseRange, type StoredSnapshot } from '../services/snapshots'
import { createEnrolmentCode, enrolWorkstation, listWorkstations, revokeWorkstation } from '../services/workstations'
import { invalid, notFound, safeErrorInfo, upgradeRequired } from './errors'
import { invoicingRoutes } from './invoicing-routes'
import { paymentRoutes } from './payment-routes'
import { route, type Route } from './route'
import {
  AdminLoginResponseSchema,
  AdminLoginSchema,
  AgentListSchema,
  FlagListSchema,
  AgentResponseSchema,
  CodeParams,
  CreateAgentResponseSchema,
  CreateAgentSchema,
  EnrolmentCodeRequestSchema,
  EnrolmentCodeResponseSchema,
  FamilyBookSchema,
  FamilyContactsSchema,
  FamilyLoginResponseSchema,
  FamilyLoginSchema,
  FamilyMeSchema,
  FamilyPasswordChangeSchema,
  FamilyPasswordResetConfirmSchema,
  FamilyPasswordResetRequestedSchema,
  FamilyPasswordResetRequestSchema,
  FamilyPasswordResponseSchema,
  HealthSchema,
  IdParams,
  MIN_SCHEMA_VERSION,
  OkSchema,
  PatchAgentSchema,
  PersonResponseSchema,
  ReservationResponseSchema,
  SnapshotFileQuery,
  WorkstationListSchema,
  WorkstationResponseSchema,
} from './schemas'

const p = (path: string) => `${API_PREFIX}${path}`

/** A context without a mailer (a server built by hand, in tests): reset links go to a simulated one. */
const fallbackMailer = new SimulatedMailer()

function bearer(request: { headers: Record<string, unknown> }): string {
  const h = request.headers.authorization
  return typeof h === 'string' ? h.replace(/^Bearer\s+/i, '') : ''
}

function infoOf(s: StoredSnapshot): SnapshotInfo {
  return { seq: s.seq, bytes: s.bytes, sha256: s.sha256, rows: s.rows }
}

/** Every route of the portal. The OpenAPI document is generated from this list. */
export function portalRoutes(openApi: () => unknown): Route[] {
  return [
    // --- meta ------------------------------------------------------------------------------
    route({
      method: 'GET',
      path: p('/health'),
      operationId: 'health',
      summary: 'État du portail',
      description: 'Répond tant que le portail et sa base répondent ; `seq` est le dernier numéro du journal des changements.',
      tag: 'meta',
      auth: 'none',
      responses: { 200: { description: 'Le portail fonctionne.', schema: HealthSchema } },
      handler: async ({ ctx }) => ({
        status: 'ok' as const,
        schemaVersion: SYNC_SCHEMA_VERSION,
        minSchemaVersion: ctx.minSchemaVersion ?? MIN_SCHEMA_VERSION,
        seq: await currentSeq(ctx.db),
      }),
    }),
    route({
      method: 'GET',
      path: p('/openapi.json'),
      operationId: 'openapi',
      summary: 'Ce document OpenAPI 3.1',
      tag: 'meta',
      auth: 'none',
      responses: { 200: { description: 'Le document OpenAPI du portail.' } },
      handler: async () => openApi(),
    }),

    // --- workstations and sync --------------------------------------------------------------
    route({
      method: 'POST',
      path: p('/workstations/enrol'),
      operationId: 'enrolWorkstation',
      summary: 'Enrôler un poste avec un code à usage unique',
      description:
        'Sans authentification : le code (créé par un responsable, valable 24 h, utilisable une fois) est le secret. ' +
        'Le poste reçoit son identifiant, son jeton (à garder secret), sa plage de codes famille et sa série de reçus.',
      tag: 'sync',
      auth: 'none',
      schemaHeader: 'optional',
      body: EnrolRequestSchema,
      responses: { 200: { description: 'Poste enrôlé.', schema: EnrolResponseSchema } },
      errors: [401, 409, 426],
      handler: async ({ ctx, body }) => enrolWorkstation(ctx.db, body, ctx.now()),
    }),
    route({
      method: 'POST',
      path: p('/sync/push'),
      operationId: 'push',
      summary: 'Envoyer les modifications du poste (dans l’ordre)',
      description:
        'Chaque commande est rejouée par le portail avec les règles partagées, une transaction par commande : ' +
        'appliquée ou refusée (code, motif, état actuel des enregistrements). Une commande déjà reçue (seq ≤ dernier appliqué) ' +
        'reçoit la même réponse sans effet ; un trou dans la numérotation arrête le traitement (409 SEQUENCE_GAP si c’est la première). ' +
        'Un autre identifiant sous un numéro déjà reçu (poste restauré) : 409 SEQ_CONFLICT (lastAppliedSeq, lastCommandId), rien n’est traité. ' +
        'Une intention d’un agent inconnu ou désactivé, ou datée de plus de 5 minutes dans le futur, est refusée ; un fait est enregistré et signalé. ' +
        'Une erreur de la base sur une commande la refuse (STORAGE_ERROR) et les suivantes sont traitées. ' +
        'Un poste révoqué pendant l’envoi : les commandes déjà traitées sont répondues, la requête suivante reçoit 401.',
      tag: 'sync',
      auth: 'workstation',
      schemaHeader: 'required',
      body: PushRequestSchema,
      // A payload's bad text is that command's rejection (runCommand), not a 400 blocking the queue.
      textCheckedLater: ['commands.*.payload'],
      responses: { 200: { description: 'Résultats, dans l’ordre, des commandes traitées.', schema: PushResponseSchema } },
      errors: [409, 413, 426],
      handler: async ({ ctx, auth, body, request, reply }) => {
        const minimum = ctx.minSchemaVersion ?? MIN_SCHEMA_VERSION
        if (body.schemaVersion < minimum) throw upgradeRequired(minimum)
        if (body.schemaVersion > SYNC_SCHEMA_VERSION) {
          throw invalid(`Le portail (schéma ${SYNC_SCHEMA_VERSION}) est plus ancien que ce poste (schéma ${body.schemaVersion}) : le portail doit être mis à jour.`)
        }
        const outcome = await pushCommands(ctx.db, auth.id, body.commands, {
          now: ctx.now(),
          onStorageError: ({ seq, commandId, error }) =>
            request.log.warn({ err: safeErrorInfo(error), seq, commandId }, 'modification refusée : erreur de la base de données'),
        })
        if (outcome.applied > 0) ctx.changed()
        reply.code(outcome.status)
        return outcome.body
      },
    }),
    route({
      method: 'GET',
      path: p('/sync/pull'),
      operationId: 'pull',
      summary: 'Recevoir les changements depuis un curseur',
      description: `Les changements de numéro > cursor, dans l’ordre (au plus limit, ${DEFAULT_PULL_LIMIT} par défaut, ${MAX_PULL_LIMIT} au plus). Le curseur renvoyé ne recule jamais. Un curseur au-delà du dernier changement du portail (portail restauré) : 409 CURSOR_AHEAD (portalSeq), le poste recharge la ville. Un curseur sous l’horizon de compactage du journal (poste resté trop longtemps sans se synchroniser) : 409 CURSOR_TOO_OLD (horizon), le poste recharge la ville.`,
      tag: 'sync',
      auth: 'workstation',
      schemaHeader: 'required',
      query: PullQuerySchema,
      responses: { 200: { description: 'Une page de changements.', schema: PullResponseSchema } },
      errors: [409, 426],
      handler: async ({ ctx, auth, query }) =>
        pullChanges(ctx.db, query.cursor, query.limit ?? DEFAULT_PULL_LIMIT, { workstationId: auth.id, now: ctx.now() }),
    }),
    route({
      method: 'GET',
      path: p('/sync/snapshot'),
      operationId: 'snapshotInfo',
      summary: 'Décrire l’instantané de la ville (premier chargement)',
      description:
        'Le plus récent instantané terminé : un fichier SQLite (une table par entité partagée, booléens 0/1, table meta) ' +
        'qui contient l’état au changement `seq`. Après l’import, tirer les changements à partir de `seq`.',
      tag: 'sync',
      auth: 'workstation',
      schemaHeader: 'required',
      responses: { 200: { description: 'L’instantané à télécharger.', schema: SnapshotInfoSchema } },
      errors: [426, 503],
      handler: async ({ ctx }) => infoOf(await ctx.snapshots.current()),
    }),
    route({
      method: 'GET',
      path: p('/sync/snapshot/file'),
      operationId: 'snapshotFile',
      summary: 'Télécharger l’instantané (reprise par Range)',
      description:
        'Le fichier SQLite de l’instantané. `Range: bytes=N-` reprend un téléchargement interrompu (206 + Content-Range) ; ' +
        'passer `seq` (celui de /sync/snapshot) garantit de reprendre le même fichier (404 s’il a été remplacé : recommencer). ' +
        'En-têtes : x-snapshot-seq, x-snapshot-sha256, ETag.',
      tag: 'sync',
      auth: 'workstation',
      schemaHeader: 'required',
      query: SnapshotFileQuery,
      responses: {
        200: {
          description: 'Le fichier entier.',
          binary: { contentType: 'application/vnd.sqlite3', headers: { 'x-snapshot-seq': 'integer', 'x-snapshot-sha256': 'string' } },
        },
        206: {
          description: 'La plage demandée.',
          binary: { contentType: 'application/vnd.sqlite3', headers: { 'content-range': 'string', 'x-snapshot-seq': 'integer' } },
        },
      },
      errors: [404, 416, 426, 503],
      handler: async ({ ctx, query, request, reply }) => {
        // Any instance serves any kept snapshot: the same bytes, read from the database.
        const snap = query.seq === undefined ? await ctx.snapshots.current() : await ctx.snapshots.find(query.seq)
        if (!snap) throw notFound('Cet instantané n’est plus disponible : recommencez le téléchargement.')
        const etag = `"${snap.sha256}"`
        const ifRange = request.headers['if-range']
        const range = ifRange !== undefined && ifRange !== etag ? null : parseRange(request.headers.range, snap.bytes)
        reply
          .header('accept-ranges', 'bytes')
          .header('etag', etag)
          .header('x-snapshot-seq', String(snap.seq))
          .header('x-snapshot-sha256', snap.sha256)
          .header('x-snapshot-rows', String(snap.rows))
        if (range === 'unsatisfiable') {
          reply.code(416).header('content-range', `bytes */${snap.bytes}`)
          return { error: { code: 'INVALID_REQUEST', message: 'Plage d’octets en dehors du fichier.' } }
        }
        reply.type('application/vnd.sqlite3')
        if (range) {
          reply
            .code(206)
            .header('content-range', `bytes ${range.start}-${range.end}/${snap.bytes}`)
            .header('content-length', String(range.end - range.start + 1))
          return reply.send(ctx.snapshots.open(snap, range.start, range.end))
        }
        reply.header('content-length', String(snap.bytes))
        return reply.send(ctx.snapshots.open(snap))
      },
    }),

    // --- admin (responsables) ----------------------------------------------------------------
    route({
      method: 'POST',
      path: p('/admin/login'),
      operationId: 'adminLogin',
      summary: 'Connexion d’un responsable',
      description: 'Identifiant et mot de passe d’un agent actif de rôle responsable (les mêmes qu’au guichet).',
      tag: 'admin',
      auth: 'none',
      body: AdminLoginSchema,
      responses: { 200: { description: 'Jeton de session (8 h).', schema: AdminLoginResponseSchema } },
      errors: [401, 403, 429],
      handler: async ({ ctx, body, request }) => adminLogin(ctx.db, body.login, body.password, ctx.now(), request.ip),
    }),
    route({
      method: 'POST',
      path: p('/admin/logout'),
      operationId: 'adminLogout',
      summary: 'Fin de la session d’un responsable',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'Session fermée.', schema: OkSchema } },
      handler: async ({ ctx, request }) => {
        await closeSession(ctx.db, 'admin', bearer(request))
        return { ok: true as const }
      },
    }),
    route({
      method: 'GET',
      path: p('/admin/agents'),
      operationId: 'listAgents',
      summary: 'Liste des agents',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'Les agents (sans leurs mots de passe).', schema: AgentListSchema } },
      handler: async ({ ctx }) => ({ agents: await listAgents(ctx.db) }),
    }),
    route({
      method: 'POST',
      path: p('/admin/agents'),
      operationId: 'createAgent',
      summary: 'Créer un agent',
      description: 'Sans mot de passe fourni, le portail en tire un au hasard et le renvoie une seule fois. L’agent arrive sur chaque poste à la synchronisation suivante.',
      tag: 'admin',
      auth: 'admin',
      body: CreateAgentSchema,
      responses: { 201: { description: 'Agent créé.', schema: CreateAgentResponseSchema } },
      errors: [409],
      handler: async ({ ctx, body, reply }) => {
        const { agent, password } = await createAgent(ctx.db, body, ctx.now())
        ctx.changed()
        reply.code(201)
        return { agent, password }
      },
    }),
    route({
      method: 'PATCH',
      path: p('/admin/agents/:id'),
      operationId: 'updateAgent',
      summary: 'Modifier un agent (actif, rôle, nom, mot de passe)',
      description: 'Désactiver un agent lui ferme les postes à leur synchronisation suivante.',
      tag: 'admin',
      auth: 'admin',
      params: IdParams,
      body: PatchAgentSchema,
      responses: { 200: { description: 'Agent modifié.', schema: AgentResponseSchema } },
      errors: [404, 409],
      handler: async ({ ctx, auth, params, body }) => {
        const { agent } = await updateAgent(ctx.db, params.id, body, auth.agentId, ctx.now())
        ctx.changed()
        return { agent }
      },
    }),
    route({
      method: 'POST',
      path: p('/admin/enrolment-codes'),
      operationId: 'createEnrolmentCode',
      summary: 'Créer un code d’enrôlement de poste',
      description: 'Code à usage unique, valable 24 h, à saisir sur le nouveau poste.',
      tag: 'admin',
      auth: 'admin',
      body: EnrolmentCodeRequestSchema,
      responses: { 201: { description: 'Le code (affiché une seule fois).', schema: EnrolmentCodeResponseSchema } },
      handler: async ({ ctx, body, reply }) => {
        reply.code(201)
        return createEnrolmentCode(ctx.db, body.name, ctx.now())
      },
    }),
    route({
      method: 'GET',
      path: p('/admin/workstations'),
      operationId: 'listWorkstations',
      summary: 'Liste des postes enrôlés',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'Les postes.', schema: WorkstationListSchema } },
      handler: async ({ ctx }) => ({ workstations: await listWorkstations(ctx.db) }),
    }),
    route({
      method: 'GET',
      path: p('/admin/flags'),
      operationId: 'listFlags',
      summary: 'Faits signalés',
      description: 'Les faits enregistrés malgré une règle, une modification simultanée ou un dossier absent : ouverts d’abord, puis réglés (500 au plus).',
      tag: 'admin',
      auth: 'admin',
      responses: { 200: { description: 'Les faits signalés.', schema: FlagListSchema } },
      handler: async ({ ctx }) => ({ flags: await listFlags(ctx.db) }),
    }),
    route({
      method: 'POST',
      path: p('/admin/workstations/:id/revoke'),
      operationId: 'revokeWorkstation',
      summary: 'Révoquer un poste',
      description: 'Son jeton cesse aussitôt de fonctionner (401).',
      tag: 'admin',
      auth: 'admin',
      params: IdParams,
      responses: { 200: { description: 'Poste révoqué.', schema: WorkstationResponseSchema } },
      errors: [404],
      handler: async ({ ctx, params }) => ({ workstation: await revokeWorkstation(ctx.db, params.id, ctx.now()) }),
    }),
    route({
      method: 'POST',
      path: p('/admin/families/:code/password'),
      operationId: 'setFamilyPassword',
      summary: 'Nouveau mot de passe provisoire d’une famille',
      description:
        '10 caractères sans confusion possible, à changer à la première connexion, valable 30 jours. L’ancien mot de passe et les sessions ouvertes cessent de fonctionner.',
      tag: 'admin',
      auth: 'admin',
      params: CodeParams,
      responses: { 200: { description: 'Le mot de passe (affiché une seule fois).', schema: FamilyPasswordResponseSchema } },
      errors: [404],
      handler: async ({ ctx, params }) => setFamilyPassword(ctx.db, params.code, ctx.now()),
    }),

    // --- family side --------------------------------------------------------------------------
    route({
      method: 'POST',
      path: p('/family/login'),
      operationId: 'familyLogin',
      summary: 'Connexion d’une famille (code famille + mot de passe)',
      tag: 'family',
      auth: 'none',
      body: FamilyLoginSchema,
      responses: { 200: { description: 'Jeton de session (2 h).', schema: FamilyLoginResponseSchema } },
      errors: [401, 429],
      handler: async ({ ctx, body, request }) => familyLogin(ctx.db, body.code, body.password, ctx.now(), request.ip),
    }),
    route({
      method: 'POST',
      path: p('/family/logout'),
      operationId: 'familyLogout',
      summary: 'Fin de la session de la famille',
      tag: 'family',
      auth: 'family',
      responses: { 200: { description: 'Session fermée.', schema: OkSchema } },
      handler: async ({ ctx, request }) => {
        await closeSession(ctx.db, 'family', bearer(request))
        return { ok: true as const }
      },
    }),
    route({
      method: 'POST',
      path: p('/family/password'),
      operationId: 'familyChangePassword',
      summary: 'Changer son mot de passe',
      description: 'Obligatoire après un mot de passe provisoire. Les autres sessions de la famille sont fermées.',
      tag: 'family',
      auth: 'family',
      body: FamilyPasswordChangeSchema,
      responses: { 200: { description: 'Mot de passe changé.', schema: OkSchema } },
      errors: [429],
      handler: async ({ ctx, auth, body, request }) => {
        await changeFamilyPassword(ctx.db, auth, body.currentPassword, body.newPassword, ctx.now(), request.ip)
        return { ok: true as const }
      },
    }),
    route({
      method: 'POST',
      path: p('/family/password-reset'),
      operationId: 'familyPasswordResetRequest',
      summary: '« Mot de passe oublié » : recevoir un lien par e-mail',
      description:
        'Le code famille et l’adresse e-mail d’un responsable (RL1, RL2) du dossier. S’ils correspondent, un lien valable une heure, ' +
        'utilisable une fois, est envoyé à cette adresse. La réponse est toujours la même (202), que le code, l’adresse correspondent ou non ; ' +
        'les demandes sont freinées comme les connexions (par adresse IP et par dossier). Voir docs/credentials.md.',
      tag: 'family',
      auth: 'none',
      body: FamilyPasswordResetRequestSchema,
      responses: { 202: { description: 'Demande reçue (la même réponse dans tous les cas).', schema: FamilyPasswordResetRequestedSchema } },
      handler: async ({ ctx, body, request, reply }) => {
        await requestPasswordReset(ctx.db, body.codeFamille, body.email, {
          now: ctx.now(),
          ip: request.ip,
          portalUrl: await familiesPortalUrl(ctx.db, ctx.publicUrl?.() ?? ''),
          mailer: ctx.mailer ?? fallbackMailer,
          onMailError: (error) => request.log.warn({ err: safeErrorInfo(error) }, 'e-mail de réinitialisation : échec de l’envoi'),
        })
        reply.code(202)
        return { message: RESET_REQUESTED_MESSAGE }
      },
    }),
    route({
      method: 'POST',
      path: p('/family/password-reset/confirm'),
      operationId: 'familyPasswordResetConfirm',
      summary: 'Choisir un nouveau mot de passe avec le lien reçu par e-mail',
      description:
        'Le jeton du lien et le nouveau mot de passe (mêmes règles qu’un changement). Le lien ne sert qu’une fois ; toutes les sessions de la famille sont fermées. ' +
        'Un lien déjà utilisé, expiré ou inconnu : 400.',
      tag: 'family',
      auth: 'none',
      body: FamilyPasswordResetConfirmSchema,
      responses: { 200: { description: 'Mot de passe changé : se connecter avec le nouveau.', schema: OkSchema } },
      errors: [429],
      handler: async ({ ctx, body }) => {
        await confirmPasswordReset(ctx.db, body.token, body.newPassword, ctx.now())
        return { ok: true as const }
      },
    }),
    route({
      method: 'GET',
      path: p('/family/me'),
      operationId: 'familyMe',
      summary: 'Le dossier de la famille',
      description: 'Dossier, responsables et contacts, enfants et scolarités, réservations, paiements, services et lieux.',
      tag: 'family',
      auth: 'family',
      responses: { 200: { description: 'Le dossier.', schema: FamilyMeSchema } },
      errors: [403],
      handler: async ({ ctx, auth }) => {
        requirePasswordChanged(auth)
        return familyOverview(ctx.db, auth)
      },
    }),
    route({
      method: 'POST',
      path: p('/family/reservations'),
      operationId: 'familyBook',
      summary: 'Réserver un service pour un enfant',
      description:
        'Règles partagées avec le guichet : enfant de la famille, service et lieu, niveau scolaire, inscription au service, calendrier scolaire, ' +
        'délai de réservation (à l’heure du portail), dossier, doublon, capacité. Un refus répond 409 REJECTED avec le motif en français. ' +
        'Jour complet : `waitlist: true` inscrit l’enfant sur la liste d’attente (état attente, avec son rang). ' +
        'Une famille ne passe jamais outre un délai : `override` répond 400.',
      tag: 'family',
      auth: 'family',
      body: FamilyBookSchema,
      responses: { 201: { description: 'Réservation enregistrée.', schema: ReservationResponseSchema } },
      errors: [403, 409],
      handler: async ({ ctx, auth, body, reply }) => {
        requirePasswordChanged(auth)
        const { result } = await familyBook(ctx.db, auth, body, ctx.now())
        ctx.changed()
        reply.code(201)
        return { reservation: result }
      },
    }),
    route({
      method: 'POST',
      path: p('/family/reservations/:id/cancel'),
      operationId: 'familyCancel',
      summary: 'Annuler une réservation',
      description: 'Selon la règle d’annulation du service (délai, ou jamais), jamais un jour passé ; une demande en liste d’attente se retire toujours. Un refus répond 409 REJECTED avec le motif.',
      tag: 'family',
      auth: 'family',
      params: IdParams,
      responses: { 200: { description: 'Réservation annulée.', schema: ReservationResponseSchema } },
      errors: [403, 404, 409],
      handler: async ({ ctx, auth, params }) => {
        requirePasswordChanged(auth)
        const { result } = await familyCancel(ctx.db, auth, params.id, ctx.now())
        ctx.changed()
        return { reservation: result }
      },
    }),
    route({
      method: 'PUT',
      path: p('/family/contacts'),
      operationId: 'familyUpdateContacts',
      summary: 'Changer les coordonnées d’une personne de la famille',
      tag: 'family',
      auth: 'family',
      body: FamilyContactsSchema,
      responses: { 200: { description: 'Coordonnées enregistrées.', schema: PersonResponseSchema } },
      errors: [403, 404, 409],
      handler: async ({ ctx, auth, body }) => {
        requirePasswordChanged(auth)
        const { result } = await familyUpdateContacts(ctx.db, auth, body, ctx.now())
        ctx.changed()
        return { person: result }
      },
    }),
    ...paymentRoutes(),
    ...invoicingRoutes(),
  ]
}
