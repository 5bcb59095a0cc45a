import { createHash, randomBytes } from 'node:crypto'
import { lstatSync, readdirSync } from 'node:fs'
import { lstat, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DomainError } from '@shared/contract'
import {
  MAX_SCAN_BYTES,
  SCAN_EXTENSIONS,
  SCAN_STORED_EXT,
  SCANNER_LIST_MAX,
  scanMimes,
  tooBigText,
  type ScanMime,
  type ScanRef,
  type ScanRefusalCode,
  type ScannerFile,
} from '@shared/contract/scans'
import { textFault } from '@shared/validation/text'

/**
 * Scans of supporting documents on the workstation (no electron import: runs in the core host).
 *
 * A scan is imported from a file (a temp file of the web shell's upload route, a file the agent
 * picked in Electron, a file of the scanner folder):
 * - its TYPE is read from its CONTENT (file-type): PDF, JPEG or PNG only;
 * - a file whose name says another type than its content (a PNG named "avis.pdf", a text file
 *   renamed "facture.pdf") is REFUSED with a French reason: the agent re-scans or renames it
 *   knowingly, and nothing is stored under a name that lies. A name without an extension (some
 *   scanners) is judged by its content alone;
 * - at most 10 MiB; empty files are refused;
 * - stored under <data folder>/scans/<sha256>.<pdf|jpg|png>, written to a temp file in the same
 *   folder, flushed, then renamed (atomic: a crash never leaves a half file under a hash name);
 *   the same content imported twice is one file.
 * The original name is kept, cleaned (no folder part, no control or invisible faults, 200 chars).
 */

export const SCANS_FOLDER = 'scans'

export function scansDir(dataDir: string): string {
  return join(dataDir, SCANS_FOLDER)
}

function refuse(rule: ScanRefusalCode, reason: string): DomainError {
  return new DomainError('RULE_REJECTED', reason, { rule, reason })
}

/** The original file name as it will be stored and shown: last path part, faults dropped, ≤ 200 chars. */
export function cleanScanName(raw: string, fallbackExt = 'pdf'): string {
  const base = raw.split(/[/\\]/).pop() ?? ''
  let out = ''
  for (const ch of base.normalize('NFC')) {
    // Single-line text rules (src/shared/validation/text.ts): no control, line break, NUL, lone surrogate.
    if (textFault(ch, false)) continue
    // Invisible format characters (bidi overrides that disguise "fdp.exe" as "exe.pdf", zero widths).
    if (/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(ch)) continue
    out += ch
  }
  out = out.replace(/\s+/g, ' ').trim()
  if (out === '' || out === '.' || out === '..') out = `scan.${fallbackExt}`
  if (out.length > 200) {
    const dot = out.lastIndexOf('.')
    const ext = dot > 0 && out.length - dot <= 6 ? out.slice(dot) : ''
    out = `${out.slice(0, 200 - ext.length).trimEnd()}${ext}`
  }
  return out
}

/** The lower-case extension of a name ('' when none). */
export function extensionOf(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : ''
}

/**
 * file-type is ESM only and its "exports" have no require() target: a dynamic import() loads it
 * from the CommonJS core host under tsx (tests, dev) and from the bundle (electron-vite bundles it).
 */
let fileTypeModule: Promise<typeof import('file-type/core')> | null = null
const fileType = () => (fileTypeModule ??= import('file-type/core'))
// Loaded when the core host starts, not at the first scan (a failure is retried then).
fileType().catch(() => {
  fileTypeModule = null
})

const typeWord: Record<ScanMime, string> = { 'application/pdf': 'un PDF', 'image/jpeg': 'une image JPEG', 'image/png': 'une image PNG' }

function mimeOfExtension(ext: string): ScanMime | null {
  for (const mime of scanMimes) if (SCAN_EXTENSIONS[mime].includes(ext)) return mime
  return null
}

/**
 * The scan's type from its bytes, checked against its name. Throws a DomainError (RULE_REJECTED,
 * details.rule SCAN_*) with the French reason shown at the field.
 */
export async function sniffScan(bytes: Uint8Array, name: string): Promise<ScanMime> {
  if (bytes.length === 0) throw refuse('SCAN_EMPTY', `« ${name} » est vide.`)
  if (bytes.length > MAX_SCAN_BYTES) throw refuse('SCAN_TOO_BIG', tooBigText(bytes.length))
  const { fileTypeFromBuffer } = await fileType()
  const found = await fileTypeFromBuffer(bytes)
  const mime = found && (scanMimes as readonly string[]).includes(found.mime) ? (found.mime as ScanMime) : null
  const ext = extensionOf(name)
  const named = mimeOfExtension(ext)
  if (!mime) {
    const what = found ? `son contenu est du type « ${found.ext} »` : "son contenu n'est ni un PDF, ni une image JPEG ou PNG"
    const claim = named ? `« ${name} » n'est pas ${typeWord[named]} : ${what}.` : `« ${name} » ne peut pas être joint : ${what}.`
    throw refuse('SCAN_TYPE', `${claim} Seuls les PDF, JPEG et PNG sont acceptés.`)
  }
  if (ext !== '' && named !== mime) {
    const claim = named ? typeWord[named] : `un fichier « .${ext} »`
    throw refuse(
      'SCAN_NAME_MISMATCH',
      `« ${name} » n'est pas ce que son nom indique : son nom annonce ${claim}, son contenu est ${typeWord[mime]}. Renommez-le ou numérisez-le à nouveau.`,
    )
  }
  return mime
}

