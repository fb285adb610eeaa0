/**
 * `GET`/`PATCH /api/v2/hooks/{id}/settings` (issue 22): openhooks' own per-hook settings, kept
 * outside the hook object Auth0's clients read. Today one: the failure policy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { HookService } from '../../hooks/hook-service.js'
import { actorOf } from './actor.js'
import type { ManagementRouteConfig } from './guard.js'
import { HookIdParams } from './schemas.js'

const FailurePolicy = Type.Union([Type.Literal('closed'), Type.Literal('open')], {
  description:
    'What a timeout, crash, memory, compile or resource-limit failure of the hook does: `closed` (default, as on Auth0) fails the flow; `open` lets it go on as if no hook were enabled. An error the hook returns on purpose fails the flow either way.',
})

const HookSettingsResponse = Type.Object(
  { failurePolicy: FailurePolicy },
  { additionalProperties: false },
)

const HookSettingsBody = Type.Object(
  { failurePolicy: Type.Optional(FailurePolicy) },
  { additionalProperties: false, minProperties: 1 },
)

export const hookSettingsRoutes: FastifyPluginAsyncTypebox<{ hooks: HookService }> = async (
  app,
  { hooks },
) => {
  const scope = (s: NonNullable<ManagementRouteConfig['scope']>): ManagementRouteConfig => ({
    scope: s,
    errors: [404],
  })

  app.get(
    '/hooks/:id/settings',
    {
      config: scope('read:hooks'),
      schema: {
        summary: "Get a hook's openhooks settings (openhooks extension)",
        tags: ['hooks'],
        params: HookIdParams,
        response: { 200: HookSettingsResponse },
      },
    },
    async (request) => {
      const settings = await hooks.getSettings(request.params.id)
      return { failurePolicy: settings.failurePolicy }
    },
  )

  app.patch(
    '/hooks/:id/settings',
    {
      config: scope('update:hooks'),
      schema: {
        summary: "Update a hook's openhooks settings (openhooks extension)",
        tags: ['hooks'],
        params: HookIdParams,
        body: HookSettingsBody,
        response: { 200: HookSettingsResponse },
      },
    },
    async (request) => {
      const settings = await hooks.updateSettings(request.params.id, request.body, actorOf(request))
      return { failurePolicy: settings.failurePolicy }
    },
  )
}
