// Size: over 700 lines, with module-level state: the worker process's isolate cache, call entries,
// channel and idle poll, memory ceiling and host callbacks. The planned split is src/sandbox/worker/
// with one file per role around one explicit state object (issue 19); it was left out of this
// round because every branch of the round edited it.
/**
 * The sandbox worker process: the only user of isolated-vm (STYLE §9.1), loaded through
 * `isolated-vm.ts`, which picks the build for the running Node.js. It is started by
 * `process-runner.ts` with `child_process.fork` and `--no-node-snapshot`, and talks to the parent
 * over file descriptor 3 with the frames of `protocol.ts`. Running this file is its entry point.
 *
 * It keeps one isolate per (hook id, version key, memory limit) in an LRU bounded by count and by
 * heap size. Each entry into an isolate is synchronous (`applySync` with a timeout), so one worker
 * runs one piece of hook code at a time; timers and the per-call deadline are host timers of this
 * process. See README.md for the limits this does and does not enforce.
 */
import { isUtf8 } from 'node:buffer'
import { createHash } from 'node:crypto'
import { readSync } from 'node:fs'
import { Socket, type OnReadOpts, type SocketConstructorOpts } from 'node:net'
import type ivm from 'isolated-vm-types'
import { createEgressClient, parseEgressRequest } from './egress-client.js'
import type { EgressResult } from './egress-client.js'
import {
  compileEgressPolicy,
  MAX_EGRESS_CONCURRENT_REQUESTS_PER_CALL,
  MAX_EGRESS_REQUEST_BODY_BYTES,
  NO_EGRESS,
} from './egress.js'
import type { EgressPolicy } from './egress.js'
import { hostService, ownedBytes } from './host-services.js'
import { afterEmptyRead } from './idle-poll.js'
import { loadIsolatedVm } from './isolated-vm.js'
import {
  heaviestHooks,
  megabytes,
  removeWebAssemblyFromIsolates,
  RESIDENT_CHECK_INTERVAL_MS,
  residentBytes,
} from './worker-memory.js'
import { ISOLATE_RUNTIME_SOURCE } from './isolate-runtime.js'
import { looksLikeBareFunction, SCRIPT_FILENAME, wrapBareFunction, wrapModule } from './prelude.js'
import type { WrappedScript } from './prelude.js'
import { describeSyntaxError, findSyntaxError } from './script-syntax.js'
import {
  FrameDecoder,
  FrameWriter,
  isolateKey,
  MAX_PARENT_FRAME_BYTES,
  parseParentMessage,
} from './protocol.js'
import type { HookCode, RunMessage, WorkerMessage, WorkerOutcome } from './protocol.js'
import {
  DEFAULT_IDLE_POLL_US,
  DEFAULT_MAX_WARM_HEAP_MB,
  DEFAULT_MAX_WARM_ISOLATES,
  DEFAULT_MAX_WORKER_RSS_MB,
} from './runner.js'
import type { LogEntry, LogLevel, RunLimits, SandboxModule, WorkerStats } from './runner.js'

/** Calls between two heap samples of one isolate. */
const HEAP_SAMPLE_EVERY_CALLS = 16

/** Limit of our own short entries (loading the wrapper, forgetting a call). */
const INTERNAL_ENTRY_TIMEOUT_MS = 1_000

/** Exit code when isolated-vm reports a catastrophic error. */
const EXIT_CATASTROPHIC = 70

/** Exit code when the worker passed its resident-memory ceiling (process-runner.ts replaces it). */
const EXIT_MEMORY_CEILING = 71

const CHANNEL_FD = 3

/** Names the runtime's frames in stack traces. */
const RUNTIME_FILENAME = 'openhooks:runtime'

/** isolated-vm, the build for this Node.js (`ivm` names its types). */
const isolatedVm = loadIsolatedVm()

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(['log', 'info', 'warn', 'error', 'debug'])

type Dispatch = (op: string, a?: unknown, b?: unknown, c?: unknown, d?: unknown) => unknown

interface Timer {
  readonly id: number
  readonly call: Call
  readonly repeat: boolean
  readonly delayMs: number
  handle: NodeJS.Timeout | NodeJS.Immediate | undefined
}

interface Call {
  readonly id: number
  readonly slot: Slot
  readonly limits: RunLimits
  readonly deadlineAt: number
  deadline: NodeJS.Timeout | undefined
  readonly logs: LogEntry[]
  lateLogs: LogEntry[]
  logBytes: number
  logsFull: boolean
  cpuNs: bigint
  timersCreated: number
  readonly timers: Set<Timer>
  /** Outbound requests in flight, by the isolate's request id (egress-client.ts). */
  readonly requests: Map<number, { abort(): void }>
  requestsStarted: number
  /** The isolate side has reported completion (so it forgets the call once its timers are gone). */
  completedInIsolate: boolean
  outcome: WorkerOutcome | undefined
  sent: boolean
  ended: boolean
}

interface Slot {
  readonly key: string
  readonly hookId: string
  readonly memoryMb: number
  isolate: ivm.Isolate | undefined
  context: ivm.Context | undefined
  dispatch: ivm.Reference<Dispatch> | undefined
  /** Wrapped script candidates still to try when the module is first loaded (Q10). */
  candidates: ivm.Reference[]
  loaded: boolean
  compileError: string | undefined
  readonly calls: Map<number, Call>
  readonly timers: Map<number, Timer>
  /** Out of the LRU; disposed when its last call ends. */
  retired: boolean
  heapBytes: number
  finishedCalls: number
}

type WorkerSettings = {
  readonly maxWarmIsolates: number
  readonly maxWarmHeapBytes: number
  /** See {@link pollChannel}; 0 turns polling off. */
  readonly idlePollMs: number
  /** Resident memory of the process past which it is replaced (see {@link checkResident}). */
  readonly maxResidentBytes: number
}

// The worker is an entry point of its own: its settings come from the environment that
// process-runner.ts gives it (and nothing else is in that environment).

