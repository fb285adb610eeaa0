/**
 * Every error openhooks answers with, in one table. Each entry names its wire family, HTTP status,
 * message (or message template) and, for the Management API, its `errorCode`, with the evidence
 * for it (its grade, DOC, OAS, OBS, CODE, INF or ours, is explained in docs/errors.md).
 *
 * `docs/errors.md` is generated from this table (`npm run docs`) and checked by
 * `test/config/docs.test.ts`.
 *
 * Size: about 700 lines because it is data, not logic: some 120 entries of five or six lines each
 * (status, message, errorCode, evidence), in one table per wire family. STYLE §6 keeps them in one
 * file so that one look (or one grep) finds every body a client can receive; split by family, the
 * file would only move the length, not remove a concern.
 */

/** `/api/v2` errors: `{ statusCode, error, message, errorCode? }` (compat §2.2). */
export const MANAGEMENT_ERRORS = {
  HookDoesNotExist: {
    status: 404,
    message: 'Error: Hook does not exist',
    errorCode: 'HookDoesNotExist',
    evidence: '§2.2 OBS; also for malformed ids (Q25) and the secrets endpoints (INF)',
  },
  HookSecretDoesNotExist: {
    status: 404,
    message: 'Hook or secret not found.',
    errorCode: 'HookSecretDoesNotExist',
    evidence: '§2.6 OAS message; errorCode is ours (Q6)',
  },
  HookVersionDoesNotExist: {
    status: 404,
    message: 'Hook version does not exist',
    errorCode: 'HookVersionDoesNotExist',
    evidence: 'ours (issue 22: hook versions are an openhooks extension)',
  },
  HookNameTakenOnCreate: {
    status: 409,
    message: 'Hook with the same name already exists.',
    errorCode: 'HookAlreadyExists',
    evidence: '§1.4 OAS message; errorCode is ours (Q6)',
  },
  HookNameTakenOnUpdate: {
    status: 409,
    message: 'A hook with the same name already exists.',
    errorCode: 'HookAlreadyExists',
    evidence: '§1.4 OAS message; errorCode is ours (Q6)',
  },
  HookSecretAlreadyExists: {
    status: 409,
    message: 'Secret with the same name already exists.',
    errorCode: 'HookSecretAlreadyExists',
    evidence: '§2.6 OAS message; errorCode is ours (Q6)',
  },
  HookScriptDoesNotCompile: {
    status: 400,
    message:
      'The script does not compile, so the hook cannot be enabled: {error} [hook.js:{line}:{column}]',
    errorCode: 'hook_script_does_not_compile',
    evidence:
      'ours (issue 18.7): Auth0 stored such a hook and every run failed; a disabled hook may still hold it (docs/management-api.md)',
  },
  HookChangedConcurrently: {
    status: 409,
    message: 'The hook changed while this request was checking its script; send the request again',
    errorCode: 'conflict',
    evidence: 'ours (issue 18.7): a concurrent write enabled the hook or changed its script',
  },
  TooManySecrets: {
    status: 400,
    message: 'A hook can have a maximum of 20 secrets.',
    errorCode: 'invalid_body',
    evidence:
      'Q7 (INF): the 20 limit is OAS/DOC, the error for exceeding it by accumulation is ours',
  },
  ClientDoesNotExist: {
    status: 404,
    message: 'The client does not exist',
    errorCode: 'inexistent_client',
    evidence: 'INF: the text Auth0 answers on its clients endpoints',
  },
  SystemClientReadOnly: {
    status: 403,
    message: 'The admin client is managed by openhooks and cannot be changed through the API',
    errorCode: 'operation_not_supported',
    evidence: 'ours',
  },
  ResourceServerDoesNotExist: {
    status: 404,
    message: 'Resource server not found',
    errorCode: 'inexistent_resource_server',
    evidence: 'INF',
  },
  ResourceServerAlreadyExists: {
    status: 409,
    message: 'A resource server with the same identifier already exists',
    errorCode: 'conflict',
    evidence: 'INF',
  },
  ReservedAudience: {
    status: 400,
    message: 'The identifier of the Management API is reserved',
    errorCode: 'invalid_body',
    evidence: 'ours',
  },
  ClientGrantDoesNotExist: {
    status: 404,
    message: 'The client grant does not exist',
    errorCode: 'inexistent_client_grant',
    evidence: 'INF',
  },
  ClientGrantAlreadyExists: {
    status: 409,
    message: 'A client grant for this client and audience already exists',
    errorCode: 'conflict',
    evidence: 'INF',
  },
  UnknownScopes: {
    status: 400,
    message: 'Scopes not defined on the resource server: {scopes}',
    errorCode: 'invalid_body',
    evidence: 'ours',
  },
  ConnectionDoesNotExist: {
    status: 404,
    message: 'The connection does not exist',
    errorCode: 'inexistent_connection',
    evidence: 'INF',
  },
  UserDoesNotExist: {
    status: 404,
    message: 'The user does not exist.',
    errorCode: 'inexistent_user',
    evidence: 'INF: the text Auth0 answers on its users endpoints',
  },
  UserAlreadyExists: {
    status: 409,
    message: 'The user already exists.',
    errorCode: 'auth0_idp_error',
    evidence: 'INF: the text Auth0 answers on its users endpoints',
  },
  PasswordTooWeak: {
    status: 400,
    message: 'PasswordStrengthError: Password is too weak',
    errorCode: 'invalid_body',
    evidence: 'INF',
  },
  LogDoesNotExist: {
    status: 404,
    message: 'Log event not found',
    errorCode: 'inexistent_log',
    evidence: 'INF',
  },
  InvalidBody: {
    status: 400,
    message: 'Payload validation error: …',
    errorCode: 'invalid_body',
    evidence: '§2.2 OBS (other endpoints); message format of z-schema, Q2',
  },
  DependencyInvalid: {
    status: 400,
    message:
      "Payload validation error: '{module}@{spec}: not a version, range or tag of the npm registry' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours): URLs, git and file: specs are refused',
  },
  DependencyNotFound: {
    status: 400,
    message:
      "Payload validation error: '{module}@{spec}: no such version on the npm registry' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours); also `{module}: no such package on the npm registry`',
  },
  DependencyNativeAddon: {
    status: 400,
    message:
      "Payload validation error: '{module}@{version}: it contains a native addon ({file}), which cannot run in the sandbox' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'Q13 (ours); `its dependency <name>` when a dependency of it holds the addon',
  },
  DependencyUnsupportedBuiltin: {
    status: 400,
    message:
      "Payload validation error: '{module}@{version}: requires the Node.js module '{builtin}' (from {file}), which the sandbox does not provide (it provides …)' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'Q13 (ours)',
  },
  DependencyUnbundlable: {
    status: 400,
    message:
      "Payload validation error: '{module}@{version}: cannot be bundled for the sandbox: {esbuild message}' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'Q13 (ours)',
  },
  DependencyTooLarge: {
    status: 400,
    message:
      "Payload validation error: '{module}@{version}: the bundle is {bytes} bytes, over the limit of 2097152 bytes' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours): MAX_BUNDLE_BYTES',
  },
  DependencyRegistryUnreachable: {
    status: 400,
    message:
      "Payload validation error: '{module}@{spec}: the npm registry could not be reached ({npm code})' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours)',
  },
  DependencyTimeout: {
    status: 400,
    message:
      "Payload validation error: '{module}@{spec}: the npm registry did not answer within {ms} ms' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours): OPENHOOKS_DEPENDENCY_TIMEOUT_MS',
  },
  DependencyInstallFailed: {
    status: 400,
    message:
      "Payload validation error: '{module}@{spec}: npm failed ({npm code})' on property dependencies.{module} (Dependencies of this hook used by webtask server.).",
    errorCode: 'invalid_body',
    evidence: 'issue 9 (ours)',
  },
  InvalidJson: {
    status: 400,
    message: 'Invalid request payload JSON format',
    errorCode: 'invalid_body',
    evidence: 'INF: the text of hapi, the framework behind Auth0’s API',
  },
  UnsupportedMediaType: {
    status: 415,
    message: 'Unsupported Media Type',
    errorCode: 'unsupported_media_type',
    evidence: 'INF',
  },
  PayloadTooLarge: {
    status: 413,
    message: 'Payload content length greater than maximum allowed: {limit}',
    errorCode: 'payload_too_large',
    evidence: 'INF: the text of hapi; the limit is ours (docs/limits.md)',
  },
  InvalidQueryString: {
    status: 400,
    message: 'Query validation error: …',
    errorCode: 'invalid_query_string',
    evidence: '§2.2 INF',
  },
  InvalidUri: {
    status: 400,
    message: 'Path validation error: …',
    errorCode: 'invalid_uri',
    evidence: '§2.2 OBS (other endpoints) for the code',
  },
  MissingAuthentication: {
    status: 401,
    message: 'Missing authentication',
    evidence: 'Q24 (Boom default)',
  },
  InvalidToken: {
    status: 401,
    message: 'Invalid token.',
    evidence: 'Q24 (OAS text): malformed, expired, wrong issuer or audience',
  },
  InvalidSignature: {
    status: 401,
    message: 'Invalid signature received for JSON Web Token validation.',
    evidence: 'Q24 (OAS text)',
  },
  InsufficientScope: {
    status: 403,
    message: 'Insufficient scope, expected any of: {scopes}',
    errorCode: 'insufficient_scope',
    evidence: '§2.2 OBS (other endpoints): comma-joined, no final period',
  },
  TooManyRequests: {
    status: 429,
    message: 'Global limit has been reached',
    errorCode: 'too_many_requests',
    evidence: '§2.8 OBS (other endpoints)',
  },
  DashboardSignInFailed: {
    status: 401,
    message: 'Wrong email or password.',
    errorCode: 'invalid_credentials',
    evidence: 'ours: dashboard sign-in (docs/dashboard.md); the same text for an unknown e-mail',
  },
  DashboardSignInsLimited: {
    status: 429,
    message: 'Too many failed sign-ins. Try again in {seconds} seconds.',
    errorCode: 'too_many_attempts',
    evidence: 'ours: dashboard sign-in, with `Retry-After` (docs/dashboard.md)',
  },
  DashboardNoSession: {
    status: 401,
    message: 'Your dashboard session has ended. Sign in again.',
    errorCode: 'no_session',
    evidence: 'ours: no, unknown or expired session cookie (docs/dashboard.md)',
  },
  DashboardCsrfRefused: {
    status: 403,
    message:
      'This request did not come from the dashboard: it needs the X-OpenHooks-CSRF header and a same-origin Origin.',
    errorCode: 'csrf_refused',
    evidence: 'ours: CSRF protection of the dashboard endpoints (docs/dashboard.md)',
  },
  UnsupportedSmsProvider: {
    status: 400,
    message:
      'openhooks delivers SMS only through the send-phone-message hook: provider must be "phone-message-hook"',
    errorCode: 'invalid_body',
    evidence:
      'ours: Auth0 also accepts "auth0" and "twilio" (OAS enum), which openhooks does not implement (docs/mfa.md)',
  },
  InvalidSmsTemplate: {
    status: 400,
    message: 'Payload validation error: {field} must contain {{code}}',
    errorCode: 'invalid_body',
    evidence: 'ours: a message without the code cannot complete MFA (docs/mfa.md)',
  },
  NotFound: {
    status: 404,
    message: 'Not Found',
    evidence: 'INF: unknown path or method under /api/v2',
  },
  InternalError: {
    status: 500,
    message: 'An internal server error occurred',
    evidence: 'INF: the generic text of hapi; the cause is logged under the request id',
  },
  ServiceUnavailable: {
    status: 503,
    message: 'The server is shutting down or its storage is unavailable',
    evidence: 'ours',
  },
  StorageUnavailable: {
    status: 503,
    message: 'The database is unavailable. Try again shortly.',
    errorCode: 'storage_unavailable',
    evidence:
      'ours: the database cannot be reached or did not answer within the statement timeout; sent with Retry-After (docs/cluster.md)',
  },
} as const satisfies Record<
  string,
  { status: number; message: string; errorCode?: string; evidence: string }
