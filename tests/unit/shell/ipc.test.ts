import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { findEndpoint, IPC_CHANNEL, type Result } from '@shared/contract'
import { createCore } from '../../../src/main/core'
import type { CoreApi, Session } from '../../../src/main/core/types'

// ipc.ts only needs electron's types: ipcMain is passed in, so a double records the handler.
vi.mock('electron', () => ({}))

import { createSenderCheck, registerContractIpc } from '../../../src/main/shell/ipc'

type Handler = (event: { senderFrame: unknown }, ...args: unknown[]) => Promise<Result<unknown>>

interface FrameDouble {
  url: string
  parent: FrameDouble | null
}

const APP = 'app://guichet'

/**
 * A core double that answers like the real router for what this layer relies on: the
 * endpoint lookup of the contract and zod validation of the input (INVALID_INPUT).
 */
function fakeCore() {
  return {
    call: vi.fn(async (_session: Session, ns: string, method: string, input: unknown): Promise<Result<unknown>> => {
      const def = findEndpoint(ns, method)
      if (!def) return { ok: false, error: { code: 'UNKNOWN_ENDPOINT', message: 'unknown' } }
      const parsed = def.input.safeParse(input)
      if (!parsed.success) {
        return {
          ok: false,
          error: {
            code: 'INVALID_INPUT',
            message: 'invalid input',
            details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
          },
        }
      }
      return { ok: true, data: { ns, method, input: parsed.data } }
    }),
  }
}

function setup(core: { call: (...args: never[]) => Promise<unknown> } = fakeCore()) {
  const mainFrame: FrameDouble = { url: 'app://guichet/index.html#/familles', parent: null }
  const win = { destroyed: false, isDestroyed: () => win.destroyed, webContents: { mainFrame } }
  const handlers = new Map<string, Handler>()
  const ipcMain = {
    handle: vi.fn((channel: string, handler: Handler) => {
      handlers.set(channel, handler)
    }),
    removeHandler: vi.fn((channel: string) => {
      handlers.delete(channel)
    }),
  }
  const session: Session = { id: 's1', agentId: null, lastActivity: 0 }
  const check = createSenderCheck(() => win as never, APP)
  const unregister = registerContractIpc(ipcMain as never, core as never, () => session, check)
  const invoke = (senderFrame: unknown, ...args: unknown[]) => {
    const handler = handlers.get(IPC_CHANNEL)
    if (!handler) throw new Error('no handler')
    return handler({ senderFrame }, ...args)
  }
  return { core, mainFrame, win, ipcMain, session, invoke, unregister, handlers }
}

describe('registerContractIpc', () => {
  it('registers exactly one handler, on the contract channel, and can remove it', () => {
    const { ipcMain, unregister, handlers } = setup()
    expect(ipcMain.handle).toHaveBeenCalledTimes(1)
    expect(ipcMain.handle.mock.calls[0]![0]).toBe(IPC_CHANNEL)
    unregister()
    expect(ipcMain.removeHandler).toHaveBeenCalledWith(IPC_CHANNEL)
    expect(handlers.size).toBe(0)
  })

  it('passes a call from the app window main frame to the core with the window session', async () => {
    const { core, mainFrame, session, invoke } = setup()
    const result = await invoke(mainFrame, 'families', 'search', { q: 'lefevre' })
    expect(result).toEqual({ ok: true, data: { ns: 'families', method: 'search', input: { q: 'lefevre' } } })
    expect(core.call).toHaveBeenCalledExactlyOnceWith(session, 'families', 'search', { q: 'lefevre' })
  })

  describe('refuses a foreign sender with FORBIDDEN, without calling the core', () => {
    const cases: Array<[string, (s: ReturnType<typeof setup>) => unknown]> = [
      ['no frame (null)', () => null],
      ['no frame (undefined)', () => undefined],
      ['a sub-frame of the window, even of the app origin', (s) => ({ url: 'app://guichet/index.html', parent: s.mainFrame })],
      ['the main frame of another window', () => ({ url: 'app://guichet/index.html', parent: null })],
      [
        'the window main frame once navigated to another origin',
        (s) => {
          s.mainFrame.url = 'https://evil.example/'
          return s.mainFrame
        },
      ],
      [
        'the window main frame showing a file: page',
        (s) => {
          s.mainFrame.url = 'file:///tmp/index.html'
          return s.mainFrame
        },
      ],
      [
        'the main frame of a destroyed window',
        (s) => {
          s.win.destroyed = true
          return s.mainFrame
        },
      ],
    ]
    it.each(cases)('%s', async (_label, frameOf) => {
      const s = setup()
      const result = await s.invoke(frameOf(s), 'session', 'status', {})
      expect(result.ok).toBe(false)
      expect(!result.ok && result.error.code).toBe('FORBIDDEN')
      expect(s.core.call).not.toHaveBeenCalled()
    })
  })

  it.each([
    ['families', 'drop'],
    ['admin', 'status'],
    ['__proto__', 'toString'],
    ['session', 'constructor'],
    ['session', 'hasOwnProperty'],
    ['toString', 'call'],
    [1, 2],
    [undefined, undefined],
    [{ ns: 'session' }, ['status']],
  ])('refuses the unknown endpoint %s.%s with UNKNOWN_ENDPOINT, without calling the core', async (ns, method) => {
    const { core, mainFrame, invoke } = setup()
    const result = await invoke(mainFrame, ns, method, {})
    expect(!result.ok && result.error.code).toBe('UNKNOWN_ENDPOINT')
    expect(core.call).not.toHaveBeenCalled()
  })

  it('hands an invalid payload to the core, which answers INVALID_INPUT', async () => {
    const { core, mainFrame, invoke } = setup()
    const result = await invoke(mainFrame, 'families', 'search', { q: 42, extra: true })
    expect(core.call).toHaveBeenCalledTimes(1)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('INVALID_INPUT')
    expect(result.error.details?.issues?.length).toBeGreaterThan(0)
    expect(() => structuredClone(result)).not.toThrow()
  })

  it('turns a throwing core into an INTERNAL Result: no Error object crosses', async () => {
    const core = { call: vi.fn(async () => Promise.reject(new Error('disk on fire /secret/path'))) }
    const { mainFrame, invoke } = setup(core)
    const result = await invoke(mainFrame, 'session', 'status', {})
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String) } })
    expect(JSON.stringify(result)).not.toContain('secret')
  })

  it('turns a core answer that is not a Result into INTERNAL', async () => {
    for (const answer of [undefined, null, 'ok', { ok: 'yes' }, { ok: false, error: new Error('x') }]) {
      const { mainFrame, invoke } = setup({ call: vi.fn(async () => answer) })
      const result = await invoke(mainFrame, 'session', 'status', {})
      expect(!result.ok && result.error.code).toBe('INTERNAL')
      expect(Object.values(result).some((v) => v instanceof Error)).toBe(false)
    }
  })
})

