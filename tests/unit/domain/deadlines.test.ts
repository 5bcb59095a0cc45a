import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bookingDeadline,
  bookingOpen,
  CancelRuleSchema,
  cancelOpen,
  deadlineDay,
  DeadlineRuleSchema,
  describeCancelRule,
  describeRule,
  explainBooking,
  explainCancel,
  frenchInstant,
  parisWallTime,
  parseCancelRule,
  parseRule,
  type CancelRule,
  type DeadlineRule,
} from '@shared/domain/deadlines'
import { parisDay } from '@shared/domain/dates'
import { addDays } from '@shared/domain/schoolYear'
import { PUBLIC_HOLIDAYS_2026_2027 } from '../../../src/common/calendar/zone-c-2026-2027'

/** The shipped public holidays 2026-2027 (11/11, Noël, Jour de l'an, Lundi de Pâques, Ascension, Pentecôte…). */
const PH = PUBLIC_HOLIDAYS_2026_2027.map((r) => r.first_day)

const gm: DeadlineRule = { kind: 'days_before', n: 1, working: true, at: '18:00' } // garderie du matin
const cantine: DeadlineRule = { kind: 'days_before', n: 2, working: true, at: '10:00' }
const soir: DeadlineRule = { kind: 'days_before', n: 0, working: true, at: '12:00' }
const cal3: DeadlineRule = { kind: 'days_before', n: 3, working: false, at: '23:59' }
const at = (n: number, working: boolean, hhmm: string): DeadlineRule => ({ kind: 'days_before', n, working, at: hhmm })
const wpw = (weekday: number, hhmm = '23:59'): DeadlineRule => ({ kind: 'weekday_prev_week', weekday, at: hhmm })
const dpm = (day: number, hhmm = '23:59'): DeadlineRule => ({ kind: 'day_prev_month', day, at: hhmm })
const none: DeadlineRule = { kind: 'none' }

type Row = [name: string, rule: DeadlineRule, serviceDay: string, now: string, open: boolean, deadline: string | null]

