// npm test runs every suite once; the sync suite uses PostgreSQL when DATABASE_URL is set
// (as in CI). This runs it a second time on the embedded PGlite, so that both databases
// are covered. Without DATABASE_URL the main run already used PGlite: nothing to do.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
if (!process.env.DATABASE_URL) {
  console.log('Suite de synchronisation : déjà passée sur PGlite (DATABASE_URL non défini).')
  process.exit(0)
}
const env = { ...process.env }
delete env.DATABASE_URL
console.log('Suite de synchronisation, seconde passe sur PGlite :')
const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'tests/integration/sync'], {
  cwd: root,
  env,
  stdio: 'inherit',
})
process.exit(r.status ?? 1)
