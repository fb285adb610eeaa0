/**
 * What a hook script receives, per extensibility point: its arguments (with their fields),
 * `context` (with `context.webtask`), what the callback takes and the error classes the sandbox
 * injects. The one description behind `openhooks types` (TypeScript declarations, rendered by
 * src/local/hook-types.ts) and the dashboard editor's completions (dashboard/src/completions.ts).
 *
 * Plain data with no imports, so that the dashboard bundles it as it is. The trigger definitions
 * (src/hooks/triggers) stay the truth for what runs; test/local/hook-types.test.ts checks that the
 * parameters and error classes here are theirs.
 */

/** A field of an argument or of `context`: a TypeScript type, or an object of further fields. */
export interface FieldDeclaration {
  readonly name: string
  readonly doc: string
  /** TypeScript type of a leaf; absent when `fields` describe the object. */
  readonly type?: string
  readonly fields?: readonly FieldDeclaration[]
  /** Absent from some payloads. */
  readonly optional?: boolean
}

export interface ErrorClassDeclaration {
  readonly name: string
  readonly extends: string
  /** The constructor is `(message, friendlyMessage)`; else `(message)`. */
  readonly friendlyMessage: boolean
  readonly doc: string
}

export interface PointDeclaration {
  readonly id: string
  readonly title: string
  /** The script's arguments before `context` and the callback. */
  readonly parameters: readonly FieldDeclaration[]
  /** `context` without `webtask` (added to every point's context). */
  readonly context: readonly FieldDeclaration[]
  /** TypeScript type of the callback's second argument. */
  readonly result: string
  readonly resultDoc: string
  readonly errorClasses: readonly ErrorClassDeclaration[]
}

/** `context.webtask`, the same for every point. */
export const WEBTASK_FIELDS: readonly FieldDeclaration[] = [
  {
    name: 'secrets',
    type: 'Readonly<Record<string, string>>',
    doc: "The hook's secrets by name (set in the dashboard or with the Management API).",
  },
  { name: 'meta', type: 'Record<string, never>', doc: 'Always empty.' },
  { name: 'body', type: 'unknown', doc: 'The payload the hook was called with.' },
  { name: 'headers', type: 'Record<string, never>', doc: 'Always empty.' },
  { name: 'query', type: 'Record<string, never>', doc: 'Always empty.' },
]

const METADATA = 'Record<string, unknown>'

const EXTENSIBILITY_USER_ERROR: ErrorClassDeclaration = {
  name: 'ExtensibilityUserError',
  extends: 'Error',
  friendlyMessage: false,
  doc: 'The base of the errors a hook returns on purpose.',
}

const CONNECTION: FieldDeclaration = {
  name: 'connection',
  doc: 'The database connection.',
  fields: [
    { name: 'id', type: 'string', doc: 'Connection id, e.g. `con_…`.' },
    { name: 'name', type: 'string', doc: 'Connection name.' },
    { name: 'tenant', type: 'string', doc: 'Tenant name.' },
  ],
}

const REGISTRATION_CONTEXT: readonly FieldDeclaration[] = [
  {
    name: 'requestLanguage',
    type: 'string',
    doc: 'Language of the requesting agent.',
    optional: true,
  },
  CONNECTION,
]

const PRE_USER_REGISTRATION_ERROR: ErrorClassDeclaration = {
  name: 'PreUserRegistrationError',
  extends: 'ExtensibilityUserError',
  friendlyMessage: true,
  doc: 'Rejects the signup; `friendlyMessage` is shown to the user.',
}

const USER_COMMON: readonly FieldDeclaration[] = [
  { name: 'tenant', type: 'string', doc: 'Tenant name.' },
  {
    name: 'username',
    type: 'string',
    doc: 'Username, when the connection uses one.',
    optional: true,
  },
  { name: 'email', type: 'string', doc: 'Email address.' },
  { name: 'emailVerified', type: 'boolean', doc: 'Whether the email address is verified.' },
  { name: 'phoneNumber', type: 'string', doc: 'Phone number.', optional: true },
  { name: 'phoneNumberVerified', type: 'boolean', doc: 'Whether the phone number is verified.' },
  { name: 'user_metadata', type: METADATA, doc: 'User metadata.' },
  { name: 'app_metadata', type: METADATA, doc: 'App metadata.' },
]