describe('registerContractIpc with the real core on a temp folder', () => {
  let dataDir: string
  let core: CoreApi

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'guichet-ipc-'))
    core = await createCore({
      dataDir,
      migrationsFolder: resolve(__dirname, '../../../resources/migrations'),
      demo: { families: 30, seed: 7 },
      log: () => {},
    })
  })
  afterAll(() => {
    core?.close()
    rmSync(dataDir, { recursive: true, force: true })
  })

  function wire() {
    const mainFrame: FrameDouble = { url: 'app://guichet/index.html', parent: null }
    const win = { isDestroyed: () => false, webContents: { mainFrame } }
    let handler: Handler | undefined
    const ipcMain = {
      handle: (_channel: string, h: Handler) => {
        handler = h
      },
      removeHandler: () => {},
    }
    const session = core.openSession()
    registerContractIpc(ipcMain as never, core, () => session, createSenderCheck(() => win as never, APP))
    return { mainFrame, invoke: (frame: unknown, ...args: unknown[]) => handler!({ senderFrame: frame }, ...args) }
  }

  it('answers INVALID_INPUT, with the offending field, for an invalid payload', async () => {
    const { mainFrame, invoke } = wire()
    for (const [ns, method, input, field] of [
      ['families', 'search', { q: 42 }, 'q'],
      ['session', 'login', { login: 'accueil', password: 1 }, 'password'],
    ] as const) {
      const result = await invoke(mainFrame, ns, method, input)
      expect(result.ok).toBe(false)
      if (result.ok) continue
      expect(result.error.code).toBe('INVALID_INPUT')
      expect(result.error.details?.issues?.map((i) => i.path)).toContain(field)
      expect(() => structuredClone(result)).not.toThrow()
    }
  })

  it('logs the demo agent in and searches, all through the IPC handler', async () => {
    const { mainFrame, invoke } = wire()
    const before = await invoke(mainFrame, 'families', 'search', { q: 'a' })
    expect(!before.ok && before.error.code).toBe('NOT_AUTHENTICATED')
    const login = await invoke(mainFrame, 'session', 'login', { login: 'accueil', password: 'accueil2026' })
    expect(login).toMatchObject({ ok: true, data: { login: 'accueil' } })
    const search = await invoke(mainFrame, 'families', 'search', { q: 'a' })
    expect(search.ok && Array.isArray((search.data as { results: unknown[] }).results)).toBe(true)
  })

  it('keeps a foreign frame away from the real core', async () => {
    const { invoke } = wire()
    const result = await invoke({ url: 'https://evil.example/', parent: null }, 'session', 'login', {
      login: 'accueil',
      password: 'accueil2026',
    })
    expect(!result.ok && result.error.code).toBe('FORBIDDEN')
  })
})