/** now and deadline are ISO instants with their Paris offset (+01:00 winter, +02:00 summer). */
const bookingTable: Row[] = [
  // A Monday's deadline falls on the previous Friday
  ['Monday, 1 working day at 18:00: Friday 17:59 still open', gm, '2026-11-16', '2026-11-13T17:59:00+01:00', true, '2026-11-13T18:00:00+01:00'],
  ['Monday, 1 working day at 18:00: Friday 18:00 closed', gm, '2026-11-16', '2026-11-13T18:00:00+01:00', false, '2026-11-13T18:00:00+01:00'],
  ['Monday, 1 working day: closed on Saturday morning', gm, '2026-11-16', '2026-11-14T09:00:00+01:00', false, '2026-11-13T18:00:00+01:00'],
  ['Monday, 2 working days at 10:00: Thursday before', cantine, '2026-11-16', '2026-11-12T09:59:00+01:00', true, '2026-11-12T10:00:00+01:00'],
  ['Monday, 3 calendar days at 23:59: Friday', cal3, '2026-11-16', '2026-11-13T23:58:00+01:00', true, '2026-11-13T23:59:00+01:00'],
  // Working days across public holidays
  ['11/11 skipped: Thursday 12/11, 2 working days → Monday 09/11', cantine, '2026-11-12', '2026-11-09T09:00:00+01:00', true, '2026-11-09T10:00:00+01:00'],
  ['11/11 skipped: Thursday 12/11 closed on Tuesday 10/11', cantine, '2026-11-12', '2026-11-10T09:00:00+01:00', false, '2026-11-09T10:00:00+01:00'],
  ['11/11 skipped: Thursday 12/11, 1 working day → Tuesday 10/11', gm, '2026-11-12', '2026-11-10T17:00:00+01:00', true, '2026-11-10T18:00:00+01:00'],
  ['11/11 counted as a calendar day: 3 days before Saturday 14/11', cal3, '2026-11-14', '2026-11-11T12:00:00+01:00', true, '2026-11-11T23:59:00+01:00'],
  ['Christmas skipped: Monday 28/12, 1 working day → Thursday 24/12', gm, '2026-12-28', '2026-12-24T18:01:00+01:00', false, '2026-12-24T18:00:00+01:00'],
  ['Jour de l’an skipped: rentrée Monday 04/01, 1 working day → Thursday 31/12', gm, '2027-01-04', '2026-12-31T17:00:00+01:00', true, '2026-12-31T18:00:00+01:00'],
  ['Jour de l’an skipped: Monday 04/01, 2 working days → Wednesday 30/12', cantine, '2027-01-04', '2026-12-31T09:00:00+01:00', false, '2026-12-30T10:00:00+01:00'],
  ['Easter Monday 29/03/2027 skipped: Tuesday 30/03 → Friday 26/03 (before the time change)', gm, '2027-03-30', '2027-03-26T17:59:00+01:00', true, '2027-03-26T18:00:00+01:00'],
  ['Easter Monday skipped: Tuesday 30/03, 2 working days → Thursday 25/03', cantine, '2027-03-30', '2027-03-26T09:00:00+01:00', false, '2027-03-25T10:00:00+01:00'],
  ['Easter Monday itself as n = 0 (the service day, even a holiday)', soir, '2027-03-29', '2027-03-29T11:59:00+02:00', true, '2027-03-29T12:00:00+02:00'],
  ['Ascension 06/05/2027 skipped: Friday 07/05 → Wednesday 05/05', gm, '2027-05-07', '2027-05-05T18:00:00+02:00', false, '2027-05-05T18:00:00+02:00'],
  ['Ascension skipped: Monday 10/05, 2 working days → Wednesday 05/05', cantine, '2027-05-10', '2027-05-05T09:59:00+02:00', true, '2027-05-05T10:00:00+02:00'],
  ['Pentecost Monday 17/05/2027 skipped: Tuesday 18/05 → Friday 14/05', gm, '2027-05-18', '2027-05-14T17:59:00+02:00', true, '2027-05-14T18:00:00+02:00'],
  ['Pentecost Monday skipped: Tuesday 18/05, 2 working days → Thursday 13/05', cantine, '2027-05-18', '2027-05-14T08:00:00+02:00', false, '2027-05-13T10:00:00+02:00'],
  ['Long run: 10 working days before Tuesday 05/01/2027 skip Christmas and Jour de l’an', at(10, true, '12:00'), '2027-01-05', '2026-12-18T11:00:00+01:00', true, '2026-12-18T12:00:00+01:00'],
  ['The same evening, garderie du soir (n = 0 at 12:00): 11:59 open', soir, '2026-11-17', '2026-11-17T11:59:00+01:00', true, '2026-11-17T12:00:00+01:00'],
  ['The same evening, garderie du soir (n = 0 at 12:00): 12:00 closed', soir, '2026-11-17', '2026-11-17T12:00:00+01:00', false, '2026-11-17T12:00:00+01:00'],
  // Time changes: 2026-10-25 (03:00 CEST → 02:00 CET) and 2027-03-28 (02:00 CET → 03:00 CEST)
  ['Autumn change, 02:30 on 25/10 happens twice: the first (+02:00), one minute before', at(0, false, '02:30'), '2026-10-25', '2026-10-25T02:29:00+02:00', true, '2026-10-25T02:30:00+02:00'],
  ['Autumn change, 02:30: closed at the first 02:30', at(0, false, '02:30'), '2026-10-25', '2026-10-25T02:30:00+02:00', false, '2026-10-25T02:30:00+02:00'],
  ['Autumn change, 02:30: still closed at the second 02:29 (+01:00)', at(0, false, '02:30'), '2026-10-25', '2026-10-25T02:29:00+01:00', false, '2026-10-25T02:30:00+02:00'],
  ['Autumn change, Monday 26/10 one calendar day before at 02:30', at(1, false, '02:30'), '2026-10-26', '2026-10-25T00:29:00Z', true, '2026-10-25T02:30:00+02:00'],
  ['Autumn change, 23:59 on 25/10 is already winter time', at(0, false, '23:59'), '2026-10-25', '2026-10-25T23:58:00+01:00', true, '2026-10-25T23:59:00+01:00'],
  ['Autumn change, 00:00 on 25/10 is still summer time', at(0, false, '00:00'), '2026-10-25', '2026-10-24T23:59:00+02:00', true, '2026-10-25T00:00:00+02:00'],
  ['Autumn change, Monday 26/10 1 working day → Friday 23/10 18:00 summer time', gm, '2026-10-26', '2026-10-23T18:00:00+02:00', false, '2026-10-23T18:00:00+02:00'],
  ['Spring change, 02:30 on 28/03 does not exist: 03:30 CEST, 03:29 open', at(0, false, '02:30'), '2027-03-28', '2027-03-28T03:29:00+02:00', true, '2027-03-28T03:30:00+02:00'],
  ['Spring change, 02:30 → 03:30: closed at 03:30', at(0, false, '02:30'), '2027-03-28', '2027-03-28T03:30:00+02:00', false, '2027-03-28T03:30:00+02:00'],
  ['Spring change, 23:59 on 28/03 is summer time', at(0, false, '23:59'), '2027-03-28', '2027-03-28T23:59:00+02:00', false, '2027-03-28T23:59:00+02:00'],
  ['Spring change, 00:00 on 28/03 is still winter time', at(0, false, '00:00'), '2027-03-28', '2027-03-27T23:59:00+01:00', true, '2027-03-28T00:00:00+01:00'],
  ['Spring change, Monday 29/03 one calendar day before at 02:30 → 03:30 CEST', at(1, false, '02:30'), '2027-03-29', '2027-03-28T01:29:00Z', true, '2027-03-28T03:30:00+02:00'],
  // 23:59 against 00:00
  ['23:59 the day before: one minute before, open', at(1, false, '23:59'), '2026-12-02', '2026-12-01T23:58:00+01:00', true, '2026-12-01T23:59:00+01:00'],
  ['23:59 the day before: at 23:59, closed', at(1, false, '23:59'), '2026-12-02', '2026-12-01T23:59:00+01:00', false, '2026-12-01T23:59:00+01:00'],
  ['23:59 the day before: one millisecond before, open', at(1, false, '23:59'), '2026-12-02', '2026-12-01T23:58:59.999+01:00', true, '2026-12-01T23:59:00+01:00'],
  ['00:00 the day itself: at 23:59 the day before, open', at(0, false, '00:00'), '2026-12-02', '2026-12-01T23:59:00+01:00', true, '2026-12-02T00:00:00+01:00'],
  ['00:00 the day itself: one minute after, closed', at(0, false, '00:00'), '2026-12-02', '2026-12-02T00:01:00+01:00', false, '2026-12-02T00:00:00+01:00'],
  // weekday_prev_week across the year boundary (ISO week 53 of 2026: 28/12/2026 – 03/01/2027)
  ['Wednesday 06/01/2027 (week 1) → Wednesday 30/12/2026 (week 53)', wpw(3), '2027-01-06', '2026-12-30T23:58:00+01:00', true, '2026-12-30T23:59:00+01:00'],
  ['Monday 04/01/2027 (week 1) → Wednesday 30/12/2026, closed on the 31st', wpw(3), '2027-01-04', '2026-12-31T08:00:00+01:00', false, '2026-12-30T23:59:00+01:00'],
  ['Sunday 03/01/2027 (week 53) → Wednesday 23/12/2026 (week 52)', wpw(3), '2027-01-03', '2026-12-24T00:00:00+01:00', false, '2026-12-23T23:59:00+01:00'],
  ['Friday 01/01/2027 (week 53), weekday 5 → Friday 25/12 (no holiday skipping)', wpw(5, '12:00'), '2027-01-01', '2026-12-25T11:00:00+01:00', true, '2026-12-25T12:00:00+01:00'],
  ['Monday 16/11, weekday 7 → Sunday 15/11, the day before', wpw(7, '20:00'), '2026-11-16', '2026-11-15T19:59:00+01:00', true, '2026-11-15T20:00:00+01:00'],
  ['Wednesday leisure centre 18/11 → Wednesday 11/11 (a public holiday: not skipped)', wpw(3), '2026-11-18', '2026-11-12T00:00:00+01:00', false, '2026-11-11T23:59:00+01:00'],
  // day_prev_month
  ['Day 31 → February 2027 has 28 days', dpm(31), '2027-03-10', '2027-02-28T23:00:00+01:00', true, '2027-02-28T23:59:00+01:00'],
  ['Day 31 → February 2028 has 29 days', dpm(31), '2028-03-01', '2028-02-29T23:59:00+01:00', false, '2028-02-29T23:59:00+01:00'],
  ['Day 31 → November has 30 days', dpm(31), '2026-12-21', '2026-11-30T12:00:00+01:00', true, '2026-11-30T23:59:00+01:00'],
  ['Day 15 across the year: January 2027 → 15/12/2026', dpm(15), '2027-01-06', '2026-12-16T00:00:00+01:00', false, '2026-12-15T23:59:00+01:00'],
  ['Day 15 for the summer: July 2027 → 15/06 summer time', dpm(15), '2027-07-12', '2027-06-15T23:58:00+02:00', true, '2027-06-15T23:59:00+02:00'],
  ['Day 1 → the first of the previous month', dpm(1, '08:00'), '2027-01-31', '2026-12-01T08:00:00+01:00', false, '2026-12-01T08:00:00+01:00'],
  // none: open until the day is past (the Paris day, not the UTC one)
  ['none: today, late evening, open', none, '2026-11-16', '2026-11-16T23:59:00+01:00', true, null],
  ['none: yesterday, closed', none, '2026-11-16', '2026-11-17T00:00:00+01:00', false, null],
  ['none: 23:30 UTC is already tomorrow in Paris: closed', none, '2026-11-16', '2026-11-16T23:30:00Z', false, null],
  ['none: a day far ahead, open', none, '2027-06-30', '2026-11-16T10:00:00+01:00', true, null],
  // a past day is closed whatever the rule
  ['Past day: Monday 16/11 seen on Tuesday, whatever the rule', soir, '2026-11-16', '2026-11-17T08:00:00+01:00', false, '2026-11-16T12:00:00+01:00'],
  ['The issue’s "a day 11 days ago" stays closed', wpw(3), '2026-11-05', '2026-11-16T10:00:00+01:00', false, '2026-10-28T23:59:00+01:00'],
]

