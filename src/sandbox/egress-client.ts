/**
 * The HTTP client of the worker process: it makes the outbound requests that hook code asks for
 * (`fetch`, `http.request`, `request`) under the egress policy of `egress.ts`. Redirects are
 * followed here, one checked hop at a time; the whole exchange is bounded by a timeout, a response
 * size and the call's deadline. Only the worker imports this file.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { rootCertificates } from 'node:tls'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { checkDestination, createCheckedLookup } from './egress.js'
import type { CompiledEgressPolicy } from './egress.js'

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

const HTTP_METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])
/** Dropped on a redirect to another origin (the fetch standard drops `Authorization`). */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'proxy-authorization',
])
/** Set by the client itself. */
const HOP_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
])

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
    api: v.api.slice(0, 16),
  }
}

/** One client per worker: keep-alive agents that trust Node's roots plus the policy's extra CAs. */
export interface EgressClient {
  /**
   * Starts a request. `log` receives one line per hop (never headers or bodies); `done` is called
   * exactly once, unless `abort()` was called first.
   */
  start(
    request: EgressRequest,
    body: Buffer | undefined,
    deadlineAt: number,
    log: (line: string) => void,
    done: (result: EgressResult) => void,
  ): { abort(): void }
}

export function createEgressClient(policy: CompiledEgressPolicy): EgressClient {
  const httpAgent = new HttpAgent({ keepAlive: true })
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    ...(policy.extraCaPem.length > 0
      ? { ca: [...rootCertificates, ...policy.extraCaPem] }
      : undefined),
  })
  return {
    start(request, body, deadlineAt, log, done) {
      let finished = false
      let current: { destroy(error?: Error): void } | undefined
      const timeoutMs = Math.max(
        1,
        Math.min(
          policy.requestTimeoutMs,
          request.timeoutMs ?? Number.POSITIVE_INFINITY,
          deadlineAt - Date.now(),
        ),
      )
      const finish = (result: EgressResult) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        done(result)
      }
      const fail = (message: string, code: string) => {
        finish({ ok: false, message, code })
      }
      const timer = setTimeout(() => {
        const message = `the request did not complete within ${Math.round(timeoutMs)} ms`
        current?.destroy(new Error(message))
        fail(message, 'ETIMEDOUT')
      }, timeoutMs)

      let method = request.method.toUpperCase()
      if (!['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'].includes(method)) {
        method = request.method // the fetch standard upper-cases only these
      }
      let headers = request.headers.filter(([name]) => !HOP_HEADERS.has(name.toLowerCase()))
      let payload = body
      let redirects = 0

      const hop = (urlText: string) => {
        let url: URL
        try {
          url = new URL(urlText)
        } catch {
          fail(`invalid URL: ${urlText.slice(0, 200)}`, 'ERR_INVALID_URL')
          return
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          fail(
            `only http: and https: URLs are supported, not ${url.protocol}`,
            'ERR_INVALID_PROTOCOL',
          )
          return
        }
        const secure = url.protocol === 'https:'
        const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port)
        const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
        const shown = `${method} ${url.host} ${url.pathname}`
        const started = Date.now()
        const refuse = (reason: string) => {
          log(`[openhooks] ${request.api} ${shown} refused: ${reason}`)
          fail(`[openhooks] egress refused: ${reason}`, 'EGRESS_REFUSED')
        }
        if (isIP(host) !== 0) {
          const reason = checkDestination(policy, host, port, host)
          if (reason !== undefined) {
            refuse(reason)
            return
          }
        }
        const outgoing: OutgoingHttpHeaders = {}
        for (const [name, value] of headers) {
          const existing = outgoing[name.toLowerCase()]
          outgoing[name.toLowerCase()] =
            existing === undefined ? value : `${String(existing)}, ${value}`
        }
        if (payload !== undefined) outgoing['content-length'] = String(payload.length)
        const options = {
          method,
          hostname: host,
          port,
          path: `${url.pathname}${url.search}`,
          headers: outgoing,
          agent: secure ? httpsAgent : httpAgent,
          lookup: createCheckedLookup(policy, host, port),
          ...(secure && isIP(host) === 0 ? { servername: host } : undefined),
        }
        const onResponse = (response: IncomingMessage) => {
          const status = response.statusCode ?? 0
          const location = response.headers.location
          log(`[openhooks] ${request.api} ${shown} → ${status} (${Date.now() - started} ms)`)
          if (
            REDIRECT_STATUSES.has(status) &&
            location !== undefined &&
            request.redirect !== 'manual'
          ) {
            response.resume()
            if (request.redirect === 'error') {
              fail(
                `redirect to ${location.slice(0, 200)} refused (redirect: 'error')`,
                'ERR_REDIRECT',
              )
              return
            }
            redirects++
            if (redirects > policy.maxRedirects) {
              fail(
                `more than ${policy.maxRedirects} redirects (maxRedirects)`,
                'ERR_TOO_MANY_REDIRECTS',
              )
              return
            }
            let next: URL
            try {
              next = new URL(location, url)
            } catch {
              fail(`invalid redirect location: ${location.slice(0, 200)}`, 'ERR_INVALID_URL')
              return
            }
            if (
              status === 303
                ? method !== 'HEAD'
                : (status === 301 || status === 302) && method === 'POST'
            ) {
              method = 'GET'
              payload = undefined
              headers = headers.filter(([name]) => !/^content-/i.test(name))
            }
            if (next.origin !== url.origin) {
              headers = headers.filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase()))
            }
            hop(next.href)
            return
          }
          readBody(response, url, status, redirects > 0)
        }
        const readBody = (
          response: IncomingMessage,
          url: URL,
          status: number,
          redirected: boolean,
        ) => {
          const limit = policy.maxResponseBytes
          const tooBig = () => {
            response.destroy()
            fail(
              `the response body is larger than ${limit} bytes (maxResponseBytes)`,
              'ERR_RESPONSE_TOO_LARGE',
            )
          }
          const declared = Number(response.headers['content-length'])
          if (Number.isFinite(declared) && declared > limit) {
            tooBig()
            return
          }
          const chunks: Buffer[] = []
          let size = 0
          response.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > limit) tooBig()
            else chunks.push(chunk)
          })
          response.on('error', (error) => {
            fail(error.message, 'ECONNRESET')
          })
          response.on('end', () => {
            if (finished) return
            let data = Buffer.concat(chunks, size)
            const responseHeaders: [string, string][] = []
            const raw = response.rawHeaders
            for (let i = 0; i + 1 < raw.length; i += 2) {
              responseHeaders.push([raw[i] ?? '', raw[i + 1] ?? ''])
            }
            if (request.decompress && method !== 'HEAD' && status !== 204 && status !== 304) {
              const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase()
              try {
                const opts = { maxOutputLength: limit }
                if (encoding === 'gzip' || encoding === 'x-gzip') data = gunzipSync(data, opts)
                else if (encoding === 'deflate') data = inflateSync(data, opts)
                else if (encoding === 'br') data = brotliDecompressSync(data, opts)
              } catch (error) {
                fail(
                  error instanceof RangeError
                    ? `the decompressed response body is larger than ${limit} bytes (maxResponseBytes)`
                    : `the response body could not be decompressed (${encoding})`,
                  'ERR_DECOMPRESS',
                )
                return
              }
            }
            finish({
              ok: true,
              response: {
                status,
                statusText: response.statusMessage ?? '',
                headers: responseHeaders,
                url: url.href,
                redirected,
                body: data,
              },
            })
          })
        }
        let outgoingRequest
        try {
          outgoingRequest = (secure ? httpsRequest : httpRequest)(options, onResponse)
        } catch (error) {
          fail(error instanceof Error ? error.message : String(error), 'ERR_REQUEST')
          return
        }
        current = outgoingRequest
        outgoingRequest.on('error', (error: NodeJS.ErrnoException) => {
          if (finished) return
          if (error.code === 'EGRESS_REFUSED') refuse(error.message)
          else {
            log(`[openhooks] ${request.api} ${shown} failed: ${error.code ?? error.message}`)
            fail(explainTlsError(error, url.host) ?? error.message, error.code ?? 'ERR_REQUEST')
          }
        })
        outgoingRequest.end(payload)
      }
      // Never answer synchronously: the caller is inside an isolate entry and records the request
      // after start() returns.
      setImmediate(() => {
        if (!finished) hop(request.url)
      })
      return {
        abort() {
          finished = true
          clearTimeout(timer)
          current?.destroy(new Error('aborted'))
        },
      }
    },
  }
}

/** OpenSSL's verification codes that mean "this server's certificate chain is not trusted". */
const UNTRUSTED_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
])

/**
 * A message for a certificate the worker does not trust that says what to do about it; `undefined`
 * for every other error.
 */
function explainTlsError(error: NodeJS.ErrnoException, host: string): string | undefined {
  if (error.code === undefined || !UNTRUSTED_CERTIFICATE_CODES.has(error.code)) return undefined
  return `the TLS certificate of ${host} is not trusted (${error.message}); add the certificate of its CA to OPENHOOKS_EGRESS_CA_FILE to trust it`
}
