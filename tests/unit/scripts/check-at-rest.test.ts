import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { findSecretsAtRest, seededPasswords } from '../../../scripts/check-at-rest'

/** The at-rest search of issue 9: bytes, three encodings, chunk boundaries, no links followed. */

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'at-rest-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const SECRET = 'kM7pQ2xR9a'

describe('findSecretsAtRest', () => {
  it('finds a secret in UTF-8, UTF-16LE and UTF-16BE, in nested folders, and nothing in clean files', () => {
    mkdirSync(join(dir, 'a/b'), { recursive: true })
    writeFileSync(join(dir, 'clean.db'), Buffer.from(`nothing here ${SECRET.slice(0, 9)} but a prefix`))
    writeFileSync(join(dir, 'a/utf8.log'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SECRET, 'utf8'), Buffer.from([0])]))
    writeFileSync(join(dir, 'a/b/utf16le.db-wal'), Buffer.from(`xx${SECRET}yy`, 'utf16le'))
    writeFileSync(join(dir, 'a/b/utf16be.bin'), Buffer.from(`${SECRET}`, 'utf16le').swap16())
    const report = findSecretsAtRest([dir], [SECRET])
    expect(report.files).toBe(4)
    const found = (file: string) => report.hits.filter((h) => h.file === join(dir, file)).map((h) => h.encoding)
    expect(found('clean.db')).toEqual([])
    expect(found('a/utf8.log')).toEqual(['utf-8'])
    expect(found('a/b/utf16le.db-wal')).toContain('utf-16le')
    // UTF-16BE text also holds the UTF-16LE bytes one byte further: either way it is a hit.
    expect(found('a/b/utf16be.bin')).toContain('utf-16be')
    expect(report.hits[0]!.secret).toBe('kM…(10)')
  })

  it('finds a secret across a 4 MiB chunk boundary', () => {
    const big = Buffer.alloc(4 * 1024 * 1024 + 100, 0x2e)
    Buffer.from(SECRET).copy(big, 4 * 1024 * 1024 - 4)
    writeFileSync(join(dir, 'big.db'), big)
    expect(findSecretsAtRest([dir], [SECRET]).hits).toHaveLength(1)
  })

  it('skips symbolic links, files older than `since`, and missing roots', () => {
    const outside = mkdtempSync(join(tmpdir(), 'at-rest-outside-'))
    try {
      writeFileSync(join(outside, 'f'), SECRET)
      symlinkSync(outside, join(dir, 'link'))
      writeFileSync(join(dir, 'old.log'), SECRET)
      const past = new Date(Date.now() - 3600_000)
      utimesSync(join(dir, 'old.log'), past, past)
      expect(findSecretsAtRest([dir, join(dir, 'missing')], [SECRET], { since: Date.now() - 60_000 }).hits).toEqual([])
      expect(findSecretsAtRest([dir], [SECRET]).hits).toHaveLength(1)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })

  it('reads the passwords a run handed out from the capture folder, where they are kept in base64 only', () => {
    writeFileSync(
      join(dir, 'seeded-1.jsonl'),
      [{ kind: 'password', b64: Buffer.from(SECRET).toString('base64') }, { kind: 'name', value: 'Lefèvre' }].map((l) => JSON.stringify(l)).join('\n'),
    )
    expect(seededPasswords(dir)).toEqual([SECRET])
    // The list itself does not hold the password's bytes.
    expect(findSecretsAtRest([dir], [SECRET]).hits).toEqual([])
  })
})
