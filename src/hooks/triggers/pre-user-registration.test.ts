import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { COMPILE_ERROR_MESSAGE } from '../../sandbox/runner.js'
import { findInvalidMetadataKey, preUserRegistration } from './pre-user-registration.js'
import type { FailedRun } from './trigger.js'

const common = { logs: [], durationMs: 1, cpuMs: 1 }
const connection = { id: 'con_1', name: 'db', tenant: 't' }

describe('user-registration validatePayload (compat §3.3)', () => {
  const cases: { desc: string; payload: unknown; message?: string }[] = [
    {
      desc: 'fail - null body',
      payload: null,
      message: 'Body received by extensibility point is not an object',
    },
    {
      desc: 'fail - string body',
      payload: 'x',
      message: 'Body received by extensibility point is not an object',
    },
    {
      desc: 'fail - null user',
      payload: { user: null, context: { connection } },
      message: 'Body.user received by extensibility point is not an object',
    },
    {
      desc: 'fail - no context',
      payload: { user: {} },
      message: 'Body.context received by extensibility point is not an object',
    },
    {
      desc: 'fail - no connection',
      payload: { user: {}, context: {} },
      message: 'Body.context.connection received by extensibility point is not an object',
    },
    {
      desc: 'fail - null connection',
      payload: { user: {}, context: { connection: null } },
      message: 'Body.context.connection received by extensibility point is not an object',
    },
    { desc: 'pass - minimal', payload: { user: {}, context: { connection } } },
    { desc: 'pass - sample payload', payload: preUserRegistration.samplePayload },
  ]
  for (const { desc, payload, message } of cases) {
    it(desc, () => {
      assert.deepEqual(
        preUserRegistration.validatePayload(payload),
        message === undefined ? { ok: true, payload } : { ok: false, message },
      )
    })
  }
})

describe('pre-user-registration buildArgs', () => {
  it('pass - (user, context) with a shallow copy of the context plus webtask', () => {
    const payload = { user: { email: 'a@b.c' }, context: { connection, requestLanguage: 'en' } }
    const args = preUserRegistration.buildArgs(payload, { S: '1' })
    assert.deepEqual(args, [
      { email: 'a@b.c' },
      {
        connection,
        requestLanguage: 'en',
        webtask: { secrets: { S: '1' }, meta: {}, body: payload, headers: {}, query: {} },
      },
    ])
    assert.equal('webtask' in payload.context, false)
  })
})

describe('pre-user-registration parseResult (compat §4.2, Q19)', () => {
  const cases: { desc: string; raw: unknown; expected: unknown }[] = [
    { desc: 'pass - cb() → {}', raw: undefined, expected: { ok: true, result: {} } },
    {
      desc: 'pass - both metadata objects',
      raw: { user: { user_metadata: { a: 1 }, app_metadata: { plan: 'x' } } },
      expected: { ok: true, result: { userMetadata: { a: 1 }, appMetadata: { plan: 'x' } } },
    },
    {
      desc: 'pass - other user fields ignored (the starter returns the whole user)',
      raw: { user: { email: 'x', password: 'p', app_metadata: { b: 2 } }, other: 1 },
      expected: { ok: true, result: { appMetadata: { b: 2 } } },
    },
    {
      desc: 'pass - non-object metadata ignored',
      raw: { user: { user_metadata: 'str', app_metadata: [1] } },
      expected: { ok: true, result: {} },
    },
    {
      desc: 'pass - no user',
      raw: { user_metadata: { a: 1 } },
      expected: { ok: true, result: {} },
    },
    {
      desc: 'fail - key starting with $ (Q19)',
      raw: { user: { user_metadata: { $set: 1 } } },
      expected: {
        ok: false,
        message:
          'Invalid metadata key user_metadata.$set: keys must not start with "$" or contain "."',
      },
    },
    {
      desc: 'fail - key with a dot (Q19)',
      raw: { user: { app_metadata: { 'a.b': 1 } } },
      expected: {
        ok: false,
        message:
          'Invalid metadata key app_metadata.a.b: keys must not start with "$" or contain "."',
      },
    },
    {
      desc: 'fail - nested key, checked recursively (Q19)',
      raw: { user: { user_metadata: { ok: { list: [{ fine: 1 }, { $bad: 2 }] } } } },
      expected: {
        ok: false,
        message:
          'Invalid metadata key user_metadata.ok.list[1].$bad: keys must not start with "$" or contain "."',
      },
    },
    {
      desc: 'pass - $ and . inside values are fine',
      raw: { user: { user_metadata: { price: '$1.00' } } },
      expected: { ok: true, result: { userMetadata: { price: '$1.00' } } },
    },
  ]
  for (const { desc, raw, expected } of cases) {
    it(desc, () => {
      assert.deepEqual(preUserRegistration.parseResult(raw), expected)
    })
  }

  it('findInvalidMetadataKey returns undefined for clean metadata', () => {
    assert.equal(findInvalidMetadataKey({ a: { b: [1, { c: 'd' }] } }, 'm'), undefined)
  })
})

describe('pre-user-registration mapFailure (compat §4.2, Q21)', () => {
  const hookError = (error: Record<string, unknown>): FailedRun => ({
    kind: 'hook-error',
    error,
    ...common,
  })
  const cases: { desc: string; failed: FailedRun; message: string; friendlyMessage: string }[] = [
    {
      desc: 'PreUserRegistrationError splits log and friendly text',
      failed: hookError({
        name: 'PreUserRegistrationError',
        message: 'log',
        friendlyMessage: 'friendly',
      }),
      message: 'log',
      friendlyMessage: 'friendly',
    },
    {
      desc: 'any other error denies with its message',
      failed: hookError({ message: 'plain' }),
      message: 'plain',
      friendlyMessage: 'plain',
    },
    {
      desc: 'invalid metadata denies (Q19)',
      failed: { kind: 'invalid-result', message: 'Invalid metadata key x' },
      message: 'Invalid metadata key x',
      friendlyMessage: 'Invalid metadata key x',
    },
    {
      desc: 'compile error',
      failed: {
        kind: 'compile-error',
        message: COMPILE_ERROR_MESSAGE,
        description: 'd',
        ...common,
      },
      message: COMPILE_ERROR_MESSAGE,
      friendlyMessage: COMPILE_ERROR_MESSAGE,
    },
    {
      desc: 'timeout',
      failed: { kind: 'timeout', limit: 'timeoutMs', limitMs: 1, message: 'm', ...common },
      message: 'Request to Webtask exceeded allowed execution time',
      friendlyMessage: 'Request to Webtask exceeded allowed execution time',
    },
    {
      desc: 'crash',
      failed: { kind: 'crash', reason: 'r', ...common },
      message: 'The hook could not be run',
      friendlyMessage: 'The hook could not be run',
    },
    {
      desc: 'memory',
      failed: { kind: 'memory', limitMb: 8, message: 'mem', ...common },
      message: 'mem',
      friendlyMessage: 'mem',
    },
  ]
  for (const { desc, failed, message, friendlyMessage } of cases) {
    it(desc, () => {
      const failure = preUserRegistration.mapFailure(failed)
      assert.equal(failure.kind, 'denied')
      assert.deepEqual([failure.message, failure.friendlyMessage], [message, friendlyMessage])
    })
  }
})
