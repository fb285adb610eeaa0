import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it, type TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { decodeJwt } from 'jose'
import { hashPassword } from '../../src/directory/passwords.js'
import { SESSION_IDLE_TIMEOUT_MS, SESSION_MAX_AGE_MS } from '../../src/operator/sessions.js'
import {
  MAX_FAILED_SIGN_INS_PER_ADDRESS,
  SIGN_IN_WINDOW_MS,
} from '../../src/operator/sign-in-limiter.js'
import { DASHBOARD_TOKEN_LIFETIME_S } from '../../src/http/dashboard/session.routes.js'
import {
  ADMIN_CLIENT_ID,
  TEST_AUDIENCE,
  buildTestApp,
  type TestApp,
} from '../helpers/build-test-app.js'

const EMAIL = 'operator@example.com'
const PASSWORD = 'correct horse battery staple'
const CSRF = { 'x-openhooks-csrf': '1' }

/** One hash for the file: scrypt costs ~100 ms. */
const passwordHash = hashPassword(PASSWORD)

/** A built-dashboard folder with an index and one hashed asset. */
function fakeDashboard(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'openhooks-dash-'))
  mkdirSync(join(dir, 'assets'))
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>openhooks</title><script type="module" src="/assets/index-abc.js"></script>',
  )
  writeFileSync(
    join(dir, 'assets', 'index-abc.js'),
    `console.log(${JSON.stringify('x'.repeat(4096))})`,
  )
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function dashboardApp(
  t: TestContext,
  options: { now?: () => number; env?: Record<string, string>; dir?: string } = {},
): Promise<TestApp> {
  return buildTestApp(t, {
    ...(options.now !== undefined ? { now: options.now } : undefined),
    ...(options.env !== undefined ? { env: options.env } : undefined),
    dashboard: {
      operator: { email: EMAIL, passwordHash: await passwordHash },
      clientId: ADMIN_CLIENT_ID,
      dir: options.dir ?? fakeDashboard(t),
    },
  })
}

function signIn(app: TestApp, body: unknown, headers: Record<string, string> = CSRF) {
  return app.server.inject({
    method: 'POST',
    url: '/_dashboard/session',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  })
}

function cookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie']
  const value = Array.isArray(header) ? header[0] : header
  assert.ok(value !== undefined, 'a Set-Cookie header')
  return value.split(';')[0] ?? ''
}

