import { X509Certificate, webcrypto } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import '../../support/reflect-metadata'
import * as x509 from '@peculiar/x509'
import { SignedXml } from 'xml-crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auditBundle, certificateIssuedBy, parseTrustBundle, type TrustBundle } from '../../../src/main/core/twoddoc/trust'
import { ANTS_SIGNER_LIST_22, buildBundle, main, readCertificateFolder, readTrustList } from '../../../scripts/2ddoc-bundle'
import { makeTestPki, type TestSigner } from '../../support/twoddoc'

/**
 * The 2D-Doc trust bundles (docs/2d-doc.md): the shipped one (resources/2ddoc, built from ANTS's
 * list 22) and the specification's test bundle are what the application accepts; the build
 * script checks the list's signature and keeps only the signing certificates its authorities
 * issued.
 */

const root = join(__dirname, '../../..')
const shippedJson = readFileSync(join(root, 'resources/2ddoc/trust-bundle.json'), 'utf8')
const specJson = readFileSync(join(root, 'tests/fixtures/2ddoc/spec-test-bundle.json'), 'utf8')
const antsList = readFileSync(join(root, 'tests/fixtures/2ddoc/ants-tsl-22.xml'), 'utf8')

const cn = (dn: string): string | undefined => dn.split('\n').find((l) => l.startsWith('CN='))?.slice(3)

describe('the shipped trust bundle', () => {
  const bundle: TrustBundle = parseTrustBundle(shippedJson)

  it('is ANTS list 22, not a test bundle, and audits clean', () => {
    expect(bundle.sequence).toBe(22)
    expect(bundle.nextUpdate).toBe('2026-02-25')
    expect(bundle.test ?? false).toBe(false)
    expect(bundle.authorities.map((a) => a.id)).toEqual(['FR01', 'FR03', 'FR04', 'FR05', 'FR06', 'FR07'])
    expect(bundle.signingCertificates).toHaveLength(221)
    expect(auditBundle(bundle)).toEqual([])
  })

  it('holds, for every signing certificate, one issued by its authority, named by its CN', () => {
    const authorities = new Map(bundle.authorities.map((a) => [a.id, a.certificatePem]))
    const pairs = new Set<string>()
    for (const s of bundle.signingCertificates) {
      const authorityPem = authorities.get(s.authority)
      expect(authorityPem, `${s.authority}/${s.id}`).toBeTruthy()
      expect(certificateIssuedBy(s.certificatePem, authorityPem!), `${s.authority}/${s.id}`).toBe(true)
      expect(cn(new X509Certificate(s.certificatePem).subject)).toBe(s.id)
      pairs.add(`${s.authority}/${s.id}`)
    }
    expect(pairs.size).toBe(bundle.signingCertificates.length)
    for (const a of bundle.authorities) expect(cn(new X509Certificate(a.certificatePem!).subject)).toBe(a.id)
  })

  it('has the authorities of the signed list it was built from, which verifies', () => {
    const list = readTrustList(antsList)
    expect(list.signature.status).toBe('valid')
    expect(list.signature.signerSubject).toContain('CN=ANTS CACHET 2DDOC')
    expect(list.signature.signerSha256).toBe(ANTS_SIGNER_LIST_22)
    expect(list.sequence).toBe(22)
    expect(list.nextUpdate).toBe('2026-02-25')
    expect(list.authorities.map((a) => [a.id, a.certificate.toString().trim()])).toEqual(
      bundle.authorities.map((a) => [a.id, a.certificatePem!.trim()]),
    )
  })

  it('refuses the same list changed by one character after ANTS signed it', () => {
    const tampered = antsList.replace('<tsl:TSLSequenceNumber>22<', '<tsl:TSLSequenceNumber>23<')
    expect(tampered).not.toBe(antsList)
    const list = readTrustList(tampered)
    expect(list.signature.status).toBe('invalid')
    expect(list.signature.detail).toContain('modifiée après sa signature')
  })
  it('refuses the list when its embedded signer certificate is swapped for another one', () => {
    const signer = /<ds:KeyInfo><ds:X509Data><ds:X509Certificate>([^<]+)</.exec(antsList)![1]!
    const other = b64(parseTrustBundle(shippedJson).authorities.find((a) => a.id === 'FR05')!.certificatePem!)
    const list = readTrustList(antsList.replace(signer, other))
    expect(list.signature.status).toBe('invalid')
    expect(list.signature.detail).toBe('le certificat du signataire n’est pas celui que nomment les propriétés signées')
  })
})

describe('the specification test bundle', () => {
  it('is a test bundle whose test authority has no certificate, and audits clean', () => {
    const bundle = parseTrustBundle(specJson)
    expect(bundle.test).toBe(true)
    expect(bundle.authorities).toEqual([{ id: 'FR00', certificatePem: null }])
    const [only] = bundle.signingCertificates
    expect(only).toMatchObject({ authority: 'FR00', id: '0001' })
    const c = new X509Certificate(only!.certificatePem)
    expect(cn(c.subject)).toBe('0001')
    expect(cn(c.issuer)).toBe('FR00')
    expect(c.issuer).toContain('O=AC DE TEST')
    expect(auditBundle(bundle)).toEqual([])
  })
})

