import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseTwoDDoc } from '../../../src/main/core/twoddoc/format'
import { readTwoDDocFile } from '../../../src/main/core/twoddoc/reader'
import { parseTrustBundle, verifySignature } from '../../../src/main/core/twoddoc/trust'
import { dataMatrixPng } from '../../support/twoddoc'

/**
 * Every official example of the ANTS specification (3.1.3, §15.2: 15.2.1 headers v04, 15.2.2 v03,
 * 15.2.3 v02), as published in nipo/tdd (tests/fixtures/2ddoc/spec/README.md): the text parses to
 * the example's header and fields and verifies 'valid' with the specification's test certificate
 * (tests/fixtures/2ddoc/spec-test-bundle.json); then the same text as a DataMatrix image, through
 * readTwoDDocFile.
 */

const DIR = join(__dirname, '../../fixtures/2ddoc/spec')
const bundle = parseTrustBundle(readFileSync(join(__dirname, '../../fixtures/2ddoc/spec-test-bundle.json'), 'utf8'))

interface Example {
  name: string
  title: string
  text: string
  header: Record<string, string | null>
  fields: Record<string, string>
  signatureHex: string
}

/** The examples' yaml is simple: "header:" and "fields:" maps of `key: value` lines, and a (possibly wrapped) quoted signature. */
function readYaml(source: string): Omit<Example, 'name' | 'text'> {
  const lines = source.split(/\r?\n/)
  const title = (lines[0] ?? '').replace(/^#\s*/, '')
  const header: Record<string, string | null> = {}
  const fields: Record<string, string> = {}
  let section: 'header' | 'fields' | null = null
  let signature = ''
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.trim() === '' || line.trim().startsWith('#')) continue
    const top = /^(header|fields|signature):\s*(.*)$/.exec(line)
    if (top) {
      if (top[1] === 'signature') {
        let value = top[2]!
        while (value.split('"').length < 3 && i + 1 < lines.length) value += lines[++i]!
        signature = value.replace(/[\s"]/g, '')
        section = null
      } else section = top[1] as 'header' | 'fields'
      continue
    }
    const entry = /^\s+"?([^":]+)"?:\s*(.*)$/.exec(line)
    if (!entry || !section) throw new Error(`yaml line not understood: ${line}`)
    const raw = entry[2]!
    const value = raw === 'null' ? null : raw.startsWith('"') ? raw.slice(1, -1) : raw
    if (section === 'header') header[entry[1]!] = value
    else fields[entry[1]!] = value ?? ''
  }
  return { title, header, fields, signatureHex: signature }
}

const examples: Example[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .map((f) => {
    const name = f.replace(/\.txt$/, '')
    return {
      name,
      text: readFileSync(join(DIR, f), 'latin1').replace(/[\r\n]+$/, ''),
      ...readYaml(readFileSync(join(DIR, `${name}.yaml`), 'utf8')),
    }
  })

/** Identifiers nipo/tdd gives in decimal where the barcode holds hex digits (its yaml says so). */
const HEX_INT = new Set(['A7', '7H', 'BF'])

function base32ToText(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let acc = 0
  let bits = 0
  let out = ''
  for (const c of text.replace(/=+$/, '')) {
    acc = (acc << 5) | alphabet.indexOf(c)
    bits += 5
    if (bits >= 8) {
      out += String.fromCharCode((acc >>> (bits - 8)) & 255)
      bits -= 8
      acc &= (1 << bits) - 1
    }
  }
  return out
}

/**
 * The barcode's raw value against nipo/tdd's reading of it: equal, or the same once read the way
 * the specification types it (DDMMYYYY or 4 hex digits of days since 2000-01-01 for a date,
 * DDMMYYYYHHMM for a date and time, zero-padded numbers, hex integers, Base32 URLs).
 */
function sameValue(id: string, raw: string, expected: string): boolean {
  if (raw === expected) return true
  if (/^0+\d/.test(raw) && raw.replace(/^0+(?=\d)/, '') === expected.replace(/^0+(?=\d)/, '')) return true
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(expected)
  if (date) {
    if (raw === `${date[3]}${date[2]}${date[1]}`) return true
    if (/^[0-9A-F]{4}$/.test(raw)) {
      const day = new Date(Date.UTC(2000, 0, 1) + parseInt(raw, 16) * 86_400_000).toISOString().slice(0, 10)
      return day === expected
    }
    return false
  }
  const dateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):00$/.exec(expected)
  if (dateTime) return raw === `${dateTime[3]}${dateTime[2]}${dateTime[1]}${dateTime[4]}${dateTime[5]}`
  if (HEX_INT.has(id) && /^[0-9A-F]+$/.test(raw)) return parseInt(raw, 16) === Number(expected)
  if (id === '0C') return base32ToText(raw) === expected
  return false
}

