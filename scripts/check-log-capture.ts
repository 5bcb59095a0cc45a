import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The log capture check (issue 7, "Logs"): greps every log file of a capture folder
 * (GUICHET_LOG_CAPTURE, src/common/log-capture.ts) for every value the run seeded or handed
 * out (`seeded-*.jsonl`: names, e-mails, phones, codes famille, passwords). 0 hits expected.
 *
 *   npx tsx scripts/check-log-capture.ts <folder>     exit 0: clean, 1: hits (listed, values masked)
 *
 * Matching rules (case-insensitive):
 * - names: each word of a name (split on spaces, hyphens, apostrophes) of 4 letters or more,
 *   as a whole word of the logs (so "Ange" does not hit "change", nor "Rose" "arrosé");
 * - e-mails: as whole e-mail addresses found in the logs;
 * - phones: by their digits (+33 → 0), against every run of 9+ digits of the logs, spaces,
 *   dots and dashes between digits ignored;
 * - codes famille: against every "6 digits, letter" of the logs ("104217 k" too);
 * - passwords: as substrings;
 * - any value shorter than 4 characters is skipped (too short to mean anything: "Léa", "Tom").
 */

export type SeededKind = 'name' | 'email' | 'phone' | 'code' | 'password'

export interface CaptureHit {
  file: string
  line: number
  kind: SeededKind
  /** The value, masked: its first two characters and its length. */
  value: string
}

export interface CaptureReport {
  files: number
  lines: number
  values: Record<SeededKind, number>
  hits: CaptureHit[]
}

export const MIN_VALUE_LENGTH = 4

const mask = (v: string): string => `${[...v].slice(0, 2).join('')}…(${[...v].length})`
const lower = (v: string): string => v.normalize('NFC').toLocaleLowerCase('fr-FR')
const phoneDigits = (v: string): string => {
  const d = v.replace(/\D/g, '')
  return d.startsWith('33') && d.length === 11 ? `0${d.slice(2)}` : d.startsWith('0033') ? `0${d.slice(4)}` : d
}

const WORD_RE = /[\p{L}\p{M}]+/gu
const EMAIL_RE = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*/gu
const DIGITS_RE = /\+?\d(?:[\s.-]?\d){8,}/g
const CODE_RE = /(?<![\p{L}\p{N}])\d{6}[\s.-]?[A-Za-z](?![\p{L}\p{N}])/gu

/** The seeded values of a capture folder, by kind, in the form they are matched. */
export function loadSeeded(dir: string): Record<SeededKind, Map<string, string>> {
  const out: Record<SeededKind, Map<string, string>> = { name: new Map(), email: new Map(), phone: new Map(), code: new Map(), password: new Map() }
  for (const file of readdirSync(dir).filter((f) => /^seeded-.*\.jsonl$/.test(f))) {
    for (const text of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (!text) continue
      const parsed = JSON.parse(text) as { kind: SeededKind; value?: string; b64?: string }
      const kind = parsed.kind
      // Passwords are listed in base64 (src/common/log-capture.ts).
      const value = typeof parsed.b64 === 'string' ? Buffer.from(parsed.b64, 'base64').toString('utf8') : parsed.value
      if (typeof value !== 'string' || !(kind in out)) continue
      if (kind === 'name') {
        for (const word of value.split(/[\s\-'’]+/)) if ([...word].length >= MIN_VALUE_LENGTH) out.name.set(lower(word), word)
      } else if (kind === 'phone') {
        const digits = phoneDigits(value)
        if (digits.length >= 9) out.phone.set(digits, value)
      } else if ([...value].length >= MIN_VALUE_LENGTH) {
        out[kind].set(kind === 'code' ? value.replace(/[\s.-]/g, '').toUpperCase() : lower(value), value)
      }
    }
  }
  return out
}

/** Log files: everything in the folder (and below) but the seeded lists. */
function logFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) out.push(...logFiles(path))
    else if (!/^seeded-.*\.jsonl$/.test(name)) out.push(path)
  }
  return out.sort()
}

export function checkLogCapture(dir: string): CaptureReport {
  const seeded = loadSeeded(dir)
  const passwords = [...seeded.password.keys()]
  const report: CaptureReport = {
    files: 0,
    lines: 0,
    values: { name: seeded.name.size, email: seeded.email.size, phone: seeded.phone.size, code: seeded.code.size, password: seeded.password.size },
    hits: [],
  }
  for (const path of logFiles(dir)) {
    report.files++
    const file = path.slice(dir.length + 1)
    readFileSync(path, 'utf8')
      .split('\n')
      .forEach((raw, index) => {
        if (raw === '') return
        report.lines++
        const text = lower(raw)
        const hit = (kind: SeededKind, value: string | undefined): void => {
          if (value !== undefined) report.hits.push({ file, line: index + 1, kind, value: mask(value) })
        }
        for (const w of text.match(WORD_RE) ?? []) hit('name', seeded.name.get(w))
        for (const e of text.match(EMAIL_RE) ?? []) hit('email', seeded.email.get(e))
        for (const d of text.match(DIGITS_RE) ?? []) hit('phone', seeded.phone.get(phoneDigits(d)))
        for (const c of raw.match(CODE_RE) ?? []) hit('code', seeded.code.get(c.replace(/[\s.-]/g, '').toUpperCase()))
        for (const p of passwords) if (text.includes(p)) hit('password', seeded.password.get(p))
      })
  }
  return report
}

/** A short French account of a report (hits listed, values masked). */
export function describeReport(dir: string, r: CaptureReport): string {
  const values = Object.entries(r.values)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ')
  const head = `Journaux capturés (${dir}) : ${r.files} fichiers, ${r.lines} lignes, valeurs semées : ${values}.`
  if (r.hits.length === 0) return `${head} Aucune donnée semée dans les journaux.`
  const lines = r.hits.slice(0, 50).map((h) => `  ${h.file}:${h.line} : ${h.kind} ${h.value}`)
  return [`${head} ${r.hits.length} donnée(s) semée(s) trouvée(s) dans les journaux :`, ...lines, ...(r.hits.length > 50 ? ['  …'] : [])].join('\n')
}

// Run by hand (tsx); imported by the test runners' global setups (no import.meta: playwright loads this as CommonJS).
if (/check-log-capture\.ts$/.test(process.argv[1] ?? '')) {
  const dir = process.argv[2]
  if (!dir) {
    console.error('Usage : npx tsx scripts/check-log-capture.ts <dossier de capture>')
    process.exit(2)
  }
  const report = checkLogCapture(dir)
  console.log(describeReport(dir, report))
  process.exit(report.hits.length === 0 ? 0 : 1)
}
