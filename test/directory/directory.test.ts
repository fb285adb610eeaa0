import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeJwt } from 'jose'
import { ADMIN_CLIENT_ID, buildTestApp, type TestApp } from '../helpers/build-test-app.js'

async function token(app: TestApp, body: Record<string, string>) {
  return app.server.inject({
    method: 'POST',
    url: '/oauth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ grant_type: 'client_credentials', ...body }).toString(),
  })
}

describe('clients', () => {
  it('creates a client whose secret is shown once, then lists, reads, updates and deletes it', async (t) => {
    const app = await buildTestApp(t)
    const created = await app.api('POST', '/api/v2/clients', {
      name: 'Backend',
      client_metadata: { plan: 'gold' },
    })
    assert.equal(created.statusCode, 201)
    const body = created.json<Record<string, unknown>>()
    assert.match(String(body.client_id), /^[A-Za-z0-9]{32}$/)
    assert.equal(typeof body.client_secret, 'string')
    assert.deepStrictEqual(
      { ...body, client_id: 'x', client_secret: 'y' },
      {
        client_id: 'x',
        tenant: 'openhooks',
        name: 'Backend',
        description: '',
        app_type: 'non_interactive',
        grant_types: ['client_credentials'],
        client_metadata: { plan: 'gold' },
        token_endpoint_auth_method: 'client_secret_post',
        is_first_party: true,
        global: false,
        client_secret: 'y',
      },
    )
    const id = String(body.client_id)
    const read = await app.api('GET', `/api/v2/clients/${id}`)
    assert.equal(read.statusCode, 200)
    assert.equal(read.json<Record<string, unknown>>().client_secret, undefined)
    const list = await app.api('GET', '/api/v2/clients?include_totals=true&fields=client_id,name')
    assert.deepStrictEqual(list.json(), {
      start: 0,
      limit: 2,
      total: 2,
      clients: [
        { client_id: ADMIN_CLIENT_ID, name: 'openhooks admin' },
        { client_id: id, name: 'Backend' },
      ],
    })
    const patched = await app.api('PATCH', `/api/v2/clients/${id}`, { name: 'Renamed' })
    assert.equal(patched.json<{ name: string }>().name, 'Renamed')
    const rotated = await app.api('POST', `/api/v2/clients/${id}/rotate-secret`)
    assert.notEqual(rotated.json<{ client_secret: string }>().client_secret, body.client_secret)
    assert.equal((await app.api('DELETE', `/api/v2/clients/${id}`)).statusCode, 204)
    const gone = await app.api('GET', `/api/v2/clients/${id}`)
    assert.equal(gone.statusCode, 404)
    assert.deepStrictEqual(gone.json(), {
      statusCode: 404,
      error: 'Not Found',
      message: 'The client does not exist',
      errorCode: 'inexistent_client',
    })
  })

  it('protects the admin client', async (t) => {
    const app = await buildTestApp(t)
    for (const [method, url, body] of [
      ['PATCH', `/api/v2/clients/${ADMIN_CLIENT_ID}`, { name: 'x' }],
      ['DELETE', `/api/v2/clients/${ADMIN_CLIENT_ID}`, undefined],
      ['POST', `/api/v2/clients/${ADMIN_CLIENT_ID}/rotate-secret`, undefined],
    ] as const) {
      const res = await app.api(method, url, body)
      assert.equal(res.statusCode, 403)
      assert.deepStrictEqual(res.json(), {
        statusCode: 403,
        error: 'Forbidden',
        message: 'The admin client is managed by openhooks and cannot be changed through the API',
        errorCode: 'operation_not_supported',
      })
    }
  })
})

