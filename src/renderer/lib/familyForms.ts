import type { ContractError, FamilyFile, PersonView } from '@shared/contract'
import type { FamilyFields, PersonFields } from '@shared/commands/families'

/**
 * The family file's edit forms (issue 8): form values from the file, and what is sent — only the
 * fields the agent changed, compared after the same clean-up (trimmed, empty → null), so that a
 * phone shown "06 12 34 56 78" and left alone is not sent again. Pure functions.
 */

const clean = (s: string): string | null => {
  const v = s.trim()
  return v === '' ? null : v
}

export interface AddressForm {
  line1: string
  line2: string
  postcode: string
  city: string
}

export interface PersonForm {
  civility: '' | 'M.' | 'Mme'
  lastName: string
  birthName: string
  firstNames: string
  sex: '' | 'F' | 'M'
  birthDate: string
  birthCommune: string
  birthCountry: string
  /** False: the family's address (sent as null). */
  ownAddress: boolean
  address: AddressForm
  phoneMobile: string
  phoneHome: string
  phoneWork: string
  email: string
  profession: string
  employer: string
  pai: boolean
}

export interface MemberForm {
  relation: string
  legalGuardian: boolean
  emergencyContact: boolean
  mayPickUp: boolean
  forbiddenPickUp: boolean
}

export const emptyAddress = (): AddressForm => ({ line1: '', line2: '', postcode: '', city: '' })

export function emptyPersonForm(lastName = ''): PersonForm {
  return {
    civility: '',
    lastName,
    birthName: '',
    firstNames: '',
    sex: '',
    birthDate: '',
    birthCommune: '',
    birthCountry: '',
    ownAddress: false,
    address: emptyAddress(),
    phoneMobile: '',
    phoneHome: '',
    phoneWork: '',
    email: '',
    profession: '',
    employer: '',
    pai: false,
  }
}

export function personFormOf(p: PersonView): PersonForm {
  return {
    civility: p.civility ?? '',
    lastName: p.lastName,
    birthName: p.birthName ?? '',
    firstNames: p.firstNames,
    sex: p.sex ?? '',
    birthDate: p.birthDate ?? '',
    birthCommune: p.birthCommune ?? '',
    birthCountry: p.birthCountry ?? '',
    ownAddress: p.address !== null,
    address: p.address ? { line1: p.address.line1, line2: p.address.line2 ?? '', postcode: p.address.postcode, city: p.address.city } : emptyAddress(),
    phoneMobile: p.phones.mobile ?? '',
    phoneHome: p.phones.home ?? '',
    phoneWork: p.phones.work ?? '',
    email: p.email ?? '',
    profession: p.profession ?? '',
    employer: p.employer ?? '',
    pai: p.pai,
  }
}

/** Every person field as the command takes it (names sent as typed: the core says when one is missing). */
export function personFields(f: PersonForm): PersonFields {
  return {
    civility: f.civility === '' ? null : f.civility,
    lastName: f.lastName,
    birthName: clean(f.birthName),
    firstNames: f.firstNames,
    sex: f.sex === '' ? null : f.sex,
    birthDate: clean(f.birthDate),
    birthCommune: clean(f.birthCommune),
    birthCountry: clean(f.birthCountry),
    address: f.ownAddress
      ? { line1: f.address.line1, line2: clean(f.address.line2), postcode: f.address.postcode.trim(), city: f.address.city }
      : null,
    phoneMobile: clean(f.phoneMobile),
    phoneHome: clean(f.phoneHome),
    phoneWork: clean(f.phoneWork),
    email: clean(f.email),
    profession: clean(f.profession),
    employer: clean(f.employer),
    pai: f.pai,
  }
}

/** The fields of `next` that differ from `initial` (after the same clean-up), top-level keys only. */
export function changedOf<T extends Record<string, unknown>>(initial: T, next: T): Partial<T> {
  const out: Partial<T> = {}
  for (const key of Object.keys(next) as Array<keyof T>) {
    if (JSON.stringify(initial[key]) !== JSON.stringify(next[key])) out[key] = next[key]
  }
  return out
}

export function personChanges(initial: PersonForm, form: PersonForm): Partial<PersonFields> {
  const a = personFields(initial)
  const b = personFields(form)
  const out = changedOf(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>) as Partial<PersonFields>
  // Names: compare trimmed (a trailing space is no change).
  for (const k of ['lastName', 'firstNames'] as const) {
    if (k in out && a[k].trim() === b[k].trim()) delete out[k]
  }
  return out
}

