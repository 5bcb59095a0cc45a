import { createHash, timingSafeEqual, verify as verifySignatureBytes, X509Certificate } from 'node:crypto'
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { ExclusiveCanonicalization } from 'xml-crypto'
import { parisDay } from '../src/shared/domain/dates'
import { auditBundle, certificateIssuedBy, parseTrustBundle, TrustBundleError } from '../src/main/core/twoddoc/trust'

/**
 * Builds the 2D-Doc trust bundle (docs/2d-doc.md) on a connected machine, from
 * - ANTS's signed trust list (TSL, ETSI TS 119 612 shape): its sequence number, its next update,
 *   and each trust service's certificate, the certification authorities FR01…FR07 (the authority
 *   id is the certificate's subject CN);
 * - a folder of the signing certificates those authorities publish: the multipart file each
 *   authority serves at the address the list gives (TSPInformationURI), or DER or PEM files named
 *   like FR03_AV01.der; the certificate id is the subject CN, its authority the issuer CN.
 *
 * Only the signing certificates issued by an authority of the list are kept: the issuer's name
 * must be the authority's and the authority's key must verify the certificate (certificateIssuedBy,
 * the application's own check). Everything dropped is reported in French with its reason. The
 * JSON is parsed and audited by the application's parseTrustBundle and auditBundle before it is
 * written.
 *
 * The list's own XMLDSig signature (exclusive c14n, RSA or ECDSA) is checked against the signer
 * certificate the list embeds: a list altered after ANTS signed it is refused. That certificate's
 * chain up to ANTS's root is not checked here (offline); its subject and SHA-256 fingerprint are
 * printed for comparison with resources/2ddoc/SOURCES.md.
 *
 * XML: parsed with @xmldom/xmldom (no DTD accepted), canonicalised with xml-crypto.
 *
 *   npm run 2ddoc:bundle -- --tsl tsl_signed.xml --certs DIR --out resources/2ddoc/trust-bundle.json [--source TEXT] [--signer-sha256 HEX]
 *   (--signer-sha256: refuse a list signed by any other certificate; without it, a signer other than
 *   list 22's is only warned about)
 *   exit 0: written; 1: refused (list unreadable, signature invalid, nothing kept); 2: bad arguments
 */

const NS_TSL = 'http://uri.etsi.org/02231/v2#'
const NS_DS = 'http://www.w3.org/2000/09/xmldsig#'
const NS_XADES = 'http://uri.etsi.org/01903/v1.3.2#'
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#'
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
const FILTER2 = 'http://www.w3.org/2002/06/xmldsig-filter2'
const DIGESTS: Record<string, string> = {
  'http://www.w3.org/2001/04/xmlenc#sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'sha384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'sha512',
}
const SIGNATURES: Record<string, { hash: string; ecdsa: boolean }> = {
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { hash: 'sha256', ecdsa: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { hash: 'sha384', ecdsa: false },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { hash: 'sha512', ecdsa: false },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': { hash: 'sha256', ecdsa: true },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': { hash: 'sha384', ecdsa: true },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512': { hash: 'sha512', ecdsa: true },
}
/** ETSI service statuses under which an authority is trusted (TS 102 231 "inaccord", TS 119 612 "granted"…). */
const TRUSTED_STATUSES = new Set(['inaccord', 'granted', 'undersupervision', 'accredited', 'recognisedatnationallevel', 'setbynationallaw'])
const ID = /^[A-Z0-9]{4}$/
const CERT_EXTENSIONS = new Set(['.der', '.cer', '.crt', '.pem'])

/** A refusal, in French, for the person running the script. */
export class BundleBuildError extends Error {}

export interface Dropped {
  /** The file, or the trust service, or the authority concerned. */
  what: string
  /** Plain French. */
  reason: string
}

export interface ListSignature {
  status: 'valid' | 'invalid' | 'absent'
  /** Plain French. */
  detail: string
  signerSubject: string | null
  signerSha256: string | null
}

export interface TrustListAuthority {
  id: string
  certificate: X509Certificate
}

export interface TrustList {
  sequence: number
  /** ISO instant of ListIssueDateTime. */
  issuedAt: string
  /** YYYY-MM-DD (Europe/Paris) of NextUpdate. */
  nextUpdate: string
  distributionPoints: string[]
  authorities: TrustListAuthority[]
  /** Trust services not taken, with the reason. */
  dropped: Dropped[]
  signature: ListSignature
}

export interface CertificateFile {
  /** The file name (with "#2"… when a PEM file holds several certificates). */
  name: string
  certificate: X509Certificate
}

/** The bundle as the application reads it (src/main/core/twoddoc/trust.ts, TrustBundleSchema). */
export interface BuiltBundle {
  sequence: number
  nextUpdate: string
  source: string
  authorities: Array<{ id: string; certificatePem: string }>
  signingCertificates: Array<{ authority: string; id: string; certificatePem: string }>
}

export interface BuildResult {
  bundle: BuiltBundle
  dropped: Dropped[]
  /** Kept, but worth a look (an authority without any signing certificate). */
  notes: Dropped[]
}

/**
 * The part of @xmldom/xmldom's DOM used here. Its own typings are not imported: they pull the
 * browser's "dom" lib into the node-side TypeScript program (and change fetch's types there).
 */
interface XmlElement {
  nodeType: number
  namespaceURI: string | null
  localName: string | null
  textContent: string | null
  firstChild: XmlElement | null
  nextSibling: XmlElement | null
  parentNode: XmlElement | null
  getAttribute(name: string): string | null
  getElementsByTagNameNS(ns: string, local: string): ArrayLike<XmlElement>
  removeChild(node: XmlElement): XmlElement
}
interface XmlDocument {
  documentElement: XmlElement | null
  toString(): string
}
const { DOMParser } = createRequire(import.meta.url)('@xmldom/xmldom') as {
  DOMParser: new (options: { errorHandler: (level: string, message: string) => void }) => {
    parseFromString(xml: string, mime: string): XmlDocument
  }
}

function childElements(parent: XmlElement, ns: string, local: string): XmlElement[] {
  const out: XmlElement[] = []
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1) {
      const e = n as XmlElement
      if (e.namespaceURI === ns && e.localName === local) out.push(e)
    }
  }
  return out
}

