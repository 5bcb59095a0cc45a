import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { AgentView, SyncStatus } from '@shared/contract'
import { syncWhenOnline } from '../../../src/renderer/lib/sync'

// The renderer's api reaches the core through window.guichet or HTTP: replaced by fakes here.
const fake = vi.hoisted(() => ({
  syncNow: vi.fn<(input: object) => Promise<unknown>>(),
  syncStatus: vi.fn<(input: object) => Promise<unknown>>(),
}))
vi.mock('../../../src/renderer/api', () => ({
  api: { sync: { now: fake.syncNow, status: fake.syncStatus }, session: {} },
  onAuthLost: () => () => {},
  onCommandDone: () => () => {},
}))

// The stores use the DOM (window): tsconfig.node.json, which type-checks tests/**, has no DOM
// lib, so they are loaded by a path TypeScript does not follow, with the few members used here.
const STORES = '../../../src/renderer/stores'
const AGENT: AgentView = { id: 'a1', login: 'accueil', displayName: 'Camille Martin', initials: 'CM', role: 'accueil' }
interface SessionStore {
  agent: AgentView | null
}
interface SyncStore {
  status: SyncStatus | null
  connection: string
  running: boolean
  nowError: unknown
  nowNotice: string | null
  startPolling(): void
  stopPolling(): void
  refresh(fresh?: boolean): Promise<void>
}

const status: SyncStatus = {
  enrolled: true,
  portalUrl: 'http://127.0.0.1:40000',
  state: 'idle',
  online: true,
  pending: 0,
  rejected: 0,
  lastSyncAt: null,
  lastError: null,
  nextAttemptAt: null,
  bootstrap: null,
}

describe('syncWhenOnline', () => {
  it('asks for a round each time the network comes back, while it should, until stopped', () => {
    const target = new EventTarget()
    const sync = vi.fn()
    let loggedIn = true
    const stop = syncWhenOnline(target, () => loggedIn, sync)
    target.dispatchEvent(new Event('offline'))
    expect(sync).not.toHaveBeenCalled()
    target.dispatchEvent(new Event('online'))
    expect(sync).toHaveBeenCalledTimes(1)
    loggedIn = false
    target.dispatchEvent(new Event('online'))
    expect(sync).toHaveBeenCalledTimes(1)
    loggedIn = true
    stop()
    target.dispatchEvent(new Event('online'))
    expect(sync).toHaveBeenCalledTimes(1)
  })
})

describe('sync store: network back', () => {
  let win: EventTarget

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    win = new EventTarget()
    vi.stubGlobal('window', win)
    setActivePinia(createPinia())
    vi.mocked(fake.syncStatus).mockReset().mockResolvedValue({ ok: true, data: status })
    vi.mocked(fake.syncNow)
      .mockReset()
      .mockResolvedValue({ ok: true, data: { ...status, lastSyncAt: '2027-03-12T13:32:00Z' } })
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  async function stores(): Promise<{ sync: SyncStore; session: SessionStore }> {
    const { useSyncStore } = (await import(`${STORES}/sync`)) as { useSyncStore: () => SyncStore }
    const { useSessionStore } = (await import(`${STORES}/session`)) as { useSessionStore: () => SessionStore }
    const session = useSessionStore()
    session.agent = AGENT
    return { sync: useSyncStore(), session }
  }

  it('with an agent logged in: sync.now when the network comes back, and the status bar gets the answer', async () => {
    const { sync } = await stores()
    sync.startPolling()
    win.dispatchEvent(new Event('online'))
    expect(fake.syncNow).toHaveBeenCalledExactlyOnceWith({})
    await vi.waitFor(() => expect(sync.status?.lastSyncAt).toBe('2027-03-12T13:32:00Z'))
    sync.stopPolling()
  })

  it('nothing when nobody is logged in, after stopPolling (logout), or on a workstation not enrolled', async () => {
    const { sync, session } = await stores()
    sync.startPolling()
    session.agent = null
    win.dispatchEvent(new Event('online'))
    expect(fake.syncNow).not.toHaveBeenCalled()

    session.agent = AGENT
    sync.stopPolling()
    win.dispatchEvent(new Event('online'))
    expect(fake.syncNow).not.toHaveBeenCalled()

    // Not enrolled (GUICHET_PORTAL=off, the embedded portal did not start): no portal to call.
    vi.mocked(fake.syncStatus).mockResolvedValue({ ok: true, data: { ...status, enrolled: false, state: 'not_enrolled', online: false, portalUrl: null } })
    sync.startPolling()
    await sync.refresh(true)
    expect(sync.connection).toBe('notEnrolled')
    win.dispatchEvent(new Event('online'))
    expect(fake.syncNow).not.toHaveBeenCalled()
    sync.stopPolling()
  })

  it('quiet: a failed round shows no message (the agent did not ask), and two events make one call', async () => {
    let answer: (r: unknown) => void = () => {}
    vi.mocked(fake.syncNow).mockImplementation(() => new Promise((resolve) => (answer = resolve)))
    const { sync } = await stores()
    sync.startPolling()
    win.dispatchEvent(new Event('online'))
    win.dispatchEvent(new Event('online'))
    expect(fake.syncNow).toHaveBeenCalledTimes(1)
    answer({ ok: false, error: { code: 'TRANSPORT', message: 'portal unreachable' } })
    await vi.waitFor(async () => {
      // Once answered, the next "online" asks again.
      win.dispatchEvent(new Event('online'))
      expect(fake.syncNow).toHaveBeenCalledTimes(2)
    })
    expect(sync.nowError).toBeNull()
    expect(sync.nowNotice).toBeNull()
    expect(sync.running).toBe(false)
    sync.stopPolling()
  })
})
