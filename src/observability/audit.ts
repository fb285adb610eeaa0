import type { TenantLogEvent } from '../tenant-log/tenant-log.js'

/**
 * The audit trail of the Management API (docs/observability.md): every write (POST, PATCH, PUT,
 * DELETE, as Auth0 emits `sapi` "only on POST, DELETE, PATCH, and PUT") becomes one tenant log
 * event, `sapi` when it succeeded and `fapi` when it was refused or failed. The event says who
 * (client id, or the dashboard operator), what (method, path, the request body with secret values
 * and passwords replaced) and how it ended (status). Pure functions: the Fastify hook that calls
 * them is src/http/management/audit.ts.
 */

/** The methods Auth0 writes `sapi`/`fapi` for. */
export const AUDITED_METHODS: ReadonlySet<string> = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

/** What replaces a secret value, a password or a token in an audit event. */
export const AUDIT_REDACTED = '[redacted]'

/** Longer strings are replaced by their length (scripts, payloads), in characters. */
export const MAX_AUDIT_STRING_CHARS = 200

/** Deeper values are replaced by a marker, in levels of nesting below the body. */
export const MAX_AUDIT_DEPTH = 4

/** Keys of an object beyond this many are dropped (the count is kept), per object. */
export const MAX_AUDIT_KEYS = 50

/** Array items beyond this many are dropped (the count is kept), per array. */
export const MAX_AUDIT_ITEMS = 20

/**
 * Body keys whose values never appear: only the key does. An object under such a key keeps its
 * keys (secret names) with every value replaced.
 */
const SENSITIVE_KEY =
  /secret|passw|credential|authorization|private|api_?key|otp|recovery_code|(^|_)token$/i

/** Bodies that are maps of secret names to values (`/hooks/{id}/secrets`): names only. */
const SECRET_MAP_PATH = /\/hooks\/[^/]+\/secrets$/

/** Who made the request (`actorOf` of the Management API). */
export interface AuditActor {
  readonly type: 'operator' | 'client' | 'system'
  readonly id: string
}

export interface AuditedRequest {
  readonly method: string
  /** The path without the query string, e.g. `/api/v2/hooks/01H…/secrets`. */
  readonly path: string
  readonly query: Readonly<Record<string, unknown>>
  readonly body: unknown
  readonly statusCode: number
  /** The token's client, when the token was valid. */
  readonly clientId?: string
  readonly actor?: AuditActor
  readonly ip: string
  readonly userAgent?: string
  /** The hook the path names, for the dashboard's Activity list (`q=hook_id:…`). */
  readonly hookId?: string
  /** The error body of a refused request (`{ statusCode, error, message, errorCode? }`). */
  readonly error?: {
    readonly error?: string
    readonly message?: string
    readonly errorCode?: string
  }
}

/** Replaces every value under a sensitive key, keeping object keys (the names). */
function redactAll(value: unknown, depth: number): unknown {
  if (isPlainObject(value) && depth < MAX_AUDIT_DEPTH) {
    return mapObject(value, () => AUDIT_REDACTED)
  }
  return AUDIT_REDACTED
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function mapObject(
  value: Record<string, unknown>,
  map: (key: string, item: unknown) => unknown,
): Record<string, unknown> {
  const keys = Object.keys(value)
  const out: Record<string, unknown> = {}
  for (const key of keys.slice(0, MAX_AUDIT_KEYS)) out[key] = map(key, value[key])
  if (keys.length > MAX_AUDIT_KEYS) out['[more keys]'] = keys.length - MAX_AUDIT_KEYS
  return out
}

/** The body as the audit event shows it: sensitive values replaced, long values shortened. */
export function auditBody(body: unknown, path: string, depth = 0): unknown {
  if (depth === 0 && SECRET_MAP_PATH.test(path) && isPlainObject(body)) {
    return redactAll(body, depth)
  }
  if (typeof body === 'string') {
    return body.length > MAX_AUDIT_STRING_CHARS ? `[${body.length} characters]` : body
  }
  if (body === null || typeof body !== 'object') return body
  if (depth >= MAX_AUDIT_DEPTH) return '[nested]'
  if (Array.isArray(body)) {
    const items = body.slice(0, MAX_AUDIT_ITEMS).map((item) => auditBody(item, path, depth + 1))
    if (body.length > MAX_AUDIT_ITEMS) items.push(`[${body.length - MAX_AUDIT_ITEMS} more items]`)
    return items
  }
  return mapObject(body as Record<string, unknown>, (key, item) =>
    SENSITIVE_KEY.test(key) ? redactAll(item, depth + 1) : auditBody(item, path, depth + 1),
  )
}

/** Whether a request is one the audit trail records. */
export function isAudited(method: string): boolean {
  return AUDITED_METHODS.has(method.toUpperCase())
}

/**
 * The `sapi` or `fapi` event of one Management API write. Field names follow Auth0's events:
 * `details.request` (`method`, `path`, `query`, `userAgent`, `body`, `channel`, `ip`, `auth`) and
 * `details.response` (`statusCode`, and the error body of a refused one).
 */
export function toAuditEvent(request: AuditedRequest): TenantLogEvent {
  const failed = request.statusCode >= 400
  const operator = request.actor?.type === 'operator' ? request.actor.id : undefined
  const body = request.body === undefined ? undefined : auditBody(request.body, request.path)
  return {
    type: failed ? 'fapi' : 'sapi',
    ...(failed && request.error?.message !== undefined
      ? { description: request.error.message }
      : undefined),
    ...(request.clientId !== undefined ? { clientId: request.clientId } : undefined),
    ...(operator !== undefined ? { userName: operator } : undefined),
    ip: request.ip,
    ...(request.userAgent !== undefined ? { userAgent: request.userAgent } : undefined),
    ...(request.hookId !== undefined ? { hookId: request.hookId } : undefined),
    details: {
      request: {
        method: request.method.toLowerCase(),
        path: request.path,
        query: auditBody(request.query, request.path),
        ...(request.userAgent !== undefined ? { userAgent: request.userAgent } : undefined),
        ...(body !== undefined ? { body } : undefined),
        channel: operator !== undefined ? 'dashboard' : 'api',
        ip: request.ip,
        ...(request.actor !== undefined && request.actor.type !== 'system'
          ? {
              auth: {
                strategy: 'jwt',
                ...(operator !== undefined ? { user: { email: operator } } : undefined),
                ...(request.clientId !== undefined
                  ? { credentials: { client_id: request.clientId } }
                  : undefined),
              },
            }
          : undefined),
      },
      response: {
        statusCode: request.statusCode,
        ...(failed && request.error !== undefined ? { body: { ...request.error } } : undefined),
      },
    },
  }
}
