import { randomUUID } from 'node:crypto'
import { parseArgs } from 'node:util'
import { RoleSchema } from '@shared/contract'
import { safeErrorMessage } from '../common/redact'
import { openPortalDb, type PortalDatabase } from './db/client'
import { HttpError } from './http/errors'
import { startPortal, DEFAULT_PORTAL_PORT } from './index'
import { defaultPortalDataDir } from './paths'
import { paymentsFromEnv } from './payments'
import { createAgent, findAgentByLogin, listAgents, updateAgent } from './services/agents'
import { compactChangeLog, DEFAULT_CHANGE_RETENTION_DAYS, DEFAULT_COMPACTION_INTERVAL_MS } from './services/compaction'
import { seedDemo } from './services/demo'
import { setFamilyPassword } from './services/families'
import { DEFAULT_INVOICE_BATCH, euros, runInvoices } from './services/invoicing'
import { createEnrolmentCode } from './services/workstations'

/**
 * `npm run portal -- <command>`: the portal's command line.
 * Exit codes: 0 done, 1 failure, 2 bad arguments.
 */

const USAGE = `Usage : npm run portal -- <commande> [options]

  serve [--port ${DEFAULT_PORTAL_PORT}] [--host 127.0.0.1] [--log-level info]
                                  démarre le portail (API sous /api/v1)
  enrol-code --name "Guichet 1"   crée un code d’enrôlement de poste (usage unique, 24 h)
  agent add --login L --name "Prénom Nom" --role accueil|regisseur|responsable [--password P]
                                  crée un agent (sans --password : un mot de passe est tiré et affiché)
  agent disable --login L         désactive un agent (effet sur les postes à la synchronisation suivante)
  agent enable --login L          réactive un agent
  agent list                      liste les agents
  family-password --code C        nouveau mot de passe provisoire d’une famille (affiché une fois)
  demo --families N [--seed S] [--billing]
                                  ajoute une ville de démonstration (et les agents de démonstration) ;
                                  --billing : avec deux mois de réservations pointées et facturées
  invoice AAAA-MM [--batch 250]   facture le mois (idempotent ; une facturation interrompue reprend
                                  où elle s’est arrêtée) et affiche l’avancement
  compact [--retention-days 30]   compacte le journal des changements maintenant (le portail le fait
                                  seul toutes les 10 min) et affiche l’horizon et les lignes supprimées

Options communes :
  --data-dir DOSSIER   dossier de données (défaut : $PORTAL_DATA_DIR, sinon ./.data/portal)
  DATABASE_URL=postgres://…  utilise ce serveur PostgreSQL au lieu de la base embarquée (PGlite)
                             (les requêtes ; peut passer par PgBouncer en mode transaction)
  DATABASE_DIRECT_URL=postgres://…  connexion directe à PostgreSQL pour les migrations et les
                             vérifications au démarrage (défaut : DATABASE_URL)
  PORTAL_POOL_SIZE=N         connexions à la base par instance (défaut 10)
  PORTAL_COMPACTION_INTERVAL_MS=N  compactage du journal des changements toutes les N ms
                             (défaut 600000 ; 0 : jamais)
  PORTAL_CHANGE_RETENTION_DAYS=N   un poste sans synchronisation depuis N jours ne retient plus
                             le compactage (défaut 30 ; il rechargera la ville)
  PORTAL_TRUST_PROXY=…       derrière un proxy inverse : true (tout relais), ou les adresses
                             des proxys (séparées par des virgules) dont X-Forwarded-For est cru
  PORTAL_PAYMENTS=simulated  paiement en ligne par le prestataire simulé (démonstration, tests) ;
                             sans elle, le paiement en ligne est désactivé (docs/payments.md)
  PORTAL_PAYMENTS_SECRET=…   secret HMAC partagé avec le prestataire (défaut : tiré une fois,
                             gardé dans le dossier de données)
  PORTAL_PUBLIC_URL=…        adresse du portail vue des familles (derrière un proxy)
  PORTAL_PAYMENTS_RETURN_URL=…  page de l’espace famille où le prestataire renvoie après paiement`