function child(parent: XmlElement, ns: string, local: string): XmlElement | null {
  return childElements(parent, ns, local)[0] ?? null
}

/** The element at the end of a path of children (namespace TSL unless told). */
function at(parent: XmlElement, path: string[], ns = NS_TSL): XmlElement | null {
  let e: XmlElement | null = parent
  for (const local of path) {
    if (!e) return null
    e = child(e, ns, local)
  }
  return e
}

const textOf = (e: XmlElement | null): string => (e?.textContent ?? '').trim()

function descendants(root: XmlElement, ns: string, local: string): XmlElement[] {
  return Array.from(root.getElementsByTagNameNS(ns, local))
}

function parseXml(xml: string): XmlDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new BundleBuildError('La liste de confiance contient une DTD : refusée.')
  const problems: string[] = []
  let doc: XmlDocument | null = null
  try {
    doc = new DOMParser({
      errorHandler: (level, message) => {
        if (level !== 'warning') problems.push(message)
      },
    }).parseFromString(xml, 'text/xml')
  } catch {
    problems.push('fatal')
  }
  if (!doc || problems.length > 0 || !doc.documentElement) {
    throw new BundleBuildError('La liste de confiance n’est pas un XML lisible.')
  }
  return doc
}

function certificateFromBase64(text: string): X509Certificate {
  return new X509Certificate(Buffer.from(text.replace(/\s+/g, ''), 'base64'))
}

/** The CN of a distinguished name as node prints it ("C=FR\nO=…\nCN=FR03"). */
export function commonNameOf(dn: string): string | null {
  for (const line of dn.split('\n')) if (line.startsWith('CN=')) return line.slice(3)
  return null
}

const fingerprint = (c: X509Certificate): string => c.fingerprint256

function digestMatches(algorithm: string, data: string, expectedBase64: string): boolean {
  const a = createHash(algorithm).update(data, 'utf8').digest()
  const b = Buffer.from(expectedBase64.replace(/\s+/g, ''), 'base64')
  return a.length === b.length && timingSafeEqual(a, b)
}

function canonical(node: XmlElement): string {
  return new ExclusiveCanonicalization().process(node as unknown as Parameters<ExclusiveCanonicalization['process']>[0], {}) as string
}

/**
 * Checks the list's enveloped XMLDSig signature (the shape ANTS uses: a reference to the whole
 * document minus its signature, by the XPath filter 2 "subtract /descendant::ds:Signature" or the
 * enveloped-signature transform, then exclusive c14n; optionally a reference to the XAdES signed
 * properties), against the signer certificate in its KeyInfo. Any other shape is "invalid".
 */
