/**
 * The dashboard's session endpoints, under `/_dashboard` (docs/dashboard.md):
 *
 * - `POST /_dashboard/session` signs the operator in and sets the session cookie;
 * - `GET /_dashboard/session` tells the SPA who is signed in;
 * - `POST /_dashboard/token` exchanges the session for a short-lived Management API token, which
 *   the SPA sends as a Bearer token to `/api/v2` like any other client;
 * - `DELETE /_dashboard/session` signs out.
 *
 * The cookie is HttpOnly, SameSite=Strict, Path=/_dashboard, and Secure over HTTPS. CSRF: every
 * request that changes state must carry the `X-OpenHooks-CSRF` header (a cross-site page cannot
 * send a custom header without a CORS preflight, which this server never grants) and, when the
 * browser sends `Origin` or `Sec-Fetch-Site`, they must say same origin.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { MAX_PASSWORD_CHARS } from '../../directory/passwords.js'
import { readCookie } from '../cookies.js'
import { ApiError } from '../../errors/api-error.js'
import type { OperatorAccount } from '../../operator/operator-account.js'
import { signInOperator, signOperatorToken } from '../../flows/operator-sign-in.js'
import { SESSION_MAX_AGE_MS, type SessionStore } from '../../operator/sessions.js'
import type { SignInLimiter } from '../../operator/sign-in-limiter.js'
import type { TenantLog } from '../../tenant-log/tenant-log.js'
import { DASHBOARD_OPERATOR_CLAIM } from '../management/actor.js'
import type { SigningKeys } from '../../tokens/signing-keys.js'

export const DASHBOARD_API_PREFIX = '/_dashboard'
export const SESSION_COOKIE_NAME = 'openhooks_session'
/** The header the SPA sends on every state change; its value must be `1`. */
export const CSRF_HEADER = 'x-openhooks-csrf'
/** Lifetime of the Management API token a session is exchanged for, in seconds. */
export const DASHBOARD_TOKEN_LIFETIME_S = 5 * 60
/** Longest e-mail address accepted at sign-in, in characters (RFC 5321 path limit). */
export const MAX_EMAIL_CHARS = 320

export interface SessionRoutesOptions {
  readonly operator: OperatorAccount
  readonly sessions: SessionStore
  readonly limiter: SignInLimiter
  readonly tenantLog: TenantLog
  readonly signingKeys: SigningKeys
  readonly issuer: string
  readonly audience: string
  /** The client the minted tokens name (the admin client): its rate-limit bucket applies. */
  readonly clientId: string
  /** Secure cookies even over plain HTTP (an https issuer behind a TLS-terminating proxy). */
  readonly secureCookie: boolean
}

const SignInBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: MAX_EMAIL_CHARS }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_CHARS }),
  },
  { additionalProperties: false },
)

/**
 * Refuses a state-changing request that a foreign page could have sent (see the file comment).
 * `Origin` may be the request's own origin or the issuer's (the public URL behind a proxy).
 */
export function checkCsrf(request: FastifyRequest, issuerOrigin: string): void {
  const marker = request.headers[CSRF_HEADER]
  const origin = request.headers.origin
  const site = request.headers['sec-fetch-site']
  const ownOrigin = `${request.protocol}://${request.host}`
  if (
    marker !== '1' ||
    (origin !== undefined && origin !== ownOrigin && origin !== issuerOrigin) ||
    (site !== undefined && site !== 'same-origin' && site !== 'none')
  ) {
    throw new ApiError('DashboardCsrfRefused')
  }
}

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRoutesOptions> = async (
  app,
  options,
) => {
  const { sessions, tenantLog } = options
  const issuerOrigin = new URL(options.issuer).origin
  const secure = (request: FastifyRequest) => options.secureCookie || request.protocol === 'https'
  const setCookie = (
    request: FastifyRequest,
    reply: FastifyReply,
    value: string,
    maxAgeS: number,
  ) =>
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE_NAME}=${value}; Path=${DASHBOARD_API_PREFIX}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict` +
        (secure(request) ? '; Secure' : ''),
    )
  const session = async (request: FastifyRequest) => {
    const found = await sessions.touch(readCookie(request, SESSION_COOKIE_NAME))
    if (found === undefined) throw new ApiError('DashboardNoSession')
    return found
  }
  const who = (request: FastifyRequest) => ({
    ip: request.ip,
    ...(request.headers['user-agent'] !== undefined
      ? { userAgent: request.headers['user-agent'] }
      : undefined),
  })

  app.addHook('onSend', async (_request, reply) => {
    void reply.header('cache-control', 'no-store')
  })
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') checkCsrf(request, issuerOrigin)
  })

  app.post(
    '/session',
    // Sign-in bodies hold a password: no request line at info level (it has no query anyway).
    { schema: { body: SignInBody } },
    async (request, reply) => {
      const { id, session: started } = await signInOperator(options, request.body, who(request))
      setCookie(request, reply, id, SESSION_MAX_AGE_MS / 1000)
      return {
        email: options.operator.email,
        expires_at: new Date(sessions.expiresAt(started)).toISOString(),
      }
    },
  )

  app.get('/session', async (request) => {
    const current = await session(request)
    return { email: current.email, expires_at: new Date(sessions.expiresAt(current)).toISOString() }
  })

  app.post('/token', async (request) => {
    const current = await session(request)
    const accessToken = await signOperatorToken(options.signingKeys, {
      // What the dashboard changes is attributed to the operator (hook versions, issue 22).
      extraClaims: { [DASHBOARD_OPERATOR_CLAIM]: current.email },
      issuer: options.issuer,
      clientId: options.clientId,
      audience: options.audience,
      lifetimeS: DASHBOARD_TOKEN_LIFETIME_S,
    })
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: DASHBOARD_TOKEN_LIFETIME_S,
    }
  })

  app.delete('/session', async (request, reply) => {
    const id = readCookie(request, SESSION_COOKIE_NAME)
    const current = await sessions.touch(id)
    await sessions.end(id)
    if (current !== undefined) {
      await tenantLog.record({
        type: 'slo',
        ...who(request),
        userName: current.email,
        details: { area: 'dashboard' },
      })
    }
    setCookie(request, reply, '', 0)
    return reply.code(204).send()
  })
}
