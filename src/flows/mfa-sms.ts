// Size: over 700 lines because it still holds the password grants next to the MFA grants and the Guardian
// flows they share (client authentication, token signing). The planned split is a grant registry
// (flows/grants/, one file per grant) with one client-authentication module (issue 19).
/**
 * Multi-factor authentication by SMS, with Auth0's MFA API shapes (docs/mfa.md, compat §4.5, §9):
 * the password grants answer `mfa_required` with an `mfa_token` when the policy applies;
 * `/mfa/associate` enrolls a phone and `/mfa/challenge` sends a new code, each through the
 * blocking `send-phone-message` hook; the `mfa-oob` grant checks the code and issues the tokens.
 *
 * One-time codes, `oob_code`s, `mfa_token`s and recovery codes are stored only as keyed hashes,
 * and the code never reaches a tenant log or a server log: it is removed from the hook's console
 * output and error text as hook secrets are.
 */
import { randomBytes, randomInt } from 'node:crypto'
import type { ClientSecretHasher } from '../crypto/keys.js'
import { hashPassword, verifyPassword } from '../directory/passwords.js'
import { DEFAULT_CONNECTION_NAME, toWireUserId } from '../directory/users.js'
import { OAuthError } from '../errors/api-error.js'
import { OAUTH_DESCRIPTIONS } from '../errors/catalog.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import { redactDeep, redactOutcome } from '../hooks/redact.js'
import { sendPhoneMessage } from '../hooks/triggers/send-phone-message.js'
import { describeFailure, HOOK_TIMEOUT_DESCRIPTION } from '../hooks/triggers/trigger.js'
import {
  PHONE_MESSAGE_HOOK_PROVIDER,
  renderSmsTemplate,
  type GuardianService,
} from '../mfa/guardian.js'
import type {
  ClientRecord,
  ClientStore,
  ConnectionStore,
  MfaAuthenticatorRecord,
  MfaStore,
  MfaTokenRecord,
  UserRecord,
  UserStore,
} from '../storage/store.js'
import type { TenantLog, TenantLogEvent } from '../tenant-log/tenant-log.js'
import { signAccessToken } from '../tokens/access-token.js'
import type { SigningKeys } from '../tokens/signing-keys.js'
import type { AttackProtection } from './attack-protection.js'
import type { TokenResponse } from './client-credentials.js'
import { hookLogDetails } from './hook-log.js'

/** Auth0's grant type names (Authentication API). */
export const PASSWORD_GRANT = 'password'
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm'
export const MFA_OOB_GRANT = 'http://auth0.com/oauth/grant-type/mfa-oob'
export const MFA_RECOVERY_CODE_GRANT = 'http://auth0.com/oauth/grant-type/mfa-recovery-code'

/** Digits of an SMS one-time code. */
export const MFA_CODE_DIGITS = 6
/** Auth0's defaults, overridable by configuration (`OPENHOOKS_MFA_*`). */
export const DEFAULT_MFA_SMS_PER_HOUR = 10
export const DEFAULT_MFA_CODE_TTL_S = 5 * 60
export const DEFAULT_MFA_MAX_ATTEMPTS = 5
export const DEFAULT_MFA_TOKEN_TTL_S = 10 * 60
/** The window of the per-phone SMS limit. */
export const SMS_RATE_WINDOW_MS = 60 * 60 * 1000
/** Entropy of `mfa_token`s and `oob_code`s, in bytes. */
export const MFA_HANDLE_BYTES = 32
/** Length of the recovery code shown once at enrollment, in characters. */
export const RECOVERY_CODE_CHARS = 24
/** Phone numbers: E.164, `+` and 8 to 15 digits. */
export const PHONE_NUMBER = /^\+[1-9][0-9]{7,14}$/

/** What MFA clients are told when the hook failed and gave no friendly text (compat Q22). */
const SMS_SEND_FAILED_DESCRIPTION = OAUTH_DESCRIPTIONS.SmsSendFailed.description

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

