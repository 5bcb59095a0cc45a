import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PushResponseSchema, type EnrolResponse, type PushCommand, type PushResponse } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { backends } from './backends'
import { command, enrol, startTestPortal, type TestPortal } from './helpers'

/**
 * Tariffs are town data (issue 12): the portal records town.saveTariff like the other town
 * facts, with its field history, and flags, never refuses, a grid saved by an agent who is not
 * a responsable (NOT_A_RESPONSABLE) or for a service it does not have (kept in a missing flag,
 * not written).
 */
describe.each(backends)('portal: tariffs as town data ($name)', (backend) => {
  let t: TestPortal
  let a: EnrolResponse
  let responsableId: string
  let seq = 0
  const outcomes = async (commands: PushCommand[]) => {
    const res = await t.api<PushResponse>('POST', '/sync/push', { token: a.token, body: { schemaVersion: 1, commands } })
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return PushResponseSchema.parse(res.body).results.map((r) => [r.status, (r.flags ?? []).map((f) => `${f.kind}:${f.code}`)])
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 2 })
    a = await enrol(t, 'Guichet A')
    responsableId = (await one<{ id: string }>(t.db, sql`SELECT id FROM agents WHERE login = 'responsable'`))!.id
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it('records a grid and its edit with history, flags a non-responsable and an unknown service', async () => {
    const grid = {
      id: uuidv7(),
      unitId: 'cantine',
      label: 'Restauration scolaire 2027',
      validFrom: '2027-01-01',
      validTo: null,
      residency: 'tous',
      kind: 'tranches',
      brackets: [
        { min: 0, max: 622, cents: 110 },
        { min: 623, max: null, cents: 360 },
      ],
      noQfCents: 360,
      ratePercent: null,
      minCents: null,
      maxCents: null,
      penaltyCents: 560,
      incompleteCents: 360,
      active: true,
    }
    const commands = [
      command(++seq, 'town.saveTariff', grid, uuidv7(), responsableId),
      command(++seq, 'town.saveTariff', { ...grid, penaltyCents: 580 }, uuidv7(), responsableId),
      // By the 'accueil' test agent (the counter's contract would have refused it): recorded and flagged.
      command(++seq, 'town.saveTariff', { ...grid, penaltyCents: 580, incompleteCents: 400 }),
      command(++seq, 'town.saveTariff', { ...grid, id: uuidv7(), unitId: 'piscine' }, uuidv7(), responsableId),
    ]
    expect(await outcomes(commands)).toEqual([
      ['applied', []],
      ['applied', []],
      ['applied', ['rule:NOT_A_RESPONSABLE']],
      ['applied', ['missing:UNKNOWN_UNIT']],
    ])
    expect(await one(t.db, sql`SELECT brackets, penalty_cents, incomplete_cents FROM tariffs WHERE id = ${grid.id}`)).toEqual({
      brackets: '[[0,622,110],[623,null,360]]',
      penalty_cents: 580,
      incomplete_cents: 400,
    })
    expect(await rows(t.db, sql`SELECT field, old_value, new_value FROM field_history WHERE command_id = ${commands[1]!.id}`)).toEqual([
      { field: 'penalty_cents', old_value: '560', new_value: '580' },
    ])
    expect(await one(t.db, sql`SELECT count(*)::int AS n FROM tariffs WHERE unit_id = 'piscine'`)).toEqual({ n: 0 })
  })
})
