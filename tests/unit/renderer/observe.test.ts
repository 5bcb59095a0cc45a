import { describe, expect, it, vi } from 'vitest'
import { endpointList, type GuichetApi } from '@shared/contract'
import { withCommandHook } from '../../../src/renderer/api/observe'

function fakeApi(answer: (endpoint: string) => unknown): GuichetApi {
  const api: Record<string, Record<string, (input: unknown) => Promise<unknown>>> = {}
  for (const [ns, m] of endpointList) (api[ns] ??= {})[m] = async () => answer(`${ns}.${m}`)
  return api as unknown as GuichetApi
}

describe('withCommandHook', () => {
  it('reports commands, not queries, with their outcome, and passes answers through', async () => {
    const listener = vi.fn()
    const api = withCommandHook(
      fakeApi((e) => (e === 'reservations.book' ? { ok: false, error: { code: 'RULE_REJECTED', message: 'x' } } : { ok: true, data: {} })),
      listener,
    )
    expect(await api.families.search({ q: 'x' })).toEqual({ ok: true, data: {} })
    expect(await api.sync.status({})).toEqual({ ok: true, data: {} })
    expect(listener).not.toHaveBeenCalled()
    const r = await api.reservations.book({ familyId: 'f', childId: 'c', unitId: 'u', siteId: 's', date: '2027-03-12' })
    expect(r).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED' } })
    expect(listener).toHaveBeenLastCalledWith('reservations.book', false)
    await api.families.updateContacts({ familyId: 'f', personId: 'p', phoneMobile: null, phoneHome: null, phoneWork: null, email: null })
    expect(listener).toHaveBeenLastCalledWith('families.updateContacts', true)
    await api.sync.discard({ seq: 1, reason: 'doublon' })
    expect(listener).toHaveBeenLastCalledWith('sync.discard', true)
    expect(listener).toHaveBeenCalledTimes(3)
  })

  it('a failing listener does not change the answer', async () => {
    const api = withCommandHook(fakeApi(() => ({ ok: true, data: { reservations: [] } })), () => {
      throw new Error('boom')
    })
    expect(await api.reservations.cancel({ id: 'x' })).toEqual({ ok: true, data: { reservations: [] } })
  })
})
