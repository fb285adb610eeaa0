import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../../errors/api-error.js'
import { STORAGE_RETRY_AFTER_S, isStorageUnavailable } from '../../errors/storage-unavailable.js'
import { presentedClient } from '../../flows/client-auth.js'
import { findGrant, type TokenEndpointDeps } from '../../flows/grants/index.js'
import { setSpanAttributes } from '../../observability/tracing.js'
import { BodyParseError, registerBodyParsers } from '../body-parsers.js'
import { requestOrigin } from '../request-origin.js'

/** Largest accepted token request body. */
export const MAX_TOKEN_BODY_BYTES = 16 * 1024

/** The dependencies of every grant (flows/grants). */
export type OAuthPluginOptions = TokenEndpointDeps

/** RFC 6749 §5.2 bodies for every error of the scope (`/oauth/token`, `/mfa/*`). */
export function oauthErrorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  let oauthError: OAuthError
  if ((!(error instanceof OAuthError) || error.statusCode >= 500) && isStorageUnavailable(error)) {
    request.log.error({ err: error, event: 'request.failed' }, 'the database is unavailable')
    oauthError = OAuthError.of('StorageUnavailable', {
      headers: { 'retry-after': String(STORAGE_RETRY_AFTER_S) },
    })
  } else if (error instanceof OAuthError) oauthError = error
  else if (error instanceof BodyParseError)
    oauthError = new OAuthError('invalid_request', error.message)
  else if ((error as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    oauthError = OAuthError.of('UnsupportedMediaType')
  } else if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    oauthError = OAuthError.of('BodyTooLarge')
  } else {
    request.log.error({ err: error, event: 'request.failed' }, 'token request failed')
    oauthError = OAuthError.of('InternalError')
  }
  if (oauthError.statusCode < 500) request.log.info({ error: oauthError.error }, oauthError.message)
  // The OAuth error code (never its description, which may quote the request) on the span.
  setSpanAttributes({ 'oauth.error': oauthError.error })
  void reply
    .code(oauthError.statusCode)
    .headers({ 'cache-control': 'no-store', pragma: 'no-cache', ...oauthError.headers })
    .send(oauthError.toBody())
}

/** A single string parameter; repeated or non-string values are an error (RFC 6749 §3.2). */
export function param(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    throw OAuthError.of('ParameterNotSingle', { name })
  }
  return value
}

/**
 * The client credentials of a request, from HTTP Basic or the body (not both;
 * flows/client-auth.ts `presentedClient`).
 */
export function requestClient(
  authorization: string | undefined,
  body: Record<string, unknown>,
): { clientId: string | undefined; clientSecret: string | undefined } {
  return presentedClient(authorization, param(body, 'client_id'), param(body, 'client_secret'))
}

/** `/oauth/token` with RFC 6749 error bodies. */
export const oauthPlugin: FastifyPluginAsync<OAuthPluginOptions> = async (app, options) => {
  registerBodyParsers(app)
  app.setErrorHandler(oauthErrorHandler)

  app.post('/oauth/token', { bodyLimit: MAX_TOKEN_BODY_BYTES }, async (request, reply) => {
    const body =
      typeof request.body === 'object' && request.body !== null && !Array.isArray(request.body)
        ? (request.body as Record<string, unknown>)
        : {}
    const grantType = param(body, 'grant_type')
    if (grantType === undefined || grantType === '') {
      throw OAuthError.of('MissingParameter', { name: 'grant_type' })
    }
    const grant = findGrant(grantType)
    if (grant === undefined) {
      throw OAuthError.of('UnsupportedGrantType', { grantType })
    }
    // The flow is the request (docs/observability.md): its span names the grant.
    setSpanAttributes({ 'oauth.grant_type': grant.grantType })
    const client = requestClient(request.headers.authorization, body)
    const params: Record<string, string | undefined> = {}
    for (const name of grant.parameters) params[name] = param(body, name)
    const response = await grant.issue(options, {
      ...client,
      params,
      origin: requestOrigin(request),
    })
    return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(response)
  })
}
