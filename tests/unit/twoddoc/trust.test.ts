import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseTwoDDoc } from '../../../src/main/core/twoddoc/format'
import {
  TrustBundleError,
  auditBundle,
  certificateIssuedBy,
  importBundle,
  importedBundleFile,
  loadBundleInForce,
  parseTrustBundle,
  shippedBundleFile,
  trustStatusOf,
  verifySignature,
  type TrustBundle,
} from '../../../src/main/core/twoddoc/trust'
import { webcrypto } from 'node:crypto'
import '../../support/reflect-metadata'
import * as x509 from '@peculiar/x509'
import { base32, makeTestPki, signedTwoDDoc, testBundle, type TestSigner } from '../../support/twoddoc'

/** The specification's example 15.2.2/02 (facture, v03), signed with its test certificate FR00/0001 (see format.test.ts). */
const SPEC_FACTURE =
  'DC03FR000001123F1636010126FR247500010MME/SPECIMEN/NATACHA\x1d22145 AVENUE DES SPECIMENS\x1d\x1f' +
  'FEDMPW5SO5BNZFYP7FIQUYZFV5H3OF6QERDMOBN7BZ4CC4KVJ4XWUH6EW3CSWILAGLN4XQE6AKHX6RNOI3OXVW6X3IKJASZGL62FBUQ'

const specBundleJson = readFileSync(join(__dirname, '../../fixtures/2ddoc/spec-test-bundle.json'), 'utf8')

const bundleOf = (b: unknown): TrustBundle => parseTrustBundle(JSON.stringify(b))

let signer: TestSigner
let forger: TestSigner
let other: TestSigner

beforeAll(async () => {
  signer = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  // Another key pair for the same authority and certificate ids: a forged CA.
  forger = await makeTestPki({ authorityId: 'FR99', certificateId: 'TS01' })
  other = await makeTestPki({ authorityId: 'FR98', certificateId: 'OT01' })
})

const bill = (s: TestSigner, emittedOn = '2026-10-31'): Promise<string> =>
  signedTwoDDoc({ authorityId: s.authorityId, certificateId: s.certificateId, emittedOn }, s)

describe('trust bundle schema', () => {
  it('reads the specification test bundle (test authority without certificate)', () => {
    const b = parseTrustBundle(specBundleJson)
    expect(b.test).toBe(true)
    expect(b.authorities).toEqual([{ id: 'FR00', certificatePem: null }])
    expect(auditBundle(b)).toEqual([])
  })

  it('refuses malformed JSON, a bad id, an unreadable certificate, an authority without certificate outside a test bundle', () => {
    expect(() => parseTrustBundle('{')).toThrow(TrustBundleError)
    const good = JSON.parse(specBundleJson) as Record<string, unknown>
    expect(() => bundleOf({ ...good, sequence: -1 })).toThrow(/mal formée/)
    expect(() => bundleOf({ ...good, extra: 1 })).toThrow(TrustBundleError)
    expect(() => bundleOf({ ...good, nextUpdate: '31/12/2099' })).toThrow(TrustBundleError)
    // A 31 February is not a day: it would otherwise compare as text and never be "past".
    expect(() => bundleOf({ ...good, nextUpdate: '2026-02-31' })).toThrow(/nextUpdate/)
    expect(() => bundleOf({ ...good, nextUpdate: '2026-13-01' })).toThrow(/nextUpdate/)
    expect(() => bundleOf({ ...good, nextUpdate: '2026-02-2\u0000' })).toThrow(/nextUpdate/)
    expect(() => bundleOf({ ...good, authorities: [{ id: 'fr00', certificatePem: null }] })).toThrow(TrustBundleError)
    expect(() => bundleOf({ ...good, test: false })).toThrow(/liste de test/)
    expect(() =>
      bundleOf({ ...good, signingCertificates: [{ authority: 'FR00', id: '0001', certificatePem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }] }),
    ).toThrow(/illisible/)
  })
})

