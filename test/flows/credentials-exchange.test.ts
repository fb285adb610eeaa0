import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

const AUDIENCE = 'https://api.example.com/'

async function setUp(app: TestApp, script: string) {
  await app.api('POST', '/api/v2/resource-servers', {
    identifier: AUDIENCE,
    scopes: [{ value: 'read:things' }, { value: 'write:things' }],
  })
  const client = (
    await app.api('POST', '/api/v2/clients', { name: 'Worker', client_metadata: { plan: 'gold' } })
  ).json<{ client_id: string; client_secret: string }>()
  await app.api('POST', '/api/v2/client-grants', {
    client_id: client.client_id,
    audience: AUDIENCE,
    scope: ['read:things', 'write:things'],
  })
  const hook = await app.api('POST', '/api/v2/hooks', {
    name: 'exchange',
    script,
    triggerId: 'credentials-exchange',
  })
  assert.equal(hook.json<{ enabled: boolean }>().enabled, true)
  return { client, hookId: hook.json<{ id: string }>().id }
}

function tokenRequest(
  app: TestApp,
  client: { client_id: string; client_secret: string },
  scope?: string,
) {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      grant_type: 'client_credentials',
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: AUDIENCE,
      ...(scope !== undefined ? { scope } : undefined),
    }),
  })
}

describe('credentials-exchange fires on /oauth/token', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('replaces the scopes and adds only the allowed claims', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client } = await setUp(
      app,
      `module.exports = function (client, scope, audience, context, cb) {
        console.log('exchange for', client.name, audience, scope.join(','))
        cb(null, {
          scope: scope.filter(function (s) { return s !== 'write:things' }).concat(['extra']),
          'https://example.com/plan': client.metadata.plan,
          'https://example.com/tenant': client.tenant,
          'http://auth0.com/forbidden': 1,
          'https://sub.webtask.io/forbidden': 2,
          plain: 3,
        })
      }`,
    )
    const res = await tokenRequest(app, client, 'read:things write:things')
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ access_token: string; scope: string }>()
    assert.equal(body.scope, 'read:things extra')
    const claims = decodeJwt(body.access_token)
    assert.equal(claims.scope, 'read:things extra')
    assert.equal(claims['https://example.com/plan'], 'gold')
    assert.equal(claims['https://example.com/tenant'], 'openhooks')
    for (const key of ['http://auth0.com/forbidden', 'https://sub.webtask.io/forbidden', 'plain']) {
      assert.equal(claims[key], undefined, key)
    }
    const logs = await app.store.listLogs({ type: 'seccft' })
    assert.equal(logs.total, 1)
    const hook = logs.items[0]?.details.hook as { logs: { message: string }[]; outcome: string }
    assert.equal(hook.outcome, 'ok')
    assert.deepStrictEqual(
      hook.logs.map((l) => l.message),
      [`exchange for Worker ${AUDIENCE} read:things,write:things`],
    )
  })

  it('clears the scopes when the result has none (compat §4.1)', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client } = await setUp(
      app,
      `module.exports = function (c, s, a, ctx, cb) { cb(null, {}) }`,
    )
    const res = await tokenRequest(app, client)
    assert.equal(res.statusCode, 200)
    const body = res.json<Record<string, unknown>>()
    assert.deepStrictEqual(Object.keys(body), ['access_token', 'token_type', 'expires_in'])
    assert.equal(decodeJwt(String(body.access_token)).scope, undefined)
  })

  const failures: [string, string, number, { error: string; error_description: string }][] = [
    [
      'InvalidScopeError',
      "cb(new InvalidScopeError('scope not for you'))",
      400,
      { error: 'invalid_scope', error_description: 'scope not for you' },
    ],
    [
      'InvalidRequestError',
      "cb(new InvalidRequestError('bad request'))",
      400,
      { error: 'invalid_request', error_description: 'bad request' },
    ],
    [
      'ServerError',
      "cb(new ServerError('backend down'))",
      500,
      { error: 'server_error', error_description: 'backend down' },
    ],
    [
      'Error',
      "cb(new Error('plain failure'))",
      500,
      { error: 'server_error', error_description: 'plain failure' },
    ],
    [
      'a throw',
      "throw new Error('thrown')",
      500,
      { error: 'server_error', error_description: 'thrown' },
    ],
  ]
  for (const [name, call, status, expected] of failures) {
    it(`maps ${name} to ${status} ${expected.error}`, async (t) => {
      const app = await buildTestApp(t, { runner })
      const { client, hookId } = await setUp(
        app,
        `module.exports = function (client, scope, audience, context, cb) { ${call} }`,
      )
      const res = await tokenRequest(app, client)
      assert.equal(res.statusCode, status)
      assert.deepStrictEqual(res.json(), expected)
      const logs = await app.store.listLogs({ type: 'feccft' })
      const [entry] = logs.items
      assert.equal(logs.total, 1)
      assert.ok(entry)
      assert.equal(entry.hookId, hookId)
      assert.equal(entry.description, expected.error_description)
    })
  }

  it('answers a timeout with server_error and Auth0’s text (compat Q18)', async (t) => {
    const quick = await startAppRunner(t, { timeoutMs: 300, entryTimeoutMs: 300 })
    const app = await buildTestApp(t, { runner: quick })
    const { client } = await setUp(app, `module.exports = function (c, s, a, ctx, cb) {}`)
    const started = Date.now()
    const res = await tokenRequest(app, client)
    // The hook never calls back: the 300 ms limit ends it. The bound is for a hang, with room for
    // a busy machine, not a speed target.
    assert.ok(Date.now() - started < 300 + 10_000)
    assert.equal(res.statusCode, 500)
    assert.deepStrictEqual(res.json(), {
      error: 'server_error',
      error_description: 'Request to Webtask exceeded allowed execution time',
    })
  })

  it('runs a hook created right after an exchange that found none', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client, hookId } = await setUp(
      app,
      `module.exports = function (c, s, a, ctx, cb) { cb(null, { scope: ['first'] }) }`,
    )
    await app.api('DELETE', `/api/v2/hooks/${hookId}`)
    // This exchange finds no hook, and the dispatcher remembers that for a moment.
    assert.equal(
      (await tokenRequest(app, client)).json<{ scope: string }>().scope,
      'read:things write:things',
    )
    await app.api('POST', '/api/v2/hooks', {
      name: 'second',
      script: `module.exports = function (c, s, a, ctx, cb) { cb(null, { scope: ['second'] }) }`,
      triggerId: 'credentials-exchange',
    })
    assert.equal((await tokenRequest(app, client)).json<{ scope: string }>().scope, 'second')
  })

  it('skips the point when no hook is enabled, and picks up a newly enabled one at once', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client, hookId } = await setUp(
      app,
      `module.exports = function (c, s, a, ctx, cb) { cb(null, { scope: ['only-this'] }) }`,
    )
    await app.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: false })
    const without = await tokenRequest(app, client)
    assert.equal(without.json<{ scope: string }>().scope, 'read:things write:things')
    await app.api('PATCH', `/api/v2/hooks/${hookId}`, { enabled: true })
    const withHook = await tokenRequest(app, client)
    assert.equal(withHook.json<{ scope: string }>().scope, 'only-this')
  })
})
