import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { COMPILE_ERROR_MESSAGE } from '../../sandbox/runner.js'
import {
  credentialsExchange,
  isNamespacedClaim,
  MAX_REMEMBERED_CLAIM_NAME_CHARS,
  MAX_REMEMBERED_CLAIM_NAMES,
  rememberedClaimNames,
} from './credentials-exchange.js'
import type { FailedRun } from './trigger.js'

const common = { logs: [], durationMs: 1, cpuMs: 1 }

describe('credentials-exchange validatePayload (compat §3.3)', () => {
  const cases: { desc: string; payload: unknown; message?: string }[] = [
    {
      desc: 'fail - null body',
      payload: null,
      message: 'Body received by extensibility point is not an object',
    },
    {
      desc: 'fail - array body',
      payload: [],
      message: 'Body received by extensibility point is not an object',
    },
    {
      desc: 'fail - no client',
      payload: { audience: 'a' },
      message: 'Body .client received by extensibility point is not an object',
    },
    {
      desc: 'fail - null client',
      payload: { client: null, audience: 'a' },
      message: 'Body .client received by extensibility point is not an object',
    },
    {
      desc: 'fail - string scope',
      payload: { client: {}, scope: 'read', audience: 'a' },
      message: 'Body .scope received by extensibility point is neither empty nor an array',
    },
    {
      desc: 'fail - client checked before scope',
      payload: { scope: 'read' },
      message: 'Body .client received by extensibility point is not an object',
    },
    {
      desc: 'fail - no audience',
      payload: { client: {}, scope: [] },
      message: 'Body .audience received by extensibility point is not a string',
    },
    { desc: 'pass - empty scope string', payload: { client: {}, scope: '', audience: 'a' } },
    { desc: 'pass - no scope', payload: { client: {}, audience: 'a' } },
    { desc: 'pass - sample payload', payload: credentialsExchange.samplePayload },
  ]
  for (const { desc, payload, message } of cases) {
    it(desc, () => {
      const check = credentialsExchange.validatePayload(payload)
      assert.deepEqual(
        check,
        message === undefined ? { ok: true, payload } : { ok: false, message },
      )
    })
  }
})

describe('credentials-exchange buildArgs', () => {
  it('pass - (client, scope, audience, context) with context.webtask (compat §3.8)', () => {
    const payload = { client: { id: 'c' }, scope: ['a'], audience: 'aud', context: { x: 1 } }
    assert.deepEqual(credentialsExchange.buildArgs(payload, { KEY: 'v' }), [
      { id: 'c' },
      ['a'],
      'aud',
      { x: 1, webtask: { secrets: { KEY: 'v' }, meta: {}, body: payload, headers: {}, query: {} } },
    ])
    assert.deepEqual(payload.context, { x: 1 }, 'the payload is not modified')
  })

  it('pass - no context gives {}, no scope gives [] (Q15)', () => {
    const payload = { client: {}, audience: 'aud' }
    const [, scope, , context] = credentialsExchange.buildArgs(payload, {})
    assert.deepEqual(scope, [])
    assert.deepEqual(context, {
      webtask: { secrets: {}, meta: {}, body: payload, headers: {}, query: {} },
    })
  })
})