describe('the specification’s official examples (text)', () => {
  it('are all there: 17 headers v04, 20 v03, 11 v02', () => {
    expect(examples.filter((e) => e.name.startsWith('15.2.1-'))).toHaveLength(17)
    expect(examples.filter((e) => e.name.startsWith('15.2.2-'))).toHaveLength(20)
    expect(examples.filter((e) => e.name.startsWith('15.2.3-'))).toHaveLength(11)
  })

  it.each(examples.map((e) => [`${e.name} ${e.title}`, e] as const))('%s', (_label, e) => {
    const parsed = parseTwoDDoc(e.text)
    const h = e.header
    expect(parsed.header).toMatchObject({
      version: Number(h.version),
      authority: h.ca_id,
      certificate: h.cert_id,
      emittedOn: h.emit_date ?? null,
      signedOn: h.sign_date ?? null,
      documentType: h.doc_type_id,
      perimeter: String(h.perimeter_id ?? '1').padStart(2, '0'),
      length: { 2: 22, 3: 24, 4: 26 }[Number(h.version)],
    })
    if (h.version === '4') expect(parsed.header.country).toBe(h.country_id)
    expect(Buffer.from(parsed.signature).toString('hex')).toBe(e.signatureHex)
    expect(parsed.signedText).toBe(e.text.slice(0, e.text.indexOf('\x1f')))

    const got = Object.fromEntries(parsed.fields.map((f) => [f.id, f.value]))
    // The customs examples (15.2.1/08–12) write an EORI (DH, DP, DW) without <GS> before the next identifier: read here too.
    expect(parsed.fields.map((f) => f.id).sort()).toEqual(Object.keys(e.fields).sort())
    expect(parsed.problems).toEqual([])
    for (const id of Object.keys(e.fields)) {
      expect({ id, same: sameValue(id, got[id] ?? '<absent>', e.fields[id] ?? '<absent>'), raw: got[id] }).toMatchObject({ id, same: true })
    }
    expect(parsed.fields.every((f) => !f.truncated)).toBe(true)

    expect(verifySignature(parsed, bundle)).toMatchObject({ verdict: 'valid' })
  })

  it('one changed character in the signed part, or in the signature, is invalid', () => {
    const e = examples.find((x) => x.name === '15.2.2-02')!
    const tampered = e.text.replace('145 AVENUE', '146 AVENUE')
    expect(verifySignature(parseTwoDDoc(tampered), bundle).verdict).toBe('invalid')
    const at = e.text.indexOf('\x1f') + 5
    const otherSig = e.text.slice(0, at) + (e.text[at] === 'A' ? 'B' : 'A') + e.text.slice(at + 1)
    expect(verifySignature(parseTwoDDoc(otherSig), bundle).verdict).toBe('invalid')
  })
})

describe('the specification’s official examples (as DataMatrix images)', () => {
  it('every example read from a PNG gives its header and a valid signature', async () => {
    for (const e of examples) {
      const o = await readTwoDDocFile(await dataMatrixPng(e.text, 3), 'image/png', bundle)
      expect({ name: e.name, found: o.found }).toEqual({ name: e.name, found: true })
      if (!o.found) continue
      expect({ name: e.name, signature: o.signature, authority: o.authority, certificate: o.certificate, documentType: o.documentType }).toEqual({
        name: e.name,
        signature: 'valid',
        authority: 'FR00',
        certificate: '0001',
        documentType: e.header.doc_type_id,
      })
      expect(o.emittedOn).toBe(e.header.emit_date ?? null)
    }
  }, 120_000)

  it('the proofs of address give holder, address, postcode, city', async () => {
    const domicile = await readTwoDDocFile(await dataMatrixPng(examples.find((x) => x.name === '15.2.2-01')!.text), 'image/png', bundle)
    expect(domicile).toMatchObject({
      found: true,
      signature: 'valid',
      documentType: '00',
      perimeter: '01',
      proofOfAddress: true,
      emittedOn: '2012-10-15',
      holder: expect.stringContaining('SAMPLE'),
      holderName: { title: 'MLLE', surname: 'SAMPLE', given: 'ANGELA' },
      addressLine: expect.stringContaining('7 PLACE DES SPECIMENS'),
      postcode: '57000',
      city: 'METZ',
      truncatedFields: [],
    })
    const facture = await readTwoDDocFile(await dataMatrixPng(examples.find((x) => x.name === '15.2.3-02')!.text), 'image/png', bundle)
    expect(facture).toMatchObject({
      found: true,
      signature: 'valid',
      documentType: '01',
      proofOfAddress: true,
      emittedOn: '2012-11-15',
      holderName: { title: 'MME', surname: 'SPECIMEN', given: 'NATACHA' },
      addressLine: '145 AVENUE DES SPECIMENS',
      postcode: '75000',
      city: null,
    })
    const taxe = await readTwoDDocFile(await dataMatrixPng(examples.find((x) => x.name === '15.2.2-03')!.text), 'image/png', bundle)
    expect(taxe).toMatchObject({ documentType: '02', proofOfAddress: true, postcode: '44000', city: 'NANTES', signature: 'valid' })
    const impot = await readTwoDDocFile(await dataMatrixPng(examples.find((x) => x.name === '15.2.2-05')!.text), 'image/png', bundle)
    expect(impot).toMatchObject({ found: true, documentType: '04', proofOfAddress: false, signature: 'valid' })
  })
})
