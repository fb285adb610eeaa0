/**
 * The database signup flow (`POST /dbconnections/signup`) and the two extensibility points it fires
 * (compat §4.2, §4.3, §9): validate, run `pre-user-registration`, store the user, answer, then run
 * `post-user-registration` detached. Every outcome writes `ss` or `fs` to the tenant log; a failed
 * post hook writes `fpurh`. No password reaches a response, a log or the post hook.
 */
import { DbConnectionsError } from '../errors/api-error.js'
import type { HookDispatcher } from '../hooks/hook-dispatcher.js'
import { withSpan } from '../observability/tracing.js'
import { MIN_REDACTED_SECRET_CHARS } from '../hooks/redact.js'
import { postUserRegistration } from '../hooks/triggers/post-user-registration.js'
import {
  preUserRegistration,
  type Metadata,
  type UserRegistrationPayload,
} from '../hooks/triggers/pre-user-registration.js'
import {
  describeFailure,
  HOOK_BUSY_DESCRIPTION,
  HOOK_CRASH_DESCRIPTION,
  isSandboxBusy,
} from '../hooks/triggers/trigger.js'
import { hashPassword } from '../directory/passwords.js'
import { toWireUserId, type UserService } from '../directory/users.js'
import type { RunOutcome } from '../sandbox/runner.js'
import type {
  ClientStore,
  ConnectionRecord,
  HookRecord,
  UserRecord,
  UserStore,
} from '../storage/store.js'
import type { TenantLog } from '../tenant-log/tenant-log.js'
import { failedOpenDescription, failedOpenDetails, hookLogDetails } from './hook-log.js'

/** Auth0's limits on `user_metadata` sent with a signup (Authentication API reference). */
export const MAX_SIGNUP_METADATA_PROPERTIES = 10
export const MAX_SIGNUP_METADATA_KEY_CHARS = 100
export const MAX_SIGNUP_METADATA_VALUE_CHARS = 500
/** Longest e-mail address, username and phone number accepted, in characters. */
export const MAX_EMAIL_CHARS = 254
export const MAX_USERNAME_CHARS = 128
export const MAX_PHONE_NUMBER_CHARS = 32

/** The strategy of openhooks' database connections (Auth0's name for them). */
export const DATABASE_STRATEGY = 'auth0'

/** What replaces the submitted password wherever a hook echoed it (console output, messages). */
const PASSWORD_REDACTION = '[password]'

/** The signup request, already split into single-string fields by the transport. */
export interface SignupRequest {
  readonly clientId: string | undefined
  readonly email: string | undefined
  readonly password: string | undefined
  readonly connection: string | undefined
  readonly username?: string
  readonly phoneNumber?: string
  /** As sent; checked here against Auth0's limits. */
  readonly userMetadata?: unknown
  /** For the tenant log and `context.request`. */
  readonly ip?: string
  readonly userAgent?: string
  /** The first language of `Accept-Language`, lower-cased (`context.requestLanguage`). */
  readonly language?: string
}

/**
 * Auth0's signup success body: `_id` is the user id without the `auth0|` prefix. Optional fields
 * are present only when the user has them.
 */
export interface SignupResponse {
  _id: string
  email_verified: boolean
  email: string
  username?: string
  phone_number?: string
  user_metadata?: Record<string, unknown>
}

export interface SignupDeps {
  readonly store: ClientStore & UserStore
  readonly users: UserService
  /** The tenant name hooks see as `user.tenant` and `context.connection.tenant`. */
  readonly tenant: string
  /** Runs the enabled hooks; absent in deployments without a sandbox. */
  readonly hooks?: HookDispatcher
  readonly tenantLog?: TenantLog
  /**
   * Runs work that must not delay the response (the post-user-registration hook). The transport
   * tracks it so that shutdown can wait for it; without one, the task just runs.
   */
  readonly runDetached?: (task: () => Promise<void>) => void
}

interface ValidSignup {
  readonly clientId: string
  readonly clientName: string
  readonly email: string
  readonly password: string
  readonly connection: ConnectionRecord
  readonly username?: string
  readonly phoneNumber?: string
  readonly userMetadata: Metadata
}

const EMAIL = /^[^\s@]+@[^\s@]+$/

function required(value: string | undefined, name: string): string {
  if (value === undefined || value === '') {
    throw new DbConnectionsError('InvalidSignup', {
      description: `Missing required parameter: ${name}`,
    })
  }
  return value
}

function tooLong(name: string, max: number): DbConnectionsError {
  return new DbConnectionsError('InvalidSignup', {
    description: `${name} must be at most ${max} characters`,
  })
}

