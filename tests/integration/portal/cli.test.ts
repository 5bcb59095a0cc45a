import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { codeFamille } from '@shared/domain/codeFamille'
import { main, type CliIo } from '../../../src/portal/cli'
import { startPortal } from '../../../src/portal'
import { backends, type BackendHandle } from './backends'

const ROOT = resolve(__dirname, '../../..')

describe.each(backends)('portal command line ($name)', (backend) => {
  let handle: BackendHandle

  beforeAll(async () => {
    handle = await backend.open()
  })
  afterAll(async () => {
    await handle?.cleanup()
  })

  async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = []
    const err: string[] = []
    const io: CliIo = {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      env: handle.databaseUrl ? { DATABASE_URL: handle.databaseUrl } : {},
    }
    const code = await main([...argv, '--data-dir', handle.dataDir], io)
    return { code, out: out.join('\n'), err: err.join('\n') }
  }

  it('refuses bad arguments with exit code 2 and the usage', async () => {
    expect((await run()).code).toBe(2)
    const missing = await run('agent', 'add', '--login', 'x')
    expect(missing.code).toBe(2)
    expect(missing.err).toMatch(/Option manquante : --name/)
    expect(missing.err).toMatch(/Usage/)
    expect((await run('agent', 'add', '--login', 'camille', '--name', 'C D', '--role', 'chef')).code).toBe(2)
    expect((await run('frobnicate')).code).toBe(2)
    expect((await run('demo', '--families', 'beaucoup')).code).toBe(2)
  })

  it('manages agents, enrolment codes, the demo town and family passwords', async () => {
    const added = await run('agent', 'add', '--login', 'Camille', '--name', 'Camille Durand', '--role', 'accueil')
    expect(added.code, added.err).toBe(0)
    expect(added.out).toMatch(/Mot de passe .* : [A-Za-z2-9]{10}$/m)
    expect((await run('agent', 'add', '--login', 'camille', '--name', 'Autre', '--role', 'accueil')).code).toBe(1)

    const disabled = await run('agent', 'disable', '--login', 'camille')
    expect(disabled.code, disabled.err).toBe(0)
    const list = await run('agent', 'list')
    expect(list.out).toMatch(/^camille\s+accueil\s+désactivé\s+Camille Durand$/m)

    const code = await run('enrol-code', '--name', 'Guichet 1')
    expect(code.code, code.err).toBe(0)
    expect(code.out).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/m)

    const demo = await run('demo', '--families', '3', '--seed', '2')
    expect(demo.code, demo.err).toBe(0)
    expect(demo.out).toMatch(/3 familles/)

    const pw = await run('family-password', '--code', codeFamille(100001))
    expect(pw.code, pw.err).toBe(0)
    expect(pw.out).toMatch(new RegExp(`Famille ${codeFamille(100001)} : mot de passe provisoire [A-Za-z2-9]{10}`))
    const unknown = await run('family-password', '--code', codeFamille(100099))
    expect(unknown.code).toBe(1)
    expect(unknown.err).toMatch(/Code famille inconnu/)
  })

  it.runIf(backend.name === 'pglite')('refuses a PGlite folder that a running portal holds', async () => {
    const portal = await startPortal({ dataDir: handle.dataDir, port: 0 })
    try {
      const res = await run('agent', 'list')
      expect(res.code).toBe(1)
      expect(res.err).toMatch(/déjà ouverte/)
    } finally {
      await portal.close()
    }
    expect((await run('agent', 'list')).code).toBe(0)
  })

  it.runIf(backend.name === 'pglite')('serve: starts, answers, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/portal/cli.ts', 'serve', '--port', '0', '--data-dir', handle.dataDir, '--log-level', 'warn'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      for (let i = 0; i < 300 && !/prêt en/.test(out); i++) await new Promise((r) => setTimeout(r, 100))
      const url = /(http:\/\/127\.0\.0\.1:\d+)\/api\/v1/.exec(out)?.[1]
      expect(url, out).toBeDefined()
      const health = await fetch(`${url}/api/v1/health`)
      expect(health.status).toBe(200)
    } finally {
      child.kill('SIGTERM')
    }
    expect(await exited).toBe(0)
    expect(out).toMatch(/Portail arrêté/)
  })
})
