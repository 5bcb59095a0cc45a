import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  customType,
} from 'drizzle-orm/pg-core'

/** PostgreSQL bytea (Buffer in, Buffer out). */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' })
import { entityEnums, enumCheckSql } from '../../shared/sync/entities'

/**
 * The portal's PostgreSQL schema (PGlite or a real server).
 *
 * 1. The shared tables: exactly the tables and columns of src/shared/sync/entities.ts (a test
 *    checks it), so that a row travels as one JSON object between the portal and SQLite.
 *    Ids are text primary keys; days and instants are text (ISO), money is integer cents.
 * 2. The portal's own tables: workstations and their enrolment codes, the applied commands
 *    (exactly-once), the change log (pull cursor = changes.seq), family accounts, sessions.
 *
 * Migrations: `npm run db:generate:portal` (drizzle.portal.config.ts) → resources/portal-migrations.
 * Keep this file free of path aliases: drizzle-kit loads it on its own.
 *
 * The shared tables are declared a second time, for SQLite, in src/main/core/db/schema.ts:
 * tests/unit/schema migrates both databases and fails on any difference (columns, types,
 * nullability, defaults, keys, ON DELETE, unique and CHECK constraints).
 */

const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' })

/**
 * `created_at` / `updated_at` of the shared tables that the workstation lets SQLite fill in:
 * the same ISO-8601 UTC text as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now').
 */