/** Auth0's documented limits for signup metadata: ≤ 10 properties, string values. */
function checkSignupMetadata(raw: unknown): Metadata {
  if (raw === undefined) return {}
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new DbConnectionsError('InvalidSignup', {
      description: 'user_metadata must be an object',
    })
  }
  const entries = Object.entries(raw)
  if (entries.length > MAX_SIGNUP_METADATA_PROPERTIES) {
    throw new DbConnectionsError('InvalidSignup', {
      description: `user_metadata must have at most ${MAX_SIGNUP_METADATA_PROPERTIES} properties`,
    })
  }
  for (const [key, value] of entries) {
    if (key.length > MAX_SIGNUP_METADATA_KEY_CHARS || key.startsWith('$') || key.includes('.')) {
      throw new DbConnectionsError('InvalidSignup', {
        description: `user_metadata property names must have at most ${MAX_SIGNUP_METADATA_KEY_CHARS} characters, and must not start with "$" or contain "."`,
      })
    }
    if (typeof value !== 'string' || value.length > MAX_SIGNUP_METADATA_VALUE_CHARS) {
      throw new DbConnectionsError('InvalidSignup', {
        description: `user_metadata values must be strings of at most ${MAX_SIGNUP_METADATA_VALUE_CHARS} characters`,
      })
    }
  }
  return { ...(raw as Record<string, string>) }
}

/**
 * The checks before the hook (compat §9: request, client, connection, password policy, "user
 * exists"), in that order, so a denial by the hook is never the reason a weak password was refused.
 */
async function validate(deps: SignupDeps, request: SignupRequest): Promise<ValidSignup> {
  const clientId = required(request.clientId, 'client_id')
  const email = required(request.email, 'email')
  const password = required(request.password, 'password')
  const connectionName = required(request.connection, 'connection')
  if (email.length > MAX_EMAIL_CHARS) throw tooLong('email', MAX_EMAIL_CHARS)
  if (!EMAIL.test(email)) {
    throw new DbConnectionsError('InvalidSignup', { description: 'Invalid email address' })
  }
  if (request.username !== undefined && request.username.length > MAX_USERNAME_CHARS) {
    throw tooLong('username', MAX_USERNAME_CHARS)
  }
  if (request.phoneNumber !== undefined && request.phoneNumber.length > MAX_PHONE_NUMBER_CHARS) {
    throw tooLong('phone_number', MAX_PHONE_NUMBER_CHARS)
  }
  const userMetadata = checkSignupMetadata(request.userMetadata)

  const client = await deps.store.getClient(clientId)
  if (client === undefined) {
    throw new DbConnectionsError('InvalidSignup', { description: `Unknown client: ${clientId}` })
  }
  const connection = await deps.users.connectionByName(connectionName)
  if (connection === undefined) {
    throw new DbConnectionsError('InvalidSignup', {
      description: `Connection does not exist: ${connectionName}`,
    })
  }
  if (connection.strategy !== DATABASE_STRATEGY) {
    throw new DbConnectionsError('InvalidSignup', {
      description: `Connection is not a database connection: ${connectionName}`,
    })
  }
  const check = deps.users.checkPassword(connection, password)
  if (!check.verified) {
    throw new DbConnectionsError('PasswordTooWeak', {
      passwordStrength: { rules: check.rules, policy: check.policyText },
    })
  }
  const taken =
    (await deps.store.findUser(connection.id, { email })) ??
    (request.username !== undefined
      ? await deps.store.findUser(connection.id, { username: request.username })
      : undefined)
  if (taken !== undefined) throw new DbConnectionsError('UserExists')
  return {
    clientId,
    clientName: client.name,
    email,
    password,
    connection,
    ...(request.username !== undefined ? { username: request.username } : undefined),
    ...(request.phoneNumber !== undefined ? { phoneNumber: request.phoneNumber } : undefined),
    userMetadata,
  }
}

/** Removes the submitted password from text a hook produced (console output, error messages). */
function passwordScrubber(password: string): (text: string) => string {
  // Very short passwords would match ordinary text; the sandbox output is bounded anyway.
  if (password.length < MIN_REDACTED_SECRET_CHARS) return (text) => text
  return (text) => text.split(password).join(PASSWORD_REDACTION)
}

function hookDetails(
  hook: HookRecord,
  outcome: RunOutcome,
  password: string,
  error?: string,
): Record<string, unknown> {
  const scrub = passwordScrubber(password)
  const logs = outcome.logs.map((entry) => ({ ...entry, message: scrub(entry.message) }))
  const redacted = { ...outcome, logs }
  return hookLogDetails(hook, redacted, error === undefined ? undefined : scrub(error))
}

function connectionContext(deps: SignupDeps, connection: ConnectionRecord) {
  return { id: connection.id, name: connection.name, tenant: deps.tenant }
}