// ---- the build script, on a test PKI made now and a list shaped like ANTS's ----

const NS = 'http://uri.etsi.org/02231/v2#'
const b64 = (pem: string): string => pem.replace(/-----[^-]+-----|\s+/g, '')

function listXml(sequence: number, authorities: string[]): string {
  const services = authorities
    .map(
      (pem) => `
    <tsl:TrustServiceProvider><tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="fr">Prestataire</tsl:Name></tsl:TSPName></tsl:TSPInformation>
      <tsl:TSPServices><tsl:TSPService><tsl:ServiceInformation>
        <tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/PKC</tsl:ServiceTypeIdentifier>
        <tsl:ServiceName><tsl:Name xml:lang="fr">Signature de codes 2D-Doc</tsl:Name></tsl:ServiceName>
        <tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>${b64(pem)}</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>
        <tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/Svcstatus/inaccord</tsl:ServiceStatus>
      </tsl:ServiceInformation></tsl:TSPService></tsl:TSPServices>
    </tsl:TrustServiceProvider>`,
    )
    .join('')
  return `<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="${NS}" TSLTag="http://uri.etsi.org/02231/TSLTag">
  <tsl:SchemeInformation>
    <tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>
    <tsl:TSLSequenceNumber>${sequence}</tsl:TSLSequenceNumber>
    <tsl:ListIssueDateTime>2026-11-01T11:00:00Z</tsl:ListIssueDateTime>
    <tsl:NextUpdate><tsl:dateTime>2027-05-01T11:00:00Z</tsl:dateTime></tsl:NextUpdate>
  </tsl:SchemeInformation>
  <tsl:TrustServiceProviderList>${services}
  </tsl:TrustServiceProviderList>
</tsl:TrustServiceStatusList>`
}