export function checkListSignature(doc: XmlDocument): ListSignature {
  const root = doc.documentElement as XmlElement
  const signatures = descendants(root, NS_DS, 'Signature')
  const none = { signerSubject: null, signerSha256: null }
  if (signatures.length === 0) return { status: 'absent', detail: 'la liste n’est pas signée', ...none }
  if (signatures.length > 1) return { status: 'invalid', detail: 'la liste porte plusieurs signatures', ...none }
  const signature = signatures[0]!
  if (signature.parentNode !== root) return { status: 'invalid', detail: 'la signature n’est pas à la racine de la liste', ...none }
  const signedInfo = child(signature, NS_DS, 'SignedInfo')
  const certText = at(signature, ['KeyInfo', 'X509Data', 'X509Certificate'], NS_DS)
  if (!signedInfo || !certText) return { status: 'invalid', detail: 'signature incomplète (SignedInfo ou certificat absent)', ...none }
  let signer: X509Certificate
  try {
    signer = certificateFromBase64(textOf(certText))
  } catch {
    return { status: 'invalid', detail: 'le certificat du signataire est illisible', ...none }
  }
  const who = { signerSubject: signer.subject.replace(/\n/g, ', '), signerSha256: fingerprint(signer) }
  const bad = (detail: string): ListSignature => ({ status: 'invalid', detail, ...who })

  if (child(signedInfo, NS_DS, 'CanonicalizationMethod')?.getAttribute('Algorithm') !== EXC_C14N) {
    return bad('canonicalisation de la signature non prise en charge')
  }
  const method = SIGNATURES[child(signedInfo, NS_DS, 'SignatureMethod')?.getAttribute('Algorithm') ?? '']
  if (!method) return bad('algorithme de signature non pris en charge')

  const references = childElements(signedInfo, NS_DS, 'Reference')
  let documentCovered = false
  for (const reference of references) {
    const uri = reference.getAttribute('URI')
    const digest = DIGESTS[child(reference, NS_DS, 'DigestMethod')?.getAttribute('Algorithm') ?? '']
    const digestValue = textOf(child(reference, NS_DS, 'DigestValue'))
    if (!digest || !digestValue) return bad('empreinte d’une référence non prise en charge')
    const transforms = childElements(child(reference, NS_DS, 'Transforms') ?? reference, NS_DS, 'Transform')
    const algorithms = transforms.map((t) => t.getAttribute('Algorithm'))
    if (uri === '') {
      const removesSignature =
        algorithms[0] === ENVELOPED ||
        (algorithms[0] === FILTER2 &&
          (() => {
            const xpath = transforms[0]!.getElementsByTagNameNS('http://www.w3.org/2002/06/xmldsig-filter2', 'XPath')[0]
            return xpath?.getAttribute('Filter') === 'subtract' && textOf(xpath) === '/descendant::ds:Signature'
          })())
      if (!removesSignature || algorithms.length !== 2 || algorithms[1] !== EXC_C14N) {
        return bad('transformations de la référence au document non prises en charge')
      }
      // Canonicalise the document without its signature, on a copy (the caller's tree is kept).
      const copy = parseXml(doc.toString())
      const copyRoot = copy.documentElement as XmlElement
      for (const s of descendants(copyRoot, NS_DS, 'Signature')) s.parentNode?.removeChild(s)
      if (!digestMatches(digest, canonical(copyRoot), digestValue)) return bad('la liste a été modifiée après sa signature (empreinte différente)')
      documentCovered = true
    } else if (uri?.startsWith('#')) {
      const id = uri.slice(1)
      const targets = descendants(signature, NS_XADES, 'SignedProperties').filter((e) => e.getAttribute('Id') === id)
      if (targets.length !== 1 || algorithms.some((a) => a !== EXC_C14N)) return bad('référence aux propriétés signées non prise en charge')
      if (!digestMatches(digest, canonical(targets[0]!), digestValue)) return bad('les propriétés signées ont été modifiées (empreinte différente)')
    } else {
      return bad('référence de signature non prise en charge')
    }
  }
  if (!documentCovered) return bad('la signature ne couvre pas la liste')
  // XAdES names the signer's certificate by its digest (in the signed properties): it must be KeyInfo's.
  const named = descendants(signature, NS_XADES, 'CertDigest')
  if (named.length > 0) {
    const matches = named.some((d) => {
      const algorithm = DIGESTS[child(d, NS_DS, 'DigestMethod')?.getAttribute('Algorithm') ?? '']
      const expected = Buffer.from(textOf(child(d, NS_DS, 'DigestValue')), 'base64')
      return algorithm !== undefined && createHash(algorithm).update(signer.raw).digest().equals(expected)
    })
    if (!matches) return bad('le certificat du signataire n’est pas celui que nomment les propriétés signées')
  }

  const value = Buffer.from(textOf(child(signature, NS_DS, 'SignatureValue')).replace(/\s+/g, ''), 'base64')
  let ok: boolean
  try {
    ok = verifySignatureBytes(
      method.hash,
      Buffer.from(canonical(signedInfo), 'utf8'),
      method.ecdsa ? { key: signer.publicKey, dsaEncoding: 'ieee-p1363' } : signer.publicKey,
      value,
    )
  } catch {
    ok = false // a key of another kind than the method, a malformed value
  }
  if (!ok) return bad('la valeur de signature ne correspond pas au certificat du signataire')
  return { status: 'valid', detail: 'signature XML valide', ...who }
}

