import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { errorCodes, type ContractError } from '@shared/contract'
import { fr } from '../../../src/renderer/i18n/fr'
import { errorText } from '../../../src/renderer/lib/errors'

const i18n = createI18n({ legacy: false, locale: 'fr', messages: { fr }, missingWarn: false, fallbackWarn: false })
const { t, te } = i18n.global
const text = (e: ContractError) => errorText((k, n) => (n ? t(k, n) : t(k)), e, (k) => te(k))

describe('errorText', () => {
  it('has a French message for every error code of the contract', () => {
    for (const code of errorCodes) {
      expect(te(`errors.${code}`), code).toBe(true)
      const s = text({ code, message: 'technical' })
      expect(s).not.toContain('errors.')
      expect(s).not.toContain('technical')
    }
  })

  it('uses the exact texts of the login screen', () => {
    expect(text({ code: 'BAD_CREDENTIALS', message: '' })).toBe('Identifiant ou mot de passe incorrect.')
    expect(text({ code: 'LOGIN_THROTTLED', message: '', details: { retryAfterSeconds: 30 } })).toBe(
      "Trop d'essais infructueux. Réessayez dans 30 secondes.",
    )
  })

  it('lists the fields of INVALID_INPUT in French when known', () => {
    const s = text({
      code: 'INVALID_INPUT',
      message: '',
      details: { issues: [{ path: 'login', message: 'x' }, { path: 'password', message: 'y' }, { path: 'foo.bar', message: 'z' }] },
    })
    expect(s).toBe('Saisie invalide : Identifiant, Mot de passe, foo.bar.')
  })

  it('shows the reason of a refused rule as it is', () => {
    const reason = 'Complet : Restauration scolaire à École Jules Ferry le 12/03/2027 (150 places, toutes réservées).'
    expect(text({ code: 'RULE_REJECTED', message: 'x', details: { rule: 'FULL', reason } })).toBe(reason)
    expect(text({ code: 'RULE_REJECTED', message: 'x' })).toBe('Opération refusée par une règle de gestion.')
  })

  it('has French texts for the sync errors', () => {
    expect(text({ code: 'NOT_ENROLLED', message: '' })).toContain('pas relié au portail')
    expect(text({ code: 'PORTAL_UNREACHABLE', message: '' })).toContain('Le portail ne répond pas')
  })

  it('names the new form fields in French', () => {
    const s = text({
      code: 'INVALID_INPUT',
      message: '',
      details: { issues: [{ path: 'email', message: 'x' }, { path: 'portalUrl', message: 'y' }] },
    })
    expect(s).toBe('Saisie invalide : E-mail, Adresse du portail.')
  })
})
