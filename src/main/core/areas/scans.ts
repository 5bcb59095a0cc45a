import { statSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type Database from 'better-sqlite3'
import { DomainError } from '@shared/contract'
import type { ScannerFolder, scansEndpoints } from '@shared/contract/scans'
import type { HandlersFor } from '../router'
import { getSetting, setSetting } from '../services/settings'
import { SCANNER_FOLDER_SETTING, importFromScannerFolder, listScannerFolder, readScan } from '../services/scans'
import { safeErrorMessage } from '../../../common/redact'

/**
 * Scans at the counter (issue 8, item 7): the town's scanner folder (a workstation setting),
 * importing one of its files, and reading a stored scan back by its hash. Uploads and picked
 * files do not come through here: they reach the core host by its own 'scan' message
 * (src/main/host/protocol.ts), never through a contract call's 1 MiB body.
 */

/** The workstation's data folder: the database's own folder (src/main/core/paths.ts). */
export function dataDirOf(sqlite: Database.Database): string {
  return dirname(sqlite.name)
}

function scannerFolderOf(sqlite: Database.Database): string | null {
  const folder = getSetting(sqlite, SCANNER_FOLDER_SETTING)
  return folder ? folder : null
}

const refuse = (reason: string) => new DomainError('RULE_REJECTED', reason, { rule: 'SCANNER_FOLDER', reason })

function listing(sqlite: Database.Database): ScannerFolder {
  const folder = scannerFolderOf(sqlite)
  if (!folder) return { folder: null, files: [], problem: null }
  try {
    return { folder, files: listScannerFolder(folder), problem: null }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem =
      code === 'ENOENT'
        ? 'Le dossier du scanner est introuvable (débranché ou renommé ?).'
        : code === 'EACCES' || code === 'EPERM'
          ? "Le dossier du scanner n'est pas lisible par le guichet."
          : `Le dossier du scanner ne peut pas être lu (${safeErrorMessage(error)}).`
    return { folder, files: [], problem }
  }
}

type Handlers = HandlersFor<{ scans: typeof scansEndpoints }>['scans']

export const scansHandlers: Handlers = {
  scannerFolder: (ctx) => listing(ctx.sqlite),
  importFromScanner: async (ctx, input) => {
    const folder = scannerFolderOf(ctx.sqlite)
    if (!folder) throw refuse("Aucun dossier du scanner n'est réglé sur ce poste.")
    const ref = await importFromScannerFolder(dataDirOf(ctx.sqlite), folder, input.name)
    ctx.record('scan', ref.sha256)
    return ref
  },
  setScannerFolder: (ctx, input) => {
    if (input.folder === null) {
      ctx.sqlite.prepare('DELETE FROM settings WHERE key = ?').run(SCANNER_FOLDER_SETTING)
      return listing(ctx.sqlite)
    }
    if (!isAbsolute(input.folder)) throw refuse('Indiquez le chemin complet du dossier du scanner.')
    const folder = resolve(input.folder)
    const info = (() => {
      try {
        return statSync(folder)
      } catch {
        throw refuse(`Le dossier « ${folder} » est introuvable.`)
      }
    })()
    if (!info.isDirectory()) throw refuse(`« ${folder} » n'est pas un dossier.`)
    setSetting(ctx.sqlite, SCANNER_FOLDER_SETTING, folder)
    return listing(ctx.sqlite)
  },
  read: async (ctx, input) => {
    ctx.record('scan', input.sha256)
    const scan = await readScan(dataDirOf(ctx.sqlite), input.sha256)
    if (!scan) throw new DomainError('NOT_FOUND', 'Scan not found on this workstation')
    return { mime: scan.mime, size: scan.bytes.length, dataBase64: Buffer.from(scan.bytes).toString('base64') }
  },
}
