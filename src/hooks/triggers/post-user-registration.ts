/**
 * `post-user-registration` (compat §4.3): runs after a signup is stored, detached from the request.
 * Non-blocking: its result is ignored and its failures are only logged (`fpurh`).
 */
import { describeFailure } from './trigger.js'
import type { FailedRun, LoggedFailure, ResultCheck, TriggerDefinition } from './trigger.js'
import {
  buildUserRegistrationArgs,
  USER_REGISTRATION_CLASSES,
  validateUserRegistrationPayload,
} from './pre-user-registration.js'
import type { UserRegistrationPayload } from './pre-user-registration.js'

/** What the script returned, for the log only (`cb()` gives `{}`, compat §3.3). */
export interface IgnoredResult {
  readonly data: unknown
}

/** The result of a non-blocking trigger: kept for the log, otherwise ignored. */
export function ignoreResult(raw: unknown): ResultCheck<IgnoredResult> {
  return { ok: true, result: { data: raw ?? {} } }
}

/** A non-blocking trigger's failure: a log line. */
export function logFailure(failed: FailedRun): LoggedFailure {
  return { kind: 'logged', logMessage: describeFailure(failed) }
}

export const postUserRegistration: TriggerDefinition<
  UserRegistrationPayload,
  IgnoredResult,
  LoggedFailure
> = {
  id: 'post-user-registration',
  blocking: false,
  parameters: ['user', 'context'],
  errorClasses: USER_REGISTRATION_CLASSES,
  noDataResult: 'empty-object',
  limits: {},
  samplePayload: {
    user: {
      tenant: 'my-tenant',
      username: 'user1',
      email: 'user1@foo.com',
      emailVerified: true,
      phoneNumber: '1-000-000-0000',
      phoneNumberVerified: true,
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
  parseResult: ignoreResult,
  mapFailure: logFailure,
}
