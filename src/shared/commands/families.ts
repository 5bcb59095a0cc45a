import { z } from 'zod'
import type { Row, Value } from '../sync/entities'
import { entityEnums } from '../sync/entities'
import { codeFamilleNumber, isValidCodeFamille } from '../domain/codeFamille'
import { isSchoolYear } from '../domain/schoolYear'
import { foldForSearch } from '../domain/searchText'
import { CalendarDay, lineCheck, singleLine } from '../validation/text'
import { PhoneNumber } from '../validation/phone'
import { derivedId } from './ids'
import type { CommandContext, CommandDef, CommandTx, RaisedFlag, ReadHint } from './base'
import { checkSeriesNumber, SERIES } from './base'

/**
 * The family file at the counter: creating a family (with its guardians, children, contacts,
 * schoolings and inscriptions), editing it section by section, linking a shared-custody child,
 * and merging two files that turn out to be the same family. All facts (ARCHITECTURE.md): what
 * the family told the agent happened; the portal records it and flags what breaks a rule.
 *
 * Every change writes one `field_history` row per changed field (old value, new value, who, when,
 * channel); a creation writes one row per record created (field "*"). Edits carry the values the
 * agent saw (`before`): the portal compares them with its own to see a concurrent change, keeps
 * the last commit and flags it, as families.updateContacts does.
 */

const Id = z.uuid()
const COUNTER = ['guichet'] as const
const Name = z.string().trim().min(1, 'champ obligatoire').max(80, '80 caractères au plus').superRefine(lineCheck)
const OptText = (max: number) =>
  singleLine({ max })
    .transform((s) => (s === '' ? null : s))
    .nullable()
const Email = z.email('adresse e-mail invalide').max(120).nullable()
const Phone = PhoneNumber.nullable()
const SchoolYear = z.string().refine(isSchoolYear, 'année scolaire attendue (2026-2027)')
const Postcode = z.string().regex(/^\d{5}$/, 'code postal à 5 chiffres')

/** A person's fields (guardian, child, contact), as the form sends them. */
export const PersonFields = z.strictObject({
  civility: z.enum(entityEnums.persons.civility).nullable(),
  lastName: Name,
  birthName: OptText(80),
  firstNames: Name,
  sex: z.enum(entityEnums.persons.sex).nullable(),
  birthDate: CalendarDay.nullable(),
  birthCommune: OptText(80),
  birthCountry: OptText(80),
  address: z
    .strictObject({ line1: z.string().trim().min(1, 'champ obligatoire').max(120).superRefine(lineCheck), line2: OptText(120), postcode: Postcode, city: Name })
    .nullable(),
  phoneMobile: Phone,
  phoneHome: Phone,
  phoneWork: Phone,
  email: Email,
  profession: OptText(80),
  employer: OptText(80),
  pai: z.boolean(),
})
export type PersonFields = z.infer<typeof PersonFields>

export const Authorisations = z.strictObject({
  legalGuardian: z.boolean(),
  emergencyContact: z.boolean(),
  mayPickUp: z.boolean(),
  forbiddenPickUp: z.boolean(),
})

export const MemberInput = z.strictObject({
  memberId: Id,
  personId: Id,
  role: z.enum(entityEnums.family_members.role),
  /** Contacts: "grand-mère", "nounou"…; guardians: "mère", "père"… */
  relation: OptText(60),
  authorisations: Authorisations,
  /** The person's fields; null: an existing person (a shared-custody child already in another family). */
  person: PersonFields.nullable(),
})
export type MemberInput = z.infer<typeof MemberInput>

export const SchoolingInput = z.strictObject({
  id: Id,
  personId: Id,
  schoolId: Id,
  level: z.enum(entityEnums.schoolings.level),
  className: OptText(40),
  schoolYear: SchoolYear,
})

export const InscriptionInput = z.strictObject({
  id: Id,
  childId: Id,
  unitId: singleLine({ min: 1, max: 40 }),
  siteId: Id,
  schoolYear: SchoolYear,
  status: z.enum(entityEnums.inscriptions.status),
})

