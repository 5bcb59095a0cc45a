/**
 * The shipped default town data for supporting documents (DOMAIN.md, "Documents"): which
 * pieces a dossier needs, the kinds of document that prove each, and their validity rules.
 * A responsable edits them in the app; these rows only seed a new town.
 *
 * Choices worth knowing:
 * - Justificatif de domicile: utility, phone/internet bills, rent receipts and home insurance
 *   attestations under 3 months; the avis de taxe foncière is yearly, so it is accepted for 12
 *   months; the avis d'imposition is a kind the town REFUSES by default (accepted: false), so
 *   that the refusal says why ("Avis d'imposition : n'est pas accepté comme justificatif de
 *   domicile").
 * - The avis de taxe d'habitation (no longer sent for a main home since 2023, still for a
 *   second home) is yearly too: 12 months. Added with issue 13 (its 2D-Doc, type 02, proves an
 *   address); a town seeded before receives it at the portal's next start (seedTownDefaults),
 *   and a responsable may refuse it like any other kind.
 * - Pièce d'identité: rule 'none' plus the card's own printed expiry date, which the agent
 *   records as the document's valid_until (see ruleForDocument): the document date is the
 *   issue date, the card is valid up to and including its expiry date. (A French CNI issued
 *   to an adult from 2004 to 2013 is valid 5 years past its printed date: the agent enters
 *   the real end.)
 * - Avis d'imposition for the quotient: "last year's income". The avis on year N−1 income is
 *   issued from late July to September of year N; it stays the latest one for about a year,
 *   so 15 months after its date (issued 31/07/2025 → accepted until 31/10/2026), which leaves
 *   the autumn to bring the new one.
 * - Carnet de vaccination: the document date is the date of the LAST vaccination in the
 *   carnet; no scan is kept by default (health data: "vu au guichet").
 * - Quotient familial: not mandatory (without it the family pays the maximum tariff).
 */
import type { DocumentTypeRow, RequirementRow } from './documents'

/** The updated_at of the shipped rows (older than any edit a responsable makes). */
export const DEFAULTS_UPDATED_AT = '2026-01-01T00:00:00.000Z'

const req = (id: string, label: string, per: RequirementRow['per'], needed_for: string, mandatory: boolean, sort: number): RequirementRow => ({
  id,
  label,
  per,
  needed_for,
  mandatory,
  sort,
  active: true,
  updated_at: DEFAULTS_UPDATED_AT,
})

export const DEFAULT_DOCUMENT_REQUIREMENTS: readonly RequirementRow[] = [
  req('domicile', 'Justificatif de domicile', 'family', 'school,resident', true, 10),
  req('identite', "Pièce d'identité", 'guardian', 'first_enrolment', true, 20),
  req('acte_naissance', 'Acte de naissance ou livret de famille', 'child', 'school', true, 30),
  req('vaccinations', 'Carnet de vaccination', 'child', 'school,periscolaire', true, 40),
  req('assurance', "Attestation d'assurance scolaire et extrascolaire", 'child', 'periscolaire', true, 50),
  req('quotient', 'Justificatif du quotient familial', 'family', 'tariff', false, 60),
  req('jugement', 'Jugement ou accord sur la garde', 'family', 'separated', true, 70),
  req('hebergement', "Attestation d'hébergement", 'family', 'hosted', true, 80),
  req('pai', "Projet d'accueil individualisé (PAI)", 'child', 'pai', true, 90),
  req('radiation', 'Certificat de radiation', 'child', 'new_school', true, 100),
]

type Rule = Pick<DocumentTypeRow, 'rule_kind' | 'rule_value' | 'rule_day'>
const months = (n: number): Rule => ({ rule_kind: 'months', rule_value: n, rule_day: null })
const schoolYear: Rule = { rule_kind: 'school_year', rule_value: null, rule_day: null }
const noEnd: Rule = { rule_kind: 'none', rule_value: null, rule_day: null }
const vaccinations: Rule = { rule_kind: 'vaccinations', rule_value: null, rule_day: null }

