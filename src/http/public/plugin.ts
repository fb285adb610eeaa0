import type { FastifyPluginAsync } from 'fastify'
import type { SigningKeys } from '../../tokens/signing-keys.js'
import { MANAGEMENT_SCOPES } from '../../tokens/management-scopes.js'

/** How long `/healthz` waits for the storage to answer. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000

export interface PublicPluginOptions {
  readonly issuer: string
  readonly signingKeys: SigningKeys
  readonly ping: () => Promise<void>
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${ms} ms`))
    }, ms)
  })
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer)
  })
}

/** Health and discovery: `/healthz`, `/.well-known/jwks.json`, `/.well-known/openid-configuration`. */
export const publicPlugin: FastifyPluginAsync<PublicPluginOptions> = async (app, options) => {
  app.get('/healthz', async (request, reply) => {
    try {
      await withDeadline(options.ping(), HEALTH_CHECK_TIMEOUT_MS)
      return { status: 'ok' }
    } catch (error) {
      request.log.error({ err: error, event: 'health.failed' }, 'storage did not answer')
      return reply.code(503).send({ status: 'unavailable' })
    }
  })

  app.get('/.well-known/jwks.json', async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .send({ keys: options.signingKeys.publicJwks }),
  )

  app.get('/.well-known/openid-configuration', async () => ({
    issuer: options.issuer,
    token_endpoint: `${options.issuer}oauth/token`,
    jwks_uri: `${options.issuer}.well-known/jwks.json`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
    response_types_supported: ['token'],
    scopes_supported: [...MANAGEMENT_SCOPES],
    id_token_signing_alg_values_supported: ['RS256'],
  }))
}
