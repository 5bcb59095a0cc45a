import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import { AGENTS, bookingCore, count, type TestCore } from '../../helpers/core'

/**
 * Input hygiene at the contract boundary (issue 7): the core's router refuses, before any
 * schema, a NUL, a lone surrogate or a control character in any string or key of an
 * endpoint's input (INVALID_INPUT, naming the field), and the day schemas refuse days that do
 * not exist. Real core, real SQLite file.
 */

let core: TestCore
let session: ReturnType<TestCore['openSession']>
let familyId: string
let childId: string
let siteId: string

beforeEach(async () => {
  ;({ core, session, familyId, childId, siteId } = await bookingCore('responsable'))
})
afterEach(() => core.cleanup())

const book = (over: Record<string, unknown>) => core.call(session, 'reservations', 'book', { familyId, childId, unitId: 'cantine', siteId, date: '2027-03-12', ...over })

function expectInvalid(r: Awaited<ReturnType<TestCore['call']>>, path: string, message: RegExp): void {
  expect(r, JSON.stringify(r)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
  if (r.ok) return
  const issue = r.error.details?.issues?.[0]
  expect(issue?.path).toBe(path)
  expect(issue?.message).toMatch(message)
}

describe('input hygiene at the contract boundary', () => {
  it.each([
    ['NUL', 'cantine\u0000', /U\+0000/],
    ['lone surrogate', 'cantine\ud800', /U\+D800/],
    ['control character', 'cantine\u0001', /U\+0001/],
    ['lone carriage return', 'can\rtine', /U\+000D/],
  ])('a %s in a string: INVALID_INPUT naming the field, nothing written', async (_label, bad, message) => {
    expectInvalid(await book({ unitId: bad }), 'unitId', message)
    expectInvalid(await core.call(session, 'families', 'search', { q: `Le${bad}` }), 'q', message)
    expectInvalid(await core.call(session, 'sync', 'discard', { seq: 1, reason: `Motif ${bad}` }), 'reason', message)
    expect(count(core.sqlite, 'reservations')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
  })

  it('a bad object key: INVALID_INPUT naming the key (escaped), not an echo of it', async () => {
    expectInvalid(await core.call(session, 'reservations', 'list', { familyId, 'x\u0000': 1 }), 'x\\u0000', /U\+0000/)
    expectInvalid(await book({ '\udc00': 1 }), '\\udc00', /U\+DC00/)
  })

  it('login: a control character is invalid input, before any password check', async () => {
    const fresh = core.openSession()
    expectInvalid(await core.call(fresh, 'session', 'login', { login: `${AGENTS.accueil.login}\u0001`, password: 'x' }), 'login', /U\+0001/)
    expectInvalid(await core.call(fresh, 'session', 'login', { login: AGENTS.accueil.login, password: `${AGENTS.accueil.password}\u0000` }), 'password', /U\+0000/)
  })

  it.each(['2027-02-31', '0000-00-00', '2023-02-29', '1899-12-31', '2101-01-01'])('the day %s is refused', async (date) => {
    expectInvalid(await book({ date }), 'date', /date/)
    expect(count(core.sqlite, 'reservations')).toBe(0)
  })

  it('2028-02-29 is a day; a newline is fine in free text (a note, a reason), not in a single-line field', async () => {
    // A real day: past the schema, it meets the town's rules (no calendar is loaded for 2027-2028).
    expect(await book({ date: '2028-02-29' })).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'NO_CALENDAR' } } })
    // Free text: past the hygiene check and the schema (the flag and the seq do not exist).
    const note = await core.call(session, 'sync', 'resolveFlag', { flagId: uuidv7(), note: 'Vu avec la famille.\nRéglé.' })
    expect(note.ok || note.error.code !== 'INVALID_INPUT', JSON.stringify(note)).toBe(true)
    const reason = await core.call(session, 'sync', 'discard', { seq: 999, reason: 'Doublon.\r\nVu avec la famille.' })
    expect(reason).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    // Single line: the schema refuses it.
    expectInvalid(await book({ unitId: 'can\ntine', date: '2028-03-01' }), 'unitId', /retour à la ligne/)
  })
})
