import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'

// net.fetch(file://…) is Chromium's file loader; here it reads the file with Node.
const electron = vi.hoisted(() => ({
  net: {
    fetch: vi.fn(async (url: string) => {
      const { readFile: read } = await import('node:fs/promises')
      const { fileURLToPath: toPath } = await import('node:url')
      return new Response(await read(toPath(url)), { status: 200 })
    }),
  },
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
}))
vi.mock('electron', () => electron)

import {
  APP_ENTRY_URL,
  createAppProtocolHandler,
  installAppProtocol,
  registerAppScheme,
  resolveAppPath,
} from '../../../src/main/shell/protocol'
import { CONTENT_SECURITY_POLICY } from '../../../src/main/shell/security'

let base: string
let root: string

beforeAll(() => {
  // base/secret.txt sits next to the served folder base/renderer: what traversal would reach.
  base = mkdtempSync(join(tmpdir(), 'guichet-protocol-'))
  root = join(base, 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Guichet Famille</title>')
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log("guichet")')
  writeFileSync(join(root, 'assets', 'un fichier é.css'), 'body{}')
  writeFileSync(join(base, 'secret.txt'), 'SECRET')
  writeFileSync(join(base, 'renderer-evil.txt'), 'SECRET')
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out.txt'))
})
afterAll(() => rmSync(base, { recursive: true, force: true }))
beforeEach(() => {
  electron.net.fetch.mockClear()
})

const get = (url: string, method = 'GET') => createAppProtocolHandler(root)(new Request(url, { method }))

describe('app:// protocol', () => {
  it('registers app: as a standard, secure, fetch-capable scheme', () => {
    registerAppScheme()
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ])
  })

  it('installs one handler for the app scheme', () => {
    installAppProtocol(root)
    expect(electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function))
  })

  it('serves a real file of the renderer folder through net.fetch(file://…), with CSP and MIME type', async () => {
    const res = await get(APP_ENTRY_URL)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('<!doctype html><title>Guichet Famille</title>')
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const [fileUrl] = electron.net.fetch.mock.calls[0]!
    expect(fileURLToPath(fileUrl)).toBe(join(root, 'index.html'))

    const js = await get('app://guichet/assets/app.js?v=1#x')
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await js.text()).toBe(await readFile(join(root, 'assets', 'app.js'), 'utf8'))

    const encoded = await get('app://guichet/assets/un%20fichier%20%C3%A9.css')
    expect(encoded.status).toBe(200)
    expect(await encoded.text()).toBe('body{}')
  })

  it('serves index.html for the bare origin', async () => {
    const res = await get('app://guichet/')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('Guichet Famille')
  })

  it.each([
    'app://guichet/../../etc/passwd',
    'app://guichet/../secret.txt',
    'app://guichet/%2e%2e/secret.txt',
    'app://guichet/%2E%2E/%2e%2e/etc/passwd',
    'app://guichet/%2e%2e%2fsecret.txt',
    'app://guichet/..%2f..%2f..%2fetc%2fpasswd',
    'app://guichet/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://guichet/%2fetc%2fpasswd',
    'app://guichet/..%5csecret.txt',
    'app://guichet/index.html%00.js',
    'app://guichet/%E0%A4%A',
    'app://guichet/link-out.txt',
    'app://guichet/assets',
    'app://guichet/missing.js',
    'app://other/index.html',
    'app://guichet.evil/index.html',
  ])('answers 404 to %s without leaving the folder', async (url) => {
    const res = await get(url)
    expect(res.status).toBe(404)
    expect(await res.text()).not.toContain('SECRET')
    for (const [fileUrl] of electron.net.fetch.mock.calls) {
      expect(fileURLToPath(fileUrl).startsWith(join(root, '/'))).toBe(true)
    }
  })

  it('refuses methods other than GET and HEAD', async () => {
    expect((await get(APP_ENTRY_URL, 'POST')).status).toBe(405)
    const head = await get(APP_ENTRY_URL, 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
  })

  it('resolveAppPath keeps every resolved path strictly inside the root', () => {
    expect(resolveAppPath(root, 'app://guichet/index.html')).toBe(join(root, 'index.html'))
    expect(resolveAppPath(root, 'app://guichet/')).toBe(join(root, 'index.html'))
    expect(resolveAppPath(root, 'app://guichet/%2e%2e%2fsecret.txt')).toBeNull()
    expect(resolveAppPath(root, 'app://guichet/..%2frenderer-evil.txt')).toBeNull()
    expect(resolveAppPath(root, 'file:///etc/passwd')).toBeNull()
    expect(resolveAppPath(root, 'not a url')).toBeNull()
  })
})
