import { X509Certificate, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { TrustStatus } from '@shared/contract/twoddoc'
import { CalendarDay } from '@shared/validation/text'
import type { ParsedTwoDDoc } from './format'

/**
 * The 2D-Doc trust bundle: the certification authorities ANTS lists, and the signing
 * certificates they issued, as PEM (docs/2d-doc.md tells how it is built from ANTS's signed
 * trust list). A document verifies when its header's (authority, certificate) pair names a
 * signing certificate of the bundle, that certificate was issued by the named authority, and
 * the ECDSA signature of the text before <US> verifies with its key.
 */

const Id4 = z.string().regex(/^[A-Z0-9]{4}$/)

export const TrustBundleSchema = z
  .strictObject({
    sequence: z.number().int().nonnegative(),
    /** A real calendar day (a 31 February is refused, not compared as text). */
    nextUpdate: CalendarDay,
    /** A test bundle (the specification's test certificate): never shipped, refused at import. */
    test: z.boolean().optional(),
    source: z.string().max(500).optional(),
    authorities: z.array(z.strictObject({ id: Id4, certificatePem: z.string().min(1).nullable() })),
    signingCertificates: z.array(z.strictObject({ authority: Id4, id: Id4, certificatePem: z.string().min(1) })),
  })
  .refine((b) => b.test === true || b.authorities.every((a) => a.certificatePem !== null), {
    message: "une autorité sans certificat n'est admise que dans une liste de test",
    path: ['authorities'],
  })
export type TrustBundle = z.infer<typeof TrustBundleSchema>

export class TrustBundleError extends Error {
  override name = 'TrustBundleError'
}

function certificate(pem: string): X509Certificate {
  return new X509Certificate(pem)
}

/** Parses and validates a bundle's JSON text; every certificate must be readable. Throws TrustBundleError (French). */
export function parseTrustBundle(json: string): TrustBundle {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch {
    throw new TrustBundleError("Liste de confiance 2D-Doc illisible : ce n'est pas du JSON.")
  }
  const parsed = TrustBundleSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : ''
    throw new TrustBundleError(`Liste de confiance 2D-Doc mal formée${where}${issue?.message.startsWith('une ') ? ` : ${issue.message}` : ''}.`)
  }
  const bundle = parsed.data
  for (const a of bundle.authorities) {
    if (a.certificatePem === null) continue
    try {
      certificate(a.certificatePem)
    } catch {
      throw new TrustBundleError(`Liste de confiance 2D-Doc : le certificat de l'autorité ${a.id} est illisible.`)
    }
  }
  for (const s of bundle.signingCertificates) {
    try {
      certificate(s.certificatePem)
    } catch {
      throw new TrustBundleError(`Liste de confiance 2D-Doc : le certificat ${s.authority}/${s.id} est illisible.`)
    }
  }
  return bundle
}

/** The certificate's issuer names the authority's subject, and the authority's key verifies its signature. */
export function certificateIssuedBy(certificatePem: string, authorityPem: string): boolean {
  try {
    const cert = certificate(certificatePem)
    const authority = certificate(authorityPem)
    return cert.checkIssued(authority) && cert.verify(authority.publicKey)
  } catch {
    return false
  }
}

/** The CN of an X.509 distinguished name as node prints it ("C=FR\nO=…\nCN=0001"). */
function commonName(dn: string): string | null {
  for (const line of dn.split('\n')) {
    const m = /^CN=(.*)$/.exec(line.trim())
    if (m) return (m[1] ?? '').trim()
  }
  return null
}

/** French problems of a bundle: a certificate its authority did not issue, a CN that is not its id, a duplicate, an unknown authority. */
export function auditBundle(bundle: TrustBundle): string[] {
  const problems: string[] = []
  const authorities = new Map<string, string | null>()
  for (const a of bundle.authorities) {
    if (authorities.has(a.id)) problems.push(`L'autorité ${a.id} figure deux fois.`)
    authorities.set(a.id, a.certificatePem)
    if (a.certificatePem !== null) {
      try {
        const cn = commonName(certificate(a.certificatePem).subject)
        if (cn !== a.id) problems.push(`Le certificat de l'autorité ${a.id} porte un autre nom (CN).`)
      } catch {
        problems.push(`Le certificat de l'autorité ${a.id} est illisible.`)
      }
    }
  }
  const pairs = new Set<string>()
  for (const s of bundle.signingCertificates) {
    const pair = `${s.authority}/${s.id}`
    if (pairs.has(pair)) problems.push(`Le certificat ${pair} figure deux fois.`)
    pairs.add(pair)
    let cert: X509Certificate
    try {
      cert = certificate(s.certificatePem)
    } catch {
      problems.push(`Le certificat ${pair} est illisible.`)
      continue
    }
    if (commonName(cert.subject) !== s.id) problems.push(`Le certificat ${pair} porte un autre nom (CN) que ${s.id}.`)
    if (!authorities.has(s.authority)) {
      problems.push(`Le certificat ${pair} nomme une autorité absente de la liste.`)
      continue
    }
    const authorityPem = authorities.get(s.authority) ?? null
    if (authorityPem === null) {
      if (commonName(cert.issuer) !== s.authority) problems.push(`Le certificat ${pair} n'a pas été émis par l'autorité de test ${s.authority}.`)
    } else if (!certificateIssuedBy(s.certificatePem, authorityPem)) {
      problems.push(`Le certificat ${pair} n'a pas été émis par l'autorité ${s.authority}.`)
    }
  }
  return problems
}

