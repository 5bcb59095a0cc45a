import { z } from 'zod'
import { command, query } from './define'
import { singleLine } from '../validation/text'

/**
 * Scans of supporting documents (issue 8): the files themselves stay on the workstation, in
 * <data folder>/scans/<sha256>.<pdf|jpg|png>; the documents row (src/shared/sync/entities.ts)
 * carries their hash, type, size and original name.
 *
 * A scan never travels through a contract call (1 MiB body): a file reaches the core host by
 * its own path (the web shell's upload route POST /api/v1/scans, or a file path in Electron,
 * relayed by the main process: src/main/host/protocol.ts `scan`). The contract only lists and
 * imports the files of the town's scanner folder, and reads a stored scan back.
 */

/** 10 MiB: the largest scan accepted (a one-page A4 colour scan at 300 dpi is 1–3 MB). */
export const MAX_SCAN_BYTES = 10 * 1024 * 1024
/** The web shell's upload body limit: the scan plus a little (the route refuses above MAX_SCAN_BYTES itself). */
export const SCAN_UPLOAD_LIMIT = MAX_SCAN_BYTES + 64 * 1024
/** The web shell's upload route (raw body, application/octet-stream, `?name=` the original file name). */
export const SCAN_UPLOAD_PATH = '/api/v1/scans'

export const scanMimes = ['application/pdf', 'image/jpeg', 'image/png'] as const
export type ScanMime = (typeof scanMimes)[number]

/** The file name's extensions each type may carry (compared lower-case). */
export const SCAN_EXTENSIONS: Readonly<Record<ScanMime, readonly string[]>> = {
  'application/pdf': ['pdf'],
  'image/jpeg': ['jpg', 'jpeg', 'jpe', 'jfif'],
  'image/png': ['png'],
}
/** The stored file's extension per type. */
export const SCAN_STORED_EXT: Readonly<Record<ScanMime, string>> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' }

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'empreinte SHA-256 attendue (64 chiffres hexadécimaux)')

/** What an imported scan is: what the documents row records (scan_sha256, scan_mime, scan_size, scan_name). */
export const ScanRefSchema = z.object({
  sha256: Sha256Schema,
  mime: z.enum(scanMimes),
  size: z.number().int().positive().max(MAX_SCAN_BYTES),
  name: z.string().min(1).max(200),
})
export type ScanRef = z.infer<typeof ScanRefSchema>

/** Refusal codes (RULE_REJECTED details.rule); details.reason holds the French sentence shown at the field. */
export const scanRefusals = ['SCAN_EMPTY', 'SCAN_TOO_BIG', 'SCAN_TYPE', 'SCAN_NAME_MISMATCH', 'SCAN_UNREADABLE', 'SCAN_NOT_FOUND', 'SCANNER_FOLDER'] as const
export type ScanRefusalCode = (typeof scanRefusals)[number]

/** "12,4 Mo": MiB with one decimal, the French way. */
export function frenchMegabytes(bytes: number): string {
  const mb = Math.round((bytes / (1024 * 1024)) * 10) / 10
  return `${mb.toLocaleString('fr-FR', { minimumFractionDigits: mb < 10 && !Number.isInteger(mb) ? 1 : 0, maximumFractionDigits: 1 })} Mo`
}

/** « Fichier trop volumineux (12,4 Mo) : 10 Mo au plus. » */
export function tooBigText(bytes: number): string {
  return `Fichier trop volumineux (${frenchMegabytes(bytes)}) : ${frenchMegabytes(MAX_SCAN_BYTES)} au plus.`
}

/** A file name of the scanner folder: one name, no folder part, nothing that leaves the folder. */
export const ScannerFileNameSchema = singleLine({ min: 1, max: 255, trim: false }).refine(
  (name) => !/[/\\]/.test(name) && name !== '.' && name !== '..' && !name.includes('\0') && name.trim() === name,
  { message: 'nom de fichier du dossier du scanner attendu (sans dossier ni « .. »)' },
)

export const ScannerFileSchema = z.object({
  name: z.string(),
  size: z.number().int().nonnegative(),
  /** ISO instant of the file's last change. */
  modifiedAt: z.string(),
  /** Too big or not a PDF/JPEG/PNG by its name: listed greyed, importing it is refused with the reason. */
  problem: z.string().nullable(),
})
export type ScannerFile = z.infer<typeof ScannerFileSchema>

export const ScannerFolderSchema = z.object({
  /** The folder set for this workstation (null: none). */
  folder: z.string().nullable(),
  /** The newest files first (at most SCANNER_LIST_MAX). */
  files: z.array(ScannerFileSchema),
  /** Why the folder cannot be read (French), or null. */
  problem: z.string().nullable(),
})
export type ScannerFolder = z.infer<typeof ScannerFolderSchema>

export const SCANNER_LIST_MAX = 30

export const scansEndpoints = {
  /** The newest files of the scanner folder (name, size, date). */
  scannerFolder: query({ input: z.strictObject({}), output: ScannerFolderSchema, access: 'agent' }),
  /** Imports one file of the scanner folder by its name (checked by content, ≤ 10 Mo, stored by hash). File I/O outside any transaction. */
  importFromScanner: command({ input: z.strictObject({ name: ScannerFileNameSchema }), output: ScanRefSchema, access: 'agent', io: true }),
  /** Sets (or clears) this workstation's scanner folder: an existing folder, absolute path (responsable). */
  setScannerFolder: command({
    input: z.strictObject({ folder: singleLine({ min: 1, max: 1000 }).nullable() }),
    output: ScannerFolderSchema,
    access: ['responsable'],
  }),
  /** A stored scan, by its hash only (journaled: a scan is personal data). */
  read: query({
    input: z.strictObject({ sha256: Sha256Schema }),
    output: z.object({ mime: z.enum(scanMimes), size: z.number().int(), dataBase64: z.string() }),
    access: 'agent',
    journalRead: true,
  }),
}
