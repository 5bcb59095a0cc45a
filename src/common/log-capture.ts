import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * src/common: the log capture of the test suites (plain Node, portal and workstation).
 *
 * When GUICHET_LOG_CAPTURE names a folder (set by the vitest and playwright global setups,
 * tests/log-capture-setup.ts), every portal started by startPortal writes its JSON log lines,
 * at debug level, to a file there (even with `log: false`), the e2e fixtures write the web
 * shell's output there, and whatever the suites seed (demo names, e-mails, phones, codes
 * famille, handed-out passwords) is appended to `seeded-<pid>.jsonl`. At the end of the run
 * scripts/check-log-capture.ts greps every log file for every seeded value: 0 hits expected.
 * Without the variable, nothing here does anything.
 */

export const LOG_CAPTURE_ENV = 'GUICHET_LOG_CAPTURE'

export type SeededKind = 'name' | 'email' | 'phone' | 'code' | 'password'

export function logCaptureDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const dir = env[LOG_CAPTURE_ENV]
  return dir && dir !== 'off' && dir !== '0' ? dir : null
}

let files = 0

/** A sink that appends each line to a new file of the capture folder, or null when capture is off. */
export function logCaptureSink(label: string): ((line: string) => void) | null {
  const dir = logCaptureDir()
  if (!dir) return null
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${label}-${process.pid}-${++files}.log`)
  return (line) => {
    try {
      appendFileSync(file, line.endsWith('\n') ? line : `${line}\n`)
    } catch {
      // the capture folder went away (end of the run): the test logs are not the product's concern
    }
  }
}

const recorded = new Set<string>()

/** Records values the suites seeded or handed out, for the capture check (no-op when capture is off). */
export function recordSeeded(kind: SeededKind, values: Iterable<string | null | undefined>): void {
  const dir = logCaptureDir()
  if (!dir) return
  let out = ''
  for (const value of values) {
    if (typeof value !== 'string' || value === '') continue
    const key = `${kind}\u0000${value}`
    if (recorded.has(key)) continue
    recorded.add(key)
    // A password is kept in base64, so that the list itself never holds its bytes: the at-rest
    // check (scripts/check-at-rest.ts) searches the capture and temporary folders for them.
    out += `${JSON.stringify(kind === 'password' ? { kind, b64: Buffer.from(value, 'utf8').toString('base64') } : { kind, value })}\n`
  }
  if (out === '') return
  mkdirSync(dir, { recursive: true })
  appendFileSync(join(dir, `seeded-${process.pid}.jsonl`), out)
}
