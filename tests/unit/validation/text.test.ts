import { describe, expect, it } from 'vitest'
import {
  CalendarDay,
  describeIssue,
  displayText,
  findUnsafeText,
  freeText,
  isCalendarDay,
  MAX_DEPTH,
  secret,
  singleLine,
  skipPaths,
  textFault,
} from '@shared/validation/text'

/** The input hygiene primitives (issue 7, "Input hygiene everywhere"). */

describe('calendar days', () => {
  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2027-02-31', false],
    ['2027-04-31', false],
    ['2027-13-01', false],
    ['2027-00-10', false],
    ['2027-01-00', false],
    ['0000-00-00', false],
    ['1899-12-31', false],
    ['1900-01-01', true],
    ['2100-12-31', true],
    ['2101-01-01', false],
    ['2000-02-29', true],
    ['2100-02-29', false],
    ['2027-3-1', false],
    ['2027-03-01T00:00', false],
    ['２０２７-03-01', false],
  ])('%s → %s', (day, ok) => {
    expect(isCalendarDay(day)).toBe(ok)
    expect(CalendarDay.safeParse(day).success).toBe(ok)
  })

  it('says why in French, once', () => {
    const r = CalendarDay.safeParse('31 février')
    expect(r.success).toBe(false)
    expect(r.error?.issues).toHaveLength(1)
    expect(r.error?.issues[0]?.message).toContain('AAAA-MM-JJ')
    expect(CalendarDay.safeParse('2027-02-31').error?.issues[0]?.message).toContain('date inexistante')
  })
})

describe('text faults', () => {
  it.each([
    ['nul', 'a\u0000b', 'nul'],
    ['U+0001', 'a\u0001b', 'control'],
    ['escape', 'a\u001b[2Jb', 'control'],
    ['DEL', 'a\u007fb', 'control'],
    ['C1 control', 'a\u0085b', 'control'],
    ['lone high surrogate', 'a\ud800b', 'lone_surrogate'],
    ['lone high surrogate at the end', 'abc\ud83d', 'lone_surrogate'],
    ['lone low surrogate', 'a\udc00b', 'lone_surrogate'],
    ['reversed pair', '\ude00\ud83d', 'lone_surrogate'],
    ['lone CR', 'a\rb', 'control'],
  ])('%s is refused everywhere', (_label, s, problem) => {
    expect(textFault(s, true)?.problem).toBe(problem)
    expect(textFault(s, false)?.problem).toBe(problem)
  })

  it('accepts an emoji (a valid surrogate pair), accents and non-Latin scripts', () => {
    for (const s of ['Léa 😀', '👨‍👩‍👧', 'Zoë Ørsted', 'Ἀθῆναι', '北京', '\u00a0espace insécable']) {
      expect(textFault(s, false)).toBeNull()
    }
  })

  it('allows newline, tab and CRLF in free text only', () => {
    for (const s of ['ligne 1\nligne 2', 'a\tb', 'ligne 1\r\nligne 2']) {
      expect(textFault(s, true)).toBeNull()
      expect(textFault(s, false)?.problem).toBe('line_break')
    }
  })
})

