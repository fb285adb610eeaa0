/**
 * What the password grants, the MFA grants and the MFA API share (docs/mfa.md): their
 * dependencies, the client of a user grant (through flows/client-auth.ts, which public clients
 * pass with their id alone), the `mfa_token`, the audience and scopes of a user token and its
 * signature, and the fields of their tenant-log events.
 */
import { randomBytes, randomInt } from 'node:crypto'
import type { ClientSecretHasher } from '../crypto/keys.js'
import { toWireUserId } from '../directory/users.js'
import { OAuthError } from '../errors/api-error.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import type { GuardianService } from '../mfa/guardian.js'
import type {
  ClientRecord,
  ClientStore,
  ConnectionStore,
  MfaStore,
  MfaTokenRecord,
  UserRecord,
  UserStore,
} from '../storage/store.js'
import type { TenantLog, TenantLogEvent } from '../tenant-log/tenant-log.js'
import { withSpan } from '../observability/tracing.js'
import { signAccessToken } from '../tokens/access-token.js'
import type { SigningKeys } from '../tokens/signing-keys.js'
import type { AttackProtection } from './attack-protection.js'
import { authenticateClient } from './client-auth.js'
import type { ClientAuth } from './client-auth.js'
import type { TokenResponse } from './client-credentials.js'

export type { ClientAuth } from './client-auth.js'

/** Entropy of `mfa_token`s and `oob_code`s, in bytes. */
export const MFA_HANDLE_BYTES = 32
/** Length of the recovery code shown once at enrollment, in characters. */
export const RECOVERY_CODE_CHARS = 24

export interface MfaLimits {
  readonly smsPerHour: number
  readonly codeTtlS: number
  readonly maxAttempts: number
  readonly mfaTokenTtlS: number
}

export interface MfaDeps {
  readonly store: ClientStore & UserStore & ConnectionStore & MfaStore
  readonly guardian: GuardianService
  /** Client secrets. */
  readonly clientSecrets: ClientSecretHasher
  /** Codes, handles and recovery codes. */
  readonly codes: ClientSecretHasher
  readonly signingKeys: SigningKeys
  readonly issuer: string
  readonly tenant: string
  /** User tokens are never issued for this audience (its scopes are for clients only). */
  readonly managementAudience: string
  readonly resolveAudience: (
    audience: string,
  ) => Promise<{ lifetimeS: number; scopes: readonly string[] } | undefined>
  readonly hooks?: HookDispatcher
  readonly tenantLog?: TenantLog
  /** Brute-force protection and IP throttling of password logins (flows/attack-protection.ts). */
  readonly attackProtection?: AttackProtection
  readonly limits: MfaLimits
  readonly now: () => number
}

/** Who is asking, for the hook's context and the tenant log. */
export interface RequestOrigin {
  readonly ip?: string
  readonly userAgent?: string
  /** The first language of `Accept-Language`, lower-cased. */
  readonly language?: string
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString()
}

export function randomHandle(): string {
  return randomBytes(MFA_HANDLE_BYTES).toString('base64url')
}

const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
export function newRecoveryCode(): string {
  let out = ''
  for (let i = 0; i < RECOVERY_CODE_CHARS; i += 1) {
    out += RECOVERY_ALPHABET.charAt(randomInt(0, RECOVERY_ALPHABET.length))
  }
  return out
}

/**
 * Authenticates the client of a user grant (flows/client-auth.ts): confidential clients (any
 * method but `none`) must send their secret, counted by attack protection; public clients
 * authenticate with their id alone.
 */
export function authenticateUserClient(
  deps: MfaDeps,
  request: ClientAuth & RequestOrigin,
): Promise<ClientRecord> {
  return authenticateClient(deps, request, request, { allowPublic: true })
}

export function requireGrant(client: ClientRecord, grantType: string): void {
  if (!client.grantTypes.includes(grantType)) {
    throw OAuthError.of('GrantTypeNotAllowed', { grantType })
  }
}

/** The `mfa_token`, live and (when a client is named) issued to that client. */
export async function openMfaToken(
  deps: MfaDeps,
  token: string | undefined,
  clientId?: string,
): Promise<{ record: MfaTokenRecord; user: UserRecord }> {
  if (token === undefined || token === '') {
    throw OAuthError.of('MissingParameter', { name: 'mfa_token' })
  }
  const record = await deps.store.getMfaToken(deps.codes.hash(token))
  if (record === undefined) throw OAuthError.of('MalformedMfaToken')
  if (record.expiresAt <= isoAt(deps.now())) {
    throw OAuthError.of('ExpiredMfaToken')
  }
  if (clientId !== undefined && record.clientId !== clientId) {
    throw OAuthError.of('MfaTokenOfAnotherClient')
  }
  const user = await deps.store.getUser(record.userId)
  if (user === undefined) throw OAuthError.of('MalformedMfaToken')
  return { record, user }
}

/** Requested scopes the API defines, deduplicated, in request order. */
export function grantedScopes(requested: string | undefined, defined: readonly string[]): string[] {
  const known = new Set(defined)
  return [...new Set((requested ?? '').split(' ').filter((s) => known.has(s)))]
}

export async function signUserToken(
  deps: MfaDeps,
  user: UserRecord,
  clientId: string,
  audience: string,
  scopes: readonly string[],
  grantType: string,
): Promise<TokenResponse> {
  const api = await resolveUserAudience(deps, audience)
  const accessToken = await withSpan('token.sign', {}, () =>
    signAccessToken(deps.signingKeys, {
      issuer: deps.issuer,
      clientId,
      audience,
      scopes,
      lifetimeS: api.lifetimeS,
      subject: toWireUserId(user.id),
      grantType,
      nowS: Math.floor(deps.now() / 1000),
    }),
  )
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: api.lifetimeS,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : undefined),
  }
}

export async function resolveUserAudience(
  deps: MfaDeps,
  audience: string | undefined,
): Promise<{ lifetimeS: number; scopes: readonly string[] }> {
  if (audience === undefined || audience === '') {
    throw OAuthError.of('NoAudience')
  }
  // Management API scopes are for clients: a user token must never carry them.
  if (audience === deps.managementAudience) {
    throw OAuthError.of('UserTokensNotIssued', { audience })
  }
  const api = await deps.resolveAudience(audience)
  if (api === undefined) throw OAuthError.of('ServiceNotFound', { audience })
  return api
}

export function originFields(origin: RequestOrigin): Pick<TenantLogEvent, 'ip' | 'userAgent'> {
  return {
    ...(origin.ip !== undefined ? { ip: origin.ip } : undefined),
    ...(origin.userAgent !== undefined ? { userAgent: origin.userAgent } : undefined),
  }
}

export function userFields(user: UserRecord): Pick<TenantLogEvent, 'userId' | 'userName'> {
  const name = user.email ?? user.username
  return { userId: toWireUserId(user.id), ...(name !== undefined ? { userName: name } : undefined) }
}
