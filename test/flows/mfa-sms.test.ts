import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { decodeJwt } from 'jose'
import type { HookRunner } from '../../src/sandbox/runner.js'
import type { TenantLogRecord } from '../../src/storage/store.js'
import {
  buildTestApp,
  startAppRunner,
  type TestApp,
  type TestAppOptions,
} from '../helpers/build-test-app.js'
import { RecordingRunner } from '../helpers/recording-runner.js'
import { startSmsSink, type SmsSink } from '../helpers/sms-sink.js'
import { loadConfig } from '../../src/config/load-config.js'

/** Per-call deadline of the suite's runner: short, so that the "never calls back" case is quick. */
const HOOK_TIMEOUT_MS = 1_500
const CONNECTION = 'Username-Password-Authentication'
const EMAIL = 'grace@example.com'
const PASSWORD = 'Xk7-Unique-Pa55word!'
const PHONE = '+15555550123'
const API = 'https://api.example.test/'
const MFA_OOB = 'http://auth0.com/oauth/grant-type/mfa-oob'
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm'
const RECOVERY = 'http://auth0.com/oauth/grant-type/mfa-recovery-code'

/**
 * Delivers the text to the SMS sink (its URL is a hook secret) with \`fetch\`, as a hook would call
 * a provider; logs the text and the code, which must never reach a log.
 */
const DELIVERING_HOOK = `module.exports = function (recipient, text, context, cb) {
  console.log('sending', text, 'code', context.code, 'to', recipient)
  fetch(context.webtask.secrets.SMS_SINK_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: recipient, text: text })
  })
    .then(function (res) {
      if (!res.ok) throw new SendPhoneMessageError('sink answered ' + res.status, 'The text message could not be sent')
      return res.json()
    })
    .then(function (body) { cb(null, { id: body.id }) })
    .catch(function (err) { cb(err) })
}`

/** The code in a message of the default templates, which start with it. */
function codeIn(text: string): string {
  const code = /^([0-9]{6}) /.exec(text)?.[1]
  assert.ok(code !== undefined, `no code at the start of ${JSON.stringify(text)}`)
  return code
}

interface Setup {
  readonly app: TestApp
  readonly recorder: RecordingRunner
  readonly clientId: string
  readonly clientSecret: string
  readonly userId: string
  readonly hookId: string | undefined
}

async function setUp(
  t: Parameters<typeof buildTestApp>[0],
  runner: HookRunner,
  sink: SmsSink,
  options: { hook?: string | null; env?: Record<string, string>; now?: () => number } = {},
): Promise<Setup> {
  const recorder = new RecordingRunner(runner)
  const appOptions: TestAppOptions = {
    runner: recorder,
    ...(options.env !== undefined ? { env: options.env } : undefined),
    ...(options.now !== undefined ? { now: options.now } : undefined),
  }
  const app = await buildTestApp(t, appOptions)
  const client = await app.api('POST', '/api/v2/clients', {
    name: 'Phone App',
    app_type: 'regular_web',
    grant_types: ['password', PASSWORD_REALM, MFA_OOB, RECOVERY],
  })
  assert.equal(client.statusCode, 201, client.body)
  const { client_id: clientId, client_secret: clientSecret } = client.json<{
    client_id: string
    client_secret: string
  }>()
  const api = await app.api('POST', '/api/v2/resource-servers', {
    identifier: API,
    name: 'Example API',
    scopes: [{ value: 'read:things', description: 'Read things' }],
  })
  assert.equal(api.statusCode, 201, api.body)
  const signup = await app.server.inject({
    method: 'POST',
    url: '/dbconnections/signup',
    payload: { client_id: clientId, email: EMAIL, password: PASSWORD, connection: CONNECTION },
  })
  assert.equal(signup.statusCode, 200, signup.body)
  let hookId: string | undefined
  const script = options.hook === undefined ? DELIVERING_HOOK : options.hook
  if (script !== null) {
    const hook = await app.api('POST', '/api/v2/hooks', {
      name: 'sms-sender',
      script,
      triggerId: 'send-phone-message',
    })
    assert.equal(hook.statusCode, 201, hook.body)
    hookId = hook.json<{ id: string }>().id
    const secret = await app.api('POST', `/api/v2/hooks/${hookId}/secrets`, {
      SMS_SINK_URL: sink.url,
    })
    assert.equal(secret.statusCode, 201, secret.body)
  }
  return {
    app,
    recorder,
    clientId,
    clientSecret,
    userId: signup.json<{ _id: string }>()._id,
    hookId,
  }
}