/** Checks and stores the scan's bytes; the same content twice is stored once. */
export async function storeScan(dataDir: string, bytes: Uint8Array, originalName: string): Promise<ScanRef> {
  const name = cleanScanName(originalName)
  const mime = await sniffScan(bytes, name)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const dir = scansDir(dataDir)
  await mkdir(dir, { recursive: true })
  const target = join(dir, `${sha256}.${SCAN_STORED_EXT[mime]}`)
  const existing = await stat(target).catch(() => null)
  if (!existing || existing.size !== bytes.length) {
    const temp = join(dir, `.incoming-${randomBytes(8).toString('hex')}`)
    try {
      const handle = await open(temp, 'wx', 0o600)
      try {
        await handle.writeFile(bytes)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(temp, target)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
  }
  return { sha256, mime, size: bytes.length, name }
}

/**
 * Reads a file for import: a regular file (not a folder, a device or a FIFO), refused above
 * 10 MiB before anything is read, and read up to one byte past the limit (a file growing while
 * it is read is refused too).
 */
export async function readScanFile(path: string, displayName: string): Promise<Uint8Array> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw refuse('SCAN_NOT_FOUND', `« ${displayName} » est introuvable ou illisible.`)
  }
  if (!info.isFile()) throw refuse('SCAN_UNREADABLE', `« ${displayName} » n'est pas un fichier.`)
  if (info.size > MAX_SCAN_BYTES) throw refuse('SCAN_TOO_BIG', tooBigText(info.size))
  const handle = await open(path, 'r').catch(() => {
    throw refuse('SCAN_UNREADABLE', `« ${displayName} » ne peut pas être lu.`)
  })
  try {
    const buffer = Buffer.alloc(MAX_SCAN_BYTES + 1)
    let total = 0
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total)
      if (bytesRead === 0) break
      total += bytesRead
      if (total > MAX_SCAN_BYTES) throw refuse('SCAN_TOO_BIG', tooBigText(Math.max(total, info.size)))
    }
    return buffer.subarray(0, total)
  } finally {
    await handle.close()
  }
}

/** Imports the file at `path` (an upload's temp file, a picked file): read, checked, stored. */
export async function importScanFile(dataDir: string, path: string, originalName: string): Promise<ScanRef> {
  const name = cleanScanName(originalName)
  const bytes = await readScanFile(path, name)
  return storeScan(dataDir, bytes, name)
}

/** A stored scan, by its hash only (no name, no path from outside). */
export async function readScan(dataDir: string, sha256: string): Promise<{ mime: ScanMime; bytes: Uint8Array } | null> {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return null
  for (const mime of scanMimes) {
    const file = join(scansDir(dataDir), `${sha256}.${SCAN_STORED_EXT[mime]}`)
    const bytes = await readFile(file).catch(() => null)
    if (bytes) return { mime, bytes }
  }
  return null
}

// ---- the scanner folder ---------------------------------------------------------------

/** The setting holding this workstation's scanner folder (an absolute path). */
export const SCANNER_FOLDER_SETTING = 'scans.scanner_folder'

/** A scanner-folder name that stays inside the folder: one plain name, no separator, no "..". */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && !/[/\\\0]/.test(name) && name !== '.' && name !== '..' && textFault(name, false) === null
}

/** The newest files of the scanner folder (regular files only; hidden files skipped). Synchronous: a contract query. */
export function listScannerFolder(folder: string, max = SCANNER_LIST_MAX): ScannerFile[] {
  const entries = readdirSync(folder, { withFileTypes: true })
  const files: Array<ScannerFile & { mtime: number }> = []
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.') || !isPlainFileName(entry.name)) continue
    let info
    try {
      info = lstatSync(join(folder, entry.name))
    } catch {
      continue
    }
    if (!info.isFile()) continue
    const ext = extensionOf(entry.name)
    const problem =
      info.size > MAX_SCAN_BYTES
        ? tooBigText(info.size)
        : ext !== '' && !mimeOfExtension(ext)
          ? 'Ni PDF, ni JPEG, ni PNG.'
          : info.size === 0
            ? 'Fichier vide.'
            : null
    files.push({ name: entry.name, size: info.size, modifiedAt: info.mtime.toISOString(), problem, mtime: info.mtimeMs })
  }
  files.sort((a, b) => b.mtime - a.mtime || a.name.localeCompare(b.name))
  return files.slice(0, max).map(({ mtime: _mtime, ...file }) => file)
}

/** Imports one file of the scanner folder, by its plain name. */
export async function importFromScannerFolder(dataDir: string, folder: string, name: string): Promise<ScanRef> {
  if (!isPlainFileName(name)) throw refuse('SCANNER_FOLDER', 'Nom de fichier invalide pour le dossier du scanner.')
  const path = join(folder, name)
  // A symbolic link in the scanner folder could point anywhere: only plain files are imported.
  const info = await lstat(path).catch(() => null)
  if (!info) throw refuse('SCAN_NOT_FOUND', `« ${cleanScanName(name)} » n'est plus dans le dossier du scanner.`)
  if (!info.isFile()) throw refuse('SCAN_UNREADABLE', `« ${cleanScanName(name)} » n'est pas un fichier.`)
  return importScanFile(dataDir, path, name)
}
