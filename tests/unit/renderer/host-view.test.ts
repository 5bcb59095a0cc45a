import { describe, expect, it } from 'vitest'
import type { GuichetApi, Result } from '@shared/contract'
import { hostFailure, watchHost } from '../../../src/renderer/api/host'

const down = (host: 'starting' | 'restarting' | 'stopped'): Result<never> => ({
  ok: false,
  error: { code: 'TRANSPORT', message: 'down', details: { host } },
})

/** A transport double whose session.status answers what the test says, and a manual timer. */
function setup() {
  const answers: Array<Result<unknown>> = []
  let pending: ((r: Result<unknown>) => void) | null = null
  const api = {
    session: {
      status: () =>
        new Promise<Result<unknown>>((resolve) => {
          const next = answers.shift()
          if (next) resolve(next)
          else pending = resolve
        }),
    },
    families: { search: async () => answers.shift() ?? { ok: true, data: { results: [] } } },
  } as unknown as GuichetApi
  const timers: Array<() => void> = []
  const watch = watchHost(api, { probeMs: 1000, setTimer: (fn) => timers.push(fn) })
  const views: string[] = []
  watch.onChange((v) => views.push(v))
  return {
    watch,
    views,
    answers,
    timers,
    answerProbe: async (r: Result<unknown>) => {
      pending!(r)
      pending = null
      await new Promise((resolve) => setTimeout(resolve, 0))
    },
  }
}

describe('the page’s view of the core host (starting screen)', () => {
  it('starts "starting" and becomes "ready" once the host answers its first call', async () => {
    const s = setup()
    expect(s.watch.view()).toBe('starting')
    await s.answerProbe({ ok: true, data: { agent: null } })
    expect(s.watch.view()).toBe('ready')
    expect(s.views).toEqual(['ready'])
  })

  it('a business error is an answer too: the host is up', async () => {
    const s = setup()
    await s.answerProbe({ ok: false, error: { code: 'NOT_AUTHENTICATED', message: 'x' } })
    expect(s.watch.view()).toBe('ready')
  })

  it('the host’s own TRANSPORT error shows "restarting", probes until it answers, then "ready"', async () => {
    const s = setup()
    await s.answerProbe({ ok: true, data: {} })
    s.answers.push(down('restarting'))
    const api = s.watch.api as unknown as { families: { search: (i: unknown) => Promise<Result<unknown>> } }
    await expect(api.families.search({ q: 'a' })).resolves.toEqual(down('restarting'))
    expect(s.watch.view()).toBe('restarting')
    expect(s.timers).toHaveLength(1)
    s.timers.shift()!()
    await s.answerProbe(down('restarting'))
    expect(s.watch.view()).toBe('restarting')
    expect(s.timers).toHaveLength(1)
    s.timers.shift()!()
    await s.answerProbe({ ok: true, data: {} })
    expect(s.views).toEqual(['ready', 'restarting', 'ready'])
  })

  it('any other transport fault (a timeout) says nothing of the host', async () => {
    const s = setup()
    await s.answerProbe({ ok: false, error: { code: 'TRANSPORT', message: 'timeout after 30000 ms' } })
    expect(s.watch.view()).toBe('starting')
    expect(hostFailure({ ok: false, error: { code: 'TRANSPORT', message: 'x' } })).toBeNull()
    expect(hostFailure(down('stopped'))).toBe('stopped')
  })
})
