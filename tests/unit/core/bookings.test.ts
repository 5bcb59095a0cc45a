import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import type Database from 'better-sqlite3'
import { expandMonthGrid, type BulkResult, type MonthGrid, type MonthGridWire, type ReservationView, type WaitingList } from '@shared/contract'
import { unitSiteId } from '@shared/commands/bookings'
import { defaultCalendarRows } from '../../../src/common/calendar/zone-c-2026-2027'
import { AGENTS, addFamily, bookingCore, count, type TestCore } from '../../helpers/core'

/**
 * Bookings under the town's rules at the counter (issue 10), over a real SQLite core at the
 * tests' instant (Monday 16 November 2026, 9:00 in Paris). The demo rules: the canteen books
 * until two working days before at 10:00 and cancels until the Thursday of the week before at
 * 23:59; the Wednesday centre runs on Wednesdays only; the holiday centre never cancels.
 */

let core: TestCore
let session: ReturnType<TestCore['openSession']>
let familyId: string
let childId: string
let siteId: string

/** The town data the rules need, written into the real database: calendar, sites, the child's enrolments. */
function prepareTown(sqlite: Database.Database, site: string, child: string, units: string[]): void {
  const at = '2026-09-01T08:00:00.000Z'
  const period = sqlite.prepare(
    `INSERT OR IGNORE INTO calendar_periods (id, school_year, kind, label, first_day, last_day, unit_id, site_id, updated_at)
     VALUES (@id, @school_year, @kind, @label, @first_day, @last_day, @unit_id, @site_id, '${at}')`,
  )
  for (const r of defaultCalendarRows()) period.run(r)
  const unitSite = sqlite.prepare(
    `INSERT OR IGNORE INTO unit_sites (id, unit_id, site_id, serves, capacity, active, updated_at) VALUES (?, ?, ?, ?, ?, 1, '${at}')`,
  )
  for (const u of ['garderie_matin', 'cantine', 'etude', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances']) {
    unitSite.run(unitSiteId(u, site), u, site, u.startsWith('alsh') ? 'tous' : 'own_school', 30)
  }
  enrol(sqlite, child, site, units)
}

function enrol(sqlite: Database.Database, child: string, site: string, units: string[]): void {
  const family = sqlite.prepare(`SELECT family_id FROM family_members WHERE person_id = ?`).pluck().get(child) as string
  for (const u of units) {
    sqlite
      .prepare(
        `INSERT INTO inscriptions (id, family_id, child_id, unit_id, site_id, school_year, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, '2026-2027', 'active', '2026-09-01T08:00:00.000Z', '2026-09-01T08:00:00.000Z')`,
      )
      .run(uuidv7(), family, child, u, site)
  }
}

beforeEach(async () => {
  ;({ core, session, familyId, childId, siteId } = await bookingCore('accueil'))
  prepareTown(core.sqlite, siteId, childId, ['cantine', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances'])
})
afterEach(() => core.cleanup())

const book = (date: string, unitId = 'cantine', extra: Record<string, unknown> = {}, s = session) =>
  core.call(s, 'reservations', 'book', { familyId, childId, unitId, siteId, date, ...extra })
const rule = (r: Awaited<ReturnType<typeof book>>) => (r.ok ? 'OK' : r.error.details?.rule ?? r.error.code)
const reason = (r: Awaited<ReturnType<typeof book>>) => (r.ok ? '' : (r.error.details?.reason ?? r.error.message))
function dataOf<T>(r: { ok: boolean }): T {
  if (!r.ok) throw new Error(JSON.stringify(r))
  return (r as unknown as { data: T }).data
}
const listOf = (r: { ok: boolean; data?: unknown }) => (r.data as { reservations: ReservationView[] }).reservations

async function grid(month = '2026-11', s = session): Promise<MonthGrid> {
  const r = await core.call(s, 'bookings', 'grid', { familyId, month })
  if (!r.ok) throw new Error(JSON.stringify(r.error))
  return expandMonthGrid(r.data as MonthGridWire)
}
const cell = (g: MonthGrid, unitId: string, date: string) => g.children[0]!.rows.find((row) => row.unitId === unitId)!.cells.find((c) => c.date === date)!

/** The per-slot counters the triggers keep (migration 0009) agree with the bookings themselves. */
function expectCountersInStep(): void {
  const counted = core.sqlite
    .prepare(`SELECT unit_id, site_id, date, COUNT(*) AS n FROM reservations WHERE state = 'reserve' GROUP BY unit_id, site_id, date ORDER BY 1, 2, 3`)
    .all()
  const kept = core.sqlite.prepare(`SELECT unit_id, site_id, date, booked AS n FROM slot_counts WHERE booked > 0 ORDER BY 1, 2, 3`).all()
  expect(kept).toEqual(counted)
  expect(count(core.sqlite, 'slot_counts', 'booked < 0')).toBe(0)
}

async function responsable() {
  const s = core.openSession()
  await core.call(s, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })
  return s
}

describe('the month grid', () => {
  it('says for each day what a booking would meet: deadline, calendar, past, bookable', async () => {
    const g = await grid()
    expect(g.days).toHaveLength(30)
    expect(g.days[15]).toEqual({ date: '2026-11-16', weekday: 1 })
    expect(g.canOverride).toBe(false)
    const child = g.children[0]!
    expect(child.rows.map((r) => r.unitId)).toEqual(['cantine', 'garderie_soir', 'alsh_mercredi', 'alsh_vacances'])
    // Today, Monday: the canteen closed on Thursday 12 at 10:00 (two working days before).
    expect(cell(g, 'cantine', '2026-11-16')).toMatchObject({ state: 'deadline', explanation: 'Inscriptions closes le jeudi 12/11 à 10:00' })
    expect(cell(g, 'cantine', '2026-11-17')).toMatchObject({ state: 'deadline' })
    const capacity = core.sqlite.prepare(`SELECT capacity FROM unit_sites WHERE unit_id = 'cantine' AND site_id = ?`).pluck().get(siteId)
    expect(cell(g, 'cantine', '2026-11-19')).toMatchObject({ state: 'bookable', remaining: capacity })
    expect(cell(g, 'cantine', '2026-11-19').explanation).toMatch(/^Inscriptions ouvertes jusqu’au mardi 17\/11 à 10:00/)
    // Wednesday: no school, so no canteen; the Wednesday centre runs.
    expect(cell(g, 'cantine', '2026-11-18').state).toBe('closed')
    expect(cell(g, 'alsh_mercredi', '2026-11-25')).toMatchObject({ state: 'bookable' })
    expect(cell(g, 'alsh_mercredi', '2026-11-20')).toMatchObject({ state: 'closed' })
    expect(cell(g, 'cantine', '2026-11-21')).toMatchObject({ state: 'closed' })
    expect(cell(g, 'cantine', '2026-11-11').explanation).toMatch(/Armistice/)
    expect(cell(g, 'cantine', '2026-11-05')).toMatchObject({ state: 'past' })
    // Outside the holidays the holiday centre is closed; the Toussaint holidays are over.
    expect(cell(g, 'alsh_vacances', '2026-11-19').state).toBe('closed')
    // Same day, noon: the evening club is still open this morning.
    expect(cell(g, 'garderie_soir', '2026-11-16')).toMatchObject({ state: 'bookable', explanation: expect.stringMatching(/lundi 16\/11 à 12:00/) })
  })

  it('shows a booking as booked and pending, with whether it can still be cancelled and why', async () => {
    expect(rule(await book('2026-11-19'))).toBe('OK')
    expect(rule(await book('2026-12-10'))).toBe('OK')
    const g = await grid()
    expect(cell(g, 'cantine', '2026-11-19')).toMatchObject({
      state: 'booked',
      pending: true,
      remaining: null,
      canCancel: false,
      cancelExplanation: 'Annulation close le jeudi 12/11 à 23:59',
    })
    const dec = await grid('2026-12')
    expect(cell(dec, 'cantine', '2026-12-10')).toMatchObject({ state: 'booked', canCancel: true, cancelExplanation: expect.stringMatching(/jeudi 03\/12 à 23:59/) })
    // The other days of the slot count the place taken.
    expect(cell(dec, 'cantine', '2026-12-25').state).toBe('closed')
  })

  it('answers for an unknown family with NOT_FOUND and a malformed month with INVALID_INPUT', async () => {
    expect(await core.call(session, 'bookings', 'grid', { familyId: uuidv7(), month: '2026-11' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    for (const month of ['2026-13', '2026-1', '2026-11\u0000', 'novembre']) {
      expect(await core.call(session, 'bookings', 'grid', { familyId, month })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
  })
})

describe('the impossible bookings are refused at the counter, each with its reason, and nothing is written', () => {
  it.each([
    ['a day in the past', '2026-11-05', 'cantine', 'PAST_DAY', /Jour passé/],
    ['a Saturday lunch', '2026-11-21', 'cantine', 'WEEKEND', /samedi/],
    ['the Wednesday leisure centre on a Friday', '2026-11-20', 'alsh_mercredi', 'NOT_WEDNESDAY', /mercredi/],
    ['Christmas Day', '2026-12-25', 'cantine', 'PUBLIC_HOLIDAY', /Noël/],
    ['2099', '2099-03-12', 'cantine', 'NO_CALENDAR', /calendrier/],
    ['a service the child is not enrolled in', '2026-12-10', 'garderie_matin', 'NOT_ENROLLED', /pas inscrit/],
    ['past the deadline', '2026-11-17', 'cantine', 'DEADLINE_PASSED', /Inscriptions closes le vendredi 13\/11 à 10:00/],
    ['the holiday centre on a school day', '2026-12-10', 'alsh_vacances', 'NOT_HOLIDAY', /vacances/],
  ])('%s', async (_what, date, unitId, code, why) => {
    const r = await book(date, unitId)
    expect(rule(r)).toBe(code)
    expect(reason(r)).toMatch(why)
    expect(count(core.sqlite, 'reservations')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })

  it('a CM2 child at a nursery school', async () => {
    const nursery = uuidv7()
    core.sqlite.prepare(`INSERT INTO schools (id, name, kind, address) VALUES (?, 'École maternelle Les Lilas', 'maternelle', '1 rue des Lilas')`).run(nursery)
    core.sqlite
      .prepare(`INSERT INTO unit_sites (id, unit_id, site_id, serves, capacity, active, updated_at) VALUES (?, 'cantine', ?, 'own_school', 80, 1, '2026-09-01')`)
      .run(unitSiteId('cantine', nursery), nursery)
    core.sqlite.prepare(`UPDATE schoolings SET level = 'CM2' WHERE person_id = ?`).run(childId)
    core.sqlite.prepare(`UPDATE inscriptions SET site_id = ? WHERE child_id = ? AND unit_id = 'cantine'`).run(nursery, childId)
    const r = await core.call(session, 'reservations', 'book', { familyId, childId, unitId: 'cantine', siteId: nursery, date: '2026-12-10' })
    expect(rule(r)).toBe('SITE_DOES_NOT_SERVE')
    expect(reason(r)).toMatch(/n’accueille que les élèves de cette école/)
    expect(count(core.sqlite, 'reservations')).toBe(0)
  })

  it('cancelling a booking from 11 days ago, even with an override', async () => {
    const id = uuidv7()
    core.sqlite
      .prepare(
        `INSERT INTO reservations (id, family_id, child_id, unit_id, site_id, date, state, channel, created_at, updated_at)
         VALUES (?, ?, ?, 'cantine', ?, '2026-11-05', 'reserve', 'guichet', '2026-10-20T08:00:00Z', '2026-10-20T08:00:00Z')`,
      )
      .run(id, familyId, childId, siteId)
    const boss = await responsable()
    for (const s of [session, boss]) {
      const r = await core.call(s, 'reservations', 'cancel', { id, override: { reason: 'oubli de la famille' } })
      expect(rule(r)).toBe('PAST_DAY')
      expect(reason(r)).toMatch(/absence/)
    }
    expect(core.sqlite.prepare('SELECT state FROM reservations WHERE id = ?').pluck().get(id)).toBe('reserve')
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })

  it('refuses hostile input at the contract: NUL, a lone surrogate, 31 February, an override with no reason', async () => {
    for (const bad of [
      { date: '2027-02-31' },
      { date: '2026-12-10\u0000' },
      { unitId: 'cantine\uD800' },
      { override: { reason: '' } },
      { override: { reason: 'ok\u0000ok' } },
      { waitlist: 'oui' },
      { extra: 1 },
    ]) {
      const r = await book('2026-12-10', 'cantine', bad)
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(count(core.sqlite, 'reservations')).toBe(0)
  })
})

describe('overrides', () => {
  it('an accueil agent may not pass a deadline; a responsable may, with a reason kept on the booking and sent to the portal', async () => {
    const refused = await book('2026-11-17', 'cantine', { override: { reason: 'accord de la directrice' } })
    expect(rule(refused)).toBe('OVERRIDE_NOT_ALLOWED')
    expect(reason(refused)).toMatch(/réservé au rôle responsable/)
    const boss = await responsable()
    expect((await grid('2026-11', boss)).canOverride).toBe(true)
    const ok = await book('2026-11-17', 'cantine', { override: { reason: 'accord de la directrice' } }, boss)
    expect(rule(ok)).toBe('OK')
    expect(listOf(ok)[0]).toMatchObject({ date: '2026-11-17', state: 'reserve', overrideReason: 'accord de la directrice' })
    const [out] = core.sqlite.prepare(`SELECT payload FROM outbox WHERE name = 'reservations.book'`).all() as Array<{ payload: string }>
    expect(JSON.parse(out!.payload)).toMatchObject({ override: { reason: 'accord de la directrice' } })
  })

  it('cancels past the cancellation deadline only with an override by an allowed role', async () => {
    expect(rule(await book('2026-11-19'))).toBe('OK')
    const id = core.sqlite.prepare(`SELECT id FROM reservations`).pluck().get() as string
    const late = await core.call(session, 'reservations', 'cancel', { id })
    expect(rule(late)).toBe('CANCEL_DEADLINE_PASSED')
    expect(reason(late)).toMatch(/Annulation close le jeudi 12\/11 à 23:59/)
    const boss = await responsable()
    const ok = await core.call(boss, 'reservations', 'cancel', { id, override: { reason: 'enfant hospitalisé' } })
    expect(rule(ok)).toBe('OK')
    expect(listOf(ok)[0]).toMatchObject({ state: 'annule', overrideReason: 'enfant hospitalisé' })
    // The town may let its accueil agents override too.
    core.sqlite.prepare(`INSERT INTO town_options (id, value, updated_at) VALUES ('bookings.override_roles', 'accueil,responsable', '2026-11-01')`).run()
    expect((await grid()).canOverride).toBe(true)
  })

  it('the holiday centre never cancels: CANCEL_NEVER', async () => {
    const boss = await responsable()
    expect(rule(await book('2027-02-08', 'alsh_vacances', {}, boss))).toBe('OK')
    const id = core.sqlite.prepare(`SELECT id FROM reservations`).pluck().get() as string
    const r = await core.call(session, 'reservations', 'cancel', { id })
    expect(rule(r)).toBe('CANCEL_NEVER')
    expect(reason(r)).toMatch(/absence justifiée/)
  })
})

describe('bulk booking', () => {
  const bulk = (input: Record<string, unknown>, s = session) =>
    core.call(s, 'bookings', 'bulk', { familyId, childId, unitId: 'cantine', siteId, weekdays: [1, 4], from: '2026-11-16', to: '2026-12-18', ...input })

  it('books every Monday and Thursday until the end of the term, one command per day, and says why it could not book today', async () => {
    const r = await bulk({})
    expect(r.ok).toBe(true)
    const res = dataOf<BulkResult>(r)
    expect(res.booked).toEqual(['2026-11-19', '2026-11-23', '2026-11-26', '2026-11-30', '2026-12-03', '2026-12-07', '2026-12-10', '2026-12-14', '2026-12-17'])
    expect(res.refused).toEqual([{ date: '2026-11-16', code: 'DEADLINE_PASSED', reason: expect.stringMatching(/Inscriptions closes le jeudi 12\/11 à 10:00/) }])
    expect(res.closed).toEqual([])
    expect(count(core.sqlite, 'outbox', `name = 'reservations.book'`)).toBe(9)
    expect(count(core.sqlite, 'outbox', `name = 'bookings.bulk'`)).toBe(0)
    // Again: nothing new, every day already booked.
    const again = dataOf<BulkResult>(await bulk({}))
    expect(again.booked).toEqual([])
    expect(again.alreadyBooked).toHaveLength(9)
    expectCountersInStep()
  })

  it('skips the Christmas holidays and public holidays, and reports them', async () => {
    const res = dataOf<BulkResult>(await bulk({ from: '2026-12-14', to: '2027-01-08' }))
    expect(res.booked).toEqual(['2026-12-14', '2026-12-17', '2027-01-04', '2027-01-07'])
    expect(res.closed.map((c) => c.date)).toEqual(['2026-12-21', '2026-12-24', '2026-12-28', '2026-12-31'])
    expect(res.closed[0]!.reason).toMatch(/Vacances de Noël/)
    expect(count(core.sqlite, 'reservations', `date BETWEEN '2026-12-19' AND '2027-01-03'`)).toBe(0)
  })

  it('puts full days on the waiting list when asked, and lists them apart', async () => {
    core.sqlite.prepare(`INSERT INTO capacities (id, unit_id, site_id, date, capacity) VALUES (?, 'cantine', ?, '2026-12-03', 0)`).run(uuidv7(), siteId)
    const plain = dataOf<BulkResult>(await bulk({ from: '2026-12-01', to: '2026-12-04' }))
    expect(plain.refused).toEqual([{ date: '2026-12-03', code: 'FULL', reason: expect.stringMatching(/Complet/) }])
    const waiting = dataOf<BulkResult>(await bulk({ from: '2026-12-01', to: '2026-12-04', waitlist: true }))
    expect(waiting.waitlisted).toEqual(['2026-12-03'])
  })

  it('refuses a malformed pattern or period with a clear French message and books nothing', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ weekdays: [] }, /au moins un jour/],
      [{ weekdays: [0] }, /./],
      [{ weekdays: [8] }, /./],
      [{ from: '2026-12-18', to: '2026-11-16' }, /précède/],
      [{ from: '2099-01-04', to: '2099-02-01' }, /hors de l’année scolaire/],
      [{ from: '2026-11-16', to: '2028-01-01' }, /un an au plus/],
      [{ unitId: 'piscine' }, /service inconnu/],
      [{ to: '2027-02-31' }, /./],
    ]
    for (const [input, message] of cases) {
      const r = await bulk(input)
      expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      if (!r.ok) expect(JSON.stringify(r.error.details?.issues ?? r.error.message)).toMatch(message)
    }
    expect(count(core.sqlite, 'reservations')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })
})

describe('the waiting list', () => {
  it('opens when a day is full, keeps its order, and offers a freed place to the first family, which an agent confirms', async () => {
    const day = '2026-12-10'
    core.sqlite.prepare(`INSERT INTO capacities (id, unit_id, site_id, date, capacity) VALUES (?, 'cantine', ?, ?, 1)`).run(uuidv7(), siteId, day)
    const others = ['Roux', 'Petit'].map((name, i) => {
      const fam = addFamily(core.sqlite, {
        code: `10000${2 + i}${'KL'[i]}`,
        name,
        members: [
          { role: 'RL1', firstNames: 'Anne', lastName: name },
          { role: 'enfant', firstNames: i === 0 ? 'Tom' : 'Zoé', lastName: name, level: 'CE1' },
        ],
      })
      const kid = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE family_id = ? AND role = 'enfant'`).pluck().get(fam) as string
      core.sqlite.prepare(`UPDATE schoolings SET school_id = ? WHERE person_id = ?`).run(siteId, kid)
      enrol(core.sqlite, kid, siteId, ['cantine'])
      return { familyId: fam, childId: kid }
    })
    core.sqlite.prepare(`UPDATE schoolings SET school_id = ? WHERE person_id = ?`).run(siteId, childId)
    expect(rule(await book(day))).toBe('OK')
    const full = await core.call(session, 'reservations', 'book', { ...others[0]!, unitId: 'cantine', siteId, date: day })
    expect(rule(full)).toBe('FULL')
    expect(reason(full)).toMatch(/liste d’attente/)
    for (const o of others) expect(rule(await core.call(session, 'reservations', 'book', { ...o, unitId: 'cantine', siteId, date: day, waitlist: true }))).toBe('OK')
    const list = dataOf<WaitingList>(await core.call(session, 'bookings', 'waitingList', { unitId: 'cantine', siteId, date: day }))
    expect(list).toMatchObject({ capacity: 1, booked: 1 })
    expect(list.entries.map((e) => [e.rank, e.familyName, e.childName])).toEqual([
      [1, 'Roux', 'Tom'],
      [2, 'Petit', 'Zoé'],
    ])
    // Still full: nobody can be promoted; the second in line never before the first.
    expect(rule(await core.call(session, 'bookings', 'promote', { reservationId: list.entries[0]!.reservationId }))).toBe('FULL')
    const mine = core.sqlite.prepare(`SELECT id FROM reservations WHERE child_id = ?`).pluck().get(childId) as string
    expect(rule(await core.call(session, 'reservations', 'cancel', { id: mine }))).toBe('OK')
    expect(rule(await core.call(session, 'bookings', 'promote', { reservationId: list.entries[1]!.reservationId }))).toBe('NOT_FIRST_WAITING')
    const promoted = await core.call(session, 'bookings', 'promote', { reservationId: list.entries[0]!.reservationId })
    expect(rule(promoted)).toBe('OK')
    expect(dataOf<WaitingList>(promoted)).toMatchObject({ booked: 1, entries: [{ rank: 1, familyName: 'Petit' }] })
    expect(core.sqlite.prepare('SELECT state FROM reservations WHERE id = ?').pluck().get(list.entries[0]!.reservationId)).toBe('reserve')
    expect(count(core.sqlite, 'outbox', `name = 'reservations.promote'`)).toBe(1)
    expectCountersInStep()
    // A row the portal moves to another day (a pull) and one it deletes (an undone booking) keep them in step too.
    core.sqlite.prepare(`UPDATE reservations SET date = '2026-12-11' WHERE id = ?`).run(list.entries[0]!.reservationId)
    expectCountersInStep()
    core.sqlite.prepare(`DELETE FROM reservations WHERE state = 'reserve'`).run()
    expectCountersInStep()
  })
})

describe('a booking the portal refused', () => {
  it('shows on the family file as « Refusée par le portail », not as booked, until an agent deals with it', async () => {
    const r = await book('2026-12-10')
    const id = listOf(r)[0]!.id
    // What the sync engine does with the portal's refusal: the outbox row is rejected, the local row undone.
    core.sqlite.prepare(`UPDATE outbox SET status = 'rejected', rejection_code = 'FULL', rejection_reason = 'Complet : Restauration scolaire le 10/12/2026.'`).run()
    core.sqlite.prepare(`DELETE FROM reservations WHERE id = ?`).run(id)
    const list = listOf(await core.call(session, 'reservations', 'list', { familyId }))
    expect(list).toEqual([expect.objectContaining({ id, state: 'refuse', refusal: 'Complet : Restauration scolaire le 10/12/2026.', pending: false })])
    const g = await grid('2026-12')
    expect(cell(g, 'cantine', '2026-12-10')).toMatchObject({ state: 'bookable', refusal: 'Complet : Restauration scolaire le 10/12/2026.' })
    core.sqlite.prepare(`UPDATE outbox SET resolution = 'discarded'`).run()
    expect(listOf(await core.call(session, 'reservations', 'list', { familyId }))).toEqual([])
  })
})
