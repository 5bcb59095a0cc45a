import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DEFAULT_UNITS } from '../../../src/common/demo/units'
import { CancelRuleSchema, DeadlineRuleSchema, type CancelRule } from '@shared/domain/deadlines'
import type { CalendarPeriodView } from '@shared/contract/bookings'
import {
  checkBookingRule,
  checkCancelRule,
  emptyRuleForm,
  formToRule,
  ruleToForm,
} from '../../../src/renderer/components/services/ruleForm'
import { loadedCounts, periodDays, periodIssues, periodsByKind, yearToLoad } from '../../../src/renderer/components/services/calendarView'

/** The settings screen's rule editor (form ↔ rule JSON) and its calendar helpers. */

describe('rule editor ↔ rule JSON', () => {
  it('round-trips every default service rule, with its French description', () => {
    for (const u of DEFAULT_UNITS) {
      const b = checkBookingRule(ruleToForm(u.bookingRule))
      const c = checkCancelRule(ruleToForm(u.cancelRule))
      expect(b, u.id).toMatchObject({ ok: true, rule: u.bookingRule })
      expect(c, u.id).toMatchObject({ ok: true, rule: u.cancelRule })
    }
    expect(checkBookingRule(ruleToForm(DEFAULT_UNITS[1].bookingRule))).toMatchObject({ text: '2 jours ouvrés avant, à 10:00' })
    expect(checkCancelRule(ruleToForm({ kind: 'never' }))).toMatchObject({ text: 'Pas d’annulation une fois réservé' })
  })

  it('round-trips any valid rule (property)', () => {
    const at = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`)
    const rule: fc.Arbitrary<CancelRule> = fc.oneof(
      fc.record({ kind: fc.constant('days_before' as const), n: fc.integer({ min: 0, max: 60 }), working: fc.boolean(), at }),
      fc.record({ kind: fc.constant('weekday_prev_week' as const), weekday: fc.integer({ min: 1, max: 7 }), at }),
      fc.record({ kind: fc.constant('day_prev_month' as const), day: fc.integer({ min: 1, max: 31 }), at }),
      fc.constant({ kind: 'none' as const }),
      fc.constant({ kind: 'same' as const }),
      fc.constant({ kind: 'never' as const }),
    )
    fc.assert(
      fc.property(rule, (r) => {
        const back = checkCancelRule(ruleToForm(r))
        expect(back).toMatchObject({ ok: true, rule: r })
        expect(CancelRuleSchema.parse(formToRule(ruleToForm(r)))).toEqual(r)
      }),
    )
  })

  it('sends only the chosen kind’s fields; switching kinds keeps what was typed', () => {
    const form = ruleToForm({ kind: 'days_before', n: 3, working: false, at: '09:30' })
    form.kind = 'none'
    expect(formToRule(form)).toEqual({ kind: 'none' })
    form.kind = 'days_before'
    expect(formToRule(form)).toEqual({ kind: 'days_before', n: 3, working: false, at: '09:30' })
    expect(DeadlineRuleSchema.safeParse(formToRule({ ...emptyRuleForm('weekday_prev_week') })).success).toBe(true)
  })

  it.each([
    ['a bad HH:MM', { at: '24:00' }, 'at', /HH:MM/],
    ['a time without its colon', { at: '1000' }, 'at', /HH:MM/],
    ['n = -1', { n: '-1' }, 'n', /au moins 0/],
    ['n typed as words', { n: 'deux' }, 'n', /nombre entier attendu/],
    ['n = 2.5', { n: '2.5' }, 'n', /nombre entier attendu/],
    ['n too large', { n: '61' }, 'n', /au plus 60/],
  ])('refuses %s at its field', (_name, over, field, message) => {
    const r = checkBookingRule({ ...emptyRuleForm('days_before'), ...over })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.issues[field as 'at']).toMatch(message)
  })

  it('refuses a day of month 0 and a weekday 8, and « comme l’inscription » as a booking rule', () => {
    const day = checkBookingRule({ ...emptyRuleForm('day_prev_month'), day: '0' })
    expect(day.ok ? null : day.issues.day).toMatch(/au moins 1/)
    const wd = checkBookingRule({ ...emptyRuleForm('weekday_prev_week'), weekday: '8' })
    expect(wd.ok ? null : wd.issues.weekday).toMatch(/au plus 7/)
    const same = checkBookingRule(emptyRuleForm('same'))
    expect(same.ok ? null : same.issues.kind).toMatch(/type de règle inconnu/)
    expect(checkCancelRule(emptyRuleForm('same')).ok).toBe(true)
  })
})

const p = (kind: CalendarPeriodView['kind'], label: string, firstDay: string, lastDay = firstDay): CalendarPeriodView => ({
  id: '0190f0f0-0000-7000-8000-000000000000',
  schoolYear: '2026-2027',
  kind,
  label,
  firstDay,
  lastDay,
  unitId: null,
  siteId: null,
})

describe('calendar helpers', () => {
  it('groups by kind in screen order, each by first day; counts days both ends included', () => {
    const groups = periodsByKind([p('public_holiday', 'Noël', '2026-12-25'), p('holiday', 'Noël', '2026-12-19', '2027-01-03'), p('holiday', 'Toussaint', '2026-10-17', '2026-11-01')])
    expect(groups.map((g) => [g.kind, g.periods.map((x) => x.label)])).toEqual([
      ['school_year', []],
      ['holiday', ['Toussaint', 'Noël']],
      ['public_holiday', ['Noël']],
      ['closure', []],
    ])
    expect(periodDays(p('holiday', 'Noël', '2026-12-19', '2027-01-03'))).toBe(16)
    expect(periodDays(p('public_holiday', 'Noël', '2026-12-25'))).toBe(1)
  })

  it('offers the year after the newest loaded', () => {
    expect(yearToLoad(['2026-2027', '2025-2026'], '2026-2027')).toBe('2027-2028')
    expect(yearToLoad([], '2026-2027')).toBe('2027-2028')
  })

  it('checks a period in the page: inside the school year, in order, one-day public holidays', () => {
    const base = { schoolYear: '2026-2027', kind: 'closure' as const, label: 'Fermeture', firstDay: '2027-02-22', lastDay: '2027-02-23' }
    expect(periodIssues(base)).toEqual({})
    expect(periodIssues({ ...base, lastDay: '2027-09-01' })).toEqual({ lastDay: 'hors de l’année scolaire 2026-2027' })
    expect(periodIssues({ ...base, firstDay: '2027-02-24' })).toEqual({ lastDay: 'le dernier jour précède le premier' })
    expect(periodIssues({ ...base, kind: 'public_holiday' })).toEqual({ lastDay: 'un jour férié tient en un seul jour' })
    expect(periodIssues({ ...base, label: ' ', firstDay: '' })).toEqual({ label: 'libellé de 2 caractères au moins', firstDay: 'date attendue' })
  })

  it('counts what an import loaded', () => {
    const c = loadedCounts([p('school_year', 'Année', '2027-09-01', '2028-07-07'), p('holiday', 'Noël', '2027-12-18', '2028-01-02'), p('public_holiday', 'Noël', '2027-12-25'), p('closure', 'Pont', '2028-05-26')])
    expect(c).toMatchObject({ holidays: 1, publicHolidays: 1, term: { firstDay: '2027-09-01' } })
  })
})
