import type { ContractError } from '@shared/contract'
import type { Guardian } from './people'

/** The fields of the contact form, in screen order. */
export const contactFields = ['phoneMobile', 'phoneHome', 'phoneWork', 'email'] as const
export type ContactField = (typeof contactFields)[number]
export type ContactForm = Record<ContactField, string>

export function contactFormOf(g: Pick<Guardian, 'phones' | 'email'>): ContactForm {
  return {
    phoneMobile: g.phones.mobile ?? '',
    phoneHome: g.phones.home ?? '',
    phoneWork: g.phones.work ?? '',
    email: g.email ?? '',
  }
}

/** What is sent: trimmed, an empty field is null (the number or address is removed). */
export function contactInput(form: ContactForm): Record<ContactField, string | null> {
  const clean = (s: string) => {
    const v = s.trim()
    return v === '' ? null : v
  }
  return {
    phoneMobile: clean(form.phoneMobile),
    phoneHome: clean(form.phoneHome),
    phoneWork: clean(form.phoneWork),
    email: clean(form.email),
  }
}

/**
 * The form's fields that an INVALID_INPUT answer names (details.issues[].path), and whether
 * it names anything else (then a general message is needed too).
 */
export function invalidFields<F extends string>(
  error: ContractError | null | undefined,
  fields: readonly F[],
): { fields: F[]; other: boolean } {
  if (!error || error.code !== 'INVALID_INPUT') return { fields: [], other: false }
  const found = new Set<F>()
  let other = false
  for (const issue of error.details?.issues ?? []) {
    const head = issue.path.split('.')[0] ?? ''
    if ((fields as readonly string[]).includes(head)) found.add(head as F)
    else other = true
  }
  if (found.size === 0) other = true
  return { fields: fields.filter((f) => found.has(f)), other }
}