describe('signature verdict', () => {
  it('the specification example verifies with the test bundle, and says it is the test certificate', () => {
    const v = verifySignature(parseTwoDDoc(SPEC_FACTURE), parseTrustBundle(specBundleJson))
    expect(v.verdict).toBe('valid')
    expect(v.reason).toMatch(/certificat de test/)
  })

  it('one character changed after signing is invalid (the specification example, and a test bill)', async () => {
    const spec = parseTrustBundle(specBundleJson)
    const tampered = SPEC_FACTURE.replace('75000', '75001')
    expect(verifySignature(parseTwoDDoc(tampered), spec).verdict).toBe('invalid')
    const text = await bill(signer)
    const b = bundleOf(testBundle([signer]))
    expect(verifySignature(parseTwoDDoc(text), b)).toMatchObject({ verdict: 'valid' })
    const v = verifySignature(parseTwoDDoc(text.replace('78420', '78421')), b)
    expect(v.verdict).toBe('invalid')
    expect(v.reason).toMatch(/modifié ou contrefait/)
    expect(v.reason).not.toMatch(/78420|78421|LEMERCIER/)
  })

  it('a pair missing from the bundle is unknown_issuer (« liste de confiance à mettre à jour »)', async () => {
    const v = verifySignature(parseTwoDDoc(await bill(other)), bundleOf(testBundle([signer])))
    expect(v.verdict).toBe('unknown_issuer')
    expect(v.reason).toMatch(/liste de confiance à mettre à jour/)
    // Same authority, another certificate id: unknown too.
    const spec = parseTrustBundle(specBundleJson)
    expect(verifySignature(parseTwoDDoc(SPEC_FACTURE.replace('FR000001', 'FR000002')), spec).verdict).toBe('unknown_issuer')
  })

  it('a document signed by a forged CA with the same ids is invalid', async () => {
    const v = verifySignature(parseTwoDDoc(await bill(forger)), bundleOf(testBundle([signer])))
    expect(v.verdict).toBe('invalid')
  })

  it('a present pair whose certificate its authority did not issue is invalid, even with a good signature', async () => {
    // The bundle names the forger's signing certificate under the genuine authority.
    const b = bundleOf({
      ...testBundle([signer]),
      signingCertificates: [{ authority: 'FR99', id: 'TS01', certificatePem: forger.certificatePem }],
    })
    const v = verifySignature(parseTwoDDoc(await bill(forger)), b)
    expect(v.verdict).toBe('invalid')
    expect(v.reason).toMatch(/n'a pas été émis par l'autorité FR99/)
    expect(auditBundle(b)).toEqual([expect.stringMatching(/FR99\/TS01 n'a pas été émis/)])
  })

  it('the test authority check compares the issuer CN: a certificate of another issuer is refused', async () => {
    const b = bundleOf({
      sequence: 0,
      nextUpdate: '2099-12-31',
      test: true,
      authorities: [{ id: 'FR97', certificatePem: null }],
      signingCertificates: [{ authority: 'FR97', id: 'TS01', certificatePem: signer.certificatePem }],
    })
    const text = await signedTwoDDoc({ authorityId: 'FR97', certificateId: 'TS01', emittedOn: '2026-10-31' }, signer)
    expect(verifySignature(parseTwoDDoc(text), b).verdict).toBe('invalid')
  })

  it('a certificate naming the authority as issuer but signed by another key is invalid (no key identifier to tell them apart)', async () => {
    // Same issuer name as the genuine FR99, no authority key identifier: only the signature check tells.
    const leafKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
    const forgerCaKeys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: '0a0b0c',
      subject: 'CN=TS01, O=Emetteur de test, C=FR',
      issuer: new x509.X509Certificate(signer.authorityPem).subject,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2040-01-01T00:00:00Z'),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: leafKeys.publicKey,
      signingKey: forgerCaKeys.privateKey,
    })
    const b = bundleOf({ ...testBundle([signer]), signingCertificates: [{ authority: 'FR99', id: 'TS01', certificatePem: leaf.toString('pem') }] })
    const text = await signedTwoDDoc({ authorityId: 'FR99', certificateId: 'TS01', emittedOn: '2026-10-31' }, { privateKey: leafKeys.privateKey })
    expect(certificateIssuedBy(leaf.toString('pem'), signer.authorityPem)).toBe(false)
    expect(verifySignature(parseTwoDDoc(text), b).verdict).toBe('invalid')
  })

  it('an RSA signing certificate (a few older ones of the list) verifies with SHA-256', async () => {
    const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
    const caKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
    const leafKeys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
    const dates = { notBefore: new Date('2020-01-01T00:00:00Z'), notAfter: new Date('2040-01-01T00:00:00Z') }
    const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: '01', name: 'CN=FR96, C=FR', keys: caKeys, signingAlgorithm: alg, ...dates })
    const leaf = await x509.X509CertificateGenerator.create({
      serialNumber: '02',
      subject: 'CN=RS01, C=FR',
      issuer: ca.subject,
      publicKey: leafKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
      ...dates,
    })
    const b = bundleOf({
      sequence: 1,
      nextUpdate: '2099-12-31',
      authorities: [{ id: 'FR96', certificatePem: ca.toString('pem') }],
      signingCertificates: [{ authority: 'FR96', id: 'RS01', certificatePem: leaf.toString('pem') }],
    })
    const unsigned = 'DC04FR96RS01' + '2475' + '2475' + '0101FR' + '2478420'
    const sig = new Uint8Array(await webcrypto.subtle.sign(alg, leafKeys.privateKey, Buffer.from(unsigned, 'latin1')))
    const text = `${unsigned}\x1f${base32(sig)}`
    expect(verifySignature(parseTwoDDoc(text), b).verdict).toBe('valid')
    expect(verifySignature(parseTwoDDoc(text.replace('78420', '78421')), b).verdict).toBe('invalid')
  })

  it('a signature of the wrong length is invalid', async () => {
    const text = await bill(signer)
    const cut = text.slice(0, -8)
    expect(verifySignature(parseTwoDDoc(cut), bundleOf(testBundle([signer]))).verdict).toBe('invalid')
  })
})

