import { beforeEach, describe, expect, it, vi } from 'vitest'

const { openExternal } = vi.hoisted(() => ({ openExternal: vi.fn(async (_url: string) => undefined) }))
vi.mock('electron', () => ({ shell: { openExternal } }))

import {
  CONTENT_SECURITY_POLICY,
  EXTERNAL_ORIGINS,
  installAppWideGuards,
  isAllowedExternal,
  lockDownSession,
  lockDownWebContents,
} from '../../../src/main/shell/security'

type Listener = (...args: unknown[]) => unknown

/** A WebContents double that records what the shell asks of it. */
function fakeContents() {
  const listeners = new Map<string, Listener[]>()
  let windowOpenHandler: Listener | null = null
  const contents = {
    on: vi.fn((name: string, listener: Listener) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener])
      return contents
    }),
    setWindowOpenHandler: vi.fn((handler: Listener) => {
      windowOpenHandler = handler
    }),
  }
  /** Emits like Electron: an event object carrying `url` (plus the deprecated positional url). */
  const emit = (name: string, url?: string) => {
    const event = { url, preventDefault: vi.fn(), defaultPrevented: false }
    event.preventDefault.mockImplementation(() => {
      event.defaultPrevented = true
    })
    const handlers = listeners.get(name) ?? []
    expect(handlers.length, `a '${name}' listener`).toBeGreaterThan(0)
    for (const handler of handlers) handler(event, url)
    return event
  }
  const openWindow = (url: string) => {
    expect(windowOpenHandler).not.toBeNull()
    return windowOpenHandler!({ url, frameName: '', features: '', disposition: 'new-window', referrer: {}, postBody: undefined })
  }
  return { contents, emit, openWindow }
}

const APP = 'app://guichet'

beforeEach(() => {
  openExternal.mockClear()
})

describe('lockDownWebContents', () => {
  function locked(origin = APP) {
    const fake = fakeContents()
    lockDownWebContents(fake.contents as never, origin)
    return fake
  }

  it('lets the page navigate within the app origin', () => {
    const { emit } = locked()
    expect(emit('will-navigate', 'app://guichet/index.html#/familles').defaultPrevented).toBe(false)
    expect(emit('will-frame-navigate', 'app://guichet/index.html').defaultPrevented).toBe(false)
    expect(emit('will-redirect', 'app://guichet/index.html').defaultPrevented).toBe(false)
  })

  it.each([
    'https://evil.example/',
    'http://localhost:5173/',
    'app://other/index.html',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,<script>1</script>',
    'about:blank',
    'not a url',
  ])('prevents navigation and redirects to %s', (url) => {
    const { emit } = locked()
    expect(emit('will-navigate', url).defaultPrevented).toBe(true)
    expect(emit('will-frame-navigate', url).defaultPrevented).toBe(true)
    expect(emit('will-redirect', url).defaultPrevented).toBe(true)
  })

  it('treats the dev server origin (scheme, host and port) as the app in dev mode', () => {
    const { emit } = locked('http://localhost:5173')
    expect(emit('will-navigate', 'http://localhost:5173/#/login').defaultPrevented).toBe(false)
    expect(emit('will-navigate', 'http://localhost:5174/').defaultPrevented).toBe(true)
    expect(emit('will-navigate', 'https://localhost:5173/').defaultPrevented).toBe(true)
  })

  it('denies every new window and opens nothing outside while the allowlist is empty', () => {
    const { openWindow } = locked()
    for (const url of ['https://www.service-public.fr/', 'app://guichet/index.html', 'http://example.com/']) {
      expect(openWindow(url)).toEqual({ action: 'deny' })
    }
    expect(openExternal).not.toHaveBeenCalled()
  })

  it('prevents attaching a <webview>', () => {
    const { emit } = locked()
    expect(emit('will-attach-webview').defaultPrevented).toBe(true)
  })
})

