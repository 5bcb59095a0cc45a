import { createI18n } from 'vue-i18n'
import { fr, type MessageSchema } from './fr'

export const i18n = createI18n<[MessageSchema], 'fr', false>({
  legacy: false,
  locale: 'fr',
  fallbackLocale: 'fr',
  messages: { fr },
  // Missing keys are bugs: show them loudly in development, never in a warning storm.
  missingWarn: true,
  fallbackWarn: false,
})
