import { fork } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { portalProcess } from '../../../src/main/host/portal-process'
import type { EmbeddedPortal } from '../../../src/main/core/sync/workstation'

// The embedded demo portal in its own process for real: src/portal/child.ts (through tsx) on
// PGlite in a temp folder, driven the way the core host drives it.
const ROOT = resolve(__dirname, '../../..')
let dataDir: string
let portal: EmbeddedPortal
const logs: string[] = []
let forked: Array<{ pid?: number; kill(signal?: NodeJS.Signals): boolean }> = []

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'guichet-portal-child-'))
  const start = portalProcess({
    entry: join(ROOT, 'src/portal/child.ts'),
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, DATABASE_URL: '' },
    log: (line) => logs.push(line),
    backoffMs: [50],
    fork: ((...args: Parameters<typeof fork>) => {
      const child = fork(...args)
      forked.push(child)
      return child
    }) as typeof fork,
  })
  portal = await start({ dataDir: join(dataDir, 'portal'), port: 0, host: '127.0.0.1' })
}, 120_000)
afterAll(async () => {
  await portal?.close()
  rmSync(dataDir, { recursive: true, force: true })
  forked = []
})

describe('the embedded demo portal as a child process', () => {
  it('reports its URL, answers on it, and makes enrolment codes over IPC', async () => {
    expect(portal.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(forked[0]!.pid).not.toBe(process.pid)
    const health = await fetch(`${portal.url}/api/v1/health`)
    expect(health.status).toBeLessThan(500)
    const code = await portal.createEnrolmentCode('Guichet test')
    expect(typeof code).toBe('string')
    expect(code.length).toBeGreaterThanOrEqual(6)
  }, 60_000)

  it('a crashed portal is restarted on the same port (the workstation keeps its URL)', async () => {
    const first = forked.at(-1)!
    first.kill('SIGKILL')
    await expect.poll(() => forked.length, { timeout: 30_000 }).toBe(2)
    await expect.poll(() => logs.some((l) => l.includes('redémarré')), { timeout: 60_000 }).toBe(true)
    expect(logs.join('\n')).toContain('s’est arrêté')
    const code = await portal.createEnrolmentCode('Guichet 2')
    expect(code.length).toBeGreaterThanOrEqual(6)
    expect(logs.find((l) => l.includes('redémarré'))).toContain(portal.url)
  }, 90_000)

  it('closes on request: the child exits and is not restarted', async () => {
    const last = forked.at(-1) as unknown as { exitCode: number | null }
    await portal.close()
    expect(last.exitCode).toBe(0)
    await new Promise((r) => setTimeout(r, 200))
    expect(forked).toHaveLength(2)
    await expect(portal.createEnrolmentCode('trop tard')).rejects.toThrow()
  }, 60_000)
})