>

export type ManagementErrorName = keyof typeof MANAGEMENT_ERRORS

/** `/oauth/token` errors: RFC 6749 §5.2 `{ error, error_description }`. */
export const OAUTH_ERRORS = {
  invalid_request: { status: 400, evidence: 'RFC 6749 §5.2' },
  invalid_client: { status: 401, evidence: 'RFC 6749 §5.2: no or several client authentications' },
  access_denied: {
    status: 403,
    evidence:
      '§7.4 OBS: Auth0 answers bad client credentials with 401 access_denied "Unauthorized"; unknown audience and missing grants with 403',
  },
  unauthorized_client: { status: 403, evidence: 'RFC 6749 §5.2: grant type not allowed' },
  unsupported_grant_type: { status: 400, evidence: 'RFC 6749 §5.2' },
  invalid_scope: { status: 400, evidence: 'RFC 6749 §5.2; §4.1 hook errors' },
  invalid_grant: {
    status: 403,
    evidence:
      'INF: Auth0 answers 403 "Wrong email or password." on the password grants and 403 for wrong, expired or spent MFA codes and malformed mfa_tokens (docs/mfa.md)',
  },
  mfa_required: {
    status: 403,
    evidence:
      'DOC (Auth0 MFA API): 403 {error, error_description: "Multifactor authentication required", mfa_token}',
  },
  expired_token: { status: 401, evidence: 'INF: Auth0 MFA API, an mfa_token past its lifetime' },
  unauthorized: {
    status: 401,
    evidence: 'INF: /mfa/* without a bearer mfa_token',
  },
  unsupported_challenge_type: {
    status: 400,
    evidence: 'INF: Auth0 MFA API, a challenge_type other than oob',
  },
  too_many_requests: {
    status: 429,
    evidence: '§4.5 DOC (10 SMS per hour to one number); the code is the one the issue names',
  },
  too_many_attempts: {
    status: 429,
    evidence:
      'DOC (Auth0 Authentication API errors, password grant, HTTP 429): brute-force protection and suspicious IP throttling (docs/attack-protection.md)',
  },
  server_error: { status: 500, evidence: '§4.1 hook errors, Q18' },
  temporarily_unavailable: { status: 503, evidence: 'RFC 6749 §4.1.2.1' },
} as const satisfies Record<string, { status: number; evidence: string }>

