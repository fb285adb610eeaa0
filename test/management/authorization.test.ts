/**
 * The authorization matrix of the Management API (compat §2.1, §2.2, §2.5, Q5, Q24): for every one
 * of the nine hook endpoints, each kind of bad credential gives the exact 401 or 403 body, with the
 * rate-limit headers, and changes nothing.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { SignJWT, generateKeyPair } from 'jose'
import { signAccessToken } from '../../src/tokens/access-token.js'
import {
  ADMIN_CLIENT_ID,
  TEST_AUDIENCE,
  TEST_ISSUER,
  buildTestApp,
  type TestApp,
} from '../helpers/build-test-app.js'
import { SCRIPTS, assertJson, createHook } from '../helpers/management.js'

const ALL_SCOPES = ['read:hooks', 'create:hooks', 'update:hooks', 'delete:hooks'] as const
type Scope = (typeof ALL_SCOPES)[number]

interface Endpoint {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
  /** `{id}` is replaced by a real hook id. */
  readonly path: string
  /** The scope of the OAS `security` block (compat §2.5). */
  readonly scope: Scope
  readonly body?: unknown
  /** Status when the request is authorized. */
  readonly success: number
}

const ENDPOINTS: readonly Endpoint[] = [
  { method: 'GET', path: '/hooks', scope: 'read:hooks', success: 200 },
  {
    method: 'POST',
    path: '/hooks',
    scope: 'create:hooks',
    body: {
      name: 'new-hook',
      script: SCRIPTS['credentials-exchange'],
      triggerId: 'credentials-exchange',
    },
    success: 201,
  },
  { method: 'GET', path: '/hooks/{id}', scope: 'read:hooks', success: 200 },
  {
    method: 'PATCH',
    path: '/hooks/{id}',
    scope: 'update:hooks',
    body: { script: 'changed' },
    success: 200,
  },
  { method: 'DELETE', path: '/hooks/{id}', scope: 'delete:hooks', success: 204 },
  { method: 'GET', path: '/hooks/{id}/secrets', scope: 'read:hooks', success: 200 },
  {
    method: 'POST',
    path: '/hooks/{id}/secrets',
    scope: 'update:hooks',
    body: { NEW: 'v' },
    success: 201,
  },
  {
    method: 'PATCH',
    path: '/hooks/{id}/secrets',
    scope: 'update:hooks',
    body: { KEY: 'changed' },
    success: 201,
  },
  {
    method: 'DELETE',
    path: '/hooks/{id}/secrets',
    scope: 'delete:hooks',
    body: ['KEY'],
    success: 204,
  },
]