describe('zod helpers', () => {
  const name = singleLine({ min: 2, max: 80 })
  const note = freeText({ min: 3, max: 500 })

  it('a newline is fine in free text, not in a name', () => {
    expect(note.parse('Vu avec la famille.\nRéglé.')).toBe('Vu avec la famille.\nRéglé.')
    expect(name.safeParse('Dupont\nMartin').success).toBe(false)
    expect(name.safeParse('Dupont\tMartin').success).toBe(false)
  })

  it('trims first: a trailing newline pasted with a name is dropped, not refused', () => {
    expect(name.parse('  Dupont\n')).toBe('Dupont')
  })

  it('refuses NUL, controls and lone surrogates in both, and says so in French', () => {
    for (const s of ['Du\u0000pont', 'Du\u0001pont', 'Du\ud800pont']) {
      expect(name.safeParse(s).success).toBe(false)
      expect(note.safeParse(s).success).toBe(false)
    }
    expect(name.safeParse('Du\u0000pont').error?.issues[0]?.message).toBe('caractère nul (U+0000) interdit')
    expect(note.safeParse('abc\ud800').error?.issues[0]?.message).toContain('U+D800')
  })

  it('keeps the bounds and accepts an emoji', () => {
    expect(name.safeParse('D').success).toBe(false)
    expect(name.safeParse('x'.repeat(81)).success).toBe(false)
    expect(name.parse('Léa 😀')).toBe('Léa 😀')
  })

  it('a secret is not trimmed and is one line', () => {
    const pw = secret({ max: 256 })
    expect(pw.parse(' mot de passe ')).toBe(' mot de passe ')
    expect(pw.safeParse('abc\u0000').success).toBe(false)
    expect(pw.safeParse('abc\ndef').success).toBe(false)
  })
})

describe('deep check of a parsed JSON value', () => {
  it('finds a fault in a nested value and names its path', () => {
    const issue = findUnsafeText({ a: [1, { b: 'ok', c: 'x\u0000' }] })
    expect(issue).toMatchObject({ problem: 'nul', path: ['a', 1, 'c'], inKey: false })
    expect(describeIssue(issue!)).toBe('« a.1.c » : caractère nul (U+0000) interdit')
  })

  it('checks object keys too, and shows a bad key escaped', () => {
    const issue = findUnsafeText(JSON.parse('{"ok":{"a\\u0000b":1}}'))
    expect(issue).toMatchObject({ problem: 'nul', path: ['ok', 'a\u0000b'], inKey: true })
    expect(describeIssue(issue!)).toBe('nom de champ « ok.a\\u0000b » : caractère nul (U+0000) interdit')
    expect(findUnsafeText({ 'a\nb': 1 })).toMatchObject({ problem: 'line_break', inKey: true })
    expect(findUnsafeText(JSON.parse('{"\\ud800":1}'))).toMatchObject({ problem: 'lone_surrogate', inKey: true })
  })

  it('lets newlines through (free text) and passes clean values', () => {
    expect(findUnsafeText({ note: 'a\nb', n: 1, t: true, z: null, e: '😀', list: ['x'] })).toBeNull()
    expect(findUnsafeText('plain')).toBeNull()
    expect(findUnsafeText(undefined)).toBeNull()
  })

  it('refuses nesting beyond MAX_DEPTH without overflowing the stack', () => {
    let deep: unknown = 'x'
    for (let i = 0; i < 100_000; i++) deep = [deep]
    expect(findUnsafeText(deep)).toMatchObject({ problem: 'too_deep' })
    let ok: unknown = 'x'
    for (let i = 0; i < MAX_DEPTH; i++) ok = [ok]
    expect(findUnsafeText(ok)).toBeNull()
  })

  it('skips the subtrees checked elsewhere (a pushed command payload), not the envelope', () => {
    const skip = skipPaths(['commands.*.payload'])
    const body = { commands: [{ name: 'x', payload: { note: '\u0000' } }] }
    expect(findUnsafeText(body, skip)).toBeNull()
    expect(findUnsafeText({ commands: [{ name: 'x\u0000', payload: {} }] }, skip)).toMatchObject({ path: ['commands', 0, 'name'] })
  })

  it('displayText escapes faults and keeps emoji', () => {
    expect(displayText('a\u0000b\ud800😀')).toBe('a\\u0000b\\ud800😀')
    expect(displayText('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`)
    expect(displayText('\u0000'.repeat(3), 20)).toBe('\\u0000\\u0000\\u0000')
    expect(displayText('\u0000'.repeat(3), 10)).toBe('\\u0000\\u0000…')
    expect(displayText('x'.repeat(10), 10)).toBe('x'.repeat(10))
  })
})
