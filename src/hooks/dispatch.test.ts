import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { pino } from 'pino'
import { startProcessRunner } from '../sandbox/process-runner.js'
import type { HookRunner, RunRequest } from '../sandbox/runner.js'
import { canonicalJson, hookVersionKey, runHookForTrigger } from './dispatch.js'
import { credentialsExchange } from './triggers/credentials-exchange.js'
import { postUserRegistration } from './triggers/post-user-registration.js'
import { preUserRegistration } from './triggers/pre-user-registration.js'
import { sendPhoneMessage } from './triggers/send-phone-message.js'

let runner: HookRunner
const requests: RunRequest[] = []
/** The real runner, recording what it is asked to run. */
let recording: HookRunner

before(async () => {
  runner = await startProcessRunner({ logger: pino({ level: 'silent' }), poolSize: 1 })
  recording = {
    run: (request) => {
      requests.push(request)
      return runner.run(request)
    },
    retire: (hookId) => {
      runner.retire(hookId)
    },
    close: () => runner.close(),
    stats: () => runner.stats(),
  }
})
after(async () => {
  await runner.close()
})

let counter = 0
function hook(script: string, dependencies: Record<string, string> = {}) {
  counter++
  return { id: `dispatch-${counter}`, script, dependencies }
}

describe('runHookForTrigger', () => {
  it('refuses a payload that fails the argument checks without calling the script', async () => {
    const before = requests.length
    const run = await runHookForTrigger({
      runner: recording,
      trigger: credentialsExchange,
      hook: hook('module.exports = function (c, s, a, ctx, cb) { cb() }'),
      secrets: {},
      payload: { client: {}, scope: 'read', audience: 'x' },
    })
    assert.deepEqual(run, {
      kind: 'invalid-payload',
      message: 'Body .scope received by extensibility point is neither empty nor an array',
    })
    assert.equal(requests.length, before)
  })

  it('runs credentials-exchange with its secrets and reads scopes and claims', async () => {
    const run = await runHookForTrigger({
      runner: recording,
      trigger: credentialsExchange,
      hook: hook(`module.exports = function (client, scope, audience, context, cb) {
        scope.push('extra')
        cb(null, {
          scope: scope,
          'https://example.com/plan': client.metadata.plan,
          'https://example.com/key': context.webtask.secrets.KEY,
          ignored: true,
        })
      }`),
      secrets: { KEY: 'k1' },
      payload: credentialsExchange.samplePayload,
    })
    assert.equal(run.kind, 'succeeded')
    assert.deepEqual(run.result, {
      scope: ['read:connections', 'extra'],
      claims: { 'https://example.com/plan': 'full', 'https://example.com/key': 'k1' },
      warnings: [],
    })
    const request = requests.at(-1)
    assert.deepEqual(
      request?.injectedClasses.map((item) => item.name),
      ['ExtensibilityUserError', 'InvalidRequestError', 'InvalidScopeError', 'ServerError'],
    )
  })

  it('maps an InvalidScopeError to a 400 invalid_scope failure', async () => {
    const run = await runHookForTrigger({
      runner,
      trigger: credentialsExchange,
      hook: hook(
        'module.exports = function (c, s, a, ctx, cb) { cb(new InvalidScopeError("no such scope")) }',
      ),
      secrets: {},
      payload: credentialsExchange.samplePayload,
    })
    assert.equal(run.kind, 'failed')
    assert.deepEqual(
      { ...run.failure, logMessage: undefined },
      {
        kind: 'oauth',
        status: 400,
        error: 'invalid_scope',
        description: 'no such scope',
        logMessage: undefined,
      },
    )
    assert.equal(run.outcome.kind, 'hook-error')
  })

  it('a refused result is a failure of kind invalid-result', async () => {
    const run = await runHookForTrigger({
      runner,
      trigger: credentialsExchange,
      hook: hook('module.exports = function (c, s, a, ctx, cb) { cb(null, { scope: 42 }) }'),
      secrets: {},
      payload: credentialsExchange.samplePayload,
    })
    assert.equal(run.kind, 'failed')
    assert.equal(run.failed.kind, 'invalid-result')
    assert.equal(run.failure.status, 500)
    assert.equal(run.outcome.kind, 'ok')
  })

  it('a timeout maps to the webtask text (Q18)', async () => {
    const run = await runHookForTrigger({
      runner,
      trigger: credentialsExchange,
      hook: hook('module.exports = function () {}'),
      secrets: {},
      payload: credentialsExchange.samplePayload,
      limits: { timeoutMs: 200 },
    })
    assert.equal(run.kind, 'failed')
    assert.equal(run.failure.description, 'Request to Webtask exceeded allowed execution time')
    assert.equal(run.outcome.kind, 'timeout')
  })

  it('pre-user-registration: a denial carries both texts; metadata comes back', async () => {
    const script = `module.exports = function (user, context, cb) {
      if (user.email.startsWith('deny')) return cb(new PreUserRegistrationError('denied ' + user.email, 'Not allowed'))
      cb(null, { user: { user_metadata: { lang: context.requestLanguage }, email: 'ignored' } })
    }`
    const h = hook(script)
    const payload = preUserRegistration.samplePayload
    const allowed = await runHookForTrigger({
      runner,
      trigger: preUserRegistration,
      hook: h,
      secrets: {},
      payload,
    })
    assert.deepEqual(allowed.kind === 'succeeded' ? allowed.result : allowed, {
      userMetadata: { lang: 'en-us' },
    })
    const denied = await runHookForTrigger({
      runner,
      trigger: preUserRegistration,
      hook: h,
      secrets: {},
      payload: { ...payload, user: { ...payload.user, email: 'deny@x.org' } },
    })
    assert.deepEqual(denied.kind === 'failed' ? denied.failure : denied, {
      kind: 'denied',
      message: 'denied deny@x.org',
      friendlyMessage: 'Not allowed',
      logMessage: 'PreUserRegistrationError: denied deny@x.org',
    })
  })

  it('post-user-registration: cb() gives {}', async () => {
    const run = await runHookForTrigger({
      runner,
      trigger: postUserRegistration,
      hook: hook('module.exports = function (user, context, cb) { cb() }'),
      secrets: {},
      payload: postUserRegistration.samplePayload,
    })
    assert.deepEqual(run.kind === 'succeeded' ? run.result : run, { data: {} })
  })

  it('send-phone-message: (recipient, text, context)', async () => {
    const run = await runHookForTrigger({
      runner,
      trigger: sendPhoneMessage,
      hook: hook(
        'module.exports = function (recipient, text, context, cb) { cb(null, { to: recipient, code: context.code, type: context.message_type }) }',
      ),
      secrets: {},
      payload: sendPhoneMessage.samplePayload,
    })
    assert.deepEqual(run.kind === 'succeeded' ? run.result : run, {
      data: { to: '1-808-555-5555', code: '123456', type: 'sms' },
    })
  })

  it('a change of secrets is a new version: module state starts afresh', async () => {
    const h = hook(
      'let n = 0\nmodule.exports = function (u, c, cb) { n++; cb(null, { user: { app_metadata: { n: n, s: c.webtask.secrets.S } } }) }',
    )
    const payload = preUserRegistration.samplePayload
    const values: unknown[] = []
    for (const secrets of [{ S: 'a' }, { S: 'a' }, { S: 'b' }, { S: 'b' }]) {
      const run = await runHookForTrigger({
        runner,
        trigger: preUserRegistration,
        hook: h,
        secrets,
        payload,
      })
      values.push(run.kind === 'succeeded' ? run.result.appMetadata : run)
    }
    assert.deepEqual(values, [
      { n: 1, s: 'a' },
      { n: 2, s: 'a' },
      { n: 1, s: 'b' },
      { n: 2, s: 'b' },
    ])
  })

  it('logs one hook.executed event per run', async () => {
    const lines: Record<string, unknown>[] = []
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    )
    await runHookForTrigger({
      runner,
      trigger: postUserRegistration,
      hook: {
        id: 'logged-hook',
        script: 'module.exports = function (u, c, cb) { cb(new Error("x")) }',
        dependencies: {},
      },
      secrets: { S: 'never logged' },
      payload: postUserRegistration.samplePayload,
      logger,
    })
    assert.equal(lines.length, 1)
    const line = lines[0] ?? {}
    assert.deepEqual(
      {
        event: line.event,
        trigger: line.trigger,
        hookId: line.hookId,
        outcome: line.outcome,
        level: line.level,
      },
      {
        event: 'hook.executed',
        trigger: 'post-user-registration',
        hookId: 'logged-hook',
        outcome: 'hook-error',
        level: 40,
      },
    )
    assert.equal(typeof line.durationMs, 'number')
    assert.equal(JSON.stringify(line).includes('never logged'), false)
  })
})

describe('hookVersionKey', () => {
  const base = { id: 'h', script: 's', dependencies: { a: '1', b: '2' } }
  it('is stable under key order and changes with each input', () => {
    const key = hookVersionKey(base, { X: '1', Y: '2' })
    assert.match(key, /^[0-9a-f]{64}$/)
    assert.equal(
      hookVersionKey({ ...base, dependencies: { b: '2', a: '1' } }, { Y: '2', X: '1' }),
      key,
    )
    for (const changed of [
      hookVersionKey({ ...base, id: 'h2' }, { X: '1', Y: '2' }),
      hookVersionKey({ ...base, script: 's2' }, { X: '1', Y: '2' }),
      hookVersionKey({ ...base, dependencies: { a: '1' } }, { X: '1', Y: '2' }),
      hookVersionKey(base, { X: '1', Y: '3' }),
    ]) {
      assert.notEqual(changed, key)
    }
  })

  it('canonicalJson sorts keys at every level', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: 2 } }),
      '{"a":{"c":2,"d":[{"y":2,"z":1}]},"b":1}',
    )
  })
})