/** The family's own fields. */
export const FamilyFields = z.strictObject({
  name: Name,
  address: z.strictObject({ line1: z.string().trim().min(1, 'champ obligatoire').max(120).superRefine(lineCheck), line2: OptText(120), postcode: Postcode, city: Name }),
  caisse: z.enum(entityEnums.families.caisse).nullable(),
  allocataireNumber: z
    .string()
    .regex(/^\d{1,10}$/, 'numéro d’allocataire : jusqu’à 10 chiffres')
    .nullable(),
  resident: z.boolean(),
  separatedParents: z.boolean(),
  hosted: z.boolean(),
  paperlessInvoices: z.boolean(),
  consentQfApi: z.boolean(),
  consentImage: z.boolean(),
  consentEmergencyCare: z.boolean(),
  payerPersonId: Id.nullable(),
})
export type FamilyFields = z.infer<typeof FamilyFields>

export const CreateFamilyPayload = z.strictObject({
  familyId: Id,
  /** Taken from the workstation's code-famille range inside the creating transaction. */
  code: z.string().refine(isValidCodeFamille, 'code famille invalide'),
  family: FamilyFields,
  members: z.array(MemberInput).min(1).max(30),
  schoolings: z.array(SchoolingInput).max(20),
  inscriptions: z.array(InscriptionInput).max(100),
})
export type CreateFamilyPayload = z.infer<typeof CreateFamilyPayload>

/** Column ↔ field of the family's own fields, with French labels (history, flags). */
export const FAMILY_COLUMNS = [
  { key: 'name', column: 'name', label: 'nom du dossier' },
  { key: 'address.line1', column: 'address_line1', label: 'adresse' },
  { key: 'address.line2', column: 'address_line2', label: 'complément d’adresse' },
  { key: 'address.postcode', column: 'postcode', label: 'code postal' },
  { key: 'address.city', column: 'city', label: 'commune' },
  { key: 'caisse', column: 'caisse', label: 'caisse' },
  { key: 'allocataireNumber', column: 'allocataire_number', label: 'numéro d’allocataire' },
  { key: 'resident', column: 'resident', label: 'résident' },
  { key: 'separatedParents', column: 'separated_parents', label: 'parents séparés' },
  { key: 'hosted', column: 'hosted', label: 'famille hébergée' },
  { key: 'paperlessInvoices', column: 'paperless_invoices', label: 'facture dématérialisée' },
  { key: 'consentQfApi', column: 'consent_qf_api', label: 'consentement API quotient familial' },
  { key: 'consentImage', column: 'consent_image', label: 'droit à l’image' },
  { key: 'consentEmergencyCare', column: 'consent_emergency_care', label: 'autorisation de soins d’urgence' },
  { key: 'payerPersonId', column: 'payer_person_id', label: 'payeur' },
] as const

export const PERSON_COLUMNS = [
  { key: 'civility', column: 'civility', label: 'civilité' },
  { key: 'lastName', column: 'last_name', label: 'nom d’usage' },
  { key: 'birthName', column: 'birth_name', label: 'nom de naissance' },
  { key: 'firstNames', column: 'first_names', label: 'prénoms' },
  { key: 'sex', column: 'sex', label: 'sexe' },
  { key: 'birthDate', column: 'birth_date', label: 'date de naissance' },
  { key: 'birthCommune', column: 'birth_commune', label: 'commune de naissance' },
  { key: 'birthCountry', column: 'birth_country', label: 'pays de naissance' },
  { key: 'address.line1', column: 'address_line1', label: 'adresse' },
  { key: 'address.line2', column: 'address_line2', label: 'complément d’adresse' },
  { key: 'address.postcode', column: 'postcode', label: 'code postal' },
  { key: 'address.city', column: 'city', label: 'commune' },
  { key: 'phoneMobile', column: 'phone_mobile', label: 'téléphone portable' },
  { key: 'phoneHome', column: 'phone_home', label: 'téléphone fixe' },
  { key: 'phoneWork', column: 'phone_work', label: 'téléphone professionnel' },
  { key: 'email', column: 'email', label: 'e-mail' },
  { key: 'profession', column: 'profession', label: 'profession' },
  { key: 'employer', column: 'employer', label: 'employeur' },
  { key: 'pai', column: 'pai', label: 'PAI' },
] as const

