/**
 * The `mfa-recovery-code` grant: the recovery code shown at enrollment stands in for a text message
 * once, and is replaced by a new one (docs/mfa.md).
 */
import { OAuthError } from '../../errors/api-error.js'
import type { TokenResponse } from '../client-credentials.js'
import {
  authenticateUserClient,
  newRecoveryCode,
  openMfaToken,
  originFields,
  requireGrant,
  signUserToken,
  userFields,
} from '../user-tokens.js'
import type { ClientAuth, MfaDeps, RequestOrigin } from '../user-tokens.js'
import type { Grant } from './grant.js'

export const MFA_RECOVERY_CODE_GRANT = 'http://auth0.com/oauth/grant-type/mfa-recovery-code'

export interface RecoveryCodeRequest extends ClientAuth, RequestOrigin {
  readonly mfaToken: string | undefined
  readonly recoveryCode: string | undefined
}

/**
 * `grant_type=http://auth0.com/oauth/grant-type/mfa-recovery-code`: the recovery code shown at
 * enrollment stands in for a text message once; the answer carries the tokens and the new
 * `recovery_code` that replaces it (Auth0's rotation).
 */
export async function issueRecoveryCodeToken(
  deps: MfaDeps,
  request: RecoveryCodeRequest,
): Promise<TokenResponse & { recovery_code: string }> {
  const client = await authenticateUserClient(deps, request)
  requireGrant(client, MFA_RECOVERY_CODE_GRANT)
  const { record, user } = await openMfaToken(deps, request.mfaToken, client.clientId)
  if (request.recoveryCode === undefined || request.recoveryCode === '') {
    throw OAuthError.of('MissingParameter', { name: 'recovery_code' })
  }
  const presented = deps.codes.hash(request.recoveryCode.trim().toUpperCase())
  const authenticator = (await deps.store.listMfaAuthenticators(user.id)).find(
    (a) => a.confirmed && a.recoveryCodeHash === presented,
  )
  const next = newRecoveryCode()
  if (
    authenticator === undefined ||
    !(await deps.store.rotateMfaRecoveryCode(authenticator.id, presented, deps.codes.hash(next)))
  ) {
    void deps.tenantLog?.record({
      type: 'gd_auth_failed',
      clientId: client.clientId,
      clientName: client.name,
      ...userFields(user),
      ...originFields(request),
      details: { recovery_code: true },
    })
    throw OAuthError.of('InvalidRecoveryCode')
  }
  void deps.tenantLog?.record({
    type: 'gd_auth_succeed',
    clientId: client.clientId,
    clientName: client.name,
    ...userFields(user),
    ...originFields(request),
    details: { authenticator_id: authenticator.id, recovery_code: true },
  })
  const scopes = record.scope.split(' ').filter(Boolean)
  const tokens = await signUserToken(
    deps,
    user,
    client.clientId,
    record.audience,
    scopes,
    'mfa-recovery-code',
  )
  return { ...tokens, recovery_code: next }
}

export const mfaRecoveryCodeGrant: Grant = {
  grantType: MFA_RECOVERY_CODE_GRANT,
  parameters: ['mfa_token', 'recovery_code'],
  issue: (deps, request) =>
    issueRecoveryCodeToken(deps.mfa, {
      clientId: request.clientId,
      clientSecret: request.clientSecret,
      mfaToken: request.params.mfa_token,
      recoveryCode: request.params.recovery_code,
      ...request.origin,
    }),
}
