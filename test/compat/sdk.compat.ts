/**
 * The `auth0` Node SDK, majors 3, 4 and 7, unmodified against openhooks over HTTPS (compat §7):
 * each major runs sdk-scenario.js in its own process (NODE_EXTRA_CA_CERTS is read at start), and
 * everything it returned or threw is compared whole, together with what it sent.
 */
import assert from 'node:assert/strict'
import { STATUS_CODES } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  runNode,
  startTlsServer,
  suiteCleanup,
  tempDir,
  type RecordedRequest,
  type TlsServer,
} from './compat-helpers.js'

const SCENARIO = fileURLToPath(new URL('./sdk-scenario.js', import.meta.url))
const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/
const SCRIPT_CCE =
  'module.exports = function (client, scope, audience, context, cb) { cb(null, { scope }) }'
const SCRIPT_PCP = 'module.exports = function (user, context, cb) { cb() }'
const PLACEHOLDER = '_VALUE_NOT_SHOWN_'

type Major = 'v3' | 'v4' | 'v7'
type Body = { statusCode: number; error: string; message: string; errorCode: string }

const HOOK_DOES_NOT_EXIST: Body = {
  statusCode: 404,
  error: 'Not Found',
  message: 'Error: Hook does not exist',
  errorCode: 'HookDoesNotExist',
}

/** How each major surfaces an error body (v7 names the class by status, except on some calls). */
function sdkError(major: Major, body: Body, v7Class?: string): unknown {
  switch (major) {
    case 'v3':
      return {
        class: 'SanitizedError',
        name: STATUS_CODES[body.statusCode],
        statusCode: body.statusCode,
        message: body.message,
        body,
      }
    case 'v4':
      return {
        class: 'ManagementApiError',
        name: 'ManagementApiError',
        statusCode: body.statusCode,
        message: body.message,
        errorCode: body.errorCode,
      }
    case 'v7': {
      const name = v7Class ?? (body.statusCode === 409 ? 'ConflictError' : 'NotFoundError')
      const prefix = name === 'ManagementError' ? '' : `${name}\n`
      return {
        class: name,
        name,
        statusCode: body.statusCode,
        message: `${prefix}Status code: ${body.statusCode}\nBody: ${JSON.stringify(body, null, 2)}`,
        body,
      }
    }
  }
}

/** What the scenario must report for one major: every step, whole. */
function expectedResults(major: Major, ids: { alpha: string; beta: string; gamma: string }) {
  const p = `sdk-${major.slice(1)}`
  const alpha = {
    id: ids.alpha,
    name: `${p}-alpha`,
    script: SCRIPT_CCE,
    dependencies: { lodash: '4.17.21' },
    triggerId: 'credentials-exchange',
    enabled: true,
  }
  const beta = { ...alpha, id: ids.beta, name: `${p}-beta`, dependencies: {}, enabled: false }
  // The first hook of its point, created without `enabled`, is enabled (compat §1.3).
  const gamma = {
    id: ids.gamma,
    name: `${p}-gamma-hook`,
    script: SCRIPT_PCP,
    dependencies: {},
    triggerId: 'post-change-password',
    enabled: true,
  }
  const all = [alpha, beta, gamma]
  const wrapper = (start: number, limit: number, total: number, hooks: unknown[]) => ({
    start,
    limit,
    total,
    hooks,
  })
  const v7Page = (start: number, limit: number, total: number, hooks: unknown[]) => ({
    data: hooks,
    response: wrapper(start, limit, total, hooks),
  })
  const nothing = major === 'v3' ? {} : null
  const conflict = (message: string, errorCode: string): Body => ({
    statusCode: 409,
    error: 'Conflict',
    message,
    errorCode,
  })
  return {
    'create alpha': { ok: alpha },
    'create beta': { ok: beta },
    'create gamma (name normalised)': { ok: gamma },
    'create duplicate (409)': {
      error: sdkError(
        major,
        conflict('Hook with the same name already exists.', 'HookAlreadyExists'),
      ),
    },
    // v3 and v4 send no query and read a bare array; v7 pages with include_totals (compat §7.2).
    list: major === 'v7' ? { ok: [v7Page(0, 50, 3, all), v7Page(50, 50, 3, [])] } : { ok: all },
    'list with totals, two per page':
      major === 'v7'
        ? { ok: [v7Page(0, 2, 3, [alpha, beta]), v7Page(2, 2, 3, [gamma])] }
        : { ok: [wrapper(0, 2, 3, [alpha, beta]), wrapper(2, 2, 3, [gamma])] },
    'get alpha with fields': { ok: { name: alpha.name, enabled: true } },
    'update alpha': { ok: { ...alpha, script: `${SCRIPT_CCE}\n// v2`, dependencies: {} } },
    'enable beta': { ok: { ...beta, enabled: true } },
    // Enabling is an exclusive switch (compat §1.2, Q1).
    'get alpha after enabling beta': { ok: { enabled: false } },
    'add secrets': { ok: nothing },
    'add an existing secret (409)': {
      error: sdkError(
        major,
        conflict('Secret with the same name already exists.', 'HookSecretAlreadyExists'),
      ),
    },
    'update a secret': { ok: nothing },
    'update an unknown secret (404)': {
      error: sdkError(major, {
        statusCode: 404,
        error: 'Not Found',
        message: 'Hook or secret not found.',
        errorCode: 'HookSecretDoesNotExist',
      }),
    },
    'get secrets': { ok: { S1: PLACEHOLDER, S2: PLACEHOLDER } },
    'delete a secret': { ok: nothing },
    'get secrets after delete': { ok: { S1: PLACEHOLDER } },
    'delete gamma': { ok: nothing },
    'get gamma after delete (404)': { error: sdkError(major, HOOK_DOES_NOT_EXIST) },
    // v7's delete() has no NotFoundError case and throws its base class.
    'delete gamma again (404)': {
      error: sdkError(major, HOOK_DOES_NOT_EXIST, 'ManagementError'),
    },
    'get secrets of an unknown hook (404)': { error: sdkError(major, HOOK_DOES_NOT_EXIST) },
    'delete alpha': { ok: nothing },
    'delete beta': { ok: nothing },
    'list when empty': major === 'v7' ? { ok: [v7Page(0, 50, 0, [])] } : { ok: [] },
  }
}

