import { describe, expect, it } from 'vitest'
import { createSSRApp, h, ref, type Component } from 'vue'
import { renderToString } from '@vue/server-renderer'
import { createI18n } from 'vue-i18n'
import { fr } from '../../../src/renderer/i18n/fr'
import { emptyRuleForm, ruleToForm, type RuleForm } from '../../../src/renderer/components/services/ruleForm'

// Loaded by path: the node type-check (tsconfig.node.json) has no declaration for .vue files.
const SFC = '../../../src/renderer/components/services/RuleEditor.vue'
const RuleEditor = ((await import(/* @vite-ignore */ SFC)) as { default: Component }).default

/** The rule editor rendered (server-side, no DOM needed): its fields per kind, the live French description, errors at the field, no missing text. */

async function render(form: RuleForm, props: Record<string, unknown> = {}): Promise<{ html: string; missing: string[] }> {
  const missing: string[] = []
  const i18n = createI18n({ legacy: false, locale: 'fr', messages: { fr }, missing: (_l, key) => void missing.push(key) })
  const model = ref(form)
  const app = createSSRApp({ render: () => h(RuleEditor, { prefix: 'booking', legend: 'Règle', modelValue: model.value, ...props }) })
  app.use(i18n)
  return { html: await renderToString(app), missing }
}

describe('RuleEditor', () => {
  it('shows the fields of its kind and the rule in plain French', async () => {
    const { html, missing } = await render(ruleToForm({ kind: 'days_before', n: 2, working: true, at: '10:00' }))
    expect(missing).toEqual([])
    expect(html).toContain('2 jours ouvrés avant, à 10:00')
    expect(html).toContain('id="booking-n"')
    expect(html).toContain('id="booking-at"')
    expect(html).not.toContain('id="booking-weekday"')
  })

  it('offers the cancellation kinds only to a cancellation rule', async () => {
    const cancel = await render(emptyRuleForm('never'), { cancel: true })
    expect(cancel.missing).toEqual([])
    expect(cancel.html).toContain('Pas d’annulation une fois réservé')
    expect(cancel.html).toContain('value="same"')
    expect((await render(emptyRuleForm('none'))).html).not.toContain('value="same"')
  })

  it('says the rule is incomplete, and shows each error at its field once asked', async () => {
    const bad = { ...emptyRuleForm('days_before'), n: '-1', at: '25:00' }
    const quiet = await render(bad)
    expect(quiet.html).toContain('Règle incomplète')
    expect(quiet.html).not.toContain('booking-n-error')
    const shown = await render(bad, { showIssues: true })
    expect(shown.html).toContain('id="booking-n-error"')
    expect(shown.html).toContain('au moins 0')
    expect(shown.html).toContain('id="booking-at-error"')
    expect(shown.html).toMatch(/id="booking-n"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="booking-n"/)
  })
})
