/**
 * The password grants: `password` (the default database connection) and `password-realm` (`realm`
 * names the connection), with brute-force protection and the MFA policy (docs/mfa.md).
 */
import { randomBytes } from 'node:crypto'
import { hashPassword, verifyPassword } from '../../directory/passwords.js'
import { DEFAULT_CONNECTION_NAME } from '../../directory/users.js'
import { OAuthError } from '../../errors/api-error.js'
import type { ClientRecord, UserRecord } from '../../storage/store.js'
import type { TokenResponse } from '../client-credentials.js'
import {
  authenticateUserClient,
  grantedScopes,
  isoAt,
  MFA_HANDLE_BYTES,
  originFields,
  randomHandle,
  requireGrant,
  resolveUserAudience,
  signUserToken,
  userFields,
} from '../user-tokens.js'
import type { ClientAuth, MfaDeps, RequestOrigin } from '../user-tokens.js'
import { presentParams } from './grant.js'
import type { Grant } from './grant.js'

/** Auth0's grant type names (Authentication API). */
export const PASSWORD_GRANT = 'password'
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm'

export interface PasswordGrantRequest extends ClientAuth, RequestOrigin {
  readonly grantType: typeof PASSWORD_GRANT | typeof PASSWORD_REALM_GRANT
  readonly username: string | undefined
  readonly password: string | undefined
  readonly realm?: string
  readonly audience?: string
  readonly scope?: string
}

/**
 * A hash to check a password against when the user does not exist, so that an unknown user costs
 * as much time as a wrong password and the answer does not reveal who has an account.
 */
let decoyHash: Promise<string> | undefined
async function checkPassword(password: string, hash: string | undefined): Promise<boolean> {
  if (hash !== undefined) return verifyPassword(password, hash)
  decoyHash ??= hashPassword(randomBytes(MFA_HANDLE_BYTES).toString('base64url'))
  await verifyPassword(password, await decoyHash)
  return false
}

async function findUser(
  deps: MfaDeps,
  connectionName: string,
  username: string,
): Promise<UserRecord | undefined> {
  const connection = await deps.store.getConnectionByName(connectionName)
  if (connection === undefined) return undefined
  return username.includes('@')
    ? deps.store.findUser(connection.id, { email: username })
    : deps.store.findUser(connection.id, { username })
}

/**
 * `grant_type=password` (the default database connection) and `password-realm` (`realm` names
 * the connection). Wrong credentials → 403 `invalid_grant` "Wrong email or password."; when the MFA
 * policy applies → 403 `mfa_required` with a fresh `mfa_token`; otherwise the tokens.
 */
export async function issuePasswordToken(
  deps: MfaDeps,
  request: PasswordGrantRequest,
): Promise<TokenResponse> {
  let client: ClientRecord | undefined
  let user: UserRecord | undefined
  try {
    client = await authenticateUserClient(deps, request)
    requireGrant(client, request.grantType)
    if (request.username === undefined || request.username === '') {
      throw OAuthError.of('MissingParameter', { name: 'username' })
    }
    if (request.password === undefined || request.password === '') {
      throw OAuthError.of('MissingParameter', { name: 'password' })
    }
    if (request.grantType === PASSWORD_REALM_GRANT && (request.realm ?? '') === '') {
      throw OAuthError.of('MissingParameter', { name: 'realm' })
    }
    const api = await resolveUserAudience(deps, request.audience)
    const connection =
      request.grantType === PASSWORD_REALM_GRANT
        ? (request.realm ?? DEFAULT_CONNECTION_NAME)
        : DEFAULT_CONNECTION_NAME
    // Attack protection (finding 3): counted before the password check, cleared on success.
    const attempt = await deps.attackProtection?.beginLogin({
      identifier: request.username,
      connection,
      ...originFields(request),
    })
    const found = await findUser(deps, connection, request.username)
    if (!(await checkPassword(request.password, found?.passwordHash)) || found === undefined) {
      await attempt?.failed()
      throw OAuthError.of('WrongCredentials')
    }
    await attempt?.succeeded()
    user = found
    const audience = request.audience ?? ''
    const scopes = grantedScopes(request.scope, api.scopes)
    if (await deps.guardian.isMfaRequired()) {
      const mfaToken = randomHandle()
      await deps.store.createMfaToken({
        tokenHash: deps.codes.hash(mfaToken),
        userId: user.id,
        clientId: client.clientId,
        audience,
        scope: scopes.join(' '),
        expiresAt: isoAt(deps.now() + deps.limits.mfaTokenTtlS * 1000),
      })
      throw OAuthError.of('MfaRequired', { mfaToken })
    }
    const response = await signUserToken(
      deps,
      user,
      client.clientId,
      audience,
      scopes,
      request.grantType === PASSWORD_GRANT ? 'password' : 'password-realm',
    )
    void deps.tenantLog?.record({
      type: 'sepft',
      clientId: client.clientId,
      clientName: client.name,
      ...userFields(user),
      ...originFields(request),
      details: { audience, scope: scopes.join(' ') },
    })
    return response
  } catch (error) {
    if (error instanceof OAuthError && error.error !== 'mfa_required') {
      void deps.tenantLog?.record({
        type: 'fepft',
        description: error.description ?? error.error,
        ...(request.clientId !== undefined ? { clientId: request.clientId } : undefined),
        ...(client !== undefined ? { clientName: client.name } : undefined),
        ...(user !== undefined
          ? userFields(user)
          : request.username !== undefined
            ? { userName: request.username }
            : undefined),
        ...originFields(request),
        details: { error: error.error },
      })
    }
    throw error
  }
}

function passwordGrant(grantType: typeof PASSWORD_GRANT | typeof PASSWORD_REALM_GRANT): Grant {
  return {
    grantType,
    parameters: ['username', 'password', 'realm', 'audience', 'scope'],
    issue: (deps, request) =>
      issuePasswordToken(deps.mfa, {
        grantType,
        clientId: request.clientId,
        clientSecret: request.clientSecret,
        username: request.params.username,
        password: request.params.password,
        ...presentParams(request.params, ['realm', 'audience', 'scope']),
        ...request.origin,
      }),
  }
}

export const passwordGrants: readonly Grant[] = [
  passwordGrant(PASSWORD_GRANT),
  passwordGrant(PASSWORD_REALM_GRANT),
]
