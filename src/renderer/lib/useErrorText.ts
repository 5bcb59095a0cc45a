import { useI18n } from 'vue-i18n'
import type { ContractError } from '@shared/contract'
import { errorText } from './errors'

/** `const errorMessage = useErrorText()` then `errorMessage(result.error)` in a component. */
export function useErrorText(): (error: ContractError | null | undefined) => string {
  const { t, te } = useI18n()
  return (error) => (error ? errorText((key, named) => (named ? t(key, named) : t(key)), error, (key) => te(key)) : '')
}
