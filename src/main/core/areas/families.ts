import { DomainError, levels, type contract, type InputIssue } from '@shared/contract'
import { FAMILY_COLUMNS, MEMBER_COLUMNS, PERSON_COLUMNS, type MemberInput } from '@shared/commands/families'
import { SERIES } from '@shared/commands'
import { codeFamille } from '@shared/domain/codeFamille'
import { ageOn, parisDay, schoolYearOf } from '@shared/domain/dates'
import { nextSchoolYear } from '@shared/domain/schoolYear'
import type { Row } from '@shared/sync/entities'
import type { HandlerContext, HandlersFor } from '../router'
import { runShared } from '../run-shared'
import { familyHistory, getFamilyFile } from '../services/families'
import { bookingOptions } from '../services/reservations'

type FamilyFileHandlers = Omit<HandlersFor<typeof contract>['families'], 'search' | 'findDuplicates' | 'get' | 'updateContacts'>

/** Children are enrolled from 2 (toute petite section) to 17 years old at the start of the school year. */
export const CHILD_AGE = { min: 2, max: 17 } as const
/** A legal guardian is at least 16 (an emancipated minor parent) and at most 120. */
export const GUARDIAN_AGE = { min: 16, max: 120 } as const

function invalid(issues: InputIssue[]): DomainError {
  return new DomainError('INVALID_INPUT', 'Invalid input', { issues })
}

/**
 * The rules the form's schema cannot know (they need today's date): birth dates in the future or
 * out of range for a child or a guardian. Each problem is named at its field, in French.
 */
export function checkMembers(members: readonly MemberInput[], today: string, prefix: string): InputIssue[] {
  const issues: InputIssue[] = []
  const rentree = `${schoolYearOf(today).slice(0, 4)}-09-01`
  members.forEach((m, i) => {
    const path = `${prefix}${prefix ? '.' : ''}${i}.person.birthDate`
    const born = m.person?.birthDate
    if (!m.person) return
    if (!born) {
      if (m.role === 'enfant') issues.push({ path, message: 'date de naissance obligatoire pour un enfant' })
      return
    }
    if (born > today) {
      issues.push({ path, message: 'date de naissance dans le futur' })
      return
    }
    if (m.role === 'enfant') {
      // Age at the start of the school year in progress (a child born in the autumn still counts as 2).
      const age = ageOn(born, `${rentree.slice(0, 4)}-12-31`)
      if (age < CHILD_AGE.min || ageOn(born, rentree) > CHILD_AGE.max) {
        issues.push({ path, message: `hors de l’âge scolaire : l’enfant doit avoir entre ${CHILD_AGE.min} et ${CHILD_AGE.max} ans à la rentrée ${rentree.slice(0, 4)}` })
      }
    } else if (m.role === 'RL1' || m.role === 'RL2') {
      const age = ageOn(born, today)
      if (age < GUARDIAN_AGE.min) issues.push({ path, message: `un responsable légal a au moins ${GUARDIAN_AGE.min} ans` })
      else if (age > GUARDIAN_AGE.max) issues.push({ path, message: 'date de naissance invraisemblable' })
    }
  })
  return issues
}

/** The local row's columns of a column map, as the agent saw them (the `before` of an edit). */
function beforeOf(row: Row | null, map: ReadonlyArray<{ column: string }>): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {}
  if (!row) return out
  for (const { column } of map) {
    const v = row[column]
    out[column] = v === undefined || v === null ? null : typeof v === 'number' ? String(v) : v
  }
  return out
}

function today(ctx: HandlerContext): string {
  return parisDay(ctx.now)
}

function requireFamily(ctx: HandlerContext, familyId: string): void {
  if (!ctx.store.getSync('families', familyId)) throw new DomainError('NOT_FOUND', `No family ${familyId}`)
}