describe('resource servers and client grants', () => {
  it('issues tokens for an API the client has a grant for, narrowed to the grant', async (t) => {
    const app = await buildTestApp(t)
    const rs = await app.api('POST', '/api/v2/resource-servers', {
      identifier: 'https://api.example.com/',
      name: 'Example',
      scopes: [{ value: 'read:things' }, { value: 'write:things', description: 'Write' }],
      token_lifetime: 600,
    })
    assert.equal(rs.statusCode, 201)
    const rsBody = rs.json<Record<string, unknown>>()
    assert.match(String(rsBody.id), /^[0-9a-f]{24}$/)
    assert.deepStrictEqual(
      { ...rsBody, id: 'x' },
      {
        id: 'x',
        name: 'Example',
        identifier: 'https://api.example.com/',
        scopes: [
          { value: 'read:things', description: '' },
          { value: 'write:things', description: 'Write' },
        ],
        signing_alg: 'RS256',
        token_lifetime: 600,
        allow_offline_access: false,
        skip_consent_for_verifiable_first_party_clients: true,
      },
    )
    const dup = await app.api('POST', '/api/v2/resource-servers', {
      identifier: 'https://api.example.com/',
    })
    assert.equal(dup.statusCode, 409)
    const reserved = await app.api('POST', '/api/v2/resource-servers', {
      identifier: app.config.managementAudience,
    })
    assert.equal(reserved.statusCode, 400)

    const client = (await app.api('POST', '/api/v2/clients', { name: 'Worker' })).json<{
      client_id: string
      client_secret: string
    }>()
    const creds = {
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience: 'https://api.example.com/',
    }
    const denied = await token(app, creds)
    assert.equal(denied.statusCode, 403)
    assert.deepStrictEqual(denied.json(), {
      error: 'access_denied',
      error_description:
        'Client is not authorized to access "https://api.example.com/". You need to create a "client-grant" associated to this API.',
    })

    const badScope = await app.api('POST', '/api/v2/client-grants', {
      client_id: client.client_id,
      audience: 'https://api.example.com/',
      scope: ['read:things', 'delete:everything'],
    })
    assert.equal(badScope.statusCode, 400)
    assert.deepStrictEqual(badScope.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'Scopes not defined on the resource server: delete:everything',
      errorCode: 'invalid_body',
    })
    const grant = await app.api('POST', '/api/v2/client-grants', {
      client_id: client.client_id,
      audience: 'https://api.example.com/',
      scope: ['read:things'],
    })
    assert.equal(grant.statusCode, 201)
    const again = await app.api('POST', '/api/v2/client-grants', {
      client_id: client.client_id,
      audience: 'https://api.example.com/',
      scope: [],
    })
    assert.equal(again.statusCode, 409)

    const issued = await token(app, { ...creds, scope: 'read:things write:things' })
    assert.equal(issued.statusCode, 200)
    const body = issued.json<{ access_token: string; expires_in: number; scope: string }>()
    assert.equal(body.expires_in, 600)
    assert.equal(body.scope, 'read:things')
    assert.equal(decodeJwt(body.access_token).aud, 'https://api.example.com/')

    const grants = await app.api('GET', `/api/v2/client-grants?client_id=${client.client_id}`)
    const [only] = grants.json<{ id: string }[]>()
    assert.ok(only)
    const widened = await app.api('PATCH', `/api/v2/client-grants/${only.id}`, {
      scope: ['read:things', 'write:things'],
    })
    assert.deepStrictEqual(widened.json<{ scope: string[] }>().scope, [
      'read:things',
      'write:things',
    ])
    assert.equal((await app.api('DELETE', `/api/v2/client-grants/${only.id}`)).statusCode, 204)
    assert.equal(
      (await app.api('DELETE', `/api/v2/resource-servers/${String(rsBody.id)}`)).statusCode,
      204,
    )
    assert.equal((await token(app, creds)).statusCode, 403)
  })
})

