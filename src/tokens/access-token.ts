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

/**
 * The extra claims in a new object, in their order, as `{ ...claims }` would copy them (own
 * enumerable string keys; `__proto__` as an own property). Built by assignment because on Node 20 a
 * property added to the copy an object spread makes costs microseconds, and a hook's claims are on
 * every token (docs/performance.md, issue 23).
 */
function copyClaims(claims: Readonly<Record<string, unknown>> | undefined): JWTPayload {
  const payload: JWTPayload = {}
  if (claims === undefined) return payload
  for (const key of Object.keys(claims)) {
    if (key === '__proto__') {
      Object.defineProperty(payload, key, {
        value: claims[key],
        enumerable: true,
        writable: true,
        configurable: true,
      })
    } else payload[key] = claims[key]
  }
  return payload
}

/** Signs a client-credentials access token (RS256, with `kid`). */
export async function signAccessToken(
  keys: SigningKeys,
  options: AccessTokenOptions,
): Promise<string> {
  const now = options.nowS ?? Math.floor(Date.now() / 1000)
  const payload = copyClaims(options.extraClaims)
  if (options.scopes.length > 0) payload.scope = options.scopes.join(' ')
  payload.gty = options.grantType ?? 'client-credentials'
  payload.azp = options.clientId
  return new SignJWT(payload)
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
