import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { DEFAULT_SMS_TEMPLATES } from '../../src/mfa/guardian.js'
import { buildTestApp } from '../helpers/build-test-app.js'

function invalidBody(message: string) {
  return { statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_body' }
}

describe('Guardian endpoints (/api/v2/guardian)', () => {
  it('enables and reads the SMS factor; lists the factors', async (t) => {
    const app = await buildTestApp(t)
    const before = await app.api('GET', '/api/v2/guardian/factors/sms')
    assert.equal(before.statusCode, 200)
    assert.deepStrictEqual(before.json(), { enabled: false })

    const put = await app.api('PUT', '/api/v2/guardian/factors/sms', { enabled: true })
    assert.equal(put.statusCode, 200, put.body)
    assert.deepStrictEqual(put.json(), { enabled: true })
    assert.deepStrictEqual((await app.api('GET', '/api/v2/guardian/factors/sms')).json(), {
      enabled: true,
    })

    const list = await app.api('GET', '/api/v2/guardian/factors')
    assert.equal(list.statusCode, 200)
    assert.deepStrictEqual(list.json(), [
      { name: 'push-notification', enabled: false, trial_expired: false },
      { name: 'sms', enabled: true, trial_expired: false },
      { name: 'email', enabled: false, trial_expired: false },
      { name: 'duo', enabled: false, trial_expired: false },
      { name: 'otp', enabled: false, trial_expired: false },
      { name: 'webauthn-roaming', enabled: false, trial_expired: false },
      { name: 'webauthn-platform', enabled: false, trial_expired: false },
      { name: 'recovery-code', enabled: false, trial_expired: false },
    ])
  })

  it('refuses a malformed factor body', async (t) => {
    const app = await buildTestApp(t)
    const res = await app.api('PUT', '/api/v2/guardian/factors/sms', { enabled: 'yes' })
    assert.equal(res.statusCode, 400)
    assert.equal(res.json<{ errorCode: string }>().errorCode, 'invalid_body')
    assert.deepStrictEqual((await app.api('GET', '/api/v2/guardian/factors/sms')).json(), {
      enabled: false,
    })
  })

  it('selects the hook provider and refuses Auth0’s others with a clear 400', async (t) => {
    const app = await buildTestApp(t)
    const url = '/api/v2/guardian/factors/sms/selected-provider'
    assert.deepStrictEqual((await app.api('GET', url)).json(), { provider: 'phone-message-hook' })
    const ok = await app.api('PUT', url, { provider: 'phone-message-hook' })
    assert.equal(ok.statusCode, 200)
    assert.deepStrictEqual(ok.json(), { provider: 'phone-message-hook' })
    for (const provider of ['twilio', 'auth0']) {
      const res = await app.api('PUT', url, { provider })
      assert.equal(res.statusCode, 400)
      assert.deepStrictEqual(
        res.json(),
        invalidBody(
          'openhooks delivers SMS only through the send-phone-message hook: provider must be "phone-message-hook"',
        ),
      )
    }
    assert.deepStrictEqual((await app.api('GET', url)).json(), { provider: 'phone-message-hook' })
  })

  it('reads the default templates, replaces them, and requires {{code}}', async (t) => {
    const app = await buildTestApp(t)
    const url = '/api/v2/guardian/factors/sms/templates'
    assert.deepStrictEqual((await app.api('GET', url)).json(), {
      enrollment_message: DEFAULT_SMS_TEMPLATES.enrollmentMessage,
      verification_message: DEFAULT_SMS_TEMPLATES.verificationMessage,
    })
    const mine = {
      enrollment_message: 'Enroll with {{code}} on {{application.name}}',
      verification_message: 'Your code: {{code}}',
    }
    const put = await app.api('PUT', url, mine)
    assert.equal(put.statusCode, 200, put.body)
    assert.deepStrictEqual(put.json(), mine)
    assert.deepStrictEqual((await app.api('GET', url)).json(), mine)

    const bad = await app.api('PUT', url, { ...mine, verification_message: 'no code here' })
    assert.equal(bad.statusCode, 400)
    assert.deepStrictEqual(
      bad.json(),
      invalidBody('Payload validation error: verification_message must contain {{code}}'),
    )
    assert.deepStrictEqual((await app.api('GET', url)).json(), mine)
  })

  it('sets the MFA policy to all applications and back to none', async (t) => {
    const app = await buildTestApp(t)
    const url = '/api/v2/guardian/policies'
    assert.deepStrictEqual((await app.api('GET', url)).json(), [])
    const on = await app.api('PUT', url, ['all-applications'])
    assert.equal(on.statusCode, 200, on.body)
    assert.deepStrictEqual(on.json(), ['all-applications'])
    assert.deepStrictEqual((await app.api('GET', url)).json(), ['all-applications'])
    const bad = await app.api('PUT', url, ['confidence-score'])
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json<{ errorCode: string }>().errorCode, 'invalid_body')
    const off = await app.api('PUT', url, [])
    assert.deepStrictEqual(off.json(), [])
    assert.deepStrictEqual((await app.api('GET', url)).json(), [])
  })

  it('requires the Guardian scopes', async (t) => {
    const app = await buildTestApp(t)
    const token = await app.token(['read:guardian_factors'])
    const cases = [
      {
        method: 'PUT' as const,
        url: '/api/v2/guardian/factors/sms',
        scope: 'update:guardian_factors',
        body: { enabled: true },
      },
      { method: 'GET' as const, url: '/api/v2/guardian/policies', scope: 'read:mfa_policies' },
      {
        method: 'PUT' as const,
        url: '/api/v2/guardian/policies',
        scope: 'update:mfa_policies',
        body: [],
      },
    ]
    for (const c of cases) {
      const res = await app.server.inject({
        method: c.method,
        url: c.url,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(c.body !== undefined ? { payload: JSON.stringify(c.body) } : undefined),
      })
      assert.equal(res.statusCode, 403, c.url)
      assert.deepStrictEqual(res.json(), {
        statusCode: 403,
        error: 'Forbidden',
        message: `Insufficient scope, expected any of: ${c.scope}`,
        errorCode: 'insufficient_scope',
      })
    }
  })
})
