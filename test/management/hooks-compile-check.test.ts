/**
 * issue 18.7: a hook whose script does not compile may be stored disabled (as on Auth0), but it
 * is never enabled: creating it enabled, enabling it, or giving an enabled hook such a script is
 * refused with a 400 naming the compiler's message and the position in the user's own script.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import { assertJson, createHook } from '../helpers/management.js'

/** Three lines, the closing `};` missing: V8 stops at the end of line 3. */
const BROKEN =
  'module.exports = function (client, scope, audience, context, cb) {\n  cb(null, { scope })\n  // done'
const BROKEN_MESSAGE =
  'The script does not compile, so the hook cannot be enabled: Unexpected end of input [hook.js:3:10]'
const WORKING = 'module.exports = function (client, scope, audience, context, cb) { cb(null, {}) }'

function refused(message = BROKEN_MESSAGE) {
  return {
    statusCode: 400,
    error: 'Bad Request',
    message,
    errorCode: 'hook_script_does_not_compile',
  }
}

async function hookState(app: TestApp, id: string) {
  const res = await app.api('GET', `/api/v2/hooks/${id}`)
  const body = res.json<{ script: string; enabled: boolean }>()
  return { script: body.script, enabled: body.enabled }
}

async function hookCount(app: TestApp): Promise<number> {
  return (await app.api('GET', '/api/v2/hooks')).json<unknown[]>().length
}

describe('hooks whose script does not compile (issue 18.7)', () => {
  it('refuses to create one with enabled: true, and writes nothing', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'broken',
      script: BROKEN,
      triggerId: 'credentials-exchange',
      enabled: true,
    })
    assertJson(res, 400, refused())
    assert.equal(await hookCount(app), 0)
  })

  it('refuses one created without enabled when it would be the enabled first hook', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'broken',
      script: 'function broken( {',
      triggerId: 'credentials-exchange',
    })
    assertJson(
      res,
      400,
      refused(
        'The script does not compile, so the hook cannot be enabled: Unexpected end of input [hook.js:1:19]',
      ),
    )
    assert.equal(await hookCount(app), 0)
  })

  it('stores it disabled: explicitly, or without enabled when another hook is enabled', async (t) => {
    const app = await buildTestApp(t)
    const first = await createHook(app, { name: 'working' })
    const implicit = await app.api('POST', '/api/v2/hooks', {
      name: 'broken-a',
      script: BROKEN,
      triggerId: 'credentials-exchange',
    })
    assert.equal(implicit.statusCode, 201, implicit.body)
    assert.equal(implicit.json<{ enabled: boolean }>().enabled, false)
    const explicit = await app.api('POST', '/api/v2/hooks', {
      name: 'broken-b',
      script: BROKEN,
      triggerId: 'credentials-exchange',
      enabled: false,
    })
    assert.equal(explicit.statusCode, 201, explicit.body)
    assert.equal(explicit.json<{ enabled: boolean }>().enabled, false)
    assert.equal((await hookState(app, first.id)).enabled, true)
  })

  it('lets a disabled hook save a broken script, and refuses to enable it until it compiles', async (t) => {
    const app = await buildTestApp(t)
    const other = await createHook(app, { name: 'other' })
    const hook = await createHook(app, { name: 'draft', enabled: false })
    const saved = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { script: BROKEN })
    assert.equal(saved.statusCode, 200, saved.body)

    const enable = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { enabled: true })
    assertJson(enable, 400, refused())
    assert.deepStrictEqual(await hookState(app, hook.id), { script: BROKEN, enabled: false })
    // The refused enable did not switch the point's enabled hook off either.
    assert.equal((await hookState(app, other.id)).enabled, true)

    // Enabling together with a broken script is refused as well, and changes nothing.
    const both = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, {
      enabled: true,
      script: `${BROKEN}\n`,
    })
    assertJson(
      both,
      400,
      refused(
        'The script does not compile, so the hook cannot be enabled: Unexpected end of input [hook.js:4:1]',
      ),
    )
    assert.deepStrictEqual(await hookState(app, hook.id), { script: BROKEN, enabled: false })

    // Fixed and enabled in one request.
    const fixed = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, {
      enabled: true,
      script: WORKING,
    })
    assert.equal(fixed.statusCode, 200, fixed.body)
    assert.deepStrictEqual(await hookState(app, hook.id), { script: WORKING, enabled: true })
  })

  it('refuses a broken script on an enabled hook, keeping the working one', async (t) => {
    const app = await buildTestApp(t)
    const hook = await createHook(app, { name: 'live', script: WORKING, enabled: true })
    const res = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, { script: BROKEN })
    assertJson(res, 400, refused())
    assert.deepStrictEqual(await hookState(app, hook.id), { script: WORKING, enabled: true })
    // Disabling and saving the broken script in one request is allowed.
    const parked = await app.api('PATCH', `/api/v2/hooks/${hook.id}`, {
      enabled: false,
      script: BROKEN,
    })
    assert.equal(parked.statusCode, 200, parked.body)
    assert.deepStrictEqual(await hookState(app, hook.id), { script: BROKEN, enabled: false })
  })

  it('accepts a bare function expression and a script redeclaring nothing (the runner compiles both)', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('POST', '/api/v2/hooks', {
      name: 'bare',
      script: 'function (user, context, cb) {\n  cb(null, { user })\n}',
      triggerId: 'pre-user-registration',
      enabled: true,
    })
    assert.equal(res.statusCode, 201, res.body)
  })
})

describe('POST /api/v2/hooks/triggers/{triggerId}/syntax-check (issue 18.7)', () => {
  it("answers whether a script compiles, with the compiler's message and position if not", async (t) => {
    const app = await buildTestApp(t)
    const url = '/api/v2/hooks/triggers/credentials-exchange/syntax-check'
    assertJson(await app.api('POST', url, { script: WORKING }), 200, { compiles: true })
    assertJson(await app.api('POST', url, { script: BROKEN }), 200, {
      compiles: false,
      message: 'Unexpected end of input',
      line: 3,
      column: 10,
    })
    // The trigger's injected classes may not be redeclared (the runner would refuse them too).
    const redeclared = await app.api(
      'POST',
      '/api/v2/hooks/triggers/pre-user-registration/syntax-check',
      {
        script: 'class PreUserRegistrationError {}\nmodule.exports = function (u, c, cb) { cb() }',
      },
    )
    assert.equal(redeclared.json<{ compiles: boolean }>().compiles, false)
    const unknown = await app.api('POST', '/api/v2/hooks/triggers/nope/syntax-check', {
      script: WORKING,
    })
    assert.equal(unknown.statusCode, 400)
  })
})
