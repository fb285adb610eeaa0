import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { importJWK, jwtVerify } from 'jose'
import { MANAGEMENT_SCOPES } from '../../src/tokens/management-scopes.js'
import { TEST_AUDIENCE, TEST_ISSUER, buildTestApp } from '../helpers/build-test-app.js'

describe('health and discovery', () => {
  it('GET /healthz answers 200 {"status":"ok"} while storage answers', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.server.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepStrictEqual(res.json(), { status: 'ok' })
  })

  it('GET /healthz answers 503 when storage does not', async (t) => {
    const app = await buildTestApp(t)
    const ping = app.store.ping.bind(app.store)
    app.store.ping = () => Promise.reject(new Error('database is gone'))
    t.after(() => {
      app.store.ping = ping
    })
    const res = await app.server.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 503)
    assert.deepStrictEqual(res.json(), { status: 'unavailable' })
  })

  it('publishes the signing key, and tokens verify against it', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.server.inject({ method: 'GET', url: '/.well-known/jwks.json' })
    assert.equal(res.statusCode, 200)
    const { keys } = res.json<{ keys: Record<string, unknown>[] }>()
    assert.equal(keys.length, 1)
    const [jwk] = keys
    assert.ok(jwk !== undefined)
    assert.deepStrictEqual(Object.keys(jwk).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use'])
    assert.equal(jwk.kid, app.signingKeys.current.kid)
    const token = await app.token(['read:hooks'])
    const { payload } = await jwtVerify(token, await importJWK(jwk, 'RS256'), {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
    })
    assert.equal(payload.scope, 'read:hooks')
  })

  it('serves the OpenID discovery document', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.server.inject({ method: 'GET', url: '/.well-known/openid-configuration' })
    assert.equal(res.statusCode, 200)
    assert.deepStrictEqual(res.json(), {
      issuer: TEST_ISSUER,
      token_endpoint: `${TEST_ISSUER}oauth/token`,
      jwks_uri: `${TEST_ISSUER}.well-known/jwks.json`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
      response_types_supported: ['token'],
      scopes_supported: [...MANAGEMENT_SCOPES],
      id_token_signing_alg_values_supported: ['RS256'],
    })
  })

  it('sends an x-request-id on every response', async (t) => {
    const app = await buildTestApp(t)
    const a = await app.server.inject({ method: 'GET', url: '/healthz' })
    const b = await app.server.inject({ method: 'GET', url: '/api/v2/hooks' })
    assert.match(String(a.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    assert.match(String(b.headers['x-request-id']), /^[0-9a-f-]{36}$/)
    assert.notEqual(a.headers['x-request-id'], b.headers['x-request-id'])
  })
})
