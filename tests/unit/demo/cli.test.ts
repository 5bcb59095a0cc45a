import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { main, parseSeedArgs, type CliIo } from '../../../src/main/core/demo/cli'

const dir = mkdtempSync(join(tmpdir(), 'guichet-seed-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fakeIo(env: NodeJS.ProcessEnv = {}): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = []
  const errors: string[] = []
  return {
    lines,
    errors,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
    env,
    now: () => new Date('2026-11-27T10:00:00Z'),
  }
}

describe('npm run seed', () => {
  it('parses the options, with defaults from the environment and today in Paris', () => {
    const io = fakeIo({ GUICHET_DATA_DIR: join(dir, 'env') })
    expect(parseSeedArgs([], io)).toEqual({
      families: 300,
      seed: 1,
      dataDir: join(dir, 'env'),
      today: '2026-11-27',
      schoolYear: '2026-2027',
    })
    expect(parseSeedArgs(['--families', '20000', '--seed', '7', '--data-dir', join(dir, 'x'), '--today', '2026-05-02'], io)).toEqual({
      families: 20000,
      seed: 7,
      dataDir: join(dir, 'x'),
      today: '2026-05-02',
      schoolYear: '2025-2026',
    })
    expect(parseSeedArgs(['--help'], io)).toBe('help')
  })

  it.each([
    [['--families', '0'], /Nombre de familles invalide : « 0 »/],
    [['--families', '200001'], /Nombre de familles invalide/],
    [['--families', '12.5'], /Nombre de familles invalide/],
    [['--families', 'beaucoup'], /Nombre de familles invalide/],
    [['--seed=-3'], /Graine invalide/],
    [['--seed', '-3'], /Valeur manquante ou ambiguë pour --seed/],
    [['--families'], /Valeur manquante ou ambiguë pour --families/],
    [['300'], /Argument inattendu : 300/],
    [['--today', '2026-13-01'], /Date invalide/],
    [['--school-year', '2026'], /Année scolaire invalide/],
    [['--familles', '3'], /^Option inconnue : --familles$/],
  ])('refuses %j with a French message and exit code 2', async (argv, message) => {
    const io = fakeIo({ GUICHET_DATA_DIR: join(dir, 'never') })
    expect(await main(argv, io)).toBe(2)
    expect(io.errors[0]).toMatch(message)
    expect(io.errors.join('\n')).toMatch(/Usage : npm run seed/)
    expect(existsSync(join(dir, 'never'))).toBe(false)
  })

  it('creates, migrates and fills the workstation database (with the demo agents), then prints a French summary', async () => {
    const io = fakeIo()
    const dataDir = join(dir, 'poste')
    expect(await main(['--families', '25', '--data-dir', dataDir], io)).toBe(0)
    expect(io.errors).toEqual([])
    expect(io.lines[0]).toMatch(/^Génération de 25 familles \(graine 1, année scolaire 2026-2027, au 27\/11\/2026\)/)
    expect(io.lines[1]).toMatch(/^Agents de démonstration créés : accueil \/ /)
    expect(io.lines[2]).toMatch(
      /^Ville de démonstration : 25 familles, \d+ personnes, 7 écoles en \d+,\d s → .*guichet\.sqlite$/,
    )
    const sqlite = new Database(join(dataDir, 'guichet.sqlite'), { readonly: true })
    try {
      expect((sqlite.prepare('SELECT count(*) AS n FROM families').get() as { n: number }).n).toBe(25)
      expect((sqlite.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n).toBe(3)
      expect(sqlite.prepare(`SELECT value FROM settings WHERE key = 'demo'`).pluck().get()).toBe('true')
    } finally {
      sqlite.close()
    }
    // A second run adds families after the first ones and leaves the agents alone.
    const again = fakeIo()
    expect(await main(['--families', '5', '--data-dir', dataDir, '--seed', '9'], again)).toBe(0)
    expect(again.lines).toHaveLength(2)
    expect(again.lines[1]).toMatch(/^Ville de démonstration : 5 familles/)
    const reopened = new Database(join(dataDir, 'guichet.sqlite'), { readonly: true })
    try {
      expect(reopened.prepare('SELECT count(*) FROM families').pluck().get()).toBe(30)
      expect(reopened.prepare('SELECT count(*) FROM agents').pluck().get()).toBe(3)
    } finally {
      reopened.close()
    }
  })
})