interface CheckedCertificate {
  key: KeyObject
  hash: 'sha256' | 'sha384' | 'sha512'
  /** r‖s bytes of a signature with this key (RSA: the modulus' bytes). */
  signatureLength: number
  rsa: boolean
  /** null: issued by the named authority; else the French reason why not. */
  issuerProblem: string | null
  /** The authority has no published certificate (test bundle): the issuer CN was compared. */
  testAuthority: boolean
}

const CURVES: Record<string, { hash: 'sha256' | 'sha384' | 'sha512'; signatureLength: number }> = {
  prime256v1: { hash: 'sha256', signatureLength: 64 },
  secp384r1: { hash: 'sha384', signatureLength: 96 },
  secp521r1: { hash: 'sha512', signatureLength: 132 },
}

/** Parsed certificates and issuer checks, once per bundle object (a read stays fast). */
const checkedByBundle = new WeakMap<TrustBundle, Map<string, CheckedCertificate | string>>()

function checkPair(bundle: TrustBundle, authorityId: string, certificateId: string): CheckedCertificate | string | null {
  let cache = checkedByBundle.get(bundle)
  if (!cache) {
    cache = new Map()
    checkedByBundle.set(bundle, cache)
  }
  const pair = `${authorityId}/${certificateId}`
  const hit = cache.get(pair)
  if (hit !== undefined) return hit
  const entry = bundle.signingCertificates.find((s) => s.authority === authorityId && s.id === certificateId)
  if (!entry) return null
  const result = ((): CheckedCertificate | string => {
    let cert: X509Certificate
    try {
      cert = certificate(entry.certificatePem)
    } catch {
      return `le certificat ${pair} de la liste de confiance est illisible`
    }
    const key = createPublicKey(cert.publicKey.export({ format: 'pem', type: 'spki' }))
    // ECDSA (the 2D-Doc norm); a few older certificates of the list hold an RSA key (SHA-256, PKCS #1 v1.5).
    const rsaBits = key.asymmetricKeyType === 'rsa' ? (key.asymmetricKeyDetails?.modulusLength ?? 0) : 0
    const curve =
      key.asymmetricKeyType === 'ec'
        ? CURVES[key.asymmetricKeyDetails?.namedCurve ?? '']
        : rsaBits >= 2048
          ? { hash: 'sha256' as const, signatureLength: rsaBits / 8, rsa: true }
          : undefined
    if (!curve) return `le certificat ${pair} n'a pas une clé ECDSA P-256, P-384 ou P-521`
    const authority = bundle.authorities.find((a) => a.id === authorityId)
    if (!authority) return `l'autorité ${authorityId} du certificat ${pair} est absente de la liste de confiance`
    let issuerProblem: string | null = null
    const testAuthority = authority.certificatePem === null
    if (testAuthority) {
      if (bundle.test !== true || commonName(cert.issuer) !== authorityId) issuerProblem = `le certificat ${pair} n'a pas été émis par l'autorité de test ${authorityId}`
    } else if (!certificateIssuedBy(entry.certificatePem, authority.certificatePem as string)) {
      issuerProblem = `le certificat ${pair} n'a pas été émis par l'autorité ${authorityId}`
    }
    return { key, hash: curve.hash, signatureLength: curve.signatureLength, rsa: 'rsa' in curve, issuerProblem, testAuthority }
  })()
  cache.set(pair, result)
  return result
}

export type SignatureVerdict = 'valid' | 'invalid' | 'unknown_issuer'

