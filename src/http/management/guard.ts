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
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * The `onRequest` guard of `/api/v2`: rate limit (every response carries the `X-RateLimit-*`
 * headers, compat §2.8), then the bearer token (signature, `iss`, `aud`, `exp`), then the route's
 * scope. Buckets are per client for valid tokens and per address otherwise.
 */
export function createGuard(options: GuardOptions) {
  const now = options.now ?? Date.now
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config as ManagementRouteConfig
    const header = request.headers.authorization
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1]
    const check = token === undefined ? undefined : await options.verifyToken(token)

    const nowMs = now()
    if (options.rateLimit.enabled) {
      const key = check?.ok === true ? `client:${check.claims.clientId}` : `ip:${request.ip}`
      const state = await options.rateLimit.store.take(key, nowMs)
      reply.header('x-ratelimit-limit', state.limit)
      reply.header('x-ratelimit-remaining', state.remaining)
      reply.header('x-ratelimit-reset', state.resetEpochS)
      if (!state.allowed) throw new ApiError('TooManyRequests')
    } else {
      reply.header('x-ratelimit-limit', options.rateLimit.burst)
      reply.header('x-ratelimit-remaining', options.rateLimit.burst)
      reply.header('x-ratelimit-reset', Math.ceil(nowMs / 1000))
    }

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
