import { v7 as uuidv7 } from 'uuid'
import type { z } from 'zod'
import { CreateFamilyInputSchema, type ContractError, type CreateFamilyInput, type DuplicateDraft, type InputIssue, type Level } from '@shared/contract'

/**
 * The « Nouvelle famille » form (issue 8): the draft as the agent types it (plain strings and
 * booleans, nothing lost whatever is typed), the payload of families.create built from it, and the
 * errors of that payload (the form's own zod check before sending, the core's INVALID_INPUT after)
 * put back at the field they name. Pure: tested in tests/unit/renderer/enrolForm.test.ts.
 */

export type Civility = '' | 'Mme' | 'M.'
export type Sex = '' | 'F' | 'M'
export type Caisse = '' | 'CAF' | 'MSA' | 'autre'

export interface AddressDraft {
  line1: string
  line2: string
  postcode: string
  city: string
}

export interface PersonDraft {
  /** The block's key: the person's id, made when the block is added (UUIDv7). */
  personId: string
  memberId: string
  civility: Civility
  lastName: string
  birthName: string
  firstNames: string
  birthDate: string
  birthCommune: string
  birthCountry: string
  /** A guardian's own address, when it is not the family's. */
  ownAddress: boolean
  address: AddressDraft
  phoneMobile: string
  phoneHome: string
  phoneWork: string
  email: string
  profession: string
  employer: string
  relation: string
}

export interface ChildDraft {
  personId: string
  memberId: string
  firstNames: string
  /** Empty: the family's name. */
  lastName: string
  birthDate: string
  sex: Sex
  pai: boolean
  schoolId: string
  level: Level | ''
  className: string
  /** Periscolaire units ticked (units' ids); at `siteId`, or at the child's school when empty. */
  units: string[]
  siteId: string
  schoolingId: string
  /** One inscription id per unit, made once (a retry after an error sends the same ids). */
  inscriptionIds: Record<string, string>
}

export interface ContactDraft {
  personId: string
  memberId: string
  relation: string
  civility: Civility
  lastName: string
  firstNames: string
  phoneMobile: string
  phoneHome: string
  email: string
  emergencyContact: boolean
  mayPickUp: boolean
  forbiddenPickUp: boolean
}

export interface FamilyDraft {
  familyId: string
  /** Empty: the RL1's last name. */
  name: string
  address: AddressDraft
  caisse: Caisse
  allocataireNumber: string
  resident: boolean
  separatedParents: boolean
  hosted: boolean
  paperlessInvoices: boolean
  consentQfApi: boolean
  consentImage: boolean
  consentEmergencyCare: boolean
  /** 'rl1' or 'rl2'. */
  payer: 'rl1' | 'rl2'
}

export interface EnrolDraft {
  family: FamilyDraft
  rl1: PersonDraft
  hasRl2: boolean
  rl2: PersonDraft
  children: ChildDraft[]
  contacts: ContactDraft[]
}

const emptyAddress = (): AddressDraft => ({ line1: '', line2: '', postcode: '', city: '' })

export function newGuardian(relation = ''): PersonDraft {
  return {
    personId: uuidv7(),
    memberId: uuidv7(),
    civility: '',
    lastName: '',
    birthName: '',
    firstNames: '',
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
    relation,
  }
}

export function newChild(): ChildDraft {
  return {
    personId: uuidv7(),
    memberId: uuidv7(),
    firstNames: '',
    lastName: '',
    birthDate: '',
    sex: '',
    pai: false,
    schoolId: '',
    level: '',
    className: '',
    units: [],
    siteId: '',
    schoolingId: uuidv7(),
    inscriptionIds: {},
  }
}

export function newContact(): ContactDraft {
  return {
    personId: uuidv7(),
    memberId: uuidv7(),
    relation: '',
    civility: '',
    lastName: '',
    firstNames: '',
    phoneMobile: '',
    phoneHome: '',
    email: '',
    emergencyContact: false,
    mayPickUp: false,
    forbiddenPickUp: false,
  }
}

export function emptyDraft(): EnrolDraft {
  return {
    family: {
      familyId: uuidv7(),
      name: '',
      address: emptyAddress(),
      caisse: '',
      allocataireNumber: '',
      resident: false,
      separatedParents: false,
      hosted: false,
      paperlessInvoices: false,
      consentQfApi: false,
      consentImage: false,
      consentEmergencyCare: false,
      payer: 'rl1',
    },
    rl1: newGuardian(),
    hasRl2: false,
    rl2: newGuardian(),
    children: [],
    contacts: [],
  }
}