describe('dashboard sign-in', () => {
  it('signs in and sets an HttpOnly, SameSite=Strict, Secure session cookie', async (t) => {
    const app = await dashboardApp(t)
    const res = await signIn(app, { email: EMAIL, password: PASSWORD })
    assert.equal(res.statusCode, 200)
    const body = res.json<{ email: string; expires_at: string }>()
    assert.deepEqual(Object.keys(body), ['email', 'expires_at'])
    assert.equal(body.email, EMAIL)
    assert.ok(!Number.isNaN(Date.parse(body.expires_at)))
    assert.equal(res.headers['cache-control'], 'no-store')
    const cookie = String(res.headers['set-cookie'])
    assert.match(
      cookie,
      new RegExp(
        `^openhooks_session=[A-Za-z0-9_-]{43}; Path=/_dashboard; Max-Age=${SESSION_MAX_AGE_MS / 1000}; HttpOnly; SameSite=Strict; Secure$`,
      ),
    )
    assert.ok(!app.logText().includes(PASSWORD), 'the password is never logged')
    const logs = await app.api('GET', '/api/v2/logs?q=type:s')
    assert.deepEqual(
      logs.json<{ type: string; user_name: string }[]>().map((l) => [l.type, l.user_name]),
      [['s', EMAIL]],
    )
  })

  it('leaves Secure off over plain HTTP with an http issuer', async (t) => {
    const app = await dashboardApp(t, { env: { OPENHOOKS_ISSUER: 'http://localhost:3000/' } })
    const res = await signIn(app, { email: EMAIL, password: PASSWORD })
    assert.equal(res.statusCode, 200)
    assert.doesNotMatch(String(res.headers['set-cookie']), /Secure/)
  })

  it('refuses a wrong password or an unknown e-mail with one message, and logs fp and fu', async (t) => {
    const app = await dashboardApp(t)
    for (const body of [
      { email: EMAIL, password: 'wrong password!' },
      { email: 'someone@example.com', password: PASSWORD },
    ]) {
      const res = await signIn(app, body)
      assert.equal(res.statusCode, 401)
      assert.deepEqual(res.json(), {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Wrong email or password.',
        errorCode: 'invalid_credentials',
      })
      assert.equal(res.headers['set-cookie'], undefined)
    }
    const logs = await app.api('GET', '/api/v2/logs')
    assert.deepEqual(
      logs
        .json<{ type: string; user_name: string; details: unknown }[]>()
        .map((l) => [l.type, l.user_name, l.details]),
      [
        ['fu', 'someone@example.com', { area: 'dashboard' }],
        ['fp', EMAIL, { area: 'dashboard' }],
      ],
    )
    assert.ok(!app.logText().includes('wrong password!'))
  })

  it('answers a malformed body with the validation error', async (t) => {
    const app = await dashboardApp(t)
    const res = await signIn(app, { email: EMAIL })
    assert.equal(res.statusCode, 400)
    assert.deepEqual(res.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: "Payload validation error: 'Missing required property: password'.",
      errorCode: 'invalid_body',
    })
  })

  it('rate-limits failed sign-ins per address, even with the right password, until the window ends', async (t) => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const app = await dashboardApp(t, { now: () => now })
    for (let i = 0; i < MAX_FAILED_SIGN_INS_PER_ADDRESS; i++) {
      assert.equal((await signIn(app, { email: EMAIL, password: `wrong-${i}` })).statusCode, 401)
    }
    const limited = await signIn(app, { email: EMAIL, password: PASSWORD })
    assert.equal(limited.statusCode, 429)
    const waitS = SIGN_IN_WINDOW_MS / 1000
    assert.equal(limited.headers['retry-after'], String(waitS))
    assert.deepEqual(limited.json(), {
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many failed sign-ins. Try again in ${waitS} seconds.`,
      errorCode: 'too_many_attempts',
    })
    const blocked = await app.api('GET', '/api/v2/logs?q=type:limit_mu')
    assert.equal(blocked.json<unknown[]>().length, 1)
    now += SIGN_IN_WINDOW_MS
    assert.equal((await signIn(app, { email: EMAIL, password: PASSWORD })).statusCode, 200)
  })
})

describe('dashboard CSRF protection', () => {
  it('refuses state changes without the header, from a foreign origin or a cross-site fetch', async (t) => {
    const app = await dashboardApp(t)
    const refused = {
      statusCode: 403,
      error: 'Forbidden',
      message:
        'This request did not come from the dashboard: it needs the X-OpenHooks-CSRF header and a same-origin Origin.',
      errorCode: 'csrf_refused',
    }
    const good = { email: EMAIL, password: PASSWORD }
    for (const headers of [
      {},
      { 'x-openhooks-csrf': '0' },
      { ...CSRF, origin: 'https://evil.example' },
      { ...CSRF, 'sec-fetch-site': 'cross-site' },
    ]) {
      const res = await signIn(app, good, headers)
      assert.equal(res.statusCode, 403, JSON.stringify(headers))
      assert.deepEqual(res.json(), refused)
      assert.equal(res.headers['set-cookie'], undefined)
    }
    // The request's own origin, or the issuer's (the public URL when a proxy terminates TLS).
    assert.equal(
      (await signIn(app, good, { ...CSRF, origin: 'http://localhost:80' })).statusCode,
      200,
    )
    const cookie = cookieOf(await signIn(app, good, { ...CSRF, origin: 'https://openhooks.test' }))
    for (const [method, url] of [
      ['POST', '/_dashboard/token'],
      ['DELETE', '/_dashboard/session'],
    ] as const) {
      const res = await app.server.inject({ method, url, headers: { cookie } })
      assert.equal(res.statusCode, 403)
      assert.deepEqual(res.json(), refused)
    }
    // The session survived the refused sign-out.
    const still = await app.server.inject({
      method: 'GET',
      url: '/_dashboard/session',
      headers: { cookie },
    })
    assert.equal(still.statusCode, 200)
  })
})

describe('dashboard token exchange and sign-out', () => {
  it('exchanges the session for a short-lived Management API token that /api/v2 accepts', async (t) => {
    const app = await dashboardApp(t)
    const cookie = cookieOf(await signIn(app, { email: EMAIL, password: PASSWORD }))
    const res = await app.server.inject({
      method: 'POST',
      url: '/_dashboard/token',
      headers: { cookie, ...CSRF },
    })
    assert.equal(res.statusCode, 200)
    const body = res.json<{ access_token: string; token_type: string; expires_in: number }>()
    assert.deepEqual(Object.keys(body), ['access_token', 'token_type', 'expires_in'])
    assert.equal(body.token_type, 'Bearer')
    assert.equal(body.expires_in, DASHBOARD_TOKEN_LIFETIME_S)
    const claims = decodeJwt(body.access_token)
    assert.equal(claims.aud, TEST_AUDIENCE)
    assert.equal(claims.sub, `${ADMIN_CLIENT_ID}@clients`)
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), DASHBOARD_TOKEN_LIFETIME_S)
    const hooks = await app.server.inject({
      method: 'GET',
      url: '/api/v2/hooks',
      headers: { authorization: `Bearer ${body.access_token}` },
    })
    assert.equal(hooks.statusCode, 200)
    assert.deepEqual(hooks.json(), [])
  })

  it('refuses the exchange without a session, with an unknown one, and after expiry', async (t) => {
    let now = Date.parse('2026-01-01T00:00:00Z')
    const app = await dashboardApp(t, { now: () => now })
    const noSession = {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Your dashboard session has ended. Sign in again.',
      errorCode: 'no_session',
    }
    const exchange = (cookie?: string) =>
      app.server.inject({
        method: 'POST',
        url: '/_dashboard/token',
        headers: { ...CSRF, ...(cookie !== undefined ? { cookie } : undefined) },
      })
    for (const cookie of [undefined, 'openhooks_session=made-up']) {
      const res = await exchange(cookie)
      assert.equal(res.statusCode, 401)
      assert.deepEqual(res.json(), noSession)
    }
    const cookie = cookieOf(await signIn(app, { email: EMAIL, password: PASSWORD }))
    now += SESSION_IDLE_TIMEOUT_MS - 1000
    assert.equal((await exchange(cookie)).statusCode, 200, 'use keeps the session alive')
    now += SESSION_IDLE_TIMEOUT_MS + 1
    const expired = await exchange(cookie)
    assert.equal(expired.statusCode, 401)
    assert.deepEqual(expired.json(), noSession)
  })

  it('signs out: the cookie is cleared, the session ends, slo is logged', async (t) => {
    const app = await dashboardApp(t)
    const cookie = cookieOf(await signIn(app, { email: EMAIL, password: PASSWORD }))
    const out = await app.server.inject({
      method: 'DELETE',
      url: '/_dashboard/session',
      headers: { cookie, ...CSRF },
    })
    assert.equal(out.statusCode, 204)
    assert.equal(out.body, '')
    assert.equal(
      out.headers['set-cookie'],
      'openhooks_session=; Path=/_dashboard; Max-Age=0; HttpOnly; SameSite=Strict; Secure',
    )
    const after = await app.server.inject({
      method: 'POST',
      url: '/_dashboard/token',
      headers: { cookie, ...CSRF },
    })
    assert.equal(after.statusCode, 401)
    const logs = await app.api('GET', '/api/v2/logs?q=type:slo')
    assert.equal(logs.json<unknown[]>().length, 1)
  })
})

describe('dashboard static files', () => {
  it('serves index.html with its CSP for the SPA routes, and hashed assets with long caching', async (t) => {
    const app = await dashboardApp(t)
    for (const url of ['/', '/sign-in', '/hooks', '/hooks/01HX', '/logs']) {
      const res = await app.server.inject({ method: 'GET', url })
      assert.equal(res.statusCode, 200, url)
      assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
      assert.equal(res.headers['cache-control'], 'no-cache')
      assert.match(String(res.headers['content-security-policy']), /script-src 'self';/)
      assert.equal(res.headers['x-frame-options'], 'DENY')
      assert.match(res.body, /<title>openhooks<\/title>/)
    }
    const asset = await app.server.inject({
      method: 'GET',
      url: '/assets/index-abc.js',
      headers: { 'accept-encoding': 'gzip, br' },
    })
    assert.equal(asset.statusCode, 200)
    assert.equal(asset.headers['content-type'], 'text/javascript; charset=utf-8')
    assert.equal(asset.headers['content-encoding'], 'gzip')
    assert.equal(asset.headers['cache-control'], 'public, max-age=31536000, immutable')
    const again = await app.server.inject({
      method: 'GET',
      url: '/assets/index-abc.js',
      headers: { 'if-none-match': String(asset.headers.etag) },
    })
    assert.equal(again.statusCode, 304)
  })

  it('leaves the API, health and discovery routes and their 404s alone', async (t) => {
    const app = await dashboardApp(t)
    const health = await app.server.inject({ method: 'GET', url: '/healthz' })
    assert.deepEqual(health.json(), { status: 'ok' })
    const api = await app.server.inject({ method: 'GET', url: '/api/v2/hooks' })
    assert.equal(api.statusCode, 401)
    assert.deepEqual(api.json(), {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication',
    })
    const jwks = await app.server.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    assert.equal(jwks.statusCode, 200)
    const unknown = await app.server.inject({ method: 'GET', url: '/nothing-here' })
    assert.equal(unknown.statusCode, 404)
    assert.deepEqual(unknown.json(), {
      message: 'Route GET:/nothing-here not found',
      error: 'Not Found',
      statusCode: 404,
    })
  })

  it('says how to build the dashboard when it is not built', async (t) => {
    const empty = mkdtempSync(join(tmpdir(), 'openhooks-dash-'))
    t.after(() => rmSync(empty, { recursive: true, force: true }))
    const app = await dashboardApp(t, { dir: empty })
    const res = await app.server.inject({ method: 'GET', url: '/' })
    assert.equal(res.statusCode, 503)
    assert.match(res.body, /Run <code>npm run build<\/code>/)
  })
})
