import type Database from 'better-sqlite3'
import { DomainError, type FamilyFile, type Level } from '@shared/contract'

interface FamilyRow {
  id: string
  code: string
  name: string
  addressLine1: string
  addressLine2: string | null
  postcode: string
  city: string
  caisse: 'CAF' | 'MSA' | null
  allocataireNumber: string | null
  paperlessInvoices: number
}

interface MemberRow {
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
  phoneMobile: string | null
  phoneHome: string | null
  phoneWork: string | null
  email: string | null
  profession: string | null
  schoolName: string | null
  level: Level | null
  className: string | null
  schoolYear: string | null
}

const FAMILY_SQL = `
  SELECT id, code, name, address_line1 AS addressLine1, address_line2 AS addressLine2, postcode, city,
         caisse, allocataire_number AS allocataireNumber, paperless_invoices AS paperlessInvoices
  FROM families WHERE id = ?`

const MEMBERS_SQL = `
  SELECT m.person_id AS personId, m.role, m.relation, m.legal_guardian AS legalGuardian,
         m.emergency_contact AS emergencyContact, m.may_pick_up AS mayPickUp, m.forbidden_pick_up AS forbiddenPickUp,
         p.civility, p.last_name AS lastName, p.birth_name AS birthName, p.first_names AS firstNames, p.sex,
         p.birth_date AS birthDate, p.phone_mobile AS phoneMobile, p.phone_home AS phoneHome, p.phone_work AS phoneWork,
         p.email, p.profession,
         sc.name AS schoolName, s.level, s.class_name AS className, s.school_year AS schoolYear
  FROM family_members m
  JOIN persons p ON p.id = m.person_id
  LEFT JOIN schoolings s ON s.id = (
    SELECT s2.id FROM schoolings s2 WHERE s2.person_id = p.id ORDER BY s2.school_year DESC LIMIT 1)
  LEFT JOIN schools sc ON sc.id = s.school_id
  WHERE m.family_id = ?
  ORDER BY CASE m.role WHEN 'RL1' THEN 0 WHEN 'RL2' THEN 1 WHEN 'enfant' THEN 2 ELSE 3 END, p.birth_date, p.first_names`

/** The family file as the counter shows it (read-only for now). */
export function getFamilyFile(sqlite: Database.Database, id: string): FamilyFile {
  const f = sqlite.prepare(FAMILY_SQL).get(id) as FamilyRow | undefined
  if (!f) throw new DomainError('NOT_FOUND', `No family ${id}`)
  const members = sqlite.prepare(MEMBERS_SQL).all(id) as MemberRow[]
  const phones = (m: MemberRow) => ({ mobile: m.phoneMobile, home: m.phoneHome, work: m.phoneWork })
  return {
    id: f.id,
    code: f.code,
    name: f.name,
    address: { line1: f.addressLine1, line2: f.addressLine2, postcode: f.postcode, city: f.city },
    allocataire: f.caisse && f.allocataireNumber ? { caisse: f.caisse, number: f.allocataireNumber } : null,
    paperlessInvoices: Boolean(f.paperlessInvoices),
    guardians: members
      .filter((m): m is MemberRow & { role: 'RL1' | 'RL2' } => m.role === 'RL1' || m.role === 'RL2')
      .map((m) => ({
        personId: m.personId,
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
      })),
    children: members
      .filter((m) => m.role === 'enfant')
      .map((m) => ({
        personId: m.personId,
        firstNames: m.firstNames,
        lastName: m.lastName,
        birthDate: m.birthDate,
        sex: m.sex,
        schooling:
          m.schoolName && m.level && m.schoolYear
            ? { schoolName: m.schoolName, level: m.level, className: m.className, schoolYear: m.schoolYear }
            : null,
      })),
    contacts: members
      .filter((m) => m.role === 'contact')
      .map((m) => ({
        personId: m.personId,
        firstNames: m.firstNames,
        lastName: m.lastName,
        relation: m.relation,
        phones: phones(m),
        emergencyContact: Boolean(m.emergencyContact),
        mayPickUp: Boolean(m.mayPickUp),
        forbiddenPickUp: Boolean(m.forbiddenPickUp),
      })),
  }
}