/** Reads ANTS's trust list: sequence, dates, the authorities of its trust services, its signature. */
export function readTrustList(xml: string): TrustList {
  const doc = parseXml(xml)
  const root = doc.documentElement as XmlElement
  if (root.namespaceURI !== NS_TSL || root.localName !== 'TrustServiceStatusList') {
    throw new BundleBuildError('Ce fichier n’est pas une liste de confiance (TrustServiceStatusList).')
  }
  const scheme = child(root, NS_TSL, 'SchemeInformation')
  if (!scheme) throw new BundleBuildError('Liste de confiance sans SchemeInformation.')
  const sequenceText = textOf(child(scheme, NS_TSL, 'TSLSequenceNumber'))
  if (!/^\d{1,9}$/.test(sequenceText)) throw new BundleBuildError('Numéro de séquence de la liste absent ou illisible.')
  const issued = new Date(textOf(child(scheme, NS_TSL, 'ListIssueDateTime')))
  const next = new Date(textOf(at(scheme, ['NextUpdate', 'dateTime'])))
  if (Number.isNaN(issued.getTime())) throw new BundleBuildError('Date d’émission de la liste absente ou illisible.')
  if (Number.isNaN(next.getTime())) throw new BundleBuildError('Date de prochaine mise à jour de la liste absente ou illisible.')
  const distributionPoints = childElements(child(scheme, NS_TSL, 'DistributionPoints') ?? scheme, NS_TSL, 'URI').map((u) => textOf(u))

  const authorities: TrustListAuthority[] = []
  const dropped: Dropped[] = []
  const providers = childElements(child(root, NS_TSL, 'TrustServiceProviderList') ?? root, NS_TSL, 'TrustServiceProvider')
  for (const provider of providers) {
    const providerName = textOf(at(provider, ['TSPInformation', 'TSPName', 'Name'])) || 'prestataire sans nom'
    for (const service of childElements(child(provider, NS_TSL, 'TSPServices') ?? provider, NS_TSL, 'TSPService')) {
      const info = child(service, NS_TSL, 'ServiceInformation')
      const serviceName = `${providerName} : ${textOf(info && at(info, ['ServiceName', 'Name'])) || 'service sans nom'}`
      if (!info) {
        dropped.push({ what: serviceName, reason: 'service sans ServiceInformation' })
        continue
      }
      const status = textOf(child(info, NS_TSL, 'ServiceStatus')).split('/').pop() ?? ''
      if (!TRUSTED_STATUSES.has(status)) {
        dropped.push({ what: serviceName, reason: `statut « ${status || 'absent'} » : service qui n’est plus reconnu` })
        continue
      }
      const certs = descendants(child(info, NS_TSL, 'ServiceDigitalIdentity') ?? info, NS_TSL, 'X509Certificate')
      if (certs.length === 0) dropped.push({ what: serviceName, reason: 'aucun certificat dans son identité numérique' })
      for (const certElement of certs) {
        let certificate: X509Certificate
        try {
          certificate = certificateFromBase64(textOf(certElement))
        } catch {
          dropped.push({ what: serviceName, reason: 'certificat illisible' })
          continue
        }
        const id = commonNameOf(certificate.subject)
        if (!id || !ID.test(id)) {
          dropped.push({ what: serviceName, reason: `le nom commun du certificat (« ${id ?? 'absent'} ») n’est pas un identifiant d’autorité 2D-Doc` })
          continue
        }
        const same = authorities.find((a) => a.id === id)
        if (same) {
          if (same.certificate.fingerprint256 !== certificate.fingerprint256) {
            dropped.push({ what: `${serviceName} (${id})`, reason: `autorité ${id} déjà listée avec un autre certificat : seul le premier est gardé` })
          }
          continue
        }
        authorities.push({ id, certificate })
      }
    }
  }
  authorities.sort((a, b) => a.id.localeCompare(b.id))
  return {
    sequence: Number(sequenceText),
    issuedAt: issued.toISOString(),
    nextUpdate: parisDay(next),
    distributionPoints,
    authorities,
    dropped,
    signature: checkListSignature(doc),
  }
}

