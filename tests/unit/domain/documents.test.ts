import { describe, expect, it } from 'vitest'
import {
  documentValidity,
  pieceValidity,
  refusalText,
  requiredVaccines,
  ruleOfType,
  SCHOOL_YEAR_EARLY_MONTHS,
  vaccinationValidity,
  VACCINES_BEFORE_2018,
  VACCINES_FROM_2018,
  VACCINES_FROM_2025,
  type ValidityRule,
} from '../../../src/shared/domain/documents'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES, DEFAULT_TOWN_OPTIONS } from '../../../src/shared/domain/documentDefaults'
import { TOWN_OPTION_KEYS } from '../../../src/shared/commands/town'
import { addMonths, nextSchoolYear, schoolYearBounds } from '../../../src/shared/domain/schoolYear'

const m3: ValidityRule = { kind: 'months', months: 3 }
const m1: ValidityRule = { kind: 'months', months: 1 }
const m12: ValidityRule = { kind: 'months', months: 12 }
const d15: ValidityRule = { kind: 'days', days: 15 }
const d1: ValidityRule = { kind: 'days', days: 1 }
const sy = (covers: string): ValidityRule => ({ kind: 'school_year', covers })
const until = (day: string): ValidityRule => ({ kind: 'until', day })

/** [case, rule, document date, check day, valid, until, reason (null when valid)] */
const cases: [string, ValidityRule, string, string, boolean, string | null, string | null][] = [
  // the 3-month boundary: the same day 3 months later is included, the day after is not
  ['3 mois : le jour même', m3, '2026-01-02', '2026-01-02', true, '2026-04-02', null],
  ['3 mois : le dernier jour inclus', m3, '2026-01-02', '2026-04-02', true, '2026-04-02', null],
  ['3 mois : le lendemain refusé', m3, '2026-01-02', '2026-04-03', false, '2026-04-02', "plus de 3 mois (daté du 02/01/2026, valable jusqu'au 02/04/2026)"],
  ['3 mois : la veille du dernier jour', m3, '2026-09-15', '2026-12-14', true, '2026-12-15', null],
  ['3 mois : à travers le Nouvel An', m3, '2026-10-15', '2027-01-15', true, '2027-01-15', null],
  ['3 mois : à travers le Nouvel An, le lendemain', m3, '2026-10-15', '2027-01-16', false, '2027-01-15', "plus de 3 mois (daté du 15/10/2026, valable jusqu'au 15/01/2027)"],
  ['3 mois : très ancien', m3, '2025-06-30', '2026-12-01', false, '2025-09-30', "plus de 3 mois (daté du 30/06/2025, valable jusqu'au 30/09/2025)"],
  // end of month clamping
  ['30 novembre + 3 mois → 28 février (inclus)', m3, '2026-11-30', '2027-02-28', true, '2027-02-28', null],
  ['30 novembre + 3 mois : 1er mars refusé', m3, '2026-11-30', '2027-03-01', false, '2027-02-28', "plus de 3 mois (daté du 30/11/2026, valable jusqu'au 28/02/2027)"],
  ['30 novembre 2027 + 3 mois → 29 février 2028', m3, '2027-11-30', '2028-02-29', true, '2028-02-29', null],
  ['30 novembre 2027 + 3 mois : 1er mars 2028 refusé', m3, '2027-11-30', '2028-03-01', false, '2028-02-29', "plus de 3 mois (daté du 30/11/2027, valable jusqu'au 29/02/2028)"],
  ['31 janvier + 1 mois → 28 février', m1, '2027-01-31', '2027-02-28', true, '2027-02-28', null],
  ['31 janvier + 1 mois : 1er mars refusé', m1, '2027-01-31', '2027-03-01', false, '2027-02-28', "plus d'un mois (daté du 31/01/2027, valable jusqu'au 28/02/2027)"],
  ['31 mars + 3 mois → 30 juin', m3, '2026-03-31', '2026-06-30', true, '2026-06-30', null],
  ['31 mars + 3 mois : 1er juillet refusé', m3, '2026-03-31', '2026-07-01', false, '2026-06-30', "plus de 3 mois (daté du 31/03/2026, valable jusqu'au 30/06/2026)"],
  ['31 mai + 3 mois → 31 août', m3, '2026-05-31', '2026-08-31', true, '2026-08-31', null],
  ['31 août + 3 mois → 30 novembre', m3, '2026-08-31', '2026-11-30', true, '2026-11-30', null],
  ['31 décembre + 3 mois → 31 mars', m3, '2026-12-31', '2027-03-31', true, '2027-03-31', null],
  // the leap day
  ['29 février 2028 + 3 mois → 29 mai', m3, '2028-02-29', '2028-05-29', true, '2028-05-29', null],
  ['29 février 2028 + 3 mois : 30 mai refusé', m3, '2028-02-29', '2028-05-30', false, '2028-05-29', "plus de 3 mois (daté du 29/02/2028, valable jusqu'au 29/05/2028)"],
  ['29 février 2028 + 12 mois → 28 février 2029', m12, '2028-02-29', '2029-02-28', true, '2029-02-28', null],
  ['29 février 2028 + 12 mois : 1er mars 2029 refusé', m12, '2028-02-29', '2029-03-01', false, '2029-02-28', "plus de 12 mois (daté du 29/02/2028, valable jusqu'au 28/02/2029)"],
  ['contrôlé le 29 février 2028', m3, '2027-11-29', '2028-02-29', true, '2028-02-29', null],
  ['28 février 2027 + 12 mois → 28 février 2028 (pas le 29)', m12, '2027-02-28', '2028-02-29', false, '2028-02-28', "plus de 12 mois (daté du 28/02/2027, valable jusqu'au 28/02/2028)"],
  // days
  ['15 jours : le dernier jour inclus', d15, '2026-12-01', '2026-12-16', true, '2026-12-16', null],
  ['15 jours : le lendemain refusé', d15, '2026-12-01', '2026-12-17', false, '2026-12-16', "plus de 15 jours (daté du 01/12/2026, valable jusqu'au 16/12/2026)"],
  ['15 jours à travers février bissextile', d15, '2028-02-20', '2028-03-06', true, '2028-03-06', null],
  ['1 jour : le lendemain inclus', d1, '2026-12-31', '2027-01-01', true, '2027-01-01', null],
  ['1 jour : le surlendemain refusé', d1, '2026-12-31', '2027-01-02', false, '2027-01-01', "plus d'un jour (daté du 31/12/2026, valable jusqu'au 01/01/2027)"],
  // the school year: 1 September to 31 August
  ['année scolaire : daté le 1er septembre', sy('2026-2027'), '2026-09-01', '2026-12-01', true, '2027-08-31', null],
  ['année scolaire : contrôlé le 31 août, dernier jour', sy('2026-2027'), '2026-09-01', '2027-08-31', true, '2027-08-31', null],
  ['année scolaire : contrôlé le 1er septembre suivant', sy('2026-2027'), '2026-09-01', '2027-09-01', false, '2027-08-31', "ne couvre que l'année scolaire 2026-2027 (daté du 01/09/2026, valable jusqu'au 31/08/2027)"],
  ["année scolaire : daté le 31 août de l'année d'avant (renouvellement)", sy('2026-2027'), '2026-08-31', '2026-09-01', true, '2027-08-31', null],
  ['année scolaire : daté le 1er mai avant la rentrée', sy('2026-2027'), '2026-05-01', '2026-06-15', true, '2027-08-31', null],
  ['année scolaire : daté le 30 avril, trop tôt', sy('2026-2027'), '2026-04-30', '2026-12-01', false, null, "ne couvre pas l'année scolaire 2026-2027 (daté du 30/04/2026)"],
  ["année scolaire : l'attestation de l'an dernier", sy('2026-2027'), '2025-09-15', '2026-09-10', false, null, "ne couvre pas l'année scolaire 2026-2027 (daté du 15/09/2025)"],
  ['année scolaire : pièce de 2027-2028 pour 2026-2027', sy('2026-2027'), '2027-09-02', '2027-09-03', false, null, "ne couvre pas l'année scolaire 2026-2027 (daté du 02/09/2027)"],
  ['année scolaire : contrôlé avant la rentrée', sy('2027-2028'), '2027-06-10', '2027-06-20', true, '2028-08-31', null],
  ['année scolaire : 29 février dans l’année', sy('2027-2028'), '2028-02-29', '2028-02-29', true, '2028-08-31', null],
  // a fixed end day
  ["jusqu'au : le dernier jour inclus", until('2027-08-31'), '2026-10-01', '2027-08-31', true, '2027-08-31', null],
  ["jusqu'au : le lendemain refusé", until('2027-08-31'), '2026-10-01', '2027-09-01', false, '2027-08-31', "plus valable depuis le 01/09/2027 (daté du 01/10/2026, valable jusqu'au 31/08/2027)"],
  ["jusqu'au : un 29 février", until('2028-02-29'), '2020-03-01', '2028-02-29', true, '2028-02-29', null],
  // a document dated in the future is refused, whatever the rule
  ['daté demain (3 mois)', m3, '2026-12-02', '2026-12-01', false, null, "daté du 02/12/2026, postérieur à aujourd'hui"],
  ['daté dans le futur (jours)', d15, '2026-12-03', '2026-12-01', false, null, "daté du 03/12/2026, postérieur à aujourd'hui"],
  ['daté dans le futur (année scolaire)', sy('2026-2027'), '2026-12-03', '2026-12-01', false, null, "daté du 03/12/2026, postérieur à aujourd'hui"],
  ["daté dans le futur (jusqu'au)", until('2027-08-31'), '2026-12-03', '2026-12-01', false, null, "daté du 03/12/2026, postérieur à aujourd'hui"],
]

