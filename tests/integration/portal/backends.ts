import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * The databases the portal suites run against: PGlite in a temp folder always, and PostgreSQL
 * too when DATABASE_URL is set (each suite gets a fresh database, created through a maintenance
 * connection and dropped afterwards). Use with `describe.each(backends)`.
 */

export interface BackendHandle {
  dataDir: string
  databaseUrl?: string
  cleanup(): Promise<void>
}

export interface Backend {
  name: 'pglite' | 'postgres'
  open(): Promise<BackendHandle>
}

function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'portal-test-'))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

const pglite: Backend = {
  name: 'pglite',
  async open() {
    const { dir, remove } = tempDir()
    return { dataDir: dir, cleanup: async () => remove() }
  },
}

/** A fresh PostgreSQL database on the server at `url` for each open() (tests/helpers/portal-procs.ts reuses it). */
export function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async open() {
      const { dir, remove } = tempDir()
      const name = `t_${randomBytes(6).toString('hex')}`
      const admin = new pg.Client({ connectionString: url })
      await admin.connect()
      try {
        await admin.query(`CREATE DATABASE ${name}`)
      } finally {
        await admin.end()
      }
      const databaseUrl = new URL(url)
      databaseUrl.pathname = `/${name}`
      return {
        dataDir: dir,
        databaseUrl: databaseUrl.toString(),
        async cleanup() {
          const c = new pg.Client({ connectionString: url })
          await c.connect()
          try {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
          } finally {
            await c.end()
            remove()
          }
        },
      }
    },
  }
}

export const backends: Backend[] = [pglite, ...(process.env.DATABASE_URL ? [postgres(process.env.DATABASE_URL)] : [])]
