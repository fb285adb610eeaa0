/**
 * Wire schemas and response shapes of the directory endpoints the flows need: clients, resource
 * servers, client grants, connections, users and logs. Field names are Auth0's.
 */
import { Type, type Static } from 'typebox'
import { MAX_TOKEN_LIFETIME_S } from '../../directory/apis.js'
import { MAX_PASSWORD_CHARS } from '../../directory/passwords.js'
import { toWireUserId } from '../../directory/users.js'
import type {
  ClientGrantRecord,
  ClientRecord,
  ConnectionRecord,
  ResourceServerRecord,
  TenantLogRecord,
  UserRecord,
} from '../../storage/store.js'

/** Most keys in `client_metadata` (Auth0's limit). */
export const MAX_CLIENT_METADATA_KEYS = 10
/** Longest `client_metadata` value, in characters (Auth0's limit). */
export const MAX_CLIENT_METADATA_VALUE_CHARS = 255
/** Largest serialised `user_metadata` or `app_metadata`, in characters. */
export const MAX_METADATA_CHARS = 16 * 1024

export const APP_TYPES = ['non_interactive', 'spa', 'native', 'regular_web'] as const
/**
 * Every grant type Auth0 accepts in a client's `grant_types` (its "Application Grant Types" page:
 * the specification-conforming grants, then Auth0's extension grants). A client may list a grant
 * openhooks does not implement: `/oauth/token` refuses it with `unsupported_grant_type`, as a
 * tenant would refuse a grant it has not enabled. Auth0's legacy grants
 * (`http://auth0.com/oauth/legacy/grant-type/…`) are left out: Auth0 has not let new tenants add
 * them since June 2017. See docs/management-api.md.
 */
export const GRANT_TYPES = [
  'implicit',
  'authorization_code',
  'client_credentials',
  'password',
  'refresh_token',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:openid:params:grant-type:ciba',
  'urn:ietf:params:oauth:grant-type:token-exchange',
  'http://auth0.com/oauth/grant-type/password-realm',
  'http://auth0.com/oauth/grant-type/mfa-oob',
  'http://auth0.com/oauth/grant-type/mfa-otp',
  'http://auth0.com/oauth/grant-type/mfa-recovery-code',
  'http://auth0.com/oauth/grant-type/passwordless/otp',
] as const
export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'none',
  'client_secret_post',
  'client_secret_basic',
] as const

const ClientMetadata = Type.Record(
  Type.String(),
  Type.String({ maxLength: MAX_CLIENT_METADATA_VALUE_CHARS }),
  { maxProperties: MAX_CLIENT_METADATA_KEYS, description: 'Metadata of the client.' },
)
const clientFields = {
  name: Type.String({ minLength: 1, maxLength: 255, description: 'Name of this client.' }),
  description: Type.String({ maxLength: 140, description: 'Free text description.' }),
  app_type: Type.Unsafe<string>({
    type: 'string',
    enum: [...APP_TYPES],
    description: 'Type of application.',
  }),
  grant_types: Type.Array(Type.Unsafe<string>({ type: 'string', enum: [...GRANT_TYPES] }), {
    uniqueItems: true,
    description: 'Grant types the client may use.',
  }),
  client_metadata: ClientMetadata,
  token_endpoint_auth_method: Type.Unsafe<string>({
    type: 'string',
    enum: [...TOKEN_ENDPOINT_AUTH_METHODS],
    description: 'How the client authenticates at the token endpoint.',
  }),
}

export const CreateClientBody = Type.Object(
  {
    name: clientFields.name,
    description: Type.Optional(clientFields.description),
    app_type: Type.Optional(clientFields.app_type),
    grant_types: Type.Optional(clientFields.grant_types),
    client_metadata: Type.Optional(clientFields.client_metadata),
    token_endpoint_auth_method: Type.Optional(clientFields.token_endpoint_auth_method),
  },
  { additionalProperties: false },
)
export type CreateClientBody = Static<typeof CreateClientBody>

export const UpdateClientBody = Type.Partial(CreateClientBody, {
  additionalProperties: false,
  minProperties: 1,
})
export type UpdateClientBody = Static<typeof UpdateClientBody>

/** A client on the wire. `client_secret` only in the answers to create and rotate-secret. */
export function toClientResponse(
  client: ClientRecord,
  tenant: string,
  secret?: string,
): Record<string, unknown> {
  return {
    client_id: client.clientId,
    tenant,
    name: client.name,
    description: client.description,
    app_type: client.appType,
    grant_types: [...client.grantTypes],
    client_metadata: { ...client.clientMetadata },
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    is_first_party: true,
    global: false,
    ...(secret !== undefined ? { client_secret: secret } : undefined),
  }
}

