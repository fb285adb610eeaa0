import { OAuthError } from '../errors/api-error.js'
import type { ClientSecretHasher } from '../crypto/keys.js'
import type { ClientGrantStore, ClientRecord, ClientStore } from '../storage/store.js'
import { signAccessToken } from '../tokens/access-token.js'
import type { SigningKeys } from '../tokens/signing-keys.js'

/** The parameters of a client-credentials request, from the body or HTTP Basic. */
export interface ClientCredentialsRequest {
  readonly clientId: string
  readonly clientSecret: string
  readonly audience: string | undefined
  /** Space-separated, as sent; `undefined` asks for every granted scope. */
  readonly scope: string | undefined
}

/** The token response (RFC 6749 §5.1). `scope` is omitted when the token has none. */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope?: string
}

export interface ClientCredentialsDeps {
  readonly store: ClientStore & ClientGrantStore
  readonly hasher: ClientSecretHasher
  readonly signingKeys: SigningKeys
  readonly issuer: string
  /** An audience this server issues tokens for, with its token lifetime in seconds. */
  readonly resolveAudience: (audience: string) => Promise<{ lifetimeS: number } | undefined>
}

async function authenticateClient(
  deps: ClientCredentialsDeps,
  request: ClientCredentialsRequest,
): Promise<ClientRecord> {
  const client = await deps.store.getClient(request.clientId)
  // Unknown client and wrong secret answer alike, as Auth0 does (compat §7.4).
  if (client === undefined || !deps.hasher.verify(request.clientSecret, client.secretHash)) {
    throw new OAuthError('access_denied', 'Unauthorized', { statusCode: 401 })
  }
  return client
}

function narrowScopes(requested: string | undefined, granted: readonly string[]): string[] {
  if (requested === undefined) return [...granted]
  const asked = new Set(requested.split(' ').filter(Boolean))
  return granted.filter((scope) => asked.has(scope))
}

/**
 * `grant_type=client_credentials`: authenticate the client, resolve the audience and the grant,
 * narrow the scopes to the grant, sign. Each step throws the OAuth error Auth0 answers with.
 */
export async function issueClientCredentialsToken(
  deps: ClientCredentialsDeps,
  request: ClientCredentialsRequest,
): Promise<TokenResponse> {
  const client = await authenticateClient(deps, request)
  if (!client.grantTypes.includes('client_credentials')) {
    throw new OAuthError(
      'unauthorized_client',
      "Grant type 'client_credentials' not allowed for the client.",
    )
  }
  if (request.audience === undefined || request.audience === '') {
    throw new OAuthError(
      'access_denied',
      'No audience parameter was provided, and no default audience has been configured',
    )
  }
  const api = await deps.resolveAudience(request.audience)
  if (api === undefined) {
    throw new OAuthError('access_denied', `Service not found: ${request.audience}`)
  }
  const lifetimeS = api.lifetimeS
  const grant = await deps.store.getClientGrant(client.clientId, request.audience)
  if (grant === undefined) {
    throw new OAuthError(
      'access_denied',
      `Client is not authorized to access "${request.audience}". You need to create a "client-grant" associated to this API.`,
    )
  }
  const scopes = narrowScopes(request.scope, grant.scope)
  const accessToken = await signAccessToken(deps.signingKeys, {
    issuer: deps.issuer,
    clientId: client.clientId,
    audience: request.audience,
    scopes,
    lifetimeS,
  })
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: lifetimeS,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : undefined),
  }
}
