/**
 * Security review, finding 3 (last point): wrong client secrets are throttled per client and address
 * on every grant of `/oauth/token` and on `/mfa/challenge`, not only on `client_credentials`: all
 * of them authenticate the client through one module (src/flows/client-auth.ts). Past the
 * brute-force limit (10 by default) the right secret from the same address answers 429
 * `too_many_attempts`; another address is not affected.
 */
import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js'

const API = 'https://api.example.com/'
const EMAIL = 'ann@example.com'
const PASSWORD = 'Correct-horse-battery-9'
const CONNECTION = 'Username-Password-Authentication'
const ATTACKER = '203.0.113.9'
const OTHER = '198.51.100.4'
const MFA_OOB = 'http://auth0.com/oauth/grant-type/mfa-oob'
const MFA_RECOVERY_CODE = 'http://auth0.com/oauth/grant-type/mfa-recovery-code'
const PASSWORD_REALM = 'http://auth0.com/oauth/grant-type/password-realm'
/** Auth0's default `max_attempts` of brute-force protection. */
const MAX_ATTEMPTS = 10
const WRONG_SECRET = { error: 'access_denied', error_description: 'Unauthorized' }
const BLOCKED = {
  error: 'too_many_attempts',
  error_description:
    "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it.",
}
const MALFORMED_MFA_TOKEN = { error: 'invalid_grant', error_description: 'Malformed mfa_token' }

interface Setup {
  readonly app: TestApp
  readonly clientId: string
  readonly clientSecret: string
}

async function setUp(t: TestContext): Promise<Setup> {
  const app = await buildTestApp(t)
  const client = await app.api('POST', '/api/v2/clients', {
    name: 'Login App',
    app_type: 'regular_web',
    grant_types: ['password', PASSWORD_REALM, MFA_OOB, MFA_RECOVERY_CODE],
  })
  assert.equal(client.statusCode, 201, client.body)
  const { client_id: clientId, client_secret: clientSecret } = client.json<{
    client_id: string
    client_secret: string
  }>()
  const api = await app.api('POST', '/api/v2/resource-servers', {
    identifier: API,
    scopes: [{ value: 'read:things' }],
  })
  assert.equal(api.statusCode, 201, api.body)
  const user = await app.api('POST', '/api/v2/users', {
    connection: CONNECTION,
    email: EMAIL,
    password: PASSWORD,
  })
  assert.equal(user.statusCode, 201, user.body)
  return { app, clientId, clientSecret }
}

/** The right secret from another address gets tokens: status and token type. */
function issued(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 200, response.body)
  assert.equal(response.json<{ token_type: string }>().token_type, 'Bearer')
}

/** The right secret from another address passes client authentication and fails on the token. */
function malformedMfaToken(response: LightMyRequestResponse): void {
  assert.equal(response.statusCode, 403, response.body)
  assert.deepStrictEqual(response.json(), MALFORMED_MFA_TOKEN)
}

const LOGIN = { username: EMAIL, password: PASSWORD, audience: API }
const NO_LIVE_MFA_TOKEN = { mfa_token: 'not-a-live-mfa-token' }

const CASES: readonly {
  readonly name: string
  readonly url: '/oauth/token' | '/mfa/challenge'
  /** The request's fields besides `client_id` and `client_secret`. */
  readonly fields: Readonly<Record<string, string>>
  /** What the right secret from another address gets (status and whole body). */
  readonly unaffected: (response: LightMyRequestResponse) => void
}[] = [
  {
    name: 'password',
    url: '/oauth/token',
    fields: { grant_type: 'password', ...LOGIN },
    unaffected: issued,
  },
  {
    name: 'password-realm',
    url: '/oauth/token',
    fields: { grant_type: PASSWORD_REALM, realm: CONNECTION, ...LOGIN },
    unaffected: issued,
  },
  {
    name: 'mfa-oob',
    url: '/oauth/token',
    fields: {
      grant_type: MFA_OOB,
      ...NO_LIVE_MFA_TOKEN,
      oob_code: 'not-a-live-oob-code',
      binding_code: '000000',
    },
    unaffected: malformedMfaToken,
  },
  {
    name: 'mfa-recovery-code',
    url: '/oauth/token',
    fields: {
      grant_type: MFA_RECOVERY_CODE,
      ...NO_LIVE_MFA_TOKEN,
      recovery_code: 'ABCDEFGHJKLMNPQRSTUVWXYZ',
    },
    unaffected: malformedMfaToken,
  },
  {
    name: '/mfa/challenge',
    url: '/mfa/challenge',
    fields: { ...NO_LIVE_MFA_TOKEN, challenge_type: 'oob' },
    unaffected: malformedMfaToken,
  },
]

describe('wrong client secrets are throttled on every grant (finding 3)', () => {
  for (const { name, url, fields, unaffected } of CASES) {
    it(`${name}: per client and address, as on client_credentials`, async (t) => {
      const s = await setUp(t)
      /** One request of the grant (or `/mfa/challenge`) with `secret`, from `remoteAddress`. */
      const attempt = (secret: string, remoteAddress: string) =>
        s.app.server.inject({
          method: 'POST',
          url,
          remoteAddress,
          payload: { ...fields, client_id: s.clientId, client_secret: secret },
        })
      for (let i = 0; i < MAX_ATTEMPTS; i++) {
        const wrong = await attempt(`wrong-${i}`, ATTACKER)
        assert.equal(wrong.statusCode, 401, wrong.body)
        assert.deepStrictEqual(wrong.json(), WRONG_SECRET)
      }
      const blocked = await attempt(s.clientSecret, ATTACKER)
      assert.equal(blocked.statusCode, 429, blocked.body)
      assert.deepStrictEqual(blocked.json(), BLOCKED)
      unaffected(await attempt(s.clientSecret, OTHER))
    })
  }
})