const settings: WorkerSettings = {
  maxWarmIsolates: positiveIntFromEnv(
    'OPENHOOKS_SANDBOX_MAX_WARM_ISOLATES',
    DEFAULT_MAX_WARM_ISOLATES,
  ),
  maxWarmHeapBytes:
    positiveIntFromEnv('OPENHOOKS_SANDBOX_MAX_WARM_HEAP_MB', DEFAULT_MAX_WARM_HEAP_MB) *
    1024 *
    1024,
  idlePollMs: nonNegativeIntFromEnv('OPENHOOKS_SANDBOX_IDLE_POLL_US', DEFAULT_IDLE_POLL_US) / 1000,
  maxResidentBytes:
    positiveIntFromEnv('OPENHOOKS_SANDBOX_MAX_RSS_MB', DEFAULT_MAX_WORKER_RSS_MB) * 1024 * 1024,
}

// Before any isolate exists (issue 17): WebAssembly memory is outside isolated-vm's memory limit.
removeWebAssemblyFromIsolates()

/** The egress policy, as JSON in the environment (process-runner.ts validated it). */
const egressPolicy = compileEgressPolicy(egressFromEnv())
const egressClient = createEgressClient(egressPolicy)

function egressFromEnv(): EgressPolicy {
  const raw = process.env.OPENHOOKS_SANDBOX_EGRESS
  if (raw === undefined) return NO_EGRESS
  return JSON.parse(raw) as EgressPolicy
}

/** Insertion order is recency order: a used slot is deleted and re-inserted. */
const warm = new Map<string, Slot>()
const retiredSlots = new Set<Slot>()
const outbox: Call[] = []
let writer: FrameWriter | undefined
/** Calls of this worker that are not over (outcome sent and background work done or dropped). */
let liveCalls = 0

function positiveIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? NaN : Number(raw)
  return Number.isSafeInteger(value) && value > 0 ? value : fallback
}

function nonNegativeIntFromEnv(name: string, fallback: number): number {
  const raw = process.env[name]
  const value = raw === undefined ? NaN : Number(raw)
  return Number.isSafeInteger(value) && value >= 0 ? value : fallback
}

function send(message: WorkerMessage): void {
  writer?.write(message)
}

function note(level: 'info' | 'warn' | 'error', event: string, hookId?: string, detail?: string) {
  send({
    t: 'note',
    level,
    event,
    ...(hookId !== undefined ? { hookId } : undefined),
    ...(detail !== undefined ? { detail } : undefined),
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

// ---------------------------------------------------------------------------------------------
// Slots

function onCatastrophicError(hookId: string) {
  return (message: string): void => {
    // isolated-vm: v8 lost control of the isolate; the process must end. Best effort to tell the
    // parent why, synchronously (only if no partial frame is queued, which the note would cut
    // into), then stop at once (the parent fails the calls and replaces us).
    // When nothing is written, the parent learns from the exit.
    writer?.writeFinal({
      t: 'note',
      level: 'error',
      event: 'isolate.catastrophic',
      hookId,
      detail: message,
    })
    process.exitCode = EXIT_CATASTROPHIC
    process.kill(process.pid, 'SIGKILL')
  }
}

function buildSlot(message: RunMessage, code: HookCode, key: string): Slot {
  const slot: Slot = {
    key,
    hookId: message.hookId,
    memoryMb: message.limits.memoryMb,
    isolate: undefined,
    context: undefined,
    dispatch: undefined,
    candidates: [],
    loaded: false,
    compileError: undefined,
    calls: new Map(),
    timers: new Map(),
    retired: false,
    heapBytes: 0,
    finishedCalls: 0,
  }
  isolatesCreated++
  slot.isolate = new isolatedVm.Isolate({
    memoryLimit: message.limits.memoryMb,
    onCatastrophicError: onCatastrophicError(message.hookId),
  })
  try {
    prepareSlot(slot, slot.isolate, code)
  } catch (error) {
    disposeIsolate(slot)
    throw error
  }
  slot.heapBytes = sampleHeap(slot)
  return slot
}

/** The runtime as a script that evaluates to a function of its five host callbacks ($0–$4). */
const RUNTIME_SCRIPT_SOURCE = `(function ($0, $1, $2, $3, $4) {${ISOLATE_RUNTIME_SOURCE}\n})`

/**
 * V8's code cache of the runtime, made by the first isolate of this worker and used by the next
 * ones: the runtime is about 120 KB of source, and parsing it again for every new isolate would
 * double the cost of a cold call.
 */
let runtimeCodeCache: ivm.ExternalCopy<ArrayBuffer> | undefined

function runtimeFactory(isolate: ivm.Isolate, context: ivm.Context): ivm.Reference {
  const cache = runtimeCodeCache
  const script = isolate.compileScriptSync(RUNTIME_SCRIPT_SOURCE, {
    filename: RUNTIME_FILENAME,
    ...(cache !== undefined ? { cachedData: cache } : { produceCachedData: true }),
    // isolated-vm sets these on the script; its typings leave them out
  }) as ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean }
  if (cache === undefined) runtimeCodeCache = script.cachedData
  else if (script.cachedDataRejected === true) runtimeCodeCache = undefined
  try {
    return script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS })
  } finally {
    script.release()
  }
}

function prepareSlot(slot: Slot, isolate: ivm.Isolate, code: HookCode): void {
  const context = isolate.createContextSync()
  slot.context = context
  const factory = runtimeFactory(isolate, context)
  try {
    slot.dispatch = factory.applySync(
      undefined,
      [
        new isolatedVm.Callback((callId: unknown, level: unknown, text: unknown) =>
          onLog(slot, callId, level, text),
        ),
        new isolatedVm.Callback(
          (op: unknown, callId: unknown, timerId: unknown, delayMs: unknown, repeat: unknown) =>
            onTimer(slot, op, callId, timerId, delayMs, repeat),
        ),
        new isolatedVm.Callback((callId: unknown, kind: unknown, payload: unknown) => {
          onDone(slot, callId, kind, payload)
        }),
        new isolatedVm.Callback(
          (op: unknown, callId: unknown, requestId: unknown, spec: unknown, body: unknown) =>
            onHttp(slot, op, callId, requestId, spec, body),
        ),
        new isolatedVm.Callback((op: unknown, a: unknown, b: unknown, c: unknown) =>
          hostService(op, a, b, c),
        ),
      ],
      { result: { reference: true }, timeout: INTERNAL_ENTRY_TIMEOUT_MS },
    ) as ivm.Reference<Dispatch>
  } finally {
    factory.release()
  }

  for (const [name, module] of Object.entries(code.modules ?? {})) {
    declareModule(isolate, context, slot.dispatch, name, module)
  }

  // compat Q10: the module body first; a bare function expression when the body exports nothing.
  const attempts: WrappedScript[] = [wrapModule(code.script, code.classes)]
  if (looksLikeBareFunction(code.script)) {
    attempts.push(wrapBareFunction(code.script, code.classes))
  }
  let firstError: string | undefined
  for (const attempt of attempts) {
    try {
      const script = isolate.compileScriptSync(attempt.source, {
        filename: SCRIPT_FILENAME,
        lineOffset: attempt.lineOffset,
      })
      try {
        slot.candidates.push(
          script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS }),
        )
      } finally {
        script.release()
      }
    } catch (error) {
      firstError ??= messageOf(error)
    }
  }
  if (slot.candidates.length === 0) {
    // Report the script's own line, column and tokens, not the wrapper's (script-syntax.ts).
    const own = findSyntaxError(
      code.script,
      code.classes.map((item) => item.name),
    )
    slot.compileError =
      own !== undefined
        ? describeSyntaxError(own)
        : (firstError ?? 'the script could not be compiled')
    disposeIsolate(slot)
  }
}

