import { v7 as uuidv7 } from 'uuid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PortalErrorSchema, PushResponseSchema, type EnrolResponse, type PushCommand } from '@shared/sync/protocol'
import { textFault } from '@shared/validation/text'
import { backends } from './backends'
import { adminToken, bookPayload, command, digest, enrol, kids, siteIds, startTestPortal, type Kid, type TestPortal } from './helpers'

/**
 * Input hygiene at the portal's HTTP boundary (issue 7, "Input hygiene everywhere"): a NUL, a
 * lone surrogate or a control character in any string or key, and a day that does not exist,
 * are refused with a 400 that names the field, and change nothing. In a pushed command's
 * payload they are that command's rejection (INVALID_PAYLOAD): the queue moves on.
 */

/** The hostile texts: JSON bodies carry them escaped, as a client would send them. */
const HOSTILE: Array<[string, string]> = [
  ['NUL', 'cantine\u0000'],
  ['lone surrogate', 'cantine\ud800'],
  ['control character U+0001', 'cantine\u0001'],
  ['escape sequence', '\u001b[2Jcantine'],
  ['lone carriage return', 'can\rtine'],
]

describe.each(backends)('portal input hygiene ($name)', (backend) => {
  let t: TestPortal
  let admin: string
  let ws: EnrolResponse
  let town: Kid[]
  let sites: string[]
  let family: string
  let seq = 0

  async function familySession(kid: Kid): Promise<string> {
    const temp = await t.api<{ password: string }>('POST', `/admin/families/${kid.code}/password`, { token: admin })
    expect(temp.status).toBe(200)
    const login = await t.api<{ token: string }>('POST', '/family/login', { body: { code: kid.code, password: temp.body.password } })
    const changed = await t.api('POST', '/family/password', { token: login.body.token, body: { currentPassword: temp.body.password, newPassword: 'Nouveau-mot2passe' } })
    expect(changed.status).toBe(200)
    return login.body.token
  }

  const push = (commands: PushCommand[]) => t.api('POST', '/sync/push', { token: ws.token, body: { schemaVersion: 1, commands } })

  /** A 400 INVALID_REQUEST whose French message names `field`. */
  function expectRefused(res: { status: number; body: unknown }, field: string, why: string): void {
    expect(res.status, `${why}: ${JSON.stringify(res.body)}`).toBe(400)
    const error = PortalErrorSchema.parse(res.body).error
    expect(error.code, why).toBe('INVALID_REQUEST')
    expect(error.message, why).toMatch(/^Requête invalide/)
    expect(error.message, why).toContain(field)
    // The answer itself is clean text: the culprit is never echoed raw.
    expect(textFault(error.message, false), why).toBeNull()
  }

  beforeAll(async () => {
    t = await startTestPortal(backend, { families: 6 })
    admin = await adminToken(t)
    ws = await enrol(t)
    town = await kids(t.db)
    sites = await siteIds(t.db)
    family = await familySession(town[0]!)
  })
  afterAll(async () => {
    await t?.cleanup()
  })

  it.each(HOSTILE)('a family request with a %s is refused with a 400 naming the field, and changes nothing', async (_label, bad) => {
    const kid = town[0]!
    const before = await digest(t.db)
    const { familyId: _f, ...book } = bookPayload(kid, sites[0]!)
    expectRefused(await t.api('POST', '/family/reservations', { token: family, body: { ...book, unitId: bad } }), '« unitId »', 'booking')
    expectRefused(await t.api('POST', '/family/reservations', { token: family, body: { ...book, [`unit${bad}`]: 'x' } }), 'nom de champ', 'key')
    expect(await digest(t.db)).toEqual(before)
  })

  it.each(HOSTILE)('an admin request with a %s is refused with a 400 naming the field, and changes nothing', async (_label, bad) => {
    const before = await digest(t.db)
    expectRefused(
      await t.api('POST', '/admin/agents', { token: admin, body: { login: 'nouvel.agent', displayName: `Jean ${bad}`, role: 'accueil' } }),
      '« displayName »',
      'agent',
    )
    expectRefused(await t.api('POST', '/admin/enrolment-codes', { token: admin, body: { name: `Poste ${bad}` } }), '« name »', 'enrolment code')
    // A URL cannot carry a lone surrogate (UTF-8 has none): the path is tested with the others.
    if (!/[\ud800-\udfff]/.test(bad)) {
      expectRefused(await t.api('POST', `/admin/families/${encodeURIComponent(`F${bad}`)}/password`, { token: admin }), '« code »', 'path parameter')
    }
    expect(await digest(t.db)).toEqual(before)
  })

  it('a newline in a single-line field is refused; the password is checked but never trimmed or echoed', async () => {
    const before = await digest(t.db)
    const res = await t.api('POST', '/admin/agents', { token: admin, body: { login: 'nouvel.agent', displayName: 'Jean\nDupont', role: 'accueil' } })
    expectRefused(res, '« displayName »', 'newline')
    const pw = await t.api('POST', '/admin/login', { body: { login: 'responsable', password: 'responsable-2026\u0000' } })
    expectRefused(pw, '« password »', 'password')
    expect(JSON.stringify(pw.body)).not.toContain('responsable-2026')
    expect(await digest(t.db)).toEqual(before)
  })

  it('query parameters: a control character (which Number() would have skipped) or a bad key is a 400 naming it', async () => {
    const before = await digest(t.db)
    // Number('\f0') === 0: without the text check this pull was answered 200.
    expectRefused(await t.api('GET', '/sync/pull?cursor=%0C0', { token: ws.token }), '« cursor »', 'form feed')
    expectRefused(await t.api('GET', '/sync/pull?cursor=%0B0', { token: ws.token }), '« cursor »', 'vertical tab')
    expectRefused(await t.api('GET', '/sync/pull?cursor=0%00', { token: ws.token }), '« cursor »', 'NUL')
    expectRefused(await t.api('GET', '/sync/pull?cursor=0&limit=%ED%A0%80', { token: ws.token }), 'paramètres', 'invalid UTF-8')
    expectRefused(await t.api('GET', '/sync/pull?cursor=0&a%00=1', { token: ws.token }), 'nom de champ', 'key')
    expectRefused(await t.api('GET', '/family/me?x=%01', { token: family }), '« x »', 'undeclared query')
    // Numbers in a query are decimal digits: what Number() would also read ("0x10" = 16, "1e3", " 5", "-0") is refused.
    for (const q of ['cursor=0x10', 'cursor=1e3', 'cursor=%205', 'cursor=-0', 'cursor=0&limit=0x10', 'cursor=9007199254740993']) {
      expect((await t.api('GET', `/sync/pull?${q}`, { token: ws.token })).status, q).toBe(400)
    }
    expect((await t.api('GET', '/sync/snapshot/file?seq=0x1', { token: ws.token })).status).toBe(400)
    expect((await t.api('GET', '/sync/pull?cursor=0', { token: ws.token })).status).toBe(200)
    expect((await t.api('GET', '/sync/pull?cursor=0&limit=10', { token: ws.token })).status).toBe(200)
    expect(await digest(t.db)).toEqual(before)
  })

  it('days that do not exist are refused: 2027-02-31, 0000-00-00, 2023-02-29 (and 2028-02-29 is a day)', async () => {
    const kid = town[0]!
    const before = await digest(t.db)
    for (const date of ['2027-02-31', '0000-00-00', '2023-02-29', '1899-12-31', '2101-01-01']) {
      const { familyId: _f, ...book } = bookPayload(kid, sites[0]!, date)
      expectRefused(await t.api('POST', '/family/reservations', { token: family, body: book }), '« date »', date)
    }
    expect(await digest(t.db)).toEqual(before)
    const { familyId: _f, ...book } = bookPayload(kid, sites[0]!, '2028-02-29')
    const ok = await t.api('POST', '/family/reservations', { token: family, body: book })
    expect([201, 409], JSON.stringify(ok.body)).toContain(ok.status)
  })

  it('a pushed payload with bad text or a bad day: that command is rejected INVALID_PAYLOAD, the next one applied, a retry answers the same', async () => {
    const kid = town[1]!
    const bad: Array<[string, Record<string, unknown>]> = [
      ['NUL in a value', { ...bookPayload(kid, sites[0]!, '2026-12-08'), unitId: 'cantine\u0000' }],
      ['lone surrogate in a value', { ...bookPayload(kid, sites[0]!, '2026-12-08'), unitId: 'cantine\udc00' }],
      ['control character in a value', { ...bookPayload(kid, sites[0]!, '2026-12-08'), unitId: 'cantine\u0007' }],
      ['NUL in a key', { ...bookPayload(kid, sites[0]!, '2026-12-08'), 'x\u0000': 1 }],
      ['lone surrogate in a nested key', { flagId: uuidv7(), note: 'Vu avec la famille.', before: { '\ud800': 'x' } }],
      ['a day that does not exist', bookPayload(kid, sites[0]!, '2027-02-31')],
      ['day zero', bookPayload(kid, sites[0]!, '0000-00-00')],
      ['NUL in free text', { flagId: uuidv7(), note: 'Vu avec\u0000 la famille.' }],
    ]
    for (const [why, payload] of bad) {
      const before = await digest(t.db)
      const name = 'note' in payload ? 'flags.resolve' : 'reservations.book'
      const batch = [command(seq + 1, name, payload), command(seq + 2, 'reservations.book', bookPayload(kid, sites[0]!, '2026-12-09'))]
      // The next command is a valid booking (applied or rejected by a rule: either way it gets its result).
      const res = await push(batch)
      expect(res.status, `${why}: ${JSON.stringify(res.body)}`).toBe(200)
      const body = PushResponseSchema.parse(res.body)
      expect(body.results.map((r) => r.seq), why).toEqual([seq + 1, seq + 2])
      expect(body.results[0], why).toMatchObject({ status: 'rejected', code: 'INVALID_PAYLOAD' })
      expect(textFault(body.results[0]!.reason ?? '', false), why).toBeNull()
      expect(body.results[1]!.code, why).not.toBe('INVALID_PAYLOAD')
      expect(body.lastAppliedSeq, why).toBe(seq + 2)
      // The refused command wrote nothing: only the second command may have (and the two results).
      const after = await digest(t.db)
      expect(after.applied_commands, why).toBe(before.applied_commands! + 2)
      // Retry (the answer was lost): the same results, nothing more.
      const again = await push(batch)
      expect(again.status, why).toBe(200)
      expect(PushResponseSchema.parse(again.body), why).toEqual(body)
      expect(await digest(t.db), why).toEqual(after)
      seq += 2
    }
  })

  it('the push envelope stays strict: bad text in a command name is a 400 for the request', async () => {
    const before = await digest(t.db)
    const res = await push([command(seq + 1, 'reservations.book\u0000', bookPayload(town[1]!, sites[0]!))])
    expectRefused(res, '« commands.0.name »', 'name')
    expect(await digest(t.db)).toEqual(before)
  })
})
