/**
 * Hook versions (issue 22), an openhooks extension under `/api/v2/hooks/{id}/versions`: every
 * change of a hook's script or dependencies is an immutable, numbered version; a deploy makes an
 * old version's code current as a new version. The hook object itself is unchanged.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import type { HookService } from '../../hooks/hook-service.js'
import type { HookVersionRecord } from '../../storage/store.js'
import { actorOf } from './actor.js'
import type { ManagementRouteConfig } from './guard.js'
import { MAX_PER_PAGE, PagingQuery, listBody, pageOf } from './paging.js'
import { toHookResponse } from './responses.js'
import { HookIdParams, HookResponse } from './schemas.js'

const VersionParams = Type.Object({
  id: Type.String({ description: 'ID of the hook.' }),
  number: Type.Integer({ minimum: 1, description: 'Number of the version (1, 2, 3 …).' }),
})

const VersionSummary = {
  number: Type.Integer({ description: 'Number of this version: 1, 2, 3 … per hook.' }),
  hook_id: Type.String({ description: 'ID of the hook.' }),
  created_at: Type.String({ description: 'When this version was made (ISO 8601).' }),
  created_by: Type.Object(
    {
      type: Type.Union([Type.Literal('client'), Type.Literal('operator'), Type.Literal('system')]),
      id: Type.String({
        description: "The client id, the dashboard operator's e-mail address, or `migration`.",
      }),
    },
    { description: 'Who made this version.' },
  ),
  hash: Type.String({ description: 'SHA-256 of the script and dependencies: `sha256:<hex>`.' }),
  dependencies: Type.Record(Type.String(), Type.String(), {
    description: 'Dependencies of this version.',
  }),
  secret_names: Type.Array(Type.String(), {
    description: 'Names of the secrets the hook had (secrets themselves are not versioned).',
  }),
  deployed_from: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The version a deploy copied; null for a save.',
  }),
}

const HookVersionListItem = Type.Object(VersionSummary, { additionalProperties: false })
const HookVersionResponse = Type.Object(
  { ...VersionSummary, script: Type.String({ description: 'Code of this version.' }) },
  { additionalProperties: false },
)

const HookVersionList = Type.Union([
  Type.Array(HookVersionListItem),
  Type.Object({
    start: Type.Integer(),
    limit: Type.Integer(),
    total: Type.Integer(),
    versions: Type.Array(HookVersionListItem),
  }),
])

function summaryOf(version: HookVersionRecord): Static<typeof HookVersionListItem> {
  return {
    number: version.number,
    hook_id: version.hookId,
    created_at: version.createdAt,
    created_by: { type: version.actor.type, id: version.actor.id },
    hash: version.hash,
    dependencies: { ...version.dependencies },
    secret_names: [...version.secretNames],
    deployed_from: version.deployedFrom ?? null,
  }
}

export const hookVersionsRoutes: FastifyPluginAsyncTypebox<{ hooks: HookService }> = async (
  app,
  { hooks },
) => {
  const scope = (
    s: NonNullable<ManagementRouteConfig['scope']>,
    ...errors: (404 | 409)[]
  ): ManagementRouteConfig => ({ scope: s, errors })

  app.get(
    '/hooks/:id/versions',
    {
      config: scope('read:hooks', 404),
      schema: {
        summary: "Get a hook's versions, newest first (openhooks extension)",
        tags: ['hooks'],
        params: HookIdParams,
        querystring: PagingQuery,
        response: { 200: HookVersionList },
      },
    },
    async (request) => {
      // At most the kept versions exist; without per_page, a page of the largest size.
      const page = pageOf(request.query, MAX_PER_PAGE)
      const { items, total } = await hooks.listVersions(request.params.id, page)
      const body = listBody(
        'versions',
        items.map(summaryOf),
        total,
        page,
        request.query.include_totals,
      )
      return body as Static<typeof HookVersionList>
    },
  )

  app.get(
    '/hooks/:id/versions/:number',
    {
      config: scope('read:hooks', 404),
      schema: {
        summary: 'Get a version of a hook (openhooks extension)',
        tags: ['hooks'],
        params: VersionParams,
        response: { 200: HookVersionResponse },
      },
    },
    async (request) => {
      const version = await hooks.getVersion(request.params.id, request.params.number)
      return { ...summaryOf(version), script: version.script }
    },
  )

  app.post(
    '/hooks/:id/versions/:number/deploy',
    {
      config: scope('update:hooks', 404),
      schema: {
        summary:
          "Make a version's script and dependencies current, as a new version (openhooks extension)",
        tags: ['hooks'],
        params: VersionParams,
        response: { 200: HookResponse },
      },
    },
    async (request) => {
      const { id, number } = request.params
      const hook = await hooks.deployVersion(id, number, actorOf(request))
      return toHookResponse(hook, 'read')
    },
  )
}
