/**
 * Supporting documents (pièces justificatives): the validity rules and the yearly checklist.
 * Pure functions (no I/O, no Node): the core, the portal and the renderer share them.
 *
 * All days are calendar days "YYYY-MM-DD". Invalid days (2027-02-31, 'abc') throw a
 * RangeError: callers validate their input first (CalendarDay in src/shared/validation/text.ts)
 * and show a French message at the field; a RangeError here is a programming error.
 *
 * Validity rules (town data, see documentDefaults.ts):
 * - months N: valid up to and including the same day N calendar months after the document's
 *   date, clamped to the end of the month (2026-11-30 + 3 months → 2027-02-28 included);
 * - days N: valid up to and including the document's date + N days;
 * - school_year: covers 1 September to 31 August of the school year `covers`. The document
 *   must be dated inside that year, or at most SCHOOL_YEAR_EARLY_MONTHS months before it starts
 *   (renewals are assembled from May: an insurance attestation or a PAI signed in June for the
 *   coming year is accepted). A document dated earlier belongs to a previous year and is
 *   refused: "ne couvre pas l'année scolaire 2026-2027".
 * - until: valid up to and including a fixed day.
 * A document dated after the check day is always refused ("postérieur à aujourd'hui": the
 * check day is the day the agent checks it).
 */
import { parisDay } from './dates'
import { frenchDay } from './reservations'
import { addDays, addMonths, assertDay, assertSchoolYear, daysBetween, schoolYearBounds } from './schoolYear'

export type ValidityRule =
  | { kind: 'months'; months: number }
  | { kind: 'days'; days: number }
  | { kind: 'school_year'; covers: string }
  | { kind: 'until'; day: string }

export interface Validity {
  valid: boolean
  /** The last day the piece is valid (included); null when it has no end or cannot be valid. */
  until: string | null
  /** Plain French, null when valid, e.g. "plus de 3 mois (daté du 02/01/2026, valable jusqu'au 02/04/2026)". */
  reason: string | null
}

/** How many months before a school year starts a "covers the school year" document may be dated (from 1 May). */
export const SCHOOL_YEAR_EARLY_MONTHS = 4

function assertCount(n: number, name: string): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${name} : entier positif attendu, reçu ${String(n)}`)
}

const ok = (until: string | null): Validity => ({ valid: true, until, reason: null })
const no = (until: string | null, reason: string): Validity => ({ valid: false, until, reason })

/** The refusal of a document dated after the check day. */
function futureReason(documentDate: string): string {
  return `daté du ${frenchDay(documentDate)}, postérieur à aujourd'hui`
}

/**
 * Whether a document dated `documentDate` is valid on `checkDay` under `rule`, until when,
 * and if not, why (plain French, the French date).
 */
export function pieceValidity(rule: ValidityRule, documentDate: string, checkDay: string): Validity {
  assertDay(documentDate, 'date du document')
  assertDay(checkDay, 'jour du contrôle')
  let until: string
  switch (rule.kind) {
    case 'months':
      assertCount(rule.months, 'nombre de mois')
      until = addMonths(documentDate, rule.months)
      break
    case 'days':
      assertCount(rule.days, 'nombre de jours')
      until = addDays(documentDate, rule.days)
      break
    case 'until':
      assertDay(rule.day, 'date de fin de validité')
      until = rule.day
      break
    case 'school_year': {
      assertSchoolYear(rule.covers)
      const { start, end } = schoolYearBounds(rule.covers)
      const earliest = addMonths(start, -SCHOOL_YEAR_EARLY_MONTHS)
      if (documentDate > checkDay) return no(null, futureReason(documentDate))
      if (documentDate < earliest || documentDate > end)
        return no(null, `ne couvre pas l'année scolaire ${rule.covers} (daté du ${frenchDay(documentDate)})`)
      if (checkDay > end)
        return no(end, `ne couvre que l'année scolaire ${rule.covers} (daté du ${frenchDay(documentDate)}, valable jusqu'au ${frenchDay(end)})`)
      return ok(end)
    }
    default: {
      const never: never = rule
      throw new RangeError(`règle de validité inconnue : ${JSON.stringify(never)}`)
    }
  }
  if (documentDate > checkDay) return no(null, futureReason(documentDate))
  if (checkDay <= until) return ok(until)
  const dated = `daté du ${frenchDay(documentDate)}, valable jusqu'au ${frenchDay(until)}`
  switch (rule.kind) {
    case 'months':
      return no(until, `${rule.months === 1 ? "plus d'un mois" : `plus de ${rule.months} mois`} (${dated})`)
    case 'days':
      return no(until, `${rule.days === 1 ? "plus d'un jour" : `plus de ${rule.days} jours`} (${dated})`)
    default:
      return no(until, `plus valable depuis le ${frenchDay(addDays(until, 1))} (${dated})`)
  }
}

