/**
 * Issue 23: the token endpoint reads the client, its grant, the API and the enabled hook from
 * memory; a write through the Management API is seen by the very next exchange.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

const AUDIENCE = 'https://api.example.com/'
const CLAIM = 'https://example.com/hooked'

interface Client {
  readonly client_id: string
  readonly client_secret: string
}

async function setUp(app: TestApp): Promise<{ client: Client; grantId: string }> {
  await app.api('POST', '/api/v2/resource-servers', {
    identifier: AUDIENCE,
    scopes: [{ value: 'read:things' }],
  })
  const client = (await app.api('POST', '/api/v2/clients', { name: 'Worker' })).json<Client>()
  const grant = await app.api('POST', '/api/v2/client-grants', {
    client_id: client.client_id,
    audience: AUDIENCE,
    scope: ['read:things'],
  })
  assert.equal(grant.statusCode, 201, grant.body)
  return { client, grantId: grant.json<{ id: string }>().id }
}

function exchange(app: TestApp, client: Client) {
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

describe('the token endpoint sees Management API writes at once', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('refuses the old secret right after a rotation, and takes the new one', async (t) => {
    const app = await buildTestApp(t)
    const { client } = await setUp(app)
    assert.equal((await exchange(app, client)).statusCode, 200)
    const rotated = await app.api('POST', `/api/v2/clients/${client.client_id}/rotate-secret`)
    assert.equal(rotated.statusCode, 200, rotated.body)
    const fresh = rotated.json<Client>()
    assert.notEqual(fresh.client_secret, client.client_secret)

    const old = await exchange(app, client)
    assert.equal(old.statusCode, 401, old.body)
    assert.deepStrictEqual(old.json(), {
      error: 'access_denied',
      error_description: 'Unauthorized',
    })
    assert.equal((await exchange(app, fresh)).statusCode, 200)
  })

  it('refuses the exchange right after its grant is deleted', async (t) => {
    const app = await buildTestApp(t)
    const { client, grantId } = await setUp(app)
    assert.equal((await exchange(app, client)).statusCode, 200)
    const deleted = await app.api('DELETE', `/api/v2/client-grants/${grantId}`)
    assert.equal(deleted.statusCode, 204, deleted.body)

    const refused = await exchange(app, client)
    assert.equal(refused.statusCode, 403, refused.body)
    assert.deepStrictEqual(refused.json(), {
      error: 'access_denied',
      error_description: `Client is not authorized to access "${AUDIENCE}". You need to create a "client-grant" associated to this API.`,
    })
  })

  it('refuses the exchange right after its API is deleted', async (t) => {
    const app = await buildTestApp(t)
    const { client } = await setUp(app)
    assert.equal((await exchange(app, client)).statusCode, 200)
    const deleted = await app.api(
      'DELETE',
      `/api/v2/resource-servers/${encodeURIComponent(AUDIENCE)}`,
    )
    assert.equal(deleted.statusCode, 204, deleted.body)
    const refused = await exchange(app, client)
    assert.equal(refused.statusCode, 403, refused.body)
    assert.deepStrictEqual(refused.json(), {
      error: 'access_denied',
      error_description: `Service not found: ${AUDIENCE}`,
    })
  })

  it('does not run a hook right after it is disabled, and runs it again once enabled', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client } = await setUp(app)
    const hook = await app.api('POST', '/api/v2/hooks', {
      name: 'claims',
      triggerId: 'credentials-exchange',
      script: `module.exports = function (client, scope, audience, context, cb) {
        cb(null, { scope: scope, '${CLAIM}': true })
      }`,
    })
    const hookId = hook.json<{ id: string }>().id
    const claimOf = async () => {
      const res = await exchange(app, client)
      assert.equal(res.statusCode, 200, res.body)
      return decodeJwt(res.json<{ access_token: string }>().access_token)[CLAIM]
    }
    assert.equal(await claimOf(), true)
    assert.equal(
      (await app.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: false })).statusCode,
      200,
    )
    assert.equal(await claimOf(), undefined)
    assert.equal(
      (await app.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: true })).statusCode,
      200,
    )
    assert.equal(await claimOf(), true)
  })
})
