import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { ApiService } from '../../directory/apis.js'
import { DEFAULT_TOKEN_LIFETIME_S } from '../../directory/apis.js'
import type { ClientService } from '../../directory/clients.js'
import type { UserService } from '../../directory/users.js'
import { ApiError } from '../../errors/api-error.js'
import type { TenantLogStore, UserRecord } from '../../storage/store.js'
import type { ManagementScope } from '../../tokens/management-scopes.js'
import {
  ClientGrantsQuery,
  CreateClientBody,
  CreateClientGrantBody,
  CreateResourceServerBody,
  CreateUserBody,
  LogsQuery,
  UpdateClientBody,
  UpdateClientGrantBody,
  UpdateConnectionBody,
  UpdateResourceServerBody,
  UpdateUserBody,
  toClientGrantResponse,
  toClientResponse,
  toConnectionResponse,
  toLogResponse,
  toResourceServerResponse,
  toUserResponse,
} from './directory.schemas.js'
import type { ManagementRouteConfig } from './guard.js'
import { PagingQuery, listBody, pageOf } from './paging.js'
import { selectFields } from './responses.js'

/** Users and logs are paged by default, as on Auth0; the other lists are small. */
export const DEFAULT_USERS_PER_PAGE = 50
export const DEFAULT_LOGS_PER_PAGE = 50

export interface DirectoryRoutesOptions {
  readonly tenant: string
  readonly clients: ClientService
  readonly apis: ApiService
  readonly users: UserService
  readonly logs: TenantLogStore
  /** Runs after a password change commits (the post-change-password flow). */
  readonly onPasswordChanged: (user: UserRecord) => void
}

const IdParams = Type.Object({ id: Type.String() })
const FieldsQuery = Type.Object({
  fields: Type.Optional(Type.String()),
  include_fields: Type.Optional(Type.Boolean()),
})

const scope = (s: ManagementScope): ManagementRouteConfig => ({ scope: s })

/**
 * The Management API resources the flows need (Auth0 shapes): clients, resource servers, client
 * grants, connections, users and the tenant log.
 */