/**
 * The refusal as the agent and the family read it: the type label, the document's date and
 * the short reason, e.g. "Facture EDF du 02/01/2026 : plus de 3 mois". Null when valid.
 */
export function refusalText(typeLabel: string, documentDate: string, result: Pick<Validity, 'valid' | 'reason'>): string | null {
  if (result.valid || result.reason === null) return null
  const short = result.reason.replace(/ \([^()]*\)$/, '').replace(/^daté du \d{2}\/\d{2}\/\d{4}, /, '')
  return `${typeLabel} du ${frenchDay(documentDate)} : ${short}`
}

// ---- vaccinations -------------------------------------------------------------------------

/**
 * "Up to date for the child's age" (carnet de santé, vaccination pages). The agent records as
 * the document's date the date of the LAST vaccination written in the carnet; this rule then
 * checks it against the French schedule (calendrier des vaccinations, HCSP / ministère):
 * - born from 2018-01-01: the 11 compulsory vaccines (diphtérie, tétanos, poliomyélite,
 *   coqueluche, Hib, hépatite B, pneumocoque, méningocoque C, rougeole, oreillons, rubéole),
 *   injections at 2, 4 and 11 months, then 12 months and 16–18 months (ROR, méningocoque);
 * - born from 2025-01-01: méningocoques ACWY replaces méningocoque C and méningocoque B is
 *   compulsory too (same steps: 2, 3, 4, 5/6, 11, 12, 16–18 months);
 * - born before 2018: DTPolio only (2, 4 and 11 months).
 * Then for everyone the recalls the schedule sets at 6 years (DTCaPolio) and 11–13 years
 * (dTcaPolio). The legal obligation itself is met in the first 18 months; the recalls are
 * "recommandés et indispensables" and towns check them: `recalls: false` checks the
 * obligation only.
 *
 * Tolerance (documented choice): a recall given up to VACCINATION_EARLY_MONTHS month before
 * its age counts (an appointment taken a little early; the infant steps have none: the 11-month
 * booster must not pass for the 12-month visit), and a step
 * becomes missing VACCINATION_LATE_MONTHS months after the latest age the schedule gives
 * for it (time to get an appointment): the 6-year recall is missing from 6 years 6 months, the
 * 11–13 recall from 13 years 6 months, the infant series from 2 years.
 * This is a check of the last date only: the agent still looks at the carnet's pages.
 */
export const VACCINATION_EARLY_MONTHS = 1
export const VACCINATION_LATE_MONTHS = 6

export const VACCINES_BEFORE_2018: readonly string[] = ['diphtérie', 'tétanos', 'poliomyélite']
export const VACCINES_FROM_2018: readonly string[] = [
  'diphtérie',
  'tétanos',
  'poliomyélite',
  'coqueluche',
  'Haemophilus influenzae b',
  'hépatite B',
  'pneumocoque',
  'méningocoque C',
  'rougeole',
  'oreillons',
  'rubéole',
]
export const VACCINES_FROM_2025: readonly string[] = [
  ...VACCINES_FROM_2018.filter((v) => v !== 'méningocoque C'),
  'méningocoques A, C, W, Y',
  'méningocoque B',
]