const type = (id: string, requirement_id: string, label: string, rule: Rule, sort: number, extra: Partial<Pick<DocumentTypeRow, 'accepted' | 'keep_scan'>> = {}): DocumentTypeRow => ({
  id,
  label,
  requirement_id,
  ...rule,
  accepted: extra.accepted ?? true,
  keep_scan: extra.keep_scan ?? 'optional',
  sort,
  active: true,
  updated_at: DEFAULTS_UPDATED_AT,
})

export const DEFAULT_DOCUMENT_TYPES: readonly DocumentTypeRow[] = [
  type('facture_energie', 'domicile', "Facture d'électricité, de gaz ou d'eau", months(3), 10),
  type('facture_telecom', 'domicile', "Facture de téléphone ou d'internet", months(3), 11),
  type('quittance_loyer', 'domicile', 'Quittance de loyer', months(3), 12),
  type('assurance_habitation', 'domicile', "Attestation d'assurance habitation", months(3), 13),
  type('taxe_fonciere', 'domicile', 'Avis de taxe foncière', months(12), 14),
  type('avis_imposition_domicile', 'domicile', "Avis d'imposition", months(12), 15, { accepted: false }),
  // Issue 13: read from its 2D-Doc (type 02); towns seeded before it receive it (seedTownDefaults).
  type('avis_taxe_habitation', 'domicile', "Avis de taxe d'habitation", months(12), 16),
  type('carte_identite', 'identite', "Carte nationale d'identité", noEnd, 20),
  type('passeport', 'identite', 'Passeport', noEnd, 21),
  type('titre_sejour', 'identite', 'Titre de séjour', noEnd, 22),
  type('acte_naissance', 'acte_naissance', "Extrait d'acte de naissance", months(3), 30),
  type('livret_famille', 'acte_naissance', 'Livret de famille', noEnd, 31),
  type('carnet_vaccination', 'vaccinations', 'Carnet de santé (pages des vaccinations)', vaccinations, 40, { keep_scan: 'never' }),
  type('attestation_assurance', 'assurance', "Attestation d'assurance scolaire et extrascolaire", schoolYear, 50),
  type('attestation_caf', 'quotient', 'Attestation de quotient familial CAF', months(3), 60),
  type('attestation_msa', 'quotient', 'Attestation de quotient familial MSA', months(3), 61),
  type('avis_imposition', 'quotient', "Avis d'imposition", months(15), 62),
  type('jugement', 'jugement', 'Jugement fixant la résidence des enfants', noEnd, 70),
  type('accord_parent', 'jugement', "Accord écrit de l'autre parent (avec sa pièce d'identité)", noEnd, 71),
  type('attestation_hebergement', 'hebergement', "Attestation d'hébergement (avec la pièce d'identité et un justificatif de domicile de l'hébergeant)", months(3), 80),
  type('pai', 'pai', "Projet d'accueil individualisé signé", schoolYear, 90),
  type('certificat_radiation', 'radiation', 'Certificat de radiation', noEnd, 100),
]

/** Town options the documents and the dossier read (town_options rows: id → value). */
export const DEFAULT_TOWN_OPTIONS: Readonly<Record<string, string>> = {
  'dossier.incomplete_blocks_bookings': 'false',
  'documents.expiring_soon_days': '30',
  /** Issue 9: an unused first password stops working after these days. */
  'credentials.expiry_days': '30',
  /** The families' portal address on the slip; '' = the workstation's portal address. */
  'portal.public_url': '',
  /** The town's logo on the slip (PNG or JPEG data URL); '' = none. */
  'town.logo': '',
  /** Issue 10: who may book or cancel past a deadline (comma list of roles). */
  'bookings.override_roles': 'responsable',
  /** Issue 12: the régie de recettes number on invoice numbers (F01-…). */
  'billing.regie': '1',
  /** Issue 12: an absence is justified (not billed) when its certificate is dated within these days after it. */
  'billing.certificate_delay_days': '8',
  /** Issue 12: an invoice paid at the counter is due on this day of the month after the month billed. */
  'billing.due_day': '15',
  /** Issue 12: direct debits are taken on this day of the month after the month billed. */
  'billing.debit_day': '10',
}
