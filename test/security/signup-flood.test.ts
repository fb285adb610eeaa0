/**
 * Issue 17, findings 5 and 6: anonymous signups must not starve token issuance.
 *
 * - Each extensibility point has its own share of the sandbox (pending calls, calls handed to
 *   workers at once): a flood of signups with a slow `pre-user-registration` hook is refused at
 *   that point (429 in the /dbconnections shape) and `/oauth/token` keeps answering.
 * - The `credentials-exchange` hook runs in workers of its own: a `pre-user-registration` hook that
 *   burns a second of CPU per call, under a flood of signups, does not make a token request fail.
 *   (How fast tokens stay is a benchmark, bench/scenarios/, not a test: docs/performance.md.)
 * - `POST /dbconnections/signup` has a per-IP limit, checked before anything else.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import type { LightMyRequestResponse } from 'fastify'
import { startProcessRunner } from '../../src/sandbox/process-runner.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'

const AUDIENCE = 'https://api.example.com/'
const CONNECTION = 'Username-Password-Authentication'
const PASSWORD = 'Flood-Pa55word!x'

/** The runner the server would build with a pool of one shared worker and one token worker. */
async function startFloodRunner(): Promise<HookRunner> {
  return startProcessRunner({
    logger: pino({ level: 'silent' }),
    poolSize: 1,
    dedicatedWorkers: { 'credentials-exchange': 1 },
    laneLimits: { maxPendingCalls: 20, maxConcurrentCalls: 4 },
    // The whole sandbox takes fewer calls than a flood brings, as 1,000 did in the report.
    maxPendingCalls: 50,
    defaultLimits: { timeoutMs: 6_000, entryTimeoutMs: 2_000 },
    egress: { mode: 'allowlist', allow: [] },
  })
}

async function setUp(app: TestApp, preRegistration: string) {
  await app.api('POST', '/api/v2/resource-servers', {
    identifier: AUDIENCE,
    scopes: [{ value: 'read:things' }],
  })
  const client = (await app.api('POST', '/api/v2/clients', { name: 'Flooded' })).json<{
    client_id: string
    client_secret: string
  }>()
  await app.api('POST', '/api/v2/client-grants', {
    client_id: client.client_id,
    audience: AUDIENCE,
    scope: ['read:things'],
  })
  for (const [triggerId, script] of [
    [
      'credentials-exchange',
      'module.exports = function (client, scope, audience, context, cb) { cb(null, { scope: scope }) }',
    ],
    ['pre-user-registration', preRegistration],
  ] as const) {
    const res = await app.api('POST', '/api/v2/hooks', { name: triggerId, script, triggerId })
    assert.equal(res.statusCode, 201, res.body)
  }
  return client
}

function token(app: TestApp, client: { client_id: string; client_secret: string }) {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: AUDIENCE,
    }),
  })
}

function signup(
  app: TestApp,
  clientId: string,
  n: number,
  remoteAddress = '127.0.0.1',
): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url: '/dbconnections/signup',
    remoteAddress,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      client_id: clientId,
      email: `flood-${n}@example.com`,
      password: PASSWORD,
      connection: CONNECTION,
    }),
  })
}

/** How long a test waits for a flood to reach the sandbox. */
const FLOOD_ARRIVAL_DEADLINE_MS = 20_000

/**
 * Starts `count` signups and resolves once each of them is answered or waits in the sandbox, so
 * that what comes next meets the whole flood there.
 */
