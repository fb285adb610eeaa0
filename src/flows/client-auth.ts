/**
 * Client authentication at `/oauth/token` (RFC 6749 §2.3), one module for every grant and for
 * `/mfa/challenge`: the credentials a request presents (HTTP Basic or the body, not both), and
 * their check. Every secret checked is settled by attack protection, per client and address
 * (flows/attack-protection.ts `settleClientAuth`, security review finding 3), whichever grant it
 * came with, so that a wrong secret costs the same on every grant.
 *
 * Unknown client and wrong secret answer alike, as on Auth0 (compat §7.4).
 */
import type { ClientSecretHasher } from '../crypto/keys.js'
import { OAuthError } from '../errors/api-error.js'
import { setSpanAttributes } from '../observability/tracing.js'
import type { ClientRecord, ClientStore } from '../storage/store.js'
import type { AttackProtection, AttemptOrigin } from './attack-protection.js'

/** The client credentials of a request, as presented; either may be absent. */
export interface ClientAuth {
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
}

export interface ClientAuthDeps {
  readonly store: Pick<ClientStore, 'getClient'>
  readonly clientSecrets: ClientSecretHasher
  /** Counts wrong secrets per client and address; absent in deployments without it. */
  readonly attackProtection?: AttackProtection
}

/** Client credentials from HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded). */
export function basicCredentials(
  header: string | undefined,
): { id: string; secret: string } | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header)
  if (match?.[1] === undefined) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    }
  } catch {
    return undefined
  }
}

/**
 * The client id and secret of a request, from HTTP Basic or the body (`client_id`,
 * `client_secret`), not both. The secret may be absent: public clients authenticate with their id
 * alone.
 */
export function presentedClient(
  authorization: string | undefined,
  bodyId: string | undefined,
  bodySecret: string | undefined,
): ClientAuth {
  const basic = basicCredentials(authorization)
  if (basic !== undefined && bodySecret !== undefined) {
    throw OAuthError.of('OneAuthenticationMethod')
  }
  if (basic !== undefined && bodyId !== undefined && bodyId !== basic.id) {
    throw OAuthError.of('ClientIdMismatch')
  }
  return { clientId: basic?.id ?? bodyId, clientSecret: basic?.secret ?? bodySecret }
}

/**
 * For a grant only confidential clients may use (`client_credentials`): both parts present, before
 * anything is looked up.
 */
export function requireClientSecret(auth: ClientAuth): { clientId: string; clientSecret: string } {
  if (auth.clientId === undefined || auth.clientId === '') {
    throw OAuthError.of('MissingParameter', { name: 'client_id' })
  }
  if (auth.clientSecret === undefined || auth.clientSecret === '') {
    throw OAuthError.of('ClientAuthenticationRequired', {
      headers: { 'www-authenticate': 'Basic realm="openhooks"' },
    })
  }
  return { clientId: auth.clientId, clientSecret: auth.clientSecret }
}

/**
 * The client of a request. A client whose `token_endpoint_auth_method` is `none` (a public client)
 * authenticates with its id alone where `allowPublic` says so (the user grants); any other must
 * send its secret, which attack protection counts when it is wrong and clears when it is right.
 */
export function authenticateClient(
  deps: ClientAuthDeps,
  auth: ClientAuth,
  origin: AttemptOrigin,
  options: { readonly allowPublic: boolean },
): Promise<ClientRecord> {
  // An attribute of the request's span (docs/observability.md): the client id, never the secret.
  if (auth.clientId !== undefined) setSpanAttributes({ 'oauth.client_id': auth.clientId })
  return checkClient(deps, auth, origin, options)
}

async function checkClient(
  deps: ClientAuthDeps,
  auth: ClientAuth,
  origin: AttemptOrigin,
  options: { readonly allowPublic: boolean },
): Promise<ClientRecord> {
  if (auth.clientId === undefined || auth.clientId === '') {
    throw OAuthError.of('MissingParameter', { name: 'client_id' })
  }
  const client = await deps.store.getClient(auth.clientId)
  if (client === undefined) {
    throw OAuthError.of('ClientUnauthorized')
  }
  if (options.allowPublic && client.tokenEndpointAuthMethod === 'none') return client
  if (auth.clientSecret === undefined || auth.clientSecret === '') {
    throw OAuthError.of('ClientAuthenticationRequired', {
      headers: { 'www-authenticate': 'Basic realm="openhooks"' },
    })
  }
  // Counted per known client and address before the answer (finding 3); may answer 429. The
  // check itself is synchronous, so a right secret only reads the counters (issue 23).
  const matched = deps.clientSecrets.verify(auth.clientSecret, client.secretHash)
  await deps.attackProtection?.settleClientAuth(
    {
      clientId: client.clientId,
      ...(origin.ip !== undefined ? { ip: origin.ip } : undefined),
      ...(origin.userAgent !== undefined ? { userAgent: origin.userAgent } : undefined),
    },
    matched,
  )
  if (!matched) throw OAuthError.of('ClientUnauthorized')
  return client
}