export function memberFormOf(m: { relation: string | null; authorisations: Omit<MemberForm, 'relation'> }): MemberForm {
  return { relation: m.relation ?? '', ...m.authorisations }
}

export function memberChanges(initial: MemberForm, form: MemberForm): { relation?: string | null; authorisations?: Partial<Omit<MemberForm, 'relation'>> } {
  const out: { relation?: string | null; authorisations?: Partial<Omit<MemberForm, 'relation'>> } = {}
  if (clean(initial.relation) !== clean(form.relation)) out.relation = clean(form.relation)
  const auth: Partial<Omit<MemberForm, 'relation'>> = {}
  for (const k of ['legalGuardian', 'emergencyContact', 'mayPickUp', 'forbiddenPickUp'] as const) {
    if (initial[k] !== form[k]) auth[k] = form[k]
  }
  if (Object.keys(auth).length > 0) out.authorisations = auth
  return out
}

export interface FamilyForm {
  name: string
  address: AddressForm
  caisse: '' | 'CAF' | 'MSA' | 'autre'
  allocataireNumber: string
  resident: boolean
  separatedParents: boolean
  hosted: boolean
  paperlessInvoices: boolean
  consentQfApi: boolean
  consentImage: boolean
  consentEmergencyCare: boolean
  payerPersonId: string
}

export function familyFormOf(f: FamilyFile): FamilyForm {
  return {
    name: f.name,
    address: { line1: f.address.line1, line2: f.address.line2 ?? '', postcode: f.address.postcode, city: f.address.city },
    caisse: f.caisse ?? '',
    allocataireNumber: f.allocataireNumber ?? '',
    resident: f.resident,
    separatedParents: f.separatedParents,
    hosted: f.hosted,
    paperlessInvoices: f.paperlessInvoices,
    consentQfApi: f.consentQfApi,
    consentImage: f.consentImage,
    consentEmergencyCare: f.consentEmergencyCare,
    payerPersonId: f.payerPersonId ?? '',
  }
}

export function familyFields(f: FamilyForm): FamilyFields {
  return {
    name: f.name,
    address: { line1: f.address.line1, line2: clean(f.address.line2), postcode: f.address.postcode.trim(), city: f.address.city },
    caisse: f.caisse === '' ? null : f.caisse,
    allocataireNumber: clean(f.allocataireNumber),
    resident: f.resident,
    separatedParents: f.separatedParents,
    hosted: f.hosted,
    paperlessInvoices: f.paperlessInvoices,
    consentQfApi: f.consentQfApi,
    consentImage: f.consentImage,
    consentEmergencyCare: f.consentEmergencyCare,
    payerPersonId: f.payerPersonId === '' ? null : f.payerPersonId,
  }
}

export function familyChanges(initial: FamilyForm, form: FamilyForm): Partial<FamilyFields> {
  const a = familyFields(initial)
  const b = familyFields(form)
  const out = changedOf(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>) as Partial<FamilyFields>
  if ('name' in out && a.name.trim() === b.name.trim()) delete out.name
  return out
}

/**
 * The issues of an INVALID_INPUT answer under `prefix` ('changes', 'member.person'…), keyed by
 * the rest of the path ('phoneMobile', 'address.postcode'): the first message of each field.
 */
export function issuesUnder(error: ContractError | null | undefined, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  if (!error || error.code !== 'INVALID_INPUT') return out
  for (const i of error.details?.issues ?? []) {
    if (i.path !== prefix && !i.path.startsWith(`${prefix}.`)) continue
    const rest = i.path.slice(prefix.length + 1)
    if (rest) out[rest] ??= i.message
  }
  return out
}

/** Zod issues (the form's own check before sending) in the same shape. */
export function issuesOfPaths(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const i of issues) {
    const path = i.path.map(String).join('.')
    if (path !== prefix && !path.startsWith(`${prefix}.`)) continue
    const rest = path.slice(prefix.length + 1)
    if (rest) out[rest] ??= i.message
  }
  return out
}

/** A French message starts with a capital on screen ("téléphone invalide" → "Téléphone invalide"). */
export function sentence(message: string): string {
  return message.charAt(0).toUpperCase() + message.slice(1)
}