describe('the auth0 SDK against openhooks over HTTPS', () => {
  const cleanup = suiteCleanup()
  let server: TlsServer
  before(async () => {
    server = await startTlsServer(cleanup, tempDir(cleanup))
  })
  after(() => cleanup.run())

  async function runScenario(major: Major): Promise<RecordedRequest[]> {
    const from = server.requests.length
    const result = await runNode(server, [SCENARIO, major], {
      AUTH0_DOMAIN: server.domain,
      AUTH0_CLIENT_ID: CLIENT_ID,
      AUTH0_CLIENT_SECRET: CLIENT_SECRET,
    })
    assert.equal(result.code, 0, result.stderr)
    const { ids, results } = JSON.parse(result.stdout) as {
      ids: { alpha: string; beta: string; gamma: string }
      results: Record<string, unknown>
    }
    for (const id of Object.values(ids)) assert.match(id, ULID)
    assert.deepStrictEqual(results, expectedResults(major, ids))
    return server.requests.slice(from)
  }

  function tokenRequest(requests: readonly RecordedRequest[]): RecordedRequest {
    const token = requests.filter((r) => r.method === 'POST' && r.url === '/oauth/token')
    assert.equal(token.length, 1, 'one token request per process')
    return token[0] as RecordedRequest
  }

  it('v3 (3.7.2): JSON token request, bare-array lists, `{}` bodies on DELETE', async () => {
    const requests = await runScenario('v3')
    const token = tokenRequest(requests)
    assert.equal(token.contentType, 'application/json')
    assert.deepStrictEqual(JSON.parse(token.body), {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      audience: `${server.url}/api/v2/`,
    })
    assert.ok(requests.some((r) => r.method === 'GET' && r.url === '/api/v2/hooks'))
    assert.ok(requests.some((r) => r.method === 'DELETE' && r.body === '{}'))
  })

  it('v4 (4.37.1): form token request, bare-array lists', async () => {
    const requests = await runScenario('v4')
    const token = tokenRequest(requests)
    assert.equal(token.contentType, 'application/x-www-form-urlencoded')
    assert.deepStrictEqual(Object.fromEntries(new URLSearchParams(token.body)), {
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      audience: `${server.url}/api/v2/`,
    })
    assert.ok(requests.some((r) => r.method === 'GET' && r.url === '/api/v2/hooks'))
  })

  it('v7 (7.1.0): form token request, pages with include_totals', async () => {
    const requests = await runScenario('v7')
    const token = tokenRequest(requests)
    assert.equal(token.contentType, 'application/x-www-form-urlencoded')
    assert.equal(new URLSearchParams(token.body).get('audience'), `${server.url}/api/v2/`)
    assert.ok(
      requests.some(
        (r) =>
          r.method === 'GET' && r.url === '/api/v2/hooks?page=0&per_page=50&include_totals=true',
      ),
    )
  })
})