/** The vaccines compulsory for a child born on `birthDate`. */
export function requiredVaccines(birthDate: string): readonly string[] {
  assertDay(birthDate, 'date de naissance')
  if (birthDate >= '2025-01-01') return VACCINES_FROM_2025
  if (birthDate >= '2018-01-01') return VACCINES_FROM_2018
  return VACCINES_BEFORE_2018
}

interface VaccinationStep {
  /** What the step is, for the reason. */
  label: string
  /** The age (months) from which a vaccination counts for it. */
  fromMonths: number
  /** How many months before fromMonths a vaccination still counts (the early tolerance). */
  earlyMonths: number
  /** The latest age (months) the schedule gives for it (before the grace). */
  dueMonths: number
  /** False for the recalls after 2 years (recommended, not compulsory). */
  compulsory: boolean
}

const STEPS_INFANT: readonly VaccinationStep[] = [
  { label: 'les vaccins de 2 et 4 mois', fromMonths: 2, earlyMonths: 0, dueMonths: 4, compulsory: true },
  { label: 'le rappel de 11 mois', fromMonths: 11, earlyMonths: 0, dueMonths: 11, compulsory: true },
]
const STEP_12_18: VaccinationStep = { label: 'les vaccins de 12 à 18 mois (ROR, méningocoque)', fromMonths: 12, earlyMonths: 0, dueMonths: 18, compulsory: true }
const STEPS_RECALLS: readonly VaccinationStep[] = [
  { label: 'le rappel DTCaPolio des 6 ans', fromMonths: 72, earlyMonths: VACCINATION_EARLY_MONTHS, dueMonths: 72, compulsory: false },
  { label: 'le rappel dTcaPolio de 11 à 13 ans', fromMonths: 132, earlyMonths: VACCINATION_EARLY_MONTHS, dueMonths: 156, compulsory: false },
]

function vaccinationSteps(birthDate: string, recalls: boolean): VaccinationStep[] {
  const steps = birthDate >= '2018-01-01' ? [...STEPS_INFANT, STEP_12_18, ...STEPS_RECALLS] : [...STEPS_INFANT, ...STEPS_RECALLS]
  return recalls ? steps : steps.filter((s) => s.compulsory)
}

export interface VaccinationCheck extends Validity {
  /** The vaccines compulsory for the child's birth date. */
  vaccines: readonly string[]
}

/**
 * Whether a child's vaccinations are up to date on `checkDay`, given the date of the last
 * vaccination in the carnet (null: none recorded). `until` is the last day it stays up to date
 * without a new vaccination (null: no further step before adulthood).
 */
export function vaccinationValidity(args: {
  birthDate: string
  lastVaccinationDate: string | null
  checkDay: string
  recalls?: boolean
}): VaccinationCheck {
  const { birthDate, lastVaccinationDate: last, checkDay } = args
  assertDay(checkDay, 'jour du contrôle')
  const vaccines = requiredVaccines(birthDate)
  const result = (v: Validity): VaccinationCheck => ({ ...v, vaccines })
  if (last !== null) {
    assertDay(last, 'date de la dernière vaccination')
    if (last > checkDay) return result(no(null, futureReason(last)))
    if (last < birthDate) return result(no(null, `antérieure à la naissance (daté du ${frenchDay(last)}, né le ${frenchDay(birthDate)})`))
  }
  if (birthDate > checkDay) return result(no(null, `date de naissance ${frenchDay(birthDate)} postérieure au jour du contrôle`))
  const steps = vaccinationSteps(birthDate, args.recalls ?? true)
  // The last day a step may still be missing: due age + grace, minus one day.
  const lastDayWithout = (s: VaccinationStep) => addDays(addMonths(birthDate, s.dueMonths + VACCINATION_LATE_MONTHS), -1)
  const counts = (s: VaccinationStep) => last !== null && last >= addMonths(birthDate, s.fromMonths - s.earlyMonths)
  const overdue = steps.filter((s) => lastDayWithout(s) < checkDay)
  const latestOverdue = overdue[overdue.length - 1]
  if (latestOverdue && !counts(latestOverdue)) {
    const detail = last === null ? 'aucune vaccination enregistrée' : `dernière vaccination le ${frenchDay(last)}`
    return result(no(null, `pas à jour, il manque ${latestOverdue.label} (${detail})`))
  }
  const next = steps.find((s) => !overdue.includes(s) && !counts(s))
  return result(ok(next ? lastDayWithout(next) : null))
}

