/**
 * The few Management API calls that `openhooks export` and `import` make, over HTTP like any other
 * client (STYLE.md §15), with a token from `/oauth/token` or a given one, and with retries where
 * they are safe: rate limits (429) and an unavailable server are waited out within bounds.
 */
import type {
  CreateHookBody,
  HookResponse,
  SyntaxCheckResponse,
  UpdateHookBody,
} from '../http/management/schemas.js'
import { errorText } from './keywords.js'

/** Most attempts of one request, the first included. */
export const MAX_REQUEST_ATTEMPTS = 5
/** How long one request may take with all its attempts and waits, in milliseconds. */
export const REQUEST_DEADLINE_MS = 60_000
/** How long one attempt waits for the server's answer, in milliseconds. */
export const ATTEMPT_TIMEOUT_MS = 30_000
/** First back-off wait in milliseconds; it doubles with each retry, up to `MAX_BACKOFF_MS`. */
export const INITIAL_BACKOFF_MS = 250
/** Longest back-off wait between two attempts, in milliseconds (rate-limit waits excepted). */
export const MAX_BACKOFF_MS = 8_000
/** Added to an `X-RateLimit-Reset` wait, whose unit is a whole second, in milliseconds. */
export const RATE_LIMIT_MARGIN_MS = 100
/** Page size when listing hooks: the API's maximum `per_page`. */
export const LIST_PAGE_SIZE = 100
/** Most pages read when listing, a guard against a server that never ends the list. */
export const MAX_LIST_PAGES = 1_000

/** Clock, sleep and limits; tests shorten them. */
export interface RetryTiming {
  readonly maxAttempts: number
  readonly deadlineMs: number
  readonly attemptTimeoutMs: number
  readonly initialBackoffMs: number
  readonly maxBackoffMs: number
  readonly now: () => number
  readonly sleep: (ms: number) => Promise<void>
}

export const DEFAULT_RETRY_TIMING: RetryTiming = {
  maxAttempts: MAX_REQUEST_ATTEMPTS,
  deadlineMs: REQUEST_DEADLINE_MS,
  attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
  initialBackoffMs: INITIAL_BACKOFF_MS,
  maxBackoffMs: MAX_BACKOFF_MS,
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

export type Credentials =
  | { readonly kind: 'token'; readonly token: string }
  | {
      readonly kind: 'client-credentials'
      readonly clientId: string
      readonly clientSecret: string
      readonly audience: string
    }

export interface ManagementClientOptions {
  /** The server's base URL, e.g. `https://localhost:8443`. */
  readonly url: string
  readonly credentials: Credentials
  readonly timing?: Partial<RetryTiming>
  /** Called before each retry, for a diagnostic line. */
  readonly onRetry?: (message: string) => void
}

/**
 * Whether the server may have acted on a failed request: `not-applied` when it refused or never
 * received it, `unknown` when the answer was lost or was a server error.
 */
export type FailureOutcome = 'not-applied' | 'unknown'

export class ManagementRequestError extends Error {
  override readonly name = 'ManagementRequestError'
  /** The HTTP status, or `undefined` when no answer came. */
  readonly status: number | undefined
  readonly outcome: FailureOutcome
  constructor(message: string, status: number | undefined, outcome: FailureOutcome) {
    super(message)
    this.status = status
    this.outcome = outcome
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE'

/** Error codes of connection failures where the request cannot have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH'])
/** Of those, the ones worth waiting for (a server starting or restarting). */
const RETRYABLE_NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'EHOSTUNREACH'])
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
])

interface Attempt {
  readonly response?: Response
  readonly body?: unknown
  readonly networkError?: { code: string | undefined; message: string }
}

export class ManagementClient {
  readonly #base: URL
  readonly #credentials: Credentials
  readonly #timing: RetryTiming
  readonly #onRetry: (message: string) => void
  #token: string | undefined

  constructor(options: ManagementClientOptions) {
    this.#base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`)
    this.#credentials = options.credentials
    this.#timing = { ...DEFAULT_RETRY_TIMING, ...options.timing }
    this.#onRetry = options.onRetry ?? (() => undefined)
    this.#token = options.credentials.kind === 'token' ? options.credentials.token : undefined
  }