export const MEMBER_COLUMNS = [
  { key: 'relation', column: 'relation', label: 'lien' },
  { key: 'authorisations.legalGuardian', column: 'legal_guardian', label: 'responsable légal' },
  { key: 'authorisations.emergencyContact', column: 'emergency_contact', label: 'à prévenir en cas d’urgence' },
  { key: 'authorisations.mayPickUp', column: 'may_pick_up', label: 'autorisé à venir chercher' },
  { key: 'authorisations.forbiddenPickUp', column: 'forbidden_pick_up', label: 'interdit de venir chercher' },
] as const

type ColumnMap = ReadonlyArray<{ key: string; column: string; label: string }>

function pick(obj: unknown, key: string): unknown {
  let v: unknown = obj
  for (const part of key.split('.')) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[part]
  }
  return v
}

/** The columns of a row from nested form fields (`address` null → the address columns null). */
export function toColumns(map: ColumnMap, fields: unknown): Row {
  const out: Row = {}
  for (const { key, column } of map) {
    const v = pick(fields, key)
    out[column] = v === undefined ? null : (v as Value)
  }
  return out
}

const asText = (v: Value | undefined): string | null => (v === null || v === undefined ? null : String(v))

function history(ctx: CommandContext, entity: string, id: string, field: string, oldValue: string | null, newValue: string | null, salt: string): Row {
  return {
    id: derivedId(ctx.commandId, `history:${salt}:${entity}:${id}:${field}`),
    entity,
    entity_id: id,
    field,
    old_value: oldValue,
    new_value: newValue,
    agent_id: ctx.agentId,
    workstation_id: ctx.workstationId,
    channel: ctx.channel,
    at: ctx.at,
    command_id: ctx.commandId,
  }
}

function personRow(personId: string, p: PersonFields, at: string): Row {
  return { id: personId, ...toColumns(PERSON_COLUMNS, p), created_at: at, updated_at: at }
}

function memberRow(familyId: string, m: MemberInput): Row {
  return {
    id: m.memberId,
    family_id: familyId,
    person_id: m.personId,
    role: m.role,
    relation: m.relation,
    legal_guardian: m.authorisations.legalGuardian,
    emergency_contact: m.authorisations.emergencyContact,
    may_pick_up: m.authorisations.mayPickUp,
    forbidden_pick_up: m.authorisations.forbiddenPickUp,
  }
}

const fold = (s: unknown): string => foldForSearch(String(s ?? '')).replace(/\s+/g, ' ').trim()

/**
 * Same child (first names, last name and birth date, accents and case aside) in another family
 * that is not linked to this person: a likely duplicate file (created offline on two counters).
 */
async function duplicateChildFlags(tx: CommandTx, familyId: string, members: readonly MemberInput[]): Promise<RaisedFlag[]> {
  const flags: RaisedFlag[] = []
  for (const m of members) {
    if (m.role !== 'enfant' || !m.person?.birthDate) continue
    const same = await tx.find('persons', { birth_date: m.person.birthDate })
    for (const other of same) {
      if (other.id === m.personId) continue
      if (fold(other.first_names) !== fold(m.person.firstNames) || fold(other.last_name) !== fold(m.person.lastName)) continue
      const links = await tx.find('family_members', { person_id: String(other.id) })
      const families = links.map((l) => String(l.family_id)).filter((f) => f !== familyId)
      if (families.length === 0) continue
      flags.push({
        kind: 'rule',
        code: 'POSSIBLE_DUPLICATE',
        reason: `${m.person.firstNames} ${m.person.lastName}, né(e) le ${m.person.birthDate.split('-').reverse().join('/')}, figure déjà dans un autre dossier famille : fusionner les deux dossiers s’il s’agit de la même famille.`,
        familyId,
        data: { personId: m.personId, otherPersonId: other.id, otherFamilyIds: families },
      })
    }
  }
  return flags
}

/**
 * The school, unit or site a schooling or an inscription names, if the portal lacks it: a fact is
 * never refused, so the caller keeps the item in a flag and writes nothing for it.
 */
async function unknownPlace(tx: CommandTx, ids: { schoolId?: string; unitId?: string; siteId?: string }): Promise<string | null> {
  if (ids.schoolId && !(await tx.get('schools', ids.schoolId))) return 'une école inconnue'
  if (ids.siteId && !(await tx.get('schools', ids.siteId))) return 'un lieu d’accueil inconnu'
  if (ids.unitId && !(await tx.get('units', ids.unitId))) return 'un service inconnu'
  return null
}

