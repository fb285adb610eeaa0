/**
 * Properties the runtime gives its errors, as Node.js does (`code`, and `input` for URL errors,
 * `context` for unhandled 'error' events): declared on `Error` for this folder's type check only.
 */
interface Error {
  code?: string
  input?: unknown
  context?: unknown
}
