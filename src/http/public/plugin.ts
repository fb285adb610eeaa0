import type { FastifyPluginAsync } from 'fastify'
import type { JWK } from 'jose'
import { MANAGEMENT_SCOPES } from '../../tokens/management-scopes.js'

/** How long `/healthz` waits for the storage to answer. */
export const HEALTH_CHECK_TIMEOUT_MS = 2_000

/** How long `/readyz` waits for each of its checks. */
export const READY_CHECK_TIMEOUT_MS = 2_000

export interface PublicPluginOptions {
  readonly issuer: string
  /** The public keys tokens are signed with (`/.well-known/jwks.json`). */
  readonly publicJwks: readonly JWK[]
  readonly ping: () => Promise<void>
  /**
   * Whether the sandbox pool has a worker that answers. Without it, `/readyz` checks the
   * database only. (Migrations are done before the server listens: a listening node has them.)
   */
  readonly sandboxUp?: () => Promise<boolean>
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

/** Health and discovery: `/healthz`, `/readyz`, `/.well-known/jwks.json`, `/.well-known/openid-configuration`. */
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

  // Ready for traffic: the database answers and the sandbox pool is up (docs/cluster.md). A load
  // balancer takes a node out on a 503 here; `/healthz` only says the process is alive.
  app.get('/readyz', async (request, reply) => {
    const check = async (probe: () => Promise<boolean>): Promise<'ok' | 'failed'> => {
      try {
        return (await withDeadline(probe(), READY_CHECK_TIMEOUT_MS)) ? 'ok' : 'failed'
      } catch (error) {
        request.log.warn({ err: error, event: 'ready.failed' }, 'readiness check failed')
        return 'failed'
      }
    }
    const sandboxUp = options.sandboxUp
    const [database, sandbox] = await Promise.all([
      check(async () => {
        await options.ping()
        return true
      }),
      sandboxUp === undefined ? Promise.resolve('ok' as const) : check(sandboxUp),
    ])
    const ready = database === 'ok' && sandbox === 'ok'
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : 'unavailable', checks: { database, sandbox } })
  })

  app.get('/.well-known/jwks.json', async (_request, reply) =>
    reply.header('cache-control', 'public, max-age=300').send({ keys: options.publicJwks }),
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