function unknownPlaceFlag(what: string, place: string, familyId: string, data: unknown): RaisedFlag {
  return {
    kind: 'missing',
    code: 'UNKNOWN_PLACE',
    reason: `${what} reçue avec ${place} pour le portail : elle est conservée ici, à reporter à la main.`,
    familyId,
    data,
  }
}

/** Writes a new member (and its person unless it exists): history rows for what it creates. */
async function addMember(tx: CommandTx, ctx: CommandContext, familyId: string, m: MemberInput, salt: string): Promise<RaisedFlag[]> {
  const flags: RaisedFlag[] = []
  const existing = await tx.get('persons', m.personId)
  if (m.person && !existing) {
    await tx.put('persons', personRow(m.personId, m.person, ctx.at))
    await tx.put('field_history', history(ctx, 'persons', m.personId, '*', null, 'créée', salt))
  } else if (!existing) {
    flags.push({
      kind: 'missing',
      code: 'UNKNOWN_PERSON',
      reason: 'Rattachement reçu pour une personne absente du portail : il est conservé ici, à reporter à la main.',
      familyId,
      data: m,
    })
    return flags
  }
  if ((await tx.find('family_members', { family_id: familyId, person_id: m.personId })).length > 0) return flags
  await tx.put('family_members', memberRow(familyId, m))
  await tx.put('field_history', history(ctx, 'family_members', m.memberId, '*', null, `${m.role} rattaché(e)`, salt))
  return flags
}

const createFamily: CommandDef<CreateFamilyPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: CreateFamilyPayload,
  touches: (p) => [
    { entity: 'families', id: p.familyId },
    ...p.members.flatMap((m) => [
      { entity: 'persons' as const, id: m.personId },
      { entity: 'family_members' as const, id: m.memberId },
    ]),
  ],
  reads: (p): ReadHint[] => [{ kind: 'count', entity: 'families', where: { code: p.code } }],
  async execute(tx, p, ctx) {
    const flags: RaisedFlag[] = []
    if (await tx.get('families', p.familyId)) {
      return [{ kind: 'rule', code: 'DUPLICATE_ID', reason: 'Ce dossier famille a déjà été créé.', familyId: p.familyId, data: { familyId: p.familyId } }]
    }
    // A code famille another family already holds cannot be stored twice (portal logins are by
    // code): the whole fact is kept in the flag, nothing is written, a responsable settles it.
    const holders = (await tx.find('families', { code: p.code })).filter((f) => f.id !== p.familyId)
    if (holders.length > 0) {
      return [
        {
          kind: 'rule',
          code: 'DUPLICATE_NUMBER',
          reason: `Code famille ${p.code} déjà attribué à un autre dossier : ce dossier créé au guichet est conservé ici, à enregistrer à la main sous un autre code.`,
          familyId: p.familyId,
          data: p,
        },
      ]
    }
    await tx.put('families', {
      id: p.familyId,
      code: p.code,
      ...toColumns(FAMILY_COLUMNS, p.family),
      merged_into: null,
      merged_at: null,
      created_at: ctx.at,
      updated_at: ctx.at,
    })
    await tx.put('field_history', history(ctx, 'families', p.familyId, '*', null, `dossier créé (${p.code})`, 'create'))
    for (const m of p.members) flags.push(...(await addMember(tx, ctx, p.familyId, m, 'create')))
    for (const s of p.schoolings) {
      const place = await unknownPlace(tx, { schoolId: s.schoolId })
      if (place) flags.push(unknownPlaceFlag('Scolarité', place, p.familyId, s))
      else await putSchooling(tx, ctx, p.familyId, s)
    }
    for (const i of p.inscriptions) {
      const place = await unknownPlace(tx, { unitId: i.unitId, siteId: i.siteId })
      if (place) flags.push(unknownPlaceFlag('Inscription', place, p.familyId, i))
      else await putInscription(tx, ctx, p.familyId, i)
    }
    // The code famille comes from the workstation's range (a fact: flagged, never refused).
    const number = codeFamilleNumber(p.code)
    if (number !== null) {
      const flag = await checkSeriesNumber(tx, ctx, {
        series: SERIES.codeFamille,
        value: number,
        // Checked above against the stored code (this count by running number only ever finds none).
        unique: { entity: 'families', column: 'code' },
        familyId: p.familyId,
      })
      if (flag) flags.push(flag)
    }
    flags.push(...(await duplicateChildFlags(tx, p.familyId, p.members)))
    flags.push(...futureBirthFlags(p.members, ctx, p.familyId))
    return flags
  },
}