  /** Every hook, page by page (`include_totals` form, as deploy-cli reads it). */
  async listHooks(): Promise<HookResponse[]> {
    const hooks: HookResponse[] = []
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const body = (await this.#api(
        'GET',
        `api/v2/hooks?page=${page}&per_page=${LIST_PAGE_SIZE}&include_totals=true`,
      )) as { hooks?: HookResponse[]; total?: number }
      const items = Array.isArray(body.hooks) ? body.hooks : []
      hooks.push(...items)
      if (items.length < LIST_PAGE_SIZE || (body.total !== undefined && hooks.length >= body.total))
        return hooks
    }
    throw new ManagementRequestError(
      `GET /api/v2/hooks: more than ${MAX_LIST_PAGES} pages`,
      undefined,
      'not-applied',
    )
  }

  /** Secret names of a hook (values are never shown). */
  async secretNames(hookId: string): Promise<string[]> {
    const body = (await this.#api('GET', `api/v2/hooks/${encodeURIComponent(hookId)}/secrets`)) as
      Record<string, string> | undefined
    return Object.keys(body ?? {})
  }

  async createHook(body: CreateHookBody): Promise<HookResponse> {
    return (await this.#api('POST', 'api/v2/hooks', body)) as HookResponse
  }

  async updateHook(hookId: string, body: UpdateHookBody): Promise<HookResponse> {
    return (await this.#api(
      'PATCH',
      `api/v2/hooks/${encodeURIComponent(hookId)}`,
      body,
    )) as HookResponse
  }

  /** Whether `script` compiles for `triggerId`, as the server checks it before enabling a hook. */
  async syntaxCheck(triggerId: string, script: string): Promise<SyntaxCheckResponse> {
    return (await this.#api(
      'POST',
      `api/v2/hooks/triggers/${encodeURIComponent(triggerId)}/syntax-check`,
      { script },
    )) as SyntaxCheckResponse
  }

  async deleteHook(hookId: string): Promise<void> {
    await this.#api('DELETE', `api/v2/hooks/${encodeURIComponent(hookId)}`)
  }

  async addSecrets(hookId: string, secrets: Readonly<Record<string, string>>): Promise<void> {
    await this.#api('POST', `api/v2/hooks/${encodeURIComponent(hookId)}/secrets`, secrets)
  }

  async updateSecrets(hookId: string, secrets: Readonly<Record<string, string>>): Promise<void> {
    await this.#api('PATCH', `api/v2/hooks/${encodeURIComponent(hookId)}/secrets`, secrets)
  }

  async deleteSecrets(hookId: string, names: readonly string[]): Promise<void> {
    await this.#api('DELETE', `api/v2/hooks/${encodeURIComponent(hookId)}/secrets`, names)
  }

  async #api(method: Method, path: string, body?: unknown): Promise<unknown> {
    const token = this.#token ?? (await this.#fetchToken())
    try {
      return await this.#send(method, path, body, token, true)
    } catch (error) {
      // A token may expire during a long import: fetch a new one once.
      if (
        error instanceof ManagementRequestError &&
        error.status === 401 &&
        this.#credentials.kind === 'client-credentials'
      ) {
        return this.#send(method, path, body, await this.#fetchToken(), true)
      }
      throw error
    }
  }

  async #fetchToken(): Promise<string> {
    const credentials = this.#credentials
    if (credentials.kind === 'token') return credentials.token
    const body = (await this.#send(
      'POST',
      'oauth/token',
      {
        grant_type: 'client_credentials',
        client_id: credentials.clientId,
        client_secret: credentials.clientSecret,
        audience: credentials.audience,
      },
      undefined,
      false,
    ).catch((error: unknown) => {
      if (error instanceof ManagementRequestError && error.status === 403) {
        throw new ManagementRequestError(
          `${error.message} (the audience must be the server's OPENHOOKS_ISSUER followed by api/v2/; see --audience)`,
          error.status,
          error.outcome,
        )
      }
      throw error
    })) as { access_token?: unknown }
    if (typeof body.access_token !== 'string') {
      throw new ManagementRequestError(
        'POST /oauth/token: the answer has no access_token',
        200,
        'not-applied',
      )
    }
    this.#token = body.access_token
    return body.access_token
  }

  /** One request with its retries. Token requests are safe to repeat, like every read. */
  async #send(
    method: Method,
    path: string,
    body: unknown,
    token: string | undefined,
    isManagement: boolean,
  ): Promise<unknown> {
    const timing = this.#timing
    const label = `${method} /${path.split('?')[0] ?? path}`
    const idempotent = method !== 'POST' || path === 'oauth/token'
    const deadline = timing.now() + timing.deadlineMs
    let mayHaveApplied = false
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(method, path, body, token)
      const status = result.response?.status
      if (status !== undefined && status >= 200 && status < 300) return result.body
      // A DELETE repeated after a lost answer finds its target gone: the first one did it.
      if (mayHaveApplied && method === 'DELETE' && status === 404) return undefined

      const failure = describeFailure(label, result, isManagement)
      if (failure.outcome === 'unknown') mayHaveApplied = true
      const retry = retryDecision(result, idempotent)
      const backoffMs = Math.min(timing.initialBackoffMs * 2 ** (attempt - 1), timing.maxBackoffMs)
      const waitFor =
        retry === 'rate-limited'
          ? (rateLimitWaitMs(result.response, timing.now()) ?? backoffMs)
          : backoffMs
      const attempts = `${attempt} attempt${attempt === 1 ? '' : 's'}`
      const pastDeadline = timing.now() + waitFor > deadline
      if (retry === 'no' || attempt >= timing.maxAttempts || pastDeadline) {
        const gaveUp =
          retry === 'no'
            ? ''
            : pastDeadline
              ? ` (gave up after ${attempts}: the next would start in ${duration(waitFor)}, past the ${duration(timing.deadlineMs)} deadline)`
              : ` (gave up after ${attempts})`
        const outcome = mayHaveApplied ? 'unknown' : failure.outcome
        throw new ManagementRequestError(`${failure.message}${gaveUp}`, status, outcome)
      }
      this.#onRetry(
        `${failure.message}; retrying in ${duration(waitFor)} (attempt ${attempt + 1} of ${timing.maxAttempts})`,
      )
      await timing.sleep(waitFor)
    }
  }

  async #attempt(
    method: Method,
    path: string,
    body: unknown,
    token: string | undefined,
  ): Promise<Attempt> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token !== undefined) headers.authorization = `Bearer ${token}`
    if (body !== undefined) headers['content-type'] = 'application/json'
    let response: Response
    try {
      response = await fetch(new URL(path, this.#base), {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
        signal: AbortSignal.timeout(this.#timing.attemptTimeoutMs),
      })
    } catch (error) {
      return { networkError: networkErrorOf(error) }
    }
    let text: string
    try {
      text = await response.text()
    } catch (error) {
      return { networkError: networkErrorOf(error) }
    }
    let parsed: unknown = undefined
    if (text !== '') {
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = text
      }
    }
    return { response, body: parsed }
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

