/**
 * The dashboard operator's sign-in and token exchange (docs/dashboard.md): the domain half of
 * `POST /_dashboard/session` and `POST /_dashboard/token`. The routes (src/http/dashboard) parse
 * the request, check CSRF and set the cookie; this flow limits failed attempts, checks the
 * password, records the tenant-log events and starts the session, or signs the short-lived
 * Management API token a session is exchanged for.
 */
import { verifyPassword } from '../directory/passwords.js'
import { ApiError } from '../errors/api-error.js'
import type { OperatorAccount } from '../operator/operator-account.js'
import type { OperatorSession, SessionStore } from '../operator/sessions.js'
import type { SignInLimiter } from '../operator/sign-in-limiter.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'
import { signAccessToken } from '../tokens/access-token.js'
import { MANAGEMENT_SCOPES } from '../tokens/management-scopes.js'
import type { SigningKeys } from '../tokens/signing-keys.js'

export interface OperatorSignInDeps {
  readonly operator: OperatorAccount
  readonly sessions: SessionStore
  readonly limiter: SignInLimiter
  readonly tenantLog: TenantLog
}

/** Who is signing in, as the tenant log records it. */
export interface SignInClient {
  readonly ip: string
  readonly userAgent?: string
}

/**
 * Signs the operator in: a new session, or `DashboardSignInsLimited` (too many failures from this
 * address or for the account) or `DashboardSignInFailed` (unknown e-mail or wrong password, not
 * told apart).
 */
export async function signInOperator(
  deps: OperatorSignInDeps,
  credentials: { readonly email: string; readonly password: string },
  client: SignInClient,
): Promise<{ readonly id: string; readonly session: OperatorSession }> {
  const { operator, sessions, limiter, tenantLog } = deps
  // Counted before the password check (finding 4): concurrent attempts see each other.
  const attempt = await limiter.begin(client.ip)
  if (!attempt.allowed) {
    throw new ApiError('DashboardSignInsLimited', {
      message: `Too many failed sign-ins. Try again in ${attempt.retryAfterS} seconds.`,
      headers: { 'retry-after': String(attempt.retryAfterS) },
    })
  }
  const { email, password } = credentials
  const knownEmail = email.trim().toLowerCase() === operator.email.toLowerCase()
  // The hash is checked for an unknown e-mail too, so that timing does not tell them apart.
  const passwordOk = await verifyPassword(password, operator.passwordHash)
  if (!knownEmail || !passwordOk) {
    await tenantLog.record({
      type: knownEmail ? 'fp' : 'fu',
      ...client,
      userName: email,
      description: knownEmail ? 'Wrong password' : 'Unknown e-mail',
      details: { area: 'dashboard' },
    })
    if (attempt.reachesLimit) {
      await tenantLog.record({
        type: 'limit_mu',
        ...client,
        details: { area: 'dashboard', reason: 'too many failed dashboard sign-ins' },
      })
    }
    throw new ApiError('DashboardSignInFailed')
  }
  await attempt.succeed()
  const started = await sessions.create(operator.email)
  await tenantLog.record({
    type: 's',
    ...client,
    userName: operator.email,
    details: { area: 'dashboard' },
  })
  return started
}

export interface OperatorTokenOptions {
  readonly issuer: string
  readonly audience: string
  /** The client the token names (the admin client): its rate-limit bucket applies. */
  readonly clientId: string
  readonly lifetimeS: number
  /** Claims that attribute what the token changes to the operator. */
  readonly extraClaims: Readonly<Record<string, string>>
}

/** The Management API token (every Management API scope) a dashboard session is exchanged for. */
export async function signOperatorToken(
  signingKeys: SigningKeys,
  options: OperatorTokenOptions,
): Promise<string> {
  return signAccessToken(signingKeys, {
    extraClaims: options.extraClaims,
    issuer: options.issuer,
    clientId: options.clientId,
    audience: options.audience,
    scopes: MANAGEMENT_SCOPES,
    lifetimeS: options.lifetimeS,
  })
}
