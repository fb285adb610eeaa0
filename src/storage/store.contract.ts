/**
 * The contract every `Store` backend passes: run it with `describeStoreContract(name, makeStore)`.
 * Written against the interface only, so a new backend (PostgreSQL) reuses it unchanged.
 *
 * Size: a little over 600 lines, the cases of every domain of `store.ts` in one `describe`. It is
 * test code, kept whole so that a backend runs the entire contract with one call; the next split
 * is one file of cases per domain, called from `describeStoreContract`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { NewHook, NewUser, Store } from './store.js'

export type StoreFactory = () => Promise<{ store: Store; cleanup?: () => Promise<void> | void }>

function newHook(overrides: Partial<NewHook> = {}): NewHook {
  return {
    name: 'hook-a',
    script: 'module.exports = function (u, c, cb) { cb() }',
    triggerId: 'pre-user-registration',
    enabled: false,
    dependencies: {},
    ...overrides,
  }
}

/** A user of `connectionId` with `email` and nothing else set. */
export function newUser(connectionId: string, email: string): NewUser {
  return {
    connectionId,
    email,
    username: undefined,
    phoneNumber: undefined,
    emailVerified: false,
    phoneVerified: false,
    passwordHash: undefined,
    userMetadata: {},
    appMetadata: {},
  }
}

/** A store of `makeStore` for one test, closed (and its database removed) after it. */
export async function openForTest(
  makeStore: StoreFactory,
  t: { after: (fn: () => Promise<void>) => void },
): Promise<Store> {
  const { store, cleanup } = await makeStore()
  t.after(async () => {
    await store.close()
    await cleanup?.()
  })
  return store
}

