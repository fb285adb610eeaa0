/**
 * The per-hook failure policy (issue 22): `GET`/`PATCH /api/v2/hooks/{id}/settings`, and what
 * `open` and `closed` do to a token exchange and a signup when the hook times out or denies.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { FAILED_OPEN_DESCRIPTION } from '../../src/flows/hook-log.js'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'
import { exchange, setUpExchange } from '../helpers/exchange.js'
import { assertError, assertHookDoesNotExist, assertJson } from '../helpers/management.js'

/** Short per-call limits, so that timeouts cost little. */
const HOOK_TIMEOUT_MS = 400

const NEVER_CALLS_BACK = 'module.exports = function (client, scope, audience, context, cb) {}'
const DENIES = `module.exports = function (client, scope, audience, context, cb) {
  cb(new Error('not this client'))
}`

async function setPolicy(app: TestApp, hookId: string, policy: 'open' | 'closed') {
  const res = await app.api('PATCH', `/api/v2/hooks/${hookId}/settings`, {
    failurePolicy: policy,
  })
  assertJson(res, 200, { failurePolicy: policy })
}

function signup(app: TestApp, clientId: string): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url: '/dbconnections/signup',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      client_id: clientId,
      email: 'ada@example.com',
      password: 'Zq8-Unique-Pa55word!',
      connection: 'Username-Password-Authentication',
    }),
  })
}

describe('GET/PATCH /api/v2/hooks/{id}/settings', () => {
  it('defaults to closed, changes to open, refuses bad bodies, and leaves the hook object alone', async (t) => {
    const app = await buildTestApp(t)
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'settings',
      script: DENIES,
      triggerId: 'credentials-exchange',
    })
    const id = created.json<{ id: string }>().id
    assertJson(await app.api('GET', `/api/v2/hooks/${id}/settings`), 200, {
      failurePolicy: 'closed',
    })
    await setPolicy(app, id, 'open')
    assertJson(await app.api('GET', `/api/v2/hooks/${id}/settings`), 200, {
      failurePolicy: 'open',
    })
    // The hook object Auth0's clients read has no new field.
    const hook = await app.api('GET', `/api/v2/hooks/${id}`)
    assert.equal(
      hook.body,
      created.body.replace(
        /"triggerId":"[^"]+",("enabled":true)/,
        '$1,"triggerId":"credentials-exchange"',
      ),
    )

    const bad = await app.api('PATCH', `/api/v2/hooks/${id}/settings`, { failurePolicy: 'maybe' })
    assert.equal(bad.statusCode, 400, bad.body)
    assert.equal(bad.json<{ errorCode: string }>().errorCode, 'invalid_body')
    const empty = await app.api('PATCH', `/api/v2/hooks/${id}/settings`, {})
    assert.equal(empty.statusCode, 400, empty.body)
    const extra = await app.api('PATCH', `/api/v2/hooks/${id}/settings`, { enabled: true })
    assert.equal(extra.statusCode, 400, extra.body)
    assertJson(await app.api('GET', `/api/v2/hooks/${id}/settings`), 200, {
      failurePolicy: 'open',
    })
    assertHookDoesNotExist(
      await app.api('GET', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/settings'),
    )
    assertHookDoesNotExist(
      await app.api('PATCH', '/api/v2/hooks/01ARZ3NDEKTSV4RRFFQ69G5FAV/settings', {
        failurePolicy: 'open',
      }),
    )
  })

  it('requires read:hooks to read and update:hooks to change', async (t) => {
    const app = await buildTestApp(t)
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'scoped',
      script: DENIES,
      triggerId: 'credentials-exchange',
    })
    const url = `/api/v2/hooks/${created.json<{ id: string }>().id}/settings`
    const call = async (scopes: string[], method: 'GET' | 'PATCH') =>
      app.server.inject({
        method,
        url,
        headers: {
          authorization: `Bearer ${await app.token(scopes)}`,
          'content-type': 'application/json',
        },
        ...(method === 'PATCH' ? { payload: JSON.stringify({ failurePolicy: 'open' }) } : {}),
      })
    const forbidden = (scope: string) =>
      [
        403,
        'Forbidden',
        `Insufficient scope, expected any of: ${scope}`,
        'insufficient_scope',
      ] as const
    assertError(await call(['update:hooks'], 'GET'), ...forbidden('read:hooks'))
    assertError(await call(['read:hooks'], 'PATCH'), ...forbidden('update:hooks'))
    assertJson(await call(['read:hooks'], 'GET'), 200, { failurePolicy: 'closed' })
    assertJson(await call(['update:hooks'], 'PATCH'), 200, { failurePolicy: 'open' })
  })
})

