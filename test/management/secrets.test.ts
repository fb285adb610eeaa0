/**
 * The four hook-secret endpoints (compat §2.6, §8.1–8.2, Q6, Q7, Q27): write-only values, strict
 * add and update, all-or-nothing writes, the 20-secret limit, and 404 for unknown hooks.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import {
  UNKNOWN_HOOK_ID,
  assertError,
  assertHookDoesNotExist,
  assertInvalidBody,
  assertJson,
  assertNoContent,
  createHook,
  send,
} from '../helpers/management.js'

const PLACEHOLDER = '_VALUE_NOT_SHOWN_'
const MAX_SECRETS = 20
/** The documented limits on names and values (compat Q7). */
const MAX_NAME_CHARS = 128
const MAX_VALUE_CHARS = 8 * 1024
const NAME_PATTERN = '^[A-Za-z0-9_-]+$'

const SECRET_EXISTS = {
  statusCode: 409,
  error: 'Conflict',
  message: 'Secret with the same name already exists.',
  errorCode: 'HookSecretAlreadyExists',
}
const SECRET_NOT_FOUND = {
  statusCode: 404,
  error: 'Not Found',
  message: 'Hook or secret not found.',
  errorCode: 'HookSecretDoesNotExist',
}
const TOO_MANY = {
  statusCode: 400,
  error: 'Bad Request',
  message: 'A hook can have a maximum of 20 secrets.',
  errorCode: 'invalid_body',
}

function secretsUrl(id: string): string {
  return `/api/v2/hooks/${id}/secrets`
}

function secretsOf(count: number, prefix = 'S'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `v${i}`]))
}

async function newHook(app: TestApp, name = 'secretive'): Promise<string> {
  return (await createHook(app, { name })).id
}

describe('GET /api/v2/hooks/{id}/secrets', () => {
  it('answers {} for a hook without secrets', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('GET', secretsUrl(id)), 200, {})
  })

  it('shows every name with the placeholder _VALUE_NOT_SHOWN_, never a value', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { SECRET1: 'one', SECRET2: 'two' }), 201, {})
    const res = await app.api('GET', secretsUrl(id))
    assertJson(res, 200, { SECRET1: PLACEHOLDER, SECRET2: PLACEHOLDER })
    assert.doesNotMatch(res.body, /"one"|"two"/)
  })

  it("keeps each hook's secrets to itself", async (t) => {
    const app = await buildTestApp(t)
    const a = await newHook(app, 'a')
    const b = await newHook(app, 'b')
    assertJson(await app.api('POST', secretsUrl(a), { SHARED: 'a', ONLY_A: 'a' }), 201, {})
    assertJson(await app.api('POST', secretsUrl(b), { SHARED: 'b' }), 201, {})
    assertJson(await app.api('GET', secretsUrl(a)), 200, {
      SHARED: PLACEHOLDER,
      ONLY_A: PLACEHOLDER,
    })
    assertJson(await app.api('GET', secretsUrl(b)), 200, { SHARED: PLACEHOLDER })
    assert.deepStrictEqual(await app.hooks.readSecrets(a), { ONLY_A: 'a', SHARED: 'a' })
    assert.deepStrictEqual(await app.hooks.readSecrets(b), { SHARED: 'b' })
  })

  it('tolerates Content-Type: application/json with a null or empty body', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    for (const payload of ['null', '']) {
      const res = await send(app, {
        method: 'GET',
        url: secretsUrl(id),
        headers: { 'content-type': 'application/json' },
        payload,
      })
      assertJson(res, 200, {})
    }
  })
})

