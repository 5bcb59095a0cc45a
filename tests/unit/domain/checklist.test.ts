import { describe, expect, it } from 'vitest'
import { checklist, dossierStatus, neededFor, type ChecklistInput, type ChecklistItem, type DocumentRow } from '../../../src/shared/domain/documents'
import { DEFAULT_DOCUMENT_REQUIREMENTS, DEFAULT_DOCUMENT_TYPES } from '../../../src/shared/domain/documentDefaults'

const YEAR = '2026-2027'
const TODAY = '2026-09-10'

let seq = 0
/** A documents row as the core stores it; checked (and created) on `checked` (default: today), in order of creation. */
function doc(family_id: string, person_id: string | null, requirement_id: string, type_id: string, document_date: string, extra: Partial<DocumentRow> & { checked?: string } = {}): DocumentRow {
  seq += 1
  const { checked, ...rest } = extra
  const at = `${checked ?? TODAY}T08:${String(seq).padStart(2, '0')}:00.000Z`
  return {
    id: `doc-${seq}`,
    family_id,
    person_id,
    requirement_id,
    type_id,
    document_date,
    valid_until: null,
    status: 'validee',
    refusal_reason: null,
    storage: 'vu',
    scan_sha256: null,
    scan_mime: null,
    scan_size: null,
    scan_name: null,
    school_year: YEAR,
    checked_by: 'agent-1',
    checked_at: at,
    workstation_id: 'ws-1',
    created_at: at,
    updated_at: at,
    ...rest,
  }
}

const marie = { id: 'g-marie', name: 'Marie Lefèvre' }
const paul = { id: 'g-paul', name: 'Paul Martin' }
const lea = { id: 'c-lea', name: 'Léa', birth_date: '2019-03-14', pai: true }
const hugo = { id: 'c-hugo', name: 'Hugo', birth_date: '2021-05-02', pai: false, situations: ['new_school'] as const }

/** Family A: separated parents, two children (Léa has a PAI, Hugo comes from another school), first enrolment. */
function familyA(documents: DocumentRow[]): ChecklistInput {
  return {
    familyId: 'fam-a',
    requirements: DEFAULT_DOCUMENT_REQUIREMENTS,
    types: DEFAULT_DOCUMENT_TYPES,
    situations: ['school', 'periscolaire', 'resident', 'tariff', 'first_enrolment', 'separated'],
    guardians: [marie, paul],
    children: [lea, hugo],
    documents,
    schoolYear: YEAR,
    checkDay: TODAY,
  }
}

const byKey = (items: ChecklistItem[]) => Object.fromEntries(items.map((i) => [i.key, i]))
const summary = (items: ChecklistItem[]) => items.map((i) => [i.label, i.state, i.until, i.reason])

