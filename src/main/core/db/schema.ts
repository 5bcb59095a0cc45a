import { sql } from 'drizzle-orm'
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'
import { entityEnums, enumCheckSql } from '../../../shared/sync/entities'

/**
 * The workstation's local database. Ids are UUIDv7 (text); instants are ISO-8601 UTC text;
 * calendar days are YYYY-MM-DD (Europe/Paris); money (later) is integer cents.
 *
 * The shared tables (src/shared/sync/entities.ts) are declared a second time, for PostgreSQL,
 * in src/portal/db/schema.ts: tests/unit/schema migrates both databases and fails on any
 * difference (columns, types, nullability, defaults, keys, ON DELETE, unique and CHECK
 * constraints). Enum columns are CHECK constraints built from `entityEnums`.
 * Relative imports only: drizzle-kit loads this file on its own.
 */

type Enums = typeof entityEnums
/** The CHECK constraint of an enum column (values from `entityEnums`). */
function enumCheck<E extends keyof Enums>(entity: E, column: keyof Enums[E] & string) {
  const values = entityEnums[entity][column] as readonly string[]
  return check(`${entity}_${column}_check`, sql.raw(enumCheckSql(column, values)))
}

const id = () => text('id').primaryKey()
const createdAt = () => text('created_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)
const updatedAt = () => text('updated_at').notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`)
const bool = (name: string) => integer(name, { mode: 'boolean' }).notNull().default(false)

export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

export const agents = sqliteTable('agents', {
  id: id(),
  login: text('login').notNull().unique(),
  displayName: text('display_name').notNull(),
  initials: text('initials').notNull(),
  role: text('role', { enum: entityEnums.agents.role }).notNull(),
  passwordHash: text('password_hash').notNull(),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, () => [enumCheck('agents', 'role')])

/** Failed-login bookkeeping per login string (also for unknown logins, so nothing is revealed). */
export const loginThrottle = sqliteTable('login_throttle', {
  login: text('login').primaryKey(),
  failures: integer('failures').notNull().default(0),
  blockedUntil: integer('blocked_until').notNull().default(0),
})

export const schools = sqliteTable('schools', {
  id: id(),
  name: text('name').notNull(),
  kind: text('kind', { enum: entityEnums.schools.kind }).notNull(),
  address: text('address').notNull(),
}, () => [enumCheck('schools', 'kind')])

export const families = sqliteTable(
  'families',
  {
    id: id(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    addressLine1: text('address_line1').notNull(),
    addressLine2: text('address_line2'),
    postcode: text('postcode').notNull(),
    city: text('city').notNull(),
    caisse: text('caisse', { enum: entityEnums.families.caisse }),
    allocataireNumber: text('allocataire_number'),
    paperlessInvoices: bool('paperless_invoices'),
    resident: bool('resident'),
    separatedParents: bool('separated_parents'),
    hosted: bool('hosted'),
    payerPersonId: text('payer_person_id'),
    consentQfApi: bool('consent_qf_api'),
    consentImage: bool('consent_image'),
    consentEmergencyCare: bool('consent_emergency_care'),
    mergedInto: text('merged_into'),
    mergedAt: text('merged_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    directDebit: bool('direct_debit'),
  },
  (t) => [uniqueIndex('families_code_uq').on(t.code), enumCheck('families', 'caisse')],
)

export const persons = sqliteTable('persons', {
  id: id(),
  civility: text('civility', { enum: entityEnums.persons.civility }),
  lastName: text('last_name').notNull(),
  birthName: text('birth_name'),
  firstNames: text('first_names').notNull(),
  sex: text('sex', { enum: entityEnums.persons.sex }),
  birthDate: text('birth_date'),
  phoneMobile: text('phone_mobile'),
  phoneHome: text('phone_home'),
  phoneWork: text('phone_work'),
  email: text('email'),
  profession: text('profession'),
  birthCommune: text('birth_commune'),
  birthCountry: text('birth_country'),
  addressLine1: text('address_line1'),
  addressLine2: text('address_line2'),
  postcode: text('postcode'),
  city: text('city'),
  employer: text('employer'),
  pai: bool('pai'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
}, () => [enumCheck('persons', 'civility'), enumCheck('persons', 'sex')])

/** Rattachement: a person's place in a family (a child may belong to two families). */
export const familyMembers = sqliteTable(
  'family_members',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    personId: text('person_id')
      .notNull()
      .references(() => persons.id, { onDelete: 'restrict' }),
    role: text('role', { enum: entityEnums.family_members.role }).notNull(),
    relation: text('relation'),
    legalGuardian: bool('legal_guardian'),
    emergencyContact: bool('emergency_contact'),
    mayPickUp: bool('may_pick_up'),
    forbiddenPickUp: bool('forbidden_pick_up'),
  },
  (t) => [
    index('family_members_person_idx').on(t.personId),
    uniqueIndex('family_members_uq').on(t.familyId, t.personId),
    enumCheck('family_members', 'role'),
  ],
)

/** Scolarité: a child's school and level for a school year ("2026-2027"). */
export const schoolings = sqliteTable(
  'schoolings',
  {
    id: id(),
    personId: text('person_id')
      .notNull()
      .references(() => persons.id, { onDelete: 'cascade' }),
    schoolId: text('school_id')
      .notNull()
      .references(() => schools.id),
    level: text('level', { enum: entityEnums.schoolings.level }).notNull(),
    className: text('class_name'),
    schoolYear: text('school_year').notNull(),
  },
  (t) => [uniqueIndex('schoolings_person_year_uq').on(t.personId, t.schoolYear), enumCheck('schoolings', 'level')],
)

/** Journal (audit log): who did what to which record, when, from which workstation. No personal data. */
export const journal = sqliteTable(
  'journal',
  {
    id: id(),
    at: text('at').notNull(),
    agentId: text('agent_id'),
    workstationId: text('workstation_id').notNull(),
    action: text('action').notNull(),
    entity: text('entity'),
    entityId: text('entity_id'),
    outcome: text('outcome', { enum: ['ok', 'refused'] })
      .notNull()
      .default('ok'),
    detail: text('detail'),
  },
  (t) => [index('journal_at_idx').on(t.at), index('journal_entity_idx').on(t.entity, t.entityId)],
)

/** Transactional outbox: every synced command, in order, written in the command's own transaction. */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    commandId: text('command_id').notNull().unique(),
    name: text('name').notNull(),
    payload: text('payload').notNull(),
    schemaVersion: integer('schema_version').notNull(),
    agentId: text('agent_id'),
    createdAt: text('created_at').notNull(),
    status: text('status', { enum: ['pending', 'applied', 'rejected', 'flagged'] })
      .notNull()
      .default('pending'),
    /** Rejected: the portal's code and reason. Flagged (a fact recorded with flags): the flags' codes and reasons. */
    rejectionCode: text('rejection_code'),
    rejectionReason: text('rejection_reason'),
    /** Rejected commands: what an agent did about it (retried as a new command, or discarded). */
    resolution: text('resolution', { enum: ['retried', 'discarded'] }),
    resolutionReason: text('resolution_reason'),
    resolvedBy: text('resolved_by'),
    resolvedAt: text('resolved_at'),
    sentAt: text('sent_at'),
  },
  (t) => [index('outbox_status_idx').on(t.status, t.seq)],
)

/** Periscolaire units (garderie, cantine, étude, accueil de loisirs…), town data. */
export const units = sqliteTable('units', {
  id: text('id').primaryKey(),
  label: text('label').notNull(),
  levels: text('levels', { enum: entityEnums.units.levels }).notNull(),
  defaultCapacity: integer('default_capacity').notNull(),
  calendar: text('calendar', { enum: entityEnums.units.calendar }).notNull().default('school_days'),
  /** JSON DeadlineRule (src/shared/domain/deadlines.ts). */
  bookingRule: text('booking_rule').notNull().default('{"kind":"none"}'),
  /** JSON CancelRule. */
  cancelRule: text('cancel_rule').notNull().default('{"kind":"same"}'),
  sort: integer('sort').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  updatedAt: text('updated_at'),
  childcare: bool('childcare'),
  leisure: bool('leisure'),
}, () => [enumCheck('units', 'levels'), enumCheck('units', 'calendar')])

/** Where a service runs, whom the site serves, its capacity per day. */
export const unitSites = sqliteTable(
  'unit_sites',
  {
    id: id(),
    unitId: text('unit_id')
      .notNull()
      .references(() => units.id),
    siteId: text('site_id')
      .notNull()
      .references(() => schools.id),
    serves: text('serves', { enum: entityEnums.unit_sites.serves }).notNull(),
    capacity: integer('capacity').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('unit_sites_unit_site_uq').on(t.unitId, t.siteId), enumCheck('unit_sites', 'serves')],
)

/** The school calendar (town data): school year, holidays, public holidays, closures. */
export const calendarPeriods = sqliteTable(
  'calendar_periods',
  {
    id: id(),
    schoolYear: text('school_year').notNull(),
    kind: text('kind', { enum: entityEnums.calendar_periods.kind }).notNull(),
    label: text('label').notNull(),
    firstDay: text('first_day').notNull(),
    lastDay: text('last_day').notNull(),
    unitId: text('unit_id').references(() => units.id),
    siteId: text('site_id').references(() => schools.id),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('calendar_periods_year_idx').on(t.schoolYear, t.kind), enumCheck('calendar_periods', 'kind')],
)

/** Capacity per unit and site, for every day (date null) or one day. */
export const capacities = sqliteTable(
  'capacities',
  {
    id: id(),
    unitId: text('unit_id')
      .notNull()
      .references(() => units.id),
    siteId: text('site_id')
      .notNull()
      .references(() => schools.id),
    date: text('date'),
    capacity: integer('capacity').notNull(),
  },
  (t) => [index('capacities_unit_site_idx').on(t.unitId, t.siteId)],
)

/** Réservation: a child, a unit, a site, a day. */
export const reservations = sqliteTable(
  'reservations',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id),
    childId: text('child_id')
      .notNull()
      .references(() => persons.id),
    unitId: text('unit_id')
      .notNull()
      .references(() => units.id),
    siteId: text('site_id')
      .notNull()
      .references(() => schools.id),
    date: text('date').notNull(),
    state: text('state', { enum: entityEnums.reservations.state }).notNull(),
    channel: text('channel', { enum: entityEnums.reservations.channel }).notNull(),
    agentId: text('agent_id'),
    workstationId: text('workstation_id'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    attendance: text('attendance', { enum: entityEnums.reservations.attendance }),
    absenceCertificateDate: text('absence_certificate_date'),
    attendanceBy: text('attendance_by'),
    attendanceAt: text('attendance_at'),
    overrideReason: text('override_reason'),
    cancelOverrideReason: text('cancel_override_reason'),
    cancelledAt: text('cancelled_at'),
  },
  (t) => [
    index('reservations_family_idx').on(t.familyId, t.date),
    index('reservations_slot_idx').on(t.unitId, t.siteId, t.date, t.state),
    index('reservations_child_idx').on(t.childId, t.unitId, t.date),
    enumCheck('reservations', 'state'),
    enumCheck('reservations', 'channel'),
    enumCheck('reservations', 'attendance'),
  ],
)

/**
 * Workstation only: the number of `reserve` bookings per service, site and day, kept by triggers
 * on `reservations` (migration 0009), so that a month grid reads a few dozen counters instead of
 * counting thousands of bookings. Derived data: the triggers are its only writers.
 */
export const slotCounts = sqliteTable(
  'slot_counts',
  {
    unitId: text('unit_id').notNull(),
    siteId: text('site_id').notNull(),
    date: text('date').notNull(),
    booked: integer('booked').notNull(),
  },
  (t) => [primaryKey({ columns: [t.unitId, t.siteId, t.date] })],
)

/** Payments and refunds (counter receipts, online card payments): facts, never deleted (see entities.ts). */
export const payments = sqliteTable(
  'payments',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id),
    amountCents: integer('amount_cents').notNull(),
    method: text('method', { enum: entityEnums.payments.method }).notNull(),
    transactionId: text('transaction_id'),
    paidAt: text('paid_at').notNull(),
    createdAt: text('created_at').notNull(),
    kind: text('kind', { enum: entityEnums.payments.kind }).notNull().default('paiement'),
    receiptNumber: text('receipt_number'),
    cashDayId: text('cash_day_id'),
    workstationId: text('workstation_id'),
    agentId: text('agent_id'),
    tenderedCents: integer('tendered_cents'),
    changeCents: integer('change_cents'),
    chequeBank: text('cheque_bank'),
    chequeNumber: text('cheque_number'),
    chequeDrawer: text('cheque_drawer'),
    terminalRef: text('terminal_ref'),
    paymentOrderId: text('payment_order_id'),
    cancelledAt: text('cancelled_at'),
    cancelledBy: text('cancelled_by'),
    cancelReason: text('cancel_reason'),
  },
  (t) => [
    index('payments_family_idx').on(t.familyId),
    uniqueIndex('payments_transaction_uq').on(t.transactionId),
    index('payments_receipt_idx').on(t.receiptNumber),
    index('payments_cash_day_idx').on(t.cashDayId),
    enumCheck('payments', 'kind'),
    enumCheck('payments', 'method'),
  ],
)

/** How much of a payment settles which invoice. */
export const paymentAllocations = sqliteTable(
  'payment_allocations',
  {
    id: id(),
    paymentId: text('payment_id')
      .notNull()
      .references(() => payments.id),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    familyId: text('family_id').notNull(),
    amountCents: integer('amount_cents').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    index('payment_allocations_payment_idx').on(t.paymentId),
    index('payment_allocations_invoice_idx').on(t.invoiceId),
    index('payment_allocations_family_idx').on(t.familyId),
  ],
)

/** Town data: a service's tariff grid for a period (brackets by QF, or an effort rate). */
export const tariffs = sqliteTable(
  'tariffs',
  {
    id: id(),
    unitId: text('unit_id')
      .notNull()
      .references(() => units.id),
    label: text('label').notNull(),
    validFrom: text('valid_from').notNull(),
    validTo: text('valid_to'),
    residency: text('residency', { enum: entityEnums.tariffs.residency }).notNull(),
    kind: text('kind', { enum: entityEnums.tariffs.kind }).notNull(),
    brackets: text('brackets'),
    noQfCents: integer('no_qf_cents'),
    rateE4: integer('rate_e4'),
    minCents: integer('min_cents'),
    maxCents: integer('max_cents'),
    penaltyCents: integer('penalty_cents').notNull(),
    incompleteCents: integer('incomplete_cents').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('tariffs_unit_idx').on(t.unitId, t.validFrom), enumCheck('tariffs', 'residency'), enumCheck('tariffs', 'kind')],
)

/** Invoices and credit notes (avoirs): computed by the portal, never edited. */
export const invoices = sqliteTable(
  'invoices',
  {
    id: id(),
    number: text('number').notNull(),
    kind: text('kind', { enum: entityEnums.invoices.kind }).notNull(),
    regie: integer('regie').notNull(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id),
    payerPersonId: text('payer_person_id'),
    payerName: text('payer_name').notNull(),
    payerAddress: text('payer_address').notNull(),
    month: text('month').notNull(),
    correctsInvoiceId: text('corrects_invoice_id'),
    totalCents: integer('total_cents').notNull(),
    directDebit: bool('direct_debit'),
    issuedOn: text('issued_on').notNull(),
    dueOn: text('due_on').notNull(),
    debitOn: text('debit_on'),
    runKey: text('run_key'),
    reason: text('reason'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_uq').on(t.number),
    uniqueIndex('invoices_run_key_uq').on(t.runKey),
    index('invoices_family_idx').on(t.familyId, t.month),
    index('invoices_month_idx').on(t.month),
    enumCheck('invoices', 'kind'),
  ],
)

/** An invoice's lines (child, service, quantity, unit price, the rule applied in French). */
export const invoiceLines = sqliteTable(
  'invoice_lines',
  {
    id: id(),
    invoiceId: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    familyId: text('family_id').notNull(),
    childId: text('child_id'),
    childName: text('child_name'),
    unitId: text('unit_id'),
    kind: text('kind', { enum: entityEnums.invoice_lines.kind }).notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceCents: integer('unit_price_cents').notNull(),
    amountCents: integer('amount_cents').notNull(),
    rule: text('rule').notNull(),
    dates: text('dates').notNull(),
    cesu: bool('cesu'),
    leisure: bool('leisure'),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [index('invoice_lines_invoice_idx').on(t.invoiceId), index('invoice_lines_family_idx').on(t.familyId), enumCheck('invoice_lines', 'kind')],
)

/** A workstation's cash-desk day (float, closing with billetage and totals); closed: never changed. */
export const cashDays = sqliteTable(
  'cash_days',
  {
    id: id(),
    workstationId: text('workstation_id').notNull(),
    day: text('day').notNull(),
    status: text('status', { enum: entityEnums.cash_days.status }).notNull(),
    floatCents: integer('float_cents').notNull(),
    openedAt: text('opened_at').notNull(),
    openedBy: text('opened_by'),
    closedAt: text('closed_at'),
    closedBy: text('closed_by'),
    billetage: text('billetage'),
    countedCents: integer('counted_cents'),
    expectedCashCents: integer('expected_cash_cents'),
    totals: text('totals'),
    receiptsCount: integer('receipts_count'),
    note: text('note'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('cash_days_workstation_day_uq').on(t.workstationId, t.day), index('cash_days_day_idx').on(t.day), enumCheck('cash_days', 'status')],
)

/** Inscription: a child enrolled in a periscolaire unit, at a site, for a school year. */
export const inscriptions = sqliteTable(
  'inscriptions',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    childId: text('child_id')
      .notNull()
      .references(() => persons.id),
    unitId: text('unit_id')
      .notNull()
      .references(() => units.id),
    siteId: text('site_id')
      .notNull()
      .references(() => schools.id),
    schoolYear: text('school_year').notNull(),
    status: text('status', { enum: entityEnums.inscriptions.status }).notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('inscriptions_family_idx').on(t.familyId, t.schoolYear),
    index('inscriptions_child_idx').on(t.childId, t.unitId, t.schoolYear),
    enumCheck('inscriptions', 'status'),
  ],
)

/** Town data: a supporting document the town asks for, for whom, in which situations. */
export const documentRequirements = sqliteTable('document_requirements', {
  id: text('id').primaryKey(),
  label: text('label').notNull(),
  per: text('per', { enum: entityEnums.document_requirements.per }).notNull(),
  neededFor: text('needed_for').notNull(),
  mandatory: integer('mandatory', { mode: 'boolean' }).notNull().default(true),
  sort: integer('sort').notNull().default(0),
  active: integer('active', { mode: 'boolean' }).notNull().default(true),
  updatedAt: text('updated_at').notNull(),
}, () => [enumCheck('document_requirements', 'per')])

/** Town data: a kind of paper, the requirement it proves and its validity rule. */
export const documentTypes = sqliteTable(
  'document_types',
  {
    id: text('id').primaryKey(),
    label: text('label').notNull(),
    requirementId: text('requirement_id')
      .notNull()
      .references(() => documentRequirements.id),
    ruleKind: text('rule_kind', { enum: entityEnums.document_types.rule_kind }).notNull(),
    ruleValue: integer('rule_value'),
    ruleDay: text('rule_day'),
    accepted: integer('accepted', { mode: 'boolean' }).notNull().default(true),
    keepScan: text('keep_scan', { enum: entityEnums.document_types.keep_scan }).notNull(),
    sort: integer('sort').notNull().default(0),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('document_types_requirement_idx').on(t.requirementId),
    enumCheck('document_types', 'rule_kind'),
    enumCheck('document_types', 'keep_scan'),
  ],
)

/** A supporting document checked at the counter (a fact). Scans stay on the workstation (data folder). */
export const documents = sqliteTable(
  'documents',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    personId: text('person_id'),
    requirementId: text('requirement_id').notNull(),
    typeId: text('type_id').notNull(),
    documentDate: text('document_date').notNull(),
    validUntil: text('valid_until'),
    status: text('status', { enum: entityEnums.documents.status }).notNull(),
    refusalReason: text('refusal_reason'),
    storage: text('storage', { enum: entityEnums.documents.storage }).notNull(),
    scanSha256: text('scan_sha256'),
    scanMime: text('scan_mime'),
    scanSize: integer('scan_size'),
    scanName: text('scan_name'),
    twoddocVerdict: text('twoddoc_verdict', { enum: entityEnums.documents.twoddoc_verdict }),
    twoddocType: text('twoddoc_type'),
    twoddocMismatches: text('twoddoc_mismatches'),
    schoolYear: text('school_year').notNull(),
    checkedBy: text('checked_by'),
    checkedAt: text('checked_at').notNull(),
    workstationId: text('workstation_id'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('documents_family_idx').on(t.familyId, t.schoolYear),
    enumCheck('documents', 'status'),
    enumCheck('documents', 'storage'),
    enumCheck('documents', 'twoddoc_verdict'),
  ],
)

/** Dossier tous services: one per family and school year. */
export const dossiers = sqliteTable(
  'dossiers',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    schoolYear: text('school_year').notNull(),
    status: text('status', { enum: entityEnums.dossiers.status }).notNull(),
    validatedBy: text('validated_by'),
    validatedAt: text('validated_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('dossiers_family_year_uq').on(t.familyId, t.schoolYear), enumCheck('dossiers', 'status')],
)

/** Quotient familial history (whole euros); in force on a day: the latest valid_from on or before it. */
export const quotients = sqliteTable(
  'quotients',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    value: integer('value').notNull(),
    source: text('source', { enum: entityEnums.quotients.source }).notNull(),
    referenceMonth: text('reference_month'),
    validFrom: text('valid_from').notNull(),
    annualIncomeCents: integer('annual_income_cents'),
    monthlyBenefitsCents: integer('monthly_benefits_cents'),
    partsX2: integer('parts_x2'),
    documentId: text('document_id'),
    agentId: text('agent_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('quotients_family_idx').on(t.familyId, t.validFrom), enumCheck('quotients', 'source')],
)

/** Town options (key → value), edited by a responsable. */
export const townOptions = sqliteTable('town_options', {
  id: text('id').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at').notNull(),
})

/** Portal credentials handed out at the counter (issue 9): who, when, until when; never a hash. */
export const credentialIssues = sqliteTable(
  'credential_issues',
  {
    id: id(),
    familyId: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: entityEnums.credential_issues.kind }).notNull(),
    issuedAt: text('issued_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    agentId: text('agent_id'),
    workstationId: text('workstation_id'),
    supersededBy: text('superseded_by'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('credential_issues_family_idx').on(t.familyId, t.issuedAt), enumCheck('credential_issues', 'kind')],
)

/** Field history: one row per field a fact changed (old and new value, who, when, channel). */
export const fieldHistory = sqliteTable(
  'field_history',
  {
    id: id(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    field: text('field').notNull(),
    oldValue: text('old_value'),
    newValue: text('new_value'),
    agentId: text('agent_id'),
    workstationId: text('workstation_id'),
    channel: text('channel', { enum: entityEnums.field_history.channel }).notNull(),
    at: text('at').notNull(),
    commandId: text('command_id').notNull(),
  },
  (t) => [index('field_history_entity_idx').on(t.entity, t.entityId, t.at), enumCheck('field_history', 'channel')],
)

/**
 * Flags: facts the portal recorded although they broke a rule, met a concurrent change or named
 * a record it does not have; a responsable resolves them. Written by the portal, synced down.
 * No foreign key on family_id: the family may be the missing record.
 */
export const flags = sqliteTable(
  'flags',
  {
    id: id(),
    commandId: text('command_id').notNull(),
    commandName: text('command_name').notNull(),
    workstationId: text('workstation_id'),
    agentId: text('agent_id'),
    familyId: text('family_id'),
    kind: text('kind', { enum: entityEnums.flags.kind }).notNull(),
    code: text('code').notNull(),
    reason: text('reason').notNull(),
    data: text('data'),
    at: text('at').notNull(),
    status: text('status', { enum: entityEnums.flags.status }).notNull(),
    resolvedBy: text('resolved_by'),
    resolvedAt: text('resolved_at'),
    resolutionNote: text('resolution_note'),
  },
  (t) => [
    index('flags_command_idx').on(t.commandId),
    index('flags_status_idx').on(t.status, t.at),
    enumCheck('flags', 'kind'),
    enumCheck('flags', 'status'),
  ],
)