describe('the deadline table', () => {
  it('has at least 45 booking cases', () => expect(bookingTable.length).toBeGreaterThanOrEqual(45))

  it.each(bookingTable)('%s', (_name, rule, day, now, open, deadline) => {
    const d = bookingDeadline(rule, day, PH)
    expect(d === null ? null : d.toISOString()).toBe(deadline === null ? null : new Date(deadline).toISOString())
    expect(deadlineDay(rule, day, PH)).toBe(deadline === null ? null : parisDay(new Date(deadline)))
    expect(bookingOpen(rule, day, new Date(now), PH)).toBe(open)
    const e = explainBooking(rule, day, new Date(now), PH)
    expect(e.open).toBe(open)
    expect(e.deadline?.toISOString() ?? null).toBe(d?.toISOString() ?? null)
  })
})

type CancelRow = [name: string, cancel: CancelRule, booking: DeadlineRule, serviceDay: string, now: string, open: boolean, deadline: string | null]
const cantineCancel: CancelRule = { kind: 'weekday_prev_week', weekday: 4, at: '23:59' }
const cancelTable: CancelRow[] = [
  ['same: follows the booking rule, open', { kind: 'same' }, gm, '2026-11-16', '2026-11-13T17:00:00+01:00', true, '2026-11-13T18:00:00+01:00'],
  ['same: follows the booking rule, closed', { kind: 'same' }, gm, '2026-11-16', '2026-11-13T18:00:00+01:00', false, '2026-11-13T18:00:00+01:00'],
  ['never: closed even a month ahead', { kind: 'never' }, none, '2026-12-16', '2026-11-16T10:00:00+01:00', false, null],
  ['own rule: Thursday of the week before, while booking is still open', cantineCancel, cantine, '2026-11-17', '2026-11-13T09:00:00+01:00', false, '2026-11-12T23:59:00+01:00'],
  ['own rule: open one minute before', cantineCancel, cantine, '2026-11-17', '2026-11-12T23:58:00+01:00', true, '2026-11-12T23:59:00+01:00'],
  ['own none: open until the day', none, cantine, '2026-11-17', '2026-11-17T20:00:00+01:00', true, null],
  ['own none: a past day cannot be cancelled', none, cantine, '2026-11-06', '2026-11-17T10:00:00+01:00', false, null],
  ['same with none: a booking from 11 days ago cannot be cancelled', { kind: 'same' }, none, '2026-11-05', '2026-11-16T10:00:00+01:00', false, null],
]