describe('checklist: two children, separated parents', () => {
  const docs = [
    doc('fam-a', null, 'domicile', 'avis_imposition_domicile', '2026-08-28'),
    doc('fam-a', null, 'domicile', 'facture_energie', '2026-06-20'),
    doc('fam-a', marie.id, 'identite', 'carte_identite', '2020-01-02', { valid_until: '2030-01-01' }),
    doc('fam-a', lea.id, 'acte_naissance', 'livret_famille', '2012-07-07'),
    doc('fam-a', hugo.id, 'acte_naissance', 'acte_naissance', '2026-01-02'),
    doc('fam-a', lea.id, 'vaccinations', 'carnet_vaccination', '2025-03-20'),
    doc('fam-a', hugo.id, 'vaccinations', 'carnet_vaccination', '2022-09-01'),
    doc('fam-a', lea.id, 'assurance', 'attestation_assurance', '2026-08-25'),
    doc('fam-a', hugo.id, 'assurance', 'attestation_assurance', '2025-09-05', { school_year: '2025-2026', checked: '2025-09-06' }),
    doc('fam-a', null, 'quotient', 'attestation_caf', '2026-09-01', { status: 'refusee', refusal_reason: 'attestation illisible' }),
    doc('fam-a', null, 'jugement', 'jugement', '2024-02-12'),
    doc('fam-a', lea.id, 'pai', 'pai', '2026-07-03'),
  ]
  const items = checklist(familyA(docs))

  it('lists one item per required piece and person, in the requirements’ order, with its state', () => {
    expect(summary(items)).toEqual([
      ['Justificatif de domicile', 'expiring', '2026-09-20', null],
      ["Pièce d'identité — Marie Lefèvre", 'valid', '2030-01-01', null],
      ["Pièce d'identité — Paul Martin", 'missing', null, null],
      ['Acte de naissance ou livret de famille — Léa', 'valid', null, null],
      ['Acte de naissance ou livret de famille — Hugo', 'refused', null, "Extrait d'acte de naissance du 02/01/2026 : plus de 3 mois"],
      ['Carnet de vaccination — Léa', 'valid', '2032-09-13', null],
      ['Carnet de vaccination — Hugo', 'valid', '2027-11-01', null],
      ["Attestation d'assurance scolaire et extrascolaire — Léa", 'valid', '2027-08-31', null],
      [
        "Attestation d'assurance scolaire et extrascolaire — Hugo",
        'missing',
        null,
        "Attestation d'assurance scolaire et extrascolaire du 05/09/2025 : ne couvre pas l'année scolaire 2026-2027",
      ],
      ['Justificatif du quotient familial', 'refused', null, 'Attestation de quotient familial CAF du 01/09/2026 : attestation illisible'],
      ['Jugement ou accord sur la garde', 'valid', null, null],
      ["Projet d'accueil individualisé (PAI) — Léa", 'valid', '2027-08-31', null],
      ['Certificat de radiation — Hugo', 'missing', null, null],
    ])
  })

  it('a valid piece is not hidden by a refused kind recorded before it; the item names the document used', () => {
    const domicile = byKey(items)['domicile:famille']!
    expect(domicile.document?.type_id).toBe('facture_energie')
    expect(domicile.type?.label).toBe("Facture d'électricité, de gaz ou d'eau")
    expect(domicile.person_id).toBeNull()
    expect(byKey(items)['vaccinations:c-lea']!.person_id).toBe('c-lea')
  })

  it('no PAI item for Hugo, no radiation for Léa, no hébergement for a family that is not hosted', () => {
    const keys = items.map((i) => i.key)
    expect(keys).not.toContain('pai:c-hugo')
    expect(keys).not.toContain('radiation:c-lea')
    expect(keys.some((k) => k.startsWith('hebergement'))).toBe(false)
  })

  it('the dossier is incomplet (the missing ID, the refused acte, the missing insurance and radiation), not for the optional QF', () => {
    expect(dossierStatus(items)).toBe('incomplet')
    const blocking = items.filter((i) => i.mandatory && i.state !== 'valid' && i.state !== 'expiring').map((i) => i.key)
    expect(blocking).toEqual(['identite:g-paul', 'acte_naissance:c-hugo', 'assurance:c-hugo', 'radiation:c-hugo'])
  })

  it('becomes complet once those pieces are provided (the optional QF may stay refused)', () => {
    const more = [
      ...docs,
      doc('fam-a', paul.id, 'identite', 'passeport', '2022-05-05', { valid_until: '2032-05-04' }),
      doc('fam-a', hugo.id, 'acte_naissance', 'acte_naissance', '2026-08-30'),
      doc('fam-a', hugo.id, 'assurance', 'attestation_assurance', '2026-09-02'),
      doc('fam-a', hugo.id, 'radiation', 'certificat_radiation', '2026-07-01'),
    ]
    const done = checklist(familyA(more))
    expect(dossierStatus(done)).toBe('complet')
    expect(byKey(done)['acte_naissance:c-hugo']).toMatchObject({ state: 'valid', until: '2026-11-30' })
    expect(byKey(done)['quotient:famille']!.state).toBe('refused')
  })
})

