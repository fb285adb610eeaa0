/**
 * PATCH and DELETE /api/v2/hooks/{id}, and the other /api/v2 paths (compat §2.5, §8, Q25).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp } from '../helpers/build-test-app.js'
import {
  HOOK_DOES_NOT_EXIST,
  UNKNOWN_HOOK_ID,
  assertError,
  assertHookDoesNotExist,
  assertInvalidBody,
  assertJson,
  assertNoContent,
  createHook,
  hookBytes,
  listHooks,
  send,
} from '../helpers/management.js'
import { NAME_PATTERN, NAME, SCRIPT, ENABLED, form, getHook } from '../helpers/hook-endpoints.js'

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