// ---- rows (as they travel: snake_case, see src/shared/sync/entities.ts) ------------------

export const situations = ['school', 'periscolaire', 'resident', 'tariff', 'first_enrolment', 'separated', 'hosted', 'pai', 'new_school'] as const
export type Situation = (typeof situations)[number]

export const ruleKinds = ['months', 'days', 'school_year', 'until', 'vaccinations', 'none'] as const
export type RuleKind = (typeof ruleKinds)[number]

export const documentStatuses = ['recue', 'validee', 'refusee', 'expiree'] as const
export type DocumentStatus = (typeof documentStatuses)[number]

/** A document_requirements row (town data): a piece the dossier needs. */
export interface RequirementRow {
  id: string
  label: string
  per: 'family' | 'guardian' | 'child'
  /** Comma list of situations (Situation) that need it: "school,resident". */
  needed_for: string
  mandatory: boolean
  sort: number
  active: boolean
  updated_at: string
}

/** A document_types row (town data): a kind of document that proves a requirement. */
export interface DocumentTypeRow {
  id: string
  label: string
  requirement_id: string
  rule_kind: RuleKind
  /** N months or N days (months, days), else null. */
  rule_value: number | null
  /** The fixed end day (until), else null. */
  rule_day: string | null
  /** False: a kind the town refuses for that requirement (e.g. an avis d'imposition as proof of address). */
  accepted: boolean
  keep_scan: 'optional' | 'never'
  sort: number
  active: boolean
  updated_at: string
}

/** A documents row (a pièce the agent checked). */
export interface DocumentRow {
  id: string
  family_id: string
  /** null: the family's piece. */
  person_id: string | null
  requirement_id: string
  type_id: string
  document_date: string
  valid_until: string | null
  status: DocumentStatus
  refusal_reason: string | null
  storage: 'scan' | 'vu'
  scan_sha256: string | null
  scan_mime: string | null
  scan_size: number | null
  scan_name: string | null
  /** Issue 13: read from its 2D-Doc (null: checked by eye); absent in rows older than the column. */
  twoddoc_verdict?: 'valid' | 'invalid' | 'unknown_issuer' | null
  school_year: string
  checked_by: string
  checked_at: string
  workstation_id: string
  created_at: string
  updated_at: string
}

/**
 * The validity rule of a document type for a school year: a ValidityRule, 'vaccinations'
 * (vaccinationValidity, needs the birth date) or 'none' (no end: livret de famille, jugement,
 * certificat de radiation; and the pièce d'identité, whose end is its own printed expiry
 * date, recorded as the document's valid_until: see ruleForDocument).
 */
export function ruleOfType(type: Pick<DocumentTypeRow, 'id' | 'rule_kind' | 'rule_value' | 'rule_day'>, schoolYear: string): ValidityRule | 'vaccinations' | 'none' {
  const bad = (what: string) => new RangeError(`type de pièce ${type.id} : ${what}`)
  switch (type.rule_kind) {
    case 'months':
      if (type.rule_value === null) throw bad('nombre de mois manquant')
      return { kind: 'months', months: type.rule_value }
    case 'days':
      if (type.rule_value === null) throw bad('nombre de jours manquant')
      return { kind: 'days', days: type.rule_value }
    case 'school_year':
      assertSchoolYear(schoolYear)
      return { kind: 'school_year', covers: schoolYear }
    case 'until':
      if (type.rule_day === null) throw bad('date de fin manquante')
      return { kind: 'until', day: type.rule_day }
    case 'vaccinations':
      return 'vaccinations'
    case 'none':
      return 'none'
    default: {
      const never: never = type.rule_kind
      throw bad(`règle inconnue ${String(never)}`)
    }
  }
}

