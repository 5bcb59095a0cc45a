import type Database from 'better-sqlite3'
import { DomainError, type FamilyFile, type HistoryEntry, type Level, type PersonView, type SafetyAlert } from '@shared/contract'
import { FAMILY_COLUMNS, MEMBER_COLUMNS, PERSON_COLUMNS } from '@shared/commands/families'
import { formatPhone } from '@shared/validation/phone'

interface FamilyRow {
  id: string
  code: string
  name: string
  address_line1: string
  address_line2: string | null
  postcode: string
  city: string
  caisse: 'CAF' | 'MSA' | 'autre' | null
  allocataire_number: string | null
  paperless_invoices: number
  resident: number
  separated_parents: number
  hosted: number
  consent_qf_api: number
  consent_image: number
  consent_emergency_care: number
  payer_person_id: string | null
  merged_into: string | null
}

interface MemberRow {
  memberId: string
  personId: string
  role: 'RL1' | 'RL2' | 'enfant' | 'contact'
  relation: string | null
  legalGuardian: number
  emergencyContact: number
  mayPickUp: number
  forbiddenPickUp: number
  civility: 'M.' | 'Mme' | null
  lastName: string
  birthName: string | null
  firstNames: string
  sex: 'F' | 'M' | null
  birthDate: string | null
  birthCommune: string | null
  birthCountry: string | null
  addressLine1: string | null
  addressLine2: string | null
  postcode: string | null
  city: string | null
  phoneMobile: string | null
  phoneHome: string | null
  phoneWork: string | null
  email: string | null
  profession: string | null
  employer: string | null
  pai: number
}

interface SchoolingRow {
  id: string
  personId: string
  schoolId: string
  schoolName: string
  level: Level
  className: string | null
  schoolYear: string
}

interface InscriptionRow {
  id: string
  childId: string
  unitId: string
  unitLabel: string
  siteId: string
  siteName: string
  schoolYear: string
  status: 'active' | 'terminee'
}

const MEMBERS_SQL = `
  SELECT m.id AS memberId, m.person_id AS personId, m.role, m.relation, m.legal_guardian AS legalGuardian,
         m.emergency_contact AS emergencyContact, m.may_pick_up AS mayPickUp, m.forbidden_pick_up AS forbiddenPickUp,
         p.civility, p.last_name AS lastName, p.birth_name AS birthName, p.first_names AS firstNames, p.sex,
         p.birth_date AS birthDate, p.birth_commune AS birthCommune, p.birth_country AS birthCountry,
         p.address_line1 AS addressLine1, p.address_line2 AS addressLine2, p.postcode, p.city,
         p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome, p.phone_work AS phoneWork,
         p.email, p.profession, p.employer, p.pai
  FROM family_members m
  JOIN persons p ON p.id = m.person_id
  WHERE m.family_id = ?
  ORDER BY CASE m.role WHEN 'RL1' THEN 0 WHEN 'RL2' THEN 1 WHEN 'enfant' THEN 2 ELSE 3 END, p.birth_date, p.first_names`

const SCHOOLINGS_SQL = `
  SELECT s.id, s.person_id AS personId, s.school_id AS schoolId, sc.name AS schoolName, s.level, s.class_name AS className,
         s.school_year AS schoolYear
  FROM schoolings s JOIN schools sc ON sc.id = s.school_id
  WHERE s.person_id IN (SELECT person_id FROM family_members WHERE family_id = ? AND role = 'enfant')
  ORDER BY s.school_year DESC`

const INSCRIPTIONS_SQL = `
  SELECT i.id, i.child_id AS childId, i.unit_id AS unitId, u.label AS unitLabel, i.site_id AS siteId, sc.name AS siteName,
         i.school_year AS schoolYear, i.status
  FROM inscriptions i JOIN units u ON u.id = i.unit_id JOIN schools sc ON sc.id = i.site_id
  WHERE i.family_id = ?
  ORDER BY i.school_year DESC, u.label`

const OTHER_FAMILIES_SQL = `
  SELECT f.id, f.code, f.name FROM family_members m JOIN families f ON f.id = m.family_id
  WHERE m.person_id = ? AND m.family_id <> ? AND f.merged_into IS NULL ORDER BY f.code`

const phone = (v: string | null): string | null => (v === null ? null : formatPhone(v))

