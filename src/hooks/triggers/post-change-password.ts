/**
 * `post-change-password` (compat §4.4): runs after a password change commits, detached from the
 * request. Non-blocking; it shares the user-registration compiler, so its checks, `cb()` → `{}` and
 * `PreUserRegistrationError` are the same as for the registration triggers.
 */
import type { LoggedFailure, TriggerDefinition } from './trigger.js'
import {
  buildUserRegistrationArgs,
  USER_REGISTRATION_CLASSES,
  validateUserRegistrationPayload,
} from './pre-user-registration.js'
import type { UserRegistrationPayload } from './pre-user-registration.js'
import { ignoreResult, logFailure } from './post-user-registration.js'
import type { IgnoredResult } from './post-user-registration.js'

export const postChangePassword: TriggerDefinition<
  UserRegistrationPayload,
  IgnoredResult,
  LoggedFailure
> = {
  id: 'post-change-password',
  blocking: false,
  parameters: ['user', 'context'],
  errorClasses: USER_REGISTRATION_CLASSES,
  noDataResult: 'empty-object',
  limits: {},
  samplePayload: {
    user: {
      id: 'abc123',
      username: 'user1',
      email: 'user1@foo.com',
      last_password_reset: '2019-02-27T14:14:29.206Z',
    },
    context: {
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
