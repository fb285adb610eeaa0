/**
 * The five hook endpoints of the Management API (compat §1.2–1.5, §2.1–2.5, §8, Q1–Q4, Q8, Q9,
 * Q14, Q25): every success and every error, with whole-body assertions.
 */
import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import {
  HOOK_DOES_NOT_EXIST,
  SCRIPTS,
  ULID,
  UNKNOWN_HOOK_ID,
  assertError,
  assertHookDoesNotExist,
  assertInvalidBody,
  assertInvalidQuery,
  assertJson,
  assertNoContent,
  createHook,
  hookBytes,
  listHooks,
  send,
  type HookBody,
} from '../helpers/management.js'

const NAME_PATTERN = '^[a-zA-Z0-9]([ \\-a-zA-Z0-9]*[a-zA-Z0-9])?$'
const NAME = 'Name of this hook.'
const SCRIPT = 'Code to be executed when this hook runs.'
const ENABLED = 'Whether this hook will be executed (true) or ignored (false).'
const DEPENDENCIES = 'Dependencies of this hook used by webtask server.'
const TRIGGER =
  'Execution stage of this rule. Can be `credentials-exchange`, `pre-user-registration`, `post-user-registration`, `post-change-password`, or `send-phone-message`.'
const PER_PAGE = 'Number of hooks per page. Without it, paging is off and every hook is returned.'
const PAGE = 'Zero-based index of the page to return.'

/** Largest script accepted (compat Q4; docs/management-api.md: 102,400 characters). */
const MAX_SCRIPT_CHARS = 100 * 1024
/** The documented Management API body limit (1 MiB). */
const MAX_BODY_BYTES = 1024 * 1024

const CE = SCRIPTS['credentials-exchange']
const PUR = SCRIPTS['pre-user-registration']

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString()
}

