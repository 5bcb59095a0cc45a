import { z } from 'zod'
import { MAX_BODY_BYTES, PortalErrorSchema, SCHEMA_HEADER, SYNC_SCHEMA_VERSION } from '@shared/sync/protocol'
import type { AuthKind, Route, RouteMeta } from './route'
import { MIN_SCHEMA_VERSION } from './schemas'

/**
 * The OpenAPI 3.1 document, generated from the routes' own declarations and zod schemas
 * (zod 4's JSON Schema output is JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 */

type Json = Record<string, unknown>

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json
  delete out.$schema
  return out
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Requête invalide (INVALID_REQUEST) : JSON mal formé, champ manquant ou de mauvais type.',
  401: 'Non authentifié (UNAUTHORIZED), ou code d’enrôlement invalide (ENROLMENT_CODE_INVALID).',
  403: 'Interdit (FORBIDDEN).',
  404: 'Introuvable (NOT_FOUND).',
  409: 'Refusé par une règle (REJECTED) ou trou dans la numérotation (SEQUENCE_GAP, avec expectedSeq).',
  413: `Corps trop gros (PAYLOAD_TOO_LARGE, au plus ${MAX_BODY_BYTES} octets).`,
  416: 'Plage d’octets hors du fichier (INVALID_REQUEST).',
  426: `Poste trop ancien (UPGRADE_REQUIRED, avec minSchemaVersion = ${MIN_SCHEMA_VERSION}).`,
  429: 'Trop de connexions en même temps (BUSY) : réessayer dans quelques secondes.',
  500: 'Erreur interne (INTERNAL) : réessayer plus tard.',
  503: 'Indisponible pour l’instant (INTERNAL) : l’instantané de la ville est en préparation, réessayer dans un moment.',
}

const SECURITY: Record<Exclude<AuthKind, 'none'>, string> = {
  workstation: 'workstationToken',
  admin: 'adminToken',
  family: 'familyToken',
}

/** "/api/v1/admin/agents/:id" → "/api/v1/admin/agents/{id}" */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]+)/g, '{$1}')
}

function parameters(meta: RouteMeta): Json[] {
  const out: Json[] = []
  for (const [where, schema] of [
    ['path', meta.params],
    ['query', meta.query],
  ] as const) {
    if (!schema) continue
    const js = jsonSchema(schema, 'input')
    const required = new Set((js.required as string[] | undefined) ?? [])
    for (const [name, prop] of Object.entries((js.properties as Record<string, Json> | undefined) ?? {})) {
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: prop })
    }
  }
  if (meta.schemaHeader !== 'none') {
    out.push({
      name: SCHEMA_HEADER,
      in: 'header',
      required: meta.schemaHeader === 'required',
      description: `Version du schéma du poste (actuelle ${SYNC_SCHEMA_VERSION}, minimum ${MIN_SCHEMA_VERSION}).`,
      schema: { type: 'integer', minimum: 1 },
    })
  }
  return out
}

function operation(meta: RouteMeta): Json {
  const responses: Json = {}
  for (const [status, doc] of Object.entries(meta.responses)) {
    if (doc.binary) {
      responses[status] = {
        description: doc.description,
        headers: Object.fromEntries(Object.entries(doc.binary.headers ?? {}).map(([h, type]) => [h, { schema: { type } }])),
        content: { [doc.binary.contentType]: { schema: { type: 'string', contentMediaType: doc.binary.contentType } } },
      }
    } else {
      responses[status] = {
        description: doc.description,
        ...(doc.schema ? { content: { 'application/json': { schema: jsonSchema(doc.schema, 'output') } } } : {}),
      }
    }
  }
  const errors = new Set<number>([400, 500, ...meta.errors])
  if (meta.auth !== 'none') errors.add(401)
  if (meta.body) errors.add(413)
  if (meta.schemaHeader !== 'none') errors.add(426)
  for (const status of [...errors].sort()) {
    responses[String(status)] = {
      description: ERROR_TEXT[status] ?? 'Erreur.',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/PortalError' } } },
    }
  }
  const params = parameters(meta)
  return {
    operationId: meta.operationId,
    summary: meta.summary,
    ...(meta.description ? { description: meta.description } : {}),
    tags: [meta.tag],
    ...(meta.auth === 'none' ? { security: [] } : { security: [{ [SECURITY[meta.auth]]: [] }] }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(meta.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(meta.body, 'input') } } } } : {}),
    responses,
  }
}

export function buildOpenApi(routes: readonly Route[], serverUrl?: string): Json {
  const paths: Record<string, Json> = {}
  for (const { meta } of routes) {
    const path = openApiPath(meta.path)
    paths[path] = { ...(paths[path] ?? {}), [meta.method.toLowerCase()]: operation(meta) }
  }
  const bearer = (description: string) => ({ type: 'http', scheme: 'bearer', description })
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portail Guichet Famille',
      version: `${SYNC_SCHEMA_VERSION}.0.0`,
      description:
        'API du portail central : synchronisation des postes du guichet (enrôlement, envoi, réception, instantané), ' +
        'administration (responsables) et espace des familles. Voir docs/sync-protocol.md.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    tags: [
      { name: 'meta', description: 'État et description du portail' },
      { name: 'sync', description: 'Postes du guichet : enrôlement et synchronisation' },
      { name: 'admin', description: 'Administration par les responsables' },
      { name: 'family', description: 'Espace des familles' },
      { name: 'payments', description: 'Prestataire de paiement en ligne (avis signés, page simulée) : docs/payments.md' },
    ],
    paths,
    components: {
      schemas: { PortalError: jsonSchema(PortalErrorSchema, 'output') },
      securitySchemes: {
        workstationToken: bearer('Jeton du poste, reçu à l’enrôlement.'),
        adminToken: bearer('Jeton de session d’un responsable (POST /api/v1/admin/login).'),
        familyToken: bearer('Jeton de session d’une famille (POST /api/v1/family/login).'),
      },
    },
  }
}
