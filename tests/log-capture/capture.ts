import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkLogCapture, describeReport } from '../../scripts/check-log-capture'
import { LOG_CAPTURE_ENV } from '../../src/common/log-capture'

/**
 * The log capture of a test run (vitest and playwright global setups): GUICHET_LOG_CAPTURE
 * names a fresh folder that every portal, core and e2e web shell of the run writes its logs to
 * (src/common/log-capture.ts); at the end, scripts/check-log-capture.ts greps them for every
 * seeded name, e-mail, phone, code famille and password, and the run fails on any hit.
 * GUICHET_LOG_CAPTURE already set: that folder is used and kept; "off": no capture.
 */

interface Capture {
  dir: string
  owned: boolean
}

export function openLogCapture(label: string): Capture | null {
  const preset = process.env[LOG_CAPTURE_ENV]
  if (preset === 'off' || preset === '0') return null
  if (preset) return { dir: preset, owned: false }
  const dir = mkdtempSync(join(tmpdir(), `guichet-logs-${label}-`))
  process.env[LOG_CAPTURE_ENV] = dir
  return { dir, owned: true }
}

/** Checks the captured logs; throws (the run fails) listing the hits, with the values masked. */
export function closeLogCapture(capture: Capture | null, opts: { expectLogs?: boolean } = {}): void {
  if (!capture) return
  const report = checkLogCapture(capture.dir)
  const text = describeReport(capture.dir, report)
  const seeded = Object.values(report.values).reduce((a, b) => a + b, 0)
  if (opts.expectLogs && (report.files === 0 || seeded === 0)) {
    // Every e2e run starts web shells with a demo town: an empty capture means the capture broke.
    process.exitCode = 1
    throw new Error(`${text}\nCapture vide : les journaux ou les valeurs semées n’ont pas été capturés.`)
  }
  if (report.hits.length > 0) {
    // vitest reports a teardown error without failing the run: the exit code says it.
    process.exitCode = 1
    throw new Error(`${text}\n(dossier gardé pour l’enquête)`)
  }
  console.log(text)
  if (capture.owned) rmSync(capture.dir, { recursive: true, force: true })
}
