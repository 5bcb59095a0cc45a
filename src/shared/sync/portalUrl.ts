/**
 * Which portal addresses a workstation may talk to (issue 7, transport): https:// anywhere,
 * http:// only to this machine itself (loopback: 127.0.0.0/8, ::1, localhost), where nothing
 * crosses a network. Pure (no Node, no DOM): the contract, the core and the transport share it.
 */

/** True for a loopback host as `URL.hostname` spells it (IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (host === '[::1]' || host === '[0:0:0:0:0:0:0:1]') return true
  // IPv4-mapped loopback as the URL parser normalises it (::ffff:127.x.y.z → [::ffff:7fxx:yyzz]).
  if (/^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)) return true
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)
  return m !== null && Number(m[1]) === 127 && m.slice(2).every((p) => Number(p) <= 255)
}

export const PORTAL_URL_TEXT = {
  invalid: 'Adresse du portail invalide : elle doit commencer par https://.',
  insecure:
    'Adresse du portail refusée : http:// n’est permis que vers ce poste lui-même (localhost, 127.0.0.1). Utilisez https:// pour un portail sur le réseau.',
} as const

/** Why the workstation refuses this portal address (French), or null when it may use it. */
export function portalUrlProblem(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    return PORTAL_URL_TEXT.invalid
  }
  if (url.username || url.password) return PORTAL_URL_TEXT.invalid
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:') return isLoopbackHost(url.hostname) ? null : PORTAL_URL_TEXT.insecure
  return PORTAL_URL_TEXT.invalid
}
