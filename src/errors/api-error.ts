import { STATUS_CODES } from 'node:http'
import {
  DB_CONNECTIONS_ERRORS,
  MANAGEMENT_ERRORS,
  OAUTH_DESCRIPTIONS,
  OAUTH_ERRORS,
  type DbConnectionsErrorName,
  type ManagementErrorName,
  type OAuthDescriptionName,
  type OAuthErrorCode,
} from './catalog.js'

/** The body of every Management API error (compat §2.2). Optional fields are omitted. */
export interface ManagementErrorBody {
  statusCode: number
  error: string
  message: string
  errorCode?: string
}

/** A Management API error from the catalogue, thrown by services and turned into a body once. */
export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly statusCode: number
  readonly errorCode: string | undefined
  readonly catalogName: ManagementErrorName
  readonly headers: Readonly<Record<string, string>>

  constructor(
    catalogName: ManagementErrorName,
    options: { message?: string; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    const entry = MANAGEMENT_ERRORS[catalogName]
    super(options.message ?? entry.message, { cause: options.cause })
    this.catalogName = catalogName
    this.statusCode = entry.status
    this.errorCode = 'errorCode' in entry ? entry.errorCode : undefined
    this.headers = options.headers ?? {}
  }

  /** Errors below 500 are shown to the client as they are; others get a generic body. */
  get expose(): boolean {
    return this.statusCode < 500
  }

  toBody(): ManagementErrorBody {
    return {
      statusCode: this.statusCode,
      error: STATUS_CODES[this.statusCode] ?? 'Error',
      message: this.message,
      ...(this.errorCode !== undefined ? { errorCode: this.errorCode } : undefined),
    }
  }
}

/** RFC 6749 §5.2 error body. */
export interface OAuthErrorBody {
  error: string
  error_description?: string
  /** `mfa_required` carries the `mfa_token` of the second step. */
  mfa_token?: string
}

/** What an OAuth error carries besides its code and description. */
interface OAuthErrorOptions {
  headers?: Record<string, string>
  cause?: unknown
  mfaToken?: string
}

/** An OAuth error (`/oauth/token`): status from the catalogue unless given. */
export class OAuthError extends Error {
  override readonly name = 'OAuthError'
  readonly error: OAuthErrorCode
  readonly statusCode: number
  readonly description: string | undefined
  readonly headers: Readonly<Record<string, string>>
  readonly mfaToken: string | undefined

  constructor(
    error: OAuthErrorCode,
    description?: string,
    options: {
      statusCode?: number
      headers?: Record<string, string>
      cause?: unknown
      mfaToken?: string
    } = {},
  ) {
    super(description ?? error, { cause: options.cause })
    this.error = error
    this.description = description
    this.statusCode = options.statusCode ?? OAUTH_ERRORS[error].status
    this.headers = options.headers ?? {}
    this.mfaToken = options.mfaToken
  }

  /** The error of catalogue entry `name` (OAUTH_DESCRIPTIONS), its `{placeholders}` filled. */
  static of<N extends OAuthDescriptionName>(
    name: N,
    ...args: [...DescriptionParams<N>, options?: OAuthErrorOptions]
  ): OAuthError {
    const entry: { error: OAuthErrorCode; description: string; status?: number } =
      OAUTH_DESCRIPTIONS[name]
    const hasParams = entry.description.includes('{')
    const [first, second] = args as unknown[]
    const params = (hasParams ? first : {}) as Record<string, string>
    const options = (hasParams ? second : first) as OAuthErrorOptions | undefined
    return new OAuthError(entry.error, fillDescription(entry.description, params), {
      ...options,
      ...(entry.status !== undefined ? { statusCode: entry.status } : undefined),
    })
  }

  toBody(): OAuthErrorBody {
    return {
      error: this.error,
      ...(this.description !== undefined ? { error_description: this.description } : undefined),
      ...(this.mfaToken !== undefined ? { mfa_token: this.mfaToken } : undefined),
    }
  }
}

/** The `{name}` placeholders of a catalogue description. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}`
  ? P | Placeholders<Rest>
  : never

/** The values a description's placeholders take; no argument when it has none. */
type DescriptionParams<N extends OAuthDescriptionName> = [
  Placeholders<(typeof OAUTH_DESCRIPTIONS)[N]['description']>,
] extends [never]
  ? []
  : [params: Record<Placeholders<(typeof OAUTH_DESCRIPTIONS)[N]['description']>, string>]

/** Fills `{name}` placeholders; a placeholder without a value is a bug of ours. */
export function fillDescription(
  template: string,
  params: Readonly<Record<string, string>>,
): string {
  return template.replace(/\{(\w+)\}/g, (_, key: string) => {
    const value = params[key]
    if (value === undefined) throw new TypeError(`no value for {${key}} in "${template}"`)
    return value
  })
}

/** `PasswordStrengthError`'s `description`: the connection's rules, each with its verdict. */
export interface PasswordStrengthDescription {
  readonly rules: readonly unknown[]
  readonly verified: false
}

/**
 * The body of every `/dbconnections/*` error (compat §4.2). `message` and `policy` appear only in
 * `PasswordStrengthError`, whose `description` is an object.
 */
export interface DbConnectionsErrorBody {
  name: string
  message?: string
  code: string
  description: string | PasswordStrengthDescription
  policy?: string
  statusCode: number
}

/** A `/dbconnections/*` error from the catalogue, turned into a body once by its plugin. */
export class DbConnectionsError extends Error {
  override readonly name = 'DbConnectionsError'
  readonly catalogName: DbConnectionsErrorName
  readonly statusCode: number
  /** The wire `name`, e.g. `BadRequestError`. */
  readonly errorName: string
  readonly code: string
  readonly description: string | PasswordStrengthDescription
  readonly policy: string | undefined

  constructor(
    catalogName: DbConnectionsErrorName,
    options: {
      description?: string
      passwordStrength?: { rules: readonly unknown[]; policy: string }
      cause?: unknown
    } = {},
  ) {
    const entry = DB_CONNECTIONS_ERRORS[catalogName]
    const text = options.description ?? entry.description
    super(text, { cause: options.cause })
    this.catalogName = catalogName
    this.statusCode = entry.status
    this.errorName = entry.name
    this.code = entry.code
    this.description =
      options.passwordStrength !== undefined
        ? { rules: options.passwordStrength.rules, verified: false }
        : text
    this.policy = options.passwordStrength?.policy
  }

  get expose(): boolean {
    return this.statusCode < 500
  }

  toBody(): DbConnectionsErrorBody {
    const isStrength = this.policy !== undefined
    return {
      name: this.errorName,
      ...(isStrength ? { message: this.message } : undefined),
      code: this.code,
      description: this.description,
      ...(this.policy !== undefined ? { policy: this.policy } : undefined),
      statusCode: this.statusCode,
    }
  }
}
