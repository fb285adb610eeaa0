/**
 * The host callbacks a worker gives each isolate's runtime (isolate/host.ts): console lines, timers,
 * completion and outbound requests. They are called synchronously from inside an entry and never
 * enter the isolate themselves; an outbound request's result comes back later as an entry of its own.
 */
import { isUtf8 } from 'node:buffer'
import type ivm from 'isolated-vm-types'
import { createEgressClient } from '../egress-client.js'
import { parseEgressRequest } from '../egress-request.js'
import type { EgressRequest, EgressResult } from '../egress-request.js'
import {
  compileEgressPolicy,
  MAX_EGRESS_CONCURRENT_REQUESTS_PER_CALL,
  MAX_EGRESS_REQUEST_BODY_BYTES,
  NO_EGRESS,
} from '../egress.js'
import type { EgressPolicy } from '../egress.js'
import { ownedBytes } from '../host-services.js'
import type { LogLevel } from '../runner.js'
import { addLog, answer, callOf, hookLine, limitReached } from './calls.js'
import { arm, dropTimer, enter, entryFailed, entryTimeout, settle } from './entries.js'
import { isolatedVm, state } from './state.js'
import type { Call, Slot, Timer } from './state.js'

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['log', 'info', 'warn', 'error', 'debug'])

/** The egress policy, as JSON in the environment (process-runner.ts validated it). */
const egressPolicy = compileEgressPolicy(egressFromEnv())
const egressClient = createEgressClient(egressPolicy)

function egressFromEnv(): EgressPolicy {
  const raw = process.env.OPENHOOKS_SANDBOX_EGRESS
  if (raw === undefined) return NO_EGRESS
  return JSON.parse(raw) as EgressPolicy
}

export function onLog(slot: Slot, callId: unknown, level: unknown, text: unknown): boolean {
  const call = callOf(slot, callId)
  if (call === undefined || call.ended || typeof level !== 'string' || typeof text !== 'string') {
    return false
  }
  return addLog(call, LOG_LEVELS.has(level) ? (level as LogLevel) : 'log', hookLine(text))
}

export function onTimer(
  slot: Slot,
  op: unknown,
  callId: unknown,
  timerId: unknown,
  delayMs: unknown,
  repeat: unknown,
): boolean {
  if (typeof timerId !== 'number') return false
  if (op === 'clear') {
    const timer = slot.timers.get(timerId)
    if (timer !== undefined) dropTimer(timer)
    return true
  }
  const call = callOf(slot, callId)
  if (op !== 'set' || call === undefined || call.ended || typeof delayMs !== 'number') return false
  if (call.timersCreated >= call.limits.maxTimers) {
    limitReached(call, 'maxTimers', call.limits.maxTimers)
    return false
  }
  call.timersCreated++
  const timer: Timer = {
    id: timerId,
    call,
    repeat: repeat === true,
    delayMs: Math.max(0, delayMs),
    handle: undefined,
  }
  slot.timers.set(timerId, timer)
  call.timers.add(timer)
  arm(timer, delayMs < 0)
  return true
}

export function onDone(slot: Slot, callId: unknown, kind: unknown, payload: unknown): void {
  const call = callOf(slot, callId)
  if (call === undefined || call.ended) return
  switch (kind) {
    case 'ok':
      if (payload !== undefined && typeof payload !== 'string') return
      call.completedInIsolate = true
      if (payload !== undefined && Buffer.byteLength(payload) > call.limits.maxResultBytes) {
        limitReached(call, 'maxResultBytes', call.limits.maxResultBytes)
      } else {
        answer(call, {
          kind: 'ok',
          ...(payload !== undefined ? { valueJson: payload } : undefined),
          logs: [],
          cpuMs: 0,
        })
      }
      return
    case 'error':
      if (typeof payload !== 'string') return
      call.completedInIsolate = true
      if (Buffer.byteLength(payload) > call.limits.maxResultBytes) {
        limitReached(call, 'maxResultBytes', call.limits.maxResultBytes)
      } else {
        answer(call, { kind: 'hook-error', errorJson: payload, logs: [], cpuMs: 0 })
      }
      return
    case 'extra':
      addLog(call, 'warn', '[openhooks] cb was called again after the call completed; ignored')
      return
    case 'late-error':
      addLog(
        call,
        'warn',
        `[openhooks] uncaught exception after the call completed: ${typeof payload === 'string' ? payload : 'unknown'}`,
      )
      return
    default:
      return
  }
}

/**
 * `$3 http(op, callId, requestId, spec, body)`: `'start'` begins an outbound request (spec: JSON of
 * an EgressRequest, body: a Uint8Array or undefined) and answers `''`, or the reason
 * it was refused at once; the result comes back later as an `'http'` entry. `'abort'` cancels.
 */
