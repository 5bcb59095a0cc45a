import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { runInNewContext } from 'node:vm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MessageChannel } from 'node:worker_threads'
import { endpointList } from '@shared/contract'
import { HOST_PORT_CHANNEL, HOST_PORT_REQUEST } from '../../../src/main/host/protocol'

// A sandboxed preload can require('electron') and nothing else from node_modules: the built
// bundle must therefore carry the contract (and zod) inside it. This builds the preload the
// way `electron-vite build` does (same options as electron.vite.config.ts) into a temp folder
// and runs it in a fresh context whose require() knows only 'electron'.
const repo = resolve(__dirname, '../../..')
let outDir: string
let bundle: string

beforeAll(() => {
  outDir = mkdtempSync(join(tmpdir(), 'guichet-preload-'))
  const config = join(outDir, 'preload.config.mjs')
  writeFileSync(
    config,
    `export default {
  preload: {
    resolve: { alias: { '@shared': ${JSON.stringify(join(repo, 'src/shared'))} } },
    build: { outDir: ${JSON.stringify(join(outDir, 'preload'))}, externalizeDeps: false, rollupOptions: { external: ['electron'] } },
  },
}
`,
  )
  const cli = join(repo, 'node_modules/electron-vite/bin/electron-vite.js')
  const build = spawnSync(process.execPath, [cli, 'build', '-c', config, '--logLevel', 'error'], { cwd: repo, encoding: 'utf8' })
  expect(build.status, build.stderr).toBe(0)
  bundle = readFileSync(join(outDir, 'preload', 'index.js'), 'utf8')
}, 120_000)
afterAll(() => rmSync(outDir, { recursive: true, force: true }))

describe('the built preload bundle', () => {
  it('is CommonJS that requires electron only', () => {
    const required = [...bundle.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1])
    expect(new Set(required)).toEqual(new Set(['electron']))
  })

  it('runs with a sandbox-like require and exposes window.guichet over the core host port', async () => {
    const exposed: Array<[string, Record<string, Record<string, (input: unknown) => Promise<unknown>>>]> = []
    const invocations: unknown[] = []
    const listeners = new Map<string, (event: { ports: unknown[] }) => void>()
    const sent: string[] = []
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: never) => exposed.push([key, api]) },
      ipcRenderer: {
        send: (channel: string) => sent.push(channel),
        on: (channel: string, listener: (event: { ports: unknown[] }) => void) => listeners.set(channel, listener),
      },
    }
    const module = { exports: {} }
    const sandboxRequire = (name: string) => {
      if (name === 'electron') return electron
      throw new Error(`a sandboxed preload cannot require ${name}`)
    }
    runInNewContext(bundle, { require: sandboxRequire, module, exports: module.exports, console })
    expect(exposed.map(([key]) => key)).toEqual(['guichet', 'guichetFiles'])
    const api = exposed[0]![1]
    expect(Object.entries(api).flatMap(([ns, m]) => Object.keys(m).map((k) => `${ns}.${k}`)).sort()).toEqual(
      endpointList.map(([ns, m]) => `${ns}.${m}`).sort(),
    )
    expect(sent).toEqual([HOST_PORT_REQUEST])
    const { port1: host, port2: page } = new MessageChannel()
    host.on('message', (call: { id: number }) => {
      invocations.push(call)
      host.postMessage({ id: call.id, result: { ok: true, data: null } })
    })
    listeners.get(HOST_PORT_CHANNEL)!({ ports: [page] })
    await expect(api.families!.search!({ q: 'lefevre' })).resolves.toEqual({ ok: true, data: null })
    expect(invocations).toEqual([{ id: expect.any(Number), ns: 'families', method: 'search', input: { q: 'lefevre' } }])
    host.close()
  })
})