function personView(m: MemberRow): PersonView {
  return {
    civility: m.civility,
    lastName: m.lastName,
    birthName: m.birthName,
    firstNames: m.firstNames,
    sex: m.sex,
    birthDate: m.birthDate,
    birthCommune: m.birthCommune,
    birthCountry: m.birthCountry,
    address:
      m.addressLine1 && m.postcode && m.city
        ? { line1: m.addressLine1, line2: m.addressLine2, postcode: m.postcode, city: m.city }
        : null,
    phones: { mobile: m.phoneMobile, home: m.phoneHome, work: m.phoneWork },
    email: m.email,
    profession: m.profession,
    employer: m.employer,
    pai: Boolean(m.pai),
  }
}

const authorisations = (m: MemberRow) => ({
  legalGuardian: Boolean(m.legalGuardian),
  emergencyContact: Boolean(m.emergencyContact),
  mayPickUp: Boolean(m.mayPickUp),
  forbiddenPickUp: Boolean(m.forbiddenPickUp),
})

/** The family file as the counter shows it: every section, the safety alerts first. Phones the French way. */
export function getFamilyFile(sqlite: Database.Database, id: string): FamilyFile {
  const f = sqlite.prepare('SELECT * FROM families WHERE id = ?').get(id) as FamilyRow | undefined
  if (!f) throw new DomainError('NOT_FOUND', `No family ${id}`)
  const members = sqlite.prepare(MEMBERS_SQL).all(id) as MemberRow[]
  const schoolings = sqlite.prepare(SCHOOLINGS_SQL).all(id) as SchoolingRow[]
  const inscriptions = sqlite.prepare(INSCRIPTIONS_SQL).all(id) as InscriptionRow[]
  const otherFamilies = sqlite.prepare(OTHER_FAMILIES_SQL)
  const phones = (m: MemberRow) => ({ mobile: phone(m.phoneMobile), home: phone(m.phoneHome), work: phone(m.phoneWork) })
  const merged = f.merged_into
    ? (sqlite.prepare('SELECT id, code, name FROM families WHERE id = ?').get(f.merged_into) as { id: string; code: string; name: string } | undefined)
    : undefined
  const payer = f.payer_person_id ? members.find((m) => m.personId === f.payer_person_id) : undefined

  const alerts: SafetyAlert[] = []
  for (const m of members) {
    if (m.forbiddenPickUp) {
      alerts.push({
        kind: 'forbidden_pick_up',
        text: `${m.firstNames} ${m.lastName}${m.relation ? ` (${m.relation})` : ''} n’est pas autorisé(e) à venir chercher les enfants`,
        personId: m.personId,
      })
    }
  }
  for (const m of members) {
    if (m.role === 'enfant' && m.pai) alerts.push({ kind: 'pai', text: `PAI (projet d’accueil individualisé) pour ${m.firstNames}`, personId: m.personId })
  }
  if (f.separated_parents) alerts.push({ kind: 'custody', text: 'Parents séparés : vérifier le jugement de garde avant de confier un enfant', personId: null })

  return {
    id: f.id,
    code: f.code,
    name: f.name,
    address: { line1: f.address_line1, line2: f.address_line2, postcode: f.postcode, city: f.city },
    allocataire: f.caisse && f.allocataire_number ? { caisse: f.caisse, number: f.allocataire_number } : null,
    caisse: f.caisse,
    allocataireNumber: f.allocataire_number,
    paperlessInvoices: Boolean(f.paperless_invoices),
    resident: Boolean(f.resident),
    separatedParents: Boolean(f.separated_parents),
    hosted: Boolean(f.hosted),
    consentQfApi: Boolean(f.consent_qf_api),
    consentImage: Boolean(f.consent_image),
    consentEmergencyCare: Boolean(f.consent_emergency_care),
    payerPersonId: f.payer_person_id,
    payerName: payer ? `${payer.firstNames} ${payer.lastName}` : null,
    mergedInto: merged ?? null,
    alerts,
    guardians: members
      .filter((m): m is MemberRow & { role: 'RL1' | 'RL2' } => m.role === 'RL1' || m.role === 'RL2')
      .map((m) => ({
        personId: m.personId,
        memberId: m.memberId,
        role: m.role,
        civility: m.civility,
        firstNames: m.firstNames,
        lastName: m.lastName,
        birthName: m.birthName,
        birthDate: m.birthDate,
        phones: phones(m),
        email: m.email,
        profession: m.profession,
        legalGuardian: Boolean(m.legalGuardian),
        relation: m.relation,
        person: personView(m),
        authorisations: authorisations(m),
      })),
    children: members
      .filter((m) => m.role === 'enfant')
      .map((m) => {
        const own = schoolings.filter((s) => s.personId === m.personId)
        const latest = own[0]
        return {
          personId: m.personId,
          memberId: m.memberId,
          firstNames: m.firstNames,
          lastName: m.lastName,
          birthDate: m.birthDate,
          sex: m.sex,
          schooling: latest
            ? { schoolName: latest.schoolName, level: latest.level, className: latest.className, schoolYear: latest.schoolYear }
            : null,
          schoolings: own.map((s) => ({ id: s.id, schoolId: s.schoolId, schoolName: s.schoolName, level: s.level, className: s.className, schoolYear: s.schoolYear })),
          inscriptions: inscriptions
            .filter((i) => i.childId === m.personId)
            .map((i) => ({ id: i.id, unitId: i.unitId, unitLabel: i.unitLabel, siteId: i.siteId, siteName: i.siteName, schoolYear: i.schoolYear, status: i.status })),
          pai: Boolean(m.pai),
          otherFamilies: otherFamilies.all(m.personId, id) as Array<{ id: string; code: string; name: string }>,
          relation: m.relation,
          person: personView(m),
          authorisations: authorisations(m),
        }
      }),
    contacts: members
      .filter((m) => m.role === 'contact')
      .map((m) => ({
        personId: m.personId,
        memberId: m.memberId,
        firstNames: m.firstNames,
        lastName: m.lastName,
        relation: m.relation,
        phones: phones(m),
        emergencyContact: Boolean(m.emergencyContact),
        mayPickUp: Boolean(m.mayPickUp),
        forbiddenPickUp: Boolean(m.forbiddenPickUp),
        person: personView(m),
        authorisations: authorisations(m),
      })),
  }
}

