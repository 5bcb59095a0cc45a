import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BILL_FIELDS, BILL_SECRETS, type BillOptions, billImage, billPdf, makeTestPki, signedTwoDDoc, testBundle } from '../../support/twoddoc'

/**
 * `npm run 2ddoc -- read FILE [--trust BUNDLE]` (issue 13, item 3), run as a process on files
 * written here: one JSON line with exactly the keys, exit 0 (found or not); exit 2 and
 * one French line on stderr for what cannot be read. Each run starts tsx (1–2 s): few runs.
 */

const ROOT = join(__dirname, '../../..')
let dir: string
let bundleFile: string
const files: Record<string, string> = {}

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(args: string[], cmd = 'npx', pre: string[] = ['tsx', 'scripts/2ddoc.ts']): Promise<Run> {
  return new Promise((resolve) => {
    execFile(cmd, [...pre, ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

/** The line, keys in its order. */
function line(o: {
  signature: string
  documentType: string
  proofOfAddress: boolean
  emittedOn: string | null
  holder: string | null
  addressLine: string | null
  postcode: string | null
  city: string | null
  truncatedFields: string[]
}): string {
  return JSON.stringify({
    found: true,
    signature: o.signature,
    documentType: o.documentType,
    proofOfAddress: o.proofOfAddress,
    emittedOn: o.emittedOn,
    holder: o.holder,
    addressLine: o.addressLine,
    postcode: o.postcode,
    city: o.city,
    truncatedFields: o.truncatedFields,
  })
}

const LEMERCIER = {
  signature: 'valid',
  documentType: '01',
  proofOfAddress: true,
  emittedOn: '2026-11-20',
  holder: 'M LEMERCIER PIERRE-ALEXANDRE',
  addressLine: '37 RUE ALEXANDRE-DUMAS',
  postcode: '78420',
  city: 'CARRIERES-SUR-SEINE',
  truncatedFields: [] as string[],
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'twoddoc-cli-'))
  const real = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  const forged = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  const other = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS02' })
  bundleFile = join(dir, 'bundle.json')
  writeFileSync(bundleFile, JSON.stringify(testBundle([real])))
  const bill = (o: Partial<BillOptions> = {}): BillOptions => ({ authorityId: 'FR99', certificateId: 'TS01', emittedOn: '2026-11-20', ...o })
  const put = (name: string, bytes: Uint8Array) => {
    files[name] = join(dir, name)
    writeFileSync(files[name], bytes)
  }
  put('valid.png', await billImage(await signedTwoDDoc(bill(), real)))
  put('valid.pdf', await billPdf(await signedTwoDDoc(bill(), real)))
  put('invalid.jpg', await billImage(await signedTwoDDoc(bill(), forged), { format: 'jpeg', quality: 80 }))
  put('unknown.png', await billImage(await signedTwoDDoc(bill({ certificateId: 'TS02' }), other)))
  put(
    'impot.png',
    await billImage(await signedTwoDDoc(bill({ documentType: '04', emittedOn: null, fields: [['10', 'M/LEMERCIER/PIERRE-ALEXANDRE'], ['40', '1234567890123'], ['41', '1042876']] }), real)),
  )
  const truncated: BillOptions['fields'] = BILL_FIELDS.map(([id, v]) => (id === '25' ? ['25', 'CARRIERES-SUR-SEI', 'truncated'] : [id, v]))
  put('truncated.png', await billImage(await signedTwoDDoc(bill({ fields: truncated }), real), { rotate: 90 }))
  put('nocode.png', await billImage(''))
  put('garbage.png', new Uint8Array(2048).map((_, i) => (i * 73 + 5) & 255))
}, 60_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('npm run 2ddoc -- read FILE --trust BUNDLE', () => {
  it('a valid bill, through npm run as the issue writes it: the exact line, exit 0', async () => {
    const r = await run(['--silent', '2ddoc', '--', 'read', files['valid.png']!, '--trust', bundleFile], 'npm', ['run'])
    expect(r.stdout.trim()).toBe(line(LEMERCIER))
    expect(r.code).toBe(0)
  }, 60_000)

  it.each([
    ['valid.pdf', line(LEMERCIER)],
    ['invalid.jpg', line({ ...LEMERCIER, signature: 'invalid' })],
    ['unknown.png', line({ ...LEMERCIER, signature: 'unknown_issuer' })],
    [
      'impot.png',
      // Not a proof of address: whose and where stay unread.
      line({ signature: 'valid', documentType: '04', proofOfAddress: false, emittedOn: null, holder: null, addressLine: null, postcode: null, city: null, truncatedFields: [] }),
    ],
    ['truncated.png', line({ ...LEMERCIER, city: 'CARRIERES-SUR-SEI', truncatedFields: ['25'] })],
    ['nocode.png', JSON.stringify({ found: false })],
  ])('%s: the exact line, exit 0', async (name, expected) => {
    const r = await run(['read', files[name]!, '--trust', bundleFile])
    expect(r.stdout.trim()).toBe(expected)
    expect(r.stdout.trim().split('\n')).toHaveLength(1)
    expect(r.code).toBe(0)
    for (const secret of BILL_SECRETS) expect(r.stdout + r.stderr).not.toContain(secret)
  }, 60_000)

  it('unreadable bytes: exit 2, one French line on stderr, nothing on stdout', async () => {
    const r = await run(['read', files['garbage.png']!, '--trust', bundleFile])
    expect(r.code).toBe(2)
    expect(r.stdout.trim()).toBe('')
    const err = r.stderr.trim().split('\n')
    expect(err).toHaveLength(1)
    expect(err[0]).toMatch(/[a-zé]{3,}/)
  }, 60_000)
})
