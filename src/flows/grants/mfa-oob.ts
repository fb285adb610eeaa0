/**
 * The `mfa-oob` grant: the code sent by SMS (flows/mfa-sms.ts) exchanged, with the `mfa_token` of
 * the password grant, for the tokens that grant asked for (docs/mfa.md).
 */
import { OAuthError } from '../../errors/api-error.js'
import type { ClientRecord, UserRecord } from '../../storage/store.js'
import type { TenantLogEvent } from '../../tenant-log/tenant-log.js'
import type { TokenResponse } from '../client-credentials.js'
import {
  authenticateUserClient,
  isoAt,
  openMfaToken,
  originFields,
  requireGrant,
  signUserToken,
  userFields,
} from '../user-tokens.js'
import type { ClientAuth, MfaDeps, RequestOrigin } from '../user-tokens.js'
import type { Grant } from './grant.js'

export const MFA_OOB_GRANT = 'http://auth0.com/oauth/grant-type/mfa-oob'

export interface MfaOobRequest extends ClientAuth, RequestOrigin {
  readonly mfaToken: string | undefined
  readonly oobCode: string | undefined
  readonly bindingCode: string | undefined
}

/**
 * `grant_type=http://auth0.com/oauth/grant-type/mfa-oob`: checks the code against its challenge
 * (unexpired, unused, under the attempt limit); a wrong code counts an attempt. The first success
 * confirms the enrollment. Issues the tokens the password request asked for.
 */
export async function issueMfaOobToken(
  deps: MfaDeps,
  request: MfaOobRequest,
): Promise<TokenResponse> {
  let client: ClientRecord | undefined
  let user: UserRecord | undefined
  const log = (event: Omit<TenantLogEvent, 'clientId' | 'clientName' | 'userId' | 'userName'>) =>
    void deps.tenantLog?.record({
      ...event,
      ...(client !== undefined
        ? { clientId: client.clientId, clientName: client.name }
        : request.clientId !== undefined
          ? { clientId: request.clientId }
          : undefined),
      ...(user !== undefined ? userFields(user) : undefined),
      ...originFields(request),
    })
  try {
    client = await authenticateUserClient(deps, request)
    requireGrant(client, MFA_OOB_GRANT)
    const opened = await openMfaToken(deps, request.mfaToken, client.clientId)
    user = opened.user
    if (request.oobCode === undefined || request.oobCode === '') {
      throw OAuthError.of('MissingParameter', { name: 'oob_code' })
    }
    if (request.bindingCode === undefined || request.bindingCode === '') {
      throw OAuthError.of('MissingParameter', { name: 'binding_code' })
    }
    const oobCodeHash = deps.codes.hash(request.oobCode)
    const found = await deps.store.getMfaChallenge(oobCodeHash)
    if (found?.userId !== user.id || found.clientId !== client.clientId) {
      throw OAuthError.of('InvalidOobCode')
    }
    const now = isoAt(deps.now())
    if (found.usedAt !== undefined) {
      throw OAuthError.of('OobCodeUsed')
    }
    if (found.expiresAt <= now) throw OAuthError.of('OobCodeExpired')
    if (found.attempts >= deps.limits.maxAttempts) {
      throw OAuthError.of('TooManyOobAttempts')
    }
    if (!deps.codes.verify(`${oobCodeHash}:${request.bindingCode}`, found.codeHash)) {
      const attempts = (await deps.store.addMfaChallengeAttempt(oobCodeHash)) ?? 0
      log({
        type: 'gd_auth_failed',
        details: { authenticator_id: found.authenticatorId, attempts },
      })
      if (attempts >= deps.limits.maxAttempts) {
        log({
          type: 'gd_otp_rate_limit_exceed',
          details: {
            authenticator_id: found.authenticatorId,
            max_attempts: deps.limits.maxAttempts,
          },
        })
      }
      throw OAuthError.of('InvalidBindingCode')
    }
    const consumed = await deps.store.consumeMfaChallenge(oobCodeHash, now, deps.limits.maxAttempts)
    // A concurrent request (on this node or another) changed the challenge since it was read.
    if (consumed === undefined) throw await lostRaceError(deps, oobCodeHash, now)
    if (consumed.confirmed) {
      log({ type: 'gd_enrollment_complete', details: { authenticator_id: found.authenticatorId } })
    }
    log({ type: 'gd_auth_succeed', details: { authenticator_id: found.authenticatorId } })
    const scopes = opened.record.scope.split(' ').filter(Boolean)
    const response = await signUserToken(
      deps,
      user,
      client.clientId,
      opened.record.audience,
      scopes,
      'mfa-oob',
    )
    log({
      type: 'seoobft',
      details: { audience: opened.record.audience, scope: scopes.join(' ') },
    })
    return response
  } catch (error) {
    if (error instanceof OAuthError) {
      log({
        type: 'feoobft',
        description: error.description ?? error.error,
        details: { error: error.error },
      })
    }
    throw error
  }
}

/**
 * The answer to a request whose code was right but whose challenge could not be consumed: another
 * request used it, exhausted its attempts or outlived it meanwhile. Read again, so that the loser of
 * a race gets the answer a later request would (the code used, most often), not a generic one.
 */
async function lostRaceError(deps: MfaDeps, oobCodeHash: string, now: string): Promise<OAuthError> {
  const current = await deps.store.getMfaChallenge(oobCodeHash)
  if (current === undefined) return OAuthError.of('InvalidOobCode')
  if (current.usedAt !== undefined) return OAuthError.of('OobCodeUsed')
  if (current.attempts >= deps.limits.maxAttempts) return OAuthError.of('TooManyOobAttempts')
  if (current.expiresAt <= now) return OAuthError.of('OobCodeExpired')
  return OAuthError.of('InvalidOobCode')
}

export const mfaOobGrant: Grant = {
  grantType: MFA_OOB_GRANT,
  parameters: ['mfa_token', 'oob_code', 'binding_code'],
  issue: (deps, request) =>
    issueMfaOobToken(deps.mfa, {
      clientId: request.clientId,
      clientSecret: request.clientSecret,
      mfaToken: request.params.mfa_token,
      oobCode: request.params.oob_code,
      bindingCode: request.params.binding_code,
      ...request.origin,
    }),
}