describe('POST /api/v2/hooks/{id}/secrets', () => {
  it('answers 201 {} and stores the values', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    const res = await app.api('POST', secretsUrl(id), { API_KEY: 'k-1', 'api-url': 'https://x' })
    assertJson(res, 201, {})
    assert.equal(res.body, '{}')
    assert.deepStrictEqual(await app.hooks.readSecrets(id), {
      API_KEY: 'k-1',
      'api-url': 'https://x',
    })
  })

  it('adds to the secrets already there', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1' }), 201, {})
    assertJson(await app.api('POST', secretsUrl(id), { B: '2' }), 201, {})
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { A: '1', B: '2' })
  })

  it('answers 409 to an existing name and writes nothing, even for the new names (Q27)', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { EXISTING: 'old' }), 201, {})
    assertJson(await app.api('POST', secretsUrl(id), { EXISTING: 'new' }), 409, SECRET_EXISTS)
    assertJson(
      await app.api('POST', secretsUrl(id), { NEW1: 'a', EXISTING: 'new', NEW2: 'b' }),
      409,
      SECRET_EXISTS,
    )
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { EXISTING: 'old' })
    assertJson(await app.api('GET', secretsUrl(id)), 200, { EXISTING: PLACEHOLDER })
  })

  it('accepts 20 secrets in one request and refuses 21 (maxProperties)', async (t) => {
    const app = await buildTestApp(t)
    const twenty = await newHook(app, 'twenty')
    assertJson(await app.api('POST', secretsUrl(twenty), secretsOf(MAX_SECRETS)), 201, {})
    assert.equal(Object.keys(await app.hooks.readSecrets(twenty)).length, MAX_SECRETS)

    const other = await newHook(app, 'other')
    assertInvalidBody(
      await app.api('POST', secretsUrl(other), secretsOf(MAX_SECRETS + 1)),
      "Payload validation error: 'Too many properties defined (21), maximum 20'.",
    )
    assert.deepStrictEqual(await app.hooks.readSecrets(other), {})
  })

  it('refuses to go over 20 secrets in total, and writes nothing (Q7)', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), secretsOf(19)), 201, {})
    assertJson(await app.api('POST', secretsUrl(id), { X: '1', Y: '2' }), 400, TOO_MANY)
    assert.equal(Object.keys(await app.hooks.readSecrets(id)).length, 19)
    assertJson(await app.api('POST', secretsUrl(id), { X: '1' }), 201, {})
    assertJson(await app.api('POST', secretsUrl(id), { Y: '2' }), 400, TOO_MANY)
    assert.equal(Object.keys(await app.hooks.readSecrets(id)).length, 20)
    // Deleting one makes room again.
    assertNoContent(await app.api('DELETE', secretsUrl(id), ['X']))
    assertJson(await app.api('POST', secretsUrl(id), { Y: '2' }), 201, {})
  })

  it('keeps the 20-secret limit under parallel requests', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), secretsOf(10, 'OLD')), 201, {})
    const responses = await Promise.all(
      Array.from({ length: 15 }, (_, i) => app.api('POST', secretsUrl(id), { [`NEW${i}`]: 'v' })),
    )
    const created = responses.filter((r) => r.statusCode === 201)
    const refused = responses.filter((r) => r.statusCode === 400)
    assert.equal(created.length, 10)
    assert.equal(refused.length, 5)
    for (const res of refused) assertJson(res, 400, TOO_MANY)
    assert.equal(Object.keys(await app.hooks.readSecrets(id)).length, MAX_SECRETS)
  })

  it('lets exactly one of several parallel adds of one name win; the others get 409', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => app.api('POST', secretsUrl(id), { SAME: `value-${i}` })),
    )
    assert.deepStrictEqual(
      responses.map((r) => r.statusCode).sort(),
      [201, 409, 409, 409, 409, 409, 409, 409],
    )
    for (const res of responses.filter((r) => r.statusCode === 409)) {
      assertJson(res, 409, SECRET_EXISTS)
    }
    assertJson(await app.api('GET', secretsUrl(id)), 200, { SAME: PLACEHOLDER })
  })

  it('rejects values that are not strings', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    const cases: [unknown, string][] = [
      [{ KEY: 42 }, 'integer'],
      [{ KEY: true }, 'boolean'],
      [{ KEY: null }, 'null'],
      [{ KEY: { nested: 'x' } }, 'object'],
      [{ KEY: ['x'] }, 'array'],
    ]
    for (const [body, type] of cases) {
      assertInvalidBody(
        await app.api('POST', secretsUrl(id), body),
        `Payload validation error: 'Expected type string but found type ${type}' on property KEY (Value of the secret.).`,
      )
    }
    assert.deepStrictEqual(await app.hooks.readSecrets(id), {})
  })

  it('rejects bad secret names', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    for (const name of ['has space', 'dot.ted', 'ünicode', '']) {
      assertInvalidBody(
        await app.api('POST', secretsUrl(id), { [name]: 'v' }),
        `Payload validation error: 'Property name does not match pattern ${NAME_PATTERN}: ${name}'.`,
      )
    }
    const long = 'N'.repeat(MAX_NAME_CHARS + 1)
    assertInvalidBody(
      await app.api('POST', secretsUrl(id), { [long]: 'v' }),
      `Payload validation error: 'Property name is too long (${MAX_NAME_CHARS + 1} chars), maximum ${MAX_NAME_CHARS}: ${long}'.`,
    )
    assertJson(
      await app.api('POST', secretsUrl(id), { ['N'.repeat(MAX_NAME_CHARS)]: 'v' }),
      201,
      {},
    )
  })

  it('rejects a value over the maximum length without echoing the value', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    const value = `LEAK-ME-${'x'.repeat(MAX_VALUE_CHARS)}`
    const res = await app.api('POST', secretsUrl(id), { KEY: value })
    assertInvalidBody(
      res,
      `Payload validation error: 'String is too long (${value.length} chars), maximum ${MAX_VALUE_CHARS}' on property KEY (Value of the secret.).`,
    )
    assert.ok(!res.body.includes('LEAK-ME'))
    assert.ok(!app.logText().includes('LEAK-ME'))
    assertJson(await app.api('POST', secretsUrl(id), { KEY: 'y'.repeat(MAX_VALUE_CHARS) }), 201, {})
    assert.equal((await app.hooks.readSecrets(id)).KEY, 'y'.repeat(MAX_VALUE_CHARS))
  })

  it('rejects an empty object, an array and malformed JSON', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertInvalidBody(
      await app.api('POST', secretsUrl(id), {}),
      "Payload validation error: 'Too few properties defined (0), minimum 1'.",
    )
    assertInvalidBody(
      await app.api('POST', secretsUrl(id), ['A']),
      "Payload validation error: 'Expected type object but found type array'.",
    )
    const res = await send(app, {
      method: 'POST',
      url: secretsUrl(id),
      headers: { 'content-type': 'application/json' },
      payload: '{"A": "unterminated',
    })
    assertInvalidBody(res, 'Invalid request payload JSON format')
    assert.ok(!res.body.includes('unterminated'))
  })

  it('accepts the empty string as a value', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { EMPTY: '' }), 201, {})
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { EMPTY: '' })
  })
})