class UsageError extends Error {}

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: NodeJS.ProcessEnv
}

const defaultIo: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l), env: process.env }

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`Option manquante : ${flag}`)
  return value
}

function integer(value: string | undefined, flag: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} : entier de ${min} à ${max} attendu (reçu « ${value} »)`)
  return n
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error
    io.err(error.message)
    io.err('')
    io.err(USAGE)
    return 2
  }
  const { positionals, values } = parsed
  const [command, sub] = positionals
  if (values.help || !command) {
    io.out(USAGE)
    return command ? 0 : 2
  }
  const dataDir = values['data-dir'] ?? defaultPortalDataDir(io.env)
  const databaseUrl = io.env.DATABASE_URL || undefined
  const direct = databaseUrl && io.env.DATABASE_DIRECT_URL ? { directDatabaseUrl: io.env.DATABASE_DIRECT_URL } : {}

  try {
    if (command === 'serve') return await serve(io, dataDir, databaseUrl, values, direct)
    const known = ['enrol-code', 'agent', 'family-password', 'demo', 'compact', 'invoice']
    if (!known.includes(command)) throw new UsageError(`Commande inconnue : ${command}`)
    // Check the arguments before opening the database.
    const run = plan(command, sub, values, io.env)
    let database: PortalDatabase | null = null
    try {
      database = await openPortalDb({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), ...direct })
      await run(database, io)
      return 0
    } finally {
      await database?.close()
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(error.message)
      io.err('')
      io.err(USAGE)
      return 2
    }
    // Our own errors say what is wrong in French; anything else (a database error) by class, scrubbed.
    io.err(`Échec : ${error instanceof HttpError ? error.message : safeErrorMessage(error)}`)
    return 1
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      'log-level': { type: 'string' },
      name: { type: 'string' },
      login: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      code: { type: 'string' },
      families: { type: 'string' },
      seed: { type: 'string' },
      'retention-days': { type: 'string' },
      batch: { type: 'string' },
      billing: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

type Values = ReturnType<typeof parse>['values']

function plan(command: string, sub: string | undefined, values: Values, env: NodeJS.ProcessEnv): (db: PortalDatabase, io: CliIo) => Promise<void> {
  switch (command) {
    case 'enrol-code': {
      const name = required(values.name, '--name').trim()
      return async ({ db }, io) => {
        const { code, expiresAt } = await createEnrolmentCode(db, name)
        io.out(`Code d’enrôlement pour « ${name} » (usage unique, valable jusqu’au ${new Date(expiresAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}) :`)
        io.out(code)
      }
    }
    case 'agent': {
      if (sub === 'list') {
        return async ({ db }, io) => {
          const agents = await listAgents(db)
          if (agents.length === 0) io.out('Aucun agent.')
          for (const a of agents) io.out(`${a.login.padEnd(20)} ${a.role.padEnd(12)} ${a.active ? 'actif   ' : 'désactivé'} ${a.displayName}`)
        }
      }
      if (sub === 'add') {
        const login = required(values.login, '--login')
        const displayName = required(values.name, '--name')
        const role = RoleSchema.safeParse(required(values.role, '--role'))
        if (!role.success) throw new UsageError('--role : accueil, regisseur ou responsable')
        if (!/^[A-Za-z0-9._-]{2,64}$/.test(login.trim())) throw new UsageError('--login : lettres sans accent, chiffres, point, tiret ou soulignement')
        if (values.password !== undefined && values.password.length < 8) throw new UsageError('--password : au moins 8 caractères')
        return async ({ db }, io) => {
          const { agent, password } = await createAgent(db, { login, displayName, role: role.data, password: values.password })
          io.out(`Agent créé : ${agent.login} (${agent.role}), ${agent.displayName}.`)
          if (password) io.out(`Mot de passe (à transmettre à l’agent, il ne sera plus affiché) : ${password}`)
        }
      }
      if (sub === 'disable' || sub === 'enable') {
        const login = required(values.login, '--login')
        return async ({ db }, io) => {
          const agent = await findAgentByLogin(db, login)
          if (!agent) throw new Error(`Agent inconnu : ${login}`)
          await updateAgent(db, agent.id, { active: sub === 'enable' }, null)
          io.out(`Agent ${agent.login} ${sub === 'enable' ? 'réactivé' : 'désactivé'} (effet sur chaque poste à sa synchronisation suivante).`)
        }
      }
      throw new UsageError('agent : add, disable, enable ou list')
    }
    case 'family-password': {
      const code = required(values.code, '--code')
      return async ({ db }, io) => {
        const r = await setFamilyPassword(db, code)
        io.out(`Famille ${r.code} : mot de passe provisoire ${r.password}`)
        io.out(`À changer à la première connexion ; valable jusqu’au ${new Date(r.expiresAt).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })}.`)
      }
    }
    case 'demo': {
      const families = integer(required(values.families, '--families'), '--families', 1, 99_999, 0)
      const seed = integer(values.seed, '--seed', 0, 2 ** 32 - 1, 1)
      return async ({ db }, io) => {
        io.out(`Génération de ${families.toLocaleString('fr-FR')} familles (graine ${seed})…`)
        const r = await seedDemo(db, { families, seed, billing: values.billing === true })
        io.out(
          `Ville de démonstration : ${r.families.toLocaleString('fr-FR')} familles, ${r.persons.toLocaleString('fr-FR')} personnes, ` +
            `${r.rows.toLocaleString('fr-FR')} lignes (et autant de changements) en ${r.seconds.toFixed(1)} s ` +
            `(génération ${r.generateSeconds.toFixed(1)} s, copie ${r.copySeconds.toFixed(1)} s).`,
        )
        if (r.billing) {
          const b = r.billing
          io.out(
            `Facturation de démonstration (${b.months.join(', ')}) : ${b.reservations.toLocaleString('fr-FR')} réservations pointées, ` +
              `${b.invoices.toLocaleString('fr-FR')} factures, ${b.creditNotes} avoir(s), ${b.onlinePayments} paiement(s) en ligne en ${b.seconds.toFixed(1)} s.`,
          )
          if (b.counterFamily) io.out(`Famille à encaisser au guichet (deux factures ouvertes) : ${b.counterFamily.code} ${b.counterFamily.name}`)
        }
        if (r.agents > 0) io.out('Agents de démonstration : accueil / accueil2026, regie / regie2026, responsable / responsable-2026')
      }
    }
    case 'invoice': {
      const month = required(sub, 'AAAA-MM (le mois à facturer)')
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError(`Mois invalide : « ${month} » (AAAA-MM attendu, par exemple 2026-11)`)
      const batchSize = integer(values.batch, '--batch', 1, 5_000, DEFAULT_INVOICE_BATCH)
      return async ({ db }, io) => {
        io.out(`Facturation de ${month}…`)
        let shown = -1
        // Ctrl-C stops between two batches: the run resumes where it stopped.
        const stop = new AbortController()
        const onSignal = () => stop.abort()
        process.once('SIGINT', onSignal)
        const r = await runInvoices(db, month, {
          batchSize,
          signal: stop.signal,
          onProgress: (done, total) => {
            const tenth = total === 0 ? 10 : Math.floor((done * 10) / total)
            if (tenth === shown) return
            shown = tenth
            io.out(`  ${done.toLocaleString('fr-FR')} / ${total.toLocaleString('fr-FR')} familles (${Math.round((done * 100) / Math.max(1, total))} %)`)
          },
        }).finally(() => process.off('SIGINT', onSignal))
        if (r.status === 'aborted') {
          io.out(`Facturation de ${month} interrompue : ${r.invoicesCreated.toLocaleString('fr-FR')} facture(s) établie(s). Relancez la même commande pour la reprendre.`)
          return
        }
        io.out(
          `Facturation de ${month} terminée en ${r.seconds.toFixed(1)} s : ${r.invoicesCreated.toLocaleString('fr-FR')} facture(s) ` +
            `(${euros(r.totalCents)}), ${r.creditNotesCreated.toLocaleString('fr-FR')} avoir(s), ${r.families.toLocaleString('fr-FR')} familles parcourues.`,
        )
      }
    }
    case 'compact': {
      const days = integer(values['retention-days'], '--retention-days', 1, 36_500, retentionDaysFromEnv(env) ?? DEFAULT_CHANGE_RETENTION_DAYS)
      return async ({ db }, io) => {
        const r = await compactChangeLog(db, { now: new Date(), retentionMs: days * 24 * 60 * 60 * 1000, holder: `cli-${randomUUID()}` })
        if (r.skipped === 'lease') io.out(`Un autre processus compacte déjà le journal des changements (horizon ${r.horizon}) : rien à faire.`)
        else if (r.skipped === 'no_snapshot') io.out('Aucun instantané complet dans la base : le journal des changements n’est pas compacté.')
        else {
          io.out(
            `Journal des changements compacté : horizon ${r.horizon}, ${r.deleted.toLocaleString('fr-FR')} changement(s) supprimé(s) ` +
              `en ${r.batches} lot(s), ${(r.ms / 1000).toFixed(1)} s (rétention ${days} jours).`,
          )
        }
      }
    }
    default:
      throw new UsageError(`Commande inconnue : ${command}`)
  }
}

/** PORTAL_CHANGE_RETENTION_DAYS, when set (a usage error when it is not a whole number of days). */
function retentionDaysFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PORTAL_CHANGE_RETENTION_DAYS
  return raw ? integer(raw, 'PORTAL_CHANGE_RETENTION_DAYS', 1, 36_500, DEFAULT_CHANGE_RETENTION_DAYS) : undefined
}

/** PORTAL_TRUST_PROXY: "true", or proxy addresses / CIDRs separated by commas. */
export function trustProxyFromEnv(raw: string | undefined): { trustProxy?: boolean | string[] } {
  const v = raw?.trim()
  if (!v || v === 'false') return {}
  if (v === 'true') return { trustProxy: true }
  return { trustProxy: v.split(',').map((s) => s.trim()).filter((s) => s !== '') }
}

async function serve(io: CliIo, dataDir: string, databaseUrl: string | undefined, values: Values, direct: { directDatabaseUrl?: string }): Promise<number> {
  const port = integer(values.port, '--port', 0, 65535, DEFAULT_PORTAL_PORT)
  const host = values.host ?? '127.0.0.1'
  const level = values['log-level'] ?? 'info'
  if (!['fatal', 'error', 'warn', 'info', 'debug'].includes(level)) throw new UsageError('--log-level : fatal, error, warn, info ou debug')
  const compactionIntervalMs = integer(io.env.PORTAL_COMPACTION_INTERVAL_MS || undefined, 'PORTAL_COMPACTION_INTERVAL_MS', 0, 2 ** 31 - 1, DEFAULT_COMPACTION_INTERVAL_MS)
  const changeRetentionDays = retentionDaysFromEnv(io.env)
  const started = performance.now()
  const portal = await startPortal({
    compactionIntervalMs,
    ...(changeRetentionDays !== undefined ? { changeRetentionDays } : {}),
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    ...direct,
    port,
    host,
    log: level as 'info',
    ...trustProxyFromEnv(io.env.PORTAL_TRUST_PROXY),
    ...paymentsFromEnv(io.env),
  })
  io.out(
    `Portail Guichet Famille prêt en ${((performance.now() - started) / 1000).toFixed(1)} s : ${portal.url}/api/v1 ` +
      `(${portal.driver === 'pglite' ? `base embarquée dans ${portal.dataDir}` : 'PostgreSQL'})` +
      (portal.roleSettings === 'not-allowed' ? ' ; délais du rôle PostgreSQL non réglés (droits insuffisants) : voir docs/sync-protocol.md' : ''),
  )
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.out(`${signal} reçu : arrêt du portail…`)
      portal
        .close()
        .catch((error: unknown) => io.err(`Arrêt : ${safeErrorMessage(error)}`))
        .finally(resolve)
    }
    process.once('SIGINT', () => stop('SIGINT'))
    process.once('SIGTERM', () => stop('SIGTERM'))
  })
  io.out('Portail arrêté.')
  return 0
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  })
}
