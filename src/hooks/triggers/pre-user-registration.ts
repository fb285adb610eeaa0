/**
 * `pre-user-registration` (compat §4.2): runs before a database signup stores the user. Blocking:
 * the script may add `user_metadata` and `app_metadata`, or deny the signup.
 *
 * It also exports the checks and argument building that Auth0's shared user-registration compiler
 * applied to `post-user-registration` and `post-change-password` as well (compat §3.3).
 */
import { COMPILE_ERROR_MESSAGE } from '../../sandbox/runner.js'
import type { InjectedErrorClass } from '../../sandbox/runner.js'
import {
  describeFailure,
  errorMessage,
  EXTENSIBILITY_USER_ERROR,
  HOOK_CRASH_DESCRIPTION,
  HOOK_TIMEOUT_DESCRIPTION,
  isObject,
  webtaskContext,
} from './trigger.js'
import type {
  DeniedFailure,
  FailedRun,
  PayloadCheck,
  ResultCheck,
  TriggerDefinition,
} from './trigger.js'
import { errorField } from '../../sandbox/runner.js'

/** The `{ user, context }` body shared by the user-registration compiler's three triggers. */
export interface UserRegistrationPayload {
  readonly user: Readonly<Record<string, unknown>>
  readonly context: Readonly<Record<string, unknown>> & {
    readonly connection: Readonly<Record<string, unknown>>
  }
}

export type Metadata = Readonly<Record<string, unknown>>

/** What the signup takes from the script's result; absent objects leave the user unchanged. */
export interface PreUserRegistrationResult {
  readonly userMetadata?: Metadata
  readonly appMetadata?: Metadata
}

/** The classes of the user-registration compiler, for all three of its triggers (compat §3.2). */
export const USER_REGISTRATION_CLASSES: readonly InjectedErrorClass[] = [
  EXTENSIBILITY_USER_ERROR,
  { name: 'PreUserRegistrationError', extends: 'ExtensibilityUserError', friendlyMessage: true },
]

/** compat §3.3, user-registration compiler, in order. */
export function validateUserRegistrationPayload(
  raw: unknown,
): PayloadCheck<UserRegistrationPayload> {
  if (!isObject(raw)) {
    return { ok: false, message: 'Body received by extensibility point is not an object' }
  }
  if (!isObject(raw.user)) {
    return { ok: false, message: 'Body.user received by extensibility point is not an object' }
  }
  if (!isObject(raw.context)) {
    return { ok: false, message: 'Body.context received by extensibility point is not an object' }
  }
  if (!isObject(raw.context.connection)) {
    return {
      ok: false,
      message: 'Body.context.connection received by extensibility point is not an object',
    }
  }
  return { ok: true, payload: raw as unknown as UserRegistrationPayload }
}

/** `(user, context)`, the context a shallow copy of the body's plus `webtask` (compat §3.3). */
export function buildUserRegistrationArgs(
  payload: UserRegistrationPayload,
  secrets: Readonly<Record<string, string>>,
): readonly unknown[] {
  return [payload.user, { ...payload.context, webtask: webtaskContext(payload, secrets) }]
}

/**
 * The first metadata key Auth0's store could not hold: one that starts with `$` or contains `.`,
 * at any depth (compat §4.2, Q19). Returns its dotted path, or undefined.
 */
export function findInvalidMetadataKey(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findInvalidMetadataKey(item, `${path}[${index}]`)
      if (found !== undefined) return found
    }
    return undefined
  }
  if (!isObject(value)) return undefined
  for (const [key, item] of Object.entries(value)) {
    const keyPath = `${path}.${key}`
    if (key.startsWith('$') || key.includes('.')) return keyPath
    const found = findInvalidMetadataKey(item, keyPath)
    if (found !== undefined) return found
  }
  return undefined
}

function parseResult(raw: unknown): ResultCheck<PreUserRegistrationResult> {
  // cb() → {} → the registration proceeds unchanged (compat §3.3, §4.2).
  if (!isObject(raw) || !isObject(raw.user)) return { ok: true, result: {} }
  const user = raw.user
  const result: { userMetadata?: Metadata; appMetadata?: Metadata } = {}
  // Only these two objects are used; every other field of the result is ignored (compat §4.2).
  for (const [field, target] of [
    ['user_metadata', 'userMetadata'],
    ['app_metadata', 'appMetadata'],
  ] as const) {
    const metadata = user[field]
    if (!isObject(metadata)) continue
    const invalid = findInvalidMetadataKey(metadata, field)
    if (invalid !== undefined) {
      // compat Q19: deny the registration and name the offending key.
      return {
        ok: false,
        message: `Invalid metadata key ${invalid}: keys must not start with "$" or contain "."`,
      }
    }
    result[target] = metadata
  }
  return { ok: true, result }
}

function mapFailure(failed: FailedRun): DeniedFailure {
  const logMessage = describeFailure(failed)
  const denied = (message: string, friendlyMessage = message): DeniedFailure => ({
    kind: 'denied',
    message,
    friendlyMessage,
    logMessage,
  })
  switch (failed.kind) {
    case 'hook-error': {
      // Any error denies the signup; PreUserRegistrationError splits the log text from the text
      // shown to the user (compat §4.2).
      const message = errorMessage(failed.error)
      return denied(message, errorField(failed.error, 'friendlyMessage') ?? message)
    }
    case 'invalid-result':
      return denied(failed.message)
    case 'compile-error':
      return denied(COMPILE_ERROR_MESSAGE)
    case 'timeout':
      return denied(HOOK_TIMEOUT_DESCRIPTION)
    case 'memory':
    case 'limit':
      return denied(failed.message)
    case 'crash':
      return denied(HOOK_CRASH_DESCRIPTION)
  }
}

/**
 * @example
 * module.exports = function (user, context, cb) {
 *   if (user.email.endsWith('@example.org')) {
 *     return cb(new PreUserRegistrationError('Denied example.org', 'Please use another address'))
 *   }
 *   cb(null, { user: { app_metadata: { plan: 'free' } } })
 * }
 */
export const preUserRegistration: TriggerDefinition<
  UserRegistrationPayload,
  PreUserRegistrationResult,
  DeniedFailure
> = {
  id: 'pre-user-registration',
  blocking: true,
  parameters: ['user', 'context'],
  errorClasses: USER_REGISTRATION_CLASSES,
  noDataResult: 'empty-object',
  limits: {},
  samplePayload: {
    user: {
      tenant: 'my-tenant',
      username: 'user1',
      password: 'xxxxxxx',
      email: 'user1@foo.com',
      emailVerified: false,
      phoneNumber: '1-000-000-0000',
      phoneNumberVerified: false,
      user_metadata: { hobby: 'surfing' },
      app_metadata: { plan: 'full' },
    },
    context: {
      requestLanguage: 'en-us',
      connection: {
        id: 'con_xxxxxxxxxxxxxxxx',
        name: 'Username-Password-Authentication',
        tenant: 'my-tenant',
      },
    },
  },
  validatePayload: validateUserRegistrationPayload,
  buildArgs: buildUserRegistrationArgs,
  parseResult,
  mapFailure,
}
