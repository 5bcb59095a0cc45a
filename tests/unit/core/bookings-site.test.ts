import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { extractText, getDocumentProxy } from 'unpdf'
import { v7 as uuidv7 } from 'uuid'
import type { SiteDay } from '@shared/contract/bookings'
import { unitSiteId } from '../../../src/shared/commands/bookings'
import { defaultCalendarRows } from '../../../src/common/calendar/zone-c-2026-2027'
import { ensureDefaultUnits } from '../../../src/main/core/demo/units'
import { AGENTS, addAgents, addFamily, count, makeCore, type TestCore } from '../../helpers/core'

/**
 * A site's day list, its PDF and the pointage (issue 10, items 4 and 6), over a real SQLite core:
 * the shipped calendar, the canteen at one school (capacity 3), five enrolled children. Bookings
 * go through reservations.book on Monday 16/11/2026 for Thursday 19/11; the clock then moves to
 * Thursday 19/11 11:00 for the pointage.
 */

const THURSDAY = '2026-11-19'
const MONDAY_9 = '2026-11-16T09:00:00+01:00'
const THURSDAY_11 = '2026-11-19T11:00:00+01:00'

let t = new Date(MONDAY_9).getTime()
const setClock = (iso: string) => {
  t = new Date(iso).getTime()
}

let core: TestCore
let session: ReturnType<TestCore['openSession']>
let siteId: string
const kids: Array<{ familyId: string; childId: string; first: string; last: string }> = []

async function login(): Promise<void> {
  session = core.openSession()
  const r = await core.call(session, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })
  expect(r.ok).toBe(true)
}

function enrol(sqlite: TestCore['sqlite'], familyId: string, childId: string): void {
  sqlite
    .prepare(`INSERT INTO inscriptions (id, family_id, child_id, unit_id, site_id, school_year, status, created_at, updated_at) VALUES (?, ?, ?, 'cantine', ?, '2026-2027', 'active', ?, ?)`)
    .run(uuidv7(), familyId, childId, siteId, '2026-06-01T08:00:00.000Z', '2026-06-01T08:00:00.000Z')
}