describe('pieceValidity', () => {
  it.each(cases)('%s', (_name, rule, documentDate, checkDay, valid, untilDay, reason) => {
    expect(pieceValidity(rule, documentDate, checkDay)).toEqual({ valid, until: untilDay, reason })
  })

  it('holds at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40)
  })

  it.each([
    ['2027-02-31', '2027-03-01'],
    ['abc', '2027-03-01'],
    ['2026-01-02', '2027-02-29'],
    ['2026-1-2', '2026-12-01'],
    ['', '2026-12-01'],
  ])('refuses the impossible day %s / %s with a RangeError', (doc, check) => {
    expect(() => pieceValidity(m3, doc, check)).toThrow(RangeError)
  })

  it.each<[string, ValidityRule]>([
    ['zero months', { kind: 'months', months: 0 }],
    ['fractional months', { kind: 'months', months: 1.5 }],
    ['negative days', { kind: 'days', days: -3 }],
    ['a bad school year', { kind: 'school_year', covers: '2026-2028' }],
    ['a bad until day', { kind: 'until', day: '2027-02-29' }],
  ])('refuses a malformed rule: %s', (_n, rule) => {
    expect(() => pieceValidity(rule, '2026-10-01', '2026-12-01')).toThrow(RangeError)
  })

  it('addMonths clamps and is the same day otherwise (property over every day of 2027-2028)', () => {
    for (let day = '2027-01-01'; day <= '2028-12-31'; ) {
      for (const n of [1, 3, 12]) {
        const r = addMonths(day, n)
        const want = Math.min(Number(day.slice(8)), new Date(Date.UTC(Number(r.slice(0, 4)), Number(r.slice(5, 7)), 0)).getUTCDate())
        expect(Number(r.slice(8))).toBe(want)
        expect((Number(r.slice(0, 4)) - Number(day.slice(0, 4))) * 12 + Number(r.slice(5, 7)) - Number(day.slice(5, 7))).toBe(n)
      }
      const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
      day = next
    }
  })
})

