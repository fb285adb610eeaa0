import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { UserService } from '../../directory/users.js'
import type { UserRecord } from '../../storage/store.js'
import { CreateUserBody, UpdateUserBody, toUserResponse } from './directory.schemas.js'
import { PagingQuery, listBody, pageOf } from './paging.js'
import { selectFields } from './responses.js'
import { FieldsQuery, IdParams, routeScope } from './directory.params.js'

/** Users are paged by default, as on Auth0. */
export const DEFAULT_USERS_PER_PAGE = 50

export interface UserRoutesOptions {
  readonly users: UserService
  /** Runs after a password change commits (the post-change-password flow). */
  readonly onPasswordChanged: (user: UserRecord) => void
}

/** `/users`: users of the database connections. */
export const userRoutes: FastifyPluginAsyncTypebox<UserRoutesOptions> = async (app, options) => {
  const { users } = options
  const connectionNames = async (): Promise<Map<string, string>> =>
    new Map((await users.listConnections()).map((c) => [c.id, c.name]))
  const userBody = async (user: UserRecord) =>
    toUserResponse(user, (await connectionNames()).get(user.connectionId) ?? '')

  app.get(
    '/users',
    {
      config: routeScope('read:users'),
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
      config: routeScope('create:users'),
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
      config: routeScope('read:users'),
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
      config: routeScope('update:users'),
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
      config: routeScope('delete:users'),
      schema: { summary: 'Delete a user', tags: ['users'], params: IdParams },
    },
    async (request, reply) => {
      await users.delete(request.params.id)
      return reply.code(204).send()
    },
  )
}
