/**
 * Wire schemas of the hook endpoints (compat §2.3–2.6). Field names are Auth0's, verbatim; the
 * descriptions of the hook fields are Auth0's OAS descriptions, because validation messages quote
 * them (`… on property name (Name of this hook.).`).
 */
import { Type, type Static } from 'typebox'
import {
  HOOK_NAME_PATTERN,
  MAX_DEPENDENCIES,
  MAX_DEPENDENCY_CHARS,
  MAX_HOOK_NAME_CHARS,
  MAX_SCRIPT_CHARS,
  TRIGGER_IDS,
  type TriggerId,
} from '../../hooks/hook.js'
import { PACKAGE_NAME_PATTERN, VERSION_SPEC_PATTERN } from '../../dependencies/spec.js'
import {
  MAX_SECRET_NAME_CHARS,
  MAX_SECRET_VALUE_CHARS,
  MAX_SECRETS_PER_HOOK,
  SECRET_NAME_PATTERN,
} from '../../hooks/hook-service.js'

/** Most names one `DELETE /hooks/{id}/secrets` may list. */
export const MAX_SECRET_NAMES_PER_DELETE = 100

const HookName = Type.String({
  pattern: HOOK_NAME_PATTERN,
  maxLength: MAX_HOOK_NAME_CHARS,
  description: 'Name of this hook.',
})
const Script = Type.String({
  minLength: 1,
  maxLength: MAX_SCRIPT_CHARS,
  description: 'Code to be executed when this hook runs.',
})
const Enabled = Type.Boolean({
  description: 'Whether this hook will be executed (true) or ignored (false).',
})
const DEPENDENCIES_DESCRIPTION = 'Dependencies of this hook used by webtask server.'
const Dependencies = Type.Unsafe<Record<string, string>>({
  type: 'object',
  description: DEPENDENCIES_DESCRIPTION,
  maxProperties: MAX_DEPENDENCIES,
  propertyNames: { maxLength: MAX_DEPENDENCY_CHARS, pattern: PACKAGE_NAME_PATTERN },
  additionalProperties: {
    type: 'string',
    maxLength: MAX_DEPENDENCY_CHARS,
    pattern: VERSION_SPEC_PATTERN,
    description: DEPENDENCIES_DESCRIPTION,
  },
})
const TriggerIdSchema = Type.Unsafe<TriggerId>({
  type: 'string',
  enum: [...TRIGGER_IDS],
  description: `Execution stage of this rule. Can be ${TRIGGER_IDS.slice(0, -1)
    .map((t) => `\`${t}\``)
    .join(', ')}, or \`${TRIGGER_IDS.at(-1) ?? ''}\`.`,
})

/**
 * Body of `POST /api/v2/hooks`.
 *
 * @example {"name":"my-hook","script":"module.exports = function(client, scope, audience, context, cb) { cb(null, { scope }); };","triggerId":"credentials-exchange"}
 */
export const CreateHookBody = Type.Object(
  {
    name: HookName,
    script: Script,
    enabled: Type.Optional(Enabled),
    dependencies: Type.Optional(Dependencies),
    triggerId: TriggerIdSchema,
  },
  { additionalProperties: false },
)
export type CreateHookBody = Static<typeof CreateHookBody>

