import { describe, expect, it } from 'vitest'
import { createSSRApp, h, type Component } from 'vue'
import { renderToString } from 'vue/server-renderer'
import { createI18n } from 'vue-i18n'
import type { CalendarPeriodView, GridCell, MonthGrid as Grid } from '@shared/contract'
import { i18n } from '../../../src/renderer/i18n'
import { fr } from '../../../src/renderer/i18n/fr'
import {
  bulkProblem,
  cellAction,
  cellGlyph,
  flatRows,
  groupSkipped,
  initialPos,
  isoWeekday,
  moveFor,
  shiftMonth,
  untilEndOfYear,
  untilNextHolidays,
  weekdaysFor,
} from '../../../src/renderer/lib/bookingGrid'

const FAMILY = '01900000-0000-7000-8000-000000000001'
const CHILD = '01900000-0000-7000-8000-000000000002'
const SITE = '01900000-0000-7000-8000-000000000003'
const RESA = '01900000-0000-7000-8000-000000000004'
const TODAY = '2026-11-16'

function cell(date: string, over: Partial<GridCell> = {}): GridCell {
  return {
    date,
    state: 'bookable',
    reservationId: null,
    attendance: null,
    pending: false,
    waitRank: null,
    remaining: 10,
    explanation: 'Inscriptions ouvertes jusqu’au mardi 17/11 à 10:00',
    canCancel: false,
    cancelExplanation: null,
    refusal: null,
    ...over,
  }
}

/** November 2026 for one child at the canteen: weekends closed, the 16th past its deadline, the 19th booked. */
function november(): Grid {
  const days = Array.from({ length: 30 }, (_, i) => {
    const date = `2026-11-${String(i + 1).padStart(2, '0')}`
    return { date, weekday: isoWeekday(date) }
  })
  const cells = days.map(({ date, weekday }) => {
    if (weekday >= 6 || weekday === 3) return cell(date, { state: 'closed', remaining: null, explanation: 'Fermé' })
    if (date < TODAY) return cell(date, { state: 'past', explanation: 'Jour passé : le 13/11 ne peut plus être réservé.' })
    if (date === TODAY) return cell(date, { state: 'deadline', explanation: 'Inscriptions closes le jeudi 12/11 à 10:00' })
    if (date === '2026-11-19')
      return cell(date, {
        state: 'booked',
        reservationId: RESA,
        pending: true,
        explanation: 'Réservé.',
        cancelExplanation: 'Annulation close le jeudi 12/11 à 23:59',
        refusal: 'Complet : plus de place.',
      })
    if (date === '2026-11-20') return cell(date, { state: 'waiting', reservationId: RESA, waitRank: 2, canCancel: true })
    return cell(date)
  })
  return {
    familyId: FAMILY,
    month: '2026-11',
    days,
    children: [
      {
        childId: CHILD,
        name: 'Léa',
        level: 'CE1',
        schoolName: 'École Jules Ferry',
        rows: [{ unitId: 'cantine', unitLabel: 'Restauration scolaire', siteId: SITE, siteName: 'École Jules Ferry', cells }],
      },
    ],
    canOverride: true,
  }
}