/**
 * The certificates of a MIME multipart file, the form in which the authorities publish their
 * signing certificates at the address the list gives (TSPInformationURI): parts separated by a
 * boundary line ("--End"), each with its headers (Content-Type: application/pkix-cert), a blank
 * line and the DER. Null when the file is not multipart.
 */
export function multipartParts(bytes: Buffer): Buffer[] | null {
  const head = bytes.subarray(0, 4096).toString('latin1')
  const m = /(?:^|\n)--([0-9A-Za-z'()+_,./:=?-]{1,70})\r?\n[A-Za-z-]+:/.exec(head)
  if (!m) return null
  const boundary = Buffer.from(`--${m[1]}`, 'latin1')
  const starts: number[] = []
  for (let i = bytes.indexOf(boundary); i !== -1; i = bytes.indexOf(boundary, i + boundary.length)) starts.push(i)
  const parts: Buffer[] = []
  for (let k = 0; k < starts.length; k += 1) {
    let part = bytes.subarray(starts[k]! + boundary.length, starts[k + 1] ?? bytes.length)
    if (part.subarray(0, 2).toString('latin1') === '--') break // the closing boundary
    const headerEnd = part.indexOf('\r\n\r\n') !== -1 ? part.indexOf('\r\n\r\n') + 4 : part.indexOf('\n\n') !== -1 ? part.indexOf('\n\n') + 2 : -1
    if (headerEnd === -1) continue
    const headers = part.subarray(0, headerEnd).toString('latin1').toLowerCase()
    part = part.subarray(headerEnd)
    // The line break before the next boundary belongs to the boundary.
    if (part.subarray(-2).toString('latin1') === '\r\n') part = part.subarray(0, -2)
    else if (part.subarray(-1).toString('latin1') === '\n') part = part.subarray(0, -1)
    if (/content-type:\s*application\/(pkix-cert|x-x509-ca-cert|x-x509-cert)/.test(headers)) parts.push(part)
  }
  return parts
}

/**
 * Reads every certificate file of a folder: DER, PEM (one or more certificates), or an
 * authority's multipart publication file.
 */
export function readCertificateFolder(dir: string): { files: CertificateFile[]; dropped: Dropped[] } {
  const files: CertificateFile[] = []
  const dropped: Dropped[] = []
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith('.')) continue
    const path = join(dir, name)
    if (!statSync(path).isFile()) continue
    if (!CERT_EXTENSIONS.has(extname(name).toLowerCase())) {
      dropped.push({ what: name, reason: 'pas un fichier de certificat (.der, .cer, .crt, .pem)' })
      continue
    }
    const bytes = readFileSync(path)
    const pem = bytes.toString('latin1').match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)
    const multipart = pem ? null : multipartParts(bytes)
    const parts: Array<Buffer | string> = pem ?? multipart ?? [bytes]
    if (parts.length === 0) dropped.push({ what: name, reason: 'fichier multipart sans aucun certificat' })
    // One certificate in the file keeps the file's name (FR03_AV01.der); several are numbered.
    const single = parts.length === 1 && !multipart
    parts.forEach((part, i) => {
      const what = single ? name : `${name}#${i + 1}`
      try {
        files.push({ name: what, certificate: new X509Certificate(part) })
      } catch {
        dropped.push({ what, reason: 'certificat illisible (ni DER, ni PEM, ni multipart)' })
      }
    })
  }
  return { files, dropped }
}

const pemOf = (c: X509Certificate): string => c.toString().trim() + '\n'

