/**
 * Attack protection in Auth0's shapes (docs/attack-protection.md):
 * `GET/PATCH /api/v2/attack-protection/brute-force-protection`,
 * `GET/PATCH /api/v2/attack-protection/suspicious-ip-throttling`, and the blocks of brute-force
 * protection at `GET/DELETE /api/v2/user-blocks/{id}` and `GET/DELETE /api/v2/user-blocks?identifier=`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { ApiError } from '../../errors/api-error.js'
import type { UserService } from '../../directory/users.js'
import {
  MAX_ALLOWLIST_ENTRIES,
  MAX_BRUTE_FORCE_ATTEMPTS,
  identifiersOf,
  isAllowlistEntry,
  type AttackProtection,
} from '../../flows/attack-protection.js'
import type { ManagementRouteConfig } from './guard.js'

export interface AttackProtectionRoutesOptions {
  readonly attackProtection: AttackProtection
  readonly users: UserService
}

const Allowlist = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
  maxItems: MAX_ALLOWLIST_ENTRIES,
  description: 'Trusted IP addresses or CIDR ranges (IPv4 or IPv6) that are never blocked.',
})

const BruteForceBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    shields: Type.Optional(
      Type.Array(Type.Union([Type.Literal('block'), Type.Literal('user_notification')]), {
        uniqueItems: true,
      }),
    ),
    allowlist: Type.Optional(Allowlist),
    mode: Type.Optional(
      Type.Union([
        Type.Literal('count_per_identifier_and_ip'),
        Type.Literal('count_per_identifier'),
      ]),
    ),
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BRUTE_FORCE_ATTEMPTS })),
  },
  { additionalProperties: false },
)

const Stage = Type.Object(
  {
    max_attempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    rate: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'Milliseconds per attempt regained.',
      }),
    ),
  },
  { additionalProperties: false },
)

const SuspiciousIpBody = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    shields: Type.Optional(
      Type.Array(Type.Union([Type.Literal('block'), Type.Literal('admin_notification')]), {
        uniqueItems: true,
      }),
    ),
    allowlist: Type.Optional(Allowlist),
    stage: Type.Optional(
      Type.Object(
        {
          'pre-login': Type.Optional(Stage),
          'pre-user-registration': Type.Optional(Stage),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)

const UserBlocks = Type.Object({
  blocked_for: Type.Array(
    Type.Object({
      identifier: Type.String(),
      ip: Type.Optional(Type.String()),
      connection: Type.String(),
    }),
  ),
})

const IdentifierQuery = Type.Object({
  identifier: Type.String({
    minLength: 1,
    maxLength: 512,
    description: 'A username, phone number or e-mail.',
  }),
})

const read: ManagementRouteConfig = { scope: 'read:attack_protection' }
const update: ManagementRouteConfig = { scope: 'update:attack_protection' }
const readUsers: ManagementRouteConfig = { scope: 'read:users' }
const updateUsers: ManagementRouteConfig = { scope: 'update:users' }

function checkAllowlist(allowlist: readonly string[] | undefined): void {
  const bad = allowlist?.find((entry) => !isAllowlistEntry(entry))
  if (bad !== undefined) {
    throw new ApiError('InvalidBody', {
      message: `Payload validation error: 'Object didn't pass validation for format ip or cidr: ${bad}' on property allowlist.`,
    })
  }
}

/** One settings resource: GET reads it; PATCH checks the allow-list, then merges the body. */
function settingsRoutes<Body extends typeof BruteForceBody | typeof SuspiciousIpBody>(
  app: Parameters<FastifyPluginAsyncTypebox>[0],
  resource: {
    readonly path: string
    /** In the OpenAPI summaries: "Get …", "Update …". */
    readonly name: string
    readonly body: Body
    get(): Promise<unknown>
    update(patch: Static<Body>): Promise<unknown>
  },
): void {
  const tags = ['attack-protection']
  app.get(resource.path, { config: read, schema: { summary: `Get ${resource.name}`, tags } }, () =>
    resource.get(),
  )
  app.patch(
    resource.path,
    { config: update, schema: { summary: `Update ${resource.name}`, tags, body: resource.body } },
    async (request) => {
      const patch = request.body as Static<Body>
      checkAllowlist(patch.allowlist)
      return resource.update(patch)
    },
  )
}

export const attackProtectionRoutes: FastifyPluginAsyncTypebox<
  AttackProtectionRoutesOptions
> = async (app, options) => {
  const { attackProtection, users } = options

  settingsRoutes(app, {
    path: '/attack-protection/brute-force-protection',
    name: 'brute-force settings',
    body: BruteForceBody,
    get: () => attackProtection.bruteForce(),
    update: (patch) => attackProtection.updateBruteForce(patch),
  })
  settingsRoutes(app, {
    path: '/attack-protection/suspicious-ip-throttling',
    name: 'suspicious IP throttling settings',
    body: SuspiciousIpBody,
    get: () => attackProtection.suspiciousIp(),
    update: (patch) => attackProtection.updateSuspiciousIp(patch),
  })

  const blockTags = ['user-blocks']
  app.get(
    '/user-blocks',
    {
      config: readUsers,
      schema: {
        summary: 'Get blocks by identifier',
        tags: blockTags,
        querystring: IdentifierQuery,
        response: { 200: UserBlocks },
      },
    },
    async (request) => ({
      blocked_for: await attackProtection.blocksOf([request.query.identifier]),
    }),
  )
  app.delete(
    '/user-blocks',
    {
      config: updateUsers,
      schema: { summary: 'Unblock by identifier', tags: blockTags, querystring: IdentifierQuery },
    },
    async (request, reply) => {
      await attackProtection.unblock([request.query.identifier])
      return reply.code(204).send()
    },
  )
  app.get<{ Params: { id: string } }>(
    '/user-blocks/:id',
    {
      config: readUsers,
      schema: { summary: "Get a user's blocks", tags: blockTags, response: { 200: UserBlocks } },
    },
    async (request) => {
      const user = await users.get(request.params.id)
      return { blocked_for: await attackProtection.blocksOf(identifiersOf(user)) }
    },
  )
  app.delete<{ Params: { id: string } }>(
    '/user-blocks/:id',
    { config: updateUsers, schema: { summary: 'Unblock a user', tags: blockTags } },
    async (request, reply) => {
      const user = await users.get(request.params.id)
      await attackProtection.liftBlocksOf(user)
      return reply.code(204).send()
    },
  )
}