async function getHook(app: TestApp, id: string): Promise<HookBody> {
  const res = await app.api('GET', `/api/v2/hooks/${id}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<HookBody>()
}

describe('POST /api/v2/hooks', () => {
  it('creates a hook from the request of Auth0\'s "Create a Hook" example (201, Auth0 shape)', async (t) => {
    const app = await buildTestApp(t)
    // The HAR of auth0/docs articles/hooks/create.md, placeholders filled in; the token holds
    // only the scope that page names.
    const token = await app.token(['create:hooks'])
    const res = await app.server.inject({
      method: 'POST',
      url: '/api/v2/hooks',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
        'Cache-Control': 'no-cache',
      },
      payload: `{ "name": "my-hook", "script": ${JSON.stringify(CE)}, "triggerId": "credentials-exchange" }`,
    })
    const body = res.json<HookBody>()
    assert.match(body.id, ULID)
    assertJson(res, 201, {
      id: body.id,
      name: 'my-hook',
      script: CE,
      dependencies: {},
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    // Byte order of the POST response: id, name, script, dependencies, triggerId, enabled.
    assert.equal(
      res.body,
      `{"id":"${body.id}","name":"my-hook","script":${JSON.stringify(CE)},"dependencies":{},"triggerId":"credentials-exchange","enabled":true}`,
    )
    // It is stored: GET returns the same hook, in GET's key order.
    const read = await app.api('GET', `/api/v2/hooks/${body.id}`)
    assert.equal(read.body, hookBytes(body, 'read'))
  })

  it('stores the body of the recorded terraform request, dependencies included', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'pre-user-reg-hook',
      script: PUR,
      triggerId: 'pre-user-registration',
      dependencies: { auth0: '2.30.0' },
      enabled: true,
    })
    const { id } = res.json<HookBody>()
    assertJson(res, 201, {
      id,
      name: 'pre-user-reg-hook',
      script: PUR,
      dependencies: { auth0: '2.30.0' },
      triggerId: 'pre-user-registration',
      enabled: true,
    })
    assert.equal(
      res.body,
      `{"id":"${id}","name":"pre-user-reg-hook","script":${JSON.stringify(PUR)},"dependencies":{"auth0":"2.30.0"},"triggerId":"pre-user-registration","enabled":true}`,
    )
  })

  it('normalises names to kebab case (test-hook520 → test-hook-520)', async (t) => {
    const app = await buildTestApp(t)
    const cases = [
      ['test-hook520', 'test-hook-520'],
      ['test-hook150', 'test-hook-150'],
      ['pre-user-reg-hook', 'pre-user-reg-hook'],
      ['My Pre User Registration Hook', 'my-pre-user-registration-hook'],
      ['a', 'a'],
    ] as const
    for (const [sent, stored] of cases) {
      const res = await app.api('POST', '/api/v2/hooks', {
        name: sent,
        script: PUR,
        triggerId: 'pre-user-registration',
        enabled: false,
      })
      const { id } = res.json<HookBody>()
      assertJson(res, 201, {
        id,
        name: stored,
        script: PUR,
        dependencies: {},
        triggerId: 'pre-user-registration',
        enabled: false,
      })
      assert.equal((await getHook(app, id)).name, stored)
    }
  })

  it('always returns dependencies, {} when none were sent', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'no-deps',
      script: CE,
      triggerId: 'credentials-exchange',
    })
    assert.deepStrictEqual(res.json<HookBody>().dependencies, {})
    const listed = await listHooks(app)
    assert.deepStrictEqual(
      listed.map((h) => h.dependencies),
      [{}],
    )
  })

  it('accepts a form-encoded body and coerces enabled (compat Q14)', async (t) => {
    const app = await buildTestApp(t)
    // The first hook of its trigger would be enabled by default: "false" must win.
    const first = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        name: 'form hook',
        script: CE,
        triggerId: 'credentials-exchange',
        enabled: 'false',
      }),
    })
    const firstId = first.json<HookBody>().id
    assertJson(first, 201, {
      id: firstId,
      name: 'form-hook',
      script: CE,
      dependencies: {},
      triggerId: 'credentials-exchange',
      enabled: false,
    })
    // A later hook would be disabled by default: "true" must win.
    const second = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        name: 'form-hook-2',
        script: CE,
        triggerId: 'credentials-exchange',
        enabled: 'true',
      }),
    })
    const secondId = second.json<HookBody>().id
    assertJson(second, 201, {
      id: secondId,
      name: 'form-hook-2',
      script: CE,
      dependencies: {},
      triggerId: 'credentials-exchange',
      enabled: true,
    })
  })

  it('validates form-encoded bodies with the same schema', async (t) => {
    const app = await buildTestApp(t)
    const res = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({
        name: 'form-hook',
        script: CE,
        triggerId: 'credentials-exchange',
        extra: 'x',
      }),
    })
    assertInvalidBody(res, "Payload validation error: 'Additional properties not allowed: extra'.")
    assert.deepStrictEqual(await listHooks(app), [])
  })

  it('accepts enabled as the string "true" or "false", as in Auth0\'s docs example', async (t) => {
    const app = await buildTestApp(t)
    const first = await app.api('POST', '/api/v2/hooks', {
      name: 'first',
      script: CE,
      triggerId: 'credentials-exchange',
      enabled: 'false',
    })
    assertJson(first, 201, { ...first.json<HookBody>(), enabled: false })
    const second = await app.api('POST', '/api/v2/hooks', {
      name: 'second',
      script: CE,
      triggerId: 'credentials-exchange',
      enabled: 'true',
    })
    const { id } = second.json<HookBody>()
    assertJson(second, 201, {
      id,
      name: 'second',
      script: CE,
      dependencies: {},
      triggerId: 'credentials-exchange',
      enabled: true,
    })
  })

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

  it('answers a 5 MiB body with the readable 413 over a real socket, not a reset', async (t) => {
    const app = await buildTestApp(t)
    await app.server.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.server.address() as AddressInfo
    const size = 5 * 1024 * 1024
    const socket = connect({ port, host: '127.0.0.1' })
    t.after(() => socket.destroy())
    let received = ''
    let failure: Error | undefined
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')))
    socket.on('error', (error) => (failure = error))
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write(
      [
        'POST /api/v2/hooks HTTP/1.1',
        'Host: 127.0.0.1',
        `Authorization: Bearer ${await app.token()}`,
        'Content-Type: application/json',
        `Content-Length: ${size}`,
        '',
        '',
      ].join('\r\n'),
    )
    // The whole body, in 64 KiB pieces, waiting for the socket to drain as a client would.
    const piece = Buffer.alloc(64 * 1024, 'x')
    for (let sent = 0; sent < size && failure === undefined; sent += piece.length) {
      if (!socket.write(piece)) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve)
          socket.once('close', resolve)
        })
      }
    }
    await closed
    assert.equal(failure, undefined, `the client saw ${String(failure)}`)
    const [head = '', body = ''] = received.split('\r\n\r\n')
    assert.match(head, /^HTTP\/1\.1 413 Payload Too Large\r\n/)
    assert.match(head, /\r\nconnection: close/i)
    assert.deepEqual(JSON.parse(body), {
      statusCode: 413,
      error: 'Payload Too Large',
      message: `Payload content length greater than maximum allowed: ${MAX_BODY_BYTES}`,
      errorCode: 'payload_too_large',
    })
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

  it('answers 409 to a name that is taken, and writes nothing', async (t) => {
    const app = await buildTestApp(t)
    const existing = await createHook(app, { name: 'taken' })
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'taken',
      script: PUR,
      triggerId: 'pre-user-registration',
    })
    assertError(
      res,
      409,
      'Conflict',
      'Hook with the same name already exists.',
      'HookAlreadyExists',
    )
    assert.deepStrictEqual(await listHooks(app), [existing])
  })

  it('lets exactly one of 10 parallel creates with one name win; the others get 409', async (t) => {
    const app = await buildTestApp(t)
    const responses = await Promise.all(
      ['race', 'Race', 'race', 'RACE', 'race', 'Race', 'race', 'race', 'race', 'race'].map(
        (name, i) =>
          app.api('POST', '/api/v2/hooks', {
            name,
            script: SCRIPTS['post-change-password'],
            triggerId: i % 2 === 0 ? 'post-change-password' : 'credentials-exchange',
          }),
      ),
    )
    const statuses = responses.map((r) => r.statusCode).sort()
    assert.deepStrictEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409, 409, 409])
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      assertError(
        res,
        409,
        'Conflict',
        'Hook with the same name already exists.',
        'HookAlreadyExists',
      )
    }
    assert.deepStrictEqual(
      (await listHooks(app)).map((h) => h.name),
      ['race'],
    )
  })

  it('accepts Content-Type: application/json; charset=utf-8', async (t) => {
    const app = await buildTestApp(t)
    const res = await send(app, {
      method: 'POST',
      url: '/api/v2/hooks',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ name: 'charset', script: CE, triggerId: 'credentials-exchange' }),
    })
    assert.equal(res.statusCode, 201, res.body)
    assert.equal(res.json<HookBody>().name, 'charset')
  })

  it('compares names after normalisation (test-hook520 and Test Hook 520 collide)', async (t) => {
    const app = await buildTestApp(t)
    await createHook(app, { name: 'test-hook520' })
    for (const name of ['test-hook-520', 'Test Hook 520', 'TestHook520', 'test hook 520']) {
      const res = await app.api('POST', '/api/v2/hooks', {
        name,
        script: CE,
        triggerId: 'credentials-exchange',
      })
      assertError(
        res,
        409,
        'Conflict',
        'Hook with the same name already exists.',
        'HookAlreadyExists',
      )
    }
    assert.equal((await listHooks(app)).length, 1)
  })

  it("a disabled new hook does not touch the trigger's enabled hook", async (t) => {
    const app = await buildTestApp(t)
    const first = await createHook(app, { name: 'first' })
    const second = await createHook(app, { name: 'second', enabled: false })
    assert.equal(second.enabled, false)
    assert.equal((await getHook(app, first.id)).enabled, true)
  })
})

describe('GET /api/v2/hooks/{id}', () => {
  it('returns the hook in GET key order', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, {
      name: 'reader',
      triggerId: 'post-user-registration',
      dependencies: { lodash: '4.17.21' },
    })
    const res = await app.api('GET', `/api/v2/hooks/${hook.id}`)
    assertJson(res, 200, {
      id: hook.id,
      name: 'reader',
      script: SCRIPTS['post-user-registration'],
      dependencies: { lodash: '4.17.21' },
      enabled: true,
      triggerId: 'post-user-registration',
    })
    assert.equal(
      res.body,
      `{"id":"${hook.id}","name":"reader","script":${JSON.stringify(SCRIPTS['post-user-registration'])},"dependencies":{"lodash":"4.17.21"},"enabled":true,"triggerId":"post-user-registration"}`,
    )
  })

  it('applies fields and include_fields', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'fielded' })
    const get = (query: string) => app.api('GET', `/api/v2/hooks/${hook.id}${query}`)
    assertJson(await get('?fields=id,name'), 200, { id: hook.id, name: 'fielded' })
    assertJson(await get('?fields=id,name&include_fields=true'), 200, {
      id: hook.id,
      name: 'fielded',
    })
    assertJson(await get('?fields=script,dependencies&include_fields=false'), 200, {
      id: hook.id,
      name: 'fielded',
      enabled: true,
      triggerId: 'credentials-exchange',
    })
    const all = JSON.parse(hookBytes(hook, 'read')) as unknown
    assertJson(await get('?fields='), 200, all)
    assertJson(await get('?include_fields=false'), 200, all)
  })

  it('rejects a malformed include_fields', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'fielded' })
    assertInvalidQuery(
      await app.api('GET', `/api/v2/hooks/${hook.id}?fields=id&include_fields=maybe`),
      "Query validation error: 'Expected type boolean but found type string' on property include_fields (Whether the fields listed in `fields` are included (true, default) or excluded (false).).",
    )
  })

  it('answers 404 HookDoesNotExist for an unknown id', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${UNKNOWN_HOOK_ID}`))
  })

  it('answers 404 HookDoesNotExist for malformed ids (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    for (const id of [
      'nope',
      '123',
      '01arz3ndektsv4rrffq69g5fav',
      'a%20b',
      'a%2Fb',
      '%00',
      'A'.repeat(100),
    ]) {
      assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${id}`))
    }
  })

  it('answers 404 HookDoesNotExist for an over-long id (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await app.api(
        method,
        `/api/v2/hooks/${'A'.repeat(101)}`,
        method === 'PATCH' ? { script: 'x' } : undefined,
      )
      assertHookDoesNotExist(res)
    }
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${'A'.repeat(101)}/secrets`))
  })

  it('answers 404 HookDoesNotExist for an id with a broken percent-encoding (compat Q25)', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(await app.api('GET', '/api/v2/hooks/%zz'))
  })

  it('tolerates Content-Type: application/json with a null or empty body (go-auth0)', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'tolerant' })
    for (const payload of ['null', '', '{}']) {
      const one = await send(app, {
        method: 'GET',
        url: `/api/v2/hooks/${hook.id}`,
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertJson(one, 200, JSON.parse(hookBytes(hook, 'read')))
      const list = await send(app, {
        method: 'GET',
        url: '/api/v2/hooks',
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertJson(list, 200, [JSON.parse(hookBytes(hook, 'read'))])
    }
  })
})