/**
 * V8 code caches of dependency bundles, by SHA-256 of the wrapped source: made by this process
 * from bundles the server built (never taken from a user, STYLE §9.7), and bounded by count.
 */
const moduleCodeCache = new Map<string, ivm.ExternalCopy<ArrayBuffer>>()
const MAX_MODULE_CODE_CACHES = 256

/** Compiles a bundled dependency as a function and hands it to the runtime's `require`. */
function declareModule(
  isolate: ivm.Isolate,
  context: ivm.Context,
  dispatch: ivm.Reference<Dispatch>,
  name: string,
  module: SandboxModule,
): void {
  const source = `(function (exports, require, module, __filename, __dirname) {${module.source}\n})`
  const hash = createHash('sha256').update(source).digest('hex')
  const cachedData = moduleCodeCache.get(hash)
  const script: ivm.Script & ivm.CachedDataResult & { cachedDataRejected?: boolean } =
    isolate.compileScriptSync(source, {
      filename: `node_modules/${name}@${module.version}.js`,
      ...(cachedData !== undefined ? { cachedData } : { produceCachedData: true }),
    })
  try {
    if (cachedData === undefined && script.cachedData !== undefined) {
      if (moduleCodeCache.size >= MAX_MODULE_CODE_CACHES) {
        const oldest = moduleCodeCache.keys().next().value
        if (oldest !== undefined) {
          moduleCodeCache.get(oldest)?.release()
          moduleCodeCache.delete(oldest)
        }
      }
      moduleCodeCache.set(hash, script.cachedData)
    } else if (cachedData !== undefined && script.cachedDataRejected === true) {
      moduleCodeCache.delete(hash)
      cachedData.release()
    }
    const factory = script.runSync(context, { reference: true, timeout: INTERNAL_ENTRY_TIMEOUT_MS })
    try {
      dispatch.applySync(undefined, ['module', name, module.version, factory.derefInto()], {
        timeout: INTERNAL_ENTRY_TIMEOUT_MS,
      })
    } finally {
      factory.release()
    }
  } finally {
    script.release()
  }
}

function sampleHeap(slot: Slot): number {
  if (slot.isolate === undefined || slot.isolate.isDisposed) return 0
  try {
    const heap = slot.isolate.getHeapStatisticsSync()
    return heap.used_heap_size + heap.externally_allocated_size
  } catch {
    return 0
  }
}

function disposeIsolate(slot: Slot): void {
  for (const candidate of slot.candidates) candidate.release()
  slot.candidates = []
  slot.dispatch?.release()
  slot.context?.release()
  if (slot.isolate !== undefined && !slot.isolate.isDisposed) {
    try {
      slot.isolate.dispose()
    } catch {
      // already gone
    }
  }
  slot.dispatch = undefined
  slot.context = undefined
  slot.isolate = undefined
  slot.heapBytes = 0
}

/** Takes a slot out of the LRU; it is disposed as soon as no call uses it. */
function retireSlot(slot: Slot): void {
  if (warm.get(slot.key) === slot) warm.delete(slot.key)
  if (slot.calls.size === 0) {
    disposeIsolate(slot)
    retiredSlots.delete(slot)
  } else {
    slot.retired = true
    retiredSlots.add(slot)
  }
}

function enforceBounds(keep: Slot): void {
  let heap = 0
  for (const slot of warm.values()) heap += slot.heapBytes
  for (const slot of warm.values()) {
    if (warm.size <= settings.maxWarmIsolates && heap <= settings.maxWarmHeapBytes) return
    if (slot === keep || slot.calls.size > 0) continue
    heap -= slot.heapBytes
    retireSlot(slot)
  }
}

// ---------------------------------------------------------------------------------------------
// Host callbacks, called synchronously from inside an entry. They never enter the isolate.

function callOf(slot: Slot, callId: unknown): Call | undefined {
  return typeof callId === 'number' ? slot.calls.get(callId) : undefined
}

function addLog(call: Call, level: LogLevel, text: string): boolean {
  if (call.logsFull) return false
  const bytes = Buffer.byteLength(text)
  const target = call.sent ? call.lateLogs : call.logs
  const timestamp = new Date().toISOString()
  if (call.logBytes + bytes > call.limits.maxLogBytes) {
    call.logsFull = true
    const room = call.limits.maxLogBytes - call.logBytes
    if (room > 0) {
      // Keep what fits of the line (a multi-byte character cut in two becomes U+FFFD).
      target.push({ level, message: Buffer.from(text).subarray(0, room).toString(), timestamp })
    }
    target.push({
      level: 'warn',
      message: `[openhooks] console output truncated: the call reached its limit of ${call.limits.maxLogBytes} bytes (maxLogBytes)`,
      timestamp,
    })
    return false
  }
  call.logBytes += bytes
  target.push({ level, message: text, timestamp })
  return true
}

