import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { ApiService } from '../../directory/apis.js'
import { DEFAULT_TOKEN_LIFETIME_S } from '../../directory/apis.js'
import {
  CreateResourceServerBody,
  UpdateResourceServerBody,
  toResourceServerResponse,
} from './directory.schemas.js'
import { PagingQuery, listBody, pageOf } from './paging.js'
import { IdParams, routeScope } from './directory.params.js'

export interface ResourceServerRoutesOptions {
  readonly apis: ApiService
}

/** `/resource-servers`: the APIs tokens are issued for. */
export const resourceServerRoutes: FastifyPluginAsyncTypebox<ResourceServerRoutesOptions> = async (
  app,
  { apis },
) => {
  app.get(
    '/resource-servers',
    {
      config: routeScope('read:resource_servers'),
      schema: {
        summary: 'Get resource servers',
        tags: ['resource-servers'],
        querystring: PagingQuery,
      },
    },
    async (request) => {
      const page = pageOf(request.query)
      const { items, total } = await apis.list(page)
      return listBody(
        'resource_servers',
        items.map(toResourceServerResponse),
        total,
        page,
        request.query.include_totals,
      )
    },
  )
  app.post(
    '/resource-servers',
    {
      config: routeScope('create:resource_servers'),
      schema: {
        summary: 'Create a resource server',
        tags: ['resource-servers'],
        body: CreateResourceServerBody,
      },
    },
    async (request, reply) => {
      const b = request.body
      const rs = await apis.create({
        identifier: b.identifier,
        name: b.name ?? b.identifier,
        scopes: (b.scopes ?? []).map((s) => ({ value: s.value, description: s.description ?? '' })),
        tokenLifetime: b.token_lifetime ?? DEFAULT_TOKEN_LIFETIME_S,
        signingAlg: b.signing_alg ?? 'RS256',
      })
      return reply.code(201).send(toResourceServerResponse(rs))
    },
  )
  app.get(
    '/resource-servers/:id',
    {
      config: routeScope('read:resource_servers'),
      schema: {
        summary: 'Get a resource server by id or identifier',
        tags: ['resource-servers'],
        params: IdParams,
      },
    },
    async (request) => toResourceServerResponse(await apis.get(request.params.id)),
  )
  app.patch(
    '/resource-servers/:id',
    {
      config: routeScope('update:resource_servers'),
      schema: {
        summary: 'Update a resource server',
        tags: ['resource-servers'],
        params: IdParams,
        body: UpdateResourceServerBody,
      },
    },
    async (request) => {
      const b = request.body
      const rs = await apis.update(request.params.id, {
        ...(b.name !== undefined ? { name: b.name } : undefined),
        ...(b.scopes !== undefined
          ? { scopes: b.scopes.map((s) => ({ value: s.value, description: s.description ?? '' })) }
          : undefined),
        ...(b.token_lifetime !== undefined ? { tokenLifetime: b.token_lifetime } : undefined),
      })
      return toResourceServerResponse(rs)
    },
  )
  app.delete(
    '/resource-servers/:id',
    {
      config: routeScope('delete:resource_servers'),
      schema: { summary: 'Delete a resource server', tags: ['resource-servers'], params: IdParams },
    },
    async (request, reply) => {
      await apis.delete(request.params.id)
      return reply.code(204).send()
    },
  )
}