describe('certificates and audit', () => {
  it('certificateIssuedBy: the issuing authority only', () => {
    expect(certificateIssuedBy(signer.certificatePem, signer.authorityPem)).toBe(true)
    expect(certificateIssuedBy(signer.certificatePem, forger.authorityPem)).toBe(false)
    expect(certificateIssuedBy(signer.certificatePem, other.authorityPem)).toBe(false)
    expect(certificateIssuedBy('junk', signer.authorityPem)).toBe(false)
  })

  it('auditBundle: duplicate pair, unknown authority, CN that is not the id', () => {
    const base = testBundle([signer])
    const dup = bundleOf({ ...base, signingCertificates: [...base.signingCertificates, ...base.signingCertificates] })
    expect(auditBundle(dup)).toEqual([expect.stringMatching(/deux fois/)])
    const orphan = bundleOf({ ...base, signingCertificates: [{ authority: 'FR98', id: 'OT01', certificatePem: other.certificatePem }] })
    expect(auditBundle(orphan)).toEqual([expect.stringMatching(/autorité absente/)])
    const renamed = bundleOf({ ...base, signingCertificates: [{ authority: 'FR99', id: 'TS02', certificatePem: signer.certificatePem }] })
    expect(auditBundle(renamed)).toEqual([expect.stringMatching(/autre nom/)])
  })
})

describe('bundle in force, import, status', () => {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })
  const setup = (shipped: unknown): { resources: string; data: string } => {
    const root = mkdtempSync(join(tmpdir(), 'twoddoc-trust-'))
    dirs.push(root)
    const resources = join(root, 'resources')
    const data = join(root, 'data')
    mkdirSync(join(resources, '2ddoc'), { recursive: true })
    writeFileSync(shippedBundleFile(resources), JSON.stringify(shipped))
    return { resources, data }
  }

  it('the shipped bundle, then an imported newer one; an older or test bundle, or one failing its audit, is refused', () => {
    const { resources, data } = setup(testBundle([signer], { sequence: 5, nextUpdate: '2026-12-31' }))
    const first = loadBundleInForce(resources, data)
    expect(first.source).toBe('shipped')
    expect(trustStatusOf(first, '2026-12-02')).toEqual({
      sequence: 5,
      nextUpdate: '2026-12-31',
      outdated: false,
      source: 'shipped',
      authorities: 1,
      signingCertificates: 1,
      test: false,
      importedAt: null,
    })
    expect(trustStatusOf(first, '2027-01-01').outdated).toBe(true)

    expect(() => importBundle(data, specBundleJson, first.bundle, new Date())).toThrow(/test/)
    expect(() => importBundle(data, JSON.stringify(testBundle([signer, other], { sequence: 4 })), first.bundle, new Date())).toThrow(/plus ancienne/)
    const forged = { ...testBundle([signer], { sequence: 6 }), signingCertificates: [{ authority: 'FR99', id: 'TS01', certificatePem: forger.certificatePem }] }
    expect(() => importBundle(data, JSON.stringify(forged), first.bundle, new Date())).toThrow(/refusée/)

    const now = new Date('2026-12-02T10:00:00Z')
    const imported = importBundle(data, JSON.stringify(testBundle([signer, other], { sequence: 6 })), first.bundle, now)
    expect(imported.signingCertificates).toHaveLength(2)
    const second = loadBundleInForce(resources, data)
    expect(second.source).toBe('imported')
    expect(second.importedAt).toBe(now.toISOString())
    expect(second.bundle.sequence).toBe(6)
  })

  it('the same files give the same bundle object (parsed once); an import gives the new one', () => {
    const { resources, data } = setup(testBundle([signer], { sequence: 5 }))
    const a = loadBundleInForce(resources, data)
    expect(loadBundleInForce(resources, data).bundle).toBe(a.bundle)
    importBundle(data, JSON.stringify(testBundle([signer, other], { sequence: 6 })), a.bundle, new Date())
    const b = loadBundleInForce(resources, data)
    expect(b.bundle).not.toBe(a.bundle)
    expect(b).toMatchObject({ source: 'imported', bundle: { sequence: 6 } })
  })

  it('an application update shipping a newer bundle wins over an older import; an unreadable import is ignored', () => {
    const { resources, data } = setup(testBundle([signer], { sequence: 9 }))
    mkdirSync(join(data, '2ddoc'), { recursive: true })
    writeFileSync(importedBundleFile(data), JSON.stringify(testBundle([signer, other], { sequence: 7 })))
    expect(loadBundleInForce(resources, data).source).toBe('shipped')
    writeFileSync(importedBundleFile(data), '{ broken')
    expect(loadBundleInForce(resources, data).source).toBe('shipped')
  })

  it('no shipped bundle is an error in French', () => {
    const root = mkdtempSync(join(tmpdir(), 'twoddoc-trust-'))
    dirs.push(root)
    expect(() => loadBundleInForce(join(root, 'nothing'), root)).toThrow(/introuvable/)
  })
})