export function describeStoreContract(name: string, makeStore: StoreFactory): void {
  describe(`Store contract: ${name}`, () => {
    const open = (t: { after: (fn: () => Promise<void>) => void }) => openForTest(makeStore, t)

    it('gives the events of one batch consecutive seq numbers after those stored, in order', async (t) => {
      const store = await open(t)
      const event = (i: number) => ({
        date: '2026-01-01T00:00:00.000Z',
        type: 'ss',
        hookId: 'h',
        details: { i },
      })
      await store.appendLog(event(0))
      const batch = await store.appendLogs([event(1), event(2), event(3)])
      const listed = await store.listLogsBySeq({ afterSeq: 0, take: 10 })
      assert.deepStrictEqual(
        listed.map((e) => e.log.logId),
        [(await store.listLogs({})).items.at(-1)?.logId, ...batch.map((l) => l.logId)],
      )
      const first = listed[0]?.seq ?? 0
      assert.deepStrictEqual(
        listed.map((e) => e.seq),
        [first, first + 1, first + 2, first + 3],
      )
      assert.equal(await store.lastLogSeq(), first + 3)
    })

    it('creates, reads, lists, updates and deletes hooks', async (t) => {
      const store = await open(t)
      const created = await store.createHook(newHook({ dependencies: { lodash: '4.17.21' } }))
      assert.ok(created.ok)
      const { hook } = created
      assert.match(hook.id, /^[0-9A-HJKMNP-TV-Z]{26}$/)
      assert.deepStrictEqual(await store.getHook(hook.id), hook)
      assert.deepStrictEqual(hook.dependencies, { lodash: '4.17.21' })
      const updated = await store.updateHook(hook.id, { script: 'x', dependencies: {} })
      assert.ok(updated.ok)
      assert.equal(updated.hook.script, 'x')
      assert.deepStrictEqual(updated.hook.dependencies, {})
      assert.equal(updated.hook.name, 'hook-a')
      assert.deepStrictEqual(await store.listHooks({}), { hooks: [updated.hook], total: 1 })
      assert.equal(await store.deleteHook(hook.id), true)
      assert.equal(await store.deleteHook(hook.id), false)
      assert.equal(await store.getHook(hook.id), undefined)
      assert.deepStrictEqual(await store.updateHook(hook.id, { script: 'y' }), {
        ok: false,
        reason: 'not-found',
      })
    })

    it('keeps names unique on create and update', async (t) => {
      const store = await open(t)
      const a = await store.createHook(newHook({ name: 'same' }))
      assert.ok(a.ok)
      assert.deepStrictEqual(await store.createHook(newHook({ name: 'same' })), {
        ok: false,
        reason: 'name-taken',
      })
      const b = await store.createHook(newHook({ name: 'other' }))
      assert.ok(b.ok)
      assert.deepStrictEqual(await store.updateHook(b.hook.id, { name: 'same' }), {
        ok: false,
        reason: 'name-taken',
      })
      // Renaming a hook to its own name is not a conflict.
      assert.ok((await store.updateHook(a.hook.id, { name: 'same' })).ok)
    })

    it('lists in creation order with filters, paging and totals', async (t) => {
      const store = await open(t)
      const ids: string[] = []
      for (let i = 0; i < 5; i++) {
        const r = await store.createHook(
          newHook({
            name: `h${i}`,
            triggerId: i % 2 === 0 ? 'send-phone-message' : 'credentials-exchange',
          }),
        )
        assert.ok(r.ok)
        ids.push(r.hook.id)
      }
      assert.deepStrictEqual(
        (await store.listHooks({})).hooks.map((h) => h.id),
        ids,
      )
      const page = await store.listHooks({}, { offset: 2, limit: 2 })
      assert.deepStrictEqual(
        page.hooks.map((h) => h.id),
        ids.slice(2, 4),
      )
      assert.equal(page.total, 5)
      const phone = await store.listHooks({ triggerId: 'send-phone-message' })
      assert.deepStrictEqual(
        phone.hooks.map((h) => h.name),
        ['h0', 'h2', 'h4'],
      )
      assert.equal(phone.total, 3)
      const phonePage = await store.listHooks(
        { triggerId: 'send-phone-message' },
        { offset: 1, limit: 1 },
      )
      assert.deepStrictEqual(
        { names: phonePage.hooks.map((h) => h.name), total: phonePage.total },
        { names: ['h2'], total: 3 },
      )
      assert.deepStrictEqual(await store.listHooks({}, { offset: 5, limit: 2 }), {
        hooks: [],
        total: 5,
      })
      assert.deepStrictEqual(await store.listHooks({ enabled: true }), { hooks: [], total: 0 })
    })

    it('enables the first hook of a trigger when asked "if-first"', async (t) => {
      const store = await open(t)
      const first = await store.createHook(newHook({ name: 'a', enabled: 'if-first' }))
      const second = await store.createHook(newHook({ name: 'b', enabled: 'if-first' }))
      const otherTrigger = await store.createHook(
        newHook({ name: 'c', enabled: 'if-first', triggerId: 'send-phone-message' }),
      )
      assert.ok(first.ok && second.ok && otherTrigger.ok)
      assert.equal(first.hook.enabled, true)
      assert.equal(second.hook.enabled, false)
      assert.equal(otherTrigger.hook.enabled, true)
    })

    it('switches the enabled hook of a trigger exclusively', async (t) => {
      const store = await open(t)
      const a = await store.createHook(newHook({ name: 'a', enabled: true }))
      const b = await store.createHook(newHook({ name: 'b', enabled: true }))
      assert.ok(a.ok && b.ok)
      assert.deepStrictEqual(b.disabledIds, [a.hook.id])
      assert.equal((await store.getHook(a.hook.id))?.enabled, false)
      const back = await store.updateHook(a.hook.id, { enabled: true })
      assert.ok(back.ok)
      assert.deepStrictEqual(back.disabledIds, [b.hook.id])
      assert.equal((await store.getEnabledHook('pre-user-registration'))?.id, a.hook.id)
      const parallel = await Promise.all(
        [a, b].map((r) => store.updateHook(r.hook.id, { enabled: true })),
      )
      assert.ok(parallel.every((r) => r.ok))
      assert.equal((await store.listHooks({ enabled: true })).total, 1)
    })

    it('writes secrets all or nothing', async (t) => {
      const store = await open(t)
      const created = await store.createHook(newHook())
      assert.ok(created.ok)
      const id = created.hook.id
      assert.deepStrictEqual(await store.listSecretNames(id), [])
      assert.deepStrictEqual(await store.listSecretNames('missing'), undefined)
      assert.deepStrictEqual(
        await store.addSecrets(
          id,
          [
            { name: 'B', value: 'sealed-b' },
            { name: 'A', value: 'sealed-a' },
          ],
          3,
        ),
        { ok: true },
      )
      assert.deepStrictEqual(await store.listSecretNames(id), ['A', 'B'])
      assert.deepStrictEqual(
        await store.addSecrets(
          id,
          [
            { name: 'C', value: 'c' },
            { name: 'A', value: 'a2' },
          ],
          3,
        ),
        { ok: false, reason: 'name-exists', name: 'A' },
      )
      assert.deepStrictEqual(
        await store.addSecrets(
          id,
          [
            { name: 'C', value: 'c' },
            { name: 'D', value: 'd' },
          ],
          3,
        ),
        { ok: false, reason: 'too-many', max: 3 },
      )
      assert.deepStrictEqual(await store.listSecretNames(id), ['A', 'B'])
      assert.deepStrictEqual(
        await store.updateSecrets(id, [
          { name: 'A', value: 'new-a' },
          { name: 'Z', value: 'z' },
        ]),
        { ok: false, reason: 'name-missing', name: 'Z' },
      )
      assert.deepStrictEqual(await store.readSecrets(id), [
        { name: 'A', value: 'sealed-a' },
        { name: 'B', value: 'sealed-b' },
      ])
      assert.deepStrictEqual(await store.updateSecrets(id, [{ name: 'A', value: 'new-a' }]), {
        ok: true,
      })
      assert.deepStrictEqual(await store.deleteSecrets(id, ['B', 'nope']), { ok: true })
      assert.deepStrictEqual(await store.readSecrets(id), [{ name: 'A', value: 'new-a' }])
      assert.deepStrictEqual(await store.addSecrets('missing', [{ name: 'X', value: 'x' }], 20), {
        ok: false,
        reason: 'hook-not-found',
      })
      assert.deepStrictEqual(await store.deleteSecrets('missing', ['X']), {
        ok: false,
        reason: 'hook-not-found',
      })
      // Deleting the hook deletes its secrets.
      assert.equal(await store.deleteHook(id), true)
      assert.deepStrictEqual(await store.readSecrets(id), [])
    })

    it('stores clients, grants and signing keys', async (t) => {
      const store = await open(t)
      const client = await store.putClient({
        clientId: 'cid',
        name: 'app',
        description: '',
        secretHash: 'h1',
        tokenEndpointAuthMethod: 'client_secret_post',
        isSystem: false,
        appType: 'non_interactive',
        grantTypes: ['client_credentials'],
        clientMetadata: { plan: 'gold' },
      })
      assert.deepStrictEqual(await store.getClient('cid'), client)
      const renamed = await store.putClient({ ...client, name: 'renamed', secretHash: 'h2' })
      assert.equal(renamed.createdAt, client.createdAt)
      assert.equal((await store.getClient('cid'))?.secretHash, 'h2')
      const grant = await store.putClientGrant('cid', 'https://api/', ['read:x'])
      assert.deepStrictEqual(await store.getClientGrant('cid', 'https://api/'), grant)
      await store.putClientGrant('cid', 'https://api/', ['read:x', 'write:x'])
      assert.deepStrictEqual((await store.getClientGrant('cid', 'https://api/'))?.scope, [
        'read:x',
        'write:x',
      ])
      assert.equal(await store.getClientGrant('cid', 'https://other/'), undefined)

      assert.deepStrictEqual(await store.listSigningKeys(), [])
      const key = await store.insertSigningKeyIfNone({
        kid: 'k1',
        alg: 'RS256',
        publicJwk: '{}',
        privateJwk: 'sealed',
      })
      const again = await store.insertSigningKeyIfNone({
        kid: 'k2',
        alg: 'RS256',
        publicJwk: '{}',
        privateJwk: 'sealed',
      })
      assert.deepStrictEqual(again, key)
      assert.deepStrictEqual(await store.listSigningKeys(), [key])
      await store.ping()
    })

    it('stores resource servers and grants, and deleting an API deletes its grants', async (t) => {
      const store = await open(t)
      const created = await store.createResourceServer({
        identifier: 'https://api/',
        name: 'API',
        scopes: [{ value: 'read:x', description: 'Read' }],
        tokenLifetime: 600,
        signingAlg: 'RS256',
      })
      assert.ok(created.ok)
      const rs = created.resourceServer
      assert.deepStrictEqual(await store.getResourceServer(rs.id), rs)
      assert.deepStrictEqual(await store.getResourceServer('https://api/'), rs)
      assert.deepStrictEqual(await store.createResourceServer({ ...rs, name: 'again' }), {
        ok: false,
        reason: 'identifier-taken',
      })
      assert.equal(
        (await store.updateResourceServer(rs.id, { tokenLifetime: 60 }))?.tokenLifetime,
        60,
      )
      await store.putClient({
        clientId: 'c1',
        name: 'c',
        description: '',
        secretHash: 'h',
        appType: 'non_interactive',
        grantTypes: [],
        clientMetadata: {},
        tokenEndpointAuthMethod: 'client_secret_post',
        isSystem: false,
      })
      const grant = await store.createClientGrant('c1', 'https://api/', ['read:x'])
      assert.ok(grant.ok)
      assert.deepStrictEqual(await store.createClientGrant('c1', 'https://api/', []), {
        ok: false,
        reason: 'exists',
      })
      assert.deepStrictEqual(await store.listClientGrants({ audience: 'https://api/' }), {
        items: [grant.grant],
        total: 1,
      })
      assert.deepStrictEqual((await store.updateClientGrant(grant.grant.id, []))?.scope, [])
      assert.equal(await store.deleteResourceServer(rs.id), true)
      assert.equal(await store.getClientGrantById(grant.grant.id), undefined)
      assert.equal(await store.deleteResourceServer(rs.id), false)
    })

    it('stores connections and users, unique by e-mail and username per connection', async (t) => {
      const store = await open(t)
      const connection = await store.ensureConnection({
        id: 'con_1',
        name: 'db',
        strategy: 'auth0',
        options: { passwordPolicy: 'good' },
      })
      const same = await store.ensureConnection({
        id: 'con_2',
        name: 'db',
        strategy: 'auth0',
        options: {},
      })
      assert.deepStrictEqual(same, connection)
      const user = {
        connectionId: connection.id,
        email: 'Ann@Example.com',
        username: 'ann',
        phoneNumber: undefined,
        emailVerified: false,
        phoneVerified: false,
        passwordHash: 'scrypt$…',
        userMetadata: { a: 1 },
        appMetadata: {},
      }
      const created = await store.createUser(user)
      assert.ok(created.ok)
      assert.deepStrictEqual(
        await store.createUser({ ...user, username: 'other', email: 'ann@example.COM' }),
        {
          ok: false,
          reason: 'exists',
        },
      )
      assert.deepStrictEqual(
        await store.createUser({ ...user, email: 'b@example.com', username: 'ANN' }),
        {
          ok: false,
          reason: 'exists',
        },
      )
      assert.deepStrictEqual(
        await store.findUser(connection.id, { email: 'ann@example.com' }),
        created.user,
      )
      assert.deepStrictEqual(await store.findUser(connection.id, { username: 'Ann' }), created.user)
      const updated = await store.updateUser(created.user.id, {
        lastPasswordReset: '2026-11-26T00:00:00.000Z',
        userMetadata: {},
      })
      assert.ok(updated.ok)
      assert.equal(updated.user.lastPasswordReset, '2026-11-26T00:00:00.000Z')
      assert.deepStrictEqual(updated.user.userMetadata, {})
      assert.equal((await store.listUsers()).total, 1)
      assert.equal(await store.deleteUser(created.user.id), true)
      assert.deepStrictEqual(await store.updateUser(created.user.id, {}), {
        ok: false,
        reason: 'not-found',
      })
      const changed = await store.updateConnectionOptions(connection.id, { passwordPolicy: 'low' })
      assert.deepStrictEqual(changed?.options, { passwordPolicy: 'low' })
    })

    it('stores password tickets by hash and consumes each once, before it expires', async (t) => {
      const store = await open(t)
      const connection = await store.ensureConnection({
        id: 'con_tickets',
        name: 'tickets',
        strategy: 'auth0',
        options: {},
      })
      const created = await store.createUser(newUser(connection.id, 'tia@example.com'))
      assert.ok(created.ok)
      const ticket = await store.createPasswordTicket({
        tokenHash: 'a'.repeat(64),
        userId: created.user.id,
        resultUrl: 'https://app.example.com/done',
        markEmailVerified: true,
        expiresAt: '2026-11-30T00:00:00.000Z',
      })
      assert.deepStrictEqual(await store.getPasswordTicket('a'.repeat(64)), ticket)
      assert.equal(ticket.usedAt, undefined)
      assert.equal(await store.getPasswordTicket('b'.repeat(64)), undefined)
      // Expired at that instant: not consumed.
      assert.equal(
        await store.consumePasswordTicket('a'.repeat(64), '2026-11-30T00:00:00.000Z'),
        undefined,
      )
      const used = await store.consumePasswordTicket('a'.repeat(64), '2026-11-29T00:00:00.000Z')
      assert.deepStrictEqual(used, { ...ticket, usedAt: '2026-11-29T00:00:00.000Z' })
      assert.equal(
        await store.consumePasswordTicket('a'.repeat(64), '2026-11-29T00:00:01.000Z'),
        undefined,
      )
      assert.deepStrictEqual(await store.getPasswordTicket('a'.repeat(64)), used)
    })

    it('stores MFA settings, tokens, authenticators and challenges; consumes a code once', async (t) => {
      const store = await open(t)
      assert.equal(await store.getGuardianSetting('policies'), undefined)
      await store.putGuardianSetting('policies', ['all-applications'])
      await store.putGuardianSetting('policies', [])
      assert.deepStrictEqual(await store.getGuardianSetting('policies'), [])

      const connection = await store.ensureConnection({
        id: 'con_mfa',
        name: 'mfa',
        strategy: 'auth0',
        options: {},
      })
      const created = await store.createUser(newUser(connection.id, 'mo@example.com'))
      assert.ok(created.ok)
      const userId = created.user.id
      const token = await store.createMfaToken({
        tokenHash: 't1',
        userId,
        clientId: 'c1',
        audience: 'https://api/',
        scope: 'read:x',
        expiresAt: '2026-11-30T00:00:00.000Z',
      })
      assert.deepStrictEqual(await store.getMfaToken('t1'), token)
      assert.equal(await store.getMfaToken('t2'), undefined)

      const challenge = { clientId: 'c1', codeHash: 'h1', expiresAt: '2026-11-30T00:05:00.000Z' }
      await store.enrollMfaAuthenticator(
        {
          id: 'sms|dev_a',
          userId,
          oobChannel: 'sms',
          phoneNumber: '+15550001',
          recoveryCodeHash: 'r',
        },
        { ...challenge, oobCodeHash: 'o1' },
      )
      // A second unconfirmed enrollment replaces the first, and its challenges go with it.
      const b = await store.enrollMfaAuthenticator(
        {
          id: 'sms|dev_b',
          userId,
          oobChannel: 'sms',
          phoneNumber: '+15550002',
          recoveryCodeHash: undefined,
        },
        { ...challenge, oobCodeHash: 'o2' },
      )
      assert.equal(b.confirmed, false)
      assert.deepStrictEqual(await store.listMfaAuthenticators(userId), [b])
      assert.equal(await store.getMfaChallenge('o1'), undefined)

      assert.equal(await store.addMfaChallengeAttempt('o2'), 1)
      assert.equal(await store.addMfaChallengeAttempt('missing'), undefined)
      // Over the attempt limit, expired, or already used: nothing is consumed.
      assert.equal(await store.consumeMfaChallenge('o2', '2026-11-30T00:00:00.000Z', 1), undefined)
      assert.equal(await store.consumeMfaChallenge('o2', '2026-11-30T00:05:00.000Z', 5), undefined)
      const consumed = await store.consumeMfaChallenge('o2', '2026-11-30T00:00:00.000Z', 5)
      assert.equal(consumed?.confirmed, true)
      assert.equal(consumed.challenge.usedAt, '2026-11-30T00:00:00.000Z')
      assert.equal(await store.consumeMfaChallenge('o2', '2026-11-30T00:00:01.000Z', 5), undefined)
      assert.equal((await store.listMfaAuthenticators(userId))[0]?.confirmed, true)

      const second = await store.createMfaChallenge({
        ...challenge,
        oobCodeHash: 'o3',
        authenticatorId: 'sms|dev_b',
        userId,
      })
      assert.equal(
        (await store.consumeMfaChallenge('o3', '2026-11-30T00:00:00.000Z', 5))?.confirmed,
        false,
      )
      assert.equal(second.attempts, 0)

      assert.equal(await store.rotateMfaRecoveryCode('sms|dev_b', 'wrong', 'r2'), false)
      assert.equal(await store.rotateMfaRecoveryCode('sms|dev_b', 'r', 'r2'), false) // b has none
      await store.enrollMfaAuthenticator(
        { id: 'sms|dev_c', userId, oobChannel: 'sms', phoneNumber: '+1', recoveryCodeHash: 'r' },
        { ...challenge, oobCodeHash: 'o4' },
      )
      assert.equal(await store.rotateMfaRecoveryCode('sms|dev_c', 'r', 'r2'), false) // unconfirmed
      await store.consumeMfaChallenge('o4', '2026-11-30T00:00:00.000Z', 5)
      assert.equal(await store.rotateMfaRecoveryCode('sms|dev_c', 'r', 'r2'), true)
      assert.equal(await store.rotateMfaRecoveryCode('sms|dev_c', 'r', 'r3'), false)
      assert.equal(await store.deleteMfaAuthenticator(userId, 'sms|dev_c'), true)
      assert.equal(await store.deleteMfaAuthenticator('someone-else', 'sms|dev_b'), false)
      assert.equal(await store.deleteMfaAuthenticator(userId, 'sms|dev_b'), true)
      assert.deepStrictEqual(await store.listMfaAuthenticators(userId), [])
      assert.equal(await store.getMfaChallenge('o3'), undefined)
    })

    it('reads several attack-protection counters in one call, decayed each by its own rate', async (t) => {
      const store = await open(t)
      const counters = store.attackProtection
      const ip = { kind: 'ip', identifier: '', ip: '203.0.113.9' } as const
      const client = { kind: 'client', identifier: 'c1', ip: '203.0.113.9' } as const
      for (let i = 0; i < 3; i++) await counters.addFailure({ ...ip, connection: '' }, 1_000, 0)
      for (let i = 0; i < 2; i++) await counters.addFailure({ ...client, connection: '' }, 1_000, 0)
      // A leaky bucket (one back per 100 ms) for the address, none for the client; a counter
      // that does not exist reads 0; the order of the answer is the order asked.
      assert.deepStrictEqual(
        await counters.failuresOf(
          [
            { ...client, decayMs: 0 },
            { kind: 'client', identifier: 'other', ip: '203.0.113.9', decayMs: 0 },
            { ...ip, decayMs: 100 },
          ],
          1_250,
        ),
        [2, 0, 1],
      )
      assert.deepStrictEqual(await counters.failuresOf([{ ...ip, decayMs: 0 }], 1_250), [3])
      assert.equal(await counters.failures('ip', '', ip.ip, 1_250, 100), 1)
      assert.deepStrictEqual(await counters.failuresOf([], 1_250), [])
    })

    it('counts SMS sends per phone number in a rolling window', async (t) => {
      const store = await open(t)
      const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 12, minute)).toISOString()
      for (let i = 0; i < 2; i += 1) {
        assert.deepStrictEqual(await store.reserveSmsSend('+1555', at(i), at(i - 60), 2), {
          allowed: true,
          count: i + 1,
        })
      }
      assert.deepStrictEqual(await store.reserveSmsSend('+1555', at(2), at(-58), 2), {
        allowed: false,
        count: 2,
      })
      assert.deepStrictEqual(await store.reserveSmsSend('+1666', at(2), at(-58), 2), {
        allowed: true,
        count: 1,
      })
      // An hour after the first send, one slot is free again.
      assert.deepStrictEqual(await store.reserveSmsSend('+1555', at(60), at(0), 2), {
        allowed: true,
        count: 2,
      })
    })

    it('appends, pages and prunes tenant log events', async (t) => {
      const store = await open(t)
      const dates = [
        '2026-01-01T00:00:00.000Z',
        '2026-06-01T00:00:00.000Z',
        '2026-11-01T00:00:00.000Z',
      ]
      const logs = []
      for (const [i, date] of dates.entries()) {
        logs.push(
          await store.appendLog({ date, type: i === 1 ? 'fs' : 'ss', hookId: 'h', details: { i } }),
        )
      }
      assert.deepStrictEqual(
        (await store.listLogs({})).items.map((l) => l.logId),
        logs.map((l) => l.logId).reverse(),
      )
      assert.deepStrictEqual((await store.listLogs({ type: 'fs' })).total, 1)
      assert.deepStrictEqual(
        (await store.listLogs({ from: logs[0]?.logId ?? '', take: 1 })).items.map((l) => l.logId),
        [logs[1]?.logId],
      )
      assert.deepStrictEqual(await store.getLog(logs[2]?.logId ?? ''), logs[2])
      assert.equal(await store.pruneLogs('2026-03-01T00:00:00.000Z', 1), 2)
      assert.deepStrictEqual(
        (await store.listLogs({})).items.map((l) => l.logId),
        [logs[2]?.logId],
      )
    })
  })
}