/**
 * The rule a recorded document is judged by: its type's rule, except that a 'none' document
 * with its own valid_until (a pièce d'identité: the agent types the expiry date printed on
 * it) ends on that day.
 */
export function ruleForDocument(
  type: Pick<DocumentTypeRow, 'id' | 'rule_kind' | 'rule_value' | 'rule_day'>,
  doc: Pick<DocumentRow, 'valid_until'>,
  schoolYear: string,
): ValidityRule | 'vaccinations' | 'none' {
  const rule = ruleOfType(type, schoolYear)
  if (rule === 'none' && doc.valid_until !== null) return { kind: 'until', day: doc.valid_until }
  return rule
}

/**
 * One document judged on `checkDay` by its type's rule (the kind's acceptance and the agent's
 * own refusal are the checklist's business). `birthDate` is needed for vaccinations.
 */
export function documentValidity(
  type: Pick<DocumentTypeRow, 'id' | 'rule_kind' | 'rule_value' | 'rule_day'>,
  doc: Pick<DocumentRow, 'document_date' | 'valid_until'>,
  ctx: { schoolYear: string; checkDay: string; birthDate?: string | null },
): Validity {
  const rule = ruleForDocument(type, doc, ctx.schoolYear)
  if (rule === 'vaccinations') {
    if (!ctx.birthDate) throw new RangeError(`type de pièce ${type.id} : la date de naissance est nécessaire pour les vaccinations`)
    const { valid, until, reason } = vaccinationValidity({ birthDate: ctx.birthDate, lastVaccinationDate: doc.document_date, checkDay: ctx.checkDay })
    return { valid, until, reason }
  }
  if (rule === 'none') {
    assertDay(doc.document_date, 'date du document')
    assertDay(ctx.checkDay, 'jour du contrôle')
    return doc.document_date > ctx.checkDay ? no(null, futureReason(doc.document_date)) : ok(null)
  }
  return pieceValidity(rule, doc.document_date, ctx.checkDay)
}

// ---- the checklist -----------------------------------------------------------------------

export interface ChecklistPerson {
  id: string
  /** As the agent reads it in the label: "Léa", "Marie Lefèvre". */
  name: string
}

export interface ChecklistChild extends ChecklistPerson {
  birth_date: string
  /** The child has a PAI (health plan): adds the 'pai' situation for that child. */
  pai: boolean
  /** The child's own situations for the year (e.g. 'new_school', 'first_enrolment'). */
  situations?: readonly Situation[]
}

export interface ChecklistInput {
  familyId: string
  requirements: readonly RequirementRow[]
  types: readonly DocumentTypeRow[]
  /** The family's situations for the school year (school, periscolaire, resident, tariff, separated, hosted…). */
  situations: readonly Situation[]
  guardians: readonly ChecklistPerson[]
  children: readonly ChecklistChild[]
  /**
   * The family's documents, plus the documents of its children recorded in another family
   * (shared custody): a child's piece serves both families, a family's piece only its own.
   */
  documents: readonly DocumentRow[]
  schoolYear: string
  /** The day the checklist is judged (the counter's today). */
  checkDay: string
  /** A valid piece whose last day is within this many days of checkDay is 'expiring' (default 30). */
  expiringSoonDays?: number
}

export type ChecklistState = 'missing' | 'valid' | 'expiring' | 'refused'

