import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'

/** Auth0's "Application Grant Types": specification-conforming, then Auth0's extension grants. */
const AUTH0_CLIENT_GRANT_TYPES = [
  'implicit',
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'http://auth0.com/oauth/grant-type/password-realm',
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
]

/** Grants a client may list but openhooks does not issue tokens for. */
const NOT_IMPLEMENTED = [
  'implicit',
  'authorization_code',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
]

async function createClient(app: TestApp, grantTypes: readonly string[]) {
  return app.api('POST', '/api/v2/clients', { name: 'Mobile', grant_types: grantTypes })
}

describe('grant types on a client (issue 18, item 8)', () => {
  it('accepts every grant type Auth0 accepts on a client, and returns them as given', async (t) => {
    const app = await buildTestApp(t)
    const created = await createClient(app, AUTH0_CLIENT_GRANT_TYPES)
    assert.equal(created.statusCode, 201)
    const body = created.json<Record<string, unknown>>()
    assert.deepStrictEqual(
      { ...body, client_id: 'x', client_secret: 'y' },
      {
        client_id: 'x',
        tenant: 'openhooks',
        name: 'Mobile',
        description: '',
        app_type: 'non_interactive',
        grant_types: AUTH0_CLIENT_GRANT_TYPES,
        client_metadata: {},
        token_endpoint_auth_method: 'client_secret_post',
        is_first_party: true,
        global: false,
        client_secret: 'y',
      },
    )
    const id = String(body.client_id)
    const patched = await app.api('PATCH', `/api/v2/clients/${id}`, {
      grant_types: ['http://auth0.com/oauth/grant-type/mfa-otp'],
    })
    assert.equal(patched.statusCode, 200)
    assert.deepStrictEqual(patched.json<{ grant_types: unknown }>().grant_types, [
      'http://auth0.com/oauth/grant-type/mfa-otp',
    ])
  })

  it('refuses a grant openhooks does not implement at /oauth/token, with unsupported_grant_type', async (t) => {
    const app = await buildTestApp(t)
    const created = await createClient(app, AUTH0_CLIENT_GRANT_TYPES)
    assert.equal(created.statusCode, 201)
    const { client_id, client_secret } = created.json<{
      client_id: string
      client_secret: string
    }>()
    for (const grantType of NOT_IMPLEMENTED) {
      const res = await app.server.inject({
        method: 'POST',
        url: '/oauth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({
          grant_type: grantType,
          client_id,
          client_secret,
          mfa_token: 'x',
          otp: '123456',
        }).toString(),
      })
      assert.equal(res.statusCode, 400, grantType)
      assert.match(String(res.headers['content-type']), /^application\/json/)
      assert.deepStrictEqual(
        res.json(),
        {
          error: 'unsupported_grant_type',
          error_description: `Unsupported grant type: ${grantType}`,
        },
        grantType,
      )
    }
  })

  it("refuses Auth0's legacy grants, which new Auth0 tenants cannot add either", async (t) => {
    const app = await buildTestApp(t)
    const res = await createClient(app, ['http://auth0.com/oauth/legacy/grant-type/ro'])
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message:
        "Payload validation error: 'No enum match for: http://auth0.com/oauth/legacy/grant-type/ro' on property grant_types.0.",
      errorCode: 'invalid_body',
    })
  })
})
