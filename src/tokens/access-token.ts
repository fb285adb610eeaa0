import { SignJWT, createLocalJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'
import { TOKEN_SIGNING_ALG, type SigningKeys } from './signing-keys.js'

/** What an access token says about its bearer. */
export interface TokenClaims {
  readonly clientId: string
  readonly scopes: readonly string[]
  readonly payload: JWTPayload
}

export interface AccessTokenOptions {
  readonly issuer: string
  readonly clientId: string
  readonly audience: string
  /** Omitted from the token when empty. */
  readonly scopes: readonly string[]
  readonly lifetimeS: number
  /** Extra claims (e.g. URL-namespaced claims from a credentials-exchange hook). */
  readonly extraClaims?: Readonly<Record<string, unknown>>
  readonly nowS?: number
  /** `sub` of a user token (`auth0|…`); client tokens use `<client_id>@clients`. */
  readonly subject?: string
  /** `gty`; `client-credentials` unless told. */
  readonly grantType?: string
}

/** Signs a client-credentials access token (RS256, with `kid`). */
export async function signAccessToken(
  keys: SigningKeys,
  options: AccessTokenOptions,
): Promise<string> {
  const now = options.nowS ?? Math.floor(Date.now() / 1000)
  return new SignJWT({
    ...options.extraClaims,
    ...(options.scopes.length > 0 ? { scope: options.scopes.join(' ') } : undefined),
    gty: options.grantType ?? 'client-credentials',
    azp: options.clientId,
  })
    .setProtectedHeader({ alg: TOKEN_SIGNING_ALG, typ: 'JWT', kid: keys.current.kid })
    .setIssuer(options.issuer)
    .setSubject(options.subject ?? `${options.clientId}@clients`)
    .setAudience(options.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + options.lifetimeS)
    .sign(keys.current.privateKey)
}

export type TokenFailure = 'malformed' | 'bad-signature' | 'invalid-claims'

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly failure: TokenFailure }

/** Builds a verifier for tokens of one audience; it checks signature, `iss`, `aud` and `exp`. */
export function createTokenVerifier(
  keys: SigningKeys,
  expected: { issuer: string; audience: string },
): (token: string) => Promise<TokenCheck> {
  const keySet = createLocalJWKSet({ keys: [...keys.publicJwks] })
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: expected.issuer,
        audience: expected.audience,
        algorithms: [TOKEN_SIGNING_ALG],
        requiredClaims: ['sub', 'exp', 'iat'],
      })
      const sub = payload.sub ?? ''
      const clientId = typeof payload.azp === 'string' ? payload.azp : sub.replace(/@clients$/, '')
      const scopes =
        typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : []
      return { ok: true, claims: { clientId, scopes, payload } }
    } catch (error) {
      if (
        error instanceof errors.JWSSignatureVerificationFailed ||
        error instanceof errors.JWKSNoMatchingKey
      ) {
        return { ok: false, failure: 'bad-signature' }
      }
      if (error instanceof errors.JOSEError) {
        return {
          ok: false,
          failure:
            error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTExpired
              ? 'invalid-claims'
              : 'malformed',
        }
      }
      throw error
    }
  }
}