/** A birth date after the command's day (the counter refuses it at the field; a portal that still receives one flags it). */
function futureBirthFlags(members: readonly MemberInput[], ctx: CommandContext, familyId: string): RaisedFlag[] {
  const today = ctx.at.slice(0, 10)
  return members
    .filter((m) => m.person?.birthDate && m.person.birthDate > today)
    .map((m) => ({
      kind: 'rule' as const,
      code: 'BIRTH_DATE_IN_FUTURE',
      reason: `Date de naissance dans le futur pour ${m.person!.firstNames} ${m.person!.lastName} : à corriger.`,
      familyId,
      data: { personId: m.personId, birthDate: m.person!.birthDate },
    }))
}

async function putSchooling(tx: CommandTx, ctx: CommandContext, familyId: string, s: z.infer<typeof SchoolingInput>): Promise<void> {
  // One schooling per child and school year: an existing one for that year keeps its id.
  const [current] = await tx.find('schoolings', { person_id: s.personId, school_year: s.schoolYear })
  const id = current ? String(current.id) : s.id
  const row: Row = { id, person_id: s.personId, school_id: s.schoolId, level: s.level, class_name: s.className, school_year: s.schoolYear }
  for (const field of ['school_id', 'level', 'class_name'] as const) {
    if (current && asText(current[field]) === asText(row[field])) continue
    await tx.put('field_history', history(ctx, 'schoolings', id, field, current ? asText(current[field]) : null, asText(row[field]), `schooling:${familyId}`))
  }
  await tx.put('schoolings', row)
}

async function putInscription(tx: CommandTx, ctx: CommandContext, familyId: string, i: z.infer<typeof InscriptionInput>): Promise<void> {
  const current = await tx.get('inscriptions', i.id)
  const [same] = current ? [current] : await tx.find('inscriptions', { family_id: familyId, child_id: i.childId, unit_id: i.unitId, school_year: i.schoolYear })
  const id = same ? String(same.id) : i.id
  const row: Row = {
    id,
    family_id: familyId,
    child_id: i.childId,
    unit_id: i.unitId,
    site_id: i.siteId,
    school_year: i.schoolYear,
    status: i.status,
    created_at: same ? asText(same.created_at) : ctx.at,
    updated_at: ctx.at,
  }
  for (const field of ['site_id', 'status'] as const) {
    if (same && asText(same[field]) === asText(row[field])) continue
    await tx.put('field_history', history(ctx, 'inscriptions', id, field, same ? asText(same[field]) : null, asText(row[field]), 'inscription'))
  }
  await tx.put('inscriptions', row)
}

/**
 * Applies the changed fields of a record, with a history row each; `before` (what the agent saw)
 * against the current row shows a concurrent change: the change is kept (last commit wins) and
 * a conflict flag lists it.
 */
async function patchRecord(
  tx: CommandTx,
  ctx: CommandContext,
  args: {
    entity: 'families' | 'persons' | 'family_members'
    id: string
    familyId: string
    map: ColumnMap
    changes: Row
    before: Row
    what: string
    stamp: boolean
  },
): Promise<RaisedFlag[]> {
  const current = await tx.get(args.entity, args.id)
  if (!current) {
    return [
      {
        kind: 'missing',
        code: 'UNKNOWN_RECORD',
        reason: `Modification reçue pour ${args.what}, absent(e) du portail : elle est conservée ici, à reporter à la main.`,
        familyId: args.familyId,
        data: { entity: args.entity, id: args.id, changes: args.changes },
      },
    ]
  }
  const next: Row = { ...current }
  const conflicts: string[] = []
  let changed = 0
  for (const { column, label } of args.map) {
    if (!Object.hasOwn(args.changes, column)) continue
    const wanted = args.changes[column] ?? null
    const read = Object.hasOwn(args.before, column) ? (args.before[column] ?? null) : (current[column] ?? null)
    const now = current[column] ?? null
    if (wanted === now) continue
    if (read !== now && wanted !== read) conflicts.push(`${label} : « ${asText(now) ?? '(vide)'} » sur le portail, « ${asText(wanted) ?? '(vide)'} » au guichet`)
    next[column] = wanted
    changed++
    await tx.put('field_history', history(ctx, args.entity, args.id, column, asText(now), asText(wanted), 'patch'))
  }
  if (changed === 0) return []
  if (args.stamp) next.updated_at = ctx.at
  await tx.put(args.entity, next)
  if (conflicts.length === 0) return []
  return [
    {
      kind: 'conflict',
      code: 'CONCURRENT_CHANGE',
      reason: `${args.what} modifié(e) en même temps au guichet et sur le portail (${conflicts.join(' ; ')}). La modification enregistrée en dernier est retenue ; les deux restent dans l’historique.`,
      familyId: args.familyId,
      data: { entity: args.entity, id: args.id, conflicts },
    },
  ]
}