describe('the failure policy in the flows', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner(
      { after: (fn) => closers.push(fn) },
      { timeoutMs: HOOK_TIMEOUT_MS, entryTimeoutMs: HOOK_TIMEOUT_MS },
    )
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('closed: a hook that times out fails the token exchange (as on Auth0)', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client } = await setUpExchange(app, NEVER_CALLS_BACK)
    const res = await exchange(app, client)
    assert.equal(res.statusCode, 500, res.body)
    assert.deepStrictEqual(res.json(), {
      error: 'server_error',
      error_description: 'Request to Webtask exceeded allowed execution time',
    })
  })

  it('open: a hook that times out lets the exchange through, as if no hook were enabled, and the log says so', async (t) => {
    const app = await buildTestApp(t, { runner })
    const { client, hookId } = await setUpExchange(app, NEVER_CALLS_BACK)
    await setPolicy(app, hookId, 'open')
    const res = await exchange(app, client)
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<Record<string, unknown>>()
    assert.equal(body.scope, 'read:things') // the grant's scopes, untouched
    assert.equal(body.token_type, 'Bearer')
    const logs = await app.store.listLogs({ type: 'seccft' })
    const [entry] = logs.items
    assert.ok(entry, 'a seccft event')
    assert.equal(entry.hookId, hookId)
    assert.equal(entry.description, FAILED_OPEN_DESCRIPTION)
    const hook = entry.details.hook as Record<string, unknown>
    assert.equal(hook.outcome, 'timeout')
    assert.equal(hook.failurePolicy, 'open')
    assert.equal(hook.failedOpen, true)
    assert.equal((await app.store.listLogs({ type: 'feccft' })).total, 0)
  })

  for (const policy of ['open', 'closed'] as const) {
    it(`${policy}: a hook that calls back with an error still denies the exchange`, async (t) => {
      const app = await buildTestApp(t, { runner })
      const { client, hookId } = await setUpExchange(app, DENIES)
      await setPolicy(app, hookId, policy)
      const res = await exchange(app, client)
      // Auth0's answer to a plain Error from the hook (compat §4.1).
      assert.equal(res.statusCode, 500, res.body)
      assert.deepStrictEqual(res.json(), {
        error: 'server_error',
        error_description: 'not this client',
      })
      assert.equal((await app.store.listLogs({ type: 'seccft' })).total, 0)
    })
  }

  it('open: a pre-user-registration hook that times out lets the signup through; a PreUserRegistrationError still denies', async (t) => {
    const app = await buildTestApp(t, { runner })
    const client = await app.api('POST', '/api/v2/clients', { name: 'Signup App' })
    const clientId = client.json<{ client_id: string }>().client_id
    const hook = await app.api('POST', '/api/v2/hooks', {
      name: 'pre',
      script: 'module.exports = function (user, context, cb) {}',
      triggerId: 'pre-user-registration',
    })
    const hookId = hook.json<{ id: string }>().id
    // Closed first: the timeout fails the signup.
    assert.equal((await signup(app, clientId)).statusCode, 400)
    assert.equal((await app.store.listUsers()).total, 0)

    await setPolicy(app, hookId, 'open')
    const res = await signup(app, clientId)
    assert.equal(res.statusCode, 200, res.body)
    const [ss] = (await app.store.listLogs({ type: 'ss' })).items
    assert.ok(ss, 'an ss event')
    assert.equal(ss.description, FAILED_OPEN_DESCRIPTION)
    assert.equal((ss.details.hook as Record<string, unknown>).failedOpen, true)

    const denying = await app.api('PATCH', `/api/v2/hooks/${hookId}`, {
      script: `module.exports = function (user, context, cb) {
        cb(new PreUserRegistrationError('not you', 'not you'))
      }`,
    })
    assert.equal(denying.statusCode, 200, denying.body)
    const denied = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/signup',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        client_id: clientId,
        email: 'grace@example.com',
        password: 'Zq8-Unique-Pa55word!',
        connection: 'Username-Password-Authentication',
      }),
    })
    assert.equal(denied.statusCode, 400, denied.body)
    assert.equal(denied.json<{ description: string }>().description, 'not you')
    assert.equal((await app.store.listUsers()).total, 1)
  })
})
