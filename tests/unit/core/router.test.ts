import { afterEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { DomainError, type EndpointDef } from '@shared/contract'
import { createRouter, IDLE_GRACE_SECONDS, type HandlersFor } from '../../../src/main/core/router'
import { loadSettings } from '../../../src/main/core/services/settings'
import { createExclusive } from '../../../src/main/core/exclusive'
import { addAgents, count, fakeClock, makeCore } from '../../helpers/core'

const cleanups: Array<() => void> = []
afterEach(() => cleanups.splice(0).forEach((c) => c()))

/** A tiny contract exercising the router's generic pipeline (commands, roles, sync). */
const testContract = {
  notes: {
    add: {
      kind: 'command',
      input: z.strictObject({ text: z.string().min(1).max(20), fail: z.boolean().optional() }),
      output: z.object({ id: z.string() }),
      access: ['accueil', 'responsable'],
      sync: true,
    },
    purge: {
      kind: 'command',
      input: z.strictObject({}),
      output: z.object({}),
      access: ['responsable'],
    },
    /** A sync command whose handler queues nothing. */
    touch: {
      kind: 'command',
      input: z.strictObject({}),
      output: z.object({}),
      access: ['accueil'],
      sync: true,
    },
  },
  session: {
    login: { kind: 'command', input: z.strictObject({ id: z.string() }), output: z.object({}), access: 'public' },
  },
} as const satisfies Record<string, Record<string, EndpointDef>>

async function setup() {
  const clock = fakeClock()
  const core = await makeCore({ now: clock.now })
  cleanups.push(core.cleanup)
  const agents = addAgents(core.sqlite)
  core.sqlite.exec(`CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)`)
  const handlers: HandlersFor<typeof testContract> = {
    notes: {
      add: (ctx, input) => {
        const id = `n-${count(ctx.sqlite, 'notes') + 1}`
        ctx.sqlite.prepare('INSERT INTO notes (id, text) VALUES (?, ?)').run(id, input.text)
        ctx.record('note', id)
        // Queued for the portal in the command's transaction (the router queues an endpoint by
        // itself only when it is named after a shared command: see the test below).
        ctx.emit('notes.add', { text: input.text })
        if (input.fail) throw new DomainError('NOT_FOUND', 'refused after writing')
        return { id }
      },
      purge: () => ({}),
      touch: () => ({}),
    },
    session: {
      login: (ctx, input) => {
        ctx.session.agentId = input.id
        ctx.session.lastActivity = ctx.now.getTime()
        return {}
      },
    },
  }
  const router = createRouter({
    contract: testContract,
    handlers,
    sqlite: core.sqlite,
    db: core.db,
    settings: () => loadSettings(core.sqlite),
    now: clock.now,
    exclusive: createExclusive(),
  })
  const session = core.openSession()
  return { core, router, session, agents, clock }
}

describe('contract router', () => {
  it('refuses calls before login', async () => {
    const { router, session, core } = await setup()
    const r = await router.call(session, 'notes', 'add', { text: 'bonjour' })
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
    expect(count(core.sqlite, 'notes')).toBe(0)
  })

  it('runs a command with its journal row and outbox row in one transaction', async () => {
    const { router, session, core, agents } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    const r = await router.call(session, 'notes', 'add', { text: 'bonjour' })
    expect(r).toEqual({ ok: true, data: { id: 'n-1' } })
    const journal = core.sqlite.prepare(`SELECT * FROM journal WHERE action = 'notes.add'`).all() as Array<Record<string, unknown>>
    expect(journal).toHaveLength(1)
    expect(journal[0]).toMatchObject({
      agent_id: agents.accueil.id,
      workstation_id: core.settings().workstationId,
      entity: 'note',
      entity_id: 'n-1',
      outcome: 'ok',
    })
    const outbox = core.sqlite.prepare(`SELECT * FROM outbox`).all() as Array<Record<string, unknown>>
    expect(outbox).toHaveLength(1)
    expect(outbox[0]).toMatchObject({ name: 'notes.add', status: 'pending', agent_id: agents.accueil.id })
    expect(JSON.parse(String(outbox[0]!.payload))).toEqual({ text: 'bonjour' })
    expect(String(outbox[0]!.command_id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/)
  })

  it('queues nothing for an endpoint that is not a shared command and queued nothing itself (a bulk booking that booked no day)', async () => {
    const { router, session, core, agents } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    expect(await router.call(session, 'notes', 'touch', {})).toEqual({ ok: true, data: {} })
    expect(count(core.sqlite, 'outbox')).toBe(0)
    expect(count(core.sqlite, 'journal', `action = 'notes.touch' AND outcome = 'ok'`)).toBe(1)
  })

  it('rolls everything back when the command is refused, and journals the refusal', async () => {
    const { router, session, core, agents } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    const r = await router.call(session, 'notes', 'add', { text: 'bonjour', fail: true })
    expect(r).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(count(core.sqlite, 'notes')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
    expect(count(core.sqlite, 'journal', `action = 'notes.add' AND outcome = 'refused'`)).toBe(1)
  })

  it.each([
    ['wrong type', { text: 42 }],
    ['oversize string', { text: 'x'.repeat(21) }],
    ['unknown field', { text: 'ok', admin: true }],
    ['not an object', 'bonjour'],
    ['null', null],
  ])('bad input (%s) gets INVALID_INPUT and changes nothing', async (_name, input) => {
    const { router, session, core, agents } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    const journalBefore = count(core.sqlite, 'journal')
    const r = await router.call(session, 'notes', 'add', input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe('INVALID_INPUT')
      expect(r.error.details?.issues?.length).toBeGreaterThan(0)
    }
    expect(count(core.sqlite, 'notes')).toBe(0)
    expect(count(core.sqlite, 'outbox')).toBe(0)
    expect(count(core.sqlite, 'journal')).toBe(journalBefore)
  })

  it('checks the role and journals the refusal', async () => {
    const { router, session, core, agents } = await setup()
    await router.call(session, 'session', 'login', { id: agents.regie.id })
    expect(await router.call(session, 'notes', 'add', { text: 'x' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await router.call(session, 'notes', 'purge', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(count(core.sqlite, 'journal', `outcome = 'refused' AND detail = 'FORBIDDEN'`)).toBe(2)
    await router.call(session, 'session', 'login', { id: agents.responsable.id })
    expect(await router.call(session, 'notes', 'purge', {})).toMatchObject({ ok: true })
  })

  it('refuses unknown endpoints, including prototype names', async () => {
    const { router, session } = await setup()
    for (const [ns, m] of [
      ['notes', 'drop'],
      ['nope', 'add'],
      ['__proto__', 'toString'],
      ['notes', 'constructor'],
    ] as const) {
      expect(await router.call(session, ns, m, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ENDPOINT' } })
    }
  })

  it('locks an idle session', async () => {
    const { router, session, agents, clock, core } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    const idle = core.settings().idleLockSeconds
    clock.advance(idle)
    expect(await router.call(session, 'notes', 'add', { text: 'encore là' })).toMatchObject({ ok: true })
    clock.advance(idle + IDLE_GRACE_SECONDS + 1)
    expect(await router.call(session, 'notes', 'add', { text: 'trop tard' })).toMatchObject({
      ok: false,
      error: { code: 'SESSION_LOCKED' },
    })
    expect(session.agentId).toBeNull()
    expect(count(core.sqlite, 'journal', `action = 'session.expired'`)).toBe(1)
  })

  it('logs out a disabled agent at the next call', async () => {
    const { router, session, agents, core } = await setup()
    await router.call(session, 'session', 'login', { id: agents.accueil.id })
    core.sqlite.prepare('UPDATE agents SET active = 0 WHERE id = ?').run(agents.accueil.id)
    expect(await router.call(session, 'notes', 'add', { text: 'x' })).toMatchObject({ ok: false, error: { code: 'NOT_AUTHENTICATED' } })
  })
})