const LABELS: Record<string, Record<string, string>> = {
  families: Object.fromEntries(FAMILY_COLUMNS.map((c) => [c.column, c.label])),
  persons: Object.fromEntries(PERSON_COLUMNS.map((c) => [c.column, c.label])),
  family_members: Object.fromEntries(MEMBER_COLUMNS.map((c) => [c.column, c.label])),
  schoolings: { school_id: 'école', level: 'niveau', class_name: 'classe' },
  inscriptions: { site_id: 'lieu', status: 'statut' },
}

const ENTITY_LABEL: Record<string, string> = {
  families: 'Dossier',
  persons: 'Fiche',
  family_members: 'Rattachement',
  schoolings: 'Scolarité',
  inscriptions: 'Inscription',
}

interface HistoryRow {
  id: string
  at: string
  entity: string
  entity_id: string
  field: string
  old_value: string | null
  new_value: string | null
  channel: 'guichet' | 'portail'
  agent_name: string | null
  person_name: string | null
}

/**
 * Every change to a family file (the family, its members' records and links, schoolings and
 * inscriptions), newest first, with French labels.
 */
export function familyHistory(sqlite: Database.Database, familyId: string, limit = 200): { items: HistoryEntry[]; total: number } {
  const scope = `
    WITH ids(id) AS (
      SELECT @family
      UNION SELECT id FROM family_members WHERE family_id = @family
      UNION SELECT person_id FROM family_members WHERE family_id = @family
      UNION SELECT s.id FROM schoolings s JOIN family_members m ON m.person_id = s.person_id AND m.family_id = @family
      UNION SELECT id FROM inscriptions WHERE family_id = @family
    )`
  const total = sqlite.prepare(`${scope} SELECT count(*) FROM field_history h WHERE h.entity_id IN (SELECT id FROM ids)`).pluck().get({ family: familyId }) as number
  const rows = sqlite
    .prepare(
      `${scope}
       SELECT h.id, h.at, h.entity, h.entity_id, h.field, h.old_value, h.new_value, h.channel,
              a.display_name AS agent_name,
              CASE WHEN h.entity = 'persons' THEN (SELECT first_names || ' ' || last_name FROM persons WHERE id = h.entity_id) END AS person_name
       FROM field_history h LEFT JOIN agents a ON a.id = h.agent_id
       WHERE h.entity_id IN (SELECT id FROM ids)
       ORDER BY h.at DESC, h.id DESC LIMIT @limit`,
    )
    .all({ family: familyId, limit }) as HistoryRow[]
  const items = rows.map((r) => {
    const label = r.field === '*' ? (ENTITY_LABEL[r.entity] ?? r.entity) : (LABELS[r.entity]?.[r.field] ?? r.field)
    const whose = r.person_name ? ` — ${r.person_name}` : ''
    const isPhone = r.field.startsWith('phone_')
    const show = (v: string | null) => (v !== null && isPhone ? formatPhone(v) : v)
    return {
      id: r.id,
      at: r.at,
      what: `${label.charAt(0).toUpperCase()}${label.slice(1)}${whose}`,
      oldValue: show(r.old_value),
      newValue: show(r.new_value),
      agentName: r.agent_name,
      channel: r.channel,
    }
  })
  return { items, total }
}
