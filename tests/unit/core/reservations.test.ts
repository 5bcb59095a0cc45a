import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { v7 as uuidv7 } from 'uuid'
import { bookingCore, count, type TestCore } from '../../helpers/core'
import { listRejections } from '../../../src/main/core/sync/rejections'

let core: TestCore
let session: ReturnType<TestCore['openSession']>
let familyId: string
let childId: string
let siteId: string

beforeEach(async () => {
  ;({ core, session, familyId, childId, siteId } = await bookingCore('accueil'))
})
afterEach(() => core.cleanup())

const book = (date = '2027-03-12', unitId = 'cantine') =>
  core.call(session, 'reservations', 'book', { familyId, childId, unitId, siteId, date })

describe('bookings at the counter', () => {
  it('books, lists as pending, and queues the command with its id in the same transaction', async () => {
    const r = await book()
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const list = (r.data as { reservations: Array<Record<string, unknown>> }).reservations
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ childName: 'Léa', unitLabel: 'Restauration scolaire', date: '2027-03-12', state: 'reserve', channel: 'guichet', pending: true })
    const outbox = core.sqlite.prepare('SELECT name, payload FROM outbox').all() as Array<{ name: string; payload: string }>
    expect(outbox).toHaveLength(1)
    expect(outbox[0]!.name).toBe('reservations.book')
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ id: list[0]!.id, familyId, childId, unitId: 'cantine', siteId, date: '2027-03-12' })
    expect(count(core.sqlite, 'journal', `action = 'reservations.book' AND entity = 'reservation'`)).toBe(1)
  })

  it('refuses a second booking of the same child, unit and day with a French reason, and changes nothing', async () => {
    await book()
    const again = await book()
    expect(again).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'ALREADY_BOOKED' } } })
    if (!again.ok) expect(again.error.details?.reason).toContain('Léa est déjà inscrit(e)')
    expect(count(core.sqlite, 'reservations')).toBe(1)
    expect(count(core.sqlite, 'outbox')).toBe(1)
  })

  it('refuses beyond the capacity of the day', async () => {
    core.sqlite.prepare(`INSERT INTO capacities (id, unit_id, site_id, date, capacity) VALUES (?, 'cantine', ?, '2027-03-12', 0)`).run(uuidv7(), siteId)
    const r = await book()
    expect(r).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'FULL' } } })
    expect(count(core.sqlite, 'reservations')).toBe(0)
  })

  it('cancels a booking, and refuses to cancel it twice', async () => {
    const r = await book()
    const id = r.ok ? (r.data as { reservations: Array<{ id: string }> }).reservations[0]!.id : ''
    expect(await core.call(session, 'reservations', 'cancel', { id })).toMatchObject({ ok: true, data: { reservations: [{ state: 'annule' }] } })
    expect(await core.call(session, 'reservations', 'cancel', { id })).toMatchObject({ ok: false, error: { details: { rule: 'ALREADY_CANCELLED' } } })
    expect(count(core.sqlite, 'outbox')).toBe(2)
  })

  it('updates contact details, keeps search in step, and validates them', async () => {
    const personId = core.sqlite.prepare(`SELECT person_id FROM family_members WHERE role = 'RL1'`).pluck().get() as string
    const r = await core.call(session, 'families', 'updateContacts', {
      familyId,
      personId,
      phoneMobile: '07 11 22 33 44',
      phoneHome: null,
      phoneWork: null,
      email: 'marie.lefevre@free.fr',
    })
    expect(r).toMatchObject({ ok: true, data: { guardians: [{ phones: { mobile: '07 11 22 33 44' }, email: 'marie.lefevre@free.fr' }] } })
    const found = await core.call(session, 'families', 'search', { q: '07 11 22' })
    expect(found).toMatchObject({ ok: true, data: { results: [{ id: familyId }] } })
    const bad = await core.call(session, 'families', 'updateContacts', { familyId, personId, phoneMobile: 'pas un numéro', phoneHome: null, phoneWork: null, email: 'x@' })
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(count(core.sqlite, 'outbox')).toBe(1)
  })

  it('lists a rejected change, retries it as a new command, or discards it with a reason', async () => {
    await book('2027-03-12')
    await book('2027-03-15')
    core.sqlite.prepare(`UPDATE outbox SET status = 'rejected', rejection_code = 'FULL', rejection_reason = 'Complet.'`).run()
    const items = listRejections(core.sqlite)
    expect(items).toHaveLength(2)
    expect(items[0]!.description).toContain('Réservation Restauration scolaire le 15/03/2027 pour Léa')
    // The rejected booking is undone locally by the portal's truth (here: by hand), then retried.
    core.sqlite.prepare(`DELETE FROM reservations WHERE date = '2027-03-15'`).run()
    const retried = await core.call(session, 'sync', 'retry', { seq: items[0]!.seq })
    expect(retried).toMatchObject({ ok: true })
    expect(count(core.sqlite, 'outbox', `status = 'pending'`)).toBe(1)
    const short = await core.call(session, 'sync', 'discard', { seq: items[1]!.seq, reason: 'x' })
    expect(short).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    const discarded = await core.call(session, 'sync', 'discard', { seq: items[1]!.seq, reason: 'La famille a choisi un autre jour.' })
    expect(discarded).toMatchObject({ ok: true })
    expect(count(core.sqlite, 'outbox', `status = 'rejected' AND resolution IS NULL`)).toBe(0)
    expect(count(core.sqlite, 'journal', `action IN ('sync.retry', 'sync.discard') AND outcome = 'ok'`)).toBe(2)
  })
})