const Scope = Type.Object(
  {
    value: Type.String({
      minLength: 1,
      maxLength: 280,
      pattern: '^[^\\s]+$',
      description: 'Scope name.',
    }),
    description: Type.Optional(
      Type.String({ maxLength: 500, description: 'What the scope allows.' }),
    ),
  },
  { additionalProperties: false },
)

const resourceServerFields = {
  name: Type.String({ minLength: 1, maxLength: 200, description: 'Name of the API.' }),
  scopes: Type.Array(Scope, { description: 'Scopes the API defines.' }),
  token_lifetime: Type.Integer({
    minimum: 60,
    maximum: MAX_TOKEN_LIFETIME_S,
    description: 'Access token lifetime, in seconds.',
  }),
  signing_alg: Type.Unsafe<'RS256'>({
    type: 'string',
    enum: ['RS256'],
    description: 'Token signing algorithm.',
  }),
}

export const CreateResourceServerBody = Type.Object(
  {
    identifier: Type.String({
      minLength: 1,
      maxLength: 600,
      description: 'The audience of the API.',
    }),
    name: Type.Optional(resourceServerFields.name),
    scopes: Type.Optional(resourceServerFields.scopes),
    token_lifetime: Type.Optional(resourceServerFields.token_lifetime),
    signing_alg: Type.Optional(resourceServerFields.signing_alg),
  },
  { additionalProperties: false },
)
export type CreateResourceServerBody = Static<typeof CreateResourceServerBody>

/** Every field but `identifier`, which is immutable; at least one. */
export const UpdateResourceServerBody = Type.Object(
  {
    name: Type.Optional(resourceServerFields.name),
    scopes: Type.Optional(resourceServerFields.scopes),
    token_lifetime: Type.Optional(resourceServerFields.token_lifetime),
    signing_alg: Type.Optional(resourceServerFields.signing_alg),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateResourceServerBody = Static<typeof UpdateResourceServerBody>

export function toResourceServerResponse(rs: ResourceServerRecord): Record<string, unknown> {
  return {
    id: rs.id,
    name: rs.name,
    identifier: rs.identifier,
    scopes: rs.scopes.map((s) => ({ value: s.value, description: s.description })),
    signing_alg: rs.signingAlg,
    token_lifetime: rs.tokenLifetime,
    allow_offline_access: false,
    skip_consent_for_verifiable_first_party_clients: true,
  }
}

const ScopeList = Type.Array(Type.String({ minLength: 1, maxLength: 280 }), {
  description: 'Scopes granted.',
})

export const CreateClientGrantBody = Type.Object(
  {
    client_id: Type.String({ minLength: 1, description: 'The client.' }),
    audience: Type.String({ minLength: 1, description: 'The audience (API identifier).' }),
    scope: ScopeList,
  },
  { additionalProperties: false },
)
export type CreateClientGrantBody = Static<typeof CreateClientGrantBody>

export const UpdateClientGrantBody = Type.Object(
  { scope: ScopeList },
  { additionalProperties: false },
)

export const ClientGrantsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0 })),
  per_page: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  include_totals: Type.Optional(Type.Boolean()),
  audience: Type.Optional(Type.String({ description: 'Only grants for this audience.' })),
  client_id: Type.Optional(Type.String({ description: 'Only grants of this client.' })),
})

export function toClientGrantResponse(grant: ClientGrantRecord): Record<string, unknown> {
  return {
    id: grant.id,
    client_id: grant.clientId,
    audience: grant.audience,
    scope: [...grant.scope],
  }
}

export const UpdateConnectionBody = Type.Object(
  {
    options: Type.Record(Type.String(), Type.Unknown(), {
      description: 'Connection options; they replace the current ones, as on Auth0.',
    }),
  },
  { additionalProperties: false },
)

export function toConnectionResponse(connection: ConnectionRecord): Record<string, unknown> {
  return {
    id: connection.id,
    name: connection.name,
    strategy: connection.strategy,
    options: { ...connection.options },
    realms: [connection.name],
    is_domain_connection: false,
  }
}

const Email = Type.String({
  pattern: '^[^\\s@]+@[^\\s@]+$',
  maxLength: 320,
  description: "The user's email.",
})
const Metadata = (description: string) =>
  Type.Record(Type.String({ pattern: '^[^$.][^.]*$' }), Type.Unknown(), { description })

