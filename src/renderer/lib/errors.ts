import { errorCodes, type ContractError } from '@shared/contract'

/** The translate function this module needs (vue-i18n's `t`, or a fake in tests). */
export type Translate = (key: string, named?: Record<string, unknown>) => string

const knownCodes = new Set<string>(errorCodes)

/** French text for a contract error (i18n keys `errors.<CODE>`). */
export function errorText(t: Translate, error: ContractError, hasField?: (key: string) => boolean): string {
  switch (error.code) {
    case 'INVALID_INPUT': {
      const paths = [...new Set((error.details?.issues ?? []).map((i) => i.path).filter((p) => p !== ''))]
      if (paths.length === 0) return t('errors.INVALID_INPUT')
      const fields = paths.map((p) => (hasField?.(`fields.${p}`) ? t(`fields.${p}`) : p)).join(', ')
      return t('errors.INVALID_INPUT_FIELDS', { fields })
    }
    case 'LOGIN_THROTTLED': {
      const n = error.details?.retryAfterSeconds
      return typeof n === 'number' && n > 0
        ? t('errors.LOGIN_THROTTLED', { n: Math.ceil(n) })
        : t('errors.LOGIN_THROTTLED_SOON')
    }
    case 'RULE_REJECTED': {
      // The rule's own French sentence, shown as it is ("Complet : …", "… est déjà inscrit(e) …").
      const reason = error.details?.reason?.trim()
      return reason ? reason : t('errors.RULE_REJECTED')
    }
    default:
      return knownCodes.has(error.code) ? t(`errors.${error.code}`) : t('errors.UNKNOWN', { code: String(error.code) })
  }
}