/** A unit's inscription id for a child, made the first time it is needed. */
export function inscriptionId(child: ChildDraft, unitId: string): string {
  child.inscriptionIds[unitId] ??= uuidv7()
  return child.inscriptionIds[unitId]
}

const text = (s: string): string | null => {
  const v = s.trim()
  return v === '' ? null : v
}

/** The family's name as it will be saved: typed, or the RL1's last name. */
export function familyName(d: EnrolDraft): string {
  return d.family.name.trim() || d.rl1.lastName.trim()
}

/** A child's last name as it will be saved: typed, or the family's name. */
export function childLastName(d: EnrolDraft, c: ChildDraft): string {
  return c.lastName.trim() || familyName(d)
}

/** Has the agent typed or ticked anything (Escape then asks before leaving)? */
export function isDirty(d: EnrolDraft): boolean {
  const fresh = emptyDraft()
  const strip = (x: EnrolDraft) =>
    JSON.stringify({
      ...x,
      family: { ...x.family, familyId: '' },
      rl1: { ...x.rl1, personId: '', memberId: '' },
      rl2: { ...x.rl2, personId: '', memberId: '' },
    })
  return strip(d) !== strip(fresh)
}

const guardianRelation = (p: PersonDraft): string | null => text(p.relation) ?? (p.civility === 'Mme' ? 'mère' : p.civility === 'M.' ? 'père' : null)

type Member = CreateFamilyInput['members'][number]
type Person = NonNullable<Member['person']>

function guardianPerson(p: PersonDraft): Person {
  return {
    civility: p.civility === '' ? null : p.civility,
    lastName: p.lastName.trim(),
    birthName: text(p.birthName),
    firstNames: p.firstNames.trim(),
    sex: p.civility === 'Mme' ? 'F' : p.civility === 'M.' ? 'M' : null,
    birthDate: text(p.birthDate),
    birthCommune: text(p.birthCommune),
    birthCountry: text(p.birthCountry),
    address: p.ownAddress ? { line1: p.address.line1.trim(), line2: text(p.address.line2), postcode: p.address.postcode.trim(), city: p.address.city.trim() } : null,
    phoneMobile: text(p.phoneMobile),
    phoneHome: text(p.phoneHome),
    phoneWork: text(p.phoneWork),
    email: text(p.email),
    profession: text(p.profession),
    employer: text(p.employer),
    pai: false,
  }
}

const noAuth = { legalGuardian: false, emergencyContact: false, mayPickUp: false, forbiddenPickUp: false }

/**
 * Where each part of the payload comes from: the DOM id of the field for an issue's path.
 * Field ids are `enrol-<block>-<field>`, the block being 'family', 'rl1', 'rl2', or a child's or
 * contact's person id.
 */
export interface Built {
  input: CreateFamilyInput
  /** members[i] → its block key. */
  memberBlocks: string[]
  /** schoolings[i] / inscriptions[i] → the child's block key and the unit. */
  schoolingBlocks: string[]
  inscriptionBlocks: Array<{ block: string; unitId: string }>
}

