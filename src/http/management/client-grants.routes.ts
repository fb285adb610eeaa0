import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ApiService } from '../../directory/apis.js'
import {
  ClientGrantsQuery,
  CreateClientGrantBody,
  UpdateClientGrantBody,
  toClientGrantResponse,
} from './directory.schemas.js'
import { listBody, pageOf } from './paging.js'
import { IdParams, routeScope } from './directory.params.js'

export interface ClientGrantRoutesOptions {
  readonly apis: ApiService
}

/** `/client-grants`: which application may ask for which API, with which scopes. */
export const clientGrantRoutes: FastifyPluginAsyncTypebox<ClientGrantRoutesOptions> = async (
  app,
  { apis },
) => {
  app.get(
    '/client-grants',
    {
      config: routeScope('read:client_grants'),
      schema: {
        summary: 'Get client grants',
        tags: ['client-grants'],
        querystring: ClientGrantsQuery,
      },
    },
    async (request) => {
      const q = request.query
      const page = pageOf(q)
      const { items, total } = await apis.listGrants(
        {
          ...(q.client_id !== undefined ? { clientId: q.client_id } : undefined),
          ...(q.audience !== undefined ? { audience: q.audience } : undefined),
        },
        page,
      )
      return listBody(
        'client_grants',
        items.map(toClientGrantResponse),
        total,
        page,
        q.include_totals,
      )
    },
  )
  app.post(
    '/client-grants',
    {
      config: routeScope('create:client_grants'),
      schema: {
        summary: 'Create a client grant',
        tags: ['client-grants'],
        body: CreateClientGrantBody,
      },
    },
    async (request, reply) => {
      const b = request.body
      const grant = await apis.createGrant(b.client_id, b.audience, b.scope)
      return reply.code(201).send(toClientGrantResponse(grant))
    },
  )
  app.patch(
    '/client-grants/:id',
    {
      config: routeScope('update:client_grants'),
      schema: {
        summary: 'Update a client grant',
        tags: ['client-grants'],
        params: IdParams,
        body: UpdateClientGrantBody,
      },
    },
    async (request) =>
      toClientGrantResponse(await apis.updateGrant(request.params.id, request.body.scope)),
  )
  app.delete(
    '/client-grants/:id',
    {
      config: routeScope('delete:client_grants'),
      schema: { summary: 'Delete a client grant', tags: ['client-grants'], params: IdParams },
    },
    async (request, reply) => {
      await apis.deleteGrant(request.params.id)
      return reply.code(204).send()
    },
  )
}