describe('credentials-exchange parseResult (compat §4.1, Q15–Q17)', () => {
  const cases: { desc: string; raw: unknown; expected: unknown }[] = [
    {
      desc: 'pass - scope replaces',
      raw: { scope: ['read:a', 'extra'] },
      expected: { ok: true, result: { scope: ['read:a', 'extra'], claims: {}, warnings: [] } },
    },
    {
      desc: 'pass - no scope clears the scopes',
      raw: { 'https://foo.com/claim': 'bar' },
      expected: { ok: true, result: { claims: { 'https://foo.com/claim': 'bar' }, warnings: [] } },
    },
    {
      desc: 'pass - cb() clears the scopes with a warning (Q16)',
      raw: undefined,
      expected: {
        ok: true,
        result: {
          claims: {},
          warnings: ['the hook called back without a result, so the token has no scopes (Q16)'],
        },
      },
    },
    {
      desc: 'pass - null behaves like cb()',
      raw: null,
      expected: {
        ok: true,
        result: {
          claims: {},
          warnings: ['the hook called back without a result, so the token has no scopes (Q16)'],
        },
      },
    },
    {
      desc: 'pass - duplicates removed, first kept (Q17)',
      raw: { scope: ['b', 'a', 'b', 'a'] },
      expected: { ok: true, result: { scope: ['b', 'a'], claims: {}, warnings: [] } },
    },
    {
      desc: 'pass - string scope split on whitespace (Q17)',
      raw: { scope: ' read:a  write:b\tread:a ' },
      expected: { ok: true, result: { scope: ['read:a', 'write:b'], claims: {}, warnings: [] } },
    },
    {
      desc: 'pass - empty list omits scope (Q17)',
      raw: { scope: [] },
      expected: { ok: true, result: { claims: {}, warnings: [] } },
    },
    {
      desc: 'pass - null scope clears',
      raw: { scope: null },
      expected: { ok: true, result: { claims: {}, warnings: [] } },
    },
    {
      desc: 'fail - number scope (Q17)',
      raw: { scope: 5 },
      expected: {
        ok: false,
        message: 'The scope returned by the hook must be an array of strings or a string',
      },
    },
    {
      desc: 'fail - object scope (Q17)',
      raw: { scope: { a: 1 } },
      expected: {
        ok: false,
        message: 'The scope returned by the hook must be an array of strings or a string',
      },
    },
    {
      desc: 'fail - non-string item (Q17)',
      raw: { scope: ['a', 1] },
      expected: {
        ok: false,
        message: 'The scope returned by the hook must be an array of strings or a string',
      },
    },
    {
      desc: 'pass - only URL claims outside Auth0 domains reach the token',
      raw: {
        scope: ['x'],
        plain: 1,
        'urn:example:claim': 2,
        'https://example.com/a': { deep: [1] },
        'http://example.com/b': 'http',
        'HTTPS://Example.COM/c': 'case',
        'https://auth0.com/x': 'no',
        'https://tenant.auth0.com/x': 'no',
        'https://AUTH0.COM./x': 'no',
        'https://sub.webtask.io/x': 'no',
        'https://webtask.run/x': 'no',
        'https://notauth0.com/x': 'yes',
        'ftp://example.com/x': 'no',
        'https://': 'no',
      },
      expected: {
        ok: true,
        result: {
          scope: ['x'],
          claims: {
            'https://example.com/a': { deep: [1] },
            'http://example.com/b': 'http',
            'HTTPS://Example.COM/c': 'case',
            'https://notauth0.com/x': 'yes',
          },
          warnings: [],
        },
      },
    },
    {
      desc: 'pass - a non-object result is ignored',
      raw: 'str',
      expected: {
        ok: true,
        result: {
          claims: {},
          warnings: ['the hook returned a value that is not an object; it was ignored'],
        },
      },
    },
  ]
  for (const { desc, raw, expected } of cases) {
    it(desc, () => {
      assert.deepEqual(credentialsExchange.parseResult(raw), expected)
    })
  }

  it('isNamespacedClaim', () => {
    assert.equal(isNamespacedClaim('https://foo.com/claim'), true)
    assert.equal(isNamespacedClaim('https://webtask.io.example.com/c'), true)
    assert.equal(isNamespacedClaim('https://mywebtask.io/c'), true)
    assert.equal(isNamespacedClaim('https://x.webtask.io/c'), false)
    assert.equal(isNamespacedClaim('scope'), false)
  })

  it('isNamespacedClaim decides the same from memory as when it parses, and its memory is bounded', () => {
    // The URL parser's edge cases: case, trailing dots, percent-encoded and numeric hosts, ports.
    // (Not an invalid punycode host such as `xn--a`: Node 20's URL parser refuses it, Node 26's
    // accepts it, so its decision is the platform's, not this code's.)
    const cases: [string, boolean][] = [
      ['HTTPS://Foo.COM/c', true],
      ['https://AUTH0.com./x', false],
      ['https://a.auth0.com.', false],
      ['https://%41uth0.com/', false],
      ['https://auth0%2Ecom/', false],
      ['https://x.webtask.run/', false],
      ['http://999.1.1.1/', false],
      ['http://1.2.3/', true],
      ['http://[::1]/', true],
      ['https://foo.com:99999/', false],
      ['https://./', false],
      ['http:foo.com', true],
      ['https:/foo.com/c', true],
      ['javascript:alert(1)', false],
      ['ftp://foo.com/c', false],
      [`https://foo.com/${'a'.repeat(MAX_REMEMBERED_CLAIM_NAME_CHARS)}`, true],
      [`https://${'a.'.repeat(MAX_REMEMBERED_CLAIM_NAME_CHARS)}auth0.com/`, false],
    ]
    for (const [key, expected] of cases) {
      assert.equal(isNamespacedClaim(key), expected, `${key} (parsed)`)
      assert.equal(isNamespacedClaim(key), expected, `${key} (remembered)`)
    }
    for (let i = 0; i < MAX_REMEMBERED_CLAIM_NAMES + 10; i += 1) {
      assert.equal(isNamespacedClaim(`https://example.com/${String(i)}`), true)
      assert.ok(rememberedClaimNames() <= MAX_REMEMBERED_CLAIM_NAMES)
    }
    assert.equal(isNamespacedClaim('https://x.webtask.io/c'), false)
  })
})