async function enableMfa(app: TestApp): Promise<void> {
  for (const [url, body] of [
    ['/api/v2/guardian/factors/sms', { enabled: true }],
    ['/api/v2/guardian/factors/sms/selected-provider', { provider: 'phone-message-hook' }],
    ['/api/v2/guardian/policies', ['all-applications']],
  ] as const) {
    const res = await app.api('PUT', url, body)
    assert.equal(res.statusCode, 200, res.body)
  }
}

function post(
  app: TestApp,
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.server.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', 'user-agent': 'mfa-test/1.0', ...headers },
    payload: JSON.stringify(body),
  })
}

function passwordLogin(s: Setup, password = PASSWORD): Promise<LightMyRequestResponse> {
  return post(s.app, '/oauth/token', {
    grant_type: 'password',
    client_id: s.clientId,
    client_secret: s.clientSecret,
    username: EMAIL,
    password,
    audience: API,
    scope: 'read:things unknown:scope',
  })
}

/** A password login that must answer mfa_required; returns the mfa_token. */
async function mfaToken(s: Setup): Promise<string> {
  const res = await passwordLogin(s)
  assert.equal(res.statusCode, 403, res.body)
  const body = res.json<{ mfa_token: string }>()
  assert.match(body.mfa_token, /^[A-Za-z0-9_-]{43}$/)
  assert.deepStrictEqual(body, {
    error: 'mfa_required',
    error_description: 'Multifactor authentication required',
    mfa_token: body.mfa_token,
  })
  return body.mfa_token
}

function associate(s: Setup, token: string, phone = PHONE): Promise<LightMyRequestResponse> {
  return post(
    s.app,
    '/mfa/associate',
    { authenticator_types: ['oob'], oob_channels: ['sms'], phone_number: phone },
    { authorization: `Bearer ${token}`, 'accept-language': 'fr-CA,fr;q=0.8' },
  )
}

function challenge(s: Setup, token: string): Promise<LightMyRequestResponse> {
  return post(s.app, '/mfa/challenge', {
    client_id: s.clientId,
    client_secret: s.clientSecret,
    mfa_token: token,
    challenge_type: 'oob',
  })
}

function oobToken(
  s: Setup,
  token: string,
  oobCode: string,
  bindingCode: string,
): Promise<LightMyRequestResponse> {
  return post(s.app, '/oauth/token', {
    grant_type: MFA_OOB,
    client_id: s.clientId,
    client_secret: s.clientSecret,
    mfa_token: token,
    oob_code: oobCode,
    binding_code: bindingCode,
  })
}

async function logsOf(app: TestApp, type: string): Promise<TenantLogRecord[]> {
  return (await app.store.listLogs({ type })).items
}

