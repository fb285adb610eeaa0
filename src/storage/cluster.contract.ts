/**
 * The part of the store contract that several nodes rely on (issue 20, docs/cluster.md): shared
 * token buckets, dashboard sessions, the operator account, the first-start lock, and every
 * uniqueness rule under concurrent writers. On PostgreSQL the concurrent calls run on different
 * pooled connections, as they would from different nodes.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { newUser, openForTest, type StoreFactory } from './store.contract.js'

/** Concurrent writers in the race tests: more than a pool's connections. */
const RACERS = 24

export function describeClusterContract(name: string, makeStore: StoreFactory): void {
  describe(`Store cluster contract: ${name}`, () => {
    const open = (t: { after: (fn: () => Promise<void>) => void }) => openForTest(makeStore, t)

    it('takes from a token bucket: a full burst, then the refill rate', async (t) => {
      const store = await open(t)
      const settings = { burst: 3, perSecond: 2 }
      const t0 = 1_800_000_000_000
      const takes = []
      for (let i = 0; i < 4; i += 1) takes.push(await store.takeRateLimitToken('k', settings, t0))
      assert.deepStrictEqual(takes, [
        { allowed: true, tokens: 2 },
        { allowed: true, tokens: 1 },
        { allowed: true, tokens: 0 },
        { allowed: false, tokens: 0 },
      ])
      // Half a second refills one token; a clock that goes back refills nothing.
      assert.deepStrictEqual(await store.takeRateLimitToken('k', settings, t0 + 500), {
        allowed: true,
        tokens: 0,
      })
      assert.deepStrictEqual(await store.takeRateLimitToken('k', settings, t0 + 100), {
        allowed: false,
        tokens: 0,
      })
      // Never more than the burst, however long the pause.
      assert.deepStrictEqual(await store.takeRateLimitToken('k', settings, t0 + 3_600_000), {
        allowed: true,
        tokens: 2,
      })
      assert.deepStrictEqual(await store.takeRateLimitToken('other', settings, t0), {
        allowed: true,
        tokens: 2,
      })
      await store.pruneRateLimitBuckets(t0 + 1)
      // `other` was pruned: it starts full again; `k` was kept.
      assert.deepStrictEqual(await store.takeRateLimitToken('other', settings, t0 + 2), {
        allowed: true,
        tokens: 2,
      })
      assert.deepStrictEqual(await store.takeRateLimitToken('k', settings, t0 + 3_600_000), {
        allowed: true,
        tokens: 1,
      })
    })

    it('lets exactly a burst through when takes race', async (t) => {
      const store = await open(t)
      const settings = { burst: 5, perSecond: 0.001 }
      const now = 1_800_000_000_000
      const takes = await Promise.all(
        Array.from({ length: RACERS }, () => store.takeRateLimitToken('race', settings, now)),
      )
      assert.equal(takes.filter((take) => take.allowed).length, 5)
    })

    it('prunes only the buckets of a key prefix when one is given', async (t) => {
      const store = await open(t)
      const settings = { burst: 3, perSecond: 1 }
      const t0 = 1_800_000_000_000
      await store.takeRateLimitToken('signup:ip:1', settings, t0)
      await store.takeRateLimitToken('management:ip:1', settings, t0)
      await store.pruneRateLimitBuckets(t0 + 1, 'signup:')
      // The signup bucket starts full again; the management one was kept.
      assert.deepStrictEqual(await store.takeRateLimitToken('signup:ip:1', settings, t0 + 1), {
        allowed: true,
        tokens: 2,
      })
      assert.deepStrictEqual(await store.takeRateLimitToken('management:ip:1', settings, t0 + 1), {
        allowed: true,
        tokens: 1.001,
      })
      await assert.rejects(store.pruneRateLimitBuckets(t0, "x%' or 1=1"), RangeError)
    })

    it('keeps recent hook executions, oldest first, pruned by age and per hook', async (t) => {
      const store = await open(t)
      const row = (id: string, hookId: string, endedMs: number) => ({
        id,
        hookId,
        endedMs,
        body: JSON.stringify({ id, logs: [{ message: 'é'.repeat(20_000) }] }),
      })
      await store.insertHookExecutions([row('a-3', 'h1', 3_000), row('a-1', 'h1', 1_000)])
      await store.insertHookExecutions([row('b-2', 'h1', 2_000), row('b-9', 'h2', 9_000)])
      // Written twice (a retried batch): kept once.
      await store.insertHookExecutions([row('a-1', 'h1', 1_000)])
      const listed = await store.listHookExecutions('h1', 0, 10)
      assert.deepStrictEqual(
        listed.map((e) => [e.id, e.endedMs]),
        [
          ['a-1', 1_000],
          ['b-2', 2_000],
          ['a-3', 3_000],
        ],
      )
      // Console output is stored whole.
      assert.equal(listed[0]?.body, row('a-1', 'h1', 1_000).body)
      assert.deepStrictEqual(
        (await store.listHookExecutions('h1', 2_000, 10)).map((e) => e.id),
        ['b-2', 'a-3'],
      )
      // The newest `take`.
      assert.deepStrictEqual(
        (await store.listHookExecutions('h1', 0, 2)).map((e) => e.id),
        ['b-2', 'a-3'],
      )
      await store.pruneHookExecutions(1_500, 1)
      assert.deepStrictEqual(
        (await store.listHookExecutions('h1', 0, 10)).map((e) => e.id),
        ['a-3'],
      )
      assert.deepStrictEqual(
        (await store.listHookExecutions('h2', 0, 10)).map((e) => e.id),
        ['b-9'],
      )
    })

    it('counts attempts in fixed windows, atomically under races', async (t) => {
      const store = await open(t)
      const t0 = 1_800_000_000_000
      assert.deepStrictEqual(await store.countAttempt('k', t0, 1_000), {
        startMs: t0,
        attempts: 1,
      })
      assert.deepStrictEqual(await store.countAttempt('k', t0 + 999, 1_000), {
        startMs: t0,
        attempts: 2,
      })
      await store.uncountAttempt('k', t0)
      await store.uncountAttempt('k', t0 - 1) // another window: unchanged
      assert.deepStrictEqual(await store.countAttempt('k', t0 + 999, 1_000), {
        startMs: t0,
        attempts: 2,
      })
      // The window ended: a new one starts.
      assert.deepStrictEqual(await store.countAttempt('k', t0 + 1_000, 1_000), {
        startMs: t0 + 1_000,
        attempts: 1,
      })
      await store.clearAttempts('k')
      assert.deepStrictEqual(await store.countAttempt('k', t0 + 1_001, 1_000), {
        startMs: t0 + 1_001,
        attempts: 1,
      })
      const counts = await Promise.all(
        Array.from({ length: RACERS }, () => store.countAttempt('race', t0, 60_000)),
      )
      assert.deepStrictEqual(
        counts.map((c) => c.attempts).sort((a, b) => a - b),
        Array.from({ length: RACERS }, (_, i) => i + 1),
      )
      await store.pruneAttempts(t0 + 1_001)
      assert.deepStrictEqual(await store.countAttempt('race', t0 + 1, 60_000), {
        startMs: t0 + 1,
        attempts: 1,
      })
      assert.equal((await store.countAttempt('k', t0 + 1_001, 1_000)).attempts, 2)
    })

    it('keeps dashboard sessions by hash until idle, too old, or ended', async (t) => {
      const store = await open(t)
      const limits = { idleMs: 1_000, maxAgeMs: 5_000 }
      const session = {
        idHash: 'h1',
        email: 'op@example.com',
        createdMs: 10_000,
        lastSeenMs: 10_000,
      }
      await store.createDashboardSession(session, 100)
      assert.deepStrictEqual(await store.touchDashboardSession('h1', 10_900, limits), {
        ...session,
        lastSeenMs: 10_900,
      })
      assert.deepStrictEqual(await store.touchDashboardSession('h1', 11_900, limits), {
        ...session,
        lastSeenMs: 11_900,
      })
      // Idle for longer than idleMs: gone, and stays gone.
      assert.equal(await store.touchDashboardSession('h1', 13_000, limits), undefined)
      assert.equal(await store.touchDashboardSession('h1', 11_950, limits), undefined)
      // Too old, however recently used.
      await store.createDashboardSession({ ...session, idHash: 'h2' }, 100)
      for (let at = 10_500; at <= 15_000; at += 500) {
        assert.notEqual(await store.touchDashboardSession('h2', at, limits), undefined)
      }
      assert.equal(await store.touchDashboardSession('h2', 15_001, limits), undefined)
      await store.createDashboardSession({ ...session, idHash: 'h3' }, 100)
      await store.deleteDashboardSession('h3')
      assert.equal(await store.touchDashboardSession('h3', 10_000, limits), undefined)
      assert.equal(await store.touchDashboardSession('unknown', 10_000, limits), undefined)
    })

    it('ends the least recently used dashboard sessions beyond the cap', async (t) => {
      const store = await open(t)
      const limits = { idleMs: 60_000, maxAgeMs: 60_000 }
      for (let i = 0; i < 4; i += 1) {
        await store.createDashboardSession(
          { idHash: `s${i}`, email: 'op@example.com', createdMs: 1_000 + i, lastSeenMs: 1_000 + i },
          3,
        )
      }
      assert.equal(await store.touchDashboardSession('s0', 2_000, limits), undefined)
      for (const id of ['s1', 's2', 's3']) {
        assert.notEqual(await store.touchDashboardSession(id, 2_000, limits), undefined, id)
      }
    })

    it('keeps one operator account; ifAbsent does not replace it', async (t) => {
      const store = await open(t)
      assert.equal(await store.getOperatorAccount(), undefined)
      const first = { email: 'a@example.com', passwordHash: 'scrypt$1' }
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          store.putOperatorAccount(i === 0 ? first : { ...first, passwordHash: `x${i}` }, true),
        ),
      )
      assert.equal(results.filter(Boolean).length, 1)
      const kept = await store.getOperatorAccount()
      assert.ok(kept !== undefined)
      assert.equal(
        await store.putOperatorAccount({ email: 'b@example.com', passwordHash: 'y' }, true),
        false,
      )
      assert.deepStrictEqual(await store.getOperatorAccount(), kept)
      assert.equal(
        await store.putOperatorAccount({ email: 'b@example.com', passwordHash: 'y' }, false),
        true,
      )
      assert.deepStrictEqual(await store.getOperatorAccount(), {
        email: 'b@example.com',
        passwordHash: 'y',
      })
    })

    it('runs work under one lock name one at a time', async (t) => {
      const store = await open(t)
      let inside = 0
      let most = 0
      await Promise.all(
        Array.from({ length: 4 }, () =>
          store.whileLocked('contract', async () => {
            inside += 1
            most = Math.max(most, inside)
            await store.ping()
            await new Promise((resolve) => setTimeout(resolve, 20))
            inside -= 1
          }),
        ),
      )
      assert.equal(most, 1)
    })

    it('leaves exactly one hook of a point enabled when enables race, and each succeeds', async (t) => {
      const store = await open(t)
      const ids: string[] = []
      for (let i = 0; i < RACERS; i += 1) {
        const created = await store.createHook({
          name: `race-${i}`,
          script: 'x',
          triggerId: 'credentials-exchange',
          enabled: false,
          dependencies: {},
        })
        assert.ok(created.ok)
        ids.push(created.hook.id)
      }
      const results = await Promise.all(ids.map((id) => store.updateHook(id, { enabled: true })))
      assert.deepStrictEqual(
        results.map((r) => r.ok),
        ids.map(() => true),
      )
      const { hooks } = await store.listHooks({ triggerId: 'credentials-exchange', enabled: true })
      assert.equal(hooks.length, 1)
    })

    it('enables only the first of several hooks created at once for an empty point', async (t) => {
      const store = await open(t)
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          store.createHook({
            name: `first-${i}`,
            script: 'x',
            triggerId: 'send-phone-message',
            enabled: 'if-first',
            dependencies: {},
          }),
        ),
      )
      assert.ok(results.every((r) => r.ok))
      const { hooks } = await store.listHooks({ triggerId: 'send-phone-message' })
      assert.equal(hooks.length, RACERS)
      assert.equal(hooks.filter((h) => h.enabled).length, 1)
    })

    it('keeps hook names unique when creates race', async (t) => {
      const store = await open(t)
      const results = await Promise.all(
        Array.from({ length: RACERS }, () =>
          store.createHook({
            name: 'same-name',
            script: 'x',
            triggerId: 'pre-user-registration',
            enabled: false,
            dependencies: {},
          }),
        ),
      )
      assert.equal(results.filter((r) => r.ok).length, 1)
      for (const r of results.filter((r) => !r.ok)) {
        assert.deepStrictEqual(r, { ok: false, reason: 'name-taken' })
      }
    })

    it('creates one user per connection and e-mail when signups race', async (t) => {
      const store = await open(t)
      const connection = await store.ensureConnection({
        id: 'con_race',
        name: 'race',
        strategy: 'auth0',
        options: {},
      })
      const results = await Promise.all(
        Array.from({ length: RACERS }, (_, i) =>
          store.createUser(
            newUser(connection.id, i % 2 === 0 ? 'same@example.com' : 'SAME@example.com'),
          ),
        ),
      )
      assert.equal(results.filter((r) => r.ok).length, 1)
      for (const r of results.filter((r) => !r.ok))
        assert.deepStrictEqual(r, { ok: false, reason: 'exists' })
    })

    it('consumes a password ticket and an MFA code once when uses race', async (t) => {
      const store = await open(t)
      const connection = await store.ensureConnection({
        id: 'con_once',
        name: 'once',
        strategy: 'auth0',
        options: {},
      })
      const created = await store.createUser(newUser(connection.id, 'once@example.com'))
      assert.ok(created.ok)
      const userId = created.user.id
      await store.createPasswordTicket({
        tokenHash: 'ticket',
        userId,
        markEmailVerified: false,
        expiresAt: '2099-01-01T00:00:00.000Z',
      })
      const now = '2030-01-01T00:00:00.000Z'
      const tickets = await Promise.all(
        Array.from({ length: RACERS }, () => store.consumePasswordTicket('ticket', now)),
      )
      assert.equal(tickets.filter((r) => r !== undefined).length, 1)

      await store.enrollMfaAuthenticator(
        {
          id: 'sms|dev_once',
          userId,
          oobChannel: 'sms',
          phoneNumber: '+1555',
          recoveryCodeHash: 'r',
        },
        {
          oobCodeHash: 'oob',
          clientId: 'c',
          codeHash: 'code',
          expiresAt: '2099-01-01T00:00:00.000Z',
        },
      )
      const codes = await Promise.all(
        Array.from({ length: RACERS }, () => store.consumeMfaChallenge('oob', now, 5)),
      )
      const winners = codes.filter((r) => r !== undefined)
      assert.equal(winners.length, 1)
      assert.equal(winners[0]?.confirmed, true)
    })

    it('keeps the SMS budget of a number when reservations race', async (t) => {
      const store = await open(t)
      const now = '2030-01-01T00:00:00.000Z'
      const since = '2029-12-31T23:00:00.000Z'
      const results = await Promise.all(
        Array.from({ length: RACERS }, () => store.reserveSmsSend('+1777', now, since, 10)),
      )
      assert.equal(results.filter((r) => r.allowed).length, 10)
    })

    it('keeps one signing key when nodes create the first one at once', async (t) => {
      const store = await open(t)
      const stored = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.insertSigningKeyIfNone({
            kid: `kid-${i}`,
            alg: 'RS256',
            publicJwk: '{}',
            privateJwk: 'sealed',
          }),
        ),
      )
      assert.equal(new Set(stored.map((k) => k.kid)).size, 1)
      assert.equal((await store.listSigningKeys()).length, 1)
    })
  })
}