const Changes = z.record(z.string().max(40), z.union([z.string().max(200), z.boolean(), z.null()]))

/** Picks the columns a partial form sends, validated by the full schema's field rules. */
function columnsOfPartial(map: ColumnMap, schema: z.ZodObject, fields: Record<string, unknown>): Row {
  const parsed = schema.partial().parse(fields)
  const out: Row = {}
  for (const { key, column } of map) {
    const top = key.split('.')[0]!
    if (!Object.hasOwn(parsed, top)) continue
    const v = pick(parsed, key)
    out[column] = v === undefined ? null : (v as Value)
  }
  return out
}

export const UpdateFamilyPayload = z.strictObject({
  familyId: Id,
  /** The changed fields, as FamilyFields (any subset). */
  changes: FamilyFields.partial(),
  /** The columns as the agent saw them (the core adds them). */
  before: Changes.optional(),
})
export type UpdateFamilyPayload = z.infer<typeof UpdateFamilyPayload>

const updateFamily: CommandDef<UpdateFamilyPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: UpdateFamilyPayload,
  touches: (p) => [{ entity: 'families', id: p.familyId }],
  async execute(tx, p, ctx) {
    const changes = columnsOfPartial(FAMILY_COLUMNS, FamilyFields, p.changes)
    return patchRecord(tx, ctx, { entity: 'families', id: p.familyId, familyId: p.familyId, map: FAMILY_COLUMNS, changes, before: p.before ?? {}, what: 'Le dossier famille', stamp: true })
  },
}

export const UpdatePersonPayload = z.strictObject({
  familyId: Id,
  personId: Id,
  changes: PersonFields.partial(),
  before: Changes.optional(),
})
export type UpdatePersonPayload = z.infer<typeof UpdatePersonPayload>

const updatePerson: CommandDef<UpdatePersonPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: UpdatePersonPayload,
  touches: (p) => [{ entity: 'persons', id: p.personId }],
  async execute(tx, p, ctx) {
    const changes = columnsOfPartial(PERSON_COLUMNS, PersonFields, p.changes)
    const flags = await patchRecord(tx, ctx, { entity: 'persons', id: p.personId, familyId: p.familyId, map: PERSON_COLUMNS, changes, before: p.before ?? {}, what: 'La fiche de cette personne', stamp: true })
    if (p.changes.birthDate && p.changes.birthDate > ctx.at.slice(0, 10)) {
      flags.push({ kind: 'rule', code: 'BIRTH_DATE_IN_FUTURE', reason: 'Date de naissance dans le futur : à corriger.', familyId: p.familyId, data: { personId: p.personId } })
    }
    return flags
  },
}

export const AddMemberPayload = z.strictObject({ familyId: Id, member: MemberInput })
export type AddMemberPayload = z.infer<typeof AddMemberPayload>

const addMemberCommand: CommandDef<AddMemberPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: AddMemberPayload,
  touches: (p) => [
    { entity: 'family_members', id: p.member.memberId },
    { entity: 'persons', id: p.member.personId },
  ],
  async execute(tx, p, ctx) {
    if (!(await tx.get('families', p.familyId))) {
      return [{ kind: 'missing', code: 'UNKNOWN_FAMILY', reason: 'Ajout d’une personne à un dossier famille absent du portail : conservé ici, à reporter à la main.', familyId: p.familyId, data: p }]
    }
    const flags = await addMember(tx, ctx, p.familyId, p.member, 'add')
    flags.push(...(await duplicateChildFlags(tx, p.familyId, [p.member])), ...futureBirthFlags([p.member], ctx, p.familyId))
    return flags
  },
}