const MISSING_AUTHENTICATION = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Missing authentication',
}
const INVALID_TOKEN = { statusCode: 401, error: 'Unauthorized', message: 'Invalid token.' }
const INVALID_SIGNATURE = {
  statusCode: 401,
  error: 'Unauthorized',
  message: 'Invalid signature received for JSON Web Token validation.',
}
function insufficientScope(scope: Scope) {
  return {
    statusCode: 403,
    error: 'Forbidden',
    message: `Insufficient scope, expected any of: ${scope}`,
    errorCode: 'insufficient_scope',
  }
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function request(app: TestApp, endpoint: Endpoint, id: string, authorization: string | undefined) {
  return app.server.inject({
    method: endpoint.method,
    url: `/api/v2${endpoint.path.replace('{id}', id)}`,
    headers: {
      ...(authorization !== undefined ? { authorization } : undefined),
      ...(endpoint.body !== undefined ? { 'content-type': 'application/json' } : undefined),
    },
    ...(endpoint.body !== undefined ? { payload: JSON.stringify(endpoint.body) } : undefined),
  })
}

/** Tokens that must all be refused with 401, and the body each one gets. */
async function badCredentials(app: TestApp): Promise<[string, string | undefined, object][]> {
  const nowS = Math.floor(Date.now() / 1000)
  const claims = {
    issuer: app.config.issuer,
    clientId: ADMIN_CLIENT_ID,
    audience: app.config.managementAudience,
    scopes: ALL_SCOPES,
    lifetimeS: 3600,
  }
  assert.equal(app.config.issuer, TEST_ISSUER)
  assert.equal(app.config.managementAudience, TEST_AUDIENCE)

  // Signed with another RSA key: once under its own kid, once under ours.
  const other = await generateKeyPair('RS256')
  const signWithOtherKey = (kid: string) =>
    new SignJWT({ scope: ALL_SCOPES.join(' '), gty: 'client-credentials', azp: ADMIN_CLIENT_ID })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .setIssuer(TEST_ISSUER)
      .setSubject(`${ADMIN_CLIENT_ID}@clients`)
      .setAudience(TEST_AUDIENCE)
      .setIssuedAt(nowS)
      .setExpirationTime(nowS + 3600)
      .sign(other.privateKey)

  // Our key and kid, with the payload changed after signing (scopes widened).
  const [header, payload, signature] = (await app.token(['read:hooks'])).split('.')
  assert.ok(header !== undefined && payload !== undefined && signature !== undefined)
  const widened = {
    ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as object),
    scope: ALL_SCOPES.join(' '),
  }
  const tampered = `${header}.${base64url(widened)}.${signature}`

  const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({
    iss: TEST_ISSUER,
    sub: `${ADMIN_CLIENT_ID}@clients`,
    aud: TEST_AUDIENCE,
    iat: nowS,
    exp: nowS + 3600,
    scope: ALL_SCOPES.join(' '),
  })}.`

  const valid = await app.token()
  return [
    ['no Authorization header', undefined, MISSING_AUTHENTICATION],
    ['an empty Authorization header', '', MISSING_AUTHENTICATION],
    ['a malformed token (Bearer abc)', 'Bearer abc', INVALID_TOKEN],
    ['Bearer without a token', 'Bearer', INVALID_TOKEN],
    ['a token that is three garbage segments', 'Bearer aaa.bbb.ccc', INVALID_TOKEN],
    ['another scheme (Basic)', 'Basic dGVzdDp0ZXN0', INVALID_TOKEN],
    ['a valid token followed by junk', `Bearer ${valid} junk`, INVALID_TOKEN],
    ['an unsigned token (alg none)', `Bearer ${unsigned}`, INVALID_TOKEN],
    [
      'a token signed with another RSA key and kid',
      `Bearer ${await signWithOtherKey('another-kid')}`,
      INVALID_SIGNATURE,
    ],
    [
      'a token signed with another RSA key under our kid',
      `Bearer ${await signWithOtherKey(app.signingKeys.current.kid)}`,
      INVALID_SIGNATURE,
    ],
    ['a token with our kid and a tampered payload', `Bearer ${tampered}`, INVALID_SIGNATURE],
    [
      'an expired token',
      `Bearer ${await app.token([...ALL_SCOPES], { nowS: nowS - 7200, lifetimeS: 60 })}`,
      INVALID_TOKEN,
    ],
    [
      'a token for another audience',
      `Bearer ${await signAccessToken(app.signingKeys, { ...claims, audience: 'https://other.example/api/v2/' })}`,
      INVALID_TOKEN,
    ],
    [
      'a token for the issuer as audience (not the Management API)',
      `Bearer ${await signAccessToken(app.signingKeys, { ...claims, audience: TEST_ISSUER })}`,
      INVALID_TOKEN,
    ],
    [
      'a token from another issuer',
      `Bearer ${await signAccessToken(app.signingKeys, { ...claims, issuer: 'https://evil.example/' })}`,
      INVALID_TOKEN,
    ],
  ]
}

test('authorization matrix: every endpoint refuses every bad credential', async (t) => {
  const app = await buildTestApp(t)
  const hook = await createHook(app, { name: 'guarded', dependencies: { a: '1.0.0' } })
  assert.equal(
    (await app.api('POST', `/api/v2/hooks/${hook.id}/secrets`, { KEY: 'v' })).statusCode,
    201,
  )
  const cases = await badCredentials(app)

  for (const endpoint of ENDPOINTS) {
    const label = `${endpoint.method} /api/v2${endpoint.path}`
    for (const [what, authorization, body] of cases) {
      await t.test(`${label}: ${what} → ${JSON.stringify(body)}`, async () => {
        assertJson(
          await request(app, endpoint, hook.id, authorization),
          (body as { statusCode: number }).statusCode,
          body,
        )
      })
    }
    const others = ALL_SCOPES.filter((s) => s !== endpoint.scope)
    await t.test(`${label}: every scope but ${endpoint.scope} → 403`, async () => {
      const res = await request(app, endpoint, hook.id, `Bearer ${await app.token(others)}`)
      assertJson(res, 403, insufficientScope(endpoint.scope))
      assert.equal(
        res.body,
        `{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: ${endpoint.scope}","errorCode":"insufficient_scope"}`,
      )
    })
    await t.test(`${label}: a token without any scope → 403`, async () => {
      const res = await request(app, endpoint, hook.id, `Bearer ${await app.token([])}`)
      assertJson(res, 403, insufficientScope(endpoint.scope))
    })
  }

  await t.test('no refused request changed anything', async () => {
    const list = await app.api('GET', '/api/v2/hooks')
    assert.deepStrictEqual(list.json(), [
      {
        id: hook.id,
        name: 'guarded',
        script: hook.script,
        dependencies: { a: '1.0.0' },
        enabled: true,
        triggerId: 'credentials-exchange',
      },
    ])
    assert.deepStrictEqual(await app.hooks.readSecrets(hook.id), { KEY: 'v' })
  })
})