describe('PATCH /api/v2/hooks/{id}', () => {
  it('answers 200 with the full hook in write order', async (t) => {
    const app = await buildTestApp(t)
    await createHook(app, { name: 'enabled-one', triggerId: 'pre-user-registration' })
    const hook = await createHook(app, {
      name: 'pre-user-reg-hook',
      triggerId: 'pre-user-registration',
      dependencies: { auth0: '2.30.0' },
    })
    assert.equal(hook.enabled, false)
    const script = 'module.exports = function (user, context, cb) { cb(null, { user: {} }) }'
    const res = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { script, enabled: true })
    assertJson(res, 200, {
      id: hook.id,
      name: 'pre-user-reg-hook',
      script,
      dependencies: { auth0: '2.30.0' },
      triggerId: 'pre-user-registration',
      enabled: true,
    })
    assert.equal(
      res.body,
      `{"id":"${hook.id}","name":"pre-user-reg-hook","script":${JSON.stringify(script)},"dependencies":{"auth0":"2.30.0"},"triggerId":"pre-user-registration","enabled":true}`,
    )
    assert.equal((await getHook(app, hook.id)).script, script, 'the change is stored')
  })

  it('changes only the fields it is given, and normalises a new name', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'before', dependencies: { a: '1.0.0' } })
    const res = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { name: 'After Rename2' })
    assertJson(res, 200, { ...hook, name: 'after-rename-2' })
    assert.deepStrictEqual(await getHook(app, hook.id), { ...hook, name: 'after-rename-2' })
  })

  it("accepts a rename to the hook's own name", async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'same-name' })
    assertJson(await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { name: 'Same Name' }), 200, hook)
  })

  it('replaces dependencies, and {} clears them', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'deps', dependencies: { auth0: '2.30.0' } })
    assertJson(
      await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { dependencies: { bcrypt: '3.0.6' } }),
      200,
      { ...hook, dependencies: { bcrypt: '3.0.6' } },
    )
    assertJson(await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { dependencies: {} }), 200, {
      ...hook,
      dependencies: {},
    })
    assert.deepStrictEqual((await getHook(app, hook.id)).dependencies, {})
  })

  it('rejects triggerId as an additional property (triggerId is immutable)', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'immutable' })
    for (const triggerId of ['pre-user-registration', 'credentials-exchange']) {
      assertInvalidBody(
        await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { triggerId }),
        "Payload validation error: 'Additional properties not allowed: triggerId'.",
      )
    }
    assert.deepStrictEqual(await getHook(app, hook.id), JSON.parse(hookBytes(hook, 'read')))
  })

  it('rejects an empty body {} (minProperties 1)', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'empty-patch' })
    assertInvalidBody(
      await app.api('PATCH', `/api/v2/hooks/${hook.id}`, {}),
      "Payload validation error: 'Too few properties defined (0), minimum 1'.",
    )
  })

  it('validates fields as POST does, and writes nothing', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'valid' })
    const cases: [unknown, string][] = [
      [
        { name: 'bad_name' },
        `Payload validation error: 'String does not match pattern ${NAME_PATTERN}: bad_name' on property name (${NAME}).`,
      ],
      [
        { script: '' },
        `Payload validation error: 'String is too short (0 chars), minimum 1' on property script (${SCRIPT}).`,
      ],
      [
        { enabled: null },
        `Payload validation error: 'Expected type boolean but found type null' on property enabled (${ENABLED}).`,
      ],
      [
        { script: 'x', id: 'other' },
        "Payload validation error: 'Additional properties not allowed: id'.",
      ],
    ]
    for (const [body, message] of cases) {
      assertInvalidBody(await app.api('PATCH', `/api/v2/hooks/${hook.id}`, body), message)
    }
    assert.deepStrictEqual(await getHook(app, hook.id), JSON.parse(hookBytes(hook, 'read')))
  })

  it('accepts a form-encoded body and enabled as a string', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'form-patch' })
    const res = await send(app, {
      method: 'PATCH',
      url: `/api/v2/hooks/${hook.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form({ enabled: 'false', script: 'x' }),
    })
    assertJson(res, 200, { ...hook, script: 'x', enabled: false })
    assertJson(await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { enabled: 'true' }), 200, {
      ...hook,
      script: 'x',
      enabled: true,
    })
  })

  it('answers 409 with the PATCH message to a name that is taken, after normalisation', async (t) => {
    const app = await buildTestApp(t)
    await createHook(app, { name: 'taken-name', triggerId: 'send-phone-message' })
    const hook = await createHook(app, { name: 'mine' })
    for (const name of ['taken-name', 'Taken Name', 'takenName']) {
      assertError(
        await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { name, script: 'changed' }),
        409,
        'Conflict',
        'A hook with the same name already exists.',
        'HookAlreadyExists',
      )
    }
    assert.deepStrictEqual(await getHook(app, hook.id), JSON.parse(hookBytes(hook, 'read')))
  })

  it('answers 404 HookDoesNotExist for an unknown or malformed id', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(
      await app.api('PATCH', `/api/v2/hooks/${UNKNOWN_HOOK_ID}`, { script: 'x' }),
    )
    assertHookDoesNotExist(await app.api('PATCH', '/api/v2/hooks/not-an-id', { script: 'x' }))
  })
})

describe('DELETE /api/v2/hooks/{id}', () => {
  it('answers 204 with an empty body; the hook is then gone (GET and DELETE 404)', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'doomed' })
    const keep = await createHook(app, { name: 'kept' })
    assertNoContent(await app.api('DELETE', `/api/v2/hooks/${hook.id}`))
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${hook.id}`))
    assertHookDoesNotExist(await app.api('DELETE', `/api/v2/hooks/${hook.id}`))
    assertHookDoesNotExist(await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { script: 'x' }))
    assert.deepStrictEqual(
      (await listHooks(app)).map((h) => h.id),
      [keep.id],
    )
  })

  it('accepts a {} JSON body (node-auth0 v3) and an empty JSON body (go-auth0)', async (t) => {
    const app = await buildTestApp(t)
    const payloads = { object: '{}', empty: '', null: 'null' }
    for (const [label, payload] of Object.entries(payloads)) {
      const hook = await createHook(app, { name: `body-${label}` })
      const res = await send(app, {
        method: 'DELETE',
        url: `/api/v2/hooks/${hook.id}`,
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertNoContent(res)
      assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${hook.id}`))
    }
  })

  it("deletes the hook's secrets with it", async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'with-secrets' })
    const other = await createHook(app, { name: 'other', enabled: false })
    assert.equal(
      (await app.api('POST', `/api/v2/hooks/${hook.id}/secrets`, { A: '1', B: '2' })).statusCode,
      201,
    )
    assert.equal(
      (await app.api('POST', `/api/v2/hooks/${other.id}/secrets`, { A: '3' })).statusCode,
      201,
    )
    assertNoContent(await app.api('DELETE', `/api/v2/hooks/${hook.id}`))
    assert.deepStrictEqual(await app.store.readSecrets(hook.id), [])
    assert.deepStrictEqual(await app.hooks.readSecrets(hook.id), {})
    assertHookDoesNotExist(await app.api('GET', `/api/v2/hooks/${hook.id}/secrets`))
    assert.deepStrictEqual(await app.hooks.readSecrets(other.id), { A: '3' })
  })

  it('answers 404 HookDoesNotExist for an unknown or malformed id', async (t) => {
    const app = await buildTestApp(t)
    assertHookDoesNotExist(await app.api('DELETE', `/api/v2/hooks/${UNKNOWN_HOOK_ID}`))
    assertHookDoesNotExist(await app.api('DELETE', '/api/v2/hooks/nope'))
  })
})

describe('GET /api/v2/hooks', () => {
  /** Five hooks over three triggers; returned in creation order. */
  async function seed(app: TestApp): Promise<HookBody[]> {
    const hooks: HookBody[] = []
    hooks.push(await createHook(app, { name: 'hook-a' }))
    hooks.push(await createHook(app, { name: 'hook-b', triggerId: 'pre-user-registration' }))
    hooks.push(await createHook(app, { name: 'hook-c' }))
    hooks.push(await createHook(app, { name: 'hook-d', triggerId: 'send-phone-message' }))
    hooks.push(await createHook(app, { name: 'hook-e', triggerId: 'pre-user-registration' }))
    return hooks.map((h) => JSON.parse(hookBytes(h, 'read')) as HookBody)
  }

  it('returns a bare array without include_totals ([] when there are none)', async (t) => {
    const app = await buildTestApp(t)
    assertJson(await app.api('GET', '/api/v2/hooks'), 200, [])
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=false'), 200, [])
    const hooks = await seed(app)
    const res = await app.api('GET', '/api/v2/hooks')
    assertJson(res, 200, hooks)
    // Full hooks (compat Q9), each in GET key order.
    assert.equal(res.body, `[${hooks.map((h) => hookBytes(h, 'read')).join(',')}]`)
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=false'), 200, hooks)
  })

  it('orders by id, which is creation order (compat Q8)', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    const ids = hooks.map((h) => h.id)
    assert.deepStrictEqual([...ids].sort(), ids)
    // Renaming or toggling does not reorder.
    await app.api('PATCH', `/api/v2/hooks/${hooks[0]?.id ?? ''}`, { name: 'zzz', enabled: false })
    assert.deepStrictEqual(
      (await listHooks(app)).map((h) => h.id),
      ids,
    )
  })

  it('wraps the result as {start, limit, total, hooks} with include_totals', async (t) => {
    const app = await buildTestApp(t)
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true'), 200, {
      start: 0,
      limit: 0,
      total: 0,
      hooks: [],
    })
    const hooks = await seed(app)
    // compat Q8: without per_page, everything, start 0 and limit = number returned.
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true'), 200, {
      start: 0,
      limit: 5,
      total: 5,
      hooks,
    })
    assertJson(await app.api('GET', '/api/v2/hooks?include_totals=true&page=3'), 200, {
      start: 0,
      limit: 5,
      total: 5,
      hooks,
    })
  })

  it('pages with page and per_page, stably', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    const pages: HookBody[][] = []
    for (const page of [0, 1, 2, 3]) {
      const res = await app.api('GET', `/api/v2/hooks?page=${page}&per_page=2`)
      assert.equal(res.statusCode, 200)
      pages.push(res.json<HookBody[]>())
    }
    assert.deepStrictEqual(pages, [hooks.slice(0, 2), hooks.slice(2, 4), hooks.slice(4), []])
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=2'), 200, hooks.slice(0, 2))
    assertJson(await app.api('GET', '/api/v2/hooks?page=1&per_page=2&include_totals=true'), 200, {
      start: 2,
      limit: 2,
      total: 5,
      hooks: hooks.slice(2, 4),
    })
    assertJson(await app.api('GET', '/api/v2/hooks?page=9&per_page=2&include_totals=true'), 200, {
      start: 18,
      limit: 2,
      total: 5,
      hooks: [],
    })
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=100'), 200, hooks)
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=0'), 200, [])
    assertJson(await app.api('GET', '/api/v2/hooks?per_page=0&include_totals=true'), 200, {
      start: 0,
      limit: 0,
      total: 5,
      hooks: [],
    })
    // The observed deploy-cli query (compat §2.5 #1).
    assertJson(
      await app.api(
        'GET',
        '/api/v2/hooks?fields=id&include_fields=true&include_totals=true&per_page=50',
      ),
      200,
      { total: 5, start: 0, limit: 50, hooks: hooks.map((h) => ({ id: h.id })) },
    )
  })

  it('rejects per_page outside 0..100 and other bad paging values (invalid_query_string)', async (t) => {
    const app = await buildTestApp(t)
    const cases: [string, string][] = [
      [
        'per_page=101',
        `Query validation error: 'Value 101 is greater than maximum 100' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=-1',
        `Query validation error: 'Value -1 is less than minimum 0' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=ten',
        `Query validation error: 'Expected type integer but found type string' on property per_page (${PER_PAGE}).`,
      ],
      [
        'per_page=1.5',
        `Query validation error: 'Expected type integer but found type string' on property per_page (${PER_PAGE}).`,
      ],
      [
        'page=-1&per_page=10',
        `Query validation error: 'Value -1 is less than minimum 0' on property page (${PAGE}).`,
      ],
      [
        'include_totals=yes',
        "Query validation error: 'Expected type boolean but found type string' on property include_totals (Return an object with the total count ({start, limit, total, hooks}) instead of a bare array.).",
      ],
      [
        'enabled=maybe',
        "Query validation error: 'Expected type boolean but found type string' on property enabled (Only hooks with this enabled flag.).",
      ],
      [
        'triggerId=password-exchange',
        `Query validation error: 'No enum match for: password-exchange' on property triggerId (${TRIGGER}).`,
      ],
    ]
    for (const [query, message] of cases) {
      assertInvalidQuery(await app.api('GET', `/api/v2/hooks?${query}`), message)
    }
  })

  it('filters on enabled and triggerId', async (t) => {
    const app = await buildTestApp(t)
    const [h0, h1, h2, h3, h4] = await seed(app)
    assert.ok(h0 && h1 && h2 && h3 && h4)
    // First of each trigger enabled (compat §1.3): h0, h1, h3.
    assertJson(await app.api('GET', '/api/v2/hooks?enabled=true'), 200, [h0, h1, h3])
    assertJson(await app.api('GET', '/api/v2/hooks?enabled=false'), 200, [h2, h4])
    assertJson(await app.api('GET', '/api/v2/hooks?triggerId=pre-user-registration'), 200, [h1, h4])
    assertJson(await app.api('GET', '/api/v2/hooks?triggerId=post-change-password'), 200, [])
    assertJson(
      await app.api('GET', '/api/v2/hooks?triggerId=credentials-exchange&enabled=false'),
      200,
      [h2],
    )
    assertJson(
      await app.api(
        'GET',
        '/api/v2/hooks?triggerId=pre-user-registration&include_totals=true&per_page=1',
      ),
      200,
      { start: 0, limit: 1, total: 2, hooks: [h1] },
    )
  })

  it('applies fields and include_fields to every listed hook', async (t) => {
    const app = await buildTestApp(t)
    const hooks = await seed(app)
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=id,enabled'),
      200,
      hooks.map((h) => ({ id: h.id, enabled: h.enabled })),
    )
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=script,dependencies,id&include_fields=false'),
      200,
      hooks.map((h) => ({ name: h.name, enabled: h.enabled, triggerId: h.triggerId })),
    )
    assertJson(
      await app.api('GET', '/api/v2/hooks?fields=name&include_totals=true&per_page=2&page=2'),
      200,
      { start: 4, limit: 2, total: 5, hooks: [{ name: 'hook-e' }] },
    )
  })
})

describe('other /api/v2 paths', () => {
  it('answer 404 in the Management API error shape, with rate-limit headers', async (t) => {
    const app = await buildTestApp(t)
    assertError(await app.api('GET', '/api/v2/no-such-endpoint'), 404, 'Not Found', 'Not Found')
    assertError(await app.api('GET', '/api/v2/hooks/a/b/c'), 404, 'Not Found', 'Not Found')
  })

  it('answer 500 with a generic body when storage fails, and log the cause', async (t) => {
    const app = await buildTestApp(t)
    const listHooksFn = app.store.listHooks.bind(app.store)
    app.store.listHooks = () => Promise.reject(new Error('disk on fire: /var/lib/secret-path'))
    t.after(() => {
      app.store.listHooks = listHooksFn
    })
    const res = await app.api('GET', '/api/v2/hooks')
    assertError(res, 500, 'Internal Server Error', 'An internal server error occurred')
    assert.ok(!res.body.includes('disk on fire'))
    assert.ok(app.logText().includes('disk on fire'), 'the cause is logged')
  })

  it('the unknown-id body is exactly the observed one', () => {
    assert.equal(
      JSON.stringify(HOOK_DOES_NOT_EXIST),
      '{"statusCode":404,"error":"Not Found","message":"Error: Hook does not exist","errorCode":"HookDoesNotExist"}',
    )
  })
})
