/**
 * Security review, finding 3: brute-force protection and suspicious IP throttling with Auth0's
 * settings, errors, log events and user-blocks endpoints; wrong client secrets throttled too.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'

const API = 'https://api.example.com/'
const EMAIL = 'ann@example.com'
const PASSWORD = 'Correct-horse-battery-9'
const CONNECTION = 'Username-Password-Authentication'
const ATTACKER = '203.0.113.9'
const BLOCKED = {
  error: 'too_many_attempts',
  error_description:
    "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it.",
}
const THROTTLED = {
  error: 'too_many_attempts',
  error_description:
    'We have detected suspicious login behavior and further attempts will be blocked. Please contact the administrator.',
}

interface Setup {
  readonly app: TestApp
  readonly clientId: string
  readonly clientSecret: string
  readonly userId: string
}

async function setUp(t: TestContext): Promise<Setup> {
  const app = await buildTestApp(t)
  const client = await app.api('POST', '/api/v2/clients', {
    name: 'Login App',
    app_type: 'regular_web',
    grant_types: ['password', 'client_credentials'],
  })
  assert.equal(client.statusCode, 201, client.body)
  const { client_id: clientId, client_secret: clientSecret } = client.json<{
    client_id: string
    client_secret: string
  }>()
  const api = await app.api('POST', '/api/v2/resource-servers', {
    identifier: API,
    scopes: [{ value: 'read:things' }],
  })
  assert.equal(api.statusCode, 201, api.body)
  const grant = await app.api('POST', '/api/v2/client-grants', {
    client_id: clientId,
    audience: API,
    scope: ['read:things'],
  })
  assert.equal(grant.statusCode, 201, grant.body)
  const user = await app.api('POST', '/api/v2/users', {
    connection: CONNECTION,
    email: EMAIL,
    password: PASSWORD,
  })
  assert.equal(user.statusCode, 201, user.body)
  return { app, clientId, clientSecret, userId: user.json<{ user_id: string }>().user_id }
}

function login(
  s: Setup,
  password: string,
  remoteAddress = ATTACKER,
  username = EMAIL,
): Promise<LightMyRequestResponse> {
  return s.app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    remoteAddress,
    payload: {
      grant_type: 'password',
      client_id: s.clientId,
      client_secret: s.clientSecret,
      username,
      password,
      audience: API,
    },
  })
}

async function logTypes(app: TestApp, type: string): Promise<Record<string, unknown>[]> {
  return (await app.api('GET', `/api/v2/logs?q=type:${type}`)).json<Record<string, unknown>[]>()
}

describe('brute-force protection', () => {
  it("has Auth0's default settings and takes a PATCH in Auth0's shape", async (t) => {
    const { app } = await setUp(t)
    const defaults = await app.api('GET', '/api/v2/attack-protection/brute-force-protection')
    assert.equal(defaults.statusCode, 200)
    assert.deepStrictEqual(defaults.json(), {
      enabled: true,
      shields: ['block'],
      allowlist: [],
      mode: 'count_per_identifier_and_ip',
      max_attempts: 10,
    })
    const patched = await app.api('PATCH', '/api/v2/attack-protection/brute-force-protection', {
      max_attempts: 3,
      allowlist: ['192.0.2.0/24', '2001:db8::1'],
    })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.deepStrictEqual(patched.json(), {
      enabled: true,
      shields: ['block'],
      allowlist: ['192.0.2.0/24', '2001:db8::1'],
      mode: 'count_per_identifier_and_ip',
      max_attempts: 3,
    })
    const bad = await app.api('PATCH', '/api/v2/attack-protection/brute-force-protection', {
      allowlist: ['not-an-ip'],
    })
    assert.equal(bad.statusCode, 400)
    assert.deepStrictEqual(bad.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message:
        "Payload validation error: 'Object didn't pass validation for format ip or cidr: not-an-ip' on property allowlist.",
      errorCode: 'invalid_body',
    })
    const readOnly = await app.server.inject({
      method: 'PATCH',
      url: '/api/v2/attack-protection/brute-force-protection',
      headers: { authorization: `Bearer ${await app.token(['read:attack_protection'])}` },
      payload: { max_attempts: 5 },
    })
    assert.equal(readOnly.statusCode, 403)
    assert.deepStrictEqual(readOnly.json(), {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: update:attack_protection',
      errorCode: 'insufficient_scope',
    })
  })

  it('blocks the identifier at the threshold, even with the right password, until unblocked', async (t) => {
    const s = await setUp(t)
    for (let i = 0; i < 10; i++) {
      const wrong = await login(s, `wrong-${i}`)
      assert.equal(wrong.statusCode, 403, `attempt ${i}: ${wrong.body}`)
    }
    const blocked = await login(s, PASSWORD)
    assert.equal(blocked.statusCode, 429)
    assert.deepStrictEqual(blocked.json(), BLOCKED)
    const events = await logTypes(s.app, 'limit_wc')
    assert.equal(events.length, 1)
    const [event] = events
    assert.ok(event !== undefined)
    assert.equal(event.type, 'limit_wc')
    assert.equal(event.ip, ATTACKER)
    // Per identifier and address (the default): the user still signs in from elsewhere.
    assert.equal((await login(s, PASSWORD, '198.51.100.4')).statusCode, 200)

    const expected = { blocked_for: [{ identifier: EMAIL, ip: ATTACKER, connection: CONNECTION }] }
    const byId = await s.app.api('GET', `/api/v2/user-blocks/${encodeURIComponent(s.userId)}`)
    assert.equal(byId.statusCode, 200)
    assert.deepStrictEqual(byId.json(), expected)
    const byIdentifier = await s.app.api('GET', `/api/v2/user-blocks?identifier=${EMAIL}`)
    assert.deepStrictEqual(byIdentifier.json(), expected)
    const unknown = await s.app.api('GET', '/api/v2/user-blocks/auth0%7Cnobody')
    assert.equal(unknown.statusCode, 404)

    const removed = await s.app.api('DELETE', `/api/v2/user-blocks?identifier=${EMAIL}`)
    assert.equal(removed.statusCode, 204)
    assert.deepStrictEqual(
      (await s.app.api('GET', `/api/v2/user-blocks/${encodeURIComponent(s.userId)}`)).json(),
      { blocked_for: [] },
    )
    assert.equal((await login(s, PASSWORD)).statusCode, 200)
  })

  it('counts concurrent guesses before the password check', async (t) => {
    const s = await setUp(t)
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => login(s, i === 29 ? PASSWORD : `wrong-${i}`)),
    )
    assert.equal(answers.filter((a) => a.statusCode === 403).length, 10)
    assert.equal(answers.filter((a) => a.statusCode === 429).length, 20)
    assert.equal(answers.at(-1)?.statusCode, 429)
  })

  it('is lifted by a password change, and DELETE /user-blocks/{id} works', async (t) => {
    const s = await setUp(t)
    for (let i = 0; i < 10; i++) await login(s, `wrong-${i}`)
    assert.equal((await login(s, PASSWORD)).statusCode, 429)
    const id = encodeURIComponent(s.userId)
    const changed = await s.app.api('PATCH', `/api/v2/users/${id}`, {
      password: 'Another-horse-battery-7',
      connection: CONNECTION,
    })
    assert.equal(changed.statusCode, 200, changed.body)
    // The change lifts the blocks after the response (with the post-change hook).
    const deadline = Date.now() + 10_000
    let after = await login(s, 'Another-horse-battery-7')
    while (after.statusCode === 429 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50))
      after = await login(s, 'Another-horse-battery-7')
    }
    assert.equal(after.statusCode, 200, after.body)

    for (let i = 0; i < 10; i++) await login(s, `wrong-${i}`)
    assert.equal((await s.app.api('DELETE', `/api/v2/user-blocks/${id}`)).statusCode, 204)
    assert.equal((await login(s, 'Another-horse-battery-7')).statusCode, 200)
  })

  it('throttles wrong client secrets per client and address', async (t) => {
    const s = await setUp(t)
    const exchange = (secret: string, remoteAddress = ATTACKER) =>
      s.app.server.inject({
        method: 'POST',
        url: '/oauth/token',
        remoteAddress,
        payload: {
          grant_type: 'client_credentials',
          client_id: s.clientId,
          client_secret: secret,
          audience: API,
        },
      })
    for (let i = 0; i < 10; i++) assert.equal((await exchange(`wrong-${i}`)).statusCode, 401)
    const blocked = await exchange(s.clientSecret)
    assert.equal(blocked.statusCode, 429)
    assert.deepStrictEqual(blocked.json(), BLOCKED)
    assert.equal((await exchange(s.clientSecret, '198.51.100.4')).statusCode, 200)
  })
})

describe('suspicious IP throttling', () => {
  it("has Auth0's settings and throttles an address failing across identifiers", async (t) => {
    const s = await setUp(t)
    const defaults = await s.app.api('GET', '/api/v2/attack-protection/suspicious-ip-throttling')
    assert.deepStrictEqual(defaults.json(), {
      enabled: true,
      shields: ['block'],
      allowlist: [],
      stage: {
        'pre-login': { max_attempts: 100, rate: 864000 },
        'pre-user-registration': { max_attempts: 50, rate: 1728000 },
      },
    })
    const patched = await s.app.api('PATCH', '/api/v2/attack-protection/suspicious-ip-throttling', {
      stage: { 'pre-login': { max_attempts: 5 } },
    })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.deepStrictEqual(patched.json(), {
      enabled: true,
      shields: ['block'],
      allowlist: [],
      stage: {
        'pre-login': { max_attempts: 5, rate: 864000 },
        'pre-user-registration': { max_attempts: 50, rate: 1728000 },
      },
    })
    for (let i = 0; i < 5; i++) {
      assert.equal((await login(s, 'wrong', ATTACKER, `user${i}@example.com`)).statusCode, 403)
    }
    const throttled = await login(s, PASSWORD)
    assert.equal(throttled.statusCode, 429)
    assert.deepStrictEqual(throttled.json(), THROTTLED)
    assert.equal((await logTypes(s.app, 'limit_mu')).length, 1)
    assert.equal((await login(s, PASSWORD, '198.51.100.4')).statusCode, 200)
  })
})