test('authorization matrix: the required scope alone is enough for every endpoint', async (t) => {
  for (const endpoint of ENDPOINTS) {
    await t.test(
      `${endpoint.method} /api/v2${endpoint.path} with only ${endpoint.scope}`,
      async (st) => {
        const app = await buildTestApp(st)
        const hook = await createHook(app, { name: 'target' })
        assert.equal(
          (await app.api('POST', `/api/v2/hooks/${hook.id}/secrets`, { KEY: 'v' })).statusCode,
          201,
        )
        const res = await request(
          app,
          endpoint,
          hook.id,
          `Bearer ${await app.token([endpoint.scope])}`,
        )
        assert.equal(res.statusCode, endpoint.success, res.body)
      },
    )
  }
})

test("the 401 and 403 bodies are byte for byte Auth0's", async (t) => {
  const app = await buildTestApp(t)
  const none = await app.server.inject({ method: 'GET', url: '/api/v2/hooks' })
  assert.equal(
    none.body,
    '{"statusCode":401,"error":"Unauthorized","message":"Missing authentication"}',
  )
  const bad = await app.server.inject({
    method: 'GET',
    url: '/api/v2/hooks',
    headers: { authorization: 'Bearer abc' },
  })
  assert.equal(bad.body, '{"statusCode":401,"error":"Unauthorized","message":"Invalid token."}')
  const scope = await app.server.inject({
    method: 'GET',
    url: '/api/v2/hooks',
    headers: { authorization: `Bearer ${await app.token(['create:hooks'])}` },
  })
  assert.equal(
    scope.body,
    '{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:hooks","errorCode":"insufficient_scope"}',
  )
})

test('authentication is checked before the body: a bad body without a token is 401, not 400', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.server.inject({
    method: 'POST',
    url: '/api/v2/hooks',
    headers: { 'content-type': 'application/json' },
    payload: '{"broken":',
  })
  assertJson(res, 401, MISSING_AUTHENTICATION)
  const scoped = await app.server.inject({
    method: 'POST',
    url: '/api/v2/hooks',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await app.token(['read:hooks'])}`,
    },
    payload: '{"broken":',
  })
  assertJson(scoped, 403, insufficientScope('create:hooks'))
})
