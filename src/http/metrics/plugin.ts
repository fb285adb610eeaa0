import type { FastifyPluginAsync } from 'fastify'
import { ApiError } from '../../errors/api-error.js'
import type { Metrics } from '../../observability/metrics.js'
import type { TokenCheck } from '../../tokens/access-token.js'
import { managementErrorHandler } from '../management/error-handler.js'

/** The scope a Management API token needs to read `/metrics` on the main port. */
export const METRICS_SCOPE = 'read:metrics'

export interface MetricsPluginOptions {
  readonly metrics: Metrics
  readonly verifyToken: (token: string) => Promise<TokenCheck>
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i

/**
 * `GET /metrics` on the main port (docs/observability.md), when metrics are on and no separate
 * metrics port is set: a Management API access token with the `read:metrics` scope is required,
 * and refusals have the Management API's error shape.
 */
export const metricsPlugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, options) => {
  app.setErrorHandler(managementErrorHandler)
  app.get('/metrics', async (request, reply) => {
    const header = request.headers.authorization
    if (header === undefined || header.trim() === '') throw new ApiError('MissingAuthentication')
    const token = BEARER.exec(header)?.[1]
    if (token === undefined) throw new ApiError('InvalidToken')
    const check = await options.verifyToken(token)
    if (!check.ok) {
      throw new ApiError(check.failure === 'bad-signature' ? 'InvalidSignature' : 'InvalidToken')
    }
    if (!check.claims.scopes.includes(METRICS_SCOPE)) {
      throw new ApiError('InsufficientScope', {
        message: `Insufficient scope, expected any of: ${METRICS_SCOPE}`,
      })
    }
    const text = await options.metrics.text()
    return reply.header('content-type', options.metrics.contentType).send(text)
  })
}