describe('credentials-exchange mapFailure (compat §4.1, §3.6, Q18)', () => {
  const hookError = (error: Record<string, unknown>): FailedRun => ({
    kind: 'hook-error',
    error,
    ...common,
  })
  const cases: {
    desc: string
    failed: FailedRun
    status: number
    error: string
    description: string
  }[] = [
    {
      desc: 'InvalidScopeError → 400 invalid_scope',
      failed: hookError({ name: 'InvalidScopeError', message: 'm' }),
      status: 400,
      error: 'invalid_scope',
      description: 'm',
    },
    {
      desc: 'InvalidRequestError → 400 invalid_request',
      failed: hookError({ name: 'InvalidRequestError', message: 'm' }),
      status: 400,
      error: 'invalid_request',
      description: 'm',
    },
    {
      desc: 'ServerError → 500 server_error',
      failed: hookError({ name: 'ServerError', message: 'm' }),
      status: 500,
      error: 'server_error',
      description: 'm',
    },
    {
      desc: 'plain Error → 500 server_error',
      failed: hookError({ message: 'm', stack: 's' }),
      status: 500,
      error: 'server_error',
      description: 'm',
    },
    {
      desc: 'an Error renamed by the script counts by name',
      failed: hookError({ name: 'InvalidScopeError', message: 'renamed' }),
      status: 400,
      error: 'invalid_scope',
      description: 'renamed',
    },
    {
      desc: 'an error without message',
      failed: hookError({}),
      status: 500,
      error: 'server_error',
      description: 'Unknown error',
    },
    {
      desc: 'invalid result → 500',
      failed: { kind: 'invalid-result', message: 'bad scope' },
      status: 500,
      error: 'server_error',
      description: 'bad scope',
    },
    {
      desc: 'compile error → 500 with the Auth0 message',
      failed: {
        kind: 'compile-error',
        message: COMPILE_ERROR_MESSAGE,
        description: 'Unexpected token',
        ...common,
      },
      status: 500,
      error: 'server_error',
      description: COMPILE_ERROR_MESSAGE,
    },
    {
      desc: 'timeout → 500 webtask text (Q18)',
      failed: { kind: 'timeout', limit: 'timeoutMs', limitMs: 20_000, message: 'x', ...common },
      status: 500,
      error: 'server_error',
      description: 'Request to Webtask exceeded allowed execution time',
    },
    {
      desc: 'crash → 500 generic (Q18)',
      failed: { kind: 'crash', reason: 'worker died', ...common },
      status: 500,
      error: 'server_error',
      description: 'The hook could not be run',
    },
    {
      desc: 'memory → 500 with the limit',
      failed: { kind: 'memory', limitMb: 64, message: 'over 64 MB', ...common },
      status: 500,
      error: 'server_error',
      description: 'over 64 MB',
    },
    {
      desc: 'limit → 500 with the limit',
      failed: {
        kind: 'limit',
        limit: 'maxTimers',
        value: 5,
        message: 'too many timers',
        ...common,
      },
      status: 500,
      error: 'server_error',
      description: 'too many timers',
    },
  ]
  for (const { desc, failed, status, error, description } of cases) {
    it(desc, () => {
      const failure = credentialsExchange.mapFailure(failed)
      assert.deepEqual(
        { status: failure.status, error: failure.error, description: failure.description },
        { status, error, description },
      )
      assert.equal(typeof failure.logMessage, 'string')
    })
  }

  it('the log message names the error', () => {
    const failure = credentialsExchange.mapFailure(
      hookError({ name: 'InvalidScopeError', message: 'm' }),
    )
    assert.equal(failure.logMessage, 'InvalidScopeError: m')
  })
})
