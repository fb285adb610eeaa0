// The dashboard's only way to the server: the `/_dashboard` session endpoints, and the public
// Management API at /api/v2 with a short-lived Bearer token, exactly as any other client uses it.

/** Sent on every request that changes state (the server's CSRF check, docs/dashboard.md). */
const CSRF_HEADERS = { 'x-openhooks-csrf': '1' }
/** A token is renewed this long before it expires, in milliseconds. */
const TOKEN_RENEW_MARGIN_MS = 30_000

export interface ErrorBody {
  statusCode?: number
  error?: string
  message?: string
  errorCode?: string
}

/** An API answer that was not a success, with the text to show where it happened. */
export class ApiFailure extends Error {
  readonly status: number
  readonly body: ErrorBody
  /** For 429: seconds until a retry may succeed. */
  readonly retryAfterS: number | undefined

  constructor(status: number, body: ErrorBody, retryAfterS?: number) {
    super(describe(status, body, retryAfterS))
    this.name = 'ApiFailure'
    this.status = status
    this.body = body
    this.retryAfterS = retryAfterS
  }

  get sessionEnded(): boolean {
    return this.status === 401
  }
}

function describe(status: number, body: ErrorBody, retryAfterS: number | undefined): string {
  const text = body.message ?? body.error ?? `The server answered ${status}.`
  if (status === 429) {
    const wait = retryAfterS !== undefined ? ` Try again in ${retryAfterS} s.` : ''
    return /try again/i.test(text) ? text : `${text}.${wait}`.replace('..', '.')
  }
  if (status === 401) return 'Your session has ended. Sign in again.'
  return text
}

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get('retry-after')
  if (header !== null && /^\d+$/.test(header)) return Number(header)
  const reset = response.headers.get('x-ratelimit-reset')
  if (reset !== null && /^\d+$/.test(reset)) {
    return Math.max(1, Number(reset) - Math.floor(Date.now() / 1000))
  }
  return undefined
}

async function failure(response: Response): Promise<ApiFailure> {
  let body: ErrorBody = {}
  try {
    body = (await response.json()) as ErrorBody
  } catch {
    body = { message: `The server answered ${response.status} ${response.statusText}.` }
  }
  return new ApiFailure(response.status, body, retryAfter(response))
}

const sessionListeners = new Set<() => void>()
/** Called when the session has ended (expired, or signed out elsewhere): show the sign-in page. */
export function onSessionEnded(listener: () => void): () => void {
  sessionListeners.add(listener)
  return () => sessionListeners.delete(listener)
}
function sessionEnded(): void {
  token = undefined
  for (const listener of sessionListeners) listener()
}

export interface SessionInfo {
  email: string
  expires_at: string
}

async function session(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) {
  const response = await fetch(`/_dashboard${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...CSRF_HEADERS,
      ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
  })
  if (!response.ok) throw await failure(response)
  return response
}

export async function currentSession(): Promise<SessionInfo | undefined> {
  try {
    return (await (await session('GET', '/session')).json()) as SessionInfo
  } catch (error) {
    if (error instanceof ApiFailure && error.status === 401) return undefined
    throw error
  }
}

export async function signIn(email: string, password: string): Promise<SessionInfo> {
  const response = await fetch('/_dashboard/session', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...CSRF_HEADERS, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  })
  if (!response.ok) {
    const failed = await failure(response)
    // A wrong password is a 401 too, but it is not an ended session.
    throw response.status === 401
      ? new Error(failed.body.message ?? 'Wrong email or password.')
      : failed
  }
  return (await response.json()) as SessionInfo
}

export async function signOut(): Promise<void> {
  token = undefined
  await session('DELETE', '/session')
}

let token: { value: string; expiresAtMs: number } | undefined
let pending: Promise<string> | undefined

/** A Management API token from the session, renewed shortly before it expires. */
export async function accessToken(): Promise<string> {
  if (token !== undefined && token.expiresAtMs - TOKEN_RENEW_MARGIN_MS > Date.now()) {
    return token.value
  }
  pending ??= (async () => {
    try {
      const response = await session('POST', '/token')
      const body = (await response.json()) as { access_token: string; expires_in: number }
      token = { value: body.access_token, expiresAtMs: Date.now() + body.expires_in * 1000 }
      return body.access_token
    } catch (error) {
      if (error instanceof ApiFailure && error.status === 401) sessionEnded()
      throw error
    } finally {
      pending = undefined
    }
  })()
  return pending
}

/** Calls `/api/v2` with the session's token; a 401 renews the token once before giving up. */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`/api/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : undefined),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : undefined),
    })
    if (response.status === 401 && attempt === 0) {
      token = undefined
      continue
    }
    if (!response.ok) {
      const failed = await failure(response)
      if (failed.status === 401) sessionEnded()
      throw failed
    }
    if (response.status === 204) return undefined as T
    const text = await response.text()
    return (text === '' ? undefined : JSON.parse(text)) as T
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// ---- Management API shapes the dashboard reads ----

export type TriggerId =
  | 'credentials-exchange'
  | 'pre-user-registration'
  | 'post-user-registration'
  | 'post-change-password'
  | 'send-phone-message'

export interface Hook {
  id: string
  name: string
  triggerId: TriggerId
  script: string
  enabled: boolean
  dependencies: Record<string, string>
}

export interface RunResult {
  status: 'success' | 'error'
  data: unknown
  logs: { level: string; message: string; timestamp: string }[]
  durationMs: number
}

/** An entry of `GET /api/v2/logs/event-types`: a log event type openhooks writes. */
export interface LogEventType {
  type: string
  description: string
}

/** `POST /hooks/triggers/{triggerId}/syntax-check`. */
export type SyntaxCheck =
  { compiles: true } | { compiles: false; message: string; line: number; column: number }

/** One run of a hook by a real request, from its live log (`/hooks/{id}/logs/stream`). */
export interface HookExecution {
  execution_id: string
  date: string
  hook_id: string
  hook_name: string
  trigger_id: string
  outcome: 'succeeded' | 'failed'
  failure?: string
  error?: string
  failed_open?: boolean
  duration_ms: number
  logs: { level: string; message: string; timestamp: string }[]
}

export interface LogEvent {
  log_id: string
  date: string
  type: string
  description?: string
  client_id?: string
  client_name?: string
  user_id?: string
  user_name?: string
  ip?: string
  user_agent?: string
  hook_id?: string
  details: Record<string, unknown>
}

/**
 * Reads a server-sent event stream with fetch (EventSource cannot send an Authorization header).
 * Calls `onEvent` for each `data:` block, with its `event:` name (`message` when it has none);
 * resolves when the stream ends or `signal` aborts.
 */
export async function streamEvents(
  path: string,
  options: {
    signal: AbortSignal
    lastEventId?: string
    onEvent: (id: string, data: string, event: string) => void
  },
): Promise<void> {
  const response = await fetch(`/api/v2${path}`, {
    headers: {
      authorization: `Bearer ${await accessToken()}`,
      accept: 'text/event-stream',
      ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : undefined),
    },
    signal: options.signal,
  })
  if (!response.ok || response.body === null) throw await failure(response)
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        let id = ''
        let event = 'message'
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith('id:')) id = line.slice(3).trim()
          else if (line.startsWith('event:')) event = line.slice(6).trim()
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart())
        }
        if (data.length > 0) options.onEvent(id, data.join('\n'), event)
      }
    }
  } catch (error) {
    if (options.signal.aborted) return
    throw error
  }
}
