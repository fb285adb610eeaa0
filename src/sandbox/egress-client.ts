/**
 * The HTTP client of the worker process: it makes the outbound requests that hook code asks for
 * (`fetch`, `http.request`, `request`) under the egress policy of `egress.ts`. Redirects are
 * followed here, one checked hop at a time; the whole exchange is bounded by a timeout, a response
 * size and the call's deadline. Only the worker imports this file. The request it is given is
 * `egress-request.ts`'s; the connections it opens are `egress-connector.ts`'s.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { rootCertificates } from 'node:tls'
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib'
import { createRequire } from 'node:module'
import type { Agent, Dispatcher } from 'undici'
import { checkDestination, checkRequestedName, EgressRefusedError } from './egress.js'
import type { CompiledEgressPolicy } from './egress.js'
import { createConnector, destinationOf, explainTlsError } from './egress-connector.js'
import type { EgressRequest, EgressResult } from './egress-request.js'

/**
 * Longest idle time of a pooled connection, in milliseconds, whatever the server's `Keep-Alive:
 * timeout=` asks for (undici's default allows 600 s): idle sockets cost the worker descriptors.
 */
export const EGRESS_KEEP_ALIVE_MAX_MS = 10_000

/** Connections open at once to one origin; further requests to it wait in its queue. */
export const EGRESS_CONNECTIONS_PER_ORIGIN = 8

/**
 * Origins (scheme, host, port) with a pool open at once in one worker; a request to one more
 * fails with `EGRESS_TOO_MANY_ORIGINS` until an idle pool closes. With
 * {@link EGRESS_CONNECTIONS_PER_ORIGIN} this bounds a worker's outbound sockets at 256.
 */
export const EGRESS_MAX_ORIGINS = 32

/**
 * Response bytes all requests of one worker may hold at once (received, and decompressed), in
 * bytes: 10 requests per call at the default 5 MiB fit twice over. Never below the policy's
 * `maxResponseBytes`, so that one response of the largest allowed size can still be received.
 */
export const MAX_EGRESS_BUFFERED_BYTES_PER_WORKER = 96 * 1024 * 1024

/** Body of a redirect response read (and dropped) before the next hop, in bytes; past it the hop is cut. */
export const EGRESS_MAX_REDIRECT_BODY_BYTES = 64 * 1024

/** Characters of a URL or `Location` value quoted in an error message. */
const MAX_QUOTED_URL_CHARS = 200

/** The limits of {@link createEgressClient}; tests pass smaller ones. */
export interface EgressClientLimits {
  readonly keepAliveMaxMs: number
  readonly connectionsPerOrigin: number
  readonly maxOrigins: number
  readonly bufferedBytesPerWorker: number
}

const DEFAULT_CLIENT_LIMITS: EgressClientLimits = {
  keepAliveMaxMs: EGRESS_KEEP_ALIVE_MAX_MS,
  connectionsPerOrigin: EGRESS_CONNECTIONS_PER_ORIGIN,
  maxOrigins: EGRESS_MAX_ORIGINS,
  bufferedBytesPerWorker: MAX_EGRESS_BUFFERED_BYTES_PER_WORKER,
}

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

/** One client per worker: keep-alive connections that trust Node's roots plus the policy's extra CAs. */
export interface EgressClient {
  /**
   * Starts a request. `log` receives one line per hop (never headers or bodies); `done` is called
   * exactly once, never before start() returned, unless `abort()` was called first.
   */
  start(
    request: EgressRequest,
    body: Buffer | undefined,
    deadlineAt: number,
    log: (line: string) => void,
    done: (result: EgressResult) => void,
  ): { abort(): void }
  /** Closes the pooled connections. */
  close(): Promise<void>
}

/** Response headers as [name, value] pairs, in the order and spelling the server sent. */
function headerPairsOf(
  controller: Dispatcher.DispatchController,
  parsed: IncomingHttpHeaders,
): [string, string][] {
  const pairs: [string, string][] = []
  const raw = controller.rawHeaders
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i]
      const value = raw[i + 1]
      if (name === undefined || value === undefined) continue
      pairs.push([
        typeof name === 'string' ? name : name.toString('latin1'),
        typeof value === 'string' ? value : value.toString('latin1'),
      ])
    }
    return pairs
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue
    for (const one of Array.isArray(value) ? value : [value]) pairs.push([name, one])
  }
  return pairs
}