describe('isAllowedExternal', () => {
  it('refuses everything while the allowlist is empty', () => {
    expect(EXTERNAL_ORIGINS.size).toBe(0)
    for (const url of ['https://www.service-public.fr/', 'http://example.com', 'file:///etc/passwd', 'mailto:a@b.fr', '', 'x']) {
      expect(isAllowedExternal(url)).toBe(false)
    }
  })

  it('with an allowlist, accepts only https URLs of exactly those origins', () => {
    const allow = new Set(['https://www.service-public.fr'])
    expect(isAllowedExternal('https://www.service-public.fr/particuliers', allow)).toBe(true)
    expect(isAllowedExternal('http://www.service-public.fr/', allow)).toBe(false)
    expect(isAllowedExternal('https://www.service-public.fr.evil.example/', allow)).toBe(false)
    expect(isAllowedExternal('https://user:pw@www.service-public.fr/', allow)).toBe(false)
    expect(isAllowedExternal('https://www.service-public.fr:8443/', allow)).toBe(false)
  })

  it('hands an allow-listed link to the system browser, still denying the window', () => {
    const fake = fakeContents()
    lockDownWebContents(fake.contents as never, APP, new Set(['https://www.service-public.fr']))
    expect(fake.openWindow('https://www.service-public.fr/aide')).toEqual({ action: 'deny' })
    expect(openExternal).toHaveBeenCalledExactlyOnceWith('https://www.service-public.fr/aide')
  })
})

describe('installAppWideGuards', () => {
  it('locks down every web contents the app creates', () => {
    const on = vi.fn()
    installAppWideGuards({ on } as never, APP)
    expect(on).toHaveBeenCalledWith('web-contents-created', expect.any(Function))
    const listener = on.mock.calls[0]![1] as Listener
    const fake = fakeContents()
    listener({}, fake.contents)
    expect(fake.emit('will-navigate', 'https://evil.example/').defaultPrevented).toBe(true)
    expect(fake.openWindow('https://evil.example/')).toEqual({ action: 'deny' })
    expect(fake.emit('will-attach-webview').defaultPrevented).toBe(true)
  })
})

describe('lockDownSession', () => {
  function lockedSession() {
    const ses = {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      webRequest: { onHeadersReceived: vi.fn() },
    }
    lockDownSession(ses as never)
    return ses
  }

  it('denies every permission request', () => {
    const ses = lockedSession()
    const handler = ses.setPermissionRequestHandler.mock.calls[0]![0] as Listener
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const callback = vi.fn()
      handler({}, permission, callback, { requestingUrl: 'app://guichet/index.html' })
      expect(callback).toHaveBeenCalledExactlyOnceWith(false)
    }
  })

  it('answers false to every permission check', () => {
    const ses = lockedSession()
    const handler = ses.setPermissionCheckHandler.mock.calls[0]![0] as Listener
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'storage-access']) {
      expect(handler(null, permission, 'app://guichet', {})).toBe(false)
    }
  })

  it('puts the CSP on every response, replacing any CSP the response had', () => {
    const ses = lockedSession()
    const listener = ses.webRequest.onHeadersReceived.mock.calls[0]![0] as Listener
    const callback = vi.fn()
    listener(
      {
        url: 'app://guichet/index.html',
        responseHeaders: { 'content-type': ['text/html'], 'content-security-policy': ["default-src *"] },
      },
      callback,
    )
    const { responseHeaders } = callback.mock.calls[0]![0] as { responseHeaders: Record<string, string[]> }
    expect(responseHeaders['Content-Security-Policy']).toEqual([CONTENT_SECURITY_POLICY])
    expect(responseHeaders['content-security-policy']).toBeUndefined()
    expect(responseHeaders['content-type']).toEqual(['text/html'])

    const bare = vi.fn()
    listener({ url: 'app://guichet/x.js' }, bare)
    expect(bare.mock.calls[0]![0]).toEqual({ responseHeaders: { 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } })
  })

  it('uses the strict policy of ARCHITECTURE.md', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'",
    )
  })
})