describe('PATCH /api/v2/hooks/{id}/secrets', () => {
  it('answers 201 {} and changes only the names it is given', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1', B: '2', C: '3' }), 201, {})
    const res = await app.api('PATCH', secretsUrl(id), { A: 'one', C: 'three' })
    assertJson(res, 201, {})
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { A: 'one', B: '2', C: 'three' })
    assertJson(await app.api('GET', secretsUrl(id)), 200, {
      A: PLACEHOLDER,
      B: PLACEHOLDER,
      C: PLACEHOLDER,
    })
  })

  it('answers 404 "Hook or secret not found." to an unknown name and writes nothing (Q27)', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('PATCH', secretsUrl(id), { A: 'x' }), 404, SECRET_NOT_FOUND)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1' }), 201, {})
    assertJson(
      await app.api('PATCH', secretsUrl(id), { A: 'changed', MISSING: 'x' }),
      404,
      SECRET_NOT_FOUND,
    )
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { A: '1' })
  })

  it('stores _VALUE_NOT_SHOWN_ literally (compat §2.6 rule 5)', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: 'real value' }), 201, {})
    assertJson(await app.api('PATCH', secretsUrl(id), { A: PLACEHOLDER }), 201, {})
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { A: PLACEHOLDER })
  })

  it('validates like POST: 21 names, non-string values, bad names, long values', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { KEY: 'v' }), 201, {})
    assertInvalidBody(
      await app.api('PATCH', secretsUrl(id), secretsOf(MAX_SECRETS + 1)),
      "Payload validation error: 'Too many properties defined (21), maximum 20'.",
    )
    assertInvalidBody(
      await app.api('PATCH', secretsUrl(id), { KEY: 1 }),
      "Payload validation error: 'Expected type string but found type integer' on property KEY (Value of the secret.).",
    )
    assertInvalidBody(
      await app.api('PATCH', secretsUrl(id), { 'K Y': 'v' }),
      `Payload validation error: 'Property name does not match pattern ${NAME_PATTERN}: K Y'.`,
    )
    const res = await app.api('PATCH', secretsUrl(id), {
      KEY: `LEAK-${'x'.repeat(MAX_VALUE_CHARS)}`,
    })
    assertInvalidBody(
      res,
      `Payload validation error: 'String is too long (${MAX_VALUE_CHARS + 5} chars), maximum ${MAX_VALUE_CHARS}' on property KEY (Value of the secret.).`,
    )
    assert.ok(!res.body.includes('LEAK-'))
    assertInvalidBody(
      await app.api('PATCH', secretsUrl(id), {}),
      "Payload validation error: 'Too few properties defined (0), minimum 1'.",
    )
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { KEY: 'v' })
  })
})