beforeEach(async () => {
  setClock(MONDAY_9)
  core = await makeCore({ now: () => new Date(t) })
  addAgents(core.sqlite)
  ensureDefaultUnits(core.sqlite)
  const families: Array<[string, string, string, string]> = [
    ['100001K', 'Lefèvre', 'Léa', 'CP'],
    ['100002L', 'Martin', 'Hugo', 'CE1'],
    ['100003M', 'Nguyễn', 'Đức', 'CM2'],
    ['100004N', 'Zola', 'Émile', 'CE2'],
    ['100005P', 'Abadie', 'Inès', 'CM1'],
  ]
  kids.length = 0
  for (const [code, last, first, level] of families) {
    const familyId = addFamily(core.sqlite, {
      code,
      name: last,
      members: [
        { role: 'RL1', firstNames: 'Parent', lastName: last },
        { role: 'enfant', firstNames: first, lastName: last, level },
      ],
    })
    const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ? AND role = 'enfant'`).pluck().get(familyId) as string
    kids.push({ familyId, childId, first, last })
  }
  siteId = core.sqlite.prepare('SELECT id FROM schools').pluck().get() as string
  core.sqlite.prepare(`UPDATE schools SET name = 'École Jules-Ferry' WHERE id = ?`).run(siteId)
  const insertPeriod = core.sqlite.prepare(
    `INSERT INTO calendar_periods (id, school_year, kind, label, first_day, last_day, unit_id, site_id, updated_at)
     VALUES (@id, @school_year, @kind, @label, @first_day, @last_day, @unit_id, @site_id, '2026-06-01T08:00:00.000Z')`,
  )
  for (const p of defaultCalendarRows()) insertPeriod.run(p)
  core.sqlite
    .prepare(`INSERT INTO unit_sites (id, unit_id, site_id, serves, capacity, active, updated_at) VALUES (?, 'cantine', ?, 'own_school', 3, 1, '2026-06-01T08:00:00.000Z')`)
    .run(unitSiteId('cantine', siteId), siteId)
  for (const k of kids) enrol(core.sqlite, k.familyId, k.childId)
  // Léa has a health plan (PAI).
  core.sqlite.prepare('UPDATE persons SET pai = 1 WHERE id = ?').run(kids[0]!.childId)
  await login()
  // Monday: Léa, Hugo, Đức take the three places; Émile then Inès go on the waiting list.
  for (const [i, waitlist] of [
    [0, false],
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const) {
    const k = kids[i]!
    t += 1000
    const r = await core.call(session, 'reservations', 'book', { familyId: k.familyId, childId: k.childId, unitId: 'cantine', siteId, date: THURSDAY, ...(waitlist ? { waitlist } : {}) })
    expect(r.ok, JSON.stringify(r)).toBe(true)
  }
  // Thursday 11:00: the canteen's day.
  setClock(THURSDAY_11)
  await login()
})
afterEach(() => core.cleanup())

const slot = (date = THURSDAY) => ({ unitId: 'cantine', siteId, date })
async function day(date = THURSDAY): Promise<SiteDay> {
  const r = await core.call(session, 'bookings', 'siteDay', slot(date))
  expect(r.ok, JSON.stringify(r)).toBe(true)
  return (r as { ok: true; data: SiteDay }).data
}
const reservationOf = (childId: string) =>
  core.sqlite.prepare(`SELECT * FROM reservations WHERE child_id = ? AND date = ?`).get(childId, THURSDAY) as Record<string, unknown>
const snapshot = () => ({
  reservations: core.sqlite.prepare('SELECT * FROM reservations ORDER BY id').all(),
  outbox: count(core.sqlite, 'outbox'),
})

describe('the site day list', () => {
  it('lists the children expected by name with level, family code, PAI and pending flag, and the waiting list in order', async () => {
    const d = await day()
    expect(d).toMatchObject({ unitId: 'cantine', unitLabel: 'Restauration scolaire', siteName: 'École Jules-Ferry', date: THURSDAY, capacity: 3, closedReason: null })
    expect(d.expected.map((e) => e.childName)).toEqual(['Lefèvre Léa', 'Martin Hugo', 'Nguyễn Đức'])
    expect(d.expected[0]).toMatchObject({ familyCode: '100001K', level: 'CP', pai: true, state: 'reserve', attendance: null, pending: true })
    expect(d.expected[1]).toMatchObject({ level: 'CE1', pai: false })
    expect(d.waiting.map((e) => e.childName)).toEqual(['Zola Émile', 'Abadie Inès'])
    // Once the portal confirmed (outbox sent), nothing is pending.
    core.sqlite.prepare(`UPDATE outbox SET status = 'sent'`).run()
    expect((await day()).expected.every((e) => !e.pending)).toBe(true)
  })

  it('moves the first family waiting onto the list once a freed place is given to it', async () => {
    core.sqlite.prepare(`UPDATE unit_sites SET capacity = 4`).run()
    const before = await day()
    expect(before.capacity).toBe(4)
    const r = await core.call(session, 'bookings', 'promote', { reservationId: before.waiting[0]!.reservationId })
    expect(r.ok, JSON.stringify(r)).toBe(true)
    const after = await day()
    expect(after.expected.map((e) => e.childName)).toEqual(['Lefèvre Léa', 'Martin Hugo', 'Nguyễn Đức', 'Zola Émile'])
    expect(after.waiting.map((e) => e.childName)).toEqual(['Abadie Inès'])
    // The last one booked is listed by name, first: the list is alphabetical, not in booking order.
    core.sqlite.prepare(`UPDATE unit_sites SET capacity = 5`).run()
    expect(await core.call(session, 'bookings', 'promote', { reservationId: after.waiting[0]!.reservationId })).toMatchObject({ ok: true })
    const all = await day()
    expect(all.expected.map((e) => e.childName)).toEqual(['Abadie Inès', 'Lefèvre Léa', 'Martin Hugo', 'Nguyễn Đức', 'Zola Émile'])
    expect(all.waiting).toEqual([])
  })

  it('says why the service does not run: a Saturday, a holiday, a site that does not run it', async () => {
    const sat = await day('2026-11-21')
    expect(sat.closedReason).toContain('pas de Restauration scolaire le samedi 21/11')
    expect(sat.expected).toEqual([])
    expect((await day('2026-12-25')).closedReason).toContain('Noël')
    const other = uuidv7()
    core.sqlite.prepare(`INSERT INTO schools (id, name, kind, address) VALUES (?, 'École maternelle Les Tilleuls', 'maternelle', '2 rue')`).run(other)
    const r = await core.call(session, 'bookings', 'siteDay', { unitId: 'cantine', siteId: other, date: THURSDAY })
    expect(r).toMatchObject({ ok: true, data: { closedReason: 'Restauration scolaire n’a pas lieu à École maternelle Les Tilleuls.' } })
  })

  it('refuses an unknown service or site', async () => {
    expect(await core.call(session, 'bookings', 'siteDay', { unitId: 'piscine', siteId, date: THURSDAY })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await core.call(session, 'bookings', 'siteDay', { unitId: 'cantine', siteId: uuidv7(), date: THURSDAY })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })
})

describe('the site day list as a PDF', () => {
  const text = async (base64: string) => {
    const pdf = await getDocumentProxy(new Uint8Array(Buffer.from(base64, 'base64')))
    const { totalPages, text } = await extractText(pdf, { mergePages: false })
    return { pages: totalPages, text: (text as string[]).map((s) => s.replace(/\s+/g, ' ')).join(' ') }
  }

  it('prints the title, the children, the PAI marker, the totals, the waiting list and the print date', async () => {
    const r = await core.call(session, 'bookings', 'siteDayPdf', slot())
    expect(r.ok, JSON.stringify(r)).toBe(true)
    const data = (r as { ok: true; data: { pdfBase64: string; fileName: string } }).data
    expect(data.fileName).toBe(`liste-cantine-ecole-jules-ferry-${THURSDAY}.pdf`)
    const { pages, text: all } = await text(data.pdfBase64)
    expect(pages).toBe(1)
    expect(all).toContain('Restauration scolaire — École Jules-Ferry — jeudi 19 novembre 2026')
    for (const name of ['Lefèvre Léa', 'Martin Hugo', 'Nguyễn Đức', '100001K']) expect(all).toContain(name)
    expect(all).toContain('PAI')
    expect(all).toContain('3 enfants attendus')
    expect(all).toContain('capacité : 3')
    expect(all).toContain('Liste d’attente (2)')
    expect(all.indexOf('Zola Émile')).toBeLessThan(all.indexOf('Abadie Inès'))
    expect(all).toContain('imprimé le 19/11/2026 à 11:00')
  })

  it('runs over several pages when the list is long, header repeated', async () => {
    core.sqlite.prepare(`UPDATE unit_sites SET capacity = 200`).run()
    const insert = core.sqlite.prepare(
      `INSERT INTO reservations (id, family_id, child_id, unit_id, site_id, date, state, channel, created_at, updated_at) VALUES (?, ?, ?, 'cantine', ?, ?, 'reserve', 'guichet', ?, ?)`,
    )
    for (let i = 0; i < 70; i++) {
      const familyId = addFamily(core.sqlite, {
        code: `2${String(i).padStart(5, '0')}X`,
        name: `Famille ${i}`,
        members: [{ role: 'enfant', firstNames: `Enfant${String(i).padStart(2, '0')}`, lastName: 'Durand', level: 'CE2' }],
      }, { index: false })
      const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ?`).pluck().get(familyId) as string
      insert.run(uuidv7(), familyId, childId, siteId, THURSDAY, '2026-11-10T08:00:00.000Z', '2026-11-10T08:00:00.000Z')
    }
    const r = await core.call(session, 'bookings', 'siteDayPdf', slot())
    const { pages, text: all } = await text((r as { ok: true; data: { pdfBase64: string } }).data.pdfBase64)
    expect(pages).toBeGreaterThan(1)
    expect(all).toContain('Durand Enfant69')
    expect(all).toContain('73 enfants attendus')
    expect(all).toContain('(suite)')
    expect(all).toContain(`Page ${pages} / ${pages}`)
  })

  it('prints the closed day’s reason', async () => {
    const r = await core.call(session, 'bookings', 'siteDayPdf', slot('2026-11-21'))
    const { text: all } = await text((r as { ok: true; data: { pdfBase64: string } }).data.pdfBase64)
    expect(all).toContain('samedi 21 novembre 2026')
    expect(all).toContain('pas de Restauration scolaire le samedi 21/11')
  })
})

