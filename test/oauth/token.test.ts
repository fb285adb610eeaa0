import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { MANAGEMENT_SCOPES } from '../../src/tokens/management-scopes.js'
import {
  ADMIN_CLIENT_ID,
  ADMIN_CLIENT_SECRET,
  TEST_AUDIENCE,
  TEST_ISSUER,
  buildTestApp,
  type TestApp,
} from '../helpers/build-test-app.js'

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

async function postToken(
  app: TestApp,
  body: Record<string, string>,
  as: 'json' | 'form',
  headers: Record<string, string> = {},
) {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: {
      'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
      ...headers,
    },
    payload: as === 'json' ? JSON.stringify(body) : form(body),
  })
}

const ALL_SCOPES = MANAGEMENT_SCOPES.join(' ')
const valid = {
  grant_type: 'client_credentials',
  client_id: ADMIN_CLIENT_ID,
  client_secret: ADMIN_CLIENT_SECRET,
  audience: TEST_AUDIENCE,
}

describe('POST /oauth/token (client_credentials)', () => {
  for (const as of ['json', 'form'] as const) {
    it(`issues a Management API token from a ${as} body`, async (t) => {
      const app = await buildTestApp(t)
      const res = await postToken(app, valid, as)
      assert.equal(res.statusCode, 200)
      assert.equal(res.headers['cache-control'], 'no-store')
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      const body = res.json<Record<string, unknown>>()
      assert.deepStrictEqual(Object.keys(body), [
        'access_token',
        'token_type',
        'expires_in',
        'scope',
      ])
      assert.equal(body.token_type, 'Bearer')
      assert.equal(body.expires_in, 86_400)
      assert.equal(body.scope, ALL_SCOPES)

      const token = body.access_token as string
      const header = decodeProtectedHeader(token)
      assert.equal(header.alg, 'RS256')
      assert.equal(header.kid, app.signingKeys.current.kid)
      const claims = decodeJwt(token)
      assert.equal(claims.iss, TEST_ISSUER)
      assert.equal(claims.sub, `${ADMIN_CLIENT_ID}@clients`)
      assert.equal(claims.aud, TEST_AUDIENCE)
      assert.equal(claims.azp, ADMIN_CLIENT_ID)
      assert.equal(claims.gty, 'client-credentials')
      assert.equal(claims.scope, ALL_SCOPES)
      assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 86_400)

      // The token opens the Management API.
      const list = await app.server.inject({
        method: 'GET',
        url: '/api/v2/hooks',
        headers: { authorization: `Bearer ${token}` },
      })
      assert.equal(list.statusCode, 200)
      assert.deepStrictEqual(list.json(), [])
    })
  }

  it('accepts the credentials in HTTP Basic', async (t) => {
    const app = await buildTestApp(t)
    const basic = Buffer.from(`${ADMIN_CLIENT_ID}:${ADMIN_CLIENT_SECRET}`).toString('base64')
    const res = await postToken(
      app,
      { grant_type: 'client_credentials', audience: TEST_AUDIENCE },
      'form',
      { authorization: `Basic ${basic}` },
    )
    assert.equal(res.statusCode, 200)
    assert.equal(res.json<{ scope: string }>().scope, ALL_SCOPES)
  })

  it('narrows the requested scope to the grant', async (t) => {
    const app = await buildTestApp(t)
    const res = await postToken(app, { ...valid, scope: 'read:hooks read:widgets' }, 'form')
    assert.equal(res.statusCode, 200)
    assert.equal(res.json<{ scope: string }>().scope, 'read:hooks')
    assert.equal(decodeJwt(res.json<{ access_token: string }>().access_token).scope, 'read:hooks')
  })

  it('omits scope when none of the requested scopes is granted', async (t) => {
    const app = await buildTestApp(t)
    const res = await postToken(app, { ...valid, scope: 'read:widgets' }, 'json')
    assert.equal(res.statusCode, 200)
    const body = res.json<Record<string, unknown>>()
    assert.deepStrictEqual(Object.keys(body), ['access_token', 'token_type', 'expires_in'])
    assert.equal(decodeJwt(body.access_token as string).scope, undefined)
  })

  const failures: {
    name: string
    body: Record<string, string>
    as?: 'json' | 'form'
    headers?: Record<string, string>
    status: number
    expected: Record<string, string>
  }[] = [
    {
      name: 'missing grant_type',
      body: { client_id: ADMIN_CLIENT_ID },
      status: 400,
      expected: {
        error: 'invalid_request',
        error_description: 'Missing required parameter: grant_type',
      },
    },
    {
      name: 'unsupported grant_type',
      body: { ...valid, grant_type: 'authorization_code' },
      status: 400,
      expected: {
        error: 'unsupported_grant_type',
        error_description: 'Unsupported grant type: authorization_code',
      },
    },
    {
      name: 'wrong client secret',
      body: { ...valid, client_secret: 'not-the-secret' },
      status: 401,
      expected: { error: 'access_denied', error_description: 'Unauthorized' },
    },
    {
      name: 'unknown client',
      body: { ...valid, client_id: 'nobody' },
      status: 401,
      expected: { error: 'access_denied', error_description: 'Unauthorized' },
    },
    {
      name: 'missing client_id',
      body: { grant_type: 'client_credentials', client_secret: 'x', audience: TEST_AUDIENCE },
      status: 400,
      expected: {
        error: 'invalid_request',
        error_description: 'Missing required parameter: client_id',
      },
    },
    {
      name: 'no client authentication',
      body: {
        grant_type: 'client_credentials',
        client_id: ADMIN_CLIENT_ID,
        audience: TEST_AUDIENCE,
      },
      status: 401,
      expected: { error: 'invalid_client', error_description: 'Client authentication is required' },
    },
    {
      name: 'missing audience',
      body: {
        grant_type: 'client_credentials',
        client_id: ADMIN_CLIENT_ID,
        client_secret: ADMIN_CLIENT_SECRET,
      },
      status: 403,
      expected: {
        error: 'access_denied',
        error_description:
          'No audience parameter was provided, and no default audience has been configured',
      },
    },
    {
      name: 'unknown audience',
      body: { ...valid, audience: 'https://api.example.com/' },
      status: 403,
      expected: {
        error: 'access_denied',
        error_description: 'Service not found: https://api.example.com/',
      },
    },
    {
      name: 'repeated parameter',
      body: {},
      as: 'form',
      status: 400,
      expected: {
        error: 'invalid_request',
        error_description: 'Parameter grant_type must be a single string',
      },
    },
    {
      name: 'two client authentication methods',
      body: valid,
      headers: {
        authorization: `Basic ${Buffer.from(`${ADMIN_CLIENT_ID}:${ADMIN_CLIENT_SECRET}`).toString('base64')}`,
      },
      status: 400,
      expected: {
        error: 'invalid_request',
        error_description: 'Use only one client authentication method',
      },
    },
  ]
  for (const failure of failures) {
    it(`answers ${failure.status} ${failure.expected.error} for ${failure.name}`, async (t) => {
      const app = await buildTestApp(t)
      const res =
        failure.name === 'repeated parameter'
          ? await app.server.inject({
              method: 'POST',
              url: '/oauth/token',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              payload: 'grant_type=client_credentials&grant_type=password',
            })
          : await postToken(app, failure.body, failure.as ?? 'json', failure.headers)
      assert.equal(res.statusCode, failure.status)
      assert.deepStrictEqual(res.json(), failure.expected)
      assert.equal(res.headers['cache-control'], 'no-store')
    })
  }

  it('refuses malformed JSON and other media types with invalid_request', async (t) => {
    const app = await buildTestApp(t)
    const bad = await app.server.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/json' },
      payload: '{"grant_type":',
    })
    assert.equal(bad.statusCode, 400)
    assert.deepStrictEqual(bad.json(), {
      error: 'invalid_request',
      error_description: 'Invalid request payload JSON format',
    })
    const text = await app.server.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'text/plain' },
      payload: 'grant_type=client_credentials',
    })
    assert.equal(text.statusCode, 400)
    assert.deepStrictEqual(text.json(), {
      error: 'invalid_request',
      error_description:
        'The request body must be application/json or application/x-www-form-urlencoded',
    })
  })

  it('never logs the client secret', async (t) => {
    const app = await buildTestApp(t)
    await postToken(app, valid, 'form')
    await postToken(app, { ...valid, client_secret: 'wrong-secret-value-xyz' }, 'json')
    assert.ok(app.logs.length > 0)
    assert.ok(!app.logText().includes(ADMIN_CLIENT_SECRET))
    assert.ok(!app.logText().includes('wrong-secret-value-xyz'))
  })
})