export const familyFileHandlers: FamilyFileHandlers = {
  formOptions: (ctx) => {
    const options = bookingOptions(ctx.sqlite)
    const day = today(ctx)
    const current = schoolYearOf(day)
    return {
      schools: options.sites,
      units: options.units,
      levels: [...levels],
      schoolYears: [current, nextSchoolYear(current)],
      currentSchoolYear: current,
      today: day,
    }
  },
  create: async (ctx, input) => {
    const issues = checkMembers(input.members, today(ctx), 'members')
    if (!input.members.some((m) => m.role === 'RL1')) issues.push({ path: 'members', message: 'le dossier doit avoir un responsable légal 1' })
    const known = new Set(input.members.map((m) => m.personId))
    input.schoolings.forEach((s, i) => {
      if (!known.has(s.personId)) issues.push({ path: `schoolings.${i}.personId`, message: 'enfant inconnu dans ce dossier' })
    })
    input.inscriptions.forEach((s, i) => {
      if (!known.has(s.childId)) issues.push({ path: `inscriptions.${i}.childId`, message: 'enfant inconnu dans ce dossier' })
    })
    if (input.family.payerPersonId && !input.members.some((m) => m.personId === input.family.payerPersonId && (m.role === 'RL1' || m.role === 'RL2'))) {
      issues.push({ path: 'family.payerPersonId', message: 'le payeur est un responsable légal du dossier' })
    }
    if (issues.length > 0) throw invalid(issues)
    // The code famille: the next number of this workstation's range, in this transaction (offline too).
    // A number this workstation already knows as taken (its range overlaps another one's: a
    // restored settings file) is skipped; the range running out says so (SERIES_EXHAUSTED).
    const taken = ctx.sqlite.prepare('SELECT 1 FROM families WHERE code = ?').pluck()
    let code = codeFamille(await ctx.store.commandTx().nextNumber(SERIES.codeFamille))
    while (taken.get(code) !== undefined) code = codeFamille(await ctx.store.commandTx().nextNumber(SERIES.codeFamille))
    ctx.record('family', input.familyId)
    await runShared(ctx, 'families.create', { ...input, code })
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  update: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    const before = input.before ?? beforeOf(ctx.store.getSync('families', input.familyId), FAMILY_COLUMNS)
    await runShared(ctx, 'families.update', { ...input, before })
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  updatePerson: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    if (input.changes.birthDate && input.changes.birthDate > today(ctx)) {
      throw invalid([{ path: 'changes.birthDate', message: 'date de naissance dans le futur' }])
    }
    const link = ctx.sqlite
      .prepare('SELECT role FROM family_members WHERE family_id = ? AND person_id = ?')
      .get(input.familyId, input.personId) as { role: MemberInput['role'] } | undefined
    if (!link) throw new DomainError('NOT_FOUND', 'This person is not a member of this family')
    if (input.changes.birthDate) {
      const issues = checkMembers(
        [{ memberId: input.personId, personId: input.personId, role: link.role, relation: null, authorisations: { legalGuardian: false, emergencyContact: false, mayPickUp: false, forbiddenPickUp: false }, person: { birthDate: input.changes.birthDate } as MemberInput['person'] }],
        today(ctx),
        '',
      ).map((i) => ({ ...i, path: 'changes.birthDate' }))
      if (issues.length > 0) throw invalid(issues)
    }
    ctx.record('person', input.personId)
    const before = input.before ?? beforeOf(ctx.store.getSync('persons', input.personId), PERSON_COLUMNS)
    await runShared(ctx, 'families.updatePerson', { ...input, before })
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  addMember: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    const issues = checkMembers([input.member], today(ctx), 'member').map((i) => ({ ...i, path: i.path.replace(/^member\.0\./, 'member.') }))
    if (issues.length > 0) throw invalid(issues)
    if (!input.member.person && !ctx.store.getSync('persons', input.member.personId)) {
      throw invalid([{ path: 'member.personId', message: 'personne inconnue sur ce poste' }])
    }
    ctx.record('family', input.familyId)
    await runShared(ctx, 'families.addMember', input)
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  updateMember: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    const before = input.before ?? beforeOf(ctx.store.getSync('family_members', input.memberId), MEMBER_COLUMNS)
    await runShared(ctx, 'families.updateMember', { ...input, before })
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  removeMember: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    await runShared(ctx, 'families.removeMember', input)
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  setSchooling: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    await runShared(ctx, 'families.setSchooling', input)
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  setInscription: async (ctx, input) => {
    requireFamily(ctx, input.familyId)
    ctx.record('family', input.familyId)
    await runShared(ctx, 'families.setInscription', input)
    return getFamilyFile(ctx.sqlite, input.familyId)
  },
  merge: async (ctx, input) => {
    requireFamily(ctx, input.sourceId)
    requireFamily(ctx, input.targetId)
    if (input.sourceId === input.targetId) throw invalid([{ path: 'targetId', message: 'un dossier ne peut pas être fusionné avec lui-même' }])
    ctx.record('family', input.targetId)
    await runShared(ctx, 'families.merge', input)
    return getFamilyFile(ctx.sqlite, input.targetId)
  },
  history: (ctx, input) => {
    ctx.record('family', input.familyId)
    return familyHistory(ctx.sqlite, input.familyId, input.limit ?? 200)
  },
}
