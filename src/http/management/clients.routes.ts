import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { ClientService } from '../../directory/clients.js'
import { CreateClientBody, UpdateClientBody, toClientResponse } from './directory.schemas.js'
import { PagingQuery, listBody, pageOf } from './paging.js'
import { selectFields } from './responses.js'
import { FieldsQuery, IdParams, routeScope } from './directory.params.js'

export interface ClientRoutesOptions {
  readonly tenant: string
  readonly clients: ClientService
}

/** `/clients`: applications, their secrets and their rotation. */
export const clientRoutes: FastifyPluginAsyncTypebox<ClientRoutesOptions> = async (
  app,
  { clients, tenant },
) => {
  app.get(
    '/clients',
    {
      config: routeScope('read:clients'),
      schema: {
        summary: 'Get clients',
        tags: ['clients'],
        querystring: Type.Intersect([PagingQuery, FieldsQuery]),
      },
    },
    async (request) => {
      const page = pageOf(request.query)
      const { items, total } = await clients.list(page)
      const body = items.map((c) =>
        selectFields(
          toClientResponse(c, tenant),
          request.query.fields,
          request.query.include_fields ?? true,
        ),
      )
      return listBody('clients', body, total, page, request.query.include_totals)
    },
  )
  app.post(
    '/clients',
    {
      config: routeScope('create:clients'),
      schema: { summary: 'Create a client', tags: ['clients'], body: CreateClientBody },
    },
    async (request, reply) => {
      const b = request.body
      const { client, secret } = await clients.create({
        name: b.name,
        ...(b.description !== undefined ? { description: b.description } : undefined),
        ...(b.app_type !== undefined ? { appType: b.app_type } : undefined),
        ...(b.grant_types !== undefined ? { grantTypes: b.grant_types } : undefined),
        ...(b.client_metadata !== undefined ? { clientMetadata: b.client_metadata } : undefined),
        ...(b.token_endpoint_auth_method !== undefined
          ? { tokenEndpointAuthMethod: b.token_endpoint_auth_method }
          : undefined),
      })
      return reply.code(201).send(toClientResponse(client, tenant, secret))
    },
  )
  app.get(
    '/clients/:id',
    {
      config: routeScope('read:clients'),
      schema: {
        summary: 'Get a client',
        tags: ['clients'],
        params: IdParams,
        querystring: FieldsQuery,
      },
    },
    async (request) =>
      selectFields(
        toClientResponse(await clients.get(request.params.id), tenant),
        request.query.fields,
        request.query.include_fields ?? true,
      ),
  )
  app.patch(
    '/clients/:id',
    {
      config: routeScope('update:clients'),
      schema: {
        summary: 'Update a client',
        tags: ['clients'],
        params: IdParams,
        body: UpdateClientBody,
      },
    },
    async (request) => {
      const b = request.body
      const client = await clients.update(request.params.id, {
        ...(b.name !== undefined ? { name: b.name } : undefined),
        ...(b.description !== undefined ? { description: b.description } : undefined),
        ...(b.app_type !== undefined ? { appType: b.app_type } : undefined),
        ...(b.grant_types !== undefined ? { grantTypes: b.grant_types } : undefined),
        ...(b.client_metadata !== undefined ? { clientMetadata: b.client_metadata } : undefined),
        ...(b.token_endpoint_auth_method !== undefined
          ? { tokenEndpointAuthMethod: b.token_endpoint_auth_method }
          : undefined),
      })
      return toClientResponse(client, tenant)
    },
  )
  app.post(
    '/clients/:id/rotate-secret',
    {
      config: routeScope('update:clients'),
      schema: { summary: "Rotate a client's secret", tags: ['clients'], params: IdParams },
    },
    async (request) => {
      const { client, secret } = await clients.rotateSecret(request.params.id)
      return toClientResponse(client, tenant, secret)
    },
  )
  app.delete(
    '/clients/:id',
    {
      config: routeScope('delete:clients'),
      schema: { summary: 'Delete a client', tags: ['clients'], params: IdParams },
    },
    async (request, reply) => {
      await clients.delete(request.params.id)
      return reply.code(204).send()
    },
  )
}
