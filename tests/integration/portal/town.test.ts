import { sql } from 'drizzle-orm'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PushResponseSchema, type EnrolResponse, type PushCommand, type PushResponse } from '@shared/sync/protocol'
import { one, rows } from '../../../src/portal/db/client'
import { billingOptions } from '../../../src/portal/services/invoicing'
import { openWorkstation, type TestWorkstation } from '../sync/harness'
import { backends } from './backends'
import { command, enrol, kids, startTestPortal, type TestPortal } from './helpers'

/**
 * The portal records the quotient familial and the town-data facts (issue 8, items 5 and 6)
 * and flags, never refuses, what breaks its rules: an implausible QF, a computed QF that does
 * not match its inputs, a QF for a family it does not have, town data changed by an agent who
 * is not a responsable, a document type for a requirement it does not have. A workstation
 * receives the edited document type, and its history, by pull.
 */
describe.each(backends)('portal: quotient familial and town data ($name)', (backend) => {
  let t: TestPortal
  let a: EnrolResponse
  let ws: TestWorkstation | null = null
  let responsableId: string
  let seq = 0
  const push = (commands: PushCommand[]) => t.api<PushResponse>('POST', '/sync/push', { token: a.token, body: { schemaVersion: 1, commands } })
  const outcomes = async (commands: PushCommand[]) => {
    const res = await push(commands)
    expect(res.status, JSON.stringify(res.body)).toBe(200)
    return PushResponseSchema.parse(res.body).results.map((r) => [r.status, (r.flags ?? []).map((f) => `${f.kind}:${f.code}`)])
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 4 })
    a = await enrol(t, 'Guichet A')
    responsableId = (await one<{ id: string }>(t.db, sql`SELECT id FROM agents WHERE login = 'responsable'`))!.id
  })
  afterAll(async () => {
    await ws?.cleanup()
    await t?.cleanup()
  })

  it('records every QF and flags an implausible one, a computed one that does not match its inputs, and an unknown family', async () => {
    const familyId = (await kids(t.db))[0]!.familyId
    const qf = (over: Record<string, unknown>) => ({ id: uuidv7(), familyId, validFrom: '2026-12-01', documentId: null, ...over })
    const plausible = qf({ source: 'caf', value: 812, referenceMonth: '2026-10' })
    const implausible = qf({ source: 'manuel', value: 81_200, referenceMonth: null })
    // 36 000 €/year + 200 €/month for 3 parts gives 1 066 €, not 1 166 €.
    const mismatch = qf({ source: 'calcul', value: 1166, referenceMonth: null, annualIncomeCents: 3_600_000, monthlyBenefitsCents: 20_000, partsX2: 6 })
    const computed = qf({ source: 'calcul', value: 1066, referenceMonth: null, annualIncomeCents: 3_600_000, monthlyBenefitsCents: 20_000, partsX2: 6 })
    const orphan = qf({ familyId: uuidv7(), source: 'msa', value: 640, referenceMonth: '2026-09' })
    const commands = [plausible, implausible, mismatch, computed, orphan].map((p) => command(++seq, 'quotients.record', p))
    expect(await outcomes(commands)).toEqual([
      ['applied', []],
      ['applied', ['rule:QF_IMPLAUSIBLE']],
      ['applied', ['rule:QF_MISMATCH']],
      ['applied', []],
      ['applied', ['missing:UNKNOWN_FAMILY']],
    ])
    const stored = await rows<{ id: string; value: number; parts_x2: number | null }>(
      t.db,
      sql`SELECT id, value, parts_x2 FROM quotients WHERE family_id = ${familyId} ORDER BY id`,
    )
    // Facts: all four are recorded as sent (the flagged ones too); the orphan lives in its flag.
    expect(stored).toEqual([
      { id: plausible.id, value: 812, parts_x2: null },
      { id: implausible.id, value: 81_200, parts_x2: null },
      { id: mismatch.id, value: 1166, parts_x2: 6 },
      { id: computed.id, value: 1066, parts_x2: 6 },
    ])
    const flags = await rows<{ code: string; family_id: string | null; reason: string; data: string }>(
      t.db,
      sql`SELECT code, family_id, reason, data FROM flags WHERE command_id IN (${sql.join(commands.map((c) => sql`${c.id}`), sql`, `)}) ORDER BY code`,
    )
    expect(flags.map((f) => [f.code, f.family_id])).toEqual([
      ['QF_IMPLAUSIBLE', familyId],
      ['QF_MISMATCH', familyId],
      ['UNKNOWN_FAMILY', null],
    ])
    expect(flags[1]!.reason).toMatch(/donnent 1\s066\s€/)
    expect(JSON.parse(flags[2]!.data)).toEqual(orphan)
  })

  it('records town data with its history, flags a non-responsable, keeps a type of an unknown requirement in a flag; a workstation pulls the edit', async () => {
    ws = await openWorkstation(t.portal, { name: 'Guichet B' })
    const requirement = { id: 'domicile', label: 'Justificatif de domicile', per: 'family', neededFor: ['school', 'resident'], mandatory: true, sort: 10, active: true }
    const energy = {
      id: 'facture_energie',
      label: "Facture d'énergie",
      requirementId: 'domicile',
      ruleKind: 'months',
      ruleValue: 3,
      ruleDay: null,
      accepted: true,
      keepScan: 'optional',
      sort: 10,
      active: true,
    }
    const commands = [
      command(++seq, 'town.saveRequirement', requirement, uuidv7(), responsableId),
      command(++seq, 'town.saveDocumentType', energy, uuidv7(), responsableId),
      // The edit: 3 → 6 months, by the responsable.
      command(++seq, 'town.saveDocumentType', { ...energy, ruleValue: 6 }, uuidv7(), responsableId),
      // By the 'accueil' agent (the counter's contract would have refused it): recorded and flagged.
      command(++seq, 'town.setOption', { id: 'documents.expiring_soon_days', value: '45' }),
      command(++seq, 'town.saveDocumentType', { ...energy, id: 'facture_orpheline', requirementId: 'inconnue' }, uuidv7(), responsableId),
    ]
    expect(await outcomes(commands)).toEqual([
      ['applied', []],
      ['applied', []],
      ['applied', []],
      ['applied', ['rule:NOT_A_RESPONSABLE']],
      ['applied', ['missing:UNKNOWN_REQUIREMENT']],
    ])
    const type = await one<{ rule_value: number; label: string }>(t.db, sql`SELECT rule_value, label FROM document_types WHERE id = 'facture_energie'`)
    expect(type).toEqual({ rule_value: 6, label: "Facture d'énergie" })
    expect(await one(t.db, sql`SELECT value FROM town_options WHERE id = 'documents.expiring_soon_days'`)).toEqual({ value: '45' })
    expect(await one(t.db, sql`SELECT count(*)::int AS n FROM document_types WHERE id = 'facture_orpheline'`)).toEqual({ n: 0 })
    const edit = await rows<{ field: string; old_value: string; new_value: string; agent_id: string; workstation_id: string; channel: string }>(
      t.db,
      sql`SELECT field, old_value, new_value, agent_id, workstation_id, channel FROM field_history WHERE command_id = ${commands[2]!.id}`,
    )
    expect(edit).toEqual([{ field: 'rule_value', old_value: '3', new_value: '6', agent_id: responsableId, workstation_id: a.workstationId, channel: 'guichet' }])

    // Another workstation receives the edited type, the option and the history by pull.
    await ws.drain()
    const local = ws.core.sqlite.prepare(`SELECT rule_value, label FROM document_types WHERE id = 'facture_energie'`).get()
    expect(local).toEqual({ rule_value: 6, label: "Facture d'énergie" })
    expect(ws.core.sqlite.prepare(`SELECT value FROM town_options WHERE id = 'documents.expiring_soon_days'`).pluck().get()).toBe('45')
    expect(ws.core.sqlite.prepare(`SELECT old_value, new_value FROM field_history WHERE command_id = ?`).get(commands[2]!.id)).toEqual({ old_value: '3', new_value: '6' })
    expect(ws.core.sqlite.prepare(`SELECT code FROM flags WHERE command_id = ?`).pluck().all(commands[3]!.id)).toEqual(['NOT_A_RESPONSABLE'])
  })

  it('records the billing options (issue 12) and the invoice run reads them from town_options', async () => {
    expect(await billingOptions(t.db)).toEqual({ regie: 1, certificateDelayDays: 8, dueDay: 15, debitDay: 10 })
    const set = [
      ['billing.regie', '7'],
      ['billing.certificate_delay_days', '3'],
      ['billing.due_day', '20'],
      ['billing.debit_day', '5'],
    ] as const
    expect(await outcomes(set.map(([id, value]) => command(++seq, 'town.setOption', { id, value }, uuidv7(), responsableId)))).toEqual(set.map(() => ['applied', []]))
    expect(await rows(t.db, sql`SELECT id, value FROM town_options WHERE id LIKE 'billing.%' ORDER BY id`)).toEqual(
      set.map(([id, value]) => ({ id, value })).sort((x, y) => x.id.localeCompare(y.id)),
    )
    expect(await billingOptions(t.db)).toEqual({ regie: 7, certificateDelayDays: 3, dueDay: 20, debitDay: 5 })
  })
})