export const HOOK_DECLARATIONS: Readonly<Record<string, PointDeclaration>> = {
  'credentials-exchange': {
    id: 'credentials-exchange',
    title: 'Client Credentials Exchange',
    parameters: [
      {
        name: 'client',
        doc: 'The application asking for the token.',
        fields: [
          { name: 'id', type: 'string', doc: 'Client id.' },
          { name: 'name', type: 'string', doc: 'Application name.' },
          { name: 'tenant', type: 'string', doc: 'Tenant name.' },
          { name: 'metadata', type: 'Record<string, string>', doc: "The client's metadata." },
        ],
      },
      { name: 'scope', type: 'string[]', doc: 'Scopes the token would have (never undefined).' },
      { name: 'audience', type: 'string', doc: 'Audience (API identifier) of the token.' },
    ],
    context: [],
    result: '{ scope?: string[]; [claim: string]: unknown }',
    resultDoc:
      'The token: `scope` replaces its scopes; keys that are http(s) URLs become namespaced claims.',
    errorClasses: [
      EXTENSIBILITY_USER_ERROR,
      {
        name: 'InvalidRequestError',
        extends: 'ExtensibilityUserError',
        friendlyMessage: false,
        doc: 'Refuses the token with `invalid_request`.',
      },
      {
        name: 'InvalidScopeError',
        extends: 'ExtensibilityUserError',
        friendlyMessage: false,
        doc: 'Refuses the token with `invalid_scope`.',
      },
      {
        name: 'ServerError',
        extends: 'ExtensibilityUserError',
        friendlyMessage: false,
        doc: 'Refuses the token with `server_error`.',
      },
    ],
  },
  'pre-user-registration': {
    id: 'pre-user-registration',
    title: 'Pre-User Registration',
    parameters: [
      {
        name: 'user',
        doc: 'The user about to be stored.',
        fields: [
          ...USER_COMMON,
          { name: 'password', type: 'string', doc: 'The plain-text password being registered.' },
        ],
      },
    ],
    context: [
      ...REGISTRATION_CONTEXT,
      {
        name: 'request',
        doc: 'The signup request.',
        optional: true,
        fields: [
          { name: 'ip', type: 'string', doc: 'Client IP address.' },
          { name: 'language', type: 'string', doc: 'Language of the requesting agent.' },
        ],
      },
    ],
    result:
      '{ user?: { user_metadata?: Record<string, unknown>; app_metadata?: Record<string, unknown> } }',
    resultDoc: 'Metadata stored with the new user.',
    errorClasses: [EXTENSIBILITY_USER_ERROR, PRE_USER_REGISTRATION_ERROR],
  },
  'post-user-registration': {
    id: 'post-user-registration',
    title: 'Post-User Registration',
    parameters: [
      {
        name: 'user',
        doc: 'The user just stored.',
        fields: [
          { name: 'id', type: 'string', doc: "The user's id, without `auth0|`." },
          ...USER_COMMON,
        ],
      },
    ],
    context: REGISTRATION_CONTEXT,
    result: 'unknown',
    resultDoc: 'Ignored: the signup does not wait for this hook.',
    errorClasses: [EXTENSIBILITY_USER_ERROR, PRE_USER_REGISTRATION_ERROR],
  },
  'post-change-password': {
    id: 'post-change-password',
    title: 'Post-Change Password',
    parameters: [
      {
        name: 'user',
        doc: 'The user whose password changed.',
        fields: [
          { name: 'id', type: 'string', doc: "The user's id." },
          { name: 'username', type: 'string', doc: 'Username.', optional: true },
          { name: 'email', type: 'string', doc: 'Email address.' },
          {
            name: 'last_password_reset',
            type: 'string',
            doc: 'ISO 8601 time of this change.',
          },
        ],
      },
    ],
    context: [CONNECTION],
    result: 'unknown',
    resultDoc: 'Ignored: the change does not wait for this hook.',
    errorClasses: [EXTENSIBILITY_USER_ERROR, PRE_USER_REGISTRATION_ERROR],
  },
  'send-phone-message': {
    id: 'send-phone-message',
    title: 'Send Phone Message',
    parameters: [
      { name: 'recipient', type: 'string', doc: 'Phone number to send the message to.' },
      { name: 'text', type: 'string', doc: 'Text of the message, with the code.' },
    ],
    context: [
      { name: 'message_type', type: "'sms' | 'voice'", doc: 'How the message is sent.' },
      {
        name: 'action',
        type: "'enrollment' | 'second-factor-authentication'",
        doc: 'Why the code is sent.',
      },
      { name: 'language', type: 'string', doc: 'Language of the message.' },
      { name: 'code', type: 'string', doc: 'The one-time code.' },
      { name: 'ip', type: 'string', doc: "The user's IP address." },
      { name: 'user_agent', type: 'string', doc: "The user's browser." },
      {
        name: 'client',
        doc: 'The application the user signs in to.',
        optional: true,
        fields: [
          { name: 'client_id', type: 'string', doc: 'Client id.' },
          { name: 'name', type: 'string', doc: 'Application name.' },
          { name: 'client_metadata', type: METADATA, doc: "The client's metadata." },
        ],
      },
      {
        name: 'user',
        doc: 'The user the code is for.',
        optional: true,
        fields: [
          { name: 'user_id', type: 'string', doc: "The user's id." },
          { name: 'name', type: 'string', doc: "The user's name." },
          { name: 'email', type: 'string', doc: 'Email address.' },
          { name: 'app_metadata', type: METADATA, doc: 'App metadata.' },
          { name: 'user_metadata', type: METADATA, doc: 'User metadata.' },
        ],
      },
    ],
    result: 'unknown',
    resultDoc: 'Ignored; call back without an error once your provider accepted the message.',
    errorClasses: [
      EXTENSIBILITY_USER_ERROR,
      {
        name: 'SendPhoneMessageError',
        extends: 'ExtensibilityUserError',
        friendlyMessage: true,
        doc: 'The message could not be sent; `friendlyMessage` is shown to the user.',
      },
    ],
  },
}