export const directoryRoutes: FastifyPluginAsyncTypebox<DirectoryRoutesOptions> = async (
  app,
  options,
) => {
  const { clients, apis, users, tenant } = options

  // ---- clients ----
  app.get(
    '/clients',
    {
      config: scope('read:clients'),
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
      config: scope('create:clients'),
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
      config: scope('read:clients'),
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
      config: scope('update:clients'),
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
      config: scope('update:clients'),
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
      config: scope('delete:clients'),
      schema: { summary: 'Delete a client', tags: ['clients'], params: IdParams },
    },
    async (request, reply) => {
      await clients.delete(request.params.id)
      return reply.code(204).send()
    },
  )

  // ---- resource servers ----
  app.get(
    '/resource-servers',
    {
      config: scope('read:resource_servers'),
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
      config: scope('create:resource_servers'),
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
      config: scope('read:resource_servers'),
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
      config: scope('update:resource_servers'),
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
      config: scope('delete:resource_servers'),
      schema: { summary: 'Delete a resource server', tags: ['resource-servers'], params: IdParams },
    },
    async (request, reply) => {
      await apis.delete(request.params.id)
      return reply.code(204).send()
    },
  )

  // ---- client grants ----
  app.get(
    '/client-grants',
    {
      config: scope('read:client_grants'),
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
      config: scope('create:client_grants'),
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
      config: scope('update:client_grants'),
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
      config: scope('delete:client_grants'),
      schema: { summary: 'Delete a client grant', tags: ['client-grants'], params: IdParams },
    },
    async (request, reply) => {
      await apis.deleteGrant(request.params.id)
      return reply.code(204).send()
    },
  )

  // ---- connections ----
  app.get(
    '/connections',
    {
      config: scope('read:connections'),
      schema: { summary: 'Get connections', tags: ['connections'] },
    },
    async () => (await users.listConnections()).map(toConnectionResponse),
  )
  app.get(
    '/connections/:id',
    {
      config: scope('read:connections'),
      schema: { summary: 'Get a connection', tags: ['connections'], params: IdParams },
    },
    async (request) => toConnectionResponse(await users.getConnection(request.params.id)),
  )
  app.patch(
    '/connections/:id',
    {
      config: scope('update:connections'),
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

  // ---- users ----
  const connectionNames = async (): Promise<Map<string, string>> =>
    new Map((await users.listConnections()).map((c) => [c.id, c.name]))
  const userBody = async (user: UserRecord) =>
    toUserResponse(user, (await connectionNames()).get(user.connectionId) ?? '')

  app.get(
    '/users',
    {
      config: scope('read:users'),
      schema: {
        summary: 'Get users',
        tags: ['users'],
        querystring: Type.Intersect([PagingQuery, FieldsQuery]),
      },
    },
    async (request) => {
      const page = pageOf(request.query, DEFAULT_USERS_PER_PAGE)
      const { items, total } = await users.list(page)
      const names = await connectionNames()
      const body = items.map((u) =>
        selectFields(
          toUserResponse(u, names.get(u.connectionId) ?? ''),
          request.query.fields,
          request.query.include_fields ?? true,
        ),
      )
      return listBody('users', body, total, page, request.query.include_totals)
    },
  )
  app.post(
    '/users',
    {
      config: scope('create:users'),
      schema: { summary: 'Create a user', tags: ['users'], body: CreateUserBody },
    },
    async (request, reply) => {
      const b = request.body
      const user = await users.create({
        connection: b.connection,
        password: b.password,
        ...(b.email !== undefined ? { email: b.email } : undefined),
        ...(b.username !== undefined ? { username: b.username } : undefined),
        ...(b.phone_number !== undefined ? { phoneNumber: b.phone_number } : undefined),
        ...(b.email_verified !== undefined ? { emailVerified: b.email_verified } : undefined),
        ...(b.user_metadata !== undefined ? { userMetadata: b.user_metadata } : undefined),
        ...(b.app_metadata !== undefined ? { appMetadata: b.app_metadata } : undefined),
      })
      return reply.code(201).send(await userBody(user))
    },
  )
  app.get(
    '/users/:id',
    {
      config: scope('read:users'),
      schema: {
        summary: 'Get a user',
        tags: ['users'],
        params: IdParams,
        querystring: FieldsQuery,
      },
    },
    async (request) =>
      selectFields(
        await userBody(await users.get(request.params.id)),
        request.query.fields,
        request.query.include_fields ?? true,
      ),
  )
  app.patch(
    '/users/:id',
    {
      config: scope('update:users'),
      schema: { summary: 'Update a user', tags: ['users'], params: IdParams, body: UpdateUserBody },
    },
    async (request) => {
      const b = request.body
      const user = await users.update(
        request.params.id,
        {
          ...(b.email !== undefined ? { email: b.email } : undefined),
          ...(b.username !== undefined ? { username: b.username } : undefined),
          ...(b.password !== undefined ? { password: b.password } : undefined),
          ...(b.phone_number !== undefined ? { phoneNumber: b.phone_number } : undefined),
          ...(b.email_verified !== undefined ? { emailVerified: b.email_verified } : undefined),
          ...(b.phone_verified !== undefined ? { phoneVerified: b.phone_verified } : undefined),
          ...(b.user_metadata !== undefined ? { userMetadata: b.user_metadata } : undefined),
          ...(b.app_metadata !== undefined ? { appMetadata: b.app_metadata } : undefined),
        },
        new Date(),
      )
      if (b.password !== undefined) options.onPasswordChanged(user)
      return userBody(user)
    },
  )
  app.delete(
    '/users/:id',
    {
      config: scope('delete:users'),
      schema: { summary: 'Delete a user', tags: ['users'], params: IdParams },
    },
    async (request, reply) => {
      await users.delete(request.params.id)
      return reply.code(204).send()
    },
  )

  // ---- logs ----
  app.get(
    '/logs',
    {
      config: scope('read:logs'),
      schema: { summary: 'Search log events', tags: ['logs'], querystring: LogsQuery },
    },
    async (request) => {
      const q = request.query
      const type = q.q?.slice('type:'.length)
      const checkpoint = q.from !== undefined || q.take !== undefined
      const page = checkpoint ? undefined : pageOf(q, DEFAULT_LOGS_PER_PAGE)
      const { items, total } = await options.logs.listLogs({
        ...(type !== undefined ? { type } : undefined),
        ...(q.from !== undefined ? { from: q.from } : undefined),
        ...(q.take !== undefined ? { take: q.take } : undefined),
        ...(checkpoint && q.take === undefined ? { take: DEFAULT_LOGS_PER_PAGE } : undefined),
        ...(page !== undefined ? { page } : undefined),
      })
      const body = items.map(toLogResponse)
      return checkpoint ? body : listBody('logs', body, total, page, q.include_totals)
    },
  )
  app.get(
    '/logs/:id',
    {
      config: scope('read:logs'),
      schema: { summary: 'Get a log event', tags: ['logs'], params: IdParams },
    },
    async (request) => {
      const log = await options.logs.getLog(request.params.id)
      if (log === undefined) throw new ApiError('LogDoesNotExist')
      return toLogResponse(log)
    },
  )
}
