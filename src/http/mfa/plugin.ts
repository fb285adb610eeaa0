import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import {
  associate,
  challenge,
  deleteAuthenticator,
  listAuthenticators,
} from '../../flows/mfa-sms.js'
import type { MfaDeps } from '../../flows/user-tokens.js'
import { OAuthError } from '../../errors/api-error.js'
import { registerBodyParsers } from '../body-parsers.js'
import { oauthErrorHandler, param, requestClient } from '../oauth/plugin.js'
import { requestOrigin } from '../request-origin.js'

/** Largest accepted `/mfa/*` request body. */
export const MAX_MFA_BODY_BYTES = 16 * 1024

export interface MfaPluginOptions {
  readonly mfa: MfaDeps
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/** The `mfa_token` sent as a bearer token (`/mfa/associate`, `/mfa/authenticators`). */
function bearerMfaToken(request: FastifyRequest): string {
  const header = request.headers.authorization
  const token = header === undefined ? undefined : BEARER.exec(header)?.[1]
  if (token === undefined) {
    throw OAuthError.of('MfaTokenRequired', {
      headers: { 'www-authenticate': 'Bearer realm="openhooks"' },
    })
  }
  return token
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {}
}

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' }

/** Auth0's MFA API for the SMS factor (docs/mfa.md), with RFC 6749 error bodies. */
export const mfaPlugin: FastifyPluginAsync<MfaPluginOptions> = async (app, { mfa }) => {
  registerBodyParsers(app)
  app.setErrorHandler(oauthErrorHandler)

  app.post('/mfa/associate', { bodyLimit: MAX_MFA_BODY_BYTES }, async (request, reply) => {
    const body = bodyOf(request)
    const response = await associate(mfa, {
      mfaToken: bearerMfaToken(request),
      authenticatorTypes: body.authenticator_types,
      oobChannels: body.oob_channels,
      phoneNumber: body.phone_number,
      ...requestOrigin(request),
    })
    return reply.headers(noStore).send(response)
  })

  app.post('/mfa/challenge', { bodyLimit: MAX_MFA_BODY_BYTES }, async (request, reply) => {
    const body = bodyOf(request)
    const response = await challenge(mfa, {
      ...requestClient(request.headers.authorization, body),
      mfaToken: param(body, 'mfa_token'),
      challengeType: param(body, 'challenge_type'),
      authenticatorId: param(body, 'authenticator_id'),
      ...requestOrigin(request),
    })
    return reply.headers(noStore).send(response)
  })

  app.get('/mfa/authenticators', async (request, reply) => {
    const response = await listAuthenticators(mfa, bearerMfaToken(request))
    return reply.headers(noStore).send(response)
  })

  app.delete<{ Params: { id: string } }>('/mfa/authenticators/:id', async (request, reply) => {
    await deleteAuthenticator(mfa, bearerMfaToken(request), request.params.id)
    return reply.code(204).send()
  })
}
