import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sendPhoneMessage } from './send-phone-message.js'
import type { FailedRun } from './trigger.js'

const common = { logs: [], durationMs: 1, cpuMs: 1 }
const sample = sendPhoneMessage.samplePayload

function withContext(change: Record<string, unknown>): unknown {
  return { ...sample, context: { ...sample.context, ...change } }
}

describe('send-phone-message validatePayload (compat §3.3)', () => {
  const m = (path: string, what: string) =>
    `Body${path} received by extensibility point is not ${what}`
  const cases: { desc: string; payload: unknown; message?: string }[] = [
    { desc: 'fail - null body', payload: null, message: m('', 'an object') },
    {
      desc: 'fail - recipient',
      payload: { ...sample, recipient: 5 },
      message: m('.recipient', 'a string'),
    },
    { desc: 'fail - text', payload: { ...sample, text: null }, message: m('.text', 'a string') },
    {
      desc: 'fail - context',
      payload: { ...sample, context: null },
      message: m('.context', 'an object'),
    },
    {
      desc: 'fail - message_type',
      payload: withContext({ message_type: 'email' }),
      message: m('.context.message_type', '`sms` or `voice`'),
    },
    {
      desc: 'fail - old action value',
      payload: withContext({ action: 'authentication' }),
      message: m('.context.action', '`enrollment` or `second-factor-authentication`'),
    },
    {
      desc: 'fail - language',
      payload: withContext({ language: 1 }),
      message: m('.context.language', 'a string'),
    },
    {
      desc: 'fail - code',
      payload: withContext({ code: 123456 }),
      message: m('.context.code', 'a string'),
    },
    {
      desc: 'fail - ip',
      payload: withContext({ ip: undefined }),
      message: m('.context.ip', 'a string'),
    },
    {
      desc: 'fail - user_agent',
      payload: withContext({ user_agent: {} }),
      message: m('.context.user_agent', 'a string'),
    },
    {
      desc: 'fail - client not an object',
      payload: withContext({ client: 'x' }),
      message: m('.context.client', 'an object'),
    },
    {
      desc: 'fail - client_id',
      payload: withContext({ client: { name: 'n' } }),
      message: m('.context.client.client_id', 'a string'),
    },
    {
      desc: 'fail - client name',
      payload: withContext({ client: { client_id: 'i' } }),
      message: m('.context.client.name', 'a string'),
    },
    {
      desc: 'fail - client_metadata',
      payload: withContext({ client: { client_id: 'i', name: 'n', client_metadata: 'x' } }),
      message: m('.context.client.client_metadata', 'an object'),
    },
    {
      desc: 'fail - user',
      payload: withContext({ user: null }),
      message: m('.context.user', 'an object'),
    },
    {
      desc: 'fail - message_type checked before user',
      payload: withContext({ message_type: 'x', user: null }),
      message: m('.context.message_type', '`sms` or `voice`'),
    },
    { desc: 'pass - sample payload', payload: sample },
    {
      desc: 'pass - voice, no client',
      payload: withContext({ message_type: 'voice', client: undefined }),
    },
    {
      desc: 'pass - client without metadata',
      payload: withContext({
        action: 'second-factor-authentication',
        client: { client_id: 'i', name: 'n' },
      }),
    },
  ]
  for (const { desc, payload, message } of cases) {
    it(desc, () => {
      assert.deepEqual(
        sendPhoneMessage.validatePayload(payload),
        message === undefined ? { ok: true, payload } : { ok: false, message },
      )
    })
  }
})

describe('send-phone-message buildArgs, parseResult, mapFailure (compat §4.5, Q22)', () => {
  it('pass - (recipient, text, context) with webtask', () => {
    const args = sendPhoneMessage.buildArgs(sample, { TWILIO: 'k' })
    assert.equal(args[0], '1-808-555-5555')
    assert.equal(args[1], 'Here is your one time password: 999111')
    assert.deepEqual((args[2] as { webtask: unknown }).webtask, {
      secrets: { TWILIO: 'k' },
      meta: {},
      body: sample,
      headers: {},
      query: {},
    })
  })

  it('pass - the result is ignored', () => {
    assert.deepEqual(sendPhoneMessage.parseResult({ sid: 'SM1' }), {
      ok: true,
      result: { data: { sid: 'SM1' } },
    })
  })

  const failures: { desc: string; failed: FailedRun; expected: unknown }[] = [
    {
      desc: 'SendPhoneMessageError exposes its friendly text',
      failed: {
        kind: 'hook-error',
        error: {
          name: 'SendPhoneMessageError',
          message: 'provider 503',
          friendlyMessage: 'Try again',
        },
        ...common,
      },
      expected: {
        kind: 'delivery-failed',
        friendlyMessage: 'Try again',
        logMessage: 'SendPhoneMessageError: provider 503',
      },
    },
    {
      desc: 'other errors expose nothing',
      failed: { kind: 'hook-error', error: { message: 'secret detail' }, ...common },
      expected: { kind: 'delivery-failed', logMessage: 'secret detail' },
    },
    {
      desc: 'timeout exposes nothing',
      failed: { kind: 'timeout', limit: 'timeoutMs', limitMs: 1, message: 'slow', ...common },
      expected: { kind: 'delivery-failed', logMessage: 'slow' },
    },
  ]
  for (const { desc, failed, expected } of failures) {
    it(desc, () => {
      assert.deepEqual(sendPhoneMessage.mapFailure(failed), expected)
    })
  }
})