export interface ChecklistItem {
  /** requirement_id + ':' + person id, or ':famille' for the family's pieces. */
  key: string
  requirement_id: string
  /** null: the family's piece. */
  person_id: string | null
  /** "Justificatif de domicile", "Carnet de vaccination — Léa". */
  label: string
  mandatory: boolean
  state: ChecklistState
  /** valid / expiring: the last valid day (null: no end). */
  until: string | null
  /**
   * refused: why ("Facture EDF du 02/01/2026 : plus de 3 mois"). missing: why the piece on
   * file no longer serves, when there is one (an expired piece, last year's attestation), else null.
   */
  reason: string | null
  /** The document the state comes from (null when none is on file). */
  document: DocumentRow | null
  type: DocumentTypeRow | null
}

const lowerFirst = (s: string) => s.charAt(0).toLocaleLowerCase('fr') + s.slice(1)

/** The Paris calendar day of an ISO instant (checked_at), null when unreadable. */
function parisDayOf(instant: string): string | null {
  const t = Date.parse(instant)
  return Number.isFinite(t) ? parisDay(new Date(t)) : null
}

interface Judged {
  doc: DocumentRow
  type: DocumentTypeRow | null
  state: ChecklistState
  until: string | null
  reason: string | null
}

function judge(doc: DocumentRow, types: ReadonlyMap<string, DocumentTypeRow>, req: RequirementRow, input: ChecklistInput, birthDate: string | null): Judged {
  const type = types.get(doc.type_id) ?? null
  const label = type?.label ?? 'Pièce'
  if (doc.status === 'refusee') {
    const why = doc.refusal_reason?.trim() || 'refusée au guichet'
    return { doc, type, state: 'refused', until: null, reason: `${label} du ${frenchDay(doc.document_date)} : ${why}` }
  }
  if (!type) return { doc, type, state: 'refused', until: null, reason: `type de pièce inconnu (${doc.type_id})` }
  if (!type.accepted) return { doc, type, state: 'refused', until: null, reason: `${type.label} : n'est pas accepté comme ${lowerFirst(req.label)}` }
  if (type.rule_kind === 'vaccinations' && !birthDate)
    return { doc, type, state: 'refused', until: null, reason: `${type.label} : date de naissance inconnue, vaccinations non vérifiables` }
  const at = (day: string) => documentValidity(type, doc, { schoolYear: input.schoolYear, checkDay: day, birthDate })
  const now = at(input.checkDay)
  if (now.valid) {
    const soon = now.until !== null && daysBetween(input.checkDay, now.until) <= (input.expiringSoonDays ?? 30)
    return { doc, type, state: soon ? 'expiring' : 'valid', until: now.until, reason: null }
  }
  const text = refusalText(type.label, doc.document_date, now)
  // Valid on the day it was checked (or recorded for another school year) and not any more:
  // it has expired, a new piece is needed. Invalid from the start: refused.
  const checkedDay = parisDayOf(doc.checked_at)
  const lapsed =
    doc.school_year !== input.schoolYear ||
    (checkedDay !== null && checkedDay < input.checkDay && checkedDay >= doc.document_date && at(checkedDay).valid)
  return { doc, type, state: lapsed ? 'missing' : 'refused', until: now.until, reason: text }
}

const usable = (j: Judged) => j.state === 'valid' || j.state === 'expiring'

/** Which of several judged pieces for one (requirement, person) the checklist shows. */
function pick(judged: readonly Judged[]): Judged | null {
  const good = judged.filter(usable)
  if (good.length > 0) {
    // The one valid longest (no end first), then the most recent document, then the last recorded.
    return good.reduce((a, b) => {
      const ua = a.until ?? '9999-12-31'
      const ub = b.until ?? '9999-12-31'
      if (ua !== ub) return ub > ua ? b : a
      if (a.doc.document_date !== b.doc.document_date) return b.doc.document_date > a.doc.document_date ? b : a
      return b.doc.created_at >= a.doc.created_at ? b : a
    })
  }
  // None serves: the last one recorded says why.
  return judged.reduce<Judged | null>((a, b) => {
    if (a === null) return b
    if (a.doc.created_at !== b.doc.created_at) return b.doc.created_at > a.doc.created_at ? b : a
    return b.doc.document_date >= a.doc.document_date ? b : a
  }, null)
}