export const UpdateMemberPayload = z.strictObject({
  familyId: Id,
  memberId: Id,
  changes: z.strictObject({ relation: OptText(60).optional(), authorisations: Authorisations.partial().optional() }),
  before: Changes.optional(),
})
export type UpdateMemberPayload = z.infer<typeof UpdateMemberPayload>

const updateMember: CommandDef<UpdateMemberPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: UpdateMemberPayload,
  touches: (p) => [{ entity: 'family_members', id: p.memberId }],
  async execute(tx, p, ctx) {
    const changes: Row = {}
    if (p.changes.relation !== undefined) changes.relation = p.changes.relation
    for (const { key, column } of MEMBER_COLUMNS) {
      if (!key.startsWith('authorisations.')) continue
      const v = p.changes.authorisations?.[key.slice('authorisations.'.length) as keyof z.infer<typeof Authorisations>]
      if (v !== undefined) changes[column] = v
    }
    return patchRecord(tx, ctx, { entity: 'family_members', id: p.memberId, familyId: p.familyId, map: MEMBER_COLUMNS, changes, before: p.before ?? {}, what: 'Le rattachement', stamp: false })
  },
}

export const RemoveMemberPayload = z.strictObject({ familyId: Id, memberId: Id })
export type RemoveMemberPayload = z.infer<typeof RemoveMemberPayload>

/** Detaches a person from the family (the person's record stays: history, other families). */
const removeMember: CommandDef<RemoveMemberPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: RemoveMemberPayload,
  touches: (p) => [{ entity: 'family_members', id: p.memberId }],
  async execute(tx, p, ctx) {
    const link = await tx.get('family_members', p.memberId)
    if (!link) return []
    await tx.delete('family_members', p.memberId)
    await tx.put('field_history', history(ctx, 'family_members', p.memberId, '*', `${String(link.role)} rattaché(e)`, 'détaché(e)', 'remove'))
    const flags: RaisedFlag[] = []
    if (link.role === 'RL1' && (await tx.count('family_members', { family_id: p.familyId, role: 'RL1' })) === 0) {
      flags.push({ kind: 'rule', code: 'NO_GUARDIAN', reason: 'Le responsable légal 1 a été détaché du dossier : en désigner un autre.', familyId: p.familyId, data: p })
    }
    return flags
  },
}

export const SetSchoolingPayload = z.strictObject({ familyId: Id, schooling: SchoolingInput })
export type SetSchoolingPayload = z.infer<typeof SetSchoolingPayload>

const setSchooling: CommandDef<SetSchoolingPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: SetSchoolingPayload,
  touches: (p) => [{ entity: 'schoolings', id: p.schooling.id }],
  async execute(tx, p, ctx) {
    const place = await unknownPlace(tx, { schoolId: p.schooling.schoolId })
    if (place) return [unknownPlaceFlag('Scolarité', place, p.familyId, p)]
    if (!(await tx.get('persons', p.schooling.personId))) {
      return [{ kind: 'missing', code: 'UNKNOWN_PERSON', reason: 'Scolarité reçue pour un enfant absent du portail : conservée ici.', familyId: p.familyId, data: p }]
    }
    await putSchooling(tx, ctx, p.familyId, p.schooling)
    return []
  },
}

export const SetInscriptionPayload = z.strictObject({ familyId: Id, inscription: InscriptionInput })
export type SetInscriptionPayload = z.infer<typeof SetInscriptionPayload>

const setInscription: CommandDef<SetInscriptionPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: SetInscriptionPayload,
  touches: (p) => [{ entity: 'inscriptions', id: p.inscription.id }],
  async execute(tx, p, ctx) {
    const place = await unknownPlace(tx, { unitId: p.inscription.unitId, siteId: p.inscription.siteId })
    if (place) return [unknownPlaceFlag('Inscription', place, p.familyId, p)]
    const family = await tx.get('families', p.familyId)
    const link = await tx.find('family_members', { family_id: p.familyId, person_id: p.inscription.childId, role: 'enfant' })
    if (!family || link.length === 0) {
      return [{ kind: 'missing', code: 'NOT_A_CHILD_OF_FAMILY', reason: 'Inscription reçue pour un enfant qui n’est pas (ou plus) rattaché à ce dossier : conservée ici, à vérifier.', familyId: p.familyId, data: p }]
    }
    await putInscription(tx, ctx, p.familyId, p.inscription)
    return []
  },
}

