import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:https'
import { Readable } from 'node:stream'
import { rootCertificates } from 'node:tls'
import type { FetchLike } from './transport'

/**
 * A fetch for a portal whose certificate a town's own certificate authority signed (a town
 * network): https requests go through node:https with the usual public roots PLUS that CA
 * (GUICHET_PORTAL_CA=/path/ca.pem), for the portal's requests only; the process's other
 * connections keep the default roots. Global fetch (undici) takes no CA option without the
 * `undici` package, and NODE_EXTRA_CA_CERTS would widen trust for the whole process.
 * Answers are standard Responses (a streamed body for the snapshot download), aborts follow
 * the request's signal. Anything that is not https goes to global fetch.
 */

const NULL_BODY = new Set([101, 103, 204, 205, 304])

/** Reads a PEM file of one or more CA certificates; throws a French message when it cannot. */
export function readCaFile(file: string): string {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (error) {
    throw new Error(`Certificat d’autorité du portail illisible (${file}) : ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(`Certificat d’autorité du portail invalide (${file}) : un fichier PEM (-----BEGIN CERTIFICATE-----) est attendu.`)
  }
  return pem
}

export function fetchWithCa(caPem: string): FetchLike {
  const agent = new Agent({ ca: [...rootCertificates, caPem], keepAlive: true, maxSockets: 4 })
  return (url, init) => {
    const target = new URL(url)
    if (target.protocol !== 'https:') return fetch(url, init)
    return new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = { ...((init.headers as Record<string, string> | undefined) ?? {}) }
      const body = typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : null
      if (body) headers['content-length'] = String(body.length)
      const req = request(
        target,
        { method: init.method ?? 'GET', headers, agent, ...(init.signal ? { signal: init.signal } : {}) },
        (res) => {
          const h = new Headers()
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue
            if (Array.isArray(v)) for (const one of v) h.append(k, one)
            else h.set(k, v)
          }
          const status = res.statusCode ?? 502
          if (NULL_BODY.has(status)) {
            res.resume()
            resolve(new Response(null, { status, headers: h }))
            return
          }
          resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, { status, statusText: res.statusMessage ?? '', headers: h }))
        },
      )
      req.on('error', reject)
      req.end(body ?? undefined)
    })
  }
}