describe('cancellation rules', () => {
  it.each(cancelTable)('%s', (_name, cancel, booking, day, now, open, deadline) => {
    expect(cancelOpen(cancel, booking, day, new Date(now), PH)).toBe(open)
    const e = explainCancel(cancel, booking, day, new Date(now), PH)
    expect(e.open).toBe(open)
    expect(e.deadline?.toISOString() ?? null).toBe(deadline === null ? null : new Date(deadline).toISOString())
  })
})

describe('French explanations', () => {
  it('names the weekday, the day and the Paris time', () => {
    const rule = wpw(2)
    expect(explainBooking(rule, '2026-11-19', new Date('2026-11-11T08:00:00Z'), PH).reason).toBe('Inscriptions closes le mardi 10/11 à 23:59')
    expect(explainBooking(rule, '2026-11-19', new Date('2026-11-10T08:00:00Z'), PH).reason).toBe('Inscriptions ouvertes jusqu’au mardi 10/11 à 23:59')
    expect(explainBooking(gm, '2026-11-12', new Date('2026-11-13T08:00:00Z'), PH).reason).toBe('Jour passé : le 12/11 ne peut plus être réservé.')
    expect(explainCancel(cantineCancel, cantine, '2026-11-17', new Date('2026-11-13T08:00:00Z'), PH).reason).toBe('Annulation close le jeudi 12/11 à 23:59')
    expect(explainCancel(cantineCancel, cantine, '2026-11-17', new Date('2026-11-12T08:00:00Z'), PH).reason).toBe('Annulation possible jusqu’au jeudi 12/11 à 23:59')
    expect(explainCancel({ kind: 'never' }, cantine, '2026-11-17', new Date('2026-11-12T08:00:00Z'), PH).reason).toBe(
      'Pas d’annulation une fois réservé : signalez plutôt une absence justifiée.',
    )
    expect(explainCancel({ kind: 'same' }, gm, '2026-11-12', new Date('2026-11-13T08:00:00Z'), PH).reason).toBe('Jour passé : le 12/11 ne peut plus être annulé.')
  })

  it('writes Paris wall time, not UTC, on both sides of the time changes', () => {
    expect(frenchInstant(new Date('2026-10-24T21:59:00Z'))).toBe('samedi 24/10 à 23:59')
    expect(frenchInstant(new Date('2026-10-25T22:59:00Z'))).toBe('dimanche 25/10 à 23:59')
    expect(frenchInstant(parisWallTime('2027-03-28', '02:30'))).toBe('dimanche 28/03 à 03:30')
  })

  it('describes the rules for the settings screen', () => {
    expect(describeRule(cantine)).toBe('2 jours ouvrés avant, à 10:00')
    expect(describeRule(gm)).toBe('1 jour ouvré avant, à 18:00')
    expect(describeRule(cal3)).toBe('3 jours avant, à 23:59')
    expect(describeRule(soir)).toBe('Le jour même, à 12:00')
    expect(describeRule(wpw(3))).toBe('Le mercredi de la semaine précédente, à 23:59')
    expect(describeRule(dpm(15))).toBe('Le 15 du mois précédent, à 23:59')
    expect(describeRule(dpm(31))).toBe('Le 31 du mois précédent (ou son dernier jour), à 23:59')
    expect(describeRule(none)).toBe('Sans délai : jusqu’au jour même')
    expect(describeCancelRule({ kind: 'same' })).toBe('Comme l’inscription')
    expect(describeCancelRule({ kind: 'never' })).toBe('Pas d’annulation une fois réservé')
    expect(describeCancelRule(cantineCancel)).toBe('Le jeudi de la semaine précédente, à 23:59')
  })
})

