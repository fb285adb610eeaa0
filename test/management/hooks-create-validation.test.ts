/**
 * POST /api/v2/hooks: validation errors and body limits (compat §2.2, Q2, Q4), with whole-body
 * assertions.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp } from '../helpers/build-test-app.js'
import {
  assertError,
  assertInvalidBody,
  listHooks,
  send,
  type HookBody,
} from '../helpers/management.js'
import {
  NAME_PATTERN,
  NAME,
  SCRIPT,
  ENABLED,
  DEPENDENCIES,
  TRIGGER,
  MAX_SCRIPT_CHARS,
  MAX_BODY_BYTES,
  CE,
} from '../helpers/hook-endpoints.js'

describe('POST /api/v2/hooks', () => {
  describe('validation errors (compat §2.2, Q2)', () => {
    const valid = { name: 'my-hook', script: CE, triggerId: 'credentials-exchange' }
    const cases: [string, unknown, string][] = [
      [
        'a missing required property',
        { name: 'my-hook', script: CE },
        "Payload validation error: 'Missing required property: triggerId'.",
      ],
      [
        'an additional property',
        { ...valid, secrets: { A: 'b' } },
        "Payload validation error: 'Additional properties not allowed: secrets'.",
      ],
      [
        'a name with an underscore',
        { ...valid, name: 'my_hook' },
        `Payload validation error: 'String does not match pattern ${NAME_PATTERN}: my_hook' on property name (${NAME}).`,
      ],
      [
        'a name starting with a hyphen',
        { ...valid, name: '-hook' },
        `Payload validation error: 'String does not match pattern ${NAME_PATTERN}: -hook' on property name (${NAME}).`,
      ],
      [
        'a name ending with a space',
        { ...valid, name: 'hook ' },
        `Payload validation error: 'String does not match pattern ${NAME_PATTERN}: hook ' on property name (${NAME}).`,
      ],
      [
        'an empty name',
        { ...valid, name: '' },
        `Payload validation error: 'String does not match pattern ${NAME_PATTERN}: ' on property name (${NAME}).`,
      ],
      [
        'a name over 255 characters',
        { ...valid, name: 'a'.repeat(256) },
        `Payload validation error: 'String is too long (256 chars), maximum 255' on property name (${NAME}).`,
      ],
      [
        'an empty script',
        { ...valid, script: '' },
        `Payload validation error: 'String is too short (0 chars), minimum 1' on property script (${SCRIPT}).`,
      ],
      [
        'a script over the maximum length',
        { ...valid, script: 'x'.repeat(MAX_SCRIPT_CHARS + 1) },
        `Payload validation error: 'String is too long (${MAX_SCRIPT_CHARS + 1} chars), maximum ${MAX_SCRIPT_CHARS}' on property script (${SCRIPT}).`,
      ],
      [
        'a name of the wrong type',
        { ...valid, name: 42 },
        `Payload validation error: 'Expected type string but found type integer' on property name (${NAME}).`,
      ],
      [
        'enabled of the wrong type',
        { ...valid, enabled: 1 },
        `Payload validation error: 'Expected type boolean but found type integer' on property enabled (${ENABLED}).`,
      ],
      [
        'enabled as a string other than "true"/"false"',
        { ...valid, enabled: 'yes' },
        `Payload validation error: 'Expected type boolean but found type string' on property enabled (${ENABLED}).`,
      ],
      [
        'dependencies that are not an object',
        { ...valid, dependencies: ['auth0'] },
        `Payload validation error: 'Expected type object but found type array' on property dependencies (${DEPENDENCIES}).`,
      ],
      [
        'a dependency version that is not a string',
        { ...valid, dependencies: { auth0: 2 } },
        `Payload validation error: 'Expected type string but found type integer' on property dependencies.auth0 (${DEPENDENCIES}).`,
      ],
      [
        'an unknown triggerId',
        { ...valid, triggerId: 'password-exchange' },
        `Payload validation error: 'No enum match for: password-exchange' on property triggerId (${TRIGGER}).`,
      ],
      [
        'several errors at once',
        {},
        "Payload validation error: 'Missing required property: name'. (also) Payload validation error: 'Missing required property: script'. (also) Payload validation error: 'Missing required property: triggerId'.",
      ],
      [
        'several errors of different kinds',
        { name: 'my_hook', script: '', triggerId: 'credentials-exchange', foo: 1 },
        `Payload validation error: 'Additional properties not allowed: foo'. (also) Payload validation error: 'String does not match pattern ${NAME_PATTERN}: my_hook' on property name (${NAME}). (also) Payload validation error: 'String is too short (0 chars), minimum 1' on property script (${SCRIPT}).`,
      ],
      [
        'a body that is an array',
        [valid],
        "Payload validation error: 'Expected type object but found type array'.",
      ],
    ]
    for (const [what, body, message] of cases) {
      it(`rejects ${what}`, async (t) => {
        const app = await buildTestApp(t)
        assertInvalidBody(await app.api('POST', '/api/v2/hooks', body), message)
        assert.deepStrictEqual(await listHooks(app), [])
      })
    }
  })

  it('accepts a script of exactly the maximum length', async (t) => {
    const app = await buildTestApp(t)
    const script = `//${'x'.repeat(MAX_SCRIPT_CHARS - 2)}`
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'big',
      script,
      triggerId: 'credentials-exchange',
    })
    assert.equal(res.statusCode, 201)
    assert.equal(res.json<HookBody>().script, script)
  })

  it('answers 413 to a body over the body limit', async (t) => {
    const app = await buildTestApp(t)
    const res = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'huge',
        script: 'x'.repeat(MAX_BODY_BYTES),
        triggerId: 'credentials-exchange',
      }),
    })
    assertError(
      res,
      413,
      'Payload Too Large',
      `Payload content length greater than maximum allowed: ${MAX_BODY_BYTES}`,
      'payload_too_large',
    )
    assert.deepStrictEqual(await listHooks(app), [])
  })

  it('answers 400, not 500, to malformed JSON', async (t) => {
    const app = await buildTestApp(t)
    for (const payload of ['{"name":', '{name: "x"}', "{'a':1}", '{"a":1}}']) {
      const res = await send(app, {
        method: 'POST',
        url: '/api/v2/hooks',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertInvalidBody(res, 'Invalid request payload JSON format')
    }
  })

  it('answers 400 to an empty JSON body and to no body at all', async (t) => {
    const app = await buildTestApp(t)
    const empty = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/json' },
      payload: '',
    })
    const message = "Payload validation error: 'Expected type object but found type null'."
    assertInvalidBody(empty, message)
    assertInvalidBody(await send(app, { method: 'POST', url: '/api/v2/hooks' }), message)
  })

  it('rejects a __proto__ key without polluting any prototype', async (t) => {
    const app = await buildTestApp(t)
    for (const payload of [
      '{"__proto__":{"polluted":true},"name":"p","script":"x","triggerId":"credentials-exchange"}',
      '{"name":"p","script":"x","triggerId":"credentials-exchange","dependencies":{"__proto__":{"polluted":"1"}}}',
    ]) {
      const res = await send(app, {
        method: 'POST',
        url: '/api/v2/hooks',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertInvalidBody(res, 'Forbidden property name: __proto__')
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.deepStrictEqual(await listHooks(app), [])
  })

  it('answers 415 to a body of an unsupported media type', async (t) => {
    const app = await buildTestApp(t)
    const res = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'text/plain' },
      payload: 'name=x',
    })
    assertError(
      res,
      415,
      'Unsupported Media Type',
      'Unsupported Media Type',
      'unsupported_media_type',
    )
  })
})
