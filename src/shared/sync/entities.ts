/**
 * The tables the portal and every workstation share, with their columns. Both sides use
 * these exact table and column names (SQLite on the workstation, PostgreSQL on the portal),
 * so a row travels as one JSON object: pulls, bootstrap snapshots, rejection "truth".
 * Column kinds: text (also days and ISO instants), int (money in cents, capacities), bool.
 */
export type ColumnKind = 'text' | 'int' | 'bool'

function cols<T extends Record<string, ColumnKind>>(c: T): T {
  return c
}

export const entities = {
  schools: cols({ id: 'text', name: 'text', kind: 'text', address: 'text' }),
  /**
   * The periscolaire services (town data): the calendar they follow (school days, Wednesdays,
   * holidays), their booking and cancellation deadlines (JSON rules, src/shared/domain/deadlines.ts).
   */
  units: cols({
    id: 'text',
    label: 'text',
    levels: 'text',
    default_capacity: 'int',
    calendar: 'text',
    booking_rule: 'text',
    cancel_rule: 'text',
    sort: 'int',
    active: 'bool',
    updated_at: 'text',
    /** Care of a child (garderie, accueil de loisirs): payable by CESU for a child under 6, in the « attestation de frais de garde ». */
    childcare: 'bool',
    /** A leisure centre (accueil de loisirs): payable by chèques vacances. */
    leisure: 'bool',
  }),
  /** Where a service runs, whom each site serves (its own pupils or a level group) and its capacity per day. */
  unit_sites: cols({
    id: 'text',
    unit_id: 'text',
    site_id: 'text',
    serves: 'text',
    capacity: 'int',
    active: 'bool',
    updated_at: 'text',
  }),
  /** Per-day (date set) or site-wide (date null) capacity overrides of a service at a site. */
  capacities: cols({ id: 'text', unit_id: 'text', site_id: 'text', date: 'text', capacity: 'int' }),
  /** The school calendar as town data: the school year, holidays, public holidays, closures. */
  calendar_periods: cols({
    id: 'text',
    school_year: 'text',
    kind: 'text',
    label: 'text',
    first_day: 'text',
    last_day: 'text',
    /** A closure of one service only (null: all). */
    unit_id: 'text',
    /** A closure of one site only (null: all). */
    site_id: 'text',
    updated_at: 'text',
  }),
  agents: cols({
    id: 'text',
    login: 'text',
    display_name: 'text',
    initials: 'text',
    role: 'text',
    password_hash: 'text',
    active: 'bool',
    created_at: 'text',
    updated_at: 'text',
  }),
  persons: cols({
    id: 'text',
    civility: 'text',
    last_name: 'text',
    birth_name: 'text',
    first_names: 'text',
    sex: 'text',
    birth_date: 'text',
    phone_mobile: 'text',
    phone_home: 'text',
    phone_work: 'text',
    email: 'text',
    profession: 'text',
    /** Birth commune and country (INSEE COG codes or names). */
    birth_commune: 'text',
    birth_country: 'text',
    /** The person's own address; null: the family's (a separated parent may live elsewhere). */
    address_line1: 'text',
    address_line2: 'text',
    postcode: 'text',
    city: 'text',
    employer: 'text',
    /** A child with a PAI (projet d'accueil individualisé: a health plan). */
    pai: 'bool',
    created_at: 'text',
    updated_at: 'text',
  }),
  schoolings: cols({ id: 'text', person_id: 'text', school_id: 'text', level: 'text', class_name: 'text', school_year: 'text' }),
  families: cols({
    id: 'text',
    code: 'text',
    name: 'text',
    address_line1: 'text',
    address_line2: 'text',
    postcode: 'text',
    city: 'text',
    caisse: 'text',
    allocataire_number: 'text',
    paperless_invoices: 'bool',
    /** The family's situations (they decide which supporting documents are needed). */
    resident: 'bool',
    separated_parents: 'bool',
    hosted: 'bool',
    /** The payer (titulaire): a guardian of this family; each family of a shared-custody child has its own. */
    payer_person_id: 'text',
    /** Consents: fetching the QF from the national API, pictures, emergency care. */
    consent_qf_api: 'bool',
    consent_image: 'bool',
    consent_emergency_care: 'bool',
    /** Set when a responsable merged this file into another one (the same family entered twice). */
    merged_into: 'text',
    merged_at: 'text',
    created_at: 'text',
    updated_at: 'text',
    /** A SEPA direct-debit mandate: its invoices are debited, never payable at the counter nor online. */
    direct_debit: 'bool',
  }),
  family_members: cols({
    id: 'text',
    family_id: 'text',
    person_id: 'text',
    role: 'text',
    relation: 'text',
    legal_guardian: 'bool',
    emergency_contact: 'bool',
    may_pick_up: 'bool',
    forbidden_pick_up: 'bool',
  }),
  reservations: cols({
    id: 'text',
    family_id: 'text',
    child_id: 'text',
    unit_id: 'text',
    site_id: 'text',
    date: 'text',
    state: 'text',
    channel: 'text',
    agent_id: 'text',
    workstation_id: 'text',
    created_at: 'text',
    updated_at: 'text',
    /** Pointage: present, absent_justifie (with the certificate's date), absent_injustifie. */
    attendance: 'text',
    absence_certificate_date: 'text',
    attendance_by: 'text',
    attendance_at: 'text',
    /** Booked past its deadline by an allowed role: the reason (flagged to the portal). */
    override_reason: 'text',
    /** Cancelled past its deadline by an allowed role: the reason. */
    cancel_override_reason: 'text',
    cancelled_at: 'text',
  }),
  /**
   * A payment (règlement) or a refund (remboursement) of a family's credit: a fact, never deleted.
   * Counter payments carry the receipt number the workstation took from its own series
   * ("R-G01-26-000123", refunds "V-G01-26-000001"); online card payments carry the provider's
   * transaction. A mistake is cancelled (cancelled_at, reason): the number stays used.
   */
  payments: cols({
    id: 'text',
    family_id: 'text',
    /** Always positive, in cents. */
    amount_cents: 'int',
    method: 'text',
    transaction_id: 'text',
    paid_at: 'text',
    created_at: 'text',
    kind: 'text',
    receipt_number: 'text',
    /** The cash-desk day it was taken in (null: online). */
    cash_day_id: 'text',
    workstation_id: 'text',
    agent_id: 'text',
    /** Cash: what the family handed over, and the change given back. */
    tendered_cents: 'int',
    change_cents: 'int',
    cheque_bank: 'text',
    cheque_number: 'text',
    cheque_drawer: 'text',
    /** Card on the counter's terminal: the terminal's ticket reference. */
    terminal_ref: 'text',
    /** Online: the payment order it settles. */
    payment_order_id: 'text',
    cancelled_at: 'text',
    cancelled_by: 'text',
    cancel_reason: 'text',
  }),
  /** How much of a payment settles which invoice (the rest of a payment is the family's credit). */
  payment_allocations: cols({
    id: 'text',
    payment_id: 'text',
    invoice_id: 'text',
    family_id: 'text',
    amount_cents: 'int',
    created_at: 'text',
  }),
  /**
   * Town data: a tariff grid of one service for a period. `tranches`: brackets by QF (JSON
   * [[min, max|null, cents], …], euros) and a price without QF; `taux_effort`: QF × rate
   * (rate_e4: the rate in percent × 10 000, 0.36 % → 3600), clamped to min and max.
   */
  tariffs: cols({
    id: 'text',
    unit_id: 'text',
    label: 'text',
    valid_from: 'text',
    /** Last day it applies (null: open-ended). */
    valid_to: 'text',
    residency: 'text',
    kind: 'text',
    brackets: 'text',
    no_qf_cents: 'int',
    rate_e4: 'int',
    min_cents: 'int',
    max_cents: 'int',
    /** A child present without a booking. */
    penalty_cents: 'int',
    /** The maximum tariff while the family's dossier is incomplete. */
    incomplete_cents: 'int',
    active: 'bool',
    updated_at: 'text',
  }),
  /**
   * An invoice (facture) or a credit note (avoir), computed by the portal, never edited:
   * numbered per régie and year ("F01-26-11-0000001", "A01-26-11-0000001"), with a snapshot of
   * the payer. The amount remaining is the total less its allocations (payments not cancelled)
   * and its credit notes.
   */
  invoices: cols({
    id: 'text',
    number: 'text',
    kind: 'text',
    regie: 'int',
    family_id: 'text',
    payer_person_id: 'text',
    payer_name: 'text',
    payer_address: 'text',
    /** The month billed, "2026-11". */
    month: 'text',
    /** An avoir: the invoice it corrects. */
    corrects_invoice_id: 'text',
    /** Positive cents (an avoir's total is what it credits). */
    total_cents: 'int',
    direct_debit: 'bool',
    issued_on: 'text',
    due_on: 'text',
    debit_on: 'text',
    /** Idempotence of the monthly run: "2026-11|<family id>" (null: made by hand). */
    run_key: 'text',
    /** An avoir's reason (French). */
    reason: 'text',
    created_at: 'text',
  }),
  /** An invoice's lines, grouped by child, service, price and rule; `dates` lists the days. */
  invoice_lines: cols({
    id: 'text',
    invoice_id: 'text',
    family_id: 'text',
    child_id: 'text',
    child_name: 'text',
    unit_id: 'text',
    kind: 'text',
    quantity: 'int',
    unit_price_cents: 'int',
    /** quantity × unit price (0 for an absence shown but not billed). */
    amount_cents: 'int',
    /** The rule applied, in plain French: "QF 850 → tranche 2 : 3,30 €". */
    rule: 'text',
    /** Comma list of the days (YYYY-MM-DD). */
    dates: 'text',
    /** Care of a child under 6 on every day of the line: payable by CESU, in the attestation de frais de garde. */
    cesu: 'bool',
    /** A leisure-centre line: payable by chèques vacances. */
    leisure: 'bool',
    sort: 'int',
  }),
  /**
   * A workstation's cash-desk day: opened with a float, closed with the cash counted by
   * denomination (billetage). A closed day is never changed. Totals are JSON by method (cents).
   */
  cash_days: cols({
    id: 'text',
    workstation_id: 'text',
    day: 'text',
    status: 'text',
    float_cents: 'int',
    opened_at: 'text',
    opened_by: 'text',
    closed_at: 'text',
    closed_by: 'text',
    /** JSON {"5000": 2, "2000": 1, …}: count per denomination in cents. */
    billetage: 'text',
    counted_cents: 'int',
    expected_cash_cents: 'int',
    totals: 'text',
    receipts_count: 'int',
    note: 'text',
    updated_at: 'text',
  }),
  /** Inscription: a child enrolled in a periscolaire unit, at a site, for a school year. */
  inscriptions: cols({
    id: 'text',
    family_id: 'text',
    child_id: 'text',
    unit_id: 'text',
    site_id: 'text',
    school_year: 'text',
    status: 'text',
    created_at: 'text',
    updated_at: 'text',
  }),
  /** Town data: a supporting document the town asks for, for whom and in which situations. */
  document_requirements: cols({
    id: 'text',
    label: 'text',
    /** One piece for the family, one per guardian, one per child. */
    per: 'text',
    /** Comma list of situations (src/shared/domain/documents.ts). */
    needed_for: 'text',
    mandatory: 'bool',
    sort: 'int',
    active: 'bool',
    updated_at: 'text',
  }),
  /** Town data: a kind of paper, the requirement it proves and how long it is valid. */
  document_types: cols({
    id: 'text',
    label: 'text',
    requirement_id: 'text',
    rule_kind: 'text',
    rule_value: 'int',
    rule_day: 'text',
    /** False: a kind the town refuses for its requirement (an avis d'imposition as proof of address). */
    accepted: 'bool',
    keep_scan: 'text',
    sort: 'int',
    active: 'bool',
    updated_at: 'text',
  }),
  /** A supporting document checked at the counter (a fact). The scan itself stays on the workstation. */
  documents: cols({
    id: 'text',
    family_id: 'text',
    /** Whose piece it is; null: the family's. */
    person_id: 'text',
    requirement_id: 'text',
    type_id: 'text',
    document_date: 'text',
    valid_until: 'text',
    status: 'text',
    refusal_reason: 'text',
    storage: 'text',
    scan_sha256: 'text',
    scan_mime: 'text',
    scan_size: 'int',
    scan_name: 'text',
    /** Issue 13: the piece was read from its 2D-Doc barcode: the signature verdict, the 2D-Doc type ("01"), and the differences from the family file the agent accepted ("surname,postcode"). Never the barcode's content. */
    twoddoc_verdict: 'text',
    twoddoc_type: 'text',
    twoddoc_mismatches: 'text',
    school_year: 'text',
    checked_by: 'text',
    checked_at: 'text',
    workstation_id: 'text',
    created_at: 'text',
    updated_at: 'text',
  }),
  /** Dossier tous services: one per family and school year. */
  dossiers: cols({
    id: 'text',
    family_id: 'text',
    school_year: 'text',
    status: 'text',
    validated_by: 'text',
    validated_at: 'text',
    created_at: 'text',
    updated_at: 'text',
  }),
  /** Quotient familial history: the value in force on a day is the latest valid_from on or before it. */
  quotients: cols({
    id: 'text',
    family_id: 'text',
    /** Whole euros. */
    value: 'int',
    source: 'text',
    reference_month: 'text',
    valid_from: 'text',
    annual_income_cents: 'int',
    monthly_benefits_cents: 'int',
    /** Parts × 2 (2.5 parts → 5): no floats. */
    parts_x2: 'int',
    document_id: 'text',
    agent_id: 'text',
    created_at: 'text',
  }),
  /** Town options (key → value), edited by a responsable. */
  town_options: cols({ id: 'text', value: 'text', updated_at: 'text' }),
  /**
   * Portal credentials handed out at the counter (issue 9): who, when, until when. Never the
   * password nor its hash (the hash travels in the command only, to the portal's family_accounts).
   */
  credential_issues: cols({
    id: 'text',
    family_id: 'text',
    kind: 'text',
    issued_at: 'text',
    expires_at: 'text',
    agent_id: 'text',
    workstation_id: 'text',
    /** The issue that replaced this one (a later reset, or a concurrent issue the portal applied after it). */
    superseded_by: 'text',
    updated_at: 'text',
  }),
  /** One row per field a fact changed (src/shared/commands: families.updateContacts). */
  field_history: cols({
    id: 'text',
    entity: 'text',
    entity_id: 'text',
    field: 'text',
    old_value: 'text',
    new_value: 'text',
    /** Null for a family on its own portal page. */
    agent_id: 'text',
    workstation_id: 'text',
    channel: 'text',
    at: 'text',
    command_id: 'text',
  }),
  /** Facts the portal recorded although they broke a rule, met a concurrent change or named a missing record. */
  flags: cols({
    id: 'text',
    command_id: 'text',
    command_name: 'text',
    workstation_id: 'text',
    agent_id: 'text',
    /** No foreign key: the family may be the missing record. */
    family_id: 'text',
    kind: 'text',
    code: 'text',
    /** French, for a responsable. */
    reason: 'text',
    /** JSON: the raw fact, the conflicting values… */
    data: 'text',
    at: 'text',
    status: 'text',
    resolved_by: 'text',
    resolved_at: 'text',
    resolution_note: 'text',
  }),
} as const