export type OAuthErrorCode = keyof typeof OAUTH_ERRORS

/**
 * Every `error_description` openhooks writes on `/oauth/token` and `/mfa/*`, by name. `{name}` is a
 * placeholder that `OAuthError.of(name, params)` (api-error.ts) fills. `status` overrides the code's
 * status of OAUTH_ERRORS. Bodies a hook chooses itself (credentials-exchange's `error` and
 * `error_description`, send-phone-message's friendly message) and body-validation messages pass
 * through as they are; docs/errors.md says so.
 */
export const OAUTH_DESCRIPTIONS = {
  MissingParameter: {
    error: 'invalid_request',
    description: 'Missing required parameter: {name}',
    evidence: 'INF: Auth0 Authentication API',
  },
  ParameterNotSingle: {
    error: 'invalid_request',
    description: 'Parameter {name} must be a single string',
    evidence: 'ours: a form parameter given twice',
  },
  UnsupportedMediaType: {
    error: 'invalid_request',
    description: 'The request body must be application/json or application/x-www-form-urlencoded',
    evidence: 'ours',
  },
  BodyTooLarge: {
    error: 'invalid_request',
    description: 'Request body is too large',
    status: 413,
    evidence: 'ours',
  },
  OneAuthenticationMethod: {
    error: 'invalid_request',
    description: 'Use only one client authentication method',
    evidence: 'RFC 6749 §2.3: a client must not use more than one method',
  },
  ClientIdMismatch: {
    error: 'invalid_request',
    description: 'client_id does not match the HTTP Basic credentials',
    evidence: 'ours',
  },
  UnsupportedGrantType: {
    error: 'unsupported_grant_type',
    description: 'Unsupported grant type: {grantType}',
    evidence: 'RFC 6749 §5.2',
  },
  ClientAuthenticationRequired: {
    error: 'invalid_client',
    description: 'Client authentication is required',
    evidence: 'RFC 6749 §5.2, with WWW-Authenticate: Basic',
  },
  ClientUnauthorized: {
    error: 'access_denied',
    description: 'Unauthorized',
    status: 401,
    evidence: '§7.4 OBS: unknown client or wrong secret',
  },
  GrantTypeNotAllowed: {
    error: 'unauthorized_client',
    description: "Grant type '{grantType}' not allowed for the client.",
    evidence: 'OBS: Auth0 Authentication API',
  },
  NoAudience: {
    error: 'access_denied',
    description: 'No audience parameter was provided, and no default audience has been configured',
    evidence: 'OBS: Auth0 Authentication API',
  },
  ServiceNotFound: {
    error: 'access_denied',
    description: 'Service not found: {audience}',
    evidence: '§7.4 OBS',
  },
  NoClientGrant: {
    error: 'access_denied',
    description:
      'Client is not authorized to access "{audience}". You need to create a "client-grant" associated to this API.',
    evidence: '§7.4 OBS',
  },
  UserTokensNotIssued: {
    error: 'access_denied',
    description: 'User tokens are not issued for {audience}',
    evidence: 'ours: the Management API audience takes client tokens only',
  },
  InternalError: {
    error: 'server_error',
    description: 'An internal server error occurred',
    evidence: 'ours: the cause is logged under the request id',
  },
  StorageUnavailable: {
    error: 'temporarily_unavailable',
    description: 'The database is unavailable. Try again shortly.',
    evidence:
      'RFC 6749 §4.1.2.1 code; ours: the database cannot be reached or did not answer within the statement timeout; sent with Retry-After (docs/cluster.md)',
  },
  HookCouldNotRun: {
    error: 'server_error',
    description: 'The hook could not be run',
    evidence: 'Q18: the runtime itself failed',
  },
  HookTimedOut: {
    error: 'server_error',
    description: 'Request to Webtask exceeded allowed execution time',
    evidence: '§4.1 OBS: the text Auth0 shows for a hook past its time limit',
  },
  WrongCredentials: {
    error: 'invalid_grant',
    description: 'Wrong email or password.',
    evidence: 'INF: Auth0 password grants',
  },
  MfaRequired: {
    error: 'mfa_required',
    description: 'Multifactor authentication required',
    evidence: 'DOC (Auth0 MFA API); the body also carries mfa_token',
  },
  MfaTokenRequired: {
    error: 'unauthorized',
    description: 'Authorization header with a Bearer mfa_token is required',
    evidence: 'INF: /mfa/* without a bearer mfa_token, with WWW-Authenticate: Bearer',
  },
  MalformedMfaToken: {
    error: 'invalid_grant',
    description: 'Malformed mfa_token',
    evidence: 'INF: Auth0 MFA API',
  },
  ExpiredMfaToken: {
    error: 'expired_token',
    description: 'mfa_token is expired',
    evidence: 'INF: Auth0 MFA API',
  },
  MfaTokenOfAnotherClient: {
    error: 'invalid_grant',
    description: 'The mfa_token was issued to another client',
    evidence: 'ours',
  },
  SmsFactorDisabled: {
    error: 'invalid_request',
    description: 'The sms factor is not enabled',
    evidence: 'ours',
  },
  AuthenticatorTypesNotOob: {
    error: 'invalid_request',
    description: 'authenticator_types must be ["oob"]',
    evidence: 'ours: only SMS is supported',
  },
  OobChannelsNotSms: {
    error: 'invalid_request',
    description: 'oob_channels must be ["sms"]',
    evidence: 'ours: only SMS is supported',
  },
  PhoneNumberFormat: {
    error: 'invalid_request',
    description: 'phone_number must be in E.164 format: + and 8 to 15 digits',
    evidence: 'ours',
  },
  AlreadyEnrolled: {
    error: 'access_denied',
    description: 'User is already enrolled.',
    evidence: 'INF: Auth0 MFA API',
  },
  UnsupportedChallengeType: {
    error: 'unsupported_challenge_type',
    description: 'Only challenge_type "oob" is supported',
    evidence: 'INF: Auth0 MFA API',
  },
  UnknownAuthenticator: {
    error: 'invalid_request',
    description: 'Unknown authenticator_id',
    evidence: 'ours',
  },
  NotEnrolled: {
    error: 'invalid_request',
    description: 'User is not enrolled: associate a phone first',
    evidence: 'ours',
  },
  AuthenticatorDoesNotExist: {
    error: 'invalid_request',
    description: 'Authenticator does not exist',
    status: 404,
    evidence: 'ours',
  },
  SmsNotConfigured: {
    error: 'server_error',
    description: 'SMS delivery is not configured: no send-phone-message hook is enabled',
    evidence: 'ours',
  },
  SmsRateLimited: {
    error: 'too_many_requests',
    description: 'Too many text messages were sent to this phone number; try again later',
    evidence: '§4.5 DOC (10 SMS per hour to one number)',
  },
  SmsSendFailed: {
    error: 'server_error',
    description: 'The verification code could not be sent',
    evidence: 'Q22: the hook failed and gave no friendly message',
  },
  InvalidOobCode: {
    error: 'invalid_grant',
    description: 'Invalid oob_code.',
    evidence: 'INF: Auth0 MFA API',
  },
  OobCodeUsed: {
    error: 'invalid_grant',
    description: 'The oob_code has already been used.',
    evidence: 'INF: Auth0 MFA API',
  },
  OobCodeExpired: {
    error: 'invalid_grant',
    description: 'The oob_code has expired.',
    evidence: 'INF: Auth0 MFA API',
  },
  TooManyOobAttempts: {
    error: 'invalid_grant',
    description: 'Too many failed attempts: request a new code.',
    evidence: 'ours',
  },
  InvalidBindingCode: {
    error: 'invalid_grant',
    description: 'Invalid binding_code.',
    evidence: 'INF: Auth0 MFA API',
  },
  InvalidRecoveryCode: {
    error: 'invalid_grant',
    description: 'Invalid recovery_code.',
    evidence: 'INF: Auth0 MFA API',
  },
} as const satisfies Record<
  string,
  { error: OAuthErrorCode; description: string; status?: number; evidence: string }