/**
 * Keeps the signing certificates issued by an authority of the list (issuer name and signature),
 * one per (authority, id) pair. A file named like FR03_AV01.der must hold FR03's AV01.
 */
export function buildBundle(list: TrustList, files: CertificateFile[], opts: { source?: string } = {}): BuildResult {
  const dropped: Dropped[] = []
  const byId = new Map(list.authorities.map((a) => [a.id, a]))
  const kept = new Map<string, { authority: string; id: string; certificate: X509Certificate; file: string }>()
  for (const file of files) {
    const c = file.certificate
    const id = commonNameOf(c.subject)
    const issuer = commonNameOf(c.issuer)
    const authorityItself = id ? byId.get(id) : undefined
    if (authorityItself) {
      if (authorityItself.certificate.fingerprint256 !== c.fingerprint256) {
        dropped.push({ what: file.name, reason: `certificat d’autorité ${id} différent de celui de la liste de confiance` })
      }
      continue // the authority's own certificate: taken from the list, not from the folder
    }
    if (!id || !ID.test(id)) {
      dropped.push({ what: file.name, reason: `le nom commun (« ${id ?? 'absent'} ») n’est pas un identifiant de certificat 2D-Doc (4 lettres ou chiffres)` })
      continue
    }
    const named = /^([A-Z0-9]{4})_([A-Z0-9]{4})\./i.exec(basename(file.name))
    if (named && (named[1]!.toUpperCase() !== issuer || named[2]!.toUpperCase() !== id)) {
      dropped.push({ what: file.name, reason: `le nom du fichier annonce ${named[1]}/${named[2]}, le certificat est ${issuer ?? '?'}/${id}` })
      continue
    }
    const authority = issuer ? byId.get(issuer) : undefined
    if (!authority) {
      dropped.push({ what: file.name, reason: `émis par « ${issuer ?? 'inconnu'} », qui n’est pas une autorité de la liste de confiance` })
      continue
    }
    if (!certificateIssuedBy(c.toString(), authority.certificate.toString())) {
      dropped.push({ what: file.name, reason: `n’a pas été émis par l’autorité ${authority.id} de la liste (nom ou signature de l’émetteur différents)` })
      continue
    }
    const key = `${authority.id}/${id}`
    const previous = kept.get(key)
    if (previous) {
      if (previous.certificate.fingerprint256 === c.fingerprint256) {
        dropped.push({ what: file.name, reason: `doublon de ${previous.file} (même certificat)` })
        continue
      }
      const newer = new Date(c.validFrom) > new Date(previous.certificate.validFrom)
      const loser = newer ? previous.file : file.name
      dropped.push({ what: loser, reason: `deux certificats ${key} : le plus récent est gardé` })
      if (!newer) continue
    }
    kept.set(key, { authority: authority.id, id, certificate: c, file: file.name })
  }
  const signingCertificates = [...kept.values()]
    .sort((a, b) => a.authority.localeCompare(b.authority) || a.id.localeCompare(b.id))
    .map((k) => ({ authority: k.authority, id: k.id, certificatePem: pemOf(k.certificate) }))
  const used = new Set(signingCertificates.map((s) => s.authority))
  const source = (
    opts.source ??
    `Liste de confiance 2D-Doc de l’ANTS n° ${list.sequence} (émise le ${parisDay(new Date(list.issuedAt))}, ` +
      `prochaine mise à jour ${list.nextUpdate}) et certificats de signature publiés par ses autorités`
  ).slice(0, 500)
  return {
    bundle: {
      sequence: list.sequence,
      nextUpdate: list.nextUpdate,
      source,
      authorities: list.authorities.map((a) => ({ id: a.id, certificatePem: pemOf(a.certificate) })),
      signingCertificates,
    },
    dropped,
    notes: list.authorities.filter((a) => !used.has(a.id)).map((a) => ({ what: a.id, reason: 'autorité gardée, mais aucun de ses certificats de signature n’a été fourni' })),
  }
}

/** SHA-256 of the certificate that signed ANTS's list n° 22 (CN=ANTS CACHET 2DDOC, valid to 2027-03-26). */
export const ANTS_SIGNER_LIST_22 = 'C2:90:CB:9E:0A:C1:BE:84:EC:C5:14:A2:D6:57:A4:93:E0:5B:FF:7A:53:72:BA:B7:DD:12:DC:CC:8C:F6:E0:9D'

const normalHex = (h: string): string => h.replace(/[^0-9a-f]/gi, '').toUpperCase()