/** Shallow merge, hook keys winning, per metadata object (compat Q20). */
function mergeHookMetadata(base: Metadata, fromHook: Metadata | undefined): Metadata {
  return fromHook === undefined ? base : { ...base, ...fromHook }
}

interface PreRegistration {
  readonly userMetadata: Metadata
  readonly appMetadata: Metadata
  readonly hookDetails?: Record<string, unknown>
}

/**
 * `pre-user-registration` (compat §4.2): the hook sees the user about to be created, password
 * included, and may add `user_metadata` and `app_metadata` or deny the signup. Any failure denies
 * it with `extensibility_error` and the hook's first message (Q21), except a sandbox crash, which
 * is ours and answers 500.
 */
async function runPreUserRegistration(
  deps: SignupDeps,
  signup: ValidSignup,
  request: SignupRequest,
): Promise<PreRegistration> {
  const unchanged: PreRegistration = { userMetadata: signup.userMetadata, appMetadata: {} }
  if (deps.hooks === undefined) return unchanged
  const payload: UserRegistrationPayload = {
    user: {
      tenant: deps.tenant,
      ...(signup.username !== undefined ? { username: signup.username } : undefined),
      password: signup.password,
      email: signup.email,
      emailVerified: false,
      ...(signup.phoneNumber !== undefined ? { phoneNumber: signup.phoneNumber } : undefined),
      phoneNumberVerified: false,
      user_metadata: { ...signup.userMetadata },
      app_metadata: {},
    },
    context: {
      ...(request.language !== undefined ? { requestLanguage: request.language } : undefined),
      request: {
        ...(request.ip !== undefined ? { ip: request.ip } : undefined),
        ...(request.language !== undefined ? { language: request.language } : undefined),
      },
      connection: connectionContext(deps, signup.connection),
    },
  }
  const dispatched = await deps.hooks.dispatch(preUserRegistration, payload, {
    redact: { password: signup.password },
  })
  if (dispatched === undefined) return unchanged
  const { hook, run } = dispatched
  switch (run.kind) {
    case 'succeeded':
      // Only the two metadata objects are applied (compat §4.2); keys are checked by the trigger.
      return {
        userMetadata: mergeHookMetadata(signup.userMetadata, run.result.userMetadata),
        appMetadata: mergeHookMetadata({}, run.result.appMetadata),
        hookDetails: hookDetails(hook, run.outcome, signup.password),
      }
    case 'failed': {
      if (dispatched.failedOpen) {
        // issue 22: the hook could not run and its failure policy is open.
        return {
          ...unchanged,
          hookDetails: failedOpenDetails(
            hookDetails(hook, run.outcome, signup.password, describeFailure(run.failed)),
          ),
        }
      }
      const scrub = passwordScrubber(signup.password)
      const details = {
        ...hookDetails(hook, run.outcome, signup.password, describeFailure(run.failed)),
        message: scrub(run.failure.message),
        friendlyMessage: scrub(run.failure.friendlyMessage),
      }
      if (isSandboxBusy(run.failed)) {
        // The point's share of the sandbox is full: refused at once, the hook did not run.
        throw new DbConnectionsError('TooManyRequests', {
          description: HOOK_BUSY_DESCRIPTION,
          cause: { hook: details },
        })
      }
      if (run.failed.kind === 'crash') {
        throw new DbConnectionsError('InternalError', {
          description: HOOK_CRASH_DESCRIPTION,
          cause: { hook: details },
        })
      }
      throw new DbConnectionsError('HookDenied', {
        description: scrub(run.failure.message),
        cause: { hook: details },
      })
    }
    case 'invalid-payload':
      // The payload is built above; failing the trigger's own checks is a bug of ours.
      throw new DbConnectionsError('InternalError', {
        description: HOOK_CRASH_DESCRIPTION,
        cause: new TypeError(run.message),
      })
  }
}

/**
 * `post-user-registration` (compat §4.3): after the commit, detached; the result is ignored and a
 * failure writes `fpurh`. The payload has the stored user, without password and with `user.id`
 * lacking the `auth0|` prefix.
 */