describe('month grid helpers', () => {
  it('shifts months across the year', () => {
    expect(shiftMonth('2026-11', 1)).toBe('2026-12')
    expect(shiftMonth('2026-12', 1)).toBe('2027-01')
    expect(shiftMonth('2027-01', -1)).toBe('2026-12')
    expect(shiftMonth('2026-11', -23)).toBe('2024-12')
  })

  it('says what toggling a cell does, for an agent who may override and one who may not', () => {
    const g = november()
    const at = (d: string) => g.children[0]!.rows[0]!.cells.find((c) => c.date === d)!
    expect(cellAction(at('2026-11-17'), false, TODAY)).toBe('book')
    expect(cellAction(at('2026-11-16'), true, TODAY)).toBe('overrideBook')
    expect(cellAction(at('2026-11-16'), false, TODAY)).toBe('none')
    expect(cellAction(at('2026-11-19'), true, TODAY)).toBe('overrideCancel')
    expect(cellAction(at('2026-11-19'), false, TODAY)).toBe('none')
    expect(cellAction({ ...at('2026-11-19'), canCancel: true }, false, TODAY)).toBe('cancel')
    expect(cellAction(at('2026-11-20'), false, TODAY)).toBe('withdraw')
    expect(cellAction(at('2026-11-21'), true, TODAY)).toBe('none')
    expect(cellAction(cell('2026-11-23', { state: 'full' }), false, TODAY)).toBe('waitlist')
    // A booked day gone by is never cancelled, even by a responsable: an absence is recorded instead.
    expect(cellAction(cell('2026-11-13', { state: 'booked', canCancel: false }), true, TODAY)).toBe('none')
    // A past day already pointed (présent sans réservation) is not booked over.
    expect(cellAction(cell('2026-11-13', { state: 'past', attendance: 'present' }), true, TODAY)).toBe('none')
  })

  it('draws attendance before the state', () => {
    expect(cellGlyph(cell('2026-11-13', { state: 'booked', attendance: 'present' }))).toBe('P')
    expect(cellGlyph(cell('2026-11-13', { state: 'booked', attendance: 'absent_justifie' }))).toBe('AJ')
    expect(cellGlyph(cell('2026-11-13', { state: 'booked', attendance: 'absent_injustifie' }))).toBe('AI')
    expect(cellGlyph(cell('2026-11-13', { state: 'waiting', waitRank: 3 }))).toBe('A3')
    expect(cellGlyph(cell('2026-11-13', { state: 'closed' }))).toBe('')
  })

  it('moves like a grid: arrows clamp, Home/End, Ctrl+Home/End, PageUp/PageDown change month', () => {
    expect(moveFor('ArrowRight', { row: 0, day: 29 }, 2, 30)).toEqual({ pos: { row: 0, day: 29 } })
    expect(moveFor('ArrowLeft', { row: 0, day: 3 }, 2, 30)).toEqual({ pos: { row: 0, day: 2 } })
    expect(moveFor('ArrowDown', { row: 1, day: 3 }, 2, 30)).toEqual({ pos: { row: 1, day: 3 } })
    expect(moveFor('ArrowUp', { row: 1, day: 3 }, 2, 30)).toEqual({ pos: { row: 0, day: 3 } })
    expect(moveFor('Home', { row: 1, day: 3 }, 2, 30)).toEqual({ pos: { row: 1, day: 0 } })
    expect(moveFor('End', { row: 1, day: 3 }, 2, 30)).toEqual({ pos: { row: 1, day: 29 } })
    expect(moveFor('Home', { row: 1, day: 3 }, 2, 30, true)).toEqual({ pos: { row: 0, day: 0 } })
    expect(moveFor('End', { row: 0, day: 3 }, 2, 30, true)).toEqual({ pos: { row: 1, day: 29 } })
    expect(moveFor('PageUp', { row: 0, day: 3 }, 2, 30)).toEqual({ month: -1 })
    expect(moveFor('PageDown', { row: 0, day: 3 }, 2, 30)).toEqual({ month: 1 })
    expect(moveFor('a', { row: 0, day: 3 }, 2, 30)).toBeNull()
  })

  it('starts on today when the month shows it, else on the first open day', () => {
    const g = november()
    expect(initialPos(g, TODAY)).toEqual({ row: 0, day: 15 })
    expect(initialPos(g, '2026-12-01')).toEqual({ row: 0, day: 1 })
    expect(flatRows(g)).toHaveLength(1)
  })
})