function argsOf(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i]!
    if (!/^--(tsl|certs|out|source|signer-sha256)$/.test(a) || argv[i + 1] === undefined) throw new BundleBuildError(`Argument inattendu : ${a}`)
    out[a.slice(2)] = argv[i + 1]!
    i += 1
  }
  for (const k of ['tsl', 'certs', 'out']) if (!out[k]) throw new BundleBuildError(`Option --${k} manquante.`)
  return out
}

/** The command line; returns the exit code. */
export function main(argv: string[], log: (line: string) => void = (l) => process.stdout.write(l + '\n'), today = parisDay(new Date())): number {
  let args: Record<string, string>
  try {
    args = argsOf(argv)
  } catch (e) {
    log(`${(e as Error).message}\nUsage : npm run 2ddoc:bundle -- --tsl tsl_signed.xml --certs DOSSIER --out trust-bundle.json [--source TEXTE] [--signer-sha256 EMPREINTE]`)
    return 2
  }
  try {
    const list = readTrustList(readFileSync(resolve(args.tsl!), 'utf8'))
    log(`Liste de confiance n° ${list.sequence}, émise le ${parisDay(new Date(list.issuedAt))}, prochaine mise à jour ${list.nextUpdate}.`)
    const s = list.signature
    log(`Signature de la liste : ${s.detail}${s.signerSubject ? ` — signataire ${s.signerSubject}, SHA-256 ${s.signerSha256}` : ''}.`)
    if (s.status !== 'valid') throw new BundleBuildError('Liste refusée : sa signature n’est pas valide.')
    if (args['signer-sha256'] !== undefined && normalHex(args['signer-sha256']) !== normalHex(s.signerSha256 ?? '')) {
      throw new BundleBuildError('Liste refusée : son signataire n’est pas celui attendu (--signer-sha256).')
    }
    if (normalHex(s.signerSha256 ?? '') !== normalHex(ANTS_SIGNER_LIST_22)) {
      log(
        'Attention : le signataire n’est pas celui de la liste n° 22 (ANTS CACHET 2DDOC, resources/2ddoc/SOURCES.md) : ' +
          'vérifiez que son certificat est bien émis par l’ANTS (docs/2d-doc.md) avant d’importer le paquet.',
      )
    }
    const folder = readCertificateFolder(resolve(args.certs!))
    const built = buildBundle(list, folder.files, args.source ? { source: args.source } : {})
    const dropped = [...list.dropped, ...folder.dropped, ...built.dropped]
    for (const a of list.authorities) {
      const expired = new Date(a.certificate.validTo) < new Date()
      log(`Autorité ${a.id} : ${built.bundle.signingCertificates.filter((c) => c.authority === a.id).length} certificat(s) de signature${expired ? ` (certificat d’autorité expiré le ${a.certificate.validTo} : gardé, les documents signés avant restent vérifiables)` : ''}.`)
    }
    for (const d of dropped) log(`Écarté — ${d.what} : ${d.reason}.`)
    for (const n of built.notes) log(`À vérifier — ${n.what} : ${n.reason}.`)
    if (built.bundle.signingCertificates.length === 0) throw new BundleBuildError('Aucun certificat de signature gardé : rien n’est écrit.')
    // What the application will accept at import: its own schema and audit, on the JSON written.
    const json = JSON.stringify(built.bundle, null, 2) + '\n'
    const problems = auditBundle(parseTrustBundle(json))
    if (problems.length > 0) throw new BundleBuildError(`Paquet refusé par l’audit de l’application : ${problems.join(' ; ')}`)
    const out = resolve(args.out!)
    writeFileSync(`${out}.tmp`, json)
    renameSync(`${out}.tmp`, out)
    log(
      `Écrit ${out} : ${built.bundle.authorities.length} autorités, ${built.bundle.signingCertificates.length} certificats de signature gardés, ` +
        `${dropped.length} écarté(s).`,
    )
    if (list.nextUpdate < today) {
      log(`Attention : la liste annonçait sa mise à jour pour le ${list.nextUpdate}, date passée : téléchargez la liste en vigueur si elle est disponible.`)
    }
    return 0
  } catch (e) {
    if (e instanceof BundleBuildError || e instanceof TrustBundleError) {
      log(e.message)
      return 1
    }
    log(`Lecture impossible : ${(e as Error).message}`)
    return 1
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main(process.argv.slice(2))