export type EntityName = keyof typeof entities

/**
 * The closed sets of values some text columns hold. Both database schemas turn each into a
 * CHECK constraint (`column IN (…)`), and tests/unit/schema checks that both databases have
 * exactly these. Keep today's values: widening one is a migration on both sides.
 */
export const entityEnums = {
  agents: { role: ['accueil', 'regisseur', 'responsable'] },
  schools: { kind: ['maternelle', 'elementaire', 'primaire'] },
  units: { levels: ['tous', 'maternelle', 'elementaire'], calendar: ['school_days', 'wednesdays', 'holidays'] },
  unit_sites: { serves: ['own_school', 'maternelle', 'elementaire', 'tous'] },
  calendar_periods: { kind: ['school_year', 'holiday', 'public_holiday', 'closure'] },
  families: { caisse: ['CAF', 'MSA', 'autre'] },
  persons: { civility: ['M.', 'Mme'], sex: ['F', 'M'] },
  family_members: { role: ['RL1', 'RL2', 'enfant', 'contact'] },
  schoolings: { level: ['TPS', 'PS', 'MS', 'GS', 'CP', 'CE1', 'CE2', 'CM1', 'CM2'] },
  reservations: {
    state: ['reserve', 'annule', 'attente', 'sans_reservation'],
    channel: ['guichet', 'portail'],
    attendance: ['present', 'absent_justifie', 'absent_injustifie'],
  },
  inscriptions: { status: ['active', 'terminee'] },
  document_requirements: { per: ['family', 'guardian', 'child'] },
  document_types: {
    rule_kind: ['months', 'days', 'school_year', 'until', 'vaccinations', 'none'],
    keep_scan: ['optional', 'never'],
  },
  documents: { status: ['recue', 'validee', 'refusee', 'expiree'], storage: ['scan', 'vu'], twoddoc_verdict: ['valid', 'invalid', 'unknown_issuer'] },
  dossiers: { status: ['incomplet', 'complet', 'valide'] },
  quotients: { source: ['caf', 'msa', 'avis_imposition', 'manuel', 'calcul'] },
  credential_issues: { kind: ['first', 'reset'] },
  field_history: { channel: ['guichet', 'portail'] },
  flags: { kind: ['rule', 'conflict', 'missing'], status: ['open', 'resolved'] },
  payments: {
    kind: ['paiement', 'remboursement'],
    method: ['especes', 'cheque', 'carte', 'cesu', 'cheques_vacances', 'prelevement', 'en_ligne'],
  },
  tariffs: { residency: ['tous', 'resident', 'non_resident'], kind: ['tranches', 'taux_effort'] },
  invoices: { kind: ['facture', 'avoir'] },
  invoice_lines: { kind: ['service', 'penalite', 'absence_justifiee', 'regularisation'] },
  cash_days: { status: ['ouverte', 'cloturee'] },
} as const satisfies Partial<{ [E in EntityName]: Partial<Record<keyof (typeof entities)[E], readonly string[]>> }>

