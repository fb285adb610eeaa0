/**
 * A grant of `/oauth/token`: its `grant_type`, the body parameters it reads and what it issues. The
 * token endpoint reads the client credentials (flows/client-auth.ts) and the grant's parameters,
 * then hands them to the grant; the grants are listed in ./index.ts.
 */
import type { ClientAuth } from '../client-auth.js'
import type { ClientCredentialsDeps, TokenResponse } from '../client-credentials.js'
import type { MfaDeps, RequestOrigin } from '../user-tokens.js'

/** What the grants use: the client-credentials flow's and the user flows' dependencies. */
export interface TokenEndpointDeps {
  readonly clientCredentials: ClientCredentialsDeps
  /** The password and MFA grants (docs/mfa.md). */
  readonly mfa: MfaDeps
}

/** A token request as a grant gets it. */
export interface GrantRequest extends ClientAuth {
  /** The grant's parameters (`Grant.parameters`) the request sent, each a single string. */
  readonly params: Readonly<Record<string, string | undefined>>
  readonly origin: RequestOrigin
}

export interface Grant {
  /** Auth0's name of the grant type (Authentication API). */
  readonly grantType: string
  /** Body parameters the grant reads, besides `grant_type` and the client credentials. */
  readonly parameters: readonly string[]
  issue(deps: TokenEndpointDeps, request: GrantRequest): Promise<TokenResponse>
}

/** The named parameters that are present, as an object without the absent ones. */
export function presentParams<K extends string>(
  params: GrantRequest['params'],
  names: readonly K[],
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const name of names) {
    const value = params[name]
    if (value !== undefined) out[name] = value
  }
  return out
}