/** Body of `PATCH /api/v2/hooks/{id}`: any non-empty subset; `triggerId` is immutable. */
export const UpdateHookBody = Type.Object(
  {
    name: Type.Optional(HookName),
    script: Type.Optional(Script),
    enabled: Type.Optional(Enabled),
    dependencies: Type.Optional(Dependencies),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateHookBody = Static<typeof UpdateHookBody>

/** `POST /hooks/triggers/{triggerId}/syntax-check` (openhooks extension, issue 18.7). */
export const SyntaxCheckBody = Type.Object(
  { script: Type.String({ minLength: 1, maxLength: MAX_SCRIPT_CHARS }) },
  { additionalProperties: false },
)
export type SyntaxCheckBody = Static<typeof SyntaxCheckBody>

/** Whether the script compiles; if not, the compiler's message at a place of the script. */
export const SyntaxCheckResponse = Type.Union([
  Type.Object({ compiles: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object(
    {
      compiles: Type.Literal(false),
      /** V8's message, e.g. `Unexpected end of input`. */
      message: Type.String(),
      /** 1-based line and column in the script itself. */
      line: Type.Integer({ minimum: 1 }),
      column: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
])
export type SyntaxCheckResponse = Static<typeof SyntaxCheckResponse>

/** A hook as the API returns it (compat §2.3). */
export const HookResponse = Type.Object(
  {
    id: Type.String({ description: 'ID of this hook.' }),
    name: Type.String({ description: 'Name of this hook.' }),
    script: Type.String({ description: 'Code to be executed when this hook runs.' }),
    dependencies: Type.Record(Type.String(), Type.String(), {
      description: DEPENDENCIES_DESCRIPTION,
    }),
    triggerId: Type.String({ description: 'Trigger ID' }),
    enabled: Type.Boolean({
      description: 'Whether this hook will be executed (true) or ignored (false).',
    }),
  },
  { additionalProperties: false },
)
export type HookResponse = Static<typeof HookResponse>

/** A hook as listed or read: `fields` may leave keys out. */
export const PartialHookResponse = Type.Partial(HookResponse)

export const HookListWithTotals = Type.Object({
  start: Type.Integer(),
  limit: Type.Integer(),
  total: Type.Integer(),
  hooks: Type.Array(PartialHookResponse),
})

export const HookIdParams = Type.Object({
  id: Type.String({ description: 'ID of the hook.' }),
})

const Fields = Type.String({
  description:
    'Comma-separated list of fields to include (or, with include_fields=false, to leave out). Empty means every field.',
})
const IncludeFields = Type.Boolean({
  description:
    'Whether the fields listed in `fields` are included (true, default) or excluded (false).',
})

/** Query of `GET /api/v2/hooks` (compat §2.5 #1). Unknown parameters are ignored. */
export const ListHooksQuery = Type.Object({
  page: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Zero-based index of the page to return.' }),
  ),
  per_page: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 100,
      description:
        'Number of hooks per page. Without it, paging is off and every hook is returned.',
    }),
  ),
  include_totals: Type.Optional(
    Type.Boolean({
      description:
        'Return an object with the total count ({start, limit, total, hooks}) instead of a bare array.',
    }),
  ),
  enabled: Type.Optional(Type.Boolean({ description: 'Only hooks with this enabled flag.' })),
  fields: Type.Optional(Fields),
  include_fields: Type.Optional(IncludeFields),
  triggerId: Type.Optional(TriggerIdSchema),
})
export type ListHooksQuery = Static<typeof ListHooksQuery>

export const GetHookQuery = Type.Object({
  fields: Type.Optional(Fields),
  include_fields: Type.Optional(IncludeFields),
})
export type GetHookQuery = Static<typeof GetHookQuery>

const SECRETS_DESCRIPTION = 'Hashmap of key-value pairs where the value must be a string.'

/** Body of `POST` and `PATCH /api/v2/hooks/{id}/secrets`: name → value (compat §2.6). */
export const SecretsBody = Type.Unsafe<Record<string, string>>({
  type: 'object',
  description: SECRETS_DESCRIPTION,
  minProperties: 1,
  maxProperties: MAX_SECRETS_PER_HOOK,
  propertyNames: { pattern: SECRET_NAME_PATTERN, maxLength: MAX_SECRET_NAME_CHARS },
  additionalProperties: {
    type: 'string',
    maxLength: MAX_SECRET_VALUE_CHARS,
    description: 'Value of the secret.',
  },
})

/** Body of `DELETE /api/v2/hooks/{id}/secrets`: the names to remove. */
export const DeleteSecretsBody = Type.Array(
  Type.String({ minLength: 1, maxLength: MAX_SECRET_NAME_CHARS, description: 'Name of a secret.' }),
  {
    minItems: 1,
    maxItems: MAX_SECRET_NAMES_PER_DELETE,
    description: 'Array of secret names to delete.',
  },
)

export const SecretsResponse = Type.Record(Type.String(), Type.String(), {
  description: 'Every secret name, each mapped to `_VALUE_NOT_SHOWN_`.',
})
