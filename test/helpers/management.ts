/**
 * Assertions and small builders shared by the Management API integration tests
 * (`test/management/*.test.ts`). Every assertion checks the whole response: status, body, the
 * JSON content type and the `X-RateLimit-*` headers that every `/api/v2` response carries
 * (compat §2.1, §2.8).
 */
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import type { TestApp } from './build-test-app.js'

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8'

/** A hook id of the right shape that no test creates. */
export const UNKNOWN_HOOK_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV'
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

export const HOOK_DOES_NOT_EXIST = {
  statusCode: 404,
  error: 'Not Found',
  message: 'Error: Hook does not exist',
  errorCode: 'HookDoesNotExist',
} as const

/** Scripts with the right signature for each extensibility point (compat §1.1). */
export const SCRIPTS = {
  'credentials-exchange':
    'module.exports = function (client, scope, audience, context, cb) { cb(null, { scope }) }',
  'pre-user-registration': 'module.exports = function (user, context, cb) { cb(null, { user }) }',
  'post-user-registration': 'module.exports = function (user, context, cb) { cb() }',
  'post-change-password': 'module.exports = function (user, context, cb) { cb() }',
  'send-phone-message': 'module.exports = function (recipient, text, context, cb) { cb(null, {}) }',
} as const

export type Trigger = keyof typeof SCRIPTS

export interface HookBody {
  id: string
  name: string
  script: string
  dependencies: Record<string, string>
  triggerId: string
  enabled: boolean
}

/** The three rate-limit headers are present and hold non-negative integers. */
export function assertRateLimitHeaders(res: LightMyRequestResponse): void {
  for (const name of ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset']) {
    const value = res.headers[name]
    assert.equal(typeof value, 'string', `${name} header is missing`)
    assert.match(String(value), /^\d+$/, `${name} is not a number: ${String(value)}`)
  }
  const reset = Number(res.headers['x-ratelimit-reset'])
  // Epoch seconds, not milliseconds (compat §2.8).
  assert.ok(reset > 1_000_000_000 && reset < 100_000_000_000, `reset ${reset} is not epoch seconds`)
}

/** Status, JSON content type, rate-limit headers and the whole JSON body. */
export function assertJson(res: LightMyRequestResponse, status: number, body: unknown): void {
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${res.body}`)
  assert.equal(res.headers['content-type'], JSON_CONTENT_TYPE)
  assertRateLimitHeaders(res)
  assert.deepStrictEqual(res.json(), body)
}

/** A Management API error: `{statusCode, error, message, errorCode?}` and nothing else. */
export function assertError(
  res: LightMyRequestResponse,
  status: number,
  error: string,
  message: string,
  errorCode?: string,
): void {
  assertJson(res, status, {
    statusCode: status,
    error,
    message,
    ...(errorCode !== undefined ? { errorCode } : undefined),
  })
}

/** 400 `invalid_body` with the given message. */
export function assertInvalidBody(res: LightMyRequestResponse, message: string): void {
  assertError(res, 400, 'Bad Request', message, 'invalid_body')
}

/** 400 `invalid_query_string` with the given message. */
export function assertInvalidQuery(res: LightMyRequestResponse, message: string): void {
  assertError(res, 400, 'Bad Request', message, 'invalid_query_string')
}

export function assertHookDoesNotExist(res: LightMyRequestResponse): void {
  assertJson(res, 404, HOOK_DOES_NOT_EXIST)
}

/** 204 with an empty body and the rate-limit headers. */
export function assertNoContent(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 204, `expected 204, got ${res.statusCode}: ${res.body}`)
  assert.equal(res.body, '')
  assertRateLimitHeaders(res)
}

/**
 * The body bytes of a hook in the key order Auth0 sends (compat §2.3): POST and PATCH
 * `id,name,script,dependencies,triggerId,enabled`; GET `id,name,script,dependencies,enabled,triggerId`.
 */
export function hookBytes(hook: HookBody, order: 'write' | 'read'): string {
  const { id, name, script, dependencies, triggerId, enabled } = hook
  return JSON.stringify(
    order === 'write'
      ? { id, name, script, dependencies, triggerId, enabled }
      : { id, name, script, dependencies, enabled, triggerId },
  )
}

/** Creates a hook through the API and returns the response body; fails unless 201. */
export async function createHook(
  app: TestApp,
  fields: {
    name: string
    triggerId?: Trigger
    script?: string
    enabled?: boolean
    dependencies?: Record<string, string>
  },
): Promise<HookBody> {
  const triggerId = fields.triggerId ?? 'credentials-exchange'
  const res = await app.api('POST', '/api/v2/hooks', {
    script: SCRIPTS[triggerId],
    ...fields,
    triggerId,
  })
  assert.equal(res.statusCode, 201, res.body)
  return res.json<HookBody>()
}

/** `app.server.inject` with a bearer token of every scope and a raw payload. */
export async function send(
  app: TestApp,
  request: {
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE'
    url: string
    headers?: Record<string, string>
    payload?: string | Buffer
  },
): Promise<LightMyRequestResponse> {
  const token = await app.token()
  return app.server.inject({
    method: request.method,
    url: request.url,
    headers: { authorization: `Bearer ${token}`, ...request.headers },
    ...(request.payload !== undefined ? { payload: request.payload } : undefined),
  })
}

/** Every hook, as the API lists it. */
export async function listHooks(app: TestApp, query = ''): Promise<HookBody[]> {
  const res = await app.api('GET', `/api/v2/hooks${query}`)
  assert.equal(res.statusCode, 200, res.body)
  return res.json<HookBody[]>()
}
