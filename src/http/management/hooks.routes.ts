import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { HookService } from '../../hooks/hook-service.js'
import { actorOf } from './actor.js'
import type { ManagementRouteConfig } from './guard.js'
import { selectFields, toHookResponse } from './responses.js'
import {
  CreateHookBody,
  DeleteSecretsBody,
  GetHookQuery,
  HookIdParams,
  HookListWithTotals,
  HookResponse,
  ListHooksQuery,
  PartialHookResponse,
  SecretsBody,
  SecretsResponse,
  UpdateHookBody,
} from './schemas.js'

const EmptyObject = Type.Object({}, { additionalProperties: false })

/** `"true"`/`"false"` for `enabled`, from form bodies and Auth0's docs example (compat §2.4, Q14). */
function coerceEnabled(body: unknown): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return
  const record = body as Record<string, unknown>
  if (record.enabled === 'true') record.enabled = true
  else if (record.enabled === 'false') record.enabled = false
}

/** The nine hook endpoints (compat §2.5–2.6). */
export const hooksRoutes: FastifyPluginAsyncTypebox<{ hooks: HookService }> = async (
  app,
  { hooks },
) => {
  const scope = (
    s: NonNullable<ManagementRouteConfig['scope']>,
    ...errors: (404 | 409)[]
  ): ManagementRouteConfig => ({ scope: s, errors })

  app.get(
    '/hooks',
    {
      config: scope('read:hooks'),
      schema: {
        summary: 'Get hooks',
        tags: ['hooks'],
        querystring: ListHooksQuery,
        response: { 200: Type.Union([Type.Array(PartialHookResponse), HookListWithTotals]) },
      },
    },
    async (request) => {
      const q = request.query
      const filter = {
        ...(q.enabled !== undefined ? { enabled: q.enabled } : undefined),
        ...(q.triggerId !== undefined ? { triggerId: q.triggerId } : undefined),
      }
      // compat Q8: without per_page, paging is off and every hook is returned.
      const page =
        q.per_page === undefined
          ? undefined
          : { offset: (q.page ?? 0) * q.per_page, limit: q.per_page }
      const { hooks: found, total } = await hooks.list(filter, page)
      const items = found.map((h) =>
        selectFields(toHookResponse(h, 'read'), q.fields, q.include_fields ?? true),
      )
      if (q.include_totals !== true) return items
      return {
        start: page?.offset ?? 0,
        limit: page?.limit ?? items.length,
        total,
        hooks: items,
      }
    },
  )

  app.post(
    '/hooks',
    {
      config: scope('create:hooks', 409),
      preValidation: async (request) => {
        coerceEnabled(request.body)
      },
      schema: {
        summary: 'Create a hook',
        tags: ['hooks'],
        body: CreateHookBody,
        response: { 201: HookResponse },
      },
    },
    async (request, reply) => {
      const hook = await hooks.create(request.body, actorOf(request))
      return reply.code(201).send(toHookResponse(hook, 'write'))
    },
  )

  app.get(
    '/hooks/:id',
    {
      config: scope('read:hooks', 404),
      schema: {
        summary: 'Get a hook',
        tags: ['hooks'],
        params: HookIdParams,
        querystring: GetHookQuery,
        response: { 200: PartialHookResponse },
      },
    },
    async (request) => {
      const hook = await hooks.get(request.params.id)
      const q = request.query
      return selectFields(toHookResponse(hook, 'read'), q.fields, q.include_fields ?? true)
    },
  )

  app.patch(
    '/hooks/:id',
    {
      config: scope('update:hooks', 404, 409),
      preValidation: async (request) => {
        coerceEnabled(request.body)
      },
      schema: {
        summary: 'Update a hook',
        tags: ['hooks'],
        params: HookIdParams,
        body: UpdateHookBody,
        response: { 200: HookResponse },
      },
    },
    async (request) => {
      const hook = await hooks.update(request.params.id, request.body, actorOf(request))
      return toHookResponse(hook, 'write')
    },
  )

  app.delete(
    '/hooks/:id',
    {
      config: scope('delete:hooks', 404),
      schema: { summary: 'Delete a hook', tags: ['hooks'], params: HookIdParams },
    },
    async (request, reply) => {
      await hooks.delete(request.params.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/hooks/:id/secrets',
    {
      config: scope('read:hooks', 404),
      schema: {
        summary: "Get a hook's secrets (values are never shown)",
        tags: ['hooks'],
        params: HookIdParams,
        response: { 200: SecretsResponse },
      },
    },
    async (request) => hooks.listSecrets(request.params.id),
  )

  app.post(
    '/hooks/:id/secrets',
    {
      config: scope('update:hooks', 404, 409),
      schema: {
        summary: 'Add hook secrets',
        tags: ['hooks'],
        params: HookIdParams,
        body: SecretsBody,
        response: { 201: EmptyObject },
      },
    },
    async (request, reply) => {
      await hooks.addSecrets(request.params.id, request.body)
      return reply.code(201).send({})
    },
  )

  app.patch(
    '/hooks/:id/secrets',
    {
      config: scope('update:hooks', 404),
      schema: {
        summary: 'Update hook secrets',
        tags: ['hooks'],
        params: HookIdParams,
        body: SecretsBody,
        response: { 201: EmptyObject },
      },
    },
    async (request, reply) => {
      await hooks.updateSecrets(request.params.id, request.body)
      return reply.code(201).send({})
    },
  )

  app.delete(
    '/hooks/:id/secrets',
    {
      config: scope('delete:hooks', 404),
      schema: {
        summary: 'Delete hook secrets',
        tags: ['hooks'],
        params: HookIdParams,
        body: DeleteSecretsBody,
      },
    },
    async (request, reply) => {
      await hooks.deleteSecrets(request.params.id, request.body)
      return reply.code(204).send()
    },
  )
}
