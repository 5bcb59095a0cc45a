import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { commands, derivedId, kindOf, runCommand, type CommandTx } from '@shared/commands'

describe('the command catalogue', () => {
  it('declares the kind of every command: bookings are intents; contacts, payments, resolutions, the family file, documents and town data are facts', () => {
    expect(Object.fromEntries(Object.entries(commands).map(([name, def]) => [name, def.kind]))).toEqual({
      'reservations.book': 'intent',
      'reservations.cancel': 'intent',
      'families.updateContacts': 'fact',
      'payments.recordOnline': 'fact',
      'flags.resolve': 'fact',
      'families.create': 'fact',
      'families.update': 'fact',
      'families.updatePerson': 'fact',
      'families.addMember': 'fact',
      'families.updateMember': 'fact',
      'families.removeMember': 'fact',
      'families.setSchooling': 'fact',
      'families.setInscription': 'fact',
      'families.merge': 'fact',
      'quotients.record': 'fact',
      'town.saveRequirement': 'fact',
      'town.saveDocumentType': 'fact',
      'town.setOption': 'fact',
      // Issue 12: the tariffs are town data like the others.
      'town.saveTariff': 'fact',
      'documents.record': 'fact',
      'credentials.issue': 'fact',
      'dossiers.validate': 'fact',
      'dossiers.renew': 'fact',
      // Issue 10: the waiting list is an intent (a place may be gone); pointage and the town's services and calendar are facts.
      'reservations.promote': 'intent',
      'reservations.attend': 'fact',
      'town.saveUnit': 'fact',
      'town.saveUnitSite': 'fact',
      'town.saveCalendarPeriod': 'fact',
      'town.deleteCalendarPeriod': 'fact',
      // Issue 12: money at the counter is made of facts (never undone on a workstation; the portal flags).
      'payments.record': 'fact',
      'payments.cancel': 'fact',
      'cashdesk.open': 'fact',
      'cashdesk.close': 'fact',
    })
    expect(kindOf('reservations.teleport')).toBe('intent') // unknown: nothing to record, it is rejected
  })

  it('keeps online payments to the portal: payments.recordOnline from a workstation is refused before it reads or writes anything', async () => {
    expect(Object.fromEntries(Object.entries(commands).map(([name, def]) => [name, 'channels' in def ? def.channels : 'both']))).toEqual({
      'reservations.book': 'both',
      'reservations.cancel': 'both',
      'families.updateContacts': 'both',
      'payments.recordOnline': ['portail'],
      'flags.resolve': 'both',
      'families.create': ['guichet'],
      'families.update': ['guichet'],
      'families.updatePerson': ['guichet'],
      'families.addMember': ['guichet'],
      'families.updateMember': ['guichet'],
      'families.removeMember': ['guichet'],
      'families.setSchooling': ['guichet'],
      'families.setInscription': ['guichet'],
      'families.merge': ['guichet'],
      'quotients.record': ['guichet'],
      'town.saveRequirement': ['guichet'],
      'town.saveDocumentType': ['guichet'],
      'town.setOption': ['guichet'],
      'town.saveTariff': ['guichet'],
      'documents.record': 'both',
      'credentials.issue': ['guichet'],
      'dossiers.validate': 'both',
      'dossiers.renew': 'both',
      'reservations.promote': ['guichet'],
      'reservations.attend': ['guichet'],
      'town.saveUnit': ['guichet'],
      'town.saveUnitSite': ['guichet'],
      'town.saveCalendarPeriod': ['guichet'],
      'town.deleteCalendarPeriod': ['guichet'],
      'payments.record': ['guichet'],
      'payments.cancel': ['guichet'],
      'cashdesk.open': ['guichet'],
      'cashdesk.close': ['guichet'],
    })
    const untouchable = new Proxy({} as CommandTx, {
      get: () => () => {
        throw new Error('the command touched the database')
      },
    })
    const payload = { id: '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b17', familyId: '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b18', transactionId: 'TX-GUICHET', amountCents: 1000 }
    const ctx = { at: '2026-11-27T08:00:00.000Z', agentId: null, workstationId: '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b19', commandId: '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b1a' }
    await expect(runCommand(untouchable, 'payments.recordOnline', payload, { ...ctx, channel: 'guichet' })).rejects.toMatchObject({ code: 'NOT_ALLOWED_HERE' })
    // On the portal's channel it runs (and here reaches the database).
    await expect(runCommand(untouchable, 'payments.recordOnline', payload, { ...ctx, channel: 'portail' })).rejects.toThrow('touched the database')
  })
})

describe('derivedId', () => {
  const base = '0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b17'

  it('is a UUIDv7 with the base’s timestamp, the same for the same inputs, different otherwise', () => {
    const id = derivedId(base, 'history:persons:email')
    expect(z.uuid().safeParse(id).success).toBe(true)
    expect(id).toMatch(/^0193a1f0-7c1d-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(derivedId(base, 'history:persons:email')).toBe(id)
    const others = new Set([
      id,
      derivedId(base, 'history:persons:phone_mobile'),
      derivedId(base, 'flag:0:CONCURRENT_CHANGE'),
      derivedId('0193a1f0-7c1d-7b3e-9a51-2f0c6d8e4b18', 'history:persons:email'),
    ])
    expect(others.size).toBe(4)
  })

  it('spreads: 10,000 salts give 10,000 ids', () => {
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => derivedId(base, `flag:${i}`)))
    expect(ids.size).toBe(10_000)
  })
})
