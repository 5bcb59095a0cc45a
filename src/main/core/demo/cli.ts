import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parisDay, schoolYearOf } from '@shared/domain/dates'
import { openDatabase } from '../db/client'
import { DEMO_AGENTS } from '../handlers'
import { databaseFile, defaultDataDir } from '../paths'
import { createAgent } from '../services/agents'
import { saveSettings } from '../services/settings'
import { DEFAULT_DEMO_SEED, generateTown, MAX_DEMO_FAMILIES, schoolYearStart } from './generate'

/**
 * `npm run seed -- --families N [--seed S] [--data-dir DIR] [--today AAAA-MM-JJ] [--school-year 2026-2027]`
 * Adds a deterministic demo town to the workstation database (created and migrated if needed),
 * and the demo agents when the database has no agent yet.
 * Exit codes: 0 done, 1 failure, 2 bad arguments.
 */

export const DEFAULT_DEMO_FAMILIES = 300

/** The repository's migrations (this file is src/main/core/demo/cli.ts). */
const MIGRATIONS_FOLDER = resolve(__dirname, '../../../../resources/migrations')

const USAGE = `Usage : npm run seed -- [--families N] [--seed S] [--data-dir DOSSIER] [--today AAAA-MM-JJ] [--school-year AAAA-AAAA]

Ajoute une ville de démonstration (Carrières-sur-Seine) à la base du poste.
  --families N        nombre de familles, de 1 à ${MAX_DEMO_FAMILIES.toLocaleString('fr-FR')} (défaut ${DEFAULT_DEMO_FAMILIES})
  --seed S            graine : la même graine donne la même ville (défaut ${DEFAULT_DEMO_SEED})
  --data-dir DOSSIER  dossier de données (défaut : $GUICHET_DATA_DIR, sinon le dossier de l'application)
  --today AAAA-MM-JJ  jour de référence pour les âges (défaut : aujourd'hui, heure de Paris)
  --school-year A-A   année scolaire des scolarités (défaut : celle du jour de référence)`

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
  env: NodeJS.ProcessEnv
  now: () => Date
}

const defaultIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
  now: () => new Date(),
}

class UsageError extends Error {}

interface SeedArgs {
  families: number
  seed: number
  dataDir: string
  today: string
  schoolYear: string
}

function parseInteger(value: string, what: string, min: number, max: number): number {
  const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${what} invalide : « ${value} ». Attendu : un nombre entier de ${min.toLocaleString('fr-FR')} à ${max.toLocaleString('fr-FR')}.`,
    )
  }
  return n
}

const OPTIONS = {
  families: { type: 'string', short: 'n' },
  seed: { type: 'string', short: 's' },
  'data-dir': { type: 'string', short: 'd' },
  today: { type: 'string' },
  'school-year': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

function readArgs(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values
}

function isValidDay(day: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return false
  const date = new Date(`${day}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day
}

export function parseSeedArgs(argv: string[], io: Pick<CliIo, 'env' | 'now'>): SeedArgs | 'help' {
  let values: ReturnType<typeof readArgs>
  try {
    values = readArgs(argv)
  } catch (error) {
    const code = (error as { code?: string }).code
    const message = error instanceof Error ? error.message : ''
    const quoted = /--[a-z][a-z-]*/.exec(message)?.[0] ?? /'([^']+)'/.exec(message)?.[1] ?? ''
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`Option inconnue : ${quoted}`)
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`Argument inattendu : ${quoted}`)
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(`Valeur manquante ou ambiguë pour ${quoted} (pour une valeur commençant par « - », écrivez ${quoted}=VALEUR).`)
    }
    throw error
  }
  if (values.help) return 'help'
  const families =
    values.families === undefined ? DEFAULT_DEMO_FAMILIES : parseInteger(values.families, 'Nombre de familles', 1, MAX_DEMO_FAMILIES)
  const seed = values.seed === undefined ? DEFAULT_DEMO_SEED : parseInteger(values.seed, 'Graine', 0, 2 ** 32 - 1)
  const today = values.today ?? parisDay(io.now())
  if (!isValidDay(today)) {
    throw new UsageError(`Date invalide : « ${today} ». Attendu : AAAA-MM-JJ, par exemple 2026-11-27.`)
  }
  const schoolYear = values['school-year'] ?? schoolYearOf(today)
  try {
    schoolYearStart(schoolYear)
  } catch {
    throw new UsageError(`Année scolaire invalide : « ${schoolYear} ». Attendu : par exemple 2026-2027.`)
  }
  const dataDir = values['data-dir'] ? resolve(values['data-dir']) : defaultDataDir(io.env)
  return { families, seed, dataDir, today, schoolYear }
}

function frenchDay(day: string): string {
  return `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`
}

/** Runs the seed command; returns the process exit code. */
export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let args: SeedArgs | 'help'
  try {
    args = parseSeedArgs(argv, io)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.err(error.message)
    io.err('')
    io.err(USAGE)
    return 2
  }
  if (args === 'help') {
    io.out(USAGE)
    return 0
  }

  const fmt = new Intl.NumberFormat('fr-FR')
  const file = databaseFile(args.dataDir)
  io.out(
    `Génération de ${fmt.format(args.families)} familles (graine ${args.seed}, année scolaire ${args.schoolYear}, ` +
      `au ${frenchDay(args.today)}) dans ${file}…`,
  )
  const started = performance.now()
  let opened: Awaited<ReturnType<typeof openDatabase>> | null = null
  try {
    opened = await openDatabase({ file, migrationsFolder: MIGRATIONS_FOLDER })
    const sqlite = opened.sqlite
    // A database without agents could not be logged into: give it the demo agents, as the
    // app does when it creates its demo town on first start.
    if ((sqlite.prepare('SELECT count(*) FROM agents').pluck().get() as number) === 0) {
      sqlite.transaction(() => {
        for (const agent of DEMO_AGENTS) createAgent(sqlite, agent)
        saveSettings(sqlite, { demo: true, townName: 'Carrières-sur-Seine' })
      })()
      io.out(`Agents de démonstration créés : ${DEMO_AGENTS.map((a) => `${a.login} / ${a.password}`).join(', ')}`)
    }
    const result = generateTown(sqlite, {
      families: args.families,
      seed: args.seed,
      schoolYear: args.schoolYear,
      today: args.today,
    })
    const seconds = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(
      (performance.now() - started) / 1000,
    )
    io.out(
      `Ville de démonstration : ${fmt.format(result.families)} familles, ${fmt.format(result.persons)} personnes, ` +
        `${fmt.format(result.schools)} écoles en ${seconds} s → ${file}`,
    )
    return 0
  } catch (error) {
    io.err(`Échec de la génération : ${error instanceof Error ? error.message : String(error)}`)
    return 1
  } finally {
    opened?.sqlite.close()
  }
}