export function onHttp(
  slot: Slot,
  op: unknown,
  callId: unknown,
  requestId: unknown,
  spec: unknown,
  body: unknown,
): string {
  const call = callOf(slot, callId)
  if (call === undefined || call.ended || typeof requestId !== 'number') return 'the call is over'
  if (op === 'abort') {
    const pending = call.requests.get(requestId)
    if (pending !== undefined) {
      pending.abort()
      call.requests.delete(requestId)
      state.touched.add(call)
    }
    return ''
  }
  const request = parseEgressRequest(spec)
  if (
    op !== 'start' ||
    request === undefined ||
    (body !== undefined && !(body instanceof Uint8Array))
  ) {
    return 'invalid request'
  }
  const limit = egressPolicy.maxRequestsPerCall
  if (call.requestsStarted >= limit) {
    state.egress.refused++
    addLog(
      call,
      'warn',
      `[openhooks] ${request.api} refused: more than ${limit} requests in this call (maxRequestsPerCall)`,
    )
    return `[openhooks] this call made more than ${limit} outbound requests (maxRequestsPerCall)`
  }
  if (call.requests.size >= MAX_EGRESS_CONCURRENT_REQUESTS_PER_CALL) {
    return `[openhooks] more than ${MAX_EGRESS_CONCURRENT_REQUESTS_PER_CALL} outbound requests of this call at once`
  }
  const bytes = body === undefined ? undefined : ownedBytes(body)
  if (bytes !== undefined && bytes.length > MAX_EGRESS_REQUEST_BODY_BYTES) {
    state.egress.tooLarge++
    return `[openhooks] the request body is larger than ${MAX_EGRESS_REQUEST_BODY_BYTES} bytes`
  }
  call.requestsStarted++
  const handle = egressClient.start(
    withTraceparent(request, call.traceparent),
    bytes,
    call.deadlineAt,
    (line) => {
      if (!call.ended) addLog(call, 'info', line)
    },
    (result) => {
      requestDone(call, requestId, result)
    },
  )
  call.requests.set(requestId, handle)
  return ''
}

/**
 * The request with the call's `traceparent` header (docs/egress.md), unless tracing is off or the
 * hook set one itself: the hook's own header wins.
 */
function withTraceparent(request: EgressRequest, traceparent: string | undefined): EgressRequest {
  if (traceparent === undefined) return request
  if (request.headers.some(([name]) => name.toLowerCase() === 'traceparent')) return request
  return { ...request, headers: [...request.headers, ['traceparent', traceparent]] }
}

/** Which WorkerStats egress count an outbound request's result goes to. */
function egressOutcome(result: EgressResult): keyof typeof state.egress {
  if (result.ok) return 'sent'
  if (result.code === 'EGRESS_REFUSED') return 'refused'
  if (result.code === 'ETIMEDOUT') return 'timedOut'
  if (result.code === 'ERR_RESPONSE_TOO_LARGE' || result.code === 'EGRESS_BUFFER_FULL') {
    return 'tooLarge'
  }
  return 'failed'
}

function requestDone(call: Call, requestId: number, result: EgressResult): void {
  state.egress[egressOutcome(result)]++
  if (call.ended || !call.requests.delete(requestId)) return
  state.touched.add(call)
  const meta = result.ok
    ? JSON.stringify({
        ok: true,
        status: result.response.status,
        statusText: result.response.statusText,
        headers: result.response.headers,
        url: result.response.url,
        redirected: result.response.redirected,
      })
    : JSON.stringify({ ok: false, message: result.message, code: result.code })
  const { bytes, text } = result.ok ? bodyForIsolate(result.response.body) : {}
  const timeoutMs = entryTimeout(call)
  const entry = enter(call, ['http', requestId, meta, bytes, text], timeoutMs)
  if (!entry.ok) entryFailed(call, entry.failure, timeoutMs)
  settle()
}

/**
 * Longest response body, in bytes, that crosses into the isolate as its text alone when it is valid
 * UTF-8; the isolate encodes the bytes back from the text (isolate/fetch.ts `httpDone`). Copying an
 * ArrayBuffer into the isolate costs more than encoding a short text there (docs/performance.md,
 * "The fetch hook's path, fourth pass"); a longer body crosses as both, since encoding in the
 * isolate is a JavaScript loop.
 */
export const EGRESS_TEXT_ONLY_BODY_BYTES = 1024

/**
 * A response body as the isolate takes it: its bytes as an ArrayBuffer copied in (never the rest of
 * a pooled Buffer's memory), and its text when it is valid UTF-8, decoded here because decoding in
 * the isolate is a JavaScript loop (isolate/encoding.ts `utf8Decode`). A short UTF-8 body crosses
 * as its text only ({@link EGRESS_TEXT_ONLY_BODY_BYTES}). Empty bodies cross as nothing.
 */
function bodyForIsolate(body: Buffer): {
  bytes?: ivm.Copy<ArrayBufferLike>
  text?: string
} {
  if (body.length === 0) return {}
  if (body.length <= EGRESS_TEXT_ONLY_BODY_BYTES && isUtf8(body)) {
    return { text: body.toString('utf8') }
  }
  const exact =
    body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
      ? body.buffer
      : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
  return {
    bytes: new isolatedVm.ExternalCopy(exact).copyInto({ release: true }),
    ...(isUtf8(body) ? { text: body.toString('utf8') } : undefined),
  }
}