/** The requirement's situations, from its comma list. */
export function neededFor(req: Pick<RequirementRow, 'needed_for'>): Situation[] {
  return req.needed_for
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is Situation => (situations as readonly string[]).includes(s))
}

/**
 * The checklist of a family's dossier for a school year: one item per required piece (per
 * the family, each guardian or each child, as the requirement says), in the requirements'
 * order. A requirement applies when one of its needed_for situations is the family's (for a
 * child: the family's or the child's own, 'pai' when the child has a PAI; for the family's and
 * the guardians' pieces: the family's or any child's).
 *
 * Each item's state: 'valid' / 'expiring' (the best piece on file; expiring when its last day
 * is within expiringSoonDays), 'refused' (the agent refused it, the town refuses that kind, or
 * it was already out of validity when checked, with the reason), 'missing' (nothing on file,
 * or the piece on file has expired since it was checked or belongs to another school year:
 * the reason says so). When several pieces are on file for one (requirement, person), a
 * usable one wins (the one valid longest, then the latest document); else the latest recorded
 * says why.
 */
export function checklist(input: ChecklistInput): ChecklistItem[] {
  assertSchoolYear(input.schoolYear)
  assertDay(input.checkDay, 'jour du contrôle')
  const types = new Map(input.types.map((t) => [t.id, t]))
  const family = new Set<Situation>(input.situations)
  const anyChild = new Set<Situation>(family)
  const childSituations = new Map<string, Set<Situation>>()
  for (const c of input.children) {
    const own = new Set<Situation>([...family, ...(c.situations ?? []), ...(c.pai ? (['pai'] as const) : [])])
    childSituations.set(c.id, own)
    for (const s of own) anyChild.add(s)
  }
  const birthDates = new Map(input.children.map((c) => [c.id, c.birth_date]))
  const items: ChecklistItem[] = []
  const requirements = [...input.requirements].filter((r) => r.active).sort((a, b) => a.sort - b.sort || a.id.localeCompare(b.id))
  for (const req of requirements) {
    const needs = neededFor(req)
    const applies = (set: ReadonlySet<Situation>) => needs.some((s) => set.has(s))
    const targets: (ChecklistPerson | null)[] =
      req.per === 'family'
        ? applies(anyChild)
          ? [null]
          : []
        : req.per === 'guardian'
          ? applies(anyChild)
            ? [...input.guardians]
            : []
          : input.children.filter((c) => applies(childSituations.get(c.id) ?? family))
    for (const person of targets) {
      const docs = input.documents.filter(
        (d) => d.requirement_id === req.id && (person === null ? d.person_id === null && d.family_id === input.familyId : d.person_id === person.id),
      )
      const birthDate = person ? (birthDates.get(person.id) ?? null) : null
      const chosen = pick(docs.map((d) => judge(d, types, req, input, birthDate)))
      items.push({
        key: `${req.id}:${person?.id ?? 'famille'}`,
        requirement_id: req.id,
        person_id: person?.id ?? null,
        label: person ? `${req.label} — ${person.name}` : req.label,
        mandatory: req.mandatory,
        state: chosen?.state ?? 'missing',
        until: chosen && usable(chosen) ? chosen.until : null,
        reason: chosen?.reason ?? null,
        document: chosen?.doc ?? null,
        type: chosen?.type ?? null,
      })
    }
  }
  return items
}

/** The dossier's status from its checklist: complet when every mandatory piece is valid or expiring. */
export function dossierStatus(items: readonly Pick<ChecklistItem, 'mandatory' | 'state'>[]): 'incomplet' | 'complet' {
  return items.every((i) => !i.mandatory || i.state === 'valid' || i.state === 'expiring') ? 'complet' : 'incomplet'
}