function networkErrorOf(error: unknown): { code: string | undefined; message: string } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { code: 'TIMEOUT', message: 'no answer in time' }
  }
  const cause =
    error instanceof Error
      ? (error.cause as { code?: unknown; message?: unknown } | undefined)
      : undefined
  const code = typeof cause?.code === 'string' ? cause.code : undefined
  const message = typeof cause?.message === 'string' ? cause.message : errorText(error)
  return { code, message }
}

type RetryDecision = 'no' | 'rate-limited' | 'backoff'

/** Retry only what cannot have been applied, or what is safe to apply twice. */
function retryDecision(result: Attempt, idempotent: boolean): RetryDecision {
  if (result.networkError !== undefined) {
    const code = result.networkError.code ?? ''
    if (RETRYABLE_NOT_SENT_CODES.has(code)) return 'backoff'
    if (TLS_TRUST_CODES.has(code) || NOT_SENT_CODES.has(code)) return 'no'
    return idempotent ? 'backoff' : 'no'
  }
  const status = result.response?.status ?? 0
  if (status === 429) return 'rate-limited'
  if (status === 503) return 'backoff'
  if (status === 500 || status === 502 || status === 504) return idempotent ? 'backoff' : 'no'
  return 'no'
}

/** How long a 429 asks to wait: `Retry-After` (seconds or a date), else `X-RateLimit-Reset`. */
export function rateLimitWaitMs(response: Response | undefined, nowMs: number): number | undefined {
  const retryAfter = response?.headers.get('retry-after') ?? null
  if (retryAfter !== null) {
    const seconds = Number(retryAfter)
    if (Number.isFinite(seconds) && retryAfter.trim() !== '') return Math.max(0, seconds * 1000)
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs)
  }
  const reset = Number(response?.headers.get('x-ratelimit-reset') ?? Number.NaN)
  // Epoch seconds (compat §2.8).
  if (Number.isFinite(reset) && reset > 0) {
    return Math.max(0, reset * 1000 - nowMs) + RATE_LIMIT_MARGIN_MS
  }
  return undefined
}

function describeFailure(
  label: string,
  result: Attempt,
  isManagement: boolean,
): { message: string; outcome: FailureOutcome } {
  if (result.networkError !== undefined) {
    const { code, message } = result.networkError
    const hint = TLS_TRUST_CODES.has(code ?? '')
      ? ' (is the server certificate trusted? For a private CA or a self-signed certificate, start the command with NODE_EXTRA_CA_CERTS=<cert.pem>)'
      : ''
    const outcome: FailureOutcome =
      NOT_SENT_CODES.has(code ?? '') || TLS_TRUST_CODES.has(code ?? '') ? 'not-applied' : 'unknown'
    return {
      message: `${label}: ${code !== undefined ? `${code}: ` : ''}${message}${hint}`,
      outcome,
    }
  }
  const response = result.response as Response
  const status = response.status
  const body = result.body
  let detail: string
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const record = body as Record<string, unknown>
    if (isManagement && typeof record.message === 'string') detail = record.message
    else if (typeof record.error === 'string') {
      detail =
        typeof record.error_description === 'string'
          ? `${record.error}: ${record.error_description}`
          : record.error
    } else detail = JSON.stringify(body)
  } else detail = typeof body === 'string' ? body.slice(0, 200) : response.statusText
  const outcome: FailureOutcome = status >= 500 && status !== 503 ? 'unknown' : 'not-applied'
  return { message: `${label}: ${status} ${detail}`, outcome }
}