const periods: CalendarPeriodView[] = [
  { id: SITE, schoolYear: '2026-2027', kind: 'school_year', label: 'Année', firstDay: '2026-09-01', lastDay: '2027-07-02', unitId: null, siteId: null },
  { id: SITE, schoolYear: '2026-2027', kind: 'holiday', label: 'Toussaint', firstDay: '2026-10-17', lastDay: '2026-11-01', unitId: null, siteId: null },
  { id: SITE, schoolYear: '2026-2027', kind: 'holiday', label: 'Noël', firstDay: '2026-12-19', lastDay: '2027-01-03', unitId: null, siteId: null },
  { id: SITE, schoolYear: '2026-2027', kind: 'holiday', label: 'Hiver', firstDay: '2027-02-20', lastDay: '2027-03-07', unitId: null, siteId: null },
]

describe('bulk booking form', () => {
  it('offers the weekdays of the service’s calendar', () => {
    expect(weekdaysFor('wednesdays')).toEqual([3])
    expect(weekdaysFor('school_days')).toEqual([1, 2, 4, 5])
    expect(weekdaysFor('holidays')).toEqual([1, 2, 3, 4, 5])
  })

  it('presets: until the next holidays (the Friday before Christmas), until the end of the school year', () => {
    expect(untilNextHolidays('2026-11-16', periods)).toBe('2026-12-18')
    expect(untilNextHolidays('2026-12-20', periods)).toBe('2027-02-19')
    expect(untilEndOfYear('2026-11-16', periods)).toBe('2027-07-02')
    expect(untilEndOfYear('2099-03-12', periods)).toBeNull()
  })

  it('names a malformed input before sending it', () => {
    expect(bulkProblem({ weekdays: [], from: '2026-11-16', to: '2026-12-18' }, periods)).toEqual({ key: 'noWeekday' })
    expect(bulkProblem({ weekdays: [1], from: '2026-11-16', to: '' }, periods)).toEqual({ key: 'missingDates' })
    expect(bulkProblem({ weekdays: [1], from: '2026-12-18', to: '2026-11-16' }, periods)).toEqual({ key: 'toBeforeFrom' })
    expect(bulkProblem({ weekdays: [1], from: '2026-11-16', to: '2027-09-30' }, periods)).toMatchObject({ key: 'outsideYear', year: '2026-2027', last: '2027-07-02' })
    expect(bulkProblem({ weekdays: [1], from: '2099-03-12', to: '2099-03-20' }, periods)).toEqual({ key: 'noYear', day: '2099-03-12' })
    expect(bulkProblem({ weekdays: [1, 4], from: '2026-11-16', to: '2026-12-18' }, periods)).toBeNull()
    // Without the calendar (not readable), the core's own check decides.
    expect(bulkProblem({ weekdays: [1], from: '2099-03-12', to: '2099-03-20' }, null)).toBeNull()
  })

  it('groups the closed days skipped by reason', () => {
    const noel = 'Vacances de Noël'
    const groups = groupSkipped([
      { date: '2026-12-21', reason: noel },
      { date: '2026-11-11', reason: 'Armistice' },
      { date: '2026-12-24', reason: noel },
      { date: '2026-12-28', reason: noel },
      { date: '2026-12-31', reason: noel },
    ])
    expect(groups).toEqual([
      { first: '2026-11-11', last: '2026-11-11', count: 1, reason: 'Armistice' },
      { first: '2026-12-21', last: '2026-12-31', count: 4, reason: noel },
    ])
  })
})

// Loaded by path: the node type-check (tsconfig.node.json) has no declaration for .vue files.
const SFC = '../../../src/renderer/components/bookings/MonthGrid.vue'
const MonthGrid = ((await import(/* @vite-ignore */ SFC)) as { default: Component }).default

/** MonthGrid.vue rendered server-side (no DOM needed); a text key missing from fr fails the test. */
async function render(pos = { row: 0, day: 18 }): Promise<string> {
  const missing: string[] = []
  const local = createI18n({ legacy: false, locale: 'fr', messages: { fr }, missing: (_l, key) => void missing.push(key) })
  const app = createSSRApp({ render: () => h(MonthGrid, { grid: november(), pos, today: TODAY, monthLabel: 'novembre 2026' }) })
  app.use(local)
  const html = await renderToString(app)
  expect(missing).toEqual([])
  return html
}

