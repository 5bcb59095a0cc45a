import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCoreHost, type CoreHost, type HostHandle } from '../../../src/main/host/client'
import { forkNodeHost } from '../../../src/main/host/node'
import type { HostState } from '../../../src/main/host/protocol'

// The web shell's core host for real: src/main/host/child.ts in a Node child (through tsx),
// a real SQLite file in a temp folder with the local demo town (no portal), and the
// supervisor of src/main/host/client.ts in this process.
const ROOT = resolve(__dirname, '../../..')
const MIGRATIONS = join(ROOT, 'resources/migrations')
const DEMO = { login: 'accueil', password: 'accueil2026' }

const dirs: string[] = []
const hosts: CoreHost[] = []
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.stop()))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function start(opts: { migrationsFolder?: string } = {}): { host: CoreHost; handles: HostHandle[]; states: HostState[] } {
  const dataDir = mkdtempSync(join(tmpdir(), 'guichet-host-'))
  dirs.push(dataDir)
  const handles: HostHandle[] = []
  const states: HostState[] = []
  const host = createCoreHost({
    spawn: () => {
      const handle = forkNodeHost({
        entry: join(ROOT, 'src/main/host/child.ts'),
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, GUICHET_PORTAL: 'off', GUICHET_DEMO_FAMILIES: '20' },
      })
      handles.push(handle)
      return handle
    },
    config: () => ({ dataDir, migrationsFolder: opts.migrationsFolder ?? MIGRATIONS }),
    backoffMs: [50, 200],
    log: () => {},
  })
  host.onState((s) => states.push(s))
  hosts.push(host)
  return { host, handles, states }
}

describe('the core host in a child process', () => {
  it('answers contract calls on its counter session, each call with its own answer', async () => {
    const { host } = start()
    // A call made while the host starts waits for it.
    const early = host.call('session', 'status', {})
    await expect(early).resolves.toMatchObject({ ok: true, data: { agent: null } })
    expect(host.state()).toBe('ready')
    await expect(host.call('families', 'search', { q: 'a' })).resolves.toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
    await expect(host.call('session', 'login', DEMO)).resolves.toMatchObject({ ok: true, data: { login: 'accueil' } })
    const queries = ['martin', 'dubois', 'a', 'le', 'bernard', 'petit', 'zzz', 'moreau']
    const answers = await Promise.all(queries.map((q) => host.call('families', 'search', { q })))
    for (const [i, answer] of answers.entries()) {
      expect(answer.ok).toBe(true)
      const direct = await host.call('families', 'search', { q: queries[i] })
      expect(answer).toEqual(direct)
    }
    await expect(host.call('families', 'search', { q: 42 })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    await expect(host.call('nope', 'nothing', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENDPOINT' } })
  }, 60_000)

  it('a crash answers the calls in flight with a typed error, then the host restarts and answers again', async () => {
    const { host, handles, states } = start()
    await host.whenReady()
    await host.call('session', 'login', DEMO)
    // A call in flight when the process dies (a login: scrypt takes a while): typed TRANSPORT
    // answer, never a hang.
    const inFlight = host.call('session', 'login', DEMO)
    handles[0]!.kill()
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT', details: { host: 'restarting' } } })
    await expect.poll(() => host.state()).toBe('restarting')
    await expect(host.call('session', 'status', {})).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT', details: { host: 'restarting' } } })
    expect(host.lastError()).toMatch(/arrêté/)
    await host.whenReady()
    expect(handles).toHaveLength(2)
    expect(states).toEqual(expect.arrayContaining(['ready', 'restarting', 'starting']))
    // Same database, new session: the agent logs in again.
    await expect(host.call('session', 'status', {})).resolves.toMatchObject({ ok: true, data: { agent: null } })
  }, 60_000)

  it('stops on request: later calls answer "stopped" at once and nothing restarts', async () => {
    const { host, handles } = start()
    await host.whenReady()
    await host.stop()
    expect(host.state()).toBe('stopped')
    await expect(host.call('session', 'status', {})).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT', details: { host: 'stopped' } } })
    await new Promise((r) => setTimeout(r, 300))
    expect(handles).toHaveLength(1)
  }, 60_000)

  it('a core that cannot open is a failed start (reported, not restarted in a loop)', async () => {
    const { host, handles } = start({ migrationsFolder: join(ROOT, 'no-such-migrations') })
    await expect(host.whenReady()).rejects.toThrow()
    expect(host.state()).toBe('failed')
    expect(host.lastError()).toBeTruthy()
    await expect(host.call('session', 'status', {})).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT' } })
    await new Promise((r) => setTimeout(r, 300))
    expect(handles).toHaveLength(1)
  }, 60_000)
})