function onLog(slot: Slot, callId: unknown, level: unknown, text: unknown): boolean {
  const call = callOf(slot, callId)
  if (call === undefined || call.ended || typeof level !== 'string' || typeof text !== 'string') {
    return false
  }
  return addLog(call, LOG_LEVELS.has(level) ? (level as LogLevel) : 'log', hookLine(text))
}

/** Where a hook's line would start like one of the runtime's own (`[openhooks] …`) lines. */
const IMITATED_MARKER = /(^|\n)(\s*)\[openhooks\]/g

/**
 * The runtime's own lines start with `[openhooks]`; a hook's line, or a line of it, that starts so
 * gets `[hook] ` before it, so that no line a hook wrote reads as one of ours (issue 17).
 */
function hookLine(text: string): string {
  return text.includes('[openhooks]')
    ? text.replace(IMITATED_MARKER, '$1$2[hook] [openhooks]')
    : text
}

function onTimer(
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

function arm(timer: Timer, immediate: boolean): void {
  timer.handle = immediate
    ? setImmediate(fireTimer, timer)
    : setTimeout(fireTimer, timer.delayMs, timer)
}

function dropTimer(timer: Timer): void {
  if (timer.handle !== undefined) {
    clearTimeout(timer.handle as NodeJS.Timeout)
    clearImmediate(timer.handle as NodeJS.Immediate)
  }
  timer.handle = undefined
  timer.call.slot.timers.delete(timer.id)
  timer.call.timers.delete(timer)
  touched.add(timer.call)
}

function onDone(slot: Slot, callId: unknown, kind: unknown, payload: unknown): void {
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
function onHttp(
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
      touched.add(call)
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
    egressCounts.refused++
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
    egressCounts.tooLarge++
    return `[openhooks] the request body is larger than ${MAX_EGRESS_REQUEST_BODY_BYTES} bytes`
  }
  call.requestsStarted++
  const handle = egressClient.start(
    request,
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

function requestDone(call: Call, requestId: number, result: EgressResult): void {
  egressCounts[egressOutcome(result)]++
  if (call.ended || !call.requests.delete(requestId)) return
  touched.add(call)
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
 * A response body as the isolate takes it: its bytes as an ArrayBuffer copied in (never the rest of
 * a pooled Buffer's memory), and its text when it is valid UTF-8, decoded here because decoding in
 * the isolate is a JavaScript loop (isolate/encoding.ts `utf8Decode`). Empty bodies cross as nothing.
 */
function bodyForIsolate(body: Buffer): {
  bytes?: ivm.Copy<ArrayBufferLike>
  text?: string
} {
  if (body.length === 0) return {}
  const exact =
    body.byteOffset === 0 && body.byteLength === body.buffer.byteLength
      ? body.buffer
      : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength)
  return {
    bytes: new isolatedVm.ExternalCopy(exact).copyInto({ release: true }),
    ...(isUtf8(body) ? { text: body.toString('utf8') } : undefined),
  }
}

/** Records the outcome; it is sent after the current entry, with the CPU time of the call. */
function answer(call: Call, outcome: WorkerOutcome): void {
  touched.add(call)
  if (call.outcome !== undefined) return
  call.outcome = outcome
  outbox.push(call)
}

function limitReached(call: Call, limit: 'maxTimers' | 'maxResultBytes', value: number): void {
  if (pendingEnds.has(call)) return
  if (call.outcome === undefined) {
    answer(call, { kind: 'limit', limit, value, logs: [], cpuMs: 0 })
  } else {
    addLog(call, 'warn', `[openhooks] background work stopped: limit ${limit} (${value}) reached`)
  }
  // The call's timers and isolate-side state go as soon as the current entry is over.
  pendingEnds.add(call)
}

/** Calls to end (timers dropped, isolate-side state forgotten) once the current entry is over. */
const pendingEnds = new Set<Call>()
/** Calls whose completion or timers changed during the current entry. */
const touched = new Set<Call>()

// ---------------------------------------------------------------------------------------------
// Entries

type EntryFailure =
  | { readonly kind: 'timeout' }
  | { readonly kind: 'memory' }
  | { readonly kind: 'disposed'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string; readonly errorJson: string }

type EntryResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly failure: EntryFailure }

function entryTimeout(call: Call): number {
  const remaining = call.deadlineAt - Date.now()
  return Math.max(1, Math.min(call.limits.entryTimeoutMs, remaining))
}

/** One synchronous entry into the isolate on behalf of `call`. */
function enter(call: Call, args: unknown[], timeoutMs: number): EntryResult {
  const slot = call.slot
  const isolate = slot.isolate
  const dispatch = slot.dispatch
  if (isolate === undefined || dispatch === undefined) {
    return { ok: false, failure: { kind: 'disposed', message: 'the isolate is gone' } }
  }
  const before = isolate.cpuTime
  let result: EntryResult
  try {
    result = {
      ok: true,
      value: dispatch.applySync(undefined, args as [string], { timeout: timeoutMs }),
    }
  } catch (error) {
    result = { ok: false, failure: classify(error, isolate) }
  }
  if (!isolate.isDisposed) call.cpuNs += isolate.cpuTime - before
  return result
}

function classify(error: unknown, isolate: ivm.Isolate): EntryFailure {
  const message = messageOf(error)
  // isolated-vm has no error codes, only these fixed messages (src/isolate/run_with_timeout.h).
  if (message === 'Isolate was disposed during execution due to memory limit')
    return { kind: 'memory' }
  if (message.startsWith('Script execution timed out')) return { kind: 'timeout' }
  if (isolate.isDisposed) return { kind: 'disposed', message }
  // Anything else escaped the runtime's own try/catch: in practice an unhandled promise
  // rejection, which isolated-vm rethrows from the entry as a copy of the rejection value.
  return { kind: 'error', message, errorJson: serializeHostError(error) }
}

/** compat §3.5 applied to a value isolated-vm copied out of the isolate. */
function serializeHostError(value: unknown): string {
  if (value instanceof Error) {
    const body: Record<string, unknown> = {}
    for (const key of Object.getOwnPropertyNames(value)) {
      body[key] = (value as unknown as Record<string, unknown>)[key]
    }
    try {
      return JSON.stringify(body)
    } catch (error) {
      return JSON.stringify({ message: `Error serializing error: ${messageOf(error)}` })
    }
  }
  // Auth0's adapter: new Error(value.message || String(value) || 'Unknown error')
  const fromMessage =
    typeof value === 'object' && value !== null && 'message' in value ? value.message : undefined
  const message = fromMessage ? stringOf(fromMessage) : value == null ? '' : stringOf(value)
  return JSON.stringify({ message: message || 'Unknown error' })
}

function stringOf(value: unknown): string {
  switch (typeof value) {
    case 'object':
      return value === null ? 'null' : Object.prototype.toString.call(value)
    case 'function':
      return '[function]'
    case 'string':
      return value
    case 'bigint':
    case 'boolean':
    case 'number':
    case 'symbol':
    case 'undefined':
      return String(value)
  }
}

/** Handles a failed entry of `call`, then whatever the failure means for the slot. */
function entryFailed(call: Call, failure: EntryFailure, timeoutMs: number): void {
  const slot = call.slot
  switch (failure.kind) {
    case 'memory':
      // The isolate is gone with every call on it.
      for (const other of slot.calls.values()) {
        if (other.outcome === undefined) {
          answer(other, { kind: 'memory', limitMb: slot.memoryMb, logs: [], cpuMs: 0 })
        }
      }
      killSlot(slot)
      return
    case 'disposed':
      for (const other of slot.calls.values()) {
        if (other.outcome === undefined) {
          answer(other, {
            kind: 'crash',
            reason: `the hook's isolate was disposed: ${failure.message}`,
            logs: [],
            cpuMs: 0,
          })
        }
      }
      killSlot(slot)
      return
    case 'timeout': {
      const byDeadline = timeoutMs < call.limits.entryTimeoutMs
      if (call.outcome === undefined) {
        answer(call, {
          kind: 'timeout',
          limit: byDeadline ? 'timeoutMs' : 'entryTimeoutMs',
          limitMs: byDeadline ? call.limits.timeoutMs : call.limits.entryTimeoutMs,
          logs: [],
          cpuMs: 0,
        })
      } else {
        addLog(
          call,
          'warn',
          `[openhooks] background work stopped: it ran longer than ${timeoutMs} ms at once`,
        )
      }
      pendingEnds.add(call)
      // The script was stopped midway: its module state is suspect, start afresh next time.
      retireSlot(slot)
      return
    }
    case 'error':
      if (call.outcome === undefined) {
        answer(call, { kind: 'hook-error', errorJson: failure.errorJson, logs: [], cpuMs: 0 })
      } else {
        addLog(call, 'warn', `[openhooks] background work stopped: ${failure.message}`)
      }
      pendingEnds.add(call)
      return
  }
}

/** The isolate died: every call on the slot ends now. */
function killSlot(slot: Slot): void {
  if (warm.get(slot.key) === slot) warm.delete(slot.key)
  for (const call of [...slot.calls.values()]) {
    for (const timer of [...call.timers]) dropTimer(timer)
    call.completedInIsolate = true
    finishCall(call)
  }
  disposeIsolate(slot)
  retiredSlots.delete(slot)
}

/** Sends the outcomes recorded during the last entry, then ends the calls that are over. */
function settle(): void {
  while (outbox.length > 0) {
    const call = outbox.shift()
    if (call === undefined || call.sent || call.outcome === undefined) continue
    call.sent = true
    const outcome: WorkerOutcome = {
      ...call.outcome,
      logs: call.logs,
      cpuMs: Number(call.cpuNs) / 1e6,
    }
    send({ t: 'result', id: call.id, outcome })
  }
  for (const call of [...pendingEnds]) {
    pendingEnds.delete(call)
    endCall(call)
  }
  for (const call of [...touched]) {
    touched.delete(call)
    maybeFinish(call)
  }
}

/** A call answered by the isolate with no timers left is over; nothing to tell the isolate. */
function maybeFinish(call: Call): void {
  if (
    !call.ended &&
    call.outcome !== undefined &&
    call.completedInIsolate &&
    call.timers.size === 0 &&
    call.requests.size === 0
  ) {
    finishCall(call)
  }
}

/** Ends a call early or at its deadline: drops its timers and its state inside the isolate. */
function endCall(call: Call): void {
  if (call.ended) return
  // The isolate forgets a call by itself once it completed and has no timers left.
  const isolateKnows = !call.completedInIsolate || call.timers.size > 0 || call.requests.size > 0
  for (const timer of [...call.timers]) dropTimer(timer)
  abortRequests(call)
  const slot = call.slot
  if (isolateKnows && slot.dispatch !== undefined) {
    const result = enter(call, ['end', call.id], INTERNAL_ENTRY_TIMEOUT_MS)
    if (!result.ok && (result.failure.kind === 'memory' || result.failure.kind === 'disposed')) {
      killSlot(slot)
    }
  }
  call.completedInIsolate = true
  finishCall(call)
}

function abortRequests(call: Call): void {
  for (const request of call.requests.values()) request.abort()
  call.requests.clear()
}

function finishCall(call: Call): void {
  if (call.ended) return
  abortRequests(call)
  call.ended = true
  if (call.deadline !== undefined) clearTimeout(call.deadline)
  const slot = call.slot
  slot.calls.delete(call.id)
  liveCalls--
  touched.delete(call)
  if (call.outcome !== undefined && !call.sent) {
    // ended before settle() ran (an isolate that died, a compile error): send now
    call.sent = true
    send({
      t: 'result',
      id: call.id,
      outcome: { ...call.outcome, logs: call.logs, cpuMs: Number(call.cpuNs) / 1e6 },
    })
  }
  if (call.lateLogs.length > 0)
    send({ t: 'late-logs', id: call.id, hookId: slot.hookId, logs: call.lateLogs })
  slot.finishedCalls++
  if (slot.calls.size === 0) {
    if (slot.retired) {
      disposeIsolate(slot)
      retiredSlots.delete(slot)
    } else if (slot.finishedCalls === 1 || slot.finishedCalls % HEAP_SAMPLE_EVERY_CALLS === 0) {
      // The first call runs the module body, which is where a hook keeps what it keeps.
      slot.heapBytes = sampleHeap(slot)
      enforceBounds(slot)
    }
  }
}

function onDeadline(call: Call): void {
  call.deadline = undefined
  if (call.ended) return
  if (call.outcome === undefined) {
    answer(call, {
      kind: 'timeout',
      limit: 'timeoutMs',
      limitMs: call.limits.timeoutMs,
      logs: [],
      cpuMs: 0,
    })
    // isolated-vm's timeout does not cover awaited promises (#518): whatever the call left pending
    // stays in the isolate, so it is rebuilt once its other calls are over.
    retireSlot(call.slot)
  }
  pendingEnds.add(call)
  settle()
}

function fireTimer(timer: Timer): void {
  timer.handle = undefined
  const call = timer.call
  const slot = call.slot
  if (call.ended || slot.timers.get(timer.id) !== timer) return
  if (!timer.repeat) dropTimer(timer)
  const timeoutMs = entryTimeout(call)
  const result = enter(call, ['fire', timer.id], timeoutMs)
  if (!result.ok) entryFailed(call, result.failure, timeoutMs)
  // An entry never ends calls itself (settle does), so the timer is still ours unless cleared.
  else if (timer.repeat && slot.timers.get(timer.id) === timer) arm(timer, false)
  settle()
}

// ---------------------------------------------------------------------------------------------
// Messages

function handleRun(message: RunMessage): void {
  const now = Date.now()
  const emptyCall = { logs: [], cpuMs: 0 }
  if (now >= message.deadlineAt) {
    send({
      t: 'result',
      id: message.id,
      outcome: {
        kind: 'timeout',
        limit: 'timeoutMs',
        limitMs: message.limits.timeoutMs,
        ...emptyCall,
      },
    })
    return
  }
  const key = isolateKey(message.hookId, message.versionKey, message.limits.memoryMb)
  let slot = warm.get(key)
  if (slot === undefined) {
    if (message.code === undefined) {
      // Evicted or retired since the parent last sent the code (or a fresh worker).
      send({ t: 'need-code', id: message.id })
      return
    }
    try {
      slot = buildSlot(message, message.code, key)
    } catch (error) {
      send({
        t: 'result',
        id: message.id,
        outcome: {
          kind: 'crash',
          reason: `could not start an isolate: ${messageOf(error)}`,
          ...emptyCall,
        },
      })
      return
    }
    warm.set(key, slot)
    enforceBounds(slot)
  } else {
    warm.delete(key)
    warm.set(key, slot)
  }
  if (slot.compileError !== undefined) {
    send({
      t: 'result',
      id: message.id,
      outcome: { kind: 'compile-error', description: slot.compileError, ...emptyCall },
    })
    return
  }
  const call: Call = {
    id: message.id,
    slot,
    limits: message.limits,
    deadlineAt: message.deadlineAt,
    deadline: undefined,
    logs: [],
    lateLogs: [],
    logBytes: 0,
    logsFull: false,
    cpuNs: 0n,
    timersCreated: 0,
    timers: new Set(),
    requests: new Map(),
    requestsStarted: 0,
    completedInIsolate: false,
    outcome: undefined,
    sent: false,
    ended: false,
  }
  slot.calls.set(call.id, call)
  liveCalls++

  // The first entry is bounded by the deadline itself (entryTimeout); most calls end within it,
  // so the deadline's timer is only armed for a call that is still live afterwards.
  if (slot.loaded) {
    const timeoutMs = entryTimeout(call)
    const result = enter(
      call,
      ['run', call.id, message.args, message.limits.maxLogBytes],
      timeoutMs,
    )
    if (!result.ok) runFailed(call, result.failure, timeoutMs)
    else runAnswered(call, result.value)
  } else {
    load(call, message)
  }
  settle()
  if (!call.ended) {
    call.deadline = setTimeout(onDeadline, Math.max(0, call.deadlineAt - Date.now()), call)
  }
}

/** First call of a slot: evaluates the module (compat Q10: body, then bare function), then runs. */
function load(call: Call, message: RunMessage): void {
  const slot = call.slot
  while (slot.candidates.length > 0) {
    const candidate = slot.candidates.shift()
    if (candidate === undefined) break
    const timeoutMs = entryTimeout(call)
    const result = enter(
      call,
      ['run', call.id, message.args, message.limits.maxLogBytes, candidate.derefInto()],
      timeoutMs,
    )
    candidate.release()
    if (!result.ok) {
      runFailed(call, result.failure, timeoutMs)
      return
    }
    if (runAnswered(call, result.value)) {
      slot.loaded = true
      for (const rest of slot.candidates) rest.release()
      slot.candidates = []
      return
    }
    if (typeof result.value === 'string' && result.value.startsWith('threw:')) {
      compileFailed(call, result.value.slice('threw:'.length))
      return
    }
    // 'no-function': try the next candidate
  }
  compileFailed(call, 'The script must export a function: module.exports = function (…) { … }')
}

/**
 * Takes the answer of a `run` entry: the hook started, and maybe completed already (isolate/runtime.ts
 * `runAnswer`: a synchronous completion comes back as the entry's value rather than through the
 * `done` callback, one crossing less). False for any other answer (a module that failed to load).
 */
function runAnswered(call: Call, value: unknown): boolean {
  if (value === 'started') return true
  if (typeof value !== 'string') return false
  if (value === 'ok') {
    onDone(call.slot, call.id, 'ok', undefined)
    return true
  }
  if (value.startsWith('ok:')) {
    onDone(call.slot, call.id, 'ok', value.slice(3))
    return true
  }
  if (value.startsWith('error:')) {
    onDone(call.slot, call.id, 'error', value.slice(6))
    return true
  }
  return false
}

/**
 * A `run` entry failed. If the hook had called back before (and the isolate still lives), its
 * completion is taken first, so the first `cb` still wins and the failure counts as background
 * work. An isolate that ran out of memory is gone with what it held: that call ends as `memory`.
 */
function runFailed(call: Call, failure: EntryFailure, timeoutMs: number): void {
  if (failure.kind === 'timeout' || failure.kind === 'error') {
    const taken = enter(call, ['take'], INTERNAL_ENTRY_TIMEOUT_MS)
    if (taken.ok) runAnswered(call, taken.value)
  }
  entryFailed(call, failure, timeoutMs)
}

function compileFailed(call: Call, description: string): void {
  const slot = call.slot
  call.completedInIsolate = true
  answer(call, { kind: 'compile-error', description, logs: [], cpuMs: 0 })
  for (const timer of [...call.timers]) dropTimer(timer)
  // Keep the verdict for this version; the isolate itself is no longer needed.
  slot.compileError = description
  finishCall(call)
  if (slot.calls.size === 0) disposeIsolate(slot)
  else retireSlot(slot)
}

function handleRetire(hookId: string): void {
  for (const slot of [...warm.values()]) {
    if (slot.hookId === hookId) retireSlot(slot)
  }
}

function stats(): WorkerStats {
  let heap = 0
  let inFlight = 0
  for (const slot of warm.values()) {
    slot.heapBytes = sampleHeap(slot)
    heap += slot.heapBytes
    inFlight += slot.calls.size
  }
  for (const slot of retiredSlots) inFlight += slot.calls.size
  let liveIsolates = 0
  for (const slot of warm.values()) if (slot.isolate !== undefined) liveIsolates++
  return {
    pid: process.pid,
    warmIsolates: liveIsolates,
    isolateHeapBytes: heap,
    rssBytes: process.memoryUsage.rss(),
    inFlightCalls: inFlight,
    idlePollFrames,
    idlePollPauses,
    idlePollBackoffs,
    isolatesCreated,
    egress: { ...egressCounts },
  }
}

function onFrame(value: unknown): void {
  const message = parseParentMessage(value)
  if (message === undefined) {
    note('error', 'worker.protocol_error', undefined, 'invalid message from the parent')
    process.exit(1)
  }
  switch (message.t) {
    case 'run':
      handleRun(message)
      return
    case 'retire':
      handleRetire(message.hookId)
      return
    case 'stats':
      send({ t: 'stats', id: message.id, stats: stats() })
      return
  }
}

const decoder = new FrameDecoder(MAX_PARENT_FRAME_BYTES)

/** Handles the frames completed by `chunk`; returns how many there were. */
function onChunk(chunk: Buffer): number {
  const frames = decoder.push(chunk)
  for (const frame of frames) {
    if (!frame.ok) {
      note('error', 'worker.protocol_error', undefined, frame.error)
      process.exit(1)
    }
    onFrame(frame.value)
  }
  return frames.length
}

/**
 * The idle poll. Once the worker has answered everything and has no background work, it reads its
 * channel without blocking for up to `idlePollMs` before it returns to its event loop and sleeps.
 * A call that arrives meanwhile is handled at once by a process that is still running, and the
 * parent's write has nobody to wake: on VMs that halt idle vCPUs a wake-up costs more than a warm
 * hook (docs/performance.md). Each frame handled restarts the window.
 *
 * It only pays off when calls follow each other closely, so it bounds itself two ways:
 * - a window that ends with nothing read turns polling off, and a frame that arrives through the
 *   event loop within `idlePollMs` of the worker going idle turns it back on, so sparse traffic
 *   costs at most one window per burst;
 * - polling may take at most `IDLE_POLL_CPU_SHARE` of each `IDLE_POLL_BUDGET_PERIOD_MS`, so that a
 *   steady stream of calls spaced just under the window cannot keep a core spinning;
 * - a poll that finds another process took its CPU (the kernel counted an involuntary context
 *   switch since the window began) and then reads nothing turns polling off for
 *   `IDLE_POLL_BACKOFF_MS` at least: on a busy machine spinning competes with the processes that
 *   make the next call, and the next call alone says nothing about whether the contention is
 *   over. A gap between two reads alone is not enough: on a VM the host stops a vCPU now and then
 *   (steal time) without any process of this machine wanting it, and a gap test turned the poll
 *   off after most calls there (docs/performance.md, fourth pass).
 * It also leaves (and does not start) while the socket holds part of a frame the kernel has not
 * taken yet: that queue only drains from the event loop, which the poll would be blocking.
 *
 * Only a frame that arrives through the event loop can start a poll: a call that ends later (after
 * a timer or an outbound request) leaves the worker idle in its event loop until the next frame
 * (src/sandbox/README.md).
 * Nothing else can be due meanwhile: with no live call there are no hook timers or requests.
 */
const IDLE_POLL_BUDGET_PERIOD_MS = 100
const IDLE_POLL_CPU_SHARE = 0.5
/**
 * A gap this long (ms) between two reads of a poll means the worker was stopped: by the host of the
 * VM, or by this kernel for another process, which the context-switch count tells apart.
 */
const IDLE_POLL_GAP_MS = 0.05
/** After a poll stopped because the worker was descheduled, polling stays off this long (ms). */
const IDLE_POLL_BACKOFF_MS = 100
let pollOn = true
/** `performance.now()` before which polling stays off (after a descheduled stop). */
let pollOffUntil = 0
/** Frames the poll read, for the worker's stats (tests check that the poll runs at all). */
let idlePollFrames = 0
/** Cold starts and outbound requests by outcome since this worker started (WorkerStats). */
let isolatesCreated = 0
const egressCounts = { sent: 0, refused: 0, timedOut: 0, tooLarge: 0, failed: 0 }

/** Which EgressCounts field an outbound request's result counts in. */
function egressOutcome(result: EgressResult): keyof typeof egressCounts {
  if (result.ok) return 'sent'
  if (result.code === 'EGRESS_REFUSED') return 'refused'
  if (result.code === 'ETIMEDOUT') return 'timedOut'
  if (result.code === 'ERR_RESPONSE_TOO_LARGE' || result.code === 'EGRESS_BUFFER_FULL') {
    return 'tooLarge'
  }
  return 'failed'
}
/** Gaps in a poll that were not another process taking the CPU, and polls ended by one that was. */
let idlePollPauses = 0
let idlePollBackoffs = 0
/** `performance.now()` when the worker last went idle without polling. */
let idleSince = 0
/** Start of the current budget period, and the time spent waiting in polls during it (ms). */
let budgetStart = 0
let budgetSpentMs = 0
/** The buffers the channel is read into, again and again (`onread`, and the idle poll), in bytes. */
const CHANNEL_READ_BYTES = 64 * 1024
const pollBuffer = Buffer.allocUnsafe(CHANNEL_READ_BYTES)

function onChannelData(chunk: Buffer): void {
  const now = performance.now()
  if (!pollOn && now - idleSince <= settings.idlePollMs && now >= pollOffUntil) pollOn = true
  onChunk(chunk)
  writer?.flush()
  if (liveCalls > 0 || settings.idlePollMs === 0) return
  if (pollOn && !writerBusy()) pollChannel()
  idleSince = performance.now()
}

/** The socket holds bytes the kernel has not taken: only the event loop sends them. */
function writerBusy(): boolean {
  return (writer?.queuedBytes ?? 0) > 0
}

function pollChannel(): void {
  const stackLimit = Error.stackTraceLimit
  let now = performance.now()
  if (now - budgetStart >= IDLE_POLL_BUDGET_PERIOD_MS) {
    budgetStart = now
    budgetSpentMs = 0
  }
  if (budgetLeft() === 0) return
  // Only the waiting counts against the budget: handling the calls read is work the worker owes.
  let waitingSince = now
  let until = now + Math.min(settings.idlePollMs, budgetLeft())
  let previous = now
  // Compared again only after a gap (the count is a system call), and taken anew after each frame
  // read, since handling the call may have been preempted itself.
  let switchesAtStart = involuntarySwitches()
  try {
    while (liveCalls === 0) {
      now = performance.now()
      // One read takes a few µs; after a longer gap, ask whether another process had this CPU.
      let preempted = false
      if (now - previous > IDLE_POLL_GAP_MS) {
        preempted = involuntarySwitches() !== switchesAtStart
        if (!preempted) idlePollPauses++
      }
      previous = now
      // The window's end is checked after a read that found nothing, so that a preemption running
      // past it still backs off, and what came meanwhile is still read.
      let bytes: number
      try {
        // The descriptor is non-blocking: an empty channel throws EAGAIN, whose stack trace would
        // cost more than the read itself.
        Error.stackTraceLimit = 0
        bytes = readSync(CHANNEL_FD, pollBuffer, 0, CHANNEL_READ_BYTES, null)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return // the socket reports it
        switch (afterEmptyRead(preempted, now >= until, budgetLeft() - (now - waitingSince))) {
          case 'go-on':
            continue
          case 'back-off':
            // Another process wanted this CPU and we were not waiting for it: stop competing.
            idlePollBackoffs++
            pollOn = false
            pollOffUntil = now + IDLE_POLL_BACKOFF_MS
            return
          case 'off':
            pollOn = false
            return
          case 'end':
            return
        }
      } finally {
        Error.stackTraceLimit = stackLimit
      }
      if (bytes === 0) return // end of stream: the socket sees it too
      budgetSpentMs += performance.now() - waitingSince
      // The decoder keeps no reference to the chunk, so the buffer can be read into again.
      idlePollFrames += onChunk(pollBuffer.subarray(0, bytes))
      writer?.flush()
      // Part of an answer is still queued: give the event loop the chance to send it.
      if (writerBusy()) return
      waitingSince = performance.now()
      previous = waitingSince
      until = waitingSince + Math.min(settings.idlePollMs, budgetLeft())
      switchesAtStart = involuntarySwitches()
    }
  } finally {
    budgetSpentMs += performance.now() - waitingSince
  }
}

/**
 * Times the kernel took a CPU from this process for another task. The count covers all of the
 * worker's threads: one of V8's helpers preempted while it finishes a collection also counts. That
 * only errs toward backing off, and with no live call the other threads are mostly asleep.
 */
function involuntarySwitches(): number {
  return process.resourceUsage().involuntaryContextSwitches
}

function budgetLeft(): number {
  return Math.max(0, IDLE_POLL_BUDGET_PERIOD_MS * IDLE_POLL_CPU_SHARE - budgetSpentMs)
}

// ---------------------------------------------------------------------------------------------
// Resident-memory ceiling (issue 17): measured from the process, so it counts what the isolates'
// heap limits do not (external buffers, native allocations).

/**
 * Past the ceiling, the idle warm isolates go first; if that is not enough, the worker names the
 * hooks that hold the most and exits, and the parent replaces it (its calls in flight end as
 * `crash`). Checked every {@link RESIDENT_CHECK_INTERVAL_MS} while the worker runs.
 */
function checkResident(): void {
  const before = residentBytes()
  if (before <= settings.maxResidentBytes) return
  const hooks = heaviestHooks(
    [...warm.values(), ...retiredSlots].map((slot) => {
      if (slot.calls.size > 0) slot.heapBytes = sampleHeap(slot)
      return { hookId: slot.hookId, heapBytes: slot.heapBytes, busy: slot.calls.size > 0 }
    }),
  )
  for (const slot of [...warm.values()]) if (slot.calls.size === 0) retireSlot(slot)
  const after = residentBytes()
  const detail = `resident memory ${megabytes(before)} MB, ceiling ${megabytes(settings.maxResidentBytes)} MB (maxWorkerRssMb); hooks: ${hooks.join(', ')}`
  if (after <= settings.maxResidentBytes) {
    note('warn', 'worker.memory_evicted', undefined, `${detail}; idle isolates dropped`)
    return
  }
  writer?.writeFinal({ t: 'note', level: 'error', event: 'worker.memory_ceiling', detail })
  process.exit(EXIT_MEMORY_CEILING)
}

function startWorker(): void {
  setInterval(checkResident, RESIDENT_CHECK_INTERVAL_MS).unref()
  // `onread` hands each read to onChannelData directly, without the stream's buffering and events
  // (the decoder copies what it keeps). End of stream and errors still come as events.
  // Node documents `onread` for the constructor; this @types/node lists it under connect() only.
  const options: SocketConstructorOpts & { onread: OnReadOpts } = {
    fd: CHANNEL_FD,
    readable: true,
    writable: true,
    onread: {
      buffer: Buffer.allocUnsafe(CHANNEL_READ_BYTES),
      callback: (bytes: number, buffer: Uint8Array) => {
        onChannelData(Buffer.from(buffer.buffer, buffer.byteOffset, bytes))
        return true
      },
    },
  }
  const socket = new Socket(options)
  writer = new FrameWriter(socket, () => (socket.destroyed ? undefined : CHANNEL_FD))
  // The parent went away: nothing left to serve.
  socket.on('close', () => process.exit(0))
  socket.on('error', () => process.exit(1))
  process.on('disconnect', () => process.exit(0))
  send({ t: 'ready', pid: process.pid })
}

startWorker()