describe('MonthGrid.vue (rendered)', () => {
  it('is a real grid: column headers per day, a row header per service, one tab stop', async () => {
    const html = await render()
    expect(html).toContain('role="grid"')
    expect(html).toContain('aria-label="Planning de novembre 2026"')
    expect(html.match(/<th[^>]*scope="col"/g)).toHaveLength(31)
    expect(html.match(/<th[^>]*scope="row"/g)).toHaveLength(1)
    expect(html.match(/role="gridcell"/g)).toHaveLength(30)
    expect(html.match(/tabindex="0"/g)).toHaveLength(1)
    expect(html).toMatch(/id="grid-cell-0-18"[^>]*tabindex="0"/)
    // Weekends shaded (Saturday 21 and Sunday 22 November).
    expect(html).toMatch(/class="is-weekend month-grid__day"[^>]*abbr="samedi 21\/11\/2026"/)
  })

  it('names each cell with its state, attendance, waiting rank and pending mark', async () => {
    const html = await render()
    expect(html).toContain('aria-label="Restauration scolaire, Léa, jeudi 19/11/2026 : réservé, pas encore confirmé par le portail"')
    expect(html).toContain('aria-label="Restauration scolaire, Léa, vendredi 20/11/2026 : en liste d’attente (2e)"')
    expect(html).toContain('aria-label="Restauration scolaire, Léa, lundi 16/11/2026 : date limite passée"')
    expect(html).toMatch(/data-date="2026-11-16" data-state="deadline"/)
  })

  it('explains the focused cell under the grid: its deadline, its closed cancellation, the portal’s refusal', async () => {
    const focused = await render({ row: 0, day: 15 })
    const live = /<p id="grid-explanation"[^>]*aria-live="polite"[^>]*>([^<]*)<\/p>/.exec(focused)
    expect(live?.[1]).toContain('Inscriptions closes le jeudi 12/11 à 10:00')
    const booked = await render({ row: 0, day: 18 })
    const text = /<p id="grid-explanation"[^>]*>([^<]*)<\/p>/.exec(booked)?.[1] ?? ''
    expect(text).toContain('Annulation close le jeudi 12/11 à 23:59')
    expect(text).toContain('Refusée par le portail : Complet : plus de place.')
    // The same explanation as the cell's title (mouse users).
    expect(booked).toContain('title="Inscriptions closes le jeudi 12/11 à 10:00."')
    expect(booked).toContain('title="Inscriptions ouvertes jusqu’au mardi 17/11 à 10:00. Places restantes : 10."')
    expect(booked).toContain('title="Réservé. Annulation close le jeudi 12/11 à 23:59. Refusée par le portail : Complet : plus de place."')
  })
})

describe('planning texts (i18n/bookings.ts, wired as `planning`)', () => {
  const t = i18n.global.t as unknown as (key: string, arg?: unknown) => string
  it('names the weekdays and counts the result in French', () => {
    expect(t('planning.bulk.weekdayNames.1')).toBe('Lun')
    expect(t('planning.bulk.weekdayLong.3')).toBe('mercredi')
    expect(t('planning.bulk.result.booked', 0)).toBe('Aucun jour réservé.')
    expect(t('planning.bulk.result.booked', 1)).toBe('1 jour réservé.')
    expect(t('planning.bulk.result.booked', 9)).toBe('9 jours réservés.')
    expect(t('planning.bulk.result.waitlisted', 2)).toBe('2 jours en liste d’attente.')
    expect(t('planning.promote.offer', { family: 'Famille Petit' })).toBe('Proposer la place à Famille Petit (1re en attente)')
    expect(t('planning.list.refused', { reason: 'Complet' })).toBe('Refusée par le portail : Complet')
  })
})
