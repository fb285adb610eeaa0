import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TENANT_LOG_TYPES } from '../../tenant-log/tenant-log.js'
import type { ManagementRouteConfig } from './guard.js'

/** One entry of the catalogue: an Auth0 log event type code and its description. */
export interface LogEventTypeResponse {
  readonly type: string
  readonly description: string
}

/**
 * `GET /api/v2/logs/event-types` (an openhooks addition; Auth0 has no such endpoint): every tenant
 * log event type openhooks writes, with its description, in catalogue order. The dashboard builds
 * its Logs filter from it, so a type added to the catalogue appears there without a second list.
 */
export const logTypesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const config: ManagementRouteConfig = { scope: 'read:logs' }
  const body: readonly LogEventTypeResponse[] = Object.entries(TENANT_LOG_TYPES).map(
    ([type, description]) => ({ type, description }),
  )
  app.get(
    '/logs/event-types',
    {
      config,
      schema: { summary: 'List the log event types openhooks writes', tags: ['logs'] },
    },
    async () => body,
  )
}