/** Signs a list like ANTS does (enveloped XMLDSig, exclusive c14n, RSA-SHA256, signer certificate in KeyInfo). */
async function signList(xml: string): Promise<string> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=CACHET LISTE DE TEST, O=Test, C=FR',
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
    signingAlgorithm: alg,
    keys,
  })
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64')
  const privateKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`
  const sig = new SignedXml({
    privateKey,
    publicCert: cert.toString('pem'),
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  })
  sig.addReference({
    xpath: '/*',
    isEmptyUri: true,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  })
  sig.computeSignature(xml, { location: { reference: '/*', action: 'append' } })
  return sig.getSignedXml()
}

describe('npm run 2ddoc:bundle', () => {
  let listed: TestSigner
  let forged: TestSigner
  let unlisted: TestSigner
  let dir: string

  beforeAll(async () => {
    listed = await makeTestPki({ authorityId: 'FR98', certificateId: 'AA01' })
    // Another authority key with the same name FR98: its certificate names FR98 as issuer.
    forged = await makeTestPki({ authorityId: 'FR98', certificateId: 'CC01' })
    unlisted = await makeTestPki({ authorityId: 'FR96', certificateId: 'DD01' })
    dir = mkdtempSync(join(tmpdir(), 'gf-2ddoc-bundle-'))
    mkdirSync(join(dir, 'certs'))
    writeFileSync(join(dir, 'certs', 'FR98_AA01.pem'), listed.certificatePem)
    writeFileSync(join(dir, 'certs', 'FR98_CC01.pem'), forged.certificatePem)
    writeFileSync(join(dir, 'certs', 'FR96_DD01.der'), new X509Certificate(unlisted.certificatePem).raw)
    writeFileSync(join(dir, 'certs', 'FR98.pem'), listed.authorityPem) // the authority itself: taken from the list
    writeFileSync(join(dir, 'tsl.xml'), await signList(listXml(31, [listed.authorityPem])))
  })

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('keeps the certificate the listed authority issued and drops one from another authority or another key', () => {
    const list = readTrustList(readFileSync(join(dir, 'tsl.xml'), 'utf8'))
    expect(list.signature.status).toBe('valid')
    const folder = readCertificateFolder(join(dir, 'certs'))
    expect(folder.dropped).toEqual([])
    const built = buildBundle(list, folder.files)
    expect(built.bundle.signingCertificates.map((s) => `${s.authority}/${s.id}`)).toEqual(['FR98/AA01'])
    expect(built.dropped.map((d) => d.what).sort()).toEqual(['FR96_DD01.der', 'FR98_CC01.pem'])
    expect(built.dropped.find((d) => d.what === 'FR98_CC01.pem')?.reason).toContain('n’a pas été émis par l’autorité FR98')
    expect(built.dropped.find((d) => d.what === 'FR96_DD01.der')?.reason).toContain('pas une autorité de la liste')
  })

  it('writes a bundle the application accepts, and says in French what it dropped', () => {
    const lines: string[] = []
    const out = join(dir, 'bundle.json')
    expect(main(['--tsl', join(dir, 'tsl.xml'), '--certs', join(dir, 'certs'), '--out', out], (l) => lines.push(l), '2026-12-02')).toBe(0)
    const bundle = parseTrustBundle(readFileSync(out, 'utf8'))
    expect(auditBundle(bundle)).toEqual([])
    expect(bundle).toMatchObject({ sequence: 31, nextUpdate: '2027-05-01', authorities: [{ id: 'FR98' }] })
    expect(bundle.test).toBeUndefined()
    expect(bundle.signingCertificates.map((s) => s.id)).toEqual(['AA01'])
    const report = lines.join('\n')
    expect(report).toContain('Écarté — FR98_CC01.pem')
    expect(report).toContain('Écarté — FR96_DD01.der')
    expect(report).toContain('1 certificats de signature gardés, 2 écarté(s)')
    // Signed by a test key, not ANTS's: said, not refused (a renewed ANTS certificate must pass).
    expect(report).toContain('Attention : le signataire n’est pas celui de la liste n° 22')
    expect(report).not.toContain('date passée')
  })

  it('refuses a list signed by another certificate than the one required with --signer-sha256', () => {
    const args = ['--tsl', join(dir, 'tsl.xml'), '--certs', join(dir, 'certs')]
    const lines: string[] = []
    expect(main([...args, '--out', join(dir, 'pinned.json'), '--signer-sha256', ANTS_SIGNER_LIST_22], (l) => lines.push(l))).toBe(1)
    expect(lines.at(-1)).toBe('Liste refusée : son signataire n’est pas celui attendu (--signer-sha256).')
    expect(existsSync(join(dir, 'pinned.json'))).toBe(false)
    const own = readTrustList(readFileSync(join(dir, 'tsl.xml'), 'utf8')).signature.signerSha256!
    expect(main([...args, '--out', join(dir, 'pinned.json'), '--signer-sha256', own.toLowerCase()], () => {})).toBe(0)
  })

  it('refuses a list changed after signing, or not signed, and writes nothing', () => {
    const tampered = readFileSync(join(dir, 'tsl.xml'), 'utf8').replace('<tsl:TSLSequenceNumber>31<', '<tsl:TSLSequenceNumber>32<')
    writeFileSync(join(dir, 'tampered.xml'), tampered)
    writeFileSync(join(dir, 'unsigned.xml'), listXml(31, [listed.authorityPem]))
    for (const file of ['tampered.xml', 'unsigned.xml']) {
      const lines: string[] = []
      const out = join(dir, `${file}.json`)
      expect(main(['--tsl', join(dir, file), '--certs', join(dir, 'certs'), '--out', out], (l) => lines.push(l))).toBe(1)
      expect(lines.at(-1)).toBe('Liste refusée : sa signature n’est pas valide.')
      expect(existsSync(out)).toBe(false)
    }
  })

  it('reads an authority’s multipart publication file (boundary --End, application/pkix-cert parts)', () => {
    const der = (pem: string): Buffer => Buffer.from(new X509Certificate(pem).raw)
    const part = (type: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(`--End\r\nContent-Type: ${type}\r\n\r\n`), body, Buffer.from('\r\n')])
    const multipart = Buffer.concat([
      part('application/pkix-cert', der(listed.certificatePem)),
      part('text/plain', Buffer.from('notice')),
      part('application/pkix-cert', der(unlisted.certificatePem)),
      Buffer.from('--End--\r\n'),
    ])
    mkdirSync(join(dir, 'published'))
    writeFileSync(join(dir, 'published', 'pki-2ddoc.der'), multipart)
    const folder = readCertificateFolder(join(dir, 'published'))
    expect(folder.dropped).toEqual([])
    expect(folder.files.map((f) => [f.name, f.certificate.fingerprint256])).toEqual([
      ['pki-2ddoc.der#1', new X509Certificate(listed.certificatePem).fingerprint256],
      ['pki-2ddoc.der#2', new X509Certificate(unlisted.certificatePem).fingerprint256],
    ])
    const built = buildBundle(readTrustList(readFileSync(join(dir, 'tsl.xml'), 'utf8')), folder.files)
    expect(built.bundle.signingCertificates.map((s) => `${s.authority}/${s.id}`)).toEqual(['FR98/AA01'])
    expect(built.dropped.map((d) => d.what)).toEqual(['pki-2ddoc.der#2'])
  })

  it('warns when the list is past its next update', () => {
    const lines: string[] = []
    expect(main(['--tsl', join(dir, 'tsl.xml'), '--certs', join(dir, 'certs'), '--out', join(dir, 'late.json')], (l) => lines.push(l), '2027-06-01')).toBe(0)
    expect(lines.at(-1)).toContain('Attention : la liste annonçait sa mise à jour pour le 2027-05-01')
  })
})
