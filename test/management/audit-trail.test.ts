// The audit trail (issue 21): every Management API write is one `sapi` tenant log event, every
// refused write one `fapi`, with who, method, path and status, and never a secret value or a
// password; listed by GET /api/v2/logs (q=type:… and hook_id:…) and streamed like every event.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ADMIN_CLIENT_ID, buildTestApp, type TestApp } from '../helpers/build-test-app.js'
import { SCRIPTS, UNKNOWN_HOOK_ID } from '../helpers/management.js'
import { DASHBOARD_OPERATOR_CLAIM } from '../../src/http/management/actor.js'
import { signAccessToken } from '../../src/tokens/access-token.js'
import type { TenantLogRecord } from '../../src/storage/store.js'

const SECRET_VALUE = 'sk_live_audit_secret_value_0042'
const SECOND_SECRET_VALUE = 'rotated-audit-secret-value-0043'
const PASSWORD = 'Audit-Trail-Password-0044!'
const NEW_PASSWORD = 'Audit-Trail-Password-0045?'

interface Write {
  readonly method: 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  readonly url: string
  readonly body?: unknown
}

async function allLogs(app: TestApp, q?: string): Promise<Record<string, unknown>[]> {
  const query = q === undefined ? '' : `&q=${encodeURIComponent(q)}`
  const res = await app.api('GET', `/api/v2/logs?per_page=100${query}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<Record<string, unknown>[]>()
}

describe('Management API audit trail', () => {
  it('writes exactly one sapi per write and one fapi per refused write, without secrets', async (t) => {
    const app = await buildTestApp(t)
    const streamed: TenantLogRecord[] = []
    const stop = app.tenantLog.subscribe((event) => streamed.push(event))
    t.after(stop)
    const sent: { write: Write; status: number; body: string }[] = []
    const send = async (write: Write, token?: string | null) => {
      const res = await app.server.inject({
        method: write.method,
        url: write.url,
        headers: {
          ...(token === null
            ? undefined
            : { authorization: `Bearer ${token ?? (await app.token())}` }),
          ...(write.body !== undefined ? { 'content-type': 'application/json' } : undefined),
          'user-agent': 'audit-test/1.0',
        },
        ...(write.body !== undefined ? { payload: JSON.stringify(write.body) } : undefined),
      })
      sent.push({ write, status: res.statusCode, body: res.body })
      return res
    }

    const created = await send({
      method: 'POST',
      url: '/api/v2/hooks',
      body: {
        name: 'audited',
        script: SCRIPTS['credentials-exchange'],
        triggerId: 'credentials-exchange',
      },
    })
    assert.equal(created.statusCode, 201, created.body)
    const hookId = created.json<{ id: string }>().id
    const hookUrl = `/api/v2/hooks/${hookId}`
    const operatorToken = await signAccessToken(app.signingKeys, {
      issuer: app.config.issuer,
      clientId: ADMIN_CLIENT_ID,
      audience: app.config.managementAudience,
      scopes: ['update:hooks'],
      lifetimeS: 600,
      extraClaims: { [DASHBOARD_OPERATOR_CLAIM]: 'operator@example.com' },
    })
    assert.equal(
      (await send({ method: 'PATCH', url: hookUrl, body: { enabled: true } }, operatorToken))
        .statusCode,
      200,
    )
    const secrets = `${hookUrl}/secrets`
    assert.equal(
      (await send({ method: 'POST', url: secrets, body: { API_KEY: SECRET_VALUE } })).statusCode,
      201,
    )
    assert.equal(
      (await send({ method: 'PATCH', url: secrets, body: { API_KEY: SECOND_SECRET_VALUE } }))
        .statusCode,
      201,
    )
    const user = await send({
      method: 'POST',
      url: '/api/v2/users',
      body: {
        connection: 'Username-Password-Authentication',
        email: 'audit@example.com',
        password: PASSWORD,
      },
    })
    assert.equal(user.statusCode, 201, user.body)
    const userId = user.json<{ user_id: string }>().user_id
    const userUrl = `/api/v2/users/${encodeURIComponent(userId)}`
    assert.equal(
      (await send({ method: 'PATCH', url: userUrl, body: { password: NEW_PASSWORD } })).statusCode,
      200,
    )
    const client = await send({
      method: 'POST',
      url: '/api/v2/clients',
      body: { name: 'audited client' },
    })
    assert.equal(client.statusCode, 201, client.body)
    const { client_id: clientId, client_secret: clientSecret } = client.json<{
      client_id: string
      client_secret: string
    }>()
    const rotated = await send({ method: 'POST', url: `/api/v2/clients/${clientId}/rotate-secret` })
    assert.equal(rotated.statusCode, 200, rotated.body)
    const rotatedSecret = rotated.json<{ client_secret: string }>().client_secret
    assert.equal(
      (await send({ method: 'PUT', url: '/api/v2/guardian/factors/sms', body: { enabled: true } }))
        .statusCode,
      200,
    )
    assert.equal(
      (await send({ method: 'DELETE', url: secrets, body: ['API_KEY'] })).statusCode,
      204,
    )
    assert.equal((await send({ method: 'DELETE', url: hookUrl })).statusCode, 204)
    const succeeded = sent.length

    // Refused: no token, a token without the scope, an unknown hook, an invalid body.
    assert.equal(
      (await send({ method: 'POST', url: '/api/v2/hooks', body: { name: 'x' } }, null)).statusCode,
      401,
    )
    const readOnly = await app.token(['read:hooks'])
    assert.equal(
      (await send({ method: 'DELETE', url: `/api/v2/hooks/${UNKNOWN_HOOK_ID}` }, readOnly))
        .statusCode,
      403,
    )
    const unknownSecrets = `/api/v2/hooks/${UNKNOWN_HOOK_ID}/secrets`
    assert.equal(
      (await send({ method: 'POST', url: unknownSecrets, body: { API_KEY: SECRET_VALUE } }))
        .statusCode,
      404,
    )
    const badUser = await send({
      method: 'POST',
      url: '/api/v2/users',
      body: {
        connection: 'Username-Password-Authentication',
        email: 'not-an-email',
        password: PASSWORD,
      },
    })
    assert.equal(badUser.statusCode, 400, badUser.body)
    // Reads are not audited.
    assert.equal((await app.api('GET', '/api/v2/hooks')).statusCode, 200)

    const logs = (await allLogs(app)).reverse()
    const audit = logs.filter((log) => log.type === 'sapi' || log.type === 'fapi')
    assert.deepEqual(
      audit.map((log) => {
        const details = log.details as {
          request: { method: string; path: string }
          response: { statusCode: number }
        }
        return [log.type, details.request.method, details.request.path, details.response.statusCode]
      }),
      sent.map(({ write, status }) => [
        status < 400 ? 'sapi' : 'fapi',
        write.method.toLowerCase(),
        write.url,
        status,
      ]),
    )
    assert.equal(audit.filter((log) => log.type === 'sapi').length, succeeded)
    assert.equal(audit.filter((log) => log.type === 'fapi').length, sent.length - succeeded)

    const at = (index: number): Record<string, unknown> => {
      const event = audit[index]
      assert.ok(event !== undefined, `no audit event ${index}`)
      return event
    }
    // Who: the token's client, the dashboard operator; no client for a request without a token.
    assert.equal(at(0).client_id, ADMIN_CLIENT_ID)
    assert.equal(at(0).description, 'Success API Operation')
    assert.equal(at(1).user_name, 'operator@example.com')
    assert.deepEqual((at(1).details as { request: { auth: unknown } }).request.auth, {
      strategy: 'jwt',
      user: { email: 'operator@example.com' },
      credentials: { client_id: ADMIN_CLIENT_ID },
    })
    const noToken = at(succeeded)
    assert.equal(noToken.client_id, undefined)
    assert.equal(noToken.description, 'Missing authentication')
    // What changed: the body, with secret names and no values.
    assert.deepEqual((at(1).details as { request: { body: unknown } }).request.body, {
      enabled: true,
    })
    assert.deepEqual((at(2).details as { request: { body: unknown } }).request.body, {
      API_KEY: '[redacted]',
    })
    assert.deepEqual((at(4).details as { request: { body: unknown } }).request.body, {
      connection: 'Username-Password-Authentication',
      email: 'audit@example.com',
      password: '[redacted]',
    })
    assert.equal(at(0).hook_id, hookId)

    const text = JSON.stringify(logs) + JSON.stringify(streamed)
    for (const value of [
      SECRET_VALUE,
      SECOND_SECRET_VALUE,
      PASSWORD,
      NEW_PASSWORD,
      clientSecret,
      rotatedSecret,
    ]) {
      assert.ok(!text.includes(value), `a secret value appears in the tenant log: ${value}`)
    }
    // Streamed like every event: the listener saw each audit event once.
    assert.equal(streamed.filter((e) => e.type === 'sapi' || e.type === 'fapi').length, sent.length)

    // Auth0's filters: by type, and openhooks' hook_id filter for the dashboard's Activity list.
    assert.equal((await allLogs(app, 'type:fapi')).length, sent.length - succeeded)
    const ofHook = await allLogs(app, `type:sapi AND hook_id:${hookId}`)
    assert.deepEqual(
      ofHook
        .map((log) => (log.details as { request: { method: string } }).request.method)
        .reverse(),
      ['post', 'patch', 'post', 'patch', 'delete', 'delete'],
    )
  })
})