async function flood(
  app: TestApp,
  runner: HookRunner,
  clientId: string,
  count: number,
  first: number,
): Promise<{ answers: Promise<LightMyRequestResponse[]> }> {
  let answered = 0
  const all = Array.from({ length: count }, (_, n) =>
    signup(app, clientId, first + n).then((res) => {
      answered++
      return res
    }),
  )
  const deadline = Date.now() + FLOOD_ARRIVAL_DEADLINE_MS
  while (answered + (await runner.stats()).pendingCalls < count) {
    if (Date.now() > deadline) assert.fail('the flood did not reach the sandbox')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { answers: Promise.all(all) }
}

const BUSY = {
  name: 'TooManyRequestsError',
  code: 'too_many_requests',
  description: 'Too many requests are waiting for this hook; try again later',
  statusCode: 429,
}

describe('a flood of signups does not reach the token endpoint', () => {
  let runner: HookRunner
  before(async () => {
    runner = await startFloodRunner()
  })
  after(async () => {
    await runner.close()
  })

  it('slow pre-user-registration hook: the flood is refused at signup, tokens are issued', async (t) => {
    const app = await buildTestApp(t, { runner })
    const client = await setUp(
      app,
      'module.exports = function (user, context, cb) { setTimeout(function () { cb(null, {}) }, 4000) }',
    )
    const { answers } = await flood(app, runner, client.client_id, 80, 0)
    // Tokens asked for while the flood waits on the slow hook.
    const tokens = await Promise.all(Array.from({ length: 10 }, () => token(app, client)))
    for (const res of tokens) assert.equal(res.statusCode, 200, res.body)

    const signups = await answers
    const refused = signups.filter((res) => res.statusCode === 429)
    // The point's share is 20 pending calls: the rest were refused at once, in Auth0's shape.
    assert.ok(refused.length >= 60 - 1, `${refused.length} refused`)
    assert.deepEqual(refused[0]?.json(), BUSY)
    // The others ran, or ran out of time waiting in their point's queue: a failure of that point.
    for (const res of signups) {
      if (res.statusCode === 429 || res.statusCode === 200) continue
      assert.deepEqual(res.json(), {
        name: 'BadRequestError',
        code: 'extensibility_error',
        description: 'Request to Webtask exceeded allowed execution time',
        statusCode: 400,
      })
    }
  })

  it('CPU-bound pre-user-registration hook: no token request fails', async (t) => {
    const app = await buildTestApp(t, { runner })
    const client = await setUp(
      app,
      'module.exports = function (user, context, cb) { var end = Date.now() + 1000; while (Date.now() < end) {} cb(null, {}) }',
    )
    const { answers } = await flood(app, runner, client.client_id, 12, 1000)
    const tokens: LightMyRequestResponse[] = []
    for (let i = 0; i < 8; i++) tokens.push(await token(app, client))
    for (const res of tokens) assert.equal(res.statusCode, 200, res.body)
    // The flood's own calls may run out of time in their point's queue; they fail there, alone.
    for (const res of await answers) {
      if (res.statusCode !== 200)
        assert.equal(res.json<{ code: string }>().code, 'extensibility_error')
    }
  })
})

describe('POST /dbconnections/signup is limited per IP address', () => {
  it('answers 429 too_many_requests past the limit, before any check, per address', async (t) => {
    const nowMs = Date.parse('2026-12-07T12:00:00Z')
    const app = await buildTestApp(t, {
      env: { OPENHOOKS_SIGNUP_RATE_LIMIT_PER_MINUTE: '3' },
      now: () => nowMs,
    })
    const clientId = (await app.api('POST', '/api/v2/clients', { name: 'Signups' })).json<{
      client_id: string
    }>().client_id
    for (let n = 0; n < 3; n++) {
      const res = await signup(app, clientId, n, '203.0.113.7')
      assert.equal(res.statusCode, 200, res.body)
    }
    const limited = await signup(app, clientId, 3, '203.0.113.7')
    assert.equal(limited.statusCode, 429)
    assert.equal(limited.headers['retry-after'], '20')
    assert.deepEqual(limited.json(), {
      name: 'TooManyRequestsError',
      code: 'too_many_requests',
      description: 'Too many signups from this IP address: at most 3 per minute',
      statusCode: 429,
    })
    // Another address has its own bucket.
    assert.equal((await signup(app, clientId, 4, '203.0.113.8')).statusCode, 200)
  })
})
