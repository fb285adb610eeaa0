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
import { toWireUserId } from '../directory/users.js'
import { OAuthError } from '../errors/api-error.js'
import { OAUTH_DESCRIPTIONS } from '../errors/catalog.js'
import { redactDeep, redactOutcome } from '../hooks/redact.js'
import { sendPhoneMessage } from '../hooks/triggers/send-phone-message.js'
import { describeFailure, HOOK_TIMEOUT_DESCRIPTION } from '../hooks/triggers/trigger.js'
import { PHONE_MESSAGE_HOOK_PROVIDER, renderSmsTemplate } from '../mfa/guardian.js'
import { withSpan } from '../observability/tracing.js'
import type { ClientRecord, MfaAuthenticatorRecord, UserRecord } from '../storage/store.js'
import { hookLogDetails } from './hook-log.js'
import {
  authenticateUserClient,
  isoAt,
  newRecoveryCode,
  openMfaToken,
  originFields,
  randomHandle,
  userFields,
} from './user-tokens.js'
import type { ClientAuth, MfaDeps, RequestOrigin } from './user-tokens.js'

/** Digits of an SMS one-time code. */
export const MFA_CODE_DIGITS = 6
/** Auth0's defaults, overridable by configuration (`OPENHOOKS_MFA_*`). */
export const DEFAULT_MFA_SMS_PER_HOUR = 10
export const DEFAULT_MFA_CODE_TTL_S = 5 * 60
export const DEFAULT_MFA_MAX_ATTEMPTS = 5
export const DEFAULT_MFA_TOKEN_TTL_S = 10 * 60
/** The window of the per-phone SMS limit. */
export const SMS_RATE_WINDOW_MS = 60 * 60 * 1000
/** Phone numbers: E.164, `+` and 8 to 15 digits. */
export const PHONE_NUMBER = /^\+[1-9][0-9]{7,14}$/

/** What MFA clients are told when the hook failed and gave no friendly text (compat Q22). */
const SMS_SEND_FAILED_DESCRIPTION = OAUTH_DESCRIPTIONS.SmsSendFailed.description

function newCode(): string {
  return String(randomInt(0, 10 ** MFA_CODE_DIGITS)).padStart(MFA_CODE_DIGITS, '0')
}

/** The code's hash is bound to its challenge, so equal codes of two challenges differ. */
function codeHash(deps: MfaDeps, oobCodeHash: string, code: string): string {
  return deps.codes.hash(`${oobCodeHash}:${code}`)
}

/** The last four digits only: tenant logs do not need whole phone numbers. */
export function maskPhoneNumber(phone: string): string {
  return `${'*'.repeat(Math.max(0, phone.length - 4))}${phone.slice(-4)}`
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
function sendCode(deps: MfaDeps, input: SendInput): Promise<void> {
  return withSpan(
    'flow.mfa_sms',
    { 'oauth.client_id': input.client.clientId, 'openhooks.mfa.action': input.action },
    () => sendCodeInSpan(deps, input),
  )
}

async function sendCodeInSpan(deps: MfaDeps, input: SendInput): Promise<void> {
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