export const MergeFamiliesPayload = z.strictObject({
  /** The file that disappears (kept, marked merged_into). */
  sourceId: Id,
  /** The file that stays. */
  targetId: Id,
})
export type MergeFamiliesPayload = z.infer<typeof MergeFamiliesPayload>

/** The tables whose rows follow their family when two files are merged. */
const FOLLOW_FAMILY = ['reservations', 'payments', 'inscriptions', 'documents', 'quotients', 'invoices', 'invoice_lines', 'payment_allocations'] as const

/**
 * Merges two files of the same family (a responsable): the source's members, bookings, payments,
 * inscriptions, documents and QF move to the target; the source stays, marked merged into the
 * target, so that a late change sent for it can still be found. A fact with history.
 */
const mergeFamilies: CommandDef<MergeFamiliesPayload> = {
  kind: 'fact',
  // Made at the counter only: a family's own page or the payment provider cannot send it.
  channels: COUNTER,
  payload: MergeFamiliesPayload,
  touches: (p) => [
    { entity: 'families', id: p.sourceId },
    { entity: 'families', id: p.targetId },
  ],
  async execute(tx, p, ctx) {
    const flags: RaisedFlag[] = []
    if (p.sourceId === p.targetId) {
      return [{ kind: 'rule', code: 'SAME_FAMILY', reason: 'Fusion d’un dossier avec lui-même reçue : rien n’a été changé.', familyId: p.targetId, data: p }]
    }
    const source = await tx.get('families', p.sourceId)
    const target = await tx.get('families', p.targetId)
    if (!source || !target) {
      return [{ kind: 'missing', code: 'UNKNOWN_FAMILY', reason: 'Fusion reçue pour un dossier famille absent du portail : conservée ici, à refaire à la main.', familyId: p.targetId, data: p }]
    }
    if (source.merged_into) {
      flags.push({ kind: 'rule', code: 'ALREADY_MERGED', reason: `Le dossier ${String(source.code)} avait déjà été fusionné : à vérifier.`, familyId: p.targetId, data: p })
    }
    for (const link of await tx.find('family_members', { family_id: p.sourceId })) {
      await tx.delete('family_members', String(link.id))
      const already = await tx.find('family_members', { family_id: p.targetId, person_id: String(link.person_id) })
      if (already.length === 0) await tx.put('family_members', { ...link, family_id: p.targetId })
    }
    for (const entity of FOLLOW_FAMILY) {
      for (const row of await tx.find(entity, { family_id: p.sourceId })) await tx.put(entity, { ...row, family_id: p.targetId })
    }
    for (const d of await tx.find('dossiers', { family_id: p.sourceId })) {
      const [kept] = await tx.find('dossiers', { family_id: p.targetId, school_year: String(d.school_year) })
      await tx.delete('dossiers', String(d.id))
      if (!kept) await tx.put('dossiers', { ...d, family_id: p.targetId, updated_at: ctx.at })
    }
    await tx.put('families', { ...source, merged_into: p.targetId, merged_at: ctx.at, updated_at: ctx.at })
    await tx.put('field_history', history(ctx, 'families', p.sourceId, 'merged_into', null, `${String(target.code)}`, 'merge'))
    await tx.put('field_history', history(ctx, 'families', p.targetId, '*', null, `dossier ${String(source.code)} fusionné ici`, 'merge'))
    const agent = ctx.agentId ? await tx.get('agents', ctx.agentId) : null
    if (agent?.role !== 'responsable') {
      flags.push({ kind: 'rule', code: 'NOT_A_RESPONSABLE', reason: 'Deux dossiers famille ont été fusionnés par un agent qui n’est pas responsable : à vérifier.', familyId: p.targetId, data: p })
    }
    return flags
  },
}

export const familyCommands = {
  'families.create': createFamily,
  'families.update': updateFamily,
  'families.updatePerson': updatePerson,
  'families.addMember': addMemberCommand,
  'families.updateMember': updateMember,
  'families.removeMember': removeMember,
  'families.setSchooling': setSchooling,
  'families.setInscription': setInscription,
  'families.merge': mergeFamilies,
} as const