/** `"column" IN ('a', 'b')`: the CHECK expression both schemas declare for an enum column. */
export function enumCheckSql(column: string, values: readonly string[]): string {
  return `"${column}" IN (${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')})`
}

/**
 * Dependency order: a table comes after the tables its rows point to. Bootstrap snapshots
 * are imported in this order, so foreign keys always hold.
 */
export const entityOrder: readonly EntityName[] = [
  'schools',
  'units',
  'unit_sites',
  'capacities',
  'calendar_periods',
  'agents',
  'persons',
  'schoolings',
  'families',
  'family_members',
  'inscriptions',
  'document_requirements',
  'document_types',
  'documents',
  'dossiers',
  'quotients',
  'town_options',
  'credential_issues',
  'reservations',
  'tariffs',
  'cash_days',
  'invoices',
  'invoice_lines',
  'payments',
  'payment_allocations',
  'field_history',
  'flags',
]

export function isEntityName(name: string): name is EntityName {
  return Object.hasOwn(entities, name)
}

export function columnsOf(entity: EntityName): string[] {
  return Object.keys(entities[entity])
}

export type Value = string | number | boolean | null
export type Row = Record<string, Value>

/** Keeps only the entity's columns, with JS types by kind (bool → boolean, int → number; a missing bool → false). */
export function normalizeRow(entity: EntityName, row: Record<string, unknown>): Row {
  const out: Row = {}
  for (const [col, kind] of Object.entries(entities[entity])) {
    const v = row[col]
    // A flag a row does not carry (written before the column existed) is false, as both schemas default it.
    if (v === undefined && kind === 'bool') out[col] = false
    else if (v === null || v === undefined) out[col] = null
    else if (kind === 'bool') out[col] = v === true || v === 1 || v === '1' || v === 't' || v === 'true'
    else if (kind === 'int') out[col] = typeof v === 'number' ? v : Number(v)
    else out[col] = String(v)
  }
  return out
}
