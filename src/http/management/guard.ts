import type { FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../../errors/api-error.js'
import type { BucketSettings, RateLimitStore } from '../../rate-limit/token-bucket.js'
import type { TokenCheck, TokenClaims } from '../../tokens/access-token.js'
import type { ManagementScope } from '../../tokens/management-scopes.js'

/** Per-route options of the Management API, in Fastify's route `config`. */
export interface ManagementRouteConfig {
  /** The scope the operation requires (compat §2.5). */
  readonly scope?: ManagementScope
  /** Served without a token (the OpenAPI document). */
  readonly public?: boolean
  /** Error statuses the operation documents besides 400, 401, 403 and 429 (compat §2.5). */
  readonly errors?: readonly (404 | 409)[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token of a Management API request. */
    managementAuth?: TokenClaims
  }
}

export interface GuardOptions {
  readonly verifyToken: (token: string) => Promise<TokenCheck>
  readonly rateLimit: BucketSettings & { readonly enabled: boolean; readonly store: RateLimitStore }
  readonly now?: () => number
  /** Called for each request the rate limit refuses (the metrics' count). */
  readonly onRateLimited?: () => void
}

/**
 * Takes a token from `key`'s bucket and sets the `X-RateLimit-*` headers (compat §2.8); throws
 * the 429 error when the bucket is empty. With limits off, the headers show a full bucket.
 */
export async function applyRateLimit(
  options: Pick<GuardOptions, 'rateLimit' | 'now' | 'onRateLimited'>,
  key: string,
  reply: FastifyReply,
): Promise<void> {
  const nowMs = (options.now ?? Date.now)()
  if (options.rateLimit.enabled) {
    const state = await options.rateLimit.store.take(key, nowMs)
    void reply.header('x-ratelimit-limit', state.limit)
    void reply.header('x-ratelimit-remaining', state.remaining)
    void reply.header('x-ratelimit-reset', state.resetEpochS)
    if (!state.allowed) {
      options.onRateLimited?.()
      throw new ApiError('TooManyRequests')
    }
  } else {
    void reply.header('x-ratelimit-limit', options.rateLimit.burst)
    void reply.header('x-ratelimit-remaining', options.rateLimit.burst)
    void reply.header('x-ratelimit-reset', Math.ceil(nowMs / 1000))
  }
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The `onRequest` guard of `/api/v2`: rate limit (every response carries the `X-RateLimit-*`
 * headers, compat §2.8), then the bearer token (signature, `iss`, `aud`, `exp`), then the route's
 * scope. Buckets are per client for valid tokens and per address otherwise.
 */
export function createGuard(options: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config as ManagementRouteConfig
    const header = request.headers.authorization
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1]
    const check = token === undefined ? undefined : await options.verifyToken(token)

    const key = check?.ok === true ? `client:${check.claims.clientId}` : `ip:${request.ip}`
    await applyRateLimit(options, key, reply)

    if (config.public === true) return
    if (header === undefined || header.trim() === '') throw new ApiError('MissingAuthentication')
    if (check === undefined) throw new ApiError('InvalidToken')
    if (!check.ok) {
      throw new ApiError(check.failure === 'bad-signature' ? 'InvalidSignature' : 'InvalidToken')
    }
    if (config.scope !== undefined && !check.claims.scopes.includes(config.scope)) {
      throw new ApiError('InsufficientScope', {
        message: `Insufficient scope, expected any of: ${config.scope}`,
      })
    }
    request.managementAuth = check.claims
  }
}