/** Tenant logs are written without awaiting the response: poll briefly. */
async function waitForLogs(app: TestApp, type: string, count = 1): Promise<TenantLogRecord[]> {
  // A deadline for a missing event, not a slow one.
  const deadline = Date.now() + 60_000
  for (;;) {
    const items = await logsOf(app, type)
    if (items.length >= count) return items
    if (Date.now() > deadline)
      assert.fail(`expected ${count} ${type} event(s), got ${items.length}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** The code appears nowhere in the server log or the tenant log. */
async function assertCodeNeverLogged(app: TestApp, code: string): Promise<void> {
  // Not inside a longer number (timestamps, durations), which would only be a coincidence.
  const alone = new RegExp(`(?<![0-9])${code}(?![0-9])`)
  assert.doesNotMatch(app.logText(), alone, 'the code reached the server log')
  const all = (await app.store.listLogs({})).items
  assert.doesNotMatch(JSON.stringify(all), alone, 'the code reached the tenant log')
}

function tokenBody(res: LightMyRequestResponse) {
  const body = res.json<{ access_token: string }>()
  assert.deepStrictEqual(body, {
    access_token: body.access_token,
    token_type: 'Bearer',
    expires_in: 86_400,
    scope: 'read:things',
  })
  return decodeJwt(body.access_token)
}

describe('MFA by SMS through the send-phone-message hook', () => {
  let runner: HookRunner
  let sink: SmsSink
  const closers: (() => Promise<void>)[] = []
  before(async () => {
    sink = await startSmsSink()
    closers.push(() => sink.close())
    // The hooks may reach the sink and nothing else: the allow-list comes from the environment
    // variables main.ts reads (OPENHOOKS_EGRESS, OPENHOOKS_EGRESS_ALLOW).
    const { egress } = loadConfig({
      OPENHOOKS_EGRESS: 'allowlist',
      OPENHOOKS_EGRESS_ALLOW: sink.hostPort,
    }).sandbox
    runner = await startAppRunner(
      { after: (fn) => closers.push(fn) },
      { timeoutMs: HOOK_TIMEOUT_MS, entryTimeoutMs: HOOK_TIMEOUT_MS },
      egress,
    )
  })
  after(async () => {
    await Promise.all(closers.map((close) => close()))
  })

  it('completes the whole journey: enrollment, then a challenge on the next login', async (t) => {
    const s = await setUp(t, runner, sink)

    // Without a policy, the password grant answers the tokens.
    const plain = await passwordLogin(s)
    assert.equal(plain.statusCode, 200, plain.body)
    const plainClaims = tokenBody(plain)
    assert.equal(plainClaims.sub, `auth0|${s.userId}`)
    assert.equal(plainClaims.gty, 'password')

    await enableMfa(s.app)
    const token = await mfaToken(s)

    const enrolled = await associate(s, token)
    assert.equal(enrolled.statusCode, 200, enrolled.body)
    const enrollment = enrolled.json<{ oob_code: string; recovery_codes: string[] }>()
    assert.match(enrollment.oob_code, /^[A-Za-z0-9_-]{43}$/)
    assert.match(enrollment.recovery_codes[0] ?? '', /^[A-Z2-9]{24}$/)
    assert.deepStrictEqual(enrollment, {
      authenticator_type: 'oob',
      binding_method: 'prompt',
      oob_channel: 'sms',
      oob_code: enrollment.oob_code,
      recovery_codes: enrollment.recovery_codes,
    })

    // The hook delivered the text to the sink; the code comes from there, as from a phone.
    const delivered = sink.messages.at(-1)
    assert.ok(delivered)
    assert.equal(delivered.to, PHONE)
    const code = codeIn(delivered.text)
    const sms = s.recorder.last()
    assert.equal(sms.context.code, code)
    assert.equal(sms.recipient, PHONE)
    assert.equal(sms.text, delivered.text)
    assert.equal(
      sms.text,
      `${code} is the code that confirms this phone for signing in to Phone App. It expires in 5 minutes.`,
    )
    const { webtask, ...context } = sms.context
    assert.deepStrictEqual(context, {
      message_type: 'sms',
      action: 'enrollment',
      language: 'fr-ca',
      code,
      ip: '127.0.0.1',
      user_agent: 'mfa-test/1.0',
      client: { client_id: s.clientId, name: 'Phone App', client_metadata: {} },
      user: {
        user_id: `auth0|${s.userId}`,
        name: EMAIL,
        email: EMAIL,
        app_metadata: {},
        user_metadata: {},
      },
    })
    assert.deepStrictEqual((webtask as { secrets: unknown }).secrets, { SMS_SINK_URL: sink.url })

    const listed = await s.app.server.inject({
      method: 'GET',
      url: '/mfa/authenticators',
      headers: { authorization: `Bearer ${token}` },
    })
    const [pending] = listed.json<{ id: string }[]>()
    assert.ok(pending)
    assert.match(pending.id, /^sms\|dev_/)
    assert.deepStrictEqual(listed.json(), [
      {
        id: pending.id,
        authenticator_type: 'oob',
        oob_channel: 'sms',
        name: '********0123',
        active: false,
      },
    ])

    const done = await oobToken(s, token, enrollment.oob_code, code)
    assert.equal(done.statusCode, 200, done.body)
    const claims = tokenBody(done)
    assert.equal(claims.sub, `auth0|${s.userId}`)
    assert.equal(claims.azp, s.clientId)
    assert.equal(claims.aud, API)
    assert.equal(claims.gty, 'mfa-oob')

    // The code is single-use.
    const replay = await oobToken(s, token, enrollment.oob_code, code)
    assert.equal(replay.statusCode, 403)
    assert.deepStrictEqual(replay.json(), {
      error: 'invalid_grant',
      error_description: 'The oob_code has already been used.',
    })

    const [sent] = await waitForLogs(s.app, 'gd_send_sms')
    assert.ok(sent)
    assert.equal(sent.hookId, s.hookId)
    assert.equal(sent.userId, `auth0|${s.userId}`)
    assert.equal(sent.clientId, s.clientId)
    assert.deepStrictEqual(
      { ...sent.details, hook: undefined },
      { action: 'enrollment', recipient: '********0123', hook: undefined },
    )
    const hookLogs = (sent.details.hook as { logs: { message: string }[] }).logs
    assert.match(
      hookLogs[0]?.message ?? '',
      /^sending \[secret\] is the code .* code \[secret\] to \+15555550123$/,
    )
    await waitForLogs(s.app, 'gd_enrollment_complete')
    await waitForLogs(s.app, 'gd_auth_succeed')
    await waitForLogs(s.app, 'seoobft')

    // The next login: a challenge to the enrolled phone.
    const second = await mfaToken(s)
    const again = await associate(s, second)
    assert.equal(again.statusCode, 403)
    assert.deepStrictEqual(again.json(), {
      error: 'access_denied',
      error_description: 'User is already enrolled.',
    })
    const challenged = await challenge(s, second)
    assert.equal(challenged.statusCode, 200, challenged.body)
    const ch = challenged.json<{ oob_code: string }>()
    assert.deepStrictEqual(ch, {
      challenge_type: 'oob',
      oob_code: ch.oob_code,
      binding_method: 'prompt',
    })
    const sms2 = s.recorder.last()
    assert.equal(sink.messages.at(-1)?.text, sms2.text)
    assert.equal(codeIn(sms2.text), sms2.context.code)
    assert.equal(sms2.context.action, 'second-factor-authentication')
    assert.equal(sms2.context.language, 'en')
    assert.equal(
      sms2.text,
      `${sms2.context.code} is your Phone App sign-in code. It expires in 5 minutes. Do not share it.`,
    )
    const finished = await oobToken(s, second, ch.oob_code, sms2.context.code)
    assert.equal(finished.statusCode, 200, finished.body)
    tokenBody(finished)
    await waitForLogs(s.app, 'gd_send_sms', 2)
    await waitForLogs(s.app, 'gd_auth_succeed', 2)
    assert.equal((await logsOf(s.app, 'gd_enrollment_complete')).length, 1)

    const active = await s.app.server.inject({
      method: 'GET',
      url: '/mfa/authenticators',
      headers: { authorization: `Bearer ${second}` },
    })
    assert.deepStrictEqual(
      active.json<{ active: boolean }[]>().map((a) => a.active),
      [true],
    )
    await assertCodeNeverLogged(s.app, code)
    await assertCodeNeverLogged(s.app, sms2.context.code)

    // Deleting the authenticator un-enrolls the user.
    const removed = await s.app.server.inject({
      method: 'DELETE',
      url: `/mfa/authenticators/${encodeURIComponent(pending.id)}`,
      headers: { authorization: `Bearer ${second}` },
    })
    assert.equal(removed.statusCode, 204)
    const none = await challenge(s, second)
    assert.equal(none.statusCode, 400)
    assert.deepStrictEqual(none.json(), {
      error: 'invalid_request',
      error_description: 'User is not enrolled: associate a phone first',
    })
  })

  it('redeems the recovery code once and rotates it', async (t) => {
    const s = await setUp(t, runner, sink)
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const enrolled = (await associate(s, token)).json<{
      oob_code: string
      recovery_codes: string[]
    }>()
    const [recoveryCode] = enrolled.recovery_codes
    assert.ok(recoveryCode !== undefined)
    const redeem = (mfa: string, code: string) =>
      post(s.app, '/oauth/token', {
        grant_type: RECOVERY,
        client_id: s.clientId,
        client_secret: s.clientSecret,
        mfa_token: mfa,
        recovery_code: code,
      })
    // Not before the enrollment is confirmed.
    const early = await redeem(token, recoveryCode)
    assert.equal(early.statusCode, 403)
    assert.deepStrictEqual(early.json(), {
      error: 'invalid_grant',
      error_description: 'Invalid recovery_code.',
    })
    const code = codeIn(sink.messages.at(-1)?.text ?? '')
    assert.equal((await oobToken(s, token, enrolled.oob_code, code)).statusCode, 200)

    const second = await mfaToken(s)
    const used = await redeem(second, recoveryCode)
    assert.equal(used.statusCode, 200, used.body)
    const body = used.json<{ access_token: string; recovery_code: string }>()
    assert.match(body.recovery_code, /^[A-Z2-9]{24}$/)
    assert.notEqual(body.recovery_code, recoveryCode)
    assert.deepStrictEqual(body, {
      access_token: body.access_token,
      token_type: 'Bearer',
      expires_in: 86_400,
      scope: 'read:things',
      recovery_code: body.recovery_code,
    })
    assert.equal(decodeJwt(body.access_token).gty, 'mfa-recovery-code')
    const again = await redeem(second, recoveryCode)
    assert.equal(again.statusCode, 403)
    assert.equal((await redeem(second, body.recovery_code)).statusCode, 200)
  })

  it('password-realm names the connection; wrong credentials answer Auth0’s invalid_grant', async (t) => {
    const s = await setUp(t, runner, sink)
    const realm = await post(s.app, '/oauth/token', {
      grant_type: PASSWORD_REALM,
      client_id: s.clientId,
      client_secret: s.clientSecret,
      username: EMAIL,
      password: PASSWORD,
      realm: CONNECTION,
      audience: API,
      scope: 'read:things',
    })
    assert.equal(realm.statusCode, 200, realm.body)
    tokenBody(realm)

    const wrong = await passwordLogin(s, 'not-the-password')
    assert.equal(wrong.statusCode, 403)
    assert.deepStrictEqual(wrong.json(), {
      error: 'invalid_grant',
      error_description: 'Wrong email or password.',
    })
    const [failed] = await waitForLogs(s.app, 'fepft')
    assert.equal(failed?.description, 'Wrong email or password.')
    assert.ok(!s.app.logText().includes('not-the-password'))

    const noAudience = await post(s.app, '/oauth/token', {
      grant_type: 'password',
      client_id: s.clientId,
      client_secret: s.clientSecret,
      username: EMAIL,
      password: PASSWORD,
      audience: s.app.config.managementAudience,
    })
    assert.equal(noAudience.statusCode, 403)
    assert.deepStrictEqual(noAudience.json(), {
      error: 'access_denied',
      error_description: `User tokens are not issued for ${s.app.config.managementAudience}`,
    })
  })

  it('refuses the password grant to a client without it', async (t) => {
    const s = await setUp(t, runner, sink)
    const other = await s.app.api('POST', '/api/v2/clients', { name: 'Machine' })
    const { client_id: id, client_secret: secret } = other.json<{
      client_id: string
      client_secret: string
    }>()
    const res = await post(s.app, '/oauth/token', {
      grant_type: 'password',
      client_id: id,
      client_secret: secret,
      username: EMAIL,
      password: PASSWORD,
      audience: API,
    })
    assert.equal(res.statusCode, 403)
    assert.deepStrictEqual(res.json(), {
      error: 'unauthorized_client',
      error_description: "Grant type 'password' not allowed for the client.",
    })
  })

  it('counts wrong codes and spends the challenge after the attempt limit', async (t) => {
    const s = await setUp(t, runner, sink, { env: { OPENHOOKS_MFA_MAX_ATTEMPTS: '2' } })
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const enrolled = (await associate(s, token)).json<{ oob_code: string }>()
    const code = s.recorder.last().context.code
    const wrongCode = code === '000000' ? '111111' : '000000'

    for (let i = 0; i < 2; i += 1) {
      const wrong = await oobToken(s, token, enrolled.oob_code, wrongCode)
      assert.equal(wrong.statusCode, 403)
      assert.deepStrictEqual(wrong.json(), {
        error: 'invalid_grant',
        error_description: 'Invalid binding_code.',
      })
    }
    const spent = await oobToken(s, token, enrolled.oob_code, code)
    assert.equal(spent.statusCode, 403)
    assert.deepStrictEqual(spent.json(), {
      error: 'invalid_grant',
      error_description: 'Too many failed attempts: request a new code.',
    })
    const failures = await waitForLogs(s.app, 'gd_auth_failed', 2)
    assert.deepStrictEqual(failures.map((f) => f.details.attempts).sort(), [1, 2])
    const [exceeded] = await waitForLogs(s.app, 'gd_otp_rate_limit_exceed')
    assert.equal(exceeded?.userId, `auth0|${s.userId}`)
    assert.equal((await logsOf(s.app, 'gd_enrollment_complete')).length, 0)
  })

  it('lets exactly one of parallel verifications of one code through; the others: used', async (t) => {
    const s = await setUp(t, runner, sink)
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const enrolled = (await associate(s, token)).json<{ oob_code: string }>()
    const code = s.recorder.last().context.code
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => oobToken(s, token, enrolled.oob_code, code)),
    )
    assert.deepStrictEqual(answers.map((res) => res.statusCode).sort(), [200, 403, 403, 403, 403])
    for (const res of answers.filter((r) => r.statusCode === 403)) {
      assert.deepStrictEqual(res.json(), {
        error: 'invalid_grant',
        error_description: 'The oob_code has already been used.',
      })
    }
    assert.equal((await waitForLogs(s.app, 'gd_enrollment_complete')).length, 1)
  })

  it('refuses an expired code and an expired mfa_token', async (t) => {
    let clock = Date.parse('2026-11-26T12:00:00Z')
    const s = await setUp(t, runner, sink, { now: () => clock })
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const enrolled = (await associate(s, token)).json<{ oob_code: string }>()
    const code = s.recorder.last().context.code

    clock += 5 * 60 * 1000 + 1
    const expired = await oobToken(s, token, enrolled.oob_code, code)
    assert.equal(expired.statusCode, 403)
    assert.deepStrictEqual(expired.json(), {
      error: 'invalid_grant',
      error_description: 'The oob_code has expired.',
    })
    const [failed] = await waitForLogs(s.app, 'feoobft')
    assert.equal(failed?.description, 'The oob_code has expired.')

    clock += 5 * 60 * 1000
    const stale = await oobToken(s, token, enrolled.oob_code, code)
    assert.equal(stale.statusCode, 401)
    assert.deepStrictEqual(stale.json(), {
      error: 'expired_token',
      error_description: 'mfa_token is expired',
    })
  })

  it('allows 10 messages per hour to one phone, then answers too_many_requests', async (t) => {
    let clock = Date.parse('2026-11-26T12:00:00Z')
    const s = await setUp(t, runner, sink, { now: () => clock })
    await enableMfa(s.app)
    const token = await mfaToken(s)
    for (let i = 0; i < 10; i += 1) {
      const res = await associate(s, token)
      assert.equal(res.statusCode, 200, res.body)
      clock += 1_000
    }
    const limited = await associate(s, token)
    assert.equal(limited.statusCode, 429)
    assert.deepStrictEqual(limited.json(), {
      error: 'too_many_requests',
      error_description: 'Too many text messages were sent to this phone number; try again later',
    })
    assert.equal(s.recorder.phoneMessages.length, 10)
    const [event] = await waitForLogs(s.app, 'gd_send_sms_failure')
    assert.deepStrictEqual(event?.details, {
      action: 'enrollment',
      recipient: '********0123',
      error: 'too_many_requests',
      limit: '10 per hour',
    })
    // Another number is not limited; the first one is again an hour later.
    assert.equal((await associate(s, token, '+15555550199')).statusCode, 200)
    clock += 60 * 60 * 1000
    const token2 = await mfaToken(s)
    assert.equal((await associate(s, token2)).statusCode, 200)
  })

  const failingHooks: [string, string, string, RegExp][] = [
    [
      'SendPhoneMessageError',
      "cb(new SendPhoneMessageError('provider rejected ' + context.code, 'We could not text you'))",
      'We could not text you',
      /^SendPhoneMessageError: provider rejected \[secret\]$/,
    ],
    [
      'a plain Error',
      "cb(new Error('boom ' + context.code))",
      'The verification code could not be sent',
      /^boom \[secret\]$/,
    ],
    [
      'a hook that never calls back',
      '/* no cb */',
      'Request to Webtask exceeded allowed execution time',
      /^The hook did not complete within its time limit of 1500 ms \(timeoutMs\)$/,
    ],
  ]
  for (const [name, body, description, logged] of failingHooks) {
    it(`fails the enrollment on ${name}, logs gd_send_sms_failure and stores nothing`, async (t) => {
      const s = await setUp(t, runner, sink, {
        hook: `module.exports = function (recipient, text, context, cb) { ${body} }`,
      })
      await enableMfa(s.app)
      const token = await mfaToken(s)
      const res = await associate(s, token)
      assert.equal(res.statusCode, 500)
      assert.deepStrictEqual(res.json(), { error: 'server_error', error_description: description })
      const code = s.recorder.last().context.code
      const [event] = await waitForLogs(s.app, 'gd_send_sms_failure')
      assert.ok(event)
      assert.equal(event.hookId, s.hookId)
      assert.equal(event.description, description)
      assert.match((event.details.hook as { error: string }).error, logged)
      await assertCodeNeverLogged(s.app, code)
      const listed = await s.app.server.inject({
        method: 'GET',
        url: '/mfa/authenticators',
        headers: { authorization: `Bearer ${token}` },
      })
      assert.deepStrictEqual(listed.json(), [])
    })
  }

  it('fails the challenge when the provider (the sink) refuses the message', async (t) => {
    const s = await setUp(t, runner, sink)
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const enrolled = (await associate(s, token)).json<{ oob_code: string }>()
    const code = codeIn(sink.messages.at(-1)?.text ?? '')
    assert.equal((await oobToken(s, token, enrolled.oob_code, code)).statusCode, 200)
    sink.failWith = 503
    t.after(() => {
      sink.failWith = undefined
    })
    const res = await challenge(s, await mfaToken(s))
    assert.equal(res.statusCode, 500)
    assert.deepStrictEqual(res.json(), {
      error: 'server_error',
      error_description: 'The text message could not be sent',
    })
    const [event] = await waitForLogs(s.app, 'gd_send_sms_failure')
    assert.ok(event)
    assert.equal(event.details.action, 'second-factor-authentication')
    assert.equal(
      (event.details.hook as { error: string }).error,
      'SendPhoneMessageError: sink answered 503',
    )
  })

  it('fails clearly when no send-phone-message hook is enabled', async (t) => {
    const s = await setUp(t, runner, sink, { hook: null })
    await enableMfa(s.app)
    const token = await mfaToken(s)
    const res = await associate(s, token)
    assert.equal(res.statusCode, 500)
    assert.deepStrictEqual(res.json(), {
      error: 'server_error',
      error_description: 'SMS delivery is not configured: no send-phone-message hook is enabled',
    })
    const [event] = await waitForLogs(s.app, 'gd_send_sms_failure')
    assert.equal(
      event?.description,
      'SMS delivery is not configured: no send-phone-message hook is enabled',
    )
  })

  it('refuses /mfa/associate without a valid mfa_token', async (t) => {
    const s = await setUp(t, runner, sink)
    await enableMfa(s.app)
    const missing = await post(s.app, '/mfa/associate', {
      authenticator_types: ['oob'],
      oob_channels: ['sms'],
      phone_number: PHONE,
    })
    assert.equal(missing.statusCode, 401)
    assert.deepStrictEqual(missing.json(), {
      error: 'unauthorized',
      error_description: 'Authorization header with a Bearer mfa_token is required',
    })
    const bogus = await associate(s, 'bogus-token')
    assert.equal(bogus.statusCode, 403)
    assert.deepStrictEqual(bogus.json(), {
      error: 'invalid_grant',
      error_description: 'Malformed mfa_token',
    })
    const token = await mfaToken(s)
    const badPhone = await associate(s, token, '555-0123')
    assert.equal(badPhone.statusCode, 400)
    assert.deepStrictEqual(badPhone.json(), {
      error: 'invalid_request',
      error_description: 'phone_number must be in E.164 format: + and 8 to 15 digits',
    })
    assert.equal(s.recorder.phoneMessages.length, 0)
  })
})
