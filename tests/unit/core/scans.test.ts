import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_SCAN_BYTES, tooBigText, type ScannerFolder } from '@shared/contract/scans'
import { cleanScanName, importScanFile, readScan, scansDir, storeScan } from '../../../src/main/core/services/scans'
import { AGENTS, addAgents, count, makeCore, tempDir } from '../../helpers/core'
import { JPEG_HEAD, PNG_1x1, TEXT_FILE, pdfBytes } from '../../helpers/scan-files'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).reverse().forEach((c) => c()))

function dirs() {
  const data = tempDir('guichet-scans-data-')
  const src = tempDir('guichet-scans-src-')
  cleanups.push(data.cleanup, src.cleanup)
  return { dataDir: data.dir, srcDir: src.dir }
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

/** The RULE_REJECTED reason a refused import carries (what the field shows). */
async function refusal(p: Promise<unknown>): Promise<{ rule: string; reason: string }> {
  try {
    await p
  } catch (error) {
    const e = error as { code?: string; details?: { rule: string; reason: string } }
    expect(e.code).toBe('RULE_REJECTED')
    return e.details!
  }
  throw new Error('expected a refusal')
}

describe('scans: checked by content, ≤ 10 MB, stored by hash', () => {
  it('stores a PDF under scans/<sha256>.pdf, atomically, once for the same content', async () => {
    const { dataDir, srcDir } = dirs()
    const bytes = await pdfBytes('avis')
    const file = join(srcDir, 'Avis CAF.PDF')
    writeFileSync(file, bytes)
    const ref = await importScanFile(dataDir, file, 'C:\\Users\\guichet\\Bureau\\Avis CAF.PDF')
    expect(ref).toEqual({ sha256: sha(bytes), mime: 'application/pdf', size: bytes.length, name: 'Avis CAF.PDF' })
    const stored = join(scansDir(dataDir), `${ref.sha256}.pdf`)
    expect(readFileSync(stored).equals(Buffer.from(bytes))).toBe(true)
    // Again: same file, no temp file left behind.
    expect(await storeScan(dataDir, bytes, 'copie.pdf')).toMatchObject({ sha256: ref.sha256, name: 'copie.pdf' })
    expect(readdirSync(scansDir(dataDir))).toEqual([`${ref.sha256}.pdf`])
    expect(await readScan(dataDir, ref.sha256)).toEqual({ mime: 'application/pdf', bytes: expect.any(Buffer) })
    expect(await readScan(dataDir, '../../etc/passwd')).toBeNull()
    expect(await readScan(dataDir, 'f'.repeat(64))).toBeNull()
  })

  it('stores a PNG and a JPEG as .png and .jpg; a name without extension is judged by its content', async () => {
    const { dataDir } = dirs()
    expect(await storeScan(dataDir, PNG_1x1, 'photo.png')).toMatchObject({ mime: 'image/png' })
    expect(await storeScan(dataDir, JPEG_HEAD, 'scan0001')).toMatchObject({ mime: 'image/jpeg', name: 'scan0001' })
    expect(await storeScan(dataDir, JPEG_HEAD, 'scan.JPEG')).toMatchObject({ mime: 'image/jpeg' })
    expect(readdirSync(scansDir(dataDir)).sort()).toEqual([`${sha(JPEG_HEAD)}.jpg`, `${sha(PNG_1x1)}.png`].sort())
  })

  it('refuses a text file renamed .pdf, with a French reason', async () => {
    const { dataDir } = dirs()
    const r = await refusal(storeScan(dataDir, TEXT_FILE, 'facture.pdf'))
    expect(r.rule).toBe('SCAN_TYPE')
    expect(r.reason).toBe("« facture.pdf » n'est pas un PDF : son contenu n'est ni un PDF, ni une image JPEG ou PNG. Seuls les PDF, JPEG et PNG sont acceptés.")
    expect(existsSync(scansDir(dataDir)) ? readdirSync(scansDir(dataDir)) : []).toEqual([])
  })

  it('refuses a PNG named .pdf (the name lies): nothing is stored', async () => {
    const { dataDir } = dirs()
    const r = await refusal(storeScan(dataDir, PNG_1x1, 'avis-imposition.pdf'))
    expect(r.rule).toBe('SCAN_NAME_MISMATCH')
    expect(r.reason).toContain("« avis-imposition.pdf » n'est pas ce que son nom indique : son nom annonce un PDF, son contenu est une image PNG.")
    const other = await refusal(storeScan(dataDir, await pdfBytes(), 'lettre.docx'))
    expect(other.reason).toContain('son nom annonce un fichier « .docx », son contenu est un PDF')
    expect(existsSync(scansDir(dataDir)) ? readdirSync(scansDir(dataDir)) : []).toEqual([])
  })

  it('refuses a known type that is not a scan (a ZIP named .zip), and an empty file', async () => {
    const { dataDir } = dirs()
    const zip = Buffer.from('504b0304140000000800', 'hex')
    expect((await refusal(storeScan(dataDir, Buffer.concat([zip, Buffer.alloc(40)]), 'pieces.zip'))).rule).toBe('SCAN_TYPE')
    expect(await refusal(storeScan(dataDir, Buffer.alloc(0), 'vide.pdf'))).toEqual({ rule: 'SCAN_EMPTY', reason: '« vide.pdf » est vide.' })
  })

  it('refuses a file over 10 MB before reading it, with the size in French', async () => {
    const { dataDir, srcDir } = dirs()
    const file = join(srcDir, 'gros.pdf')
    writeFileSync(file, '%PDF-1.7\n')
    truncateSync(file, 13_002_342) // 12,4 Mo
    expect(tooBigText(13_002_342)).toBe('Fichier trop volumineux (12,4 Mo) : 10 Mo au plus.')
    expect(await refusal(importScanFile(dataDir, file, 'gros.pdf'))).toEqual({ rule: 'SCAN_TOO_BIG', reason: 'Fichier trop volumineux (12,4 Mo) : 10 Mo au plus.' })
    // Exactly 10 MiB is accepted, one byte more is not.
    const limit = Buffer.alloc(MAX_SCAN_BYTES)
    Buffer.from(await pdfBytes()).copy(limit)
    expect(await storeScan(dataDir, limit, 'limite.pdf')).toMatchObject({ size: MAX_SCAN_BYTES })
    expect((await refusal(storeScan(dataDir, Buffer.alloc(MAX_SCAN_BYTES + 1, limit), 'plus.pdf'))).rule).toBe('SCAN_TOO_BIG')
    expect((await refusal(importScanFile(dataDir, srcDir, 'dossier.pdf'))).rule).toBe('SCAN_UNREADABLE')
    expect((await refusal(importScanFile(dataDir, join(srcDir, 'absent.pdf'), 'absent.pdf'))).rule).toBe('SCAN_NOT_FOUND')
  })

  it('cleans the original name with the text rules', () => {
    expect(cleanScanName('/home/agent/Téléchargements/avis.pdf')).toBe('avis.pdf')
    expect(cleanScanName('C:\\Scans\\avis.pdf')).toBe('avis.pdf')
    expect(cleanScanName('fac\u0000tu\u0007re\n  EDF.pdf')).toBe('facture EDF.pdf')
    expect(cleanScanName('photo\u202Efdp.exe')).toBe('photofdp.exe')
    expect(cleanScanName('\ud800')).toBe('scan.pdf')
    expect(cleanScanName('..')).toBe('scan.pdf')
    const long = cleanScanName(`${'a'.repeat(300)}.pdf`)
    expect(long).toHaveLength(200)
    expect(long.endsWith('.pdf')).toBe(true)
  })
})

describe('the scanner folder through the contract', () => {
  async function counter() {
    const core = await makeCore()
    cleanups.push(core.cleanup)
    addAgents(core.sqlite)
    const responsable = core.openSession()
    const accueil = core.openSession()
    expect(await core.call(responsable, 'session', 'login', { login: AGENTS.responsable.login, password: AGENTS.responsable.password })).toMatchObject({ ok: true })
    expect(await core.call(accueil, 'session', 'login', { login: AGENTS.accueil.login, password: AGENTS.accueil.password })).toMatchObject({ ok: true })
    const scanner = tempDir('guichet-scanner-')
    cleanups.push(scanner.cleanup)
    return { core, responsable, accueil, folder: scanner.dir }
  }

  it('a responsable sets the folder; agents list its newest files and import one by name', async () => {
    const { core, responsable, accueil, folder } = await counter()
    expect(await core.call(accueil, 'scans', 'scannerFolder', {})).toEqual({ ok: true, data: { folder: null, files: [], problem: null } })
    expect(await core.call(accueil, 'scans', 'setScannerFolder', { folder })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    const older = await pdfBytes('older')
    writeFileSync(join(folder, 'SCAN_0001.pdf'), older)
    utimesSync(join(folder, 'SCAN_0001.pdf'), new Date('2026-11-27T08:00:00Z'), new Date('2026-11-27T08:00:00Z'))
    writeFileSync(join(folder, 'SCAN_0002.jpg'), JPEG_HEAD)
    utimesSync(join(folder, 'SCAN_0002.jpg'), new Date('2026-11-27T10:00:00Z'), new Date('2026-11-27T10:00:00Z'))
    writeFileSync(join(folder, 'notes.txt'), TEXT_FILE)
    utimesSync(join(folder, 'notes.txt'), new Date('2026-11-27T09:00:00Z'), new Date('2026-11-27T09:00:00Z'))
    writeFileSync(join(folder, '.cache'), 'x')
    mkdirSync(join(folder, 'archive'))
    const set = await core.call(responsable, 'scans', 'setScannerFolder', { folder })
    expect(set).toMatchObject({ ok: true, data: { folder, problem: null } })
    const listed = (await core.call(accueil, 'scans', 'scannerFolder', {})) as { ok: true; data: ScannerFolder }
    expect(listed.ok && listed.data.files.map((f) => [f.name, f.problem, f.modifiedAt])).toEqual([
      ['SCAN_0002.jpg', null, '2026-11-27T10:00:00.000Z'],
      ['notes.txt', 'Ni PDF, ni JPEG, ni PNG.', '2026-11-27T09:00:00.000Z'],
      ['SCAN_0001.pdf', null, '2026-11-27T08:00:00.000Z'],
    ])
    const imported = await core.call(accueil, 'scans', 'importFromScanner', { name: 'SCAN_0001.pdf' })
    expect(imported).toEqual({ ok: true, data: { sha256: sha(older), mime: 'application/pdf', size: older.length, name: 'SCAN_0001.pdf' } })
    expect(existsSync(join(core.dir, 'scans', `${sha(older)}.pdf`))).toBe(true)
    expect(count(core.sqlite, 'journal', `action = 'scans.importFromScanner' AND outcome = 'ok' AND entity_id = '${sha(older)}'`)).toBe(1)
    // No outbox row: the scan stays on the workstation (the documents row carries its hash).
    expect(count(core.sqlite, 'outbox')).toBe(0)
    const read = (await core.call(accueil, 'scans', 'read', { sha256: sha(older) })) as { ok: true; data: { dataBase64: string } }
    expect(read.ok && Buffer.from(read.data.dataBase64, 'base64').equals(Buffer.from(older))).toBe(true)
    expect(count(core.sqlite, 'journal', `action = 'scans.read' AND entity_id = '${sha(older)}'`)).toBe(1)
    expect(await core.call(accueil, 'scans', 'read', { sha256: 'a'.repeat(64) })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    const refused = await core.call(accueil, 'scans', 'importFromScanner', { name: 'notes.txt' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'RULE_REJECTED', details: { rule: 'SCAN_TYPE' } } })
  })

  it('never leaves the folder: separators, "..", hidden tricks and symbolic links are refused', async () => {
    const { core, responsable, accueil, folder } = await counter()
    await core.call(responsable, 'scans', 'setScannerFolder', { folder })
    const outside = tempDir('guichet-outside-')
    cleanups.push(outside.cleanup)
    writeFileSync(join(outside.dir, 'secret.pdf'), await pdfBytes('secret'))
    symlinkSync(join(outside.dir, 'secret.pdf'), join(folder, 'lien.pdf'))
    for (const name of ['../secret.pdf', '..', 'a/b.pdf', 'a\\b.pdf', `${outside.dir}/secret.pdf`, ' x.pdf', 'x\n.pdf']) {
      const r = await core.call(accueil, 'scans', 'importFromScanner', { name })
      expect(r, name).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    }
    expect(await core.call(accueil, 'scans', 'importFromScanner', { name: 'lien.pdf' })).toMatchObject({
      ok: false,
      error: { code: 'RULE_REJECTED', details: { rule: 'SCAN_UNREADABLE' } },
    })
    const listed = (await core.call(accueil, 'scans', 'scannerFolder', {})) as { ok: true; data: ScannerFolder }
    expect(listed.ok && listed.data.files).toEqual([])
    expect(existsSync(join(core.dir, 'scans')) ? readdirSync(join(core.dir, 'scans')) : []).toEqual([])
  })

  it('says when the folder is gone, and refuses a folder that does not exist or is relative', async () => {
    const { core, responsable, accueil, folder } = await counter()
    expect(await core.call(responsable, 'scans', 'setScannerFolder', { folder: 'scans' })).toMatchObject({
      ok: false,
      error: { details: { reason: 'Indiquez le chemin complet du dossier du scanner.' } },
    })
    expect(await core.call(responsable, 'scans', 'setScannerFolder', { folder: join(folder, 'absent') })).toMatchObject({
      ok: false,
      error: { code: 'RULE_REJECTED', details: { rule: 'SCANNER_FOLDER' } },
    })
    const gone = join(folder, 'usb')
    mkdirSync(gone)
    await core.call(responsable, 'scans', 'setScannerFolder', { folder: gone })
    rmSync(gone, { recursive: true })
    expect(await core.call(accueil, 'scans', 'scannerFolder', {})).toEqual({
      ok: true,
      data: { folder: gone, files: [], problem: 'Le dossier du scanner est introuvable (débranché ou renommé ?).' },
    })
    expect(await core.call(accueil, 'scans', 'importFromScanner', { name: 'x.pdf' })).toMatchObject({
      ok: false,
      error: { details: { rule: 'SCAN_NOT_FOUND' } },
    })
    expect(await core.call(responsable, 'scans', 'setScannerFolder', { folder: null })).toEqual({ ok: true, data: { folder: null, files: [], problem: null } })
  })
})
