/**
 * What the isolate asks the worker's HTTP client for, and what it gets back: the request
 * description arrives as JSON from the isolate and is validated here before anything is sent.
 */

/** What the isolate asks for (JSON from the isolate, validated by {@link parseEgressRequest}). */
export interface EgressRequest {
  readonly method: string
  readonly url: string
  readonly headers: readonly (readonly [string, string])[]
  /** `follow`: redirects are followed here; `manual`: the 3xx is returned; `error`: it fails. */
  readonly redirect: 'follow' | 'manual' | 'error'
  /** Undo `Content-Encoding` (gzip, deflate, br) as `fetch` does; `http.request` does not. */
  readonly decompress: boolean
  /** Per-request timeout asked by the script; capped by the policy's and the deadline. */
  readonly timeoutMs: number | undefined
  /** Written as the name of the API in the call's log line (`fetch`, `https`, `request`). */
  readonly api: string
}

export interface EgressResponse {
  readonly status: number
  readonly statusText: string
  readonly headers: readonly (readonly [string, string])[]
  readonly url: string
  readonly redirected: boolean
  readonly body: Buffer
}

export type EgressResult =
  | { readonly ok: true; readonly response: EgressResponse }
  | { readonly ok: false; readonly message: string; readonly code: string }

/** Characters of the API name kept for the log line. */
const MAX_API_NAME_CHARS = 16

const HTTP_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Parses the isolate's request description; `undefined` when malformed. */
export function parseEgressRequest(json: unknown): EgressRequest | undefined {
  if (typeof json !== 'string') return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const headers = v.headers
  if (
    typeof v.method !== 'string' ||
    !HTTP_METHOD.test(v.method) ||
    typeof v.url !== 'string' ||
    !Array.isArray(headers) ||
    !headers.every(
      (h): h is [string, string] =>
        Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string',
    ) ||
    (v.redirect !== 'follow' && v.redirect !== 'manual' && v.redirect !== 'error') ||
    typeof v.decompress !== 'boolean' ||
    (v.timeoutMs !== undefined && (typeof v.timeoutMs !== 'number' || !(v.timeoutMs > 0))) ||
    typeof v.api !== 'string'
  ) {
    return undefined
  }
  return {
    method: v.method,
    url: v.url,
    headers,
    redirect: v.redirect,
    decompress: v.decompress,
    timeoutMs: v.timeoutMs,
    api: v.api.slice(0, MAX_API_NAME_CHARS),
  }
}
