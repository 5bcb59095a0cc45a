/**
 * src/common: plain-Node code that both the workstation (src/main) and the portal (src/portal)
 * need. Neither side may import the other (eslint.config.mjs says so); what they share lives
 * here (or in src/shared when the renderer needs it too, which must stay free of Node).
 * Nothing in src/common imports src/main or src/portal.
 *
 * Agents: their initials, and the demo agents both the workstation's local demo and the
 * portal's demo town create.
 */

/** "Hélène Dubois-Lefort" → "HDL" (at most three letters). */
export function initialsOf(displayName: string): string {
  return displayName
    .split(/[\s-]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toLocaleUpperCase('fr-FR'))
    .join('')
    .slice(0, 3)
}

/** The demo agents (login page of a demo workstation, and the demo portal's town). */
export const DEMO_AGENTS = [
  { login: 'accueil', password: 'accueil2026', displayName: 'Camille Martin', role: 'accueil' },
  { login: 'regie', password: 'regie2026', displayName: 'Régis Lemaire', role: 'regisseur' },
  { login: 'responsable', password: 'responsable-2026', displayName: 'Hélène Dubois-Lefort', role: 'responsable' },
] as const
