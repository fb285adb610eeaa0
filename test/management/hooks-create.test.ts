/**
 * POST /api/v2/hooks: creating hooks, normalised names, form bodies, name conflicts (compat
 * §1.2–1.5, §2.1, Q1, Q3, Q14).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp } from '../helpers/build-test-app.js'
import {
  SCRIPTS,
  ULID,
  assertError,
  assertInvalidBody,
  assertJson,
  createHook,
  hookBytes,
  listHooks,
  send,
  type HookBody,
} from '../helpers/management.js'
import { CE, PUR, form, getHook } from '../helpers/hook-endpoints.js'

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
