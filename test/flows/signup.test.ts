import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import type { HookRunner } from '../../src/sandbox/runner.js'
import type { TenantLogRecord } from '../../src/storage/store.js'
import { buildTestApp, startAppRunner, type TestApp } from '../helpers/build-test-app.js'

/**
 * The time limit under test where a pre-user-registration hook never calls back, on a runner of
 * its own: the hook certainly exceeds it. The suite's runner has the roomy limits of the app
 * tests, so that a hook that completes is never ended by a busy machine.
 */
const HOOK_TIMEOUT_MS = 500
/**
 * The time limit of a post-user-registration hook that never calls back: the signup's answer must
 * come before it (it does not wait for the hook), also on a busy machine.
 */
const SILENT_POST_HOOK_TIMEOUT_MS = 10_000
/** How late an answer may come after the hook's time limit that ends it: a hang, not a slow run. */
const ANSWER_SLACK_MS = 10_000
/** How long a test waits for a detached hook's log event: for a missing event, not a slow one. */
const LOG_WAIT_DEADLINE_MS = 60_000
const LOG_POLL_INTERVAL_MS = 20

const CONNECTION = 'Username-Password-Authentication'
/** Distinctive, so that "never in a log" checks cannot match anything else. */
const PASSWORD = 'Zq8-Unique-Pa55word!'

async function createClient(app: TestApp): Promise<string> {
  const res = await app.api('POST', '/api/v2/clients', { name: 'Signup App' })
  assert.equal(res.statusCode, 201, res.body)
  return res.json<{ client_id: string }>().client_id
}

async function createHook(app: TestApp, triggerId: string, script: string): Promise<string> {
  const res = await app.api('POST', '/api/v2/hooks', { name: triggerId, script, triggerId })
  assert.equal(res.statusCode, 201, res.body)
  assert.equal(res.json<{ enabled: boolean }>().enabled, true)
  return res.json<{ id: string }>().id
}

function signup(
  app: TestApp,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url: '/dbconnections/signup',
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify(body),
  })
}

function signupBody(clientId: string, extra: Record<string, unknown> = {}) {
  return {
    client_id: clientId,
    email: 'ada@example.com',
    password: PASSWORD,
    connection: CONNECTION,
    ...extra,
  }
}