function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

const requireHere = createRequire(import.meta.url)

/**
 * undici's `Agent` and what it needs, without the package's index, which also loads `fetch`,
 * WebSocket, caches and mocks: about 60 ms instead of 200 ms of a worker's start on the loaded
 * 2-core machine.
 */
function loadAgent(): typeof Agent {
  return requireHere('undici/lib/dispatcher/agent.js') as typeof Agent
}

export function createEgressClient(
  policy: CompiledEgressPolicy,
  limits: EgressClientLimits = DEFAULT_CLIENT_LIMITS,
): EgressClient {
  // undici (not node:http): about 100 µs less per request on a reused connection (docs/performance.md).
  let agent: Agent | undefined
  const dispatcher = (): Agent =>
    (agent ??= new (loadAgent())({
      keepAliveMaxTimeout: limits.keepAliveMaxMs,
      connections: limits.connectionsPerOrigin,
      maxOrigins: limits.maxOrigins,
      connect: createConnector(
        policy,
        policy.extraCaPem.length > 0 ? [...rootCertificates, ...policy.extraCaPem] : undefined,
        connectTimeoutFor,
      ),
    }))
  /** When each request waiting on an origin must be over (its timeout, capped by its call's deadline). */
  const waiting = new Map<string, Set<{ readonly endAt: number }>>()
  /**
   * A new connection to `origin` is useful until the last request waiting on it must be over; never
   * longer than the policy's timeout.
   */
  const connectTimeoutFor = (origin: string): number => {
    let latest = 0
    for (const entry of waiting.get(origin) ?? []) latest = Math.max(latest, entry.endAt)
    if (latest === 0) return policy.requestTimeoutMs
    return Math.max(1, Math.min(policy.requestTimeoutMs, latest - Date.now()))
  }
  // Loaded once the worker has started (and reported ready), not during its start nor inside the
  // isolate entry of its first request; never when no request can be made.
  if (policy.mode !== 'none') setImmediate(dispatcher)
  const budget = Math.max(limits.bufferedBytesPerWorker, policy.maxResponseBytes)
  let buffered = 0
  return {
    close: () => agent?.close() ?? Promise.resolve(),
    start(request, body, deadlineAt, log, done) {
      let finished = false
      let starting = true
      let controller: Dispatcher.DispatchController | undefined
      const timeoutMs = Math.max(
        1,
        Math.min(
          policy.requestTimeoutMs,
          request.timeoutMs ?? Number.POSITIVE_INFINITY,
          deadlineAt - Date.now(),
        ),
      )
      const wait = { endAt: Date.now() + timeoutMs }
      let waitingOn: string | undefined
      const stopWaiting = () => {
        if (waitingOn === undefined) return
        const set = waiting.get(waitingOn)
        set?.delete(wait)
        if (set?.size === 0) waiting.delete(waitingOn)
        waitingOn = undefined
      }
      const waitOn = (origin: string) => {
        stopWaiting()
        waitingOn = origin
        let set = waiting.get(origin)
        if (set === undefined) waiting.set(origin, (set = new Set()))
        set.add(wait)
      }
      /** Bytes of the worker's budget this request holds. */
      let reserved = 0
      const release = () => {
        buffered -= reserved
        reserved = 0
      }
      const reserve = (bytes: number): boolean => {
        if (buffered + bytes > budget) return false
        buffered += bytes
        reserved += bytes
        return true
      }
      const finish = (result: EgressResult) => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        release()
        stopWaiting()
        // The caller is inside an isolate entry and records the request after start() returns.
        if (starting) setImmediate(done, result)
        else done(result)
      }
      const fail = (message: string, code: string) => {
        finish({ ok: false, message, code })
      }
      const stopCurrent = (reason: string) => {
        if (controller !== undefined && !controller.aborted) controller.abort(new Error(reason))
      }
      const timer = setTimeout(() => {
        const message = `the request did not complete within ${Math.round(timeoutMs)} ms`
        fail(message, 'ETIMEDOUT')
        stopCurrent(message)
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
          fail(`invalid URL: ${urlText.slice(0, MAX_QUOTED_URL_CHARS)}`, 'ERR_INVALID_URL')
          return
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          fail(
            `only http: and https: URLs are supported, not ${url.protocol}`,
            'ERR_INVALID_PROTOCOL',
          )
          return
        }
        const { host, port } = destinationOf(url)
        const shown = `${method} ${url.host} ${url.pathname}`
        const started = Date.now()
        const refuse = (reason: string) => {
          log(`[openhooks] ${request.api} ${shown} refused: ${reason}`)
          fail(`[openhooks] egress refused: ${reason}`, 'EGRESS_REFUSED')
        }
        // Checked again by the connector; refusing here names the request in the log at once, and
        // a name refused here is never looked up.
        const early =
          isIP(host) !== 0
            ? checkDestination(policy, host, port, host)
            : checkRequestedName(policy, host, port)
        if (early !== undefined) {
          refuse(early)
          return
        }
        const outgoing: string[] = []
        for (const [name, value] of headers) outgoing.push(name, value)
        const limit = policy.maxResponseBytes
        /** `undefined` until the response starts; then the final response or a redirect. */
        let response:
          | { kind: 'final'; status: number; statusText: string; headers: [string, string][] }
          | { kind: 'redirect'; next: URL; toGet: boolean }
          | undefined
        const chunks: Buffer[] = []
        let size = 0
        /** Bytes of a redirect's body read and dropped. */
        let drained = 0
        /** Set when this hop was cut short to go on with the next one: its later events are ignored. */
        let movedOn = false
        const overBudget = () => {
          fail(
            `the worker holds too many response bytes at once (more than ${budget} bytes, MAX_EGRESS_BUFFERED_BYTES_PER_WORKER); retry later`,
            'EGRESS_BUFFER_FULL',
          )
          stopCurrent('over the worker budget')
        }
        const tooBig = () => {
          fail(
            `the response body is larger than ${limit} bytes (maxResponseBytes)`,
            'ERR_RESPONSE_TOO_LARGE',
          )
          stopCurrent('response too large')
        }
        const onStart = (
          hopController: Dispatcher.DispatchController,
          status: number,
          responseHeaders: IncomingHttpHeaders,
          statusText: string | undefined,
        ) => {
          if (finished) {
            stopCurrent('finished')
            return
          }
          log(`[openhooks] ${request.api} ${shown} → ${status} (${Date.now() - started} ms)`)
          const location = headerOf(responseHeaders, 'location')
          if (
            REDIRECT_STATUSES.has(status) &&
            location !== undefined &&
            request.redirect !== 'manual'
          ) {
            if (request.redirect === 'error') {
              fail(
                `redirect to ${location.slice(0, MAX_QUOTED_URL_CHARS)} refused (redirect: 'error')`,
                'ERR_REDIRECT',
              )
              stopCurrent('redirect refused')
              return
            }
            redirects++
            if (redirects > policy.maxRedirects) {
              fail(
                `more than ${policy.maxRedirects} redirects (maxRedirects)`,
                'ERR_TOO_MANY_REDIRECTS',
              )
              stopCurrent('too many redirects')
              return
            }
            let next: URL
            try {
              next = new URL(location, url)
            } catch {
              fail(
                `invalid redirect location: ${location.slice(0, MAX_QUOTED_URL_CHARS)}`,
                'ERR_INVALID_URL',
              )
              stopCurrent('invalid redirect')
              return
            }
            const toGet =
              status === 303
                ? method !== 'HEAD'
                : (status === 301 || status === 302) && method === 'POST'
            response = { kind: 'redirect', next, toGet }
            const declaredRedirect = Number(headerOf(responseHeaders, 'content-length'))
            if (
              Number.isFinite(declaredRedirect) &&
              declaredRedirect > EGRESS_MAX_REDIRECT_BODY_BYTES
            ) {
              cutRedirect(hopController)
            }
            return
          }
          const declared = Number(headerOf(responseHeaders, 'content-length'))
          if (Number.isFinite(declared) && declared > limit) {
            tooBig()
            return
          }
          response = {
            kind: 'final',
            status,
            statusText: statusText ?? '',
            headers: headerPairsOf(hopController, responseHeaders),
          }
        }
        /** Stops reading a redirect's body (the connection goes) and follows the redirect now. */
        const cutRedirect = (hopController: Dispatcher.DispatchController) => {
          movedOn = true
          if (!hopController.aborted) hopController.abort(new Error('redirect body dropped'))
          movedOn = false
          onEnd()
          movedOn = true
        }
        const onEnd = () => {
          if (finished || movedOn || response === undefined) return
          if (response.kind === 'redirect') {
            const { next } = response
            if (response.toGet) {
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
          const { status } = response
          let data = Buffer.concat(chunks, size)
          if (request.decompress && method !== 'HEAD' && status !== 204 && status !== 304) {
            const encoding = (
              response.headers.find(([name]) => name.toLowerCase() === 'content-encoding')?.[1] ??
              ''
            )
              .trim()
              .toLowerCase()
            try {
              const opts = { maxOutputLength: limit }
              if (encoding === 'gzip' || encoding === 'x-gzip') data = gunzipSync(data, opts)
              else if (encoding === 'deflate') data = inflateSync(data, opts)
              else if (encoding === 'br') data = brotliDecompressSync(data, opts)
            } catch (error) {
              if (error instanceof RangeError) {
                fail(
                  `the decompressed response body is larger than ${limit} bytes (maxResponseBytes)`,
                  'ERR_RESPONSE_TOO_LARGE',
                )
              } else {
                fail(`the response body could not be decompressed (${encoding})`, 'ERR_DECOMPRESS')
              }
              return
            }
          }
          if (data.length > size && !reserve(data.length - size)) {
            overBudget()
            return
          }
          finish({
            ok: true,
            response: {
              status,
              statusText: response.statusText,
              headers: response.headers,
              url: url.href,
              redirected: redirects > 0,
              body: data,
            },
          })
        }
        const handler: Dispatcher.DispatchHandler = {
          onRequestStart(hopController) {
            controller = hopController
            if (finished) hopController.abort(new Error('aborted'))
          },
          onResponseStart(hopController, status, responseHeaders, statusText) {
            onStart(hopController, status, responseHeaders, statusText)
          },
          onResponseData(hopController, chunk) {
            if (finished || movedOn || response === undefined) return
            if (response.kind === 'redirect') {
              // A redirect's body is read and dropped, up to a bound.
              drained += chunk.length
              if (drained > EGRESS_MAX_REDIRECT_BODY_BYTES) cutRedirect(hopController)
              return
            }
            size += chunk.length
            if (size > limit) tooBig()
            else if (!reserve(chunk.length)) overBudget()
            else chunks.push(chunk)
          },
          onResponseEnd() {
            onEnd()
          },
          onResponseError(_hopController, error: NodeJS.ErrnoException) {
            if (finished || movedOn) return
            if (error instanceof EgressRefusedError) refuse(error.message)
            else if (error.code === 'UND_ERR_MAX_ORIGINS_REACHED') {
              log(`[openhooks] ${request.api} ${shown} refused: too many origins open`)
              fail(
                `the worker has connections open to ${limits.maxOrigins} origins already (EGRESS_MAX_ORIGINS); retry once they close (within ${limits.keepAliveMaxMs} ms of idleness)`,
                'EGRESS_TOO_MANY_ORIGINS',
              )
            } else {
              log(`[openhooks] ${request.api} ${shown} failed: ${error.code ?? error.message}`)
              fail(explainTlsError(error, url.host) ?? error.message, error.code ?? 'ERR_REQUEST')
            }
          },
        }
        waitOn(url.origin)
        try {
          dispatcher().dispatch(
            {
              origin: url.origin,
              path: `${url.pathname}${url.search}`,
              method,
              headers: outgoing,
              body: payload ?? null,
            },
            handler,
          )
        } catch (error) {
          fail(error instanceof Error ? error.message : String(error), 'ERR_REQUEST')
        }
      }
      hop(request.url)
      starting = false
      return {
        abort() {
          finished = true
          clearTimeout(timer)
          release()
          stopWaiting()
          stopCurrent('aborted')
        },
      }
    },
  }
}