/** The families.create payload of the draft (ids made by the form; the core makes the code famille). */
export function buildInput(d: EnrolDraft, schoolYear: string): Built {
  const name = familyName(d)
  const members: Member[] = []
  const memberBlocks: string[] = []
  const guardians: Array<['rl1' | 'rl2', PersonDraft]> = d.hasRl2 ? [['rl1', d.rl1], ['rl2', d.rl2]] : [['rl1', d.rl1]]
  for (const [block, p] of guardians) {
    members.push({
      memberId: p.memberId,
      personId: p.personId,
      role: block === 'rl1' ? 'RL1' : 'RL2',
      relation: guardianRelation(p),
      authorisations: { ...noAuth, legalGuardian: true, mayPickUp: true },
      person: guardianPerson(p),
    })
    memberBlocks.push(block)
  }
  const schoolings: CreateFamilyInput['schoolings'] = []
  const schoolingBlocks: string[] = []
  const inscriptions: CreateFamilyInput['inscriptions'] = []
  const inscriptionBlocks: Built['inscriptionBlocks'] = []
  for (const c of d.children) {
    members.push({
      memberId: c.memberId,
      personId: c.personId,
      role: 'enfant',
      relation: null,
      authorisations: noAuth,
      person: {
        civility: null,
        lastName: childLastName(d, c),
        birthName: null,
        firstNames: c.firstNames.trim(),
        sex: c.sex === '' ? null : c.sex,
        birthDate: text(c.birthDate),
        birthCommune: null,
        birthCountry: null,
        address: null,
        phoneMobile: null,
        phoneHome: null,
        phoneWork: null,
        email: null,
        profession: null,
        employer: null,
        pai: c.pai,
      },
    })
    memberBlocks.push(c.personId)
    if (c.schoolId !== '' && c.level !== '') {
      schoolings.push({ id: c.schoolingId, personId: c.personId, schoolId: c.schoolId, level: c.level, className: text(c.className), schoolYear })
      schoolingBlocks.push(c.personId)
    }
    const site = c.siteId || c.schoolId
    if (site !== '') {
      for (const unitId of c.units) {
        inscriptions.push({ id: inscriptionId(c, unitId), childId: c.personId, unitId, siteId: site, schoolYear, status: 'active' })
        inscriptionBlocks.push({ block: c.personId, unitId })
      }
    }
  }
  for (const k of d.contacts) {
    members.push({
      memberId: k.memberId,
      personId: k.personId,
      role: 'contact',
      relation: text(k.relation),
      authorisations: { legalGuardian: false, emergencyContact: k.emergencyContact, mayPickUp: k.mayPickUp && !k.forbiddenPickUp, forbiddenPickUp: k.forbiddenPickUp },
      person: {
        civility: k.civility === '' ? null : k.civility,
        lastName: k.lastName.trim(),
        birthName: null,
        firstNames: k.firstNames.trim(),
        sex: null,
        birthDate: null,
        birthCommune: null,
        birthCountry: null,
        address: null,
        phoneMobile: text(k.phoneMobile),
        phoneHome: text(k.phoneHome),
        phoneWork: null,
        email: text(k.email),
        profession: null,
        employer: null,
        pai: false,
      },
    })
    memberBlocks.push(k.personId)
  }
  const f = d.family
  const payer = f.payer === 'rl2' && d.hasRl2 ? d.rl2.personId : d.rl1.personId
  return {
    input: {
      familyId: f.familyId,
      family: {
        name,
        address: { line1: f.address.line1.trim(), line2: text(f.address.line2), postcode: f.address.postcode.trim(), city: f.address.city.trim() },
        caisse: f.caisse === '' ? null : f.caisse,
        allocataireNumber: text(f.allocataireNumber.replace(/\s/g, '')),
        resident: f.resident,
        separatedParents: f.separatedParents,
        hosted: f.hosted,
        paperlessInvoices: f.paperlessInvoices,
        consentQfApi: f.consentQfApi,
        consentImage: f.consentImage,
        consentEmergencyCare: f.consentEmergencyCare,
        payerPersonId: payer,
      },
      members,
      schoolings,
      inscriptions,
    },
    memberBlocks,
    schoolingBlocks,
    inscriptionBlocks,
  }
}

export const fieldId = (block: string, field: string): string => `enrol-${block}-${field}`

/** Person fields whose name on the form is not the payload's. */
const PERSON_FIELD: Record<string, string> = {
  'address.line1': 'address-line1',
  'address.line2': 'address-line2',
  'address.postcode': 'address-postcode',
  'address.city': 'address-city',
}

/**
 * The DOM id of the field an issue's path names (`members.1.person.birthDate` → the child's birth
 * date field), or null when no field shows it (the summary then lists it on its own).
 */
export function fieldOfPath(built: Pick<Built, 'memberBlocks' | 'schoolingBlocks' | 'inscriptionBlocks'>, path: string): string | null {
  const parts = path.split('.')
  const [head, index] = parts
  if (head === 'family') {
    const rest = parts.slice(1).join('.')
    if (rest === 'name') return fieldId('family', 'name')
    if (rest.startsWith('address.')) return fieldId('family', PERSON_FIELD[rest] ?? rest)
    if (rest === 'caisse' || rest === 'allocataireNumber') return fieldId('family', rest)
    if (rest === 'payerPersonId') return fieldId('family', 'payer')
    return null
  }
  if (head === 'members') {
    if (index === undefined) return fieldId('rl1', 'lastName')
    const block = built.memberBlocks[Number(index)]
    if (!block) return null
    if (parts[2] === 'relation') return fieldId(block, 'relation')
    if (parts[2] === 'authorisations') return fieldId(block, parts[3] ?? 'relation')
    if (parts[2] !== 'person') return fieldId(block, 'firstNames')
    const rest = parts.slice(3).join('.')
    if (rest === '') return fieldId(block, 'lastName')
    // A guardian's sex comes from the civility.
    if (rest === 'sex' && (block === 'rl1' || block === 'rl2')) return fieldId(block, 'civility')
    return fieldId(block, PERSON_FIELD[rest] ?? rest)
  }
  if (head === 'schoolings') {
    const block = built.schoolingBlocks[Number(index)]
    if (!block) return null
    const field = parts[2]
    return fieldId(block, field === 'level' ? 'level' : field === 'className' ? 'className' : 'schoolId')
  }
  if (head === 'inscriptions') {
    const at = built.inscriptionBlocks[Number(index)]
    if (!at) return null
    return parts[2] === 'siteId' ? fieldId(at.block, 'siteId') : fieldId(at.block, `unit-${at.unitId}`)
  }
  return null
}

