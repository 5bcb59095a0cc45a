import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HTTP_API_PREFIX, HTTP_TOKEN_HEADER } from '@shared/contract'
import { SCAN_UPLOAD_PATH } from '@shared/contract/scans'
import { PDF_OPEN_PATH } from '@shared/contract/pdf'
import { startWebShell, type RunningWebShell } from '../../../src/main/web/shell'
import { JPEG_HEAD, PNG_1x1, TEXT_FILE, pdfBytes } from '../../helpers/scan-files'

// The real web shell: this process serves HTTP and streams the upload to a temp file; the core
// host (a Node child, src/main/host/child.ts through tsx) imports it on the host message 'scan'.
// No portal (GUICHET_PORTAL=off): the local demo town gives the demo agents.
const ROOT = resolve(__dirname, '../../..')
const dataDir = mkdtempSync(join(tmpdir(), 'guichet-web-scans-'))
let shell: RunningWebShell

beforeAll(async () => {
  shell = await startWebShell({
    config: { dataDir, migrationsFolder: join(ROOT, 'resources/migrations') },
    hostEntry: join(ROOT, 'src/main/host/child.ts'),
    hostExecArgv: ['--import', 'tsx'],
    rendererDir: join(dataDir, 'no-renderer'),
    port: 0,
    env: { ...process.env, GUICHET_PORTAL: 'off', GUICHET_DEMO_FAMILIES: '3', DATABASE_URL: '' },
    log: () => {},
  })
  await shell.host.whenReady()
}, 120_000)

afterAll(async () => {
  await shell?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const call = (ns: string, method: string, body: unknown) =>
  fetch(`${shell.address}${HTTP_API_PREFIX}/${ns}/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HTTP_TOKEN_HEADER]: shell.token },
    body: JSON.stringify(body),
  }).then((r) => r.json())

async function upload(bytes: Uint8Array, name: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${shell.address}${SCAN_UPLOAD_PATH}?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', [HTTP_TOKEN_HEADER]: shell.token, ...headers },
    body: bytes,
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const stored = () => (existsSync(join(dataDir, 'scans')) ? readdirSync(join(dataDir, 'scans')).sort() : [])

describe('web shell: scans by their own upload route, imported by the core host', () => {
  it('refuses an upload without the token, or before an agent logs in', async () => {
    expect((await upload(await pdfBytes(), 'a.pdf', { [HTTP_TOKEN_HEADER]: 'faux' })).status).toBe(401)
    expect((await upload(await pdfBytes(), 'a.pdf')).body).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
    expect(stored()).toEqual([])
  })

  it('imports a PDF and a PNG; refuses a renamed text file and a PNG named .pdf; nothing else is stored', async () => {
    expect(await call('session', 'login', { login: 'accueil', password: 'accueil2026' })).toMatchObject({ ok: true })
    const pdf = await pdfBytes('avis CAF')
    const ok = await upload(pdf, 'Avis CAF août.pdf')
    expect(ok).toEqual({ status: 200, body: { ok: true, data: { sha256: sha(pdf), mime: 'application/pdf', size: pdf.length, name: 'Avis CAF août.pdf' } } })
    expect(readFileSync(join(dataDir, 'scans', `${sha(pdf)}.pdf`)).equals(Buffer.from(pdf))).toBe(true)
    expect((await upload(PNG_1x1, 'photo.png')).body).toMatchObject({ ok: true, data: { mime: 'image/png' } })
    expect((await upload(JPEG_HEAD, 'scan')).body).toMatchObject({ ok: true, data: { mime: 'image/jpeg', name: 'scan' } })

    const text = await upload(TEXT_FILE, 'facture.pdf')
    expect(text.body).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'SCAN_TYPE' } } })
    expect((text.body.error as { details: { reason: string } }).details.reason).toMatch(/^« facture\.pdf » n'est pas un PDF/)
    const lying = await upload(PNG_1x1, 'avis.pdf')
    expect(lying.body).toMatchObject({ ok: false, error: { details: { rule: 'SCAN_NAME_MISMATCH' } } })
    expect(stored()).toEqual([`${sha(JPEG_HEAD)}.jpg`, `${sha(pdf)}.pdf`, `${sha(PNG_1x1)}.png`].sort())
  })

  it('refuses more than 10 MB with the French message, declared or streamed', async () => {
    const big = new Uint8Array(13_002_342)
    big.set(await pdfBytes())
    const declared = await upload(big, 'gros.pdf')
    expect(declared).toEqual({
      status: 413,
      body: { ok: false, error: { code: 'RULE_REJECTED', message: 'Scan too big', details: { rule: 'SCAN_TOO_BIG', reason: 'Fichier trop volumineux (12,4 Mo) : 10 Mo au plus.' } } },
    })
    // Chunked (no Content-Length): counted while streamed, cut at the limit.
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 13; i++) controller.enqueue(big.subarray(i * 1_000_000, (i + 1) * 1_000_000))
        controller.close()
      },
    })
    const res = await fetch(`${shell.address}${SCAN_UPLOAD_PATH}?name=flux.pdf`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [HTTP_TOKEN_HEADER]: shell.token },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ ok: false, error: { details: { rule: 'SCAN_TOO_BIG' } } })
    expect(stored().some((f) => f.startsWith(sha(big)))).toBe(false)
  })

  it('refuses a bad name and a JSON body on the upload route', async () => {
    const bad = await fetch(`${shell.address}${SCAN_UPLOAD_PATH}?name=${encodeURIComponent('a\nb.pdf')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', [HTTP_TOKEN_HEADER]: shell.token },
      body: await pdfBytes(),
    })
    expect(bad.status).toBe(400)
    const json = await fetch(`${shell.address}${SCAN_UPLOAD_PATH}?name=a.pdf`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [HTTP_TOKEN_HEADER]: shell.token },
      body: JSON.stringify({ path: '/etc/passwd' }),
    })
    expect(json.status).toBe(415)
  })
})

