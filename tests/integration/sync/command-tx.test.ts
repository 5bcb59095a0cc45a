import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CommandRejection, checkSeriesNumber, SERIES, type CommandContext, type CommandTx, type WorkstationSeries } from '@shared/commands'
import type { Row } from '@shared/sync/entities'
import { createCore, type Core } from '../../../src/main/core'
import { setSetting } from '../../../src/main/core/services/settings'
import { SYNC_KEYS } from '../../../src/main/core/sync/state'
import { openPortalDb, type PortalDatabase } from '../../../src/portal/db/client'
import { EntityStore } from '../../../src/portal/db/store'
import { createEnrolmentCode, enrolWorkstation } from '../../../src/portal/services/workstations'
import { MIGRATIONS } from '../../helpers/core'
import { backends } from '../portal/backends'
import { DEFAULT_UNITS, unitRow } from '../../../src/common/demo/units'

/**
 * One suite, two drivers of CommandTx: the workstation's (SQLite file) and the portal's
 * (PGlite, and PostgreSQL when DATABASE_URL is set). Every expectation is the same for both:
 * a shared command must read and write alike wherever it runs.
 */

interface Driver {
  name: string
  /** Runs `fn` as one command, committed. */
  run<T>(fn: (tx: CommandTx) => Promise<T>): Promise<T>
  /** Runs `fn` as one command that is then rejected: nothing it did may stay. */
  reject(fn: (tx: CommandTx) => Promise<void>): Promise<void>
  /** The workstation whose series this driver knows (enrolled on the portal, or this workstation's own). */
  series: WorkstationSeries
  close(): Promise<void>
}

const REFUSED = new CommandRejection('TEST', 'refusé pour le test')

