import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { DbConnectionsError } from '../../errors/api-error.js'
import { signUp, type SignupDeps } from '../../flows/signup.js'
import { MemoryRateLimitStore, type RateLimitStore } from '../../rate-limit/token-bucket.js'

export interface SignupRoutesOptions {
  readonly signup: SignupDeps
  readonly bodyLimit: number
  /**
   * Signups accepted per client IP per minute, as a bucket of that size refilled evenly (Auth0's
   * policy for this endpoint: 50 per minute per IP); 0: no limit. Checked before anything else, so
   * that anonymous traffic reaches neither the password hash nor the pre-user-registration hook.
   */
  readonly perIpPerMinute: number
  /**
   * The buckets of that limit (settings: `perIpPerMinute` at once, refilled evenly over a minute):
   * shared by the nodes of a cluster (PostgreSQL); in memory by default.
   */
  readonly buckets?: RateLimitStore
  readonly now?: () => number
}

/** A single string parameter; repeated or non-string values are an invalid signup. */
function param(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw new DbConnectionsError('InvalidSignup', {
      description: `Parameter ${name} must be a single string`,
    })
  }
  return value
}

/** The first language of `Accept-Language`, lower-cased, without its quality. */
function firstLanguage(request: FastifyRequest): string | undefined {
  const header = request.headers['accept-language']
  const first = header?.split(',')[0]?.split(';')[0]?.trim().toLowerCase()
  return first === undefined || first === '' || first === '*' ? undefined : first
}

/** `POST /dbconnections/signup` (JSON or form body). */
export const signupRoutes: FastifyPluginAsync<SignupRoutesOptions> = async (app, options) => {
  const perMinute = options.perIpPerMinute
  const now = options.now ?? Date.now
  const limiter =
    perMinute > 0
      ? (options.buckets ??
        new MemoryRateLimitStore({ burst: perMinute, perSecond: perMinute / 60 }))
      : undefined
  app.post('/dbconnections/signup', { bodyLimit: options.bodyLimit }, async (request, reply) => {
    if (limiter !== undefined) {
      const state = await limiter.take(`ip:${request.ip}`, now())
      if (!state.allowed) {
        // A bucket refilled evenly gives one more signup at most this many seconds later.
        void reply.header('retry-after', Math.max(1, Math.ceil(60 / perMinute)))
        throw new DbConnectionsError('TooManyRequests', {
          description: `Too many signups from this IP address: at most ${perMinute} per minute`,
        })
      }
    }
    const body =
      typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
        ? (request.body as Record<string, unknown>)
        : {}
    const username = param(body, 'username')
    const phoneNumber = param(body, 'phone_number')
    const language = firstLanguage(request)
    const userAgent = request.headers['user-agent']
    const response = await signUp(options.signup, {
      clientId: param(body, 'client_id'),
      email: param(body, 'email'),
      password: param(body, 'password'),
      connection: param(body, 'connection'),
      ...(username !== undefined ? { username } : undefined),
      ...(phoneNumber !== undefined ? { phoneNumber } : undefined),
      ...(body.user_metadata !== undefined ? { userMetadata: body.user_metadata } : undefined),
      ip: request.ip,
      ...(userAgent !== undefined ? { userAgent } : undefined),
      ...(language !== undefined ? { language } : undefined),
    })
    return reply.send(response)
  })
}