>

export type OAuthDescriptionName = keyof typeof OAUTH_DESCRIPTIONS

/**
 * `/dbconnections/*` errors: `{ name, code, description, statusCode }` (compat §4.2). `name` is the
 * error class Auth0's Authentication API reports; `description` is a default that the flow may make
 * more precise (which parameter is missing, the hook's message). `PasswordStrengthError` adds
 * `message` and `policy`, and its `description` is an object (see `DbConnectionsError`).
 */
export const DB_CONNECTIONS_ERRORS = {
  InvalidSignup: {
    status: 400,
    name: 'BadRequestError',
    code: 'invalid_signup',
    description: 'Invalid sign up',
    evidence:
      'OBS: auth0/node-auth0#886 quotes this body; auth0/docs#7875 lists the code. The precise descriptions (missing or malformed parameter, unknown client or connection) are ours',
  },
  InvalidBody: {
    status: 400,
    name: 'BadRequestError',
    code: 'invalid_body',
    description: 'Invalid request payload JSON format',
    evidence: 'INF: the text of hapi, as on the Management API; also for unsupported media types',
  },
  PayloadTooLarge: {
    status: 413,
    name: 'PayloadTooLargeError',
    code: 'payload_too_large',
    description: 'Payload content length greater than maximum allowed: {limit}',
    evidence: 'INF: the text of hapi; the limit is ours',
  },
  UserExists: {
    status: 400,
    name: 'BadRequestError',
    code: 'user_exists',
    description: 'The user already exists.',
    evidence: '§4.2 OBS (public client code)',
  },
  PasswordTooWeak: {
    status: 400,
    name: 'PasswordStrengthError',
    code: 'invalid_password',
    description: 'Password is too weak',
    evidence:
      'OBS: Auth0 answers `{name, message: "Password is too weak", code, description: {rules, verified}, policy, statusCode}`; `description` here is the `message`',
  },
  HookDenied: {
    status: 400,
    name: 'BadRequestError',
    code: 'extensibility_error',
    description: '{message}',
    evidence:
      '§4.2 INF, Q21: the first argument of the hook error (or the timeout, compile or limit text)',
  },
  TooManyRequests: {
    status: 429,
    name: 'TooManyRequestsError',
    code: 'too_many_requests',
    description: '{reason}',
    evidence:
      "INF: the /dbconnections error shape with Auth0's `too_many_requests` code; Auth0 limits /dbconnections/signup per IP address (50 per minute, its Authentication API rate-limit policy). Also a full share of the sandbox for pre-user-registration (issue 17)",
  },
  InternalError: {
    status: 500,
    name: 'InternalServerError',
    code: 'server_error',
    description: 'An internal server error occurred',
    evidence:
      'ours: also a sandbox crash during pre-user-registration ("The hook could not be run"); the cause is logged under the request id',
  },
  StorageUnavailable: {
    status: 503,
    name: 'ServiceUnavailableError',
    code: 'storage_unavailable',
    description: 'The database is unavailable. Try again shortly.',
    evidence:
      'ours: the /dbconnections error shape; the database cannot be reached or did not answer within the statement timeout (docs/cluster.md)',
  },
} as const satisfies Record<
  string,
  { status: number; name: string; code: string; description: string; evidence: string }
>

export type DbConnectionsErrorName = keyof typeof DB_CONNECTIONS_ERRORS