/** The verdict of a parsed 2D-Doc's signature against a bundle, with its French reason (no barcode content). */
export function verifySignature(parsed: ParsedTwoDDoc, bundle: TrustBundle): { verdict: SignatureVerdict; reason: string } {
  const { authority, certificate: certId } = parsed.header
  const pair = `${authority}/${certId}`
  const checked = checkPair(bundle, authority, certId)
  if (checked === null) {
    return {
      verdict: 'unknown_issuer',
      reason: `Le certificat ${pair} qui a signé ce 2D-Doc n'est pas dans la liste de confiance : liste de confiance à mettre à jour.`,
    }
  }
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)
  if (typeof checked === 'string') return { verdict: 'invalid', reason: `${cap(checked)} : signature non vérifiable.` }
  if (checked.issuerProblem !== null) return { verdict: 'invalid', reason: `${cap(checked.issuerProblem)} : signature refusée.` }
  let ok = false
  if (parsed.signature.length === checked.signatureLength) {
    try {
      const data = Buffer.from(parsed.signedText, 'latin1')
      ok = checked.rsa
        ? cryptoVerify(checked.hash, data, checked.key, parsed.signature)
        : cryptoVerify(checked.hash, data, { key: checked.key, dsaEncoding: 'ieee-p1363' }, parsed.signature)
    } catch {
      ok = false
    }
  }
  if (!ok) return { verdict: 'invalid', reason: 'La signature ne correspond pas au contenu du 2D-Doc : document modifié ou contrefait.' }
  return {
    verdict: 'valid',
    reason: checked.testAuthority
      ? `Signature vérifiée avec le certificat de test ${pair} de la spécification (certificat de test, jamais sur un vrai document).`
      : `Signature vérifiée : certificat ${pair} émis par l'autorité ${authority}.`,
  }
}

export function shippedBundleFile(resourcesDir: string): string {
  return join(resourcesDir, '2ddoc', 'trust-bundle.json')
}

export function importedBundleFile(dataDir: string): string {
  return join(dataDir, '2ddoc', 'trust-bundle.json')
}

export interface BundleInForce {
  bundle: TrustBundle
  source: 'shipped' | 'imported'
  importedAt: string | null
}

/**
 * The bundle in force: the one a responsable imported on this workstation, unless it is
 * unreadable or older (by sequence) than the one shipped with the application.
 */
export function loadBundleInForce(resourcesDir: string, dataDir: string): BundleInForce {
  const shippedFile = shippedBundleFile(resourcesDir)
  const importedFile = importedBundleFile(dataDir)
  // Parsing a real bundle (a few hundred certificates) takes ~100 ms: the same files give the
  // same bundle object (and the verifier's per-bundle cache of parsed certificates stays warm).
  const key = `${fileStamp(shippedFile)}|${fileStamp(importedFile)}`
  const hit = inForceCache.get(key)
  if (hit) return { ...hit }
  const loaded = loadFresh(shippedFile, importedFile)
  inForceCache.clear()
  inForceCache.set(key, loaded)
  return { ...loaded }
}

const inForceCache = new Map<string, BundleInForce>()

function fileStamp(file: string): string {
  try {
    const st = statSync(file)
    return `${file}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`
  } catch {
    return `${file}:none`
  }
}

function loadFresh(shippedFile: string, importedFile: string): BundleInForce {
  let shipped: TrustBundle
  try {
    shipped = parseTrustBundle(readFileSync(shippedFile, 'utf8'))
  } catch (e) {
    if (e instanceof TrustBundleError) throw e
    throw new TrustBundleError("La liste de confiance 2D-Doc livrée avec l'application est introuvable.")
  }
  if (existsSync(importedFile)) {
    try {
      const imported = parseTrustBundle(readFileSync(importedFile, 'utf8'))
      if (imported.sequence >= shipped.sequence && imported.test !== true) {
        return { bundle: imported, source: 'imported', importedAt: statSync(importedFile).mtime.toISOString() }
      }
    } catch {
      // An unreadable imported bundle: the shipped one stays in force.
    }
  }
  return { bundle: shipped, source: 'shipped', importedAt: null }
}

/**
 * Replaces this workstation's bundle (atomic write). Refused (TrustBundleError, French): a
 * malformed bundle, a test bundle, a sequence older than the one in force, audit problems.
 */
export function importBundle(dataDir: string, json: string, current: TrustBundle, now: Date): TrustBundle {
  const bundle = parseTrustBundle(json)
  if (bundle.test === true) throw new TrustBundleError("Une liste de confiance de test ne peut pas être importée.")
  if (bundle.sequence < current.sequence) {
    throw new TrustBundleError(`Cette liste de confiance (n° ${bundle.sequence}) est plus ancienne que celle en vigueur (n° ${current.sequence}).`)
  }
  const problems = auditBundle(bundle)
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join(' ')
    throw new TrustBundleError(`Liste de confiance refusée : ${shown}${problems.length > 3 ? ` (et ${problems.length - 3} autre(s) problème(s))` : ''}`)
  }
  const file = importedBundleFile(dataDir)
  mkdirSync(dirname(file), { recursive: true })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(bundle, null, 2))
  utimesSync(tmp, now, now)
  renameSync(tmp, file)
  return bundle
}

export function trustStatusOf(b: BundleInForce, today: string): TrustStatus {
  return {
    sequence: b.bundle.sequence,
    nextUpdate: b.bundle.nextUpdate,
    outdated: today > b.bundle.nextUpdate,
    source: b.source,
    authorities: b.bundle.authorities.length,
    signingCertificates: b.bundle.signingCertificates.length,
    test: b.bundle.test === true,
    importedAt: b.importedAt,
  }
}
