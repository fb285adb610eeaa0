/**
 * Rate limiting of the Management API (compat §2.8): a token bucket per client, the
 * `X-RateLimit-*` headers on every response, and Auth0's 429 body. Time is a fake clock.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadConfig } from '../../src/config/load-config.js'
import { signAccessToken } from '../../src/tokens/access-token.js'
import { buildTestApp, rateLimitHeaders, type TestApp } from '../helpers/build-test-app.js'
import { assertJson, assertRateLimitHeaders } from '../helpers/management.js'

const TOO_MANY_REQUESTS = {
  statusCode: 429,
  error: 'Too Many Requests',
  message: 'Global limit has been reached',
  errorCode: 'too_many_requests',
}

/** A whole second, so that epoch-second arithmetic is exact. */
const START_MS = 1_900_000_000_000
const START_S = START_MS / 1000

async function limitedApp(t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}) {
  const clock = { nowMs: START_MS }
  const app = await buildTestApp(t, {
    env: { OPENHOOKS_RATE_LIMIT_BURST: '3', OPENHOOKS_RATE_LIMIT_PER_SECOND: '1', ...env },
    now: () => clock.nowMs,
  })
  return { app, clock }
}

function list(app: TestApp, token?: string) {
  return token === undefined
    ? app.api('GET', '/api/v2/hooks')
    : app.server.inject({
        method: 'GET',
        url: '/api/v2/hooks',
        headers: { authorization: `Bearer ${token}` },
      })
}

describe('rate limit (burst 3, 1 per second)', () => {
  it('counts down, answers the 4th request with 429, and says when the bucket is full', async (t) => {
    const { app } = await limitedApp(t)
    const seen = []
    for (let i = 0; i < 3; i++) {
      const res = await list(app)
      assertJson(res, 200, [])
      seen.push(rateLimitHeaders(res))
    }
    assert.deepStrictEqual(seen, [
      { limit: 3, remaining: 2, reset: START_S + 1 },
      { limit: 3, remaining: 1, reset: START_S + 2 },
      { limit: 3, remaining: 0, reset: START_S + 3 },
    ])
    const limited = await list(app)
    assertJson(limited, 429, TOO_MANY_REQUESTS)
    assert.equal(
      limited.body,
      '{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached","errorCode":"too_many_requests"}',
    )
    const headers = rateLimitHeaders(limited)
    assert.deepStrictEqual(headers, { limit: 3, remaining: 0, reset: START_S + 3 })
    assert.ok(headers.reset > START_S, 'reset is in the future')
  })

  it('limits every endpoint and method, writes included, and a limited write changes nothing', async (t) => {
    const { app } = await limitedApp(t)
    for (let i = 0; i < 3; i++) assert.equal((await list(app)).statusCode, 200)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'limited',
      script: 'x',
      triggerId: 'credentials-exchange',
    })
    assertJson(res, 429, TOO_MANY_REQUESTS)
    assert.deepStrictEqual(await app.hooks.list({}), { hooks: [], total: 0 })
  })

  it('refills over time', async (t) => {
    const { app, clock } = await limitedApp(t)
    for (let i = 0; i < 3; i++) assert.equal((await list(app)).statusCode, 200)
    assert.equal((await list(app)).statusCode, 429)

    clock.nowMs += 500
    const stillEmpty = await list(app)
    assertJson(stillEmpty, 429, TOO_MANY_REQUESTS)

    clock.nowMs += 500 // one token after one second
    const one = await list(app)
    assertJson(one, 200, [])
    assert.deepStrictEqual(rateLimitHeaders(one), {
      limit: 3,
      remaining: 0,
      reset: START_S + 1 + 3,
    })
    assert.equal((await list(app)).statusCode, 429)

    clock.nowMs += 10_000 // long enough to be full again, and no fuller than the burst
    const full = await list(app)
    assert.deepStrictEqual(rateLimitHeaders(full), {
      limit: 3,
      remaining: 2,
      reset: Math.ceil(clock.nowMs / 1000) + 1,
    })
  })

  it('keeps one bucket per client', async (t) => {
    const { app } = await limitedApp(t)
    for (let i = 0; i < 3; i++) assert.equal((await list(app)).statusCode, 200)
    assert.equal((await list(app)).statusCode, 429)

    const otherClient = await signAccessToken(app.signingKeys, {
      issuer: app.config.issuer,
      clientId: 'another-client',
      audience: app.config.managementAudience,
      scopes: ['read:hooks'],
      lifetimeS: 3600,
    })
    const other = await list(app, otherClient)
    assertJson(other, 200, [])
    assert.deepStrictEqual(rateLimitHeaders(other), { limit: 3, remaining: 2, reset: START_S + 1 })
    // The admin client is still limited, whatever token it presents.
    assertJson(await list(app, await app.token(['read:hooks'])), 429, TOO_MANY_REQUESTS)
  })

  it('sends the headers on error responses too', async (t) => {
    const { app } = await limitedApp(t)
    const unauthenticated = await app.server.inject({ method: 'GET', url: '/api/v2/hooks' })
    assert.equal(unauthenticated.statusCode, 401)
    assertRateLimitHeaders(unauthenticated)
    const notFound = await app.api('GET', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV')
    assert.equal(notFound.statusCode, 404)
    assertRateLimitHeaders(notFound)
    assert.equal(rateLimitHeaders(notFound).limit, 3)
  })
})

describe('rate limit disabled (OPENHOOKS_RATE_LIMIT_ENABLED=false)', () => {
  it('never answers 429 and still sends the headers', async (t) => {
    const { app } = await limitedApp(t, { OPENHOOKS_RATE_LIMIT_ENABLED: 'false' })
    for (let i = 0; i < 10; i++) {
      const res = await list(app)
      assertJson(res, 200, [])
      const headers = rateLimitHeaders(res)
      assert.equal(headers.limit, 3)
      assert.equal(headers.remaining, 3)
      assert.ok(headers.reset >= START_S)
    }
  })
})

describe('rate limit defaults', () => {
  it('are burst 50 and 16 per second (Auth0 Enterprise production), enabled', () => {
    const config = loadConfig({ OPENHOOKS_DATA_DIR: '/tmp/openhooks-unused' })
    assert.deepStrictEqual(config.rateLimit, { enabled: true, burst: 50, perSecond: 16 })
  })

  it('with them, the first request leaves 49 and the bucket is full again within a second', async (t) => {
    const app = await buildTestApp(t, {
      env: { OPENHOOKS_RATE_LIMIT_BURST: '50', OPENHOOKS_RATE_LIMIT_PER_SECOND: '16' },
      now: () => START_MS,
    })
    assert.deepStrictEqual(rateLimitHeaders(await list(app)), {
      limit: 50,
      remaining: 49,
      reset: START_S + 1, // 1/16 s to refill, rounded up to the next second
    })
  })
})