describe('pointage', () => {
  const attend = (input: Record<string, unknown>) => core.call(session, 'bookings', 'attend', { unitId: 'cantine', siteId, date: THURSDAY, ...input })

  it('records présent, absent justifié with the certificate date, absent injustifié, each through the shared fact', async () => {
    const [lea, hugo, duc] = kids
    const before = count(core.sqlite, 'outbox')
    const id = (k: (typeof kids)[number]) => String(reservationOf(k.childId).id)
    const r1 = await attend({ reservationId: id(lea!), attendance: 'present' })
    expect(r1.ok, JSON.stringify(r1)).toBe(true)
    expect((r1 as { ok: true; data: SiteDay }).data.expected[0]).toMatchObject({ childName: 'Lefèvre Léa', attendance: 'present', pending: true })
    expect(await attend({ reservationId: id(hugo!), attendance: 'absent_justifie', certificateDate: '2026-11-18' })).toMatchObject({ ok: true })
    expect(await attend({ reservationId: id(duc!), attendance: 'absent_injustifie', certificateDate: '2026-11-18' })).toMatchObject({ ok: true })
    expect(reservationOf(lea!.childId)).toMatchObject({ state: 'reserve', attendance: 'present', absence_certificate_date: null, attendance_at: new Date(THURSDAY_11).toISOString() })
    expect(reservationOf(hugo!.childId)).toMatchObject({ attendance: 'absent_justifie', absence_certificate_date: '2026-11-18' })
    // The certificate date only goes with a justified absence.
    expect(reservationOf(duc!.childId)).toMatchObject({ attendance: 'absent_injustifie', absence_certificate_date: null })
    const sent = core.sqlite.prepare(`SELECT name, payload FROM outbox ORDER BY seq`).all().slice(before) as Array<{ name: string; payload: string }>
    expect(sent.map((o) => o.name)).toEqual(['reservations.attend', 'reservations.attend', 'reservations.attend'])
    expect(JSON.parse(sent[0]!.payload)).toMatchObject({ id: id(lea!), familyId: lea!.familyId, childId: lea!.childId, attendance: 'present', certificateDate: null })
    // A correction replaces the mark.
    expect(await attend({ reservationId: id(lea!), attendance: 'absent_injustifie' })).toMatchObject({ ok: true })
    expect(reservationOf(lea!.childId)).toMatchObject({ attendance: 'absent_injustifie' })
    expect(count(core.sqlite, 'journal', `action = 'bookings.attend' AND entity = 'reservation'`)).toBe(4)
  })

  it('records a child present without a booking (a new row, on the list), once', async () => {
    const other = addFamily(core.sqlite, {
      code: '100009T',
      name: 'Petit',
      members: [{ role: 'enfant', firstNames: 'Jules', lastName: 'Petit', level: 'CP' }],
    })
    const childId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ?`).pluck().get(other) as string
    const r = await attend({ familyId: other, childId, attendance: 'present' })
    expect(r.ok, JSON.stringify(r)).toBe(true)
    const d = (r as { ok: true; data: SiteDay }).data
    expect(d.expected.map((e) => e.childName)).toContain('Petit Jules')
    expect(d.expected.find((e) => e.childName === 'Petit Jules')).toMatchObject({ state: 'sans_reservation', attendance: 'present', familyCode: '100009T' })
    const row = core.sqlite.prepare(`SELECT id, state FROM reservations WHERE child_id = ?`).get(childId) as { id: string; state: string }
    expect(row.state).toBe('sans_reservation')
    const last = core.sqlite.prepare(`SELECT name, payload FROM outbox ORDER BY seq DESC LIMIT 1`).get() as { name: string; payload: string }
    expect(last.name).toBe('reservations.attend')
    expect(JSON.parse(last.payload).id).toBe(row.id)
    // Twice: refused, the child is on the list already. A booked child: point the booking instead.
    const before = snapshot()
    expect(await attend({ familyId: other, childId, attendance: 'present' })).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'ALREADY_ON_LIST' } } })
    expect(await attend({ familyId: kids[0]!.familyId, childId: kids[0]!.childId, attendance: 'present' })).toMatchObject({ ok: false, error: { details: { rule: 'ALREADY_ON_LIST' } } })
    // Absent without a booking makes no sense; a child of another family neither.
    expect(await attend({ familyId: other, childId: kids[4]!.childId, attendance: 'present' })).toMatchObject({ ok: false, error: { details: { rule: 'NOT_A_CHILD_OF_FAMILY' } } })
    expect(snapshot()).toEqual(before)
  })

  it('refuses a day to come, a missing or future certificate date, a waiting or mismatched row, with nothing written', async () => {
    const lea = String(reservationOf(kids[0]!.childId).id)
    const emile = String(reservationOf(kids[3]!.childId).id)
    const before = snapshot()
    const future = await attend({ reservationId: lea, date: '2026-11-20', attendance: 'present' })
    expect(future).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'ATTENDANCE_IN_FUTURE' } } })
    if (!future.ok) expect(future.error.details?.reason).toContain('20/11/2026 n’est pas encore passé')
    expect(await attend({ familyId: kids[0]!.familyId, childId: kids[0]!.childId, date: '2026-11-20', attendance: 'present' })).toMatchObject({
      ok: false,
      error: { details: { rule: 'ATTENDANCE_IN_FUTURE' } },
    })
    const noCert = await attend({ reservationId: lea, attendance: 'absent_justifie' })
    expect(noCert).toMatchObject({ ok: false, error: { details: { rule: 'CERTIFICATE_DATE_REQUIRED', reason: 'Absence justifiée : indiquez la date du certificat médical.' } } })
    expect(await attend({ reservationId: lea, attendance: 'absent_justifie', certificateDate: '2026-11-25' })).toMatchObject({ ok: false, error: { details: { rule: 'CERTIFICATE_IN_FUTURE' } } })
    expect(await attend({ reservationId: emile, attendance: 'present' })).toMatchObject({ ok: false, error: { details: { rule: 'WAITING' } } })
    expect(await attend({ reservationId: lea, date: '2026-11-17', attendance: 'present' })).toMatchObject({ ok: false, error: { details: { rule: 'ATTENDANCE_MISMATCH' } } })
    expect(await attend({ attendance: 'present' })).toMatchObject({ ok: false, error: { details: { rule: 'CHILD_REQUIRED' } } })
    expect(snapshot()).toEqual(before)
  })

  it('refuses hostile input at the boundary (NUL, lone surrogate, 31 February, unknown reservation, extra keys) with nothing written', async () => {
    const lea = String(reservationOf(kids[0]!.childId).id)
    const before = snapshot()
    const journal = count(core.sqlite, 'journal')
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ reservationId: lea, unitId: 'cantine\u0000', attendance: 'present' }, 'INVALID_INPUT'],
      [{ reservationId: lea, unitId: 'cant\uD800ine', attendance: 'present' }, 'INVALID_INPUT'],
      [{ reservationId: lea, date: '2026-02-31', attendance: 'present' }, 'INVALID_INPUT'],
      [{ reservationId: lea, attendance: 'absent_justifie', certificateDate: '2026-02-31' }, 'INVALID_INPUT'],
      [{ reservationId: lea, attendance: 'malade' }, 'INVALID_INPUT'],
      [{ reservationId: 'pas-un-uuid', attendance: 'present' }, 'INVALID_INPUT'],
      [{ reservationId: lea, attendance: 'present', state: 'reserve' }, 'INVALID_INPUT'],
      [{ reservationId: uuidv7(), attendance: 'present' }, 'NOT_FOUND'],
    ]
    for (const [input, code] of cases) {
      const r = await attend(input)
      expect(r, JSON.stringify(input)).toMatchObject({ ok: false, error: { code } })
    }
    for (const bad of [{ date: '2026-02-31' }, { unitId: 'cantine\u0000' }, { siteId: `${siteId}\uDC00` }]) {
      expect(await core.call(session, 'bookings', 'siteDay', { ...slot(), ...bad })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      expect(await core.call(session, 'bookings', 'siteDayPdf', { ...slot(), ...bad })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(snapshot()).toEqual(before)
    // Refusals are journaled as refused, never as a pointage.
    expect(count(core.sqlite, 'journal', `action = 'bookings.attend' AND outcome = 'ok'`)).toBe(0)
    expect(count(core.sqlite, 'journal')).toBeGreaterThanOrEqual(journal)
  })

  it('points a booking on the list of the day before (a late entry is allowed, the day is past)', async () => {
    setClock('2026-11-20T08:00:00+01:00')
    await login()
    const lea = String(reservationOf(kids[0]!.childId).id)
    const r = await attend({ reservationId: lea, attendance: 'present' })
    expect(r.ok, JSON.stringify(r)).toBe(true)
    expect((r as { ok: true; data: SiteDay }).data.expected.find((e) => e.reservationId === lea)).toMatchObject({ attendance: 'present' })
  })
})
