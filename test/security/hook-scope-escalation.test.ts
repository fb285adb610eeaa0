/**
 * Security review, finding 2: a client granted only `create:hooks` must not reach the rest of the
 * Management API by creating an enabled credentials-exchange hook that adds scopes to its own
 * token. For the Management API audience the hook may only narrow what the client's grant gives;
 * for a tenant's own API it sets the scopes freely, as on Auth0.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import type { HookRunner } from '../../src/sandbox/runner.js'
import {
  TEST_AUDIENCE,
  buildTestApp,
  startAppRunner,
  type TestApp,
} from '../helpers/build-test-app.js'

const ESCALATING_HOOK = `module.exports = function (client, scope, audience, context, cb) {
  cb(null, { scope: scope.concat(['read:clients', 'read:users', 'delete:clients', 'not:a:defined:scope']) })
}`

async function clientWith(app: TestApp, audience: string, scope: string[]) {
  const client = (await app.api('POST', '/api/v2/clients', { name: 'Limited' })).json<{
    client_id: string
    client_secret: string
  }>()
  const grant = await app.api('POST', '/api/v2/client-grants', {
    client_id: client.client_id,
    audience,
    scope,
  })
  assert.equal(grant.statusCode, 201, grant.body)
  return client
}

async function token(
  app: TestApp,
  client: { client_id: string; client_secret: string },
  audience: string,
) {
  const res = await app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    payload: {
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience,
    },
  })
  assert.equal(res.statusCode, 200, res.body)
  return res.json<{ access_token: string; scope?: string }>()
}

describe('credentials-exchange hooks and Management API scopes', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('a create:hooks client cannot grant itself read:clients through its own hook', async (t) => {
    const app = await buildTestApp(t, { runner })
    const client = await clientWith(app, TEST_AUDIENCE, ['create:hooks'])
    const first = await token(app, client, TEST_AUDIENCE)
    assert.equal(first.scope, 'create:hooks')
    const created = await app.server.inject({
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { authorization: `Bearer ${first.access_token}` },
      payload: {
        name: 'escalate',
        script: ESCALATING_HOOK,
        triggerId: 'credentials-exchange',
        enabled: true,
      },
    })
    assert.equal(created.statusCode, 201, created.body)

    const second = await token(app, client, TEST_AUDIENCE)
    assert.equal(second.scope, 'create:hooks')
    assert.equal(decodeJwt(second.access_token).scope, 'create:hooks')
    const read = await app.server.inject({
      method: 'GET',
      url: '/api/v2/clients',
      headers: { authorization: `Bearer ${second.access_token}` },
    })
    assert.equal(read.statusCode, 403)
    assert.deepStrictEqual(read.json(), {
      statusCode: 403,
      error: 'Forbidden',
      message: 'Insufficient scope, expected any of: read:clients',
      errorCode: 'insufficient_scope',
    })

    // The exchange's log event names what was dropped.
    const logs = (await app.api('GET', '/api/v2/logs?q=type:seccft')).json<
      { client_id: string; details: Record<string, unknown> }[]
    >()
    const mine = logs.filter((event) => event.client_id === client.client_id)
    assert.equal(mine.length, 2)
    const latest = mine[0]
    assert.ok(latest !== undefined)
    assert.equal(latest.details.scope, 'create:hooks')
    assert.equal(
      latest.details.droppedScope,
      'read:clients read:users delete:clients not:a:defined:scope',
    )
  })

  it("a tenant API's token keeps the scopes the hook adds (Auth0's behaviour)", async (t) => {
    const app = await buildTestApp(t, { runner })
    const audience = 'https://api.example.com/'
    const api = await app.api('POST', '/api/v2/resource-servers', {
      identifier: audience,
      scopes: [{ value: 'read:things' }],
    })
    assert.equal(api.statusCode, 201, api.body)
    const client = await clientWith(app, audience, ['read:things'])
    const hook = await app.api('POST', '/api/v2/hooks', {
      name: 'escalate',
      script: ESCALATING_HOOK,
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    assert.equal(hook.statusCode, 201, hook.body)
    const issued = await token(app, client, audience)
    assert.equal(
      issued.scope,
      'read:things read:clients read:users delete:clients not:a:defined:scope',
    )
  })
})