export interface ClientAuth {
  readonly clientId: string | undefined
  readonly clientSecret: string | undefined
}

// ---------------------------------------------------------------------------------------------
// Shared steps

function isoAt(ms: number): string {
  return new Date(ms).toISOString()
}

function randomHandle(): string {
  return randomBytes(MFA_HANDLE_BYTES).toString('base64url')
}

function newCode(): string {
  return String(randomInt(0, 10 ** MFA_CODE_DIGITS)).padStart(MFA_CODE_DIGITS, '0')
}

const RECOVERY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
function newRecoveryCode(): string {
  let out = ''
  for (let i = 0; i < RECOVERY_CODE_CHARS; i += 1) {
    out += RECOVERY_ALPHABET.charAt(randomInt(0, RECOVERY_ALPHABET.length))
  }
  return out
}

/** The code's hash is bound to its challenge, so equal codes of two challenges differ. */
function codeHash(deps: MfaDeps, oobCodeHash: string, code: string): string {
  return deps.codes.hash(`${oobCodeHash}:${code}`)
}

/** The last four digits only: tenant logs do not need whole phone numbers. */
export function maskPhoneNumber(phone: string): string {
  return `${'*'.repeat(Math.max(0, phone.length - 4))}${phone.slice(-4)}`
}

/**
 * Authenticates the client of a user grant: confidential clients (any method but `none`) must
 * send their secret; public clients must not need one. Unknown client and wrong secret answer
 * alike, as on client credentials (compat §7.4).
 */
export async function authenticateUserClient(
  deps: Pick<MfaDeps, 'store' | 'clientSecrets'>,
  auth: ClientAuth,
): Promise<ClientRecord> {
  if (auth.clientId === undefined || auth.clientId === '') {
    throw OAuthError.of('MissingParameter', { name: 'client_id' })
  }
  const client = await deps.store.getClient(auth.clientId)
  if (client === undefined) {
    throw OAuthError.of('ClientUnauthorized')
  }
  if (client.tokenEndpointAuthMethod !== 'none') {
    if (auth.clientSecret === undefined || auth.clientSecret === '') {
      throw OAuthError.of('ClientAuthenticationRequired', {
        headers: { 'www-authenticate': 'Basic realm="openhooks"' },
      })
    }
    if (!deps.clientSecrets.verify(auth.clientSecret, client.secretHash)) {
      throw OAuthError.of('ClientUnauthorized')
    }
  }
  return client
}

function requireGrant(client: ClientRecord, grantType: string): void {
  if (!client.grantTypes.includes(grantType)) {
    throw OAuthError.of('GrantTypeNotAllowed', { grantType })
  }
}

/** The `mfa_token`, live and (when a client is named) issued to that client. */
async function openMfaToken(
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
function grantedScopes(requested: string | undefined, defined: readonly string[]): string[] {
  const known = new Set(defined)
  return [...new Set((requested ?? '').split(' ').filter((s) => known.has(s)))]
}

async function signUserToken(
  deps: MfaDeps,
  user: UserRecord,
  clientId: string,
  audience: string,
  scopes: readonly string[],
  grantType: string,
): Promise<TokenResponse> {
  const api = await resolveUserAudience(deps, audience)
  const accessToken = await signAccessToken(deps.signingKeys, {
    issuer: deps.issuer,
    clientId,
    audience,
    scopes,
    lifetimeS: api.lifetimeS,
    subject: toWireUserId(user.id),
    grantType,
    nowS: Math.floor(deps.now() / 1000),
  })
  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: api.lifetimeS,
    ...(scopes.length > 0 ? { scope: scopes.join(' ') } : undefined),
  }
}