export const CreateUserBody = Type.Object(
  {
    connection: Type.String({ minLength: 1, description: 'Name of the database connection.' }),
    email: Type.Optional(Email),
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[^\\s@]+$',
        description: "The user's username.",
      }),
    ),
    password: Type.String({
      minLength: 1,
      maxLength: MAX_PASSWORD_CHARS,
      description: 'Initial password.',
    }),
    phone_number: Type.Optional(
      Type.String({ pattern: '^\\+?[0-9 ()-]{4,32}$', description: "The user's phone number." }),
    ),
    email_verified: Type.Optional(Type.Boolean({ description: 'Whether the email is verified.' })),
    verify_email: Type.Optional(
      Type.Boolean({ description: 'Accepted and ignored: openhooks sends no verification email.' }),
    ),
    user_metadata: Type.Optional(Metadata('Data the user may read and edit.')),
    app_metadata: Type.Optional(Metadata('Data the user may read but not edit.')),
  },
  { additionalProperties: false },
)
export type CreateUserBody = Static<typeof CreateUserBody>

export const UpdateUserBody = Type.Object(
  {
    email: Type.Optional(Email),
    username: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[^\\s@]+$',
        description: "The user's username.",
      }),
    ),
    password: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_PASSWORD_CHARS, description: 'New password.' }),
    ),
    phone_number: Type.Optional(
      Type.String({ pattern: '^\\+?[0-9 ()-]{4,32}$', description: "The user's phone number." }),
    ),
    email_verified: Type.Optional(Type.Boolean()),
    phone_verified: Type.Optional(Type.Boolean()),
    connection: Type.Optional(
      Type.String({ description: 'The connection the change applies to.' }),
    ),
    user_metadata: Type.Optional(
      Metadata('Merged into the current user_metadata; null removes a key.'),
    ),
    app_metadata: Type.Optional(
      Metadata('Merged into the current app_metadata; null removes a key.'),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
)
export type UpdateUserBody = Static<typeof UpdateUserBody>

export function toUserResponse(user: UserRecord, connectionName: string): Record<string, unknown> {
  const name = user.email ?? user.username ?? user.phoneNumber ?? toWireUserId(user.id)
  return {
    user_id: toWireUserId(user.id),
    ...(user.email !== undefined ? { email: user.email } : undefined),
    email_verified: user.emailVerified,
    ...(user.username !== undefined ? { username: user.username } : undefined),
    ...(user.phoneNumber !== undefined
      ? { phone_number: user.phoneNumber, phone_verified: user.phoneVerified }
      : undefined),
    name,
    nickname: name.split('@')[0] ?? name,
    user_metadata: { ...user.userMetadata },
    app_metadata: { ...user.appMetadata },
    identities: [
      { connection: connectionName, user_id: user.id, provider: 'auth0', isSocial: false },
    ],
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    ...(user.lastPasswordReset !== undefined
      ? { last_password_reset: user.lastPasswordReset }
      : undefined),
  }
}

/** `type:<code>`, `hook_id:<id>`, or `type:<code> AND hook_id:<id>` (either order). */
export const LOGS_QUERY_PATTERN =
  '^(type:[A-Za-z_]+|hook_id:[A-Za-z0-9_-]+)( AND (type:[A-Za-z_]+|hook_id:[A-Za-z0-9_-]+))?$'

/** The filters of a `q` that matched LOGS_QUERY_PATTERN. */
export function parseLogsQuery(q: string | undefined): { type?: string; hookId?: string } {
  const filter: { type?: string; hookId?: string } = {}
  for (const term of q === undefined ? [] : q.split(' AND ')) {
    if (term.startsWith('type:')) filter.type = term.slice('type:'.length)
    else filter.hookId = term.slice('hook_id:'.length)
  }
  return filter
}

export const LogsQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 0 })),
  per_page: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
  include_totals: Type.Optional(Type.Boolean()),
  from: Type.Optional(Type.String({ description: 'Checkpoint: events after this log_id.' })),
  take: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 100,
      description: 'Events to return from the checkpoint.',
    }),
  ),
  q: Type.Optional(
    Type.String({
      pattern: LOGS_QUERY_PATTERN,
      description:
        "Filter in Auth0's query syntax; openhooks supports `type:<code>`, `hook_id:<id>` and both joined by ` AND `.",
    }),
  ),
})

export function toLogResponse(log: TenantLogRecord): Record<string, unknown> {
  return {
    log_id: log.logId,
    date: log.date,
    type: log.type,
    ...(log.description !== undefined ? { description: log.description } : undefined),
    ...(log.clientId !== undefined ? { client_id: log.clientId } : undefined),
    ...(log.clientName !== undefined ? { client_name: log.clientName } : undefined),
    ...(log.userId !== undefined ? { user_id: log.userId } : undefined),
    ...(log.userName !== undefined ? { user_name: log.userName } : undefined),
    ...(log.ip !== undefined ? { ip: log.ip } : undefined),
    ...(log.userAgent !== undefined ? { user_agent: log.userAgent } : undefined),
    ...(log.hookId !== undefined ? { hook_id: log.hookId } : undefined),
    details: { ...log.details },
  }
}