async function runPostUserRegistration(
  deps: SignupDeps & { hooks: HookDispatcher },
  user: UserRecord,
  signup: ValidSignup,
  request: SignupRequest,
): Promise<void> {
  const dispatched = await deps.hooks.dispatch(postUserRegistration, {
    user: {
      id: user.id,
      tenant: deps.tenant,
      ...(user.username !== undefined ? { username: user.username } : undefined),
      ...(user.email !== undefined ? { email: user.email } : undefined),
      emailVerified: user.emailVerified,
      ...(user.phoneNumber !== undefined ? { phoneNumber: user.phoneNumber } : undefined),
      phoneNumberVerified: user.phoneVerified,
      user_metadata: { ...user.userMetadata },
      app_metadata: { ...user.appMetadata },
    },
    context: {
      ...(request.language !== undefined ? { requestLanguage: request.language } : undefined),
      connection: connectionContext(deps, signup.connection),
    },
  })
  if (dispatched === undefined || dispatched.run.kind === 'succeeded') return
  const { hook, run } = dispatched
  const description = run.kind === 'failed' ? run.failure.logMessage : run.message
  await deps.tenantLog?.record({
    type: 'fpurh',
    description,
    clientId: signup.clientId,
    clientName: signup.clientName,
    userId: toWireUserId(user.id),
    userName: signup.email,
    hookId: hook.id,
    ...requestFields(request),
    details: {
      connection: signup.connection.name,
      ...(run.kind === 'failed'
        ? { hook: hookLogDetails(hook, run.outcome, describeFailure(run.failed)) }
        : { hook: { id: hook.id, name: hook.name, error: run.message } }),
    },
  })
}

function toSignupResponse(user: UserRecord, email: string): SignupResponse {
  return {
    _id: user.id,
    email_verified: user.emailVerified,
    email: user.email ?? email,
    ...(user.username !== undefined ? { username: user.username } : undefined),
    ...(user.phoneNumber !== undefined ? { phone_number: user.phoneNumber } : undefined),
    ...(Object.keys(user.userMetadata).length > 0
      ? { user_metadata: { ...user.userMetadata } }
      : undefined),
  }
}

/**
 * `POST /dbconnections/signup`: validate, run `pre-user-registration`, store the user with a
 * scrypt hash, answer Auth0's success body, then run `post-user-registration` without waiting.
 * Each failure throws the `DbConnectionsError` Auth0 answers with and writes `fs`.
 */
export function signUp(deps: SignupDeps, request: SignupRequest): Promise<SignupResponse> {
  return withSpan('flow.signup', { 'oauth.client_id': request.clientId ?? '' }, () =>
    signUpInSpan(deps, request),
  )
}

async function signUpInSpan(deps: SignupDeps, request: SignupRequest): Promise<SignupResponse> {
  let signup: ValidSignup | undefined
  try {
    signup = await validate(deps, request)
    const pre = await runPreUserRegistration(deps, signup, request)
    const created = await deps.store.createUser({
      connectionId: signup.connection.id,
      email: signup.email,
      username: signup.username,
      phoneNumber: signup.phoneNumber,
      emailVerified: false,
      phoneVerified: false,
      passwordHash: await hashPassword(signup.password),
      userMetadata: pre.userMetadata,
      appMetadata: pre.appMetadata,
    })
    // A concurrent signup took the e-mail or username between the check and the insert.
    if (!created.ok) throw new DbConnectionsError('UserExists')
    const user = created.user
    void deps.tenantLog?.record({
      type: 'ss',
      clientId: signup.clientId,
      clientName: signup.clientName,
      userId: toWireUserId(user.id),
      userName: signup.email,
      ...requestFields(request),
      ...(pre.hookDetails !== undefined ? { hookId: String(pre.hookDetails.id) } : undefined),
      ...failedOpenDescription(pre.hookDetails),
      details: {
        connection: signup.connection.name,
        ...(pre.hookDetails !== undefined ? { hook: pre.hookDetails } : undefined),
      },
    })
    const hooks = deps.hooks
    if (hooks !== undefined) {
      const valid = signup
      const task = () => runPostUserRegistration({ ...deps, hooks }, user, valid, request)
      if (deps.runDetached !== undefined) deps.runDetached(task)
      else void task().catch(() => undefined)
    }
    return toSignupResponse(user, signup.email)
  } catch (error) {
    // Errors of ours (a store failure) are logged too, as the 500 the transport answers.
    const failure =
      error instanceof DbConnectionsError
        ? error
        : new DbConnectionsError('InternalError', { cause: error })
    const cause = failure.cause as { hook?: Record<string, unknown> } | undefined
    void deps.tenantLog?.record({
      type: 'fs',
      description: failure.message,
      ...(request.clientId !== undefined ? { clientId: request.clientId } : undefined),
      ...(signup !== undefined ? { clientName: signup.clientName } : undefined),
      ...(request.email !== undefined ? { userName: request.email } : undefined),
      ...requestFields(request),
      ...(cause?.hook !== undefined ? { hookId: String(cause.hook.id) } : undefined),
      details: {
        error: failure.code,
        ...(request.connection !== undefined ? { connection: request.connection } : undefined),
        ...(cause?.hook !== undefined ? { hook: cause.hook } : undefined),
      },
    })
    throw error
  }
}

function requestFields(request: SignupRequest): { ip?: string; userAgent?: string } {
  return {
    ...(request.ip !== undefined ? { ip: request.ip } : undefined),
    ...(request.userAgent !== undefined ? { userAgent: request.userAgent } : undefined),
  }
}
