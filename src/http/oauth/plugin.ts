import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { OAuthError } from '../../errors/api-error.js'
import { STORAGE_RETRY_AFTER_S, isStorageUnavailable } from '../../errors/storage-unavailable.js'
import {
  issueClientCredentialsToken,
  type ClientCredentialsDeps,
} from '../../flows/client-credentials.js'
import {
  issueMfaOobToken,
  issuePasswordToken,
  issueRecoveryCodeToken,
  MFA_OOB_GRANT,
  MFA_RECOVERY_CODE_GRANT,
  PASSWORD_GRANT,
  PASSWORD_REALM_GRANT,
  type MfaDeps,
} from '../../flows/mfa-sms.js'
import { BodyParseError, registerBodyParsers } from '../body-parsers.js'
import { requestOrigin } from '../request-origin.js'

/** Largest accepted token request body. */
export const MAX_TOKEN_BODY_BYTES = 16 * 1024

export interface OAuthPluginOptions {
  readonly clientCredentials: ClientCredentialsDeps
  /** The password and mfa-oob grants (docs/mfa.md). */
  readonly mfa: MfaDeps
}

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

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded). */
export function basicCredentials(
  header: string | undefined,
): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header)
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    }
  } catch {
    return undefined
  }
}

/** Named string parameters that are present, as an object without the absent ones. */
function optionalParams<K extends string>(
  body: Record<string, unknown>,
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const name of names) {
    const value = param(body, name)
    if (value !== undefined) out[name] = value
  }
  return out
}

/**
 * Client id and secret of a user grant, from HTTP Basic or the body (not both). The secret may be
 * absent: public clients authenticate with their id alone.
 */
export function userClientAuth(
  authorization: string | undefined,
  body: Record<string, unknown>,
): { clientId: string | undefined; clientSecret: string | undefined } {
  const basic = basicCredentials(authorization)
  const bodyId = param(body, 'client_id')
  const bodySecret = param(body, 'client_secret')
  if (basic !== undefined && bodySecret !== undefined) {
    throw OAuthError.of('OneAuthenticationMethod')
  }
  if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
    throw OAuthError.of('ClientIdMismatch')
  }
  return { clientId: basic?.id ?? bodyId, clientSecret: basic?.secret ?? bodySecret }
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
    const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' }
    if (grantType === PASSWORD_GRANT || grantType === PASSWORD_REALM_GRANT) {
      const response = await issuePasswordToken(options.mfa, {
        grantType,
        ...userClientAuth(request.headers.authorization, body),
        username: param(body, 'username'),
        password: param(body, 'password'),
        ...optionalParams(body, ['realm', 'audience', 'scope']),
        ...requestOrigin(request),
      })
      return reply.headers(noStore).send(response)
    }
    if (grantType === MFA_OOB_GRANT) {
      const response = await issueMfaOobToken(options.mfa, {
        ...userClientAuth(request.headers.authorization, body),
        mfaToken: param(body, 'mfa_token'),
        oobCode: param(body, 'oob_code'),
        bindingCode: param(body, 'binding_code'),
        ...requestOrigin(request),
      })
      return reply.headers(noStore).send(response)
    }
    if (grantType === MFA_RECOVERY_CODE_GRANT) {
      const response = await issueRecoveryCodeToken(options.mfa, {
        ...userClientAuth(request.headers.authorization, body),
        mfaToken: param(body, 'mfa_token'),
        recoveryCode: param(body, 'recovery_code'),
        ...requestOrigin(request),
      })
      return reply.headers(noStore).send(response)
    }
    if (grantType !== 'client_credentials') {
      throw OAuthError.of('UnsupportedGrantType', { grantType })
    }

    const basic = basicCredentials(request.headers.authorization)
    const bodyId = param(body, 'client_id')
    const bodySecret = param(body, 'client_secret')
    if (basic !== undefined && bodySecret !== undefined) {
      throw OAuthError.of('OneAuthenticationMethod')
    }
    if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
      throw OAuthError.of('ClientIdMismatch')
    }
    const clientId = basic?.id ?? bodyId
    const clientSecret = basic?.secret ?? bodySecret
    if (clientId === undefined || clientId === '') {
      throw OAuthError.of('MissingParameter', { name: 'client_id' })
    }
    if (clientSecret === undefined || clientSecret === '') {
      throw OAuthError.of('ClientAuthenticationRequired', {
        headers: { 'www-authenticate': 'Basic realm="openhooks"' },
      })
    }

    const response = await issueClientCredentialsToken(options.clientCredentials, {
      clientId,
      clientSecret,
      audience: param(body, 'audience'),
      scope: param(body, 'scope'),
      ip: request.ip,
      ...(request.headers['user-agent'] !== undefined
        ? { userAgent: request.headers['user-agent'] }
        : undefined),
    })
    return reply.headers({ 'cache-control': 'no-store', pragma: 'no-cache' }).send(response)
  })
}