describe('connections and users', () => {
  it('has the default database connection and enforces its password policy', async (t) => {
    const app = await buildTestApp(t)
    const list = await app.api('GET', '/api/v2/connections')
    const [connection] =
      list.json<{ id: string; name: string; options: Record<string, unknown> }[]>()
    assert.ok(connection)
    assert.match(connection.id, /^con_[A-Za-z0-9]{16}$/)
    assert.equal(connection.name, 'Username-Password-Authentication')
    assert.equal(connection.options.passwordPolicy, 'good')

    const weak = await app.api('POST', '/api/v2/users', {
      connection: 'Username-Password-Authentication',
      email: 'ann@example.com',
      password: 'short',
    })
    assert.equal(weak.statusCode, 400)
    assert.deepStrictEqual(weak.json(), {
      statusCode: 400,
      error: 'Bad Request',
      message: 'PasswordStrengthError: Password is too weak',
      errorCode: 'invalid_body',
    })
    const patched = await app.api('PATCH', `/api/v2/connections/${connection.id}`, {
      options: { password_policy: 'low' },
    })
    assert.deepStrictEqual(patched.json<{ options: unknown }>().options, { passwordPolicy: 'low' })
    const created = await app.api('POST', '/api/v2/users', {
      connection: 'Username-Password-Authentication',
      email: 'Ann@Example.com',
      password: 'sixchr',
      user_metadata: { hobby: 'surfing' },
    })
    assert.equal(created.statusCode, 201)
    const user = created.json<Record<string, unknown>>()
    assert.match(String(user.user_id), /^auth0\|[0-9a-f]{24}$/)
    assert.equal(user.password, undefined)
    assert.deepStrictEqual(user.identities, [
      {
        connection: 'Username-Password-Authentication',
        user_id: String(user.user_id).slice(6),
        provider: 'auth0',
        isSocial: false,
      },
    ])
    const exists = await app.api('POST', '/api/v2/users', {
      connection: 'Username-Password-Authentication',
      email: 'ann@example.com',
      password: 'sixchr',
    })
    assert.equal(exists.statusCode, 409)
    assert.deepStrictEqual(exists.json(), {
      statusCode: 409,
      error: 'Conflict',
      message: 'The user already exists.',
      errorCode: 'auth0_idp_error',
    })
    const id = encodeURIComponent(String(user.user_id))
    const changed = await app.api('PATCH', `/api/v2/users/${id}`, {
      password: 'another',
      user_metadata: { hobby: null, color: 'blue' },
    })
    assert.equal(changed.statusCode, 200)
    const changedBody = changed.json<Record<string, unknown>>()
    assert.deepStrictEqual(changedBody.user_metadata, { color: 'blue' })
    assert.equal(typeof changedBody.last_password_reset, 'string')
    const stored = await app.store.getUser(String(user.user_id).slice(6))
    assert.ok(stored?.passwordHash?.startsWith('scrypt$'))
    assert.ok(!JSON.stringify(stored).includes('another'))
    const page = await app.api('GET', '/api/v2/users?include_totals=true&per_page=1')
    assert.equal(page.json<{ total: number }>().total, 1)
    assert.equal((await app.api('DELETE', `/api/v2/users/${id}`)).statusCode, 204)
    const gone = await app.api('GET', `/api/v2/users/${id}`)
    assert.deepStrictEqual(gone.json(), {
      statusCode: 404,
      error: 'Not Found',
      message: 'The user does not exist.',
      errorCode: 'inexistent_user',
    })
  })
})

describe('logs', () => {
  it('lists events newest first, by checkpoint, by type, and reads one', async (t) => {
    const app = await buildTestApp(t)
    const a = await app.store.appendLog({
      date: '2026-11-26T10:00:00.000Z',
      type: 'seccft',
      details: {},
    })
    const b = await app.store.appendLog({
      date: '2026-11-26T10:00:01.000Z',
      type: 'feccft',
      description: 'hook denied',
      clientId: 'c1',
      details: { hook: { id: 'h' } },
    })
    const list = await app.api('GET', '/api/v2/logs')
    assert.deepStrictEqual(
      list.json<{ log_id: string }[]>().map((l) => l.log_id),
      [b.logId, a.logId],
    )
    const fromA = await app.api('GET', `/api/v2/logs?from=${a.logId}&take=10`)
    assert.deepStrictEqual(
      fromA.json<{ log_id: string }[]>().map((l) => l.log_id),
      [b.logId],
    )
    const typed = await app.api('GET', '/api/v2/logs?q=type:seccft&include_totals=true')
    assert.equal(typed.json<{ total: number }>().total, 1)
    const one = await app.api('GET', `/api/v2/logs/${b.logId}`)
    assert.deepStrictEqual(one.json(), {
      log_id: b.logId,
      date: '2026-11-26T10:00:01.000Z',
      type: 'feccft',
      description: 'hook denied',
      client_id: 'c1',
      details: { hook: { id: 'h' } },
    })
    const missing = await app.api('GET', '/api/v2/logs/nope')
    assert.equal(missing.statusCode, 404)
  })
})