describe('refusalText', () => {
  it('says the type, the date and the short reason', () => {
    const r = pieceValidity(m3, '2026-01-02', '2026-04-03')
    expect(refusalText('Facture EDF', '2026-01-02', r)).toBe('Facture EDF du 02/01/2026 : plus de 3 mois')
  })
  it('a future document', () => {
    const r = pieceValidity(m3, '2026-12-03', '2026-12-01')
    expect(refusalText('Quittance de loyer', '2026-12-03', r)).toBe("Quittance de loyer du 03/12/2026 : postérieur à aujourd'hui")
  })
  it('last year’s attestation', () => {
    const r = pieceValidity(sy('2026-2027'), '2025-09-15', '2026-09-10')
    expect(refusalText('Attestation d’assurance', '2025-09-15', r)).toBe("Attestation d’assurance du 15/09/2025 : ne couvre pas l'année scolaire 2026-2027")
  })
  it('is null when valid', () => {
    expect(refusalText('Facture EDF', '2026-01-02', pieceValidity(m3, '2026-01-02', '2026-01-03'))).toBeNull()
  })
})

describe('vaccinationValidity', () => {
  /** [case, birth, last vaccination, check day, valid, until, reason] */
  const vcases: [string, string, string | null, string, boolean, string | null, string | null][] = [
    // born 2017: DTPolio only, no 12–18 month step
    ['né en 2017, rappel de 11 mois fait, à 4 ans', '2017-06-10', '2018-05-10', '2021-09-01', true, '2023-12-09', null],
    // born 2018: the 11 vaccines, the 12–18 month step is required
    ['né en 2018, seulement le rappel de 11 mois, à 3 ans', '2018-06-10', '2019-05-10', '2021-09-01', false, null, 'pas à jour, il manque les vaccins de 12 à 18 mois (ROR, méningocoque) (dernière vaccination le 10/05/2019)'],
    ['né en 2018, vaccins de 18 mois faits, à 3 ans', '2018-06-10', '2019-12-10', '2021-09-01', true, '2024-12-09', null],
    ['né le 1er janvier 2018, rappel de 11 mois seulement, à 2 ans 1 jour', '2018-01-01', '2018-12-01', '2020-01-02', false, null, 'pas à jour, il manque les vaccins de 12 à 18 mois (ROR, méningocoque) (dernière vaccination le 01/12/2018)'],
    ['né le 1er janvier 2018, rappel de 11 mois seulement, la veille de ses 2 ans', '2018-01-01', '2018-12-01', '2019-12-31', true, '2019-12-31', null],
    ['né le 31 décembre 2017, rappel de 11 mois seulement, à 2 ans 1 jour', '2017-12-31', '2018-11-30', '2020-01-01', true, '2024-06-29', null],
    // the 6-year recall: due at 6, missing from 6 years 6 months
    ['6 ans et demi moins un jour, sans rappel', '2018-06-10', '2019-12-10', '2024-12-09', true, '2024-12-09', null],
    ['6 ans et demi, sans rappel', '2018-06-10', '2019-12-10', '2024-12-10', false, null, 'pas à jour, il manque le rappel DTCaPolio des 6 ans (dernière vaccination le 10/12/2019)'],
    ['rappel des 6 ans fait à 6 ans', '2018-06-10', '2024-06-10', '2026-12-01', true, '2031-12-09', null],
    ['rappel des 6 ans fait un mois avant (tolérance)', '2018-06-10', '2024-05-10', '2024-12-10', true, '2031-12-09', null],
    ['rappel fait un mois et un jour avant : ne compte pas', '2018-06-10', '2024-05-09', '2024-12-10', false, null, 'pas à jour, il manque le rappel DTCaPolio des 6 ans (dernière vaccination le 09/05/2024)'],
    ['né en 2017, sans rappel des 6 ans à 7 ans', '2017-03-01', '2018-02-01', '2024-03-01', false, null, 'pas à jour, il manque le rappel DTCaPolio des 6 ans (dernière vaccination le 01/02/2018)'],
    // the 11–13 recall: missing from 13 years 6 months
    ['né en 2015, rappel à 6 ans, à 13 ans et demi', '2015-06-10', '2021-06-10', '2028-12-10', false, null, 'pas à jour, il manque le rappel dTcaPolio de 11 à 13 ans (dernière vaccination le 10/06/2021)'],
    ['né en 2015, rappel à 6 ans, la veille de 13 ans et demi', '2015-06-10', '2021-06-10', '2028-12-09', true, '2028-12-09', null],
    ['né en 2015, rappel à 11 ans fait', '2015-06-10', '2026-06-10', '2028-12-10', true, null, null],
    // none recorded / the baby
    ['aucune vaccination à 3 ans', '2023-05-01', null, '2026-09-01', false, null, 'pas à jour, il manque les vaccins de 12 à 18 mois (ROR, méningocoque) (aucune vaccination enregistrée)'],
    ['un nourrisson de 3 mois sans vaccination', '2026-09-01', null, '2026-12-01', true, '2027-06-30', null],
    ['vaccination datée dans le futur', '2020-01-01', '2026-12-03', '2026-12-01', false, null, "daté du 03/12/2026, postérieur à aujourd'hui"],
    ['vaccination avant la naissance', '2020-01-01', '2019-12-01', '2026-12-01', false, null, 'antérieure à la naissance (daté du 01/12/2019, né le 01/01/2020)'],
  ]

  it.each(vcases)('%s', (_n, birthDate, last, checkDay, valid, untilDay, reason) => {
    const r = vaccinationValidity({ birthDate, lastVaccinationDate: last, checkDay })
    expect({ valid: r.valid, until: r.until, reason: r.reason }).toEqual({ valid, until: untilDay, reason })
  })

  it('without recalls checks the legal obligation only (18 months)', () => {
    const r = vaccinationValidity({ birthDate: '2018-06-10', lastVaccinationDate: '2019-12-10', checkDay: '2026-12-01', recalls: false })
    expect(r).toMatchObject({ valid: true, until: null })
  })

  it.each([
    ['2017-12-31', VACCINES_BEFORE_2018, 3],
    ['2018-01-01', VACCINES_FROM_2018, 11],
    ['2024-12-31', VACCINES_FROM_2018, 11],
    ['2025-01-01', VACCINES_FROM_2025, 12],
  ] as const)('born %s: the vaccines required', (birth, list, count) => {
    expect(requiredVaccines(birth)).toBe(list)
    expect(list).toHaveLength(count)
    expect(vaccinationValidity({ birthDate: birth, lastVaccinationDate: null, checkDay: '2026-12-01' }).vaccines).toBe(list)
  })

  it('refuses an impossible birth date with a RangeError', () => {
    expect(() => vaccinationValidity({ birthDate: '2019-02-29', lastVaccinationDate: null, checkDay: '2026-12-01' })).toThrow(RangeError)
  })
})

