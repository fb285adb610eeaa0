import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { HookRunner } from '../../src/sandbox/runner.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

const CE_SCRIPT = `module.exports = function (client, scope, audience, context, cb) {
  console.log('client', client.name, 'secret', context.webtask.secrets.API_KEY)
  cb(null, { scope: scope.concat(['extra']), 'https://example.com/plan': client.metadata.plan })
}`

describe('POST /api/v2/hooks/{id}/test and the sample payloads', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  async function hookWithSecret(app: TestApp, script: string, triggerId = 'credentials-exchange') {
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'runner-hook',
      script,
      triggerId,
    })
    const { id } = created.json<{ id: string }>()
    await app.api('POST', `/api/v2/hooks/${id}/secrets`, { API_KEY: 'k-12345-secret' })
    return id
  }

  it('runs the saved script with the sample payload and returns data, logs and duration', async (t) => {
    const app = await buildTestApp(t, { runner })
    const id = await hookWithSecret(app, CE_SCRIPT)
    const sample = await app.api(
      'GET',
      '/api/v2/hooks/triggers/credentials-exchange/sample-payload',
    )
    assert.equal(sample.statusCode, 200)
    assert.deepStrictEqual(sample.json(), {
      audience: 'https://my-tenant.auth0.com/api/v2/',
      client: {
        id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        name: 'client-name',
        tenant: 'my-tenant',
        metadata: { plan: 'full' },
      },
      scope: ['read:connections'],
    })
    const res = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload: sample.json<unknown>(),
    })
    assert.equal(res.statusCode, 200)
    const body = res.json<{
      status: string
      data: unknown
      logs: { level: string; message: string; timestamp: string }[]
      durationMs: number
    }>()
    assert.equal(body.status, 'success')
    assert.deepStrictEqual(body.data, {
      scope: ['read:connections', 'extra'],
      'https://example.com/plan': 'full',
    })
    const [line, ...more] = body.logs
    assert.deepStrictEqual(more, [])
    assert.ok(line)
    assert.equal(line.level, 'log')
    // The hook's own secret is in its context, but never in what the API shows.
    assert.equal(line.message, 'client client-name secret [secret]')
    assert.ok(!res.body.includes('k-12345-secret'))
    assert.ok(body.durationMs > 0)
  })

  it('cb(), cb(null) and cb(null, null) give {} in the user-registration points, as Auth0 did (issue 18, item 10)', async (t) => {
    const app = await buildTestApp(t, { runner })
    for (const triggerId of [
      'pre-user-registration',
      'post-user-registration',
      'post-change-password',
    ]) {
      const id = await hookWithSecret(
        app,
        'module.exports = function (u, c, cb) { cb() }',
        triggerId,
      )
      const sample = await app.api('GET', `/api/v2/hooks/triggers/${triggerId}/sample-payload`)
      for (const call of ['cb()', 'cb(null)', 'cb(null, null)']) {
        const res = await app.api('POST', `/api/v2/hooks/${id}/test`, {
          payload: sample.json<unknown>(),
          script: `module.exports = function (user, context, cb) { ${call} }`,
        })
        assert.equal(res.statusCode, 200, `${triggerId} ${call}`)
        const { durationMs, ...rest } = res.json<{ durationMs: number }>()
        assert.equal(typeof durationMs, 'number')
        assert.deepStrictEqual(
          rest,
          { status: 'success', data: {}, logs: [] },
          `${triggerId} ${call}`,
        )
      }
      await app.api('DELETE', `/api/v2/hooks/${id}`)
    }
    // credentials-exchange's compiler left it absent: the Runner shows null there (compat Q16).
    const ce = await hookWithSecret(app, 'module.exports = function (c, s, a, ctx, cb) { cb() }')
    const res = await app.api('POST', `/api/v2/hooks/${ce}/test`, {
      payload: { audience: 'a', client: {}, scope: [] },
    })
    assert.deepStrictEqual(
      { ...res.json<Record<string, unknown>>(), durationMs: 0 },
      { status: 'success', data: null, logs: [], durationMs: 0 },
    )
  })

  it('runs an unsaved script with the saved secrets and saves nothing (compat Q23)', async (t) => {
    const app = await buildTestApp(t, { runner })
    const id = await hookWithSecret(app, CE_SCRIPT)
    const draft = `module.exports = function (c, s, a, ctx, cb) { cb(null, { len: ctx.webtask.secrets.API_KEY.length }) }`
    const res = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload: { audience: 'a', client: {}, scope: [] },
      script: draft,
    })
    assert.deepStrictEqual(res.json<{ status: string; data: unknown }>().data, { len: 14 })
    const saved = await app.api('GET', `/api/v2/hooks/${id}`)
    assert.equal(saved.json<{ script: string }>().script, CE_SCRIPT)
  })

  it('shows errors as their own properties, and compile errors in Auth0 words', async (t) => {
    const app = await buildTestApp(t, { runner })
    const id = await hookWithSecret(app, CE_SCRIPT)
    const payload = { audience: 'a', client: {}, scope: [] }
    const denied = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload,
      script: `module.exports = function (c, s, a, ctx, cb) { cb(new InvalidScopeError('no way')) }`,
    })
    const deniedBody = denied.json<{ status: string; data: Record<string, unknown> }>()
    assert.equal(deniedBody.status, 'error')
    assert.equal(deniedBody.data.name, 'InvalidScopeError')
    assert.equal(deniedBody.data.message, 'no way')
    const broken = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload,
      script: 'module.exports = function (',
    })
    const brokenBody = broken.json<{ status: string; data: Record<string, unknown> }>()
    assert.equal(brokenBody.status, 'error')
    assert.equal(brokenBody.data.message, 'Unable to compile the extensibility code as javascript')
    assert.equal(typeof brokenBody.data.error_description, 'string')
  })

  it('removes secret values from output and errors, JSON-escaped ones too (review finding 1)', async (t) => {
    const app = await buildTestApp(t, { runner })
    const created = await app.api('POST', '/api/v2/hooks', {
      name: 'pem-hook',
      script: `module.exports = function (c, s, a, ctx, cb) {
        console.log(ctx.webtask.secrets)
        cb(new Error('upstream refused ' + ctx.webtask.secrets.PEM))
      }`,
      triggerId: 'credentials-exchange',
    })
    const { id } = created.json<{ id: string }>()
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkq\n"quoted"\n-----END PRIVATE KEY-----'
    await app.api('POST', `/api/v2/hooks/${id}/secrets`, { PEM: pem })
    const res = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload: { audience: 'a', client: {}, scope: [] },
    })
    const body = res.json<{
      status: string
      data: Record<string, unknown>
      logs: { message: string }[]
    }>()
    assert.equal(body.status, 'error')
    // console.log prints objects as Node does, splitting a long string after each newline: each
    // line of the secret is found and removed.
    assert.equal(
      body.logs[0]?.message,
      "{\n  PEM: '[secret]' +\n    '[secret]' +\n    '[secret]' +\n    '[secret]'\n}",
    )
    assert.equal(body.data.message, 'upstream refused [secret]')
    assert.ok(!res.body.includes('MIIEvQIBADANBgkq'))
  })

  it('answers 400 with the exact argument-check message for a bad payload', async (t) => {
    const app = await buildTestApp(t, { runner })
    const id = await hookWithSecret(app, CE_SCRIPT)
    const res = await app.api('POST', `/api/v2/hooks/${id}/test`, {
      payload: { audience: 'a', client: 'nope' },
    })
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'Body .client received by extensibility point is not an object',
      errorCode: 'invalid_body',
    })
    const missing = await app.api('POST', '/api/v2/hooks/01HZZZZZZZZZZZZZZZZZZZZZZZ/test', {
      payload: {},
    })
    assert.equal(missing.statusCode, 404)
    const token = await app.token(['read:hooks'])
    const scoped = await app.server.inject({
      method: 'POST',
      url: `/api/v2/hooks/${id}/test`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ payload: {} }),
    })
    assert.equal(scoped.statusCode, 403)
  })

  it('serves a sample payload for each of the five points', async (t) => {
    const app = await buildTestApp(t)
    for (const trigger of [
      'credentials-exchange',
      'pre-user-registration',
      'post-user-registration',
      'post-change-password',
      'send-phone-message',
    ]) {
      const res = await app.api('GET', `/api/v2/hooks/triggers/${trigger}/sample-payload`)
      assert.equal(res.statusCode, 200, trigger)
    }
    const unknown = await app.api('GET', '/api/v2/hooks/triggers/password-exchange/sample-payload')
    assert.equal(unknown.statusCode, 400)
  })
})