describe('checklist: states', () => {
  it('a refused kind alone is refused, with the reason', () => {
    const items = checklist(familyA([doc('fam-a', null, 'domicile', 'avis_imposition_domicile', '2026-08-28')]))
    expect(byKey(items)['domicile:famille']).toMatchObject({
      state: 'refused',
      reason: "Avis d'imposition : n'est pas accepté comme justificatif de domicile",
    })
  })

  it('an old proof of address is refused with the French reason', () => {
    const items = checklist(familyA([doc('fam-a', null, 'domicile', 'facture_energie', '2026-01-02')]))
    expect(byKey(items)['domicile:famille']).toMatchObject({
      state: 'refused',
      until: null,
      reason: "Facture d'électricité, de gaz ou d'eau du 02/01/2026 : plus de 3 mois",
    })
  })

  it('expiring soon: within 30 days by default, inclusive; the town may say 7', () => {
    const d = doc('fam-a', null, 'domicile', 'facture_energie', '2026-07-10') // until 2026-10-10, 30 days after TODAY
    expect(byKey(checklist(familyA([d])))['domicile:famille']).toMatchObject({ state: 'expiring', until: '2026-10-10' })
    const later = doc('fam-a', null, 'domicile', 'facture_energie', '2026-07-11') // 31 days
    expect(byKey(checklist(familyA([later])))['domicile:famille']).toMatchObject({ state: 'valid', until: '2026-10-11' })
    expect(byKey(checklist({ ...familyA([d]), expiringSoonDays: 7 }))['domicile:famille']!.state).toBe('valid')
  })

  it('a piece valid when checked that has expired since is missing again, and says why', () => {
    const d = doc('fam-a', null, 'domicile', 'quittance_loyer', '2026-05-20', { checked: '2026-06-01' })
    expect(byKey(checklist(familyA([d])))['domicile:famille']).toMatchObject({
      state: 'missing',
      until: null,
      reason: 'Quittance de loyer du 20/05/2026 : plus de 3 mois',
      document: d,
    })
  })

  it('a document dated in the future is refused', () => {
    const items = checklist(familyA([doc('fam-a', null, 'domicile', 'facture_telecom', '2026-09-11')]))
    expect(byKey(items)['domicile:famille']).toMatchObject({ state: 'refused', reason: "Facture de téléphone ou d'internet du 11/09/2026 : postérieur à aujourd'hui" })
  })

  it('vaccinations not up to date are refused with the missing step', () => {
    const items = checklist(familyA([doc('fam-a', lea.id, 'vaccinations', 'carnet_vaccination', '2020-04-01')]))
    expect(byKey(items)['vaccinations:c-lea']).toMatchObject({
      state: 'refused',
      reason: 'Carnet de santé (pages des vaccinations) du 01/04/2020 : pas à jour, il manque le rappel DTCaPolio des 6 ans',
    })
  })

  it('of several valid pieces the latest ruling wins; of several refused, the last recorded says why', () => {
    const j1 = doc('fam-a', null, 'jugement', 'jugement', '2023-01-10')
    const j2 = doc('fam-a', null, 'jugement', 'jugement', '2025-06-30')
    const j0 = doc('fam-a', null, 'jugement', 'accord_parent', '2022-01-01')
    expect(byKey(checklist(familyA([j1, j2, j0])))['jugement:famille']!.document).toBe(j2)
    const r1 = doc('fam-a', null, 'domicile', 'facture_energie', '2026-01-02')
    const r2 = doc('fam-a', null, 'domicile', 'avis_imposition_domicile', '2026-08-28')
    expect(byKey(checklist(familyA([r1, r2])))['domicile:famille']!.document).toBe(r2)
    expect(byKey(checklist(familyA([r2, doc('fam-a', null, 'domicile', 'facture_energie', '2026-01-03')])))['domicile:famille']!.reason).toBe(
      "Facture d'électricité, de gaz ou d'eau du 03/01/2026 : plus de 3 mois",
    )
  })

  it('an agent refusal wins over the rule, and has a default wording', () => {
    const d = doc('fam-a', null, 'domicile', 'facture_energie', '2026-08-20', { status: 'refusee', refusal_reason: null })
    expect(byKey(checklist(familyA([d])))['domicile:famille']).toMatchObject({ state: 'refused', reason: "Facture d'électricité, de gaz ou d'eau du 20/08/2026 : refusée au guichet" })
  })

  it('an inactive requirement is not asked', () => {
    const requirements = DEFAULT_DOCUMENT_REQUIREMENTS.map((r) => (r.id === 'radiation' ? { ...r, active: false } : r))
    expect(checklist({ ...familyA([]), requirements }).some((i) => i.requirement_id === 'radiation')).toBe(false)
  })
})