describe('rule schemas (town data)', () => {
  it.each([
    ['the default cantine rule', '{"kind":"days_before","n":2,"working":true,"at":"10:00"}'],
    ['n = 0 and n = 60', '{"kind":"days_before","n":0,"working":false,"at":"00:00"}'],
    ['n = 60', '{"kind":"days_before","n":60,"working":false,"at":"23:59"}'],
    ['Sunday of the week before', '{"kind":"weekday_prev_week","weekday":7,"at":"23:59"}'],
    ['day 31', '{"kind":"day_prev_month","day":31,"at":"12:00"}'],
    ['none', '{"kind":"none"}'],
  ])('accepts %s', (_name, json) => {
    expect(parseRule(json)).toEqual(JSON.parse(json))
    expect(parseCancelRule(json)).toEqual(JSON.parse(json))
  })

  it.each([
    ['24:00', '{"kind":"days_before","n":1,"working":true,"at":"24:00"}', /HH:MM/],
    ['9:00 (one digit)', '{"kind":"days_before","n":1,"working":true,"at":"9:00"}', /HH:MM/],
    ['12:60', '{"kind":"days_before","n":1,"working":true,"at":"12:60"}', /HH:MM/],
    ['n = 61', '{"kind":"days_before","n":61,"working":true,"at":"10:00"}', /au plus 60/],
    ['n = -1', '{"kind":"days_before","n":-1,"working":true,"at":"10:00"}', /au moins 0/],
    ['n = 1.5', '{"kind":"days_before","n":1.5,"working":true,"at":"10:00"}', /entier/],
    ['weekday 0', '{"kind":"weekday_prev_week","weekday":0,"at":"10:00"}', /au moins 1/],
    ['weekday 8', '{"kind":"weekday_prev_week","weekday":8,"at":"10:00"}', /au plus 7/],
    ['day 32', '{"kind":"day_prev_month","day":32,"at":"10:00"}', /au plus 31/],
    ['day 0', '{"kind":"day_prev_month","day":0,"at":"10:00"}', /au moins 1/],
    ['an extra key', '{"kind":"none","n":1}', /champ inconnu : n/],
    ['a missing key', '{"kind":"days_before","n":1,"at":"10:00"}', /working/],
    ['an unknown kind', '{"kind":"weekly"}', /type de règle inconnu/],
    ['same is not a booking rule', '{"kind":"same"}', /type de règle inconnu/],
    ['bad JSON', '{"kind":', /JSON invalide/],
    ['a string', '"none"', /invalide/],
  ])('refuses %s in French', (_name, json, message) => {
    expect(() => parseRule(json)).toThrow(message)
  })

  it('cancel rules add same and never, strictly', () => {
    expect(parseCancelRule('{"kind":"same"}')).toEqual({ kind: 'same' })
    expect(parseCancelRule('{"kind":"never"}')).toEqual({ kind: 'never' })
    expect(() => parseCancelRule('{"kind":"never","reason":"x"}')).toThrow(/champ inconnu/)
    expect(CancelRuleSchema.safeParse({ kind: 'always' }).success).toBe(false)
    expect(DeadlineRuleSchema.safeParse({ kind: 'never' }).success).toBe(false)
  })
})

