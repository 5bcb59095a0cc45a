import {
  CancelRuleSchema,
  DeadlineRuleSchema,
  describeCancelRule,
  describeRule,
  type CancelRule,
  type DeadlineRule,
} from '@shared/domain/deadlines'

/**
 * The rule editor's form (strings as typed) ↔ a booking or cancellation rule (JSON). The form
 * keeps every kind's fields, so switching kinds back and forth loses nothing typed; only the
 * chosen kind's fields are sent. Checked with the same zod schemas as the core and the portal.
 */

export const deadlineKinds = ['days_before', 'weekday_prev_week', 'day_prev_month', 'none'] as const
export const cancelKinds = ['same', 'never', ...deadlineKinds] as const
export type RuleKind = (typeof cancelKinds)[number]

export interface RuleForm {
  kind: RuleKind
  /** days_before: how many days before (text as typed). */
  n: string
  /** days_before: count only working days. */
  working: boolean
  /** 'HH:MM', Europe/Paris. */
  at: string
  /** weekday_prev_week: 1 = Monday … 7 = Sunday. */
  weekday: string
  /** day_prev_month: 1 … 31. */
  day: string
}

export function emptyRuleForm(kind: RuleKind = 'days_before'): RuleForm {
  return { kind, n: '1', working: true, at: '18:00', weekday: '4', day: '15' }
}

export function ruleToForm(rule: DeadlineRule | CancelRule): RuleForm {
  const form = emptyRuleForm(rule.kind)
  switch (rule.kind) {
    case 'days_before':
      return { ...form, n: String(rule.n), working: rule.working, at: rule.at }
    case 'weekday_prev_week':
      return { ...form, weekday: String(rule.weekday), at: rule.at }
    case 'day_prev_month':
      return { ...form, day: String(rule.day), at: rule.at }
    default:
      return form
  }
}

/** A whole number as typed ("2", " 2 "), else the text itself so that the schema refuses it in French. */
const num = (s: string): number | string => (/^\s*-?\d{1,6}\s*$/.test(s) ? Number(s.trim()) : s.trim())

/** The rule the form describes (unchecked: pass it to checkRule). */
export function formToRule(form: RuleForm): Record<string, unknown> {
  switch (form.kind) {
    case 'days_before':
      return { kind: 'days_before', n: num(form.n), working: form.working, at: form.at.trim() }
    case 'weekday_prev_week':
      return { kind: 'weekday_prev_week', weekday: num(form.weekday), at: form.at.trim() }
    case 'day_prev_month':
      return { kind: 'day_prev_month', day: num(form.day), at: form.at.trim() }
    default:
      return { kind: form.kind }
  }
}

export type RuleCheck<T> = { ok: true; rule: T; text: string } | { ok: false; issues: Partial<Record<keyof RuleForm, string>> }

function check<T>(
  form: RuleForm,
  parse: (v: unknown) => { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } },
  describe: (r: T) => string,
): RuleCheck<T> {
  const sent = formToRule(form)
  const r = parse(sent)
  if (r.success) return { ok: true, rule: r.data, text: describe(r.data) }
  const issues: Partial<Record<keyof RuleForm, string>> = {}
  for (const i of r.error.issues) {
    const head = String(i.path[0] ?? '')
    const key: keyof RuleForm = head in form ? (head as keyof RuleForm) : 'kind'
    const numeric = key === 'n' || key === 'weekday' || key === 'day'
    issues[key] ??= numeric && typeof sent[key] === 'string' ? 'nombre entier attendu' : i.message
  }
  return { ok: false, issues }
}

/** A booking rule from the form, with its French description, or the issues per field. */
export function checkBookingRule(form: RuleForm): RuleCheck<DeadlineRule> {
  return check(form, (v) => DeadlineRuleSchema.safeParse(v), describeRule)
}

/** A cancellation rule from the form, with its French description, or the issues per field. */
export function checkCancelRule(form: RuleForm): RuleCheck<CancelRule> {
  return check(form, (v) => CancelRuleSchema.safeParse(v), describeCancelRule)
}
