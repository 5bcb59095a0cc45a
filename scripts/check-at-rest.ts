import { lstatSync, openSync, readdirSync, readSync, closeSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSeeded } from './check-log-capture'

/**
 * The at-rest check of issue 9 ("no clear password exists at rest anywhere"): searches files,
 * byte by byte, for secrets in UTF-8, UTF-16LE and UTF-16BE (SQLite stores text in either,
 * Chromium and Windows write UTF-16). Used by the e2e run:
 * - every web shell's data folder (database, -wal, -shm, outbox, scans, logs) just before the
 *   fixture removes it (tests/e2e/fixtures.ts), hits written to the capture folder;
 * - at the end of the run, the capture folder (every log) and the temporary folder (files
 *   changed during the run), for every password the run handed out (seeded-*.jsonl);
 * - the credentials spec itself, while the browser is still open (its profile is in the
 *   temporary folder), for the passwords it printed.
 *
 *   npx tsx scripts/check-at-rest.ts <capture folder> <folder>…   exit 0: clean, 1: hits
 */

export interface AtRestHit {
  file: string
  encoding: 'utf-8' | 'utf-16le' | 'utf-16be'
  /** The secret, masked: its first two characters and its length. */
  secret: string
}

export interface AtRestReport {
  files: number
  bytes: number
  secrets: number
  hits: AtRestHit[]
}

/**
 * Folders the runs' walks never enter: dependencies, and Playwright's compiled copies of the test
 * files (test source: a spec may spell the password a family chooses).
 */
export const NOT_WALKED = /[\\/](node_modules|\.git|playwright-transform-cache[^\\/]*)$/

/** Files larger than this are skipped (none of ours is; a core dump would be). */
const MAX_FILE_BYTES = 512 * 1024 * 1024
const CHUNK = 4 * 1024 * 1024

const mask = (v: string): string => `${[...v].slice(0, 2).join('')}…(${[...v].length})`

function needlesOf(secret: string): Array<{ encoding: AtRestHit['encoding']; bytes: Buffer }> {
  const le = Buffer.from(secret, 'utf16le')
  return [
    { encoding: 'utf-8', bytes: Buffer.from(secret, 'utf8') },
    { encoding: 'utf-16le', bytes: le },
    { encoding: 'utf-16be', bytes: Buffer.from(le).swap16() },
  ]
}

/** Regular files under `root` (symbolic links and special files skipped), changed at or after `since` (ms). */
function* filesUnder(root: string, since: number, skip: (path: string) => boolean): Generator<{ path: string; size: number }> {
  let entries: string[]
  try {
    entries = readdirSync(root)
  } catch {
    return // gone meanwhile, or not ours to read
  }
  for (const name of entries) {
    const path = join(root, name)
    if (skip(path)) continue
    let info
    try {
      info = lstatSync(path)
    } catch {
      continue
    }
    if (info.isDirectory()) yield* filesUnder(path, since, skip)
    else if (info.isFile() && info.mtimeMs >= since && info.size <= MAX_FILE_BYTES) yield { path, size: info.size }
  }
}

/** Searches every file under `roots` for every secret (chunks overlap, so a secret across two chunks is found). */
export function findSecretsAtRest(
  roots: readonly string[],
  secrets: readonly string[],
  opts: { since?: number; skip?: (path: string) => boolean } = {},
): AtRestReport {
  const report: AtRestReport = { files: 0, bytes: 0, secrets: secrets.length, hits: [] }
  const needles = secrets.filter((s) => s.length >= 4).map((s) => ({ secret: s, needles: needlesOf(s) }))
  if (needles.length === 0) return report
  const overlap = Math.max(...needles.flatMap((n) => n.needles.map((b) => b.bytes.length)))
  const buffer = Buffer.alloc(CHUNK + overlap)
  for (const root of roots) {
    for (const file of filesUnder(root, opts.since ?? 0, opts.skip ?? (() => false))) {
      let fd: number
      try {
        fd = openSync(file.path, 'r')
      } catch {
        continue
      }
      report.files++
      const found = new Set<string>()
      try {
        let carried = 0
        let position = 0
        for (;;) {
          const read = readSync(fd, buffer, carried, CHUNK, position)
          if (read === 0) break
          position += read
          report.bytes += read
          const view = buffer.subarray(0, carried + read)
          for (const n of needles) {
            for (const needle of n.needles) {
              const key = `${n.secret}\u0000${needle.encoding}`
              if (!found.has(key) && view.includes(needle.bytes)) {
                found.add(key)
                report.hits.push({ file: file.path, encoding: needle.encoding, secret: mask(n.secret) })
              }
            }
          }
          carried = Math.min(overlap, view.length)
          view.copy(buffer, 0, view.length - carried)
        }
      } finally {
        closeSync(fd)
      }
    }
  }
  return report
}

/** The passwords a run handed out (seeded-*.jsonl of its capture folder). */
export function seededPasswords(captureDir: string): string[] {
  return [...loadSeeded(captureDir).password.values()]
}

/** A short French account of a report (files, hits with the secrets masked). */
export function describeAtRest(label: string, r: AtRestReport): string {
  const head = `Mots de passe au repos (${label}) : ${r.files} fichiers lus (${Math.round(r.bytes / 1024)} Kio), ${r.secrets} mots de passe cherchés en UTF-8, UTF-16LE et UTF-16BE.`
  if (r.hits.length === 0) return `${head} Aucun trouvé.`
  return [`${head} ${r.hits.length} trouvé(s) :`, ...r.hits.slice(0, 50).map((h) => `  ${h.file} : ${h.secret} (${h.encoding})`)].join('\n')
}

/** Writes a report's hits to the capture folder (`at-rest-*.json`), where the end of the run finds them. */
export function recordAtRestHits(captureDir: string, label: string, r: AtRestReport): void {
  if (r.hits.length === 0) return
  writeFileSync(join(captureDir, `at-rest-${process.pid}-${Date.now()}.json`), JSON.stringify({ label, hits: r.hits }))
}

// Run by hand (tsx). No import.meta: playwright loads this as CommonJS.
if (/check-at-rest\.ts$/.test(process.argv[1] ?? '')) {
  const [capture, ...roots] = process.argv.slice(2)
  if (!capture || roots.length === 0) {
    console.error('Usage : npx tsx scripts/check-at-rest.ts <dossier de capture> <dossier>…')
    process.exit(2)
  }
  const report = findSecretsAtRest(roots, seededPasswords(capture))
  console.log(describeAtRest(roots.join(', '), report))
  process.exit(report.hits.length === 0 ? 0 : 1)
}