describe('parisWallTime', () => {
  it.each([
    ['winter', '2026-12-01', '23:59', '2026-12-01T22:59:00.000Z'],
    ['summer', '2027-06-15', '00:00', '2027-06-14T22:00:00.000Z'],
    ['the spring gap: 02:30 → 03:30 CEST', '2027-03-28', '02:30', '2027-03-28T01:30:00.000Z'],
    ['the spring gap: 02:00 → 03:00 CEST', '2027-03-28', '02:00', '2027-03-28T01:00:00.000Z'],
    ['just before the gap', '2027-03-28', '01:59', '2027-03-28T00:59:00.000Z'],
    ['the ambiguous 02:30: the first (+02:00)', '2026-10-25', '02:30', '2026-10-25T00:30:00.000Z'],
    ['the ambiguous 02:00: the first (+02:00)', '2026-10-25', '02:00', '2026-10-25T00:00:00.000Z'],
    ['after the ambiguous hour', '2026-10-25', '03:00', '2026-10-25T02:00:00.000Z'],
  ])('%s', (_name, day, hhmm, iso) => {
    expect(parisWallTime(day, hhmm).toISOString()).toBe(iso)
  })

  it('refuses a malformed time', () => {
    expect(() => parisWallTime('2026-12-01', '24:00')).toThrow(RangeError)
    expect(() => parisWallTime('01/12/2026', '10:00')).toThrow(RangeError)
  })
})

