import { resolve } from 'node:path'

/** The repository's root (this file is src/portal/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '../..')

/** The portal's PostgreSQL migrations (drizzle-kit, drizzle.portal.config.ts). */
export const PORTAL_MIGRATIONS_FOLDER = resolve(REPO_ROOT, 'resources/portal-migrations')

/** The portal's data folder: PORTAL_DATA_DIR when set, else ./.data/portal. */
export function defaultPortalDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.PORTAL_DATA_DIR ?? '.data/portal')
}