describe('web shell: a PDF the core produced, opened in a tab', () => {
  it('serves it once posted, at an unguessable URL, as an inline PDF with its own CSP', async () => {
    const pdf = await pdfBytes('récap')
    const posted = await fetch(`${shell.address}${PDF_OPEN_PATH}?name=${encodeURIComponent('recapitulatif F-0001 2026-2027.pdf')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/pdf', [HTTP_TOKEN_HEADER]: shell.token },
      body: pdf,
    })
    const body = (await posted.json()) as { ok: boolean; data: { url: string } }
    expect(body.ok).toBe(true)
    expect(body.data.url).toMatch(/^\/pdf\/[A-Za-z0-9_-]{24}$/)
    const got = await fetch(`${shell.address}${body.data.url}`)
    expect(got.status).toBe(200)
    expect(got.headers.get('content-type')).toBe('application/pdf')
    expect(got.headers.get('content-disposition')).toBe(
      `inline; filename="recapitulatif F-0001 2026-2027.pdf"; filename*=UTF-8''recapitulatif%20F-0001%202026-2027.pdf`,
    )
    expect(got.headers.get('content-security-policy')).toBe("script-src 'none'; object-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    expect(got.headers.get('x-guichet-pdf')).toBeNull()
    expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(pdf))).toBe(true)
    // The app's own pages keep the strict CSP.
    const other = await fetch(`${shell.address}/pdf/inconnu`)
    expect(other.status).toBe(404)
    expect(other.headers.get('content-security-policy')).toContain("object-src 'none'")
  })

  it('refuses what is not a PDF, and a post without the token', async () => {
    const notPdf = await fetch(`${shell.address}${PDF_OPEN_PATH}?name=x`, {
      method: 'POST',
      headers: { 'content-type': 'application/pdf', [HTTP_TOKEN_HEADER]: shell.token },
      body: '<html><script>alert(1)</script></html>',
    })
    expect(notPdf.status).toBe(400)
    const noToken = await fetch(`${shell.address}${PDF_OPEN_PATH}?name=x`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: await pdfBytes() })
    expect(noToken.status).toBe(401)
  })
})