async function resolveUserAudience(
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

function originFields(origin: RequestOrigin): Pick<TenantLogEvent, 'ip' | 'userAgent'> {
  return {
    ...(origin.ip !== undefined ? { ip: origin.ip } : undefined),
    ...(origin.userAgent !== undefined ? { userAgent: origin.userAgent } : undefined),
  }
}

function userFields(user: UserRecord): Pick<TenantLogEvent, 'userId' | 'userName'> {
  const name = user.email ?? user.username
  return { userId: toWireUserId(user.id), ...(name !== undefined ? { userName: name } : undefined) }
}

// ---------------------------------------------------------------------------------------------
// The password grants

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

// ---------------------------------------------------------------------------------------------
// Sending a code through the send-phone-message hook

interface SendInput {
  readonly action: 'enrollment' | 'second-factor-authentication'
  readonly user: UserRecord
  readonly client: ClientRecord
  readonly phoneNumber: string
  readonly code: string
  readonly origin: RequestOrigin
}

/**
 * Sends `code` through the enabled `send-phone-message` hook, after the per-phone limit. Blocking:
 * any failure throws the error the MFA client sees and writes `gd_send_sms_failure`; success
 * writes `gd_send_sms`. The code is removed from everything that is logged.
 */
async function sendCode(deps: MfaDeps, input: SendInput): Promise<void> {
  const { user, client, origin } = input
  const common = {
    clientId: client.clientId,
    clientName: client.name,
    ...userFields(user),
    ...originFields(origin),
  }
  const fail = (error: OAuthError, details: Record<string, unknown>, hookId?: string): never => {
    void deps.tenantLog?.record({
      type: 'gd_send_sms_failure',
      description: error.description ?? error.error,
      ...common,
      ...(hookId !== undefined ? { hookId } : undefined),
      details: {
        action: input.action,
        recipient: maskPhoneNumber(input.phoneNumber),
        error: error.error,
        ...details,
      },
    })
    throw error
  }

  if ((await deps.guardian.smsProvider()) !== PHONE_MESSAGE_HOOK_PROVIDER) {
    fail(OAuthError.of('SmsNotConfigured'), {})
  }
  const nowMs = deps.now()
  const reservation = await deps.store.reserveSmsSend(
    input.phoneNumber,
    isoAt(nowMs),
    isoAt(nowMs - SMS_RATE_WINDOW_MS),
    deps.limits.smsPerHour,
  )
  if (!reservation.allowed) {
    fail(OAuthError.of('SmsRateLimited'), {
      limit: `${deps.limits.smsPerHour} per hour`,
    })
  }

  const templates = await deps.guardian.smsTemplates()
  const text = renderSmsTemplate(
    input.action === 'enrollment' ? templates.enrollmentMessage : templates.verificationMessage,
    { code: input.code, tenant: deps.tenant, applicationName: client.name },
  )
  const dispatched = await deps.hooks?.dispatch(
    sendPhoneMessage,
    {
      recipient: input.phoneNumber,
      text,
      context: {
        message_type: 'sms',
        action: input.action,
        language: origin.language ?? 'en',
        code: input.code,
        ip: origin.ip ?? '',
        user_agent: origin.userAgent ?? '',
        client: {
          client_id: client.clientId,
          name: client.name,
          client_metadata: { ...client.clientMetadata },
        },
        user: {
          user_id: toWireUserId(user.id),
          name: user.email ?? user.username ?? '',
          ...(user.email !== undefined ? { email: user.email } : undefined),
          app_metadata: { ...user.appMetadata },
          user_metadata: { ...user.userMetadata },
        },
      },
    },
    // The code is a secret of this run: not in the hook's live log either.
    { redact: { code: input.code } },
  )
  if (dispatched === undefined) {
    fail(OAuthError.of('SmsNotConfigured'), {})
    return
  }
  const { hook, run } = dispatched
  // The code is a secret of this run: out of the console output and error texts that are logged.
  const code = { code: input.code }
  switch (run.kind) {
    case 'succeeded':
      void deps.tenantLog?.record({
        type: 'gd_send_sms',
        ...common,
        hookId: hook.id,
        details: {
          action: input.action,
          recipient: maskPhoneNumber(input.phoneNumber),
          hook: hookLogDetails(hook, redactOutcome(run.outcome, code)),
        },
      })
      return
    case 'failed': {
      const failure = redactDeep(run.failure, code)
      const description =
        failure.friendlyMessage ??
        (run.failed.kind === 'timeout' ? HOOK_TIMEOUT_DESCRIPTION : SMS_SEND_FAILED_DESCRIPTION)
      fail(
        new OAuthError('server_error', description),
        {
          hook: hookLogDetails(
            hook,
            redactOutcome(run.outcome, code),
            redactDeep(describeFailure(run.failed), code),
          ),
        },
        hook.id,
      )
      return
    }
    case 'invalid-payload':
      // The payload is built above; failing the trigger's own checks is a bug of ours.
      fail(
        OAuthError.of('SmsSendFailed', {
          cause: new TypeError(run.message),
        }),
        {
          hook: { id: hook.id, name: hook.name, error: run.message },
        },
        hook.id,
      )
  }
}

// ---------------------------------------------------------------------------------------------
// /mfa/associate, /mfa/challenge, /mfa/authenticators

export interface AssociateRequest extends RequestOrigin {
  readonly mfaToken: string | undefined
  readonly authenticatorTypes: unknown
  readonly oobChannels: unknown
  readonly phoneNumber: unknown
}

export interface AssociateResponse {
  authenticator_type: 'oob'
  binding_method: 'prompt'
  oob_channel: 'sms'
  oob_code: string
  recovery_codes?: string[]
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

async function requireSmsFactor(deps: MfaDeps): Promise<void> {
  if (!(await deps.guardian.isSmsEnabled())) {
    throw OAuthError.of('SmsFactorDisabled')
  }
}

/** `POST /mfa/associate` with the `mfa_token`: enrolls a phone and sends its first code. */
export async function associate(
  deps: MfaDeps,
  request: AssociateRequest,
): Promise<AssociateResponse> {
  const { record, user } = await openMfaToken(deps, request.mfaToken)
  if (!isStringList(request.authenticatorTypes) || !request.authenticatorTypes.includes('oob')) {
    throw OAuthError.of('AuthenticatorTypesNotOob')
  }
  if (!isStringList(request.oobChannels) || request.oobChannels.join(' ') !== 'sms') {
    throw OAuthError.of('OobChannelsNotSms')
  }
  if (typeof request.phoneNumber !== 'string' || !PHONE_NUMBER.test(request.phoneNumber)) {
    throw OAuthError.of('PhoneNumberFormat')
  }
  await requireSmsFactor(deps)
  const existing = await deps.store.listMfaAuthenticators(user.id)
  if (existing.some((a) => a.confirmed)) {
    throw OAuthError.of('AlreadyEnrolled')
  }
  const client = await deps.store.getClient(record.clientId)
  if (client === undefined) throw OAuthError.of('MalformedMfaToken')

  const code = newCode()
  await sendCode(deps, {
    action: 'enrollment',
    user,
    client,
    phoneNumber: request.phoneNumber,
    code,
    origin: request,
  })
  // Written only after the hook delivered the code: a failed send leaves nothing behind.
  const oobCode = randomHandle()
  const oobCodeHash = deps.codes.hash(oobCode)
  const recoveryCode = newRecoveryCode()
  await deps.store.enrollMfaAuthenticator(
    {
      id: `sms|dev_${randomBytes(12).toString('base64url')}`,
      userId: user.id,
      oobChannel: 'sms',
      phoneNumber: request.phoneNumber,
      recoveryCodeHash: deps.codes.hash(recoveryCode),
    },
    {
      oobCodeHash,
      clientId: client.clientId,
      codeHash: codeHash(deps, oobCodeHash, code),
      expiresAt: isoAt(deps.now() + deps.limits.codeTtlS * 1000),
    },
  )
  return {
    authenticator_type: 'oob',
    binding_method: 'prompt',
    oob_channel: 'sms',
    oob_code: oobCode,
    recovery_codes: [recoveryCode],
  }
}

export interface ChallengeRequest extends ClientAuth, RequestOrigin {
  readonly mfaToken: string | undefined
  readonly challengeType: string | undefined
  readonly authenticatorId: string | undefined
}

export interface ChallengeResponse {
  challenge_type: 'oob'
  oob_code: string
  binding_method: 'prompt'
}

/** `POST /mfa/challenge`: sends a new code to an enrolled phone. */
export async function challenge(
  deps: MfaDeps,
  request: ChallengeRequest,
): Promise<ChallengeResponse> {
  const client = await authenticateUserClient(deps, request)
  const { user } = await openMfaToken(deps, request.mfaToken, client.clientId)
  const types = (request.challengeType ?? 'oob').split(' ')
  if (!types.includes('oob')) {
    throw OAuthError.of('UnsupportedChallengeType')
  }
  await requireSmsFactor(deps)
  const active = (await deps.store.listMfaAuthenticators(user.id)).filter((a) => a.confirmed)
  let authenticator: MfaAuthenticatorRecord | undefined
  if (request.authenticatorId !== undefined && request.authenticatorId !== '') {
    authenticator = active.find((a) => a.id === request.authenticatorId)
    if (authenticator === undefined) {
      throw OAuthError.of('UnknownAuthenticator')
    }
  } else {
    authenticator = active[0]
    if (authenticator === undefined) {
      throw OAuthError.of('NotEnrolled')
    }
  }
  const code = newCode()
  await sendCode(deps, {
    action: 'second-factor-authentication',
    user,
    client,
    phoneNumber: authenticator.phoneNumber,
    code,
    origin: request,
  })
  const oobCode = randomHandle()
  const oobCodeHash = deps.codes.hash(oobCode)
  await deps.store.createMfaChallenge({
    oobCodeHash,
    authenticatorId: authenticator.id,
    userId: user.id,
    clientId: client.clientId,
    codeHash: codeHash(deps, oobCodeHash, code),
    expiresAt: isoAt(deps.now() + deps.limits.codeTtlS * 1000),
  })
  return { challenge_type: 'oob', oob_code: oobCode, binding_method: 'prompt' }
}

export interface AuthenticatorResponse {
  id: string
  authenticator_type: 'oob'
  oob_channel: 'sms'
  name: string
  active: boolean
}

/** `GET /mfa/authenticators` with the `mfa_token`. `name` is the masked phone number. */
export async function listAuthenticators(
  deps: MfaDeps,
  mfaToken: string | undefined,
): Promise<AuthenticatorResponse[]> {
  const { user } = await openMfaToken(deps, mfaToken)
  return (await deps.store.listMfaAuthenticators(user.id)).map((a) => ({
    id: a.id,
    authenticator_type: 'oob',
    oob_channel: 'sms',
    name: maskPhoneNumber(a.phoneNumber),
    active: a.confirmed,
  }))
}

/** `DELETE /mfa/authenticators/{id}` with the `mfa_token`. */
export async function deleteAuthenticator(
  deps: MfaDeps,
  mfaToken: string | undefined,
  id: string,
): Promise<void> {
  const { user } = await openMfaToken(deps, mfaToken)
  if (!(await deps.store.deleteMfaAuthenticator(user.id, id))) {
    throw OAuthError.of('AuthenticatorDoesNotExist')
  }
}

// ---------------------------------------------------------------------------------------------
// The mfa-oob grant

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
    // A concurrent request used it first.
    if (consumed === undefined) throw OAuthError.of('InvalidOobCode')
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

// ---------------------------------------------------------------------------------------------
// The mfa-recovery-code grant

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