async function sqliteDriver(): Promise<Driver> {
  const dir = mkdtempSync(join(tmpdir(), 'guichet-cmdtx-'))
  const core: Core = await createCore({ dataDir: dir, migrationsFolder: MIGRATIONS, demo: false, log: () => {} })
  const { sqlite, store } = core
  const workstationId = uuidv7()
  const series: WorkstationSeries = { workstationId, codeFamille: { first: 230001, last: 230003 }, receiptSeries: 'G04' }
  setSetting(sqlite, SYNC_KEYS.workstationId, workstationId)
  setSetting(sqlite, SYNC_KEYS.codeFamilleFirst, String(series.codeFamille.first))
  setSetting(sqlite, SYNC_KEYS.codeFamilleLast, String(series.codeFamille.last))
  setSetting(sqlite, SYNC_KEYS.receiptSeries, series.receiptSeries)
  // As the router runs a command: one IMMEDIATE transaction, rolled back when the command throws.
  const run = async <T,>(fn: (tx: CommandTx) => Promise<T>): Promise<T> => {
    sqlite.exec('BEGIN IMMEDIATE')
    try {
      const out = await fn(store.commandTx())
      store.flushSearchIndex()
      sqlite.exec('COMMIT')
      return out
    } catch (error) {
      sqlite.exec('ROLLBACK')
      store.discardPending()
      throw error
    }
  }
  return {
    name: 'sqlite',
    run,
    async reject(fn) {
      await expect(
        run(async (tx) => {
          await fn(tx)
          throw REFUSED
        }),
      ).rejects.toBe(REFUSED)
    },
    series,
    async close() {
      core.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function portalDriver(backend: (typeof backends)[number]): Promise<Driver> {
  const handle = await backend.open()
  const database: PortalDatabase = await openPortalDb({ dataDir: handle.dataDir, ...(handle.databaseUrl ? { databaseUrl: handle.databaseUrl } : {}) })
  const { db } = database
  const code = await createEnrolmentCode(db, 'Guichet test')
  const enrolled = await enrolWorkstation(db, { code: code.code })
  const series: WorkstationSeries = { workstationId: enrolled.workstationId, codeFamille: enrolled.codeFamilleRange, receiptSeries: enrolled.receiptSeries }
  const origin = { commandId: null, workstationId: null }
  // As a push runs a command: inside EntityStore.isolated (writes buffered, savepoint when needed).
  return {
    name: backend.name,
    run: (fn) => EntityStore.transaction(db, origin, (store) => store.isolated(() => fn(store))),
    async reject(fn) {
      await EntityStore.transaction(db, origin, async (store) => {
        await expect(
          store.isolated(async () => {
            await fn(store)
            throw REFUSED
          }),
        ).rejects.toBe(REFUSED)
      })
    },
    series,
    async close() {
      await database.close()
      await handle.cleanup()
    },
  }
}

const drivers: Array<{ name: string; open: () => Promise<Driver> }> = [
  { name: 'sqlite', open: sqliteDriver },
  ...backends.map((b) => ({ name: b.name, open: () => portalDriver(b) })),
]

const at = '2027-01-04T08:00:00.000Z'
const school = (id: string, name: string): Row => ({ id, name, kind: 'primaire', address: '1 rue des Écoles' })

describe.each(drivers)('CommandTx driver: $name', ({ open }) => {
  let d: Driver
  const schoolIds = [uuidv7(), uuidv7(), uuidv7(), uuidv7()]
  const familyId = uuidv7()
  const otherFamilyId = uuidv7()
  const childId = uuidv7()
  const agentId = uuidv7()
  const bookings: Row[] = []
  const days = ['2027-01-04', '2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08', '2027-01-11']

  beforeAll(async () => {
    d = await open()
    await d.run(async (tx) => {
      // Bytewise text order: "B" < "a" < "É" on both sides.
      for (const [i, name] of ['a école', 'B école', 'É école', 'c école'].entries()) await tx.put('schools', school(schoolIds[i]!, name))
      await tx.put('units', { ...unitRow(DEFAULT_UNITS.find((u) => u.id === 'cantine')!, null), default_capacity: 100 })
      for (const id of [familyId, otherFamilyId]) {
        await tx.put('families', {
          id,
          code: id === familyId ? '100001A' : '100002B',
          name: 'MARTIN',
          address_line1: '1 rue Victor-Hugo',
          address_line2: null,
          postcode: '78420',
          city: 'Carrières-sur-Seine',
          caisse: null,
          allocataire_number: null,
          paperless_invoices: false,
          created_at: at,
          updated_at: at,
        })
      }
      await tx.put('persons', {
        id: childId,
        civility: null,
        last_name: 'MARTIN',
        birth_name: null,
        first_names: 'Léa',
        sex: 'F',
        birth_date: '2019-03-02',
        phone_mobile: null,
        phone_home: null,
        phone_work: null,
        email: null,
        profession: null,
        created_at: at,
        updated_at: at,
      })
      for (const [i, date] of days.entries()) {
        const row: Row = {
          id: uuidv7(),
          family_id: familyId,
          child_id: childId,
          unit_id: 'cantine',
          site_id: schoolIds[0]!,
          date,
          state: i === 2 ? 'annule' : 'reserve',
          channel: 'guichet',
          agent_id: i % 2 === 0 ? agentId : null,
          workstation_id: null,
          created_at: at,
          updated_at: at,
          attendance: null,
          absence_certificate_date: null,
          attendance_by: null,
          attendance_at: null,
          override_reason: null,
          cancel_override_reason: null,
          cancelled_at: null,
        }
        bookings.push(row)
        await tx.put('reservations', row)
      }
      for (const [i, cents] of [1250, 3000, 475].entries()) {
        await tx.put('payments', {
          id: uuidv7(),
          family_id: familyId,
          amount_cents: cents,
          kind: 'paiement',
          method: 'en_ligne',
          transaction_id: `TX-${i}`,
          paid_at: `2027-01-0${4 + i}T10:00:00.000Z`,
          created_at: at,
        })
      }
      await tx.put('payments', {
        id: uuidv7(),
        family_id: otherFamilyId,
        amount_cents: 9999,
        kind: 'paiement',
        method: 'en_ligne',
        transaction_id: 'TX-OTHER',
        paid_at: '2027-01-05T10:00:00.000Z',
        created_at: at,
      })
    })
  })
  afterAll(async () => {
    await d?.close()
  })

  const datesOf = (rows: Row[]) => rows.map((r) => r.date)

  it('finds a range of days (between, >=, <), ordered, with a limit', async () => {
    await d.run(async (tx) => {
      const week = await tx.query('reservations', { where: { child_id: childId }, range: { column: 'date', gte: '2027-01-05', lte: '2027-01-08' }, orderBy: { column: 'date' } })
      expect(datesOf(week)).toEqual(['2027-01-05', '2027-01-06', '2027-01-07', '2027-01-08'])
      const booked = await tx.query('reservations', { where: { child_id: childId, state: 'reserve' }, range: { column: 'date', gte: '2027-01-05', lt: '2027-01-08' } })
      expect(datesOf(booked).sort()).toEqual(['2027-01-05', '2027-01-07'])
      const lastTwo = await tx.query('reservations', { where: { child_id: childId }, orderBy: { column: 'date', direction: 'desc' }, limit: 2 })
      expect(datesOf(lastTwo)).toEqual(['2027-01-11', '2027-01-08'])
      const after = await tx.query('reservations', { range: { column: 'date', gt: '2027-01-08' } })
      expect(datesOf(after)).toEqual(['2027-01-11'])
      expect(await tx.query('reservations', { where: { child_id: uuidv7() } })).toEqual([])
      // Default order: by id; limit 0 is nothing.
      expect((await tx.query('reservations', { where: { child_id: childId } })).map((r) => r.id)).toEqual(bookings.map((b) => b.id))
      expect(await tx.query('reservations', { where: { child_id: childId }, limit: 0 })).toEqual([])
    })
  })

  it('orders text bytewise and NULLs alike (first going up, last going down), ties by id', async () => {
    await d.run(async (tx) => {
      const names = (await tx.query('schools', { orderBy: { column: 'name' } })).map((s) => s.name)
      expect(names).toEqual(['B école', 'a école', 'c école', 'É école'])
      const up = await tx.query('reservations', { where: { child_id: childId }, orderBy: { column: 'agent_id' } })
      expect(up.map((r) => r.agent_id)).toEqual([null, null, null, agentId, agentId, agentId])
      expect(up.map((r) => r.id)).toEqual([1, 3, 5, 0, 2, 4].map((i) => bookings[i]!.id))
      const down = await tx.query('reservations', { where: { child_id: childId }, orderBy: { column: 'agent_id', direction: 'desc' }, limit: 4 })
      expect(down.map((r) => r.id)).toEqual([4, 2, 0, 5].map((i) => bookings[i]!.id))
    })
  })

  it('sums an int column with a where and a range (0 when nothing matches)', async () => {
    await d.run(async (tx) => {
      expect(await tx.sum('payments', 'amount_cents', { where: { family_id: familyId } })).toBe(4725)
      expect(await tx.sum('payments', 'amount_cents', { where: { family_id: familyId }, range: { column: 'paid_at', gte: '2027-01-05' } })).toBe(3475)
      expect(await tx.sum('payments', 'amount_cents', { where: { family_id: uuidv7() } })).toBe(0)
      expect(await tx.sum('payments', 'amount_cents', {})).toBe(4725 + 9999)
      await expect(tx.sum('payments', 'method', {})).rejects.toThrow(/not an int column/)
    })
  })

  it('reads its own writes inside a command (put then query, sum, count)', async () => {
    const id = uuidv7()
    await d.run(async (tx) => {
      await tx.put('payments', { id, family_id: otherFamilyId, amount_cents: 1, kind: 'paiement', method: 'especes', transaction_id: null, paid_at: '2027-01-09T10:00:00.000Z', created_at: at })
      expect(await tx.sum('payments', 'amount_cents', { where: { family_id: otherFamilyId } })).toBe(10000)
      expect((await tx.query('payments', { where: { family_id: otherFamilyId }, orderBy: { column: 'paid_at', direction: 'desc' }, limit: 1 }))[0]!.id).toBe(id)
      await tx.delete('payments', id)
      expect(await tx.get('payments', id)).toBeNull()
      expect(await tx.count('payments', { family_id: otherFamilyId })).toBe(1)
    })
    await d.run(async (tx) => expect(await tx.sum('payments', 'amount_cents', { where: { family_id: otherFamilyId } })).toBe(9999))
  })

  it('deletes a row (a missing one is no error); a rejected command deletes nothing', async () => {
    const gone = bookings[5]!
    await d.reject(async (tx) => {
      await tx.delete('reservations', gone.id as string)
      expect(await tx.get('reservations', gone.id as string)).toBeNull()
    })
    await d.run(async (tx) => {
      expect(await tx.get('reservations', gone.id as string)).toEqual(gone)
      expect(await tx.delete('reservations', gone.id as string)).toBe(true)
      expect(await tx.delete('reservations', uuidv7())).toBe(false)
    })
    await d.run(async (tx) => {
      expect(await tx.get('reservations', gone.id as string)).toBeNull()
      expect(await tx.count('reservations', { child_id: childId })).toBe(5)
      expect(datesOf(await tx.query('reservations', { where: { child_id: childId }, orderBy: { column: 'date', direction: 'desc' }, limit: 1 }))).toEqual(['2027-01-08'])
    })
  })

  it('takes the next number of a series inside the command: a rejected command gives it back', async () => {
    expect(await d.run((tx) => tx.nextNumber('essai'))).toBe(1)
    expect(await d.run(async (tx) => [await tx.nextNumber('essai'), await tx.nextNumber('essai')])).toEqual([2, 3])
    await d.reject(async (tx) => {
      expect(await tx.nextNumber('essai')).toBe(4)
    })
    expect(await d.run((tx) => tx.nextNumber('essai'))).toBe(4)
    expect(await d.run((tx) => tx.nextNumber('autre_serie'))).toBe(1)
    await expect(d.run((tx) => tx.nextNumber('Pas un nom!'))).rejects.toThrow(/Invalid series name/)
  })

  it('knows the workstation’s ranges, and flags a number outside them or used twice', async () => {
    const ws = d.series
    const ctx: CommandContext = { at, agentId: null, workstationId: ws.workstationId, channel: 'guichet', commandId: uuidv7() }
    await d.run(async (tx) => {
      expect(await tx.seriesOf(ws.workstationId)).toEqual(ws)
      expect(await tx.seriesOf(uuidv7())).toBeNull()
      const unique = { entity: 'families' as const, column: 'code' }
      const receipt = (value: string) => checkSeriesNumber(tx, ctx, { series: SERIES.receipt, value, unique, familyId })
      expect(await receipt(`R-${ws.receiptSeries}-26-000001`)).toBeNull()
      expect(await receipt(`V-${ws.receiptSeries}-26-000001`)).toBeNull()
      expect(await receipt('R-G99-26-000001')).toMatchObject({ kind: 'rule', code: 'NUMBER_OUTSIDE_SERIES' })
      // The old form without prefix and year is outside the series now.
      expect(await receipt(`${ws.receiptSeries}-000001`)).toMatchObject({ code: 'NUMBER_OUTSIDE_SERIES' })
      const inRange = ws.codeFamille.first
      expect(await checkSeriesNumber(tx, ctx, { series: SERIES.codeFamille, value: inRange, unique, familyId })).toBeNull()
      expect(await checkSeriesNumber(tx, ctx, { series: SERIES.codeFamille, value: ws.codeFamille.last + 1, unique, familyId })).toMatchObject({
        code: 'NUMBER_OUTSIDE_SERIES',
      })
      // Two rows with the same number (the fact already wrote its own): flagged as a duplicate.
      const dup = `R-${ws.receiptSeries}-26-000007`
      await tx.put('payments', { id: uuidv7(), family_id: familyId, amount_cents: 5, kind: 'paiement', method: 'especes', transaction_id: dup, paid_at: at, created_at: at })
      const unique2 = { entity: 'payments' as const, column: 'transaction_id' }
      expect(await checkSeriesNumber(tx, ctx, { series: SERIES.receipt, value: dup, unique: unique2, familyId })).toBeNull()
      await tx.put('persons', { id: uuidv7(), civility: null, last_name: 'X', birth_name: null, first_names: dup, sex: null, birth_date: null, phone_mobile: null, phone_home: null, phone_work: null, email: null, profession: null, created_at: at, updated_at: at })
      await tx.put('persons', { id: uuidv7(), civility: null, last_name: 'Y', birth_name: null, first_names: dup, sex: null, birth_date: null, phone_mobile: null, phone_home: null, phone_work: null, email: null, profession: null, created_at: at, updated_at: at })
      expect(await checkSeriesNumber(tx, ctx, { series: SERIES.receipt, value: dup, unique: { entity: 'persons', column: 'first_names' }, familyId })).toMatchObject({
        code: 'DUPLICATE_NUMBER',
      })
    })
  })
})

describe('the workstation’s code-famille series', () => {
  it('runs through the range handed out at enrolment, then refuses', async () => {
    const d = await sqliteDriver()
    try {
      const { first, last } = d.series.codeFamille
      const taken: number[] = []
      for (let n = first; n <= last; n++) taken.push(await d.run((tx) => tx.nextNumber(SERIES.codeFamille)))
      expect(taken).toEqual([first, first + 1, last])
      await expect(d.run((tx) => tx.nextNumber(SERIES.codeFamille))).rejects.toMatchObject({ code: 'SERIES_EXHAUSTED' })
    } finally {
      await d.close()
    }
  })
})