const nowIsoText = (name: string) =>
  text(name)
    .notNull()
    .default(sql`to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)

type Enums = typeof entityEnums
/** The CHECK constraint of an enum column (values from `entityEnums`). */
function enumCheck<E extends keyof Enums>(entity: E, column: keyof Enums[E] & string) {
  const values = entityEnums[entity][column] as readonly string[]
  return check(`${entity}_${column}_check`, sql.raw(enumCheckSql(column, values)))
}

// ---------------------------------------------------------------------------------------------
// Shared tables (src/shared/sync/entities.ts)

export const schools = pgTable('schools', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: entityEnums.schools.kind }).notNull(),
  address: text('address').notNull(),
}, () => [enumCheck('schools', 'kind')])

export const units = pgTable('units', {
  id: text('id').primaryKey(),
  label: text('label').notNull(),
  levels: text('levels', { enum: entityEnums.units.levels }).notNull(),
  default_capacity: integer('default_capacity').notNull(),
  calendar: text('calendar', { enum: entityEnums.units.calendar }).notNull().default('school_days'),
  booking_rule: text('booking_rule').notNull().default('{"kind":"none"}'),
  cancel_rule: text('cancel_rule').notNull().default('{"kind":"same"}'),
  sort: integer('sort').notNull().default(0),
  active: boolean('active').notNull().default(true),
  updated_at: text('updated_at'),
  childcare: boolean('childcare').notNull().default(false),
  leisure: boolean('leisure').notNull().default(false),
}, () => [enumCheck('units', 'levels'), enumCheck('units', 'calendar')])

export const unit_sites = pgTable(
  'unit_sites',
  {
    id: text('id').primaryKey(),
    unit_id: text('unit_id')
      .notNull()
      .references(() => units.id),
    site_id: text('site_id')
      .notNull()
      .references(() => schools.id),
    serves: text('serves', { enum: entityEnums.unit_sites.serves }).notNull(),
    capacity: integer('capacity').notNull(),
    active: boolean('active').notNull().default(true),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('unit_sites_unit_site_uq').on(t.unit_id, t.site_id), enumCheck('unit_sites', 'serves')],
)

export const calendar_periods = pgTable(
  'calendar_periods',
  {
    id: text('id').primaryKey(),
    school_year: text('school_year').notNull(),
    kind: text('kind', { enum: entityEnums.calendar_periods.kind }).notNull(),
    label: text('label').notNull(),
    first_day: text('first_day').notNull(),
    last_day: text('last_day').notNull(),
    unit_id: text('unit_id').references(() => units.id),
    site_id: text('site_id').references(() => schools.id),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [index('calendar_periods_year_idx').on(t.school_year, t.kind), enumCheck('calendar_periods', 'kind')],
)

export const capacities = pgTable(
  'capacities',
  {
    id: text('id').primaryKey(),
    unit_id: text('unit_id')
      .notNull()
      .references(() => units.id),
    site_id: text('site_id')
      .notNull()
      .references(() => schools.id),
    date: text('date'),
    capacity: integer('capacity').notNull(),
  },
  (t) => [index('capacities_unit_site_idx').on(t.unit_id, t.site_id)],
)

export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    login: text('login').notNull(),
    display_name: text('display_name').notNull(),
    initials: text('initials').notNull(),
    role: text('role', { enum: entityEnums.agents.role }).notNull(),
    password_hash: text('password_hash').notNull(),
    active: boolean('active').notNull().default(true),
    created_at: nowIsoText('created_at'),
    updated_at: nowIsoText('updated_at'),
  },
  (t) => [uniqueIndex('agents_login_uq').on(t.login), enumCheck('agents', 'role')],
)

export const persons = pgTable('persons', {
  id: text('id').primaryKey(),
  civility: text('civility', { enum: entityEnums.persons.civility }),
  last_name: text('last_name').notNull(),
  birth_name: text('birth_name'),
  first_names: text('first_names').notNull(),
  sex: text('sex', { enum: entityEnums.persons.sex }),
  birth_date: text('birth_date'),
  phone_mobile: text('phone_mobile'),
  phone_home: text('phone_home'),
  phone_work: text('phone_work'),
  email: text('email'),
  profession: text('profession'),
  birth_commune: text('birth_commune'),
  birth_country: text('birth_country'),
  address_line1: text('address_line1'),
  address_line2: text('address_line2'),
  postcode: text('postcode'),
  city: text('city'),
  employer: text('employer'),
  pai: boolean('pai').notNull().default(false),
  created_at: nowIsoText('created_at'),
  updated_at: nowIsoText('updated_at'),
}, () => [enumCheck('persons', 'civility'), enumCheck('persons', 'sex')])

export const schoolings = pgTable(
  'schoolings',
  {
    id: text('id').primaryKey(),
    person_id: text('person_id')
      .notNull()
      .references(() => persons.id, { onDelete: 'cascade' }),
    school_id: text('school_id')
      .notNull()
      .references(() => schools.id),
    level: text('level', { enum: entityEnums.schoolings.level }).notNull(),
    class_name: text('class_name'),
    school_year: text('school_year').notNull(),
  },
  (t) => [uniqueIndex('schoolings_person_year_uq').on(t.person_id, t.school_year), enumCheck('schoolings', 'level')],
)

export const families = pgTable(
  'families',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    address_line1: text('address_line1').notNull(),
    address_line2: text('address_line2'),
    postcode: text('postcode').notNull(),
    city: text('city').notNull(),
    caisse: text('caisse', { enum: entityEnums.families.caisse }),
    allocataire_number: text('allocataire_number'),
    paperless_invoices: boolean('paperless_invoices').notNull().default(false),
    resident: boolean('resident').notNull().default(false),
    separated_parents: boolean('separated_parents').notNull().default(false),
    hosted: boolean('hosted').notNull().default(false),
    payer_person_id: text('payer_person_id'),
    consent_qf_api: boolean('consent_qf_api').notNull().default(false),
    consent_image: boolean('consent_image').notNull().default(false),
    consent_emergency_care: boolean('consent_emergency_care').notNull().default(false),
    merged_into: text('merged_into'),
    merged_at: text('merged_at'),
    created_at: nowIsoText('created_at'),
    updated_at: nowIsoText('updated_at'),
    direct_debit: boolean('direct_debit').notNull().default(false),
  },
  (t) => [uniqueIndex('families_code_uq').on(t.code), enumCheck('families', 'caisse')],
)

export const family_members = pgTable(
  'family_members',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    person_id: text('person_id')
      .notNull()
      .references(() => persons.id, { onDelete: 'restrict' }),
    role: text('role', { enum: entityEnums.family_members.role }).notNull(),
    relation: text('relation'),
    legal_guardian: boolean('legal_guardian').notNull().default(false),
    emergency_contact: boolean('emergency_contact').notNull().default(false),
    may_pick_up: boolean('may_pick_up').notNull().default(false),
    forbidden_pick_up: boolean('forbidden_pick_up').notNull().default(false),
  },
  (t) => [
    uniqueIndex('family_members_uq').on(t.family_id, t.person_id),
    index('family_members_person_idx').on(t.person_id),
    enumCheck('family_members', 'role'),
  ],
)

export const reservations = pgTable(
  'reservations',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id),
    child_id: text('child_id')
      .notNull()
      .references(() => persons.id),
    unit_id: text('unit_id')
      .notNull()
      .references(() => units.id),
    site_id: text('site_id')
      .notNull()
      .references(() => schools.id),
    date: text('date').notNull(),
    state: text('state', { enum: entityEnums.reservations.state }).notNull(),
    channel: text('channel', { enum: entityEnums.reservations.channel }).notNull(),
    agent_id: text('agent_id'),
    workstation_id: text('workstation_id'),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
    attendance: text('attendance', { enum: entityEnums.reservations.attendance }),
    absence_certificate_date: text('absence_certificate_date'),
    attendance_by: text('attendance_by'),
    attendance_at: text('attendance_at'),
    override_reason: text('override_reason'),
    cancel_override_reason: text('cancel_override_reason'),
    cancelled_at: text('cancelled_at'),
  },
  (t) => [
    index('reservations_family_idx').on(t.family_id, t.date),
    index('reservations_slot_idx').on(t.unit_id, t.site_id, t.date, t.state),
    index('reservations_child_idx').on(t.child_id, t.unit_id, t.date),
    enumCheck('reservations', 'state'),
    enumCheck('reservations', 'channel'),
    enumCheck('reservations', 'attendance'),
  ],
)

/** Payments and refunds (counter receipts, online card payments): facts, never deleted (see entities.ts). */
export const payments = pgTable(
  'payments',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id),
    amount_cents: integer('amount_cents').notNull(),
    method: text('method', { enum: entityEnums.payments.method }).notNull(),
    transaction_id: text('transaction_id'),
    paid_at: text('paid_at').notNull(),
    created_at: text('created_at').notNull(),
    kind: text('kind', { enum: entityEnums.payments.kind }).notNull().default('paiement'),
    receipt_number: text('receipt_number'),
    cash_day_id: text('cash_day_id'),
    workstation_id: text('workstation_id'),
    agent_id: text('agent_id'),
    tendered_cents: integer('tendered_cents'),
    change_cents: integer('change_cents'),
    cheque_bank: text('cheque_bank'),
    cheque_number: text('cheque_number'),
    cheque_drawer: text('cheque_drawer'),
    terminal_ref: text('terminal_ref'),
    payment_order_id: text('payment_order_id'),
    cancelled_at: text('cancelled_at'),
    cancelled_by: text('cancelled_by'),
    cancel_reason: text('cancel_reason'),
  },
  (t) => [
    index('payments_family_idx').on(t.family_id),
    uniqueIndex('payments_transaction_uq').on(t.transaction_id),
    index('payments_receipt_idx').on(t.receipt_number),
    index('payments_cash_day_idx').on(t.cash_day_id),
    enumCheck('payments', 'kind'),
    enumCheck('payments', 'method'),
  ],
)

/** How much of a payment settles which invoice. */
export const payment_allocations = pgTable(
  'payment_allocations',
  {
    id: text('id').primaryKey(),
    payment_id: text('payment_id')
      .notNull()
      .references(() => payments.id),
    invoice_id: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    family_id: text('family_id').notNull(),
    amount_cents: integer('amount_cents').notNull(),
    created_at: text('created_at').notNull(),
  },
  (t) => [
    index('payment_allocations_payment_idx').on(t.payment_id),
    index('payment_allocations_invoice_idx').on(t.invoice_id),
    index('payment_allocations_family_idx').on(t.family_id),
  ],
)

/** Town data: a service's tariff grid for a period (brackets by QF, or an effort rate). */
export const tariffs = pgTable(
  'tariffs',
  {
    id: text('id').primaryKey(),
    unit_id: text('unit_id')
      .notNull()
      .references(() => units.id),
    label: text('label').notNull(),
    valid_from: text('valid_from').notNull(),
    valid_to: text('valid_to'),
    residency: text('residency', { enum: entityEnums.tariffs.residency }).notNull(),
    kind: text('kind', { enum: entityEnums.tariffs.kind }).notNull(),
    brackets: text('brackets'),
    no_qf_cents: integer('no_qf_cents'),
    rate_e4: integer('rate_e4'),
    min_cents: integer('min_cents'),
    max_cents: integer('max_cents'),
    penalty_cents: integer('penalty_cents').notNull(),
    incomplete_cents: integer('incomplete_cents').notNull(),
    active: boolean('active').notNull().default(true),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [index('tariffs_unit_idx').on(t.unit_id, t.valid_from), enumCheck('tariffs', 'residency'), enumCheck('tariffs', 'kind')],
)

/** Invoices and credit notes (avoirs): computed by the portal, never edited. */
export const invoices = pgTable(
  'invoices',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull(),
    kind: text('kind', { enum: entityEnums.invoices.kind }).notNull(),
    regie: integer('regie').notNull(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id),
    payer_person_id: text('payer_person_id'),
    payer_name: text('payer_name').notNull(),
    payer_address: text('payer_address').notNull(),
    month: text('month').notNull(),
    corrects_invoice_id: text('corrects_invoice_id'),
    total_cents: integer('total_cents').notNull(),
    direct_debit: boolean('direct_debit').notNull().default(false),
    issued_on: text('issued_on').notNull(),
    due_on: text('due_on').notNull(),
    debit_on: text('debit_on'),
    run_key: text('run_key'),
    reason: text('reason'),
    created_at: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('invoices_number_uq').on(t.number),
    uniqueIndex('invoices_run_key_uq').on(t.run_key),
    index('invoices_family_idx').on(t.family_id, t.month),
    index('invoices_month_idx').on(t.month),
    enumCheck('invoices', 'kind'),
  ],
)

/** An invoice's lines (child, service, quantity, unit price, the rule applied in French). */
export const invoice_lines = pgTable(
  'invoice_lines',
  {
    id: text('id').primaryKey(),
    invoice_id: text('invoice_id')
      .notNull()
      .references(() => invoices.id),
    family_id: text('family_id').notNull(),
    child_id: text('child_id'),
    child_name: text('child_name'),
    unit_id: text('unit_id'),
    kind: text('kind', { enum: entityEnums.invoice_lines.kind }).notNull(),
    quantity: integer('quantity').notNull(),
    unit_price_cents: integer('unit_price_cents').notNull(),
    amount_cents: integer('amount_cents').notNull(),
    rule: text('rule').notNull(),
    dates: text('dates').notNull(),
    cesu: boolean('cesu').notNull().default(false),
    leisure: boolean('leisure').notNull().default(false),
    sort: integer('sort').notNull().default(0),
  },
  (t) => [index('invoice_lines_invoice_idx').on(t.invoice_id), index('invoice_lines_family_idx').on(t.family_id), enumCheck('invoice_lines', 'kind')],
)

/** A workstation's cash-desk day (float, closing with billetage and totals); closed: never changed. */
export const cash_days = pgTable(
  'cash_days',
  {
    id: text('id').primaryKey(),
    workstation_id: text('workstation_id').notNull(),
    day: text('day').notNull(),
    status: text('status', { enum: entityEnums.cash_days.status }).notNull(),
    float_cents: integer('float_cents').notNull(),
    opened_at: text('opened_at').notNull(),
    opened_by: text('opened_by'),
    closed_at: text('closed_at'),
    closed_by: text('closed_by'),
    billetage: text('billetage'),
    counted_cents: integer('counted_cents'),
    expected_cash_cents: integer('expected_cash_cents'),
    totals: text('totals'),
    receipts_count: integer('receipts_count'),
    note: text('note'),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('cash_days_workstation_day_uq').on(t.workstation_id, t.day), index('cash_days_day_idx').on(t.day), enumCheck('cash_days', 'status')],
)

/** Inscription: a child enrolled in a periscolaire unit, at a site, for a school year. */
export const inscriptions = pgTable(
  'inscriptions',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    child_id: text('child_id')
      .notNull()
      .references(() => persons.id),
    unit_id: text('unit_id')
      .notNull()
      .references(() => units.id),
    site_id: text('site_id')
      .notNull()
      .references(() => schools.id),
    school_year: text('school_year').notNull(),
    status: text('status', { enum: entityEnums.inscriptions.status }).notNull(),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [
    index('inscriptions_family_idx').on(t.family_id, t.school_year),
    index('inscriptions_child_idx').on(t.child_id, t.unit_id, t.school_year),
    enumCheck('inscriptions', 'status'),
  ],
)

/** Town data: a supporting document the town asks for, for whom, in which situations. */
export const document_requirements = pgTable(
  'document_requirements',
  {
    id: text('id').primaryKey(),
    label: text('label').notNull(),
    per: text('per', { enum: entityEnums.document_requirements.per }).notNull(),
    needed_for: text('needed_for').notNull(),
    mandatory: boolean('mandatory').notNull().default(true),
    sort: integer('sort').notNull().default(0),
    active: boolean('active').notNull().default(true),
    updated_at: text('updated_at').notNull(),
  },
  () => [enumCheck('document_requirements', 'per')],
)

/** Town data: a kind of paper, the requirement it proves and its validity rule. */
export const document_types = pgTable(
  'document_types',
  {
    id: text('id').primaryKey(),
    label: text('label').notNull(),
    requirement_id: text('requirement_id')
      .notNull()
      .references(() => document_requirements.id),
    rule_kind: text('rule_kind', { enum: entityEnums.document_types.rule_kind }).notNull(),
    rule_value: integer('rule_value'),
    rule_day: text('rule_day'),
    accepted: boolean('accepted').notNull().default(true),
    keep_scan: text('keep_scan', { enum: entityEnums.document_types.keep_scan }).notNull(),
    sort: integer('sort').notNull().default(0),
    active: boolean('active').notNull().default(true),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [
    index('document_types_requirement_idx').on(t.requirement_id),
    enumCheck('document_types', 'rule_kind'),
    enumCheck('document_types', 'keep_scan'),
  ],
)

/** A supporting document checked at the counter (a fact). Scans stay on the workstation. */
export const documents = pgTable(
  'documents',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    person_id: text('person_id'),
    requirement_id: text('requirement_id').notNull(),
    type_id: text('type_id').notNull(),
    document_date: text('document_date').notNull(),
    valid_until: text('valid_until'),
    status: text('status', { enum: entityEnums.documents.status }).notNull(),
    refusal_reason: text('refusal_reason'),
    storage: text('storage', { enum: entityEnums.documents.storage }).notNull(),
    scan_sha256: text('scan_sha256'),
    scan_mime: text('scan_mime'),
    scan_size: integer('scan_size'),
    scan_name: text('scan_name'),
    twoddoc_verdict: text('twoddoc_verdict', { enum: entityEnums.documents.twoddoc_verdict }),
    twoddoc_type: text('twoddoc_type'),
    twoddoc_mismatches: text('twoddoc_mismatches'),
    school_year: text('school_year').notNull(),
    checked_by: text('checked_by'),
    checked_at: text('checked_at').notNull(),
    workstation_id: text('workstation_id'),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [
    index('documents_family_idx').on(t.family_id, t.school_year),
    enumCheck('documents', 'status'),
    enumCheck('documents', 'storage'),
    enumCheck('documents', 'twoddoc_verdict'),
  ],
)

/** Dossier tous services: one per family and school year. */
export const dossiers = pgTable(
  'dossiers',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    school_year: text('school_year').notNull(),
    status: text('status', { enum: entityEnums.dossiers.status }).notNull(),
    validated_by: text('validated_by'),
    validated_at: text('validated_at'),
    created_at: text('created_at').notNull(),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('dossiers_family_year_uq').on(t.family_id, t.school_year), enumCheck('dossiers', 'status')],
)

/** Quotient familial history (whole euros). */
export const quotients = pgTable(
  'quotients',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    value: integer('value').notNull(),
    source: text('source', { enum: entityEnums.quotients.source }).notNull(),
    reference_month: text('reference_month'),
    valid_from: text('valid_from').notNull(),
    annual_income_cents: integer('annual_income_cents'),
    monthly_benefits_cents: integer('monthly_benefits_cents'),
    parts_x2: integer('parts_x2'),
    document_id: text('document_id'),
    agent_id: text('agent_id'),
    created_at: text('created_at').notNull(),
  },
  (t) => [index('quotients_family_idx').on(t.family_id, t.valid_from), enumCheck('quotients', 'source')],
)

/** Town options (key → value), edited by a responsable. */
export const town_options = pgTable('town_options', {
  id: text('id').primaryKey(),
  value: text('value').notNull(),
  updated_at: text('updated_at').notNull(),
})

/** Portal credentials handed out at the counter (issue 9): who, when, until when; never a hash. */
export const credential_issues = pgTable(
  'credential_issues',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: entityEnums.credential_issues.kind }).notNull(),
    issued_at: text('issued_at').notNull(),
    expires_at: text('expires_at').notNull(),
    agent_id: text('agent_id'),
    workstation_id: text('workstation_id'),
    superseded_by: text('superseded_by'),
    updated_at: text('updated_at').notNull(),
  },
  (t) => [index('credential_issues_family_idx').on(t.family_id, t.issued_at), enumCheck('credential_issues', 'kind')],
)

/** Field history: one row per field a fact changed (old and new value, who, when, channel). */
export const field_history = pgTable(
  'field_history',
  {
    id: text('id').primaryKey(),
    entity: text('entity').notNull(),
    entity_id: text('entity_id').notNull(),
    field: text('field').notNull(),
    old_value: text('old_value'),
    new_value: text('new_value'),
    agent_id: text('agent_id'),
    workstation_id: text('workstation_id'),
    channel: text('channel', { enum: entityEnums.field_history.channel }).notNull(),
    at: text('at').notNull(),
    command_id: text('command_id').notNull(),
  },
  (t) => [index('field_history_entity_idx').on(t.entity, t.entity_id, t.at), enumCheck('field_history', 'channel')],
)

/**
 * Flags: facts recorded although they broke a rule, met a concurrent change or named a record
 * the portal does not have; a responsable resolves them. No foreign key on family_id.
 */
export const flags = pgTable(
  'flags',
  {
    id: text('id').primaryKey(),
    command_id: text('command_id').notNull(),
    command_name: text('command_name').notNull(),
    workstation_id: text('workstation_id'),
    agent_id: text('agent_id'),
    family_id: text('family_id'),
    kind: text('kind', { enum: entityEnums.flags.kind }).notNull(),
    code: text('code').notNull(),
    reason: text('reason').notNull(),
    data: text('data'),
    at: text('at').notNull(),
    status: text('status', { enum: entityEnums.flags.status }).notNull(),
    resolved_by: text('resolved_by'),
    resolved_at: text('resolved_at'),
    resolution_note: text('resolution_note'),
  },
  (t) => [
    index('flags_command_idx').on(t.command_id),
    index('flags_status_idx').on(t.status, t.at),
    enumCheck('flags', 'kind'),
    enumCheck('flags', 'status'),
  ],
)

/** Every shared table, by entity name (the keys of `entities`). */
export const sharedTables = {
  schools,
  units,
  unit_sites,
  capacities,
  calendar_periods,
  agents,
  persons,
  schoolings,
  families,
  family_members,
  inscriptions,
  document_requirements,
  document_types,
  documents,
  dossiers,
  quotients,
  town_options,
  credential_issues,
  reservations,
  tariffs,
  cash_days,
  invoices,
  invoice_lines,
  payments,
  payment_allocations,
  field_history,
  flags,
}

// ---------------------------------------------------------------------------------------------
// Portal tables

/** A database identity, so that caches in the data folder (snapshots) never outlive their database. */
export const portalMeta = pgTable('portal_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/** Named counters handed out atomically (code-famille ranges, receipt series). */
export const counters = pgTable('counters', {
  name: text('name').primaryKey(),
  value: bigint('value', { mode: 'number' }).notNull(),
})

export const workstations = pgTable(
  'workstations',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** sha-256 (hex) of the bearer token; the token itself is never stored. */
    token_hash: text('token_hash').notNull(),
    code_range_first: integer('code_range_first').notNull(),
    code_range_last: integer('code_range_last').notNull(),
    receipt_series: text('receipt_series').notNull(),
    last_applied_seq: bigint('last_applied_seq', { mode: 'number' }).notNull().default(0),
    enrolled_at: instant('enrolled_at').notNull().defaultNow(),
    revoked_at: instant('revoked_at'),
    /** The cursor of this workstation's last pull (what it has: the change-log compaction horizon waits for it, see docs/sync-protocol.md). */
    pull_cursor: bigint('pull_cursor', { mode: 'number' }),
    /** When it last pulled (a workstation silent longer than the retention no longer holds the horizon back). */
    pulled_at: instant('pulled_at'),
  },
  (t) => [
    uniqueIndex('workstations_token_uq').on(t.token_hash),
    uniqueIndex('workstations_series_uq').on(t.receipt_series),
    uniqueIndex('workstations_range_uq').on(t.code_range_first),
  ],
)

export const enrolmentCodes = pgTable('enrolment_codes', {
  /** sha-256 (hex) of the normalised code. */
  code_hash: text('code_hash').primaryKey(),
  name: text('name').notNull(),
  created_at: instant('created_at').notNull().defaultNow(),
  expires_at: instant('expires_at').notNull(),
  used_at: instant('used_at'),
  workstation_id: text('workstation_id').references(() => workstations.id),
})

export const appliedCommands = pgTable(
  'applied_commands',
  {
    workstation_id: text('workstation_id')
      .notNull()
      .references(() => workstations.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** Null only for a command rejected because its id was already used by another command. */
    command_id: text('command_id').unique('applied_commands_command_id_uq'),
    /** The id the workstation sent under this seq (even a duplicate's): a replay under this seq must carry it (else 409 SEQ_CONFLICT). Null for rows older than this column. */
    sent_id: text('sent_id'),
    name: text('name').notNull(),
    status: text('status', { enum: ['applied', 'rejected'] }).notNull(),
    code: text('code'),
    reason: text('reason'),
    truth: jsonb('truth'),
    applied_at: instant('applied_at').notNull().defaultNow(),
    /** Audit: when the portal received it (the portal's clock), beside the workstation's own `at` and `agent_id` (as sent). */
    received_at: instant('received_at'),
    at: instant('at'),
    agent_id: text('agent_id'),
  },
  (t) => [primaryKey({ name: 'applied_commands_pk', columns: [t.workstation_id, t.seq] })],
)

/**
 * The change log: one row per write to a shared table, in commit order. A writer appends its
 * rows last, under pg_advisory_xact_lock(4242) held until it commits (src/portal/db/store.ts), so
 * seq order is commit order and a pull cursor never skips a row committed later with a smaller
 * seq. Below the compaction horizon (portal_meta 'compaction_horizon') only the latest change
 * of each record is kept (src/portal/services/compaction.ts).
 */
export const changes = pgTable(
  'changes',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    entity: text('entity').notNull(),
    entity_id: text('entity_id').notNull(),
    op: text('op', { enum: ['put', 'delete'] }).notNull(),
    row: jsonb('row'),
    command_id: text('command_id'),
    workstation_id: text('workstation_id'),
    at: instant('at').notNull().default(sql`now()`),
  },
  // Pulls read by seq (the primary key); compaction finds a record's later changes by this index.
  (t) => [index('changes_record_idx').on(t.entity, t.entity_id, t.seq)],
)

/**
 * Bootstrap snapshots, stored in the database so that every portal instance serves the same
 * bytes (src/portal/services/snapshots.ts). A row is written with `complete` false, its chunks
 * follow, then `complete` turns true: only complete snapshots are served.
 */
export const snapshots = pgTable('snapshots', {
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  bytes: bigint('bytes', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  rows: bigint('rows', { mode: 'number' }).notNull(),
  schema_version: integer('schema_version').notNull(),
  built_at: instant('built_at').notNull().defaultNow(),
  complete: boolean('complete').notNull().default(false),
})

/** A snapshot's file, in chunks (bytea, SNAPSHOT_CHUNK_BYTES each but the last), in order n = 0, 1, … */
export const snapshotChunks = pgTable(
  'snapshot_chunks',
  {
    seq: bigint('seq', { mode: 'number' })
      .notNull()
      .references(() => snapshots.seq, { onDelete: 'cascade' }),
    n: integer('n').notNull(),
    data: bytea('data').notNull(),
  },
  (t) => [primaryKey({ name: 'snapshot_chunks_pk', columns: [t.seq, t.n] })],
)

/**
 * Leases: one holder at a time for a background job shared by the instances (the snapshot
 * builder, the change-log compaction). Taken with one UPDATE … WHERE until < now() (no session
 * lock: it works behind PgBouncer in transaction mode), renewed while the job runs.
 */
export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder'),
  until: instant('until').notNull().default(sql`'-infinity'`),
})

/** Failed logins per key ("admin:<login>", "family:<code>"): after a few, each attempt waits longer. */
export const loginThrottle = pgTable('login_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  blocked_until: instant('blocked_until').notNull(),
})

export const familyAccounts = pgTable('family_accounts', {
  family_id: text('family_id')
    .primaryKey()
    .references(() => families.id),
  password_hash: text('password_hash').notNull(),
  must_change: boolean('must_change').notNull().default(true),
  /** A temporary password stops working after this instant (null: a password the family chose). */
  expires_at: instant('expires_at'),
  updated_at: instant('updated_at').notNull().defaultNow(),
})

export const familySessions = pgTable(
  'family_sessions',
  {
    token_hash: text('token_hash').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id),
    expires_at: instant('expires_at').notNull(),
    created_at: instant('created_at').notNull().defaultNow(),
  },
  (t) => [index('family_sessions_family_idx').on(t.family_id)],
)

/**
 * E-mail password resets (« Mot de passe oublié », docs/credentials.md): only the sha-256 of the
 * token mailed to a guardian; valid one hour, once (`used_at`). Portal only.
 */
export const familyPasswordResets = pgTable(
  'family_password_resets',
  {
    token_hash: text('token_hash').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id, { onDelete: 'cascade' }),
    expires_at: instant('expires_at').notNull(),
    used_at: instant('used_at'),
  },
  (t) => [index('family_password_resets_family_idx').on(t.family_id)],
)

export const adminSessions = pgTable(
  'admin_sessions',
  {
    token_hash: text('token_hash').primaryKey(),
    agent_id: text('agent_id')
      .notNull()
      .references(() => agents.id),
    expires_at: instant('expires_at').notNull(),
    created_at: instant('created_at').notNull().defaultNow(),
  },
  (t) => [index('admin_sessions_agent_idx').on(t.agent_id)],
)

// Online payments (docs/payments.md): portal only, never sent to workstations. The payment
// itself, once the provider confirmed it, is a row of the shared `payments` table.

export const paymentOrderStatuses = ['created', 'paid', 'refused', 'amount_mismatch'] as const

/**
 * A payment a family started: the amount it chose, the reference the provider carries, and what
 * the provider's signed notification said. `transaction_id` (the provider's) is recorded once.
 */
export const paymentOrders = pgTable(
  'payment_orders',
  {
    id: text('id').primaryKey(),
    family_id: text('family_id')
      .notNull()
      .references(() => families.id),
    amount_cents: integer('amount_cents').notNull(),
    /** The order's reference at the provider (PayFiP refdet, Paybox PBX_CMD). */
    reference: text('reference').notNull(),
    provider: text('provider').notNull(),
    status: text('status', { enum: paymentOrderStatuses }).notNull().default('created'),
    transaction_id: text('transaction_id'),
    /** The `payments` row recorded for it (status paid). */
    payment_id: text('payment_id'),
    /** The invoice whose remaining amount it pays (issue 12; null: an order made before invoices). */
    invoice_id: text('invoice_id'),
    created_at: instant('created_at').notNull().defaultNow(),
    paid_at: instant('paid_at'),
    updated_at: instant('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payment_orders_reference_uq').on(t.reference),
    uniqueIndex('payment_orders_transaction_uq').on(t.transaction_id),
    index('payment_orders_family_idx').on(t.family_id, t.created_at),
    check('payment_orders_amount_check', sql`"amount_cents" > 0`),
    check('payment_orders_status_check', sql.raw(enumCheckSql('status', paymentOrderStatuses))),
  ],
)

/**
 * Every notification whose signature held, once per provider transaction id (a replay finds
 * its row and changes nothing). Forged ones are never stored. No foreign key on order_id: a
 * notification for an order the portal does not know is kept too.
 */
export const paymentNotifications = pgTable(
  'payment_notifications',
  {
    id: text('id').primaryKey(),
    provider: text('provider').notNull(),
    transaction_id: text('transaction_id').notNull(),
    order_id: text('order_id'),
    /** What the provider said: paid or refused. */
    status: text('status').notNull(),
    amount_cents: integer('amount_cents').notNull(),
    /** What the portal did: recorded, refused, amount_mismatch, unknown_order, already_paid. */
    outcome: text('outcome').notNull(),
    /** sha-256 of the raw body (the body itself is not kept). */
    body_sha256: text('body_sha256').notNull(),
    received_at: instant('received_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('payment_notifications_transaction_uq').on(t.provider, t.transaction_id)],
)

/**
 * The monthly invoice runs (issue 12): one row per month, resumable. `cursor` is the last
 * family id invoiced (families are taken in id order, in batches, one transaction each), so a
 * run stopped half way resumes after it; an invoice's run_key ("2026-11|<family id>") makes a
 * family invoiced twice impossible anyway.
 */
export const invoiceRuns = pgTable('invoice_runs', {
  month: text('month').primaryKey(),
  status: text('status', { enum: ['running', 'done', 'failed'] as const }).notNull(),
  cursor: text('cursor'),
  families_done: integer('families_done').notNull().default(0),
  invoices_created: integer('invoices_created').notNull().default(0),
  credit_notes_created: integer('credit_notes_created').notNull().default(0),
  total_cents: bigint('total_cents', { mode: 'number' }).notNull().default(0),
  started_at: instant('started_at').notNull().defaultNow(),
  finished_at: instant('finished_at'),
  error: text('error'),
  updated_at: instant('updated_at').notNull().defaultNow(),
})