// ---- properties ------------------------------------------------------------------------------

const hhmm = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
const ruleArb: fc.Arbitrary<DeadlineRule> = fc.oneof(
  fc.record({ kind: fc.constant('days_before' as const), n: fc.integer({ min: 0, max: 60 }), working: fc.boolean(), at: hhmm }),
  fc.record({ kind: fc.constant('weekday_prev_week' as const), weekday: fc.integer({ min: 1, max: 7 }), at: hhmm }),
  fc.record({ kind: fc.constant('day_prev_month' as const), day: fc.integer({ min: 1, max: 31 }), at: hhmm }),
  fc.constant({ kind: 'none' as const }),
)
/** A service day from 2026-01-01 to 2030-12-31 (five years: both time changes, leap 2028). */
const dayArb = fc.integer({ min: 0, max: 1825 }).map((i) => addDays('2026-01-01', i))

describe('deadline properties', () => {
  it('every rule passes its own schema', () => {
    fc.assert(fc.property(ruleArb, (rule) => DeadlineRuleSchema.safeParse(rule).success && CancelRuleSchema.safeParse(rule).success))
  })

  it('the deadline is never after the end of the service day', () => {
    fc.assert(
      fc.property(ruleArb, dayArb, (rule, day) => {
        const d = bookingDeadline(rule, day, PH)
        return d === null || d.getTime() < parisWallTime(addDays(day, 1), '00:00').getTime()
      }),
      { numRuns: 2000 },
    )
  })

  it('open is monotone: once closed, it stays closed as now increases', () => {
    fc.assert(
      fc.property(ruleArb, dayArb, fc.integer({ min: -80 * 1440, max: 3 * 1440 }), fc.integer({ min: 0, max: 80 * 1440 }), (rule, day, offset, step) => {
        const t1 = parisWallTime(day, '12:00').getTime() + offset * 60_000
        const t2 = t1 + step * 60_000
        return !(bookingOpen(rule, day, new Date(t2), PH) && !bookingOpen(rule, day, new Date(t1), PH))
      }),
      { numRuns: 2000 },
    )
  })

  it('explainBooking and bookingOpen agree; cancel same agrees with booking', () => {
    fc.assert(
      fc.property(ruleArb, dayArb, fc.integer({ min: -40 * 1440, max: 2 * 1440 }), (rule, day, offset) => {
        const now = new Date(parisWallTime(day, '00:00').getTime() + offset * 60_000)
        const open = bookingOpen(rule, day, now, PH)
        return explainBooking(rule, day, now, PH).open === open && cancelOpen({ kind: 'same' }, rule, day, now, PH) === open
      }),
    )
  })

  it('a wall time outside the spring gap comes back as itself', () => {
    fc.assert(
      fc.property(dayArb, hhmm, (day, time) => {
        const text = frenchInstant(parisWallTime(day, time))
        const inGap = day === '2026-03-29' || day === '2027-03-28' || day === '2028-03-26' || day === '2029-03-25' || day === '2030-03-31'
        return (inGap && time.startsWith('02:')) || text.endsWith(`${day.slice(8, 10)}/${day.slice(5, 7)} à ${time}`)
      }),
      { numRuns: 2000 },
    )
  })
})
