import { describe, expect, it } from 'vitest'
import { extractToken, initToken, TOKEN_STORAGE_KEY } from '../../../src/renderer/api/token'

describe('extractToken', () => {
  it.each([
    ['http://127.0.0.1:4000/?token=abc', 'abc', '/'],
    ['http://127.0.0.1:4000/?token=abc#/familles/1', 'abc', '/#/familles/1'],
    ['http://127.0.0.1:4000/?lang=fr&token=abc#/', 'abc', '/?lang=fr#/'],
    ['http://127.0.0.1:4000/#/?token=abc', 'abc', '/#/'],
    ['http://127.0.0.1:4000/#/connexion?token=abc&x=1', 'abc', '/#/connexion?x=1'],
    ['http://127.0.0.1:4000/#/', null, '/#/'],
    ['http://127.0.0.1:4000/?token=', null, '/'],
  ])('%s', (href, token, clean) => {
    expect(extractToken(href)).toEqual({ token, cleanUrl: clean })
  })
})

describe('initToken', () => {
  function bits(href: string, stored: string | null = null) {
    const store = new Map<string, string>(stored ? [[TOKEN_STORAGE_KEY, stored]] : [])
    const replaced: string[] = []
    return {
      store,
      replaced,
      b: {
        location: { href },
        history: { state: { s: 1 }, replaceState: (_d: unknown, _u: string, url?: string) => void replaced.push(url ?? '') },
        storage: { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) },
      },
    }
  }

  it('stores the token from the address and cleans the address', () => {
    const { b, store, replaced } = bits('http://h/?token=t1#/')
    expect(initToken(b)).toBe('t1')
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('t1')
    expect(replaced).toEqual(['/#/'])
  })

  it('falls back to the stored token after a reload, without touching the address', () => {
    const { b, replaced } = bits('http://h/#/familles/2', 'old')
    expect(initToken(b)).toBe('old')
    expect(replaced).toEqual([])
  })

  it('a new token in the address wins over the stored one', () => {
    const { b, store } = bits('http://h/?token=new', 'old')
    expect(initToken(b)).toBe('new')
    expect(store.get(TOKEN_STORAGE_KEY)).toBe('new')
  })
})