export interface PlacedIssues {
  /** Field DOM id → its first message. */
  fields: Record<string, string>
  /** Messages no field shows. */
  other: string[]
}

export function placeIssues(built: Pick<Built, 'memberBlocks' | 'schoolingBlocks' | 'inscriptionBlocks'>, issues: readonly InputIssue[]): PlacedIssues {
  const out: PlacedIssues = { fields: {}, other: [] }
  for (const i of issues) {
    const id = fieldOfPath(built, i.path)
    if (id) out.fields[id] ??= i.message
    else out.other.push(i.message)
  }
  return out
}

function zodIssues(error: z.ZodError): InputIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
}

/**
 * The form's own check before sending: the contract's schema (the same messages the core would
 * give), and what the form alone knows: a birth date after today, a school without its level,
 * a periscolaire service without a place. The core checks everything again.
 */
export function checkDraft(d: EnrolDraft, built: Built, today: string): InputIssue[] {
  const issues: InputIssue[] = []
  const parsed = CreateFamilyInputSchema.safeParse(built.input)
  if (!parsed.success) issues.push(...zodIssues(parsed.error))
  built.input.members.forEach((m, i) => {
    const born = m.person?.birthDate
    if (born && /^\d{4}-\d{2}-\d{2}$/.test(born) && born > today) issues.push({ path: `members.${i}.person.birthDate`, message: 'date de naissance dans le futur' })
    if (m.role === 'enfant' && !born) issues.push({ path: `members.${i}.person.birthDate`, message: 'date de naissance obligatoire pour un enfant' })
  })
  d.children.forEach((c) => {
    if (c.schoolId !== '' && c.level === '') issues.push({ path: `children.${c.personId}.level`, message: 'choisir le niveau dans cette école' })
    if (c.schoolId === '' && c.level !== '') issues.push({ path: `children.${c.personId}.schoolId`, message: 'choisir l’école de ce niveau' })
    if (c.units.length > 0 && c.siteId === '' && c.schoolId === '') issues.push({ path: `children.${c.personId}.siteId`, message: 'choisir le lieu des activités (ou l’école)' })
  })
  return issues
}

/** The form's own paths (`children.<block>.<field>`) and the payload's, to their field. */
export function placeAll(built: Built, issues: readonly InputIssue[]): PlacedIssues {
  const own = issues.filter((i) => i.path.startsWith('children.'))
  const placed = placeIssues(built, issues.filter((i) => !i.path.startsWith('children.')))
  for (const i of own) {
    const [, block, field] = i.path.split('.')
    placed.fields[fieldId(block!, field!)] ??= i.message
  }
  return placed
}

/** The issues of a core answer (INVALID_INPUT), or none. */
export function contractIssues(error: ContractError | null | undefined): InputIssue[] {
  return error?.code === 'INVALID_INPUT' ? (error.details?.issues ?? []) : []
}

/** What the duplicates panel looks for: the guardians' names, phones, e-mails; the children's names and birth dates. */
export function duplicateDraftOf(d: EnrolDraft): DuplicateDraft {
  const guardians = (d.hasRl2 ? [d.rl1, d.rl2] : [d.rl1]).map((g) => ({
    lastName: g.lastName,
    firstNames: g.firstNames,
    birthName: g.birthName,
    phone: g.phoneMobile || g.phoneHome || g.phoneWork,
    email: g.email,
  }))
  const children = d.children.map((c) => ({ lastName: childLastName(d, c), firstNames: c.firstNames, birthDate: c.birthDate }))
  return { guardians, children }
}