describe('DELETE /api/v2/hooks/{id}/secrets', () => {
  it('takes an array of names and answers 204 with an empty body', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1', B: '2', C: '3' }), 201, {})
    assertNoContent(await app.api('DELETE', secretsUrl(id), ['A', 'C']))
    assertJson(await app.api('GET', secretsUrl(id)), 200, { B: PLACEHOLDER })
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { B: '2' })
  })

  it('ignores unknown names (Q27)', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1', B: '2' }), 201, {})
    assertNoContent(await app.api('DELETE', secretsUrl(id), ['NOPE']))
    assertNoContent(await app.api('DELETE', secretsUrl(id), ['A', 'NOPE']))
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { B: '2' })
  })

  it('answers 400 to a body that is not a non-empty array of names', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1' }), 201, {})
    assertInvalidBody(
      await app.api('DELETE', secretsUrl(id), { A: '1' }),
      "Payload validation error: 'Expected type array but found type object'.",
    )
    assertInvalidBody(
      await app.api('DELETE', secretsUrl(id), 'A'),
      "Payload validation error: 'Expected type array but found type string'.",
    )
    assertInvalidBody(
      await app.api('DELETE', secretsUrl(id), []),
      "Payload validation error: 'Array is too short (0), minimum 1'.",
    )
    assertInvalidBody(
      await app.api('DELETE', secretsUrl(id), [1]),
      "Payload validation error: 'Expected type string but found type integer' on property 0 (Name of a secret.).",
    )
    assert.deepStrictEqual(await app.hooks.readSecrets(id), { A: '1' })
  })
})

describe('unknown hooks', () => {
  it('answer 404 HookDoesNotExist on all four secret endpoints, unknown or malformed id', async (t) => {
    const app = await buildTestApp(t)
    for (const id of [UNKNOWN_HOOK_ID, 'not-a-hook-id']) {
      assertHookDoesNotExist(await app.api('GET', secretsUrl(id)))
      assertHookDoesNotExist(await app.api('POST', secretsUrl(id), { A: '1' }))
      assertHookDoesNotExist(await app.api('PATCH', secretsUrl(id), { A: '1' }))
      assertHookDoesNotExist(await app.api('DELETE', secretsUrl(id), ['A']))
    }
  })

  it('answer 404 HookDoesNotExist once the hook is deleted', async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1' }), 201, {})
    assertNoContent(await app.api('DELETE', `/api/v2/hooks/${id}`))
    assertHookDoesNotExist(await app.api('GET', secretsUrl(id)))
    assertHookDoesNotExist(await app.api('POST', secretsUrl(id), { B: '1' }))
    assertHookDoesNotExist(await app.api('PATCH', secretsUrl(id), { A: '2' }))
    assertHookDoesNotExist(await app.api('DELETE', secretsUrl(id), ['A']))
    assert.deepStrictEqual(await app.store.readSecrets(id), [])
  })
})

describe('error bodies', () => {
  it("are exactly Auth0's shape for the secret errors", async (t) => {
    const app = await buildTestApp(t)
    const id = await newHook(app)
    assertJson(await app.api('POST', secretsUrl(id), { A: '1' }), 201, {})
    const conflict = await app.api('POST', secretsUrl(id), { A: '1' })
    assertError(
      conflict,
      409,
      'Conflict',
      'Secret with the same name already exists.',
      'HookSecretAlreadyExists',
    )
    assert.deepStrictEqual(Object.keys(conflict.json()), [
      'statusCode',
      'error',
      'message',
      'errorCode',
    ])
  })
})