async function getUser(app: TestApp, id: string): Promise<Record<string, unknown>> {
  const res = await app.api('GET', `/api/v2/users/${encodeURIComponent(`auth0|${id}`)}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json()
}

async function logsOf(app: TestApp, type: string): Promise<TenantLogRecord[]> {
  return (await app.store.listLogs({ type })).items
}

/** Polls the tenant log until an event of `type` exists, up to a deadline. */
async function waitForLog(app: TestApp, type: string): Promise<TenantLogRecord> {
  const deadline = Date.now() + LOG_WAIT_DEADLINE_MS
  for (;;) {
    const [entry] = await logsOf(app, type)
    if (entry !== undefined) return entry
    if (Date.now() > deadline) assert.fail(`no ${type} log event within ${LOG_WAIT_DEADLINE_MS} ms`)
    await sleep(LOG_POLL_INTERVAL_MS)
  }
}

function denied(description: string) {
  return { name: 'BadRequestError', code: 'extensibility_error', description, statusCode: 400 }
}

describe('POST /dbconnections/signup', () => {
  let runner: HookRunner
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    runner = await startAppRunner({ after: (fn) => closers.push(fn) })
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('creates the user without hooks and answers Auth0’s body', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const res = await signup(
      app,
      signupBody(clientId, { username: 'ada', user_metadata: { hobby: 'surfing' } }),
    )
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ _id: string }>()
    assert.match(body._id, /^[0-9a-f]+$/)
    assert.deepStrictEqual(body, {
      _id: body._id,
      email_verified: false,
      email: 'ada@example.com',
      username: 'ada',
      user_metadata: { hobby: 'surfing' },
    })
    const user = await getUser(app, body._id)
    assert.equal(user.email, 'ada@example.com')
    assert.deepStrictEqual(user.user_metadata, { hobby: 'surfing' })
    assert.deepStrictEqual(user.app_metadata, {})
    const [ss] = await logsOf(app, 'ss')
    assert.ok(ss)
    assert.equal(ss.userId, `auth0|${body._id}`)
    assert.equal(ss.clientId, clientId)
    assert.equal(ss.clientName, 'Signup App')
    assert.deepStrictEqual(ss.details, { connection: CONNECTION })
  })

  it('accepts a form body and answers only the fields the user has', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const res = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/signup',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(signupBody(clientId)).toString(),
    })
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ _id: string }>()
    assert.deepStrictEqual(body, { _id: body._id, email_verified: false, email: 'ada@example.com' })
  })

  it('stores the metadata a pre-user-registration hook returns, hook keys winning (Q20)', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) {
        var seen = Object.assign({}, user, { password: typeof user.password })
        console.log(JSON.stringify({ user: seen, context: context.connection, req: context.request,
          lang: context.requestLanguage }))
        console.log('the password is ' + user.password)
        cb(null, { user: {
          email: 'evil@example.com',
          user_metadata: { hobby: 'chess', plan: 'trial' },
          app_metadata: { tier: 'gold' },
        } })
      }`,
    )
    const res = await signup(
      app,
      signupBody(clientId, {
        phone_number: '+15550100',
        user_metadata: { hobby: 'surfing', color: 'blue' },
      }),
      { 'accept-language': 'fr-CA,fr;q=0.9' },
    )
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ _id: string }>()
    const user = await getUser(app, body._id)
    assert.equal(user.email, 'ada@example.com', 'only metadata is taken from the result')
    assert.deepStrictEqual(user.user_metadata, { hobby: 'chess', color: 'blue', plan: 'trial' })
    assert.deepStrictEqual(user.app_metadata, { tier: 'gold' })

    const [ss] = await logsOf(app, 'ss')
    const hook = ss?.details.hook as { outcome: string; logs: { message: string }[] }
    assert.equal(hook.outcome, 'ok')
    const [payloadLine, passwordLine] = hook.logs.map((l) => l.message)
    const connection = await app.store.getConnectionByName(CONNECTION)
    assert.deepStrictEqual(JSON.parse(payloadLine ?? ''), {
      user: {
        tenant: 'openhooks',
        password: 'string',
        email: 'ada@example.com',
        emailVerified: false,
        phoneNumber: '+15550100',
        phoneNumberVerified: false,
        user_metadata: { hobby: 'surfing', color: 'blue' },
        app_metadata: {},
      },
      context: { id: connection?.id, name: CONNECTION, tenant: 'openhooks' },
      req: { ip: '127.0.0.1', language: 'fr-ca' },
      lang: 'fr-ca',
    })
    assert.equal(passwordLine, 'the password is [password]')
  })

  it('denies a result with a "$" or "." metadata key (Q19) and stores nothing', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) {
        cb(null, { user: { app_metadata: { nested: { 'a.b': 1 } } } })
      }`,
    )
    const res = await signup(app, signupBody(clientId))
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(
      res.json(),
      denied(
        'Invalid metadata key app_metadata.nested.a.b: keys must not start with "$" or contain "."',
      ),
    )
    assert.equal((await app.store.listUsers()).total, 0)
  })

  it('denies with PreUserRegistrationError: the first message answers, both are logged', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const hookId = await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) {
        console.log('checking', user.email)
        cb(new PreUserRegistrationError('log msg', 'friendly msg'))
      }`,
    )
    const res = await signup(app, signupBody(clientId))
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), denied('log msg'))
    assert.equal((await app.store.listUsers()).total, 0)
    assert.equal((await logsOf(app, 'ss')).length, 0)
    const [fs] = await logsOf(app, 'fs')
    assert.ok(fs)
    assert.equal(fs.description, 'log msg')
    assert.equal(fs.hookId, hookId)
    assert.equal(fs.clientId, clientId)
    assert.equal(fs.userName, 'ada@example.com')
    const hook = fs.details.hook as Record<string, unknown>
    assert.equal(fs.details.error, 'extensibility_error')
    assert.equal(hook.id, hookId)
    assert.equal(hook.outcome, 'hook-error')
    assert.equal(hook.message, 'log msg')
    assert.equal(hook.friendlyMessage, 'friendly msg')
    assert.equal(typeof hook.durationMs, 'number')
    assert.deepStrictEqual(
      (hook.logs as { message: string }[]).map((l) => l.message),
      ['checking ada@example.com'],
    )
  })

  it('denies with any other error, thrown or passed to cb', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const hookId = await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) { cb(new Error('plain failure')) }`,
    )
    const res = await signup(app, signupBody(clientId))
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), denied('plain failure'))
    await app.api('PATCH', `/api/v2/hooks/${hookId}`, {
      script: `module.exports = function (user, context, cb) { throw new TypeError('thrown') }`,
    })
    const thrown = await signup(app, signupBody(clientId))
    assert.deepStrictEqual(thrown.json(), denied('thrown'))
    assert.equal((await app.store.listUsers()).total, 0)
    assert.equal((await logsOf(app, 'fs')).length, 2)
  })

  it('denies on a pre hook timeout with Auth0’s timeout text', async (t) => {
    const quick = await startAppRunner(t, {
      timeoutMs: HOOK_TIMEOUT_MS,
      entryTimeoutMs: HOOK_TIMEOUT_MS,
    })
    const app = await buildTestApp(t, { runner: quick })
    const clientId = await createClient(app)
    await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) {}`,
    )
    const started = Date.now()
    const res = await signup(app, signupBody(clientId))
    assert.ok(Date.now() - started < HOOK_TIMEOUT_MS + ANSWER_SLACK_MS)
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), denied('Request to Webtask exceeded allowed execution time'))
    assert.equal((await app.store.listUsers()).total, 0)
    const [fs] = await logsOf(app, 'fs')
    assert.equal((fs?.details.hook as { outcome: string }).outcome, 'timeout')
  })

  it('answers 500 server_error when the sandbox itself fails, and stores nothing', async (t) => {
    // No runner: every run ends as a sandbox crash (test/helpers NO_SANDBOX).
    const app = await buildTestApp(t)
    const clientId = await createClient(app)
    await createHook(app, 'pre-user-registration', 'module.exports = function (u, c, cb) { cb() }')
    const res = await signup(app, signupBody(clientId))
    assert.equal(res.statusCode, 500)
    assert.deepStrictEqual(res.json(), {
      name: 'InternalServerError',
      code: 'server_error',
      description: 'The hook could not be run',
      statusCode: 500,
    })
    assert.equal((await app.store.listUsers()).total, 0)
    const [fs] = await logsOf(app, 'fs')
    assert.equal((fs?.details.hook as { outcome: string }).outcome, 'crash')
  })

  it('runs post-user-registration after the commit; a throw writes fpurh, not the response', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const hookId = await createHook(
      app,
      'post-user-registration',
      `module.exports = function (user, context, cb) {
        console.log(JSON.stringify({ user: user, context: context.connection }))
        throw new Error('post failed')
      }`,
    )
    const res = await signup(app, signupBody(clientId, { user_metadata: { a: 'b' } }))
    assert.equal(res.statusCode, 200, res.body)
    const body = res.json<{ _id: string }>()
    assert.deepStrictEqual(body, {
      _id: body._id,
      email_verified: false,
      email: 'ada@example.com',
      user_metadata: { a: 'b' },
    })
    const fpurh = await waitForLog(app, 'fpurh')
    assert.equal(fpurh.description, 'post failed')
    assert.equal(fpurh.hookId, hookId)
    assert.equal(fpurh.userId, `auth0|${body._id}`)
    const hook = fpurh.details.hook as { outcome: string; logs: { message: string }[] }
    assert.equal(hook.outcome, 'hook-error')
    const connection = await app.store.getConnectionByName(CONNECTION)
    assert.deepStrictEqual(JSON.parse(hook.logs[0]?.message ?? ''), {
      user: {
        id: body._id,
        tenant: 'openhooks',
        email: 'ada@example.com',
        emailVerified: false,
        phoneNumberVerified: false,
        user_metadata: { a: 'b' },
        app_metadata: {},
      },
      context: { id: connection?.id, name: CONNECTION, tenant: 'openhooks' },
    })
    assert.equal((await logsOf(app, 'ss')).length, 1)
  })

  it('does not wait for a post hook that never calls back', async (t) => {
    const silent = await startAppRunner(t, {
      timeoutMs: SILENT_POST_HOOK_TIMEOUT_MS,
      entryTimeoutMs: SILENT_POST_HOOK_TIMEOUT_MS,
    })
    const app = await buildTestApp(t, { runner: silent })
    const clientId = await createClient(app)
    await createHook(
      app,
      'post-user-registration',
      `module.exports = function (user, context, cb) {}`,
    )
    const res = await signup(app, signupBody(clientId))
    assert.equal(res.statusCode, 200, res.body)
    // The response came before the hook's deadline: its failure is not logged yet.
    assert.equal((await logsOf(app, 'fpurh')).length, 0)
    const body = res.json<{ _id: string }>()
    assert.deepStrictEqual(body, { _id: body._id, email_verified: false, email: 'ada@example.com' })
    const fpurh = await waitForLog(app, 'fpurh')
    assert.equal(
      fpurh.description,
      `The hook did not complete within its time limit of ${SILENT_POST_HOOK_TIMEOUT_MS} ms (timeoutMs)`,
    )
    assert.ok((await getUser(app, body._id)).user_id)
  })

  it('answers user_exists for a taken e-mail (any case) or username', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    assert.equal((await signup(app, signupBody(clientId, { username: 'ada' }))).statusCode, 200)
    const exists = {
      name: 'BadRequestError',
      code: 'user_exists',
      description: 'The user already exists.',
      statusCode: 400,
    }
    const again = await signup(app, signupBody(clientId, { email: 'ADA@example.com' }))
    assert.equal(again.statusCode, 400)
    assert.deepStrictEqual(again.json(), exists)
    const sameName = await signup(
      app,
      signupBody(clientId, { email: 'other@example.com', username: 'ada' }),
    )
    assert.deepStrictEqual(sameName.json(), exists)
    assert.equal((await app.store.listUsers()).total, 1)
    assert.equal((await logsOf(app, 'fs')).length, 2)
  })

  it('answers Auth0’s PasswordStrengthError for a weak password, before any hook', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) { cb(new Error('must not run')) }`,
    )
    const res = await signup(app, signupBody(clientId, { password: 'abc' }))
    assert.equal(res.statusCode, 400)
    assert.deepStrictEqual(res.json(), {
      name: 'PasswordStrengthError',
      message: 'Password is too weak',
      code: 'invalid_password',
      description: {
        rules: [
          {
            message: 'At least %d characters in length',
            format: [8],
            code: 'lengthAtLeast',
            verified: false,
          },
          {
            message: 'Contain at least %d of the following %d types of characters:',
            format: [3, 4],
            code: 'containsAtLeast',
            verified: false,
            items: [
              { message: 'lower case letters (a-z)', code: 'lowerCase', verified: true },
              { message: 'upper case letters (A-Z)', code: 'upperCase', verified: false },
              { message: 'numbers (i.e. 0-9)', code: 'numbers', verified: false },
              {
                message: 'special characters (e.g. !@#$%^&*)',
                code: 'specialCharacters',
                verified: false,
              },
            ],
          },
        ],
        verified: false,
      },
      policy: [
        '* At least 8 characters in length',
        '* Contain at least 3 of the following 4 types of characters:',
        '  * lower case letters (a-z)',
        '  * upper case letters (A-Z)',
        '  * numbers (i.e. 0-9)',
        '  * special characters (e.g. !@#$%^&*)',
      ].join('\n'),
      statusCode: 400,
    })
    const [fs] = await logsOf(app, 'fs')
    assert.equal(fs?.description, 'Password is too weak')
    assert.equal(fs.details.hook, undefined)
  })

  it('answers invalid_signup and invalid_body for bad requests', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const invalid = (description: string) => ({
      name: 'BadRequestError',
      code: 'invalid_signup',
      description,
      statusCode: 400,
    })
    const cases: [Record<string, unknown>, string][] = [
      [{ ...signupBody(clientId), password: undefined }, 'Missing required parameter: password'],
      [{ ...signupBody(clientId), email: '' }, 'Missing required parameter: email'],
      [{ ...signupBody(clientId), client_id: undefined }, 'Missing required parameter: client_id'],
      [{ ...signupBody(clientId), email: 'not-an-email' }, 'Invalid email address'],
      [{ ...signupBody(clientId), email: ['a@b.c'] }, 'Parameter email must be a single string'],
      [signupBody('nope'), 'Unknown client: nope'],
      [{ ...signupBody(clientId), connection: 'other' }, 'Connection does not exist: other'],
      [{ ...signupBody(clientId), user_metadata: 'x' }, 'user_metadata must be an object'],
      [
        { ...signupBody(clientId), user_metadata: { n: 1 } },
        'user_metadata values must be strings of at most 500 characters',
      ],
    ]
    for (const [body, description] of cases) {
      const res = await signup(app, body)
      assert.equal(res.statusCode, 400, description)
      assert.deepStrictEqual(res.json(), invalid(description))
    }
    const badJson = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"client_id":',
    })
    assert.equal(badJson.statusCode, 400)
    assert.deepStrictEqual(badJson.json(), {
      name: 'BadRequestError',
      code: 'invalid_body',
      description: 'Invalid request payload JSON format',
      statusCode: 400,
    })
    const text = await app.server.inject({
      method: 'POST',
      url: '/dbconnections/signup',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    })
    assert.equal(text.statusCode, 400)
    assert.equal(text.json<{ code: string }>().code, 'invalid_body')
    assert.equal((await app.store.listUsers()).total, 0)
  })

  it('never puts the password in a response, a server log or a tenant log', async (t) => {
    const app = await buildTestApp(t, { runner })
    const clientId = await createClient(app)
    const preId = await createHook(
      app,
      'pre-user-registration',
      `module.exports = function (user, context, cb) {
        console.log('pre', user.password)
        if (user.email.indexOf('deny') === 0) return cb(new Error('no ' + user.password))
        cb(null, { user: { user_metadata: { echoed: 'x' } } })
      }`,
    )
    await createHook(
      app,
      'post-user-registration',
      `module.exports = function (user, context, cb) {
        console.log('post', JSON.stringify(user))
        cb(new Error('post'))
      }`,
    )
    const responses = [
      await signup(app, signupBody(clientId)),
      await signup(app, signupBody(clientId)),
      await signup(app, signupBody(clientId, { email: 'deny@example.com' })),
      await signup(app, signupBody(clientId, { email: 'weak@example.com', password: 'weakpass' })),
    ]
    assert.deepStrictEqual(
      responses.map((r) => r.statusCode),
      [200, 400, 400, 400],
    )
    assert.deepStrictEqual(responses[2]?.json(), denied('no [password]'))
    await waitForLog(app, 'fpurh')
    await app.api('PATCH', `/api/v2/hooks/${preId}`, { enabled: false })
    const everything = await app.store.listLogs({})
    assert.ok(everything.total >= 5)
    const logsApi = await app.api('GET', '/api/v2/logs?per_page=100')
    for (const text of [
      ...responses.map((r) => r.body),
      JSON.stringify(everything.items),
      logsApi.body,
      app.logText(),
    ]) {
      assert.ok(!text.includes(PASSWORD), `password found in: ${text.slice(0, 200)}`)
      assert.ok(!text.includes('weakpass'))
    }
  })
})
