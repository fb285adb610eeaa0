import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { UserService } from '../../directory/users.js'
import { UpdateConnectionBody, toConnectionResponse } from './directory.schemas.js'
import { IdParams, routeScope } from './directory.params.js'

export interface ConnectionRoutesOptions {
  readonly users: UserService
}

/** `/connections`: the database connections users belong to. */
export const connectionRoutes: FastifyPluginAsyncTypebox<ConnectionRoutesOptions> = async (
  app,
  { users },
) => {
  app.get(
    '/connections',
    {
      config: routeScope('read:connections'),
      schema: { summary: 'Get connections', tags: ['connections'] },
    },
    async () => (await users.listConnections()).map(toConnectionResponse),
  )
  app.get(
    '/connections/:id',
    {
      config: routeScope('read:connections'),
      schema: { summary: 'Get a connection', tags: ['connections'], params: IdParams },
    },
    async (request) => toConnectionResponse(await users.getConnection(request.params.id)),
  )
  app.patch(
    '/connections/:id',
    {
      config: routeScope('update:connections'),
      schema: {
        summary: "Update a connection's options",
        tags: ['connections'],
        params: IdParams,
        body: UpdateConnectionBody,
      },
    },
    async (request) =>
      toConnectionResponse(
        await users.updateConnectionOptions(request.params.id, request.body.options),
      ),
  )
}
