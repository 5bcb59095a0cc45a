import { TariffPayload } from '@shared/commands/town'
import type { TariffView } from '@shared/contract/town'
import type { TariffKind, TariffResidency } from '@shared/domain/pricing'
import { centsToInput, parseEurosToCents, parseWholeEuros } from '../../lib/money'

/**
 * The « Tarifs » form (issue 12), pure: a grid ↔ the text the responsable types (euros the
 * French way, « 3,30 »; QF bounds in whole euros; the rate in percent, « 0,36 »), and the check
 * before sending, with errors keyed by the payload's full path (« brackets.1.min »).
 */

export interface BracketRow {
  key: number
  min: string
  max: string
  price: string
}

export interface TariffForm {
  id: string
  unitId: string
  label: string
  validFrom: string
  validTo: string
  residency: TariffResidency
  kind: TariffKind
  brackets: BracketRow[]
  noQf: string
  rate: string
  min: string
  max: string
  penalty: string
  incomplete: string
  active: boolean
}

/** The French texts of the typing errors (from i18n `town.tariffs.invalid`). */
export interface TypingMessages {
  required: string
  money: string
  qf: string
  rate: string
}

let nextKey = 1
export const bracketRow = (min = '', max = '', price = ''): BracketRow => ({ key: nextKey++, min, max, price })

const euros = (cents: number | null) => (cents === null ? '' : centsToInput(cents))
/** 0.36 → « 0,36 » (no grouping, comma). */
export const rateToInput = (p: number | null) => (p === null ? '' : String(p).replace('.', ','))

export function emptyTariffForm(id: string, unitId: string): TariffForm {
  return {
    id,
    unitId,
    label: '',
    validFrom: '',
    validTo: '',
    residency: 'tous',
    kind: 'tranches',
    brackets: [bracketRow('0')],
    noQf: '',
    rate: '',
    min: '',
    max: '',
    penalty: '',
    incomplete: '',
    active: true,
  }
}

export function tariffToForm(g: TariffView): TariffForm {
  return {
    id: g.id,
    unitId: g.unitId,
    label: g.label,
    validFrom: g.validFrom,
    validTo: g.validTo ?? '',
    residency: g.residency,
    kind: g.kind,
    brackets: (g.brackets ?? []).map((b) => bracketRow(String(b.min), b.max === null ? '' : String(b.max), euros(b.cents))),
    noQf: euros(g.noQfCents),
    rate: rateToInput(g.ratePercent),
    min: euros(g.minCents),
    max: euros(g.maxCents),
    penalty: euros(g.penaltyCents),
    incomplete: euros(g.incompleteCents),
    active: g.active,
  }
}

/** The payload, or the errors by full path (a typing error wins over the schema's on the same field). */
export function checkTariffForm(form: TariffForm, msg: TypingMessages): { ok: true; payload: TariffPayload } | { ok: false; issues: Record<string, string> } {
  const typing: Record<string, string> = {}
  const blank = (text: string, path: string, required: boolean): boolean => {
    if (text.trim() !== '') return false
    if (required) typing[path] = msg.required
    return true
  }
  // A field left blank or mistyped is checked as 0, so that the schema's cross-field rules
  // (ascending mins, max ≥ min) still run and every error shows at once.
  const money = (text: string, path: string, required: boolean): number | null => {
    if (blank(text, path, required)) return required ? 0 : null
    const c = parseEurosToCents(text)
    if (c === null) typing[path] = msg.money
    return c ?? 0
  }
  const qf = (text: string, path: string, required: boolean): number | null => {
    if (blank(text, path, required)) return required ? 0 : null
    const v = parseWholeEuros(text)
    if (v === null) typing[path] = msg.qf
    return v ?? 0
  }
  const tranches = form.kind === 'tranches'
  let ratePercent: number | null = null
  if (!tranches && !blank(form.rate, 'ratePercent', true)) {
    const s = form.rate.replace(/[\s\u00a0\u202f%]/g, '').replace(',', '.')
    if (/^\d{1,3}(\.\d{1,4})?$/.test(s)) ratePercent = Number(s)
    else typing.ratePercent = msg.rate
  }
  const candidate = {
    id: form.id,
    unitId: form.unitId,
    label: form.label.trim(),
    validFrom: form.validFrom,
    validTo: form.validTo === '' ? null : form.validTo,
    residency: form.residency,
    kind: form.kind,
    brackets: tranches
      ? form.brackets.map((b, i) => ({ min: qf(b.min, `brackets.${i}.min`, true), max: qf(b.max, `brackets.${i}.max`, false), cents: money(b.price, `brackets.${i}.cents`, true) }))
      : null,
    noQfCents: tranches ? money(form.noQf, 'noQfCents', true) : null,
    ratePercent,
    minCents: tranches ? null : money(form.min, 'minCents', true),
    maxCents: tranches ? null : money(form.max, 'maxCents', true),
    penaltyCents: money(form.penalty, 'penaltyCents', true),
    incompleteCents: money(form.incomplete, 'incompleteCents', true),
    active: form.active,
  }
  const checked = TariffPayload.safeParse(candidate)
  const issues: Record<string, string> = {}
  if (!checked.success) for (const i of checked.error.issues) issues[i.path.join('.')] ??= i.message
  Object.assign(issues, typing)
  if (checked.success && Object.keys(issues).length === 0) return { ok: true, payload: checked.data }
  return { ok: false, issues }
}