describe('ruleOfType and the shipped defaults', () => {
  it('maps each rule kind', () => {
    const t = (rule_kind: (typeof DEFAULT_DOCUMENT_TYPES)[number]['rule_kind'], rule_value: number | null, rule_day: string | null) => ({ id: 'x', rule_kind, rule_value, rule_day })
    expect(ruleOfType(t('months', 3, null), '2026-2027')).toEqual({ kind: 'months', months: 3 })
    expect(ruleOfType(t('days', 10, null), '2026-2027')).toEqual({ kind: 'days', days: 10 })
    expect(ruleOfType(t('school_year', null, null), '2026-2027')).toEqual({ kind: 'school_year', covers: '2026-2027' })
    expect(ruleOfType(t('until', null, '2027-06-30'), '2026-2027')).toEqual({ kind: 'until', day: '2027-06-30' })
    expect(ruleOfType(t('vaccinations', null, null), '2026-2027')).toBe('vaccinations')
    expect(ruleOfType(t('none', null, null), '2026-2027')).toBe('none')
    expect(() => ruleOfType(t('months', null, null), '2026-2027')).toThrow(RangeError)
    expect(() => ruleOfType(t('until', null, null), '2026-2027')).toThrow(RangeError)
  })

  it('every default type proves an existing requirement, ids are unique, labels are French', () => {
    const reqIds = new Set(DEFAULT_DOCUMENT_REQUIREMENTS.map((r) => r.id))
    expect(reqIds).toEqual(new Set(['domicile', 'identite', 'acte_naissance', 'vaccinations', 'assurance', 'quotient', 'jugement', 'hebergement', 'pai', 'radiation']))
    expect(new Set(DEFAULT_DOCUMENT_TYPES.map((t) => t.id)).size).toBe(DEFAULT_DOCUMENT_TYPES.length)
    for (const t of DEFAULT_DOCUMENT_TYPES) {
      expect(reqIds.has(t.requirement_id)).toBe(true)
      expect(() => ruleOfType(t, '2026-2027')).not.toThrow()
    }
    for (const r of DEFAULT_DOCUMENT_REQUIREMENTS) expect(DEFAULT_DOCUMENT_TYPES.some((t) => t.requirement_id === r.id && t.accepted)).toBe(true)
    expect(DEFAULT_DOCUMENT_TYPES.find((t) => t.id === 'avis_imposition_domicile')).toMatchObject({ requirement_id: 'domicile', accepted: false })
    expect(DEFAULT_TOWN_OPTIONS).toEqual({
      'dossier.incomplete_blocks_bookings': 'false',
      'documents.expiring_soon_days': '30',
      'credentials.expiry_days': '30',
      'portal.public_url': '',
      'town.logo': '',
      'bookings.override_roles': 'responsable',
      'billing.regie': '1',
      'billing.certificate_delay_days': '8',
      'billing.due_day': '15',
      'billing.debit_day': '10',
    })
    // Every shipped option can be set in the app (town.setOption), in the same order.
    expect([...TOWN_OPTION_KEYS]).toEqual(Object.keys(DEFAULT_TOWN_OPTIONS))
  })

  it('the pièce d’identité ends on its own expiry date (valid_until), the tax notice after 15 months', () => {
    const cni = DEFAULT_DOCUMENT_TYPES.find((t) => t.id === 'carte_identite')!
    const ctx = { schoolYear: '2026-2027', checkDay: '2026-12-01' }
    expect(documentValidity(cni, { document_date: '2016-12-01', valid_until: '2026-12-01' }, ctx)).toEqual({ valid: true, until: '2026-12-01', reason: null })
    expect(documentValidity(cni, { document_date: '2016-11-30', valid_until: '2026-11-30' }, ctx).valid).toBe(false)
    expect(documentValidity(cni, { document_date: '2016-11-30', valid_until: null }, ctx)).toEqual({ valid: true, until: null, reason: null })
    const avis = DEFAULT_DOCUMENT_TYPES.find((t) => t.id === 'avis_imposition')!
    expect(documentValidity(avis, { document_date: '2025-07-31', valid_until: null }, { schoolYear: '2026-2027', checkDay: '2026-10-31' }).valid).toBe(true)
    expect(documentValidity(avis, { document_date: '2025-07-31', valid_until: null }, { schoolYear: '2026-2027', checkDay: '2026-11-01' }).valid).toBe(false)
  })

  it('school-year helpers', () => {
    expect(schoolYearBounds('2027-2028')).toEqual({ start: '2027-09-01', end: '2028-08-31' })
    expect(nextSchoolYear('2026-2027')).toBe('2027-2028')
    expect(SCHOOL_YEAR_EARLY_MONTHS).toBe(4)
  })
})
