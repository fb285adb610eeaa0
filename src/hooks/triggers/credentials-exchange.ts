/**
 * `credentials-exchange` (Client Credentials Exchange, compat §4.1): runs before `/oauth/token`
 * signs a client-credentials token. Blocking: the script may deny the token, replace its scopes and
 * add namespaced claims.
 */
import { COMPILE_ERROR_MESSAGE } from '../../sandbox/runner.js'
import type { InjectedErrorClass } from '../../sandbox/runner.js'
import {
  describeFailure,
  errorMessage,
  errorName,
  EXTENSIBILITY_USER_ERROR,
  HOOK_BUSY_DESCRIPTION,
  HOOK_CRASH_DESCRIPTION,
  HOOK_TIMEOUT_DESCRIPTION,
  isObject,
  isSandboxBusy,
  webtaskContext,
} from './trigger.js'
import type {
  FailedRun,
  OAuthFailure,
  PayloadCheck,
  ResultCheck,
  TriggerDefinition,
} from './trigger.js'

/** The wire body the script's arguments come from (compat §4.1). */
export interface CredentialsExchangePayload {
  readonly audience: string
  readonly client: Readonly<Record<string, unknown>>
  /** May be absent or any falsy value (compat §3.3); the script then gets `[]` (Q15). */
  readonly scope?: readonly string[] | null
  readonly context?: Readonly<Record<string, unknown>>
}

export interface CredentialsExchangeResult {
  /** Replaces the token's scopes; absent means the token has none (compat §4.1, Q16, Q17). */
  readonly scope?: readonly string[]
  /** Keys that are http(s) URLs outside Auth0's own domains, with their JSON values. */
  readonly claims: Readonly<Record<string, unknown>>
  /** Things worth a log line, e.g. `cb()` without a result clearing the scopes (Q16). */
  readonly warnings: readonly string[]
}

const CLASSES: readonly InjectedErrorClass[] = [
  EXTENSIBILITY_USER_ERROR,
  { name: 'InvalidRequestError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'InvalidScopeError', extends: 'ExtensibilityUserError', friendlyMessage: false },
  { name: 'ServerError', extends: 'ExtensibilityUserError', friendlyMessage: false },
]

/** Hosts whose URLs never become claims, nor do their subdomains (compat §4.1). */
const RESERVED_CLAIM_HOSTS = ['auth0.com', 'webtask.io', 'webtask.run']

/**
 * Claim names whose decision is remembered at most: a hook returns the same few names on every
 * call, and parsing each as a URL cost more than the rest of the result's reading (issue 23). When
 * full, the memory is emptied and fills again.
 */
export const MAX_REMEMBERED_CLAIM_NAMES = 1_024
/** Longer claim names are parsed on every call, so that the memory's size stays bounded (chars). */
export const MAX_REMEMBERED_CLAIM_NAME_CHARS = 256
const claimNameDecisions = new Map<string, boolean>()

/** How many claim-name decisions are remembered now (for tests). */
export function rememberedClaimNames(): number {
  return claimNameDecisions.size
}

/**
 * Whether a result key becomes a claim: an http(s) URL outside Auth0's domains. The decision
 * depends on the key alone, so it is remembered (`parseClaimName` decides).
 */
export function isNamespacedClaim(key: string): boolean {
  const known = claimNameDecisions.get(key)
  if (known !== undefined) return known
  const decision = parseClaimName(key)
  if (key.length <= MAX_REMEMBERED_CLAIM_NAME_CHARS) {
    if (claimNameDecisions.size >= MAX_REMEMBERED_CLAIM_NAMES) claimNameDecisions.clear()
    claimNameDecisions.set(key, decision)
  }
  return decision
}

function parseClaimName(key: string): boolean {
  let url: URL
  try {
    url = new URL(key)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  // URL parsing lower-cases the hostname; a trailing dot names the same host.
  const host = url.hostname.replace(/\.$/, '')
  if (host === '') return false
  return !RESERVED_CLAIM_HOSTS.some(
    (reserved) => host === reserved || host.endsWith(`.${reserved}`),
  )
}

function validatePayload(raw: unknown): PayloadCheck<CredentialsExchangePayload> {
  // compat §3.3, in Auth0's order (note the space before each dotted name).
  if (!isObject(raw)) {
    return { ok: false, message: 'Body received by extensibility point is not an object' }
  }
  if (!isObject(raw.client)) {
    return { ok: false, message: 'Body .client received by extensibility point is not an object' }
  }
  if (raw.scope && !Array.isArray(raw.scope)) {
    return {
      ok: false,
      message: 'Body .scope received by extensibility point is neither empty nor an array',
    }
  }
  if (typeof raw.audience !== 'string') {
    return { ok: false, message: 'Body .audience received by extensibility point is not a string' }
  }
  return { ok: true, payload: raw as unknown as CredentialsExchangePayload }
}

function parseScope(value: unknown): ResultCheck<readonly string[] | undefined> {
  // compat Q17: an array or a string; duplicates removed keeping the first; empty → no scope.
  let items: readonly string[]
  if (value === undefined || value === null) return { ok: true, result: undefined }
  if (typeof value === 'string') {
    items = value.split(/\s+/u).filter((item) => item !== '')
  } else if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    items = value
  } else {
    return {
      ok: false,
      message: 'The scope returned by the hook must be an array of strings or a string',
    }
  }
  const unique = [...new Set(items.filter((item) => item !== ''))]
  return { ok: true, result: unique.length > 0 ? unique : undefined }
}

function parseResult(raw: unknown): ResultCheck<CredentialsExchangeResult> {
  if (raw === undefined || raw === null) {
    // compat Q16: cb() behaves like {} and clears the scopes.
    return {
      ok: true,
      result: {
        claims: {},
        warnings: ['the hook called back without a result, so the token has no scopes (Q16)'],
      },
    }
  }
  if (!isObject(raw)) {
    return {
      ok: true,
      result: {
        claims: {},
        warnings: ['the hook returned a value that is not an object; it was ignored'],
      },
    }
  }
  const scope = parseScope(raw.scope)
  if (!scope.ok) return scope
  const claims: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key !== 'scope' && isNamespacedClaim(key)) {
      Object.defineProperty(claims, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    }
  }
  // Two literals rather than `{ ...(scope), claims, warnings }`: on Node 20 a property added after
  // a non-empty spread costs microseconds (docs/performance.md, issue 23).
  return {
    ok: true,
    result:
      scope.result !== undefined
        ? { scope: scope.result, claims, warnings: [] }
        : { claims, warnings: [] },
  }
}

