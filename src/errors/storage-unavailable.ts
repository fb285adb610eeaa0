/**
 * Whether an error means the database cannot be reached or cannot answer now, rather than a bug or
 * a bad request: the HTTP scopes answer it with a 503 in their own error shape (docs/cluster.md,
 * "Failure behaviour") instead of a 500, and the client may retry after STORAGE_RETRY_AFTER_S.
 */

/** `Retry-After` of a 503 answered while the database is unavailable, in seconds. */
export const STORAGE_RETRY_AFTER_S = 1

/** Node's socket errors on the way to the database server. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

/**
 * PostgreSQL's SQLSTATEs for a server that is going away or not there yet, a cancelled statement
 * (our `statement_timeout`) and a full server; class 08 (connection exceptions) as a whole.
 */
const POSTGRES_CODES: ReadonlySet<string> = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, or in recovery)
  '57014', // query_canceled: the statement timeout
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '40P01', // deadlock_detected: retrying succeeds
])

/** `pg`'s own messages when a connection is lost or cannot be had in time (they carry no code). */
const PG_CLIENT_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Connection terminated due to connection timeout',
]

/** SQLite could not take its lock within its busy timeout. */
const SQLITE_CODES: ReadonlySet<string> = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT'])

/** Causes followed at most, so that a cycle cannot loop. */
const MAX_CAUSE_DEPTH = 5

export function isStorageUnavailable(error: unknown): boolean {
  let current: unknown = error
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') {
      if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || SQLITE_CODES.has(code)) {
        return true
      }
      if (code.startsWith('08') && code.length === 5) return true
    }
    if (
      PG_CLIENT_MESSAGES.some(
        (text) => current instanceof Error && current.message.startsWith(text),
      )
    ) {
      return true
    }
    current = current.cause
  }
  return false
}