describe('checklist: other families', () => {
  it('a hosted family needs the attestation d’hébergement; no ID without first enrolment, no jugement without separation', () => {
    const input: ChecklistInput = {
      ...familyA([doc('fam-h', null, 'hebergement', 'attestation_hebergement', '2026-08-01')]),
      familyId: 'fam-h',
      situations: ['school', 'hosted'],
      guardians: [marie],
      children: [{ ...lea, pai: false }],
    }
    const items = checklist(input)
    expect(items.map((i) => i.key)).toEqual(['domicile:famille', 'acte_naissance:c-lea', 'vaccinations:c-lea', 'hebergement:famille'])
    expect(byKey(items)['hebergement:famille']).toMatchObject({ label: "Attestation d'hébergement", state: 'valid', until: '2026-11-01' })
  })

  it('a PAI child needs the PAI even in a periscolaire-only family', () => {
    const input: ChecklistInput = { ...familyA([]), situations: ['periscolaire'], guardians: [marie], children: [lea, hugo] }
    expect(checklist(input).map((i) => i.key)).toEqual([
      'vaccinations:c-lea',
      'vaccinations:c-hugo',
      'assurance:c-lea',
      'assurance:c-hugo',
      'pai:c-lea',
      'radiation:c-hugo',
    ])
  })

  it('shared custody: the child’s pieces serve the second family, the first family’s proof of address does not', () => {
    const docs = [
      doc('fam-a', null, 'domicile', 'facture_energie', '2026-08-20'),
      doc('fam-a', lea.id, 'vaccinations', 'carnet_vaccination', '2025-03-20'),
      doc('fam-a', lea.id, 'pai', 'pai', '2026-07-03'),
    ]
    const famB: ChecklistInput = { ...familyA(docs), familyId: 'fam-b', situations: ['school', 'periscolaire', 'resident', 'separated'], guardians: [paul], children: [lea] }
    const items = byKey(checklist(famB))
    expect(items['domicile:famille']).toMatchObject({ state: 'missing', document: null })
    expect(items['vaccinations:c-lea']).toMatchObject({ state: 'valid', label: 'Carnet de vaccination — Léa' })
    expect(items['pai:c-lea']!.state).toBe('valid')
    expect(items['jugement:famille']!.state).toBe('missing')
    // and family A sees its own proof of address
    expect(byKey(checklist(familyA(docs)))['domicile:famille']!.state).toBe('valid')
  })

  it('renewal for next year: last year’s school-year pieces are missing, livret and vaccinations carry over', () => {
    const docs = [
      doc('fam-a', lea.id, 'assurance', 'attestation_assurance', '2026-08-25'),
      doc('fam-a', lea.id, 'acte_naissance', 'livret_famille', '2012-07-07'),
      doc('fam-a', lea.id, 'vaccinations', 'carnet_vaccination', '2025-03-20'),
    ]
    const items = byKey(checklist({ ...familyA(docs), schoolYear: '2027-2028', checkDay: '2027-06-15' }))
    expect(items['assurance:c-lea']).toMatchObject({ state: 'missing', reason: "Attestation d'assurance scolaire et extrascolaire du 25/08/2026 : ne couvre pas l'année scolaire 2027-2028" })
    expect(items['acte_naissance:c-lea']!.state).toBe('valid')
    expect(items['vaccinations:c-lea']!.state).toBe('valid')
  })
})

describe('dossierStatus and neededFor', () => {
  it('complet when every mandatory item is valid or expiring', () => {
    expect(dossierStatus([])).toBe('complet')
    expect(dossierStatus([{ mandatory: true, state: 'expiring' }, { mandatory: false, state: 'missing' }])).toBe('complet')
    expect(dossierStatus([{ mandatory: true, state: 'valid' }, { mandatory: true, state: 'refused' }])).toBe('incomplet')
    expect(dossierStatus([{ mandatory: true, state: 'missing' }])).toBe('incomplet')
  })
  it('reads the comma list, ignoring blanks and unknown words', () => {
    expect(neededFor({ needed_for: 'school, resident,,bogus' })).toEqual(['school', 'resident'])
  })
})