function mapFailure(failed: FailedRun): OAuthFailure {
  const logMessage = describeFailure(failed)
  const serverError = (description: string): OAuthFailure => ({
    kind: 'oauth',
    status: 500,
    error: 'server_error',
    description,
    logMessage,
  })
  switch (failed.kind) {
    case 'hook-error': {
      // compat §4.1: chosen by the error's name, whatever its class.
      const description = errorMessage(failed.error)
      switch (errorName(failed.error)) {
        case 'InvalidScopeError':
          return { kind: 'oauth', status: 400, error: 'invalid_scope', description, logMessage }
        case 'InvalidRequestError':
          return { kind: 'oauth', status: 400, error: 'invalid_request', description, logMessage }
        case 'ServerError':
        case undefined:
        default:
          return serverError(description)
      }
    }
    case 'invalid-result':
      return serverError(failed.message)
    case 'compile-error':
      return serverError(COMPILE_ERROR_MESSAGE)
    case 'timeout':
      return serverError(HOOK_TIMEOUT_DESCRIPTION)
    case 'limit':
      if (isSandboxBusy(failed)) {
        return {
          kind: 'oauth',
          status: 429,
          error: 'too_many_requests',
          description: HOOK_BUSY_DESCRIPTION,
          logMessage,
        }
      }
      return serverError(failed.message)
    case 'memory':
      return serverError(failed.message)
    case 'crash':
      return serverError(HOOK_CRASH_DESCRIPTION)
  }
}

/**
 * @example
 * // the script's signature
 * module.exports = function (client, scope, audience, context, cb) {
 *   cb(null, { scope: scope.concat('extra'), 'https://example.com/plan': client.metadata.plan })
 * }
 */
export const credentialsExchange: TriggerDefinition<
  CredentialsExchangePayload,
  CredentialsExchangeResult,
  OAuthFailure
> = {
  id: 'credentials-exchange',
  blocking: true,
  parameters: ['client', 'scope', 'audience', 'context'],
  errorClasses: CLASSES,
  noDataResult: 'none',
  limits: {},
  samplePayload: {
    audience: 'https://my-tenant.auth0.com/api/v2/',
    client: {
      id: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      name: 'client-name',
      tenant: 'my-tenant',
      metadata: { plan: 'full' },
    },
    scope: ['read:connections'],
  },
  validatePayload,
  buildArgs(payload, secrets) {
    const context = isObject(payload.context) ? { ...payload.context } : {}
    // compat Q15: never undefined, so that scripts can push onto it.
    const scope = payload.scope ? [...payload.scope] : []
    return [
      payload.client,
      scope,
      payload.audience,
      { ...context, webtask: webtaskContext(payload, secrets) },
    ]
  },
  parseResult,
  mapFailure,
}
